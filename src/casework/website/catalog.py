"""The analysis pages, found from the notebooks: one source file makes one page.

Adding `notebooks/08_name.py` (plus its section in parameters.yml) is all it takes
to put a page on the site: `casework run` and `casework render` write, from the
sources in notebooks/,

- `_analyses.yml`: the executed notebooks' render list and the navbar's Analyses
  menu. `_quarto.yml` names it under `metadata-files`; Quarto merges such a file
  into the project configuration, appending its lists to those of `_quarto.yml`
  (quarto-cli: src/config/metadata.ts, mergeProjectMetadata/mergeArrayCustomizer),
  and casework.website.config merges it the same way for the built-in renderer.
- `_analyses.md`: the front page's table of analyses (`{{< include _analyses.md >}}`).

Both are build products (git ignores them). Quarto neither renders nor lists files
whose names start with '_'.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..paths import EXECUTED, SOURCES, source_path
from ..pipeline.selection import SelectionError, discover
from .errors import RenderError

METADATA_FILE = "_analyses.yml"
TABLE_FILE = "_analyses.md"
MENU_TEXT = "Analyses"
HEADING = re.compile(r"^# # (?P<title>\S.*?)\s*$")
HEADER = ("# Written by casework from notebooks/NN_name.py (casework.website.catalog); do not edit.\n"
          "# _quarto.yml takes it in under metadata-files; its lists are appended to _quarto.yml's.\n")


@dataclass(frozen=True)
class Analysis:
    """One notebook's page: its name (NN_name), title and where it lives."""

    name: str
    title: str

    @property
    def page(self) -> str:
        """The executed notebook the site renders: 'analyses/01_caseload.ipynb'."""
        return f"{EXECUTED}/{self.name}.ipynb"

    @property
    def source(self) -> str:
        return f"{SOURCES}/{self.name}.py"


def analyses(root: Path) -> list[Analysis]:
    """Every notebook source in notebooks/, in number order, with the title its page shows."""
    try:
        names = discover(Path(root) / SOURCES)
    except SelectionError as exc:
        raise RenderError(str(exc)) from None
    return [Analysis(name, title_of(source_path(root, name))) for name in names]


def title_of(path: Path) -> str:
    """The page title: the first '# # Title' line (a level-1 heading in a markdown cell)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        found = HEADING.match(line)
        if found:
            return found.group("title")
    raise RenderError(f"{path}: no page title; start the first markdown cell with a level-1 "
                      "heading ('# # Title of the page')")


def metadata(items: list[Analysis]) -> dict:
    """What `_analyses.yml` holds: the render list and the navbar's Analyses menu
    (no menu when there is no notebook)."""
    if not items:
        return {"project": {"render": []}}
    return {"project": {"render": [a.page for a in items]},
            "website": {"navbar": {"left": [{"text": MENU_TEXT, "menu": [
                {"href": a.page, "text": a.title} for a in items]}]}}}


def table(items: list[Analysis]) -> str:
    """The front page's table of analyses, one row per notebook (Markdown)."""
    rows = ["| | Page | Notebook source |", "|---|---|---|"]
    for a in items:
        number = a.name.split("_", 1)[0]
        title = a.title.replace("|", r"\|")
        rows.append(f"| {number} | [{title}]({a.page}) | [`{a.source}`]({a.source}) |")
    return "\n".join(rows) + "\n"


def write(root: Path) -> list[Analysis]:
    """Write `_analyses.yml` and `_analyses.md` for the project at root (only when they change,
    so nothing watching them rebuilds for nothing); returns the analyses."""
    root = Path(root)
    items = analyses(root)
    _write_if_changed(root / METADATA_FILE, HEADER + yaml.safe_dump(
        metadata(items), sort_keys=False, allow_unicode=True, default_flow_style=False))
    _write_if_changed(root / TABLE_FILE, table(items))
    return items


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def refresh(root: Path) -> None:
    """Rewrite the two files from notebooks/ when `_quarto.yml` takes `_analyses.yml` in
    (a project that lists its notebooks by hand gets neither)."""
    config = Path(root) / "_quarto.yml"
    if config.is_file() and METADATA_FILE in config.read_text(encoding="utf-8"):
        write(root)
