"""Where things live in a compendium checkout."""
from __future__ import annotations

import os
import re
from pathlib import Path

# The layout: authors edit notebooks/NN_name.py (jupytext, paired there with an
# .ipynb of their own); `casework run` writes the executed notebook to a different
# folder, analyses/NN_name.ipynb, which the site renders as analyses/NN_name.html.
# Keeping the two apart means papermill never overwrites a file jupytext pairs, and
# Quarto never sees an .ipynb beside a same-named .py (which it would skip as an
# intermediate file of that script).
SOURCES = "notebooks"
EXECUTED = "analyses"

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


def source_path(root: Path, name: str) -> Path:
    """notebooks/NN_name.py: the jupytext source an author edits."""
    return Path(root) / SOURCES / f"{name}.py"


def executed_path(root: Path, name: str) -> Path:
    """analyses/NN_name.ipynb: the notebook as `casework run` executed it (a build product)."""
    return Path(root) / EXECUTED / f"{name}.ipynb"


def source_of(executed: str) -> str:
    """'analyses/01_caseload.ipynb' -> 'notebooks/01_caseload.py' (project-relative, posix)."""
    return f"{SOURCES}/{Path(executed).stem}.py"
