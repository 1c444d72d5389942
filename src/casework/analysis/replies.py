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

from .caseload import holder_of, proportions

# Countries the study names, as ISO 3166-1 alpha-3 codes (the data's country codes).
NAMED_COUNTRIES = {"Saudi Arabia": "SAU", "India": "IND", "United States": "USA", "Oman": "OMN",
                   "Mauritania": "MRT", "Angola": "AGO", "Argentina": "ARG"}

DAYS_PER_MONTH = 365.25 / 12


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


def engagement_class(engagement: pd.Series, band: float = 0.2) -> pd.Series:
    """Fig. 6's three colours: 'mixed' where response and rejection rates lie within
    `band` of each other, 'uncooperative' below, 'cooperative' above (ordered categories)."""
    return pd.cut(engagement, [-np.inf, -band, band, np.inf], labels=ENGAGEMENT_CLASSES,
                  right=False).cat.as_ordered()


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
    return out.sort_values(["mean_days"], ascending=False)


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
