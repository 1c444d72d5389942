"""Separation in a logit: find it before the optimiser does, and name the variable.

A binary outcome is separated when some linear combination of the predictors
sorts the 1s from the 0s without error (complete) or with ties only (quasi-
complete). The maximum-likelihood estimate then does not exist: coefficients
drift to ±infinity and statsmodels stops with a convergence or
PerfectSeparation warning that does not say which predictor is to blame.

The check here is the linear program of Konis (2007, "Linear programming
algorithms for detecting separated data in binary logistic regression models",
DPhil thesis, Oxford; the method of R's safeBinaryRegression/detectseparation):
with s = 2y − 1, look for a direction d ≠ 0 with s_i·x_i'd ≥ 0 for every case.
Such a d exists exactly when the data are separated, and the predictors with a
non-zero entry in some such d are those whose estimates diverge.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

TOL = 1e-7


class SeparationError(RuntimeError):
    """The logit has no finite maximum-likelihood estimate; .report says why."""

    def __init__(self, report: "SeparationReport", where: str = ""):
        self.report = report
        super().__init__((f"{where}: " if where else "") + report.message())


class DesignError(ValueError):
    """The design matrix cannot identify the model (constant or collinear columns).

    `flat` names the predictors without variation (empty for collinear columns), so a
    caller can word the reason in labels rather than column names."""

    def __init__(self, message: str, flat: tuple[str, ...] = ()):
        super().__init__(message)
        self.flat = tuple(flat)


def why_not_estimable(exc: Exception, labels: dict[str, str]) -> str:
    """A reader's reason for a fit that gave no estimate, predictors named by `labels`: no
    exception text, iteration counts or residual scores (those belong in a log, not in a
    table cell)."""
    if isinstance(exc, DesignError):
        if exc.flat:
            return "no variation in " + ", ".join(labels.get(c, c) for c in exc.flat)
        return "collinear predictors"
    if isinstance(exc, np.linalg.LinAlgError):
        return "singular design"
    return "the fit did not converge"


@dataclass
class SeparationReport:
    separated: bool
    variables: list[str]        # coefficients that diverge (a separating direction moves them)
    causes: list[str]           # predictors that separate the outcome on their own (with the constant)
    details: pd.DataFrame       # one row per column: implicated, alone, direction, detail

    def message(self) -> str:
        if not self.separated:
            return "no separation: the maximum-likelihood estimate exists"
        if self.causes:
            why = "; ".join(self.details.set_index("variable").loc[self.causes, "detail"])
            text = f"separation caused by {', '.join(self.causes)} ({why})"
        else:
            text = "separation by a combination of predictors"
        return text + f"; estimates not finite: {', '.join(self.variables)}"


def check_design(X: pd.DataFrame, constant: str = "constant") -> None:
    """Raise DesignError naming constant or collinear columns of X."""
    flat = [c for c in X.columns if c != constant and X[c].nunique(dropna=False) <= 1]
    if flat:
        values = ", ".join(f"{c} = {X[c].iloc[0]:g}" for c in flat)
        raise DesignError(f"predictor(s) without variation in this sample: {values}; "
                          "the coefficient is not identified", flat=tuple(flat))
    rank = np.linalg.matrix_rank(X.to_numpy(float))
    if rank < X.shape[1]:
        raise DesignError(f"design matrix has rank {rank} < {X.shape[1]} columns: some of "
                          f"{list(X.columns)} are linear combinations of others")


def detect_separation(X: pd.DataFrame, y, constant: str = "constant",
                      outcome: tuple[str, str] = ("improved", "did not improve")) -> SeparationReport:
    """Does the logit of y on X have infinite estimates, and for which columns of X?"""
    check_design(X, constant)
    yv = np.asarray(y, dtype=float)
    if not np.isin(yv, (0.0, 1.0)).all():
        raise ValueError("outcome must be coded 0/1 without missing values")
    A = X.to_numpy(float)
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    A = A / scale                                   # column scaling keeps the sign pattern of d
    S = (2 * yv - 1)[:, None] * A                   # rows s_i x_i'
    bounds = [(-1.0, 1.0)] * A.shape[1]
    constraints = dict(A_ub=-S, b_ub=np.zeros(len(yv)), bounds=bounds, method="highs")

    separated = _separates(S)
    directions = np.zeros(A.shape[1])
    alone = np.zeros(A.shape[1], dtype=bool)
    if separated:
        for j in range(A.shape[1]):
            e = np.zeros(A.shape[1])
            e[j] = 1.0
            up = linprog(-e, **constraints)
            down = linprog(e, **constraints)
            hi = -up.fun if up.status == 0 else 0.0
            lo = down.fun if down.status == 0 else 0.0
            directions[j] = hi if hi > TOL else (lo if lo < -TOL else 0.0)
        # which predictor would separate the outcome by itself, with only the intercept beside it
        const = [i for i, c in enumerate(X.columns) if c == constant]
        for j, name in enumerate(X.columns):
            if name != constant:
                alone[j] = _separates(S[:, [j, *const]])

    rows = []
    for j, name in enumerate(X.columns):
        implicated = abs(directions[j]) > TOL
        rows.append({"variable": name, "implicated": implicated, "alone": bool(alone[j]),
                     "direction": ("+inf" if directions[j] > 0 else "-inf") if implicated else "",
                     "detail": _explain(X[name], yv, outcome) if implicated and name != constant else ""})
    details = pd.DataFrame(rows)
    return SeparationReport(separated, [r["variable"] for r in rows if r["implicated"]],
                            [r["variable"] for r in rows if r["alone"]], details)


def is_separated(X: np.ndarray, y: np.ndarray) -> bool:
    """The exact check alone, on arrays: is there a separating direction? (one linear program;
    `detect_separation` also names the variables, at one program per column)."""
    A = np.asarray(X, dtype=float)
    scale = np.abs(A).max(axis=0)
    scale[scale == 0] = 1.0
    return _separates((2 * np.asarray(y, dtype=float) - 1)[:, None] * (A / scale))


def _separates(S: np.ndarray) -> bool:
    """Is there d ≠ 0 in the box with S d ≥ 0 and S d ≠ 0 (Konis's LP)?"""
    res = linprog(-S.sum(axis=0), A_ub=-S, b_ub=np.zeros(S.shape[0]),
                  bounds=[(-1.0, 1.0)] * S.shape[1], method="highs")
    return bool(res.status == 0 and -res.fun > TOL)


def _explain(x: pd.Series, y: np.ndarray, outcome: tuple[str, str]) -> str:
    """For a 0/1 predictor: the value whose cases all share one outcome."""
    xv = x.to_numpy(float)
    values = np.unique(xv)
    if not set(values) <= {0.0, 1.0}:
        return f"{x.name} separates jointly with other predictors"
    parts = []
    for v in values:
        ys = y[xv == v]
        if ys.size and (ys == ys[0]).all():
            who = f"the one case with {x.name} = {v:g}" if ys.size == 1 else f"all {ys.size} cases with {x.name} = {v:g}"
            parts.append(f"{who} {outcome[0] if ys[0] == 1 else outcome[1]}")
    return "; ".join(parts) or f"{x.name} separates jointly with other predictors"
