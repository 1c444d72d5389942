"""Sentences chosen by the numbers: the same code says 'holds' or 'does not hold'."""
from types import SimpleNamespace

import pytest

from casework.report import findings


def test_estimate_holds_when_the_published_value_is_inside_the_interval():
    inside = findings.Estimate("UPR, open regimes", published=1.22, computed=1.10, low=0.9, high=1.5)
    outside = findings.Estimate("UPR, open regimes", published=1.22, computed=0.76, low=0.41, high=1.15,
                                p=0.38)
    assert inside.holds is True and outside.holds is False
    assert inside.sentence() == ("UPR, open regimes: published 1.22, computed 1.10 (95% CI 0.90 to 1.50); "
                                 "the published value lies inside the computed interval: it holds.")
    assert outside.sentence().endswith("not significant at 5%; the published value lies outside the "
                                       "computed interval: it does not hold on these data.")


def test_estimate_without_interval_or_estimate_claims_nothing():
    assert findings.Estimate("n", 64, 60, fmt="{:,.0f}").holds is None
    assert findings.Estimate("n", 64, 60, fmt="{:,.0f}").sentence() == "n: published 64, computed 60."
    assert "no finite estimate" in findings.Estimate("x", 1.0, float("nan")).sentence()


@pytest.mark.parametrize("inside, total, text", [
    (1, 1, "1 of 1 published estimates lies inside the computed interval (100%)."),
    (3, 4, "3 of 4 published estimates lie inside the computed interval (75%)."),
    (0, 0, "No published estimates could be set against a computed interval.")])
def test_agreement(inside, total, text):
    assert findings.agreement(inside, total) == text


def test_conclude_records_answer_and_sentences():
    recorded = {}
    nb = SimpleNamespace(record=lambda k, v, **kw: recorded.__setitem__(k, v))
    shown = findings.conclude(nb, "Yes.", ["First.", "Second."])
    assert recorded == {"answer": "Yes.", "what_this_shows": "First. Second."}
    assert shown.data == "- First.\n- Second."


def test_choose():
    assert findings.choose(True, "a", "b") == "a" and findings.choose(False, "a", "b") == "b"


def test_compared_reads_the_notebooks_comparison_rows(tmp_path):
    import pandas as pd
    pd.DataFrame({"study": ["Spannagel 2018 (Chasing Shadows)"] * 3, "section": ["S"] * 3, "estimate": ["a", "b", "c"],
                  "published": [0.5, 0.9, 64], "computed": [0.52, 0.6, 60], "ci_low": [0.4, 0.5, None],
                  "ci_high": [0.6, 0.7, None], "level": [0.95] * 3}).to_csv(tmp_path / "99_x.comparison.csv",
                                                                         index=False)
    nb = SimpleNamespace(name="99_x", results_path=tmp_path / "99_x.json")
    assert findings.compared(nb) == [
        "1 of 2 published estimates lies inside the computed interval (50%).",
        "Outside the interval: b (S): published 0.9, computed 0.6.",
        "1 further published number (a count or share without an interval) is set beside the "
        "computed ones in the tables above."]
    assert findings.compared(SimpleNamespace(name="98_y", results_path=tmp_path / "98_y.json")) == []


def test_a_published_significant_result_that_is_not_significant_here_holds_only_in_part():
    upr = findings.Estimate("UPR", published=1.22, computed=0.76, low=-0.26, high=1.79, p=0.14,
                            published_significant=True)
    assert upr.holds is True and upr.significance_holds is False and upr.confirmed is False
    assert upr.sentence().endswith("but the study reported it as significant and it is not here: "
                                   "it holds only in part.")
    same = findings.Estimate("x", 1.0, 1.1, 0.5, 1.5, p=0.01, published_significant=True)
    assert same.confirmed is True and same.sentence().endswith(": it holds.")


def test_numpy_numbers_give_the_same_verdicts():
    import numpy as np
    upr = findings.Estimate("UPR", published=np.float64(1.22), computed=np.float64(0.76), low=np.float64(-0.26),
                            high=np.float64(1.79), p=np.float64(0.14), published_significant=True)
    assert upr.holds is True and upr.significance_holds is False and upr.confirmed is False
    assert "holds only in part" in upr.sentence()


def test_every_page_opens_with_its_question_and_answer_and_ends_with_what_this_shows():
    # The page shape CONTRIBUTING asks for: question and {{< var KEY.answer >}} in the first
    # cell, a "What this shows" section whose cell calls findings.conclude.
    from pathlib import Path
    import jupytext
    from casework.notebook import notebook_key
    for path in sorted((Path(__file__).parents[1] / "notebooks").glob("[0-9][0-9]_*.py")):
        cells = jupytext.read(path).cells
        first = cells[0].source
        assert "**Question.**" in first, path.name
        assert f"{{{{< var {notebook_key(path.stem)}.answer >}}}}" in first, path.name
        heading = next(i for i, c in enumerate(cells) if "## What this shows" in c.source.splitlines())
        assert any("findings.conclude(nb, answer" in c.source for c in cells[heading:]), path.name
