"""The published-versus-computed items of notebook 01 (caseload.Check / Record) and how a
Checklist records them: names, order, and which numbers are compared or only recorded."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casework.analysis import caseload, geography, joint, profiles, replies, timeline, violations

from caseload_frames import cases, communications


class FakeNotebook:
    def __init__(self):
        self.values = {}

    def record(self, name, value, fmt=None):
        self.values[name] = value if fmt is None else fmt.format(value)


def names(items) -> list[tuple[str, str]]:
    return [(type(i).__name__, i.name) for i in items]


def test_extend_adds_checks_under_the_section_and_records_plain_values_in_order():
    nb = FakeNotebook()
    checks = caseload.Checklist(nb, 0.02, 0.05)
    checks.extend("time", [caseload.Check("n_x", "X", 100, 104, "count"), caseload.Record("y", 0.256, "{:.0%}"),
                           caseload.Check("share_z", "Z", 0.30, 0.25, "share", ci=(0.26, 0.34))])
    assert list(nb.values) == ["n_x", "n_x_published", "n_x_diff", "n_x_agrees", "y",
                               "share_z", "share_z_published", "share_z_diff_pp", "share_z_agrees"]
    assert nb.values["y"] == "26%" and nb.values["share_z_agrees"] is False
    assert [c.section for c, _ in checks.items] == ["time", "time"]


def test_agreement_rule_states_the_tolerances_and_level():
    assert caseload.agreement_rule(0.02, 0.05, 0.9) == (
        "agrees: within ±2 pp (shares) or ±5% (counts, means), or the published value lies inside the 90% interval")


def test_overview_checks_compare_every_published_count():
    counts = {key: 1 for _, key, _ in caseload.OVERVIEW_COUNTS} | {"individuals_approx": 9,
                                                                   "share_individuals_mentioned_once": 0.5}
    published = {key: 2 for _, key, _ in caseload.OVERVIEW_COUNTS} | {"individuals_approx": 9800,
                                                                      "share_individuals_mentioned_once": 0.85}
    items = caseload.overview_checks(counts, published)
    assert [i.name for i in items][-2:] == ["n_individuals", "share_mentioned_once"]
    assert items[-2].published == "about 9800" and len(items) == 8


def test_published_violation_shares_keep_bounds_as_bounds():
    got = violations.published_shares({"detention": "> 0.50", "torture_or_physical_attack": 0.25, "threats": 0.25,
                                       "relatives_targeted": 0.05, "trial": 0.17})
    assert (got["viol_detention"].relation, got["viol_detention"].value) == (">", 0.5)
    assert got["viol_torture"].relation == "=" and list(got) == list(violations.PUBLISHED_SHARES)


def test_land_shares_by_year_keep_only_years_in_the_period():
    published = {"land_env_indigenous_by_year": {2003: 0.14, 2007: 0.18, 2016: 0.24}}
    assert violations.published_land_shares_by_year(published, 2005, 2016) == {2007: 0.18, 2016: 0.24}


PUB = {"peak_year_communications": {"year": 2008, "count": 468}, "low_years_communications": {2010: 236},
       "cases_per_year_mean": {"Forst": 545}, "joint_communications": {"hrd_alone_zero_years": [2012, 2013]}}


def per_year(years):
    n = len(years)
    return pd.DataFrame({"all": [10, 30, 5][:n], "individual_cases": 1, "urgent_appeals": [5, 3, 1][:n],
                         "hrd_alone": [1, 0, 2][:n]}, index=pd.RangeIndex(years[0], years[-1] + 1))


def test_timeline_checks_compare_the_peak_in_period_and_only_record_it_outside():
    holders = pd.DataFrame({"cases_per_year": [600.0, 500.0]}, index=pd.Index(["Sekaggya", "Forst"], name="holder"))
    inside = timeline.timeline_checks(per_year([2008, 2009, 2010]), holders, [2009], [], PUB, 2008, 2010)
    assert names(inside) == [("Check", "peak_year"), ("Check", "peak_year_count"), ("Record", "hrd_alone_share"),
                             ("Record", "urgent_appeal_share"), ("Record", "trough_year"),
                             ("Record", "trough_year_count"), ("Check", "communications_2010"),
                             ("Record", "hrd_alone_zero_years"), ("Record", "hrd_alone_zero_years_published"),
                             ("Record", "hrd_alone_zero_years_match"), ("Record", "cases_per_year_sekaggya"),
                             ("Check", "cases_per_year_forst")]
    assert inside[1].computed == 30 and inside[1].whole_database is False
    assert inside[2].value == pytest.approx(3 / 45)
    outside = timeline.timeline_checks(per_year([2012, 2013]), holders, [2013], [2012, 2013], PUB, 2012, 2013)
    assert names(outside)[:2] == [("Record", "peak_year"), ("Record", "peak_year_count")]
    assert "communications_2010" not in [i.name for i in outside]
    assert [i.value for i in outside if i.name.startswith("hrd_alone_zero")] == ["2013", "2012, 2013", False]


def test_published_counts_and_zero_years_lie_in_the_period():
    assert timeline.published_counts(PUB, 2009, 2016) == {2010: 236}
    assert timeline.published_zero_years(PUB, 2013, 2016) == [2013]
    assert timeline.years_text([]) == "none" and timeline.years_text([], "none in period") == "none in period"


def appeals():
    return communications(*[{"type": "urgent_appeal", "mandates": m, "delay_days": d, "date": f"{y}-03-01"}
                            for m, d, y in [(1, 10, 2013), (1, 14, 2014), (2, 20, 2015), (3, 40, 2016)]])


def test_joint_checks_compare_the_recent_delay_only_for_a_period_ending_in_2016():
    comms = appeals()
    slope, by_year = joint.delay_per_mandate(comms, 0.95), joint.joint_by_year(comms)
    published = {"delay_per_additional_mandate_days": "> 7", "urgent_appeal_delay_last_four_years_days": "about 30"}
    full = joint.joint_checks(slope, 21.0, by_year, published, joint.recent_years(2000, 2016))
    assert names(full)[5] == ("Check", "urgent_delay_last4_days")
    assert full[5].label == "Mean delay of urgent appeals, 2013–2016 (days)"
    short = joint.joint_checks(slope, 21.0, by_year, published, joint.recent_years(2014, 2015))
    assert names(short)[5] == ("Record", "urgent_delay_last4_days")
    assert joint.recent_years(2014, 2015) == (2014, 2015)
    assert joint.published_recent_delay(published, 2015) is None
    assert joint.published_recent_delay(published, 2016).value == 30


def test_mean_delay_by_mandates_leaves_out_small_groups():
    got = joint.mean_delay_by_mandates(joint.with_delay(appeals()), min_appeals=2)
    assert got.to_dict() == {1.0: 12.0}


def test_profile_checks_name_women_rows_and_record_differences_in_pp():
    c = cases(*[{"gender": "female", "viol_detention": True, "protester": True}] * 2,
              *[{"gender": "male", "viol_killing": True, "issue_land_environment": True}] * 2)
    women = profiles.women_share_by_violation(c, 0.95)
    protest = profiles.contrast(c, "protester", "viol_detention", 0.95)
    landkill = profiles.contrast(c, "issue_land_environment", "viol_killing", 0.95)
    published = {"women_share": {k: 0.2 for k, _ in profiles.PUBLISHED_WOMEN.values()},
                 "protesters": {"count": 2, "share_of_detainees": 0.38, "share_of_non_detention_cases": 0.13},
                 "issue_areas": {"land_env_share_of_killings": 0.22, "land_env_share_of_non_lethal": 0.08}}
    items = profiles.profile_checks(women, protest, landkill, c, published)
    assert [i.name for i in items][:3] == ["women_share", "women_share_detention", "women_share_killing"]
    diffs = {i.name: i.value for i in items if isinstance(i, caseload.Record)}
    assert diffs["protester_difference_pp"] == pytest.approx(100)    # all detainees protest, no one else
    assert list(diffs)[3] == "land_env_difference_pp"


def test_rated_countries_leave_out_countries_without_known_content_and_classify_the_rest():
    engagement = pd.DataFrame({"engagement": [0.8, 0.0, -0.5, 0.4], "rejection_rate": [0.1, 0.5, 0.9, np.nan]},
                              index=["AAA", "BBB", "CCC", "DDD"])
    rated = replies.rated_countries(engagement)
    assert rated["engagement_class"].astype(str).to_dict() == {"AAA": "cooperative", "BBB": "mixed",
                                                               "CCC": "uncooperative"}
    records = replies.ranking_records(pd.DataFrame({"mean_days": [200.0, 20.0], "mean_months": [6.6, 0.7]},
                                                   index=["SAU", "OMN"]), engagement, rated)
    assert {r.name: r.value for r in records} == {
        "slowest_country": "SAU", "slowest_country_days": 200.0, "slowest_country_months": 6.6,
        "fastest_country": "OMN", "fastest_country_days": 20.0, "n_countries_rated": 4,
        "n_countries_uncooperative": 1, "n_countries_mixed": 1, "n_countries_cooperative": 1}


def test_published_response_days_converts_months_to_days():
    got = replies.published_response_days({"mean_response_months": {"Saudi Arabia": 8.0},
                                           "mean_response_days_fast": {"Oman": 24}})
    assert got == {"SAU": pytest.approx(8 * 365.25 / 12), "OMN": 24}


def test_country_table_has_readable_columns_and_blank_rates_for_small_countries():
    by_country = pd.DataFrame({"rank": [1, 2], "communications": [5, 1], "share": [0.8, 0.2], "cases": [40, 1]},
                              index=pd.Index(["AAA", "BBB"], name="country"))
    engagement = pd.DataFrame({"response_rate": [0.5], "rejection_rate": [0.2]}, index=["AAA"])
    table = geography.country_table(by_country, engagement, pd.DataFrame({"mean_days": [90.0]}, index=["AAA"]))
    assert list(table.columns) == ["Rank", "Communications", "Share of all", "Cases", "Response rate",
                                   "Rejection rate", "Mean days to reply"]
    assert table.index.name == "Country" and np.isnan(table.loc["BBB", "Response rate"])
