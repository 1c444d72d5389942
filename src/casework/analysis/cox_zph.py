"""The exact score test of proportional hazards (R survival >= 3.0 `cox.zph`).

Grambsch & Therneau (1994) test proportional hazards by adding, for each covariate
x_j, a term x_j·g(t) to the Cox model and asking whether its coefficient γ_j is zero.
The score test of γ = 0 at the fitted β needs no refit: with U_t and V_t the (Efron)
score and information contributions of the deaths at time t,

    U_γ = Σ_t g(t) U_t          (U_β = Σ_t U_t = 0 at the fitted β)
    I   = Σ_t [[V_t, g(t) V_t], [g(t) V_t, g(t)² V_t]]

and the statistic is (0, U_γ)' I⁻¹ (0, U_γ), on the rows and columns of β and of the
γ being tested: one γ_j per covariate (1 df), all of them for the global test (p df).
lifelines' `proportional_hazard_test` computes the older approximation, which replaces
I by a version that assumes the covariate variance constant over time; R's `cox.zph`
has used the exact test since survival 3.0 (Therneau's vignette on the change).

g is the transform of time: 'km' (1 − the left-continuous Kaplan–Meier estimate),
'rank' (rank among all follow-up times, ties averaged, as R ranks them) or 'identity'; it is centred on its
mean over the deaths, which changes nothing but the rounding.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

TRANSFORMS = ("km", "rank", "identity")
GLOBAL = "GLOBAL"


def efron_contributions(time, event, X, beta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct event time: the time, U_t (m × p) and V_t (m × p × p) at `beta`, Efron ties."""
    time, event = np.asarray(time, float), np.asarray(event, bool)
    X = np.asarray(X, float)
    w = np.exp(X @ np.asarray(beta, float))
    times = np.unique(time[event])
    U = np.zeros((len(times), X.shape[1]))
    V = np.zeros((len(times), X.shape[1], X.shape[1]))
    for i, t in enumerate(times):
        risk, dead = time >= t, event & (time == t)
        xr, wr, xd, wd = X[risk], w[risk], X[dead], w[dead]
        s0, s1, s2 = wr.sum(), wr @ xr, (xr * wr[:, None]).T @ xr
        d0, d1, d2 = wd.sum(), wd @ xd, (xd * wd[:, None]).T @ xd
        d = int(dead.sum())
        U[i] = xd.sum(axis=0)
        for k in range(d):  # Efron: the tied deaths leave the risk set a fraction at a time
            f = k / d
            a0, a1, a2 = s0 - f * d0, s1 - f * d1, s2 - f * d2
            mean = a1 / a0
            U[i] -= mean
            V[i] += a2 / a0 - np.outer(mean, mean)
    return times, U, V


def time_transform(time, event, transform: str) -> tuple[np.ndarray, np.ndarray]:
    """g at each distinct event time and its mean over the deaths (weights = deaths per time)."""
    if transform not in TRANSFORMS:
        raise ValueError(f"transform {transform!r}: expected one of {', '.join(TRANSFORMS)}")
    time, event = np.asarray(time, float), np.asarray(event, bool)
    times, deaths = np.unique(time[event], return_counts=True)
    if transform == "identity":
        g = times
    elif transform == "rank":
        # As R: the rank among all follow-up times (censored ones too), ties averaged.
        ranks = stats.rankdata(time)
        g = np.array([ranks[time == t][0] for t in times])
    else:
        # 1 − S(t−): the Kaplan–Meier estimate just before each event time.
        at_risk = np.array([(time >= t).sum() for t in times])
        surv = np.cumprod(1 - deaths / at_risk)
        g = 1 - np.concatenate([[1.0], surv[:-1]])
    return g, np.repeat(g, deaths)


def zph_test(time, event, X, beta, transform: str = "km", names=None) -> pd.DataFrame:
    """Exact score test per covariate and global: columns term, chi2, df, p."""
    X = np.asarray(X, float)
    p = X.shape[1]
    names = list(names) if names is not None else [f"x{j}" for j in range(p)]
    if len(names) != p:
        raise ValueError(f"names: {len(names)} given for {p} covariates")
    times, U, V = efron_contributions(time, event, X, beta)
    g, per_death = time_transform(time, event, transform)
    g = g - per_death.mean()
    u_gamma = g @ U
    info = np.block([[V.sum(0), np.tensordot(g, V, 1)],
                     [np.tensordot(g, V, 1), np.tensordot(g * g, V, 1)]])
    rows = []
    for j in range(p):
        keep = [*range(p), p + j]
        score = np.r_[np.zeros(p), u_gamma[j]]
        chi2 = float(score @ np.linalg.solve(info[np.ix_(keep, keep)], score))
        rows.append({"term": names[j], "chi2": chi2, "df": 1, "p": float(stats.chi2.sf(chi2, 1))})
    score = np.r_[np.zeros(p), u_gamma]
    chi2 = float(score @ np.linalg.solve(info, score))
    rows.append({"term": GLOBAL, "chi2": chi2, "df": p, "p": float(stats.chi2.sf(chi2, p))})
    return pd.DataFrame(rows)


def zph_fitted(fitter, data: pd.DataFrame, transform: str = "km") -> pd.DataFrame:
    """zph_test for a fitted lifelines CoxPHFitter on the data it was fitted to."""
    names = list(fitter.params_.index)
    return zph_test(data[fitter.duration_col], data[fitter.event_col], data[names],
                    fitter.params_.to_numpy(), transform, names)
