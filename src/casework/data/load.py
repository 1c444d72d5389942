"""Load a data folder and validate it against the codebook.

A data folder holds `datapackage.json` (its `synthetic` flag and provenance) and
the CSV files at the paths the codebook names. Every table is read as text,
converted to the codebook's types, and checked with pandera schemas built from
the codebook; then keys across tables and the rules that span columns are
checked. All problems are collected and raised together as DataValidationError.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .codebook import Field, Table, tables, with_references
from ..errors import DataIssue, DataValidationError

# What spreadsheet and statistics exports write for "no value" (Excel, R's write.csv, Stata):
# accepted as missing in optional columns (the codebook says so), refused in required ones.
MISSING_TOKENS = ("", "NA", "N/A")
TRUE_VALUES = {"true", "True", "TRUE", "1"}
FALSE_VALUES = {"false", "False", "FALSE", "0"}
DTYPES = {"string": "string", "integer": "Int64", "number": "Float64",
          "boolean": "boolean", "date": "datetime64[ns]"}


@dataclass
class Dataset:
    """Validated tables of one data folder, with what the outputs must say about them."""

    folder: Path
    tables: dict[str, pd.DataFrame]
    synthetic: bool
    provenance: dict = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def checksum(self) -> str:
        """One short digest over every table file: names the exact data used."""
        joined = "".join(f"{k}:{v};" for k, v in sorted(self.checksums.items()))
        return hashlib.sha256(joined.encode()).hexdigest()[:12]

    @property
    def notice(self) -> str:
        if self.synthetic:
            return ("Synthetic data: generated from published aggregates and coefficients, "
                    "not the confidential case database. Numbers illustrate the method only.")
        return "Real case data supplied by the researcher."


def file_checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_package(folder: Path) -> dict:
    """The data folder's datapackage.json (synthetic flag and provenance)."""
    path = folder / "datapackage.json"
    if not path.is_file():
        raise DataValidationError([DataIssue(
            str(path), None, None, None,
            "missing: every data folder needs a datapackage.json; copy the compendium's "
            "data/datapackage.json beside your tables and set \"synthetic\" to true or false")],
            str(folder))
    try:
        pkg = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataValidationError([DataIssue(str(path), None, None, None,
                                             f"not valid JSON: {exc}")], str(folder)) from None
    if not isinstance(pkg.get("synthetic"), bool):
        raise DataValidationError([DataIssue(
            str(path), None, "synthetic", repr(pkg.get("synthetic")),
            "expected key 'synthetic' with value true or false")], str(folder))
    return pkg


def load(folder: str | Path, only: list[str] | None = None) -> Dataset:
    """Read and validate a data folder; raise DataValidationError listing every problem."""
    folder = Path(folder)
    pkg = read_package(folder)
    wanted = only or list(tables())
    needed = with_references(wanted)
    issues: list[DataIssue] = []
    frames: dict[str, pd.DataFrame] = {}
    checksums: dict[str, str] = {}
    paths = table_paths(folder, pkg)
    for name in needed:
        table = tables()[name]
        path = folder / paths[name]
        frame, table_issues = read_table(path, table)
        issues += table_issues
        if frame is not None:
            frames[name] = frame
            checksums[name] = file_checksum(path)
    issues += check_references(frames, folder)
    issues += check_rules(frames, folder)
    if issues:
        raise DataValidationError([private(i) for i in issues], str(folder))
    return Dataset(folder=folder, tables={k: frames[k] for k in wanted}, synthetic=pkg["synthetic"],
                   provenance=pkg.get("provenance", {}), checksums=checksums)


def table_paths(folder: Path, pkg: dict) -> dict[str, str]:
    """table -> file inside the folder: the codebook's paths, unless the folder's own
    datapackage.json lists a resource of that name with another path (a researcher's
    export named differently). Paths must stay inside the folder."""
    paths = {name: t.path for name, t in tables().items()}
    for res in pkg.get("resources") or []:
        if isinstance(res, dict) and res.get("name") in paths and isinstance(res.get("path"), str):
            rel = Path(res["path"])
            if not rel.is_absolute() and ".." not in rel.parts:
                paths[res["name"]] = rel.as_posix()
    return paths


def identifier_columns() -> set[str]:
    """Columns that identify a person or case (keys, *_id): their values never appear in a
    message, since a name typed into one would otherwise reach the log."""
    ids = set()
    for t in tables().values():
        ids.update(t.primary_key)
        ids.update(col for col, _, _ in t.foreign_keys)
        ids.update(f.name for f in t.fields if f.name.endswith("_id"))
    return ids


def private(issue: DataIssue) -> DataIssue:
    """The issue without the cell value when the column is an identifier."""
    if issue.value is not None and issue.column in identifier_columns():
        return DataIssue(issue.file, issue.line, issue.column, None, issue.rule)
    return issue


def read_table(path: Path, table: Table) -> tuple[pd.DataFrame | None, list[DataIssue]]:
    """Read one CSV as text, check its shape, convert types, run the pandera schema."""
    f = path.name
    if not path.is_file():
        return None, [DataIssue(f, None, None, None, f"file missing: expected {path}")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [DataIssue(f, line, None, None,
                                f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                                "save the file as UTF-8")]
    if not text.strip():
        return None, [DataIssue(f, None, None, None,
                                f"empty file: expected a header row with {len(table.fields)} columns")]
    header = next(csv.reader(io.StringIO(text)))
    if len(header) == 1 and len(table.fields) > 1:
        delim = next((d for d in ";\t|" if d in header[0]), None)
        hint = f" (found {delim!r}: use ',' as delimiter)" if delim else ""
        return None, [DataIssue(f, 1, None, None,
                                f"expected {len(table.fields)} comma-separated columns, found 1{hint}")]
    twice = [c for c in dict.fromkeys(header) if header.count(c) > 1]
    if twice:
        return None, [DataIssue(f, 1, c, None, "column named more than once in the header (columns "
                                f"{', '.join(str(i + 1) for i, h in enumerate(header) if h == c)}); "
                                "keep one") for c in twice]
    issues = [DataIssue(f, 1, c, None, "required column missing")
              for c in table.columns if c not in header]
    issues += [DataIssue(f, 1, c, None, f"unknown column; {table.name} has only: "
                         f"{', '.join(table.columns)}") for c in header if c not in table.columns]
    if issues:
        return None, issues
    issues = malformed_rows(text, len(header), f)
    if issues:
        return None, issues
    # From the bytes: a StringIO of the text would hold another copy at 4 bytes per
    # character, the largest allocation of a validation (benchmarks/scale.py).
    df = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False,
                     na_values=[])
    if df.empty:
        return None, [DataIssue(f, None, None, None, "header only: the table has no data rows")]
    df = df[table.columns]
    converted, type_issues = _convert(df, table, f)
    bad_cells = {(i.line, i.column) for i in type_issues}
    schema_issues = [i for i in _schema_issues(converted, table, f) if (i.line, i.column) not in bad_cells]
    return converted, type_issues + schema_issues


def malformed_rows(text: str, width: int, f: str) -> list[DataIssue]:
    """Rows with more or fewer fields than the header, and a quote never closed, with
    their line (pandas would stop at the first with a traceback)."""
    issues = []
    reader = csv.reader(io.StringIO(text), strict=True)
    start = 1
    try:
        for row in reader:
            if row and len(row) != width:
                issues.append(DataIssue(f, start, None, None, f"{len(row)} fields, expected {width} "
                                        "(as many as the header); a stray comma or quote?"))
            start = reader.line_num + 1
    except csv.Error as exc:
        issues.append(DataIssue(f, start, None, None, f"malformed CSV from this line on ({exc}); "
                                "a quote opened here is never closed?"))
    return issues


def _line(index) -> int:
    return int(index) + 2  # header is line 1, first data row line 2


def _convert(df: pd.DataFrame, table: Table, f: str) -> tuple[pd.DataFrame, list[DataIssue]]:
    """Text → codebook types; a value that does not parse becomes missing and an issue."""
    out = {}
    issues: list[DataIssue] = []
    for fld in table.fields:
        text = df[fld.name].str.strip()
        empty = text.isin(MISSING_TOKENS) if not fld.required else text.eq("")
        if fld.type == "integer":
            num = pd.to_numeric(text.where(~empty), errors="coerce")
            bad = ~empty & (num.isna() | (num % 1 != 0))
            col = num.where(~bad).astype("Int64")
        elif fld.type == "number":
            col = pd.to_numeric(text.where(~empty), errors="coerce")
            bad = ~empty & col.isna()
            col = col.astype("Float64")
        elif fld.type == "boolean":
            col = text.map(lambda v: True if v in TRUE_VALUES else False if v in FALSE_VALUES else pd.NA)
            bad = ~empty & col.isna()
            col = col.astype("boolean")
        elif fld.type == "date":
            col = pd.to_datetime(text.where(~empty), format="%Y-%m-%d", errors="coerce")
            bad = ~empty & col.isna()
        else:
            col = text.where(~empty).astype("string")
            bad = pd.Series(False, index=df.index)
        expected = {"integer": "an integer", "number": "a number", "boolean": "true or false",
                    "date": "a date YYYY-MM-DD"}.get(fld.type, fld.type)
        issues += [DataIssue(f, _line(i), fld.name, df.at[i, fld.name], f"wrong type: expected {expected}")
                   for i in df.index[bad]]
        out[fld.name] = col
    return pd.DataFrame(out, index=df.index), issues


def pandera_schema(table: Table) -> pa.DataFrameSchema:
    """The pandera schema for one table, built from the codebook."""
    return pa.DataFrameSchema(
        {f.name: pa.Column(DTYPES[f.type], checks=_checks(f), nullable=not f.required,
                           unique=f.unique, required=True) for f in table.fields},
        unique=list(table.primary_key) if len(table.primary_key) > 1 else None,
        strict=True, name=table.name)


def _checks(f: Field) -> list[pa.Check]:
    checks = []
    lo, hi = f.minimum, f.maximum
    if f.type == "date":
        lo = pd.Timestamp(lo) if lo is not None else None
        hi = pd.Timestamp(hi) if hi is not None else None
    if lo is not None:
        checks.append(pa.Check.ge(lo, error=f"below minimum {f.minimum}"))
    if hi is not None:
        checks.append(pa.Check.le(hi, error=f"above maximum {f.maximum}"))
    if f.enum:
        checks.append(pa.Check.isin(list(f.enum), error=f"unknown category; allowed: {', '.join(f.enum)}"))
    if f.pattern:
        checks.append(pa.Check.str_matches(f.pattern, error=f"does not match pattern {f.pattern}"))
    return checks


def _schema_issues(df: pd.DataFrame, table: Table, f: str) -> list[DataIssue]:
    try:
        pandera_schema(table).validate(df, lazy=True)
    except SchemaErrors as exc:
        return [_issue(row, f) for row in exc.failure_cases.itertuples(index=False)]
    return []


def _issue(row, f: str) -> DataIssue:
    check = str(row.check)
    rule = {"not_nullable": "required value missing",
            "field_uniqueness": "duplicate key: value appears more than once"}.get(check, check)
    if rule.startswith("dtype("):
        rule = f"wrong type: {rule}"
    line = _line(row.index) if pd.notna(row.index) else None
    value = None if pd.isna(row.failure_case) else str(row.failure_case)
    return DataIssue(f, line, None if pd.isna(row.column) else str(row.column), value, rule)


def check_references(frames: dict[str, pd.DataFrame], folder: Path) -> list[DataIssue]:
    """Foreign keys: every referencing value must exist in the referenced table."""
    issues = []
    for name, df in frames.items():
        table = tables()[name]
        for col, ref_table, ref_col in table.foreign_keys:
            if ref_table not in frames:
                continue
            known = set(frames[ref_table][ref_col].dropna())
            dangling = df[col].notna() & ~df[col].isin(known)
            issues += [DataIssue(Path(table.path).name, _line(i), col, str(df.at[i, col]),
                                 f"dangling key: no row in {ref_table}.{ref_col} has this value")
                       for i in df.index[dangling]]
    return issues


def check_rules(frames: dict[str, pd.DataFrame], folder: Path) -> list[DataIssue]:
    """Rules spanning columns: date order, censoring dates, reply content, assessment."""
    issues: list[DataIssue] = []

    def flag(table: str, mask: pd.Series, column: str, rule: str) -> None:
        df = frames[table]
        issues.extend(DataIssue(Path(tables()[table].path).name, _line(i), column,
                                None if pd.isna(df.at[i, column]) else str(df.at[i, column].date()
                                if isinstance(df.at[i, column], pd.Timestamp) else df.at[i, column]),
                                rule) for i in df.index[mask.fillna(False)])

    for name in ("freethe20", "urgent_actions"):
        if name in frames:
            df = frames[name]
            flag(name, df.release_date < df.arrest_date, "release_date",
                 "release before arrest: release_date must be on or after arrest_date")
            flag(name, df.last_known_detained < df.arrest_date, "last_known_detained",
                 "last_known_detained must be on or after arrest_date")
            flag(name, df.release_date.isna() & df.last_known_detained.isna(), "last_known_detained",
                 "required when release_date is empty (the censoring date)")
    if "cases" in frames:
        df = frames["cases"]
        flag("cases", df.reply_content.notna() & df.reply_status.ne("substantive"), "reply_content",
             "reply content given but reply_status is not 'substantive'")
        flag("cases", df.viol_conviction & ~df.viol_trial, "viol_conviction",
             "conviction without trial: conviction cases are a subset of trial cases")
    if "sample" in frames:
        df = frames["sample"]
        for col in ("development", "source", "information"):
            flag("sample", df.assessed & df[col].isna(), col, "required when assessed is true")
            flag("sample", ~df.assessed & df[col].notna(), col, "must be empty when assessed is false")
    return issues
