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

KERNEL = "python3"
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

    While it runs, papermill saves the notebook after every cell, so on failure
    `output` holds the partially executed notebook and NotebookFailure is raised.
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
        try:
            executed = papermill.execute_notebook(
                str(staged), str(output), parameters=params, kernel_name=KERNEL, language="python",
                engine_name=ENGINE, progress_bar=False, log_output=False,
                # The kernel's working directory, given to nbclient rather than through
                # papermill's `cwd`, which changes the directory of the whole process.
                resources={"metadata": {"path": str(cwd)}}, on_cell=on_cell)
        except PapermillExecutionError as exc:
            raise _failure(exc, injected_at) from None
    write_clean(executed, output, params)


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


def write_clean(nb, output: Path, params: dict) -> None:
    """Write the cleaned notebook atomically (a reader never sees half a file)."""
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(nbformat.writes(clean(nb, params)) + "\n", encoding="utf-8")
    os.replace(tmp, output)
