"""The replication scorecard: status rules, assembly, summary counts."""
from __future__ import annotations

import pandas as pd
import pytest

from casework.report import scorecard

WP = "Spannagel 2019 (Working Paper 7)"
MW = "Myrick & Weinstein 2018 (#Freethe20)"


def rows(*items):
    return pd.DataFrame(items, columns=scorecard.COLUMNS)


def test_interval_rule_and_sign_only_where_known():
    t = scorecard.check_comparison(rows(
        (WP, "Table 1", "inside", 1.22, 1.10, 0.05, 2.15),
        (WP, "Table 1", "outside", -0.62, -0.20, -0.40, -0.01),
        (WP, "Table 1", "sign flips", 0.09, -0.02, -0.2, 0.16),
        (WP, "Table 1", "no interval", 461, 458, None, None),
        (WP, "Table 1", "positive throughout", 1.02, 0.9, 0.3, 1.5),
    ).assign(sign_known=[True, True, True, False, True]), "test")
    assert t.rule.tolist() == ["interval", "interval", "interval", "none", "interval"]
    assert t.replicated.tolist() == [True, False, True, pd.NA, True]
    # A coefficient positive throughout counts (the old rule dropped it); a fit statistic never.
    assert t.sign_agrees.tolist() == [True, True, False, pd.NA, True]
    assert t.difference.round(2).tolist() == [-0.12, 0.42, -0.11, -3.0, -0.12]


def test_without_sign_known_no_sign_is_counted():
    # #Freethe20: lost minus signs; a negative computed value against a printed positive is no miss.
    t = scorecard.check_comparison(rows((MW, "m2", "Asia", 0.308, -0.2, -2.0, 2.0)), "test")
    assert pd.isna(t.sign_agrees.iloc[0]) and bool(t.replicated.iloc[0])


def test_bounds_decisions_and_context():
    t = scorecard.check_comparison(rows(
        (MW, "Fig. 1", "log-rank p", 0.0001, 0.00005, None, None),
        (MW, "Fig. 1", "log-rank p", 0.0001, 0.0002, None, None),
        (MW, "Fig. 1", "sensitivity p", 0.058, 0.0006, None, None),
        (MW, "Fig. 1", "sensitivity p", 0.058, 0.2, None, None),
        ("Piccone 2011", "Replies", "no reply", 0.58, 0.40, 0.35, 0.45),
    ).assign(rule=["bound", "bound", "decision", "decision", ""], bound=["<", "<", "", "", ""],
             alpha=[None, None, 0.01, 0.01, None]), "test")
    # 'p < 0.0001' is a bound, not the point 0.0001; 0.058 against 0.0006: opposite decisions.
    assert t.replicated.tolist() == [True, False, False, True, pd.NA]
    assert t.context.tolist() == [False] * 4 + [True]
    s = scorecard.summary(t)
    assert (s["n_targets"], s["n_replicated"], s["n_context"]) == (4, 2, 1)
    assert (s["n_bounds"], s["n_bounds_agree"], s["n_decisions"], s["n_decisions_agree"]) == (2, 1, 2, 1)
    assert (s["n_with_interval"], s["n_not_compared"]) == (0, 0)


def test_standard_errors_stars_and_truth():
    t = scorecard.check_comparison(rows(
        (WP, "s", "a", 1.0, 1.1, 0.5, 1.5), (WP, "s", "b", -1.0, -3.0, -3.5, -2.5),
        (WP, "s", "c", 0.5, 0.4, 0.1, 0.7)).assign(
        sign_known=True, published_se=[0.2, 0.2, 0.1], computed_se=[0.22, 0.4, None],
        published_stars=["**", "", None], computed_stars=["**", "*", "*"],
        truth=[1.4, -1.0, float("nan")]), "test")
    assert t.se_ratio.round(2).tolist()[:2] == [1.1, 2.0] and pd.isna(t.se_ratio.iloc[2])
    assert t.stars_agree.tolist() == [True, False, pd.NA]
    # recovered? (truth in the interval) is apart from replicated? (published in it)
    assert t.recovered.tolist() == [True, False, pd.NA]
    assert t.replicated.tolist() == [True, False, True]
    s = scorecard.summary(t)
    assert (s["n_se"], s["n_se_close"], s["se_ratio_median"]) == (2, 1, pytest.approx(1.55))
    assert (s["n_starred"], s["n_stars_agree"], s["n_truth"], s["n_recovered"]) == (2, 1, 2, 1)


def test_summary_counts():
    t = scorecard.check_comparison(rows(
        (WP, "s", "a", 1.0, 1.1, 0.5, 1.5), (WP, "s", "b", 1.0, 3.0, 2.5, 3.5),
        (WP, "s", "c", 5.0, 5.0, None, None)), "test")
    s = scorecard.summary(t)
    assert {k: s[k] for k in ("n_estimates", "n_targets", "n_replicated", "share_replicated",
                              "n_with_interval", "n_within", "n_not_compared", "n_signed")} == {
        "n_estimates": 3, "n_targets": 2, "n_replicated": 1, "share_replicated": 0.5,
        "n_with_interval": 2, "n_within": 1, "n_not_compared": 1, "n_signed": 0}


def test_sentences_are_chosen_by_the_counts():
    base = dict(n_targets=3, n_replicated=3, n_with_interval=3, n_within=3, n_bounds=0,
                n_bounds_agree=0, n_decisions=0, n_decisions_agree=0, n_signed=2, n_sign_agrees=2,
                n_starred=0, n_stars_agree=0, n_se=0, n_se_close=0, se_ratio_median=None,
                n_truth=0, n_recovered=0)
    s = scorecard.sentences(base, synthetic=False)
    assert s["verdict"] == "All 3 published numbers that can be judged replicate by the scorecard's rule."
    assert s["detail"] == "The sign agrees for all 2 coefficients whose published sign is known."
    assert "declared real" in s["meaning"]
    miss = scorecard.sentences({**base, "n_replicated": 1, "n_within": 1, "n_decisions": 1,
                                "n_with_interval": 2}, synthetic=True)
    assert miss["verdict"].startswith("1 of 3 published numbers") and \
        "2 do not (1 outside the computed interval, 1 with the opposite test decision)" in miss["verdict"]
    assert "replicated?* is not meaningful" in miss["meaning"] and "No row carries" in miss["meaning"]


def test_bad_rule_and_bound_are_named():
    with pytest.raises(ValueError, match=r"nb: column rule has \['guess'\]"):
        scorecard.check_comparison(rows((WP, "s", "a", 1, 1, 0, 2)).assign(rule="guess"), "nb")
    with pytest.raises(ValueError, match=r"nb: row 1 \('a'\): rule 'bound' needs the column bound"):
        scorecard.check_comparison(rows((WP, "s", "a", 1, 1, None, None)).assign(rule="bound"), "nb")
    with pytest.raises(ValueError, match=r"nb: row 1 \('a'\): rule 'decision' needs alpha"):
        scorecard.check_comparison(rows((WP, "s", "a", 1, 1, None, None)).assign(rule="decision"), "nb")


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
    rows((MW, "Cox", "Free the 20 (model 1)", 0.797, 0.7, 0.2, 1.2)).assign(sign_known=True).to_csv(
        results / "05_freethe20_survival.comparison.csv", index=False)
    rows((WP, "Table 1", "mentions (all)", -0.62, -0.6, -0.9, -0.3),
         (WP, "Table 1", "UPR (open)", 1.22, 0.1, -0.5, 0.7)).assign(level=0.9, sign_known=True).to_csv(
        results / "04_regressions.comparison.csv", index=False)
    s = scorecard.write(tmp_path)
    assert (s["n_estimates"], s["n_replicated"], s["n_targets"]) == (3, 2, 3)
    assert (s["n_sign_agrees"], s["n_signed"]) == (3, 3)
    csv = pd.read_csv(results / "scorecard.csv")
    assert csv.notebook.tolist() == ["04_regressions", "04_regressions", "05_freethe20_survival"]
    md = (results / "scorecard.md").read_text()
    assert md.startswith("**How rows are counted.** " + scorecard.RULE_SENTENCE)
    assert md.index("## Spannagel 2019") < md.index("## Myrick")
    assert "Replicated: 1 of 2 (50%); sign agrees: 2 of 2 (100%)." in md
    assert "**outside 90% CI**" in md and "[04_regressions](analyses/04_regressions.ipynb)" in md
    assert "| -0.62 | -0.6 | [-0.9, -0.3] | +0.020 | inside 90% CI | yes | – | – |" in md
    assert "| 0.797 | 0.7 | [0.2, 1.2] | -0.097 | inside CI | yes |" in md  # no level recorded
    summary_md = (results / "scorecard_summary.md").read_text()
    assert "| Spannagel 2019 (Working Paper 7) | 2 | 1 of 2 | 2 of 2 | – | – | – |" in summary_md
    assert "| **All studies** | 3 | 2 of 3 | 3 of 3 | – | – | – |" in summary_md


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
    assert doc["values"]["verdict"]["display"].startswith("1 of 2 published numbers")
    assert doc["values"]["rule"]["display"] == scorecard.RULE_SENTENCE
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
    assert "| Year with most communications | 2008 | 2008 | – | +0 | no interval (not counted) |" in md
    assert "| Individual cases | 12,086 | 12,080 | – | -6 |" in md
    assert "| Torture | 25.0% | 25.0% | [24.0%, 26.0%] | 0.0 pp |" in md
    assert "sign agrees" not in md.split("| section")[0]  # no '0 of 0' clause


def test_context_study_is_shown_not_counted(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    rows(("Piccone 2011", "Replies", "No reply", 0.58, 0.40, 0.35, 0.45)).to_csv(
        results / "01_caseload.comparison.csv", index=False)
    s = scorecard.write(tmp_path)
    assert (s["n_targets"], s["n_context"]) == (0, 1)
    assert "context (not counted)" in (results / "scorecard.md").read_text()
    assert "| Piccone 2011 | 1 | context only |" in (results / "scorecard_summary.md").read_text()


def test_no_stars_survive_the_comparison_file(tmp_path):
    # '' (printed without stars) is compared; a missing value (not printed) is not.
    results = tmp_path / "results"
    results.mkdir()
    scorecard.write_comparison(rows((WP, "s", "a", 1.0, 1.1, 0.5, 1.5), (WP, "s", "b", 1.0, 1.1, 0.5, 1.5),
                                    (WP, "s", "c", 1.0, 1.1, 0.5, 1.5)).assign(
        published_stars=["", "*", None], computed_stars=["", "", "*"]),
        results / "04_regressions.comparison.csv")
    s = scorecard.write(tmp_path)
    assert (s["n_starred"], s["n_stars_agree"]) == (2, 1)
