"""Checks on a fitted logit: collinearity, discrimination and calibration."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.outliers_influence import variance_inflation_factor

from ..data.frames.improvement import CONSTANT, LABELS
from .intervals import proportions
from .logit import MODEL_LABELS, design, model_frame


def vif(X: pd.DataFrame, constant: str = CONSTANT) -> pd.Series:
    """Variance inflation factor of each predictor: 1 / (1 − R²) of it on the others.

    X must carry its constant column (the VIFs are those of the centred model);
    the constant itself is not reported.
    """
    if constant not in X.columns:
        raise KeyError(f"design matrix has no {constant!r} column: VIFs need the intercept")
    A = X.to_numpy(float)
    out = {c: variance_inflation_factor(A, j) for j, c in enumerate(X.columns) if c != constant}
    return pd.Series(out, name="vif")


def auc(y, p) -> float:
    """Area under the ROC curve: P(score of a random 1 > score of a random 0), ties half.

    Equals the Mann–Whitney U statistic divided by n₁·n₀.
    """
    y, p = np.asarray(y, float), np.asarray(p, float)
    n1, n0 = int((y == 1).sum()), int((y == 0).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("AUC needs both outcomes present")
    ranks = stats.rankdata(p)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def roc_curve(y, p) -> pd.DataFrame:
    """False- and true-positive rates at every threshold, from (0, 0) to (1, 1)."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    thresholds = np.r_[np.inf, np.unique(p)[::-1]]
    n1, n0 = (y == 1).sum(), (y == 0).sum()
    tpr = [((p >= t) & (y == 1)).sum() / n1 for t in thresholds]
    fpr = [((p >= t) & (y == 0)).sum() / n0 for t in thresholds]
    return pd.DataFrame({"threshold": thresholds, "fpr": fpr, "tpr": tpr})


def calibration_table(y, p, bins: int = 10, confidence: float = 0.95) -> pd.DataFrame:
    """Observed share improved against mean predicted probability, in quantile bins of p.

    Intervals for the observed share are Wilson score intervals (intervals.proportions).
    """
    y, p = np.asarray(y, float), np.asarray(p, float)
    groups = pd.qcut(pd.Series(p).rank(method="first"), q=min(bins, len(p)), labels=False).to_numpy()
    bins_found = np.unique(groups)
    n = np.array([(groups == g).sum() for g in bins_found])
    k = np.array([y[groups == g].sum() for g in bins_found])
    shares = proportions(k, n, confidence)
    return pd.DataFrame({"bin": bins_found.astype(int) + 1, "n": n.astype(int),
                         "predicted": [float(p[groups == g].mean()) for g in bins_found],
                         "observed": shares["share"].to_numpy(), "low": shares["ci_low"].to_numpy(),
                         "high": shares["ci_high"].to_numpy()})


def hosmer_lemeshow(y, p, bins: int = 10) -> dict:
    """Hosmer–Lemeshow goodness-of-fit test over quantile bins of p (df = bins − 2)."""
    table = calibration_table(y, p, bins)
    expected = table["predicted"] * table["n"]
    observed = table["observed"] * table["n"]
    stat = float((((observed - expected) ** 2) / (expected * (1 - table["predicted"]))).sum())
    df = len(table) - 2
    return {"statistic": stat, "df": df, "p": float(stats.chi2.sf(stat, df))}


def per_model(check, results: dict, **kwargs) -> dict:
    """`check(y, p, **kwargs)` on each model's outcome and in-sample prediction, by model."""
    return {model: check(res.model.endog, res.predict(), **kwargs) for model, res in results.items()}


def vif_table(results: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """VIF of each predictor (rows, Table 1 labels) in each model (columns)."""
    vifs = pd.DataFrame({MODEL_LABELS[m]: vif(design(model_frame(frame, m),
                                                     [c for c in res.params.index if c != CONSTANT])[1])
                         for m, res in results.items()})
    vifs.index = [LABELS.get(t, t) for t in vifs.index]
    vifs.index.name = "predictor"
    return vifs
