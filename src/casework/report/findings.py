"""What a page found, in sentences chosen by the numbers (never typed conclusions).

Every analysis page opens with its question and `{{< var KEY.answer >}}`, and ends with
a "What this shows" section whose cell calls `conclude(nb, answer, sentences)`. Each
sentence that would be false for other data is built by `choose(condition, ...)` or by
`Estimate.sentence()`, which says whether a published estimate holds on these data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


def choose(condition: bool, if_true: str, if_false: str) -> str:
    """The sentence that is true for this run."""
    return if_true if condition else if_false


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


@dataclass
class Estimate:
    """A published headline estimate beside the computed one and its interval."""

    label: str
    published: float
    computed: float
    low: float | None = None
    high: float | None = None
    fmt: str = "{:.2f}"
    level: float = 0.95
    p: float | None = None          # computed p-value, if the published result was a significance claim
    alpha: float = 0.05
    published_significant: bool | None = None   # the study reported it as significant (stars)

    @property
    def holds(self) -> bool | None:
        """Published value inside the computed interval (None without an interval)."""
        if _missing(self.low) or _missing(self.high) or _missing(self.published):
            return None
        return bool(self.low <= self.published <= self.high)   # a Python bool, never numpy's

    @property
    def significance_holds(self) -> bool | None:
        """Computed significance matches the published one (None when either is unknown)."""
        if self.published_significant is None or _missing(self.p):
            return None
        return bool(self.p < self.alpha) == bool(self.published_significant)

    @property
    def confirmed(self) -> bool:
        """Inside the interval and, where the study claimed significance, significant alike."""
        return bool(self.holds) and self.significance_holds is not False

    def sentence(self) -> str:
        f = self.fmt.format
        if _missing(self.computed):
            return f"{self.label}: published {f(self.published)}; no finite estimate on these data."
        if math.isinf(self.computed):
            return (f"{self.label}: published {f(self.published)}; computed {'+∞' if self.computed > 0 else '−∞'} "
                    "(separation: no finite maximum-likelihood estimate), so it cannot be set against an "
                    "interval.")
        text = f"{self.label}: published {f(self.published)}, computed {f(self.computed)}"
        if self.holds is not None:
            text += f" ({self.level:.0%} CI {f(self.low)} to {f(self.high)})"
        if not _missing(self.p):
            text += choose(self.p < self.alpha, f", significant at {self.alpha:.0%}",
                           f", not significant at {self.alpha:.0%}")
        if self.holds is None:
            return text + "."
        if self.holds and self.significance_holds is False:
            return text + choose(bool(self.published_significant),
                                 "; the published value lies inside the computed interval, but the study "
                                 "reported it as significant and it is not here: it holds only in part.",
                                 "; the published value lies inside the computed interval, but it is "
                                 "significant here and was not in the study: it holds only in part.")
        return text + choose(self.holds, "; the published value lies inside the computed interval: it holds.",
                             "; the published value lies outside the computed interval: "
                             "it does not hold on these data.")


def agreement(n_inside: int, n_with_interval: int, what: str = "published estimates") -> str:
    """'12 of 14 published estimates lie inside the computed interval (86%).'"""
    if not n_with_interval:
        return f"No {what} could be set against a computed interval."
    share = n_inside / n_with_interval
    verb = "lies" if n_inside == 1 else "lie"
    return f"{n_inside} of {n_with_interval} {what} {verb} inside the computed interval ({share:.0%})."


def conclude(nb, answer: str, sentences: list[str]) -> Markdown:
    """Record the page's short answer (cited at the top as {{< var KEY.answer >}}) and show
    the "What this shows" sentences as a list."""
    from IPython.display import Markdown  # notebooks only: the scorecard's build step needs no IPython
    nb.record("answer", answer)
    nb.record("what_this_shows", " ".join(sentences))
    return Markdown("\n".join(f"- {s}" for s in sentences))


def _value(x: float) -> str:
    if float(x).is_integer() and abs(x) >= 10:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def compared(nb) -> list[str]:
    """Sentences on this notebook's published-vs-computed rows (its record_comparison file):
    how many published values lie inside the computed intervals, and which do not."""
    import pandas as pd

    from .scorecard import check_comparison
    path = nb.results_path.with_name(f"{nb.name}.comparison.csv")
    if not path.exists():
        return []
    rows = check_comparison(pd.read_csv(path), path.name)
    with_ci = rows[rows["within"].notna()]
    out = [agreement(int(with_ci["within"].sum()), len(with_ci))]
    outside = with_ci[~with_ci["within"].astype(bool)]
    if len(outside):
        listed = "; ".join(f"{r.estimate} ({r.section}): published {_value(r.published)}, computed "
                           f"{_value(r.computed)}" for r in outside.itertuples())
        out.append(f"Outside the interval: {listed}.")
    context = int(rows["context"].sum())
    no_ci = len(rows) - len(with_ci) - context
    if context:
        out.append(f"{context} " + choose(context == 1, "figure describes", "figures describe")
                   + " a different population and " + choose(context == 1, "is", "are")
                   + " shown for context only, not as replication targets.")
    if no_ci:
        out.append(f"{no_ci} further published " + choose(no_ci == 1, "number (a count or share without an "
                   "interval) is", "numbers (counts and shares without an interval) are")
                   + " set beside the computed ones in the tables above.")
    return out


# ---------------------------------------------------------------------------------------
# Typed findings: each holds the numbers it states, the comparison it makes and the
# condition that chose its words, so a test can check the sentence against its numbers.
# ---------------------------------------------------------------------------------------

def percent(count: int, total: int) -> str:
    """count/total as a whole percent that never rounds to a claim the counts refute:
    '91%', but '>99%' for 997 of 1,000 and '<1%' for 3 of 1,000."""
    if total <= 0:
        raise ValueError(f"percent: total {total!r}; expected a positive count")
    if not 0 <= count <= total:
        raise ValueError(f"percent: count {count!r} outside 0 to the total {total}")
    share = 100 * count / total
    if 0 < count < total:
        if round(share) >= 100:
            return ">99%"
        if round(share) <= 0:
            return "<1%"
    return f"{round(share):.0f}%"


def _n(x: int) -> str:
    return f"{int(x):,}"


@dataclass(frozen=True)
class Share:
    """k of n things: '40 of 44 checks (91%)'; the percent is computed from the counts."""

    count: int
    total: int
    what: str = ""

    def text(self) -> str:
        """'40 of 44 (91%)', or 'none of 0' when there is nothing to count."""
        if not self.total:
            return f"none of 0{' ' + self.what if self.what else ''}"
        what = f" {self.what}" if self.what else ""
        return f"{_n(self.count)} of {_n(self.total)}{what} ({percent(self.count, self.total)})"


@dataclass(frozen=True)
class Threshold:
    """Values set against a symmetric threshold (|value| > threshold counts as beyond):
    'standardised mean differences beyond ±0.25'. Names only the values beyond it."""

    values: dict[str, float]
    threshold: float
    what: str = "characteristics"
    measure: str = "standardised mean differences"
    listed: int = 3

    @property
    def beyond(self) -> dict[str, float]:
        """The values beyond the threshold, largest first (ties by name: a stable order)."""
        out = {k: float(v) for k, v in self.values.items() if not _missing(v) and abs(v) > self.threshold}
        return dict(sorted(out.items(), key=lambda kv: (-abs(kv[1]), kv[0])))

    def sentence(self) -> str:
        beyond, n = self.beyond, len(self.values)
        bound = f"±{self.threshold:g}"
        if not beyond:
            return f"None of the {n} {self.what} has {self.measure} beyond {bound}."
        shown = [f"{k} ({_signed(v)})" for k, v in list(beyond.items())[:self.listed]]
        rest = len(beyond) - len(shown)
        names = (", ".join(shown[:-1]) + " and " + shown[-1]) if len(shown) > 1 and not rest else ", ".join(shown)
        more = choose(rest > 0, f" and {rest} more", "")
        return (f"{Share(len(beyond), n, self.what).text()} " + choose(len(beyond) == 1, "has", "have")
                + f" {self.measure} beyond {bound}: {names}{more}.")


def _signed(x: float, digits: int = 2) -> str:
    """'+0.31', '−0.40' (a typographic minus), '0.00' for zero."""
    if round(x, digits) == 0:          # never '+0.00' or '−0' for a value that rounds to zero
        return f"{0:.{digits}f}"
    return f"{'+' if x > 0 else '−'}{abs(x):.{digits}f}"


@dataclass(frozen=True)
class Coefficient:
    """An estimate that may be infinite (separation) or missing (not estimable):
    'UPR, open regimes: +0.84 (SE 0.31, z = 2.71, p = .007)', or why there is no number."""

    label: str
    value: float | None
    se: float | None = None
    p: float | None = None
    separated: bool = False       # the outcome is separated: no finite ML estimate
    p_from: str = ""              # a likelihood-ratio test's p, not the Wald z's (e.g. 'penalised likelihood-ratio')

    @property
    def state(self) -> str:
        """'finite', 'infinite' (separation or an infinite value) or 'not estimable'."""
        if self.separated or (self.value is not None and not _missing(self.value) and math.isinf(self.value)):
            return "infinite"
        if _missing(self.value):
            return "not estimable"
        return "finite"

    def sentence(self) -> str:
        from . import apa
        if self.state == "infinite":
            return (f"{self.label}: no finite maximum-likelihood estimate (the outcome is separated, so "
                    "the likelihood keeps rising as the coefficient grows)")
        if self.state == "not estimable":
            return f"{self.label}: not estimable on these data"
        text = f"{self.label}: {_signed(self.value)}"
        if self.p_from and not _missing(self.p):
            text += f" ({apa.likelihood_ratio(self.p, name=self.p_from)})"
        elif not _missing(self.se) and self.se > 0 and not _missing(self.p):
            text += f" (SE {self.se:.2f}, {apa.z(self.value / self.se, self.p)})"
        return text


@dataclass(frozen=True)
class Change:
    """A quantity before and after one choice, compared as displayed:
    'moves X from A to B', or 'leaves X at A' when the two read the same."""

    what: str
    before: str
    after: str

    @property
    def equal(self) -> bool:
        return self.before == self.after

    def sentence(self) -> str:
        return choose(self.equal, f"leaves {self.what} at {self.before}",
                      f"moves {self.what} from {self.before} to {self.after}")


@dataclass(frozen=True)
class TestChange:
    """The same test with and without one choice: both results in APA form, and whether
    the decision at `alpha` changes ('no change' when it does not)."""

    what: str
    without: str        # the choice's 'off' side, e.g. 'without them'
    with_: str
    p_without: float
    p_with: float
    result_without: str  # apa text of each result
    result_with: str
    alpha: float = 0.05

    @property
    def decision_changes(self) -> bool:
        return (self.p_without < self.alpha) != (self.p_with < self.alpha)

    def sentence(self) -> str:
        both = f"{self.result_without} {self.without}, {self.result_with} {self.with_}"
        if self.decision_changes:
            return (f"{self.what} changes its decision at the {self.alpha:.0%} level ({both})")
        return (f"{self.what} reaches the same decision at the {self.alpha:.0%} level either way, "
                + choose(self.p_with < self.alpha, "significant", "not significant") + f" ({both})")


@dataclass(frozen=True)
class ConditionalShares:
    """Share of `group` with an `outcome` against the share of `other` with it (the
    conditional is on the group, never reversed): '75% of the cases that improved
    (12 of 16) ..., against 22% of the others (9 of 41)'."""

    outcome: str        # what the share counts, e.g. 'were said to have been helped'
    group: str
    other: str
    count_group: int
    n_group: int
    count_other: int
    n_other: int
    test: str = ""      # the APA text of the test of the difference
    p: float | None = None
    alpha: float = 0.05

    @property
    def difference_pp(self) -> float:
        return 100 * (self.count_group / self.n_group - self.count_other / self.n_other)

    @property
    def direction(self) -> str:
        """'more often', 'less often' or 'as often' (equal shares)."""
        d = self.count_group * self.n_other - self.count_other * self.n_group   # exact, no rounding
        return "more often" if d > 0 else "less often" if d < 0 else "as often"

    def sentence(self) -> str:
        if not self.n_group or not self.n_other:
            return f"The share that {self.outcome} cannot be compared: one group is empty."
        share = (f"{percent(self.count_group, self.n_group)} of {self.group} ({_n(self.count_group)} of "
                 f"{_n(self.n_group)}) {self.outcome}, against {percent(self.count_other, self.n_other)} "
                 f"of {self.other} ({_n(self.count_other)} of {_n(self.n_other)})")
        if self.direction == "as often":
            return share + ": the same share."
        if _missing(self.p):
            return f"{share}: a difference of {_signed(self.difference_pp, 0)} percentage points, not tested."
        test = f" ({self.test})" if self.test else ""
        return share + choose(self.p < self.alpha,
                              f": {self.direction}, by {abs(self.difference_pp):.0f} percentage points{test}.",
                              f": a difference of {_signed(self.difference_pp, 0)} percentage points, not "
                              f"significant at the {self.alpha:.0%} level{test}.")


@dataclass(frozen=True)
class Flags:
    """Tests flagged at `alpha` out of many: chance alone flags about n·alpha. Flags that
    all concern one term at very small p are a systematic pattern, not chance."""

    flagged: dict[str, float]   # 'term, model' or term -> p of each flagged test
    terms: dict[str, str]       # the same keys -> the covariate each test concerns
    n_tests: int
    alpha: float = 0.05
    what: str = "proportional-hazards tests"
    tests: dict[str, str] | None = None   # the same keys -> each test in APA form (statistic, df, p)

    @property
    def expected(self) -> float:
        return self.n_tests * self.alpha

    @property
    def chance_p(self) -> float:
        """P(at least this many flags) if every null held and the tests were independent."""
        from scipy.stats import binom
        return float(binom.sf(len(self.flagged) - 1, self.n_tests, self.alpha)) if self.flagged else 1.0

    @property
    def one_term(self) -> str | None:
        names = {self.terms[k] for k in self.flagged}
        return names.pop() if len(names) == 1 and len(self.flagged) > 1 else None

    @property
    def beyond_chance(self) -> bool:
        return bool(self.flagged) and (self.chance_p < self.alpha or self.one_term is not None)

    def sentence(self) -> str:
        from . import apa
        k = len(self.flagged)
        head = f"{_n(k)} of {_n(self.n_tests)} {self.what} flag a violation at the {self.alpha:.0%} level"
        chance = f"chance alone would flag about {self.expected:.1f}"
        if not k:
            return f"None of the {_n(self.n_tests)} {self.what} flags a violation at the {self.alpha:.0%} level."
        largest = max(self.flagged.values())
        every = choose(largest < apa.FLOOR, "p < .001 in each", f"largest {apa.p_text(largest)}")
        if self.tests:   # each flagged test with its statistic, smallest p first (statcheck reads them)
            order = sorted(self.flagged, key=lambda key: (self.flagged[key], key))
            shown = {key: key.removeprefix(f"{self.one_term}, ") if self.one_term else key for key in order}
            every = "; ".join(f"{shown[key]}: {self.tests[key]}" for key in order)
        if self.one_term is not None:
            return (f"{head}, all for one covariate, {self.one_term} ({every}); {chance}, but flags "
                    "confined to one covariate are a systematic violation, not chance.")
        test = apa.exact(apa.BINOMIAL, self.chance_p)
        return (f"{head}; {chance}, " + choose(self.beyond_chance,
                f"so more flags than chance explains ({test}).",
                f"so no more than chance explains ({test})."))


def _counted(count: int, total: int, one: str, many: str) -> tuple[str, bool]:
    """A count of a total as the subject of a sentence, and whether its verb is singular:
    'all 12 things', 'none of the 12 things', '7 of 12 things (58%)', '1 of 12 things (8%)'
    (singular), 'the one thing' (singular; only for a total of one, whatever the count)."""
    if total == 1:
        return f"the one {one}", True
    if count == total:
        return f"all {_n(total)} {many}", False
    if count == 0:
        return f"none of the {_n(total)} {many}", True
    return Share(count, total, many).text(), count == 1


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Replication:
    """The replication scorecard's counts in words (casework.report.scorecard.summary):
    how many published numbers replicate by the scorecard's rule and how each miss fails,
    then signs, stars and standard errors, and, on synthetic data, how many generating
    values the computed intervals cover. Every count a sentence states is a field here;
    'all' only when the two counts are equal, 'none' only at zero, a percent only from the
    counts."""

    n_targets: int
    n_replicated: int
    n_with_interval: int = 0
    n_within: int = 0
    n_bounds: int = 0
    n_bounds_agree: int = 0
    n_decisions: int = 0
    n_decisions_agree: int = 0
    n_signed: int = 0
    n_sign_agrees: int = 0
    n_starred: int = 0
    n_stars_agree: int = 0
    n_se: int = 0
    n_se_close: int = 0
    se_ratio_median: float | None = None
    se_factor: float = 1.25
    n_truth: int = 0
    n_recovered: int = 0
    synthetic: bool = False

    PAIRS = (("n_replicated", "n_targets"), ("n_within", "n_with_interval"), ("n_bounds_agree", "n_bounds"),
             ("n_decisions_agree", "n_decisions"), ("n_sign_agrees", "n_signed"),
             ("n_stars_agree", "n_starred"), ("n_se_close", "n_se"), ("n_recovered", "n_truth"))

    def __post_init__(self):
        for part, whole in self.PAIRS:
            if not 0 <= getattr(self, part) <= getattr(self, whole):
                raise ValueError(f"Replication: {part} = {getattr(self, part)}; expected 0 to "
                                 f"{whole} = {getattr(self, whole)}")

    @classmethod
    def from_summary(cls, summary: dict, synthetic: bool = False, se_factor: float = 1.25) -> "Replication":
        """From the dict of casework.report.scorecard.summary (extra keys ignored)."""
        names = {f for f in cls.__dataclass_fields__ if f.startswith("n_") or f == "se_ratio_median"}
        return cls(**{k: summary[k] for k in names if k in summary}, synthetic=synthetic, se_factor=se_factor)

    @property
    def misses(self) -> list[tuple[int, str]]:
        """(count, how) for each way a published number fails its rule, counts above zero."""
        how = [(self.n_with_interval - self.n_within, "outside the computed interval"),
               (self.n_bounds - self.n_bounds_agree, "on the wrong side of a published bound"),
               (self.n_decisions - self.n_decisions_agree, "with the opposite test decision")]
        return [(k, why) for k, why in how if k]

    def verdict(self) -> str:
        """How many published numbers replicate by the rule, and how the others fail."""
        if not self.n_targets:
            return "No published number has been compared yet: run `casework run`."
        subject, single = _counted(self.n_replicated, self.n_targets, "published number that can be judged",
                                   "published numbers that can be judged")
        missed = self.n_targets - self.n_replicated
        ways = ", ".join(f"{_n(k)} {why}" for k, why in self.misses)
        if self.n_targets == 1:
            return (f"The one published number that can be judged "
                    + choose(bool(self.n_replicated), "replicates by the scorecard's rule.",
                             f"does not replicate by the scorecard's rule ({ways})."))
        text = f"{_capital(subject)} " + choose(single, "replicates", "replicate") + " by the scorecard's rule"
        if not missed:
            return text + "."
        if not self.n_replicated:
            return f"{text} ({ways})."
        return f"{text}; {_n(missed)} " + choose(missed == 1, "does not", "do not") + f" ({ways})."

    def detail(self) -> str:
        """Signs, stars and standard errors, each counted apart ('' when none is compared)."""
        parts = []
        if self.n_signed:
            subject, _ = _counted(self.n_sign_agrees, self.n_signed, "coefficient whose published sign is known",
                                  "coefficients whose published sign is known")
            parts.append(choose(self.n_signed == 1 and not self.n_sign_agrees,
                                f"the sign does not agree for {subject}", f"the sign agrees for {subject}"))
        if self.n_starred:
            subject, _ = _counted(self.n_stars_agree, self.n_starred, "estimate the study marks with stars",
                                  "estimates the study marks with stars")
            parts.append(choose(self.n_starred == 1 and not self.n_stars_agree,
                                f"the significance stars do not agree for {subject}",
                                f"the significance stars agree for {subject}"))
        if self.n_se:
            subject, single = _counted(self.n_se_close, self.n_se, "standard error", "standard errors")
            verb = choose(self.n_se == 1 and not self.n_se_close, "is not", choose(single, "is", "are"))
            median = "" if _missing(self.se_ratio_median) else f" (median ratio {self.se_ratio_median:.2f})"
            parts.append(f"{subject} {verb} within a factor of {self.se_factor:g} of the published "
                         + choose(self.n_se == 1, "one", "ones") + median)
        return _capital("; ".join(parts)) + "." if parts else ""

    def meaning(self) -> str:
        """What *replicated?* means on these data, and on synthetic data what was recovered."""
        if not self.synthetic:
            return "The data are declared real, so *replicated?* is a replication of the studies."
        text = ("The data are synthetic, so *replicated?* is not meaningful here: the published "
                "values went into making the data, and agreement only shows the code runs as "
                "designed. *Recovered?* asks the question that matters on synthetic data: does "
                "the computed interval cover the value that generated the data?")
        if not self.n_truth:
            return text + " No row carries a generating value yet."
        subject, _ = _counted(self.n_recovered, self.n_truth, "estimate that a declared model generates",
                              "estimates that a declared model generates")
        return text + choose(self.n_truth == 1 and not self.n_recovered, f" It does not for {subject}.",
                             f" It does for {subject}.")

    def agreement(self) -> str:
        """The line of counts under a study's heading on the scorecard page:
        'Replicated: 25 of 30 (83%); sign agrees: 28 of 30 (93%); ...'."""
        parts = [f"replicated: {Share(self.n_replicated, self.n_targets).text()}" if self.n_targets
                 else "nothing here is a replication target"]
        for what, k, n in (("sign agrees", self.n_sign_agrees, self.n_signed),
                           ("stars agree", self.n_stars_agree, self.n_starred),
                           ("generating value recovered", self.n_recovered, self.n_truth)):
            if n:
                parts.append(f"{what}: {Share(k, n).text()}")
        return _capital("; ".join(parts)) + "."
