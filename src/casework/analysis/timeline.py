"""The caseload over the years (Chasing Shadows Fig. 4): communications per year, in
all and by kind, and the years that stand out.
"""
from __future__ import annotations

import pandas as pd

from .caseload import has_individual_cases

SERIES = {
    "all": "All communications",
    "individual_cases": "With individual cases",
    "urgent_appeals": "Urgent appeals",
    "hrd_alone": "Sent by the HRD mandate alone",
}


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
