"""The analysis pages, found from the notebooks: one source file makes one page.

Adding `notebooks/08_name.py` (plus its section in parameters.yml) is all it takes
to put a page on the site: `casework run` and `casework render` write, from the
sources in notebooks/,

- `_analyses.yml`: the executed notebooks' render list and the navbar's Analyses
  menu. `_quarto.yml` names it under `metadata-files`; Quarto merges such a file
  into the project configuration, appending its lists to those of `_quarto.yml`
  (quarto-cli: src/config/metadata.ts, mergeProjectMetadata/mergeArrayCustomizer),
  and casework.website.config merges it the same way for the built-in renderer.
- `_analyses.md`: the front page's table of analyses (`{{< include _analyses.md >}}`):
  each page's title, what it asks and which published study or table it reproduces.

A page's title is the first markdown cell's level-1 heading; what it asks and what it
reproduces are in the source's own YAML header (jupytext notebook metadata, kept by
notebooks/jupytext.toml's filter):

    # ---
    # jupyter:
    #   casework:
    #     question: How large is the caseload ...?
    #     reproduces: Spannagel 2018, Figs. 1-6
    # ---

Both are build products (git ignores them). Quarto neither renders nor lists files
whose names start with '_'.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .. import fastyaml
from ..paths import EXECUTED, SOURCES, source_path
from ..pipeline.selection import SelectionError, discover
from .errors import RenderError

METADATA_FILE = "_analyses.yml"
TABLE_FILE = "_analyses.md"
MENU_TEXT = "Analyses"
_ENCODING = re.compile(r"^[ \t\f]*#.*?coding[:=]")  # PEP 263
HEADING = re.compile(r"^# # (?P<title>\S.*?)\s*$")
METADATA_KEY = "casework"  # the notebook metadata section (the source's YAML header)
ABOUT = {"question": "What it asks", "reproduces": "Reproduces"}  # key -> table column
HEADER = ("# Written by casework from notebooks/NN_name.py (casework.website.catalog); do not edit.\n"
          "# _quarto.yml takes it in under metadata-files; its lists are appended to _quarto.yml's.\n")


@dataclass(frozen=True)
class Analysis:
    """One notebook's page: its name (NN_name), title, what it asks, what it reproduces."""

    name: str
    title: str
    question: str
    reproduces: str

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
    items = []
    for name in names:
        path = source_path(root, name)
        items.append(Analysis(name, title_of(path), **about_of(path)))
    return items


def title_of(path: Path) -> str:
    """The page title: the first '# # Title' line (a level-1 heading in a markdown cell)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        found = HEADING.match(line)
        if found:
            return found.group("title")
    raise RenderError(f"{path}: no page title; start the first markdown cell with a level-1 "
                      "heading ('# # Title of the page')")


def header_of(path: Path) -> dict:
    """The notebook metadata in a source's YAML header (`# ---` ... `# ---` at the top,
    each line commented with '# '), read as jupytext reads it (jupytext.header: the
    `jupyter:` section of the uncommented YAML), without importing jupytext and the
    notebook stack behind it (nbformat's validator alone took seconds): the catalog
    reads every header on each run, also when nothing executes."""
    st = path.stat()
    return _header(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)  # `casework run` checks the catalog, then writes it: read each header once
def _header(name: str, mtime_ns: int, size: int) -> dict:
    path = Path(name)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    while start < len(lines) and (lines[start].startswith("#!") or _ENCODING.match(lines[start])):
        start += 1  # jupytext keeps a shebang or coding line above the header
    if start >= len(lines) or lines[start].rstrip() != "# ---":
        return {}
    body = []
    for line in lines[start + 1:]:
        if line.rstrip() == "# ---":
            break
        if line != "#" and not line.startswith("# "):
            return {}  # not a commented YAML block: jupytext reads no header either
        body.append(line[2:])
    else:
        return {}  # never closed: no header
    try:
        doc = fastyaml.load("\n".join(body))
    except yaml.YAMLError:
        doc = None  # read again below with the pure-Python loader, whose messages say more
    try:
        doc = yaml.safe_load("\n".join(body)) if doc is None else doc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {start + 2 + mark.line})" if mark else ""
        raise RenderError(f"{path}: the YAML header does not parse{where}: "
                          f"{getattr(exc, 'problem', None) or exc}; quote a value that holds ': '")
    jupyter = doc.get("jupyter") if isinstance(doc, dict) else None
    return jupyter if isinstance(jupyter, dict) else {}


def about_of(path: Path) -> dict[str, str]:
    """What the page asks and reproduces, from the source's header (`jupyter: casework:`)."""
    section = header_of(path).get(METADATA_KEY) or {}
    about = {}
    for key in ABOUT:
        value = section.get(key) if isinstance(section, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise RenderError(
                f"{path}: no '{key}' in the notebook's header; add it to the YAML header at the "
                f"top of the file, under 'jupyter:' / '{METADATA_KEY}:' (question: what the page "
                "asks; reproduces: the published study and table, or 'Extension: ...')")
        about[key] = " ".join(value.split())
    return about


def metadata(items: list[Analysis]) -> dict:
    """What `_analyses.yml` holds: the render list and the navbar's Analyses menu
    (no menu when there is no notebook)."""
    if not items:
        return {"project": {"render": []}}
    return {"project": {"render": [a.page for a in items]},
            "website": {"navbar": {"left": [{"text": MENU_TEXT, "menu": [
                {"href": a.page, "text": a.title} for a in items]}]}}}


def table(items: list[Analysis]) -> str:
    """The front page's table of analyses, one row per notebook (Markdown): the page,
    what it asks (under the title: two columns read on a phone), what it reproduces.
    Each page links its own source."""
    rows = [f"| Analysis: {ABOUT['question'].lower()} | {ABOUT['reproduces']} |", "|---|---|"]
    for a in items:
        cells = [f"[{a.title}]({a.page})<br>{a.question}", a.reproduces]
        rows.append("| " + " | ".join(c.replace("|", r"\|") for c in cells) + " |")
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
    if _follows_notebooks(root):
        write(root)


def check(root: Path) -> None:
    """Raise RenderError for a source the catalog cannot list (no title, question or
    reproduces), so `casework run` stops before any kernel starts, not after."""
    if _follows_notebooks(root):
        analyses(root)


def _follows_notebooks(root: Path) -> bool:
    config = Path(root) / "_quarto.yml"
    return config.is_file() and METADATA_FILE in config.read_text(encoding="utf-8")
