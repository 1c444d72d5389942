"""Recovery study machinery on a toy model with a known answer, plus the command's errors."""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from casework.analysis import recovery
from casework.cli import main

TRUE_MEAN, N = 1.5, 40


def toy(seed, index, conditions=(), confidence=0.95, se_factor=1.0):
    """One replication of a toy study: the mean of N normal draws with known SD 1, and
    its Wald interval (exact, so coverage must be nominal); se_factor shrinks the SE."""
    rng = np.random.default_rng(recovery.replication_seed(seed, index))
    x = rng.normal(TRUE_MEAN, 1.0, N)
    est, se = x.mean(), se_factor / math.sqrt(N)
    z = stats.norm.ppf(0.5 + confidence / 2)
    return pd.DataFrame([{"rep": index, "analysis": "toy", "model": "m", "term": "mean",
                          "estimator": "mean", "estimate": est, "se": se, "low": est - z * se,
                          "high": est + z * se, "p": 2 * stats.norm.sf(abs(est / se)),
                          "separated": False, "failed": False, "met_always": True}])


def toy_narrow(seed, index, conditions=(), confidence=0.95):
    return toy(seed, index, conditions, confidence, se_factor=0.5)


def toy_summary(fn, reps=400, mapper=map):
    runs = recovery.run_recovery(reps, 11, mapper=mapper, replicate_fn=fn).assign(truth=TRUE_MEAN)
    out = recovery.summarise(runs)
    out["verdict"] = recovery.coverage_verdict(out, 0.95)
    return out.iloc[0]


def test_correct_intervals_cover_at_the_nominal_level():
    row = toy_summary(toy)
    # 400 replications: Monte Carlo SE of a 95 % coverage is 0.011.
    assert abs(row.coverage - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / 400)
    assert row.coverage_mc == pytest.approx(math.sqrt(row.coverage * (1 - row.coverage) / 400))
    # the exact (Clopper-Pearson) interval of the coverage count
    low, high = proportion_confint(row.covered, 400, alpha=0.05, method="beta")
    assert (row.coverage_low, row.coverage_high) == pytest.approx((low, high), abs=1e-12)
    assert row.covered == round(row.coverage * 400)
    assert row.verdict == "recovered"
    assert abs(row.bias_se) < 3 * row.bias_se_mc          # unbiased, in SE units
    assert row.bias_se_mc == pytest.approx(1 / math.sqrt(400), rel=0.1)   # SD = SE here
    assert row.se_ratio == pytest.approx(1.0, abs=3 * row.se_ratio_mc)    # mean SE = SD of estimates
    assert row.se_ratio_mc == pytest.approx(1 / math.sqrt(2 * 400), rel=0.2)  # normal estimates, fixed SE
    assert row.rejects == 1.0 and row.rejects_low == pytest.approx(0.025 ** (1 / 400))  # two-sided exact: (α/2)^(1/n)


def test_too_narrow_intervals_are_caught():
    row = toy_summary(toy_narrow)
    # An interval half as wide covers about P(|Z| < 0.98) = 67 %.
    assert row.coverage == pytest.approx(2 * stats.norm.cdf(0.98) - 1, abs=0.07)
    assert row.verdict == "under-covers"
    assert row.se_ratio == pytest.approx(0.5, abs=0.05)


def test_replications_depend_only_on_seed_and_index():
    a = toy_summary(toy, reps=50)
    b = toy_summary(toy, reps=50, mapper=ThreadPoolExecutor(2).map)
    pd.testing.assert_series_equal(a, b)
    seeds = {tuple(recovery.replication_seed(11, i).generate_state(2)) for i in range(50)}
    assert len(seeds) == 50


def test_summary_can_keep_only_replications_meeting_a_condition():
    runs = recovery.run_recovery(10, 3, replicate_fn=toy).assign(truth=TRUE_MEAN)
    runs["met_even"] = runs.rep % 2 == 0
    assert recovery.summarise(runs, where="even").reps.iloc[0] == 5


def coverage_rows(covered, finite):
    covered, finite = np.asarray(covered, float), np.asarray(finite, float)
    with np.errstate(invalid="ignore"):
        return pd.DataFrame({"covered": covered, "finite": finite,
                             "coverage": np.where(finite > 0, covered / np.maximum(finite, 1), np.nan)})


def test_verdict_is_an_exact_binomial_test_adjusted_by_holm():
    rows = coverage_rows([17, 15, 400, 0], [20, 20, 400, 0])
    # 17 of 20 at 95 %: two-sided exact p = 0.16, not a miss; 15 of 20: p = 0.0026; 400 of 400
    # is tiny. Holm over the three judged rows multiplies the smallest p by 3 ...
    tests = recovery.coverage_tests(rows, 0.95)
    assert list(tests.verdict) == ["recovered", "under-covers", "over-covers", ""]
    p15 = stats.binomtest(15, 20, 0.95).pvalue
    assert tests.coverage_p[1] == pytest.approx(p15)
    assert tests.coverage_p_holm[1] == pytest.approx(2 * p15)        # second smallest: x 2
    assert tests.coverage_p_holm[2] == pytest.approx(3 * stats.binomtest(400, 400, 0.95).pvalue)
    # ... so a coverage flagged on its own (965 of 1,000: p = 0.03) is no miss among 40.
    many = coverage_rows([965] + [950] * 39, [1000] * 40)
    tests = recovery.coverage_tests(many, 0.95)
    assert tests.flagged[0] and tests.coverage_p[0] < 0.05
    assert set(tests.verdict) == {"recovered"}
    assert list(recovery.coverage_verdict(many, 0.95)) == list(tests.verdict)


def test_misses_are_judged_against_the_binomial_count():
    tests = pd.DataFrame({"verdict": ["recovered"] * 78 + ["under-covers"] + [""] * 3,
                          "flagged": [True] * 9 + [False] * 73})
    out = recovery.chance_misses(tests, 0.05)
    assert (out["judged"], out["flagged"], out["missed"]) == (79, 9, 1)
    assert out["expected"] == pytest.approx(3.95)
    assert out["p_beyond"] == pytest.approx(stats.binom.sf(8, 79, 0.05))
    assert out["p_beyond"] < 0.05


@pytest.mark.parametrize("beyond, missed, words", [
    (True, 2, "more than chance explains, and after Holm's adjustment 2 coefficients miss"),
    (True, 0, "no single coefficient misses beyond chance"),
    (False, 1, "within chance, but 1 coefficient misses by more than chance explains even among 82"),
    (False, 0, "no more than chance explains, and no coefficient misses beyond chance"),
])
def test_chance_sentence_follows_both_verdicts(beyond, missed, words):
    assert words in recovery.chance_sentence(beyond, missed, 82)


def test_nominal_band():
    low, high = recovery.nominal_band(0.95, 100)
    assert (low, high) == pytest.approx((0.95 - 2 * math.sqrt(0.0475 / 100),
                                         0.95 + 2 * math.sqrt(0.0475 / 100)))


def test_no_replications_is_an_error():
    with pytest.raises(ValueError, match="reps=0: expected at least 1 replication"):
        recovery.run_recovery(0, 1, replicate_fn=toy)


@pytest.mark.parametrize("argv, message", [
    (["recovery", "--reps", "0"], "--reps 0, --jobs 1: both must be at least 1"),
    (["recovery", "--condition", "lucky"], "unknown condition 'lucky'"),
    (["simulate", "--condition", "lucky", "--out", "unused"], "unknown condition 'lucky'"),
    (["simulate", "--calibration-seeds", "-1", "--out", "unused"], "--calibration-seeds -1"),
])
def test_bad_command_options_are_named(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


# --- the study's fits on one replication, against the libraries ------------------------

@pytest.fixture(scope="module")
def frames():
    from casework.data.simulate import simulate_domains
    seed = 20190101
    return simulate_domains(recovery.replication_seed(seed, 3), (), caseload=recovery._caseload(seed))


def test_logit_rows_equal_statsmodels_and_firth_logit(frames):
    from casework.analysis.firth import firth_logit
    from casework.analysis.logit import MODELS, design, fit_logit, model_frame
    from casework.data.frames.improvement import regression_frame
    rows = pd.DataFrame(recovery.logit_rows(frames)).set_index(["model", "estimator", "term"]).sort_index()
    frame = regression_frame(frames["sample"], frames["cases"])
    compared = 0
    for model in MODELS:
        sub = model_frame(frame, model)
        y, X = design(sub)
        firth = firth_logit(y, X, profile=False)
        got = rows.loc[(model, "Firth")]
        np.testing.assert_allclose(got.estimate[X.columns], firth.params, rtol=0, atol=1e-8)
        np.testing.assert_allclose(got.se[X.columns], firth.bse, rtol=0, atol=1e-8)
        ml = rows.loc[(model, "ML")]
        res = fit_logit(sub, on_separation="flag", name=model)
        if res.separation.separated:
            assert ml.separated.all() and ml.estimate.isna().all()
            continue
        np.testing.assert_allclose(ml.estimate[X.columns], res.params, rtol=0, atol=1e-8)
        np.testing.assert_allclose(ml.se[X.columns], res.bse, rtol=0, atol=1e-8)
        np.testing.assert_allclose(ml.p[X.columns], res.pvalues, rtol=0, atol=1e-8)
        ci = res.conf_int()
        np.testing.assert_allclose(ml.low[X.columns], ci[0], rtol=0, atol=1e-8)
        compared += 1
    assert compared >= 1


def test_cox_rows_equal_lifelines(frames):
    from casework.analysis import survival
    from casework.data.frames.survival import urgent_action_frame
    rows = pd.DataFrame(recovery.cox_rows(frames, 0.95, recovery._cox_start()))
    frame = urgent_action_frame(frames["urgent_actions"])
    models = survival.fit_cox_models(frame)
    entry = survival.fit_delayed_entry(frame, recovery.delayed_entry(frames["urgent_actions"]))
    for number, m in [*models.items(), ("entry", entry)]:
        est = recovery.TIME_SCALES["delayed_entry" if number == "entry" else "arrest"]
        got = rows[(rows.model == ("4" if number == "entry" else str(number))) & (rows.estimator == est)]
        got = got.set_index("term")
        terms = list(m.covariates)
        assert not got.failed.any()
        np.testing.assert_allclose(got.estimate[terms], m.fitter.params_[terms], rtol=0, atol=1e-8)
        np.testing.assert_allclose(got.se[terms], m.fitter.standard_errors_[terms], rtol=0, atol=1e-8)
        np.testing.assert_allclose(got.p[terms], m.fitter.summary.p[terms], rtol=0, atol=1e-8)


def test_logrank_rows_equal_lifelines(frames):
    from casework.analysis.survival import logrank
    from casework.data.frames.survival import long_list_frame
    p = recovery.logrank_rows(frames)[0]["p"]
    assert p == pytest.approx(logrank(long_list_frame(frames["freethe20"])).p_value, abs=1e-10)


def test_replication_rows_and_conditions(frames):
    out = recovery.replicate(20190101, 3)
    assert set(out.analysis) == {recovery.LOGIT, recovery.COX, recovery.LOGRANK}
    assert {"met_estimable_improvement", "met_reference_release"} <= set(out.columns)
    # the same replication twice: identical (a pure function of seed and index)
    pd.testing.assert_frame_equal(out, recovery.replicate(20190101, 3))
    assert recovery.CONDITION_SETS["both"] == recovery.CONDITION_NAMES


def test_share_met_has_an_exact_interval():
    share = recovery.share_met(pd.Series([True] * 30 + [False] * 10))
    low, high = proportion_confint(30, 40, alpha=0.05, method="beta")
    assert share == pytest.approx({"share": 0.75, "low": low, "high": high,
                                   "mc": math.sqrt(0.75 * 0.25 / 40)})


def test_weighted_pick_of_an_empty_or_weightless_pool():
    # A recovery replication can reach a rare group whose pool is empty, or whose members
    # all weigh 0 (found at 1,000 replications); the draw must go on, not stop.
    from casework.data.simulate.impact import _weighted_pick
    rng = np.random.default_rng(1)
    assert _weighted_pick(rng, np.zeros(5, bool), 3).size == 0
    got = _weighted_pick(rng, np.array([True, True, False, True]), 2, np.zeros(4))
    assert len(got) == 2 and set(got) <= {0, 1, 3}
    # weighted pools draw as before: the same stream, the same members
    pool, w = np.array([True] * 6), np.arange(1.0, 7.0)
    assert list(_weighted_pick(np.random.default_rng(7), pool, 3, w)) == list(
        np.random.default_rng(7).choice(np.arange(6), size=3, replace=False, p=w / w.sum()))


def test_beyond_mc_error_counts_bias_and_calibration():
    rows = pd.DataFrame({"bias_se": [0.1, -0.5, 0.0, np.nan], "bias_se_mc": [0.05, 0.1, 0.1, np.nan],
                         "se_ratio": [1.0, 0.5, 1.5, 1.0], "se_ratio_mc": [0.1, 0.1, 0.2, np.nan]})
    out = recovery.beyond_mc_error(rows)
    # row 0: bias 2 MC errors (not), row 1: 5 (biased) and SE ratio 5 errors off, row 2: 2.5 (not)
    assert (out["judged"], out["biased"], out["miscalibrated"]) == (3, 1, 1)
    assert out["expected"] == pytest.approx(3 * 2 * stats.norm.sf(3))


COUNTED: list[int] = []


def counted(seed, index, conditions=()):
    """toy, counting its calls (module level: the memo key pickles it by name)."""
    COUNTED.append(index)
    return toy(seed, index, conditions)


def test_the_replications_are_mapped_without_the_level_and_read_back_at_another(tmp_path, monkeypatch):
    """A reviewer's -p confidence=0.9: the replications (draws and fits) do not depend on the
    level, so inside a build ($CASEWORK_MEMO) they are read back from the memo, and the
    intervals computed at the new level are those a fit at that level gives, bit for bit."""
    from casework import engine
    at_90 = recovery.replicate(20190101, 0, (), 0.9)
    runs = recovery.run_recovery(1, 20190101, confidence=0.9)
    pd.testing.assert_frame_equal(runs, at_90)
    calls = COUNTED
    calls.clear()
    monkeypatch.setenv(engine.MEMO_ENV, str(tmp_path / "memo"))
    mapper = engine.engine_map(engine.Sequential())
    first = recovery.run_recovery(30, 11, (), 0.95, mapper, replicate_fn=counted)
    assert len(calls) == 30
    second = recovery.run_recovery(30, 11, (), 0.9, mapper, replicate_fn=counted)
    assert len(calls) == 30                                  # read back, not drawn again
    z = stats.norm.ppf(0.95)
    pd.testing.assert_series_equal(second.low, second.estimate - z * second.se, check_names=False)
    pd.testing.assert_frame_equal(second.drop(columns=["low", "high"]), first.drop(columns=["low", "high"]))
    assert (second.high - second.low < first.high - first.low).all()
