"""Wilson intervals, share tables and the tests between groups, against hand-worked answers."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from casework.analysis import intervals

Z95 = stats.norm.ppf(0.975)


def test_wilson_by_hand():
    # 5 of 10: centre (0.5 + z²/20) / (1 + z²/10) = 0.5; half-width z·sqrt(0.025 + z²/400) / (1 + z²/10)
    half = Z95 * math.sqrt(0.025 + Z95**2 / 400) / (1 + Z95**2 / 10)
    assert intervals.wilson(5, 10) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-12)
    assert intervals.wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    # 0 of 10: lower bound 0, upper bound z² / (n + z²)
    assert intervals.wilson(0, 10) == pytest.approx((0.0, Z95**2 / (10 + Z95**2)), abs=1e-12)


@pytest.mark.parametrize("k, n, conf", [(1, 3, 0.95), (17, 471, 0.95), (29, 30, 0.9), (57, 89, 0.99)])
def test_wilson_matches_statsmodels(k, n, conf):
    expected = proportion_confint(k, n, alpha=1 - conf, method="wilson")
    assert intervals.wilson(k, n, conf) == pytest.approx(expected, abs=1e-12)


def test_wilson_edge_cases():
    assert all(math.isnan(b) for b in intervals.wilson(0, 0))
    with pytest.raises(ValueError, match="successes=11, n=10"):
        intervals.wilson(11, 10)
    # bounds never step outside [0, 1] or past the share (statsmodels gives 2.8e-17 for 0/7)
    assert intervals.wilson(0, 7)[0] == 0.0 and intervals.wilson(3, 3)[1] == 1.0
    # a wider confidence level gives a wider interval
    lo90, hi90 = intervals.wilson(3, 12, 0.90)
    lo99, hi99 = intervals.wilson(3, 12, 0.99)
    assert lo99 < lo90 < 0.25 < hi90 < hi99


def test_proportion_table_by_group():
    frame = pd.DataFrame({"group": ["a", "a", "a", "b", "b", "b", "b"],
                          "ok": pd.array([True, True, False, True, False, False, False], dtype="boolean")})
    table = intervals.proportion_table(frame, "ok", by="group")
    assert list(table.index) == ["a", "b"]
    assert table["n"].tolist() == [3, 4]
    assert table["count"].tolist() == [2, 1]
    assert table["share"].tolist() == pytest.approx([2 / 3, 1 / 4])
    assert (table.loc["b", "ci_low"], table.loc["b", "ci_high"]) == pytest.approx(intervals.wilson(1, 4))
    overall = intervals.proportion_table(frame, "ok")
    assert overall.loc["all", "n"] == 7 and overall.loc["all", "share"] == pytest.approx(3 / 7)


def test_proportions_vectorised_equals_scalar_wilson():
    # the one helper: a row of `proportions` is `wilson` for that count, whatever the batch
    table = intervals.proportions([0, 3, 7, 0], [7, 3, 12, 0], 0.9)
    assert table.columns.tolist() == ["count", "n", "share", "ci_low", "ci_high"]
    for (k, n), row in zip([(0, 7), (3, 3), (7, 12)], table.itertuples()):
        assert (row.ci_low, row.ci_high) == intervals.wilson(k, n, 0.9)
        assert row.ci_low <= row.share <= row.ci_high
    # 0 of 7: statsmodels' lower bound is 2.8e-17, above the share; clipped to 0 exactly
    assert table["ci_low"].iloc[0] == 0.0 and table["ci_high"].iloc[1] == 1.0
    assert table.iloc[3][["share", "ci_low", "ci_high"]].isna().all()


def test_proportions_rejects_impossible_counts():
    with pytest.raises(ValueError, match=r"counts \(entry 1\): need 0 <= successes <= n, got successes=5, n=4"):
        intervals.proportions([1, 5], [4, 4], 0.95)
    with pytest.raises(ValueError, match="successes=-1, n=3"):
        intervals.proportions(-1, 3, 0.95)


def test_proportion_table_rejects_missing_outcome():
    frame = pd.DataFrame({"ok": pd.array([True, None], dtype="boolean")})
    with pytest.raises(ValueError, match="'ok' has 1 missing"):
        intervals.proportion_table(frame, "ok")
    with pytest.raises(KeyError, match="no column 'nope'"):
        intervals.proportion_table(frame, "nope")


def test_two_proportion_z_by_hand():
    # 30/100 vs 16/100: pooled p = 0.23, se = sqrt(0.23 * 0.77 * (1/100 + 1/100))
    res = intervals.two_proportion_test(30, 100, 16, 100)
    z = 0.14 / math.sqrt(0.23 * 0.77 * 0.02)
    assert res.z == pytest.approx(z, rel=1e-9)
    assert res.p_z == pytest.approx(2 * stats.norm.sf(z), rel=1e-9)
    assert res.method == "z" and res.p == res.p_z
    assert res.difference == pytest.approx(0.14)
    assert res.p_fisher == pytest.approx(stats.fisher_exact([[30, 70], [16, 84]]).pvalue)
    # Newcombe's interval from the two Wilson intervals (hybrid score method)
    l1, u1 = intervals.wilson(30, 100)
    l2, u2 = intervals.wilson(16, 100)
    assert res.difference_low == pytest.approx(0.14 - math.hypot(0.30 - l1, u2 - 0.16), rel=1e-9)
    assert res.difference_high == pytest.approx(0.14 + math.hypot(u1 - 0.30, 0.16 - l2), rel=1e-9)


def test_two_proportion_sparse_uses_fisher():
    # 3/5 vs 0/6: expected successes in group a = 5 * 3/11 < 5. With 3 successes in all,
    # P(X=3) = C(5,3)C(6,0)/C(11,3) = 10/165 and it is the only table as unlikely, so p = 10/165.
    res = intervals.two_proportion_test(3, 5, 0, 6)
    assert res.method == "fisher"
    assert res.p == pytest.approx(10 / 165, rel=1e-9)


def test_two_proportion_without_variation():
    res = intervals.two_proportion_test(0, 10, 0, 12)
    assert math.isnan(res.z) and res.p_z == 1.0 and res.p_fisher == 1.0
    with pytest.raises(ValueError, match="n = 0"):
        intervals.two_proportion_test(0, 0, 1, 2)


def test_independence_chi_square_by_hand():
    # [[10, 20], [20, 10]]: every expected count 15, chi² = 4 * 5² / 15
    res = intervals.independence_test(np.array([[10, 20], [20, 10]]))
    assert res.method == "chi-square" and res.df == 1 and res.n == 60
    assert res.chi2 == pytest.approx(100 / 15)
    assert res.p == pytest.approx(stats.chi2.sf(100 / 15, 1))
    # without continuity correction the 2x2 chi-square equals the square of the pooled z
    z = intervals.two_proportion_test(10, 30, 20, 30).z
    assert res.chi2 == pytest.approx(z**2)


def test_independence_drops_empty_rows_and_columns():
    table = pd.DataFrame([[10, 0, 20], [0, 0, 0], [20, 0, 10]])
    assert intervals.independence_test(table) == intervals.independence_test([[10, 20], [20, 10]])
    with pytest.raises(ValueError, match="at least 2 non-empty rows"):
        intervals.independence_test([[3, 4], [0, 0]])
    with pytest.raises(ValueError, match="non-negative whole counts"):
        intervals.independence_test([[1.5, 2], [3, 4]])


def test_independence_sparse_2x2_is_fisher():
    res = intervals.independence_test([[3, 2], [0, 6]])
    assert res.method == "fisher" and res.p == pytest.approx(10 / 165)


def _exact_fisher_freeman_halton(table: np.ndarray) -> float:
    """Reference for a 2 x k table: enumerate every table with the observed margins."""
    cols, top = table.sum(axis=0), table[0].sum()
    total = math.comb(int(cols.sum()), int(top))

    def prob(row):
        return math.prod(math.comb(int(c), int(x)) for c, x in zip(cols, row)) / total

    observed = prob(table[0])
    p = 0.0
    for row in itertools.product(*(range(int(c) + 1) for c in cols)):
        if sum(row) == top and prob(row) <= observed * (1 + 1e-9):
            p += prob(row)
    return p


def test_independence_sparse_rxc_is_monte_carlo_fisher():
    table = np.array([[4, 1, 0], [1, 3, 5]])
    res = intervals.independence_test(table)
    assert res.method == "fisher-monte-carlo"
    # 9,999 Monte Carlo tables: standard error of p below 0.005
    assert res.p == pytest.approx(_exact_fisher_freeman_halton(table), abs=0.02)
    assert res.chi2 == pytest.approx(stats.chi2_contingency(table, correction=False)[0])
    assert intervals.independence_test(table) == res  # fixed seed: reproducible
    assert "Monte Carlo" in res.describe() and "χ2(2)" in res.describe() and "; Fisher–Freeman–Halton" in res.describe()


def test_format_p():
    assert intervals.format_p(0.0004) == "< .001"
    assert intervals.format_p(0.04567) == "0.046"[1:]
    assert intervals.format_p(0.9996) == "> .999"
    assert intervals.format_p(float("nan")) == "–"
    assert intervals.p_label(0.0004) == "p < .001" and intervals.p_label(0.5) == "p = .500"
    assert intervals.p_label(float("nan")) == "p not estimable"


def test_format_p_floor():
    from casework.analysis.intervals import format_p
    assert format_p(0.0004) == "< .001"
    assert format_p(0.0004, floor=1e-4) == ".0004"
    assert format_p(0.00004, floor=1e-4) == "< .0001"
    assert format_p(0.04213) == ".042"
