"""Goodness of fit of a logit from its log-likelihoods: the pseudo-R² of wp2019 Table 1.

Cox & Snell (1989): R² = 1 − exp(2 (ℓ₀ − ℓ) / n), the likelihood-ratio analogue of
R², which cannot reach 1 for a binary outcome. Nagelkerke (1991) divides it by its
maximum, 1 − exp(2 ℓ₀ / n). ℓ is the model log-likelihood, ℓ₀ that of the
intercept-only model, n the number of observations.
"""
from __future__ import annotations

import math


def cox_snell(llf: float, llnull: float, n: int) -> float:
    """Cox–Snell pseudo-R²."""
    _check(llf, llnull, n)
    return 1.0 - math.exp(2.0 * (llnull - llf) / n)


def nagelkerke(llf: float, llnull: float, n: int) -> float:
    """Nagelkerke pseudo-R²: Cox–Snell scaled by its attainable maximum."""
    _check(llf, llnull, n)
    return cox_snell(llf, llnull, n) / (1.0 - math.exp(2.0 * llnull / n))


def mcfadden(llf: float, llnull: float) -> float:
    """McFadden pseudo-R² (what statsmodels reports as prsquared), for reference."""
    return 1.0 - llf / llnull


def implied_null_loglik(llf: float, r2_cox_snell: float, n: int) -> float:
    """The null log-likelihood a published (llf, Cox–Snell R², n) triple implies."""
    return llf + n / 2.0 * math.log(1.0 - r2_cox_snell)


def fit_stats(result) -> dict:
    """n, log-likelihoods and the pseudo-R² of a fitted statsmodels discrete model."""
    n = int(result.nobs)
    llf, llnull = float(result.llf), float(result.llnull)
    return {"n": n, "loglik": llf, "llnull": llnull,
            "r2_cox_snell": cox_snell(llf, llnull, n),
            "r2_nagelkerke": nagelkerke(llf, llnull, n),
            "r2_mcfadden": mcfadden(llf, llnull), "aic": float(result.aic)}


def _check(llf: float, llnull: float, n: int) -> None:
    if n <= 0:
        raise ValueError(f"n = {n}: the number of observations must be positive")
    if llf > 0 or llnull > 0:
        raise ValueError(f"log-likelihoods must be ≤ 0 for a binary outcome (llf={llf}, llnull={llnull})")
    if llf < llnull - 1e-9:
        raise ValueError(f"llf = {llf} below llnull = {llnull}: the model cannot fit worse than "
                         "its intercept-only version")
