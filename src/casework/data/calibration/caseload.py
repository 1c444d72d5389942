"""Calibration targets for `communications` and `cases` (Spannagel 2018, Chasing Shadows).

Every target is computed from the two tables alone, so the same check runs on the
real case database. Published values come from published.yml (section `caseload`).
Tolerances are wide enough for the spread between simulation seeds and narrow
enough that a broken generator fails them.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ...published import published
from ..codebook import tables
# the study reports reply times in months: the one month length (mean Gregorian month)
from ..frames.survival import DAYS_PER_MONTH as MONTH_DAYS
from . import AtLeast, Target

DOMAIN = "caseload"
SOURCE = "CS2018"
# Sections of the study, for the source column.
DATA, CASELOAD = "Data and Structure", "Caseload Over the Years"
PROFILES, JOINT = "Profiles of the Defenders", "Joint Communications"
RESPONSES = "States' Responses"
COUNTRY_CODES = {"Saudi Arabia": "SAU", "India": "IND", "United States": "USA",
                 "Oman": "OMN", "Mauritania": "MRT", "Angola": "AGO", "Argentina": "ARG"}
ISSUES = [f.name for f in tables()["cases"].fields if f.name.startswith("issue_")]
# The study's "administrative measures" run from refused documents and travel permits
# to expulsion and revoked citizenship (CS2018, text under Fig. 1): four Fig. 1 categories together.
ADMINISTRATIVE = ["viol_admin_harassment", "viol_travel_restriction", "viol_expulsion",
                  "viol_citizenship_revoked"]
LAST_FOUR_YEARS = (2013, 2016)    # "over the last four years" of a database ending 2016


def number(text: str | float) -> float:
    """The number in a published phrase such as '> 0.50', 'about 30' or 'about 1/4'."""
    if isinstance(text, (int, float)):
        return float(text)
    match = re.search(r"(\d+(?:\.\d+)?)(?:\s*/\s*(\d+))?", str(text))
    if not match:
        raise ValueError(f"published.yml caseload: no number in {text!r}")
    value = float(match.group(1))
    return value / float(match.group(2)) if match.group(2) else value


def data_window() -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last possible date of a communication, from the codebook."""
    date = tables()["communications"].field("date")
    return pd.Timestamp(date.minimum), pd.Timestamp(date.maximum)


def holder_periods() -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """(mandate holder, first day, day after the last) clipped to the data window.

    Hand-overs are published by month (May 2008, June 2014); we place them on the
    first of that month, as the study's per-year averages do (CS2018 fn. 7).
    """
    first, last = data_window()
    holders = published()["caseload"]["mandate_holders"]
    out = []
    for i, h in enumerate(holders):
        start = max(pd.Timestamp(h["from"]), first)
        end = (pd.Timestamp(holders[i + 1]["from"]) if i + 1 < len(holders)
               else last + pd.Timedelta(days=1))
        out.append((h["name"], start, end))
    return out


def mandate_holder(dates: pd.Series) -> pd.Series:
    """The mandate holder in office on each date."""
    out = pd.Series(pd.NA, index=dates.index, dtype="object")
    for name, start, end in holder_periods():
        out[(dates >= start) & (dates < end)] = name
    return out


def holder_years(name: str) -> float:
    """Length of a holder's period inside the data window, in years."""
    _, start, end = next(p for p in holder_periods() if p[0] == name)
    return (end - start).days / 365.25


def cases_with_dates(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Cases with their communication's date and the mandate holder then in office."""
    comms = frames["communications"][["communication_id", "date"]]
    out = frames["cases"].merge(comms, on="communication_id", how="left", validate="m:1")
    out["holder"] = mandate_holder(pd.to_datetime(out["date"]))
    return out


def delay_slope(communications: pd.DataFrame) -> float:
    """OLS slope of an urgent appeal's delay (days) on the number of signing mandates."""
    ua = communications[communications["type"].eq("urgent_appeal")
                        & communications["delay_days"].notna()]
    x = ua["mandates"].to_numpy(float)
    y = ua["delay_days"].to_numpy(float)
    return float(np.polyfit(x, y, 1)[0])


def rejection_share(cases: pd.DataFrame) -> float:
    """Share of rejections among substantive replies whose content is known (CS2018 fn. 13)."""
    content = cases.loc[cases["reply_status"].eq("substantive"), "reply_content"]
    known = content[content.notna() & content.ne("unknown")]
    return float(known.eq("rejection").mean())


def substantive_share(cases: pd.DataFrame) -> float:
    return float(cases["reply_status"].eq("substantive").mean())


def women_share(cases: pd.DataFrame) -> float:
    return float(cases["gender"].eq("female").mean())


def land_env_indigenous(cases: pd.DataFrame) -> pd.Series:
    return cases["issue_land_environment"] | cases["issue_indigenous"]


def mean_reply_days(cases: pd.DataFrame) -> float:
    """Mean days to a substantive reply, over cases (CS2018 fn. 14)."""
    return float(cases["reply_delay_days"].dropna().astype(float).mean())


def targets(frames: dict[str, pd.DataFrame]) -> list[Target]:
    """Every numeric caseload figure of Chasing Shadows beside its value in the tables."""
    return (_volume_targets(frames) + _violation_targets(frames["cases"])
            + _profile_targets(frames) + _joint_targets(frames["communications"])
            + _reply_targets(frames))


def _t(name: str, pub, gen, tol: float, where: str, relative: bool = False) -> Target:
    return Target(DOMAIN, name, float(pub), float(gen), tol, f"{SOURCE} {where}", relative)


def _at_least(name: str, bound: float, gen, above: float, where: str) -> Target:
    return AtLeast(DOMAIN, name, float(bound), float(gen), above, f"{SOURCE} {where}")


def _volume_targets(frames: dict[str, pd.DataFrame]) -> list[Target]:
    cs = published()["caseload"]
    comms, cases = frames["communications"], frames["cases"]
    letters = comms[comms["type"].ne("press_release")]
    # By year, not by count: idxmax then takes the earliest of tied years on every CPU.
    per_year = comms["date"].dt.year.value_counts(sort=False).sort_index()
    mentions = cases["individual_id"].value_counts()
    peak = cs["peak_year_communications"]
    dated = cases_with_dates(frames)
    out = [
        _t("communications", cs["communications"], len(comms), 0.01, DATA, relative=True),
        _t("letters naming defenders", cs["communications_with_individual_cases"],
           letters["named_individuals"].gt(0).sum(), 0.01, "fn. 4", relative=True),
        # The three published counts (3,807 + 560 + 139) leave 5 of 4,511 unaccounted.
        _t("letters naming nobody", cs["communications_without_names"],
           letters["named_individuals"].eq(0).sum(), 15, "fn. 3"),
        _t("press releases", cs["press_releases"], comms["type"].eq("press_release").sum(),
           0.05, "fn. 3", relative=True),
        _t("communications to non-state entities", cs["communications_to_non_state_entities"],
           comms["addressee"].eq("non_state").sum(), 3, "fn. 11"),
        _t("cases", cs["individual_cases"], len(cases), 0.01, DATA, relative=True),
        _t("individuals (approx.)", cs["individuals_approx"], len(mentions), 0.03, RESPONSES,
           relative=True),
        _t("share of individuals mentioned once", cs["share_individuals_mentioned_once"],
           mentions.eq(1).mean(), 0.02, RESPONSES),
        _t(f"communications in {peak['year']} (peak)", peak["count"],
           per_year.get(peak["year"], 0), 0.03, "Fig. 4", relative=True),
        _t("peak year of communications", peak["year"], per_year.idxmax(), 0, "Fig. 4"),
    ]
    for year, count in cs["low_years_communications"].items():
        out.append(_t(f"communications in {year} (low)", count, per_year.get(int(year), 0),
                      0.03, "Fig. 4", relative=True))
    for holder, mean in cs["cases_per_year_mean"].items():
        n = dated["holder"].eq(holder).sum()
        out.append(_t(f"cases per year under {holder}", mean, n / holder_years(holder),
                      25, f"{CASELOAD}, fn. 7"))
    return out


def _violation_targets(cases: pd.DataFrame) -> list[Target]:
    v = published()["caseload"]["violations_share_of_cases"]
    trial = cases["viol_trial"]
    return [
        _at_least("detention share (> 0.50)", number(v["detention"]),
                  cases["viol_detention"].mean(), 0.10, "Fig. 1"),
        _t("torture / physical attack share", v["torture_or_physical_attack"],
           cases["viol_torture"].mean(), 0.02, "Fig. 1"),
        _t("killings", v["killing_count"], cases["viol_killing"].sum(), 0.03, "Fig. 1",
           relative=True),
        _t("threats share", v["threats"], cases["viol_threats"].mean(), 0.02, "Fig. 1"),
        _t("relatives targeted share", v["relatives_targeted"], cases["viol_relatives"].mean(),
           0.01, "Fig. 1"),
        _t("trial share", v["trial"], trial.mean(), 0.015, "Fig. 1"),
        # "at least half of trial cases" were convicted.
        _at_least("conviction share of trial cases (>= 0.50)", 0.5,
                  cases.loc[trial, "viol_conviction"].mean(), 0.15, "Fig. 1"),
        _t("administrative measures share", v["administrative_measures"],
           cases[ADMINISTRATIVE].any(axis=1).mean(), 0.015, "Fig. 1 and text"),
    ]


def _profile_targets(frames: dict[str, pd.DataFrame]) -> list[Target]:
    cs = published()["caseload"]
    cases = frames["cases"]
    women, prot, issues = cs["women_share"], cs["protesters"], cs["issue_areas"]
    column = {"detention": "viol_detention", "trial": "viol_trial", "killing": "viol_killing",
              "threats": "viol_threats", "defamation": "viol_defamation",
              "relatives_targeted": "viol_relatives"}
    out = [_t("women share, all cases", women["all_cases"], women_share(cases), 0.015,
              PROFILES)]
    for key, col in column.items():
        out.append(_t(f"women share, {key.replace('_', ' ')}", women[key],
                      women_share(cases[cases[col]]), 0.03, PROFILES))
    det = cases["viol_detention"]
    out += [
        _t("protesters", prot["count"], cases["protester"].sum(), 0.03, PROFILES,
           relative=True),
        _t("protesters among detainees", prot["share_of_detainees"],
           cases.loc[det, "protester"].mean(), 0.03, PROFILES),
        _t("protesters among non-detention cases", prot["share_of_non_detention_cases"],
           cases.loc[~det, "protester"].mean(), 0.03, PROFILES),
    ]
    land = cases["issue_land_environment"]
    lei = land_env_indigenous(cases)
    kill = cases["viol_killing"]
    out += [
        _t("land/environment share", issues["land_environment"], land.mean(), 0.015, "Fig. 2"),
        _t("land/environment/indigenous share", issues["land_environment_indigenous"],
           lei.mean(), 0.02, "Fig. 2"),
        _t("land/environment share of killings", issues["land_env_share_of_killings"],
           land[kill].mean(), 0.04, PROFILES),
        _t("land/environment share of non-lethal cases", issues["land_env_share_of_non_lethal"],
           land[~kill].mean(), 0.015, PROFILES),
    ]
    for year, share in issues["land_env_indigenous_by_year"].items():
        out.append(_t(f"land/environment/indigenous share {year}", share,
                      lei[cases["year"].eq(int(year))].mean(), 0.04, PROFILES))
    lgbti = cases["issue_lgbti"]
    recent = cases["year"].ge(2012)   # "since 2012/13 ... stabilizing at 2 percent"
    out += [
        _t("LGBTI cases", issues["lgbti_cases"], lgbti.sum(), 10, "fn. 3"),
        _t("LGBTI communications naming defenders", issues["lgbti_communications_with_names"],
           cases.loc[lgbti, "communication_id"].nunique(), 15, "fn. 3"),
        _t("LGBTI share of cases from 2012", issues["lgbti_stable_share_from_2012"],
           lgbti[recent].mean(), 0.007, PROFILES),
        _t("cases without any issue area", number(issues["unattributable_to_any_issue"]),
           (~cases[ISSUES].any(axis=1)).mean(), 0.03, "fn. 2"),
    ]
    return out


def _joint_targets(comms: pd.DataFrame) -> list[Target]:
    joint = published()["caseload"]["joint_communications"]
    year = comms["date"].dt.year
    first, last = LAST_FOUR_YEARS
    recent_ua = comms[comms["type"].eq("urgent_appeal") & year.between(first, last)]
    zero_years = joint["hrd_alone_zero_years"]
    return [
        # "> 7" days per additional mandate; 12 is a generous plausible ceiling.
        _at_least("delay per additional mandate, days (> 7)",
                  number(joint["delay_per_additional_mandate_days"]), delay_slope(comms), 5,
                  "Fig. 5"),
        _t(f"urgent appeal delay {first}-{last}, days",
           number(joint["urgent_appeal_delay_last_four_years_days"]),
           recent_ua["delay_days"].dropna().astype(float).mean(), 5, JOINT),
        _t(f"HRD-alone communications in {'/'.join(map(str, zero_years))}", 0,
           comms.loc[year.isin(zero_years), "hrd_alone"].sum(), 0, "Fig. 4"),
    ]


def _reply_targets(frames: dict[str, pd.DataFrame]) -> list[Target]:
    r = published()["caseload"]["replies"]
    cases = frames["cases"]
    dated = cases_with_dates(frames)
    out = [
        _t("cases with any reply", r["share_cases_with_reply"],
           cases["reply_status"].ne("none").mean(), 0.02, RESPONSES),
        _t("cases with a substantive reply", r["share_cases_with_substantive_reply"],
           substantive_share(cases), 0.02, RESPONSES),
    ]
    for holder, share in r["substantive_reply_by_mandate_holder"].items():
        out.append(_t(f"substantive replies under {holder}", share,
                      substantive_share(dated[dated["holder"].eq(holder)]), 0.02, RESPONSES))
    out += [
        _at_least("rejections among known substantive replies (> 0.66)",
                  number(r["share_replies_rejecting"]), rejection_share(cases), 0.15, RESPONSES),
        _t("mean reply delay, days", r["mean_response_days"], mean_reply_days(cases), 10,
           RESPONSES),
    ]
    by_country = dict(tuple(cases.groupby("country")))
    empty = cases.iloc[0:0]
    for name, months in r["mean_response_months"].items():
        got = mean_reply_days(by_country.get(COUNTRY_CODES[name], empty)) / MONTH_DAYS
        out.append(_t(f"mean reply delay {name}, months", months, got, 1.0, RESPONSES))
    for name, days in r["mean_response_days_fast"].items():
        got = mean_reply_days(by_country.get(COUNTRY_CODES[name], empty))
        out.append(_t(f"mean reply delay {name}, days", days, got, 0.3, RESPONSES, relative=True))
    india = by_country.get(COUNTRY_CODES["India"], empty)
    argentina = by_country.get(COUNTRY_CODES["Argentina"], empty)
    ind, arg = r["india"], r["argentina"]
    out += [
        _t("India: cases", ind["cases"], len(india), 0.02, RESPONSES, relative=True),
        _t("India: cases with a substantive reply", ind["replied"],
           india["reply_status"].eq("substantive").sum(), 6, RESPONSES),
        _t("India: rejection share", ind["rejection_share"], rejection_share(india), 0.06,
           RESPONSES),
        _t("Argentina: cases", arg["cases"], len(argentina), 0.02, RESPONSES, relative=True),
        _t("Argentina: substantive reply share", arg["reply_share"],
           substantive_share(argentina), 0.05, RESPONSES),
        _t("Argentina: rejection share", arg["rejection_share"], rejection_share(argentina),
           0.04, RESPONSES),
    ]
    return out
