"""How states respond (Chasing Shadows 'States' Responses', Fig. 6; Piccone 2011).

Definitions follow the study:
- response rate: share of cases with a substantive reply (immaterial replies, such
  as acknowledgments of receipt, count as no response);
- rejection rate: share of rejections among substantive replies whose content is
  known (content 'unknown' - in translation or inaccessible - is left out);
- response time: days from the communication to a substantive reply.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.weightstats import DescrStatsW

from ..data.frames.survival import DAYS_PER_MONTH  # one definition (mean Gregorian month)
from .caseload import Check, Record, holder_of, interval
from .intervals import proportions

# Countries the study names, as ISO 3166-1 alpha-3 codes (the data's country codes).
NAMED_COUNTRIES = {"Saudi Arabia": "SAU", "India": "IND", "United States": "USA", "Oman": "OMN",
                   "Mauritania": "MRT", "Angola": "AGO", "Argentina": "ARG"}

# The two countries the study discusses at length: code -> key in published.yml `caseload.replies`.
DISCUSSED_COUNTRIES = {"IND": "india", "ARG": "argentina"}


def reply_shares(cases: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Share of cases with any reply, and with a substantive reply."""
    status = cases["reply_status"]
    out = proportions([status.isin(["immaterial", "substantive"]).sum(), status.eq("substantive").sum()],
                      [len(cases)] * 2, confidence)
    out.index = pd.Index(["any reply", "substantive reply"], name="reply")
    return out


def substantive_by_holder(cases: pd.DataFrame, terms: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Share of cases with a substantive reply, by the mandate holder in office when the
    communication was sent (`cases` needs a `date` column)."""
    holder = holder_of(cases["date"], terms)
    sub = cases["reply_status"].eq("substantive")
    counts = sub.groupby(holder).agg(["sum", "size"]).reindex(terms["holder"]).dropna()
    out = proportions(counts["sum"], counts["size"], confidence)
    out.index = pd.Index(counts.index, name="holder")
    return out


def replies_by_country(cases: pd.DataFrame) -> pd.DataFrame:
    """Per country: cases, substantive replies, replies of known content, rejections."""
    substantive = cases["reply_status"].eq("substantive")
    known = substantive & cases["reply_content"].isin(["rejection", "steps_taken", "other"])
    return pd.DataFrame({
        "cases": 1,
        "substantive": substantive,
        "known_content": known,
        "rejections": known & cases["reply_content"].eq("rejection"),
    }).groupby(cases["country"]).sum().astype(int)


def country_engagement(cases: pd.DataFrame, min_cases: int, confidence: float) -> pd.DataFrame:
    """Per country with at least `min_cases` cases: response and rejection rates.

    `engagement` is response rate minus rejection rate, from -1 (no response, or only
    rejections) to +1 (every case answered, none rejected); where no reply content is
    known it is the response rate alone, as in the study's Fig. 6.
    """
    c = replies_by_country(cases)
    c = c.loc[c["cases"] >= min_cases]
    resp = proportions(c["substantive"], c["cases"], confidence)
    rej = proportions(c["rejections"], c["known_content"], confidence)
    out = c.copy()
    out["response_rate"] = resp["share"].to_numpy()
    out["response_low"], out["response_high"] = resp["ci_low"].to_numpy(), resp["ci_high"].to_numpy()
    out["rejection_rate"] = rej["share"].to_numpy()
    out["rejection_low"], out["rejection_high"] = rej["ci_low"].to_numpy(), rej["ci_high"].to_numpy()
    out["engagement"] = out["response_rate"] - out["rejection_rate"].fillna(0)
    return out.sort_values(["engagement", "cases"], ascending=[False, False])


ENGAGEMENT_CLASSES = ["uncooperative", "mixed", "cooperative"]
ENGAGEMENT_BAND = 0.2  # within ±0.2: rejection rate about as high as response rate (Fig. 6 yellow)


def engagement_class(engagement: pd.Series, band: float = ENGAGEMENT_BAND) -> pd.Series:
    """Fig. 6's three colours: 'mixed' where response and rejection rates lie within
    `band` of each other, 'uncooperative' below, 'cooperative' above (ordered categories)."""
    return pd.cut(engagement, [-np.inf, -band, band, np.inf], labels=ENGAGEMENT_CLASSES,
                  right=False).cat.as_ordered()


def rated_countries(engagement: pd.DataFrame, band: float = ENGAGEMENT_BAND) -> pd.DataFrame:
    """The countries of `country_engagement` with a reply of known content, with their
    Fig. 6 class in the column `engagement_class`."""
    rated = engagement.dropna(subset=["rejection_rate"])
    return rated.assign(engagement_class=engagement_class(rated["engagement"], band))


def rejection_share(cases: pd.DataFrame, confidence: float) -> pd.Series:
    """Share of rejections among all substantive replies with known content."""
    c = replies_by_country(cases).sum()
    return proportions(c["rejections"], c["known_content"], confidence).iloc[0]


def response_times(cases: pd.DataFrame, min_cases: int, confidence: float,
                   min_replies: int = 1) -> pd.DataFrame:
    """Mean days to a substantive reply per country with >= min_cases cases and
    >= min_replies replies (a mean of one or two replies ranks noise, not states).

    Columns: cases, replies, mean_days, ci_low, ci_high (t interval; missing with
    fewer than two replies), mean_months. Sorted slowest first.
    """
    n_cases = cases.groupby("country").size()
    keep = n_cases.index[n_cases >= min_cases]
    days = cases.loc[cases["reply_status"].eq("substantive") & cases["reply_delay_days"].notna()]
    rows = []
    for country in keep:
        d = days.loc[days["country"].eq(country), "reply_delay_days"].astype(float).to_numpy()
        low = high = np.nan
        if len(d) >= 2:
            low, high = DescrStatsW(d).tconfint_mean(alpha=1 - confidence)
        rows.append({"country": country, "cases": int(n_cases[country]), "replies": len(d),
                     "mean_days": d.mean() if len(d) else np.nan, "ci_low": low, "ci_high": high})
    out = pd.DataFrame(rows, columns=["country", "cases", "replies", "mean_days", "ci_low", "ci_high"])
    out = out.set_index("country")
    out = out.loc[out["replies"].ge(max(min_replies, 1))]
    out["mean_months"] = out["mean_days"] / DAYS_PER_MONTH
    return out.sort_values(["mean_days"], ascending=False, kind="stable")


def mean_response_days(cases: pd.DataFrame, confidence: float) -> pd.Series:
    """Mean days to a substantive reply over all cases, with a t interval."""
    d = cases.loc[cases["reply_status"].eq("substantive"), "reply_delay_days"].dropna().astype(float)
    low, high = DescrStatsW(d.to_numpy()).tconfint_mean(alpha=1 - confidence) if len(d) >= 2 else (np.nan,) * 2
    return pd.Series({"n": len(d), "mean": d.mean(), "ci_low": low, "ci_high": high})


# Piccone (2011) sorted replies to all special procedures into three kinds; we map the
# codebook's reply status and content onto them. A justification under domestic law is
# coded 'rejection' here, while Piccone counts "rejection without investigation".
PICCONE = {
    "no_or_immaterial": "No or immaterial reply",
    "steps_taken": "Steps taken",
    "rejected_without_investigation": "Rejected",
    "other_or_unknown": "Other or unknown content",
}


def reply_categories(cases: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Share of cases in each Piccone reply category (they add up to one)."""
    substantive = cases["reply_status"].eq("substantive")
    content = cases["reply_content"]
    counts = [
        (~substantive).sum(),
        (substantive & content.eq("steps_taken")).sum(),
        (substantive & content.eq("rejection")).sum(),
        (substantive & ~content.isin(["steps_taken", "rejection"]).fillna(False)).sum(),
    ]
    out = proportions(counts, [len(cases)] * 4, confidence)
    out.index = pd.Index(list(PICCONE), name="category")
    out.insert(0, "label", list(PICCONE.values()))
    return out


def piccone_comparison(categories: pd.DataFrame, published_shares: dict) -> pd.DataFrame:
    """This mandate's reply categories beside Piccone's all-mandate shares.

    The category Piccone does not report gets the rest of his distribution (1 minus
    the three published shares), so both columns add up to one.
    """
    pub = pd.Series({k: published_shares.get(k, np.nan) for k in PICCONE})
    pub["other_or_unknown"] = 1 - pub.drop("other_or_unknown").sum()
    out = categories[["label", "share", "ci_low", "ci_high"]].copy()
    out["all_mandates"] = pub.reindex(out.index).to_numpy()
    out["difference"] = out["share"] - out["all_mandates"]
    return out


# --- beside the published numbers ---------------------------------------------------------

def published_reply_shares(published: dict) -> dict[str, float]:
    """Published shares for the rows of `reply_shares` (published.yml `caseload.replies`)."""
    return {"any reply": published["share_cases_with_reply"],
            "substantive reply": published["share_cases_with_substantive_reply"]}


def published_response_days(published: dict) -> dict[str, float]:
    """Published mean days to a reply per country code; the study gives the slow countries
    in months, the fast ones in days (`caseload.replies`)."""
    return {**{NAMED_COUNTRIES[k]: v * DAYS_PER_MONTH for k, v in published["mean_response_months"].items()},
            **{NAMED_COUNTRIES[k]: v for k, v in published["mean_response_days_fast"].items()}}


def reply_checks(shares: pd.DataFrame, by_holder: pd.DataFrame, overall: pd.Series, cases: pd.DataFrame,
                 published: dict, confidence: float) -> list[Check]:
    """Shares of cases answered (all, by mandate holder), rejections and the mean time to
    a reply beside `caseload.replies`."""
    items = [Check(name, label, shares.loc[row, "share"], shown, "share", interval(shares.loc[row]))
             for (row, shown), name, label in zip(published_reply_shares(published).items(),
                                                  ["reply_share", "substantive_reply_share"],
                                                  ["Cases with any reply", "Cases with a substantive reply"])]
    items += [Check(f"substantive_by_holder_{h.lower()}", f"Substantive reply, {h}", r["share"],
                    published["substantive_reply_by_mandate_holder"][h], "share", interval(r))
              for h, r in by_holder.iterrows()]
    rejection = rejection_share(cases, confidence)
    return items + [
        Check("rejection_share", "Rejections among substantive replies of known content", rejection["share"],
              published["share_replies_rejecting"], "share", interval(rejection)),
        Check("mean_response_days", "Mean days to a substantive reply", overall["mean"],
              published["mean_response_days"], "mean", (overall["ci_low"], overall["ci_high"]), fmt="{:,.0f}")]


def ranking_records(times: pd.DataFrame, engagement: pd.DataFrame, rated: pd.DataFrame) -> list[Record]:
    """The slowest and fastest country, and how many countries fall in each Fig. 6 class."""
    return [Record("slowest_country", times.index[0]),
            Record("slowest_country_days", times["mean_days"].iloc[0], "{:.0f}"),
            Record("slowest_country_months", times["mean_months"].iloc[0], "{:.1f}"),
            Record("fastest_country", times.index[-1]),
            Record("fastest_country_days", times["mean_days"].iloc[-1], "{:.0f}"),
            Record("n_countries_rated", len(engagement)),
            *(Record(f"n_countries_{g}", int((rated["engagement_class"] == g).sum())) for g in ENGAGEMENT_CLASSES)]


def country_checks(times: pd.DataFrame, cases: pd.DataFrame, published: dict, confidence: float) -> list[Check]:
    """Per country the study names: mean time to a reply (in the study's unit, months or
    days) and, for the two it discusses, cases, response rate and rejection rate."""
    names = {code: name for name, code in NAMED_COUNTRIES.items()}
    items = []
    for country, months in published["mean_response_months"].items():
        code = NAMED_COUNTRIES[country]
        if code in times.index:
            r = times.loc[code]
            items.append(Check(f"response_months_{code.lower()}", f"Mean months to reply, {country}", r["mean_months"],
                               months, "mean", (r["ci_low"] / DAYS_PER_MONTH, r["ci_high"] / DAYS_PER_MONTH)))
    for country, days in published["mean_response_days_fast"].items():
        code = NAMED_COUNTRIES[country]
        if code in times.index:
            items.append(Check(f"response_days_{code.lower()}", f"Mean days to reply, {country}",
                               times.loc[code, "mean_days"], days, "mean", interval(times.loc[code]), fmt="{:,.0f}"))
    per_country = replies_by_country(cases)
    for code, key in DISCUSSED_COUNTRIES.items():
        c = per_country.reindex([code]).fillna(0).iloc[0]
        p = published[key]
        response = proportions(c["substantive"], c["cases"], confidence).iloc[0]
        rejection = proportions(c["rejections"], c["known_content"], confidence).iloc[0]
        published_response = p["replied"] / p["cases"] if "replied" in p else p["reply_share"]
        items += [Check(f"{key}_cases", f"{names[code]}: cases", c["cases"], p["cases"], "count"),
                  Check(f"{key}_response_rate", f"{names[code]}: response rate", response["share"],
                        round(published_response, 2), "share", interval(response)),
                  Check(f"{key}_rejection_rate", f"{names[code]}: rejection rate", rejection["share"],
                        p["rejection_share"], "share", interval(rejection))]
    return items


def piccone_checks(versus: pd.DataFrame, published: dict) -> list[Check | Record]:
    """Piccone's three reply categories beside this mandate's (`piccone_comparison`); the
    rest, which he does not classify, is only recorded."""
    return [*(Check(f"piccone_{key}", f"{versus.loc[key, 'label']} (vs all mandates)", versus.loc[key, "share"],
                    published[key], "share", interval(versus.loc[key]))
              for key in ["no_or_immaterial", "steps_taken", "rejected_without_investigation"]),
            Record("piccone_other_or_unknown", versus.loc["other_or_unknown", "share"], "{:.0%}")]
