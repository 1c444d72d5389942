"""Which notebooks a build runs: all of notebooks/NN_name.py, or those named."""
from __future__ import annotations

import re
from pathlib import Path

NOTEBOOK_FILE = re.compile(r"^(\d+)_\w+\.py$")


class SelectionError(ValueError):
    """A requested notebook does not exist (the message lists those that do)."""


def discover(folder: Path) -> list[str]:
    """Names (NN_name) of the notebook sources in `folder`, in number order."""
    return sorted(p.stem for p in folder.glob("*.py") if NOTEBOOK_FILE.match(p.name))


def select(requested: list[str], known: list[str]) -> list[str]:
    """Resolve names given on the command line: '01', '01_caseload', 'caseload' or a
    path such as notebooks/01_caseload.py. No names: every notebook."""
    if not requested:
        return list(known)
    chosen: set[str] = set()
    for item in requested:
        want = Path(item).stem if item.endswith((".py", ".ipynb")) else item
        matches = [n for n in known
                   if want in (n, n.split("_", 1)[0], n.split("_", 1)[1])]
        if not matches:
            raise SelectionError(f"unknown notebook '{item}'; known: {', '.join(known) or '(none)'}")
        if len(matches) > 1:
            raise SelectionError(f"notebook '{item}' is ambiguous: {', '.join(matches)}")
        chosen.update(matches)
    return [n for n in known if n in chosen]
