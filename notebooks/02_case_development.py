# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How cases developed within a year of the communication
#
# Cases drawn at random from the Special Rapporteur's communications of 2004 to 2015
# (those naming at most ten people) were followed up for one year after the
# communication, through a survey of the organisations that had submitted each case and
# through desk research. Information was not found for every case, so the assessed cases
# are not strictly a random sample (Spannagel 2019, note 4). Each assessed case was
# placed in one of six categories, from *much better* to *much worse*, guided by the
# examples of the questionnaire's assessment matrix (Spannagel 2019, Appendix); *mixed*
# marks cases with equally important positive and negative developments. This page
# reproduces the distribution of these developments by data source and level of
# information (Spannagel 2019, Fig. 1), over time and by country (Spannagel 2018,
# *Chasing Shadows*, Figs. 7 and 8), and the share of improved cases by initial violation
# and by sender. Every share comes with a Wilson interval, and every difference between
# groups with a test, because many groups are small. The parameters `year_from` and
# `year_to` restrict the analysis to communications of those years.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
year_from = 2004
year_to = 2015
min_country_n = 5
top_n = 25
share_tolerance = 0.02
count_tolerance = 0.05

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import casework.notebook
from casework.analysis import development, intervals
from casework.analysis.caseload import comparison_frame
from casework.published import published
from casework.report import tables, theme

nb = casework.notebook.start("02_case_development", globals(), tables=["cases", "sample"])
theme.apply()
sample = nb.data["sample"]
assessed = development.assessed_cases(sample, nb.data["cases"], year_from, year_to)
values = {"n_sampled": len(sample), **development.headline(assessed, confidence)}
tests = development.distribution_tests(assessed, min_country_n)
pub = published()["sample"]
level = f"{confidence:.0%}"


def figure(width: float, height: float):
    """A figure whose plot keeps clear of the synthetic-data mark in the top corner."""
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0, 1, 1 - 0.25 / height))
    return fig, ax


def stacked_shares(ax, counts: pd.DataFrame, horizontal: bool) -> None:
    """100% stacked bars of the six categories, one bar per row of `counts`."""
    shares = development.shares(counts) * 100
    start = np.zeros(len(shares))
    pos = np.arange(len(shares))
    for cat in development.DEVELOPMENTS:
        width = shares[cat].to_numpy()
        bar = ax.barh if horizontal else ax.bar
        kw = {"left": start} if horizontal else {"bottom": start}
        bar(pos, width, 0.72, color=theme.DEVELOPMENT_COLOURS[cat], label=development.LABELS[cat],
            edgecolor="white", linewidth=0.5, **kw)
        for p, w, s0 in zip(pos, width, start):
            if w >= 7:  # label segments wide enough to hold the number
                xy = (s0 + w / 2, p) if horizontal else (p, s0 + w / 2)
                ax.text(*xy, f"{w:.0f}", ha="center", va="center", fontsize=7.5,
                        color="white" if cat in ("much_better", "much_worse") else "black")
        start = start + width


# %% [markdown]
# ## Distribution of developments by source and information
#
# If the two routes to an assessment, and the amount of information behind it, gave
# systematically different pictures, the pooled distribution would mostly reflect how a
# case happened to be researched. The working paper found the categories spread
# similarly across sources and information levels; the tests below ask the same of these
# data (a chi-square test, or an exact test where groups are small).

# %%
#| label: fig-development-source
#| fig-cap: "Development of assessed cases within one year of the communication, by data source and level of information (after Spannagel 2019, Fig. 1). Bars are 100% of each group; numbers in the bars are percentages; n per group on the axis."
counts = development.by_source_information(assessed)
counts = pd.concat([counts, counts.sum().to_frame("All assessed cases").T])
fig, ax = figure(9, 4)
stacked_shares(ax, counts, horizontal=True)
ax.set_yticks(range(len(counts)),
              [f"{name}\n(n = {n:,})" for name, n in counts.sum(axis=1).items()], fontsize=8.5)
ax.axhline(len(counts) - 1.5, color="black", linewidth=0.8)  # the pooled bar below the line
ax.invert_yaxis()
ax.set_xlim(0, 100)
ax.set_xlabel("Share of assessed cases in the group (%)")
ax.set_title("Survey vs desk research: " + tests.loc["Survey vs desk research", "text"], fontsize=8.5,
             fontweight="normal", loc="left")
ax.legend(title="Development", loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8,
          title_fontsize=8.5)
ax.grid(axis="y", visible=False)
theme.finish(fig, nb, n=len(assessed))
plt.show()

# %%
#| label: tbl-development-tests
#| tbl-cap: "Tests of whether the distribution of developments differs between groups. Pearson's chi-square; where any expected count is below 5, Fisher's exact test (2 × 2) or the Fisher–Freeman–Halton test with a Monte Carlo p-value."
shown = tests.drop(columns="text").rename_axis("Comparison").reset_index()
shown["p"] = shown["p"].map(intervals.format_p)
shown["chi2"] = shown["chi2"].map(lambda x: "–" if np.isnan(x) else f"{x:.2f}")
shown["method"] = shown["method"].map({"chi-square": "chi-square", "fisher": "Fisher's exact",
                                       "fisher-monte-carlo": "Fisher–Freeman–Halton (Monte Carlo)",
                                       "not testable": "not testable"})
tables.show(shown.rename(columns={"n": "Cases", "chi2": "χ²", "df": "df", "p": "p", "method": "Test"}),
            nb, title="Do developments differ between groups?")

# %% [markdown]
# ## Development over time
#
# Chasing Shadows shows the distribution per year of the communication (its Fig. 7): the
# share that stayed the same is large in most years, with some years of marked
# deterioration and others in which about a third improved. Yearly groups hold a few
# dozen cases, so a swing of ten points can be chance; the test of differences between
# years is in the table above.

# %%
#| label: fig-development-year
#| fig-cap: "Development of assessed cases within one year, by year of the communication (after Spannagel 2018, Fig. 7). Bars are 100% of each year; n per year under the axis."
years = development.by_year(assessed)
fig, ax = figure(10, 4.5)
stacked_shares(ax, years, horizontal=False)
ax.set_xticks(range(len(years)), [f"{y}\nn = {n}" for y, n in years.sum(axis=1).items()], fontsize=8)
ax.set_ylim(0, 100)
ax.set_ylabel("Share of the year's assessed cases (%)")
ax.set_xlabel("Year of the communication")
handles, names = ax.get_legend_handles_labels()
ax.legend(handles[::-1], names[::-1], title="Development", loc="center left", bbox_to_anchor=(1.01, 0.5),
          fontsize=8, title_fontsize=8.5)  # reversed: the legend reads top-down like the bars
ax.grid(axis="x", visible=False)
theme.finish(fig, nb, n=len(assessed))
plt.show()

# %% [markdown]
# ## Share improved by country
#
# The map in Chasing Shadows (its Fig. 8) shades countries by the share of their sample
# cases that improved, and warns that many countries have fewer than five cases. Here the
# countries with the most assessed cases are shown with their Wilson intervals;
# countries with fewer than `min_country_n` cases are drawn hollow and should be read as
# anecdotes.

# %%
#| label: fig-country
#| fig-cap: "Share of assessed cases that improved (much or somewhat better) within one year, by country, for the countries with most assessed cases (after Spannagel 2018, Fig. 8). Points and lines: share and Wilson interval; hollow grey: fewer cases than min_country_n; dashed: all assessed cases."
countries = development.improvement_by_country(assessed, min_country_n, confidence)
top = countries.head(top_n).iloc[::-1]
small = top["small_n"].to_numpy()
fig, ax = figure(7.5, max(3.5, 0.24 * len(top) + 1.2))
for flag, style in ((False, {"color": theme.OKABE_ITO[0], "markerfacecolor": theme.OKABE_ITO[0]}),
                    (True, {"color": theme.GREY, "markerfacecolor": "white"})):
    sel = top[small == flag]
    pos = np.flatnonzero(small == flag)
    ax.errorbar(sel["share"] * 100, pos,
                xerr=[(sel["share"] - sel["low"]) * 100, (sel["high"] - sel["share"]) * 100],
                fmt="o", markersize=5, capsize=2, elinewidth=1, **style)
ax.axvline(values["improved_share"] * 100, color=theme.OKABE_ITO[3], linestyle="--", linewidth=1)
ax.set_yticks(range(len(top)), [f"{c} (n = {n})" for c, n in top["n"].items()], fontsize=8)
ax.set_ylim(-0.7, len(top) - 0.3)
ax.set_xlim(-2, 102)  # room for points at 0% and 100%
ax.set_xlabel(f"Cases improved within one year (%, {level} Wilson interval)")
ax.set_ylabel("Country (ISO 3166 code)")
ax.legend(handles=[plt.Line2D([], [], marker="o", color=theme.OKABE_ITO[0], linestyle="none",
                              label=f"{min_country_n} or more assessed cases"),
                   plt.Line2D([], [], marker="o", color=theme.GREY, markerfacecolor="white",
                              linestyle="none", label=f"fewer than {min_country_n}: anecdotal"),
                   plt.Line2D([], [], color=theme.OKABE_ITO[3], linestyle="--",
                              label=f"all assessed cases ({values['improved_share']:.0%})")],
          loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8)
ax.grid(axis="y", visible=False)
hidden_small = int(countries["small_n"].sum() - top["small_n"].sum())
theme.finish(fig, nb, n=f"{int(top['n'].sum()):,} cases in the {len(top)} countries shown "
                        f"(of {len(countries)} countries, {len(assessed):,} cases)",
             note=f"not shown: {hidden_small} countries with fewer than {min_country_n} cases"
             if hidden_small else None)
plt.show()

# %%
#| label: tbl-country
#| tbl-cap: "Share improved within one year for every country with at least min_country_n assessed cases, with Wilson intervals."
big = countries[~countries["small_n"]].sort_values("share", ascending=False)
tables.show(big[["n", "successes", "share", "low", "high"]].rename_axis("Country").rename(
    columns={"n": "Cases", "successes": "Improved", "share": "Share improved",
             "low": "Lower bound", "high": "Upper bound"}),
    nb, title=f"Countries with at least {min_country_n} assessed cases",
    subtitle=f"{len(big)} of {len(countries)} countries; {level} Wilson intervals",
    percent=["Share improved", "Lower bound", "Upper bound"])

# %% [markdown]
# ## Improvement by initial violation and by sender
#
# Chasing Shadows reports that defenders who had been detained or convicted improved
# more often than the others, and that cases raised by the defenders' mandate alone
# improved more often than those in joint communications. A case can carry several
# violations, so these are not rates per violation but comparisons of cases with and
# without each one. The hollow diamonds mark the published shares.

# %%
#| label: fig-characteristics
#| fig-cap: "Share of assessed cases that improved within one year, for cases with and without each initial violation and by sender (after Spannagel 2018, 'Case Development and Initial Violations'). Points: share with Wilson interval; hollow diamonds: published share where the study gives one; n per group on the axis."
characteristics = {**development.VIOLATIONS, "hrd_alone": "Sender"}
comp = development.improvement_comparisons(assessed, characteristics, confidence)
published_marks = {("viol_detention", True): pub["improvement_by_violation"]["detention"],
                   ("viol_detention", False): pub["improvement_by_violation"]["no_detention"],
                   ("viol_conviction", True): pub["improvement_by_violation"]["conviction"],
                   ("viol_conviction", False): pub["improvement_by_violation"]["no_conviction"],
                   ("hrd_alone", True): pub["improvement_by_sender"]["hrd_mandate_alone"]["improved"]}
fig, ax = figure(8.5, 0.5 * 2 * len(comp) + 1.2)
labels, ticks = [], []
for g, (column, row) in enumerate(comp.iterrows()):
    for k, (flag, suffix) in enumerate(((True, "with"), (False, "without"))):
        y = 2.6 * g + k
        if column == "hrd_alone":
            text = "HRD mandate alone" if flag else "Joint communication"
        else:
            text = f"{row['characteristic']}: {'yes' if flag else 'no'}"
        share, lo, hi = (row[f"{key}_{suffix}"] for key in ("share", "low", "high"))
        colour = theme.OKABE_ITO[0] if flag else theme.OKABE_ITO[1]
        ax.errorbar(share * 100, y, xerr=[[(share - lo) * 100], [(hi - share) * 100]], fmt="o",
                    color=colour, ecolor=colour, capsize=2.5, markersize=5)
        mark = published_marks.get((column, flag))
        if isinstance(mark, (int, float)):
            ax.plot(mark * 100, y, marker="D", markersize=7, markerfacecolor="none",
                    markeredgecolor="black", markeredgewidth=1.2, linestyle="none")
        labels.append(f"{text} (n = {int(row[f'n_{suffix}'])})")
        ticks.append(y)
    ax.annotate(intervals.p_label(row["p"]), xy=(1.01, 2.6 * g + 0.5), xycoords=("axes fraction", "data"),
                va="center", fontsize=8, color="black")
ax.set_yticks(ticks, labels, fontsize=8)
ax.invert_yaxis()
right = min(100, 10 * np.ceil(comp[["high_with", "high_without"]].to_numpy().max() * 10) + 5)
ax.set_xlim(-1, right)
ax.axvline(values["improved_share"] * 100, color=theme.GREY, linestyle=":", linewidth=1)
ax.set_xlabel(f"Cases improved within one year (%, {level} Wilson interval)")
ax.legend(handles=[plt.Line2D([], [], marker="o", color=theme.OKABE_ITO[0], linestyle="none", label="with"),
                   plt.Line2D([], [], marker="o", color=theme.OKABE_ITO[1], linestyle="none", label="without"),
                   plt.Line2D([], [], marker="D", markerfacecolor="none", markeredgecolor="black",
                              linestyle="none", label="published"),
                   plt.Line2D([], [], color=theme.GREY, linestyle=":", label="all assessed cases")],
          loc="lower right", fontsize=8, frameon=True)
ax.grid(axis="y", visible=False)
theme.finish(fig, nb, n=len(assessed),
             note="p: difference with vs without (z test, or Fisher's exact test for small groups)")
plt.show()

# %%
#| label: tbl-characteristics
#| tbl-cap: "Share improved within one year with and without each characteristic, with Wilson intervals, the difference (with minus without) and its test (two-proportion z test, or Fisher's exact test when an expected count is below 5)."
shown = comp.copy()
for side in ("with", "without"):
    shown[f"{side} (interval)"] = [f"{s:.0%} ({lo:.0%}–{hi:.0%})" for s, lo, hi in
                                   zip(shown[f"share_{side}"], shown[f"low_{side}"], shown[f"high_{side}"])]
shown["p"] = shown["p"].map(intervals.format_p)
shown["difference"] = shown["difference"].map(lambda d: f"{d * 100:+.1f} pp")
shown = shown[["characteristic", "n_with", "with (interval)", "n_without", "without (interval)",
               "difference", "test", "p"]]
shown.loc["hrd_alone", "characteristic"] = "HRD mandate alone (vs joint)"
shown = shown.reset_index(drop=True).rename(columns={
    "characteristic": "Characteristic", "n_with": "n with", "n_without": "n without",
    "difference": "Difference", "test": "Test"})
tables.show(shown, nb, title="Improvement with and without each characteristic",
            subtitle=f"{level} Wilson intervals; difference in percentage points")

# %% [markdown]
# ## Computed and published
#
# The published numbers come from the working paper (Spannagel 2019) and Chasing Shadows
# (Spannagel 2018). A share agrees when it is within `share_tolerance` of the published
# one or when the published value lies inside the computed interval; a count agrees when
# within `count_tolerance` (relative) of the published count; a published bound ("less
# than 24 per cent") agrees when the computed value lies on its side.

# %%
#| label: tbl-published
#| tbl-cap: "Headline numbers on case development: computed here beside the published values."
by_study = development.published_comparisons(values, pub, share_tolerance, count_tolerance)
comparisons = [c for study in by_study.values() for c in study]
tables.show(comparison_frame(comparisons, development.formats()), nb,
            title="Case development: computed vs published", subtitle=f"Intervals: {level} Wilson")

# %%
#| label: tbl-published-years
#| tbl-cap: "Years that Chasing Shadows singles out (more than 40% worse; about a third improved, read here as at least 30%), beside the years found here."
worse_years = development.years_where(years, "worse", development.WORSE_YEARS_ABOVE)
better_years = development.years_where(years, "improved", development.IMPROVED_YEARS_AT_LEAST, strict=False)
tables.show(development.years_comparison({"worse": worse_years, "improved": better_years}, pub), nb,
            title="Notable years: computed vs published")

# %%
nb.record_comparison(development.scorecard(by_study))
for c in comparisons:
    fmt = development.formats()[c.name]
    nb.record(c.name, values[c.name], fmt=fmt)
    nb.record(f"{c.name}_published", c.published.text if c.published.relation != "=" else c.published.value,
              fmt=None if c.published.relation != "=" else fmt)
for name in ("improved_share", "same_mixed_share", "worse_share", "improved_detention", "improved_no_detention",
             "improved_conviction", "improved_no_conviction", "improved_hrd_alone", "improved_joint"):
    nb.record(f"{name}_low", values[f"{name}_low"], fmt="{:.0%}")
    nb.record(f"{name}_high", values[f"{name}_high"], fmt="{:.0%}")
for cat in development.DEVELOPMENTS:
    nb.record(f"{cat}_share", values[f"{cat}_share"], fmt="{:.0%}")
for stem in ("detention", "conviction", "hrd_alone"):
    nb.record(f"{stem}_difference_pp", values[f"{stem}_difference"] * 100, fmt="{:+.0f}",
              note="percentage points, with minus without")
    p = values[f"{stem}_p"]
    nb.record(f"{stem}_p", p, fmt=intervals.p_label(p))  # displayed as "p = 0.012" or "p < 0.001"
    nb.record(f"{stem}_test", values[f"{stem}_test"])
test_names = {"source": "Survey vs desk research",
              "information_survey": "Information level, survey cases",
              "information_desk": "Information level, desk research",
              "groups": "Source x information (4 groups)",
              "year": "Years",
              "country": tests.index[-1]}  # countries with at least min_country_n cases
for name, row in test_names.items():
    nb.record(f"{name}_p", tests.loc[row, "p"], fmt=intervals.p_label(tests.loc[row, "p"]))
    nb.record(f"{name}_test", tests.loc[row, "text"])
nb.record("year_from", year_from, fmt="{}")
nb.record("year_to", year_to, fmt="{}")
nb.record("n_countries", len(countries))
nb.record("n_countries_min_n", int((~countries["small_n"]).sum()))
nb.record("countries_small_share", float(countries["small_n"].mean()), fmt="{:.0%}")
nb.record("min_country_n", min_country_n)
nb.record("years_worse_over_40pct", ", ".join(map(str, worse_years)) or "none")
nb.record("years_worse_over_40pct_published", ", ".join(map(str, pub["years_more_than_40pct_worse"])))
nb.record("years_improved_about_third", ", ".join(map(str, better_years)) or "none")
nb.record("years_improved_about_third_published", ", ".join(map(str, pub["years_about_one_third_improved"])))
