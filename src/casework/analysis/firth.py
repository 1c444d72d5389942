"""Firth's bias-reduced (penalized) logistic regression.

Firth (1993, Biometrika 80:27-38) adds ½·log|I(β)| — the Jeffreys prior — to the
log-likelihood. The estimate is finite even under separation, and its small-sample
bias is O(n⁻²). Heinze & Schemper (2002, Statistics in Medicine 21:2409-2419)
showed its use for separated data and proposed profile penalized-likelihood
intervals and tests, which is what R's logistf reports and what is done here:

- Newton–Raphson on the modified score U*(β) = X'(y − π + h(½ − π)), h the
  diagonal of the weighted hat matrix, with step halving on the penalized
  log-likelihood;
- intervals: the values of β_j where twice the drop in the profile penalized
  log-likelihood reaches the χ²₁ quantile;
- p-values: the penalized likelihood-ratio test of β_j = 0.

statsmodels has no Firth logit; this module is small enough to test against
logistf's published example (tests/test_regression_firth.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, stats

MAX_STEP = 5.0      # logistf's default cap on a Newton step
MAX_HALVINGS = 25
POLISH_STEPS = 6     # Newton steps after convergence (see _polish)


@dataclass
class FirthResult:
    """Estimates of a Firth logit, shaped like a statsmodels result where it matters."""

    params: pd.Series
    bse: pd.Series              # Wald standard errors from the inverse information
    pvalues: pd.Series          # penalized likelihood-ratio tests of β_j = 0
    ci: pd.DataFrame            # profile penalized-likelihood interval at `confidence`
    confidence: float
    llf_penalized: float
    llf: float                  # ordinary log-likelihood at the Firth estimate
    nobs: int
    iterations: int
    depvar: str = "y"
    extra: dict = field(default_factory=dict)

    def conf_int(self) -> pd.DataFrame:
        return self.ci

    @property
    def odds_ratios(self) -> pd.DataFrame:
        return pd.DataFrame({"odds_ratio": np.exp(self.params), "low": np.exp(self.ci["low"]),
                             "high": np.exp(self.ci["high"])})

    # maketables plug-in format (see maketables/__init__.py), so ETable can show this fit.
    @property
    def __maketables_coef_table__(self) -> pd.DataFrame:
        return pd.DataFrame({"b": self.params, "se": self.bse, "p": self.pvalues,
                             "ci95l": self.ci["low"], "ci95u": self.ci["high"]})

    def __maketables_stat__(self, key: str):
        return {"N": self.nobs, "ll": self.llf, "se_type": "Firth (profile PL)"}.get(key)

    @property
    def __maketables_depvar__(self) -> str:
        return self.depvar


def firth_logit(y, X: pd.DataFrame, confidence: float = 0.95, profile: bool | list[str] = True,
                tol: float = 1e-8, max_iter: int = 1000) -> FirthResult:
    """Fit a Firth logit of 0/1 outcome y on X (which carries its own constant column).

    profile: True for profile penalized-likelihood intervals and tests of every
    coefficient, False for Wald ones, or a list of column names to profile (the rest
    Wald) — profiling costs a refit per bound, so callers needing a few terms say so.
    max_iter is generous because a profile far out in a bound search, where another
    coefficient heads towards separation, can converge slowly (227 iterations were seen).
    """
    Xa = X.to_numpy(float)
    ya = np.asarray(y, dtype=float)
    beta, se, lpen, iters = _estimate(Xa, ya, tol, max_iter)
    p = Xa.shape[1]
    names = list(X.columns)
    params = pd.Series(beta, index=names)
    bse = pd.Series(se, index=names)

    crit = stats.chi2.ppf(confidence, 1)
    profiled = set(names) if profile is True else set(profile or [])
    unknown = profiled - set(names)
    if unknown:
        raise ValueError(f"profile: no column(s) {sorted(unknown)} in X; columns: {names}")
    # Wald for every coefficient at once (one call each into scipy: simulations fit thousands)
    se = bse.to_numpy()
    z = stats.norm.ppf(0.5 + confidence / 2)
    pvals = list(2 * stats.norm.sf(np.abs(beta / se)))
    lows, highs = list(beta - z * se), list(beta + z * se)
    for j in range(p):
        if names[j] in profiled:
            drop = lambda b, j=j: 2.0 * (lpen - _profile(Xa, ya, beta, j, b, tol, max_iter))
            pvals[j] = float(stats.chi2.sf(max(drop(0.0), 0.0), 1))
            lows[j] = _root(drop, beta[j], -1, bse.iloc[j], crit)
            highs[j] = _root(drop, beta[j], +1, bse.iloc[j], crit)
    ci = pd.DataFrame({"low": lows, "high": highs}, index=names)
    return FirthResult(params=params, bse=bse, pvalues=pd.Series(pvals, index=names), ci=ci,
                       confidence=confidence, llf_penalized=lpen,
                       llf=_loglik(Xa, ya, beta), nobs=len(ya), iterations=iters,
                       depvar=getattr(y, "name", None) or "y")


def firth_estimate(X: np.ndarray, y: np.ndarray, tol: float = 1e-8,
                   max_iter: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Firth estimates and their Wald standard errors on arrays, nothing else (no intervals,
    no pandas): what a simulation fitting thousands of samples needs. X has its constant."""
    beta, se, _, _ = _estimate(np.asarray(X, float), np.asarray(y, float), tol, max_iter)
    return beta, se


def _estimate(X: np.ndarray, y: np.ndarray, tol: float, max_iter: int):
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("outcome must be coded 0/1 without missing values")
    p = X.shape[1]
    beta, lpen, iters = _fit(X, y, np.zeros(p), np.ones(p, dtype=bool), tol, max_iter)
    se = np.sqrt(np.diag(np.linalg.inv(_information(X, _prob(X @ beta)))))
    return beta, se, lpen, iters


def _prob(eta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(eta, -35, 35)))


def _information(X: np.ndarray, pi: np.ndarray) -> np.ndarray:
    return (X * (pi * (1 - pi))[:, None]).T @ X


def _loglik(X, y, beta) -> float:
    return _loglik_at(y, _prob(X @ beta))


def _loglik_at(y, pi) -> float:
    pi = np.clip(pi, 1e-300, 1 - 1e-16)
    return float(np.sum(y * np.log(pi) + (1 - y) * np.log1p(-pi)))


def _state(X, y, beta):
    """Fitted probabilities, information and penalized log-likelihood at beta (computed
    once per trial point: the accepted point's are the next iteration's)."""
    pi = _prob(X @ beta)
    info = _information(X, pi)
    sign, logdet = np.linalg.slogdet(info)
    return pi, info, (_loglik_at(y, pi) + 0.5 * logdet if sign > 0 else -np.inf)


def _penalized(X, y, beta) -> float:
    return _state(X, y, beta)[2]


def _fit(X, y, beta, free, tol, max_iter, polish=True):
    """Maximise the penalized log-likelihood over the `free` coefficients (others fixed).

    polish: end with exact Newton steps (`_polish`), for estimates. A profile needs only
    the maximum's value, whose error is quadratic in the distance to the maximiser."""
    beta = beta.astype(float).copy()
    pi, info, current = _state(X, y, beta)
    for it in range(1, max_iter + 1):
        step, gradient = _newton(X, y, beta, free, pi, info)
        if gradient < tol or np.max(np.abs(step)) < tol:
            return (*_polish(X, y, beta, free, info, current), it) if polish else (beta, current, it)
        biggest = np.max(np.abs(step))
        if biggest > MAX_STEP:
            step *= MAX_STEP / biggest
        for _ in range(MAX_HALVINGS):
            trial = _state(X, y, beta + step)
            if trial[2] >= current:
                break
            step /= 2.0
        else:
            # no step improves on the current value: near the optimum the penalized
            # log-likelihood changes by less than its rounding, so let the score decide
            if gradient < 1e-5:
                return (*_polish(X, y, beta, free, info, current), it) if polish else (beta, current, it)
            raise RuntimeError(f"Firth logit: no ascent step from a point with score {gradient:.2e}")
        beta = beta + step
        pi, info, current = trial
    raise RuntimeError(f"Firth logit did not converge in {max_iter} iterations "
                       f"(last step {np.max(np.abs(step)):.2e}, score {gradient:.2e})")


def _newton(X, y, beta, free, pi, info):
    """The Newton step on the modified score at beta, and the score's largest free entry."""
    cov = np.linalg.inv(info)
    h = np.sum((X @ cov) * X, axis=1) * (pi * (1 - pi))     # hat-matrix diagonal
    score = X.T @ (y - pi + h * (0.5 - pi))
    if free.all():
        return cov @ score, float(np.max(np.abs(score)))
    step = np.zeros_like(beta)
    step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
    return step, float(np.max(np.abs(score[free])))


def _polish(X, y, beta, free, info, current):
    """Newton steps with the exact Jacobian of the modified score, from a converged point.

    The iteration above scales the modified score by the Fisher information, which is not
    its Jacobian: it converges linearly, slowly near separation (a rate of 0.95 was seen),
    so a fit stopped at |score| < tol sits up to about tol / (1 − rate) from the root, on
    a side set by the last bits of the path — Firth estimates differed by 1e-7 (relative)
    between SIMD levels. Newton with the exact Jacobian converges quadratically from
    there: a few steps reach the root to rounding on every machine. Steps stop when they
    no longer shrink (the rounding floor)."""
    previous = np.inf
    for _ in range(POLISH_STEPS):
        score, jacobian = _score_and_jacobian(X, y, _prob(X @ beta), np.linalg.inv(info))
        move = np.zeros_like(beta)
        move[free] = np.linalg.solve(jacobian[np.ix_(free, free)], -score[free])
        size = float(np.max(np.abs(move)))
        if not size < previous:
            break
        beta = beta + move
        _, info, current = _state(X, y, beta)
        previous = size
        if size <= 4 * np.finfo(float).eps * (1.0 + float(np.max(np.abs(beta)))):
            break
    return beta, current


def _score_and_jacobian(X, y, pi, cov):
    """The modified score U*(β) = X'(y − π + h(½ − π)) and its exact Jacobian.

    With w = π(1 − π), Q = X I⁻¹ X' and h = w·diag(Q):
    ∂h/∂β = diag(w(1 − 2π)·diag Q) X − diag(w) (Q∘Q) diag(w(1 − 2π)) X, so
    J = −X' diag(w(1 + h)) X + X' diag(½ − π) ∂h/∂β. Q∘Q is never formed (n × n): with
    z_i = x_i ⊗ x_i, (Q∘Q)_im = z_i' (I⁻¹ ⊗ I⁻¹) z_m."""
    w = pi * (1 - pi)
    q = np.sum((X @ cov) * X, axis=1)
    h = w * q
    score = X.T @ (y - pi + h * (0.5 - pi))
    c = w * (1 - 2 * pi)
    Z = (X[:, :, None] * X[:, None, :]).reshape(len(X), -1)
    squared = Z @ (np.kron(cov, cov) @ (Z.T @ (X * c[:, None])))      # (Q∘Q) diag(c) X
    dh = X * (c * q)[:, None] - w[:, None] * squared
    jacobian = -(X * (w * (1 + h))[:, None]).T @ X + (X * (0.5 - pi)[:, None]).T @ dh
    return score, jacobian


def _profile(X, y, beta_hat, j, value, tol, max_iter) -> float:
    """Penalized log-likelihood maximised with coefficient j held at `value`."""
    start = beta_hat.copy()
    start[j] = value
    free = np.ones(len(beta_hat), dtype=bool)
    free[j] = False
    return _fit(X, y, start, free, tol, max_iter, polish=False)[1]


def _root(drop, centre: float, side: int, se: float, crit: float) -> float:
    """Where the profile deviance `drop` crosses `crit` on one side of the estimate."""
    width = max(se, 1e-3)
    for _ in range(60):
        edge = centre + side * width
        if drop(edge) > crit:
            a, b = sorted((centre, edge))
            return optimize.brentq(lambda v: drop(v) - crit, a, b, xtol=1e-10)
        width *= 2.0
    return side * np.inf
