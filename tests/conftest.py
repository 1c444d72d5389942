"""Shared fixtures: a tiny, hand-made, valid data folder (every table, a few rows)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from casework.data.codebook import tables
from casework.data.write import write_tables


def _bools(table: str, n: int, true_cols=()) -> dict:
    return {f.name: [f.name in true_cols] * n for f in tables()[table].fields if f.type == "boolean"}


def tiny_frames() -> dict[str, pd.DataFrame]:
    """Two communications, three cases, two sampled cases, one survey answer, small survival lists."""
    comms = pd.DataFrame({
        "communication_id": ["C00001", "C00002"],
        "date": pd.to_datetime(["2005-03-01", "2012-07-15"]),
        "country": ["IND", "ARG"], "type": ["urgent_appeal", "allegation_letter"],
        "mandates": [1, 3], "hrd_alone": [True, False], "named_individuals": [2, 1],
        "delay_days": [10, pd.NA], "addressee": ["state", "state"],
    })
    cases = pd.DataFrame({
        "case_id": ["K000001", "K000002", "K000003"],
        "communication_id": ["C00001", "C00001", "C00002"],
        "individual_id": ["P000001", "P000002", "P000001"],
        "year": [2005, 2005, 2012], "country": ["IND", "IND", "ARG"],
        "gender": ["female", "male", "female"],
        **_bools("cases", 3, true_cols=("viol_detention",)),
        "reply_status": ["substantive", "substantive", "none"],
        "reply_content": ["rejection", "rejection", pd.NA],
        "reply_delay_days": [120, 120, pd.NA],
    })
    sample = pd.DataFrame({
        "case_id": ["K000001", "K000003"], "assessed": [True, False],
        "development": ["somewhat_better", pd.NA], "source": ["survey", pd.NA],
        "information": ["good", pd.NA], "polity": [9, 8], "fragility": [12, 5],
        "upcoming_upr": [True, False], "aid_gdp": [0.1, 0.0], "aid_gni": [0.1, pd.NA],
        "reply_received": [True, False], "mentions": [2, 1],
        **{k: v for k, v in _bools("sample", 2).items()
           if k not in ("assessed", "upcoming_upr", "reply_received")},
        "perpetrator": ["state", "non_state"],
    })
    survey = pd.DataFrame({"case_id": ["K000001"], "attention_impact": ["probable"],
                           "attention_sign": ["positive"], "sr_impact": ["probably"]})
    ft20 = pd.DataFrame({
        "prisoner_id": ["F001", "F002"], "featured": [True, False], "country": ["CHN", "ETH"],
        "occupation": ["lawyer", "journalist"],
        "arrest_date": pd.to_datetime(["2014-01-10", "2014-04-25"]),
        "release_date": pd.to_datetime(["2016-02-01", "2015-07-08"]),
        "last_known_detained": pd.to_datetime([pd.NaT, pd.NaT]),
        "released_before_launch": [False, True],
    })
    ua = pd.DataFrame({
        "woman_id": ["U0001", "U0002"], "n_urgent_actions": [3, 1],
        **{c: [True, False] for c in ("concern_poc", "concern_torture", "concern_death_penalty",
                                      "concern_legal", "concern_medical")},
        "country": ["IRN", "CHN"], "region": ["Middle East", "Asia"], "year_entry": [2010, 2013],
        "eligible": [True, True], "arrest_date": pd.to_datetime(["2010-05-01", "2013-02-01"]),
        "release_date": pd.to_datetime(["2012-05-01", pd.NaT]),
        "last_known_detained": pd.to_datetime([pd.NaT, "2015-09-01"]),
        "certainty": ["certain", "probable"], "featured": [False, True],
    })
    return {"communications": comms, "cases": cases, "sample": sample, "survey": survey,
            "freethe20": ft20, "urgent_actions": ua}


def write_tiny(folder: Path, synthetic: bool = True) -> Path:
    write_tables(tiny_frames(), folder, synthetic=synthetic, provenance={"generator": "tests"})
    return folder


@pytest.fixture
def tiny_data(tmp_path) -> Path:
    """A valid data folder with every table (a handful of rows each)."""
    return write_tiny(tmp_path / "data")


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_project() -> Path:
    """The compendium itself, built with `casework build` (cached: cheap after `make report`).

    Tests of the real notebooks, paper and site use this instead of skipping when
    build outputs are missing, so a fresh clone tests the same things as a dev tree.
    """
    build = subprocess.run([sys.executable, "-m", "casework.cli", "build"], cwd=ROOT,
                           capture_output=True, text=True)
    assert build.returncode == 0, f"casework build failed:\n{build.stderr[-4000:]}"
    return ROOT


@pytest.fixture(autouse=True)
def close_figures():
    """No test leaves matplotlib figures open for the next one."""
    yield
    import sys as _sys
    if "matplotlib.pyplot" in _sys.modules:
        _sys.modules["matplotlib.pyplot"].close("all")
