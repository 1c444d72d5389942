"""sha256 of files, remembered between runs while the files are unchanged.

The no-op build (`casework run` / `casework build` with nothing to do) hashes the same
files every time: the data tables, the sources, the casework modules the notebooks
import, the executed notebooks and results the build record vouches for, the pages and
the package the site is built from. Most never change, and hashing megabytes on every
no-op cost more than the half second it may take. So each digest is remembered in
`.casework/digests.json` under the file's path, with the file's size, mtime, ctime and
inode; it is used again only while all four are the same. A write changes the ctime,
which no program can set back (`touch -d` sets the mtime, and moves the ctime to now),
so a changed file is always hashed again.

A digest is remembered only for a file whose mtime and ctime are at least RACY_NS older
than the moment it was hashed (as git treats "racily clean" index entries): a file
written in the same clock tick as, and after, the hashing could otherwise keep its
stamps. Such a file is simply hashed again next time.

`remembering(root)` loads the store for a block and writes it back atomically (a
scratch file renamed over it) when something was added; outside such a block
`digest` hashes without remembering. Any process may write the store: every entry is
checked against the file itself, so a store from another run is at worst unused.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STORE = Path(".casework") / "digests.json"
RACY_NS = 2_000_000_000  # stamps younger than this when hashed: not remembered
FORMAT = 1
MAX_ENTRIES = 5_000      # files remembered at most (the earliest stored dropped first)
MAX_DERIVED = 256        # derived values at most: each package edit adds one walk per notebook

_memo: dict[str, list] | None = None   # path -> [size, mtime_ns, ctime_ns, inode, digest]
_derived: dict | None = None           # "kind:digest" -> a value computed from those bytes
_added = False


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def sha256_file(path: Path | str) -> str:
    """sha256 of a file's bytes, read in blocks (a data table may be large); OSError passes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            h.update(block)
    return h.hexdigest()


def short_checksum(sums: dict[str, str]) -> str:
    """One short digest over named file digests ('name:sha256;' by name): the data
    folder's checksum on every stamp, whoever computes it (casework.data.Dataset, the
    cache's fingerprint, the renderer's provenance)."""
    joined = "".join(f"{k}:{v};" for k, v in sorted(sums.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


def digest(path: Path | str) -> str:
    """sha256 (hex) of the file's bytes: remembered inside `remembering`, else computed.
    OSError (missing, unreadable, a folder) passes to the caller."""
    global _added
    name = os.path.abspath(path)
    if _memo is None:
        return sha256_file(name)
    st = os.stat(name)
    stamp = _stamp(st)
    known = _memo.get(name)
    if known is not None and known[:4] == stamp:
        return known[4]
    before = time.time_ns()
    value = sha256_file(name)
    if max(st.st_mtime_ns, st.st_ctime_ns) <= before - RACY_NS and _stamp(os.stat(name)) == stamp:
        _memo[name] = [*stamp, value]
        _added = True
    else:
        _memo.pop(name, None)
    return value


def derived(path: Path | str, kind: str, compute):
    """compute(), a JSON value that depends only on the bytes of `path` (and on what `kind`
    names), remembered under the file's digest inside `remembering`. OSError passes."""
    global _added
    key = f"{kind}:{digest(path)}"
    if _derived is not None and key in _derived:
        return _derived[key]
    value = compute()
    if _derived is not None and _memo is not None and os.path.abspath(path) in _memo:
        _derived[key] = value  # only for a digest that is remembered (not a fresh file)
        _added = True
    return value


def _load(store: Path) -> tuple[dict[str, list], dict]:
    try:
        doc = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, {}
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("files"), dict):
        return {}, {}
    files = {k: v for k, v in doc["files"].items()
             if isinstance(v, list) and len(v) == 5 and isinstance(v[4], str)}
    return files, doc.get("derived") if isinstance(doc.get("derived"), dict) else {}


def _save(store: Path, memo: dict[str, list], derived_values: dict) -> None:
    if len(memo) > MAX_ENTRIES:
        memo = dict(list(memo.items())[-MAX_ENTRIES:])
    if len(derived_values) > MAX_DERIVED:
        derived_values = dict(list(derived_values.items())[-MAX_DERIVED:])
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        tmp = store.with_name(f".{store.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"format": FORMAT, "files": memo, "derived": derived_values},
                                  separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, store)  # readers see the old store or the new one, never half of one
    except OSError:
        pass  # a read-only project: the digests are computed again next time


@contextmanager
def remembering(root: Path) -> Iterator[None]:
    """Remember digests in root/.casework/digests.json for the block (nested: the outer
    block's store is used)."""
    global _memo, _derived, _added
    if _memo is not None:
        yield
        return
    store = Path(root) / STORE
    (_memo, _derived), _added = _load(store), False
    try:
        yield
    finally:
        memo, derived_values, added = _memo, _derived, _added
        _memo, _derived, _added = None, None, False
        if added:
            _save(store, memo, derived_values)
