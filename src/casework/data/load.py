"""Load a data folder and validate it against the codebook.

A data folder holds `datapackage.json` (its `synthetic` flag and provenance) and
the CSV files at the paths the codebook names. Every table is read as text,
converted to the codebook's types, and checked with pandera schemas built from
the codebook; then keys across tables and the rules that span columns are
checked. All problems are collected and raised together as DataValidationError.
"""
from __future__ import annotations

import csv
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .codebook import Field, Table, tables, with_references
from .scan import scan
from ..errors import DataIssue, DataValidationError

# What spreadsheet and statistics exports write for "no value" (Excel, R's write.csv, Stata):
# accepted as missing in optional columns (the codebook says so), refused in required ones.
MISSING_TOKENS = ("", "NA", "N/A")
TRUE_VALUES = {"true", "True", "TRUE", "1"}
FALSE_VALUES = {"false", "False", "FALSE", "0"}
# A category value is echoed in a message only when it is this short and a near miss of
# the declared vocabulary (a typo); anything else may be a name typed into the wrong cell.
MAX_SHOWN = 24
COLUMN_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")  # how the codebook names columns
MAX_PACKAGE_BYTES = 10 * 2**20  # datapackage.json: the committed one is about 60 KiB
MAX_EXACT_INTEGER = 2**53  # integers beyond this do not survive the float step of parsing
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
        from ..pipeline.digests import short_checksum
        return short_checksum(self.checksums)

    @property
    def notice(self) -> str:
        from ..notice import data_notice
        return data_notice(self.synthetic)


def file_checksum(path: Path) -> str:
    """sha256 of a file, read in blocks (a table may be large)."""
    from ..pipeline.digests import sha256_file
    return sha256_file(path)


def read_package(folder: Path) -> dict:
    """The data folder's datapackage.json (synthetic flag and provenance)."""
    path = folder / "datapackage.json"
    if not path.is_file():
        raise DataValidationError([DataIssue(
            str(path), None, None, None,
            "missing: every data folder needs a datapackage.json; copy the compendium's "
            "data/datapackage.json beside your tables and set \"synthetic\" to true or false")],
            str(folder))
    def refuse(rule: str) -> DataValidationError:
        return DataValidationError([DataIssue(str(path), None, None, None, rule)], str(folder))

    if path.stat().st_size > MAX_PACKAGE_BYTES:
        raise refuse(f"{path.stat().st_size:,} bytes: a datapackage.json is read up to "
                     f"{MAX_PACKAGE_BYTES:,} bytes")
    try:
        pkg = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise refuse(f"not UTF-8 (byte at offset {exc.start}); save the file as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise refuse(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError):  # an integer of thousands of digits, nesting too deep
        raise refuse("not readable JSON: a number too long or nesting too deep") from None
    except OSError as exc:
        raise refuse(f"cannot be read ({exc.strerror})") from None
    if not isinstance(pkg, dict):
        raise refuse(f"expected a JSON object {{...}} with keys such as \"synthetic\" and "
                     f"\"resources\", found {_json_kind(pkg)}")
    if not isinstance(pkg.get("synthetic"), bool):
        raise DataValidationError([DataIssue(
            str(path), None, "synthetic", None,
            f"expected key 'synthetic' with value true or false, found {_json_kind(pkg.get('synthetic'))}")],
            str(folder))
    return pkg


def _key_issue(where: str, key: str, rule: str) -> DataIssue:
    return DataIssue(where, None, None, None, f"key {key}: {rule}")


def _json_kind(value) -> str:
    """What a JSON value is, in words (never the value: it may be anything)."""
    if value is None:
        return "null or nothing"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def load(folder: str | Path, only: list[str] | None = None) -> Dataset:
    """Read and validate a data folder; raise DataValidationError listing every problem."""
    folder = Path(folder)
    pkg = read_package(folder)
    wanted = only or list(tables())
    needed = with_references(wanted)
    issues: list[DataIssue] = []
    frames: dict[str, pd.DataFrame] = {}
    checksums: dict[str, str] = {}
    paths, issues = table_paths(folder, pkg)
    if issues:  # a refused resource: reading the codebook's path instead would mislead
        raise DataValidationError(issues, str(folder))
    unlisted = [name for name in needed if paths.listed and name not in paths.keys_of]
    if unlisted:  # a partial list: the file at the codebook's path may be a stale copy
        raise DataValidationError([_key_issue(
            str(folder / "datapackage.json"), "resources",
            f"table{'s' if len(unlisted) > 1 else ''} {', '.join(unlisted)} not listed; a resources "
            "list must name the file of every table, e.g. {\"name\": \"" + unlisted[0] + "\", \"path\": \""
            + tables()[unlisted[0]].path + "\"}, or be left out to read each table from the "
            "codebook's path")], str(folder))
    for name in needed:
        table = tables()[name]
        path = folder / paths[name]
        try:
            frame, table_issues = read_table(path, table, source=paths.keys_of.get(name))
        except OSError as exc:  # unreadable (permissions, a folder's path, I/O error)
            frame, table_issues = None, [DataIssue(path.name, None, None, None,
                                                   f"table {name} cannot be read ({exc.strerror})")]
        issues += [private(i, table) for i in table_issues]
        if frame is not None:
            frames[name] = frame
            checksums[name] = file_checksum(path)
    issues += check_references(frames, folder)
    issues += check_rules(frames, folder)
    if issues:
        raise DataValidationError(issues, str(folder))
    return Dataset(folder=folder, tables={k: frames[k] for k in wanted}, synthetic=pkg["synthetic"],
                   provenance=pkg.get("provenance", {}), checksums=checksums)


class TablePaths(dict):
    """table -> file inside the data folder, with the datapackage.json key that gave it."""

    keys_of: dict[str, str]
    listed: bool  # datapackage.json has a resources list: it must name every table read


def table_paths(folder: Path, pkg: dict) -> tuple[TablePaths, list[DataIssue]]:
    """table -> file inside the folder: the codebook's paths, unless the folder's own
    datapackage.json lists a resource of that name (found by name, not position) with
    another path (a researcher's export named differently), which is then used as
    written. A resource that is not an object with a known `name` and a relative `path`
    inside the folder is refused, naming its key (resources[i].name / .path). When the
    file has a `resources` list at all, load() requires every table it reads to be in it
    (`listed`): a table left out is refused, not read from the codebook's path."""
    paths = TablePaths({name: t.path for name, t in tables().items()})
    paths.keys_of = {}
    paths.listed = "resources" in pkg
    where = str(folder / "datapackage.json")
    resources = pkg.get("resources", [])
    if not isinstance(resources, list):
        return paths, [_key_issue(where, "resources", f"expected a list of {{\"name\", \"path\"}} objects, found "
                                 f"{_json_kind(resources)}")]
    issues = []
    seen: dict[str, int] = {}
    root = folder.resolve()
    for i, res in enumerate(resources):
        key = f"resources[{i}]"
        if not isinstance(res, dict):
            issues.append(_key_issue(where, key, f"expected an object with \"name\" and "
                                    f"\"path\", found {_json_kind(res)}"))
            continue
        name, rel = res.get("name"), res.get("path")
        if not isinstance(name, str) or name not in paths:
            near = difflib.get_close_matches(name, list(paths), n=1) if isinstance(name, str) else []
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            issues.append(_key_issue(where, f"{key}.name", f"not a table of the codebook{hint}; expected one of "
                                    f"{', '.join(paths)}"))
            continue
        if name in seen:
            issues.append(_key_issue(where, f"{key}.name", f"table {name} is already listed as resources[{seen[name]}]; list it once"))
            continue
        seen[name] = i
        if not isinstance(rel, str) or not rel.strip():
            issues.append(_key_issue(where, f"{key}.path", f"expected the file of table {name} as a path relative to the "
                                    f"data folder, e.g. {tables()[name].path}"))
            continue
        posix = Path(rel.replace("\\", "/"))
        target = (folder / posix).resolve()
        if posix.is_absolute() or ".." in posix.parts or not target.is_relative_to(root):
            issues.append(_key_issue(where, f"{key}.path", f"table {name}: the path must stay inside the data folder (relative, "
                                    f"no '..', no link out of it), e.g. {tables()[name].path}"))
            continue
        paths[name] = posix.as_posix()
        paths.keys_of[name] = f"{key}.path"
    return paths, issues


def identifier_columns() -> set[str]:
    """Columns that identify a person or case (keys, *_id): their values never appear in a
    message, since a name typed into one would otherwise reach the log."""
    ids = set()
    for t in tables().values():
        ids.update(t.primary_key)
        ids.update(col for col, _, _ in t.foreign_keys)
        ids.update(f.name for f in t.fields if f.name.endswith("_id"))
    return ids


def private(issue: DataIssue, table: Table) -> DataIssue:
    """The issue as it may be shown: a cell value only when its column is a declared
    category and the value is short and a near miss of that vocabulary (then with the
    suggestion); every other value is dropped (row, column and rule stay)."""
    if issue.value is None:
        return issue
    fld = next((f for f in table.fields if f.name == issue.column), None)
    value = issue.value
    if (fld is not None and fld.enum and fld.name not in identifier_columns()
            and len(value) <= MAX_SHOWN and value.isprintable()):
        # 0.8: a typo ('femal', 'Female') passes, a short first name ('Marie' ~ 'male') does not
        near = difflib.get_close_matches(value, [str(v) for v in fld.enum], n=1, cutoff=0.8)
        if near:
            rule = issue.rule.replace("unknown category;", f"unknown category (did you mean {near[0]!r}?);", 1)
            return DataIssue(issue.file, issue.line, issue.column, value, rule)
    return DataIssue(issue.file, issue.line, issue.column, None, issue.rule)


def read_table(path: Path, table: Table, source: str | None = None
               ) -> tuple[pd.DataFrame | None, list[DataIssue]]:
    """Read one CSV as text, check its shape, convert types, run the pandera schema.
    `source`: the datapackage.json key that named the file, if any (named when it is missing)."""
    f = path.name
    if not path.is_file():
        given = f" (as datapackage.json key {source} says)" if source else ""
        what = "not a file (a folder?)" if path.exists() else "file missing"
        return None, [DataIssue(f, None, None, None, f"{what}: table {table.name} expected at {path}{given}")]
    problem = scan(path, f)  # refuses what is not CSV text, in blocks of bounded size
    if problem:
        return None, [problem]
    with _text(path) as fh:
        header = next(csv.reader(fh), None)
    if not header or not "".join(header).strip():
        return None, [DataIssue(f, None, None, None,
                                f"empty file: expected a header row with {len(table.fields)} columns")]
    if len(header) == 1 and len(table.fields) > 1:
        delim = next((d for d in ";\t|" if d in header[0]), None)
        hint = f" (found {delim!r}: use ',' as delimiter)" if delim else ""
        return None, [DataIssue(f, 1, None, None,
                                f"expected {len(table.fields)} comma-separated columns, found 1{hint}")]
    twice = [c for c in dict.fromkeys(header) if header.count(c) > 1]
    if twice:
        return None, [DataIssue(f, 1, c if c in table.columns else None, None,
                                "column named more than once in the header (columns "
                                f"{', '.join(str(i + 1) for i, h in enumerate(header) if h == c)}); "
                                "keep one") for c in twice]
    issues = [DataIssue(f, 1, c, None, "required column missing")
              for c in table.columns if c not in header]
    for position, c in enumerate(header, start=1):
        if c not in table.columns:  # a header cell may be a data row's cell: named only when it
            shown = c if COLUMN_NAME.fullmatch(c) else None  # looks like a column name
            issues.append(DataIssue(f, 1, shown, None, ("unknown column" if shown else
                                    f"unknown column at position {position}") +
                                    f"; {table.name} has only: {', '.join(table.columns)}"))
    if issues:
        return None, issues
    with _text(path) as fh:
        issues = malformed_rows(fh, len(header), f)
    if issues:
        return None, issues
    # Straight from the file: no text copy of it is held (benchmarks/scale.py).
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False,
                         na_values=[], engine="c")
    except (ValueError, pd.errors.ParserError, MemoryError) as exc:
        return None, [DataIssue(f, None, None, None, f"not readable as CSV ({type(exc).__name__})")]
    if df.empty:
        return None, [DataIssue(f, None, None, None, "header only: the table has no data rows")]
    df = df[table.columns]
    converted, type_issues = _convert(df, table, f)
    bad_cells = {(i.line, i.column) for i in type_issues}
    schema_issues = [i for i in _schema_issues(converted, table, f) if (i.line, i.column) not in bad_cells]
    return converted, type_issues + schema_issues


def _text(path: Path):
    """The file as text for the csv module, read as it goes (Excel's byte-order mark dropped)."""
    return path.open(encoding="utf-8-sig", newline="")


def malformed_rows(lines, width: int, f: str) -> list[DataIssue]:
    """Rows with more or fewer fields than the header, and a quote never closed, with
    their line (pandas would stop at the first with a traceback). `lines`: an open file."""
    issues = []
    reader = csv.reader(lines, strict=True)
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


def _numbers(text: pd.Series) -> pd.Series:
    """Text as finite floats; anything else (words, 'inf', 5,000-digit numbers) missing."""
    short = text.where(text.str.len() <= 40)  # longer is no number a table of ours holds
    num = pd.to_numeric(short, errors="coerce").astype("float64")
    return num.where(np.isfinite(num))


def _convert(df: pd.DataFrame, table: Table, f: str) -> tuple[pd.DataFrame, list[DataIssue]]:
    """Text → codebook types; a value that does not parse becomes missing and an issue."""
    out = {}
    issues: list[DataIssue] = []
    for fld in table.fields:
        text = df[fld.name].str.strip()
        empty = text.isin(MISSING_TOKENS) if not fld.required else text.eq("")
        if fld.type == "integer":
            num = _numbers(text.where(~empty))
            huge = ~empty & (text.str.lstrip("+-").str.isdigit() & (num.isna() | (num.abs() > MAX_EXACT_INTEGER)))
            bad = ~empty & (num.isna() | (num % 1 != 0) | (num.abs() > MAX_EXACT_INTEGER)) & ~huge
            col = num.where(~bad & ~huge).astype("Int64")
        elif fld.type == "number":
            col = _numbers(text.where(~empty))
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
        if fld.type == "integer":
            issues += [DataIssue(f, _line(i), fld.name, None, f"integer too large: at most "
                                 f"{MAX_EXACT_INTEGER:,} in magnitude") for i in df.index[huge]]
        expected = {"integer": "an integer", "number": "a finite number", "boolean": "true or false",
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
            issues += [DataIssue(Path(table.path).name, _line(i), col, None,
                                 f"dangling key: no row in {ref_table}.{ref_col} has this value")
                       for i in df.index[dangling]]
    return issues


def check_rules(frames: dict[str, pd.DataFrame], folder: Path) -> list[DataIssue]:
    """Rules spanning columns: date order, censoring dates, reply content, assessment."""
    issues: list[DataIssue] = []

    def flag(table: str, mask: pd.Series, column: str, rule: str) -> None:
        df = frames[table]
        issues.extend(DataIssue(Path(tables()[table].path).name, _line(i), column, None, rule)
                      for i in df.index[mask.fillna(False)])

    for name in ("freethe20", "urgent_actions"):
        if name in frames:
            df = frames[name]
            flag(name, df.release_date < df.arrest_date, "release_date",
                 "release before arrest: release_date must be on or after arrest_date")
            flag(name, df.last_known_detained < df.arrest_date, "last_known_detained",
                 "last_known_detained must be on or after arrest_date")
            flag(name, df.release_date.isna() & df.last_known_detained.isna(), "last_known_detained",
                 "required when release_date is empty (the censoring date)")
            flag(name, df.last_known_detained > df.release_date, "last_known_detained",
                 "last known detention after the release: must be on or before release_date")
    if "freethe20" in frames:  # the survival frames rely on these (checked there again)
        df = frames["freethe20"]
        from ..published import published
        launch = pd.Timestamp(str(published()["freethe20"]["launch"]))
        before = df.released_before_launch.astype("boolean")
        flag("freethe20", before & ~(df.release_date < launch), "released_before_launch",
             f"true but the release is not before the launch ({launch.date()})")
        flag("freethe20", before & df.featured.astype("boolean"), "featured",
             "a woman released before the launch cannot be featured")
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
