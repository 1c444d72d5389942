"""Test results in the one form the site and the paper use: APA style, as statcheck reads it.

`p_text(0.0004)` is 'p < .001', `p_text(0.046)` 'p = .046'; a test is its statistic, its
degrees of freedom and p, e.g. `chi2(19.43, 1, 1e-5)` is 'χ2(1) = 19.43, p < .001' and
`z(2.1, 0.036)` 'z = 2.10, p = .036'. statcheck (Nuijten & Epskamp) recomputes p from the
statistic and df, so a p that does not come from that statistic's own distribution (an
exact or Monte Carlo p) is written after a semicolon with the name of its test, where
statcheck does not pair it with the statistic: 'χ2(4) = 9.10; Fisher–Freeman–Halton
exact p = .061'. The chi-square symbol is 'χ2', the form statcheck's pattern finds
(it does not read the superscript '²').
"""
from __future__ import annotations

import math

FLOOR = 0.001      # below this, 'p < .001' (APA)
CEILING = 0.999    # above this, 'p > .999'


class NotEstimable(ValueError):
    """A statistic or p-value that is missing or not finite: the test was not possible."""


def _finite(x, what: str) -> float:
    if x is None:
        raise NotEstimable(f"{what}: missing (the test could not be computed)")
    x = float(x)
    if math.isnan(x):
        raise NotEstimable(f"{what}: NaN (the test could not be computed)")
    return x


def _decimal(x: float, digits: int) -> str:
    """'.046' for 0.046: APA drops the leading zero of numbers that cannot exceed 1."""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("0.") else text


def p_text(p: float) -> str:
    """'p < .001', 'p = .046', 'p > .999': the one p-value rule of the site and the paper."""
    p = _finite(p, "p-value")
    if not 0 <= p <= 1:
        raise ValueError(f"p-value {p!r}: expected a number between 0 and 1")
    if p < FLOOR:
        return "p < .001"
    if p > CEILING:
        return "p > .999"
    return f"p = {_decimal(p, 3)}"


def p_or_not_estimable(p: float) -> str:
    """p_text, or 'p not estimable' where no p-value could be computed."""
    try:
        return p_text(p)
    except NotEstimable:
        return "p not estimable"


def _stat(x: float, what: str) -> str:
    x = _finite(x, what)
    if math.isinf(x):
        raise NotEstimable(f"{what}: infinite (no finite statistic)")
    text = f"{x:.2f}"
    if text in ("-0.00", "0.00"):      # no sign on a value that rounds to zero ('−0.00')
        return "0.00"
    return text.replace("-", "−")


def _df(df, what: str) -> str:
    df = _finite(df, f"{what} degrees of freedom")
    if df <= 0:
        raise ValueError(f"{what} degrees of freedom {df!r}: expected a positive number")
    return f"{df:.0f}" if float(df).is_integer() else f"{df:.1f}"


def chi2(statistic: float, df: float, p: float, exact: str | None = None) -> str:
    """'χ2(1) = 19.43, p < .001'; with `exact` (the exact test's name) the p of that test,
    apart from the statistic: 'χ2(4) = 9.10; Fisher–Freeman–Halton exact p = .061'."""
    head = f"χ2({_df(df, 'chi-square')}) = {_stat(statistic, 'chi-square statistic')}"
    return f"{head}; {exact} exact {p_text(p)}" if exact else f"{head}, {p_text(p)}"


def z(statistic: float, p: float, exact: str | None = None) -> str:
    """'z = 2.10, p = .036' (two-sided normal p); with `exact`, as in `chi2`."""
    head = f"z = {_stat(statistic, 'z statistic')}"
    return f"{head}; {exact} exact {p_text(p)}" if exact else f"{head}, {p_text(p)}"


def t(statistic: float, df: float, p: float) -> str:
    """'t(40) = 2.10, p = .042'."""
    return f"t({_df(df, 't')}) = {_stat(statistic, 't statistic')}, {p_text(p)}"


def f_test(statistic: float, df1: float, df2: float, p: float) -> str:
    """'F(2, 40) = 3.21, p = .051'."""
    return f"F({_df(df1, 'F')}, {_df(df2, 'F')}) = {_stat(statistic, 'F statistic')}, {p_text(p)}"


def statistic_or_reason(render, *args, reason: str = "not estimable") -> str:
    """`render(*args)`, or the reason when the test could not be computed."""
    try:
        return render(*args)
    except NotEstimable:
        return reason


def two_proportion(test) -> str:
    """A `casework.analysis.intervals.TwoProportionTest` in APA form: the pooled z test,
    or, when the test chose Fisher's exact test (a small expected count), z beside
    Fisher's exact p. 'no variation' when every case has the same outcome."""
    if test.method == "fisher":
        if math.isnan(test.z):
            return f"no variation in the outcome; Fisher's exact {p_text(test.p_fisher)}"
        return z(test.z, test.p_fisher, exact="Fisher's")
    if math.isnan(test.z):
        return "no variation in the outcome: nothing to test"
    return z(test.z, test.p_z)


def independence(test) -> str:
    """A `casework.analysis.intervals.IndependenceTest` in APA form (exact p named)."""
    exact = {"chi-square": None, "fisher": "Fisher's",
             "fisher-monte-carlo": "Fisher–Freeman–Halton (Monte Carlo)"}[test.method]
    return chi2(test.chi2, test.df, test.p, exact=exact)


def p_cell(p) -> str:
    """A p-value in a table column headed 'p': '< .001', '.046', '> .999'; empty if missing."""
    try:
        return p_text(p).removeprefix("p ").removeprefix("= ")
    except NotEstimable:
        return ""
