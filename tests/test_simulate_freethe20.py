"""The synthetic #Freethe20 tables: deterministic, valid against the codebook, calibrated."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from casework.analysis.survival import logrank
from casework.data import load
from casework.data.calibration.freethe20 import targets
from casework.data.codebook import tables
from casework.data.frames.survival import DAYS_PER_MONTH, launch_date, long_list_frame
from casework.data.simulate.freethe20 import simulate_freethe20
from casework.data.write import write_tables

SEEDS = [20190101, 1, 2]


def simulate(seed: int):
    return simulate_freethe20(np.random.default_rng(seed))


def test_same_seed_same_tables_other_seed_other_tables():
    a, b, c = simulate(5), simulate(5), simulate(6)
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x, y)
    assert not a[1].release_date.equals(c[1].release_date)


def test_tables_pass_the_codebook(tmp_path):
    ft, ua = simulate(SEEDS[0])
    assert list(ft.columns) == tables()["freethe20"].columns
    assert list(ua.columns) == tables()["urgent_actions"].columns
    write_tables({"freethe20": ft, "urgent_actions": ua}, tmp_path, synthetic=True)
    data = load(tmp_path, only=["freethe20", "urgent_actions"])  # raises on any violation
    assert len(data["freethe20"]) == 40 and len(data["urgent_actions"]) == 455


@pytest.mark.parametrize("seed", SEEDS)
def test_every_target_is_met(seed):
    ft, ua = simulate(seed)
    missed = [f"{t.name}: published {t.published}, generated {t.generated:.3f}"
              for t in targets({"freethe20": ft, "urgent_actions": ua}) if not t.ok]
    assert not missed, missed


@pytest.mark.parametrize("seed", SEEDS)
def test_short_list_released_faster(seed):
    ft, _ = simulate(seed)
    assert logrank(long_list_frame(ft)).p_value < 1e-4  # published: p < 0.0001


@pytest.mark.parametrize("seed", SEEDS)
def test_dates_tell_one_story(seed):
    ft, ua = simulate(seed)
    launch = launch_date()
    featured = ft[ft.featured]
    # Featured women were held at the launch; released ones left within 36 months.
    assert (featured.arrest_date < launch).all()
    released = featured.release_date.notna()
    assert (featured.release_date[released] > launch).all()
    assert (featured.release_date[released]
            <= launch + pd.Timedelta(days=36 * DAYS_PER_MONTH)).all()
    # The three released before the launch: Ethiopian journalists, July 2015.
    pre = ft[ft.released_before_launch]
    assert set(pre.country) == {"ETH"} and set(pre.occupation) == {"journalist"}
    assert (pre.release_date.dt.to_period("M") == pd.Period("2015-07", "M")).all()
    # Featured Urgent Action women are featured long-list women with the same dates.
    ua_feat = ua[ua.featured][["country", "arrest_date", "release_date"]]
    merged = ua_feat.merge(featured[["country", "arrest_date", "release_date"]], how="left",
                           indicator=True)
    assert (merged._merge == "both").all()
    # Eligible women were held at least two months (up to the day rounding of the draw).
    elig = ua[ua.eligible & ua.release_date.notna()]
    held = (elig.release_date - elig.arrest_date).dt.days
    assert (held >= 2 * DAYS_PER_MONTH - 1).all()
    assert (ua[~ua.eligible].release_date - ua[~ua.eligible].arrest_date).dt.days.max() < 61
    assert ua.year_entry.between(2000, 2015).all()
    # Six eligible women without concern flags; the 'Other' region is North Korea only.
    assert int((ua.eligible & ua.concern_poc.isna()).sum()) == 6
    assert set(ua.country[ua.region == "Other"]) == {"PRK"}


def test_simulation_is_fast():
    start = time.perf_counter()
    simulate(SEEDS[0])
    assert time.perf_counter() - start < 2.0
