"""The figures of notebook 01 on small hand-made frames: what each figure shows (bars,
points, published markers, axis labels with units, legend, the n stamped by theme.finish)."""
from __future__ import annotations

from caseload_frames import communications
from figure_support import fake_notebook
from figure_support import footer as shared_footer
from figure_support import legend_labels as legend

import numpy as np
import pandas as pd
import pytest
from casework.report import countries
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.ticker import PercentFormatter

from casework.analysis import caseload, intervals, joint, profiles, replies, violations
from casework.report.figures import caseload as figs
from casework.report.figures import common

DEFAULTS = {"year_from": 2000, "year_to": 2016, "confidence": 0.95, "top_n": 2, "min_country_n": 30,
            "min_replies": 5}
PROVENANCE = fake_notebook("01_caseload").provenance


def notebook(synthetic=True, **params):
    """The parts of casework.notebook.Notebook a figure uses, with notebook 01's parameters."""
    return fake_notebook("01_caseload", synthetic, **{**DEFAULTS, **params})


def shares(rows: dict[str, tuple[int, int]], **columns) -> pd.DataFrame:
    """A frame like intervals.proportions, indexed by the row names: {row: (count, n)}."""
    out = intervals.proportions([c for c, _ in rows.values()], [n for _, n in rows.values()], 0.95)
    out.index = list(rows)
    return out.assign(**columns)


def stamp(fig) -> str:
    return shared_footer(fig, notebook())


def bars(ax) -> list:
    return [bar for c in ax.containers if isinstance(c, BarContainer) for bar in c]


def markers(ax, label: str) -> np.ndarray:
    """Offsets (x, y) of the scatter with this legend label."""
    found = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_label() == label]
    assert len(found) == 1, f"one scatter labelled {label!r}, found {len(found)}"
    return np.asarray(found[0].get_offsets())


def colours(ax) -> list[str]:
    """Face colour of each bar, as lower-case hex."""
    return [to_hex(b.get_facecolor()) for b in bars(ax)]


def ticks(axis_labels) -> list[str]:
    return [t.get_text() for t in axis_labels]


# --- shared helpers -------------------------------------------------------------------------

def test_hbars_draws_first_row_on_top_with_whiskers_and_percent_axis():
    fig, ax = common.figure()
    frame = shares({"a": (5, 10), "b": (2, 10), "c": (8, 10)})
    ypos = common.hbars(ax, frame)
    assert ypos == {"a": 2, "b": 1, "c": 0}
    assert [round(b.get_width(), 2) for b in bars(ax)] == [0.5, 0.2, 0.8]
    assert ticks(ax.get_yticklabels()) == ["a", "b", "c"]
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter)
    whiskers = ax.containers[-1].lines[2][0].get_segments()
    assert np.allclose([s[:, 0] for s in whiskers], frame[["ci_low", "ci_high"]].to_numpy())


def test_figure_keeps_top_strip_free_and_level_reads_as_percent():
    fig, _ = common.figure()
    assert fig.get_layout_engine().get()["rect"] == (0, 0, 1, 0.955)
    assert common.level(0.9) == "90%"


def test_decimal_year_places_dates_within_their_year():
    assert common.decimal_year(pd.Timestamp("2008-01-01")) == 2008
    assert common.decimal_year(pd.Timestamp("2009-07-02")) == pytest.approx(2009 + 182 / 365)


# --- violations and issue areas -------------------------------------------------------------

def violation_frame():
    return shares({"viol_detention": (6, 10), "viol_torture": (3, 10), "viol_killing": (2, 10)},
                  label=["Detention", "Torture / physical attack", "...including: killing"],
                  parent=[None, None, "viol_torture"])


def test_violations_marks_published_shares_bounds_and_nested_rows():
    published = {"viol_detention": caseload.parse_published("> 0.50"),
                 "viol_torture": caseload.parse_published(0.25)}
    nested_ok = pd.Series({"viol_killing": False})
    fig = figs.violations_by_type(violation_frame(), nested_ok, published, nb=notebook(), n=10)
    ax = fig.axes[0]
    assert ticks(ax.get_yticklabels()) == ["Detention", "Torture / physical attack", "…including killing"]
    assert colours(ax) == [to_hex(common.BLUE), to_hex(common.BLUE), to_hex(common.SKY)]
    assert markers(ax, figs.PUBLISHED).tolist() == [[0.25, 1]]               # torture row, y = 1
    assert markers(ax, "Published lower bound").tolist() == [[0.5, 2]]      # detention row, on top
    assert legend(ax) == [figs.PUBLISHED, "Published lower bound"]
    assert ax.get_xlabel().startswith("Share of cases (%), whiskers: 95% Wilson interval")
    assert [t.get_text() for t in ax.texts] == ["6", "3", "2"]             # cases beside each bar
    assert stamp(fig).startswith("n = 10 · communications 2000–2016 · not all cases of killing fall")
    assert any(t.get_text() == "SYNTHETIC DATA" for t in fig.texts)


def test_violations_note_is_quiet_when_nesting_holds_and_real_data_has_no_mark():
    fig = figs.violations_by_type(violation_frame(), pd.Series({"viol_killing": True}), {},
                                  nb=notebook(synthetic=False, year_from=2005, year_to=2010), n=10)
    assert stamp(fig).startswith("n = 10 · communications 2005–2010 · ")
    assert not any(t.get_text() == "SYNTHETIC DATA" for t in fig.texts)


def test_issue_areas_greys_the_cases_without_an_area():
    issues = shares({violations.LAND_GROUP: (3, 10), violations.NO_ISSUE: (2, 10)})
    published = violations.published_issue_shares({"land_environment_indigenous": 0.13,
                                                   "unattributable_to_any_issue": "about 1/4"})
    ax = figs.issue_areas(issues, published, nb=notebook(), n=10).axes[0]
    assert colours(ax) == [to_hex(common.GREEN), "#777777"]
    assert markers(ax, figs.PUBLISHED).tolist() == [[0.13, 1], [0.25, 0]]


def yearly(shares_by_year: dict[int, float], n: int = 100) -> pd.DataFrame:
    out = intervals.proportions([round(s * n) for s in shares_by_year.values()], [n] * len(shares_by_year), 0.95)
    out.index = pd.Index(list(shares_by_year), name="year")
    return out


def test_issue_trend_draws_both_series_and_the_published_lgbti_level_only_after_2012():
    land, lgbti = yearly({2011: 0.1, 2012: 0.2, 2013: 0.3}), yearly({2011: 0.02, 2012: 0.03, 2013: 0.01})
    ax = figs.issue_trend(land, lgbti, {2013: 0.24}, 0.02, nb=notebook(year_from=2011, year_to=2013), n=300).axes[0]
    assert [line.get_label() for line in ax.lines] == [violations.LAND_GROUP, "LGBTI rights"]
    assert markers(ax, figs.PUBLISHED).tolist() == [[2013, 0.24]]
    assert "Published LGBTI level from 2012" in legend(ax)
    assert ax.get_ylabel() == "Share of cases in the year (%)"
    ax = figs.issue_trend(land, lgbti, {}, 0.02, nb=notebook(year_from=2005, year_to=2011), n=300).axes[0]
    assert "Published LGBTI level from 2012" not in legend(ax)
    assert not [c for c in ax.collections if c.get_label() == figs.PUBLISHED]


# --- countries and years --------------------------------------------------------------------

def test_countries_ranks_only_the_top_n_and_names_their_share():
    by_country = pd.DataFrame({"rank": [1, 2, 3], "communications": [5, 3, 2], "share": [0.5, 0.3, 0.2],
                               "cases": [9, 4, 1]}, index=pd.Index(["AAA", "BBB", "CCC"], name="country"))
    fig = figs.countries(by_country, nb=notebook(top_n=2), n=10)
    ax = fig.axes[0]
    assert np.asarray(ax.collections[-1].get_offsets()).tolist() == [[5, 1], [3, 0]]
    assert ticks(ax.get_yticklabels()) == ["AAA  (50.0%)", "BBB  (30.0%)"]
    assert ax.get_xlabel() == "Communications (count)"
    assert "top 2 of 3 countries (80% of all)" in stamp(fig)


def test_timeline_shades_terms_marks_published_counts_mid_year_and_notes_partial_years():
    per_year = pd.DataFrame({"all": [10, 20, 15], "individual_cases": [8, 15, 10], "urgent_appeals": [5, 9, 7],
                             "hrd_alone": [1, 0, 2]}, index=pd.RangeIndex(2014, 2017, name="year"))
    terms = caseload.mandate_terms([{"name": "Sekaggya", "from": "2008-05", "to": "2014-06"},
                                    {"name": "Forst", "from": "2014-06", "to": "2016-11"}])
    fig = figs.communications_timeline(per_year, terms, {2015: 20}, nb=notebook(year_from=2014, year_to=2016), n=45)
    ax = fig.axes[0]
    assert len(ax.lines) == 4 and ax.lines[0].get_xdata().tolist() == [2014.5, 2015.5, 2016.5]
    assert markers(ax, "Published count (all)").tolist() == [[2015.5, 20]]
    assert [t.get_text() for t in ax.texts] == ["Sekaggya", "Forst"]
    assert ax.get_ylabel() == "Communications per year (count)"
    assert stamp(fig).startswith("n = 45 · 2014–2016 (2016 to November: data cover part of the year)")


# --- joint communications -------------------------------------------------------------------

def appeals_frame():
    rows = [{"type": "urgent_appeal", "mandates": m, "delay_days": d, "date": f"{y}-06-01"}
            for m, d, y in [(1, 10, 2013), (1, 14, 2014), (2, 20, 2015), (2, 24, 2016), (3, 40, 2016), (1, 12, 2016)]]
    return communications(*rows)


def test_joint_trend_shows_the_published_recent_delay_only_when_given():
    by_year = joint.joint_by_year(appeals_frame())
    fig = figs.joint_trend(by_year, caseload.parse_published("about 30"), (2013, 2016), nb=notebook())
    top, bottom = fig.axes
    assert legend(top) == ["Published, last four years"]
    assert top.collections[0].get_segments()[0].tolist() == [[2013, 30], [2016, 30]]
    assert (top.get_ylabel(), bottom.get_ylabel()) == ("Mean delay (days)", "Mean signing\nmandates (count)")
    assert stamp(fig).startswith("n = 6 · urgent appeals with a known delay")
    fig = figs.joint_trend(by_year, None, (2013, 2016), nb=notebook())
    assert fig.axes[0].get_legend() is None


def test_delay_by_mandates_draws_means_only_for_groups_large_enough():
    comms = appeals_frame()
    appeals = joint.with_delay(comms)
    slope = joint.delay_per_mandate(comms, 0.95)
    fig = figs.delay_by_mandates(appeals, slope, nb=notebook(), min_group=2)
    ax = fig.axes[0]
    means = markers(ax, "Mean delay (≥ 2 appeals)")
    assert means.tolist() == [[1, 12], [2, 22]]                     # 3 mandates: one appeal only
    assert len(markers(ax, "Urgent appeal")) == 5                   # the longest delay is above the cap
    assert ax.get_xlabel() == "Signing mandates (count)" and ax.get_ylabel() == "Delay from last incident (days)"
    assert f"{slope.slope:.1f} days per additional mandate" in ax.texts[0].get_text()
    assert stamp(fig).startswith("n = 6 · 1 delays above the 99th percentile")


# --- profiles -------------------------------------------------------------------------------

def test_women_marks_published_shares_only_for_rows_shown():
    women = shares({profiles.ALL_CASES: (20, 100), "viol_detention": (9, 50), "viol_trial": (3, 20)},
                   label=["All cases", "Detention", "Trial"])
    published = {profiles.ALL_CASES: 0.21, "viol_detention": 0.18, "viol_killing": 0.13}
    fig = figs.women(women, published, nb=notebook(), n=100)
    ax = fig.axes[0]
    assert ticks(ax.get_yticklabels()) == ["Detention  (n=50)", "Trial  (n=20)"]
    assert markers(ax, figs.PUBLISHED).tolist() == [[0.18, 1]]
    assert ax.lines[-1].get_xdata()[0] == pytest.approx(0.2)       # dashed: all cases
    assert legend(ax) == ["All cases (computed)", figs.PUBLISHED, "Women's share (computed)"]
    assert ax.get_xlabel() == "Share of cases with a woman defender (%), 95% Wilson interval"


def contrast(trait, k, n):
    table = intervals.proportions(k, n, 0.95)
    table.index = ["in group", "not in group"]
    return profiles.Contrast(trait, "group", table, k[0] / n[0] - k[1] / n[1], 0.05, 0.15)


def test_contrasts_draws_two_panels_of_two_bars_with_the_difference_in_the_title():
    protest, landkill = contrast("protester", [4, 1], [10, 10]), contrast("issue_land_environment", [2, 1], [10, 20])
    published = {"protester": (0.38, 0.13), "issue_land_environment": (0.22, 0.08)}
    fig = figs.contrasts(protest, landkill, published, nb=notebook(), n=30)
    left, right = fig.axes
    assert [round(b.get_height(), 2) for b in bars(left)] == [0.4, 0.1]
    assert ticks(right.get_xticklabels()) == ["Killed\n(n=10)", "Not killed\n(n=20)"]
    assert markers(right, figs.PUBLISHED)[:, 1].tolist() == [0.22, 0.08]
    assert left.get_title() == "Protesters\ndifference +30.0 pp (+5.0 to +15.0)"
    assert left.get_ylabel() == "Share of cases (%)"


# --- replies --------------------------------------------------------------------------------

def test_reply_shares_skips_published_markers_where_the_study_has_none():
    rshares = shares({"any reply": (44, 100), "substantive reply": (40, 100)})
    holders = shares({"Jilani": (3, 10), "Forst": (5, 10)})
    fig = figs.reply_shares(rshares, holders, {"any reply": 0.44, "substantive reply": 0.40}, {"Forst": 0.47},
                            nb=notebook(), n=100)
    left, right = fig.axes
    assert ticks(left.get_xticklabels()) == ["Any reply\n(n=100)", "Substantive\n(n=100)"]
    assert markers(left, figs.PUBLISHED)[:, 1].tolist() == [0.44, 0.40]
    assert markers(right, figs.PUBLISHED).tolist() == [[1, 0.47]]     # Forst only, the second bar
    assert len(bars(right)) == 2 and left.get_ylabel() == "Share of cases (%)"


def test_engagement_counts_countries_per_class_and_names_the_discussed_ones():
    engagement = pd.DataFrame({"cases": [100, 40, 60, 50], "response_rate": [0.9, 0.5, 0.1, 0.4],
                               "rejection_rate": [0.1, 0.4, 0.9, np.nan]},
                              index=["AAA", "IND", "BBB", "CCC"])
    engagement["engagement"] = engagement["response_rate"] - engagement["rejection_rate"].fillna(0)
    rated = replies.rated_countries(engagement)
    fig = figs.engagement(rated, n_unrated=1, nb=notebook(), labelled=1)
    ax = fig.axes[0]
    assert legend(ax) == ["uncooperative (below −0.2): 1", "mixed (−0.2 to 0.2): 1",
                          "cooperative (0.2 and above): 1"]
    names = {countries.name(c) for c in rated.index}            # countries by name, never ISO code
    assert sorted(t.get_text() for t in ax.texts if t.get_text() in names) == ["AAA", "India"]
    assert ax.get_xlabel() == "Response rate: cases with a substantive reply (%)"
    assert stamp(fig).startswith("n: 3 countries, 200 cases · countries with ≥ 30 cases; 1 without a reply")


def test_response_times_splits_slowest_and_fastest_and_marks_published_means():
    times = pd.DataFrame({"replies": [5, 6, 7, 8], "mean_days": [240.0, 120.0, 60.0, 24.0]},
                         index=["SAU", "AAA", "BBB", "OMN"]).assign(ci_low=lambda d: d["mean_days"] - 10,
                                                                   ci_high=lambda d: d["mean_days"] + 10)
    overall = pd.Series({"n": 26, "mean": 104.0, "ci_low": 90.0, "ci_high": 118.0})
    fig = figs.response_times(times, overall, {"SAU": 243.5, "OMN": 24}, nb=notebook(), extremes=2)
    slow, fast = fig.axes
    assert ticks(slow.get_yticklabels()) == ["Saudi Arabia  (5 replies)", "AAA  (6 replies)"]
    assert ticks(fast.get_yticklabels()) == ["Oman  (8 replies)", "BBB  (7 replies)"]
    assert markers(slow, figs.PUBLISHED).tolist() == [[243.5, 1]]
    assert markers(fast, figs.PUBLISHED).tolist() == [[24, 1]]
    assert legend(slow) == ["All cases: 104 days", figs.PUBLISHED]
    assert fast.get_xlabel() == "Mean days to a substantive reply, 95% t interval"
    assert stamp(fig).startswith("n = 26 · substantive replies; countries with ≥ 30 cases and ≥ 5 replies")


def test_piccone_pairs_this_mandate_with_all_mandates_per_category():
    status = ["none", "substantive", "substantive", "substantive"]
    content = [pd.NA, "steps_taken", "rejection", "other"]
    categories = replies.reply_categories(pd.DataFrame({"reply_status": status, "reply_content": content}), 0.95)
    versus = replies.piccone_comparison(categories, {"no_or_immaterial": 0.5, "steps_taken": 0.3,
                                                     "rejected_without_investigation": 0.17})
    ax = figs.piccone(versus, nb=notebook(), n=4).axes[0]
    assert len(bars(ax)) == 8
    assert legend(ax) == ["HRD mandate, cases 2000–2016", "All mandates (Piccone 2011)"]
    assert [t.get_text() for t in ax.texts[:2]] == ["25%", "50%"]       # this mandate, then all mandates
    assert ax.get_xlabel() == "Share of cases / communications (%), 95% Wilson interval"


def test_stamp_never_widens_the_canvas_and_text_stays_legible():
    """A long provenance wraps inside the figure width; small text is raised to the floor."""
    import matplotlib.pyplot as plt
    from casework.report import theme
    fig, ax = plt.subplots(figsize=(12.5, 4))
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("tiny", fontsize=5)
    nb = notebook()
    nb.provenance = "SYNTHETIC DATA · " + "a very long provenance line " * 8
    theme.finish(fig, nb, n=10, note="a note " * 10)
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    assert box.x1 <= fig.get_figwidth() + 0.05                       # inches: nothing sticks out right
    floor = theme.min_font_pt(12.5)
    assert floor == pytest.approx(9.0 * 72 * 12.5 / 864)            # 9 px at an 864-px column
    assert min(t.get_fontsize() for t in fig.findobj(plt.Text) if t.get_text()) >= floor
    assert "\n" in next(t.get_text() for t in fig.texts if "provenance" in t.get_text())
    plt.close(fig)


def test_text_stays_legible_when_labels_widen_the_saved_png():
    """A legend outside the axes widens the tight PNG, which the page then shrinks: finish
    raises the texts for the width shown, so the smallest is >= 9 px (issue 23)."""
    import matplotlib.pyplot as plt
    from casework.report import theme
    fig, ax = plt.subplots(figsize=(7.5, 4))
    for i in range(4):
        ax.plot([0, 1], [0, i], label=f"a rather long legend entry number {i}")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=6)
    ax.set_yticks([0, 1, 2, 3], ["a long tick label on the left side"] * 4, fontsize=6)
    before = theme.saved_width_in(fig)
    assert before > 7.5 + 1                                           # the labels stick out
    floor_for_figure = theme.min_font_pt(7.5)
    assert floor_for_figure * min(theme.FIGURE_DPI, theme.COLUMN_PX / before) / 72 < theme.READ_PX
    theme.finish(fig, notebook(), n=10)
    assert theme.smallest_text_px(fig) >= theme.READ_PX - 0.05
    plt.close(fig)
