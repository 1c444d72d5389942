"""Recovery study machinery on a toy model with a known answer, plus the command's errors."""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

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
    assert row.verdict == "recovered"
    assert abs(row.bias_se) < 3 / math.sqrt(400)        # unbiased, in SE units
    assert row.sd_se == pytest.approx(1.0, abs=0.1)      # SD of estimates = SE
    assert row.rejects == 1.0                            # mean 1.5 with SE 0.16: always rejects


def test_too_narrow_intervals_are_caught():
    row = toy_summary(toy_narrow)
    # An interval half as wide covers about P(|Z| < 0.98) = 67 %.
    assert row.coverage == pytest.approx(2 * stats.norm.cdf(0.98) - 1, abs=0.07)
    assert row.verdict == "under-covers"
    assert row.sd_se == pytest.approx(2.0, abs=0.2)


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


def test_verdict_is_an_exact_binomial_test():
    rows = pd.DataFrame({"coverage": [17 / 20, 15 / 20, 1.0, np.nan], "finite": [20, 20, 400, 0]})
    # 17 of 20 at 95 %: two-sided exact p = 0.16, not a miss; 15 of 20: p = 0.003.
    assert list(recovery.coverage_verdict(rows, 0.95)) == ["recovered", "under-covers",
                                                           "over-covers", ""]


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
