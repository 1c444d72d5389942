"""The least data each analysis needs, checked before any kernel starts.

Valid data can still be too little for a method: a log-rank test needs two groups,
a two-proportion test needs cases on both sides. Such data would pass validation
and fail inside a kernel, after earlier results were removed. Each rule here names
the notebook, the table and what it needs; `check(name, dataset)` returns the
unmet ones as one-line messages.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class Need:
    table: str
    rule: str  # what the analysis needs, in words
    unmet: Callable[[dict[str, pd.DataFrame]], str | None]  # None, or what was found instead


def _both_groups(table: str, column: str) -> Callable:
    def unmet(frames):
        counts = frames[table][column].value_counts()
        if counts.get(True, 0) and counts.get(False, 0):
            return None
        return f"found {int(counts.get(True, 0))} true, {int(counts.get(False, 0))} false"
    return unmet


def _improved_and_not(tables: tuple[str, ...]) -> Callable:
    """Assessed cases (of the survey, when given) on both sides of improved / not improved."""
    def unmet(frames):
        from ..analysis.development import BAND_OF
        sample = frames["sample"]
        assessed = sample[sample["assessed"].fillna(False)]
        if "survey" in tables:
            assessed = assessed[assessed["case_id"].isin(frames["survey"]["case_id"])]
        improved = assessed["development"].astype("string").map(BAND_OF).eq("improved")
        n_yes, n_no = int(improved.sum()), int((~improved).sum())
        return None if n_yes and n_no else f"found {n_yes} improved, {n_no} not improved"
    return unmet


FREETHE20_GROUPS = Need("freethe20", "featured and not featured women (column featured true and false): "
                        "the log-rank test and the Cox models compare the two",
                        _both_groups("freethe20", "featured"))
NEEDS: dict[str, list[Need]] = {
    "03_impact_survey": [Need("survey", "surveyed cases with an assessed development, both improved and "
                              "not improved: the two-proportion test needs n > 0 on each side",
                              _improved_and_not(("survey", "sample")))],
    "04_regressions": [Need("sample", "assessed cases both improved and not improved: a logit needs "
                            "both outcomes", _improved_and_not(("sample",)))],
    "05_freethe20_survival": [FREETHE20_GROUPS],
    "06_robustness": [FREETHE20_GROUPS],
}


def check(notebook: str, frames: dict[str, pd.DataFrame], folder) -> list[str]:
    """One line per unmet need of `notebook` on these tables (tables absent: skipped)."""
    messages = []
    for need in NEEDS.get(notebook, []):
        if need.table not in frames or (need.table == "survey" and "sample" not in frames):
            continue
        found = need.unmet(frames)
        if found:
            messages.append(f"error: {notebook} cannot run on {folder}: table {need.table} needs "
                            f"{need.rule}; {found}")
    return messages
