"""The specification-curve figure: sorted estimates with intervals over the choice matrix.

Top panel: one estimate per specification, sorted, with its interval; colour says
whether p is below the chosen level and whether the sign is the published one; the
study's own value (or range) is a dashed line (band) and the specifications that
make the study's own choices carry a black triangle. Bottom panel: for every
specification, a mark in the row of each level it uses, so a stretch of the curve
can be read back to the choices behind it (Simonsohn, Simmons & Nelson 2020).
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..report.theme import GREY, OKABE_ITO
from .multiverse import Choice

SAME_SIGN, OTHER_SIGN, NOT_SIGNIFICANT = OKABE_ITO[0], OKABE_ITO[3], "#AAAAAA"
PUBLISHED = OKABE_ITO[1]


def point_colours(curve: pd.DataFrame, alpha: float, sign: int | None) -> np.ndarray:
    """Blue: p < alpha with the published sign (or any sign if none is published);
    vermillion: p < alpha against it; grey: p ≥ alpha."""
    significant = (curve["p"] < alpha).to_numpy()
    same = np.sign(curve["estimate"].to_numpy()) == sign if sign is not None else np.ones(len(curve), bool)
    return np.where(~significant, NOT_SIGNIFICANT, np.where(same, SAME_SIGN, OTHER_SIGN))


def matrix_rows(curve: pd.DataFrame, choices: list[Choice]) -> list[tuple[Choice, object]]:
    """(choice, level) for each matrix row, in grid order, levels that occur in the curve only."""
    return [(c, level) for c in choices for level in c.levels if (curve[c.name] == level).any()]


def specification_curve(curve: pd.DataFrame, choices: list[Choice], *, scale: str, alpha: float,
                        level: str, sign: int | None, published: tuple[float, ...] = (),
                        title: str | None = None) -> plt.Figure:
    """The figure for one headline; `curve` is Multiverse.curve(...) (sorted, with rank and paper)."""
    rows = matrix_rows(curve, choices)
    n = len(curve)
    if n == 0:                                   # every specification skipped: say so, plot nothing
        fig, ax = plt.subplots(figsize=(8.6, 2.0))
        ax.axis("off")
        ax.text(0.5, 0.5, "No specification of this estimate could be fitted (see the skipped table).",
                ha="center", va="center")
        if title:
            ax.set_title(title)
        return fig
    fig = plt.figure(figsize=(8.6, 3.2 + 0.2 * len(rows)))
    grid = fig.add_gridspec(2, 1, height_ratios=[3.0, 0.21 * len(rows) + 0.2], hspace=0.05)
    ax = fig.add_subplot(grid[0])
    mx = fig.add_subplot(grid[1], sharex=ax)
    x = curve["rank"].to_numpy()
    colours = point_colours(curve, alpha, sign)
    size = float(np.clip(2400 / max(n, 1), 5, 28))
    lw = float(np.clip(120 / max(n, 1), 0.5, 2.0))

    ax.vlines(x, curve["low"], curve["high"], colors=colours, lw=lw, alpha=0.55)
    ax.scatter(x, curve["estimate"], c=colours, s=size, zorder=3, linewidths=0)
    ax.axhline(0, color="black", lw=0.8)
    handles = [Line2D([], [], marker="o", ls="", color=SAME_SIGN,
                      label=f"p < {alpha:g}" + (", published sign" if sign is not None else "")),
               Line2D([], [], marker="o", ls="", color=NOT_SIGNIFICANT, label=f"p ≥ {alpha:g}")]
    if sign is not None:
        handles.insert(1, Line2D([], [], marker="o", ls="", color=OTHER_SIGN, label=f"p < {alpha:g}, opposite sign"))
    if len(published) == 1:
        ax.axhline(published[0], color=PUBLISHED, ls="--", lw=1.3)
        handles.append(Line2D([], [], color=PUBLISHED, ls="--", label=f"published ({published[0]:g})"))
    elif len(published) > 1:
        ax.axhspan(min(published), max(published), color=PUBLISHED, alpha=0.2, lw=0)
        handles.append(Patch(color=PUBLISHED, alpha=0.4,
                             label=f"published range ({min(published):g} to {max(published):g})"))
    paper = curve["paper"].to_numpy(bool)
    if paper.any():
        span = float(np.nanmax(curve["high"]) - np.nanmin(curve["low"])) or 1.0
        ax.scatter(x[paper], curve["high"].to_numpy()[paper] + 0.04 * span, marker="v", color="black",
                   s=max(size, 14), zorder=4)
        handles.append(Line2D([], [], marker="v", ls="", color="black", label="the study's own choices"))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=7.5, ncol=3)
    ax.set_ylabel(textwrap.fill(f"{scale} ({level} interval)", 30), fontsize=8.5)
    ax.tick_params(labelbottom=False)
    ax.grid(axis="x", visible=False)
    if title:
        ax.set_title(title, pad=36 if len(handles) > 3 else 22)

    for y, (choice, lvl) in enumerate(rows):
        used = (curve[choice.name] == lvl).to_numpy()
        mx.scatter(x[used], np.full(used.sum(), y), marker="s", s=size * 0.7, c=colours[used], linewidths=0)
    starts = [i for i, (c, _) in enumerate(rows) if i == 0 or rows[i - 1][0] is not c]
    for i in starts[1:]:
        mx.axhline(i - 0.5, color=GREY, lw=0.5)
    mx.set_yticks(range(len(rows)), [f"{c.label}: {c.text(lvl)}" for c, lvl in rows], fontsize=7.5)
    for tick, (c, lvl) in zip(mx.get_yticklabels(), rows):
        if lvl in c.published and len(c.published) < len(c.levels):
            tick.set_fontweight("bold")              # the study's own level
    mx.set_ylim(len(rows) - 0.5, -0.5)
    mx.set_xlim(0.5 - 0.01 * n, n + 0.5 + 0.01 * n)
    mx.grid(False)
    mx.set_xlabel(f"specification, sorted by estimate (1 to {n}); matrix: choices of each "
                  "specification, the study's own in bold", fontsize=8.5)
    return fig
