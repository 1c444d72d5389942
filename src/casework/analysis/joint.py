"""The cost of joint communications (Chasing Shadows Fig. 5): more signing mandates,
longer delay between the last incident and the day a communication is issued.

By default only urgent appeals count, as in the study: they are the letters meant to
reach a state quickly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from statsmodels.regression.linear_model import RegressionResultsWrapper

from .caseload import STUDY_YEARS, Check, Published, Record, parse_published

URGENT = ("urgent_appeal",)
RECENT_YEARS = 4  # the study's "last four years"


def with_delay(communications: pd.DataFrame, types=URGENT) -> pd.DataFrame:
    """Communications of the given types with a known delay: year, delay_days and
    mandates as float columns, one row per communication."""
    keep = communications["type"].isin(types) & communications["delay_days"].notna()
    sub = communications.loc[keep]
    return pd.DataFrame({"year": sub["date"].dt.year.astype(int),
                         "delay_days": sub["delay_days"].astype(float),
                         "mandates": sub["mandates"].astype(float)}, index=sub.index)


def joint_by_year(communications: pd.DataFrame, types=URGENT) -> pd.DataFrame:
    """Per year: communications with a known delay, mean delay (days), mean mandates."""
    d = with_delay(communications, types)
    out = d.groupby("year").agg(communications=("delay_days", "size"),
                                mean_delay_days=("delay_days", "mean"),
                                mean_mandates=("mandates", "mean"))
    return out


@dataclass(frozen=True)
class DelaySlope:
    """OLS of delay (days) on signing mandates, one row per communication."""

    slope: float          # days per additional mandate
    ci_low: float
    ci_high: float
    intercept: float
    n: int
    confidence: float
    fit: RegressionResultsWrapper

    def line(self, mandates) -> pd.DataFrame:
        """Fitted mean delay and its confidence band at the given numbers of mandates."""
        grid = pd.DataFrame({"mandates": np.asarray(mandates, dtype=float)})
        pred = self.fit.get_prediction(grid).summary_frame(alpha=1 - self.confidence)
        return pd.DataFrame({"mandates": grid["mandates"], "delay_days": pred["mean"].to_numpy(),
                             "ci_low": pred["mean_ci_lower"].to_numpy(),
                             "ci_high": pred["mean_ci_upper"].to_numpy()})


def delay_per_mandate(communications: pd.DataFrame, confidence: float, types=URGENT) -> DelaySlope:
    """Days of delay per additional signing mandate, with an interval at `confidence`.

    Standard errors are heteroskedasticity-robust (HC3): delays are skewed and spread
    out more for letters with many signatories, so the textbook errors would be too small.
    """
    d = with_delay(communications, types)
    if len(d) < 3 or d["mandates"].nunique() < 2:
        raise ValueError(f"delay_per_mandate: need at least 3 communications of type {list(types)} "
                         f"with a known delay_days and two different numbers of mandates; got {len(d)}")
    fit = smf.ols("delay_days ~ mandates", data=d).fit(cov_type="HC3")
    low, high = fit.conf_int(alpha=1 - confidence).loc["mandates"]
    return DelaySlope(slope=float(fit.params["mandates"]), ci_low=float(low), ci_high=float(high),
                      intercept=float(fit.params["Intercept"]), n=int(fit.nobs),
                      confidence=confidence, fit=fit)


def mean_delay_last_years(communications: pd.DataFrame, year_to: int, years: int = 4,
                          types=URGENT) -> float:
    """Mean delay (days) of the communications of the last `years` years up to year_to."""
    d = with_delay(communications, types)
    recent = d.loc[d["year"].between(year_to - years + 1, year_to), "delay_days"]
    return float(recent.mean()) if len(recent) else float("nan")


def mean_delay_by_mandates(appeals: pd.DataFrame, min_appeals: int) -> pd.Series:
    """Mean delay (days) per number of signing mandates, where at least `min_appeals`
    communications (rows of `with_delay`) have that number."""
    groups = appeals.groupby("mandates")["delay_days"].agg(["mean", "size"])
    return groups.loc[groups["size"] >= min_appeals, "mean"]


def recent_years(year_from: int, year_to: int, years: int = RECENT_YEARS) -> tuple[int, int]:
    """First and last of the last `years` years of the period (fewer if it is shorter)."""
    return max(year_to - years + 1, year_from), year_to


# --- beside the published numbers ---------------------------------------------------------

def published_recent_delay(published: dict, year_to: int) -> Published | None:
    """The study's mean delay of its last four years (`caseload.joint_communications`); None
    for a period ending before its data do, which that number says nothing about."""
    if year_to != STUDY_YEARS[1]:
        return None
    return parse_published(published["urgent_appeal_delay_last_four_years_days"])


def joint_checks(slope: DelaySlope, recent: float, by_year: pd.DataFrame, published: dict,
                 years: tuple[int, int]) -> list[Check | Record]:
    """Fig. 5 and its text beside published.yml `caseload.joint_communications`: the delay per
    mandate, the mean delay of the recent `years`, the mean mandates of the first and last year."""
    items = [Check("delay_slope_days", "Extra delay per additional mandate (days)", slope.slope,
                   published["delay_per_additional_mandate_days"], "mean", (slope.ci_low, slope.ci_high)),
             Record("delay_slope_ci_low", slope.ci_low, "{:.1f}"),
             Record("delay_slope_ci_high", slope.ci_high, "{:.1f}"),
             Record("delay_slope_n", slope.n),
             Record("delay_slope_intercept", slope.intercept, "{:.1f}")]
    if published_recent_delay(published, years[1]) is None:
        items.append(Record("urgent_delay_last4_days", recent, "{:,.0f}"))
    else:
        items.append(Check("urgent_delay_last4_days", f"Mean delay of urgent appeals, {years[0]}–{years[1]} (days)",
                           recent, published["urgent_appeal_delay_last_four_years_days"], "mean", fmt="{:,.0f}"))
    return items + [Record("mean_mandates_first_year", by_year["mean_mandates"].iloc[0], "{:.1f}"),
                    Record("mean_mandates_last_year", by_year["mean_mandates"].iloc[-1], "{:.1f}")]
