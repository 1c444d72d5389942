"""casework.analysis.timeline: communications per year, peak, trough, empty years."""
from __future__ import annotations

import pandas as pd
from caseload_frames import cases, communications

from casework.analysis import timeline


def letters():
    comms = communications(
        {"date": "2001-02-01", "type": "urgent_appeal", "hrd_alone": True},
        {"date": "2001-05-01", "type": "press_release"},
        {"date": "2003-03-01", "type": "allegation_letter"},
        {"date": "2003-04-01", "type": "urgent_appeal"},
    )
    cs = cases({"communication_id": "C00001"}, {"communication_id": "C00002"},
               {"communication_id": "C00004"})
    return comms, cs


def test_per_year_series_fill_empty_years():
    comms, cs = letters()
    out = timeline.communications_per_year(comms, cs, 2000, 2003)
    assert out.index.tolist() == [2000, 2001, 2002, 2003]
    assert out["all"].tolist() == [0, 2, 0, 2]
    # the press release names a defender but is not a letter with individual cases
    assert out["individual_cases"].tolist() == [0, 1, 0, 1]
    assert out["urgent_appeals"].tolist() == [0, 1, 0, 1]
    assert out["hrd_alone"].tolist() == [0, 1, 0, 0]


def test_peak_trough_and_zero_years():
    s = pd.Series([5, 9, 9, 4, 3, 3, 6], index=range(2000, 2007))
    assert timeline.peak(s) == (2001, 9)
    assert timeline.trough_after_peak(s) == (2004, 3)
    assert timeline.zero_years(pd.Series([1, 0, 0, 2], index=[2011, 2012, 2013, 2014])) == [2012, 2013]
