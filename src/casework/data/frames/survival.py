"""Survival frames for the #Freethe20 study (Myrick & Weinstein 2018).

Two frames, one row per woman, each with `duration` (months) and `released` (the
event):

- `long_list_frame`: the 40 women considered for the campaign; short list
  (featured) against long list, time measured from the launch or from the arrest;
- `urgent_action_frame`: the women named in Amnesty Urgent Actions, the control
  group of the Cox models, time measured from the arrest, with the covariates of
  the study's Table 1 under the names `published.yml` uses.

Follow-up ends `horizon_months` after the launch (a calendar date, whatever the time
origin: the study followed releases for three years after September 2015); a woman
not released by then, or with no (counted) release, is right-censored at the
earlier of that date and the last date she was known to be detained.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...published import published
from ...errors import DataIssue, DataValidationError

DAYS_PER_MONTH = 365.25 / 12
TIME_ORIGINS = ("launch", "arrest")
# certainty parameter -> the release codings that count as a release
CERTAINTY_LEVELS = {"certain": ("certain",), "probable": ("certain", "probable"),
                    "any": ("certain", "probable", "uncertain")}

# The 13 target countries (ISO 3166-1 alpha-3) and the names the study uses.
TARGET_COUNTRIES = {
    "AZE": "Azerbaijan", "MMR": "Myanmar", "CHN": "China", "EGY": "Egypt", "ETH": "Ethiopia",
    "ERI": "Eritrea", "IRN": "Iran", "PRK": "North Korea", "RUS": "Russia", "SYR": "Syria",
    "UZB": "Uzbekistan", "VEN": "Venezuela", "VNM": "Vietnam",
}
CONCERNS = {  # Table 1 covariate (published.yml key) -> urgent_actions column
    "prisoner_of_conscience": "concern_poc",
    "torture_concerns": "concern_torture",
    "death_penalty_concerns": "concern_death_penalty",
    "legal_concerns": "concern_legal",
    "medical_concerns": "concern_medical",
}
REGIONS = {  # Table 1 covariate -> region label; 'Other' is the reference group
    "region_asia": "Asia", "region_middle_east": "Middle East", "region_eurasia": "Eurasia",
    "region_africa": "Africa", "region_americas": "Americas",
}


def launch_date() -> pd.Timestamp:
    """The campaign launch (published.yml: freethe20.launch, a month)."""
    return pd.Timestamp(str(published()["freethe20"]["launch"]))


def region_of(country: str) -> str:
    """The study's region of a target country (footnote 6); 'Other' when not listed."""
    names = published()["freethe20"]["cox_models"]["regions"]
    by_name = {c: region for region, countries in names.items() for c in countries}
    return by_name.get(TARGET_COUNTRIES.get(country, ""), "Other")


def days(delta: pd.Series) -> pd.Series:
    """Timedeltas as days (float, NaN where missing); whole days stay whole numbers."""
    return delta.dt.total_seconds() / 86400


def check_dates(df: pd.DataFrame, table: str, id_col: str) -> None:
    """Raise DataValidationError naming each row whose dates cannot be right.

    Checked: release before arrest, last known detention before the arrest or after
    the release, neither a release nor a censoring date, and (freethe20) the
    released-before-launch flag against the dates and the featured flag.
    """
    issues: list[DataIssue] = []

    def flag(mask: pd.Series, column: str, rule: str) -> None:
        for i in df.index[mask.fillna(False).astype(bool)]:
            value = df.at[i, column]
            shown = None if pd.isna(value) else str(getattr(value, "date", lambda: value)())
            # The CSV line, for a table as loaded (index 0 = line 2).
            line = int(i) + 2 if isinstance(i, (int, np.integer)) else None
            issues.append(DataIssue(table, line, column, shown,
                                    f"row {id_col}={df.at[i, id_col]}: {rule}"))

    flag(df.release_date < df.arrest_date, "release_date",
         "release before arrest (release_date must be on or after arrest_date)")
    flag(df.last_known_detained < df.arrest_date, "last_known_detained",
         "last known detention before arrest (must be on or after arrest_date)")
    flag(df.last_known_detained > df.release_date, "last_known_detained",
         "last known detention after the release (must be on or before release_date)")
    flag(df.release_date.isna() & df.last_known_detained.isna(), "last_known_detained",
         "no release_date and no last_known_detained: the censoring date is required")
    if "released_before_launch" in df:
        before = df.released_before_launch.astype("boolean")
        flag(before & ~(df.release_date < launch_date()), "release_date",
             "released_before_launch is true but the release is not before the launch")
        flag(before & df.featured.astype("boolean"), "featured",
             "a woman released before the launch cannot be featured")
    if issues:
        raise DataValidationError(issues)


def _follow_up(df: pd.DataFrame, counted: pd.Series, origin: pd.Series,
               horizon_months: float) -> pd.DataFrame:
    """duration (months from origin) and released, censored at the horizon or last detention.

    Every date is first turned into a whole number of days after the launch and the
    duration into days; only then is it divided, once, into months. Two women released
    the same number of days after their arrest so get exactly the same duration, and
    the Efron correction sees the tie (months computed per date and then subtracted
    differ in the last bits).
    """
    launch = launch_date()
    horizon = horizon_months * DAYS_PER_MONTH               # days after the launch
    release = days(df.release_date - launch).where(counted)  # days after the launch
    # Known detained until a counted release; otherwise until the last known
    # detention, or (nothing recorded) the arrest.
    censor = release.fillna(days(df.last_known_detained - launch))
    censor = censor.fillna(days(df.arrest_date - launch))
    released = release.notna() & (release <= horizon)
    end = release.where(released, censor.clip(upper=horizon))
    start = days(origin - launch) if origin is not None else 0.0
    # Time from the launch: a woman released before it (when included) leaves at 0.
    duration = (end - start).clip(lower=0.0) / DAYS_PER_MONTH
    return pd.DataFrame({"duration": duration.astype(float), "released": released.astype(int)},
                        index=df.index)


def long_list_frame(freethe20: pd.DataFrame, time_origin: str = "launch",
                    horizon_months: float = 36, exclude_pre_launch: bool = True) -> pd.DataFrame:
    """One row per woman of the long list: group, duration (months), released.

    time_origin: 'launch' (September 2015) or 'arrest'. exclude_pre_launch drops the
    women released before the launch (the study's main analysis); when they are
    kept and time runs from the launch, they are released at time 0.
    """
    if time_origin not in TIME_ORIGINS:
        raise ValueError(f"time_origin {time_origin!r}: expected one of {', '.join(TIME_ORIGINS)}")
    if horizon_months <= 0:
        raise ValueError(f"horizon_months {horizon_months!r}: expected a positive number of months")
    check_dates(freethe20, "freethe20", "prisoner_id")
    df = freethe20
    if exclude_pre_launch:
        df = df[~df.released_before_launch.astype(bool)]
    origin = df.arrest_date if time_origin == "arrest" else None
    fu = _follow_up(df, pd.Series(True, index=df.index), origin, horizon_months)
    featured = df.featured.astype(bool)
    return pd.DataFrame({
        "prisoner_id": df.prisoner_id.astype(str), "country": df.country.astype(str),
        "featured": featured.astype(int),
        "group": featured.map({True: "Short list (featured)", False: "Long list (not featured)"}),
        "released_before_launch": df.released_before_launch.astype(bool),
        **fu,
    }).reset_index(drop=True)


def urgent_action_frame(urgent_actions: pd.DataFrame, horizon_months: float = 36,
                        certainty: str = "any", eligible_only: bool = True) -> pd.DataFrame:
    """One row per Urgent Action woman: Table 1 covariates, duration since arrest, released.

    certainty: which release codings count as a release ('certain'; 'probable' =
    certain or probable; 'any'). A release that does not count is censored at the last
    date the woman was known to be detained (or at her arrest, if none is recorded).
    Concern flags keep their missing values (a model drops those rows).
    """
    if certainty not in CERTAINTY_LEVELS:
        raise ValueError(f"certainty {certainty!r}: expected one of {', '.join(CERTAINTY_LEVELS)}")
    check_dates(urgent_actions, "urgent_actions", "woman_id")
    df = urgent_actions
    if eligible_only:
        df = df[df.eligible.astype(bool)]
    counted = df.certainty.isin(CERTAINTY_LEVELS[certainty])
    fu = _follow_up(df, counted, df.arrest_date, horizon_months)
    out = pd.DataFrame({"woman_id": df.woman_id.astype(str), "country": df.country.astype(str),
                        "region": df.region.astype(str),
                        "freethe20": df.featured.astype(bool).astype(int)})
    for name, col in CONCERNS.items():
        out[name] = df[col].astype("Float64").astype(float)  # NaN where missing
    for name, label in REGIONS.items():
        out[name] = (df.region == label).astype(int)
    out["year_entry"] = df.year_entry.astype(int)
    out["n_urgent_actions"] = df.n_urgent_actions.astype(int)
    return pd.concat([out, fu], axis=1).reset_index(drop=True)
