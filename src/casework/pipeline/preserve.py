"""Put the project's build back as it was after builds made only to be compared.

`casework compare params/a.yml params/b.yml` builds both parameter sets in the project
(through the cache). Without this, `results/`, `analyses/` and `_variables.yml` would be
left on the last set, and a later plain `casework render` would publish it. `preserved`
copies those build products (and the cache's record of which entry they are) aside
before, and puts them back after, whatever happened in between (failure, Ctrl-C).
The copy lives in `.casework/compare-*/` for the duration.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .lock import build_lock

# What `casework run` rewrites in the project (the site folder is never touched by a run).
BUILD_PRODUCTS = ("results", "analyses", "_variables.yml", "_analyses.yml", "_analyses.md")
CURRENT = "current.json"  # the cache's pointer to the entry the outputs came from


@contextmanager
def preserved(root: Path) -> Iterator[None]:
    """Restore the build products present on entry when the block exits."""
    work = root / ".casework"
    work.mkdir(exist_ok=True)
    with build_lock(work / "lock"):
        backup = Path(tempfile.mkdtemp(prefix="compare-", dir=work))
        for rel in BUILD_PRODUCTS:
            _copy(root / rel, backup / "project" / rel)
        for pointer in (work / "cache").glob(f"*/{CURRENT}"):
            _copy(pointer, backup / "cache" / pointer.parent.name / CURRENT)
    try:
        yield
    finally:
        with build_lock(work / "lock"):
            for rel in BUILD_PRODUCTS:
                _replace(backup / "project" / rel, root / rel)
            for pointer in (work / "cache").glob(f"*/{CURRENT}"):
                pointer.unlink()
            for pointer in (backup / "cache").glob(f"*/{CURRENT}"):
                target = work / "cache" / pointer.parent.name / CURRENT
                if target.parent.is_dir():
                    os.replace(pointer, target)
            shutil.rmtree(backup, ignore_errors=True)


def _copy(source: Path, target: Path) -> None:
    if not source.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    else:
        shutil.copy2(source, target)


def _replace(saved: Path, path: Path) -> None:
    """Put `saved` at `path` (removing what the comparison's builds left there)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    if saved.exists():
        os.rename(saved, path)
