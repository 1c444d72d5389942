"""The figures of notebook 01 (the caseload, after Spannagel 2018, *Chasing Shadows*).

Each function takes the frames of `casework.analysis` and the published values, draws
one figure and stamps it with `theme.finish`; `nb` gives the parameters (period,
confidence level, thresholds) and the provenance. Shares are in 0-1, shown as percents.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ...analysis import geography, joint, replies, timeline, violations
from ...analysis.caseload import Published, in_period, period_label
from ...analysis.profiles import ALL_CASES, Contrast
from .. import theme
from ..countries import name
from .common import (BLUE, GREEN, ORANGE, PURPLE, SKY, VERMILLION, decimal_year, errors, figure, hbars, hpoints,
                     integer_axis, legend_above, level, percent_axis, published_markers, rows_top_down, vbars)

PUBLISHED = "Published (Chasing Shadows)"
WIDTH = 7.5  # inches: the page's text width


def _years(nb) -> tuple[int, int]:
    return nb.params["year_from"], nb.params["year_to"]


def _period(nb) -> str:
    return period_label(*_years(nb))


def _level(nb) -> str:
    return level(nb.params["confidence"])


def _nested_name(label: str) -> str:
    """'...including: killing' -> '…including killing'."""
    return "…" + label.removeprefix("...").replace("including: ", "including ")


# --- violations and issue areas -----------------------------------------------------------

def violations_by_type(shares: pd.DataFrame, nested_ok: pd.Series, published: dict[str, Published], *,
                       nb, n: int):
    """Fig. 1: share of cases per violation (`violations.violation_shares`), nested rows
    lighter, case counts beside the whiskers, published shares (diamonds) and lower bounds
    (triangles); the note names nested rows not contained in their parent."""
    fig, ax = figure(figsize=(WIDTH, 6.2))
    nested = shares["parent"].notna()
    names = [_nested_name(lab) if sub else lab for lab, sub in zip(shares["label"], nested)]
    ypos = hbars(ax, shares, colour=[SKY if sub else BLUE for sub in nested], labels=names)
    points = {c: p.value for c, p in published.items() if p.relation in ("=", "~")}
    bounds = {c: p.value for c, p in published.items() if p.relation in (">", ">=")}
    published_markers(ax, list(points.values()), [ypos[c] for c in points], PUBLISHED)
    ax.scatter(list(bounds.values()), [ypos[c] for c in bounds], marker=">", color="black", s=36, zorder=5,
               label="Published lower bound")
    for c, y in ypos.items():
        ax.text(shares.loc[c, "ci_high"] + 0.008, y, f"{shares.loc[c, 'count']:,}", va="center", fontsize=7,
                color=theme.GREY)
    ax.set_xlabel(f"Share of cases (%), whiskers: {_level(nb)} Wilson interval; numbers: cases")
    legend_above(ax)
    broken = [shares.loc[c, "label"].removeprefix("...including: ") for c in nested_ok.index[~nested_ok]]
    theme.finish(fig, nb, n=n, note=f"communications {_period(nb)}"
                 + (f" · not all cases of {', '.join(broken)} fall within the row above" if broken else ""))
    return fig


def issue_areas(issues: pd.DataFrame, published: dict[str, float], *, nb, n: int):
    """Fig. 2: share of cases per issue group (`violations.issue_area_shares`), the cases
    with none in grey, published shares as diamonds."""
    fig, ax = figure(figsize=(WIDTH, 3.8))
    ypos = hbars(ax, issues, colour=[theme.GREY if g == violations.NO_ISSUE else GREEN for g in issues.index])
    published_markers(ax, list(published.values()), [ypos[g] for g in published], PUBLISHED)
    ax.set_xlabel(f"Share of cases (%), whiskers: {_level(nb)} Wilson interval")
    legend_above(ax)
    theme.finish(fig, nb, n=n, note=f"communications {_period(nb)}")
    return fig


def issue_trend(land_by_year: pd.DataFrame, lgbti_by_year: pd.DataFrame, published_years: dict[int, float],
                lgbti_level: float, *, nb, n: int):
    """Yearly shares (`violations.issue_share_by_year`) of land, environment, indigenous
    and of LGBTI cases with bands; published single years and the published LGBTI level."""
    fig, ax = figure(figsize=(WIDTH, 3.8))
    for frame, colour, name in [(land_by_year, GREEN, violations.LAND_GROUP), (lgbti_by_year, PURPLE, "LGBTI rights")]:
        ax.plot(frame.index, frame["share"], color=colour, marker="o", ms=3, label=name)
        ax.fill_between(frame.index, frame["ci_low"], frame["ci_high"], color=colour, alpha=0.2, lw=0)
    if published_years:
        published_markers(ax, list(published_years), list(published_years.values()), PUBLISHED)
    year_from, year_to = _years(nb)
    lgbti_from = max(violations.LGBTI_STABLE_FROM, year_from)
    if lgbti_from < year_to:
        ax.hlines(lgbti_level, lgbti_from, year_to, colors="black", linestyles="--", lw=1,
                  label=f"Published LGBTI level from {violations.LGBTI_STABLE_FROM}")
    percent_axis(ax.yaxis)
    ax.set_xlabel("Year of communication")
    ax.set_ylabel("Share of cases in the year (%)")
    integer_axis(ax.xaxis)
    ax.legend(loc="upper left", fontsize=8)
    theme.finish(fig, nb, n=n, note=f"{_level(nb)} Wilson intervals · {_period(nb)}")
    return fig


# --- countries and years ------------------------------------------------------------------

def countries(by_country: pd.DataFrame, *, nb, n: int):
    """Fig. 3 as a ranking: communications of the `top_n` most-addressed countries
    (`geography.communications_by_country`), labelled with their share of all."""
    top = by_country.head(nb.params["top_n"])
    fig, ax = figure(figsize=(WIDTH, 0.9 + 0.22 * len(top)))
    y = rows_top_down(len(top))
    ax.hlines(y, 0, top["communications"], color=BLUE, lw=1.2)
    ax.scatter(top["communications"], y, color=BLUE, s=22, zorder=3)
    ax.set_yticks(y, [f"{name(c)}  ({s:.1%})" for c, s in zip(top.index, top["share"])], fontsize=8)
    ax.set_xlabel("Communications (count)")
    ax.set_xlim(0, top["communications"].max() * 1.08)
    ax.grid(axis="y", visible=False)
    share = geography.concentration(by_country, len(top))
    theme.finish(fig, nb, n=n,
                 note=f"top {len(top)} of {len(by_country)} countries ({share:.0%} of all) · {_period(nb)}")
    return fig


def _holder_terms(ax, terms: pd.DataFrame, lo: float, hi: float) -> None:
    """Shade each mandate holder's term within [lo, hi] (decimal years) and name the holder."""
    for i, t in enumerate(terms.itertuples()):
        a, b = max(decimal_year(t.start), lo), min(decimal_year(t.end), hi)
        if b > a:
            ax.axvspan(a, b, color=theme.GREY, alpha=0.06 + 0.08 * (i % 2), lw=0)
            ax.text((a + b) / 2, 0.985, t.holder, transform=ax.get_xaxis_transform(), ha="center", va="top",
                    fontsize=8, color=theme.GREY)


def communications_timeline(per_year: pd.DataFrame, terms: pd.DataFrame, published: dict[int, int], *, nb, n: int):
    """Fig. 4: communications per year (`timeline.communications_per_year`), one line per
    series, over the mandate holders' terms; published counts of all communications."""
    fig, ax = figure(figsize=(WIDTH, 4.4))
    x = per_year.index + 0.5  # a calendar year's count sits mid-year, so terms line up by date
    year_from, year_to = _years(nb)
    lo, hi = year_from, year_to + 1
    _holder_terms(ax, terms, lo, hi)
    for (key, name), colour in zip(timeline.SERIES.items(), ["black", GREEN, VERMILLION, BLUE]):
        ax.plot(x, per_year[key], color=colour, marker="o", ms=3, lw=1.6, label=name)
    if published:
        published_markers(ax, np.array(list(published)) + 0.5, list(published.values()), "Published count (all)")
    step = 1 if len(x) <= 9 else 2
    ax.set_xticks(x[::step], per_year.index[::step])
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, per_year["all"].max() * 1.15)  # headroom for the holders' names
    ax.set_xlabel("Year issued")
    ax.set_ylabel("Communications per year (count)")
    legend_above(ax)
    partial = "; ".join(f"{y} {m}" for y, m in timeline.PARTIAL_YEARS.items() if in_period(y, *_years(nb)))
    theme.finish(fig, nb, n=n,
                 note=_period(nb) + (f" ({partial}: data cover part of the year)" if partial else ""))
    return fig


# --- joint communications -----------------------------------------------------------------

def joint_trend(by_year: pd.DataFrame, published_recent: Published | None, years: tuple[int, int], *, nb):
    """Fig. 5: mean delay and mean signing mandates of urgent appeals per year
    (`joint.joint_by_year`); the published recent mean delay over `years`, if given."""
    fig, (top_ax, bottom_ax) = figure(2, 1, figsize=(WIDTH, 5), sharex=True, height_ratios=[1.2, 1])
    top_ax.plot(by_year.index, by_year["mean_delay_days"], color=VERMILLION, marker="o", ms=3)
    top_ax.set_ylabel("Mean delay (days)")
    if published_recent is not None:
        top_ax.hlines(published_recent.value, *years, colors="black", linestyles="--", lw=1,
                      label="Published, last four years")
        top_ax.legend(loc="upper left", fontsize=8)
    bottom_ax.plot(by_year.index, by_year["mean_mandates"], color=BLUE, marker="o", ms=3)
    bottom_ax.set_ylabel("Mean signing\nmandates (count)")
    bottom_ax.set_xlabel("Year issued")
    for axis in (top_ax, bottom_ax):
        axis.set_ylim(bottom=0)  # levels, not only changes, matter: a month's delay vs a week's
    integer_axis(bottom_ax.xaxis)
    theme.finish(fig, nb, n=int(by_year["communications"].sum()),
                 note=f"urgent appeals with a known delay · {_period(nb)}")
    return fig


def delay_by_mandates(appeals: pd.DataFrame, slope: joint.DelaySlope, *, nb, min_group: int = 10):
    """Each appeal's delay (`joint.with_delay`) against its signing mandates, jittered,
    delays above the 99th percentile drawn at the edge; means per number of mandates with
    at least `min_group` appeals, and the least-squares line with its band."""
    cap = appeals["delay_days"].quantile(0.99)
    fig, ax = figure(figsize=(WIDTH, 4.4))
    jitter = np.random.default_rng(1).uniform(-0.18, 0.18, len(appeals))  # fixed seed: same picture every run
    below = appeals["delay_days"] <= cap
    ax.scatter(appeals["mandates"][below] + jitter[below], appeals["delay_days"][below], s=5, alpha=0.18,
               color=BLUE, lw=0, label="Urgent appeal")
    ax.scatter(appeals["mandates"][~below] + jitter[~below], np.full((~below).sum(), cap), s=12, marker="^",
               color=BLUE, alpha=0.5, lw=0, label=f"Delay above {cap:.0f} days (drawn at the edge)")
    means = joint.mean_delay_by_mandates(appeals, min_group)
    ax.scatter(means.index, means, color="black", s=18, zorder=4, label=f"Mean delay (≥ {min_group} appeals)")
    line = slope.line(np.linspace(appeals["mandates"].min(), appeals["mandates"].max(), 50))
    ax.plot(line["mandates"], line["delay_days"], color=VERMILLION, lw=2, label="Least-squares fit")
    ax.fill_between(line["mandates"], line["ci_low"], line["ci_high"], color=VERMILLION, alpha=0.25, lw=0)
    ax.set_ylim(0, cap * 1.05)
    ax.set_xlabel("Signing mandates (count)")
    ax.set_ylabel("Delay from last incident (days)")
    ax.text(0.02, 0.97, f"{slope.slope:.1f} days per additional mandate\n({_level(nb)} CI {slope.ci_low:.1f} to "
            f"{slope.ci_high:.1f}; robust errors)", transform=ax.transAxes, va="top", fontsize=9)
    integer_axis(ax.xaxis)
    ax.legend(loc="lower right", fontsize=8)
    theme.finish(fig, nb, n=slope.n, note=f"{int((~below).sum())} delays above the 99th percentile ({cap:.0f} days) "
                                          f"drawn at the top edge · {_period(nb)}")
    return fig


# --- profiles -----------------------------------------------------------------------------

def women(shares: pd.DataFrame, published: dict[str, float], *, nb, n: int):
    """Share of women per violation type (`profiles.women_share_by_violation`) with
    intervals, the share among all cases dashed, published shares as diamonds."""
    fig, ax = figure(figsize=(WIDTH, 5.6))
    rows = shares.drop(index=ALL_CASES)
    y = rows_top_down(len(rows))
    hpoints(ax, rows, y, PURPLE, label="Women's share (computed)")
    ax.axvline(shares.loc[ALL_CASES, "share"], color=PURPLE, ls="--", lw=1, label="All cases (computed)")
    ypos = dict(zip(rows.index, y))
    shown = [k for k in published if k in ypos]
    published_markers(ax, [published[k] for k in shown], [ypos[k] for k in shown], PUBLISHED)
    names = [lab.replace("...including: ", "…incl. ") for lab in rows["label"]]
    ax.set_yticks(y, [f"{name}  (n={k:,})" for name, k in zip(names, rows["n"])], fontsize=8)
    percent_axis(ax.xaxis)
    ax.set_xlabel(f"Share of cases with a woman defender (%), {_level(nb)} Wilson interval")
    legend_above(ax)
    theme.finish(fig, nb, n=n, note=_period(nb))
    return fig


def contrasts(protest: Contrast, landkill: Contrast, published: dict[str, tuple[float, float]], *, nb, n: int):
    """Two panels of `profiles.contrast`: protesters among detained and other cases, land
    and environment defenders among killings and other cases; `published` maps each
    trait to its published (in group, outside) shares."""
    fig, axes = figure(1, 2, figsize=(WIDTH, 3.4), sharey=False)
    panels = [(axes[0], protest, ["Detained", "Not detained"], "Protesters"),
              (axes[1], landkill, ["Killed", "Not killed"], "Land, environment defenders")]
    for ax, con, names, title in panels:
        ticks = [f"{name}\n(n={k:,})" for name, k in zip(names, con.table["n"])]
        vbars(ax, ticks, con.table, [ORANGE, theme.GREY])
        published_markers(ax, ticks, list(published[con.trait]), PUBLISHED)
        ax.set_title(f"{title}\ndifference {con.difference * 100:+.1f} pp "
                     f"({con.diff_low * 100:+.1f} to {con.diff_high * 100:+.1f})", fontsize=9)
        percent_axis(ax.yaxis)
    axes[0].set_ylabel("Share of cases (%)")
    axes[0].legend(loc="upper right", fontsize=7)
    theme.finish(fig, nb, n=n, note=f"{_level(nb)} Wilson intervals; difference: Newcombe interval · {_period(nb)}")
    return fig


# --- replies ------------------------------------------------------------------------------

def _reply_panel(ax, shares: pd.DataFrame, names: list[str], published: dict, colour) -> None:
    """Bars of reply shares with n under each name, published shares as diamonds."""
    ticks = [f"{name}\n(n={int(k):,})" for name, k in zip(names, shares["n"])]
    vbars(ax, ticks, shares, colour)
    shown = [(t, published[row]) for t, row in zip(ticks, shares.index) if published.get(row) is not None]
    published_markers(ax, [t for t, _ in shown], [p for _, p in shown], PUBLISHED)


def reply_shares(shares: pd.DataFrame, by_holder: pd.DataFrame, published: dict[str, float],
                 published_by_holder: dict[str, float], *, nb, n: int):
    """Left: cases with any and with a substantive reply (`replies.reply_shares`). Right:
    substantive replies by mandate holder (`replies.substantive_by_holder`)."""
    fig, axes = figure(1, 2, figsize=(WIDTH, 3.4), sharey=True, width_ratios=[2, 3])
    _reply_panel(axes[0], shares, ["Any reply", "Substantive"], published, BLUE)
    _reply_panel(axes[1], by_holder, list(by_holder.index), published_by_holder, SKY)
    axes[0].set_ylabel("Share of cases (%)")
    percent_axis(axes[0].yaxis)
    axes[0].set_title("All cases", fontsize=10)
    axes[1].set_title("Substantive reply, by mandate holder", fontsize=10)
    axes[1].legend(loc="upper left", fontsize=7)
    theme.finish(fig, nb, n=n, note=f"{_level(nb)} Wilson intervals · {_period(nb)}")
    return fig


def engagement(rated: pd.DataFrame, n_unrated: int, *, nb, band: float = replies.ENGAGEMENT_BAND,
               labelled: int = 6):
    """Fig. 6: response against rejection rate per country (`replies.rated_countries`),
    coloured by engagement class, point area by cases; the `labelled` largest countries
    and those the study discusses are named."""
    keys = {"uncooperative": f"uncooperative (below −{band})", "mixed": f"mixed (−{band} to {band})",
            "cooperative": f"cooperative ({band} and above)"}
    fig, ax = figure(figsize=(WIDTH, 5.4))
    for g, colour in zip(replies.ENGAGEMENT_CLASSES, [VERMILLION, ORANGE, BLUE]):
        sub = rated.loc[rated["engagement_class"] == g]
        if sub.empty:  # no legend entry for a class without countries
            continue
        ax.scatter(sub["response_rate"], sub["rejection_rate"], s=12 + sub["cases"] / rated["cases"].max() * 300,
                   color=colour, alpha=0.75, edgecolor="white", lw=0.5)
        ax.scatter([], [], s=40, color=colour, label=f"{keys[g]}: {len(sub)}")  # legend key of fixed size
    ax.plot([0, 1], [0, 1], color=theme.GREY, ls=":", lw=1)
    ax.text(0.97, 0.93, "rejection = response", color=theme.GREY, fontsize=7, ha="right", rotation=0)
    named = set(rated.nlargest(labelled, "cases").index) | (set(replies.DISCUSSED_COUNTRIES) & set(rated.index))
    for c in sorted(named):  # sorted: overlapping labels stack the same way every run
        ax.annotate(name(c), (rated.loc[c, "response_rate"], rated.loc[c, "rejection_rate"]), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    for axis in (ax.xaxis, ax.yaxis):
        percent_axis(axis)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("Response rate: cases with a substantive reply (%)")
    ax.set_ylabel("Rejection rate: rejections among\nsubstantive replies of known content (%)")
    ax.legend(title="Engagement (countries)", loc="lower right", fontsize=7, title_fontsize=8)
    theme.finish(fig, nb, n=f"{len(rated)} countries, {int(rated['cases'].sum()):,} cases",
                 note=f"countries with ≥ {nb.params['min_country_n']} cases; {n_unrated} without a reply of "
                      f"known content left out · {_period(nb)}")
    return fig


def response_times(times: pd.DataFrame, overall: pd.Series, published_days: dict[str, float], *, nb,
                   extremes: int = 8):
    """Mean days to a substantive reply of the `extremes` slowest and fastest countries
    (`replies.response_times`), the mean over all cases dashed, published means as diamonds."""
    slow, fast = times.head(extremes), times.tail(extremes).iloc[::-1]
    fig, axes = figure(2, 1, figsize=(WIDTH, 5.8), sharex=True)
    for ax, frame, title, colour in [(axes[0], slow, "Slowest", VERMILLION), (axes[1], fast, "Fastest", GREEN)]:
        y = rows_top_down(len(frame))
        hpoints(ax, frame, y, colour, centre="mean_days")
        ax.set_yticks(y, [f"{name(c)}  ({r} replies)" for c, r in zip(frame.index, frame["replies"])], fontsize=8)
        ax.axvline(overall["mean"], color="black", ls="--", lw=1, label=f"All cases: {overall['mean']:.0f} days")
        ypos = dict(zip(frame.index, y))
        hits = [c for c in frame.index if c in published_days]
        if hits:
            published_markers(ax, [published_days[c] for c in hits], [ypos[c] for c in hits], PUBLISHED)
        ax.set_title(title, fontsize=10, loc="left")
    axes[0].legend(loc="lower right", fontsize=7)
    axes[1].set_xlabel(f"Mean days to a substantive reply, {_level(nb)} t interval")
    axes[1].set_xlim(left=0)
    theme.finish(fig, nb, n=int(overall["n"]),
                 note=f"substantive replies; countries with ≥ {nb.params['min_country_n']} cases and "
                      f"≥ {nb.params['min_replies']} replies · {_period(nb)}")
    return fig


def piccone(versus: pd.DataFrame, *, nb, n: int):
    """Reply categories of this mandate's cases (with intervals) beside Piccone's shares for
    all special procedures (`replies.piccone_comparison`), paired bars per category."""
    fig, ax = figure(figsize=(WIDTH, 3.6))
    y = rows_top_down(len(versus))
    ax.barh(y + 0.2, versus["share"], height=0.38, color=BLUE, label=f"HRD mandate, cases {_period(nb)}")
    ax.errorbar(versus["share"], y + 0.2, xerr=errors(versus), fmt="none", ecolor="black", capsize=2, lw=0.8)
    ax.barh(y - 0.2, versus["all_mandates"], height=0.38, color=theme.GREY, label="All mandates (Piccone 2011)")
    for yy, s, hi, a in zip(y, versus["share"], versus["ci_high"], versus["all_mandates"]):
        ax.text(hi + 0.01, yy + 0.2, f"{s:.0%}", va="center", fontsize=8)
        ax.text(a + 0.01, yy - 0.2, f"{a:.0%}", va="center", fontsize=8, color=theme.GREY)
    ax.set_yticks(y, versus["label"])
    percent_axis(ax.xaxis)
    ax.set_xlabel(f"Share of cases / communications (%), {_level(nb)} Wilson interval")
    ax.legend(loc="lower right", fontsize=8)
    theme.finish(fig, nb, n=n, note=_period(nb))
    return fig
