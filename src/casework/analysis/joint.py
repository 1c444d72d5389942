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

URGENT = ("urgent_appeal",)


def _with_delay(communications: pd.DataFrame, types) -> pd.DataFrame:
    """Communications of the given types with a known delay, as float columns."""
    keep = communications["type"].isin(types) & communications["delay_days"].notna()
    sub = communications.loc[keep]
    return pd.DataFrame({"year": sub["date"].dt.year.astype(int),
                         "delay_days": sub["delay_days"].astype(float),
                         "mandates": sub["mandates"].astype(float)}, index=sub.index)


def joint_by_year(communications: pd.DataFrame, types=URGENT) -> pd.DataFrame:
    """Per year: communications with a known delay, mean delay (days), mean mandates."""
    d = _with_delay(communications, types)
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
    d = _with_delay(communications, types)
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
    d = _with_delay(communications, types)
    recent = d.loc[d["year"].between(year_to - years + 1, year_to), "delay_days"]
    return float(recent.mean()) if len(recent) else float("nan")
