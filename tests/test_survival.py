"""Survival analysis: Kaplan–Meier and log-rank by hand, Cox against R, balance, comparison."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi
from scipy.stats import chi2

from casework.analysis import survival


def frame(groups: dict[str, list[tuple[float, int]]]) -> pd.DataFrame:
    rows = [{"group": g, "featured": int(i == 0), "duration": t, "released": e}
            for i, (g, obs) in enumerate(groups.items()) for t, e in obs]
    return pd.DataFrame(rows)


# A: releases at 1 and 3, censored at 4.  B: release at 2, censored at 3, release at 5.
SMALL = frame({"A": [(1, 1), (3, 1), (4, 0)], "B": [(2, 1), (3, 0), (5, 1)]})


def test_kaplan_meier_by_hand():
    fits = survival.km_fits(SMALL)
    a, b = fits["A"].survival_function_["A"], fits["B"].survival_function_["B"]
    # A: S(1) = 1 - 1/3 = 2/3; at 3, two at risk, one released: S(3) = 2/3 * 1/2 = 1/3;
    #    censoring at 4 leaves S unchanged.
    assert a[1.0] == pytest.approx(2 / 3) and a[3.0] == pytest.approx(1 / 3)
    assert a[4.0] == pytest.approx(1 / 3)
    # B: S(2) = 2/3; the woman censored at 3 leaves; at 5 the last one is released: S = 0.
    assert b[2.0] == pytest.approx(2 / 3) and b[3.0] == pytest.approx(2 / 3) and b[5.0] == 0
    summary = survival.km_summary(fits).set_index("group")
    # Median: first time S <= 1/2: A at 3, B at 5.
    assert summary.median_months.to_dict() == {"A": 3.0, "B": 5.0}
    assert summary.released.to_dict() == {"A": 2, "B": 2}
    # Greenwood: Var S_A(3) = S^2 * (1/(3*2) + 1/(2*1)) = (1/9)(2/3) = 2/27.
    var = (1 / 9) * (1 / (3 * 2) + 1 / (2 * 1))
    assert var == pytest.approx(2 / 27)


def test_logrank_by_hand_single_events():
    # Event times 1, 2, 3, 5.  At each: n (A, B at risk), d, E_A = d nA/n,
    # V = d (nA/n)(1 - nA/n)(n - d)/(n - 1):
    #   t=1: n=6 (3,3), d=1 (A): E=0.5,  V=0.25
    #   t=2: n=5 (2,3), d=1 (B): E=0.4,  V=0.24
    #   t=3: n=4 (2,2), d=1 (A; B's censoring at 3 still at risk): E=0.5, V=0.25
    #   t=5: n=1 (0,1), d=1 (B): E=0,    V=0
    # O_A = 2, E_A = 1.4, V = 0.74: chi2 = 0.6^2 / 0.74 = 0.486486...
    result = survival.logrank(SMALL, group="group")
    assert result.test_statistic == pytest.approx(0.36 / 0.74, abs=1e-9)
    assert result.p_value == pytest.approx(chi2.sf(0.36 / 0.74, 1), abs=1e-9)


def test_logrank_by_hand_tied_events():
    # A: 2, 2, 4+   B: 2, 3, 3+
    #   t=2: n=6 (3,3), d=3 (2 A, 1 B): E_A = 1.5, V = 3(.5)(.5)(3/5) = 0.45
    #   t=3: n=3 (1,2), d=1 (B):         E_A = 1/3, V = (1/3)(2/3)(2/2) = 2/9
    # O_A = 2, E_A = 11/6, V = 0.45 + 2/9: chi2 = (1/6)^2 / (0.45 + 2/9)
    tied = frame({"A": [(2, 1), (2, 1), (4, 0)], "B": [(2, 1), (3, 1), (3, 0)]})
    expected = (1 / 6) ** 2 / (0.45 + 2 / 9)
    assert survival.logrank(tied, group="group").test_statistic == pytest.approx(expected, abs=1e-9)


def test_logrank_needs_two_groups():
    with pytest.raises(ValueError, match="3 groups, expected 2"):
        survival.logrank(pd.DataFrame({"g": [1, 2, 3], "duration": [1, 2, 3], "released": 1}), "g")


def test_cox_matches_r_on_rossi():
    """Rossi et al. recidivism data; R survival::coxph (Efron ties, R's default) as printed in
    Fox & Weisberg, 'Cox Proportional-Hazards Regression for Survival Data in R', appendix to
    An R Companion to Applied Regression (2011): coefficients and standard errors."""
    r = {"fin": (-0.37942, 0.19138), "age": (-0.05744, 0.02200), "race": (0.31390, 0.30799),
         "wexp": (-0.14980, 0.21222), "mar": (-0.43370, 0.38187), "paro": (-0.08487, 0.19576),
         "prio": (0.09150, 0.02865)}
    fitted = CoxPHFitter().fit(load_rossi(), "week", "arrest")  # lifelines default: Efron
    for term, (coef, se) in r.items():
        assert round(fitted.params_[term], 3) == round(coef, 3), term
        assert round(fitted.standard_errors_[term], 3) == round(se, 3), term
    # R prints 'Likelihood ratio test = 33.27 on 7 df'.
    assert fitted.log_likelihood_ratio_test().test_statistic == pytest.approx(33.27, abs=0.01)


def cox_frame(n_missing: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 120
    df = pd.DataFrame({"freethe20": (np.arange(n) < 15).astype(int)})
    for name in survival.CONCERNS:
        df[name] = (rng.uniform(size=n) < 0.4).astype(float)
    region = rng.choice(list(survival.REGIONS) + ["other"], size=n)
    region[:4] = "other"
    for name in survival.REGIONS:
        df[name] = (region == name).astype(int)
    df.loc[df.index[-n_missing:], "legal_concerns"] = np.nan
    df["duration"] = rng.exponential(30, size=n) / np.exp(0.7 * df.freethe20)
    df["released"] = (df.duration < 40).astype(int)
    df["duration"] = df.duration.clip(upper=40)
    return df


def test_cox_models_use_all_women_then_the_complete_cases():
    models = survival.fit_cox_models(cox_frame(n_missing=2))
    assert [m.n_obs for m in models.values()] == [120, 118, 118, 118]
    assert models[1].covariates == ("freethe20",)
    assert set(models[4].covariates) == set(survival.TERMS)
    est = survival.tidy_estimates(models)
    assert len(est) == 1 + 6 + 6 + 11
    row = est[(est.model == 1)].iloc[0]
    assert row.hr == pytest.approx(np.exp(row.coef))
    assert row.coef_low < row.coef < row.coef_high


def test_standardized_difference_by_hand():
    ua = pd.DataFrame({
        "featured": [True, True, True, False, False],
        "n_urgent_actions": [1, 2, 3, 2, 4],  # means 2 and 3; variances 1 and 2
        "year_entry": [2010] * 5,
        "country": ["IRN", "IRN", "CHN", "CHN", "CHN"],
        **{c: [True, False, pd.NA, True, True] for c in survival.CONCERNS.values()},
    })
    smd = survival.standardized_differences(ua).set_index("characteristic").smd
    assert smd["Number of Urgent Actions"] == pytest.approx(-1 / np.sqrt(1.5))
    # Iran: 2/3 vs 0 -> (2/3) / sqrt((2/9 + 0) / 2) = (2/3) / (1/3) = 2
    assert smd["Iran"] == pytest.approx(2.0)
    # Concern with a missing value: featured 1/2, other 1 -> (−1/2) / sqrt((1/4 + 0)/2)
    assert smd["Prisoner of conscience"] == pytest.approx(-0.5 / np.sqrt(1 / 8))
    assert np.isnan(smd["Year of entry"])  # no variation at all


def test_compare_to_published_rules():
    pub = survival.published_estimates()
    est = pub.rename(columns={"published": "coef", "published_se": "se"}).assign(
        coef_low=lambda d: d.coef - 0.1, coef_high=lambda d: d.coef + 0.1, p=0.01)
    est.loc[0, ["coef", "coef_low", "coef_high"]] = [2.0, 1.9, 2.1]  # model 1 Free the 20 off
    out = survival.compare_to_published(
        est, {"km_logrank_p": 0.00005, "km_logrank_p_including_excluded": 0.002})
    coef = out[out.model.notna()]
    assert len(coef) == 24 and coef.agrees.sum() == 23
    assert not coef.set_index(["model", "term"]).agrees[(1, "freethe20")]
    lr = out[out.model.isna()].set_index("term")
    assert bool(lr.agrees["km_logrank_p"])                         # 0.00005 < 0.0001
    # 0.002 against 0.058 at the study's stated level (99%): opposite decisions
    assert not bool(lr.agrees["km_logrank_p_including_excluded"])
    assert lr.rule["km_logrank_p_including_excluded"] == "same decision at 0.01"
    rows = survival.scorecard_rows(out)
    assert list(rows.columns[:7]) == ["study", "section", "estimate", "published", "computed",
                                      "ci_low", "ci_high"]
    # 24 coefficients, 2 log-rank p-values, 4 'Free the 20 significant at 0.1' bounds
    assert len(rows) == 30 and rows.ci_low.isna().sum() == 6
    assert rows.rule.value_counts().to_dict() == {"interval": 24, "bound": 5, "decision": 1}
    # Signs only where the text establishes them: Free the 20, four models.
    assert rows.estimate[rows.sign_known].eq("Free the 20").sum() == 4 and rows.sign_known.sum() == 4
    from casework.report import scorecard
    checked = scorecard.check_comparison(rows, "05")
    assert scorecard.summary(checked)["n_signed"] == 4
    assert checked.se_ratio[checked.rule == "interval"].eq(1.0).all()   # SEs equal by construction


def test_split_follow_up_episodes():
    d = pd.DataFrame({"freethe20": [1, 0, 1], "duration": [5.0, 20.0, 12.0], "released": [1, 0, 1]})
    ep = survival.split_follow_up(d, cut=10.0)
    # 5 ends before the cut (one episode); 20 and 12 are split into two.
    assert ep.groupby("id").size().tolist() == [1, 2, 2]
    third = ep[ep.id == 2]
    assert third.start.tolist() == [0.0, 10.0] and third.stop.tolist() == [10.0, 12.0]
    assert third.event.tolist() == [0, 1]
    assert third.freethe20_early.tolist() == [1, 0] and third.freethe20_late.tolist() == [0, 1]


def test_format_p():
    assert survival.format_p(0.00002) == "< .0001"
    assert survival.format_p(0.00042) == ".0004"
    assert survival.format_p(0.058) == ".058"


def test_ph_alternatives_stratify_only_the_violators():
    models = survival.fit_cox_models(cox_frame())
    none = pd.DataFrame({"model": [4, 4], "term": ["freethe20", "legal_concerns"], "p": [0.9, 0.9]})
    out = survival.ph_alternatives(models, none, alpha=0.05)
    # As fitted, then early and late follow-up: no stratified model without a violation.
    assert len(out) == 3 and out.approach.iloc[0].startswith("proportional hazards")
    assert out.hr.iloc[0] == pytest.approx(np.exp(models[4].fitter.params_["freethe20"]))
    bad = pd.DataFrame({"model": [4, 4, 4], "term": ["freethe20", "legal_concerns", "region_asia"],
                        "p": [0.001, 0.01, 0.02]})
    out = survival.ph_alternatives(models, bad, alpha=0.05)
    # Free the 20 itself is never a stratum; a region dummy stratifies by region.
    assert out.approach.iloc[-1] == "stratified on Any legal concerns, region"


def test_interval_side():
    assert [survival.interval_side(*ci) for ci in ((1.2, 3.0), (0.2, 0.9), (0.8, 1.4), (1.0, 2.0))] == \
        ["above", "below", "across", "across"]
