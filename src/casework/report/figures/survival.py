"""Figures of the #Freethe20 page (notebook 05, Myrick & Weinstein 2018).

Kaplan–Meier curves of the short and long lists (Fig. 1), balance of featured and
other Urgent Action women (Fig. 3), the Free the 20 hazard ratio per Cox model and
the scaled Schoenfeld residuals. Each function takes analysis results and the
notebook and returns the figure stamped by `theme.finish`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from statsmodels.nonparametric.smoothers_lowess import lowess

from ...analysis.survival import IMBALANCE, LABELS, CoxModel
from ...analysis.survival import schoenfeld as scaled_residuals
from .. import apa, theme
from .common import BLUE, ORANGE, PURPLE, VERMILLION, rows_top_down

GROUP_COLOURS = [BLUE, PURPLE]                     # short list, long list (the study's blue and pink)
BALANCE_COLOURS = {"case": BLUE, "country": ORANGE}
CLOCKS = {"launch": "Months since the launch (September 2015)", "arrest": "Months since arrest"}
HR_TICKS = [0.5, 1, 2, 4, 8]


def km_title(excluded: bool, sensitivity: bool = False) -> str:
    """Title of a Kaplan–Meier figure; `excluded`: women released before the launch left out."""
    if sensitivity:
        return "Sensitivity: women released before launch " + ("left out" if excluded else "included")
    return "Short vs long list" + (" (women released before launch left out)" if excluded
                                   else " (whole long list)")


def _km_curves(fits: dict[str, KaplanMeierFitter], ax: plt.Axes, p_value: float, legend_title: str) -> None:
    """Share still detained per group with bands and censor ticks; the legend, with the
    log-rank p, sits above the plot, off the curves and bands (as survminer places it)."""
    for kmf, colour in zip(fits.values(), GROUP_COLOURS):
        kmf.plot_survival_function(ax=ax, ci_show=True, show_censors=True, color=colour,
                                   censor_styles={"marker": "|", "ms": 9, "mew": 1.4})
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("Share still detained")
    p_text = f"log-rank {apa.p_text(p_value)}"
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(fits), borderaxespad=0,
              title=f"{p_text}\n{legend_title}", alignment="left")


def at_risk(kmf: KaplanMeierFitter, times) -> pd.DataFrame:
    """Number still at risk at each time, and releases (events) up to it, as lifelines counts them."""
    durations = np.asarray(kmf.durations, dtype=float)
    events = np.asarray(kmf.event_observed, dtype=bool)
    entry = np.zeros_like(durations) if kmf.entry is None else np.asarray(kmf.entry, dtype=float)
    return pd.DataFrame({"time": list(times),
                         "at_risk": [int(((durations >= t) & (entry <= t)).sum()) for t in times],
                         "events": [int((events & (durations <= t)).sum()) for t in times]})


def _risk_table(ax: plt.Axes, fits: dict[str, KaplanMeierFitter], times) -> None:
    """The number-at-risk table under the curves, each row in its curve's colour."""
    ax.set_ylim(-0.5, len(fits) - 0.5)
    for row, ((name, kmf), colour) in enumerate(zip(fits.items(), GROUP_COLOURS)):
        y = len(fits) - 1 - row
        for _, r in at_risk(kmf, times).iterrows():
            ax.text(r.time, y, f"{r.at_risk} ({r.events})", ha="center", va="center", color=colour,
                    fontweight="bold")
    ax.set_yticks(range(len(fits))[::-1], list(fits))
    for label, colour in zip(ax.get_yticklabels(), GROUP_COLOURS):
        label.set_color(colour)
        label.set_fontweight("bold")
    ax.set_title("Number at risk (releases so far)", loc="left", fontsize=9, fontweight="normal", pad=4)
    ax.grid(False)
    # the first column is centred on time 0, on the axis edge: keep the row names clear of it
    ax.tick_params(axis="both", length=0)
    ax.tick_params(axis="y", pad=34)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)


def km(fits: dict[str, KaplanMeierFitter], test, nb, *, title: str, time_origin: str,
       horizon_months: float, confidence: float) -> plt.Figure:
    """Fig. 1: Kaplan–Meier curves of the two lists (survival.km_fits) with the log-rank p (test),
    and a number-at-risk table keyed to the curves by colour."""
    fig, (ax, table) = plt.subplots(2, 1, figsize=(7.5, 5.6), sharex=True,
                                    height_ratios=[4, 0.35 + 0.3 * len(fits)])
    _km_curves(fits, ax, test.p_value, legend_title=f"{confidence:.0%} confidence bands, | censored")
    ax.set_title(title, pad=62)
    if time_origin == "launch":
        ax.set_xlim(0, horizon_months + 1)
        ax.set_xticks(np.arange(0, horizon_months + 1, 6))
    lo, hi = ax.get_xlim()
    _risk_table(table, fits, [t for t in ax.get_xticks() if lo <= t <= hi])
    ax.set_xlabel(CLOCKS[time_origin])
    ax.xaxis.label.set_visible(True)          # sharex hides the upper axis' label otherwise
    ax.tick_params(axis="x", labelbottom=True)
    table.tick_params(axis="x", labelbottom=False)
    fig.tight_layout()
    theme.finish(fig, nb, n=sum(len(kmf.durations) for kmf in fits.values()))
    return fig


def balance(smd: pd.DataFrame, featured: pd.Series, nb) -> plt.Figure:
    """Fig. 3: standardized differences, featured minus other women, top to bottom in table order.

    smd: survival.standardized_differences; featured: the women's featured flags (for n).
    """
    fig, ax = plt.subplots(figsize=(7.5, 6.0))
    y = rows_top_down(len(smd))
    for kind, colour in BALANCE_COLOURS.items():
        m = (smd.kind == kind).to_numpy()
        ax.scatter(smd.smd[m], y[m], color=colour, s=36, zorder=3,
                   label={"case": "case characteristic"}.get(kind, kind))
    ax.axvline(0, color="black", lw=0.8)
    for x in (-IMBALANCE, IMBALANCE):
        ax.axvline(x, color="grey", lw=0.8, ls="--")
    ax.set_yticks(y, smd.characteristic)
    ax.set_xlabel("Standardized mean difference (featured − other Urgent Action women, pooled SD units)")
    lim = max(1.0, float(np.nanmax(np.abs(smd.smd))) * 1.1)
    ax.set_xlim(-lim, lim)
    ax.set_title("Featured vs other Urgent Action women")
    ax.legend(loc="lower right")
    fig.tight_layout()
    theme.finish(fig, nb, n=f"{int(featured.sum())} featured, {int((~featured).sum())} other women")
    return fig


def hazard_ratios(ft: pd.DataFrame, published: pd.Series, stats: pd.DataFrame, nb, *,
                  confidence: float) -> plt.Figure:
    """Free the 20 hazard ratio per model with its interval, beside the published one.

    ft: survival.term_estimates; published: survival.published_hazard_ratios (by model);
    stats: survival.model_statistics (observations per model, for n).
    """
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    y = rows_top_down(len(ft))
    ax.errorbar(ft.hr, y, xerr=[ft.hr - ft.hr_low, ft.hr_high - ft.hr], fmt="o", color=BLUE,
                capsize=3, label=f"computed ({confidence:.0%} CI)")
    ax.scatter(published.reindex(ft.model).to_numpy(), y, marker="D", color="black", zorder=4,
               label="published")
    ax.axvline(1, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(min(0.5, ft.hr_low.min() * 0.9), max(8, ft.hr_high.max() * 1.1))
    ax.set_xticks(HR_TICKS, [f"{t:g}" for t in HR_TICKS])
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_yticks(y, [f"Model {m}" for m in ft.model])
    ax.set_ylim(-0.6, len(ft) - 0.4)
    ax.set_xlabel("Hazard ratio of release, featured vs other women (log scale)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    theme.finish(fig, nb, n=", ".join(f"model {m}: {k}" for m, k in zip(stats.model, stats.observations)))
    return fig


def schoenfeld(model: CoxModel, tests: pd.DataFrame, nb, terms: list[str]) -> plt.Figure:
    """Scaled Schoenfeld residuals (+ coefficient) against time for four covariates of `model`.

    A LOWESS smooth near the estimated coefficient (dashed) supports proportional
    hazards; tests: survival.ph_tests (p in each panel's title); terms: e.g.
    survival.ph_worst_terms. The vertical axis shows the central 96% of residuals.
    """
    resid = scaled_residuals(model)
    p_values = tests[tests.model == model.number].set_index("term").p
    fig, axes = plt.subplots(2, 2, figsize=(8.0, 6.0), sharex=True)
    for ax, term in zip(axes.flat, terms):
        ax.scatter(resid.duration, resid[term], s=9, color=theme.GREY, alpha=0.6)
        smooth = lowess(resid[term], resid.duration, frac=0.6)
        ax.plot(smooth[:, 0], smooth[:, 1], color=VERMILLION, lw=2)
        ax.axhline(model.fitter.params_[term], color=BLUE, ls="--", lw=1.2)
        ax.set_title(f"{LABELS.get(term, term)} (test {apa.p_text(p_values[term])})", fontsize=10)
        ax.set_ylabel("β(t) estimate")
        # A few residuals of sparse covariates (small regions) are huge: show the central 96%.
        lo, hi = np.percentile(resid[term], [2, 98])
        pad = 0.15 * (hi - lo)
        ax.set_ylim(lo - pad, hi + pad)
    for ax in axes[-1]:
        ax.set_xlabel("Months since arrest")
    fig.tight_layout()
    theme.finish(fig, nb, n=f"{model.n_events} releases")
    return fig
