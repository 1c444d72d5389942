"""Synthetic `communications` and `cases`, calibrated to Chasing Shadows (Spannagel 2018).

The generator follows the order in which the study's database came about: the
communications of each year (how many, what kind, how many mandates signed, how
late), the defenders each one names (cases), who those defenders are (repeated
mentions, gender), what was done to them (violations, protest, issue areas) and how
the state answered. Published aggregates are inputs read from published.yml
(section `caseload`); every value the study does not publish is chosen here and
marked "chosen" with the reason. Outputs are pseudonymous: ids only, no names.
"""
from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pandas as pd

from ...published import published
from ..calibration.caseload import (COUNTRY_CODES, MONTH_DAYS, holder_periods, mandate_holder,
                                    number)
from ..codebook import tables

CS = published()["caseload"]
_VIOL = CS["violations_share_of_cases"]
_WOMEN = CS["women_share"]
_PROT = CS["protesters"]
_ISSUE = CS["issue_areas"]
_JOINT = CS["joint_communications"]
_REPLY = CS["replies"]

# --- Communications per year ---------------------------------------------------------
# comms    communications issued in the year (p = published, CS2018 Fig. 4; the other
#          years are chosen to rise until 2008 and recover slightly after 2011, then
#          scaled so the total is the published 4,511).
# press    relative number of press releases (chosen: more in later years, section
#          'Caseload Over the Years'), scaled to the published 139.
# no_name  relative number of letters naming nobody (legislation, mass violations;
#          chosen to grow after 2011, same section), scaled to what the published totals leave.
# cases    cases per full year, as a shape within each mandate holder's term (chosen);
#          the level comes from the published holder means (862, 545; fn. 7).
# alone    share of communications sent by the HRD mandate alone (chosen, falling;
#          p = none in 2012 and 2013, Fig. 4).
# cosign   mean number of co-signing mandates beyond the first partner (chosen, rising;
#          2013-16 set so urgent appeals then take about 30 days, 'Joint Communications').
# urgent   share of urgent appeals among letters naming defenders (chosen: falling after
#          2010, Fig. 4 red curve).
# lei      share of cases on land, environmental or indigenous rights (p = published,
#          'Profiles'; other years chosen so that the overall share is about 0.13).
_YEAR_TABLE = """
year comms press no_name cases alone cosign urgent lei
2000    25     0      3   210  .35   .20   .75   .10
2001   110     1     12   330  .30   .25   .75   .11
2002   170     2     18   500  .28   .30   .75   .12
2003   230     3     24   650  .25   .35   .75   p
2004   300     4     30   780  .22   .40   .75   .11
2005   340     5     32   860  .20   .50   .75   .10
2006   380     6     35   940  .18   .60   .75   .12
2007   420     7     38  1008  .15   .70   .75   p
2008   p       8     40  1035  .13   .80   .75   .11
2009   330     8     32  1050  .10   .90   .74   .10
2010   p       9     25   850  .08  1.00   .72   .10
2011   p      10     28   800  .05  1.10   .70   .10
2012   245    12     38   820   p   1.20   .66   .15
2013   250    13     45   760   p   1.35   .62   .13
2014   255    15     52   650  .02  1.45   .56   .15
2015   262    17     55   540  .02  1.50   .50   .17
2016   254    19     58   483  .015 1.55   .46   p
"""


def _year_table() -> pd.DataFrame:
    """The per-year table with the published cells filled in from published.yml."""
    t = pd.read_csv(io.StringIO(_YEAR_TABLE), sep=r"\s+", na_values=["p"], index_col="year")
    peak = CS["peak_year_communications"]
    t.loc[peak["year"], "comms"] = peak["count"]
    for year, count in CS["low_years_communications"].items():
        t.loc[int(year), "comms"] = count
    for year in _JOINT["hrd_alone_zero_years"]:
        t.loc[year, "alone"] = 0.0
    for year, share in _ISSUE["land_env_indigenous_by_year"].items():
        t.loc[int(year), "lei"] = share
    if t.isna().any().any():
        raise ValueError("caseload year table: a 'p' cell has no value in published.yml")
    return t


YEARS = _year_table()

# --- Kinds of communication --------------------------------------------------------
# Press releases name nobody here: the study leaves them out of its case figures
# (fn. 3), so named_individuals always equals a communication's rows in `cases`.
LETTER_TYPES = ["urgent_appeal", "allegation_letter", "other_letter"]
# Letters naming nobody concern legislation or mass violations: mostly allegation or
# other letters (chosen).
NO_NAME_TYPES = [0.15, 0.45, 0.40]
OTHER_LETTER_SHARE = 0.07        # of named non-urgent letters (chosen)
# Skew of names per communication: most name one or two defenders, a few name dozens
# (chosen; Dirichlet concentration of the extra names within a year).
NAMES_CONCENTRATION = 0.25
MAX_NAMES = 500                  # codebook maximum of named_individuals

# --- Delay from the last incident to issue (CS2018 Fig. 5) ---------------------------
DELAY_PER_MANDATE = 9.5          # chosen; published "> 7" days per additional mandate
BASE_DELAY = {"urgent_appeal": 7, "allegation_letter": 40, "other_letter": 60,
              "press_release": 7}  # chosen: an appeal by one mandate takes about a week
DELAY_SHAPE = 4                  # gamma shape of the spread around the mean (chosen)
DELAY_UNKNOWN = {"named": 0.06, "no_name": 0.35, "press": 0.5}  # chosen

# --- Countries -----------------------------------------------------------------------
# General pool, most frequent first; weights fall with rank so a few countries get
# hundreds of cases and a long tail a handful (chosen, after the map of Fig. 3).
GENERAL_COUNTRIES = """
IRN COL MEX CHN RUS GTM BHR EGY SDN TUR BLR UZB VNM ZWE SYR PHL HND BRA IDN LKA NPL KEN
COD BDI ETH AZE PAK BGD MMR THA MYS KHM TUN DZA MAR YEM ARE QAT KWT JOR ISR PSE LBY IRQ
LBN TJK KAZ KGZ TKM GEO ARM UKR MDA SRB GRC ESP FRA GBR ITA PER ECU BOL VEN CHL PRY NIC
SLV HTI CUB DOM PAN CMR NGA NER TCD TGO BEN GIN SEN GMB MLI BFA CIV LBR SLE RWA UGA TZA
MWI ZMB MOZ SWZ ZAF DJI ERI SOM MDV MNG KOR PRK JPN AFG LAO FJI PNG AUS CAN
""".split()
RANK_OFFSET, RANK_POWER = 5, 1.25

# Countries the study names (p = published). cases: cases raised; sub: share of cases
# with a substantive reply; rej: share of rejections among known reply contents;
# days: mean days to a substantive reply. Months are converted at 365.25 / 12 days.
# Unpublished cells are chosen: enough cases for a stable mean delay, and reply
# behaviour in line with the colour of Fig. 6.
_MONTHS, _FAST = _REPLY["mean_response_months"], _REPLY["mean_response_days_fast"]
_IND, _ARG = _REPLY["india"], _REPLY["argentina"]
NAMED_COUNTRIES = {  # code: (cases, sub, rej, days)
    "IND": (_IND["cases"], _IND["replied"] / _IND["cases"], _IND["rejection_share"],
            _MONTHS["India"] * MONTH_DAYS),                          # all published
    "ARG": (_ARG["cases"], _ARG["reply_share"], _ARG["rejection_share"], 90),  # days chosen
    "SAU": (150, 0.45, 0.85, _MONTHS["Saudi Arabia"] * MONTH_DAYS),  # days published
    "USA": (100, 0.65, 0.55, _MONTHS["United States"] * MONTH_DAYS),
    "OMN": (30, 0.70, 0.50, _FAST["Oman"]),
    "MRT": (30, 0.70, 0.40, _FAST["Mauritania"]),
    "AGO": (40, 0.60, 0.45, _FAST["Angola"]),
}
if set(NAMED_COUNTRIES) != set(COUNTRY_CODES.values()):
    raise ValueError("caseload: NAMED_COUNTRIES must cover every country of COUNTRY_CODES")
NAMED_COUNTRY_RANK = 30          # their weight for communications naming nobody (chosen)

# --- Defenders -----------------------------------------------------------------------
GENDER = {"female": _WOMEN["all_cases"], "trans": 0.004, "unknown": 0.012}  # p, chosen, chosen
MAX_MENTIONS = published()["sample"]["mentions"]["max_further_mentions"] + 1   # wp2019
MENTION_POWER = 3.6              # mentions of repeated defenders ~ k^-3.6 (chosen)

# Violations: (share of cases, women's share among those cases or None = no gender
# difference). Published shares from Fig. 1 and 'Profiles'; the rest chosen from the
# bar lengths of Fig. 1. Detention is set so the published protester count follows
# from the protester shares among detainees and non-detainees (> 0.50 as published).
DETENTION = ((_PROT["count"] / CS["individual_cases"] - _PROT["share_of_non_detention_cases"])
             / (_PROT["share_of_detainees"] - _PROT["share_of_non_detention_cases"]))
VIOLATIONS = {
    "viol_detention": (DETENTION, _WOMEN["detention"]),
    "viol_torture": (_VIOL["torture_or_physical_attack"], 0.17),           # women chosen
    "viol_disappearance": (0.06, None),
    "viol_failure_to_intervene": (0.07, None),
    "viol_threats": (_VIOL["threats"], _WOMEN["threats"]),
    "viol_relatives": (_VIOL["relatives_targeted"], _WOMEN["relatives_targeted"]),
    "viol_surveillance": (0.04, None),
    "viol_defamation": (0.07, _WOMEN["defamation"]),
    "viol_trial": (_VIOL["trial"], _WOMEN["trial"]),
    "viol_raid": (0.07, None),
    # The four administrative measures together come to about the published 8%.
    "viol_travel_restriction": (0.018, None),
    "viol_admin_harassment": (0.056, None),
    "viol_disciplinary": (0.02, None),
    "viol_expulsion": (0.007, None),
    "viol_citizenship_revoked": (0.003, None),
}
# Killings are the deadly part of torture / physical attack ("as a consequence of
# which 851 were killed", text under Fig. 1), so they are drawn inside it.
KILLING = (_VIOL["killing_count"] / CS["individual_cases"], _WOMEN["killing"])
CONVICTION_OF_TRIAL = 0.55       # chosen; published "at least half"
# Share of a case's draws that copy its communication's draw: defenders named together
# often share their fate (chosen).
CLUSTER = 0.4
PROTEST_CLUSTER = 0.8            # protesters are named in groups (chosen)

# --- Issue areas (Fig. 2) --------------------------------------------------------------
LAND_ENV_SHARE = {True: _ISSUE["land_env_share_of_killings"],        # killed
                  False: _ISSUE["land_env_share_of_non_lethal"]}      # not killed
INDIGENOUS_ONLY = _ISSUE["land_environment_indigenous"] - _ISSUE["land_environment"]
INDIGENOUS_WITH_LAND = 0.30      # land/environment cases also on indigenous rights (chosen)
NO_ISSUE = number(_ISSUE["unattributable_to_any_issue"])
# Other Fig. 2 groups, shares of all cases (chosen, read off the bars of Fig. 2).
OTHER_ISSUES = {"issue_democratic": 0.22, "issue_socioeconomic": 0.15,
                "issue_impunity": 0.14, "issue_cultural": 0.12, "issue_women": 0.07}
LGBTI_FROM = 2012                # "since 2012/13", 'Profiles'
LGBTI_MAX_NAMES = 4              # LGBTI letters name few people: 157 cases in 92 (fn. 3)
LGBTI_TRIES = 25

# --- Replies -------------------------------------------------------------------------
# A state answers a communication, not each defender: all cases of a communication
# share the reply status and the reply's delay. The content is coded per case, since
# one reply can reject the allegation for one defender and report steps for another.
# Immaterial replies (acknowledgements): the published gap between any and substantive
# replies, taken as the same in every term (chosen).
IMMATERIAL = _REPLY["share_cases_with_reply"] - _REPLY["share_cases_with_substantive_reply"]
COUNTRY_RESPONSIVENESS_SD = 0.8  # spread of states' willingness to reply, logit (chosen)
# Content of substantive replies per holder: rejection, steps_taken, other, unknown
# (chosen; rejections rise over time, 'States' Responses', and exceed 2/3 of known contents).
CONTENTS = ["rejection", "steps_taken", "other", "unknown"]
REPLY_CONTENT = {"Jilani": [0.61, 0.22, 0.09, 0.08], "Sekaggya": [0.66, 0.18, 0.08, 0.08],
                 "Forst": [0.72, 0.14, 0.06, 0.08]}
NAMED_COUNTRY_STEPS = 0.7        # of non-rejections in the named countries (chosen)
REPLY_DELAY_SD = 0.4             # spread of countries' mean reply delay, log scale (chosen)
REPLY_SHAPE = {"general": 3, "named": 10}  # gamma shape per reply (chosen)


def simulate_caseload(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(communications, cases) in codebook columns and types, deterministic given rng.

    Each block (communications, the defenders they name, replies) draws from its own
    child stream of rng, so a change in one block never shifts the draws of another.
    """
    comms_rng, cases_rng, replies_rng = rng.spawn(3)
    comms = _communications(comms_rng)
    cases = _cases(cases_rng, comms)
    _replies(replies_rng, comms, cases)
    return _communications_table(comms), _cases_table(cases)


def _stable_smallest(score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k smallest scores; equal scores in position order.

    Defenders named in one letter share its draw, so equal scores are common: the
    order among them must not depend on how a SIMD sort orders equal keys.
    """
    return np.argsort(score, kind="stable")[:k]


# --- communications ----------------------------------------------------------------------

def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative values to integers that add up to `total`.

    In exact rational arithmetic (each float as the fraction it is), so no rounding
    decision hangs on the last bits of a float; equal remainders go to the earlier
    position.
    """
    exact = [Fraction(float(v)) for v in np.asarray(values, float)]
    whole = sum(exact)
    quotas = [v * int(total) / whole for v in exact]
    out = np.array([q.numerator // q.denominator for q in quotas], dtype=int)
    remainders = [q - int(o) for q, o in zip(quotas, out)]
    # Largest remainder first, ties by position (sorted() is stable).
    order = sorted(range(len(quotas)), key=lambda i: remainders[i], reverse=True)
    out[order[: int(total) - int(out.sum())]] += 1
    return out


def _segments() -> pd.DataFrame:
    """One row per stretch of a year under one mandate holder, with its first day and length."""
    rows = []
    for holder, start, end in holder_periods():
        for year in range(start.year, (end - pd.Timedelta(days=1)).year + 1):
            s = max(start, pd.Timestamp(year, 1, 1))
            e = min(end, pd.Timestamp(year + 1, 1, 1))
            rows.append({"year": year, "holder": holder, "start": s, "days": (e - s).days})
    return pd.DataFrame(rows)


def _communication_plan() -> pd.DataFrame:
    """How many named letters, no-name letters, press releases and cases each segment has."""
    seg = _segments()
    counts = YEARS["comms"].to_numpy(float)
    fixed = YEARS.index.isin([CS["peak_year_communications"]["year"],
                              *map(int, CS["low_years_communications"])])
    # Published years stay as published; the others share what the total leaves.
    counts[~fixed] = _largest_remainder(counts[~fixed],
                                        int(CS["communications"] - counts[fixed].sum()))
    comms = pd.Series(counts.astype(int), index=YEARS.index)
    press = pd.Series(_largest_remainder(YEARS["press"], CS["press_releases"]), YEARS.index)
    named_total = CS["communications_with_individual_cases"]
    no_name = pd.Series(_largest_remainder(
        YEARS["no_name"], CS["communications"] - CS["press_releases"] - named_total), YEARS.index)
    named = comms - press - no_name
    seg["share"] = seg["days"] / seg.groupby("year")["days"].transform("sum")
    for name, per_year in {"named": named, "no_name": no_name, "press": press}.items():
        seg[name] = _split_years(seg, per_year)
    seg["cases"] = _cases_per_segment(seg)
    if (seg["cases"] < seg["named"]).any():
        raise ValueError("caseload year table: fewer cases than letters naming defenders")
    return seg


def _split_years(seg: pd.DataFrame, per_year: pd.Series) -> np.ndarray:
    """Share each year's count out to its segments by their number of days."""
    out = np.zeros(len(seg), int)
    for year, idx in seg.groupby("year").groups.items():
        out[seg.index.get_indexer(idx)] = _largest_remainder(seg.loc[idx, "share"],
                                                             int(per_year[year]))
    return out


def _cases_per_segment(seg: pd.DataFrame) -> np.ndarray:
    """Cases per segment: the year shape, levelled per holder to the published means.

    Holders with a published mean (Sekaggya, Forst) get mean x years in office; the
    remaining holder (Jilani) gets what the published total leaves.
    """
    rate = YEARS["cases"].reindex(seg["year"]).to_numpy() * seg["days"].to_numpy() / 365.25
    holder = seg["holder"].to_numpy()
    in_office = seg.groupby("holder")["days"].sum() / 365.25
    means = CS["cases_per_year_mean"]
    wanted = {h: means[h] * in_office[h] for h in means}
    rest = [h for h in in_office.index if h not in means]
    if len(rest) != 1:
        raise ValueError(f"published.yml caseload: expected one holder without a mean, got {rest}")
    wanted[rest[0]] = CS["individual_cases"] - sum(wanted.values())
    level = np.array([wanted[h] / rate[holder == h].sum() for h in holder])
    return _largest_remainder(rate * level, CS["individual_cases"])


def _names_per_letter(rng: np.random.Generator, letters: int, cases: int) -> np.ndarray:
    """Defenders named in each letter: one each, the rest spread very unevenly."""
    share = rng.dirichlet(np.full(letters, NAMES_CONCENTRATION))
    sizes = 1 + rng.multinomial(cases - letters, share)
    while sizes.max() > MAX_NAMES:   # hand the excess of an outsized letter to others
        big = sizes.argmax()
        excess, sizes[big] = sizes[big] - MAX_NAMES, MAX_NAMES
        np.add.at(sizes, rng.integers(0, letters, excess), 1)
    return sizes


def _communications(rng: np.random.Generator) -> pd.DataFrame:
    """Communications with date, kind, names, type, mandates, delay, addressee, country."""
    # One stream per block: dates and names, type, mandates, delay, addressee, country.
    rng, types_rng, mandates_rng, delay_rng, addressee_rng, country_rng = rng.spawn(6)
    parts = []
    for seg in _communication_plan().itertuples(index=False):
        n = seg.named + seg.no_name + seg.press
        kind = np.repeat(["named", "no_name", "press"], [seg.named, seg.no_name, seg.press])
        size = np.zeros(n, int)
        if seg.named:
            size[: seg.named] = _names_per_letter(rng, seg.named, seg.cases)
        day = rng.integers(0, seg.days, n)
        parts.append(pd.DataFrame({"date": seg.start + pd.to_timedelta(day, unit="D"),
                                   "kind": kind, "size": size, "year": seg.year}))
    comms = pd.concat(parts, ignore_index=True)
    # Ids follow issue dates, so a later id is never an earlier communication.
    comms = comms.iloc[np.lexsort((rng.random(len(comms)), comms["date"].to_numpy()))]
    comms = comms.reset_index(drop=True)
    comms["communication_id"] = [f"C{i:05d}" for i in range(1, len(comms) + 1)]
    comms["holder"] = mandate_holder(comms["date"]).to_numpy()
    comms["type"] = _types(types_rng, comms)
    comms["mandates"] = _mandates(mandates_rng, comms["year"])
    comms["delay_days"] = _issue_delay(delay_rng, comms)
    comms["addressee"] = _addressees(addressee_rng, comms["kind"])
    comms["country"] = _countries(country_rng, comms["size"].to_numpy())
    return comms


def _types(rng: np.random.Generator, comms: pd.DataFrame) -> np.ndarray:
    """Urgent appeal, allegation or other letter; press releases are their own type."""
    urgent = YEARS["urgent"].reindex(comms["year"]).to_numpy()
    u = rng.random(len(comms))
    named = np.where(u < urgent, "urgent_appeal",
                     np.where(u < urgent + (1 - urgent) * (1 - OTHER_LETTER_SHARE),
                              "allegation_letter", "other_letter"))
    unnamed = rng.choice(LETTER_TYPES, size=len(comms), p=NO_NAME_TYPES)
    kind = comms["kind"].to_numpy()
    return np.where(kind == "press", "press_release", np.where(kind == "named", named, unnamed))


def _mandates(rng: np.random.Generator, year: pd.Series) -> np.ndarray:
    """Signing mandates: 1 when the HRD mandate wrote alone, else 2 + Poisson(co-signers)."""
    alone = rng.random(len(year)) < YEARS["alone"].reindex(year).to_numpy()
    joint = 2 + rng.poisson(YEARS["cosign"].reindex(year).to_numpy())
    return np.where(alone, 1, joint)


def _issue_delay(rng: np.random.Generator, comms: pd.DataFrame) -> pd.array:
    """Days from the last incident to issue: each extra mandate adds DELAY_PER_MANDATE."""
    mean = comms["type"].map(BASE_DELAY).to_numpy() + DELAY_PER_MANDATE * (comms["mandates"] - 1)
    days = np.rint(mean * rng.gamma(DELAY_SHAPE, 1 / DELAY_SHAPE, len(comms)))
    unknown = rng.random(len(comms)) < comms["kind"].map(DELAY_UNKNOWN).to_numpy()
    return pd.array(np.where(unknown, np.nan, np.clip(days, 0, 3650)), dtype="Int64")


def _addressees(rng: np.random.Generator, kind: pd.Series) -> np.ndarray:
    """A published number of letters go to non-state entities, the rest to states."""
    out = np.full(len(kind), "state", dtype=object)
    letters = np.flatnonzero(kind.to_numpy() != "press")
    chosen = rng.choice(letters, CS["communications_to_non_state_entities"], replace=False)
    out[chosen] = "non_state"
    return out


def _rank_weights(n: int) -> np.ndarray:
    """Draw weights falling with rank (a Zipf-like tail)."""
    w = (np.arange(n) + RANK_OFFSET) ** -RANK_POWER
    return w / w.sum()


def _countries(rng: np.random.Generator, size: np.ndarray) -> np.ndarray:
    """Countries: the named countries get their case counts, the rest a skewed draw."""
    out = np.empty(len(size), dtype=object)
    named_letters = rng.permutation(np.flatnonzero(size > 0))
    for code, (cases, *_rest) in NAMED_COUNTRIES.items():
        left = int(cases)
        for i in named_letters:
            if out[i] is None and size[i] <= left:
                out[i], left = code, left - size[i]
                if left == 0:
                    break
    free = np.array([c is None for c in out])
    general = _rank_weights(len(GENERAL_COUNTRIES))
    out[free & (size > 0)] = rng.choice(GENERAL_COUNTRIES, (free & (size > 0)).sum(), p=general)
    # Letters naming nobody and press releases can concern any country, the named ones too.
    every = GENERAL_COUNTRIES + list(NAMED_COUNTRIES)
    w = np.concatenate([general, np.full(len(NAMED_COUNTRIES), general[NAMED_COUNTRY_RANK])])
    out[size == 0] = rng.choice(every, (size == 0).sum(), p=w / w.sum())
    return out


# --- cases -------------------------------------------------------------------------------

def _cases(rng: np.random.Generator, comms: pd.DataFrame) -> pd.DataFrame:
    """One row per named defender, with person, gender, violations, protest and issues."""
    size = comms["size"].to_numpy()
    comm = np.repeat(np.arange(len(comms)), size)
    cases = pd.DataFrame({"comm": comm,
                          "communication_id": comms["communication_id"].to_numpy()[comm],
                          "year": comms["year"].to_numpy()[comm],
                          "country": comms["country"].to_numpy()[comm],
                          "holder": comms["holder"].to_numpy()[comm]})
    cases["case_id"] = [f"K{i:06d}" for i in range(1, len(cases) + 1)]
    # One stream per block: who is named, gender, violations, protest, issue areas.
    people_rng, gender_rng, violations_rng, protest_rng, issues_rng = rng.spawn(5)
    person = _people(people_rng, cases)
    cases["individual_id"] = [f"P{i:06d}" for i in person + 1]
    genders = gender_rng.choice(["female", "trans", "unknown", "male"], person.max() + 1,
                         p=[*GENDER.values(), 1 - sum(GENDER.values())])
    cases["gender"] = genders[person]
    female = cases["gender"].eq("female").to_numpy()
    for name, flags in _violations(violations_rng, comm, len(comms), female).items():
        cases[name] = flags
    cases["protester"] = _protesters(protest_rng, comm, len(comms),
                                     cases["viol_detention"].to_numpy())
    for name, flags in _issues(issues_rng, cases, len(comms), size).items():
        cases[name] = flags
    return cases


def _mention_counts(rng: np.random.Generator, people: int, cases: int) -> np.ndarray:
    """Mentions of each repeatedly named defender (2..MAX_MENTIONS), adding up exactly."""
    k = np.arange(2, MAX_MENTIONS + 1)
    p = k ** -MENTION_POWER
    counts = rng.choice(k, people, p=p / p.sum())
    while counts.sum() != cases:   # nudge single people until the total is met
        if counts.sum() > cases:
            i = rng.choice(np.flatnonzero(counts > 2))
            counts[i] -= 1
        else:
            i = rng.choice(np.flatnonzero(counts < MAX_MENTIONS))
            counts[i] += 1
    return np.sort(counts)[::-1]


def _people(rng: np.random.Generator, cases: pd.DataFrame) -> np.ndarray:
    """Person index per case; repeated defenders are named again in later letters.

    A repeated defender's mentions stay in one country, come from distinct
    communications close together in time (follow-ups on new developments), and are
    numbered in order of first mention.
    """
    n = len(cases)
    individuals = CS["individuals_approx"]
    once = round(CS["share_individuals_mentioned_once"] * individuals)
    counts = _mention_counts(rng, individuals - once, n - once)
    # country -> {communication -> its still unassigned cases}; cases are in date order
    free: dict[str, dict[int, list[int]]] = {}
    for i, (country, comm) in enumerate(zip(cases["country"], cases["comm"])):
        free.setdefault(country, {}).setdefault(comm, []).append(i)
    person = np.full(n, -1)
    for p, k in enumerate(counts):
        countries = [c for c, d in free.items() if len(d) >= k]
        weight = np.array([sum(map(len, free[c].values())) for c in countries], float)
        country = countries[rng.choice(len(countries), p=weight / weight.sum())]
        comms = sorted(free[country])
        width = min(len(comms), 3 * k)
        start = rng.integers(0, len(comms) - width + 1)
        for comm in sorted(rng.choice(comms[start:start + width], k, replace=False)):
            slot = free[country][comm]
            person[slot.pop(rng.integers(len(slot)))] = p
            if not slot:
                del free[country][comm]
    alone = np.flatnonzero(person < 0)
    person[alone] = len(counts) + np.arange(len(alone))
    _, first = np.unique(person, return_index=True)       # renumber by first mention
    rank = np.empty(len(first), int)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[person]


def _shared_uniforms(rng: np.random.Generator, comm: np.ndarray, n_comms: int,
                     k: int, cluster: float) -> np.ndarray:
    """Uniform draws per case; a share `cluster` of them are the communication's draw."""
    own = rng.random((len(comm), k))
    common = rng.random((n_comms, k))[comm]
    return np.where(rng.random((len(comm), k)) < cluster, common, own)


def _exactly(u: np.ndarray, chance: np.ndarray, k: int, among: np.ndarray | None = None
             ) -> np.ndarray:
    """Flag the k cases (of `among`) with the smallest u / chance.

    Equivalent to u < c * chance with c set so exactly k cases qualify: the clustered
    draws keep defenders of one letter together, while a published share or count is
    met exactly instead of by a draw that big letters make noisy.
    """
    among = np.ones(len(u), bool) if among is None else among
    idx = np.flatnonzero(among)
    flags = np.zeros(len(u), bool)
    k = int(min(max(k, 0), len(idx)))
    if k:
        with np.errstate(divide="ignore"):
            score = u[idx] / chance[idx]
        flags[idx[_stable_smallest(score, k)]] = True
    return flags


def _by_gender(u: np.ndarray, flagged: int, women: float | None, female: np.ndarray,
               among: np.ndarray) -> np.ndarray:
    """Flag `flagged` cases of `among`, a published share of them women (None: any gender)."""
    ones = np.ones(len(u))
    if women is None:
        return _exactly(u, ones, flagged, among)
    to_women = round(flagged * women)
    return (_exactly(u, ones, to_women, among & female)
            | _exactly(u, ones, flagged - to_women, among & ~female))


def _violations(rng: np.random.Generator, comm: np.ndarray, n_comms: int,
                female: np.ndarray) -> dict[str, np.ndarray]:
    """Violation flags at the published shares and women's shares.

    Killing lies within torture / physical attack, conviction within trial.
    """
    n = len(comm)
    everyone = np.ones(n, bool)
    names = list(VIOLATIONS)
    u = _shared_uniforms(rng, comm, n_comms, len(names) + 2, CLUSTER)
    out = {name: _by_gender(u[:, j], round(share * n), women, female, everyone)
           for j, (name, (share, women)) in enumerate(VIOLATIONS.items())}
    killing = _by_gender(u[:, -2], round(KILLING[0] * n), KILLING[1], female, everyone)
    torture, torture_women = VIOLATIONS["viol_torture"]
    to_women = round(torture * n * torture_women) - (killing & female).sum()
    to_others = round(torture * n) - killing.sum() - to_women
    u_attack = u[:, names.index("viol_torture")]
    attacked = (_exactly(u_attack, np.ones(n), to_women, ~killing & female)
                | _exactly(u_attack, np.ones(n), to_others, ~killing & ~female))
    out["viol_killing"] = killing
    out["viol_torture"] = killing | attacked
    trial = out["viol_trial"]
    convicted = round(CONVICTION_OF_TRIAL * trial.sum())
    out["viol_conviction"] = _exactly(u[:, -1], np.ones(n), convicted, trial)
    return out


def _protesters(rng: np.random.Generator, comm: np.ndarray, n_comms: int,
                detained: np.ndarray) -> np.ndarray:
    """Protesters: far more common among detainees (CS2018 'Profiles')."""
    u = _shared_uniforms(rng, comm, n_comms, 1, PROTEST_CLUSTER)[:, 0]
    ones = np.ones(len(u))
    return (_exactly(u, ones, round(_PROT["share_of_detainees"] * detained.sum()), detained)
            | _exactly(u, ones, round(_PROT["share_of_non_detention_cases"] * (~detained).sum()),
                       ~detained))


def _issues(rng: np.random.Generator, cases: pd.DataFrame, n_comms: int,
            size: np.ndarray) -> dict[str, np.ndarray]:
    """Issue-area flags: land/environment/indigenous by year and killing, LGBTI, the rest."""
    comm = cases["comm"].to_numpy()
    u = _shared_uniforms(rng, comm, n_comms, 4, CLUSTER)
    killed = cases["viol_killing"].to_numpy()
    land_p = np.where(killed, LAND_ENV_SHARE[True], LAND_ENV_SHARE[False])
    either_p = land_p + INDIGENOUS_ONLY
    year = cases["year"].to_numpy()
    either = np.zeros(len(cases), bool)
    for y, share in YEARS["lei"].items():   # the published waves, year by year
        in_year = year == y
        either |= _exactly(u[:, 0], either_p, round(share * in_year.sum()), in_year)
    # Land/environment within those, at the published shares of killed and other cases.
    ones = np.ones(len(cases))
    land = (_exactly(u[:, 1], ones, round(LAND_ENV_SHARE[True] * killed.sum()), either & killed)
            | _exactly(u[:, 1], ones, round(LAND_ENV_SHARE[False] * (~killed).sum()),
                       either & ~killed))
    indigenous = either & (~land | (rng.random(len(cases)) < INDIGENOUS_WITH_LAND))
    lgbti_rng, other_rng = rng.spawn(2)
    lgbti = _lgbti(lgbti_rng, cases, size)
    flags = {"issue_land_environment": land, "issue_indigenous": indigenous, "issue_lgbti": lgbti}
    flags.update(_other_issues(other_rng, u[:, 2], u[:, 3], either, lgbti))
    return flags


def _lgbti(rng: np.random.Generator, cases: pd.DataFrame, size: np.ndarray) -> np.ndarray:
    """LGBTI cases: whole small letters, the published numbers before and from 2012.

    Of several random picks that meet the case count exactly, the one closest to the
    published number of letters is kept (157 cases in 92 letters, fn. 3).
    """
    comm = cases["comm"].to_numpy()
    year = cases.groupby("comm")["year"].first()
    recent_cases = cases["year"].ge(LGBTI_FROM).sum()
    from_2012 = round(_ISSUE["lgbti_stable_share_from_2012"] * recent_cases)
    total, letters = _ISSUE["lgbti_cases"], _ISSUE["lgbti_communications_with_names"]
    chosen: list[int] = []
    for recent, quota in ((False, total - from_2012), (True, from_2012)):
        pool = year.index[(year >= LGBTI_FROM) == recent].to_numpy()
        pool = pool[size[pool] <= LGBTI_MAX_NAMES]
        wanted = letters * quota / total
        picks = [_fill_quota(rng.permutation(pool), size, quota) for _ in range(LGBTI_TRIES)]
        chosen += min(picks, key=lambda pick: abs(len(pick) - wanted))
    return np.isin(comm, chosen)


def _other_issues(rng: np.random.Generator, u_informed: np.ndarray, u_primary: np.ndarray,
                  land_or_indigenous: np.ndarray, lgbti: np.ndarray) -> dict[str, np.ndarray]:
    """The other Fig. 2 groups: a main area for informed cases, a few secondary ones.

    About a quarter of cases carry no issue at all (too little information, fn. 2).
    With G groups, a main-area draw q and a secondary chance r, a group's share is
    informed * (q + (1 - q) r) + land_or_indigenous * r; r is solved so the q sum to 1.
    """
    lei = _ISSUE["land_environment_indigenous"]
    informed_share = 1 - NO_ISSUE - lei
    shares = np.array(list(OTHER_ISSUES.values()))
    g = len(shares)
    r = (shares.sum() - informed_share) / (informed_share * (g - 1) + lei * g)
    q = ((shares - lei * r) / informed_share - r) / (1 - r)
    informed = ~land_or_indigenous & ~lgbti & (u_informed < informed_share / (1 - lei))
    main = np.searchsorted(np.cumsum(q), u_primary * q.sum())
    has_issue = informed | land_or_indigenous | lgbti
    extra = rng.random((len(main), g)) < r
    return {name: (informed & (main == j)) | (has_issue & extra[:, j])
            for j, name in enumerate(OTHER_ISSUES)}


# --- replies -----------------------------------------------------------------------------

def _fill_quota(order: np.ndarray, size: np.ndarray, quota: int) -> list[int]:
    """Take communications in order while their cases fit into the quota of cases."""
    chosen, left = [], int(quota)
    for i in order:
        if left <= 0:
            break
        if size[i] <= left:
            chosen.append(int(i))
            left -= size[i]
    return chosen


def _closest_fill(rng: np.random.Generator, pool: np.ndarray, size: np.ndarray, quota: int,
                  tries: int = 25) -> list[int]:
    """Random communications whose cases add up to the quota (or as close as tries get)."""
    best: list[int] = []
    for _ in range(tries):
        pick = _fill_quota(rng.permutation(pool), size, quota)
        if size[pick].sum() > size[best].sum():
            best = pick
        if size[best].sum() == quota:
            break
    return best


def _weighted_order(rng: np.random.Generator, idx: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """A random order in which heavier items tend to come first (Efraimidis-Spirakis keys)."""
    keys = np.log(rng.random(len(idx))) / weight
    return idx[np.argsort(-keys, kind="stable")]


def _replies(rng: np.random.Generator, comms: pd.DataFrame, cases: pd.DataFrame) -> None:
    """Reply status per communication, content per case, delay per reply (adds columns)."""
    size = comms["size"].to_numpy()
    country = comms["country"].to_numpy()
    holder = comms["holder"].to_numpy()
    named_country = np.isin(country, list(NAMED_COUNTRIES))
    status = np.full(len(comms), "none", dtype=object)
    for code, (n_cases, sub, *_rest) in NAMED_COUNTRIES.items():
        mine = np.flatnonzero(country == code)
        status[_closest_fill(rng, mine, size, round(sub * n_cases))] = "substantive"
    codes = np.unique(country)
    willing = dict(zip(codes, np.exp(rng.normal(0, COUNTRY_RESPONSIVENESS_SD, len(codes)))))
    weight = np.array([willing[c] for c in country])
    shares = _REPLY["substantive_reply_by_mandate_holder"]
    for h in shares:
        in_term = holder == h
        term_cases = size[in_term].sum()
        pool = np.flatnonzero(in_term & ~named_country & (size > 0))
        done = size[in_term & (status == "substantive")].sum()
        order = _weighted_order(rng, pool, weight[pool])
        status[_fill_quota(order, size, round(shares[h] * term_cases) - done)] = "substantive"
        pool = pool[status[pool] == "none"]
        order = _weighted_order(rng, pool, weight[pool])
        status[_fill_quota(order, size, round(IMMATERIAL * term_cases))] = "immaterial"
    delay_rng, content_rng = rng.spawn(2)
    delay = _reply_delays(delay_rng, country, status == "substantive", size)
    comm = cases["comm"].to_numpy()
    cases["reply_status"] = status[comm]
    cases["reply_content"] = _reply_content(content_rng, cases)
    cases["reply_delay_days"] = pd.array(delay[comm], dtype="Int64")


def _reply_delays(rng: np.random.Generator, country: np.ndarray, replied: np.ndarray,
                  size: np.ndarray) -> np.ndarray:
    """Days to a substantive reply per communication: slow and fast states, published means.

    Every state has its own pace (named countries: published; others: spread around
    the published overall mean). A handful of replies, some naming dozens of
    defenders, carry each mean, so the draws are rescaled until the case-weighted
    means are the published ones: each named country, then all others together.
    """
    days = {code: v[3] for code, v in NAMED_COUNTRIES.items()}
    codes = np.unique(country)
    level = dict(zip(codes, _REPLY["mean_response_days"]
                     * np.exp(rng.normal(0, REPLY_DELAY_SD, len(codes)) - REPLY_DELAY_SD ** 2 / 2)))
    level.update(days)
    named = np.isin(country, list(days))
    shape = np.where(named, REPLY_SHAPE["named"], REPLY_SHAPE["general"])
    out = np.array([level[c] for c in country]) * rng.gamma(shape, 1 / shape)
    replied = replied & (size > 0)
    for code, target in days.items():
        mine = replied & (country == code)
        if mine.any():
            out[mine] *= target / np.average(out[mine], weights=size[mine])
    others = replied & ~named
    if others.any():
        wanted = _REPLY["mean_response_days"] * size[replied].sum()
        out[others] *= (wanted - (out * size)[replied & named].sum()) / (out * size)[others].sum()
    return np.where(replied, np.clip(np.rint(out), 0, 3650), np.nan)


def _exact_labels(rng: np.random.Generator, n: int, labels: list[str],
                  shares: list[float]) -> np.ndarray:
    """n labels in exactly the given proportions (rounded), in random order."""
    counts = _largest_remainder(np.asarray(shares), n) if n else np.zeros(len(labels), int)
    return rng.permutation(np.repeat(labels, counts))


def _reply_content(rng: np.random.Generator, cases: pd.DataFrame) -> np.ndarray:
    """Content of substantive replies per case; empty for the rest."""
    out = np.full(len(cases), None, dtype=object)
    sub = cases["reply_status"].eq("substantive").to_numpy()
    for code, (_, _, rejection, _) in NAMED_COUNTRIES.items():
        idx = np.flatnonzero(sub & cases["country"].eq(code).to_numpy())
        rest = 1 - rejection
        out[idx] = _exact_labels(rng, len(idx), ["rejection", "steps_taken", "other"],
                                 [rejection, rest * NAMED_COUNTRY_STEPS,
                                  rest * (1 - NAMED_COUNTRY_STEPS)])
    general = sub & ~cases["country"].isin(list(NAMED_COUNTRIES)).to_numpy()
    for holder, p in REPLY_CONTENT.items():
        idx = np.flatnonzero(general & cases["holder"].eq(holder).to_numpy())
        out[idx] = rng.choice(CONTENTS, len(idx), p=p)
    return out


# --- output tables -------------------------------------------------------------------------

def _communications_table(comms: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "communication_id": comms["communication_id"].astype(object),
        "date": comms["date"].astype("datetime64[ns]"),
        "country": comms["country"].astype(object),
        "type": comms["type"].astype(object),
        "mandates": comms["mandates"].astype("int64"),
        "hrd_alone": comms["mandates"].eq(1).astype(bool),
        "named_individuals": comms["size"].astype("int64"),
        "delay_days": comms["delay_days"].astype("Int64"),
        "addressee": comms["addressee"].astype(object),
    })


def _cases_table(cases: pd.DataFrame) -> pd.DataFrame:
    columns = tables()["cases"].columns
    out = cases[columns].copy()
    flags = [c for c in columns if c.startswith(("viol_", "issue_")) or c == "protester"]
    out[flags] = out[flags].astype(bool)
    out["year"] = out["year"].astype("int64")
    out["reply_delay_days"] = out["reply_delay_days"].astype("Int64")
    return out.reset_index(drop=True)
