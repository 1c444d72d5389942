"""Figures of notebook 04 on hand-made estimate tables: what each figure shows."""
from __future__ import annotations

from types import SimpleNamespace

from figure_support import fake_notebook, legend_labels
from figure_support import footer as shared_footer

import numpy as np
import pandas as pd
import pytest

from casework.analysis import logit_diagnostics as diag
from casework.analysis import logit_robustness as rob
from casework.analysis.logit import MODEL_LABELS, MODELS
from casework.report.figures import logit as figures

NB = fake_notebook("04_test")
N = {"all": 100, "closed": 40, "open": 55}


def footer(fig) -> str:
    return shared_footer(fig, NB)


def coefficients(separated=("open", "viol_disciplinary")) -> pd.DataFrame:
    """Two predictors and the constant per model, odds ratio 2 everywhere; one estimate separated."""
    rows = [{"model": m, "term": t, "estimate": np.log(2), "odds_ratio": 2.0, "or_low": 1.0, "or_high": 4.0,
             "low": 0.0, "high": np.log(4), "n": N[m], "separated": (m, t) == separated}
            for m in MODELS for t in ("mentions", "viol_disciplinary", "constant")]
    return pd.DataFrame(rows)


def test_odds_ratios_log_axis_labels_published_and_separation():
    published = pd.DataFrame({"model": ["all", "closed"], "term": ["mentions", "mentions"],
                              "estimate": [np.log(3), np.log(0.5)]})
    fig = figures.odds_ratios(coefficients(), published, ["mentions", "viol_disciplinary"], NB,
                              confidence=0.9)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "odds ratio of improvement (90% interval, log scale)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Number of mentions by SR", "Viol: discipl. measures"]
    assert sorted(legend_labels(ax)) == sorted([*MODEL_LABELS.values(), "published"])
    assert [t.get_text() for t in ax.texts] == ["not finite (separation)"]
    ticks = np.concatenate([line.get_xdata() for line in ax.lines if line.get_marker() == "|"])
    assert sorted(ticks) == pytest.approx([0.5, 3])
    assert footer(fig).startswith("n: 100 cases (closed 40, open 55)")


def test_mention_curves_one_line_and_band_per_model():
    curves = {m: pd.DataFrame({"mentions": [1, 2, 3], "probability": [0.2, 0.3, 0.4],
                               "low": [0.1, 0.2, 0.25], "high": [0.3, 0.4, 0.6 + k / 10]})
              for k, m in enumerate(MODELS)}
    fig = figures.mention_curves(curves, NB, n=100, confidence=0.95)
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and len(ax.collections) == 3
    assert ax.get_ylim() == pytest.approx((0, 0.85))   # highest bound 0.8 + 0.05
    assert ax.get_ylabel() == "predicted probability of improvement (95% interval)"
    assert "1 = named once" in ax.get_xlabel()
    assert legend_labels(ax) == list(MODEL_LABELS.values())
    assert footer(fig).startswith("n = 100 · ")


def test_published_agreement_leaves_out_constant_and_separated():
    coefs = coefficients()
    comparison = coefs.rename(columns={"estimate": "computed"}).assign(published=0.5)
    fig = figures.published_agreement(comparison, coefs, NB, confidence=0.95)
    ax = fig.axes[0]
    points = [len(c.lines[0].get_xdata()) for c in ax.containers]
    assert points == [2, 2, 1]                           # open: viol_disciplinary separated
    assert ax.get_xlabel() == "published coefficient (log odds)"
    assert ax.get_ylabel() == "computed coefficient (log odds, 95% interval)"
    assert footer(fig).startswith("n: 5 coefficients · 1 not finite (separation) left out")


def test_roc_and_calibration_from_diagnostics():
    rng = np.random.default_rng(4)
    p = rng.uniform(0.05, 0.95, 60)
    y = (rng.uniform(size=60) < p).astype(float)
    fits = {m: SimpleNamespace(model=SimpleNamespace(endog=y), predict=lambda: p) for m in MODELS}
    aucs = diag.per_model(diag.auc, fits)
    fig = figures.roc(diag.per_model(diag.roc_curve, fits), aucs, NB, n=60)
    ax = fig.axes[0]
    assert legend_labels(ax)[0] == f"All regime types (AUC {diag.auc(y, p):.2f})"
    assert len(ax.lines) == 4                           # three curves and the chance line
    assert "false-positive rate" in ax.get_xlabel() and "true-positive rate" in ax.get_ylabel()

    tables = diag.per_model(diag.calibration_table, fits, bins=6, confidence=0.95)
    fig = figures.calibration(tables, NB, n=60, confidence=0.95)
    assert [a.get_title() for a in fig.axes] == [f"{MODEL_LABELS[m]} (n = 60)" for m in MODELS]
    assert fig.axes[0].get_ylabel() == "observed share improved (95% interval)"
    assert len(fig.axes[0].containers[0].lines[0].get_xdata()) == 6   # one point per bin
    assert footer(fig).startswith("n = 60 · ")


def test_named_estimates_read_baseline_when_it_makes_the_choice():
    long = pd.DataFrame({"variant": ["baseline", "next_report", "firth"], "term": ["mentions"] * 3,
                         "model": ["all"] * 3, "estimate": [0.1, 0.2, 0.3], "p": [0.01, 0.2, 0.03],
                         "n": [100, 100, 100]})
    wanted = {"mentions_all_next_report": ("next_report", "mentions", "all"),
              "gone": ("gee", "mentions", "all")}
    assert rob.named_estimates(long, wanted)["mentions_all_next_report"]["estimate"] == 0.2
    flipped = rob.named_estimates(long, wanted, {"control_next_report": True})
    # every name comes back, whatever the parameters: the paper cites them all
    assert flipped["mentions_all_next_report"]["estimate"] == 0.1 and flipped["gone"] is None
    clustered = {"upr_open_cluster": ("se_cluster", "mentions", "all")}
    assert rob.named_estimates(long, clustered, {"se_type": "cluster"})["upr_open_cluster"]["estimate"] == 0.1
    # sign kept by both variants, significance lost under next_report
    assert rob.headline_stable(long, [("mentions", "all")]) == 0
    assert rob.headline_stable(long[long["variant"] != "next_report"], [("mentions", "all")]) == 1
