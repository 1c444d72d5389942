"""Where the communications went: counts per country (Chasing Shadows Fig. 3).

Countries are ISO 3166-1 alpha-3 codes, as in the data. Every communication that names
a country counts, press releases and letters without named defenders included, as in
the study's map.
"""
from __future__ import annotations

import pandas as pd


def communications_by_country(communications: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Per country: communications, their share of all, individual cases, and rank.

    Ties share the better rank; rows are sorted by
    communications, then country code, so the order is reproducible.
    """
    comms = communications.groupby("country").size().rename("communications")
    named = cases.groupby("country").size().rename("cases")
    out = pd.concat([comms, named], axis=1).fillna(0).astype(int)
    out.index.name = "country"
    out["share"] = out["communications"] / out["communications"].sum()
    out["rank"] = out["communications"].rank(method="min", ascending=False).astype(int)
    return (out.reset_index()
               .sort_values(["communications", "country"], ascending=[False, True])
               .set_index("country")[["rank", "communications", "share", "cases"]])


def concentration(by_country: pd.DataFrame, top: int) -> float:
    """Share of all communications that went to the `top` most-addressed countries."""
    return float(by_country["communications"].nlargest(top).sum() / by_country["communications"].sum())


# Column headings of the country table.
COUNTRY_COLUMNS = {"rank": "Rank", "communications": "Communications", "share": "Share of all", "cases": "Cases",
                   "response_rate": "Response rate", "rejection_rate": "Rejection rate",
                   "mean_days": "Mean days to reply"}


def country_table(by_country: pd.DataFrame, engagement: pd.DataFrame, times: pd.DataFrame) -> pd.DataFrame:
    """Every country addressed (`communications_by_country`) with, where it has enough cases,
    its response and rejection rates (replies.country_engagement) and mean days to a reply
    (replies.response_times); readable column names."""
    table = by_country.join(engagement[["response_rate", "rejection_rate"]]).join(times[["mean_days"]])
    table = table.rename(columns=COUNTRY_COLUMNS)
    table.index.name = "Country"
    return table
