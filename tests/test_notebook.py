"""The notebook helper: parameters, record, comparisons, provenance."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import casework.notebook as notebook
from casework.pipeline.parameters import ParameterError


@pytest.fixture
def project(tmp_path, tiny_data):
    (tmp_path / "_quarto.yml").write_text("project: {type: website}\n")
    return tmp_path


def test_start_collects_and_validates_parameters(project):
    nb = notebook.start("00_data_overview", {"data_dir": "data", "confidence": 0.9, "other": 1},
                        root=project)
    assert nb.params == {"data_dir": "data", "confidence": 0.9}
    assert nb.data_dir == project / "data"
    with pytest.raises(ParameterError, match="parameter 'confidence': value 2 is not allowed"):
        notebook.start("00_data_overview", {"confidence": 2}, root=project)


def test_record_writes_plain_values_and_display(project):
    nb = notebook.start("00_data_overview", {}, root=project)
    assert nb.record("n_cases", np.int64(12086)) is None  # no echo in notebooks
    nb.record("share", np.float64(0.4412), fmt="{:.0%}")
    nb.record("missing", float("nan"))
    doc = json.loads(nb.results_path.read_text())
    assert doc["key"] == "data_overview" and doc["synthetic"] is True
    assert doc["values"]["n_cases"] == {"value": 12086, "display": "12,086"}
    assert doc["values"]["share"] == {"value": 0.4412, "display": "44%"}
    assert doc["values"]["missing"] == {"value": None, "display": "n/a"}
    with pytest.raises(ValueError, match="record name '1x'"):
        nb.record("1x", 1)


def test_fresh_start_removes_stale_results(project):
    nb = notebook.start("00_data_overview", {}, root=project)
    nb.record("old", 1)
    nb.record_comparison(pd.DataFrame([["Piccone 2011", "s", "e", 0.58, 0.6, 0.5, 0.7]],
                                      columns=["study", "section", "estimate", "published",
                                               "computed", "ci_low", "ci_high"]))
    written = pd.read_csv(project / "results" / "00_data_overview.comparison.csv")
    assert written["level"].tolist() == [0.95]  # the run's confidence parameter
    notebook.start("00_data_overview", {}, root=project)
    assert not nb.results_path.exists()
    assert not (project / "results" / "00_data_overview.comparison.csv").exists()


def test_comparison_keeps_the_generating_truth(project):
    nb = notebook.start("00_data_overview", {}, root=project)
    nb.record_comparison(pd.DataFrame(
        [["Piccone 2011", "s", "e", 0.58, 0.6, 0.5, 0.7, 0.55, ""],
         ["Piccone 2011", "s", "f", 0.2, 0.3, 0.1, 0.4, float("nan"), "no model generates it"]],
        columns=["study", "section", "estimate", "published", "computed", "ci_low", "ci_high",
                 "truth", "truth_note"]))
    written = pd.read_csv(project / "results" / "00_data_overview.comparison.csv")
    assert written["truth"].iloc[0] == 0.55 and pd.isna(written["truth"].iloc[1])
    assert written["truth_note"].iloc[1] == "no model generates it"


def test_bad_comparison_fails_in_the_notebook(project):
    nb = notebook.start("00_data_overview", {}, root=project)
    with pytest.raises(ValueError, match="notebook 00_data_overview: comparison table lacks"):
        nb.record_comparison(pd.DataFrame({"study": ["Piccone 2011"]}))


def test_provenance_names_notebook_params_and_data(project):
    nb = notebook.start("00_data_overview", {}, root=project)
    p = nb.provenance
    assert p.startswith("SYNTHETIC DATA · notebooks/00_data_overview.py · params ")
    # one vocabulary (issue 23): the checksum says what it covers; all tables = the footer's
    assert p.endswith(f"data checksum {nb.data.checksum} (all tables, as in the page footer)")
    from casework.website.provenance import data_checksum
    assert nb.data.checksum == data_checksum(nb.data_dir)


def test_provenance_names_the_tables_a_partial_checksum_covers(project):
    nb = notebook.start("00_data_overview", {}, root=project, tables=["communications"])
    assert nb.provenance.endswith(f"data checksum {nb.data.checksum} (tables communications)")


def test_record_accepts_a_formatting_function(project):
    from casework.analysis.survival import format_p
    nb = notebook.start("00_data_overview", {}, root=project)
    nb.record("logrank_p", 3.2e-6, fmt=format_p)
    nb.record("other_p", 0.0581, fmt=format_p)
    values = json.loads(nb.results_path.read_text())["values"]
    assert values["logrank_p"]["display"] == "< .0001"
    assert values["other_p"]["display"] == ".058"
