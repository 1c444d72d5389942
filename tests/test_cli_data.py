"""`casework validate` and `casework codebook` from the command line."""
from __future__ import annotations

from casework.cli import main
from casework.data.codebook import tables


def test_validate_ok(tiny_data, capsys):
    assert main(["validate", str(tiny_data)]) == 0
    out = capsys.readouterr().out
    assert "valid (synthetic data; rows: communications 2, cases 3" in out


def test_validate_reports_every_problem_and_exits_2(tiny_data, capsys):
    path = tiny_data / tables()["cases"].path
    path.write_text(path.read_text().replace("female", "woman", 1))
    assert main(["validate", str(tiny_data)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: data folder {tiny_data}: cases.csv") and err.count("\n") == 1
    assert "cases.csv, line 2, column 'gender': unknown category" in err and "woman" not in err


def test_validate_missing_folder(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    assert "datapackage.json: missing" in capsys.readouterr().err


def test_codebook_written(tmp_path):
    out = tmp_path / "CODEBOOK.md"
    assert main(["codebook", "--out", str(out)]) == 0
    assert "## `cases`" in out.read_text()
