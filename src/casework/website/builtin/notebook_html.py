"""Executed notebooks to HTML with nbconvert, honouring Quarto's cell options.

A code cell's leading `#| key: value` lines are Quarto cell options. The ones the
compendium uses are honoured as Quarto does: `label`, `fig-cap`, `tbl-cap`,
`fig-alt`, `echo`, `output`, `include`, `warning`, `column` (as a `column-*` class);
so are the Jupyter Book tags
Quarto accepts (`remove-cell`, `remove-input`, `remove-output`). Nothing is
executed: outputs are shown as papermill left them, images inline as data URIs.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import jinja2
import markdown
import nbformat
import yaml
from nbconvert import HTMLExporter

from ..errors import RenderError, yaml_mapping
from .shortcodes import Where

TEMPLATE = Path(__file__).with_name("templates") / "notebook.html"
KINDS = {"fig": "Figure", "tbl": "Table"}
# papermill tags: the defaults cell, and the cell it inserts with this run's values
PARAMETERS, INJECTED = "parameters", "injected-parameters"

MarkdownHook = Callable[[str, Where], str]


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    loader = jinja2.DictLoader({"casework_notebook.html.j2": TEMPLATE.read_text(encoding="utf-8")})
    return HTMLExporter(template_name="classic", template_file="casework_notebook.html.j2",
                        extra_loaders=[loader], exclude_input_prompt=True,
                        exclude_output_prompt=True)


def cell_options(source: str, where: str) -> tuple[dict, str]:
    """Split a code cell into its Quarto options (`#| ...` lines on top) and its code."""
    lines = source.splitlines()
    n = 0
    while n < len(lines) and lines[n].startswith("#|"):
        n += 1
    if not n:
        return {}, source
    text = "\n".join(line[2:] for line in lines[:n])
    options = yaml_mapping(text, where, "the '#|' cell options must be 'key: value' lines",
                           subject="the '#|' cell options are ")
    return options, "\n".join(lines[n:])


class ExecutedNotebook:
    """One executed .ipynb: its cells with options parsed, its title, its labelled cells."""

    def __init__(self, path: Path, name: str):
        self.path = path
        self.name = name  # project-relative path, for messages and links
        if not path.is_file():
            raise RenderError(f"{name}: notebook not found; run `casework run {path.stem}` to execute it")
        try:
            self.nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # nbformat raises several unrelated types for bad files
            raise RenderError(f"{name}: not a readable notebook: {exc}") from None
        self.front_matter = self._front_matter()
        self._options: dict[int, tuple[dict, str]] = {}

    def _front_matter(self) -> dict:
        """Quarto reads a leading raw cell of YAML (--- ... ---) as the page's front matter."""
        cells = self.nb.cells
        if cells and cells[0].cell_type == "raw" and cells[0].source.lstrip().startswith("---"):
            body = cells[0].source.strip().strip("-")
            try:
                meta = yaml.safe_load(body) or {}
            except yaml.YAMLError as exc:
                raise RenderError(f"{self.name}, cell 1: front matter is not valid YAML: {exc}") from None
            return meta if isinstance(meta, dict) else {}
        return {}

    @property
    def title(self) -> str | None:
        """The front-matter title, else the first level-1 heading, as Quarto takes it."""
        if self.front_matter.get("title"):
            return str(self.front_matter["title"])
        heading = self._heading()
        return heading[2] if heading else None

    def _heading(self) -> tuple[int, int, str] | None:
        """(cell, line, text) of the first level-1 heading in a markdown cell."""
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "markdown":
                for n, line in enumerate(cell.source.splitlines()):
                    if line.startswith("# "):
                        return i, n, line[2:].strip()
        return None

    def options(self, index: int) -> tuple[dict, str]:
        """A code cell's Quarto options and its code without them (parsed once)."""
        if index not in self._options:
            cell = self.nb.cells[index]
            self._options[index] = cell_options(cell.source, f"{self.name}, cell {index + 1}")
        return self._options[index]

    def find(self, label: str) -> int | None:
        """Index of the code cell labelled `label`, or None."""
        for i, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code" and self.options(i)[0].get("label") == label:
                return i
        return None

    @property
    def labels(self) -> list[str]:
        return [str(self.options(i)[0]["label"]) for i, c in enumerate(self.nb.cells)
                if c.cell_type == "code" and "label" in self.options(i)[0]]

    def page_html(self, markdown_hook: MarkdownHook, source_html: str | None = None) -> str:
        """The whole notebook as page content: markdown, folded code, outputs, captions.

        Without front matter the first level-1 heading is lifted out of the body:
        the page shows it as its title, as Quarto does.
        """
        cells = []
        lifted = None if self.front_matter.get("title") else self._heading()
        counters = {kind: 0 for kind in KINDS}
        injected = any(INJECTED in c.metadata.get("tags", []) for c in self.nb.cells)
        for i, cell in enumerate(self.nb.cells):
            if i == 0 and self.front_matter:
                continue
            if cell.cell_type == "markdown":
                cell = copy.deepcopy(cell)
                if lifted and lifted[0] == i:
                    # blank the heading line, keeping line numbers right for messages
                    lines = cell.source.splitlines()
                    lines[lifted[1]] = ""
                    cell.source = "\n".join(lines)
                cell.source = markdown_hook(cell.source, Where(self.name, 1, f"cell {i + 1}"))
                cells.append(cell)
                continue
            if cell.cell_type != "code":
                cells.append(cell)
                continue
            tags = cell.metadata.get("tags", [])
            if PARAMETERS in tags and injected:
                continue  # the defaults were overridden; the injected cell shows what ran
            prepared = self._prepare(i, echo=None)
            if prepared is None:
                continue
            kind = prepared.metadata.casework.get("kind")
            if kind:
                counters[kind] += 1
            self._caption(prepared, counters.get(kind))
            if source_html and prepared.metadata.casework.get("label"):
                prepared.metadata.casework["source_html"] = source_html
            if INJECTED in tags:
                prepared.metadata.casework["summary"] = "Parameters of this run"
            elif PARAMETERS in tags:
                prepared.metadata.casework["summary"] = "Parameters (defaults)"
            cells.append(prepared)
        return self._export(cells)

    def embed_html(self, label: str, number: int | None, echo: bool, source_html: str) -> str:
        """One labelled cell's outputs (and code if echo) with caption and source line."""
        index = self.find(label)
        if index is None:
            raise KeyError(label)
        cell = self._prepare(index, echo=echo, forced=True)
        self._caption(cell, number)
        cell.metadata.casework["source_html"] = source_html
        return self._export([cell])

    def _prepare(self, index: int, echo: bool | None, forced: bool = False):
        """A copy of a code cell with its options in metadata.casework; None if excluded."""
        options, code = self.options(index)
        cell = copy.deepcopy(self.nb.cells[index])
        tags = set(cell.metadata.get("tags", []))
        if not forced and (options.get("include") is False or "remove-cell" in tags):
            return None
        cell.source = code
        label = options.get("label")
        kind = str(label).split("-", 1)[0] if label else None
        caption = options.get(f"{kind}-cap") if kind in KINDS else options.get("fig-cap")
        cw = {
            "echo": (echo if echo is not None else
                     options.get("echo", True) is not False and not tags & {"remove-input", "hide-input"}),
            "output": forced or (options.get("output", True) is not False
                                 and not tags & {"remove-output", "hide-output"}),
            "label": str(label) if label else None,
            "kind": kind if kind in KINDS else None,
            "caption": str(caption) if caption else None,
            # Quarto's `column: page` (body-outset, screen-inset, ...): the output's width
            "column": str(options["column"]) if options.get("column") else None,
        }
        if options.get("warning") is False:
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.get("name") == "stderr")]
        alt = options.get("fig-alt") or cw["caption"]
        if alt:
            cell.metadata["alt"] = str(alt)
        cell.metadata["casework"] = cw
        return cell

    @staticmethod
    def _caption(cell, number: int | None) -> None:
        cw = cell.metadata.casework
        if not cw.get("caption"):
            return
        text = _inline_markdown(cw["caption"])
        if cw.get("kind") and number:
            text = f"{KINDS[cw['kind']]}\u00a0{number}: {text}"
        cw["caption_html"] = text

    def _export(self, cells: list) -> str:
        page = nbformat.v4.new_notebook(cells=cells, metadata=self.nb.metadata)
        body, _ = _exporter().from_notebook_node(page)
        return body


def _inline_markdown(text: str) -> str:
    html = markdown.markdown(text)
    return html.removeprefix("<p>").removesuffix("</p>")
