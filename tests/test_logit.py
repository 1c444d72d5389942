"""The working paper's logit table (Spannagel 2019, Table 1): frame, fits, table, comparison."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from casework.analysis import logit as reg, logit_published as published_logit
from casework.analysis.logit_diagnostics import auc, calibration_table, hosmer_lemeshow, roc_curve, vif
from casework.analysis.logit_robustness import Variant, robustness, robustness_table, standard_variants
from casework.analysis.logit_table import export, logit_table, table_frame
from casework.data.frames.improvement import (PREDICTORS, TABLE1, improved, listwise_loss, regime,
                                             regression_frame)
from casework.analysis.separation import DesignError
from casework.published import published


# --- small synthetic tables with the columns of `sample` and `cases` ---------------------------

def tables(n: int = 400, seed: int = 1, missing_aid: int = 0, missing_gni: int = 0):
    """A sample/cases pair whose outcome follows the published all-regimes logit of Table 1."""
    rng = np.random.default_rng(seed)
    countries = [f"C{i:02d}" for i in range(30)]
    polity_of = dict(zip(countries, rng.choice([-9, -7, -4, -1, 1, 3, 6, 8, 9, 10], 30)))
    country = rng.choice(countries, n)
    sample = pd.DataFrame({
        "case_id": [f"K{i:06d}" for i in range(n)],
        "assessed": rng.random(n) < 0.85,
        "information": rng.choice(["good", "limited"], n, p=[0.7, 0.3]),
        "polity": [polity_of[c] for c in country],
        "fragility": rng.integers(0, 25, n),
        "upcoming_upr": rng.random(n) < 0.3,
        "aid_gdp": rng.gamma(1.0, 2.0, n),
        "aid_gni": rng.gamma(1.0, 2.0, n),
        "reply_received": rng.random(n) < 0.45,
        "mentions": 1 + rng.poisson(0.8, n),
        "mentions_next_report": rng.random(n) < 0.2,
        "business_involved": rng.random(n) < 0.12,
        "viol_detention": rng.random(n) < 0.5,
        "viol_torture": rng.random(n) < 0.2,
        "viol_conviction": rng.random(n) < 0.15,
        "viol_disciplinary": rng.random(n) < 0.06,
        "viol_admin_harassment": rng.random(n) < 0.08,
        "issue_minority": rng.random(n) < 0.3,
        "female_trans": rng.random(n) < 0.25,
    })
    assessed = np.flatnonzero(sample["assessed"])
    sample.loc[assessed[:missing_aid], "aid_gdp"] = np.nan
    sample.loc[assessed[-missing_gni:] if missing_gni else [], "aid_gni"] = np.nan
    coef = {k: v["all"][0] for k, v in published()["regressions"]["coefficients"].items()}
    eta = coef["constant"] + sum(coef[k] * sample[c].astype(float).fillna(0) for k, c in TABLE1.items())
    better = rng.random(n) < 1 / (1 + np.exp(-eta))
    development = np.where(better, rng.choice(["much_better", "somewhat_better"], n),
                           rng.choice(["same", "mixed", "somewhat_worse", "much_worse"], n))
    sample["development"] = pd.Series(development).where(sample["assessed"])
    cases = pd.DataFrame({"case_id": sample["case_id"], "country": country})
    return sample, cases


@pytest.fixture(scope="module")
def synthetic():
    sample, cases = tables(500, seed=4, missing_aid=7, missing_gni=25)
    frame = regression_frame(sample, cases)
    return sample, cases, frame, reg.fit_models(frame)


# --- a textbook logit --------------------------------------------------------------------------

def test_spector_mazzeo_logit_matches_greene():
    """Spector & Mazzeo (1980) PSI data, logit of GRADE on GPA, TUCE, PSI. Published estimates
    (standard errors): Greene, Econometric Analysis, 5th ed. (2003), Table 21.1, logit column:
    constant -13.021 (4.931), GPA 2.826 (1.263), TUCE 0.095 (0.142), PSI 2.379 (1.065),
    log-likelihood -12.890."""
    data = sm.datasets.spector.load_pandas().data
    frame = data.rename(columns={"GRADE": "improved"}).assign(country="all")
    res = reg.fit_logit(frame, ["GPA", "TUCE", "PSI"])
    expected = {"constant": (-13.021, 4.931), "GPA": (2.826, 1.263), "TUCE": (0.095, 0.142),
                "PSI": (2.379, 1.065)}
    for term, (b, se) in expected.items():
        assert res.params[term] == pytest.approx(b, abs=5e-4)
        assert res.bse[term] == pytest.approx(se, abs=5e-4)
    assert res.llf == pytest.approx(-12.890, abs=5e-4)
    assert not res.separation.separated


# --- outcome, regime, frame --------------------------------------------------------------------

def test_outcome_counts_only_clear_improvement_unless_mixed_is_asked_for():
    dev = pd.Series(["much_better", "somewhat_better", "mixed", "same", "much_worse", pd.NA],
                    dtype="string")
    assert improved(dev).tolist()[:5] == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert np.isnan(improved(dev).iloc[5])
    assert improved(dev, include_mixed=True).tolist()[:5] == [1.0, 1.0, 1.0, 0.0, 0.0]


def test_regime_split_at_the_cutoff():
    polity = pd.Series([-10, -1, 0, 1, 10, pd.NA], dtype="Int64")
    assert regime(polity).tolist()[:5] == ["closed", "closed", "boundary", "open", "open"]
    assert pd.isna(regime(polity).iloc[5])
    assert regime(polity, cutoff=5).value_counts().to_dict() == {"closed": 4, "open": 1}


def test_listwise_deletion_and_model_sizes(synthetic):
    sample, cases, frame, results = synthetic
    n_assessed = int(sample["assessed"].sum())
    assert len(frame) == n_assessed - 7                       # the 7 cases without ODA/GDP
    full = regression_frame(sample, cases, listwise=False)
    assert listwise_loss(full)["aid_dependency"] == 7 and listwise_loss(full)["any"] == 7
    closed, open_ = (frame["polity"] < 0).sum(), (frame["polity"] > 0).sum()
    assert {m: int(r.nobs) for m, r in results.items()} == {"all": len(frame), "closed": closed,
                                                            "open": open_}
    assert closed + open_ == len(frame)                        # no Polity 0 in this sample


def test_frame_options(synthetic):
    sample, cases, frame, _ = synthetic
    # the 7 cases without ODA/GDP have ODA/GNI; 25 others lack ODA/GNI
    assert len(regression_frame(sample, cases, aid="gni")) == int(sample["assessed"].sum()) - 25
    assert len(regression_frame(sample, cases, require=("aid_gni",))) == len(frame) - 25
    limited = (sample["assessed"] & (sample["information"] == "limited") & sample["aid_gdp"].notna()).sum()
    assert len(regression_frame(sample, cases, exclude_limited=True)) == len(frame) - limited
    assert "mentions_next_report" in regression_frame(sample, cases, control_next_report=True)
    mixed = regression_frame(sample, cases, include_mixed=True)
    assert mixed["improved"].sum() > frame["improved"].sum()
    with pytest.raises(ValueError, match="aid"):
        regression_frame(sample, cases, aid="gnp")
    first = frame["case_id"].iloc[0]
    with pytest.raises(KeyError, match=first):
        regression_frame(sample, cases[cases["case_id"] != first])


# --- estimates, comparison, predictions ----------------------------------------------------------

def test_coefficients_table_shape_and_odds_ratios(synthetic):
    *_, results = synthetic
    coefs = reg.coefficients(results)
    assert len(coefs) == 3 * (len(PREDICTORS) + 1)
    row = coefs[(coefs["model"] == "all") & (coefs["term"] == "mentions")].iloc[0]
    assert row["odds_ratio"] == pytest.approx(np.exp(row["estimate"]))
    assert row["or_low"] == pytest.approx(np.exp(row["estimate"] - 1.959964 * row["se"]), rel=1e-5)
    assert row["stars"] == reg.stars(row["p"])
    assert [reg.stars(p) for p in (0.0004, 0.004, 0.04, 0.06)] == ["***", "**", "*", ""]


def test_compare_to_published_against_itself_and_with_a_flipped_sign():
    pub = published_logit.published_coefficients()
    z = 1.959964
    comp = pub.assign(p=0.5, low=pub["estimate"] - z * pub["se"], high=pub["estimate"] + z * pub["se"])
    same = published_logit.compare_to_published(comp)
    assert len(same) == 45 and same["in_interval"].all() and same["same_sign"].all()
    assert (same["difference"] == 0).all() and same["same_stars"].all()
    assert same[["model", "term"]].iloc[0].tolist() == ["all", "polity"]
    flipped = comp.copy()
    hit = (flipped["model"] == "open") & (flipped["term"] == "upcoming_upr")
    flipped.loc[hit, ["estimate", "low", "high"]] = [-1.22, -2.0, -0.5]
    out = published_logit.compare_to_published(flipped)
    summary = published_logit.agreement_summary(out)
    assert summary["n"] == 45 and summary["same_sign"] == 44 and summary["in_interval"] == 44
    row = out[(out["model"] == "open") & (out["term"] == "upcoming_upr")].iloc[0]
    assert row["difference"] == pytest.approx(-2.44) and not row["in_interval"]


def test_refit_of_published_logit_lands_near_the_published_all_model(synthetic):
    *_, results = synthetic
    comparison = published_logit.compare_to_published(reg.coefficients(results))
    all_model = comparison[comparison["model"] == "all"]
    # the outcome was drawn from these coefficients: nearly all should fall in the 95% interval
    assert all_model["in_interval"].sum() >= 13
    assert len(published_logit.compare_fit_to_published(results)) == 12


def test_average_prediction_is_the_counterfactual_mean():
    data = sm.datasets.spector.load_pandas().data
    frame = data.rename(columns={"GRADE": "improved"}).assign(country="all")
    res = reg.fit_logit(frame, ["GPA", "TUCE", "PSI"])
    observed = reg.average_prediction(res, frame, {})
    # a logit with an intercept reproduces the observed share on average
    assert observed["probability"] == pytest.approx(frame["improved"].mean(), abs=1e-8)
    b = res.params
    eta = b["constant"] + b["GPA"] * frame["GPA"] + b["TUCE"] * frame["TUCE"] + b["PSI"]
    with_psi = reg.average_prediction(res, frame, {"PSI": 1})
    assert with_psi["probability"] == pytest.approx(float(np.mean(1 / (1 + np.exp(-eta)))), abs=1e-10)
    assert with_psi["low"] < with_psi["probability"] < with_psi["high"]
    change = reg.discrete_change(res, "PSI")
    without = reg.average_prediction(res, frame, {"PSI": 0})
    assert change["change"] == pytest.approx(with_psi["probability"] - without["probability"], abs=1e-8)
    curve = reg.prediction_curve(res, frame, "TUCE", [10, 20, 30])
    assert curve["probability"].is_monotonic_increasing                 # TUCE coefficient > 0


# --- the table ---------------------------------------------------------------------------------

def test_logit_table_layout_and_export(synthetic, tmp_path):
    *_, results = synthetic
    table = logit_table(results, caption="Table 1")
    cells = table_frame(table)
    assert list(cells.index[:2]) == ["Polity IV score", "State Fragility score"]
    assert list(cells.index[-5:]) == ["Constant", "Observations", "Log likelihood",
                                      "Pseudo-R² (Cox–Snell)", "Pseudo-R² (Nagelkerke)"]
    assert cells.shape[1] == 3 and cells.columns[0].startswith("All regime types")
    mentions = results["all"]
    cell = cells.loc["Number of mentions by SR"].iloc[0]
    assert cell == (f"{mentions.params['mentions']:.2f}{reg.stars(mentions.pvalues['mentions'])} "
                    f"({mentions.bse['mentions']:.2f})")
    assert cells.loc["Observations"].iloc[1] == f"{int(results['closed'].nobs)}"
    assert cells.loc["Log likelihood"].iloc[2] == f"{results['open'].llf:.2f}"
    paths = export(table, tmp_path / "tables", "table1")
    assert pd.read_csv(paths["csv"], index_col=0).shape == cells.shape
    assert "\\begin{table}" in paths["tex"].read_text() and "<table" in paths["html"].read_text()
    assert "SYNTHETIC" not in paths["csv"].read_text()            # no mark asked for, none written


def test_exported_table_files_carry_the_mark(synthetic, tmp_path):
    *_, results = synthetic
    table = logit_table(results)
    mark = "SYNTHETIC DATA · notebooks/04_regressions.py · params abc · data def"
    paths = export(table, tmp_path, "table1", mark=mark)
    for kind in ("csv", "tex", "html"):
        assert "SYNTHETIC DATA" in paths[kind].read_text(encoding="utf-8"), kind
    csv = pd.read_csv(paths["csv"], index_col=0)
    assert csv.index[-1] == "note" and csv.iloc[-1, 0] == mark
    assert mark not in table.notes                                # the table itself is left as it was


def test_table_html_has_no_stray_group_keys(synthetic, tmp_path):
    # maketables names its row groups 'coef' and 'stats' and hides them only by style:
    # without the style (the PDF paper's pandoc conversion) they showed as labels.
    import re

    import pypandoc

    from casework.analysis.logit_table import etable_html
    *_, results = synthetic
    table = logit_table(results)
    assert re.search(r'gt_group_heading[^>]*>\s*coef\s*<', table.make(type="gt").as_raw_html())
    for html in (etable_html(table), export(table, tmp_path, "t1")["html"].read_text(encoding="utf-8")):
        assert html.count("gt_group_heading") >= 2               # the rows (rules) stay
        text = pypandoc.convert_text(re.sub(r"<style.*?</style>", "", html, flags=re.S), "plain", format="html")
        assert not re.search(r"\b(coef|stats)\b", text), text
        assert "Observations" in text and "Polity IV score" in text


# --- diagnostics -------------------------------------------------------------------------------

def test_auc_roc_and_calibration_on_hand_worked_scores():
    y = [0, 0, 1, 1]
    p = [0.1, 0.4, 0.35, 0.8]
    assert auc(y, p) == pytest.approx(0.75)          # 3 of the 4 (1, 0) pairs ranked correctly
    roc = roc_curve(y, p)
    assert (roc.iloc[0][["fpr", "tpr"]].tolist(), roc.iloc[-1][["fpr", "tpr"]].tolist()) == ([0, 0], [1, 1])
    assert np.trapezoid(roc["tpr"], roc["fpr"]) == pytest.approx(0.75)
    cal = calibration_table(np.r_[np.zeros(50), np.ones(50)], np.linspace(0.01, 0.99, 100), bins=5)
    assert cal["n"].tolist() == [20] * 5 and cal["observed"].tolist() == [0, 0, 0.5, 1, 1]
    assert (cal["low"] <= cal["observed"]).all() and (cal["observed"] <= cal["high"]).all()


def test_vif_is_one_over_one_minus_r_squared():
    rng = np.random.default_rng(2)
    a = rng.normal(size=200)
    b = 0.8 * a + rng.normal(scale=0.6, size=200)
    X = pd.DataFrame({"a": a, "b": b, "c": rng.normal(size=200), "constant": 1.0})
    r2 = sm.OLS(X["a"], X[["b", "c", "constant"]]).fit().rsquared
    got = vif(X)
    assert list(got.index) == ["a", "b", "c"]
    assert got["a"] == pytest.approx(1 / (1 - r2))


def test_hosmer_lemeshow_accepts_a_well_calibrated_model(synthetic):
    *_, results = synthetic
    res = results["all"]
    hl = hosmer_lemeshow(res.model.endog, res.predict())
    assert hl["df"] == 8 and hl["p"] > 0.01


# --- robustness --------------------------------------------------------------------------------

def test_robustness_variants_change_one_thing_each(synthetic):
    sample, cases, frame, results = synthetic
    base = {"include_mixed": False, "aid": "gdp", "regime_cutoff": 0, "exclude_limited": False,
            "control_next_report": False, "se_type": "classical"}
    names = [v.name for v in standard_variants(base)]
    assert names[0] == "baseline" and {"firth", "gee", "se_cluster", "aid_measure"} <= set(names)
    chosen = [v for v in standard_variants(base) if v.name in ("baseline", "se_cluster", "aid_measure", "firth")]
    long = robustness(sample, cases, base, chosen)
    est = long.set_index(["variant", "model", "term"])
    key = ("all", "mentions")
    assert est.loc[("baseline", *key), "estimate"] == pytest.approx(results["all"].params["mentions"])
    # clustering moves the standard error, not the estimate
    assert est.loc[("se_cluster", *key), "estimate"] == pytest.approx(est.loc[("baseline", *key), "estimate"])
    assert est.loc[("se_cluster", *key), "se"] != pytest.approx(est.loc[("baseline", *key), "se"])
    # the GNI measure loses the 25 cases without it and regains the 7 without ODA/GDP
    assert est.loc[("aid_measure", *key), "n"] == len(frame) - 25 + 7
    # Firth shrinks towards zero
    assert abs(est.loc[("firth", *key), "estimate"]) < abs(est.loc[("baseline", *key), "estimate"])
    wide = robustness_table(long)
    assert len(wide) == 4 and wide.loc[0, "n all"] == len(frame)


def test_a_constant_predictor_makes_a_variant_not_estimable_rather_than_crash(synthetic):
    sample, cases, *_ = synthetic
    s = sample.copy()
    s.loc[s["polity"] > 0, "business_involved"] = False          # none in open regimes
    long = robustness(s, cases, {}, [Variant("baseline", "Baseline")])
    note = long.loc[long["model"] == "open", "note"].iloc[0]
    # the reason in a reader's words: the predictor's label, no column name or exception text
    assert note == "open: not estimable (no variation in Business involved)"


def test_scorecard_rows_pass_the_scorecard_check(synthetic):
    from casework.report import scorecard
    *_, results = synthetic
    comparison = published_logit.compare_to_published(reg.coefficients(results))
    rows = published_logit.scorecard_rows(comparison, published_logit.compare_fit_to_published(results))
    checked = scorecard.check_comparison(rows, "04_regressions")
    assert len(checked) == 45 + 12
    assert int(checked["within"].sum()) == published_logit.agreement_summary(comparison)["in_interval"]


def test_separated_estimate_is_shown_as_infinite_in_the_table(synthetic):
    sample, cases, frame, _ = synthetic
    f = frame.copy()
    rare = f.index[f["regime"] == "open"][:3]
    f["viol_disciplinary"] = 0.0
    f.loc[rare, "viol_disciplinary"] = 1.0
    f.loc[rare, "improved"] = 1.0                   # the three open-regime cases all improved
    closed = f.index[f["regime"] == "closed"][:6]
    f.loc[closed, "viol_disciplinary"] = 1.0
    f.loc[closed, "improved"] = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    results = reg.fit_models(f)
    assert results["open"].separation.causes == ["viol_disciplinary"]
    cells = table_frame(logit_table(results))
    assert cells.loc["Viol: discipl. measures"].iloc[2] == "+∞ (separation)"
    assert "+∞" not in cells.loc["Viol: discipl. measures"].iloc[0]
    assert "Viol: discipl. measures (open regimes)" in logit_table(results).notes


def test_a_predictor_without_variation_in_a_subset_is_left_out_and_said_so(synthetic):
    *_, frame, _ = synthetic
    f = frame.copy()
    f.loc[f["regime"] == "closed", "business_involved"] = 0.0
    with pytest.raises(DesignError, match="business_involved = 0"):
        reg.fit_logit(reg.model_frame(f, "closed"))
    results = reg.fit_models(f)
    assert results["closed"].dropped == ["business_involved"]
    assert "business_involved" not in results["closed"].params
    table = logit_table(results)
    assert "Left out for lack of variation: Business involved (closed regimes)" in table.notes


def test_a_separated_estimate_is_compared_by_sign_only():
    pub = published_logit.published_coefficients()
    comp = pub.assign(p=0.5, low=pub["estimate"] - 1, high=pub["estimate"] + 1, separated=False)
    hit = (comp["model"] == "closed") & (comp["term"] == "viol_disciplinary")
    comp.loc[hit, ["estimate", "low", "high", "separated"]] = [-15.9, -1e5, 1e5, True]
    out = published_logit.compare_to_published(comp)
    row = out[(out["model"] == "closed") & (out["term"] == "viol_disciplinary")].iloc[0]
    assert row["computed"] == -np.inf and pd.isna(row["in_interval"]) and pd.isna(row["difference"])
    assert row["same_sign"] == False                              # published +1.24  # noqa: E712
    summary = published_logit.agreement_summary(out)
    assert (summary["n_finite"], summary["n_separated"], summary["in_interval"]) == (44, 1, 44)
    rows = published_logit.scorecard_rows(out)
    assert np.isinf(rows["computed"]).sum() == 1 and rows["estimate"].str.contains("separation").sum() == 1
    from casework.report import scorecard
    checked = scorecard.check_comparison(rows, "04")
    sep = checked[checked.estimate.str.contains("separation")].iloc[0]
    assert pd.isna(sep.replicated) and sep.sign_agrees == False   # noqa: E712  sign still judged
    assert scorecard.summary(checked)["n_signed"] == 45   # every coefficient, the constant too


def test_variants_that_repeat_the_baseline_are_dropped():
    names = [v.name for v in standard_variants({"regime_cutoff": 5, "se_type": "cluster"})]
    assert "cutoff_democracy" not in names and "se_cluster" not in names
    assert {"cutoff_autocracy", "se_hc1", "firth", "gee"} <= set(names)
