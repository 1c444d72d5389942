"""Figures of the logit-model page (notebook 04, Spannagel 2019, Table 1).

Odds ratios beside the published ones, predicted probability by number of
mentions, computed against published coefficients, ROC curves and calibration.
Each function takes analysis results and the notebook and returns the figure
stamped by `theme.finish`; the three models keep one colour throughout.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from ...analysis.logit import MODEL_LABELS, MODELS
from ...data.frames.improvement import CONSTANT, LABELS
from .. import theme

MODEL_COLOURS = dict(zip(MODELS, theme.OKABE_ITO))
OR_LIMITS = (0.02, 50)                      # odds ratios beyond are drawn at the edge
OR_TICKS = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
OFFSET = 0.25                               # vertical spacing of the three models per predictor
LOG_ODDS_LIMITS = [-4.5, 4.5]


def _diagonal(ax: plt.Axes, limits=(0, 1)) -> None:
    """The line of agreement (chance line on a ROC plot)."""
    ax.plot(limits, limits, color=theme.GREY, lw=0.8, ls="--")


def odds_ratios(coefs: pd.DataFrame, published: pd.DataFrame, predictors: list[str], nb, *,
                confidence: float) -> plt.Figure:
    """Odds ratios with intervals per predictor and model, log scale; black ticks: published.

    coefs: regression.coefficients; published: regression.published_coefficients.
    Estimates that do not exist (separation) are named instead of drawn.
    """
    lo_lim, hi_lim = OR_LIMITS
    rows = {t: i for i, t in enumerate(predictors)}
    fig, ax = plt.subplots(figsize=(7.5, 7))
    for k, model in enumerate(MODELS):
        part = coefs[(coefs["model"] == model) & (coefs["term"] != CONSTANT)]
        ok = part[~part["separated"]]
        shift = (k - 1) * OFFSET
        # numpy, not Series: matplotlib calls float() on one-element inputs
        odds, low, high = (ok[c].clip(lo_lim, hi_lim).to_numpy(float) for c in ("odds_ratio", "or_low", "or_high"))
        ax.errorbar(odds, ok["term"].map(rows).to_numpy() + shift, xerr=[odds - low, high - odds],
                    fmt="o", ms=4, capsize=0, lw=1.2, color=MODEL_COLOURS[model], label=MODEL_LABELS[model])
        for term in part.loc[part["separated"], "term"]:
            ax.text(lo_lim * 1.1, rows[term] + shift, "not finite (separation)", ha="left",
                    va="center", fontsize=7, color=MODEL_COLOURS[model])
        p = published[(published["model"] == model) & published["term"].isin(rows)]
        ax.plot(np.exp(p["estimate"]).clip(lo_lim, hi_lim).to_numpy(float),
                (p["term"].map(rows) + shift).to_numpy(float), "|",
                color="black", ms=7, mew=1.2, label="published" if k == 0 else None)
    ax.axvline(1, color=theme.GREY, lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(lo_lim, hi_lim)
    ax.set_xticks(OR_TICKS, [f"{t:g}" for t in OR_TICKS])
    ax.minorticks_off()
    ax.set_yticks(range(len(predictors)), [LABELS.get(t, t) for t in predictors])
    ax.invert_yaxis()
    ax.set_xlabel(f"odds ratio of improvement ({confidence:.0%} interval, log scale)")
    ax.set_ylabel("")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8)
    n = coefs.groupby("model")["n"].first()
    theme.finish(fig, nb, n=f"{n['all']} cases (closed {n['closed']}, open {n['open']})")
    return fig


def mention_curves(curves: dict[str, pd.DataFrame], nb, *, n: int, confidence: float) -> plt.Figure:
    """Average predicted probability of improvement by number of mentions, per model, with bands.

    curves: regression.mention_curves.
    """
    fig, ax = plt.subplots()
    for model, curve in curves.items():
        colour = MODEL_COLOURS[model]
        ax.plot(curve["mentions"], curve["probability"], marker="o", ms=3, color=colour,
                label=MODEL_LABELS[model])
        ax.fill_between(curve["mentions"], curve["low"].clip(0, 1), curve["high"].clip(0, 1),
                        color=colour, alpha=0.15, lw=0)
    ax.set_xlabel("communications naming the defender, 2000–2016 (1 = named once)")
    ax.set_ylabel(f"predicted probability of improvement ({confidence:.0%} interval)")
    ax.set_ylim(0, min(1.0, max(c["high"].max() for c in curves.values()) + 0.05))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend()
    theme.finish(fig, nb, n=n)
    return fig


def published_agreement(comparison: pd.DataFrame, coefs: pd.DataFrame, nb, *,
                        confidence: float) -> plt.Figure:
    """Computed coefficients (with intervals) against the published ones; the diagonal agrees.

    comparison: regression.compare_to_published; the constant and estimates that do not
    exist (separated in `coefs`) are left out and counted in the footer.
    """
    separated = set(map(tuple, coefs.loc[coefs["separated"], ["model", "term"]].to_numpy()))
    keep = np.array([(m, t) not in separated for m, t in zip(comparison["model"], comparison["term"])])
    shown = comparison[(comparison["term"] != CONSTANT).to_numpy() & keep]
    fig, ax = plt.subplots(figsize=(6, 6))
    for model in MODELS:
        finite = shown.loc[shown["model"] == model, ["published", "computed", "low", "high"]].astype(float)
        pub, est, low, high = (finite[c].to_numpy() for c in ("published", "computed", "low", "high"))
        ax.errorbar(pub, est, yerr=[est - low, high - est],
                    fmt="o", ms=4, lw=0.8, alpha=0.85, color=MODEL_COLOURS[model], label=MODEL_LABELS[model])
    _diagonal(ax, LOG_ODDS_LIMITS)
    ax.set_xlim(LOG_ODDS_LIMITS)
    ax.set_ylim(LOG_ODDS_LIMITS)
    ax.set_xlabel("published coefficient (log odds)")
    ax.set_ylabel(f"computed coefficient (log odds, {confidence:.0%} interval)")
    ax.legend(loc="upper left")
    theme.finish(fig, nb, n=f"{len(shown)} coefficients",
                 note=f"{len(separated)} not finite (separation) left out" if separated else None)
    return fig


def roc(curves: dict[str, pd.DataFrame], aucs: dict[str, float], nb, *, n: int) -> plt.Figure:
    """In-sample ROC curves per model with their AUC (logit_diagnostics.roc_curve, .auc)."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    for model, curve in curves.items():
        ax.plot(curve["fpr"], curve["tpr"], color=MODEL_COLOURS[model], drawstyle="steps-post",
                label=f"{MODEL_LABELS[model]} (AUC {aucs[model]:.2f})")
    _diagonal(ax)
    ax.set_xlabel("false-positive rate (share of other cases predicted improved)")
    ax.set_ylabel("true-positive rate (share of improved cases predicted improved)")
    ax.legend(loc="lower right", fontsize=8)
    theme.finish(fig, nb, n=n)
    return fig


def calibration(tables: dict[str, pd.DataFrame], nb, *, n: int, confidence: float) -> plt.Figure:
    """Observed share improved against mean prediction per bin, one panel per model.

    tables: logit_diagnostics.calibration_table per model (its n per bin sums to the model's n).
    """
    fig, axes = plt.subplots(1, len(tables), figsize=(10, 4.2), sharey=True)
    fig.subplots_adjust(top=0.86, bottom=0.15, wspace=0.12)   # room for the synthetic mark and the footer
    for ax, (model, cal) in zip(np.atleast_1d(axes), tables.items()):
        ax.errorbar(cal["predicted"], cal["observed"],
                    yerr=[cal["observed"] - cal["low"], cal["high"] - cal["observed"]],
                    fmt="o", ms=4, color=MODEL_COLOURS[model], lw=1)
        _diagonal(ax)
        ax.set_title(f"{MODEL_LABELS[model]} (n = {int(cal['n'].sum())})")
        ax.set_xlabel("mean predicted probability")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
    np.atleast_1d(axes)[0].set_ylabel(f"observed share improved ({confidence:.0%} interval)")
    theme.finish(fig, nb, n=n)
    return fig
