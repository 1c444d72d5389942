"""casework.analysis.violations: Fig. 1 violation shares and Fig. 2 issue areas."""
from __future__ import annotations

import pytest
from caseload_frames import cases

from casework.analysis import violations


def four_cases():
    return cases(
        {"viol_detention": True, "viol_torture": True, "viol_killing": True, "viol_trial": True,
         "viol_conviction": True, "viol_travel_restriction": True, "issue_women": True, "year": 2003},
        {"viol_detention": True, "viol_trial": True, "viol_expulsion": True,
         "viol_citizenship_revoked": True, "issue_women": True, "issue_lgbti": True, "year": 2003},
        {"issue_land_environment": True, "year": 2004},
        {"viol_threats": True, "year": 2004},
    )


def test_violation_shares_in_figure_order_with_nesting():
    out = violations.violation_shares(four_cases(), 0.95)
    assert out.index[:3].tolist() == ["viol_detention", "viol_torture", "viol_killing"]
    assert out.loc["viol_killing", "parent"] == "viol_torture"
    assert out.loc["viol_conviction", "parent"] == "viol_trial"
    assert out.loc["viol_detention", "label"] == "Detention"
    assert out.loc["viol_detention", "share"] == 0.5
    assert out.loc["viol_conviction", "share"] == 0.25
    assert out.loc["viol_raid", "count"] == 0
    assert (out["n"] == 4).all()


def test_nested_within_parent_detects_a_killing_without_attack():
    cs = four_cases()
    assert violations.nested_within_parent(cs).all()
    cs.loc[3, "viol_killing"] = True            # killed, but no torture/attack flag
    assert violations.nested_within_parent(cs).to_dict() == {"viol_killing": False,
                                                             "viol_conviction": True}


def test_administrative_share_counts_a_case_once():
    # case 1: travel restriction; case 2: expulsion and citizenship revoked -> 2 of 4
    assert violations.administrative_share(four_cases(), 0.95)["share"] == 0.5


def test_conviction_share_of_trials():
    p = violations.conviction_share_of_trials(four_cases(), 0.95)
    assert (p["count"], p["n"], p["share"]) == (1, 2, 0.5)


def test_issue_area_groups_and_unattributed():
    out = violations.issue_area_shares(four_cases(), 0.95)
    assert out.loc["Women's, LGBTI rights", "count"] == 2       # the LGBTI case counts once
    assert out.loc["Indigenous, land, environmental rights", "share"] == 0.25
    assert out.loc["No issue area recorded", "share"] == 0.25
    assert out.loc["Democratic rights and institutions", "count"] == 0


def test_issue_share_by_year():
    out = violations.issue_share_by_year(four_cases(), ["issue_land_environment", "issue_indigenous"],
                                         0.95)
    assert out.index.tolist() == [2003, 2004]
    assert out["share"].tolist() == [0.0, 0.5]
    assert out.loc[2004, "ci_low"] < 0.5 < out.loc[2004, "ci_high"]
