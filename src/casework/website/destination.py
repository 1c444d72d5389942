"""Where a site or a comparison may be written: never over work casework did not write.

Every site (`casework render`/`build`, `--out DIR`) and every comparison folder carries
the marker file MARKER. A destination is accepted when it does not exist yet, is an
empty folder, or is a folder holding the marker (or, for sites rendered before the
marker existed, the site key `.casework-site-key`). Anything else (a folder of the
user's files, a regular file, a symbolic link, a device) is refused with one line, so
`casework render --out ~/thesis` cannot replace a thesis.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import RenderError

MARKER = ".casework-site"  # in every site and comparison folder casework writes
MARKER_TEXT = "written by casework; `casework render --out` may replace this folder\n"
LEGACY_MARKERS = (".casework-site-key",)  # sites rendered before MARKER existed


class OutputError(RenderError):
    """A destination casework must not write to; the message names it and what is allowed."""


ALLOWED = "a new path, an empty folder or a folder casework wrote (it holds .casework-site)"


def is_ours(folder: Path) -> bool:
    """Whether `folder` is a site or comparison folder casework wrote (it holds the marker)."""
    return any((folder / name).is_file() for name in (MARKER, *LEGACY_MARKERS))


def check_destination(path: Path, option: str = "--out") -> None:
    """Refuse a destination whose replacement could lose work, or that cannot be written.

    option: how the user gave the path (named in the message, e.g. '--out' or 'output-dir').
    """
    shown = f"{option} {path}"
    try:
        _check(path, shown)
    except OSError as exc:  # a loop of links, a folder that cannot be searched
        raise OutputError(f"{shown}: cannot be checked ({exc.strerror or type(exc).__name__}); "
                          f"expected {ALLOWED}") from None


def _check(path: Path, shown: str) -> None:
    if path.is_symlink():
        raise OutputError(f"{shown}: is a symbolic link; expected {ALLOWED}")
    if path.exists():
        if not path.is_dir():
            kind = "a file" if path.is_file() else "not a folder (a device, pipe or socket)"
            raise OutputError(f"{shown}: is {kind}, which would be replaced; expected {ALLOWED}")
        try:
            empty = next(os.scandir(path), None) is None
        except OSError as exc:
            raise OutputError(f"{shown}: cannot be read ({exc.strerror}); expected {ALLOWED}") from None
        if not empty and not is_ours(path):
            raise OutputError(f"{shown}: is a folder casework did not write (no {MARKER} in it); "
                              f"expected {ALLOWED}; nothing was changed")
    parent = _existing_parent(path)
    if parent is None or not parent.is_dir():
        raise OutputError(f"{shown}: {parent} is not a folder; expected {ALLOWED}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{shown}: the folder {parent} is not writable; expected {ALLOWED} "
                          "in a writable folder")


def _existing_parent(path: Path) -> Path | None:
    """The nearest existing ancestor of path's parent (the folder new folders go into)."""
    for candidate in (path.parent, *path.parent.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return None


def mark(folder: Path) -> None:
    """Write the marker into a folder casework writes (a site being staged, a comparison)."""
    (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def write_error(exc: OSError, site: Path, option: str = "--out") -> OutputError:
    """One line for a write that failed (disk full, permission, read-only file system)."""
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"{option} {site}: cannot write the new site ({reason}); the previous "
                       f"site is unchanged; expected {ALLOWED} on a writable disk with free space")
