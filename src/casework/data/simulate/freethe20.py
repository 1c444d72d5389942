"""Synthetic #Freethe20 long list and Urgent Action women (Myrick & Weinstein 2018).

The long list: 40 women considered for the campaign launched in September 2015;
19 featured (16 released within three years of the launch, 3 not), 21 not featured,
3 of whom (Ethiopian journalists) were released in July 2015, before the launch.

The Urgent Action (UA) women: 455 women named in Amnesty Urgent Actions in the 13
target countries, about 30% of them in Iran; 251 eligible (held at least two
months). Eligible women's time from arrest to release is drawn from a proportional
hazards model whose log-hazard ratios are the study's Table 1 model 4 coefficients
(Free the 20, five concern flags, five regions against a small 'Other' group, North
Korea), with a Weibull baseline, and right-censored at data collection. The printed
table lost its minus signs in extraction; the text only says the Free the 20
coefficient is positive, so every coefficient is taken as printed (positive).

Every woman of the long list, featured or not, was held at the launch: her arrest
date is drawn first (independently of everything else), then her detention given
that she was still held at the launch (a left-truncated draw): for the featured from
the Cox model with its Free the 20 term, for the others from a constant release
hazard of their own (LONG_LIST_RATE). How many are released within three years
is therefore a random count, not the published 16 of 19 and 2 of 18. The featured UA
women copy the dates of featured long-list women. Every release is observed only up
to the end of follow-up (data collection, or a woman's last news before it), which
does not depend on her detention: censoring is independent and administrative.
Nothing is redrawn; the optional condition 'reference_release' redraws the reference
region's detentions until one of its women is released (the region terms exist only
then) and is declared in the data package. Six eligible women have no concern flags,
so models 2-4 are fitted on 245 women.

Counts come from `published.yml`; the constants below are synthetic design choices
the study does not report (country splits, concern prevalences, baseline hazard).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...published import published
from ..frames.survival import CONCERNS, DAYS_PER_MONTH, REGIONS, launch_date, region_of
from .impact import ConditionNotMet

DATA_COLLECTION = pd.Timestamp("2018-09-30")  # the paper is dated October 2018
UA_FIRST = pd.Timestamp("2000-01-01")
HORIZON = 36  # months after the launch ("within three years")

# Featured women by country: 3 Chinese, 1 Iranian and three Ethiopian women are in the
# paper; the rest is a synthetic spread over the other target countries (not North
# Korea: the twentieth, North Korean, prisoner was unnamed).
FEATURED_COUNTRIES = {"CHN": 3, "ETH": 3, "IRN": 1, "AZE": 2, "EGY": 2, "VNM": 2, "MMR": 1,
                      "ERI": 1, "RUS": 1, "SYR": 1, "UZB": 1, "VEN": 1}
# Not featured (besides the three Ethiopian journalists released before the launch).
LONG_LIST_COUNTRIES = {"CHN": 3, "AZE": 2, "EGY": 2, "VNM": 2, "IRN": 2, "ETH": 1, "MMR": 1,
                       "ERI": 1, "RUS": 1, "SYR": 1, "UZB": 1, "VEN": 1}
# Arrest of a long-list woman: within this many months before the launch (a synthetic
# design choice; the paper's women had been held from months to years).
ARREST_WINDOW = 60
OCCUPATIONS = {"journalist": 0.3, "lawyer": 0.15, "activist": 0.3, "religious": 0.1,
               "politician": 0.05, "other": 0.1}

# UA women by country (455, Iran about 30%); North Korea is the small reference region.
UA_COUNTRIES = {"IRN": 137, "CHN": 60, "EGY": 35, "SYR": 35, "VEN": 35, "VNM": 30, "AZE": 25,
                "MMR": 25, "RUS": 20, "ETH": 20, "UZB": 15, "ERI": 10, "PRK": 8}
UA_FEATURED = 15            # featured women who also appear among the UA women
REFERENCE_ELIGIBLE = 3      # eligible women in the 'Other' (North Korea) region
CONCERN_PREVALENCE = {      # other women
    "prisoner_of_conscience": 0.55, "torture_concerns": 0.35, "death_penalty_concerns": 0.12,
    "legal_concerns": 0.45, "medical_concerns": 0.2}
FEATURED_PREVALENCE = {     # featured women: less often torture concerns (Fig. 3)
    "prisoner_of_conscience": 0.65, "torture_concerns": 0.15, "death_penalty_concerns": 0.05,
    "legal_concerns": 0.5, "medical_concerns": 0.25}
IRAN_DEATH_PENALTY = 0.3
# Weibull baseline hazard of release after the first two months of detention; shape 1
# (a constant hazard) and this scale make 16 of the 19 featured women the expected
# number released within three years of the launch (the published count).
BASELINE_SCALE, BASELINE_SHAPE = 120.0, 1.0  # months
# Women of the long list not featured: constant release hazard per month after the
# launch, so that 2 of 18 are expected to be released within three years (published).
LONG_LIST_RATE = -np.log(1 - 2 / 18) / HORIZON
MIN_DETENTION = 2.0                          # months: the study's eligibility rule
MAX_DETENTION = 600.0
CERTAINTY = {"certain": 0.78, "probable": 0.14, "uncertain": 0.08}


def generating_coefficients() -> dict[str, float]:
    """Log-hazard ratios of the release model: Table 1 model 4, signs as printed."""
    pub = published()["freethe20"]
    return {term: float(pub["cox_models"][term][3][0]) for term in ("freethe20", *CONCERNS, *REGIONS)}


def simulate_freethe20(rng: np.random.Generator, conditions: frozenset[str] = frozenset()
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `freethe20` and `urgent_actions` tables, in codebook column order and types.

    conditions: declared conditions on the draws ('reference_release').
    """
    pub = published()["freethe20"]
    _check_design(pub)
    coef = generating_coefficients()
    launch = launch_date()

    # One stream per block: the featured women, the rest of the long list, the
    # urgent-action women; so one table's draws never shift the other's.
    featured_rng, long_list_rng, ua_rng = rng.spawn(3)
    featured = _featured_women(featured_rng, coef, launch)
    long_list = _long_list(long_list_rng, featured, coef, launch)
    ua = _urgent_actions(ua_rng, featured[featured.in_ua], coef, launch, pub,
                         "reference_release" in conditions)
    return long_list, ua


def _check_design(pub: dict) -> None:
    """The design constants must add up to the published counts."""
    ua = pub["amnesty_urgent_actions"]
    checks = {
        "featured_named": (sum(FEATURED_COUNTRIES.values()), pub["featured_named"]),
        "long_list_not_featured": (sum(LONG_LIST_COUNTRIES.values())
                                   + pub["excluded_released_before_launch"],
                                   pub["long_list_not_featured"]),
        "named_women": (sum(UA_COUNTRIES.values()), ua["named_women"]),
    }
    for key, (design, published_value) in checks.items():
        if design != published_value:
            raise ValueError(f"simulate_freethe20: design gives {design} for {key}, "
                             f"published.yml says {published_value}")


def _date(months_after_launch: np.ndarray, launch: pd.Timestamp) -> pd.DatetimeIndex:
    """Months after the launch -> dates (NaN -> NaT), rounded down to the day."""
    days = np.floor(np.atleast_1d(np.asarray(months_after_launch, dtype=float)) * DAYS_PER_MONTH)
    known = np.isfinite(days)
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[known] = (launch + pd.to_timedelta(days[known].astype(int), unit="D")).to_numpy()
    return pd.DatetimeIndex(out)


def _weibull_months(rng: np.random.Generator, lp: np.ndarray, held: np.ndarray | None = None
                    ) -> np.ndarray:
    """Detention (months) under the proportional hazards model with linear predictor lp.

    held: months a woman is known to have been held already (None: 0); the draw is
    then from the model given that she was still held (cumulative hazard H(held)
    plus an independent unit exponential, inverted).
    """
    done = np.zeros(len(lp)) if held is None else np.maximum(np.asarray(held, float) - MIN_DETENTION, 0)
    h0 = np.exp(lp) * (done / BASELINE_SCALE) ** BASELINE_SHAPE
    e = rng.exponential(size=len(lp))
    t = MIN_DETENTION + BASELINE_SCALE * ((h0 + e) / np.exp(lp)) ** (1 / BASELINE_SHAPE)
    return np.minimum(t, MAX_DETENTION)  # beyond any follow-up; keeps dates representable


def _concerns(rng: np.random.Generator, countries: np.ndarray, prevalence: dict) -> pd.DataFrame:
    out = {}
    for name, p in prevalence.items():
        probs = np.full(len(countries), p)
        if name == "death_penalty_concerns" and prevalence is CONCERN_PREVALENCE:
            probs[countries == "IRN"] = IRAN_DEATH_PENALTY
        out[name] = rng.uniform(size=len(countries)) < probs
    return pd.DataFrame(out)


def _linear_predictor(featured: np.ndarray, concerns: pd.DataFrame, regions: list[str],
                      coef: dict) -> np.ndarray:
    lp = coef["freethe20"] * featured.astype(float)
    for name in CONCERNS:
        lp = lp + coef[name] * concerns[name].to_numpy(dtype=float)
    for name, label in REGIONS.items():
        lp = lp + coef[name] * (np.asarray(regions) == label)
    return lp


def _arrest_months(rng: np.random.Generator, n: int) -> np.ndarray:
    """Arrest of a long-list woman, months after the launch (negative: before it)."""
    return rng.uniform(-ARREST_WINDOW, -MIN_DETENTION, size=n)


def _featured_women(rng: np.random.Generator, coef: dict, launch: pd.Timestamp) -> pd.DataFrame:
    """The 19 featured women, each held at the launch.

    Arrest first, independently; then the detention from the model given that she was
    held at the launch. A release after data collection is not observed (censored).
    """
    countries = rng.permutation(np.repeat(list(FEATURED_COUNTRIES), list(FEATURED_COUNTRIES.values())))
    n = len(countries)
    concerns = _concerns(rng, countries, FEATURED_PREVALENCE)
    regions = [region_of(c) for c in countries]
    lp = _linear_predictor(np.ones(n), concerns, regions, coef)
    collected = (DATA_COLLECTION - launch).days / DAYS_PER_MONTH
    arrest = _arrest_months(rng, n)
    t = _weibull_months(rng, lp, held=-arrest)
    released = arrest + t <= collected
    in_ua = np.zeros(n, dtype=bool)
    in_ua[rng.choice(n, size=UA_FEATURED, replace=False)] = True
    return pd.DataFrame({
        "country": countries, "released": released, "in_ua": in_ua,
        "arrest": _date(arrest, launch),
        "release": _date(np.where(released, arrest + t, np.nan), launch),
        **{k: concerns[k].to_numpy() for k in concerns},
        "region": regions,
    })


def _occupations(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(list(OCCUPATIONS), size=n, p=list(OCCUPATIONS.values()))


def _long_list(rng: np.random.Generator, featured: pd.DataFrame, coef: dict,
               launch: pd.Timestamp) -> pd.DataFrame:
    """The 40 women of the long list, featured or not, in random order.

    The women not featured are held at the launch and released at the constant rate
    LONG_LIST_RATE after it (their own declared model: the Cox model of the Urgent
    Action women, with its hazard ratio of about 2, cannot give 16 of 19 against 2 of
    18); a release after data collection is not observed.
    """
    pub = published()["freethe20"]
    others = rng.permutation(np.repeat(list(LONG_LIST_COUNTRIES), list(LONG_LIST_COUNTRIES.values())))
    n_other = len(others)
    other_arrest = _arrest_months(rng, n_other)
    after_launch = rng.exponential(1 / LONG_LIST_RATE, size=n_other)
    collected = (DATA_COLLECTION - launch).days / DAYS_PER_MONTH
    other_release = np.where(after_launch <= collected, after_launch, np.nan)
    n_pre = pub["excluded_released_before_launch"]
    july = pd.Timestamp("2015-07-01") + pd.to_timedelta(rng.integers(0, 31, size=n_pre), unit="D")
    pre_arrest = _date(rng.uniform(-48, -14, size=n_pre), launch)
    rows = pd.DataFrame({
        "featured": [True] * len(featured) + [False] * (n_other + n_pre),
        "country": list(featured.country) + list(others) + ["ETH"] * n_pre,
        "occupation": list(_occupations(rng, len(featured) + n_other)) + ["journalist"] * n_pre,
        "arrest_date": list(featured.arrest) + list(_date(other_arrest, launch)) + list(pre_arrest),
        "release_date": list(featured.release)
        + list(_date(other_release, launch)) + list(july),
        "released_before_launch": [False] * (len(featured) + n_other) + [True] * n_pre,
    })
    rows["arrest_date"] = pd.to_datetime(rows.arrest_date)
    rows["release_date"] = pd.to_datetime(rows.release_date)
    rows["last_known_detained"] = pd.Series(DATA_COLLECTION, index=rows.index).where(
        rows.release_date.isna())
    rows = rows.sample(frac=1, random_state=rng).reset_index(drop=True)
    rows.insert(0, "prisoner_id", [f"F{i:03d}" for i in range(1, len(rows) + 1)])
    return rows[["prisoner_id", "featured", "country", "occupation", "arrest_date", "release_date",
                 "last_known_detained", "released_before_launch"]]


def _entry_years(rng: np.random.Generator, n: int) -> np.ndarray:
    """Year of the first Urgent Action, 2000-2015; more of them in later years."""
    years = np.arange(2000, 2016)
    w = 1 + 0.08 * (years - 2000)
    w[-1] *= 8 / 12  # entries until September 2015 only
    return rng.choice(years, size=n, p=w / w.sum())


def _urgent_actions(rng: np.random.Generator, featured: pd.DataFrame, coef: dict,
                    launch: pd.Timestamp, pub: dict, reference_release: bool = False
                    ) -> pd.DataFrame:
    """The 455 UA women: featured copies plus controls with model-drawn detentions."""
    # Eligible women = observations of Cox model 1; models 2-4 lose those without flags.
    n_eligible, n_complete = (pub["cox_models"]["observations"][i] for i in (0, 3))
    counts = dict(UA_COUNTRIES)
    for c in featured.country:
        counts[c] -= 1
    countries = rng.permutation(np.repeat(list(counts), list(counts.values())))
    n = len(countries)
    is_ref = countries == "PRK"
    # Eligible: a few of the North Korean (reference) women, the rest drawn at random.
    eligible = np.zeros(n, dtype=bool)
    eligible[np.flatnonzero(is_ref)[:REFERENCE_ELIGIBLE]] = True
    rest = rng.permutation(np.flatnonzero(~is_ref))
    eligible[rest[: n_eligible - len(featured) - REFERENCE_ELIGIBLE]] = True

    concerns = _concerns(rng, countries, CONCERN_PREVALENCE)
    regions = [region_of(c) for c in countries]
    lp = _linear_predictor(np.zeros(n), concerns, regions, coef)

    # First Urgent Action in year_entry; the arrest shortly before it.
    years = _entry_years(rng, n)
    year_start = pd.to_datetime([f"{y}-01-01" for y in years])
    span = np.where(years == 2015, (launch - pd.Timestamp("2015-01-01")).days - 1, 364)
    first_ua = year_start + pd.to_timedelta(np.floor(rng.uniform(size=n) * span), unit="D")
    arrest = pd.Series(first_ua - pd.to_timedelta(rng.integers(0, 90, size=n), unit="D"))

    detention = _weibull_months(rng, lp)
    # Follow-up ends at each woman's last news before data collection, drawn
    # independently of her detention: a release after it is not observed.
    last_news = DATA_COLLECTION - pd.to_timedelta(rng.integers(0, 365, size=n), unit="D")
    if reference_release:   # declared condition: the reference region holds a release
        ref_eligible = is_ref & eligible
        for _ in range(1000):
            ends = arrest[ref_eligible] + pd.to_timedelta(
                np.floor(detention[ref_eligible] * DAYS_PER_MONTH), unit="D")
            if (ends.to_numpy() <= last_news[ref_eligible].to_numpy()).any():
                break
            detention[ref_eligible] = _weibull_months(rng, lp[ref_eligible])
        else:
            raise ConditionNotMet("simulate: condition 'reference_release' not met in 1000 "
                                  "draws of the reference region's detentions")
    short = rng.integers(0, 60, size=n)  # days held by women who are not eligible
    release_days = np.where(eligible, np.floor(detention * DAYS_PER_MONTH), short)
    release = arrest + pd.to_timedelta(release_days, unit="D")
    released = (release.to_numpy() <= last_news.to_numpy())

    certainty = rng.choice(list(CERTAINTY), size=n, p=list(CERTAINTY.values()))
    # Short detentions and women still held are never coded 'uncertain' here.
    certainty = np.where((~eligible | ~released) & (certainty == "uncertain"), "probable",
                         certainty)
    # Last known detention: a censored woman was last reported held within the past
    # year; a released woman coded with less than certainty, somewhere in her detention.
    held = arrest + pd.to_timedelta(np.floor(rng.uniform(size=n) * release_days), unit="D")
    last_known = (pd.Series(last_news).where(~released, pd.NaT).clip(lower=arrest)
                  .fillna(held.where(released & (certainty != "certain"))))

    controls = pd.DataFrame({
        "n_urgent_actions": _ua_counts(rng, n), **{CONCERNS[k]: concerns[k] for k in CONCERNS},
        "country": countries, "region": regions, "year_entry": years, "eligible": eligible,
        "arrest_date": arrest, "release_date": release.where(released),
        "last_known_detained": last_known, "certainty": certainty,
        "featured": False,
    })
    # Eligible women without concern flags (Table 1: 251 vs 245), outside the reference.
    blank = rng.choice(np.flatnonzero(eligible & ~is_ref), size=n_eligible - n_complete,
                       replace=False)
    for col in CONCERNS.values():
        controls[col] = controls[col].astype("boolean")
        controls.loc[blank, col] = pd.NA

    lag = pd.to_timedelta(rng.integers(0, 60, size=len(featured)), unit="D")
    first = pd.DatetimeIndex((featured.arrest + lag.to_numpy())
                             .clip(upper=launch - pd.Timedelta(days=1)))
    feat = pd.DataFrame({
        "n_urgent_actions": _ua_counts(rng, len(featured)),
        **{CONCERNS[k]: featured[k].to_numpy() for k in CONCERNS},
        "country": featured.country.to_numpy(), "region": featured.region.to_numpy(),
        "year_entry": np.clip(first.year, 2000, 2015), "eligible": True,
        "arrest_date": featured.arrest.to_numpy(), "release_date": featured.release.to_numpy(),
        "last_known_detained": pd.Series(DATA_COLLECTION, index=featured.index).where(
            ~featured.released).to_numpy(),
        "certainty": "certain", "featured": True,
    })
    ua = pd.concat([controls, feat], ignore_index=True).sample(frac=1, random_state=rng)
    ua = ua.reset_index(drop=True)
    ua.insert(0, "woman_id", [f"U{i:04d}" for i in range(1, len(ua) + 1)])
    for col in CONCERNS.values():
        ua[col] = ua[col].astype("boolean")
    ua["eligible"] = ua.eligible.astype(bool)
    ua["featured"] = ua.featured.astype(bool)
    ua["year_entry"] = ua.year_entry.astype("Int64")
    ua["n_urgent_actions"] = ua.n_urgent_actions.astype("Int64")
    for col in ("arrest_date", "release_date", "last_known_detained"):
        ua[col] = pd.to_datetime(ua[col])
    return ua[["woman_id", "n_urgent_actions", *CONCERNS.values(), "country", "region",
               "year_entry", "eligible", "arrest_date", "release_date", "last_known_detained",
               "certainty", "featured"]]


def _ua_counts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Urgent Actions naming a woman: 1 plus a negative binomial (mean about 2.2)."""
    return np.minimum(1 + rng.negative_binomial(1.2, 1.2 / 2.6, size=n), 100)
