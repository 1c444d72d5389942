"""The reference build: every value a build records, at full precision, in one text file.

`collect(root)` reads whatever the last build left in results/: each notebook's recorded
values (results/NN_name.json, with the `kind` and `mcse` nb.record stored beside them),
the scorecard's summary (results/scorecard.json) and its rows (results/scorecard.csv,
one value per row and column), and the tables notebooks export (results/tables/*.csv:
Table 1 fits, the robustness variants, the multiverse's specifications). `write_reference` stores them as a tab-separated file,
one line per value: notebook, key, kind, value (Python repr, so a float keeps every
bit) and the Monte Carlo SE where there is one. `casework verify` compares a build with
it (casework.pipeline.verify).
"""
from __future__ import annotations

import ast
import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..paths import NOTEBOOK_RESULTS

REFERENCE_DIR = Path("reference")
HEADER = ["notebook", "key", "kind", "value", "mcse"]
# Kinds compared exactly, kinds compared to a relative tolerance, Monte Carlo quantities.
EXACT_KINDS = ("count", "decision", "sign", "string", "missing")
NUMERIC_KINDS = ("estimate", "p")
MC_KIND = "mc"
KINDS = (*EXACT_KINDS, *NUMERIC_KINDS, MC_KIND)
SCORECARD = "scorecard"


@dataclass(frozen=True)
class Value:
    """One recorded value: where it comes from, how it is compared, what it is."""

    notebook: str
    key: str
    kind: str
    value: object            # None, bool, int, float, str
    mcse: float | None = None


class ReferenceError(ValueError):
    """A reference file or a results folder that cannot be read."""


def infer_kind(value) -> str:
    """The kind a value's type implies: decision, count, estimate, string or missing."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "decision"
    if isinstance(value, int):
        return "count"
    if isinstance(value, float):
        return "estimate" if math.isfinite(value) else "missing"
    return "string"


def _plain(value):
    """NaN and infinities as None (as nb.record stores them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _flatten(key: str, value) -> list[tuple[str, object]]:
    """A list or dict value as one entry per element (key[0], key.name)."""
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _flatten(f"{key}[{i}]", v)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _flatten(f"{key}.{k}", v)]
    return [(key, _plain(value))]


def _entry(notebook: str, key: str, value, kind: str | None, mcse) -> Value:
    if kind is not None and kind not in KINDS:
        raise ReferenceError(f"results/{notebook}.json: value {key!r} has kind {kind!r}; "
                             f"expected one of {', '.join(KINDS)}")
    if kind is None:
        kind = MC_KIND if mcse is not None else infer_kind(value)
    mcse = _plain(mcse)
    return Value(notebook, key, kind, value, float(mcse) if mcse is not None else None)


def _notebook_values(path: Path) -> list[Value]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReferenceError(f"{path.parent.name}/{path.name}: not readable as JSON ({exc})") from None
    values = doc.get("values") if isinstance(doc, dict) else None
    if not isinstance(values, dict):
        raise ReferenceError(f"{path.parent.name}/{path.name}: no 'values' object")
    notebook = path.stem
    out = []
    for name, entry in values.items():
        for key, value in _flatten(name, entry.get("value")):
            out.append(_entry(notebook, key, value, entry.get("kind"), entry.get("mcse")))
    return out


def _cell(text: str):
    """A scorecard CSV cell as the value it holds (bool, int, float, None or text)."""
    if text in ("", "nan", "NaN", "None"):
        return None
    if text in ("True", "False"):
        return text == "True"
    for parse in (int, float):
        try:
            return _plain(parse(text))
        except ValueError:
            pass
    return text


def _csv_rows(path: Path, notebook: str, label_columns: tuple[str, ...] = ()) -> list[Value]:
    """One value per row and column of a CSV table. A row is named by its label columns
    (the scorecard: study | section | estimate), else by its number and first cell."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        rows = list(reader)
    out, seen = [], {}
    for number, cells in enumerate(rows, 1):
        row = dict(zip(header, cells))
        if label_columns:
            label = " | ".join(row.get(c, "") for c in label_columns)
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:   # a repeated label is told apart by its position
                label = f"{label} #{seen[label]}"
        else:
            label = f"row {number} ({cells[0] if cells else ''})"
        named_by = label_columns or header[:1]   # the cells already in the row's name
        for column, text in row.items():
            value = _cell(text)
            # An empty cell is left out: a value appearing there (or one vanishing) is still
            # drift, as a value extra or missing on one side.
            if column not in named_by and value is not None:
                out.append(_entry(notebook, f"{label} | {column}", value, None, None))
    return out


def collect(root: Path) -> list[Value]:
    """Every value the build in root/results recorded, in a stable order."""
    results = root / "results"
    if not results.is_dir():
        raise ReferenceError("results/ is missing: build first (`make report`)")
    out: list[Value] = []
    for path in sorted(results.glob("*.json")):
        if NOTEBOOK_RESULTS.match(path.name) or path.name == f"{SCORECARD}.json":
            out += _notebook_values(path)
    card = results / f"{SCORECARD}.csv"
    if card.is_file():
        out += _csv_rows(card, SCORECARD, ("study", "section", "estimate"))
    for path in sorted((results / "tables").glob("*.csv")):
        out += _csv_rows(path, f"tables/{path.stem}")
    if not out:
        raise ReferenceError("results/ holds no recorded values: build first (`make report`)")
    return out


def _clean(text: str) -> str:
    """A key or name on one line of the TSV (tabs and newlines as spaces)."""
    return " ".join(str(text).split())


def write_reference(values: list[Value], path: Path, comment: str) -> Path:
    """Write values as the reference file (one line per value; replaces path atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {line}" for line in comment.splitlines()] + ["\t".join(HEADER)]
    for v in values:
        mcse = "" if v.mcse is None else repr(v.mcse)
        lines.append("\t".join([_clean(v.notebook), _clean(v.key), v.kind, repr(v.value), mcse]))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_reference(path: Path) -> list[Value]:
    """The values of a reference file; ReferenceError naming the line that is malformed."""
    out = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReferenceError(f"{path}: cannot read ({exc.strerror})") from None
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen:
            if fields != HEADER:
                raise ReferenceError(f"{path}, line {number}: expected the header "
                                     f"{' '.join(HEADER)}")
            header_seen = True
            continue
        if len(fields) != len(HEADER):
            raise ReferenceError(f"{path}, line {number}: expected {len(HEADER)} tab-separated "
                                 f"fields, found {len(fields)}")
        notebook, key, kind, value, mcse = fields
        if kind not in KINDS:
            raise ReferenceError(f"{path}, line {number}: kind {kind!r}; expected one of "
                                 f"{', '.join(KINDS)}")
        try:
            parsed = ast.literal_eval(value)
            parsed_mcse = float(mcse) if mcse else None
        except (ValueError, SyntaxError):
            raise ReferenceError(f"{path}, line {number}: value or mcse is not a Python literal") \
                from None
        out.append(Value(notebook, key, kind, parsed, parsed_mcse))
    if not header_seen:
        raise ReferenceError(f"{path}: no header line ({' '.join(HEADER)})")
    return out


def reference_path(root: Path, params_file: Path | None) -> Path:
    """reference/<name>.tsv of a parameter file (params/sensitivity.yml -> sensitivity)."""
    name = "default" if params_file is None else Path(params_file).stem
    return root / REFERENCE_DIR / f"{name}.tsv"
