"""What the cases are about: violations suffered (Chasing Shadows Fig. 1) and the
defenders' issue areas (Fig. 2). A case can carry several violations and issue areas,
so shares do not add up to one.
"""
from __future__ import annotations

import pandas as pd

from ..data import tables
from .caseload import Check, Published, flag_shares, in_period, interval, parse_published
from .intervals import proportions

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
LAND_GROUP = "Indigenous, land, environmental rights"
NO_ISSUE = "No issue area recorded"
LGBTI_STABLE_FROM = 2012  # the study reports a stable LGBTI share from this year on

# Fig. 1 rows the study gives a share for: (key in published.yml, record name, label).
PUBLISHED_SHARES = {
    "viol_detention": ("detention", "detention_share", "Detention"),
    "viol_torture": ("torture_or_physical_attack", "torture_share", "Torture or physical attack"),
    "viol_threats": ("threats", "threats_share", "Threats"),
    "viol_relatives": ("relatives_targeted", "relatives_targeted_share", "Relatives targeted"),
    "viol_trial": ("trial", "trial_share", "Trial"),
}


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
    groups[NO_ISSUE] = ~any_of(cases, ISSUE_FLAGS)
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


# --- beside the published numbers ---------------------------------------------------------

def published_shares(published: dict) -> dict[str, Published]:
    """The published share of each Fig. 1 row the study quantifies (a bound stays a bound);
    `published` is published.yml `caseload.violations_share_of_cases`."""
    return {col: parse_published(published[key]) for col, (key, _, _) in PUBLISHED_SHARES.items()}


def violation_checks(shares: pd.DataFrame, cases: pd.DataFrame, published: dict,
                     confidence: float) -> list[Check]:
    """Fig. 1 and its text: shares of `violation_shares` and the killings, convictions and
    administrative measures, beside `caseload.violations_share_of_cases`."""
    def share(col):
        key, name, text = PUBLISHED_SHARES[col]
        row = shares.loc[col]
        return Check(name, text, row["share"], published[key], "share", interval(row))

    conviction = conviction_share_of_trials(cases, confidence)
    administrative = administrative_share(cases, confidence)
    return [share("viol_detention"), share("viol_torture"),
            Check("killing_count", "Killings (cases)", shares.loc["viol_killing", "count"],
                  published["killing_count"], "count"),
            share("viol_threats"), share("viol_relatives"), share("viol_trial"),
            Check("conviction_share_of_trials", "Convictions among trial cases", conviction["share"],
                  published["conviction"], "share", interval(conviction)),
            Check("administrative_share", "Administrative measures (any)", administrative["share"],
                  published["administrative_measures"], "share", interval(administrative))]


def published_issue_shares(published: dict) -> dict[str, float]:
    """Published shares of the Fig. 2 groups the study quantifies (`caseload.issue_areas`)."""
    return {LAND_GROUP: published["land_environment_indigenous"],
            NO_ISSUE: parse_published(published["unattributable_to_any_issue"]).value}


def published_land_shares_by_year(published: dict, year_from: int, year_to: int) -> dict[int, float]:
    """The single years the study gives a land, environment, indigenous share for, in the period."""
    return {int(y): s for y, s in published["land_env_indigenous_by_year"].items()
            if in_period(y, year_from, year_to)}


def issue_checks(issues: pd.DataFrame, land_by_year: pd.DataFrame, cases: pd.DataFrame, published: dict,
                 published_years: dict[int, float], confidence: float) -> list[Check]:
    """Fig. 2 and its text beside `caseload.issue_areas`; `published_years` as from
    published_land_shares_by_year (only years with cases are compared)."""
    land = proportions(any_of(cases, ["issue_land_environment"]).sum(), len(cases), confidence).iloc[0]
    group, unattributed = issues.loc[LAND_GROUP], issues.loc[NO_ISSUE]
    return [Check("land_environment_share", "Land and environmental rights", land["share"],
                  published["land_environment"], "share", interval(land)),
            Check("land_env_indigenous_share", "Land, environmental or indigenous rights", group["share"],
                  published["land_environment_indigenous"], "share", interval(group)),
            Check("unattributed_share", "No issue area recorded", unattributed["share"],
                  published["unattributable_to_any_issue"], "share", interval(unattributed)),
            *(Check(f"land_env_indigenous_share_{y}", f"Indigenous, land, environmental rights in {y}",
                    land_by_year.loc[y, "share"], s, "share", interval(land_by_year.loc[y]))
              for y, s in published_years.items() if y in land_by_year.index),
            Check("lgbti_cases", "LGBTI-rights cases", int(cases["issue_lgbti"].sum()), published["lgbti_cases"],
                  "count")]
