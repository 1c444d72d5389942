"""The #Freethe20 survival frames: time origin, horizon, censoring, exclusions, bad dates."""
from __future__ import annotations

import pandas as pd
import pytest

from casework.data import DataValidationError
from casework.data.frames.survival import (DAYS_PER_MONTH, launch_date, long_list_frame,
                                           urgent_action_frame)

LAUNCH = launch_date()


def day(months: float) -> pd.Timestamp:
    """The date `months` after the launch (same month length as the frames)."""
    return LAUNCH + pd.Timedelta(days=months * DAYS_PER_MONTH)


def long_list(**overrides) -> pd.DataFrame:
    rows = pd.DataFrame({
        "prisoner_id": ["F001", "F002", "F003", "F004", "F005"],
        "featured": [True, True, False, False, False],
        "country": ["CHN", "AZE", "ETH", "EGY", "IRN"],
        "occupation": ["lawyer"] * 5,
        "arrest_date": [day(-12), day(-24), day(-20), day(-6), day(-30)],
        # released at the launch; released after the 36-month horizon; released before
        # the launch; never released (censored at last known detention); released at 10
        "release_date": [LAUNCH, day(40), day(-2), pd.NaT, day(10)],
        "last_known_detained": [pd.NaT, pd.NaT, pd.NaT, day(18), pd.NaT],
        "released_before_launch": [False, False, True, False, False],
    })
    for k, v in overrides.items():
        rows[k] = v
    return rows


def test_time_from_launch_edge_cases():
    f = long_list_frame(long_list()).set_index("prisoner_id")
    assert "F003" not in f.index  # released before the launch: excluded by default
    assert (f.at["F001", "duration"], f.at["F001", "released"]) == (0.0, 1)   # day 0
    assert (f.at["F002", "duration"], f.at["F002", "released"]) == (36.0, 0)  # after horizon
    assert f.at["F004", "duration"] == pytest.approx(18.0) and f.at["F004", "released"] == 0
    assert f.at["F005", "duration"] == pytest.approx(10.0) and f.at["F005", "released"] == 1
    assert f.at["F001", "group"].startswith("Short list")


def test_shorter_horizon_censors_later_releases():
    f = long_list_frame(long_list(), horizon_months=12).set_index("prisoner_id")
    assert (f.at["F004", "duration"], f.at["F004", "released"]) == (12.0, 0)
    assert f.at["F005", "released"] == 1


def test_including_the_pre_launch_releases_puts_them_at_zero():
    f = long_list_frame(long_list(), exclude_pre_launch=False).set_index("prisoner_id")
    assert (f.at["F003", "duration"], f.at["F003", "released"]) == (0.0, 1)


def test_time_from_arrest():
    f = long_list_frame(long_list(), time_origin="arrest", exclude_pre_launch=False) \
        .set_index("prisoner_id")
    assert f.at["F001", "duration"] == pytest.approx(12.0, abs=0.01)
    assert f.at["F003", "duration"] == pytest.approx(18.0, abs=0.01)   # -20 -> -2
    # Follow-up still ends 36 months after the launch: 24 before + 36 after.
    assert f.at["F002", "duration"] == pytest.approx(60.0, abs=0.01) and f.at["F002", "released"] == 0
    # Released on the day of arrest: duration 0.
    same_day = long_list(release_date=[day(-12), day(40), day(-2), pd.NaT, day(10)])
    g = long_list_frame(same_day, time_origin="arrest").set_index("prisoner_id")
    assert (g.at["F001", "duration"], g.at["F001", "released"]) == (0.0, 1)


def test_release_before_arrest_names_the_row():
    bad = long_list(release_date=[LAUNCH, day(40), day(-2), pd.NaT, day(-31)])
    with pytest.raises(DataValidationError, match=r"prisoner_id=F005: release before arrest"):
        long_list_frame(bad)


def test_no_censoring_date_names_the_row():
    bad = long_list(last_known_detained=[pd.NaT] * 5)
    with pytest.raises(DataValidationError, match=r"prisoner_id=F004: no release_date"):
        long_list_frame(bad)


def test_flag_released_before_launch_must_fit_the_dates():
    bad = long_list(released_before_launch=[False, False, True, False, True])
    with pytest.raises(DataValidationError, match=r"F005: released_before_launch is true"):
        long_list_frame(bad)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="time_origin 'release'"):
        long_list_frame(long_list(), time_origin="release")
    with pytest.raises(ValueError, match="certainty 'sure'"):
        urgent_action_frame(urgent(), certainty="sure")


def urgent() -> pd.DataFrame:
    concerns = {c: [True, False, pd.NA, True] for c in
                ("concern_poc", "concern_torture", "concern_death_penalty", "concern_legal",
                 "concern_medical")}
    return pd.DataFrame({
        "woman_id": ["U0001", "U0002", "U0003", "U0004"], "n_urgent_actions": [1, 2, 3, 1],
        **{k: pd.array(v, dtype="boolean") for k, v in concerns.items()},
        "country": ["IRN", "CHN", "PRK", "VEN"], "region": ["Middle East", "Asia", "Other", "Americas"],
        "year_entry": [2010, 2012, 2014, 2015], "eligible": [True, True, True, False],
        "arrest_date": [day(-60), day(-40), day(-20), day(-1)],
        "release_date": [day(-48), day(-10), pd.NaT, day(-0.5)],
        "last_known_detained": [pd.NaT, day(-30), day(30), pd.NaT],
        "certainty": ["certain", "uncertain", "certain", "certain"],
        "featured": [False, True, False, False],
    })


def test_urgent_action_frame_certainty_and_eligibility():
    any_ = urgent_action_frame(urgent()).set_index("woman_id")
    assert list(any_.index) == ["U0001", "U0002", "U0003"]  # U0004 not eligible
    assert any_.at["U0001", "duration"] == pytest.approx(12.0) and any_.at["U0001", "released"] == 1
    assert any_.at["U0002", "duration"] == pytest.approx(30.0) and any_.at["U0002", "released"] == 1
    assert any_.at["U0003", "duration"] == pytest.approx(50.0) and any_.at["U0003", "released"] == 0
    # Only certain releases count: U0002 is censored at her last known detention.
    certain = urgent_action_frame(urgent(), certainty="certain").set_index("woman_id")
    assert certain.at["U0002", "duration"] == pytest.approx(10.0)
    assert certain.at["U0002", "released"] == 0
    # Covariates under the published names; a missing concern stays missing.
    assert any_.at["U0002", "freethe20"] == 1 and any_.at["U0001", "region_middle_east"] == 1
    assert pd.isna(any_.at["U0003", "prisoner_of_conscience"])
    assert any_.loc["U0003", ["region_asia", "region_middle_east", "region_eurasia",
                              "region_africa", "region_americas"]].sum() == 0


def test_last_known_detention_after_release_is_an_error():
    bad = urgent()
    bad.loc[0, "last_known_detained"] = day(-40)
    with pytest.raises(DataValidationError, match=r"woman_id=U0001: last known detention after"):
        urgent_action_frame(bad)


def test_same_days_after_arrest_is_an_exact_tie():
    # Two women released 767 days after their arrest, arrested on different days: months
    # computed per date and then subtracted differ in the last bits; whole days do not.
    ties = urgent().iloc[:2].copy()
    ties["arrest_date"] = [pd.Timestamp("2013-03-04"), pd.Timestamp("2014-01-17")]
    ties["release_date"] = ties.arrest_date + pd.Timedelta(days=767)
    ties["last_known_detained"] = pd.NaT
    ties["certainty"] = "certain"
    f = urgent_action_frame(ties)
    assert f.duration.iloc[0] == f.duration.iloc[1] == 767 / DAYS_PER_MONTH
    assert f.released.tolist() == [1, 1]
