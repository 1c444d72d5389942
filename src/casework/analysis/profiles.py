"""Who the defenders are, by the violation they suffered: the share of women per
violation type, protesters among detainees, and land and environmental defenders
among killings (Chasing Shadows, 'Profiles of the Defenders').
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from .caseload import proportions
from .violations import VIOLATIONS, label

ALL_CASES = "All cases"


def women_share_by_violation(cases: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Share of women among all cases and among the cases of each violation type.

    The denominator is every case of the type, gender unknown included, as the study
    reports shares of all cases. Types without cases are left out.
    """
    female = cases["gender"].eq("female").fillna(False)
    rows, names = [], []
    for col in [None] + [c for c, _ in VIOLATIONS]:
        mask = pd.Series(True, index=cases.index) if col is None else cases[col].fillna(False).astype(bool)
        if mask.sum() == 0:
            continue
        rows.append((female[mask].sum(), mask.sum()))
        names.append(ALL_CASES if col is None else col)
    out = proportions([r[0] for r in rows], [r[1] for r in rows], confidence)
    out.index = pd.Index(names, name="violation")
    out.insert(0, "label", [ALL_CASES if c == ALL_CASES else label(c) for c in names])
    return out


@dataclass(frozen=True)
class Contrast:
    """The share of a trait inside and outside a group of cases, and their difference."""

    trait: str
    group: str
    table: pd.DataFrame       # index ['in group', 'not in group']; count, n, share, ci_low, ci_high
    difference: float         # share in group - share outside
    diff_low: float
    diff_high: float


def contrast(cases: pd.DataFrame, trait: str, group: str, confidence: float) -> Contrast:
    """Share of cases with `trait` among cases in `group` versus all other cases.

    Both are boolean columns. The interval for the difference is Newcombe's hybrid
    score interval, which matches the Wilson intervals of the two shares.
    """
    has = cases[trait].fillna(False).astype(bool)
    inside = cases[group].fillna(False).astype(bool)
    k = [int(has[inside].sum()), int(has[~inside].sum())]
    n = [int(inside.sum()), int((~inside).sum())]
    table = proportions(k, n, confidence)
    table.index = pd.Index(["in group", "not in group"], name=group)
    if min(n) == 0:
        nan = float("nan")
        return Contrast(trait, group, table, nan, nan, nan)
    low, high = confint_proportions_2indep(k[0], n[0], k[1], n[1], method="newcomb",
                                           compare="diff", alpha=1 - confidence)
    return Contrast(trait, group, table, k[0] / n[0] - k[1] / n[1], float(low), float(high))
