"""Figures of notebook 05 on small hand-made survival data: what each figure shows."""
from __future__ import annotations

from figure_support import fake_notebook, legend_labels
from figure_support import footer as shared_footer

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
import pytest
from lifelines import CoxPHFitter

from casework.analysis import survival
from casework.report import apa
from casework.report.figures import survival as figures

NB = fake_notebook("05_test")


def footer(fig) -> str:
    return shared_footer(fig, NB)


def lists() -> pd.DataFrame:
    """Six featured women released early, six others mostly still held at 36 months."""
    return pd.DataFrame({
        "group": ["Short list"] * 6 + ["Long list"] * 6, "featured": [True] * 6 + [False] * 6,
        "duration": [2, 4, 5, 7, 9, 36, 10, 20, 36, 36, 36, 36],
        "released": [1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0]})


def test_km_curves_p_value_at_risk_and_clock():
    frame = lists()
    fits, test = survival.km_fits(frame), survival.logrank(frame)
    fig = figures.km(fits, test, NB, title="Short vs long list", time_origin="launch", horizon_months=36,
                     confidence=0.9)
    ax = fig.axes[0]
    title = ax.get_legend().get_title().get_text()
    assert title == f"log-rank {apa.p_text(test.p_value)}\n90% confidence bands, | censored"
    assert title.startswith("log-rank p = .") or title.startswith("log-rank p < .001")
    assert legend_labels(ax) == ["Short list", "Long list"]
    assert ax.get_xlabel() == "Months since the launch (September 2015)"
    assert ax.get_ylabel() == "Share still detained"
    assert list(ax.get_xticks()) == [0, 6, 12, 18, 24, 30, 36]
    legend_box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    assert legend_box.y0 >= ax.get_window_extent().y1 - 1   # legend and p-value above the curves, off the bands
    table = fig.axes[1]                                      # number at risk, keyed to the curves by colour
    assert [t.get_text() for t in table.get_yticklabels()] == ["Short list", "Long list"]
    assert [to_hex(t.get_color()) for t in table.get_yticklabels()] == [to_hex(c) for c in figures.GROUP_COLOURS]
    first = figures.at_risk(fits["Short list"], [0, 36])
    assert first.at_risk.iloc[0] == len(fits["Short list"].durations) and first.events.iloc[0] == 0
    assert first.events.iloc[-1] == int(fits["Short list"].event_observed.sum())
    cells = [t for t in table.texts if t.get_position()[0] == 0]
    assert {to_hex(t.get_color()) for t in cells} == {to_hex(c) for c in figures.GROUP_COLOURS}
    assert footer(fig).startswith("n = 12 · ")


def test_km_from_arrest_keeps_the_axis_free():
    frame = lists()
    fig = figures.km(survival.km_fits(frame), survival.logrank(frame), NB, title="t",
                     time_origin="arrest", horizon_months=36, confidence=0.95)
    assert fig.axes[0].get_xlabel() == "Months since arrest"


def test_km_titles_follow_the_exclusion():
    assert figures.km_title(True) == "Short vs long list (women released before launch left out)"
    assert figures.km_title(False) == "Short vs long list (whole long list)"
    assert figures.km_title(False, sensitivity=True) == "Sensitivity: women released before launch included"


def test_balance_rows_top_down_threshold_and_n():
    smd = pd.DataFrame({"characteristic": ["Number of Urgent Actions", "Year of entry", "Iran"],
                        "kind": ["case", "case", "country"], "smd": [0.4, -0.1, 1.5]})
    featured = pd.Series([True, True, False, False, False])
    fig = figures.balance(smd, featured, NB)
    ax = fig.axes[0]
    height = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    assert height == {"Number of Urgent Actions": 2, "Year of entry": 1, "Iran": 0}   # first row on top
    dashed = sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--")
    assert dashed == [-survival.IMBALANCE, survival.IMBALANCE]
    assert ax.get_xlim() == pytest.approx((-1.65, 1.65))  # widest difference plus 10%
    assert "pooled SD units" in ax.get_xlabel()
    assert legend_labels(ax) == ["case characteristic", "country"]
    assert footer(fig).startswith("n: 2 featured, 3 other women")


def test_hazard_ratios_published_aligned_by_model():
    ft = pd.DataFrame({"model": [1, 2, 3, 4], "hr": [2.0, 2.5, 3.0, 3.5], "hr_low": [1.0, 1.2, 1.5, 1.6],
                       "hr_high": [4.0, 5.0, 6.0, 7.0]})
    published = pd.Series([4.4, 3.3, 2.2, 1.1], index=[4, 3, 2, 1])    # deliberately out of order
    stats = pd.DataFrame({"model": [1, 2, 3, 4], "observations": [300, 245, 245, 245]})
    fig = figures.hazard_ratios(ft, published, stats, NB, confidence=0.95)
    ax = fig.axes[0]
    diamonds = ax.collections[-1].get_offsets()
    assert [tuple(p) for p in diamonds] == [(1.1, 3), (2.2, 2), (3.3, 1), (4.4, 0)]  # model 1 on top
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Model 1", "Model 2", "Model 3", "Model 4"]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Hazard ratio of release, featured vs other women (log scale)"
    assert legend_labels(ax) == ["published", "computed (95% CI)"]
    assert footer(fig).startswith("n: model 1: 300, model 2: 245, model 3: 245, model 4: 245")


def cox_model() -> survival.CoxModel:
    rng = np.random.default_rng(7)
    n = 80
    data = pd.DataFrame({"freethe20": rng.integers(0, 2, n), "torture_concerns": rng.integers(0, 2, n),
                         "legal_concerns": rng.integers(0, 2, n), "region_asia": rng.integers(0, 2, n)})
    data["duration"] = rng.exponential(20, n).round(1) + 0.5
    data["released"] = (rng.uniform(size=n) < 0.8).astype(int)
    covariates = ("freethe20", "torture_concerns", "legal_concerns", "region_asia")
    return survival.CoxModel(4, covariates, CoxPHFitter().fit(data, "duration", "released"), data)


def test_schoenfeld_four_panels_with_test_p_and_coefficient():
    model = cox_model()
    tests = pd.DataFrame({"model": [4] * 4, "term": list(model.covariates), "p": [0.5, 0.01, 0.2, 0.03]})
    terms = survival.ph_worst_terms(tests, model=4)
    assert terms == ["freethe20", "torture_concerns", "region_asia", "legal_concerns"]
    fig = figures.schoenfeld(model, tests, NB, terms)
    panels = fig.axes
    assert [a.get_title() for a in panels] == [
        "Free the 20 (test p = .500)", "Any torture concerns (test p = .010)",
        "Asia (test p = .030)", "Any legal concerns (test p = .200)"]
    coefficient = [line for line in panels[0].lines if line.get_linestyle() == "--"][0]
    assert coefficient.get_ydata()[0] == pytest.approx(model.fitter.params_["freethe20"])
    assert {a.get_xlabel() for a in panels[2:]} == {"Months since arrest"}
    assert panels[0].get_ylabel() == "β(t) estimate"
    assert footer(fig).startswith(f"n: {model.n_events} releases")


def test_hazard_ratio_table_blank_where_a_model_leaves_a_covariate_out():
    estimates = pd.DataFrame({"model": [1, 2, 2], "label": ["Free the 20", "Free the 20", "Any legal concerns"],
                              "hr": [2.0, 2.5, 0.8], "hr_low": [1.0, 1.2, 0.5], "hr_high": [4.0, 5.0, 1.3]})
    table = survival.hazard_ratio_table(estimates)
    assert table.loc["Free the 20", "Model 1"] == "2.00 [1.00, 4.00]"
    assert table.loc["Any legal concerns", "Model 1"] == ""
    assert table.index.name == "Covariate" and list(table.columns) == ["Model 1", "Model 2"]
