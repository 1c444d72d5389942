"""casework.analysis.geography: communications per country."""
from __future__ import annotations

from caseload_frames import cases, communications

from casework.analysis import geography


def test_communications_by_country_ranks_ties_and_counts_cases():
    comms = communications(*([{"country": "AAA"}] * 3 + [{"country": "BBB"}] + [{"country": "CCC"}] * 3))
    cs = cases({"country": "CCC"}, {"country": "CCC"}, {"country": "AAA"})
    out = geography.communications_by_country(comms, cs)
    assert out.index.tolist() == ["AAA", "CCC", "BBB"]
    assert out["rank"].tolist() == [1, 1, 3]
    assert out["communications"].tolist() == [3, 3, 1]
    assert out["cases"].tolist() == [1, 2, 0]
    assert out.loc["BBB", "share"] == 1 / 7
    assert geography.concentration(out, 2) == 6 / 7
