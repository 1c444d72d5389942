"""The codebook: the Frictionless data package shipped with `casework`.

`datapackage.json` next to this module is the single source of truth for every
table, column, type and constraint. Validation schemas (pandera), the readable
CODEBOOK.md and the data package written with each data folder derive from it.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CODEBOOK_PATH = Path(__file__).with_name("datapackage.json")


@dataclass(frozen=True)
class Field:
    """One column as the codebook describes it."""

    name: str
    type: str
    title: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple | None = None
    minimum: object = None
    maximum: object = None
    pattern: str | None = None
    unit: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Table:
    """One resource (table) of the data package."""

    name: str
    path: str
    title: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...]  # (column, table, column)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@lru_cache(maxsize=1)
def descriptor() -> dict:
    """The raw data-package descriptor (a fresh copy is made by callers that edit)."""
    return json.loads(CODEBOOK_PATH.read_text(encoding="utf-8"))


def _field(d: dict) -> Field:
    c = d.get("constraints", {})
    return Field(
        name=d["name"], type=d["type"], title=d.get("title", d["name"]),
        description=d.get("description", ""), required=c.get("required", False),
        unique=c.get("unique", False),
        enum=tuple(c["enum"]) if "enum" in c else None,
        minimum=c.get("minimum"), maximum=c.get("maximum"), pattern=c.get("pattern"),
        unit=d.get("unit"), source=d.get("source"),
    )


@lru_cache(maxsize=1)
def tables() -> dict[str, Table]:
    """Every table of the codebook, in package order."""
    out = {}
    for res in descriptor()["resources"]:
        schema = res["schema"]
        fks = tuple(
            (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
            for fk in schema.get("foreignKeys", [])
        )
        out[res["name"]] = Table(
            name=res["name"], path=res["path"], title=res.get("title", res["name"]),
            fields=tuple(_field(f) for f in schema["fields"]),
            primary_key=tuple(schema.get("primaryKey", [])), foreign_keys=fks,
        )
    return out


def package_for(synthetic: bool, provenance: dict | None = None) -> dict:
    """A data-package descriptor for a data folder: the codebook plus its provenance."""
    pkg = copy.deepcopy(descriptor())
    pkg["synthetic"] = synthetic
    if provenance:
        pkg["provenance"] = provenance
    return pkg


def codebook_markdown() -> str:
    """Render the codebook as Markdown (data/CODEBOOK.md is generated from this)."""
    desc = descriptor()
    lines = [f"# Codebook: {desc['title']}", "",
             "Generated from `src/casework/data/datapackage.json` by `casework codebook`; "
             "do not edit by hand.", "", desc["description"], "",
             "Files are UTF-8 CSV (a byte-order mark, as Excel writes, is fine). In columns "
             "that are not required, an empty cell, `NA` or `N/A` means missing; in required "
             "columns they are errors. A data folder's own `datapackage.json` may list "
             "`resources` with other file paths for these tables.", ""]
    for res in desc["resources"]:
        t = tables()[res["name"]]
        lines += [f"## `{t.name}` — {t.title}", "", res.get("description", ""), "",
                  f"File: `{t.path}`. Source study: {res.get('source_study', '')}. "
                  f"Primary key: `{', '.join(t.primary_key)}`."]
        for col, ref_t, ref_c in t.foreign_keys:
            lines.append(f"Foreign key: `{col}` → `{ref_t}.{ref_c}`.")
        lines += ["", "| column | type | unit | allowed | required | description | stands for |",
                  "|---|---|---|---|---|---|---|"]
        for f in t.fields:
            allowed = _allowed(f)
            lines.append(f"| `{f.name}` | {f.type} | {f.unit or ''} | {allowed} | "
                         f"{'yes' if f.required else 'no'} | **{f.title}.** {f.description} | "
                         f"{f.source or ''} |")
        lines.append("")
    return "\n".join(lines)


def _allowed(f: Field) -> str:
    if f.enum:
        return ", ".join(f"`{v}`" for v in f.enum)
    if f.minimum is not None or f.maximum is not None:
        return f"{f.minimum if f.minimum is not None else ''} – {f.maximum if f.maximum is not None else ''}"
    if f.pattern:
        return f"pattern `{f.pattern}`"
    if f.type == "boolean":
        return "`true`, `false`"
    return ""


def with_references(names: list[str]) -> list[str]:
    """The requested tables plus every table their foreign keys point at (referenced first)."""
    out: list[str] = []

    def add(name: str) -> None:
        if name not in tables():
            raise KeyError(f"unknown table {name!r}; expected one of {sorted(tables())}")
        for _, ref, _ in tables()[name].foreign_keys:
            add(ref)
        if name not in out:
            out.append(name)

    for n in names:
        add(n)
    return out
