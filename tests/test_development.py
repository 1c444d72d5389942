"""Case development descriptives on a hand-made sample of ten assessed cases."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from casework.analysis import development, intervals
from casework.published import published

# Ten assessed cases and one that could not be assessed. By hand:
# improved = much/somewhat better = cases 1-3 -> 3/10; same or mixed = 4-7 -> 4/10;
# worse = 8-10 -> 3/10, of which one (case 10) much worse.
DEVS = ["much_better", "much_better", "somewhat_better", "same", "same", "same", "mixed",
        "somewhat_worse", "somewhat_worse", "much_worse"]


def make_tables():
    ids = [f"K{i:06d}" for i in range(1, 12)]
    sample = pd.DataFrame({
        "case_id": ids,
        "assessed": pd.array([True] * 10 + [False], dtype="boolean"),
        "development": pd.array(DEVS + [None], dtype="string"),
        "source": pd.array(["survey"] * 4 + ["desk"] * 6 + [None], dtype="string"),
        "information": pd.array(["good", "good", "limited", "good"] + ["good"] * 6 + [None],
                                dtype="string"),
        # detention: cases 1, 2, 4, 7 -> 2 of 4 improved; without: 1 of 6 improved
        "viol_detention": pd.array([True, True, False, True, False, False, True, False, False, False, True],
                                   dtype="boolean"),
        # sent by the HRD mandate alone: cases 1, 8 -> 1 of 2 improved
        "hrd_alone": pd.array([True] + [False] * 6 + [True, False, False, False], dtype="boolean"),
        # conviction: cases 3, 8 -> 1 of 2 improved; without: 2 of 8
        "viol_conviction": pd.array([False, False, True] + [False] * 4 + [True, False, False, False],
                                    dtype="boolean"),
        # administrative harassment: cases 5, 8, 9 -> two worse; professional restriction: 1, 2
        "viol_admin_harassment": pd.array([False] * 4 + [True, False, False, True, True, False, False],
                                          dtype="boolean"),
        "viol_disciplinary": pd.array([True, True] + [False] * 9, dtype="boolean"),
    })
    cases = pd.DataFrame({
        "case_id": ids,
        "year": pd.array([2005, 2005, 2005, 2005, 2010, 2010, 2010, 2010, 2010, 2003, 2006], dtype="Int64"),
        "country": pd.array(["IND", "IND", "ARG", "IND", "ARG", "ARG", "MEX", "IND", "ARG", "ARG", "IND"],
                            dtype="string"),
        "gender": "female",
    })
    return sample, cases


@pytest.fixture
def frame():
    sample, cases = make_tables()
    return development.assessed_cases(sample, cases)


def test_assessed_cases_joins_and_derives(frame):
    assert len(frame) == 10                       # the unassessed case is left out
    assert frame["improved"].sum() == 3
    assert frame.loc[frame["case_id"] == "K000010", ["year", "country"]].values.tolist() == [[2003, "ARG"]]
    assert frame["band"].value_counts().to_dict() == {"same_mixed": 4, "improved": 3, "worse": 3}
    assert list(frame["development"].cat.categories) == list(development.DEVELOPMENTS)


def test_year_range_filters():
    sample, cases = make_tables()
    kept = development.assessed_cases(sample, cases, year_from=2004, year_to=2009)
    assert sorted(kept["case_id"]) == ["K000001", "K000002", "K000003", "K000004"]
    with pytest.raises(ValueError, match=r"year_from \(2010\) is after year_to \(2005\)"):
        development.assessed_cases(sample, cases, year_from=2010, year_to=2005)


def test_assessed_cases_errors_name_the_case():
    sample, cases = make_tables()
    broken = sample.copy()
    broken.loc[2, "development"] = pd.NA
    with pytest.raises(ValueError, match="case_id K000003"):
        development.assessed_cases(broken, cases)
    with pytest.raises(ValueError, match="K000005 not found in the cases table"):
        development.assessed_cases(sample, cases[cases["case_id"] != "K000005"])
    broken = sample.copy()
    broken.loc[0, "development"] = "better"
    with pytest.raises(ValueError, match=r"unknown value\(s\) \['better'\]"):
        development.assessed_cases(broken, cases)


def test_summary_by_hand(frame):
    s = development.summary(frame)
    assert s["n_assessed"] == 10
    assert (s["improved_share"], s["same_mixed_share"], s["worse_share"]) == pytest.approx((0.3, 0.4, 0.3))
    assert s["much_worse_count"] == 1
    assert s["same_share"] == pytest.approx(0.3) and s["mixed_share"] == pytest.approx(0.1)


def test_headline_by_hand(frame):
    h = development.headline(frame)
    assert (h["n_assessed"], h["survey_assessed"], h["desk_assessed"]) == (10, 4, 6)
    assert (h["improved_share_low"], h["improved_share_high"]) == pytest.approx(intervals.wilson(3, 10))
    assert (h["improved_detention"], h["improved_no_detention"]) == pytest.approx((0.5, 1 / 6))
    assert (h["improved_conviction"], h["improved_no_conviction"]) == pytest.approx((0.5, 0.25))
    assert (h["improved_hrd_alone"], h["improved_joint"], h["hrd_alone_n"]) == pytest.approx((0.5, 0.25, 2))
    assert (h["improved_joint_low"], h["improved_joint_high"]) == pytest.approx(intervals.wilson(2, 8))
    assert h["detention_p"] == pytest.approx(0.5) and h["detention_test"] == "Fisher's exact test"
    assert h["conviction_difference"] == pytest.approx(0.25)
    assert h["detention_mixed_share"] == pytest.approx(0.25)
    assert (h["detention_mixed_share_low"], h["detention_mixed_share_high"]) == pytest.approx(
        intervals.wilson(1, 4))
    assert h["admin_harassment_worse_share"] == pytest.approx(2 / 3)
    assert (h["disciplinary_improved_count"], h["disciplinary_n"]) == (2, 2)


def test_by_source_information_keeps_empty_groups(frame):
    counts = development.by_source_information(frame)
    assert list(counts.index) == ["Survey, complete or good information", "Survey, limited information",
                                  "Desk research, complete or good information", "Desk research, limited information"]
    assert list(counts.columns) == list(development.DEVELOPMENTS)
    # survey/good: cases 1, 2, 4 -> much_better x2, same x1; survey/limited: case 3
    assert counts.iloc[0].to_dict() == {"much_better": 2, "somewhat_better": 0, "same": 1, "mixed": 0,
                                        "somewhat_worse": 0, "much_worse": 0}
    assert counts.iloc[1]["somewhat_better"] == 1 and counts.iloc[1].sum() == 1
    assert counts.iloc[2].sum() == 6 and counts.iloc[3].sum() == 0
    shares = development.shares(counts)
    assert len(shares) == 3                       # the empty group has no shares
    assert shares.iloc[2]["same"] == pytest.approx(2 / 6)


def test_by_source_information_rejects_missing_source(frame):
    broken = frame.assign(source=frame["source"].mask(frame["case_id"] == "K000006"))
    with pytest.raises(ValueError, match="column source: 1 row.*K000006"):
        development.by_source_information(broken)


def test_by_year_and_band_shares(frame):
    counts = development.by_year(frame)
    assert counts.index.tolist() == [2003, 2005, 2010]
    bands = development.band_shares(counts)
    # 2005: cases 1-4 -> 3 improved, 1 same; 2010: cases 5-9 -> 3 same/mixed, 2 worse
    assert bands.loc[2005, "improved"] == pytest.approx(0.75)
    assert bands.loc[2010].to_dict() == pytest.approx({"improved": 0.0, "same_mixed": 0.6, "worse": 0.4, "n": 5})
    assert development.years_where(counts, "worse", 0.40) == [2003]            # 2010 is exactly 0.40
    assert development.years_where(counts, "worse", 0.40, strict=False) == [2003, 2010]
    assert development.years_where(counts, "improved", 0.30, strict=False) == [2005]


def test_distribution_tests(frame):
    tests = development.distribution_tests(frame, min_country_n=4)
    # survey vs desk: survey rows 1-4 (much_better 2, somewhat_better 1, same 1),
    # desk rows 5-10 (same 2, mixed 1, somewhat_worse 2, much_worse 1); every expected count < 5
    row = tests.loc["Survey vs desk research"]
    direct = intervals.independence_test([[0, 0, 2, 1, 2, 1], [2, 1, 1, 0, 0, 0]])  # desk, survey
    assert (row["n"], row["df"], row["method"]) == (10, 5, "fisher-monte-carlo")
    assert (row["chi2"], row["p"]) == pytest.approx((direct.chi2, direct.p))
    # countries with at least 4 cases: ARG 1 of 5 improved, IND 2 of 4 -> Fisher on 2x2
    row = tests.loc["Countries with at least 4 cases (improved or not)"]
    assert row["method"] == "fisher" and row["n"] == 9
    assert row["p"] == pytest.approx(stats.fisher_exact([[4, 1], [2, 2]]).pvalue)
    # only desk research has no limited-information case: nothing to test
    assert tests.loc["Information level, desk research", "method"] == "not testable"


def test_improvement_by_country(frame):
    table = development.improvement_by_country(frame, min_n=4)
    # ARG: cases 3, 5, 6, 9, 10 -> 1 of 5; IND: 1, 2, 4, 8 -> 2 of 4; MEX: 7 -> 0 of 1
    assert table.index.tolist() == ["ARG", "IND", "MEX"]
    assert table["n"].tolist() == [5, 4, 1]
    assert table["share"].tolist() == pytest.approx([0.2, 0.5, 0.0])
    assert table["small_n"].tolist() == [False, False, True]
    assert (table.loc["IND", "ci_low"], table.loc["IND", "ci_high"]) == pytest.approx(intervals.wilson(2, 4))


def test_improvement_by_flag_by_hand(frame):
    table, test = development.improvement_by_flag(frame, "viol_detention")
    assert table.index.tolist() == [True, False]
    assert table["n"].tolist() == [4, 6] and table["count"].tolist() == [2, 1]
    assert test.difference == pytest.approx(0.5 - 1 / 6)
    # Fisher by hand: 3 improved among 10, 4 detained; P(X=k) = C(4,k)C(6,3-k)/C(10,3):
    # 20, 60, 36, 4 (/120). Observed k=2 (36); as or less likely: k=0, 2, 3 -> 60/120.
    assert test.method == "fisher" and test.p == pytest.approx(0.5)
    assert test.p == pytest.approx(stats.fisher_exact([[2, 2], [1, 5]]).pvalue)


def test_improvement_comparisons_table(frame):
    table = development.improvement_comparisons(
        frame, {"viol_detention": "Detention", "hrd_alone": "HRD mandate alone"})
    assert table.loc["hrd_alone", ["n_with", "n_without"]].tolist() == [2, 8]
    assert table.loc["hrd_alone", "share_with"] == pytest.approx(0.5)
    assert table.loc["hrd_alone", "share_without"] == pytest.approx(2 / 8)
    assert table.loc["viol_detention", "test"] == "Fisher's exact"
    assert table.loc["hrd_alone", "p"] == pytest.approx(stats.fisher_exact([[1, 1], [2, 6]]).pvalue)


def test_improvement_by_flag_needs_both_groups(frame):
    with pytest.raises(ValueError, match="every case has the same value"):
        development.improvement_by_flag(frame.assign(flag=True), "flag")
    with pytest.raises(ValueError, match="column flag: 1 missing"):
        development.improvement_by_flag(
            frame.assign(flag=pd.array([True, None] + [False] * 8, dtype="boolean")), "flag")


def test_band_share_within(frame):
    # detained cases 1, 2, 4, 7: one mixed (case 7), none worse
    assert development.band_share_within(frame, "viol_detention", "mixed") == pytest.approx(0.25)
    assert development.band_share_within(frame, "viol_detention", "worse") == 0.0
    assert development.band_share_within(frame, "viol_detention", "improved") == pytest.approx(0.5)
    assert development.count_within(frame, "viol_admin_harassment", "worse") == (2, 3)
    assert math.isnan(development.band_share_within(frame.assign(none=False), "none", "mixed"))
    with pytest.raises(KeyError, match="'better'"):
        development.band_share_within(frame, "viol_detention", "better")


def test_published_comparisons_by_study():
    section = {"assessed": 471, "development_shares": {"improved": 0.24},
               "improvement_by_sender": {"joint": {"improved": "< 0.24"}}}
    values = {"n_assessed": 470, "improved_share": 0.30, "improved_share_low": 0.26,
              "improved_share_high": 0.34, "improved_joint": 0.2, "not_a_target": 1}
    out = development.published_comparisons(values, section, share_tolerance=0.02, count_tolerance=0.05)
    assert set(out) == {development.WP, development.CS}
    wp = {c.name: c for c in out[development.WP]}
    assert set(wp) == {"n_assessed", "improved_share"}
    assert wp["n_assessed"].agrees and wp["n_assessed"].difference == pytest.approx(-1)
    # 0.30 vs 0.24: 6 points apart, outside the 2-point tolerance; interval kept
    assert not wp["improved_share"].agrees and wp["improved_share"].difference == pytest.approx(0.06)
    assert (wp["improved_share"].ci_low, wp["improved_share"].ci_high) == (0.26, 0.34)
    joint = out[development.CS][0]
    assert joint.published.relation == "<" and joint.agrees        # 0.20 < 0.24
    with pytest.raises(KeyError, match="development_shares.worse"):
        development.published_comparisons({"worse_share": 0.3}, section, 0.02, 0.05)
    assert development.formats()["improved_share"] == "{:.0%}"
    card = development.scorecard(out)
    # the bound "< 0.24" is judged as a bound
    assert card["estimate"].tolist() == ["Assessed cases", "Improved (much or somewhat better)",
                                         "Improved: joint communication"]
    assert card["published"].tolist() == [471, 0.24, 0.24]
    assert card["rule"].tolist() == ["", "", "bound"] and card["bound"].tolist()[2] == "<"
    assert card["ci_low"].tolist()[1] == 0.26
    assert card["study"].unique().tolist() == [development.WP, development.CS]


def test_years_comparison():
    section = {"years_more_than_40pct_worse": [2005, 2013],
               "years_about_one_third_improved": [2005, 2009]}
    table = development.years_comparison({"worse": [2013], "improved": []}, section)
    assert table["Computed"].tolist() == ["2013", "none"]
    assert table["Published"].tolist() == ["2005, 2013", "2005, 2009"]
    assert table["In both"].tolist() == ["2013", "none"]


def test_every_published_target_exists():
    section = published()["sample"]
    for name, (_, study, path, kind) in development.PUBLISHED.items():
        assert development.published_value(section, path) is not None, name
        assert kind in development.FORMATS
