"""casework.analysis.caseload: period, counts, shares, mandate terms, published comparison."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from caseload_frames import cases, communications

from casework.analysis import caseload, intervals

HOLDERS = [{"name": "Jilani", "from": "2000-08", "to": "2008-05"},
           {"name": "Sekaggya", "from": "2008-05", "to": "2014-06"},
           {"name": "Forst", "from": "2014-06", "to": "2016-11"}]


def three_letters():
    comms = communications({"date": "2005-03-01"}, {"date": "2008-07-01", "type": "press_release"},
                           {"date": "2010-01-05", "addressee": "non_state"})
    cs = cases({"communication_id": "C00001", "individual_id": "P000001"},
               {"communication_id": "C00002", "individual_id": "P000001"},
               {"communication_id": "C00002", "individual_id": "P000002"})
    return comms, cs


def test_select_period_keeps_cases_of_kept_letters():
    comms, cs = three_letters()
    c, k = caseload.select_period(comms, cs, 2006, 2009)
    assert c["communication_id"].tolist() == ["C00002"]
    assert k["case_id"].tolist() == ["K000002", "K000003"]


def test_select_period_rejects_reversed_years():
    comms, cs = three_letters()
    with pytest.raises(ValueError, match="year_from=2010 and year_to=2009"):
        caseload.select_period(comms, cs, 2010, 2009)


def test_period_label():
    assert caseload.period_label(2000, 2016) == "2000–2016"
    assert caseload.period_label(2008, 2008) == "2008"


def test_overview_counts_by_hand():
    comms, cs = three_letters()
    # C00001: letter with a case; C00002: press release with cases; C00003: letter, no names.
    got = caseload.overview(comms, cs)
    assert got == {"communications": 3, "communications_with_individual_cases": 1,
                   "communications_without_names": 1, "press_releases": 1,
                   "communications_to_non_state_entities": 1, "individual_cases": 3,
                   "individuals_approx": 2, "share_individuals_mentioned_once": 0.5}


def test_with_communication_adds_date_and_type():
    comms, cs = three_letters()
    out = caseload.with_communication(cs, comms)
    assert out["type"].tolist() == ["allegation_letter", "press_release", "press_release"]
    assert out["date"].dt.year.tolist() == [2005, 2008, 2008]


def test_wilson_interval_worked_by_hand():
    # 2 of 4 at 95%: centre 0.5, half-width z*sqrt(pq/n + z²/4n²)/(1 + z²/n) = 0.34997
    p = intervals.proportions(2, 4, 0.95).iloc[0]
    assert p["share"] == 0.5
    assert p["ci_low"] == pytest.approx(0.15003, abs=1e-4)
    assert p["ci_high"] == pytest.approx(0.84997, abs=1e-4)


def test_proportions_with_zero_n_is_missing_not_an_error():
    p = intervals.proportions([1, 0], [2, 0], 0.9)
    assert p["share"].iloc[0] == 0.5 and math.isnan(p["share"].iloc[1])
    assert math.isnan(p["ci_low"].iloc[1])


def test_flag_shares_counts_true_rows():
    flags = pd.DataFrame({"a": [True, False, True, True], "b": [False] * 4}, dtype="boolean")
    out = caseload.flag_shares(flags, 0.95)
    assert out.loc["a", "share"] == 0.75 and out.loc["b", "count"] == 0
    assert out.loc["a", "n"] == 4


def test_mandate_terms_run_from_handover_to_handover():
    t = caseload.mandate_terms(HOLDERS)
    assert t["start"].dt.strftime("%Y-%m-%d").tolist() == ["2000-08-01", "2008-05-01", "2014-06-01"]
    assert t["end"].dt.strftime("%Y-%m-%d").tolist() == ["2008-05-01", "2014-06-01", "2016-12-01"]


def test_mandate_terms_must_be_in_order():
    with pytest.raises(ValueError, match="mandate_holders"):
        caseload.mandate_terms([{"name": "A", "from": "2008-05", "to": "2009-01"},
                                {"name": "B", "from": "2001-01", "to": "2002-01"}])


def test_holder_of_dates_at_the_edges():
    t = caseload.mandate_terms(HOLDERS)
    dates = pd.Series(pd.to_datetime(["2000-07-31", "2008-04-30", "2008-05-01", "2016-11-30",
                                       "2016-12-01"]))
    assert caseload.holder_of(dates, t).tolist() == [None, "Jilani", "Sekaggya", "Forst", None]


def test_cases_per_year_divides_by_time_in_office():
    terms = caseload.mandate_terms([{"name": "A", "from": "2001-01", "to": "2001-06"},
                                    {"name": "B", "from": "2001-07", "to": "2002-12"}])
    cs = pd.DataFrame({"date": pd.to_datetime(["2001-02-01", "2001-03-01", "2001-08-01",
                                               "2002-05-01", "2002-09-01"])})
    out = caseload.cases_per_year_by_holder(cs, terms, 2001, 2002)
    # A: 2 cases in 181 days; B: 3 cases in 549 days (2001-07-01 to 2003-01-01).
    assert out.loc["A", "cases_per_year"] == pytest.approx(2 / (181 / 365.25))
    assert out.loc["B", "cases_per_year"] == pytest.approx(3 / (549 / 365.25))
    # Restricting the period to 2002 drops A and clips B to one year.
    clipped = caseload.cases_per_year_by_holder(cs, terms, 2002, 2002)
    assert clipped.index.tolist() == ["B"]
    assert clipped.loc["B", "cases"] == 2
    assert clipped.loc["B", "cases_per_year"] == pytest.approx(2 / (365 / 365.25))


@pytest.mark.parametrize("text, value, relation", [
    (0.25, 0.25, "="), (851, 851, "="), ("> 0.50", 0.5, ">"), ("about 1/4", 0.25, "~"),
    ("> 1/3", 1 / 3, ">"), ("at least half of trial cases", 0.5, ">="), ("about 30", 30, "~"),
    ("< 0.24", 0.24, "<"),
])
def test_parse_published(text, value, relation):
    p = caseload.parse_published(text)
    assert p.value == pytest.approx(value) and p.relation == relation


def test_parse_published_without_number_fails_with_the_value():
    with pytest.raises(ValueError, match="'many'"):
        caseload.parse_published("many")


def test_compare_absolute_relative_and_bounds():
    assert caseload.compare("x", "x", 0.26, 0.25, 0.02).agrees is True
    c = caseload.compare("x", "x", 0.28, 0.25, 0.02)
    assert c.agrees is False and c.difference == pytest.approx(0.03)
    r = caseload.compare("k", "k", 880, 851, 0.05, relative=True)   # 29/851 = 3.4 %
    assert r.agrees is True and r.difference == 29
    assert caseload.compare("k", "k", 900, 851, 0.05, relative=True).agrees is False  # 5.8 %
    b = caseload.compare("d", "d", 0.55, "> 0.50", 0.02)
    assert b.agrees is True and b.difference is None
    assert caseload.compare("d", "d", 0.45, "> 0.50", 0.02).agrees is False
    assert caseload.compare("d", "d", float("nan"), 0.5, 0.02).agrees is None
    # 5 pp off, but the published value lies inside the computed interval: noise, not disagreement
    assert caseload.compare("s", "s", 0.18, 0.13, 0.02, ci=(0.12, 0.25)).agrees is True
    assert caseload.compare("s", "s", 0.18, 0.13, 0.02, ci=(0.14, 0.22)).agrees is False


def test_cases_per_year_counts_no_time_outside_the_data_window():
    # The codebook's dates start 2000-09-01: Aug 2000 is not time in which cases could fall.
    terms = caseload.mandate_terms([{"name": "A", "from": "2000-08", "to": "2000-12"}])
    cs = pd.DataFrame({"date": pd.to_datetime(["2000-10-01"])})
    out = caseload.cases_per_year_by_holder(cs, terms, 2000, 2000)
    assert out.loc["A", "start"] == pd.Timestamp("2000-09-01")
    assert out.loc["A", "years"] == pytest.approx(122 / 365.25)


def test_comparison_frame_and_scorecard_rows():
    cs = [caseload.compare("share", "Share", 0.26, 0.25, 0.02, ci=(0.24, 0.28), section="S"),
          caseload.compare("bound", "Bound", 0.55, "> 0.50", 0.02, section="S"),
          caseload.compare("n", "Count", 880, 851, 0.05, relative=True)]
    table = caseload.comparison_frame(cs, {"share": "{:.0%}", "bound": "{:.0%}", "n": "{:,.0f}"})
    assert table["Difference"].tolist() == ["+1.0 pp", "", "+29"]
    assert table["Published"].tolist() == ["25%", "more than 50%", "851"]
    assert table["Interval"].tolist() == ["24% to 28%", "", ""]
    rows = caseload.scorecard_rows(cs, "Spannagel 2018 (Chasing Shadows)")
    assert rows["estimate"].tolist() == ["Share", "Bound", "Count"]
    assert rows["rule"].tolist() == ["", "bound", ""] and rows["bound"].tolist() == ["", ">", ""]
    assert rows.loc[0, "ci_low"] == 0.24 and rows.loc[2, "published"] == 851


class FakeNotebook:
    def __init__(self):
        self.values = {}

    def record(self, name, value, fmt=None):
        self.values[name] = value if fmt is None else fmt.format(value)


def test_record_check_names_and_displays():
    nb = FakeNotebook()
    caseload.record_check(nb, caseload.compare("women_share", "w", 0.2, 0.21, 0.02), "{:.0%}")
    caseload.record_check(nb, caseload.compare("detention_share", "d", 0.55, "> 0.50", 0.02), "{:.0%}")
    caseload.record_check(nb, caseload.compare("killing_count", "k", 800, 851, 0.05, relative=True),
                          "{:,.0f}")
    assert nb.values == {
        "women_share": "20%", "women_share_published": "21%", "women_share_diff_pp": "-1.0 pp",
        "women_share_agrees": True,
        "detention_share": "55%", "detention_share_published": "more than 50%", "detention_share_agrees": True,
        "killing_count": "800", "killing_count_published": "851", "killing_count_diff": "-51",
        "killing_count_agrees": False,
    }


def test_checklist_rules_records_and_sections():
    nb = FakeNotebook()
    checks = caseload.Checklist(nb, share_tolerance=0.02, count_tolerance=0.05, counts_comparable=False)
    checks.add("peak_year", "Peak year", 2009, 2008, "year", section="time")
    checks.add("n_cases", "Cases", 12086, 12086, "count", section="time")
    checks.add("women_share", "Women", 0.215, 0.21, "share", ci=(0.2, 0.23), section="people")
    checks.add("days", "Days", 104.4, "about 100", "mean", fmt="{:.0f}")
    assert nb.values["days"] == "104" and nb.values["days_published"] == "about 100"
    checks.add("n_2008", "In 2008", 468, 468, "count", section="time", whole_database=False)
    assert [c.agrees for c, _ in checks.items] == [False, None, True, True, True]   # count: other period
    assert nb.values["peak_year_diff"] == "+1"
    assert checks.table("people")["Quantity"].tolist() == ["Women"]
    assert checks.scorecard("Piccone 2011", ["time", "people"])["computed"].tolist() == [2009, 12086, 0.215, 468]
    with pytest.raises(ValueError, match="kind 'ratio'"):
        checks.add("x", "x", 1, 1, "ratio")
