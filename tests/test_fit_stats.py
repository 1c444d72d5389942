"""Pseudo-R² of a logit from its log-likelihoods (wp2019 Table 1 reports Cox–Snell and Nagelkerke)."""
from __future__ import annotations

import math

import pytest
import statsmodels.api as sm

from casework.analysis.fit_stats import cox_snell, fit_stats, implied_null_loglik, mcfadden, nagelkerke
from casework.published import published


def test_cox_snell_and_nagelkerke_hand_worked():
    # llf = -50, llnull = -60, n = 100: 2(llnull - llf)/n = -0.2
    assert cox_snell(-50.0, -60.0, 100) == pytest.approx(1 - math.exp(-0.2), abs=1e-12)   # 0.181269
    assert cox_snell(-50.0, -60.0, 100) == pytest.approx(0.181269, abs=1e-6)
    # maximum of Cox–Snell: 1 - exp(2·(-60)/100) = 1 - exp(-1.2) = 0.698806
    assert nagelkerke(-50.0, -60.0, 100) == pytest.approx(0.181269 / 0.698806, abs=1e-6)   # 0.259399
    assert mcfadden(-50.0, -60.0) == pytest.approx(1 / 6)


def test_no_improvement_gives_zero_and_perfect_fit_gives_nagelkerke_one():
    assert cox_snell(-60.0, -60.0, 100) == 0.0
    assert nagelkerke(0.0, -60.0, 100) == pytest.approx(1.0)


def test_spector_logit_fit_stats_match_formulas_on_statsmodels_loglik():
    data = sm.datasets.spector.load_pandas().data
    res = sm.Logit(data["GRADE"], sm.add_constant(data[["GPA", "TUCE", "PSI"]])).fit(disp=0)
    got = fit_stats(res)
    # log-likelihoods of this model: -12.8896 and -20.5917 (Greene, Econometric Analysis)
    assert got["loglik"] == pytest.approx(-12.8896, abs=1e-4)
    assert got["llnull"] == pytest.approx(-20.5917, abs=1e-4)
    assert got["r2_cox_snell"] == pytest.approx(1 - math.exp(2 * (-20.591730 + 12.889634) / 32), abs=1e-6)
    assert got["r2_cox_snell"] == pytest.approx(0.38207, abs=1e-5)   # 1 - exp(-0.481381)
    assert got["r2_nagelkerke"] == pytest.approx(0.38207 / 0.723894, abs=1e-5)   # max 1 - exp(-1.286983)
    assert got["r2_mcfadden"] == pytest.approx(res.prsquared)


@pytest.mark.parametrize("model", ["all", "closed", "open"])
def test_published_table1_fit_statistics_are_mutually_consistent(model):
    """The null log-likelihood implied by (llf, Cox–Snell, n) reproduces the printed Nagelkerke.

    Cox–Snell is printed to two decimals, so any value within ±0.005 is allowed.
    """
    pub = published()["regressions"]["models"][model]
    nk = []
    for cs in (pub["r2_cox_snell"] - 0.005, pub["r2_cox_snell"] + 0.005):
        llnull = implied_null_loglik(pub["loglik"], cs, pub["n"])
        nk.append(nagelkerke(pub["loglik"], llnull, pub["n"]))
    assert min(nk) - 0.005 <= pub["r2_nagelkerke"] <= max(nk) + 0.005


def test_implied_null_loglik_inverts_cox_snell():
    assert cox_snell(-50.0, implied_null_loglik(-50.0, 0.2, 100), 100) == pytest.approx(0.2)


@pytest.mark.parametrize("args", [(-50.0, -60.0, 0), (5.0, -60.0, 100), (-70.0, -60.0, 100)])
def test_impossible_inputs_are_refused(args):
    with pytest.raises(ValueError):
        cox_snell(*args)
