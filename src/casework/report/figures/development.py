"""Figures of the case-development page (notebook 02).

Stacked shares of the six development categories (Spannagel 2019, Fig. 1;
Spannagel 2018, Fig. 7) and dot plots of the share improved, by country and by
case characteristic. Each function takes analysis results and the notebook and
returns the figure stamped by `theme.finish`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ...analysis import development, intervals
from .. import theme
from ..countries import name
from .common import figure

LEGEND = {"title": "Development", "loc": "center left", "bbox_to_anchor": (1.01, 0.5), "fontsize": 8,
          "title_fontsize": 8.5}
DARK_SEGMENTS = ("much_better", "much_worse")   # white numbers on these, black on the rest
MIN_LABELLED = 7                                 # % a segment needs to hold its number


def _figure(width: float, height: float) -> tuple[plt.Figure, plt.Axes]:
    """common.figure with a strip of a quarter inch, whatever the height, for the synthetic mark."""
    fig, ax = figure(figsize=(width, height))
    fig.get_layout_engine().set(rect=(0, 0, 1, 1 - 0.25 / height))
    return fig, ax


def _stacked_shares(ax: plt.Axes, counts: pd.DataFrame, horizontal: bool) -> None:
    """100% stacked bars of the six categories, one bar per row of `counts`."""
    shares = development.shares(counts) * 100
    start = np.zeros(len(shares))
    pos = np.arange(len(shares))
    bar = ax.barh if horizontal else ax.bar
    for cat in development.DEVELOPMENTS:
        width = shares[cat].to_numpy()
        kw = {"left": start} if horizontal else {"bottom": start}
        bar(pos, width, 0.72, color=theme.DEVELOPMENT_COLOURS[cat], label=development.LABELS[cat],
            edgecolor="white", linewidth=0.5, **kw)
        for p, w, s0 in zip(pos, width, start):
            if w >= MIN_LABELLED:
                xy = (s0 + w / 2, p) if horizontal else (p, s0 + w / 2)
                ax.text(*xy, f"{w:.0f}", ha="center", va="center", fontsize=7.5,
                        color="white" if cat in DARK_SEGMENTS else "black")
        start = start + width


def source_information(counts: pd.DataFrame, tests: pd.DataFrame, nb, n: int) -> plt.Figure:
    """Fig. 1 of the working paper: developments per source x information group, total last.

    counts: development.with_total(by_source_information(...)); tests: distribution_tests.
    """
    fig, ax = _figure(9, 4)
    _stacked_shares(ax, counts, horizontal=True)
    ax.set_yticks(range(len(counts)),
                  [f"{name}\n(n = {k:,})" for name, k in counts.sum(axis=1).items()], fontsize=8.5)
    ax.axhline(len(counts) - 1.5, color="black", linewidth=0.8)  # the pooled bar below the line
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of assessed cases in the group (%)")
    source = development.TESTS["source"]
    ax.set_title(f"{source}: {tests.loc[source, 'text']}", fontsize=8.5, fontweight="normal", loc="left")
    ax.legend(**LEGEND)
    ax.grid(axis="y", visible=False)
    theme.finish(fig, nb, n=n)
    return fig


def by_year(years: pd.DataFrame, nb, n: int) -> plt.Figure:
    """Chasing Shadows Fig. 7: developments per year of the communication (development.by_year)."""
    fig, ax = _figure(10, 4.5)
    _stacked_shares(ax, years, horizontal=False)
    ax.set_xticks(range(len(years)), [f"{y}\nn = {k}" for y, k in years.sum(axis=1).items()], fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Share of the year's assessed cases (%)")
    ax.set_xlabel("Year of the communication")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], **LEGEND)  # reversed: the legend reads top-down like the bars
    ax.grid(axis="x", visible=False)
    theme.finish(fig, nb, n=n)
    return fig


def country_improvement(countries: pd.DataFrame, nb, *, overall: float, top_n: int, min_n: int, n_cases: int,
              confidence: float) -> plt.Figure:
    """Chasing Shadows Fig. 8 as a dot plot: share improved with Wilson interval, top_n countries.

    countries: development.improvement_by_country (most cases first); overall: the share
    improved among all `n_cases` assessed cases (dashed line). Countries with fewer than
    `min_n` cases are drawn hollow.
    """
    top = countries.head(top_n).iloc[::-1]
    small = top["small_n"].to_numpy()
    fig, ax = _figure(7.5, max(3.5, 0.24 * len(top) + 1.2))
    for flag, style in ((False, {"color": theme.OKABE_ITO[0], "markerfacecolor": theme.OKABE_ITO[0]}),
                        (True, {"color": theme.GREY, "markerfacecolor": "white"})):
        sel = top[small == flag]
        ax.errorbar(sel["share"] * 100, np.flatnonzero(small == flag),
                    xerr=[(sel["share"] - sel["ci_low"]) * 100, (sel["ci_high"] - sel["share"]) * 100],
                    fmt="o", markersize=5, capsize=2, elinewidth=1, **style)
    ax.axvline(overall * 100, color=theme.OKABE_ITO[3], linestyle="--", linewidth=1)
    ax.set_yticks(range(len(top)), [f"{name(c)} (n = {k})" for c, k in top["n"].items()], fontsize=8)
    ax.set_ylim(-0.7, len(top) - 0.3)
    ax.set_xlim(-2, 102)  # room for points at 0% and 100%
    ax.set_xlabel(f"Cases improved within one year (%, {confidence:.0%} Wilson interval)")
    ax.set_ylabel("Country")
    ax.legend(handles=[Line2D([], [], marker="o", color=theme.OKABE_ITO[0], linestyle="none",
                              label=f"{min_n} or more assessed cases"),
                       Line2D([], [], marker="o", color=theme.GREY, markerfacecolor="white",
                              linestyle="none", label=f"fewer than {min_n}: anecdotal"),
                       Line2D([], [], color=theme.OKABE_ITO[3], linestyle="--",
                              label=f"all assessed cases ({overall:.0%})")],
              loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8)
    ax.grid(axis="y", visible=False)
    hidden_small = int(countries["small_n"].sum() - top["small_n"].sum())
    theme.finish(fig, nb, n=f"{int(top['n'].sum()):,} cases in the {len(top)} countries shown "
                            f"(of {len(countries)} countries, {n_cases:,} cases)",
                 note=f"not shown: {hidden_small} countries with fewer than {min_n} cases"
                 if hidden_small else None)
    return fig


def _group_label(column: str, characteristic: str, flag: bool) -> str:
    if column == "hrd_alone":
        return "HRD mandate alone" if flag else "Joint communication"
    return f"{characteristic}: {'yes' if flag else 'no'}"


def characteristics(comp: pd.DataFrame, published: dict, nb, *, overall: float, n: int,
                    confidence: float) -> plt.Figure:
    """Share improved with and without each characteristic, its test, and the published shares.

    comp: development.improvement_comparisons; published: development.published_marks
    (hollow diamonds); overall: share improved among all assessed cases (dotted line).
    """
    fig, ax = _figure(8.5, 0.5 * 2 * len(comp) + 1.2)
    labels, ticks = [], []
    for g, (column, row) in enumerate(comp.iterrows()):
        for k, (flag, suffix) in enumerate(((True, "with"), (False, "without"))):
            y = 2.6 * g + k
            share, lo, hi = (row[f"{key}_{suffix}"] for key in ("share", "low", "high"))
            colour = theme.OKABE_ITO[0] if flag else theme.OKABE_ITO[1]
            ax.errorbar(share * 100, y, xerr=[[(share - lo) * 100], [(hi - share) * 100]], fmt="o",
                        color=colour, ecolor=colour, capsize=2.5, markersize=5)
            mark = published.get((column, flag))
            if isinstance(mark, (int, float)):
                ax.plot(mark * 100, y, marker="D", markersize=7, markerfacecolor="none",
                        markeredgecolor="black", markeredgewidth=1.2, linestyle="none")
            group = _group_label(column, row["characteristic"], flag)
            labels.append(f"{group} (n = {int(row[f'n_{suffix}'])})")
            ticks.append(y)
        ax.annotate(intervals.p_label(row["p"]), xy=(1.01, 2.6 * g + 0.5),
                    xycoords=("axes fraction", "data"), va="center", fontsize=8, color="black")
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.invert_yaxis()
    right = min(100, 10 * np.ceil(comp[["high_with", "high_without"]].to_numpy().max() * 10) + 5)
    ax.set_xlim(-1, right)
    ax.axvline(overall * 100, color=theme.GREY, linestyle=":", linewidth=1)
    ax.set_xlabel(f"Cases improved within one year (%, {confidence:.0%} Wilson interval)")
    ax.legend(handles=[Line2D([], [], marker="o", color=theme.OKABE_ITO[0], linestyle="none", label="with"),
                       Line2D([], [], marker="o", color=theme.OKABE_ITO[1], linestyle="none", label="without"),
                       Line2D([], [], marker="D", markerfacecolor="none", markeredgecolor="black",
                              linestyle="none", label="published"),
                       Line2D([], [], color=theme.GREY, linestyle=":", label="all assessed cases")],
              loc="lower right", fontsize=8, frameon=True)
    ax.grid(axis="y", visible=False)
    theme.finish(fig, nb, n=n,
                 note="p: difference with vs without (z test, or Fisher's exact test for small groups)")
    return fig
