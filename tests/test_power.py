"""Simulation power: against the closed form for two proportions, determinism, failed fits,
reading n for a target power off a curve, and the study designs on small runs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from casework.analysis import power as pw
from casework.data.frames.improvement import PREDICTORS

P_CONTROL, P_TREATED = 0.30, 0.45


# --- a two-group design with a closed-form power ----------------------------------------

def draw_two_groups(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n cases, half treated; success with P_CONTROL or P_TREATED."""
    group = np.repeat([0, 1], n // 2)
    p = np.where(group == 1, P_TREATED, P_CONTROL)
    return pd.DataFrame({"group": group, "y": (rng.random(len(group)) < p).astype(int)})


def arcsine_test(frame: pd.DataFrame) -> pw.FitOutcome:
    """Two-sided z-test of equal proportions on the arcsine scale (the test whose power
    NormalIndPower gives with Cohen's h)."""
    g, y = frame["group"].to_numpy(), frame["y"].to_numpy()
    n1, n0 = (g == 1).sum(), (g == 0).sum()
    h = 2 * np.arcsin(np.sqrt(y[g == 1].mean())) - 2 * np.arcsin(np.sqrt(y[g == 0].mean()))
    z = h / np.sqrt(1 / n0 + 1 / n1)
    return pw.FitOutcome(float(2 * stats.norm.sf(abs(z))), float(h), "arcsine z")


def flaky_test(frame: pd.DataFrame) -> tuple[float, float]:
    """Fails (FitFailure) whenever the first case succeeded: a known share of samples."""
    if frame["y"].iloc[0] == 1:
        raise pw.FitFailure("first case succeeded")
    return arcsine_test(frame)[:2]


def buggy_test(frame: pd.DataFrame) -> pw.FitOutcome:
    return frame["no such column"]


def test_power_matches_normal_approximation():
    sizes = [80, 200, 360]
    res = pw.simulate_power(draw_two_groups, arcsine_test, sizes, n_sims=2000, seed=11)
    h = proportion_effectsize(P_TREATED, P_CONTROL)
    for n in sizes:
        row = res.at(n)
        exact = NormalIndPower().power(effect_size=h, nobs1=n // 2, alpha=0.05, ratio=1.0)
        mc_se = np.sqrt(exact * (1 - exact) / 2000)
        assert abs(row["power"] - exact) < 3.5 * mc_se, (n, row["power"], exact)
        assert row["low"] < exact < row["high"]
    assert res.curve["power"].is_monotonic_increasing
    assert (res.curve["failed"] == 0).all() and (res.curve["methods"] == "arcsine z: 2000").all()


def test_null_effect_rejects_at_alpha():
    """With no difference between groups, power is the test's size."""
    def same(rng, n):
        return pd.DataFrame({"group": np.repeat([0, 1], n // 2), "y": (rng.random(n) < 0.3).astype(int)})
    res = pw.simulate_power(same, arcsine_test, [200], n_sims=3000, seed=2, alpha=0.10)
    assert abs(res.at(200)["power"] - 0.10) < 3.5 * np.sqrt(0.09 / 3000)


def test_same_seed_same_result_and_independent_of_grid_and_jobs():
    a = pw.simulate_power(draw_two_groups, arcsine_test, [60, 120], n_sims=40, seed=5)
    b = pw.simulate_power(draw_two_groups, arcsine_test, [120, 60], n_sims=40, seed=5)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    # Each (seed, n, simulation) has its own stream: other sizes on the grid change nothing.
    c = pw.simulate_power(draw_two_groups, arcsine_test, [120, 500], n_sims=40, seed=5)
    pd.testing.assert_frame_equal(a.runs[a.runs.n == 120].reset_index(drop=True),
                                  c.runs[c.runs.n == 120].reset_index(drop=True))
    d = pw.simulate_power(draw_two_groups, arcsine_test, [60, 120], n_sims=40, seed=5, jobs=2)
    pd.testing.assert_frame_equal(a.runs, d.runs)
    other = pw.simulate_power(draw_two_groups, arcsine_test, [60, 120], n_sims=40, seed=6)
    assert not np.allclose(a.runs["p_value"], other.runs["p_value"])
    stream = pw.simulate_power(draw_two_groups, arcsine_test, [60, 120], n_sims=40, seed=5, stream=1)
    assert not np.allclose(a.runs["p_value"], stream.runs["p_value"])


def test_failed_fits_are_counted_not_dropped():
    miss = pw.simulate_power(draw_two_groups, flaky_test, [100], n_sims=400, seed=3, failed="miss")
    drop = pw.simulate_power(draw_two_groups, flaky_test, [100], n_sims=400, seed=3, failed="drop")
    row = miss.at(100)
    # Independently: how many samples start with a success (the first case is a control).
    starts = sum(draw_two_groups(np.random.default_rng(pw.simulation_seed(3, 0, 100, i)), 100)["y"].iloc[0]
                 for i in range(400))
    assert row["failed"] == starts and row["fits"] == 400 - starts
    assert 0.2 < row["failed"] / 400 < 0.4            # about P_CONTROL
    assert row["power"] == pytest.approx(row["rejected"] / 400)
    assert drop.at(100)["power"] == pytest.approx(row["rejected"] / row["fits"])
    assert drop.at(100)["power"] > row["power"]
    assert row["reasons"] == f"First case succeeded: {starts}"   # no exception class name in a page
    assert miss.runs["failed"].sum() == starts and miss.runs.loc[miss.runs.failed, "p_value"].isna().all()


def test_every_fit_failing_and_bugs_propagating():
    def never(frame):
        raise pw.FitFailure("nothing to fit")
    res = pw.simulate_power(draw_two_groups, never, [50], n_sims=10, seed=1, failed="drop")
    assert res.at(50)["fits"] == 0 and np.isnan(res.at(50)["power"])
    assert pw.simulate_power(draw_two_groups, never, [50], n_sims=10, seed=1).at(50)["power"] == 0
    with pytest.raises(KeyError):                      # a bug is not a failed fit
        pw.simulate_power(draw_two_groups, buggy_test, [50], n_sims=3, seed=1)
    with pytest.raises(ValueError, match="failed="):
        pw.simulate_power(draw_two_groups, arcsine_test, [50], n_sims=3, seed=1, failed="ignore")


# --- reading the curve ------------------------------------------------------------------

def curve(power, low=None, high=None, n=(100, 200, 300, 400)) -> pd.DataFrame:
    power = np.asarray(power, float)
    return pd.DataFrame({"n": n, "sims": 100, "power": power,
                         "low": power - 0.1 if low is None else low,
                         "high": power + 0.1 if high is None else high})


def test_n_for_power_interpolates_between_grid_points():
    got = pw.n_for_power(curve([0.2, 0.5, 0.7, 0.9]), 0.8)
    assert got.status == "in grid" and got.n == pytest.approx(350)
    # upper bound [.3, .6, .8, 1.0] reaches .8 at 300; lower [.1, .4, .6, .8] at 400
    assert got.low == pytest.approx(300) and got.high == pytest.approx(400)
    assert pw.n_for_power(curve([0.2, 0.5, 0.7, 0.9]), 0.6).n == pytest.approx(250)


def test_n_for_power_smooths_noise_and_reports_the_grid_edges():
    # 0.85 then 0.75 cannot both be right: pooled to 0.80 at 200 and 300.
    assert pw.n_for_power(curve([0.2, 0.85, 0.75, 0.9]), 0.8).n == pytest.approx(200)
    beyond = pw.n_for_power(curve([0.1, 0.2, 0.3, 0.5]), 0.8)
    assert beyond.status == "beyond grid" and np.isnan(beyond.n) and np.isnan(beyond.high)
    below = pw.n_for_power(curve([0.85, 0.9, 0.95, 0.99]), 0.8)
    assert below.status == "below grid" and np.isnan(below.n)


def test_size_grid_holds_the_published_n():
    grid = pw.size_grid(238, 0.5, 4.0, 7)
    assert 238 in grid and grid[0] == 119 and grid[-1] == 952 and grid == sorted(set(grid))
    with pytest.raises(ValueError):
        pw.size_grid(238, 1.5, 4.0, 7)


# --- the study designs --------------------------------------------------------------------

def test_logit_design_uses_published_coefficients_and_fits():
    design = pw.regression_design("upr_open")
    assert design.effect == pytest.approx(1.22) and design.published_n == 238
    frame = pw.LogitSample("open", pw.published_logit("open"))(np.random.default_rng(1), 600)
    assert list(frame.columns[:len(PREDICTORS)]) == PREDICTORS and (frame.regime == "open").all()
    assert frame["improved"].isin([0.0, 1.0]).all()
    out = design.fit(frame)
    assert 0 <= out.p_value <= 1 and out.method in ("maximum likelihood", "Firth (separated sample)")
    # the design's own draw: arrays from a population of simulated cases, same fit
    X, y = design.draw(np.random.default_rng(1), 600)
    assert X.shape == (600, len(PREDICTORS) + 1) and (X[:, -1] == 1).all() and set(y) <= {0.0, 1.0}
    assert design.fit(pw.LogitArrays(X, y)).method in ("maximum likelihood", "Firth (separated sample)")


def test_logit_newton_matches_statsmodels():
    """The simulations' array fit gives statsmodels' Logit estimates, standard errors and Wald
    p-values to 1e-8, from the truth or from zero; a separated sample is handed back (None)."""
    import statsmodels.api as sm
    coefs = pw.published_logit("all")
    truth = np.array([coefs[k] for k in pw.COLUMNS])
    draw = pw.LogitSample("all", coefs, pool=20_000, pool_seed=5)
    checked = 0
    for i in range(12):
        X, y = draw(np.random.default_rng(i), 700)
        if pw._flag_screen(X[:, pw._FLAG_COLUMNS], y).any():
            continue
        ref = sm.Logit(y, X).fit(disp=0, maxiter=100)
        for start in (truth, None):
            beta, se = pw.logit_newton(X, y, start)
            np.testing.assert_allclose(beta, ref.params, rtol=0, atol=1e-8)
            np.testing.assert_allclose(se, ref.bse, rtol=0, atol=1e-8)
        k = pw.COLUMNS.index("business_involved")
        out = pw.LogitTest("business_involved", start=tuple(truth))(pw.LogitArrays(X, y))
        assert out.method == "maximum likelihood"
        assert out.p_value == pytest.approx(ref.pvalues[k], abs=1e-8)
        assert out.estimate == pytest.approx(ref.params[k], abs=1e-8)
        checked += 1
    assert checked >= 5
    X, y = draw(np.random.default_rng(0), 300)
    y = (X[:, 0] > np.median(X[:, 0])).astype(float)        # completely separated by column 0
    assert pw.logit_newton(X, y, truth) is None


def test_firth_estimate_on_arrays_is_firth_logit_with_wald_errors():
    from casework.analysis.firth import firth_estimate, firth_logit
    X, y = pw.LogitSample("open", pw.published_logit("open"), pool=20_000, pool_seed=5)(
        np.random.default_rng(3), 150)
    keep = X.max(axis=0) != X.min(axis=0)
    full = firth_logit(y, pd.DataFrame(X[:, keep]), profile=False)
    beta, se = firth_estimate(X[:, keep], y)
    np.testing.assert_array_equal(beta, full.params.to_numpy())
    np.testing.assert_array_equal(se, full.bse.to_numpy())
    with pytest.raises(ValueError, match="150 rows but y has 149"):
        firth_estimate(X, y[:-1])


def test_pooled_cases_are_distributed_like_fresh_draws():
    """The population the designs draw from has the simulator's covariate means (to within
    sampling error) and each case's improvement probability from the logit."""
    coefs = pw.published_logit("all")
    X, p = pw.case_pool("all", coefs, seed=3, size=20_000)
    fresh = pw.LogitSample("all", coefs)(np.random.default_rng(9), 20_000)
    for j, column in enumerate(PREDICTORS):
        sd = max(fresh[column].std(), 1e-3)
        assert abs(X[:, j].mean() - fresh[column].mean()) < 5 * sd * np.sqrt(2 / 20_000), column
    beta = np.array([coefs[k] for k in pw.COLUMNS])
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-X @ beta)))
    again = pw.case_pool("all", coefs, seed=3, size=20_000)[0]
    assert np.array_equal(X, again)            # the same population in every process


def test_flag_screen_marks_a_flag_whose_group_shares_one_outcome():
    B = np.array([[1, 0], [1, 1], [0, 1], [0, 0], [0, 1]], float)
    y = np.array([1, 1, 0, 0, 0], float)
    # flag 0: its 1s all improved -> separates; flag 1: both groups mixed
    assert pw._flag_screen(B, y).tolist() == [True, False]
    assert pw._flag_screen(B[:, [1]], np.array([1, 0, 0, 1, 0], float)).tolist() == [True]  # its 0s all improved


def test_separated_sample_goes_to_firth_or_fails():
    frame = pw.LogitSample("open", pw.published_logit("open"))(np.random.default_rng(4), 300)
    frame.loc[frame.viol_disciplinary == 1, "improved"] = 1.0   # every such case improved
    frame.loc[frame.index[:3], "viol_disciplinary"] = 1.0
    frame.loc[frame.index[:3], "improved"] = 1.0
    assert "viol_disciplinary" in pw.separating_flags(frame, pw.BINARY_FLAGS)
    assert pw.LogitTest("upcoming_upr", "firth")(frame).method == "Firth (separated sample)"
    with pytest.raises(pw.FitFailure, match="viol_disciplinary"):
        pw.LogitTest("upcoming_upr", "fail")(frame)
    with pytest.raises(pw.FitFailure, match="no variation"):
        pw.LogitTest("upcoming_upr")(frame.assign(upcoming_upr=0.0))


def test_logit_without_effect_rejects_about_alpha():
    coefs = pw.published_logit("open") | {"upcoming_upr": 0.0}
    res = pw.simulate_power(pw.LogitSample("open", coefs), pw.LogitTest("upcoming_upr"), [400],
                            n_sims=120, seed=8)
    assert res.at(400)["failed"] == 0
    assert res.at(400)["power"] <= 0.12            # nominal 0.05; 120 sims


def cox_pool(n_treated=10, n_controls=90) -> pd.DataFrame:
    n = n_treated + n_controls
    return pd.DataFrame({"woman_id": [f"U{i}" for i in range(n)],
                         "freethe20": [1] * n_treated + [0] * n_controls,
                         "prisoner_of_conscience": 1.0, "torture_concerns": 0.0,
                         "death_penalty_concerns": 0.0, "legal_concerns": 0.0,
                         "medical_concerns": 0.0, "follow_up": np.linspace(20, 80, n),
                         "duration": 1.0, "released": 1})


def test_cox_sample_keeps_the_treated_share_or_count():
    prop = pw.CoxSample(cox_pool(), log_hr=0.8, scale=100.0, shape=1.0)
    frame = prop(np.random.default_rng(1), 400)
    assert len(frame) == 400 and frame.freethe20.sum() == 40
    assert (frame.duration <= frame.follow_up + 1e-12).all()
    assert ((frame.duration < frame.follow_up) == (frame.released == 1)).all()
    fixed = pw.CoxSample(cox_pool(), 0.8, 100.0, 1.0, growth="controls")(np.random.default_rng(1), 400)
    assert fixed.freethe20.sum() == 10
    out = pw.CoxTest()(frame)
    assert out.method == "Cox (Efron ties)" and 0 <= out.p_value <= 1


def test_cox_sample_draws_the_hazard_ratio():
    """Without censoring, a large sample's Cox estimate is close to the true log hazard ratio."""
    pool = cox_pool(500, 500).assign(follow_up=1e9)
    frame = pw.CoxSample(pool, log_hr=0.7, scale=50.0, shape=1.3)(np.random.default_rng(2), 2000)
    assert frame.released.all()
    out = pw.CoxTest()(frame)
    assert out.estimate == pytest.approx(0.7, abs=0.1)


def test_cox_without_releases_in_a_group_fails():
    frame = pw.CoxSample(cox_pool(), 0.8, 100.0, 1.0)(np.random.default_rng(1), 100)
    frame.loc[frame.freethe20 == 1, "released"] = 0
    with pytest.raises(pw.FitFailure, match="no release"):
        pw.CoxTest()(frame)


def test_cox_fit_on_arrays_matches_lifelines():
    """The array Cox fit gives lifelines' Efron estimate, standard error and p (no tied
    releases; censored women tied with each other and with a release, as in the data)."""
    from lifelines import CoxPHFitter
    frame = pw.CoxSample(cox_pool(20, 80), 0.6, 40.0, 1.2)(np.random.default_rng(5), 150)
    frame.loc[frame.index[:5], ["duration", "released"]] = [frame.duration.iloc[10], 0]
    assert frame.loc[frame.released == 1, "duration"].is_unique
    from casework.analysis.survival import FIT_OPTIONS          # lifelines to R's precision
    ref = CoxPHFitter().fit(frame[["duration", "released", "freethe20"]], "duration", "released",
                            fit_options=FIT_OPTIONS)
    out = pw.CoxTest()(pw.CoxArrays(frame.duration.to_numpy(), frame.released.to_numpy(),
                                    frame.freethe20.to_numpy(float)))
    row = ref.summary.loc["freethe20"]
    assert out.estimate == pytest.approx(row["coef"], abs=1e-8)
    assert out.p_value == pytest.approx(row["p"], abs=1e-8)
    beta, se = pw.cox_fit(frame.duration.to_numpy(), frame.released.to_numpy(),
                          frame[["freethe20"]].to_numpy(float))
    assert se[0] == pytest.approx(row["se(coef)"], abs=1e-8)


def test_cox_with_tied_releases_uses_lifelines_efron():
    from lifelines import CoxPHFitter
    frame = pw.CoxSample(cox_pool(20, 80), 0.6, 40.0, 1.2)(np.random.default_rng(6), 150)
    released = frame.index[frame.released == 1]
    frame.loc[released[:4], "duration"] = frame.loc[released[0], "duration"]   # four tied releases
    ref = CoxPHFitter().fit(frame[["duration", "released", "freethe20"]], "duration", "released")
    assert pw.CoxTest()(frame).estimate == pytest.approx(ref.params_["freethe20"], abs=1e-6)


def test_exaggeration_of_significant_estimates():
    runs = pd.DataFrame({"n": [10, 10, 10, 20], "rejected": [True, True, False, True],
                         "estimate": [2.0, -3.0, 0.1, 9.0]})
    assert pw.exaggeration(runs, 10, 1.25) == pytest.approx(2.0)
    assert np.isnan(pw.exaggeration(runs, 30, 1.0))
