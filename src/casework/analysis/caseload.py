"""The caseload as a whole: analysis period, mandate-holder terms, headline counts,
shares with intervals, and how a computed number compares with the published one.

The descriptive study this reproduces is Spannagel (2018), *Chasing Shadows*: all
communications of the UN Special Rapporteur on human rights defenders, Sep 2000 to
Nov 2016, and the individual cases they name.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ..data import tables
from .intervals import proportions  # the one Wilson helper (flag_shares)

STUDY_YEARS = (2000, 2016)  # the study's data: Sep 2000 - Nov 2016


# --- the analysis period ---------------------------------------------------------------

def select_period(communications: pd.DataFrame, cases: pd.DataFrame,
                  year_from: int, year_to: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Communications issued in [year_from, year_to] and the cases they name.

    Cases follow their communication, so both tables always cover the same letters.
    """
    if year_to < year_from:
        raise ValueError(f"parameters year_from={year_from} and year_to={year_to}: "
                         "year_to must not precede year_from")
    keep = communications["date"].dt.year.between(year_from, year_to)
    comms = communications.loc[keep]
    return comms, cases.loc[cases["communication_id"].isin(comms["communication_id"])]


def period_label(year_from: int, year_to: int) -> str:
    """'2000–2016' (or '2008' for one year), for figure notes and captions."""
    return str(year_from) if year_from == year_to else f"{year_from}–{year_to}"


def in_period(year, year_from: int, year_to: int) -> bool:
    """Does `year` (an int or a YAML key such as '2003') lie in [year_from, year_to]?"""
    return year_from <= int(year) <= year_to


def with_communication(cases: pd.DataFrame, communications: pd.DataFrame) -> pd.DataFrame:
    """Cases with the date, type and signatories of the communication naming them."""
    cols = ["communication_id", "date", "type", "mandates", "hrd_alone"]
    return cases.merge(communications[cols], on="communication_id", how="left",
                       validate="many_to_one")


def has_individual_cases(communications: pd.DataFrame, cases: pd.DataFrame) -> pd.Series:
    """True for letters naming at least one defender; press releases never count
    (Chasing Shadows leaves them out of its individual-case curve, Fig. 4)."""
    named = communications["communication_id"].isin(cases["communication_id"])
    return named & communications["type"].ne("press_release")


def overview(communications: pd.DataFrame, cases: pd.DataFrame) -> dict[str, float]:
    """Headline counts, keyed as in published.yml `caseload`."""
    with_cases = has_individual_cases(communications, cases)
    press = communications["type"].eq("press_release")
    mentions = cases["individual_id"].value_counts()
    return {
        "communications": len(communications),
        "communications_with_individual_cases": int(with_cases.sum()),
        "communications_without_names": int((~with_cases & ~press).sum()),
        "press_releases": int(press.sum()),
        "communications_to_non_state_entities": int(communications["addressee"].eq("non_state").sum()),
        "individual_cases": len(cases),
        "individuals_approx": int(mentions.size),
        "share_individuals_mentioned_once": float((mentions == 1).mean()) if mentions.size else math.nan,
    }


# --- shares with intervals -------------------------------------------------------------

def interval(row) -> tuple[float, float]:
    """(ci_low, ci_high) of one row of `proportions` (or any row with those columns)."""
    return (row["ci_low"], row["ci_high"])


def flag_shares(flags: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Share of rows where each boolean column is true, one row per column."""
    count = flags.fillna(False).astype(bool).sum().to_numpy()
    out = proportions(count, np.full(len(count), len(flags)), confidence)
    out.index = flags.columns
    return out


# --- mandate holders -------------------------------------------------------------------

def mandate_terms(holders: list[dict]) -> pd.DataFrame:
    """Terms as [start, end) dates from published.yml `mandate_holders`.

    A term runs from the first day of its `from` month to the start of the next
    holder's term (handover months count for the new holder); the last runs to the
    end of its `to` month.
    """
    if not holders:
        raise ValueError("published.yml caseload.mandate_holders: expected at least one holder")
    starts = [pd.Timestamp(f"{h['from']}-01") for h in holders]
    last_end = pd.Timestamp(f"{holders[-1]['to']}-01") + pd.offsets.MonthBegin(1)
    ends = starts[1:] + [last_end]
    if any(e <= s for s, e in zip(starts, ends)):
        raise ValueError("published.yml caseload.mandate_holders: terms must follow each other in time")
    return pd.DataFrame({"holder": [h["name"] for h in holders], "start": starts, "end": ends})


def holder_of(dates: pd.Series, terms: pd.DataFrame) -> pd.Series:
    """Name of the mandate holder in office on each date (missing outside every term)."""
    edges = pd.IntervalIndex.from_arrays(terms["start"], terms["end"], closed="left")
    pos = edges.get_indexer(pd.to_datetime(dates))
    names = terms["holder"].to_numpy(dtype=object)
    return pd.Series(np.where(pos >= 0, names[pos], None), index=dates.index, name="holder",
                     dtype="object")


def cases_per_year_by_holder(cases: pd.DataFrame, terms: pd.DataFrame,
                             year_from: int, year_to: int) -> pd.DataFrame:
    """Cases per year of each holder's time in office within the analysis period.

    `cases` needs a `date` column (see with_communication). Dividing by the years in
    office, not calendar years, takes the mid-year handovers into account.
    """
    # No communication can fall outside the codebook's date range (Sep 2000 - Nov 2016),
    # so time in office outside it is not counted either.
    dates = tables()["communications"].field("date")
    window = (max(pd.Timestamp(year=year_from, month=1, day=1), pd.Timestamp(dates.minimum)),
              min(pd.Timestamp(year=year_to + 1, month=1, day=1),
                  pd.Timestamp(dates.maximum) + pd.Timedelta(days=1)))
    rows = []
    for term in terms.itertuples(index=False):
        start, end = max(term.start, window[0]), min(term.end, window[1])
        if end <= start:
            continue
        n = int(cases["date"].between(start, end, inclusive="left").sum())
        years = (end - start).days / 365.25
        rows.append({"holder": term.holder, "start": start, "end": end, "years": years,
                     "cases": n, "cases_per_year": n / years})
    return pd.DataFrame(rows).set_index("holder")


# --- computed versus published -----------------------------------------------------------

_WORDS = {"half": 0.5, "a half": 0.5, "one third": 1 / 3, "one-third": 1 / 3,
          "a quarter": 0.25, "one quarter": 0.25}
_RELATIONS = [("at least", ">="), ("at most", "<="), ("more than", ">"), ("less than", "<"),
              ("about", "~"), (">=", ">="), ("<=", "<="), (">", ">"), ("<", "<")]


@dataclass(frozen=True)
class Published:
    """A published number as the text states it: a value and how it bounds the truth."""

    value: float
    relation: str  # '=' exact, '~' about, '>' '>=' '<' '<=' a bound
    text: str

    def shown(self, fmt: str) -> str:
        """The value in `fmt` with its relation in words: 'more than 50%', 'about 9,800'."""
        words = {"=": "", "~": "about ", ">": "more than ", ">=": "at least ", "<": "less than ",
                 "<=": "at most "}[self.relation]
        return words + fmt.format(self.value)


def parse_published(value) -> Published:
    """Read 0.25, 851, '> 0.50', 'about 1/4', '> 1/3' or 'at least half ...'."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"published value {value!r}: expected a number or a text such as '> 0.5'")
    if isinstance(value, (int, float)):
        return Published(float(value), "=", f"{value:,}" if isinstance(value, int) else f"{value:g}")
    text = str(value).strip()
    rest, relation = text.lower(), "="
    for word, rel in _RELATIONS:
        if rest.startswith(word):
            rest, relation = rest[len(word):].strip(), rel
            break
    m = re.match(r"(\d+)\s*/\s*(\d+)|(\d+(?:\.\d+)?)", rest)
    if m and m.group(1):
        number = int(m.group(1)) / int(m.group(2))
    elif m:
        number = float(m.group(3))
    else:
        word = next((w for w in sorted(_WORDS, key=len, reverse=True) if rest.startswith(w)), None)
        if word is None:
            raise ValueError(f"published value {value!r}: no number found")
        number = _WORDS[word]
    return Published(number, relation, text)


def agreement_rule(share_tolerance: float, count_tolerance: float, confidence: float) -> str:
    """When a computed number agrees with the published one, in words (for table subtitles)."""
    return (f"agrees: within ±{share_tolerance * 100:.0f} pp (shares) or ±{count_tolerance:.0%} "
            f"(counts, means), or the published value lies inside the {confidence:.0%} interval")


@dataclass(frozen=True)
class Comparison:
    """One headline number beside its published counterpart."""

    name: str
    label: str
    computed: float
    published: Published
    difference: float | None  # computed - published; None for a bound ('> 0.5')
    agrees: bool | None       # within tolerance, or on the right side of a bound
    ci_low: float | None = None
    ci_high: float | None = None
    section: str = ""


def compare(name: str, label: str, computed, published, tolerance: float,
            relative: bool = False, ci: tuple[float, float] | None = None,
            section: str = "") -> Comparison:
    """Compare a computed value with a published one.

    Exact and 'about' values agree when the difference is within `tolerance`
    (absolute, or relative to the published value if `relative`) or when the
    published value lies inside `ci`, the computed value's interval (a gap that
    sampling noise explains is no disagreement). Bounds agree when the computed value
    lies on the stated side.
    """
    pub = published if isinstance(published, Published) else parse_published(published)
    x = float(computed) if computed is not None else math.nan
    low, high = (None, None) if ci is None else (float(ci[0]), float(ci[1]))
    extra = {"ci_low": low, "ci_high": high, "section": section}
    if math.isnan(x):
        return Comparison(name, label, x, pub, None, None, **extra)
    if pub.relation in ("=", "~"):
        diff = x - pub.value
        scale = abs(pub.value) if relative else 1.0
        inside = low is not None and not math.isnan(low) and low <= pub.value <= high
        return Comparison(name, label, x, pub, diff, bool(abs(diff) <= tolerance * scale + 1e-12 or inside),
                          **extra)
    ok = {">": x > pub.value, ">=": x >= pub.value, "<": x < pub.value, "<=": x <= pub.value}
    return Comparison(name, label, x, pub, None, bool(ok[pub.relation]), **extra)


def scorecard_rows(comparisons: list[Comparison], study: str) -> pd.DataFrame:
    """Comparisons in the replication scorecard's layout (casework.report.scorecard).

    A published point is judged by the computed interval when there is one; a bound
    ('> 0.50') as a bound: the computed value must lie on its side.
    """
    rows = [{"study": study, "section": c.section, "estimate": c.label,
             "published": c.published.value, "computed": c.computed,
             "ci_low": c.ci_low, "ci_high": c.ci_high,
             "rule": "" if c.published.relation in ("=", "~") else "bound",
             "bound": "" if c.published.relation in ("=", "~") else c.published.relation}
            for c in comparisons]
    return pd.DataFrame(rows, columns=["study", "section", "estimate", "published", "computed",
                                       "ci_low", "ci_high", "rule", "bound"])


def comparison_frame(comparisons: list[Comparison], formats: dict[str, str]) -> pd.DataFrame:
    """A readable table of comparisons; `formats` maps a name to e.g. '{:.0%}' or '{:,.0f}'."""
    rows = []
    for c in comparisons:
        fmt = formats.get(c.name, "{:,.3g}")
        interval = ("" if c.ci_low is None or math.isnan(c.ci_low)
                    else f"{fmt.format(c.ci_low)} to {fmt.format(c.ci_high)}")
        rows.append({
            "Quantity": c.label,
            "Computed": "n/a" if math.isnan(c.computed) else fmt.format(c.computed),
            "Interval": interval,
            "Published": c.published.shown(fmt),
            "Difference": _difference_text(c.difference, fmt),
            "Agrees": {True: "yes", False: "no", None: "n/a"}[c.agrees],
        })
    return pd.DataFrame(rows)


def _difference_text(diff: float | None, fmt: str) -> str:
    """Signed difference; shares in percentage points so it cannot read as a relative change."""
    if diff is None:
        return ""
    if fmt.endswith("%}"):
        return f"{diff * 100:+.1f} pp"
    return fmt.replace("{:", "{:+").format(diff)


def record_check(nb, c: Comparison, fmt: str) -> None:
    """Record a comparison for the paper: NAME (computed), NAME_published, NAME_agrees,
    and the difference as NAME_diff (NAME_diff_pp, in percentage points, for shares)."""
    nb.record(c.name, c.computed, fmt=fmt)
    if c.published.relation == "=":
        nb.record(f"{c.name}_published", c.published.value, fmt=fmt)
    else:
        nb.record(f"{c.name}_published", c.published.shown(fmt))
    if c.difference is not None:
        if fmt.endswith("%}"):
            nb.record(f"{c.name}_diff_pp", c.difference * 100, fmt="{:+.1f} pp")
        else:
            nb.record(f"{c.name}_diff", c.difference, fmt=fmt.replace("{:", "{:+"))
    nb.record(f"{c.name}_agrees", c.agrees)


@dataclass(frozen=True)
class Check:
    """A computed number to set beside a published one: the arguments of Checklist.add."""

    name: str
    label: str
    computed: object
    published: object
    kind: str
    ci: tuple[float, float] | None = None
    fmt: str | None = None
    whole_database: bool = True


@dataclass(frozen=True)
class Record:
    """A number the paper may cite that has no published counterpart (nb.record's arguments)."""

    name: str
    value: object
    fmt: str | None = None


class Checklist:
    """A notebook's headline numbers beside the published ones, recorded as they are added.

    Kinds set the format and the rule: 'share' (absolute tolerance), 'count' and 'mean'
    (relative tolerance), 'year' (must match). Published counts cover the whole
    database; when the analysis period is shorter, `counts_comparable=False` leaves
    their agreement open (n/a) instead of calling them wrong.
    """

    FORMATS = {"share": "{:.1%}", "count": "{:,.0f}", "mean": "{:,.1f}", "year": "{:.0f}"}

    def __init__(self, nb, share_tolerance: float, count_tolerance: float,
                 counts_comparable: bool = True):
        self.nb = nb
        self.tolerance = {"share": share_tolerance, "count": count_tolerance,
                          "mean": count_tolerance, "year": 0.0}
        self.counts_comparable = counts_comparable
        self.items: list[tuple[Comparison, str]] = []

    def add(self, name: str, label: str, computed, published, kind: str,
            ci: tuple[float, float] | None = None, section: str = "", fmt: str | None = None,
            whole_database: bool = True) -> Comparison:
        """Compare, record (see record_check) and keep one number; `fmt` overrides the kind's
        format. A count of one year (`whole_database=False`) compares in any period holding it."""
        if kind not in self.FORMATS:
            raise ValueError(f"Checklist.add({name!r}): kind {kind!r}; expected one of {list(self.FORMATS)}")
        c = compare(name, label, computed, published, self.tolerance[kind],
                    relative=kind in ("count", "mean"), ci=ci, section=section)
        if kind == "count" and whole_database and not self.counts_comparable:
            c = Comparison(**{**c.__dict__, "agrees": None})
        fmt = fmt or self.FORMATS[kind]
        record_check(self.nb, c, fmt)
        self.items.append((c, fmt))
        return c

    def extend(self, section: str, items: list[Check | Record]) -> None:
        """Add the checks and record the plain values of one section, in their order."""
        for item in items:
            if isinstance(item, Check):
                self.add(item.name, item.label, item.computed, item.published, item.kind, item.ci,
                         section, item.fmt, item.whole_database)
            else:
                self.nb.record(item.name, item.value, fmt=item.fmt)

    def table(self, section: str | None = None) -> pd.DataFrame:
        """The comparisons of one section (or all) as a readable table."""
        items = [(c, f) for c, f in self.items if section is None or c.section == section]
        return comparison_frame([c for c, _ in items], {c.name: f for c, f in items})

    def scorecard(self, study: str, sections: list[str] | None = None) -> pd.DataFrame:
        """Rows for the replication scorecard, optionally only from some sections."""
        return scorecard_rows([c for c, _ in self.items if sections is None or c.section in sections], study)


# --- the overview's checks ------------------------------------------------------------------

# The overview's published counts: (record name, key in `overview` and published.yml, label).
OVERVIEW_COUNTS = [
    ("n_communications", "communications", "Communications"),
    ("n_with_cases", "communications_with_individual_cases", "Letters naming individual defenders"),
    ("n_without_names", "communications_without_names", "Letters without names (legislation, mass violations)"),
    ("n_press_releases", "press_releases", "Press releases"),
    ("n_non_state", "communications_to_non_state_entities", "Communications to non-state entities"),
    ("n_cases", "individual_cases", "Individual cases"),
]


def overview_checks(counts: dict, published: dict) -> list[Check]:
    """The headline counts of `overview` beside published.yml `caseload`."""
    return [*(Check(name, text, counts[key], published[key], "count") for name, key, text in OVERVIEW_COUNTS),
            Check("n_individuals", "Distinct defenders", counts["individuals_approx"],
                  f"about {published['individuals_approx']}", "count"),
            Check("share_mentioned_once", "Defenders named only once", counts["share_individuals_mentioned_once"],
                  published["share_individuals_mentioned_once"], "share")]
