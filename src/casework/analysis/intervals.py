"""Shares with Wilson intervals, and tests that compare shares between groups.

General helpers for any notebook that reports proportions: a Wilson score interval
for one share, a table of shares per group, a two-group comparison (z test or
Fisher's exact test, whichever suits the counts) and a test of independence for a
contingency table (chi-square, or an exact/Monte Carlo test when cells are sparse).
The arithmetic is done by statsmodels and scipy; this module only chooses and labels.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import (confint_proportions_2indep, proportion_confint,
                                          proportions_ztest)

# Cochran's rule of thumb: the chi-square approximation is trusted when every
# expected count is at least 5; below that we switch to an exact (or Monte Carlo) test.
MIN_EXPECTED = 5
MONTE_CARLO_RESAMPLES = 9_999
MONTE_CARLO_SEED = 20190101  # fixed so a notebook re-run reproduces its p-values


PROPORTION_METHODS = {"wilson": "Wilson score", "beta": "exact (Clopper–Pearson)"}


def proportions(count, n, confidence: float = 0.95, method: str = "wilson") -> pd.DataFrame:
    """Share = count / n with a Wilson interval at `confidence`, for arrays or scalars.

    The one interval helper for shares of the package: columns count, n, share, ci_low,
    ci_high (the package's interval names); share and bounds are nan where n is 0.
    method='beta' gives the exact Clopper–Pearson interval instead (Monte Carlo
    coverages and rejection rates, judged against a nominal level). statsmodels does
    the arithmetic; the bounds are clipped to [0, share] and [share, 1] because rounding
    can leave one a hair outside (e.g. 2.8e-17 for 0 of 7, above the share 0).
    """
    if method not in PROPORTION_METHODS:
        raise ValueError(f"proportions: method {method!r}: expected one of {', '.join(PROPORTION_METHODS)}")
    count = np.atleast_1d(np.asarray(count, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    _check_counts(count, n)
    has_n = n > 0
    safe_n = np.where(has_n, n, 1.0)
    share = np.where(has_n, count / safe_n, np.nan)
    low, high = proportion_confint(count, safe_n, alpha=1 - confidence, method=method)
    low = np.where(has_n, np.clip(low, 0.0, share), np.nan)
    high = np.where(has_n, np.clip(high, share, 1.0), np.nan)
    return pd.DataFrame({"count": count.astype(int), "n": n.astype(int), "share": share,
                         "ci_low": low, "ci_high": high})


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """(ci_low, ci_high) of `proportions` for one count; (nan, nan) when n is 0."""
    row = proportions(successes, n, confidence).iloc[0]
    return (float(row["ci_low"]), float(row["ci_high"]))


def proportion_table(frame: pd.DataFrame, outcome: str, by: str | list[str] | None = None,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Share of rows where boolean column `outcome` is true, per group of `by`, with Wilson bounds.

    Columns as `proportions` (count, n, share, ci_low, ci_high); index: the groups, or
    one row 'all' without `by`. Rows with a missing outcome are an error, not silently
    dropped; rows with a missing group value are left out (pandas' groupby), so n counts
    only rows with a group.
    """
    if outcome not in frame.columns:
        raise KeyError(f"proportion_table: no column {outcome!r}; columns are {list(frame.columns)}")
    values = frame[outcome]
    if values.isna().any():
        raise ValueError(f"proportion_table: column {outcome!r} has {int(values.isna().sum())} "
                         "missing values; decide what they mean before computing shares")
    flags = values.astype(bool)
    if by is None:
        return proportions(int(flags.sum()), len(flags), confidence).set_axis(["all"])
    grouped = flags.groupby([frame[c] for c in ([by] if isinstance(by, str) else by)],
                            observed=True)
    counts = grouped.agg(["size", "sum"])
    return proportions(counts["sum"], counts["size"], confidence).set_axis(counts.index)


@dataclass(frozen=True)
class TwoProportionTest:
    """Difference of two shares (group a minus group b) and the tests for it."""

    share_a: float
    share_b: float
    difference: float
    difference_low: float     # Newcombe (score) interval for the difference
    difference_high: float
    z: float                  # pooled two-proportion z statistic
    p_z: float
    odds_ratio: float         # sample odds ratio (Fisher's test statistic)
    p_fisher: float
    method: str               # which test `p` comes from: 'z' or 'fisher'

    @property
    def p(self) -> float:
        return self.p_fisher if self.method == "fisher" else self.p_z


def two_proportion_test(successes_a: int, n_a: int, successes_b: int, n_b: int,
                        confidence: float = 0.95) -> TwoProportionTest:
    """Compare successes_a/n_a with successes_b/n_b.

    Both tests are computed; `method` picks Fisher's exact test when any expected cell
    of the 2x2 table is below 5, and the z test otherwise (they agree in large samples).
    """
    for k, n in ((successes_a, n_a), (successes_b, n_b)):
        _check_counts(k, n)
        if n == 0:
            raise ValueError("two_proportion_test: a group has n = 0; nothing to compare")
    table = np.array([[successes_a, n_a - successes_a], [successes_b, n_b - successes_b]])
    pooled = (successes_a + successes_b) / (n_a + n_b)
    if pooled in (0.0, 1.0):  # no variation at all: the z statistic is undefined
        z, p_z = float("nan"), 1.0
    else:
        z, p_z = proportions_ztest([successes_a, successes_b], [n_a, n_b])
    odds, p_fisher = stats.fisher_exact(table)
    low, high = confint_proportions_2indep(successes_a, n_a, successes_b, n_b,
                                           method="newcomb", compare="diff",
                                           alpha=1 - confidence)
    return TwoProportionTest(
        share_a=successes_a / n_a, share_b=successes_b / n_b,
        difference=successes_a / n_a - successes_b / n_b,
        difference_low=float(low), difference_high=float(high),
        z=float(z), p_z=float(p_z), odds_ratio=float(odds), p_fisher=float(p_fisher),
        method="fisher" if _expected(table).min() < MIN_EXPECTED else "z")


@dataclass(frozen=True)
class IndependenceTest:
    """Test that rows and columns of a contingency table are independent."""

    chi2: float           # Pearson's chi-square statistic (no continuity correction)
    df: int
    p: float
    method: str           # 'chi-square', 'fisher' (2x2 exact) or 'fisher-monte-carlo'
    min_expected: float
    n: int

    def describe(self) -> str:
        """One line for a caption or table: statistic, df, p and how p was obtained."""
        from ..report import apa      # the one APA form (statcheck reads 'χ2(df) = x, p = y')
        how = {"chi-square": "", "fisher": "",
               "fisher-monte-carlo": f"{MONTE_CARLO_RESAMPLES:,} Monte Carlo tables, "}[self.method]
        return f"{apa.independence(self)} ({how}n = {self.n:,})"


def independence_test(table: pd.DataFrame | np.ndarray, seed: int = MONTE_CARLO_SEED) -> IndependenceTest:
    """Pearson chi-square test of independence; an exact test where cells are sparse.

    Empty rows and columns are dropped first (they carry no information). When every
    expected count is at least 5 the asymptotic chi-square p-value is used; otherwise
    Fisher's exact test for a 2x2 table, or the Fisher–Freeman–Halton test with a
    Monte Carlo p-value (fixed seed) for larger tables.
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or (counts < 0).any() or not np.allclose(counts, np.round(counts)):
        raise ValueError("independence_test: expected a 2-D table of non-negative whole counts")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0].astype(int)
    if min(counts.shape) < 2:
        raise ValueError(f"independence_test: need at least 2 non-empty rows and columns, "
                         f"got {counts.shape[0]} x {counts.shape[1]}")
    chi2, p, df, expected = stats.chi2_contingency(counts, correction=False)
    method = "chi-square"
    if expected.min() < MIN_EXPECTED:
        if counts.shape == (2, 2):
            method, p = "fisher", stats.fisher_exact(counts).pvalue
        else:
            method = "fisher-monte-carlo"
            mc = stats.MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES,
                                        rng=np.random.default_rng(seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                # scipy returns a length-1 array for some table shapes
                p = np.asarray(stats.fisher_exact(counts, method=mc).pvalue).item()
    return IndependenceTest(chi2=float(chi2), df=int(df), p=float(p), method=method,
                            min_expected=float(expected.min()), n=int(counts.sum()))


def format_p(p: float, floor: float = 0.001) -> str:
    """p-value for a table cell, in the APA style of the whole site: '< .001' below the
    floor, '> .999', else three decimals without the leading zero ('.046'); '–' when
    there is no p-value. The #Freethe20 study prints p-values down to 0.0001, hence
    the floor parameter ('.0004', '< .0001')."""
    if p is None or np.isnan(p):
        return "–"
    decimals = max(3, int(round(-np.log10(floor))))
    if p < floor:
        return f"< {floor:.{decimals}f}".replace("0.", ".", 1)
    if p > 0.999:
        return "> .999"
    text = f"{p:.{decimals}f}" if p < 0.001 else f"{p:.3f}"
    return text[1:] if text.startswith("0.") else text


def p_label(p: float) -> str:
    """'p = .046' or 'p < .001', for text and figure annotations; 'p not estimable' when
    there is no p-value."""
    if p is None or np.isnan(p):
        return "p not estimable"
    text = format_p(p)
    return f"p {text}" if text[0] in "<>" else f"p = {text}"


def _expected(table: np.ndarray) -> np.ndarray:
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()


def _check_counts(successes, n) -> None:
    successes, n = np.asarray(successes), np.asarray(n)
    bad = (n < 0) | (successes < 0) | (successes > n)
    if bad.any():
        i = int(np.flatnonzero(np.atleast_1d(bad))[0])
        k, m = np.broadcast_to(successes, bad.shape).flat[i], np.broadcast_to(n, bad.shape).flat[i]
        where = f" (entry {i})" if bad.size > 1 else ""
        raise ValueError(f"counts{where}: need 0 <= successes <= n, got successes={k:g}, n={m:g}")
