"""Cox fits on prepared arrays (casework.analysis.cox_newton) against R and lifelines.

R: the stored coxph output of tests/fixtures (cox_reference.R): Rossi's data (many tied
weeks), the Urgent Action frame with tied release dates, and the same frame split at
the median release time into (start, stop] episodes (delayed entry). lifelines: its
Efron fit at R's precision (survival.FIT_OPTIONS), with and without delayed entry.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

from casework.analysis import cox_newton, survival
from test_cox_reference import TIES_COVARIATES, reference, ties_frame, values

TOL = 1e-8


def assert_equals_r(fit: cox_newton.CoxFit, r: pd.DataFrame, terms: list[str]) -> None:
    assert np.abs(fit.beta - values(r, "coef")[terms].to_numpy()).max() < TOL
    assert np.abs(fit.se - values(r, "se")[terms].to_numpy()).max() < TOL
    assert fit.loglik == pytest.approx(values(r, "loglik").iloc[0], abs=TOL)


def test_rossi_with_tied_weeks_equals_r():
    data = load_rossi()
    terms = [c for c in data.columns if c not in ("week", "arrest")]
    fit = cox_newton.cox_newton(cox_newton.risk_sets(data.week, data.arrest, data[terms]))
    assert_equals_r(fit, reference("rossi_r.csv"), terms)


def test_tied_release_dates_equal_r():
    frame = ties_frame()
    terms = list(TIES_COVARIATES)
    fit = cox_newton.cox_newton(cox_newton.risk_sets(frame.duration, frame.released, frame[terms]))
    assert_equals_r(fit, reference("cox_ties_r.csv"), terms)


def test_episodes_with_delayed_entry_equal_r():
    # (start, stop] episodes: an episode is at risk at u when start < u <= stop, the
    # delayed-entry rule, so the split model is a delayed-entry fit on the episodes.
    frame = ties_frame()
    data = frame[[*TIES_COVARIATES, "duration", "released"]]
    cut = float(data.duration[data.released == 1].median())
    ep = survival.split_follow_up(data, cut)
    terms = ["prisoner_of_conscience", "death_penalty_concerns", "freethe20_early", "freethe20_late"]
    fit = cox_newton.cox_newton(cox_newton.risk_sets(ep.stop, ep.event, ep[terms], entry=ep.start))
    assert_equals_r(fit, reference("cox_ties_split_r.csv"), terms)


@pytest.mark.parametrize("entry", [False, True])
def test_matches_lifelines_with_and_without_delayed_entry(entry):
    rng = np.random.default_rng(3)
    n = 200
    X = np.column_stack([rng.integers(0, 2, n), rng.normal(size=n)])
    time = np.round(rng.exponential(10 * np.exp(-X @ [0.7, -0.3])), 1) + 0.1   # rounded: ties
    start = np.where(rng.random(n) < 0.3, rng.uniform(0, 1, n) * time, 0.0)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "duration": time,
                          "released": (rng.random(n) < 0.8).astype(int), "entry": start})
    assert frame.duration[frame.released == 1].duplicated().sum() > 10
    ref = CoxPHFitter().fit(frame if entry else frame.drop(columns="entry"), "duration", "released",
                            entry_col="entry" if entry else None, fit_options=survival.FIT_OPTIONS)
    fit = cox_newton.cox_newton(cox_newton.risk_sets(frame.duration, frame.released, frame[["a", "b"]],
                                                     frame.entry if entry else None), start=[0.7, -0.3])
    assert np.abs(fit.beta - ref.params_.to_numpy()).max() < TOL
    assert np.abs(fit.se - ref.standard_errors_.to_numpy()).max() < TOL
    assert fit.loglik == pytest.approx(ref.log_likelihood_, abs=TOL)
    beta, se = cox_newton.fit_frame(frame, ["a", "b"], entry="entry" if entry else None)
    assert np.abs(beta - ref.params_.to_numpy()).max() < TOL


def test_monotone_likelihood_is_handed_back():
    # No release among the treated, who stay at risk: the estimate runs off to minus infinity.
    frame = pd.DataFrame({"x": [1, 1, 1, 0, 0, 0], "duration": [5.0, 6, 7, 1, 2, 3],
                          "released": [0, 0, 0, 1, 1, 1]})
    with pytest.raises(cox_newton.CoxNewtonFailure, match="runs off to infinity"):
        cox_newton.cox_newton(cox_newton.risk_sets(frame.duration, frame.released, frame[["x"]]))
    # Where the array fit gives up, the library decides: lifelines warns, and fit_frame says so.
    with pytest.raises(cox_newton.CoxNewtonFailure):
        cox_newton.fit_frame(frame, ["x"])


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="3 times, 2 events and 3 covariate rows"):
        cox_newton.risk_sets([1, 2, 3], [1, 0], np.zeros((3, 1)))
    with pytest.raises(ValueError, match="an entry time is not before its exit time"):
        cox_newton.risk_sets([1, 2], [1, 1], np.zeros((2, 1)), entry=[0, 2])
