"""The least data each analysis needs, checked before any kernel starts.

Valid data can still be too little for a method: a log-rank test needs two groups,
a two-proportion test needs cases on both sides, a Cox model needs releases and
covariates that vary. Such data would pass validation and fail inside a kernel.
Each rule here names the notebook, the table and what it needs; `check(name, frames,
folder, params)` returns the unmet ones as one-line messages. A rule that depends on
a parameter (follow-up horizon, which releases count) reads it from `params`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd


@dataclass(frozen=True)
class Need:
    table: str
    rule: str  # what the analysis needs, in words
    unmet: Callable[..., str | None]  # (frames, params) -> None, or what was found instead


def _both_groups(table: str, column: str) -> Callable:
    def unmet(frames, params):
        counts = frames[table][column].value_counts()
        if counts.get(True, 0) and counts.get(False, 0):
            return None
        return f"found {int(counts.get(True, 0))} true, {int(counts.get(False, 0))} false"
    return unmet


def _improved_and_not(tables: tuple[str, ...]) -> Callable:
    """Assessed cases (of the survey, when given) on both sides of improved / not improved."""
    def unmet(frames, params):
        from ..analysis.development import BAND_OF
        sample = frames["sample"]
        assessed = sample[sample["assessed"].fillna(False)]
        if "survey" in tables:
            assessed = assessed[assessed["case_id"].isin(frames["survey"]["case_id"])]
        improved = assessed["development"].astype("string").map(BAND_OF).eq("improved")
        n_yes, n_no = int(improved.sum()), int((~improved).sum())
        return None if n_yes and n_no else f"found {n_yes} improved, {n_no} not improved"
    return unmet


def _long_list_groups(frames, params):
    """Both lists in the main Kaplan–Meier comparison (after the pre-launch choice)."""
    from ..data.frames.survival import long_list_frame
    main = long_list_frame(frames["freethe20"], params.get("time_origin", "launch"),
                           params.get("horizon_months", 36), params.get("exclude_pre_launch", True))
    n_featured = int(main["featured"].sum())
    n_other, n_released = len(main) - n_featured, int(main["released"].sum())
    if n_featured and n_other and n_released:
        return None
    return (f"found {n_featured} featured, {n_other} not featured, {n_released} released within "
            "follow-up")


def _cox_frame(frames, params) -> pd.DataFrame:
    from ..data.frames.survival import urgent_action_frame
    return urgent_action_frame(frames["urgent_actions"], params.get("horizon_months", 36),
                               params.get("certainty", "any"))


def _cox_groups(frames, params):
    """Eligible women featured and not, each with a release and a positive duration."""
    frame = _cox_frame(frames, params)
    found = []
    for label, group in (("featured", frame[frame.freethe20 == 1]),
                         ("not featured", frame[frame.freethe20 == 0])):
        released = group[(group.released == 1) & (group.duration > 0)]
        if len(released) < MIN_RELEASES_PER_GROUP:
            found.append(f"{len(group)} {label} ({len(released)} released, "
                         f"{len(group) - len(released)} censored)")
    return f"found {', '.join(found)}" if found else None


def _cox_covariates(frames, params):
    """Model 4's sample: every covariate varies, and a release per coefficient."""
    from ..analysis.survival import TERMS
    frame = _cox_frame(frames, params)
    complete = frame.dropna(subset=[t for t in TERMS if t in frame])
    constant = [t for t in TERMS if complete[t].nunique() < 2]
    releases = int(complete["released"].sum())
    if not constant and releases >= len(TERMS):
        return None
    found = f"{len(complete)} women with every concern recorded, {releases} released"
    return found + (f"; constant there: {', '.join(constant)}" if constant else "")


# Releases each list of the Cox comparison needs at the least (a group without one has
# an infinite hazard ratio; the power notebook fits the control women's Weibull baseline).
MIN_RELEASES_PER_GROUP = 1
FREETHE20_GROUPS = Need("freethe20", "featured and not featured women (column featured true and false): "
                        "the log-rank test and the Cox models compare the two",
                        _both_groups("freethe20", "featured"))
LONG_LIST = Need("freethe20", "featured and not featured women in the main comparison (after the "
                 "exclude_pre_launch choice) and at least one release within follow-up: the "
                 "Kaplan–Meier curves and the log-rank test", _long_list_groups)
COX_GROUPS = Need("urgent_actions", f"eligible women (eligible true) featured and not featured, each "
                  f"group with at least {MIN_RELEASES_PER_GROUP} release after time 0 within follow-up "
                  "(releases counted as the certainty parameter says): the Cox models and the Weibull baseline of the power simulation", _cox_groups)
COX_COVARIATES = Need("urgent_actions", "among eligible women with every concern recorded, each "
                      "Table 1 covariate (concern flags, region dummies) taking both values and at "
                      "least one release per covariate (11): Cox model 4 estimates them all",
                      _cox_covariates)
NEEDS: dict[str, list[Need]] = {
    "03_impact_survey": [Need("survey", "surveyed cases with an assessed development, both improved and "
                              "not improved: the two-proportion test needs n > 0 on each side",
                              _improved_and_not(("survey", "sample")))],
    "04_regressions": [Need("sample", "assessed cases both improved and not improved: a logit needs "
                            "both outcomes", _improved_and_not(("sample",)))],
    "05_freethe20_survival": [FREETHE20_GROUPS, LONG_LIST, COX_GROUPS, COX_COVARIATES],
    "06_robustness": [FREETHE20_GROUPS, LONG_LIST, COX_GROUPS, COX_COVARIATES],
    "07_power": [COX_GROUPS],
}


def check(notebook: str, frames: dict[str, pd.DataFrame], folder, params: dict | None = None) -> list[str]:
    """One line per unmet need of `notebook` on these tables (tables absent: skipped);
    `params`: the notebook's parameters (defaults where absent). After the first unmet
    need of a table, that table's later needs are not checked (they assume it)."""
    messages = []
    failed: set[str] = set()
    for need in NEEDS.get(notebook, []):
        if need.table not in frames or need.table in failed or (
                need.table == "survey" and "sample" not in frames):
            continue
        found = need.unmet(frames, params or {})
        if found:
            failed.add(need.table)
            messages.append(f"error: {notebook} cannot run on {folder}: table {need.table} needs "
                            f"{need.rule}; {found}")
    return messages
