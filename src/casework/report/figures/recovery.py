"""Figures of the recovery study (notebook 08): does each fit find the generating value?"""
from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .. import theme
from .common import percent_axis

ROW_IN = 0.3          # height of one coefficient's row (inches): labels at 9 px and more
PANEL_EXTRA_IN = 0.55  # a panel's title and gap
LABEL_PT = 9.0


def coverage(rows: pd.DataFrame, low: float, high: float, nb, *,
             model_label: Callable[[str], str] = str, term_label: Callable[[str], str] = str) -> plt.Figure:
    """Coverage of each generating coefficient by the computed intervals, with its exact
    (Clopper–Pearson) interval: one panel per model, one row per coefficient (its name only:
    the model heads the panel), the estimators side by side in colour; the band is the
    nominal level ±2 Monte Carlo errors.

    rows: model, term, estimator, coverage, coverage_low, coverage_high (one row per model,
    term and estimator).
    """
    models = list(dict.fromkeys(rows.model))
    estimators = list(dict.fromkeys(rows.estimator))
    colours = {e: theme.OKABE_ITO[i % len(theme.OKABE_ITO)] for i, e in enumerate(estimators)}
    terms = {m: list(dict.fromkeys(rows.term[rows.model == m])) for m in models}
    heights = [len(terms[m]) * ROW_IN + PANEL_EXTRA_IN for m in models]
    fig, axes = plt.subplots(len(models), 1, figsize=(7.5, sum(heights) + 0.8), sharex=True,
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    offsets = (np.arange(len(estimators)) - (len(estimators) - 1) / 2) * (0.5 / max(len(estimators), 1))
    for ax, model in zip(axes[:, 0], models):
        ax.axvspan(low, high, color=theme.GREY, alpha=0.2, lw=0, label="nominal ± 2 MC errors")
        part = rows[rows.model == model]
        y = {t: i for i, t in enumerate(terms[model])}
        for e, dy in zip(estimators, offsets):
            mine = part[part.estimator == e]
            if mine.empty:
                continue
            xerr = [mine.coverage - mine.coverage_low, mine.coverage_high - mine.coverage]
            ax.errorbar(mine.coverage, [y[t] + dy for t in mine.term], xerr=xerr, fmt="o",
                        ms=4, lw=1.2, color=colours[e], label=e)
        ax.set_yticks(range(len(terms[model])), [term_label(t) for t in terms[model]], fontsize=LABEL_PT)
        ax.set_ylim(len(terms[model]) - 0.5, -0.5)
        ax.set_title(model_label(model), loc="left", fontsize=10)
        ax.grid(axis="y", visible=False)
    axes[-1, 0].set_xlim(-0.02, 1.02)
    percent_axis(axes[-1, 0].xaxis)
    axes[-1, 0].set_xlabel("Coverage of the generating value (share of replications)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=min(4, len(labels)),
               frameon=False, fontsize=LABEL_PT)
    fig.tight_layout()
    theme.finish(fig, nb, n=f"{len(rows)} coefficient × estimator pairs")
    return fig
