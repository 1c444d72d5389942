"""The codebook is a valid Frictionless data package and the single source of truth."""
from __future__ import annotations

from pathlib import Path

import pytest
from frictionless import Package

from casework.data.codebook import CODEBOOK_PATH, codebook_markdown, descriptor, tables
from casework.data.load import pandera_schema

ROOT = Path(__file__).resolve().parents[1]


def test_descriptor_is_a_valid_frictionless_package():
    errors = list(Package.metadata_validate(descriptor()))
    assert errors == []


def test_an_invalid_descriptor_is_caught_by_the_same_check():
    import copy
    bad = copy.deepcopy(descriptor())
    bad["resources"][0]["schema"]["primaryKey"] = ["no_such_column"]
    assert list(Package.metadata_validate(bad)) != []


def test_every_column_documented():
    for table in tables().values():
        for f in table.fields:
            assert f.description, f"{table.name}.{f.name} has no description"
            assert f.type in {"string", "integer", "number", "boolean", "date"}


@pytest.mark.parametrize("word", ["name", "surname", "first_name", "full_name"])
def test_no_identifier_columns(word):
    for table in tables().values():
        assert word not in table.columns, f"{table.name} has a {word} column"


def test_pandera_schemas_built_for_every_table():
    for table in tables().values():
        schema = pandera_schema(table)
        assert list(schema.columns) == table.columns


def test_keys_reference_existing_tables_and_columns():
    for table in tables().values():
        for col, ref_table, ref_col in table.foreign_keys:
            assert col in table.columns
            assert ref_col in tables()[ref_table].columns


def test_codebook_markdown_lists_every_column():
    md = codebook_markdown()
    for table in tables().values():
        assert f"## `{table.name}`" in md
        for col in table.columns:
            assert f"| `{col}` |" in md


def test_committed_codebook_is_current():
    committed = ROOT / "data" / "CODEBOOK.md"
    assert committed.read_text(encoding="utf-8") == codebook_markdown() + "\n", \
        "data/CODEBOOK.md is stale: run `casework codebook`"


def test_data_folder_package_matches_codebook():
    import json
    pkg = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["resources"] == descriptor()["resources"], \
        "data/datapackage.json differs from the codebook: run `make data`"
    assert pkg["synthetic"] is True
    assert {"generator", "seed", "checksums"} <= set(pkg["provenance"])


def test_committed_data_pass_frictionless_independently():
    """A second, independent implementation of the same schema agrees with ours."""
    report = Package(str(ROOT / "data" / "datapackage.json")).validate()
    assert report.valid, [e.message for t in report.tasks for e in t.errors[:3]]


def test_frictionless_also_rejects_what_we_reject(tmp_path):
    from conftest import write_tiny
    folder = write_tiny(tmp_path / "d")
    path = folder / "raw" / "cases.csv"
    path.write_text(path.read_text().replace("female", "woman", 1))
    report = Package(str(folder / "datapackage.json")).validate()
    assert not report.valid
    assert any("woman" in e.message for t in report.tasks for e in t.errors)
