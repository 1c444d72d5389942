"""Swap two folders in one step, so a site's path never stands empty.

Two renames (site -> aside, new -> site) leave a moment with no site at the path; a
kill there loses the site until the next start repairs it. Linux's renameat2(2) with
RENAME_EXCHANGE swaps both names atomically: at every instant the path holds either
the old or the new site. Python has no binding for it, so it is called from the C
library through ctypes; `exchange` returns False where the call or the file system
does not support it (macOS, old kernels, some network file systems), and the caller
falls back to two renames (repaired at the next start by casework.website.publish.tidy).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import sys
from functools import lru_cache
from pathlib import Path

AT_FDCWD = -100
RENAME_EXCHANGE = 1 << 1
# Not supported (by the kernel, the C library or the file system): fall back to renames.
UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}


@lru_cache(maxsize=1)
def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    function = getattr(libc, "renameat2", None)  # glibc >= 2.28
    if function is None:
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap the names a and b (both must exist); False when not supported.
    Other failures raise OSError like os.rename."""
    function = _renameat2()
    if function is None:
        return False
    if function(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))
