"""One build at a time per project: an exclusive lock on .casework/lock.

The lock is an advisory `flock` on the file, which the operating system drops when
the holder dies, so a lock left by a crashed or killed build is taken over
without asking. The file holds the holder's pid so that a refusal can say who.
"""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

WAIT_SECONDS = 5.0  # a second build waits this long for the first before refusing


class LockError(RuntimeError):
    """Another build holds the project's lock."""


@contextmanager
def build_lock(path: Path, wait: float | None = None):
    """Hold the project's build lock for the duration of the block."""
    wait = WAIT_SECONDS if wait is None else wait
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(_refusal(path, wait)) from None
                time.sleep(0.1)
        # Whatever pid the file named before is dead or gone: we hold the lock now.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _refusal(path: Path, wait: float) -> str:
    holder = path.read_text(encoding="utf-8").strip() or "unknown"
    return (f"another casework build (pid {holder}) holds the lock {path}; waited {wait:g} s. "
            f"Wait for it to finish and run again.")
