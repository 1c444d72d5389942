"""What a page found, in sentences chosen by the numbers (never typed conclusions).

Every analysis page opens with its question and `{{< var KEY.answer >}}`, and ends with
a "What this shows" section whose cell calls `conclude(nb, answer, sentences)`. Each
sentence that would be false for other data is built by `choose(condition, ...)` or by
`Estimate.sentence()`, which says whether a published estimate holds on these data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from IPython.display import Markdown


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
