"""Publish only complete, consistent builds, one publisher at a time.

`casework render` runs inside `publishing(root, site)`: it holds the project's build
lock (so it never reads the outputs of a build still going), turns SIGTERM into an
interrupt (so the staging folder is removed), and tidies `_site.*.tmp` / `_site.*.old`
folders that a killed render left, putting the previous site back if a kill fell
between the two renames of the swap.

`check_complete(root, pages)` refuses a build record in which a page's notebook did
not finish in its last run (status running, failed, interrupted), whose outputs
changed after the record vouched for them, or whose parameters do not follow from
the parameter set the record names (a mixed site, e.g. `run 01 -p confidence=0.97`
after a default build). The message names every such notebook and what is wrong.
"""
from __future__ import annotations

import os
import re
import signal
import stat
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..paths import EXECUTED, NOTEBOOK_RESULTS
from ..pipeline import digests
from ..pipeline.build_record import parameter_set_name, read_document
from .errors import RenderError

RENDER_WAIT = 5.0  # seconds a render waits for a running build before refusing


@contextmanager
def publishing(root: Path, site: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the build lock, tidy leftovers before and after, and clean up on SIGTERM."""
    from ..pipeline.lock import LockError, build_lock
    try:
        lock = build_lock(root / ".casework" / "lock", RENDER_WAIT if wait is None else wait)
        lock.__enter__()
    except LockError as exc:
        raise RenderError(f"{exc} The site was not rendered; the published one is unchanged.") from None
    try:
        with _sigterm_as_interrupt():
            from ..pipeline.preserve import recover
            recover(root)  # a comparison killed outright: its project's build back first
            tidy(site)
            try:
                yield
            finally:
                tidy(site)
    finally:
        lock.__exit__(None, None, None)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so `finally` blocks (staging cleanup) run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def leftovers(site: Path) -> list[Path]:
    """Staging (`_site.*.tmp`) and swapped-out (`_site.*.old`) folders a render left beside
    the site: only names of the form it makes (a random token between the dots), and an
    `.old` folder only while it holds nothing but the parked site, so a folder of the
    user's that merely looks alike is never removed."""
    pattern = re.compile(re.escape(site.name) + r"\.[A-Za-z0-9_]+\.(tmp|old)")
    found = []
    for p in site.parent.glob(f"{site.name}.*"):
        if not pattern.fullmatch(p.name) or p.is_symlink() or not p.is_dir():
            continue
        if p.suffix == ".old" and any(child.name != site.name for child in p.iterdir()):
            continue
        found.append(p)
    return sorted(found)


def tidy(site: Path) -> None:
    """Remove leftovers of killed renders; if the site itself went missing between the
    two renames of a swap (where the system cannot exchange two names in one step), put
    the previous one back first. Call only under the lock."""
    if not site.exists() and not site.is_symlink():
        for old in (p for p in leftovers(site) if p.suffix == ".old"):
            if (old / site.name).is_dir():
                os.rename(old / site.name, site)
                break
    for folder in leftovers(site):
        remove_tree(folder)


def remove_tree(folder: Path) -> None:
    """rmtree that also removes read-only folders (a site a user made read-only)."""
    def writable_then_retry(func, path, _exc):
        parent = os.path.dirname(path)
        for p in (parent, path):
            try:
                os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
            except OSError:
                pass
        try:
            func(path)
        except OSError:
            pass

    shutil.rmtree(folder, onerror=writable_then_retry)


def notebook_pages(pages: tuple[str, ...] | list[str]) -> list[str]:
    """Names (NN_name) of the pages that are executed notebooks of the pipeline."""
    names = []
    for page in pages:
        path = Path(page)
        if path.parent.as_posix() == EXECUTED and path.suffix == ".ipynb" \
                and NOTEBOOK_RESULTS.match(path.stem + ".json"):
            names.append(path.stem)
    return names


def problems(root: Path, pages) -> list[str]:
    """One line per page notebook whose outputs the site must not publish."""
    names = notebook_pages(pages)
    if not names:
        return []
    record_path = root / "results" / "_build.json"
    doc = read_document(record_path)
    record = doc.get("notebooks") if isinstance(doc.get("notebooks"), dict) else {}
    if not record:
        return [f"{record_path} is missing or unreadable: run `casework run` (or `casework build`) first"]
    expected = _expected_params(doc.get("parameter_set"), [n for n in names if n in record])
    found = []
    for name in names:
        entry = record.get(name)
        if not isinstance(entry, dict):
            found.append(f"{name}: never run in this project (not in {record_path.name})")
            continue
        status = entry.get("status")
        if status == "running":
            found.append(f"{name}: its last run did not finish (the build was killed, or is still "
                         f"going), with {_ran_with(doc, name, entry)}")
        elif status == "interrupted":
            found.append(f"{name}: the last build was interrupted before it started")
        elif status == "failed":
            found.append(f"{name}: its last run failed")
        elif status not in ("executed", "cached"):
            found.append(f"{name}: unknown status {status!r} in {record_path.name}")
        else:
            changed = _changed_outputs(root, entry.get("outputs"))
            if changed:
                found.append(f"{name}: {', '.join(changed)} changed after its run was recorded "
                             "(an interrupted build?)")
            elif expected is not None and name in expected:
                differ = _differences(entry.get("params") or {}, expected[name])
                if differ:
                    found.append(f"{name}: ran with {differ}, not with the parameter set of the last "
                                 f"run ({parameter_set_name(doc['parameter_set'])})")
    return found


def check_complete(root: Path, pages) -> None:
    """Raise RenderError naming every page notebook that is not complete and consistent."""
    found = problems(root, pages)
    if found:
        raise RenderError("refusing to render an incomplete or mixed build; the published site is "
                          "unchanged:\n  " + "\n  ".join(found)
                          + "\nRun `casework run` (with the parameter set you want) for all notebooks, "
                            "then render.")


def _ran_with(doc: dict, name: str, entry: dict) -> str:
    """The parameters a notebook's unfinished run had: the record's parameter set and the
    notebook's values that differ from the schema defaults."""
    pset = doc.get("parameter_set")
    set_name = parameter_set_name(pset) if isinstance(pset, dict) else "an unrecorded parameter set"
    from ..pipeline.parameters import schema
    specs = schema().get(name, {})
    params = entry.get("params") if isinstance(entry.get("params"), dict) else {}
    changed = [f"{k}={v!r}" for k, v in sorted(params.items())
               if k != "data_dir" and k in specs and v != specs[k].default]
    return f"parameter set {set_name} ({', '.join(changed) or 'all defaults'})"


def _changed_outputs(root: Path, outputs) -> list[str]:
    if not isinstance(outputs, dict):
        return []  # a record from before output digests: nothing to compare
    changed = []
    for rel, digest in outputs.items():
        try:
            actual = digests.digest(root / rel)
        except OSError:
            actual = "missing"
        if actual != digest:
            changed.append(rel)
    return changed


def _expected_params(pset, names: list[str]) -> dict[str, dict] | None:
    """Each notebook's parameters as the record's parameter set resolves them (None when
    the record names no set or the schema no longer accepts it)."""
    if not isinstance(pset, dict) or not isinstance(pset.get("layers"), list):
        return None
    from ..pipeline.parameters import ParameterError, resolve
    try:
        return resolve(names, [(str(o), dict(v)) for o, v in pset["layers"]])
    except (ParameterError, TypeError, ValueError):
        return None


def _differences(actual: dict, expected: dict) -> str:
    keys = sorted(k for k in set(actual) | set(expected) if actual.get(k) != expected.get(k))
    return ", ".join(f"{k}={actual.get(k)!r} (set: {expected.get(k)!r})" for k in keys)


def parameter_summary(root: Path, runs: dict) -> tuple[str, str]:
    """What every page says about its parameters in plain view: the parameter set's name
    (file and -p overrides, from the build record) and the values that differ from the
    schema defaults ('none' when all are defaults), as 'key=value' (flat when every
    notebook with the key has that value, else 'notebook.key=value')."""
    doc = read_document(root / "results" / "_build.json")
    pset = doc.get("parameter_set")
    name = parameter_set_name(pset) if isinstance(pset, dict) else "not recorded"
    from ..pipeline.parameters import schema
    specs = schema()
    changed: dict[str, dict[str, object]] = {}  # key -> notebook -> value
    holders: dict[str, set[str]] = {}
    for nb, run in runs.items():
        for key, spec in specs.get(nb, {}).items():
            holders.setdefault(key, set()).add(nb)
            value = run.params.get(key, spec.default)
            if key != "data_dir" and value != spec.default:
                changed.setdefault(key, {})[nb] = value
    parts = []
    for key in sorted(changed):
        values = changed[key]
        if set(values) == holders[key] and len({repr(v) for v in values.values()}) == 1:
            parts.append(f"{key}={next(iter(values.values()))}")
        else:
            parts += [f"{nb}.{key}={v}" for nb, v in sorted(values.items())]
    return name, "; ".join(parts) or "none"
