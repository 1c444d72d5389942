"""The build cache: executed outputs stored under their cache key.

Layout of the cache folder (.casework/cache/):

    NN_name/<key[:16]>/     one successful execution: its output files + entry.json
    NN_name/current.json    which key the outputs now in the project came from, with
                            each file's size and mtime (so a hand edit is noticed)

A cache hit costs no kernel: either the outputs in place are current, or a stored
entry is copied back (a reviewer switching back to an earlier parameter set).
Entries are written to a scratch folder and renamed into place, and current.json
is replaced atomically, so an interrupted build never leaves something that
looks like a valid entry.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..paths import EXECUTED, executed_path

# Entries kept per notebook: enough for a reviewer to cycle through several named
# parameter sets without re-running (`casework run --cache-entries N` to change).
KEEP = 8
# What an entry holds. 2: the exported tables (results/tables/NN_*) too; an entry of an
# earlier layout would restore a notebook without its tables, so it counts as a miss.
LAYOUT = 2


def output_files(root: Path, name: str) -> list[Path]:
    """A notebook's outputs in the project: its executed .ipynb, results/NAME.* and the
    tables it exports, results/tables/NN_*.* (without them a restore from the cache left
    another parameter set's tables beside this set's values)."""
    files = [executed_path(root, name)]
    files += sorted(p for p in (root / "results").glob(f"{name}.*") if not p.name.endswith(".tmp"))
    number = name.split("_", 1)[0]
    files += sorted(p for p in (root / "results" / "tables").glob(f"{number}_*")
                    if not p.name.endswith(".tmp"))
    return [p for p in files if p.is_file()]


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _write_json(path: Path, doc: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class Cache:
    """Stored executions of every notebook of one project."""

    def __init__(self, folder: Path, root: Path, keep: int | None = None):
        self.folder = folder
        self.root = root
        self.keep = KEEP if keep is None else keep

    def _entry_dir(self, name: str, key: str) -> Path:
        return self.folder / name / key[:16]

    def is_current(self, name: str, key: str) -> bool:
        """True when the outputs in place came from `key` and nobody touched them since."""
        try:
            current = json.loads((self.folder / name / "current.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if current.get("key") != key or self.entry(name, key) is None:
            return False
        present = {p.relative_to(self.root).as_posix(): p for p in output_files(self.root, name)}
        recorded = current.get("files", {})
        return (set(present) == set(recorded) and present != {}
                and all(_stat(p) == recorded[rel] for rel, p in present.items()))

    def current_key(self, name: str) -> str | None:
        """The key the outputs in place came from, if they are untouched and stored."""
        try:
            key = json.loads((self.folder / name / "current.json").read_text(encoding="utf-8"))["key"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return key if isinstance(key, str) and self.is_current(name, key) and self.entry(name, key) else None

    def entry(self, name: str, key: str) -> dict | None:
        """The stored entry for `key` (its metadata), or None."""
        try:
            meta = json.loads((self._entry_dir(name, key) / "entry.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if meta.get("key") == key and meta.get("layout") == LAYOUT else None

    def restore(self, name: str, key: str) -> dict:
        """Copy a stored entry's files back into the project; returns its metadata."""
        meta = self.entry(name, key)
        if meta is None:
            raise KeyError(f"no cache entry for {name} with key {key[:16]}")
        src = self._entry_dir(name, key)
        wanted = set(meta["files"])
        for stale in output_files(self.root, name):
            if stale.relative_to(self.root).as_posix() not in wanted:
                stale.unlink()
        for rel in meta["files"]:
            dest = self.root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".tmp")
            tmp.unlink(missing_ok=True)
            shutil.copyfile(src / Path(rel).name, tmp)
            if rel.startswith(f"{EXECUTED}/"):
                os.chmod(tmp, 0o444)  # an executed notebook is read-only (pipeline.execute)
            os.replace(tmp, dest)
        os.utime(src)  # recently used: pruned last
        self._mark_current(name, key)
        return meta

    def store(self, name: str, key: str, meta: dict) -> None:
        """Store the outputs now in the project as the entry for `key`, and mark them current."""
        files = output_files(self.root, name)
        rels = [p.relative_to(self.root).as_posix() for p in files]
        (self.folder / name).mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.folder / name))
        for path in files:
            shutil.copyfile(path, scratch / path.name)
        _write_json(scratch / "entry.json", {**meta, "key": key, "notebook": name, "files": rels,
                                             "layout": LAYOUT})
        final = self._entry_dir(name, key)
        if final.exists():  # --force re-ran an entry we already had
            shutil.rmtree(final)
        os.rename(scratch, final)
        self._mark_current(name, key)
        self._prune(name, keep=final)

    def latest(self, name: str) -> dict | None:
        """The metadata of the entry the outputs in place came from, else the most recently
        used one (what --dry-run compares against)."""
        try:
            current = json.loads((self.folder / name / "current.json").read_text(encoding="utf-8"))
            meta = self.entry(name, current["key"])
            if meta:
                return meta
        except (OSError, ValueError, KeyError, TypeError):
            pass
        folder = self.folder / name
        entries = sorted((d for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".")),
                         key=lambda d: d.stat().st_mtime_ns, reverse=True) if folder.is_dir() else []
        for d in entries:
            try:
                return json.loads((d / "entry.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
        return None

    def forget(self, name: str) -> None:
        """The outputs in place are about to change: they no longer match any key."""
        (self.folder / name / "current.json").unlink(missing_ok=True)

    def _mark_current(self, name: str, key: str) -> None:
        files = {p.relative_to(self.root).as_posix(): _stat(p) for p in output_files(self.root, name)}
        _write_json(self.folder / name / "current.json", {"key": key, "files": files})

    def _prune(self, name: str, keep: Path) -> None:
        """Drop all but the KEEP most recently used entries, and scratch folders an
        interrupted build left (safe: only the lock holder writes here)."""
        folders = [d for d in (self.folder / name).iterdir() if d.is_dir()]
        for scratch in (d for d in folders if d.name.startswith(".tmp-")):
            shutil.rmtree(scratch, ignore_errors=True)
        entries = sorted((d for d in folders if not d.name.startswith(".") and d != keep),
                         key=lambda d: d.stat().st_mtime_ns, reverse=True)
        for old in entries[max(self.keep, 1) - 1:]:
            shutil.rmtree(old, ignore_errors=True)
