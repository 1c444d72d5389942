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
# # The caseload: every communication, 2000–2016
#
# Which defenders reach the UN Special Rapporteur on human rights defenders, for which
# violations, from where, how fast, and do states answer? This page describes every
# communication the mandate issued and every defender named in them, reproducing the
# descriptive part of Spannagel (2018), *Chasing Shadows* (Figs. 1–6 and text), and sets
# the replies beside Piccone's (2011) count for all special procedures. Each headline
# number is shown next to the published one. The year range is a parameter: every
# count, share and figure below uses only communications issued in it, and the cases
# they name.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
year_from = 2000
year_to = 2016
min_country_n = 30
top_n = 25
min_replies = 5
share_tolerance = 0.02
count_tolerance = 0.05

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import casework.notebook
from casework.analysis import caseload, geography, joint, profiles, replies, timeline, violations
from casework.published import published
from casework.report import tables, theme

nb = casework.notebook.start("01_caseload", globals(), tables=["communications", "cases"])
theme.apply()
P = nb.params
communications, cases = caseload.select_period(nb.data["communications"], nb.data["cases"],
                                               P["year_from"], P["year_to"])
cases = caseload.with_communication(cases, communications)
pub = published()["caseload"]
terms = caseload.mandate_terms(pub["mandate_holders"])
period = caseload.period_label(P["year_from"], P["year_to"])
# Published counts cover Sep 2000 - Nov 2016; for a shorter period only shares compare.
full_period = (P["year_from"], P["year_to"]) == (2000, 2016)
checks = caseload.Checklist(nb, P["share_tolerance"], P["count_tolerance"], counts_comparable=full_period)
level = f"{P['confidence']:.0%}"
AGREE = (f"agrees: within ±{P['share_tolerance'] * 100:.0f} pp (shares) or ±{P['count_tolerance']:.0%} "
         f"(counts, means), or the published value lies inside the {level} interval")
OVERVIEW, PICCONE = "Caseload", "Reply categories, all special procedures"


def in_period(year) -> bool:
    return P["year_from"] <= int(year) <= P["year_to"]


def interval(row) -> tuple[float, float]:
    return (row["ci_low"], row["ci_high"])


# %%
# Plotting helpers shared by the figures below.
PUBLISHED_STYLE = dict(marker="D", color="black", s=28, zorder=5, label="Published (Chasing Shadows)")
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY = theme.OKABE_ITO[:6]


def figure(*args, **kwargs):
    """plt.subplots with a layout that keeps labels inside the figure and the top strip free
    for the synthetic-data mark."""
    fig, axes = plt.subplots(*args, layout="constrained", **kwargs)
    fig.get_layout_engine().set(rect=(0, 0, 1, 0.955))
    return fig, axes


def percent_axis(axis):
    """Shares (0-1) shown as whole percents, with ticks on whole percents."""
    axis.set_major_locator(plt.matplotlib.ticker.MaxNLocator(steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(plt.matplotlib.ticker.PercentFormatter(1.0, decimals=0))


def hbars(ax, frame, colour=BLUE, labels=None):
    """Horizontal bars of shares with interval whiskers, first row on top."""
    y = np.arange(len(frame))[::-1]
    ax.barh(y, frame["share"], color=colour, height=0.7)
    ax.errorbar(frame["share"], y, xerr=[frame["share"] - frame["ci_low"], frame["ci_high"] - frame["share"]],
                fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    ax.set_yticks(y, labels if labels is not None else frame.index)
    percent_axis(ax.xaxis)
    ax.grid(axis="y", visible=False)
    return dict(zip(frame.index, y))


def legend_above(ax, **kw):
    """Legend in one row above the plot, where it cannot cover data."""
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=3, fontsize=8, borderaxespad=0, **kw)


# %% [markdown]
# ## The caseload at a glance
#
# A communication is an urgent appeal, an allegation letter, another letter or a press
# release; a case is one defender named in one communication, so a defender named
# twice is two cases.
#
# Each section ends with a table setting the computed numbers beside the published
# ones. A number *agrees* when the gap is within the tolerance parameters
# (`share_tolerance`, `count_tolerance`) or when the published value lies inside the
# computed interval, so that a gap sampling noise can explain does not count against
# it. A published bound ("more than half") agrees when the computed value lies on its
# side. Published counts cover the whole database; for a shorter year range their
# agreement is left open.

# %%
counts = caseload.overview(communications, cases)
for name, key, text in [
    ("n_communications", "communications", "Communications"),
    ("n_with_cases", "communications_with_individual_cases", "Letters naming individual defenders"),
    ("n_without_names", "communications_without_names", "Letters without names (legislation, mass violations)"),
    ("n_press_releases", "press_releases", "Press releases"),
    ("n_non_state", "communications_to_non_state_entities", "Communications to non-state entities"),
    ("n_cases", "individual_cases", "Individual cases"),
]:
    checks.add(name, text, counts[key], pub[key], "count", section=OVERVIEW)
checks.add("n_individuals", "Distinct defenders", counts["individuals_approx"], f"about {pub['individuals_approx']}",
           "count", section=OVERVIEW)
checks.add("share_mentioned_once", "Defenders named only once", counts["share_individuals_mentioned_once"],
           pub["share_individuals_mentioned_once"], "share", section=OVERVIEW)
nb.record("period", period)

# %%
#| label: tbl-overview
#| tbl-cap: "The caseload in numbers, computed beside the published counts (Chasing Shadows), which cover Sep 2000 – Nov 2016."
tables.show(checks.table(OVERVIEW), nb, title=f"Communications and cases, {period}",
            subtitle=AGREE)

# %% [markdown]
# ## Violations and issue areas
#
# A case can report several violations. Nested rows ("…including") are subsets of the
# row above them: convictions of trials, killings of physical attacks.

# %%
vshares = violations.violation_shares(cases, P["confidence"])
nested_ok = violations.nested_within_parent(cases)
pv = pub["violations_share_of_cases"]
published_points = {"viol_torture": pv["torture_or_physical_attack"], "viol_threats": pv["threats"],
                    "viol_relatives": pv["relatives_targeted"], "viol_trial": pv["trial"]}
published_bounds = {"viol_detention": caseload.parse_published(pv["detention"]).value}

# %%
#| label: fig-violations
#| fig-cap: "Share of cases by violation suffered (after Chasing Shadows Fig. 1). Bars: share of all cases with intervals; nested rows (lighter) are subsets of the row above. Diamonds: published shares; triangle: a published lower bound."
fig, ax = figure(figsize=(7.5, 6.2))
names = [("…" + lab.removeprefix("...").replace("including: ", "including ") if parent else lab)
         for lab, parent in zip(vshares["label"], vshares["parent"])]
colours = [SKY if parent else BLUE for parent in vshares["parent"]]
ypos = hbars(ax, vshares, colour=colours, labels=names)
ax.scatter([published_points[c] for c in published_points], [ypos[c] for c in published_points],
           **PUBLISHED_STYLE)
ax.scatter([published_bounds[c] for c in published_bounds], [ypos[c] for c in published_bounds],
           marker=">", color="black", s=36, zorder=5, label="Published lower bound")
for c, y in ypos.items():
    ax.text(vshares.loc[c, "ci_high"] + 0.008, y, f"{vshares.loc[c, 'count']:,}", va="center", fontsize=7,
            color=theme.GREY)
ax.set_xlabel(f"Share of cases (%), whiskers: {level} Wilson interval; numbers: cases")
legend_above(ax)
broken = [vshares.loc[c, "label"].removeprefix("...including: ") for c in nested_ok.index[~nested_ok]]
theme.finish(fig, nb, n=len(cases), note=f"communications {period}"
             + (f" · not all cases of {', '.join(broken)} fall within the row above" if broken else ""))
plt.show()

# %%
sec = "Violations (Fig. 1)"
row = vshares.loc["viol_detention"]
checks.add("detention_share", "Detention", row["share"], pv["detention"], "share", interval(row), sec)
row = vshares.loc["viol_torture"]
checks.add("torture_share", "Torture or physical attack", row["share"], pv["torture_or_physical_attack"],
           "share", interval(row), sec)
checks.add("killing_count", "Killings (cases)", vshares.loc["viol_killing", "count"], pv["killing_count"],
           "count", section=sec)
for col, key, text in [("viol_threats", "threats", "Threats"),
                       ("viol_relatives", "relatives_targeted", "Relatives targeted"),
                       ("viol_trial", "trial", "Trial")]:
    row = vshares.loc[col]
    checks.add(f"{key}_share", text, row["share"], pv[key], "share", interval(row), sec)
conv = violations.conviction_share_of_trials(cases, P["confidence"])
checks.add("conviction_share_of_trials", "Convictions among trial cases", conv["share"], pv["conviction"],
           "share", interval(conv), sec)
adm = violations.administrative_share(cases, P["confidence"])
checks.add("administrative_share", "Administrative measures (any)", adm["share"],
           pv["administrative_measures"], "share", interval(adm), sec)
nb.record("killings_nested_in_attacks", bool(nested_ok["viol_killing"]))

# %%
#| label: tbl-violations
#| tbl-cap: "Violations: computed shares of cases beside the published ones (Chasing Shadows, text to Fig. 1)."
tables.show(checks.table(sec), nb, title=f"Violations, {period}",
            subtitle=f"{level} Wilson intervals; {AGREE}")

# %%
issues = violations.issue_area_shares(cases, P["confidence"])
pi = pub["issue_areas"]
land = violations.any_of(cases, ["issue_land_environment"])
land_p = caseload.proportions(land.sum(), len(cases), P["confidence"]).iloc[0]
lgbti_n = int(cases["issue_lgbti"].sum())

# %%
#| label: fig-issue-areas
#| fig-cap: "Share of cases by the defenders' issue area (after Chasing Shadows Fig. 2). A case can fall into several areas; the grey bar counts cases with none recorded. Diamonds: published shares."
fig, ax = figure(figsize=(7.5, 3.8))
colours = [theme.GREY if g.startswith("No issue") else GREEN for g in issues.index]
ypos = hbars(ax, issues, colour=colours)
ax.scatter([pi["land_environment_indigenous"], caseload.parse_published(pi["unattributable_to_any_issue"]).value],
           [ypos["Indigenous, land, environmental rights"], ypos["No issue area recorded"]], **PUBLISHED_STYLE)
ax.set_xlabel(f"Share of cases (%), whiskers: {level} Wilson interval")
legend_above(ax)
theme.finish(fig, nb, n=len(cases), note=f"communications {period}")
plt.show()

# %%
by_year = violations.issue_share_by_year(cases, ["issue_indigenous", "issue_land_environment"], P["confidence"])
lgbti_year = violations.issue_share_by_year(cases, ["issue_lgbti"], P["confidence"])

# %%
#| label: fig-issue-trend
#| fig-cap: "Share of cases per year concerning indigenous, land or environmental rights, and LGBTI rights. Bands: intervals per year. Diamonds: shares the study gives for single years; dashed: the stable LGBTI share it reports from 2012."
fig, ax = figure(figsize=(7.5, 3.8))
for frame, colour, name in [(by_year, GREEN, "Indigenous, land, environmental rights"),
                            (lgbti_year, PURPLE, "LGBTI rights")]:
    ax.plot(frame.index, frame["share"], color=colour, marker="o", ms=3, label=name)
    ax.fill_between(frame.index, frame["ci_low"], frame["ci_high"], color=colour, alpha=0.2, lw=0)
years_pub = {int(y): s for y, s in pi["land_env_indigenous_by_year"].items() if in_period(y)}
if years_pub:
    ax.scatter(list(years_pub), list(years_pub.values()), **PUBLISHED_STYLE)
lgbti_from = max(2012, P["year_from"])
if lgbti_from < P["year_to"]:
    ax.hlines(pi["lgbti_stable_share_from_2012"], lgbti_from, P["year_to"], colors="black", linestyles="--",
              lw=1, label="Published LGBTI level from 2012")
percent_axis(ax.yaxis)
ax.set_xlabel("Year of communication")
ax.set_ylabel("Share of cases in the year (%)")
ax.xaxis.set_major_locator(plt.matplotlib.ticker.MaxNLocator(integer=True))
ax.legend(loc="upper left", fontsize=8)
theme.finish(fig, nb, n=len(cases), note=f"{level} Wilson intervals · {period}")
plt.show()

# %%
sec = "Issue areas (Fig. 2)"
checks.add("land_environment_share", "Land and environmental rights", land_p["share"], pi["land_environment"],
           "share", interval(land_p), sec)
row = issues.loc["Indigenous, land, environmental rights"]
checks.add("land_env_indigenous_share", "Land, environmental or indigenous rights", row["share"],
           pi["land_environment_indigenous"], "share", interval(row), sec)
row = issues.loc["No issue area recorded"]
checks.add("unattributed_share", "No issue area recorded", row["share"], pi["unattributable_to_any_issue"],
           "share", interval(row), sec)
for y, s in years_pub.items():
    if y in by_year.index:
        r = by_year.loc[y]
        checks.add(f"land_env_indigenous_share_{y}", f"Indigenous, land, environmental rights in {y}",
                   r["share"], s, "share", interval(r), sec)
checks.add("lgbti_cases", "LGBTI-rights cases", lgbti_n, pi["lgbti_cases"], "count", section=sec)

# %%
#| label: tbl-issues
#| tbl-cap: "Issue areas: computed shares of cases beside the published ones (Chasing Shadows, text to Fig. 2)."
tables.show(checks.table(sec), nb, title=f"Issue areas, {period}", subtitle=AGREE)

# %% [markdown]
# ## Where the communications went
#
# A world map drawn offline would need country shapes that none of the compendium's
# dependencies ships, so countries are ranked instead; the full table follows. Countries are ISO 3166-1
# alpha-3 codes. Every communication naming a country counts, press releases and
# letters without names included, as on the study's map (Fig. 3).

# %%
by_country = geography.communications_by_country(communications, cases)
top = by_country.head(P["top_n"])
nb.record("n_countries", len(by_country))
nb.record("top_country", by_country.index[0])
nb.record("top_country_communications", by_country["communications"].iloc[0])
nb.record("top_n_share", geography.concentration(by_country, P["top_n"]), fmt="{:.0%}")
nb.record("top_n", P["top_n"])

# %%
#| label: fig-countries
#| fig-cap: "Communications per country: the most-addressed countries (after Chasing Shadows Fig. 3). Label: country code and share of all communications."
fig, ax = figure(figsize=(7.5, 0.9 + 0.22 * len(top)))
y = np.arange(len(top))[::-1]
ax.hlines(y, 0, top["communications"], color=BLUE, lw=1.2)
ax.scatter(top["communications"], y, color=BLUE, s=22, zorder=3)
ax.set_yticks(y, [f"{c}  ({s:.1%})" for c, s in zip(top.index, top["share"])], fontsize=8)
ax.set_xlabel("Communications (count)")
ax.set_xlim(0, top["communications"].max() * 1.08)
ax.grid(axis="y", visible=False)
theme.finish(fig, nb, n=len(communications),
             note=f"top {len(top)} of {len(by_country)} countries ({geography.concentration(by_country, len(top)):.0%} of all) · {period}")
plt.show()

# %%
engagement = replies.country_engagement(cases, P["min_country_n"], P["confidence"])
times = replies.response_times(cases, P["min_country_n"], P["confidence"], P["min_replies"])
country_table = by_country.join(engagement[["response_rate", "rejection_rate"]]).join(times[["mean_days"]])
country_table = country_table.rename(columns={
    "rank": "Rank", "communications": "Communications", "share": "Share of all", "cases": "Cases",
    "response_rate": "Response rate", "rejection_rate": "Rejection rate", "mean_days": "Mean days to reply"})
country_table.index.name = "Country"

# %%
#| label: tbl-countries
#| tbl-cap: "Every country addressed: communications, individual cases and, for countries with enough cases, the state's response rate, rejection rate and mean days to a substantive reply."
(tables.show(country_table, nb, title=f"Communications per country, {period}",
             subtitle=f"rates shown for countries with at least {P['min_country_n']} cases, reply times also "
                      f"needing {P['min_replies']} replies",
             decimals=0, percent=["Share of all", "Response rate", "Rejection rate"])
 .sub_missing(missing_text="–"))

# %% [markdown]
# ## The caseload over the years
#
# Shaded: the three mandate holders' terms. The "with individual cases" curve leaves
# out press releases, as the study does (Fig. 4).

# %%
per_year = timeline.communications_per_year(communications, cases, P["year_from"], P["year_to"])
peak_year, peak_count = timeline.peak(per_year["all"])
low_year, low_count = timeline.trough_after_peak(per_year["all"])
zero_hrd = timeline.zero_years(per_year["hrd_alone"])
by_holder = caseload.cases_per_year_by_holder(cases, terms, P["year_from"], P["year_to"])


def decimal_year(ts: pd.Timestamp) -> float:
    return ts.year + (ts.dayofyear - 1) / (366 if ts.is_leap_year else 365)


# %%
#| label: fig-timeline
#| fig-cap: "Communications per year: all, those naming individual defenders, urgent appeals, and those sent by the HRD mandate alone (after Chasing Shadows Fig. 4). Shading: mandate holders' terms. Diamonds: published counts."
fig, ax = figure(figsize=(7.5, 4.4))
x = per_year.index + 0.5  # a calendar year's count sits mid-year, so terms line up by date
lo, hi = P["year_from"], P["year_to"] + 1
for i, t in enumerate(terms.itertuples()):
    a, b = max(decimal_year(t.start), lo), min(decimal_year(t.end), hi)
    if b > a:
        ax.axvspan(a, b, color=theme.GREY, alpha=0.06 + 0.08 * (i % 2), lw=0)
        ax.text((a + b) / 2, 0.985, t.holder, transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=8, color=theme.GREY)
for (key, name), colour in zip(timeline.SERIES.items(), ["black", GREEN, VERMILLION, BLUE]):
    ax.plot(x, per_year[key], color=colour, marker="o", ms=3, lw=1.6, label=name)
pub_years = {int(pub["peak_year_communications"]["year"]): pub["peak_year_communications"]["count"],
             **{int(y): c for y, c in pub["low_years_communications"].items()}}
pub_years = {y: c for y, c in pub_years.items() if in_period(y)}
if pub_years:
    ax.scatter(np.array(list(pub_years)) + 0.5, list(pub_years.values()),
               **{**PUBLISHED_STYLE, "label": "Published count (all)"})
step = 1 if len(x) <= 9 else 2
ax.set_xticks(x[::step], per_year.index[::step])
ax.set_xlim(lo, hi)
ax.set_ylim(0, per_year["all"].max() * 1.15)  # headroom for the holders' names
ax.set_xlabel("Year issued")
ax.set_ylabel("Communications per year (count)")
legend_above(ax)
partial = "; ".join(f"{y} {m}" for y, m in [(2000, "from September"), (2016, "to November")] if in_period(y))
theme.finish(fig, nb, n=len(communications), note=f"{period}" + (f" ({partial}: data cover part of the year)" if partial else ""))
plt.show()

# %%
sec = "Caseload over time (Fig. 4)"
pk = pub["peak_year_communications"]
if in_period(pk["year"]):  # the published peak says nothing about a period without it
    checks.add("peak_year", "Year with most communications", peak_year, pk["year"], "year", section=sec)
    checks.add("peak_year_count", "Communications in that year", peak_count, pk["count"], "count", section=sec,
               whole_database=False)
else:
    nb.record("peak_year", peak_year, fmt="{:d}")
    nb.record("peak_year_count", peak_count)
nb.record("hrd_alone_share", per_year["hrd_alone"].sum() / per_year["all"].sum(), fmt="{:.0%}")
nb.record("urgent_appeal_share", per_year["urgent_appeals"].sum() / per_year["all"].sum(), fmt="{:.0%}")
nb.record("trough_year", low_year, fmt="{:d}")
nb.record("trough_year_count", low_count)
for y, c in pub["low_years_communications"].items():
    if in_period(y):
        checks.add(f"communications_{y}", f"Communications in {y}", per_year.loc[int(y), "all"], c, "count",
                   section=sec, whole_database=False)
nb.record("hrd_alone_zero_years", ", ".join(map(str, zero_hrd)) or "none")
expected_zero = [y for y in pub["joint_communications"]["hrd_alone_zero_years"] if in_period(y)]
nb.record("hrd_alone_zero_years_published", ", ".join(map(str, expected_zero)) or "none")
nb.record("hrd_alone_zero_years_match", sorted(zero_hrd) == sorted(expected_zero))
for holder, r in by_holder.iterrows():
    name = f"cases_per_year_{holder.lower()}"
    if holder in pub["cases_per_year_mean"]:
        checks.add(name, f"Cases per year in office, {holder}", r["cases_per_year"],
                   pub["cases_per_year_mean"][holder], "mean", section=sec, fmt="{:,.0f}")
    else:
        nb.record(name, r["cases_per_year"], fmt="{:,.0f}")

# %%
#| label: tbl-timeline
#| tbl-cap: "The caseload over time: computed beside published counts (Chasing Shadows, text to Fig. 4). Cases per year divide by the years in office, so the mid-year handovers count."
tables.show(checks.table(sec), nb, title=f"The caseload over time, {period}",
            subtitle=f"years with no communication by the HRD mandate alone: {', '.join(map(str, zero_hrd)) or 'none'}"
                     f" (published: {', '.join(map(str, expected_zero)) or 'none in period'})")

# %% [markdown]
# ## The cost of joint communications
#
# Urgent appeals only, as in the study (Fig. 5): delay is counted from the last incident
# described to the day the appeal was issued; appeals without a known incident date are
# left out. The slope is an ordinary least-squares fit over single appeals, with
# heteroskedasticity-robust (HC3) errors.

# %%
jy = joint.joint_by_year(communications)
slope = joint.delay_per_mandate(communications, P["confidence"])
recent = joint.mean_delay_last_years(communications, P["year_to"], years=4)
pj = pub["joint_communications"]

# %%
#| label: fig-joint-trend
#| fig-cap: "Urgent appeals per year: mean delay from the last incident to issue (top) and mean number of signing mandates (bottom), after Chasing Shadows Fig. 5. Dashed: the published 'about a month' for the last four years."
fig, (top_ax, bottom_ax) = figure(2, 1, figsize=(7.5, 5), sharex=True, height_ratios=[1.2, 1])
top_ax.plot(jy.index, jy["mean_delay_days"], color=VERMILLION, marker="o", ms=3)
top_ax.set_ylabel("Mean delay (days)")
last4 = [max(P["year_to"] - 3, P["year_from"]), P["year_to"]]
if P["year_to"] == 2016:
    top_ax.hlines(caseload.parse_published(pj["urgent_appeal_delay_last_four_years_days"]).value, *last4,
                  colors="black", linestyles="--", lw=1, label="Published, last four years")
    top_ax.legend(loc="upper left", fontsize=8)
bottom_ax.plot(jy.index, jy["mean_mandates"], color=BLUE, marker="o", ms=3)
bottom_ax.set_ylabel("Mean signing\nmandates (count)")
bottom_ax.set_xlabel("Year issued")
for axis in (top_ax, bottom_ax):
    axis.set_ylim(bottom=0)  # levels, not only changes, matter: a month's delay vs a week's
bottom_ax.xaxis.set_major_locator(plt.matplotlib.ticker.MaxNLocator(integer=True))
theme.finish(fig, nb, n=int(jy["communications"].sum()), note=f"urgent appeals with a known delay · {period}")
plt.show()

# %%
#| label: fig-delay-mandates
#| fig-cap: "Delay of each urgent appeal against the number of mandates signing it (points jittered sideways), the mean per number of mandates (black), and the fitted least-squares line with its confidence band."
d = communications.loc[communications["type"].eq("urgent_appeal") & communications["delay_days"].notna(),
                       ["mandates", "delay_days"]].astype(float)
cap = d["delay_days"].quantile(0.99)
MIN_GROUP = 10  # appeals needed before a mean per number of mandates is drawn
fig, ax = figure(figsize=(7.5, 4.4))
jitter = np.random.default_rng(1).uniform(-0.18, 0.18, len(d))  # fixed seed: same picture every run
below = d["delay_days"] <= cap
ax.scatter(d["mandates"][below] + jitter[below], d["delay_days"][below], s=5, alpha=0.18, color=BLUE, lw=0,
           label="Urgent appeal")
ax.scatter(d["mandates"][~below] + jitter[~below], np.full((~below).sum(), cap), s=12, marker="^", color=BLUE,
           alpha=0.5, lw=0, label=f"Delay above {cap:.0f} days (drawn at the edge)")
groups = d.groupby("mandates")["delay_days"].agg(["mean", "size"])
means = groups.loc[groups["size"] >= MIN_GROUP, "mean"]
ax.scatter(means.index, means, color="black", s=18, zorder=4, label=f"Mean delay (≥ {MIN_GROUP} appeals)")
line = slope.line(np.linspace(d["mandates"].min(), d["mandates"].max(), 50))
ax.plot(line["mandates"], line["delay_days"], color=VERMILLION, lw=2, label="Least-squares fit")
ax.fill_between(line["mandates"], line["ci_low"], line["ci_high"], color=VERMILLION, alpha=0.25, lw=0)
ax.set_ylim(0, cap * 1.05)
ax.set_xlabel("Signing mandates (count)")
ax.set_ylabel("Delay from last incident (days)")
ax.text(0.02, 0.97, f"{slope.slope:.1f} days per additional mandate\n({level} CI {slope.ci_low:.1f} to "
        f"{slope.ci_high:.1f}; robust errors)", transform=ax.transAxes, va="top", fontsize=9)
ax.xaxis.set_major_locator(plt.matplotlib.ticker.MaxNLocator(integer=True))
ax.legend(loc="lower right", fontsize=8)
n_cut = int((d["delay_days"] > cap).sum())
theme.finish(fig, nb, n=slope.n, note=f"{n_cut} delays above the 99th percentile ({cap:.0f} days) drawn at the top edge · {period}")
plt.show()

# %%
sec = "Joint communications (Fig. 5)"
checks.add("delay_slope_days", "Extra delay per additional mandate (days)", slope.slope,
           pj["delay_per_additional_mandate_days"], "mean", (slope.ci_low, slope.ci_high), sec)
nb.record("delay_slope_ci_low", slope.ci_low, fmt="{:.1f}")
nb.record("delay_slope_ci_high", slope.ci_high, fmt="{:.1f}")
nb.record("delay_slope_n", slope.n)
nb.record("delay_slope_intercept", slope.intercept, fmt="{:.1f}")
if P["year_to"] == 2016:  # the study's "last four years" end with its data, in 2016
    checks.add("urgent_delay_last4_days", f"Mean delay of urgent appeals, {last4[0]}–{last4[1]} (days)", recent,
               pj["urgent_appeal_delay_last_four_years_days"], "mean", section=sec, fmt="{:,.0f}")
else:
    nb.record("urgent_delay_last4_days", recent, fmt="{:,.0f}")
nb.record("mean_mandates_first_year", jy["mean_mandates"].iloc[0], fmt="{:.1f}")
nb.record("mean_mandates_last_year", jy["mean_mandates"].iloc[-1], fmt="{:.1f}")

# %%
#| label: tbl-joint
#| tbl-cap: "Joint communications: computed beside the published delays (Chasing Shadows, text to Fig. 5)."
tables.show(checks.table(sec), nb, title=f"Joint urgent appeals, {period}", subtitle=AGREE)

# %% [markdown]
# ## Who the defenders are
#
# Shares among all cases of a type, gender unknown included in the denominator.

# %%
women = profiles.women_share_by_violation(cases, P["confidence"])
pw = pub["women_share"]
women_pub = {"All cases": pw["all_cases"], "viol_detention": pw["detention"], "viol_trial": pw["trial"],
             "viol_killing": pw["killing"], "viol_threats": pw["threats"], "viol_defamation": pw["defamation"],
             "viol_relatives": pw["relatives_targeted"]}

# %%
#| label: fig-women
#| fig-cap: "Share of women among the cases of each violation type, with intervals. Dashed: the share among all cases. Diamonds: published shares (Chasing Shadows, 'Profiles of the Defenders')."
fig, ax = figure(figsize=(7.5, 5.6))
w = women.drop(index="All cases")
y = np.arange(len(w))[::-1]
ax.errorbar(w["share"], y, xerr=[w["share"] - w["ci_low"], w["ci_high"] - w["share"]], fmt="o", color=PURPLE,
            ecolor=PURPLE, ms=5, capsize=2, label="Women's share (computed)")
ax.axvline(women.loc["All cases", "share"], color=PURPLE, ls="--", lw=1, label="All cases (computed)")
ypos = dict(zip(w.index, y))
shown = [k for k in women_pub if k in ypos]
ax.scatter([women_pub[k] for k in shown], [ypos[k] for k in shown], **PUBLISHED_STYLE)
ax.set_yticks(y, [f"{lab.replace('...including: ', '…incl. ')}  (n={n:,})" for lab, n in zip(w["label"], w["n"])],
              fontsize=8)
percent_axis(ax.xaxis)
ax.set_xlabel(f"Share of cases with a woman defender (%), {level} Wilson interval")
legend_above(ax)
theme.finish(fig, nb, n=len(cases), note=period)
plt.show()

# %%
protest = profiles.contrast(cases, "protester", "viol_detention", P["confidence"])
landkill = profiles.contrast(cases, "issue_land_environment", "viol_killing", P["confidence"])
pp, pl = pub["protesters"], pub["issue_areas"]

# %%
#| label: fig-profiles
#| fig-cap: "Left: share of protesters among detained defenders and among all other cases. Right: share of land and environmental rights defenders among cases of killing and among non-lethal cases. Whiskers: intervals; diamonds: published shares."
fig, axes = figure(1, 2, figsize=(7.5, 3.4), sharey=False)
panels = [(axes[0], protest, ["Detained", "Not detained"], [pp["share_of_detainees"], pp["share_of_non_detention_cases"]],
           "Protesters"),
          (axes[1], landkill, ["Killed", "Not killed"], [pl["land_env_share_of_killings"], pl["land_env_share_of_non_lethal"]],
           "Land, environment defenders")]
for ax, con, names, published_shares, title in panels:
    t = con.table
    ticks = [f"{name}\n(n={n:,})" for name, n in zip(names, t["n"])]
    ax.bar(ticks, t["share"], color=[ORANGE, theme.GREY], width=0.6)
    ax.errorbar(ticks, t["share"], yerr=[t["share"] - t["ci_low"], t["ci_high"] - t["share"]], fmt="none",
                ecolor="black", capsize=3, lw=0.8)
    ax.scatter(ticks, published_shares, **PUBLISHED_STYLE)
    ax.set_title(f"{title}\ndifference {con.difference * 100:+.1f} pp "
                 f"({con.diff_low * 100:+.1f} to {con.diff_high * 100:+.1f})", fontsize=9)
    percent_axis(ax.yaxis)
    ax.grid(axis="x", visible=False)
axes[0].set_ylabel("Share of cases (%)")
axes[0].legend(loc="upper right", fontsize=7)
theme.finish(fig, nb, n=len(cases), note=f"{level} Wilson intervals; difference: Newcombe interval · {period}")
plt.show()

# %%
sec = "Profiles of the defenders"
for key, text in [("All cases", "Women, all cases"), ("viol_detention", "Women, detention"),
                  ("viol_trial", "Women, trial"), ("viol_killing", "Women, killing"),
                  ("viol_threats", "Women, threats"), ("viol_defamation", "Women, defamation"),
                  ("viol_relatives", "Women, relatives targeted")]:
    if key in women.index:
        r = women.loc[key]
        name = "women_share" if key == "All cases" else f"women_share_{key.removeprefix('viol_')}"
        checks.add(name, text, r["share"], women_pub[key], "share", interval(r), sec)
r = protest.table.loc["in group"]
checks.add("protester_share_detainees", "Protesters among detainees", r["share"], pp["share_of_detainees"],
           "share", interval(r), sec)
r = protest.table.loc["not in group"]
checks.add("protester_share_others", "Protesters among other cases", r["share"],
           pp["share_of_non_detention_cases"], "share", interval(r), sec)
checks.add("protester_count", "Protesters (cases)", int(cases["protester"].sum()), pp["count"], "count",
           section=sec)
r = landkill.table.loc["in group"]
checks.add("land_env_share_killings", "Land, environment defenders among killings", r["share"],
           pl["land_env_share_of_killings"], "share", interval(r), sec)
r = landkill.table.loc["not in group"]
checks.add("land_env_share_non_lethal", "Land, environment defenders among non-lethal cases", r["share"],
           pl["land_env_share_of_non_lethal"], "share", interval(r), sec)
for name, con in [("protester_difference", protest), ("land_env_difference", landkill)]:
    nb.record(f"{name}_pp", con.difference * 100, fmt="{:+.1f} pp")
    nb.record(f"{name}_ci_low_pp", con.diff_low * 100, fmt="{:+.1f} pp")
    nb.record(f"{name}_ci_high_pp", con.diff_high * 100, fmt="{:+.1f} pp")

# %%
#| label: tbl-profiles
#| tbl-cap: "Profiles of the defenders: computed shares beside the published ones (Chasing Shadows, 'Profiles of the Defenders')."
tables.show(checks.table(sec), nb, title=f"Women, protesters, land and environment defenders, {period}",
            subtitle=AGREE)

# %% [markdown]
# ## How states respond
#
# A case counts as answered only with a substantive reply: acknowledgments of receipt
# and other immaterial replies count as no response. The rejection rate is the share of
# rejections among substantive replies whose content is known. Mandate holders are
# assigned by the date the communication was issued.

# %%
rshares = replies.reply_shares(cases, P["confidence"])
holders = replies.substantive_by_holder(cases, terms, P["confidence"])
pr = pub["replies"]

# %%
#| label: fig-replies
#| fig-cap: "Left: share of cases with any reply and with a substantive reply. Right: share of cases with a substantive reply, by the mandate holder in office when the communication was sent. Whiskers: intervals; diamonds: published shares."
fig, axes = figure(1, 2, figsize=(7.5, 3.4), sharey=True, width_ratios=[2, 3])
left = [("Any reply", rshares.loc["any reply"], pr["share_cases_with_reply"]),
        ("Substantive", rshares.loc["substantive reply"], pr["share_cases_with_substantive_reply"])]
right = [(h, holders.loc[h], pr["substantive_reply_by_mandate_holder"].get(h)) for h in holders.index]
for ax, items, colour in [(axes[0], left, BLUE), (axes[1], right, SKY)]:
    names = [f"{i[0]}\n(n={int(i[1]['n']):,})" for i in items]
    s = np.array([i[1]["share"] for i in items])
    ax.bar(names, s, color=colour, width=0.6)
    ax.errorbar(names, s, yerr=[s - [i[1]["ci_low"] for i in items], [i[1]["ci_high"] for i in items] - s],
                fmt="none", ecolor="black", capsize=3, lw=0.8)
    pubs = [(n, i[2]) for n, i in zip(names, items) if i[2] is not None]
    ax.scatter([n for n, _ in pubs], [p for _, p in pubs], **PUBLISHED_STYLE)
    ax.grid(axis="x", visible=False)
axes[0].set_ylabel("Share of cases (%)")
percent_axis(axes[0].yaxis)
axes[0].set_title("All cases", fontsize=10)
axes[1].set_title("Substantive reply, by mandate holder", fontsize=10)
axes[1].legend(loc="upper left", fontsize=7)
theme.finish(fig, nb, n=len(cases), note=f"{level} Wilson intervals · {period}")
plt.show()

# %%
#| label: fig-engagement
#| fig-cap: "State engagement by country (after Chasing Shadows Fig. 6): response rate (substantive replies per case) against rejection rate (rejections per substantive reply of known content). Colour: engagement = response rate minus rejection rate. Point area: number of cases. Countries with enough cases only."
eng = engagement.dropna(subset=["rejection_rate"])
BAND = 0.2  # engagement within ±BAND: rejection rate about as high as response rate (Fig. 6 yellow)
groups = replies.engagement_class(eng["engagement"], BAND)
keys = {"uncooperative": f"uncooperative (below −{BAND})", "mixed": f"mixed (−{BAND} to {BAND})",
        "cooperative": f"cooperative ({BAND} and above)"}
fig, ax = figure(figsize=(7.5, 5.4))
for g, colour in zip(replies.ENGAGEMENT_CLASSES, [VERMILLION, ORANGE, BLUE]):
    sub = eng.loc[groups == g]
    ax.scatter(sub["response_rate"], sub["rejection_rate"], s=12 + sub["cases"] / eng["cases"].max() * 300,
               color=colour, alpha=0.75, edgecolor="white", lw=0.5)
    ax.scatter([], [], s=40, color=colour, label=f"{keys[g]}: {len(sub)}")  # legend key of fixed size
ax.plot([0, 1], [0, 1], color=theme.GREY, ls=":", lw=1)
ax.text(0.97, 0.93, "rejection = response", color=theme.GREY, fontsize=7, ha="right", rotation=0)
label_these = set(eng.nlargest(6, "cases").index) | ({"IND", "ARG"} & set(eng.index))
for c in label_these:
    ax.annotate(c, (eng.loc[c, "response_rate"], eng.loc[c, "rejection_rate"]), fontsize=7,
                xytext=(4, 3), textcoords="offset points")
for axis in (ax.xaxis, ax.yaxis):
    percent_axis(axis)
ax.set_xlim(-0.02, 1.02)
ax.set_ylim(-0.02, 1.05)
ax.set_xlabel("Response rate: cases with a substantive reply (%)")
ax.set_ylabel("Rejection rate: rejections among\nsubstantive replies of known content (%)")
ax.legend(title="Engagement (countries)", loc="lower right", fontsize=7, title_fontsize=8)
theme.finish(fig, nb, n=f"{len(eng)} countries, {int(eng['cases'].sum()):,} cases",
             note=f"countries with ≥ {P['min_country_n']} cases; {len(engagement) - len(eng)} without a reply of known content left out · {period}")
plt.show()

# %%
overall = replies.mean_response_days(cases, P["confidence"])
EXTREMES = 8  # countries shown at each end
slow, fast = times.head(EXTREMES), times.tail(EXTREMES).iloc[::-1]
named = {code: name for name, code in replies.NAMED_COUNTRIES.items()}
pub_days = {**{replies.NAMED_COUNTRIES[k]: v * replies.DAYS_PER_MONTH for k, v in pr["mean_response_months"].items()},
            **{replies.NAMED_COUNTRIES[k]: v for k, v in pr["mean_response_days_fast"].items()}}

# %%
#| label: fig-response-times
#| fig-cap: "Mean days from a communication to the state's substantive reply: the slowest (top) and fastest (bottom) countries among those with enough cases and replies. Whiskers: t intervals of the mean. Dashed: the mean over all cases. Diamonds: published means for the countries the study names."
fig, axes = figure(2, 1, figsize=(7.5, 5.8), sharex=True)
for ax, frame, title, colour in [(axes[0], slow, "Slowest", VERMILLION), (axes[1], fast, "Fastest", GREEN)]:
    y = np.arange(len(frame))[::-1]
    ax.errorbar(frame["mean_days"], y, xerr=[frame["mean_days"] - frame["ci_low"], frame["ci_high"] - frame["mean_days"]],
                fmt="o", color=colour, ecolor=colour, ms=5, capsize=2)
    ax.set_yticks(y, [f"{c}  ({r} replies)" for c, r in zip(frame.index, frame["replies"])], fontsize=8)
    ax.axvline(overall["mean"], color="black", ls="--", lw=1, label=f"All cases: {overall['mean']:.0f} days")
    hits = [c for c in frame.index if c in pub_days]
    if hits:
        ypos = dict(zip(frame.index, y))
        ax.scatter([pub_days[c] for c in hits], [ypos[c] for c in hits], **PUBLISHED_STYLE)
    ax.set_title(title, fontsize=10, loc="left")
axes[0].legend(loc="lower right", fontsize=7)
axes[1].set_xlabel(f"Mean days to a substantive reply, {level} t interval")
axes[1].set_xlim(left=0)
theme.finish(fig, nb, n=int(overall["n"]),
             note=f"substantive replies; countries with ≥ {P['min_country_n']} cases and ≥ {P['min_replies']} replies · {period}")
plt.show()

# %%
sec = "State responses (Fig. 6)"
r = rshares.loc["any reply"]
checks.add("reply_share", "Cases with any reply", r["share"], pr["share_cases_with_reply"], "share", interval(r), sec)
r = rshares.loc["substantive reply"]
checks.add("substantive_reply_share", "Cases with a substantive reply", r["share"],
           pr["share_cases_with_substantive_reply"], "share", interval(r), sec)
for h, r in holders.iterrows():
    checks.add(f"substantive_by_holder_{h.lower()}", f"Substantive reply, {h}", r["share"],
               pr["substantive_reply_by_mandate_holder"][h], "share", interval(r), sec)
rej = replies.rejection_share(cases, P["confidence"])
checks.add("rejection_share", "Rejections among substantive replies of known content", rej["share"],
           pr["share_replies_rejecting"], "share", interval(rej), sec)
checks.add("mean_response_days", "Mean days to a substantive reply", overall["mean"], pr["mean_response_days"],
           "mean", (overall["ci_low"], overall["ci_high"]), sec, fmt="{:,.0f}")
nb.record("slowest_country", times.index[0])
nb.record("slowest_country_days", times["mean_days"].iloc[0], fmt="{:.0f}")
nb.record("slowest_country_months", times["mean_months"].iloc[0], fmt="{:.1f}")
nb.record("fastest_country", times.index[-1])
nb.record("fastest_country_days", times["mean_days"].iloc[-1], fmt="{:.0f}")
nb.record("n_countries_rated", len(engagement))
for g in replies.ENGAGEMENT_CLASSES:
    nb.record(f"n_countries_{g}", int((groups == g).sum()))
# The study gives the slow countries in months and the fast ones in days; compare in its unit.
for country, months in pr["mean_response_months"].items():
    code = replies.NAMED_COUNTRIES[country]
    if code in times.index:
        r = times.loc[code]
        checks.add(f"response_months_{code.lower()}", f"Mean months to reply, {country}", r["mean_months"],
                   months, "mean", (r["ci_low"] / replies.DAYS_PER_MONTH, r["ci_high"] / replies.DAYS_PER_MONTH),
                   sec)
for country, days in pr["mean_response_days_fast"].items():
    code = replies.NAMED_COUNTRIES[country]
    if code in times.index:
        checks.add(f"response_days_{code.lower()}", f"Mean days to reply, {country}", times.loc[code, "mean_days"],
                   days, "mean", interval(times.loc[code]), sec, fmt="{:,.0f}")
for code, key in [("IND", "india"), ("ARG", "argentina")]:
    c = replies.replies_by_country(cases).reindex([code]).fillna(0).iloc[0]
    p = pr[key]
    checks.add(f"{key}_cases", f"{named[code]}: cases", c["cases"], p["cases"], "count", section=sec)
    response = caseload.proportions(c["substantive"], c["cases"], P["confidence"]).iloc[0]
    published_response = p["replied"] / p["cases"] if "replied" in p else p["reply_share"]
    checks.add(f"{key}_response_rate", f"{named[code]}: response rate", response["share"],
               round(published_response, 2), "share", interval(response), sec)
    rejection = caseload.proportions(c["rejections"], c["known_content"], P["confidence"]).iloc[0]
    checks.add(f"{key}_rejection_rate", f"{named[code]}: rejection rate", rejection["share"],
               p["rejection_share"], "share", interval(rejection), sec)

# %%
#| label: tbl-replies
#| tbl-cap: "State responses: computed beside the published figures (Chasing Shadows, 'States' Responses'; the share of rejections is from Spannagel 2019)."
tables.show(checks.table(sec), nb, title=f"State responses, {period}",
            subtitle=AGREE)

# %% [markdown]
# ## This mandate beside all special procedures
#
# Piccone (2011) classified the replies to nearly 9,000 communications from 17 mandates
# over five years. His unit is the communication, ours the case, and his "rejection"
# means rejection without investigating, while ours includes any rejection or
# justification; the comparison is a rough one. His three shares leave about 3% that he
# does not classify, shown here as "other or unknown".

# %%
cats = replies.reply_categories(cases, P["confidence"])
versus = replies.piccone_comparison(cats, published()["responses_all_mandates"])

# %%
#| label: fig-piccone
#| fig-cap: "Replies in Piccone's (2011) categories: cases of the HRD mandate (with intervals) beside communications of all special procedures (published shares)."
fig, ax = figure(figsize=(7.5, 3.6))
y = np.arange(len(versus))[::-1]
ax.barh(y + 0.2, versus["share"], height=0.38, color=BLUE, label=f"HRD mandate, cases {period}")
ax.errorbar(versus["share"], y + 0.2, xerr=[versus["share"] - versus["ci_low"], versus["ci_high"] - versus["share"]],
            fmt="none", ecolor="black", capsize=2, lw=0.8)
ax.barh(y - 0.2, versus["all_mandates"], height=0.38, color=theme.GREY, label="All mandates (Piccone 2011)")
for yy, s, hi, a in zip(y, versus["share"], versus["ci_high"], versus["all_mandates"]):
    ax.text(hi + 0.01, yy + 0.2, f"{s:.0%}", va="center", fontsize=8)
    ax.text(a + 0.01, yy - 0.2, f"{a:.0%}", va="center", fontsize=8, color=theme.GREY)
ax.set_yticks(y, versus["label"])
percent_axis(ax.xaxis)
ax.set_xlabel(f"Share of cases / communications (%), {level} Wilson interval")
ax.legend(loc="lower right", fontsize=8)
theme.finish(fig, nb, n=len(cases), note=period)
plt.show()

# %%
sec = PICCONE
pa = published()["responses_all_mandates"]
for key in ["no_or_immaterial", "steps_taken", "rejected_without_investigation"]:
    r = versus.loc[key]
    checks.add(f"piccone_{key}", f"{r['label']} (vs all mandates)", r["share"], pa[key], "share", interval(r), sec)
nb.record("piccone_other_or_unknown", versus.loc["other_or_unknown", "share"], fmt="{:.0%}")

# %%
#| label: tbl-piccone
#| tbl-cap: "Reply categories of this mandate's cases beside Piccone's (2011) shares for all special procedures. Differences reflect mandate, unit (case vs communication), period and coding."
tables.show(checks.table(sec), nb, title="HRD mandate vs all special procedures", subtitle=AGREE)

# %% [markdown]
# ## Agreement with the published numbers

# %%
chasing_shadows = sorted({c.section for c, _ in checks.items} - {PICCONE})
nb.record_comparison(pd.concat([checks.scorecard("Spannagel 2018 (Chasing Shadows)", chasing_shadows),
                                checks.scorecard("Piccone 2011", [PICCONE])], ignore_index=True))
agree = [c.agrees for c, _ in checks.items if c.agrees is not None]
nb.record("n_checks", len(agree))
nb.record("n_checks_agree", sum(agree))
nb.record("share_checks_agree", sum(agree) / len(agree) if agree else float("nan"), fmt="{:.0%}")
