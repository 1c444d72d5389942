"""Cox proportional hazards on prepared arrays: Newton's method, Efron ties, delayed entry.

What a simulation fitting thousands of Cox models needs, and nothing else: the risk
sets are sorted once per sample (`RiskSets`), and each Newton step is a few cumulative
sums over them. The partial likelihood is Efron's (R's `coxph` default and lifelines'
only one), so tied releases — whole days between dates — are handled as R handles
them; without ties it is the ordinary partial likelihood. Delayed entry (left
truncation, R's Surv(entry, time, event)): a subject is at risk at time u when
entry < u <= time.

The fit stops when no coefficient moves by more than `tol` (1e-10: Newton converges
quadratically, so the estimate is then exact to rounding) and raises
`CoxNewtonFailure` whenever a sample is not plainly well behaved (no convergence, a
coefficient running off to infinity, a singular information matrix): callers then
fall back to lifelines. Checked against lifelines and R's `coxph` (stored output in
tests/fixtures/) to 1e-8 in tests/test_cox_newton.py.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

TOL = 1e-10          # largest change of any coefficient at convergence
MAX_ITER = 60
MAX_COEF = 20.0      # beyond this a log hazard ratio is running off to infinity (monotone likelihood)
MAX_HALVINGS = 30


class CoxNewtonFailure(RuntimeError):
    """The array fit cannot vouch for this sample (the caller falls back to the library fit)."""


class RiskSets(NamedTuple):
    """One sample prepared for Newton's method (built once, used by every iteration)."""

    Z: np.ndarray            # covariates, n x p
    ZZ: np.ndarray           # outer products, n x p x p
    by_time: np.ndarray      # subjects by time, latest first
    at_risk: np.ndarray      # per event time: subjects with time >= it (a prefix of by_time)
    by_entry: np.ndarray     # subjects by entry, latest first (empty without delayed entry)
    entered_late: np.ndarray  # per event time: subjects with entry >= it (not yet at risk)
    events: np.ndarray       # the event rows, grouped by event time
    time_of_event: np.ndarray  # per event row: index of its event time
    tie_share: np.ndarray    # per event row: l / d (Efron: the l-th of d tied events)
    first_event: np.ndarray  # per event time: its first event row
    n_times: int


def risk_sets(duration, event, X, entry=None) -> RiskSets:
    """Sort a sample once: times, events (0/1), covariates (n x p), optional entry times."""
    t = np.asarray(duration, float)
    d = np.asarray(event).astype(bool)
    Z = np.asarray(X, float)
    if Z.ndim == 1:
        Z = Z[:, None]
    if not (len(t) == len(d) == len(Z)):
        raise ValueError(f"risk_sets: {len(t)} times, {len(d)} events and {len(Z)} covariate rows")
    by_time = np.argsort(-t, kind="stable")
    events = np.flatnonzero(d)
    events = events[np.argsort(t[events], kind="stable")]
    times, time_of_event, ties = np.unique(t[events], return_inverse=True, return_counts=True)
    # Rank of each event within its tied group, 0..d-1 (events are grouped by time).
    first = np.concatenate([[0], np.cumsum(ties)[:-1]])
    rank = np.arange(len(events)) - first[time_of_event]
    at_risk = np.searchsorted(-t[by_time], -times, side="right")
    if entry is None:
        by_entry, entered_late = np.zeros(0, int), np.zeros(len(times), int)
    else:
        e = np.asarray(entry, float)
        if (e >= t).any():
            raise ValueError("risk_sets: an entry time is not before its exit time")
        by_entry = np.argsort(-e, kind="stable")
        entered_late = np.searchsorted(-e[by_entry], -times, side="right")
    return RiskSets(Z, Z[:, :, None] * Z[:, None, :], by_time, at_risk, by_entry, entered_late,
                    events, time_of_event, rank / ties[time_of_event], first, len(times))


def _prefix(values: np.ndarray, order: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sum of `values` over the first counts[k] subjects of `order`, per k."""
    total = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values[order], axis=0)])
    return total[counts]


def _parts(rs: RiskSets, beta: np.ndarray):
    """Partial log-likelihood, score and information at beta (Efron's approximation)."""
    eta = rs.Z @ beta
    w = np.exp(eta - eta.max())          # a common factor cancels from every ratio
    sums = []
    for values in (w, w[:, None] * rs.Z, w[:, None, None] * rs.ZZ):
        risk = _prefix(values, rs.by_time, rs.at_risk)
        if len(rs.by_entry):
            risk = risk - _prefix(values, rs.by_entry, rs.entered_late)
        tied = np.add.reduceat(values[rs.events], rs.first_event, axis=0)
        k, share = rs.time_of_event, rs.tie_share
        shape = (-1,) + (1,) * (values.ndim - 1)
        sums.append(risk[k] - share.reshape(shape) * tied[k])
    s0, s1, s2 = sums
    if not np.all(s0 > 0):
        raise CoxNewtonFailure("an empty risk set")
    mean = s1 / s0[:, None]
    ll = float(np.sum(eta[rs.events] - eta.max() - np.log(s0)))
    score = rs.Z[rs.events].sum(axis=0) - mean.sum(axis=0)
    info = (s2 / s0[:, None, None]).sum(axis=0) - mean.T @ mean
    return ll, score, info


class CoxFit(NamedTuple):
    beta: np.ndarray
    se: np.ndarray
    loglik: float
    iterations: int


def cox_newton(rs: RiskSets, start=None, tol: float = TOL, max_iter: int = MAX_ITER) -> CoxFit:
    """Maximum partial-likelihood estimate, standard errors and log-likelihood by Newton's
    method with step halving, from `start` (zeros by default; a good start saves steps)."""
    beta = np.zeros(rs.Z.shape[1]) if start is None else np.array(start, float)
    ll, score, info = _parts(rs, beta)
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            raise CoxNewtonFailure("singular information matrix") from None
        for _ in range(MAX_HALVINGS):
            trial = beta + step
            new = _parts(rs, trial)
            if new[0] >= ll - 1e-12 * max(1.0, abs(ll)):
                break
            step = step / 2
        else:
            raise CoxNewtonFailure("no ascent step")
        beta = trial
        ll, score, info = new
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > MAX_COEF:
            raise CoxNewtonFailure("the estimate runs off to infinity")
        if np.max(np.abs(step)) < tol:
            break
    else:
        raise CoxNewtonFailure(f"no convergence in {max_iter} iterations")
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise CoxNewtonFailure("singular information matrix") from None
    var = np.diag(cov)
    if not np.all(var > 0):
        raise CoxNewtonFailure("information matrix not positive definite")
    return CoxFit(beta, np.sqrt(var), ll, it)


def fit_frame(data, covariates, start=None, entry: str | None = None,
              time: str = "duration", event: str = "released") -> tuple[np.ndarray, np.ndarray]:
    """Efron Cox fit of a frame's `covariates`: (estimates, standard errors).

    On prepared arrays by `cox_newton` (from `start`); lifelines' CoxPHFitter at R's
    precision (survival.FIT_OPTIONS) whenever the array fit cannot vouch for the sample.
    entry: the column of entry times (delayed entry), if any. Raises CoxNewtonFailure
    when lifelines, too, fails or warns that it did not converge.
    """
    covariates = list(covariates)
    try:
        rs = risk_sets(data[time].to_numpy(float), data[event].to_numpy(),
                       data[covariates].to_numpy(float),
                       None if entry is None else data[entry].to_numpy(float))
        fit = cox_newton(rs, start)
        return fit.beta, fit.se
    except CoxNewtonFailure:
        pass
    return _lifelines(data, covariates, entry, time, event)


def _lifelines(data, covariates, entry, time, event) -> tuple[np.ndarray, np.ndarray]:
    import warnings
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning
    from .survival import FIT_OPTIONS
    columns = [*covariates, time, event, *([entry] if entry else [])]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            m = CoxPHFitter().fit(data[columns].reset_index(drop=True), time, event, entry_col=entry,
                                  fit_options=FIT_OPTIONS)
        except ConvergenceError as err:
            raise CoxNewtonFailure(str(err).splitlines()[0]) from None
    trouble = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    if trouble:
        raise CoxNewtonFailure(str(trouble[0].message).splitlines()[0])
    return m.params_[covariates].to_numpy(float), m.standard_errors_[covariates].to_numpy(float)
