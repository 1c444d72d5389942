"""Which notebooks a build runs: all of notebooks/NN_name.py, or those named."""
from __future__ import annotations

import re
from pathlib import Path

NOTEBOOK_FILE = re.compile(r"^(\d{2,})_[A-Za-z0-9_]+\.py$")


def _shown(item: str) -> str:
    """A name as typed, quoted for a message: escaped, at most 40 characters."""
    text = repr(item)
    return text if len(text) <= 40 else f"{text[:37]}...' ({len(text)} characters)"


class SelectionError(ValueError):
    """A requested notebook does not exist (the message lists those that do), or a
    source in notebooks/ is misnamed."""


def discover(folder: Path) -> list[str]:
    """Names (NN_name) of the notebook sources in `folder`, in number order.

    Every .py there is a notebook, so one whose name breaks the NN_name rule is an
    error naming it, never silently left off the site; so are two notebooks with one
    number (their order, and `casework run 01`, would be ambiguous).
    """
    names = []
    for path in sorted(folder.glob("*.py")):
        if not NOTEBOOK_FILE.match(path.name):
            raise SelectionError(f"{path}: notebook sources are named NN_name.py (two or more digits, "
                                 "an underscore, then letters, digits or underscores), "
                                 "e.g. 08_replies.py; rename it or move it out of "
                                 f"{folder.name}/")
        names.append(path.stem)
    numbers: dict[str, str] = {}
    for name in names:
        number = name.split("_", 1)[0]
        if number in numbers:
            raise SelectionError(f"{folder / (name + '.py')}: number {number} is already taken by "
                                 f"{numbers[number]}.py; give each notebook its own number")
        numbers[number] = name
    return sorted(names, key=lambda n: (int(n.split("_", 1)[0]), n))


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
            raise SelectionError(f"unknown notebook {_shown(item)}; known: {', '.join(known) or '(none)'}")
        if len(matches) > 1:
            raise SelectionError(f"notebook {_shown(item)} is ambiguous: {', '.join(matches)}")
        chosen.update(matches)
    return [n for n in known if n in chosen]
