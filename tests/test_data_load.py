"""Loading and validation: the valid path, and one test per kind of bad input."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from casework.data import DataValidationError, load
from casework.data.codebook import tables


def edit_csv(folder, table: str, fn) -> None:
    """Rewrite one table's CSV text through fn(text) -> text."""
    path = folder / tables()[table].path
    path.write_text(fn(path.read_text(encoding="utf-8")), encoding="utf-8")


def edit_cell(folder, table: str, row: int, column: str, value: str) -> None:
    path = folder / tables()[table].path
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False, lineterminator="\n")


def problems(folder, **kw) -> list[str]:
    with pytest.raises(DataValidationError) as exc:
        load(folder, **kw)
    return [str(i) for i in exc.value.issues]


def test_valid_folder_loads_with_codebook_types(tiny_data):
    ds = load(tiny_data)
    cases = ds["cases"]
    assert list(cases.columns) == tables()["cases"].columns
    assert str(cases["year"].dtype) == "Int64"
    assert str(cases["viol_detention"].dtype) == "boolean"
    assert ds["communications"]["date"].dt.year.tolist() == [2005, 2012]
    assert ds.synthetic is True
    assert len(ds.checksum) == 12
    assert "Synthetic data" in ds.notice


def test_only_loads_requested_tables_plus_their_references(tiny_data):
    ds = load(tiny_data, only=["survey"])
    assert list(ds.tables) == ["survey"]


def test_missing_column(tiny_data):
    edit_csv(tiny_data, "cases", lambda t: t.replace(",gender,", ",sex,", 1))
    msgs = problems(tiny_data)
    assert "cases.csv, line 1, column 'gender': required column missing" in msgs
    assert any("column 'sex': unknown column" in m for m in msgs)


def test_extra_unknown_column(tiny_data):
    edit_csv(tiny_data, "communications",
             lambda t: "\n".join(line + (",name" if i == 0 else ",x") if line else line
                                 for i, line in enumerate(t.split("\n"))))
    msgs = problems(tiny_data)
    assert len(msgs) == 1
    assert msgs[0].startswith("communications.csv, line 1, column 'name': unknown column")


def test_wrong_type(tiny_data):
    edit_cell(tiny_data, "cases", 1, "year", "two thousand")
    assert problems(tiny_data) == [
        "cases.csv, line 3, column 'year': wrong type: expected an integer"]


def test_wrong_boolean_and_date(tiny_data):
    edit_cell(tiny_data, "communications", 0, "hrd_alone", "maybe")
    edit_cell(tiny_data, "communications", 1, "date", "15/07/2012")
    msgs = problems(tiny_data)
    assert "communications.csv, line 2, column 'hrd_alone': wrong type: expected true or false" in msgs
    assert "communications.csv, line 3, column 'date': wrong type: expected a date YYYY-MM-DD" in msgs


def test_out_of_range(tiny_data):
    edit_cell(tiny_data, "sample", 0, "polity", "11")
    msgs = problems(tiny_data)
    assert msgs == ["sample.csv, line 2, column 'polity': above maximum 10"]


def test_date_out_of_range(tiny_data):
    edit_cell(tiny_data, "communications", 0, "date", "1999-12-31")
    msgs = problems(tiny_data)
    assert len(msgs) == 1 and "column 'date'" in msgs[0] and "below minimum 2000-09-01" in msgs[0]


def test_unknown_category(tiny_data):
    edit_cell(tiny_data, "cases", 0, "gender", "woman")
    msgs = problems(tiny_data)
    assert msgs == ["cases.csv, line 2, column 'gender': "
                    "unknown category; allowed: female, male, trans, unknown"]


def test_a_near_miss_of_a_category_is_shown_with_the_suggestion(tiny_data):
    edit_cell(tiny_data, "cases", 0, "gender", "femal")
    assert problems(tiny_data) == ["cases.csv, line 2, column 'gender', value 'femal': "
                                   "unknown category (did you mean 'female'?); allowed: female, male, trans, unknown"]


def _string_columns() -> list[tuple[str, str]]:
    from casework.data.load import identifier_columns
    return [(t.name, f.name) for t in tables().values() for f in t.fields
            if f.type == "string" and f.name not in identifier_columns()]


def test_every_string_column_is_covered():
    assert len(_string_columns()) >= 19  # the codebook's non-identifier string columns


@pytest.mark.parametrize("table,column", _string_columns())
def test_a_name_typed_into_any_string_column_is_never_echoed(tiny_data, table, column):
    edit_cell(tiny_data, table, 0, column, "Maryam Farahani")
    fld = next(f for f in tables()[table].fields if f.name == column)
    msgs = problems(tiny_data)
    assert not any("Maryam" in m or "Farahani" in m for m in msgs), msgs
    # the cell itself is named by file, line and column, with what was expected
    expected = "unknown category; allowed: " if fld.enum else f"does not match pattern {fld.pattern}"
    where = f"{tables()[table].path.split('/')[-1]}, line 2, column '{column}': {expected}"
    assert any(m.startswith(where) for m in msgs), msgs


def test_required_value_missing(tiny_data):
    edit_cell(tiny_data, "cases", 2, "country", "")
    assert problems(tiny_data) == ["cases.csv, line 4, column 'country': required value missing"]


def test_duplicate_key(tiny_data):
    edit_cell(tiny_data, "cases", 1, "case_id", "K000001")
    msgs = problems(tiny_data)
    assert any(m.startswith("cases.csv, line 2, column 'case_id': duplicate key") for m in msgs)
    assert any(m.startswith("cases.csv, line 3, column 'case_id': duplicate key") for m in msgs)
    assert not any("K000001" in m for m in msgs)  # identifier values are never echoed


def test_pattern_violation(tiny_data):
    edit_cell(tiny_data, "cases", 0, "individual_id", "Jane Doe")
    msgs = problems(tiny_data)
    assert any(m.startswith("cases.csv, line 2, column 'individual_id': does not match pattern") for m in msgs)
    assert not any("Jane" in m for m in msgs)  # a name typed into an id column stays out of the log


def test_dangling_foreign_key(tiny_data):
    edit_cell(tiny_data, "cases", 2, "communication_id", "C09999")
    assert problems(tiny_data) == [
        "cases.csv, line 4, column 'communication_id': "
        "dangling key: no row in communications.communication_id has this value"]


def test_release_before_arrest(tiny_data):
    edit_cell(tiny_data, "freethe20", 0, "release_date", "2013-01-01")
    assert problems(tiny_data) == [
        "freethe20.csv, line 2, column 'release_date': "
        "release before arrest: release_date must be on or after arrest_date"]


def test_censoring_date_required_without_release(tiny_data):
    edit_cell(tiny_data, "urgent_actions", 1, "last_known_detained", "")
    msgs = problems(tiny_data)
    assert msgs == ["urgent_actions.csv, line 3, column 'last_known_detained': "
                    "required when release_date is empty (the censoring date)"]


def test_reply_content_without_substantive_reply(tiny_data):
    edit_cell(tiny_data, "cases", 2, "reply_content", "rejection")
    assert problems(tiny_data) == ["cases.csv, line 4, column 'reply_content': "
                                   "reply content given but reply_status is not 'substantive'"]


def test_empty_file(tiny_data):
    edit_csv(tiny_data, "survey", lambda t: "")
    msgs = problems(tiny_data)
    assert msgs == ["survey.csv: empty file: expected a header row with 4 columns"]


def test_header_only(tiny_data):
    edit_csv(tiny_data, "survey", lambda t: t.split("\n")[0] + "\n")
    assert problems(tiny_data) == ["survey.csv: header only: the table has no data rows"]


def test_wrong_delimiter(tiny_data):
    edit_csv(tiny_data, "survey", lambda t: t.replace(",", ";"))
    assert problems(tiny_data) == [
        "survey.csv, line 1: expected 4 comma-separated columns, found 1 (found ';': use ',' as delimiter)"]


def test_non_utf8_bytes(tiny_data):
    path = tiny_data / tables()["survey"].path
    path.write_bytes(path.read_bytes().replace(b"probable", b"probabl\xe9"))
    msgs = problems(tiny_data)
    assert len(msgs) == 1
    assert msgs[0].startswith("survey.csv, line 2: not UTF-8 (byte 0xe9")


def test_missing_file(tiny_data):
    (tiny_data / tables()["survey"].path).unlink()
    msgs = problems(tiny_data)
    assert len(msgs) == 1 and msgs[0].startswith("survey.csv: file missing: table survey expected at")


def test_all_problems_reported_together(tiny_data):
    edit_cell(tiny_data, "cases", 0, "gender", "woman")
    edit_cell(tiny_data, "sample", 0, "polity", "-11")
    edit_csv(tiny_data, "survey", lambda t: "")
    with pytest.raises(DataValidationError) as exc:
        load(tiny_data)
    text = str(exc.value)
    assert text.startswith("3 problem(s) in data folder")
    assert "cases.csv" in text and "sample.csv" in text and "survey.csv" in text


def test_missing_datapackage(tiny_data):
    (tiny_data / "datapackage.json").unlink()
    msgs = problems(tiny_data)
    assert len(msgs) == 1 and "datapackage.json: missing" in msgs[0]


def test_synthetic_flag_must_be_boolean(tiny_data):
    pkg_path = tiny_data / "datapackage.json"
    pkg = json.loads(pkg_path.read_text())
    pkg["synthetic"] = "yes"
    pkg_path.write_text(json.dumps(pkg))
    msgs = problems(tiny_data)
    assert msgs == [f"{pkg_path}, column 'synthetic': "
                    "expected key 'synthetic' with value true or false, found a string"]


def test_real_data_notice(tmp_path):
    from conftest import write_tiny
    ds = load(write_tiny(tmp_path / "real", synthetic=False))
    assert ds.synthetic is False and "Real case data" in ds.notice


# Exports a researcher's tools write (issue 14).

def test_a_byte_order_mark_is_read_as_excel_writes_it(tiny_data):
    path = tiny_data / tables()["cases"].path
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(load(tiny_data)["cases"]) == 3


@pytest.mark.parametrize("token", ["NA", "N/A"])
def test_missing_value_tokens_are_missing_in_optional_columns(tiny_data, token):
    edit_cell(tiny_data, "communications", 1, "delay_days", token)  # optional integer
    edit_cell(tiny_data, "survey", 0, "attention_sign", token)  # optional category
    ds = load(tiny_data)
    assert ds["communications"]["delay_days"].isna().tolist() == [False, True]
    assert ds["survey"]["attention_sign"].isna().all()


def test_missing_value_token_in_a_required_column_is_named(tiny_data):
    edit_cell(tiny_data, "cases", 0, "year", "NA")
    assert problems(tiny_data) == ["cases.csv, line 2, column 'year': wrong type: expected an integer"]


def test_a_row_with_too_many_fields_is_named_with_its_line(tiny_data):
    edit_csv(tiny_data, "cases", lambda t: t.replace("\n", ",extra\n", 2).replace(",extra\n", "\n", 1))
    assert problems(tiny_data) == [
        f"cases.csv, line 2: {len(tables()['cases'].columns) + 1} fields, expected "
        f"{len(tables()['cases'].columns)} (as many as the header); a stray comma or quote?"]


def test_an_unterminated_quote_is_named_with_its_line(tiny_data):
    edit_csv(tiny_data, "survey", lambda t: t.replace("\nK000001,", '\n"K000001,', 1))
    [msg] = problems(tiny_data)
    assert msg.startswith("survey.csv, line 2: malformed CSV from this line on (")
    assert "never closed" in msg and "K000001" not in msg


def test_a_duplicated_header_is_named_not_reported_missing(tiny_data):
    edit_csv(tiny_data, "survey", lambda t: t.replace("sr_impact", "attention_impact", 1))
    assert problems(tiny_data, only=["survey"]) == [
        "survey.csv, line 1, column 'attention_impact': column named more than once in the header "
        "(columns 2, 4); keep one"]


def test_the_folders_own_resources_name_its_files(tiny_data):
    (tiny_data / tables()["survey"].path).rename(tiny_data / "my_survey.csv")
    pkg = json.loads((tiny_data / "datapackage.json").read_text())
    next(r for r in pkg["resources"] if r["name"] == "survey")["path"] = "my_survey.csv"
    (tiny_data / "datapackage.json").write_text(json.dumps(pkg))
    assert len(load(tiny_data, only=["survey"])["survey"]) == 1
    from casework.pipeline.fingerprint import data_digests
    assert data_digests(tiny_data)["survey"] != "missing"


def test_a_partial_resources_list_names_the_tables_it_leaves_out(tiny_data):
    """Listed resources are the folder's tables: one left out is refused, not read from the
    codebook's path (where a stale synthetic copy may lie); no list reads those paths."""
    pkg = json.loads((tiny_data / "datapackage.json").read_text())
    pkg["resources"] = [r for r in pkg["resources"] if r["name"] in ("communications", "cases", "survey")]
    (tiny_data / "datapackage.json").write_text(json.dumps(pkg))
    assert problems(tiny_data) == [
        f"{tiny_data / 'datapackage.json'}: key resources: tables sample, "
        "freethe20, urgent_actions not listed; a resources list must name the file of every table, "
        'e.g. {"name": "sample", "path": "raw/sample.csv"}, or be left out to read each table from '
        "the codebook's path"]
    assert len(load(tiny_data, only=["communications"])["communications"]) == 2  # only what is read
    del pkg["resources"]
    (tiny_data / "datapackage.json").write_text(json.dumps(pkg))
    assert len(load(tiny_data)["sample"]) == 2  # no list: the codebook's paths


def test_the_missing_datapackage_hint_names_a_real_step(tiny_data):
    (tiny_data / "datapackage.json").unlink()
    [msg] = problems(tiny_data)
    assert "--package" not in msg and "copy the compendium's data/datapackage.json" in msg
