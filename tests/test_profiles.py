"""casework.analysis.profiles: women per violation type, two-group contrasts."""
from __future__ import annotations

import math

import pytest
from caseload_frames import cases
from statsmodels.stats.proportion import proportion_confint

from casework.analysis import profiles


def test_women_share_by_violation_keeps_unknown_gender_in_the_denominator():
    cs = cases({"gender": "female", "viol_detention": True},
               {"gender": "male", "viol_detention": True},
               {"gender": "female", "viol_threats": True},
               {"gender": "unknown", "viol_threats": True})
    out = profiles.women_share_by_violation(cs, 0.95)
    assert out.index.tolist() == ["All cases", "viol_detention", "viol_threats"]  # empty types dropped
    assert out.loc["All cases", "share"] == 0.5
    assert out.loc["viol_detention", "share"] == 0.5
    assert out.loc["viol_threats", "share"] == 0.5
    assert out.loc["viol_threats", "label"] == "Threats"


def protest_cases():
    # detainees: 3 of 4 protesters; others: 1 of 5
    rows = ([{"viol_detention": True, "protester": True}] * 3 + [{"viol_detention": True}]
            + [{"protester": True}] + [{}] * 4)
    return cases(*rows)


def test_contrast_shares_and_newcombe_difference():
    c = profiles.contrast(protest_cases(), "protester", "viol_detention", 0.95)
    assert c.table["share"].tolist() == [0.75, 0.2]
    assert c.table["n"].tolist() == [4, 5]
    assert c.difference == pytest.approx(0.55)
    # Newcombe (1998) hybrid score interval, worked from the two Wilson intervals
    l1, u1 = proportion_confint(3, 4, alpha=0.05, method="wilson")
    l2, u2 = proportion_confint(1, 5, alpha=0.05, method="wilson")
    assert c.diff_low == pytest.approx(0.55 - math.sqrt((0.75 - l1) ** 2 + (u2 - 0.2) ** 2))
    assert c.diff_high == pytest.approx(0.55 + math.sqrt((u1 - 0.75) ** 2 + (0.2 - l2) ** 2))


def test_contrast_with_an_empty_group_is_missing():
    cs = cases({"protester": True}, {})
    c = profiles.contrast(cs, "protester", "viol_detention", 0.95)
    assert math.isnan(c.difference) and c.table.loc["not in group", "share"] == 0.5
