"""The caseload over the years (Chasing Shadows Fig. 4): communications per year, in
all and by kind, and the years that stand out.
"""
from __future__ import annotations

import pandas as pd

from .caseload import Check, Record, has_individual_cases, in_period

SERIES = {
    "all": "All communications",
    "individual_cases": "With individual cases",
    "urgent_appeals": "Urgent appeals",
    "hrd_alone": "Sent by the HRD mandate alone",
}
# The data cover only part of their first and last year.
PARTIAL_YEARS = {2000: "from September", 2016: "to November"}


def communications_per_year(communications: pd.DataFrame, cases: pd.DataFrame,
                            year_from: int, year_to: int) -> pd.DataFrame:
    """Communications per calendar year, one column per SERIES key.

    'all' includes press releases; 'individual_cases' excludes them (as the study's
    curves do). Every year of the period has a row, with 0 where nothing was sent.
    """
    year = communications["date"].dt.year
    kinds = pd.DataFrame({
        "all": True,
        "individual_cases": has_individual_cases(communications, cases),
        "urgent_appeals": communications["type"].eq("urgent_appeal"),
        "hrd_alone": communications["hrd_alone"].fillna(False).astype(bool),
    }, index=communications.index)
    years = pd.RangeIndex(year_from, year_to + 1, name="year")
    return kinds.groupby(year).sum().reindex(years, fill_value=0).astype(int)


def peak(per_year: pd.Series) -> tuple[int, int]:
    """The year with the most communications (the earliest if tied) and its count."""
    year = int(per_year.idxmax())
    return year, int(per_year.loc[year])


def trough_after_peak(per_year: pd.Series) -> tuple[int, int]:
    """The year with the fewest communications after the peak (earliest if tied)."""
    year, _ = peak(per_year)
    after = per_year.loc[per_year.index > year]
    if after.empty:
        return year, int(per_year.loc[year])
    low = int(after.idxmin())
    return low, int(after.loc[low])


def zero_years(per_year: pd.Series) -> list[int]:
    """Years in which the series is zero."""
    return [int(y) for y in per_year.index[per_year.eq(0)]]


def years_text(years: list[int], none: str = "none") -> str:
    """'2012, 2013', or `none` for no years."""
    return ", ".join(map(str, years)) or none


# --- beside the published numbers ---------------------------------------------------------

def published_counts(published: dict, year_from: int, year_to: int) -> dict[int, int]:
    """The yearly counts of all communications the study gives (its peak and its low
    years; published.yml `caseload`), for the years in the period."""
    peak_year = published["peak_year_communications"]
    counts = {int(peak_year["year"]): peak_year["count"],
              **{int(y): c for y, c in published["low_years_communications"].items()}}
    return {y: c for y, c in counts.items() if in_period(y, year_from, year_to)}


def published_zero_years(published: dict, year_from: int, year_to: int) -> list[int]:
    """Years the study reports no communication by the HRD mandate alone, in the period."""
    return [y for y in published["joint_communications"]["hrd_alone_zero_years"]
            if in_period(y, year_from, year_to)]


def timeline_checks(per_year: pd.DataFrame, by_holder: pd.DataFrame, zero: list[int], published_zero: list[int],
                    published: dict, year_from: int, year_to: int) -> list[Check | Record]:
    """Fig. 4 and its text beside published.yml `caseload`: peak, low years, zero years of
    the HRD mandate alone, cases per year in office. A published number about a year
    outside the period says nothing about it; the computed value is then only recorded."""
    peak_year, peak_count = peak(per_year["all"])
    low_year, low_count = trough_after_peak(per_year["all"])
    pk = published["peak_year_communications"]
    if in_period(pk["year"], year_from, year_to):
        items = [Check("peak_year", "Year with most communications", peak_year, pk["year"], "year"),
                 Check("peak_year_count", "Communications in that year", peak_count, pk["count"], "count",
                       whole_database=False)]
    else:
        items = [Record("peak_year", peak_year, "{:d}"), Record("peak_year_count", peak_count)]
    total = per_year["all"].sum()
    items += [Record("hrd_alone_share", per_year["hrd_alone"].sum() / total, "{:.0%}"),
              Record("urgent_appeal_share", per_year["urgent_appeals"].sum() / total, "{:.0%}"),
              Record("trough_year", low_year, "{:d}"), Record("trough_year_count", low_count)]
    items += [Check(f"communications_{y}", f"Communications in {y}", per_year.loc[int(y), "all"], c, "count",
                    whole_database=False)
              for y, c in published["low_years_communications"].items() if in_period(y, year_from, year_to)]
    items += [Record("hrd_alone_zero_years", years_text(zero)),
              Record("hrd_alone_zero_years_published", years_text(published_zero)),
              Record("hrd_alone_zero_years_match", sorted(zero) == sorted(published_zero))]
    means = published["cases_per_year_mean"]
    for holder, r in by_holder.iterrows():
        name = f"cases_per_year_{holder.lower()}"
        items.append(Check(name, f"Cases per year in office, {holder}", r["cases_per_year"], means[holder], "mean",
                           fmt="{:,.0f}") if holder in means else Record(name, r["cases_per_year"], "{:,.0f}"))
    return items
