"""Who the defenders are, by the violation they suffered: the share of women per
violation type, protesters among detainees, and land and environmental defenders
among killings (Chasing Shadows, 'Profiles of the Defenders').
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from .caseload import Check, Record, interval
from .intervals import proportions
from .violations import VIOLATIONS, label

ALL_CASES = "All cases"

# Rows of women_share_by_violation the study gives a share for: (key in published.yml
# `caseload.women_share`, label).
PUBLISHED_WOMEN = {ALL_CASES: ("all_cases", "Women, all cases"), "viol_detention": ("detention", "Women, detention"),
                   "viol_trial": ("trial", "Women, trial"), "viol_killing": ("killing", "Women, killing"),
                   "viol_threats": ("threats", "Women, threats"),
                   "viol_defamation": ("defamation", "Women, defamation"),
                   "viol_relatives": ("relatives_targeted", "Women, relatives targeted")}


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


# --- beside the published numbers ---------------------------------------------------------

def published_women_shares(published: dict) -> dict[str, float]:
    """Published share of women per row of women_share_by_violation (`caseload.women_share`)."""
    return {row: published[key] for row, (key, _) in PUBLISHED_WOMEN.items()}


def published_contrast_shares(published: dict) -> dict[str, tuple[float, float]]:
    """Per trait, the published shares (in the group, outside it) of the two contrasts the
    study reports; `published` is published.yml `caseload`."""
    protesters, issues = published["protesters"], published["issue_areas"]
    return {"protester": (protesters["share_of_detainees"], protesters["share_of_non_detention_cases"]),
            "issue_land_environment": (issues["land_env_share_of_killings"], issues["land_env_share_of_non_lethal"])}


def _women_name(row: str) -> str:
    return "women_share" if row == ALL_CASES else f"women_share_{row.removeprefix('viol_')}"


def profile_checks(women: pd.DataFrame, protest: Contrast, landkill: Contrast, cases: pd.DataFrame,
                   published: dict) -> list[Check | Record]:
    """Women's shares, protesters among detainees and land defenders among killings beside
    published.yml `caseload`; the two differences are recorded in percentage points."""
    women_pub = published_women_shares(published["women_share"])
    contrast_pub = published_contrast_shares(published)

    def inside_outside(con, names, labels):
        return [Check(name, label, con.table.loc[side, "share"], shown, "share", interval(con.table.loc[side]))
                for side, name, label, shown in zip(["in group", "not in group"], names, labels,
                                                    contrast_pub[con.trait])]

    return [*(Check(_women_name(row), PUBLISHED_WOMEN[row][1], women.loc[row, "share"], women_pub[row], "share",
                    interval(women.loc[row])) for row in PUBLISHED_WOMEN if row in women.index),
            *inside_outside(protest, ["protester_share_detainees", "protester_share_others"],
                            ["Protesters among detainees", "Protesters among other cases"]),
            Check("protester_count", "Protesters (cases)", int(cases["protester"].sum()),
                  published["protesters"]["count"], "count"),
            *inside_outside(landkill, ["land_env_share_killings", "land_env_share_non_lethal"],
                            ["Land, environment defenders among killings",
                             "Land, environment defenders among non-lethal cases"]),
            *(Record(f"{name}_{part}", value * 100, "{:+.1f} pp")
              for name, con in [("protester_difference", protest), ("land_env_difference", landkill)]
              for part, value in [("pp", con.difference), ("ci_low_pp", con.diff_low),
                                  ("ci_high_pp", con.diff_high)])]
