"""Words checked against their numbers, over many generated findings (hypothesis) and
over many simulated data sets: percentages equal counts over totals, direction words
agree with signs, 'beyond a threshold' is beyond it, conditionals name the right group,
'holds' only when the published value lies inside the interval, and every test in APA
form carries a p that its own statistic gives (what statcheck checks)."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from casework.report import apa, findings

PERCENT = re.compile(r"\((>99|<1|\d+)%\)|(>99|<1|\d+)% of")


def check_percent(shown: str, count: int, total: int) -> None:
    """A shown percent ('91', '>99', '<1') agrees with count/total."""
    share = 100 * count / total
    if shown == ">99":
        assert 99 <= share < 100
    elif shown == "<1":
        assert 0 < share <= 1
    else:
        assert abs(int(shown) - share) <= 0.5 + 1e-9
        assert (int(shown) == 100) == (count == total) and (int(shown) == 0) == (count == 0)


def parse_p(text: str) -> tuple[str, float]:
    m = re.search(r"p ([<>=]) (\.\d+)", text)
    assert m, text
    return m.group(1), float(m.group(2))


def check_p(text: str, p: float) -> None:
    """'p < .001' only below .001, 'p = .046' within rounding of p, 'p > .999' above it."""
    op, value = parse_p(text)
    if op == "<":
        assert value == 0.001 and p < 0.001
    elif op == ">":
        assert value == 0.999 and p > 0.999
    else:
        assert abs(value - p) <= 0.0005 + 1e-12 and 0.001 <= p <= 0.999


def check_consistent(text: str) -> None:
    """What statcheck does: recompute p from the statistic and df of an APA test and
    compare it with the reported p, given the rounding of both."""
    for m in re.finditer(r"(χ2\((\d+)\)|z) = (−?-?\d+\.\d+), p ([<>=]) (\.\d+)", text):
        value = float(m.group(3).replace("−", "-"))
        lo, hi = abs(value) - 0.005, abs(value) + 0.005           # the statistic's rounding
        if m.group(1) == "z":
            p_range = (2 * stats.norm.sf(hi), 2 * stats.norm.sf(max(lo, 0)))
        else:
            df = int(m.group(2))
            p_range = (stats.chi2.sf(hi, df), stats.chi2.sf(max(lo, 0), df))
        op, reported = m.group(4), float(m.group(5))
        if op == "<":
            assert p_range[0] < reported, m.group(0)
        elif op == ">":
            assert p_range[1] > reported, m.group(0)
        else:
            assert p_range[0] - 0.0005 <= reported <= p_range[1] + 0.0005, m.group(0)


# ---- generated findings ------------------------------------------------------------

counts = st.integers(min_value=0, max_value=5000)


@given(st.data())
def test_share_percent_equals_count_over_total(data):
    total = data.draw(st.integers(min_value=1, max_value=5000))
    count = data.draw(st.integers(min_value=0, max_value=total))
    text = findings.Share(count, total, "checks").text()
    assert text.startswith(f"{count:,} of {total:,} checks (")
    check_percent(PERCENT.search(text).group(1), count, total)


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_p_text_is_the_one_rule_and_within_rounding(p):
    text = apa.p_text(p)
    assert re.fullmatch(r"p (< \.001|> \.999|= \.\d{3})", text), text
    check_p(text, p)


@given(st.floats(min_value=0.0, max_value=60, allow_nan=False), st.integers(min_value=1, max_value=30))
def test_a_chi_square_test_reports_the_p_of_its_own_statistic(statistic, df):
    text = apa.chi2(statistic, df, stats.chi2.sf(statistic, df))
    assert text.startswith(f"χ2({df}) = ")
    check_consistent(text)


@given(st.floats(min_value=-8, max_value=8, allow_nan=False))
def test_a_z_test_reports_the_p_of_its_own_statistic(z):
    text = apa.z(z, 2 * stats.norm.sf(abs(z)))
    assert ("−" in text) == (round(z, 2) < 0)
    check_consistent(text)


@pytest.mark.parametrize("bad", [float("nan"), None])
def test_no_p_value_is_not_a_number(bad):
    with pytest.raises(apa.NotEstimable, match="p-value"):
        apa.p_text(bad)
    assert apa.p_or_not_estimable(bad) == "p not estimable"
    with pytest.raises(ValueError, match="between 0 and 1"):
        apa.p_text(1.5)


values = st.dictionaries(st.text("abcdefghij", min_size=1, max_size=6),
                         st.floats(min_value=-2, max_value=2, allow_nan=False), min_size=1, max_size=12)


@given(values, st.sampled_from([0.1, 0.25, 0.5]))
def test_beyond_a_threshold_is_beyond_it(vals, threshold):
    finding = findings.Threshold(vals, threshold)
    text = finding.sentence()
    beyond = {k for k, v in vals.items() if abs(v) > threshold}
    if not beyond:
        assert text.startswith(f"None of the {len(vals)} ")
        return
    assert text.startswith(f"{len(beyond)} of {len(vals)} characteristics (")
    named = re.findall(r"(\w+) \(([+−]\d\.\d\d)\)", text.split(":", 1)[1])
    assert named and all(name in beyond for name, _ in named)
    for name, shown in named:
        assert shown[0] == ("+" if vals[name] > 0 else "−")
        assert abs(float(shown[1:])) >= threshold - 0.005


@given(st.floats(allow_nan=True, allow_infinity=True, width=32), st.booleans())
def test_a_coefficient_says_infinite_or_not_estimable_instead_of_a_number(value, separated):
    text = findings.Coefficient("x", value, 0.5, 0.04, separated=separated).sentence()
    if separated or math.isinf(value):
        assert "no finite maximum-likelihood estimate" in text and not re.search(r"\d", text)
    elif math.isnan(value):
        assert text == "x: not estimable on these data"
    else:
        shown = text.split(": ", 1)[1]
        assert shown[0] == ("+" if value > 0 else "−" if value < 0 else "0") or round(value, 2) == 0


@given(st.sampled_from(["< .001", "= .012", "= .500"]), st.sampled_from(["< .001", "= .012", "= .500"]))
def test_a_change_between_equal_values_is_no_change(before, after):
    text = findings.Change("the p-value", before, after).sentence()
    assert ("leaves" in text) == (before == after)
    assert not re.search(r"from (.+) to \1$", text)


@given(st.floats(0, 1), st.floats(0, 1))
def test_a_test_with_and_without_a_choice_names_its_decisions(p_without, p_with):
    change = findings.TestChange("The test", "without", "with", p_without, p_with,
                                 f"χ2(1) = 1.00, {apa.p_text(p_without)}", f"χ2(1) = 2.00, {apa.p_text(p_with)}")
    text = change.sentence()
    assert ("changes its decision" in text) == ((p_without < 0.05) != (p_with < 0.05))
    if "same decision" in text:
        assert ("not significant" in text) == (p_with >= 0.05)


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(st.data())
def test_conditional_shares_name_the_group_and_the_direction(data):
    n_group = data.draw(st.integers(1, 400))
    n_other = data.draw(st.integers(1, 400))
    k_group = data.draw(st.integers(0, n_group))
    k_other = data.draw(st.integers(0, n_other))
    p = data.draw(st.floats(0, 1))
    finding = findings.ConditionalShares("were credited", "the improved cases", "the others",
                                         k_group, n_group, k_other, n_other, test="z = 1.00, p = .317", p=p)
    text = finding.sentence()
    shown = re.findall(r"(>99|<1|\d+)% of (the improved cases|the others) \((\d+) of (\d+)\)", text)
    assert [s[1] for s in shown] == ["the improved cases", "the others"]   # the conditioning group first
    check_percent(shown[0][0], k_group, n_group)
    check_percent(shown[1][0], k_other, n_other)
    difference = k_group / n_group - k_other / n_other
    if k_group * n_other == k_other * n_group:
        assert text.endswith("the same share.")
    elif p < 0.05:
        assert (": more often, by " if difference > 0 else ": less often, by ") in text
    else:
        assert "not significant" in text and "more often" not in text and "less often" not in text


@given(st.integers(1, 40), st.data())
def test_flags_beyond_chance_only_when_the_counts_say_so(n_tests, data):
    k = data.draw(st.integers(0, n_tests))
    terms = data.draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=k, max_size=k))
    ps = data.draw(st.lists(st.floats(0, 0.0499), min_size=k, max_size=k))
    flags = findings.Flags({f"t{i}": p for i, p in enumerate(ps)}, {f"t{i}": t for i, t in enumerate(terms)},
                           n_tests=n_tests)
    text = flags.sentence()
    if not k:
        assert text.startswith("None of the")
        return
    assert text.startswith(f"{k} of {n_tests} ")
    if len(set(terms)) == 1 and k > 1:
        assert f"all for one covariate, {terms[0]}" in text and "not chance" in text
    else:
        chance = stats.binom.sf(k - 1, n_tests, 0.05)
        assert ("more flags than chance explains" in text) == (chance < 0.05)


@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0.01, 5), st.floats(0, 1), st.booleans())
def test_holds_only_when_the_published_value_is_inside(published, computed, half, p, claimed):
    low, high = computed - half, computed + half
    text = findings.Estimate("x", published, computed, low, high, p=p, published_significant=claimed).sentence()
    inside = low <= published <= high
    assert ("lies inside" in text) == inside
    assert text.endswith(": it holds.") == (inside and (p < 0.05) == claimed)


# ---- the scorecard's sentences -----------------------------------------------------

@st.composite
def scorecards(draw):
    """Consistent scorecard counts: every target judged by one rule, agreements within them."""
    n_int, n_bound, n_dec = (draw(st.integers(0, 60)) for _ in range(3))
    within, bounds, decisions = (draw(st.integers(0, n)) for n in (n_int, n_bound, n_dec))
    n_signed, n_starred, n_se, n_truth = (draw(st.integers(0, 60)) for _ in range(4))
    return findings.Replication(
        n_targets=n_int + n_bound + n_dec, n_replicated=within + bounds + decisions,
        n_with_interval=n_int, n_within=within, n_bounds=n_bound, n_bounds_agree=bounds,
        n_decisions=n_dec, n_decisions_agree=decisions,
        n_signed=n_signed, n_sign_agrees=draw(st.integers(0, n_signed)),
        n_starred=n_starred, n_stars_agree=draw(st.integers(0, n_starred)),
        n_se=n_se, n_se_close=draw(st.integers(0, n_se)),
        se_ratio_median=draw(st.none() | st.floats(0.1, 10)) if n_se else None,
        n_truth=n_truth, n_recovered=draw(st.integers(0, n_truth)), synthetic=draw(st.booleans()))


def check_counted(text: str, count: int, total: int) -> None:
    """A count stated as 'all n', 'none of the n', 'the one' or 'k of n (x%)' says count of total."""
    if total == 1:
        assert "the one " in text.lower()
        return
    if count == total:
        assert re.search(rf"\b[Aa]ll {total:,} ", text), text
    elif count == 0:
        assert re.search(rf"\b[Nn]one of the {total:,} ", text), text
    else:
        m = re.search(rf"\b{count:,} of {total:,} [^(]*\(([^)]+)%\)", text)
        assert m, text
        check_percent(m.group(1), count, total)
    assert not re.search(r"\ball\b", text, re.I) or count == total


@given(scorecards())
def test_the_scorecard_verdict_states_its_counts_and_every_miss(card):
    text = card.verdict()
    if not card.n_targets:
        assert text.startswith("No published number")
        return
    check_counted(text, card.n_replicated, card.n_targets)
    missed = card.n_targets - card.n_replicated
    listed = {why: int(k) for k, why in re.findall(
        r"(\d+) (outside the computed interval|on the wrong side of a published bound|with the opposite "
        r"test decision)", text)}
    expected = {"outside the computed interval": card.n_with_interval - card.n_within,
                "on the wrong side of a published bound": card.n_bounds - card.n_bounds_agree,
                "with the opposite test decision": card.n_decisions - card.n_decisions_agree}
    assert listed == {why: k for why, k in expected.items() if k} and sum(listed.values()) == missed
    if missed and card.n_replicated:
        assert f"; {missed} do" in text
    # 'replicate' is never said of a number that does not
    assert ("does not replicate" in text or "None of" in text) == (card.n_replicated == 0)


@given(scorecards())
def test_the_scorecard_detail_counts_signs_stars_and_standard_errors_apart(card):
    text = card.detail()
    parts = dict(sign=("the sign ", card.n_sign_agrees, card.n_signed),
                 stars=("significance stars", card.n_stars_agree, card.n_starred),
                 se=("standard error", card.n_se_close, card.n_se))
    clauses = text.rstrip(".").split("; ") if text else []
    assert len(clauses) == sum(1 for _, _, n in parts.values() if n)
    for what, count, total in parts.values():
        if not total:
            assert what not in text.lower()
            continue
        clause = next(c for c in clauses if what in c.lower())
        check_counted(clause, count, total)
        if total == 1:
            assert ("not" in clause) == (count == 0)
    if card.n_se and card.se_ratio_median is not None:
        assert f"median ratio {card.se_ratio_median:.2f}" in text


@given(scorecards())
def test_the_scorecard_meaning_claims_recovery_only_as_counted(card):
    text = card.meaning()
    if not card.synthetic:
        assert "declared real" in text and "ecovered" not in text.replace("*Recovered?*", "")
        return
    assert "*replicated?* is not meaningful" in text
    if not card.n_truth:
        assert "No row carries a generating value" in text
        return
    sentence = text.rsplit("? ", 1)[1]
    check_counted(sentence, card.n_recovered, card.n_truth)
    assert sentence.startswith("It does not") == (card.n_truth == 1 and card.n_recovered == 0)


@given(scorecards())
def test_the_scorecard_study_line_is_counts_over_totals(card):
    text = card.agreement()
    for k, n, pct in re.findall(r"(\d+) of (\d+) \((>99|<1|\d+)%\)", text):
        check_percent(pct, int(k), int(n))
    pairs = [(int(k), int(n)) for k, n, _ in re.findall(r"(\d+) of (\d+) \((>99|<1|\d+)%\)", text)]
    expected = [(a, b) for a, b in ((card.n_replicated, card.n_targets), (card.n_sign_agrees, card.n_signed),
                                    (card.n_stars_agree, card.n_starred), (card.n_recovered, card.n_truth)) if b]
    assert pairs == expected


def test_scorecard_counts_out_of_range_are_refused():
    with pytest.raises(ValueError, match="n_replicated = 4; expected 0 to n_targets = 3"):
        findings.Replication(n_targets=3, n_replicated=4)


# ---- simulated data sets -----------------------------------------------------------
# 52 data sets: 48 seeds of the default design, two under each declared condition and
# two at twice the default size (as `casework simulate --scale 2`). The caseload tables
# are drawn once: the findings below read the impact and #Freethe20 tables, which are
# drawn anew for every data set.

def _datasets():
    cases = [(seed, (), 1) for seed in range(1000, 1048)]
    cases += [(2000 + k, ("estimable_improvement",), 1) for k in range(2)]
    cases += [(3000 + k, ("reference_release",), 1) for k in range(2)]
    cases += [(4000 + k, (), 2) for k in range(2)]
    return cases


@pytest.fixture(scope="module")
def caseload():
    from casework.data.simulate.caseload import simulate_caseload
    return simulate_caseload(np.random.default_rng(np.random.SeedSequence(7).spawn(3)[0]))


def _simulate(caseload, seed, conditions, scale):
    from casework.data.simulate import block_seed, simulate_domains, stack_blocks
    if scale == 1:
        return simulate_domains(seed, conditions, caseload=caseload)
    return stack_blocks([simulate_domains(block_seed(seed, b), conditions, caseload=caseload)
                         for b in range(scale)])


@pytest.mark.parametrize("seed, conditions, scale", _datasets())
def test_sentences_agree_with_their_numbers_on_simulated_data(caseload, seed, conditions, scale):
    from casework.analysis import development, intervals, survey, survival
    from casework.data.frames.survival import long_list_frame
    tables = _simulate(caseload, seed, conditions, scale)

    # Survey: the conditional is P(credited | improved), the shares are counts over totals.
    frame = survey.with_development(tables["survey"], tables["sample"], recode_negative=True)
    counts = survey.improvement_counts(frame, "sr")
    if counts["n_group"] and counts["n_other"]:
        test = survey.improvement_test(frame, "sr")
        finding = findings.ConditionalShares("were credited", "the surveyed cases that improved", "the others",
                                             **counts, test=apa.two_proportion(test), p=test.p)
        text = finding.sentence()
        assert finding.difference_pp == pytest.approx(100 * test.difference)
        shown = re.findall(r"(>99|<1|\d+)% of [^(]+\((\d+) of (\d+)\)", text)
        assert [(int(k), int(n)) for _, k, n in shown] == [(counts["count_group"], counts["n_group"]),
                                                         (counts["count_other"], counts["n_other"])]
        for pct, k, n in shown:
            check_percent(pct, int(k), int(n))
        if test.p < 0.05 and finding.direction != "as often":
            assert ("more often" in text) == (test.difference > 0)
        if test.method == "z":
            check_consistent(text)

    # Development: a chi-square test's p is its statistic's, or the exact test is named apart.
    assessed = development.assessed_cases(tables["sample"], tables["cases"], 2000, 2016)
    if len(assessed):
        for name, row in development.distribution_tests(assessed, 10).iterrows():
            if row["method"] == "chi-square":
                check_consistent(row["text"])
                assert row["text"].startswith(f"χ2({int(row['df'])}) = ")
            elif row["method"] != "not testable":
                assert "; Fisher" in row["text"]

    # #Freethe20: imbalance names only what lies beyond the threshold; the log-rank change.
    ua = tables["urgent_actions"]
    smd = survival.standardized_differences(ua)
    imbalance = findings.Threshold(dict(zip(smd.characteristic, smd.smd)), survival.IMBALANCE)
    beyond = int((smd.smd.abs() > survival.IMBALANCE).sum())
    text = imbalance.sentence()
    assert text.startswith(f"{beyond} of {len(smd)} " if beyond else f"None of the {len(smd)} ")
    ft20 = tables["freethe20"]
    runs = [survival.logrank(long_list_frame(ft20, "launch", 36, exclude)) for exclude in (True, False)]
    change = findings.TestChange("The log-rank test", "without them", "with them", runs[0].p_value, runs[1].p_value,
                                 *(apa.chi2(r.test_statistic, r.degrees_of_freedom, r.p_value) for r in runs))
    check_consistent(change.sentence())
    assert ("changes its decision" in change.sentence()) == ((runs[0].p_value < 0.05) != (runs[1].p_value < 0.05))
    assert intervals.p_label(runs[0].p_value) in change.sentence()
