"""The least data each analysis needs is checked before any kernel starts."""
from __future__ import annotations

import pandas as pd
from conftest import tiny_frames, write_tables
from test_parameters import project, two_notebooks, untouched  # noqa: F401 (fixtures)

from casework.pipeline import requirements
from casework.pipeline.run import run


def test_one_group_of_freethe20_cannot_run_the_survival_notebook():
    frames = tiny_frames()
    frames["freethe20"] = frames["freethe20"].iloc[:1]  # one row: featured only
    assert requirements.check("05_freethe20_survival", frames, "mydata") == [
        "error: 05_freethe20_survival cannot run on mydata: table freethe20 needs featured and not "
        "featured women (column featured true and false): the log-rank test and the Cox models "
        "compare the two; found 1 true, 0 false"]
    assert requirements.check("05_freethe20_survival", tiny_frames(), "mydata") == []


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
    assert run([], None, [], None, force=False, jobs=1) == 1
    err = capsys.readouterr().err
    assert "error: 02_beta cannot run on data: table freethe20 needs featured and not featured" in err
    assert "found 0 true, 1 false" in err
    assert not list((two_notebooks / "analyses").glob("*.ipynb"))
