"""One build at a time per project: an exclusive lock on .casework/lock.

The lock is an advisory `flock` on the file, which the operating system drops when
the last process holding it ends, so a lock left by a crashed or killed build is taken
over without asking. The file holds the holder's pid so that a refusal can say who.

The notebook workers of a build (casework.pipeline.worker) inherit the lock's open file
(`inherited_fds`): the lock is held until the build *and every worker it started* have
ended. A build killed outright (SIGKILL, the OOM killer) leaves its workers behind for a
moment: each notices that the build is gone (its stdin closes), ends its kernel and
exits; until then it may still write the notebook it was executing. The next `casework
run`, `render` or `compare` therefore waits for them (up to ORPHAN_WAIT seconds, while
the pid in the file is dead: nothing else can hold the lock then) before it touches the
project, instead of racing with their last writes.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

WAIT_SECONDS = 5.0  # a second build waits this long for the first before refusing
# How long a start waits for the workers of a killed build to end. They stop within a
# second or two of noticing (ending a kernel); this bounds a loaded machine's delay.
ORPHAN_WAIT = 120.0

_held: dict[int, Path] = {}  # fd -> lock file, for the locks this process holds now


class LockError(RuntimeError):
    """Another build holds the project's lock."""


@contextmanager
def build_lock(path: Path, wait: float | None = None):
    """Hold the project's build lock for the duration of the block."""
    wait = WAIT_SECONDS if wait is None else wait
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                holder = _holder(path)
                orphans = holder is not None and not _alive(holder)
                if waited >= (max(wait, ORPHAN_WAIT) if orphans else wait):
                    raise LockError(_refusal(path, waited if orphans else wait, holder, orphans)) from None
                time.sleep(0.1)
        # Whatever pid the file named before is dead or gone: we hold the lock now.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[fd] = path
        try:
            yield
        finally:
            _held.pop(fd, None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def inherited_fds() -> tuple[int, ...]:
    """The open files of the locks this process holds, for its notebook workers to inherit
    (subprocess.Popen(pass_fds=...)): the lock then lasts until they have ended too."""
    return tuple(_held)


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
        return int(text) if text.isdigit() and len(text) < 12 else None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # exists (another user's) or unreadable: treat as a live holder
    return True


def _refusal(path: Path, waited: float, holder: int | None, orphans: bool) -> str:
    if orphans:
        return (f"a killed casework build (pid {holder}) left notebook workers that still hold "
                f"the lock {path}; waited {waited:.0f} s for them to end. They stop on their own "
                f"once they notice; if they do not, end the processes "
                f"'python -m casework.pipeline.worker' of this project and run again.")
    return (f"another casework build (pid {holder or 'unknown'}) holds the lock {path}; "
            f"waited {waited:g} s. Wait for it to finish and run again.")
