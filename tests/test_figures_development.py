"""Figures of notebook 02 on hand-made count and share tables: what each figure shows."""
from __future__ import annotations

from figure_support import fake_notebook, legend_labels
from figure_support import footer as shared_footer

import matplotlib
import pandas as pd
import pytest

from casework.analysis import development
from casework.report import theme
from casework.report.figures import development as figures

NB = fake_notebook("02_test")


def footer(fig) -> str:
    return shared_footer(fig, NB)


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


# Two groups of 10 and 4 cases: shares of the first are 20/10/30/0/10/30 %.
COUNTS = pd.DataFrame([[2, 1, 3, 0, 1, 3], [1, 1, 1, 1, 0, 0]],
                      index=["Survey, good information", "Desk research, good information"],
                      columns=list(development.DEVELOPMENTS))


def test_with_total_adds_the_column_sums():
    total = development.with_total(COUNTS)
    assert total.index[-1] == "All assessed cases"
    assert total.iloc[-1].tolist() == [3, 2, 4, 1, 1, 3]


def test_source_information_bars_labels_and_test():
    tests = pd.DataFrame({"text": ["χ²(5) = 1.23, p = 0.942"]}, index=["Survey vs desk research"])
    fig = figures.source_information(development.with_total(COUNTS), tests, NB, n=14)
    ax = fig.axes[0]
    assert len(ax.patches) == 6 * 3                      # six categories x (two groups + total)
    assert ax.get_xlabel() == "Share of assessed cases in the group (%)"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Survey, good information\n(n = 10)", "Desk research, good information\n(n = 4)",
        "All assessed cases\n(n = 14)"]
    # segments of at least 7% carry their percentage; the empty 'mixed' segment none
    first_row = [t.get_text() for t in ax.texts if t.get_position()[1] == 0]
    assert first_row == ["20", "10", "30", "10", "30"]
    assert ax.get_title(loc="left") == "Survey vs desk research: χ²(5) = 1.23, p = 0.942"
    assert legend_labels(ax) == [development.LABELS[c] for c in development.DEVELOPMENTS]
    assert footer(fig).startswith("n = 14 · ")
    assert "SYNTHETIC DATA" in [t.get_text() for t in fig.texts]


def test_by_year_ticks_show_n_and_legend_reads_top_down():
    years = COUNTS.set_axis([2004, 2005])
    fig = figures.by_year(years, NB, n=14)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2004\nn = 10", "2005\nn = 4"]
    assert ax.get_ylabel() == "Share of the year's assessed cases (%)"
    assert ax.get_ylim() == (0, 100)
    assert legend_labels(ax)[0] == "Much worse" and legend_labels(ax)[-1] == "Much better"


def test_country_improvement_shows_top_n_and_counts_the_hidden():
    countries = pd.DataFrame({
        "n": [12, 8, 6, 3], "count": [3, 2, 0, 1], "share": [0.25, 0.25, 0.0, 1 / 3],
        "ci_low": [0.09, 0.07, 0.0, 0.06], "ci_high": [0.53, 0.59, 0.39, 0.79],
        "small_n": [False, False, False, True]}, index=pd.Index(["IND", "BRA", "COL", "MEX"], name="country"))
    fig = figures.country_improvement(countries, NB, overall=0.2, top_n=3, min_n=5, n_cases=29,
                                      confidence=0.9)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Colombia (n = 6)", "Brazil (n = 8)", "India (n = 12)"]  # names, not codes
    assert ax.get_xlabel() == "Cases improved within one year (%, 90% Wilson interval)"
    assert legend_labels(ax) == ["5 or more assessed cases", "fewer than 5: anecdotal",
                                 "all assessed cases (20%)"]
    assert footer(fig).startswith("n: 26 cases in the 3 countries shown (of 4 countries, 29 cases) · "
                                  "not shown: 1 countries with fewer than 5 cases")


def test_characteristics_marks_published_shares_and_p_values():
    comp = pd.DataFrame({
        "characteristic": ["Detention", "Sender"],
        "n_with": [40, 30], "share_with": [0.3, 0.2], "low_with": [0.18, 0.1], "high_with": [0.45, 0.37],
        "n_without": [60, 70], "share_without": [0.2, 0.25], "low_without": [0.12, 0.16],
        "high_without": [0.32, 0.36], "p": [0.2345, 0.0004]}, index=["viol_detention", "hrd_alone"])
    published = {("viol_detention", True): 0.31, ("viol_detention", False): 0.18, ("hrd_alone", True): 0.21}
    fig = figures.characteristics(comp, published, NB, overall=0.23, n=100, confidence=0.95)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Detention: yes (n = 40)", "Detention: no (n = 60)",
        "HRD mandate alone (n = 30)", "Joint communication (n = 70)"]
    assert texts(ax) == ["p = .234", "p < .001"]   # the site's one p style (APA)
    diamonds = [line for line in ax.lines if line.get_marker() == "D"]
    assert sorted(float(d.get_xdata()[0]) for d in diamonds) == pytest.approx([18, 21, 31])
    assert ax.get_xlim()[1] == 55                       # 10 * ceil(4.5) + 5: room past the widest interval
    assert legend_labels(ax) == ["with", "without", "published", "all assessed cases"]
    assert "p: difference with vs without" in footer(fig)


def test_published_marks_read_the_study_section():
    section = {"improvement_by_violation": {"detention": 0.3, "no_detention": 0.2, "conviction": 0.4,
                                            "no_conviction": 0.1},
               "improvement_by_sender": {"hrd_mandate_alone": {"improved": 0.5}}}
    marks = development.published_marks(section)
    assert marks[("viol_conviction", False)] == 0.1 and marks[("hrd_alone", True)] == 0.5
    assert ("hrd_alone", False) not in marks


def test_figures_use_the_development_palette():
    fig = figures.by_year(COUNTS.set_axis([2004, 2005]), NB, n=14)
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for p in fig.axes[0].patches}
    assert colours == {c.lower() for c in theme.DEVELOPMENT_COLOURS.values()}
