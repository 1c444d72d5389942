"""Drawing helpers any notebook's figures can share: a layout that leaves room for the
synthetic-data mark, percent and integer axes, bars and points with interval whiskers,
a legend above the plot, and markers for published values.

Frames with intervals have the columns of `casework.analysis.intervals.proportions`
(`share`, `ci_low`, `ci_high`) or another centre column with `ci_low` and `ci_high`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .. import theme

BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY = theme.OKABE_ITO[:6]
PUBLISHED_STYLE = dict(marker="D", color="black", s=28, zorder=5)


def figure(*args, **kwargs) -> tuple[plt.Figure, object]:
    """plt.subplots with a layout that keeps labels inside the figure and the top strip
    free for the synthetic-data mark."""
    fig, axes = plt.subplots(*args, layout="constrained", **kwargs)
    fig.get_layout_engine().set(rect=(0, 0, 1, 0.955))
    return fig, axes


def level(confidence: float) -> str:
    """A confidence level as text: 0.95 -> '95%'."""
    return f"{confidence:.0%}"


def percent_axis(axis) -> None:
    """Shares (0-1) shown as whole percents, with ticks on whole percents."""
    axis.set_major_locator(MaxNLocator(steps=[1, 2, 2.5, 5, 10]))
    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def integer_axis(axis) -> None:
    """Ticks on whole numbers only (years, counts)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def rows_top_down(n: int) -> np.ndarray:
    """y positions for n rows drawn with the first row on top."""
    return np.arange(n)[::-1]


def errors(frame: pd.DataFrame, centre: str = "share") -> list[pd.Series]:
    """Whisker lengths below and above `centre`, as matplotlib's xerr/yerr want them."""
    return [frame[centre] - frame["ci_low"], frame["ci_high"] - frame[centre]]


def hbars(ax, frame: pd.DataFrame, colour=BLUE, labels=None) -> dict:
    """Horizontal bars of shares with interval whiskers, first row on top; returns the
    y position of each row (by index) for markers drawn on top."""
    y = rows_top_down(len(frame))
    ax.barh(y, frame["share"], color=colour, height=0.7)
    ax.errorbar(frame["share"], y, xerr=errors(frame), fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    ax.set_yticks(y, labels if labels is not None else frame.index)
    percent_axis(ax.xaxis)
    ax.grid(axis="y", visible=False)
    return dict(zip(frame.index, y))


def vbars(ax, ticks: list[str], frame: pd.DataFrame, colour) -> None:
    """Vertical bars of shares, one per tick label, with interval whiskers."""
    ax.bar(ticks, frame["share"], color=colour, width=0.6)
    ax.errorbar(ticks, frame["share"], yerr=errors(frame), fmt="none", ecolor="black", capsize=3, lw=0.8)
    ax.grid(axis="x", visible=False)


def hpoints(ax, frame: pd.DataFrame, y, colour, centre: str = "share", label: str | None = None) -> None:
    """Points at `centre` with horizontal interval whiskers, at heights y."""
    ax.errorbar(frame[centre], y, xerr=errors(frame, centre), fmt="o", color=colour, ecolor=colour, ms=5,
                capsize=2, **({"label": label} if label else {}))


def published_markers(ax, x, y, label: str) -> None:
    """Black diamonds at published values, drawn over the computed ones."""
    ax.scatter(x, y, **PUBLISHED_STYLE, label=label)


def legend_above(ax, **kw) -> None:
    """Legend in one row above the plot, where it cannot cover data."""
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=3, fontsize=8, borderaxespad=0, **kw)


def decimal_year(ts: pd.Timestamp) -> float:
    """A date as a fractional year (1 July 2008 -> about 2008.5), to place dates on a year axis."""
    return ts.year + (ts.dayofyear - 1) / (366 if ts.is_leap_year else 365)
