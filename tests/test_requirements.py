"""The least data each analysis needs is checked before any kernel starts."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import tiny_frames, write_tables
from test_parameters import project, two_notebooks, untouched  # noqa: F401 (fixtures)

from casework.data import load
from casework.pipeline import requirements

REPO = Path(__file__).resolve().parents[1]
from casework.pipeline.run import run


@pytest.fixture(scope="module")
def committed():
    """The committed data's tables: enough for every analysis."""
    return load(REPO / "data").tables


def test_the_committed_data_meet_every_need(committed):
    for notebook in requirements.NEEDS:
        assert requirements.check(notebook, dict(committed), "data") == [], notebook


def test_one_group_of_freethe20_cannot_run_the_survival_notebook():
    frames = tiny_frames()
    frames["freethe20"] = frames["freethe20"].iloc[:1]  # one row: featured only
    assert requirements.check("05_freethe20_survival", frames, "mydata")[0] == (
        "error: 05_freethe20_survival cannot run on mydata: table freethe20 needs featured and not "
        "featured women (column featured true and false): the log-rank test and the Cox models "
        "compare the two; found 1 true, 0 false")


@pytest.mark.parametrize("notebook", ["05_freethe20_survival", "06_robustness", "07_power"])
def test_urgent_actions_cut_to_one_row_stop_the_survival_and_power_notebooks(committed, notebook):
    frames = dict(committed)
    ua = frames["urgent_actions"]
    frames["urgent_actions"] = ua[~ua.eligible.astype(bool)].iloc[:1]  # the review's case: one ineligible row
    [message] = requirements.check(notebook, frames, "cut")
    assert message == (
        f"error: {notebook} cannot run on cut: table urgent_actions needs eligible women (eligible "
        "true) featured and not featured, each group with at least 1 release after time 0 within "
        "follow-up (releases counted as the certainty parameter says): the Cox models and the "
        "Weibull baseline of the power simulation; found 0 featured (0 released, 0 censored), "
        "0 not featured (0 released, 0 censored)")


def test_no_release_among_the_controls_is_named(committed):
    frames = dict(committed)
    ua = frames["urgent_actions"].copy()
    gone = ~ua.featured
    ua.loc[gone, "last_known_detained"] = ua.loc[gone, "release_date"].fillna(ua.loc[gone, "last_known_detained"])
    ua.loc[gone, "release_date"] = pd.NaT  # every control censored
    frames["urgent_actions"] = ua
    [message] = requirements.check("07_power", frames, "censored")
    n = int((ua.eligible & ~ua.featured).sum())
    assert message.endswith(f"found {n} not featured (0 released, {n} censored)")


def test_a_constant_covariate_is_named(committed):
    frames = dict(committed)
    frames["urgent_actions"] = frames["urgent_actions"].assign(concern_medical=False)
    [message] = requirements.check("05_freethe20_survival", frames, "flat")
    assert "Cox model 4 estimates them all" in message
    assert message.endswith("constant there: medical_concerns")


def test_needs_are_checked_with_the_notebooks_parameters(committed):
    """Releases coded 'probable' count for certainty=any, not for certainty=certain."""
    frames = dict(committed)
    ua = frames["urgent_actions"]
    frames["urgent_actions"] = ua.assign(certainty=ua.certainty.where(ua.featured, "probable"))
    assert requirements.check("05_freethe20_survival", frames, "d", {"certainty": "any"}) == []
    [message] = requirements.check("05_freethe20_survival", frames, "d", {"certainty": "certain"})
    assert "(0 released," in message and "not featured" in message


def test_survey_without_a_not_improved_case_cannot_run_the_survey_notebook():
    frames = tiny_frames()  # the one surveyed case improved
    [message] = requirements.check("03_impact_survey", frames, "mydata")
    assert message.endswith("the two-proportion test needs n > 0 on each side; found 1 improved, "
                            "0 not improved")
    frames["sample"].loc[1, ["assessed", "development", "source", "information"]] = \
        [True, "same", "survey", "good"]
    frames["survey"] = pd.concat([frames["survey"], frames["survey"].assign(case_id="K000003")])
    assert requirements.check("03_impact_survey", frames, "mydata") == []


def test_unmet_needs_stop_the_run_before_any_kernel(two_notebooks, capsys, monkeypatch):
    monkeypatch.setitem(requirements.NEEDS, "02_beta", [requirements.FREETHE20_GROUPS])
    frames = tiny_frames()
    frames["freethe20"] = frames["freethe20"].iloc[1:]
    write_tables(frames, two_notebooks / "data", synthetic=True, provenance={"generator": "tests"})
    assert run([], None, [], None, force=False, jobs=1) == 2
    err = capsys.readouterr().err
    assert "error: 02_beta cannot run on data: table freethe20 needs featured and not featured" in err
    assert "found 0 true, 1 false" in err
    assert not list((two_notebooks / "analyses").glob("*.ipynb"))
