"""Perceived impact on a hand-made survey of ten cases (two with a negative impact)."""
from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from casework.analysis import intervals, survey
from casework.published import published

# case: attention impact, sign, SR impact, development (case 10 not assessed)
ROWS = [
    ("definite", "positive", "definitely", "much_better"),
    ("definite", "positive", "probably", "somewhat_better"),
    ("probable", "positive", "probably", "same"),
    ("probable", "negative", "probably", "same"),
    ("probable", "negative", "definitely", "somewhat_worse"),
    ("unlikely", None, "rather_unlikely", "somewhat_worse"),
    ("definitely_not", None, "definitely_not", "much_worse"),
    ("dont_know", None, "dont_know", "somewhat_better"),
    ("probable", "positive", "rather_unlikely", "mixed"),
    ("definite", "positive", "dont_know", None),
]
IDS = [f"K{i:06d}" for i in range(1, 11)]


def make_survey() -> pd.DataFrame:
    a, s, r, _ = zip(*ROWS)
    return pd.DataFrame({"case_id": pd.array(IDS, dtype="string"),
                         "attention_impact": pd.array(a, dtype="string"),
                         "attention_sign": pd.array(s, dtype="string"),
                         "sr_impact": pd.array(r, dtype="string")})


def make_sample() -> pd.DataFrame:
    devs = [row[3] for row in ROWS]
    return pd.DataFrame({"case_id": pd.array(IDS + ["K000099"], dtype="string"),
                         "assessed": pd.array([d is not None for d in devs] + [True], dtype="boolean"),
                         "development": pd.array(devs + ["same"], dtype="string")})


def test_ratings_without_recoding_keep_answers():
    rated = survey.ratings(make_survey(), recode_negative=False)
    assert rated["attention"].value_counts()[list(survey.SCALE)].tolist() == [3, 4, 1, 1, 1]
    assert rated["sr"].value_counts()[list(survey.SCALE)].tolist() == [2, 3, 2, 1, 2]
    assert rated["negative"].tolist() == [False] * 3 + [True, True] + [False] * 5
    assert rated["attention_positive"].sum() == 5     # cases 1, 2, 3, 9, 10


def test_recoding_moves_negative_cases_to_probably_not():
    rated = survey.ratings(make_survey(), recode_negative=True)
    # cases 4 and 5 (negative) leave 'probably'/'definitely' on both questions
    assert rated["attention"].tolist()[3:5] == ["probably_not", "probably_not"]
    assert rated["sr"].tolist()[3:5] == ["probably_not", "probably_not"]
    assert rated["attention"].value_counts()[list(survey.SCALE)].tolist() == [3, 2, 3, 1, 1]
    assert rated["sr"].value_counts()[list(survey.SCALE)].tolist() == [1, 2, 4, 1, 2]
    # the positive-impact flag does not depend on the recoding
    assert rated["attention_positive"].sum() == 5


def test_ratings_errors_name_the_case():
    broken = make_survey()
    broken.loc[2, "attention_sign"] = pd.NA
    with pytest.raises(ValueError, match="attention_sign: empty for case_id K000003"):
        survey.ratings(broken, recode_negative=True)
    broken = make_survey()
    broken.loc[1, "sr_impact"] = "maybe"
    with pytest.raises(ValueError, match="sr_impact: value 'maybe' \\(case_id K000002\\)"):
        survey.ratings(broken, recode_negative=False)


def test_distribution_shares_and_intervals():
    table = survey.distribution(survey.ratings(make_survey(), recode_negative=True))
    row = table.set_index(["question", "answer"]).loc[("sr", "probably_not")]
    assert (row["n"], row["count"], row["share"]) == (10, 4, pytest.approx(0.4))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(intervals.wilson(4, 10))
    assert table.groupby("question")["count"].sum().tolist() == [10, 10]


def test_headline_by_hand():
    h = survey.headline(make_survey())
    assert h["n_responses"] == 10
    assert (h["attention_definite"], h["attention_probable"], h["attention_negative"]) == (3, 2, 2)  # 1, 2, 10 | 3, 9 | 4, 5
    assert h["attention_likely_share"] == pytest.approx(0.7)
    assert h["attention_positive_share"] == pytest.approx(0.5)
    assert (h["sr_definitely_share"], h["sr_probably_share"], h["sr_unlikely_share"]) == pytest.approx((0.2, 0.3, 0.3))
    assert h["sr_dont_know"] == 2
    assert h["sr_likely_share_raw"] == pytest.approx(0.5)
    assert h["sr_likely_share_recoded"] == pytest.approx(0.3)
    assert (h["sr_likely_share_recoded_low"], h["sr_likely_share_recoded_high"]) == pytest.approx(
        intervals.wilson(3, 10))
    assert (h["sr_unlikely_share_low"], h["sr_unlikely_share_high"]) == pytest.approx(intervals.wilson(3, 10))


def test_attention_vs_sr_mcnemar():
    table, p = survey.attention_vs_sr(survey.ratings(make_survey(), recode_negative=False))
    # both likely: 1-5; attention only: 9, 10; SR only: none; neither: 6-8
    assert table.to_numpy().tolist() == [[5, 2], [0, 3]]
    # exact McNemar = two-sided binomial test on the 2 discordant pairs: 2 * 0.5**2
    assert p == pytest.approx(0.5)
    assert p == pytest.approx(stats.binomtest(0, 2, 0.5).pvalue)


def test_with_development_and_improved_cases():
    frame = survey.with_development(make_survey(), make_sample(), recode_negative=False)
    assert frame["band"].value_counts().to_dict() == {"improved": 3, "same_mixed": 3, "worse": 3}
    assert frame["band"].isna().sum() == 1                # case 10 was not assessed
    assert survey.improved_cases(frame) == {"improved_in_survey": 3, "improved_with_likely_impact": 2,
                                            "improved_dont_know": 1, "improved_with_likely_sr_impact": 2}


def test_improvement_test_by_hand():
    frame = survey.with_development(make_survey(), make_sample(), recode_negative=False)
    # likely attention impact: improved cases 1, 2 of 1, 2, 8 -> 2/3; others 3, 4, 5, 9 of 3-7, 9 -> 4/6
    res = survey.improvement_test(frame, "attention")
    assert (res.share_a, res.share_b) == pytest.approx((2 / 3, 4 / 6))
    assert res.method == "fisher" and res.p == pytest.approx(1.0)
    # recoded SR answers: improved 2 of 3 likely (1, 2), others 1 of 6 (3). Fisher by hand,
    # P(k) = C(3,k)C(6,3-k)/84 = 20, 45, 18, 1 (/84); observed k=2 -> (18 + 1) / 84
    recoded = survey.with_development(make_survey(), make_sample(), recode_negative=True)
    res = survey.improvement_test(recoded, "sr")
    assert res.difference == pytest.approx(2 / 3 - 1 / 6)
    assert res.p == pytest.approx(19 / 84)
    with pytest.raises(KeyError, match="'both'"):
        survey.improvement_test(frame, "both")


def test_with_development_rejects_unknown_case():
    sample = make_sample()
    with pytest.raises(ValueError, match="K000004 is not in the sample"):
        survey.with_development(make_survey(), sample[sample["case_id"] != "K000004"], recode_negative=True)


@pytest.mark.parametrize("recode, attention, sr", [
    (True, [2, 2, 0], [2, 1, 0]),     # improved, same/mixed, worse (of 3 each)
    (False, [2, 3, 1], [2, 2, 1]),
])
def test_impact_by_band(recode, attention, sr):
    frame = survey.with_development(make_survey(), make_sample(), recode_negative=recode)
    table = survey.impact_by_band(frame)
    assert table.loc["attention", "count"].tolist() == attention
    assert table.loc["sr", "count"].tolist() == sr
    assert table["n"].tolist() == [3] * 6
    assert (table.loc[("sr", "same_mixed"), "ci_low"], table.loc[("sr", "same_mixed"), "ci_high"]) == \
        pytest.approx(intervals.wilson(sr[1], 3))


def test_published_comparisons_use_survey_section():
    section = published()["survey"]
    for name, (_, _, path, _) in survey.PUBLISHED.items():
        assert survey.development.published_value(section, path) is not None, name
    out = survey.published_comparisons({"n_responses": 10, "sr_likely_share_recoded": 0.3}, section,
                                       share_tolerance=0.02, count_tolerance=0.05)
    (c_n, c_sr), = [out[survey.WP]]
    assert c_n.published.value == section["responses"] and c_n.computed == 10
    assert c_sr.published.value == section["special_rapporteur_distinct_impact"]["likely_distinct_positive_share"]
    assert c_sr.section == "Perceived impact"
