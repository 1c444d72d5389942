"""Execute one notebook: jupytext source → papermill with parameters → a clean .ipynb.

Runs inside a worker process (see worker.py), one kernel per notebook. The
executed notebook is written with its outputs but without what changes from run
to run (timestamps, durations, kernel versions, random cell ids), so executing
the same inputs twice gives the same file.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import papermill
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError

from ..paths import SOURCES

KERNEL = "python3"
BUILD_PRODUCT_CLASS = "casework-build-product"  # the note atop an executed notebook
MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{6,}")
ENGINE = "casework"


@dataclass
class NotebookFailure(Exception):
    """A cell raised. cell is the 1-based position among the source's cells (None:
    the cell papermill injected with the parameters)."""

    cell: int | None
    first_line: str
    ename: str
    evalue: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell else "the injected parameters cell"
        return f"{where} ({self.first_line!r}) raised {self.ename}: {self.evalue}"


class _ReportingEngine(NBClientEngine):
    """papermill's nbclient engine, telling `on_cell(i, n)` as each cell starts."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, on_cell=None, **kwargs):
        if on_cell is not None:
            total = len(nb_man.nb.cells)
            cell_start = nb_man.cell_start

            def reporting_cell_start(cell, cell_index=None, **kw):
                on_cell(cell_index + 1, total)
                return cell_start(cell, cell_index, **kw)

            nb_man.cell_start = reporting_cell_start
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


papermill_engines.register(ENGINE, _ReportingEngine)


def execute(source: Path, output: Path, params: dict, cwd: Path, on_cell=None) -> None:
    """Execute notebooks/NN_name.py with `params` into `output` (.ipynb).

    papermill writes `output` when the notebook has run, and when a cell raised (then
    `output` holds the partially executed notebook and NotebookFailure is raised); not
    before and after every cell, as it does by default: each such save serializes and
    validates the whole notebook, figures included (not measured on its own here; see
    benchmarks/build.py for the build as a whole).
    """
    nb = jupytext.read(source)
    output.parent.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    injected_at = _injected_position(nb)
    logging.getLogger("papermill").setLevel(logging.ERROR)  # no per-run chatter on stderr
    with tempfile.TemporaryDirectory(prefix="casework-") as tmp:
        # papermill records its input path in the notebook: hand it a file, not an object.
        staged = Path(tmp) / f"{source.stem}.ipynb"
        nbformat.write(nb, staged)
        # papermill writes into the scratch folder: the executed notebook in place (read-only,
        # see write_clean) is replaced only by a complete one, or by the partial one of a failure.
        written = Path(tmp) / "executed" / output.name
        written.parent.mkdir()
        try:
            executed = papermill.execute_notebook(
                str(staged), str(written), parameters=params, kernel_name=KERNEL, language="python",
                engine_name=ENGINE, progress_bar=False, log_output=False,
                request_save_on_cell_execute=False,
                # The kernel's working directory, given to nbclient rather than through
                # papermill's `cwd`, which changes the directory of the whole process.
                resources={"metadata": {"path": str(cwd)}}, on_cell=on_cell)
        except PapermillExecutionError as exc:
            if written.is_file():  # the partially executed notebook, for whoever reads the error
                read_only(written)
                os.replace(written, output)
            raise _failure(exc, injected_at) from None
    write_clean(executed, output, params, source=f"{SOURCES}/{source.name}")


def _injected_position(nb) -> int:
    """Where papermill puts the injected parameters: after the `parameters` cell, else first."""
    for i, cell in enumerate(nb.cells):
        if "parameters" in cell.metadata.get("tags", []):
            return i + 1
    return 0


def _failure(exc: PapermillExecutionError, injected_at: int) -> NotebookFailure:
    index = exc.cell_index  # in the executed notebook, which has the injected cell
    cell = None if index == injected_at else (index if index > injected_at else index + 1)
    lines = [ln for ln in (exc.source or "").splitlines() if ln.strip() and not ln.startswith("#|")]
    return NotebookFailure(cell=cell, first_line=lines[0].strip() if lines else "",
                           ename=exc.ename, evalue=exc.evalue)


def mark_build_product(nb, source: str):
    """Say in the first markdown cell that this notebook is a build product and where its
    source is, so an author who opens it in JupyterLab edits the source instead.

    The note goes below the page title (the first '# ' line): Quarto takes a notebook's
    title from a heading that opens the first markdown cell (quarto-cli
    src/core/jupyter/jupyter-fixups.ts, fixupFrontMatter), so nothing may come before
    it. It is HTML, shown as it is by JupyterLab, with a class that styles.css hides on
    the site (both renderers load it), where each page's head note links the source."""
    note = (f'<div class="{BUILD_PRODUCT_CLASS}">\n\n<b>Build product</b>: executed by <code>casework run'
            f'</code> from <a href="../{source}"><code>{source}</code></a>. Edit that source, not this '
            'file (it is read-only): the next build replaces it.\n\n</div>')
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = cell.source.splitlines()
            at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), None)
            if at is not None:
                cell.source = "\n".join([*lines[:at], "", note, *lines[at:]])
                return nb
            break
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(note))
    return nb


def read_only(path: Path) -> None:
    """r--r--r--: the build replaces the file (os.replace needs only the folder writable),
    an editor refuses to save over it."""
    os.chmod(path, 0o444)


def clean(nb, params: dict):
    """Drop what differs between two executions of the same inputs; keep the outputs."""
    nb.metadata.pop("papermill", None)
    nb.metadata["papermill"] = {"parameters": params}
    nb.metadata.get("language_info", {}).pop("version", None)
    nb.metadata.get("jupytext", {}).get("text_representation", {}).pop("jupytext_version", None)
    nb.metadata.pop("widgets", None)
    # Named explicitly, whatever the source says: the kernel the run used (Quarto wants one).
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    for i, cell in enumerate(nb.cells):
        if "id" in cell:
            cell["id"] = f"cell-{i}"  # jupytext and papermill draw random ids
        for volatile in ("papermill", "execution", "ExecuteTime"):
            cell.metadata.pop(volatile, None)
        tags = cell.metadata.get("tags", [])
        if {"parameters", "injected-parameters"} & set(tags) and "remove-cell" not in tags:
            # The page shows the parameters of the run (casework.notebook.header_html);
            # Quarto, like the built-in renderer, leaves a remove-cell cell out.
            cell.metadata["tags"] = [*tags, "remove-cell"]
        for output in cell.get("outputs", []):
            plain = output.get("data", {}).get("text/plain")
            if plain is not None:
                # Default reprs name a memory address ("<Legend at 0x7f3a...>"),
                # different on every run and meaningless to a reader.
                output["data"]["text/plain"] = MEMORY_ADDRESS.sub("", "".join(plain))
    return nb


def write_clean(nb, output: Path, params: dict, source: str | None = None) -> None:
    """Write the cleaned notebook atomically (a reader never sees half a file), read-only
    and marked as a build product of `source` when given."""
    nb = clean(nb, params)
    if source:
        nb = mark_build_product(nb, source)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.unlink(missing_ok=True)  # a read-only leftover of a killed run
    tmp.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    read_only(tmp)
    os.replace(tmp, output)
