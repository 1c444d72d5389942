"""Test results in the one form the site and the paper use: APA style, as statcheck reads it.

`p_text(0.0004)` is 'p < .001', `p_text(0.046)` 'p = .046'; a test is its statistic, its
degrees of freedom and p, e.g. `chi2(19.43, 1, 1e-5)` is 'χ2(1) = 19.43, p < .001' and
`z(2.1, 0.036)` 'z = 2.10, p = .036'. statcheck (Nuijten & Epskamp) recomputes p from the
statistic and df. An exact test has no statistic with degrees of freedom: it is written
in one form, its name and then p (`exact(FISHER, 0.061)` is "Fisher's exact test,
p = .061"), which statcheck cannot check and does not read as a test; beside a statistic
it follows a semicolon, where statcheck does not pair it with that statistic:
'χ2(4) = 9.10; Fisher–Freeman–Halton exact test (Monte Carlo p), p = .061'.
`casework.website.statcheck.exact_tests` finds these, so a count of the reported tests
includes them. The chi-square symbol is 'χ2', the form statcheck's pattern finds (it
does not read the superscript '²').
"""
from __future__ import annotations

import math

FLOOR = 0.001      # below this, 'p < .001' (APA)
CEILING = 0.999    # above this, 'p > .999'

# The exact tests the compendium reports, by the name `exact` writes before their p.
FISHER = "Fisher's exact test"
FISHER_FREEMAN_HALTON = "Fisher–Freeman–Halton exact test (Monte Carlo p)"
MCNEMAR = "McNemar's exact test"
BINOMIAL = "exact binomial test"
EXACT_TESTS = (FISHER, FISHER_FREEMAN_HALTON, MCNEMAR, BINOMIAL)
# What a page or the paper says where it reports exact tests.
EXACT_NOTE = ("Exact tests (Fisher's, Fisher–Freeman–Halton, McNemar's, binomial) have no test statistic "
              "with degrees of freedom; they are reported by name and p-value, a form that statcheck, "
              "which recomputes p from a statistic, cannot check.")


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


def exact(test: str, p: float) -> str:
    """An exact test, which has no statistic with degrees of freedom, in its one form:
    "Fisher's exact test, p = .061" (`test`: one of EXACT_TESTS)."""
    if test not in EXACT_TESTS:
        raise ValueError(f"exact test {test!r}: expected one of {', '.join(EXACT_TESTS)}")
    return f"{test}, {p_text(p)}"


def chi2(statistic: float, df: float, p: float, exact_test: str | None = None) -> str:
    """'χ2(1) = 19.43, p < .001'; with `exact_test` (one of EXACT_TESTS) the p of that test,
    apart from the statistic: 'χ2(4) = 9.10; Fisher–Freeman–Halton exact test (Monte Carlo p), p = .061'."""
    head = f"χ2({_df(df, 'chi-square')}) = {_stat(statistic, 'chi-square statistic')}"
    return f"{head}; {exact(exact_test, p)}" if exact_test else f"{head}, {p_text(p)}"


def z(statistic: float, p: float, exact_test: str | None = None) -> str:
    """'z = 2.10, p = .036' (two-sided normal p); with `exact_test`, as in `chi2`."""
    head = f"z = {_stat(statistic, 'z statistic')}"
    return f"{head}; {exact(exact_test, p)}" if exact_test else f"{head}, {p_text(p)}"


def likelihood_ratio(p: float, df: float = 1, name: str = "likelihood-ratio") -> str:
    """A likelihood-ratio test whose p came from the chi-square distribution of its statistic
    (e.g. Firth's penalised test, p = P(χ2(1) > 2Δ)), written with that statistic, which the
    p determines: 'penalised likelihood-ratio χ2(1) = 0.71, p = .400'."""
    from scipy import stats
    p = _finite(p, "p-value")
    return f"{name} {chi2(float(stats.chi2.isf(p, df)), df, p)}"


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
            return f"no variation in the outcome; {exact(FISHER, test.p_fisher)}"
        return z(test.z, test.p_fisher, exact_test=FISHER)
    if math.isnan(test.z):
        return "no variation in the outcome: nothing to test"
    return z(test.z, test.p_z)


def independence(test) -> str:
    """A `casework.analysis.intervals.IndependenceTest` in APA form (exact p named)."""
    name = {"chi-square": None, "fisher": FISHER, "fisher-monte-carlo": FISHER_FREEMAN_HALTON}[test.method]
    return chi2(test.chi2, test.df, test.p, exact_test=name)


def p_cell(p) -> str:
    """A p-value in a table column headed 'p': '< .001', '.046', '> .999'; empty if missing."""
    try:
        return p_text(p).removeprefix("p ").removeprefix("= ")
    except NotEstimable:
        return ""
