"""Put the project's build back as it was after builds made only to be compared.

`casework compare params/a.yml params/b.yml` builds both parameter sets in the project
(through the cache). Without this, `results/`, `analyses/` and `_variables.yml` would be
left on the last set, and a later plain `casework render` would publish it. `preserved`
copies those build products (and the cache's record of which entry they are) aside
before, and puts them back after, whatever happened in between (failure, Ctrl-C).
The copy lives in `.casework/compare-*/` for the duration; if the comparison is killed
outright (SIGKILL), the next `casework run`, `render` or `compare` puts it back
(`recover`, called under the build lock).
"""
from __future__ import annotations

import json
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
MANIFEST = "manifest.json"  # written last: the copy is complete; names the owner and absent products


@contextmanager
def preserved(root: Path) -> Iterator[None]:
    """Restore the build products present on entry when the block exits."""
    work = root / ".casework"
    work.mkdir(exist_ok=True)
    with build_lock(work / "lock"):
        recover(root)
        backup = Path(tempfile.mkdtemp(prefix="compare-", dir=work))
        for rel in BUILD_PRODUCTS:
            _copy(root / rel, backup / "project" / rel)
        for pointer in (work / "cache").glob(f"*/{CURRENT}"):
            _copy(pointer, backup / "cache" / pointer.parent.name / CURRENT)
        absent = [rel for rel in BUILD_PRODUCTS if not (root / rel).exists()]
        (backup / MANIFEST).write_text(json.dumps({"pid": os.getpid(), "absent": absent}),
                                       encoding="utf-8")
    try:
        yield
    finally:
        with build_lock(work / "lock"):
            _restore(root, backup)


def recover(root: Path) -> None:
    """Put back what a comparison killed outright left aside (its process is gone).
    Call under the build lock."""
    for backup in sorted((root / ".casework").glob("compare-*")):
        try:
            owner = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))["pid"]
        except (OSError, ValueError, KeyError, TypeError):
            owner = None  # killed while copying: the project was not changed yet
        if owner is not None and _alive(owner):
            continue
        if owner is None:
            shutil.rmtree(backup, ignore_errors=True)
        else:
            _restore(root, backup)


def _restore(root: Path, backup: Path) -> None:
    """Put the saved products back; safe to repeat after a kill part-way through."""
    work = root / ".casework"
    manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    for pointer in (work / "cache").glob(f"*/{CURRENT}"):
        pointer.unlink()
    for pointer in (backup / "cache").glob(f"*/{CURRENT}"):  # copied, not moved: repeatable
        target = work / "cache" / pointer.parent.name / CURRENT
        if target.parent.is_dir():
            shutil.copy2(pointer, target)
    for rel in BUILD_PRODUCTS:
        saved = backup / "project" / rel
        if saved.exists():
            _remove(root / rel)
            os.rename(saved, root / rel)
        elif rel in manifest.get("absent", []):
            _remove(root / rel)  # made by the comparison's builds
    shutil.rmtree(backup, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError, OverflowError):
        return True  # exists (another user's) or unreadable: leave it alone
    return True


def _copy(source: Path, target: Path) -> None:
    if not source.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    else:
        shutil.copy2(source, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
