"""casework.analysis.replies: reply rates, country engagement, response times, Piccone."""
from __future__ import annotations

import pandas as pd
import pytest
from caseload_frames import cases
from scipy import stats

from casework.analysis import caseload, replies


def replied():
    return cases(
        {"country": "AAA", "reply_status": "substantive", "reply_content": "rejection", "reply_delay_days": 30},
        {"country": "AAA", "reply_status": "substantive", "reply_content": "steps_taken", "reply_delay_days": 60},
        {"country": "AAA", "reply_status": "substantive", "reply_content": "unknown", "reply_delay_days": 90},
        {"country": "AAA", "reply_status": "none"},
        {"country": "BBB", "reply_status": "immaterial"},
        {"country": "BBB", "reply_status": "substantive", "reply_content": "unknown", "reply_delay_days": 10},
        {"country": "CCC", "reply_status": "substantive", "reply_content": "other", "reply_delay_days": 5},
    )


def test_reply_shares():
    out = replies.reply_shares(replied(), 0.95)
    assert out.loc["any reply", "count"] == 6 and out.loc["substantive reply", "count"] == 5
    assert out["n"].tolist() == [7, 7]


def test_country_engagement_ignores_immaterial_and_unknown_content():
    out = replies.country_engagement(replied(), min_cases=2, confidence=0.95)
    assert out.index.tolist() == ["BBB", "AAA"]                   # CCC has too few cases
    assert out.loc["AAA", "response_rate"] == 0.75                 # 3 substantive of 4
    assert out.loc["AAA", "rejection_rate"] == 0.5                 # 1 of 2 with known content
    assert out.loc["AAA", "engagement"] == 0.25
    assert out.loc["BBB", "response_rate"] == 0.5                  # immaterial = no response
    assert pd.isna(out.loc["BBB", "rejection_rate"])               # no known content:
    assert out.loc["BBB", "engagement"] == 0.5                     # response rate alone


def test_rejection_share_over_all_countries():
    p = replies.rejection_share(replied(), 0.95)
    assert (p["count"], p["n"]) == (1, 3)                          # rejection / (rej, steps, other)


def test_response_times_t_interval_by_hand():
    out = replies.response_times(replied(), min_cases=2, confidence=0.95)
    assert out.index.tolist() == ["AAA", "BBB"]                    # slowest first
    assert out.loc["AAA", "mean_days"] == 60 and out.loc["AAA", "replies"] == 3
    half = stats.t.ppf(0.975, 2) * 30 / 3 ** 0.5                   # sd 30, n 3
    assert out.loc["AAA", "ci_low"] == pytest.approx(60 - half)
    assert pd.isna(out.loc["BBB", "ci_low"])                       # one reply: no interval
    assert out.loc["AAA", "mean_months"] == pytest.approx(60 / (365.25 / 12))


def test_response_times_need_enough_replies():
    out = replies.response_times(replied(), min_cases=1, confidence=0.95, min_replies=2)
    assert out.index.tolist() == ["AAA"]              # BBB and CCC have one reply each


def test_mean_response_days():
    m = replies.mean_response_days(replied(), 0.95)
    assert m["n"] == 5 and m["mean"] == 39


def test_substantive_by_holder():
    terms = caseload.mandate_terms([{"name": "A", "from": "2000-01", "to": "2004-12"},
                                    {"name": "B", "from": "2005-01", "to": "2009-12"}])
    cs = replied().assign(date=pd.to_datetime(["2001-01-01"] * 4 + ["2006-01-01"] * 3))
    out = replies.substantive_by_holder(cs, terms, 0.95)
    assert out.index.tolist() == ["A", "B"]
    assert out["share"].tolist() == [0.75, 2 / 3]


def test_piccone_categories_add_up_and_compare():
    cats = replies.reply_categories(replied(), 0.95)
    assert cats["count"].tolist() == [2, 1, 1, 3]      # none+immaterial, steps, rejection, unknown/other
    assert cats["share"].sum() == pytest.approx(1)
    cmp = replies.piccone_comparison(cats, {"no_or_immaterial": 0.58, "steps_taken": 0.18,
                                            "rejected_without_investigation": 0.21})
    assert cmp.loc["other_or_unknown", "all_mandates"] == pytest.approx(0.03)
    assert cmp.loc["no_or_immaterial", "difference"] == pytest.approx(2 / 7 - 0.58)


def test_engagement_class_edges():
    got = replies.engagement_class(pd.Series([-1.0, -0.2, -0.19, 0.19, 0.2, 1.0]), band=0.2)
    # -0.2 sits on the 'mixed' side, +0.2 on the 'cooperative' side (intervals closed on the left)
    assert got.tolist() == ["uncooperative", "mixed", "mixed", "mixed", "cooperative", "cooperative"]
