"""Where things live in a compendium checkout."""
from __future__ import annotations

import os
import re
from pathlib import Path

# What nb.record writes: results/NN_name.json (not _build.json, not NN_name.comparison.*).
NOTEBOOK_RESULTS = re.compile(r"^\d+_\w+\.json$")


def project_root(start: str | Path | None = None) -> Path:
    """The nearest folder (upwards from start, default cwd) holding `_quarto.yml`.

    CASEWORK_ROOT overrides, so tests can point the tools at a scratch project.
    """
    env = os.environ.get("CASEWORK_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_quarto.yml").is_file():
            return folder
    raise FileNotFoundError(f"no _quarto.yml in {here} or any parent: not inside a compendium")


def notebook_key(name: str) -> str:
    """'01_caseload' -> 'caseload': the name values are cited by ({{< var caseload.x >}})."""
    stem = Path(name).stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem
