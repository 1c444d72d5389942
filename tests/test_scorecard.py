"""The replication scorecard: status rules, assembly, summary counts."""
from __future__ import annotations

import pandas as pd
import pytest

from casework.report import scorecard

WP = "Spannagel 2019 (Working Paper 7)"
MW = "Myrick & Weinstein 2018 (#Freethe20)"


def rows(*items):
    return pd.DataFrame(items, columns=scorecard.COLUMNS)


def test_within_and_sign_rules():
    t = scorecard.check_comparison(rows(
        (WP, "Table 1", "inside", 1.22, 1.10, 0.05, 2.15),
        (WP, "Table 1", "outside", -0.62, -0.20, -0.40, -0.01),
        (WP, "Table 1", "sign flips", 0.09, -0.02, -0.2, 0.16),
        (WP, "Table 1", "no interval", 461, 458, None, None),
        (WP, "Table 1", "zero published", 0.0, 0.3, -0.1, 0.7),
    ), "test")
    assert t.within.tolist() == [True, False, True, pd.NA, True]
    # counts and shares (nothing negative anywhere) have no informative sign
    assert t.sign_agrees.tolist() == [pd.NA, True, False, pd.NA, pd.NA]
    assert t.difference.round(2).tolist() == [-0.12, 0.42, -0.11, -3.0, 0.3]


def test_summary_counts():
    t = scorecard.check_comparison(rows(
        (WP, "s", "a", 1.0, 1.1, 0.5, 1.5), (WP, "s", "b", 1.0, 3.0, 2.5, 3.5),
        (WP, "s", "c", 5.0, 5.0, None, None)), "test")
    s = scorecard.summary(t)
    assert s == {"n_estimates": 3, "n_with_interval": 2, "n_within": 1, "share_within": 0.5,
                 "n_signed": 0, "n_sign_agrees": 0}


def test_missing_column_is_named():
    with pytest.raises(ValueError, match=r"04_regressions: comparison table lacks column\(s\) ci_high"):
        scorecard.check_comparison(rows((WP, "s", "a", 1, 1, 0, 2)).drop(columns="ci_high"),
                                   "04_regressions")


def test_unknown_study_is_named():
    with pytest.raises(ValueError, match="unknown study \\['Smith 2020'\\]"):
        scorecard.check_comparison(rows(("Smith 2020", "s", "a", 1, 1, 0, 2)), "nb")


def test_write_assembles_notebooks_in_study_order(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    rows((MW, "Cox", "Free the 20 (model 1)", 0.797, 0.7, 0.2, 1.2)).to_csv(
        results / "05_freethe20_survival.comparison.csv", index=False)
    rows((WP, "Table 1", "mentions (all)", -0.62, -0.6, -0.9, -0.3),
         (WP, "Table 1", "UPR (open)", 1.22, 0.1, -0.5, 0.7)).assign(level=0.9).to_csv(
        results / "04_regressions.comparison.csv", index=False)
    s = scorecard.write(tmp_path)
    assert (s["n_estimates"], s["n_within"], s["n_with_interval"]) == (3, 2, 3)
    csv = pd.read_csv(results / "scorecard.csv")
    assert csv.notebook.tolist() == ["04_regressions", "04_regressions", "05_freethe20_survival"]
    md = (results / "scorecard.md").read_text()
    assert md.index("Working Paper 7") < md.index("#Freethe20")
    assert "1 of 2 published estimates with an interval lie inside the computed interval; " \
           "the sign agrees for 2 of 2." in md
    assert "**outside 90% CI**" in md and "[04_regressions](analyses/04_regressions.ipynb)" in md
    assert "| -0.62 | -0.6 | [-0.9, -0.3] | +0.020 | inside 90% CI | yes |" in md
    assert "| 0.797 | 0.7 | [0.2, 1.2] | -0.097 | inside CI | – |" in md  # no level recorded
    summary_md = (results / "scorecard_summary.md").read_text()
    assert "| Spannagel 2019 (Working Paper 7) | 2 | 1 of 2 | 2 of 2 |" in summary_md
    assert "| **All studies** | 3 | 2 of 3 | 2 of 2 |" in summary_md


def test_write_without_comparisons(tmp_path):
    s = scorecard.write(tmp_path)
    assert s["n_estimates"] == 0
    assert "No notebook has recorded a comparison" in (tmp_path / "results" / "scorecard.md").read_text()
    assert "No notebook has recorded" in (tmp_path / "results" / "scorecard_summary.md").read_text()


def test_summary_is_written_for_the_variables_file(tmp_path):
    import json
    results = tmp_path / "results"
    results.mkdir()
    rows((WP, "Table 1", "a", 1.0, 1.1, 0.5, 1.5), (WP, "Table 1", "b", 1.0, 3.0, 2.5, 3.5)).to_csv(
        results / "04_regressions.comparison.csv", index=False)
    scorecard.write(tmp_path)
    doc = json.loads((results / "scorecard.json").read_text())
    assert doc["values"]["n_within"] == {"value": 1, "display": "1"}
    assert doc["values"]["share_within"] == {"value": 0.5, "display": "50%"}
    from casework.pipeline.variables import collect
    assert collect(results)["scorecard"]["n_with_interval"] == "2"


def test_years_and_counts_are_printed_without_scientific_notation(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    rows(("Spannagel 2018 (Chasing Shadows)", "Time", "Year with most communications", 2008, 2008, None, None),
         ("Spannagel 2018 (Chasing Shadows)", "Cases", "Individual cases", 12086, 12080, None, None),
         ("Spannagel 2018 (Chasing Shadows)", "Share", "Torture", 0.25, 0.25004, 0.24, 0.26)).to_csv(
        results / "01_caseload.comparison.csv", index=False)
    scorecard.write(tmp_path)
    md = (results / "scorecard.md").read_text()
    assert "| Year with most communications | 2008 | 2008 | – | +0 |" in md
    assert "| Individual cases | 12,086 | 12,080 | – | -6 |" in md
    assert "| Torture | 25.0% | 25.0% | [24.0%, 26.0%] | 0.0 pp |" in md
    assert "sign agrees" not in md.split("| section")[0]  # no '0 of 0' clause
