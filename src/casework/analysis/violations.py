"""What the cases are about: violations suffered (Chasing Shadows Fig. 1) and the
defenders' issue areas (Fig. 2). A case can carry several violations and issue areas,
so shares do not add up to one.
"""
from __future__ import annotations

import pandas as pd

from ..data import tables
from .caseload import flag_shares, proportions

# Fig. 1 order. A nested category is a subset of the row it follows: conviction of
# trial (enforced by the loader), killing of torture / physical attack (as the
# study describes it: attacks "as a consequence of which" defenders were killed).
VIOLATIONS: list[tuple[str, str | None]] = [
    ("viol_detention", None),
    ("viol_torture", None),
    ("viol_killing", "viol_torture"),
    ("viol_disappearance", None),
    ("viol_failure_to_intervene", None),
    ("viol_threats", None),
    ("viol_relatives", None),
    ("viol_surveillance", None),
    ("viol_defamation", None),
    ("viol_trial", None),
    ("viol_conviction", "viol_trial"),
    ("viol_raid", None),
    ("viol_travel_restriction", None),
    ("viol_admin_harassment", None),
    ("viol_disciplinary", None),
    ("viol_expulsion", None),
    ("viol_citizenship_revoked", None),
]

# "Administrative measures, from refusing documents or travel permits to expulsion or
# revoking citizenship" (Chasing Shadows, p. 7): any of these four.
ADMINISTRATIVE = ["viol_admin_harassment", "viol_travel_restriction", "viol_expulsion",
                  "viol_citizenship_revoked"]

# Fig. 2 groups: a case counts in a group if any of its flags is set.
ISSUE_GROUPS: dict[str, list[str]] = {
    "Women's, LGBTI rights": ["issue_women", "issue_lgbti"],
    "Cultural, ethnic, religious rights": ["issue_cultural"],
    "Indigenous, land, environmental rights": ["issue_indigenous", "issue_land_environment"],
    "Socioeconomic rights, anti-corruption": ["issue_socioeconomic"],
    "Democratic rights and institutions": ["issue_democratic"],
    "Anti-impunity, transitional justice, peace": ["issue_impunity"],
}
ISSUE_FLAGS = [c for cols in ISSUE_GROUPS.values() for c in cols]


def label(column: str) -> str:
    """The codebook title of a cases column ('Detention', '...including: killing')."""
    return tables()["cases"].field(column).title


def violation_shares(cases: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Share of cases with each violation, in Fig. 1 order, with intervals.

    Columns: label, parent (the row a nested category belongs to), count, n, share,
    ci_low, ci_high. Index: the violation column.
    """
    cols = [c for c, _ in VIOLATIONS]
    out = flag_shares(cases[cols], confidence)
    out.insert(0, "label", [label(c) for c in cols])
    out.insert(1, "parent", [p for _, p in VIOLATIONS])
    return out


def nested_within_parent(cases: pd.DataFrame) -> pd.Series:
    """For each nested category: are all its cases also in its parent category?"""
    return pd.Series({c: bool((~cases[c] | cases[p]).all()) for c, p in VIOLATIONS if p})


def any_of(cases: pd.DataFrame, columns: list[str]) -> pd.Series:
    """True where any of the boolean columns is true."""
    return cases[columns].fillna(False).astype(bool).any(axis=1)


def administrative_share(cases: pd.DataFrame, confidence: float) -> pd.Series:
    """Share of cases with any administrative measure (one row of `proportions`)."""
    return proportions(any_of(cases, ADMINISTRATIVE).sum(), len(cases), confidence).iloc[0]


def conviction_share_of_trials(cases: pd.DataFrame, confidence: float) -> pd.Series:
    """Share of trial cases that ended in conviction."""
    trials = cases["viol_trial"].astype(bool)
    return proportions(cases.loc[trials, "viol_conviction"].sum(), trials.sum(), confidence).iloc[0]


def issue_area_shares(cases: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Share of cases in each Fig. 2 issue group, plus the cases in no group at all."""
    groups = pd.DataFrame({g: any_of(cases, cols) for g, cols in ISSUE_GROUPS.items()})
    groups["No issue area recorded"] = ~any_of(cases, ISSUE_FLAGS)
    out = flag_shares(groups, confidence)
    out.index.name = "issue_area"
    return out


def issue_share_by_year(cases: pd.DataFrame, columns: list[str], confidence: float) -> pd.DataFrame:
    """Per year: share of cases with any of `columns` set, with intervals."""
    flag = any_of(cases, columns)
    counts = flag.groupby(cases["year"]).agg(["sum", "size"])
    out = proportions(counts["sum"], counts["size"], confidence)
    out.index = counts.index.astype(int)
    out.index.name = "year"
    return out
