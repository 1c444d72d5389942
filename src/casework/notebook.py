"""What a notebook needs from the compendium: its parameters, its data, and `record`.

A notebook starts with

    nb = casework.notebook.start("01_caseload", globals())

which picks this notebook's parameters out of the namespace papermill filled, loads
and validates the data folder, and opens results/01_caseload.json for `nb.record`.
"""
from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .data import Dataset, load
from .paths import SOURCES, notebook_key, project_root
from .pipeline.parameters import params_hash, schema


@dataclass
class Notebook:
    """One executing notebook: name, resolved parameters, data, recorded values."""

    name: str
    params: dict
    root: Path
    tables: list[str] | None = None
    values: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return notebook_key(self.name)

    @property
    def results_path(self) -> Path:
        return self.root / "results" / f"{self.name}.json"

    @property
    def data_dir(self) -> Path:
        d = Path(self.params["data_dir"])
        return d if d.is_absolute() else self.root / d

    @cached_property
    def data(self) -> Dataset:
        return load(self.data_dir, only=self.tables)

    @property
    def params_hash(self) -> str:
        return params_hash(self.params)

    @property
    def provenance(self) -> str:
        """One line naming where a figure or table came from.

        The data checksum is the page footer's when the notebook read every table of
        the folder; otherwise it covers the tables it read, and the stamp names them
        (one vocabulary: a checksum always says what it covers).
        """
        from .data.codebook import tables as codebook_tables
        kind = "SYNTHETIC DATA" if self.data.synthetic else "real data"
        read = sorted(self.data.checksums)
        covers = ("all tables, as in the page footer" if set(read) >= set(codebook_tables())
                  else "tables " + ", ".join(read))
        return (f"{kind} · notebooks/{self.name}.py · params {self.params_hash} · "
                f"data checksum {self.data.checksum} ({covers})")

    def record(self, name: str, value, fmt: str | Callable | None = None, note: str | None = None,
               *, kind: str | None = None, mcse: float | None = None):
        """Record a value the paper may cite as {{< var KEY.NAME >}}.

        Returns None, so a cell ending in a record shows no stray echo of the value.

        kind says how `casework verify` compares the value with the reference build when
        its type alone does not tell (e.g. "count", "decision", "sign", "estimate", "p");
        mcse marks a Monte Carlo quantity and gives its Monte Carlo standard error, the
        unit of its verification tolerance.

        fmt is a format string such as '{:.2f}', '{:,}' or '{:.1%}', or a function of the
        value returning text (e.g. casework.analysis.intervals.format_p). The value is written
        at once, so the pipeline can collect it even if a later cell fails (it then
        discards the file).
        """
        if not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise ValueError(f"record name {name!r}: use letters, digits and underscores")
        plain = _plain(value)
        display = _display(plain, fmt)
        self.values[name] = {"value": plain, "display": display, **({"note": note} if note else {}),
                             **({"kind": kind} if kind else {}),
                             **({"mcse": _plain(mcse)} if mcse is not None else {})}
        self._write()

    def record_comparison(self, frame) -> None:
        """Record published-vs-computed rows for the replication scorecard.

        frame has the columns of casework.report.scorecard.COLUMNS (study, section,
        estimate, published, computed, ci_low, ci_high) and any of its OPTIONAL
        columns (rule, bound, alpha, sign_known, standard errors, stars, truth); it is
        checked here so a bad table fails in its notebook, not at the end of the build.
        """
        from .report.scorecard import COLUMNS, LEVEL, OPTIONAL, check_comparison, write_comparison
        # Intervals are at this run's confidence level; the scorecard says which.
        frame = frame.assign(**{LEVEL: self.params["confidence"]})
        check_comparison(frame, f"notebook {self.name}")
        path = self.results_path.with_name(f"{self.name}.comparison.csv")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_comparison(frame[[*COLUMNS, LEVEL, *(c for c in OPTIONAL if c in frame)]], path)

    def _write(self) -> None:
        self.results_path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"notebook": self.name, "key": self.key, "params": self.params,
               "params_hash": self.params_hash, "data_checksum": self.data.checksum,
               "synthetic": self.data.synthetic, "values": self.values}
        tmp = self.results_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=False, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.results_path)


def _plain(value):
    """numpy/pandas scalars → JSON-ready Python values."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        value = float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _display(value, fmt: str | None) -> str:
    if value is None:
        return "n/a"
    if callable(fmt):
        return fmt(value)
    if fmt:
        return fmt.format(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def start(name: str, namespace: dict, tables: list[str] | None = None,
          root: str | Path | None = None) -> Notebook:
    """Begin a notebook run: collect its parameters from `namespace`, validate them."""
    specs = schema().get(name)
    if specs is None:
        raise KeyError(f"notebook {name!r} has no section in the parameter schema")
    params = {}
    for key, spec in specs.items():
        params[key] = spec.coerce(namespace.get(key, spec.default), key)
    root_path = Path(root) if root else project_root()
    nb = Notebook(name=name, params=params, root=root_path, tables=tables)
    for stale in (nb.results_path, nb.results_path.with_name(f"{name}.comparison.csv")):
        stale.unlink(missing_ok=True)  # a fresh run starts with no stale values
    _show_header(nb)
    return nb


def header_html(name: str, params: dict, digest: str) -> str:
    """The page's head note, as a cell output: a link to the notebook source and the
    parameters of this run. An output, so Quarto and the built-in renderer both show it;
    the link is relative to analyses/NN_name.html (and to notebooks/ for an author)."""
    source = f"{SOURCES}/{name}.py"
    rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td><code>{html.escape(repr(v))}</code></td></tr>"
                   for k, v in params.items())
    return (f'<div class="casework-header"><p>Notebook source: <a href="../{source}"><code>{source}</code></a>'
            f" · parameters <code>{digest}</code></p>\n"
            f"<details><summary>Parameters of this run</summary>\n"
            f"<table><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>"
            "</details></div>")


def _show_header(nb: Notebook) -> None:
    """Display the head note when running in a kernel (papermill or an author's JupyterLab)."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(HTML(header_html(nb.name, nb.params, nb.params_hash)))
