"""Statistical power by simulation: how often would a study of size n detect the effect?

The working paper (Spannagel 2019, conclusion) asks for several findings to be checked
"in a larger sample". How large? Power answers it: the share of studies of a given size,
drawn from a model in which the effect is real, whose test rejects 'no effect' at level
alpha. For a logit with fourteen predictors, rare flags and separation, or a Cox model
with fifteen treated women, no formula gives it reliably; simulation does:

1. draw a sample of n cases from a data-generating model (covariates like the study's,
   outcome from a model with a known effect);
2. fit the study's model and keep the p-value (and estimate) of the effect;
3. repeat; power at n is the share of samples with p < alpha, with a Wilson interval
   for the Monte Carlo error.

`simulate_power` does this for any pair draw(rng, n) -> frame, fit(frame) -> FitOutcome.
A fit that cannot be completed (an exception of a type in FIT_FAILURES) is counted per
n with its reason; `failed='miss'` counts it as a study that found nothing, `'drop'`
leaves it out of the denominator. Every simulation has its own random stream from
numpy's SeedSequence, keyed by (seed, stream, n, simulation index), so a result does
not depend on the sample-size grid, on chunking, on the number of workers or on the
engine (`casework.engine`: this process, a local Dask cluster, or an existing one).

Per-fit cost is kept near that of the fit itself: the logit designs draw their cases
from a population of simulated cases built once per design and worker (a design
matrix reused by every study; outcomes drawn as arrays), screen for separation with a
matrix product (the exact linear program runs only when maximum likelihood reports
trouble the screen did not explain), fit by Newton's method on the arrays from the
true coefficients (`logit_newton`, statsmodels' iteration without its per-call set-up;
statsmodels itself, with its warnings, whenever a sample is not plainly well behaved)
and fall back to Firth on arrays (`firth.firth_estimate`); the Cox design fits on
prepared arrays (`cox_fit`, lifelines for samples with tied releases). The array fits
are checked against statsmodels and lifelines in tests/test_power.py.

The three designs of the working papers are built by `regression_design` (Table 1
logits: the upcoming UPR in open regimes, business involvement in all regimes) and
`freethe20_design` (Myrick & Weinstein 2018, Cox model 1).
"""
from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.optimize import isotonic_regression
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tools.sm_exceptions import (ConvergenceWarning, HessianInversionWarning,
                                             PerfectSeparationWarning)

from ..data.frames.improvement import CONSTANT, PREDICTORS, TABLE1, regression_frame
from ..data.frames.survival import DAYS_PER_MONTH, launch_date, urgent_action_frame
from ..data.simulate.impact import draw_regression_sample
from .. import engine as engines
from ..published import published
from . import cox_newton
from .firth import firth_estimate
from .logit import design as logit_design
from .logit import fit_logit, model_frame
from .separation import is_separated
from .survival import fit_cox_models


class FitFailure(RuntimeError):
    """The model could not be estimated on this simulated sample (the reason is the message)."""


# Exceptions that mean 'this sample could not be analysed', not 'the code is wrong':
# separation and design errors (RuntimeError, ValueError), lifelines' ConvergenceError
# (a ValueError), singular matrices. A KeyError or TypeError is a bug and propagates.
FIT_FAILURES = (FitFailure, RuntimeError, ValueError, ArithmeticError, np.linalg.LinAlgError)
FAILED_POLICIES = ("miss", "drop")


class FitOutcome(NamedTuple):
    """What a fitting function reports: the test's p-value, the estimate, how it was fitted."""

    p_value: float
    estimate: float
    method: str = "fit"


# --------------------------------------------------------------------------- estimator

def simulation_seed(seed: int, stream: int, n: int, index: int) -> np.random.SeedSequence:
    """The seed of one simulated sample: a SeedSequence child keyed by design stream, n, index."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(stream), int(n), int(index)))


def _one(draw, fit, seed: int, stream: int, n: int, index: int, failures: tuple) -> dict:
    rng = np.random.default_rng(simulation_seed(seed, stream, n, index))
    frame = draw(rng, n)
    try:
        out = fit(frame)
        p, estimate, method = (out if isinstance(out, FitOutcome) else FitOutcome(*out))
        if not np.isfinite(p):
            raise FitFailure("the test gave no finite p-value")
    except failures as err:
        reason = f"{type(err).__name__}: {err}"
        return {"n": n, "sim": index, "p_value": np.nan, "estimate": np.nan, "method": "",
                "failed": True, "reason": reason[:200]}
    return {"n": n, "sim": index, "p_value": float(p), "estimate": float(estimate),
            "method": str(method), "failed": False, "reason": ""}


def _chunk(draw, fit, seed: int, stream: int, n: int, indices: range, failures: tuple) -> list[dict]:
    return [_one(draw, fit, seed, stream, n, i, failures) for i in indices]


def _task(task: tuple[int, range], shared: tuple) -> list[dict]:
    """One engine task: the simulations `indices` at size n (shared: draw, fit, seed, stream, failures)."""
    draw, fit, seed, stream, failures = shared
    n, indices = task
    return _chunk(draw, fit, seed, stream, n, indices, failures)


def tasks(sizes, n_sims: int, workers: int) -> list[tuple[int, range]]:
    """(n, simulation indices) per task: a few tasks per worker and size keeps every worker
    busy to the end, and a task of at least ~25 fits keeps the scheduling cost small."""
    parts = max(1, min(4 * workers, n_sims // 25)) if workers > 1 else 1
    return [(int(n), r) for n in sizes for r in engines.chunks(n_sims, parts)]


@dataclass
class PowerResult:
    """Power per sample size (`curve`) and one row per simulated sample (`runs`)."""

    curve: pd.DataFrame
    runs: pd.DataFrame
    alpha: float
    confidence: float
    failed: str
    seed: int
    settings: dict = field(default_factory=dict)

    def at(self, n: int) -> pd.Series:
        """The curve's row for sample size n (which must be on the grid)."""
        rows = self.curve[self.curve["n"] == n]
        if rows.empty:
            raise KeyError(f"n = {n} is not on the simulated grid {list(self.curve['n'])}")
        return rows.iloc[0]


def simulate_power(draw: Callable[[np.random.Generator, int], pd.DataFrame],
                   fit: Callable[[pd.DataFrame], FitOutcome], sizes, n_sims: int, seed: int, *,
                   alpha: float = 0.05, confidence: float = 0.95, failed: str = "miss",
                   jobs: int = 1, stream: int = 0, failures: tuple = FIT_FAILURES,
                   engine=None, label: str = "power") -> PowerResult:
    """Simulated power of the test `fit` reports, at each sample size in `sizes`.

    draw(rng, n) returns one simulated data set of n cases; fit(frame) returns a
    FitOutcome (or a (p_value, estimate[, method]) tuple). A fit raising one of
    `failures` is a failed fit: counted, with its reason, and under failed='miss'
    scored as no rejection (a study that could not estimate its model reports no
    effect), under 'drop' left out of the denominator. `engine` (from
    `casework.engine.open_engine`) runs the simulations, in chunks, wherever it runs
    them; without one, jobs > 1 starts a local Dask cluster of that many workers for
    this call (draw and fit must then be picklable). The result is identical either way.
    """
    if failed not in FAILED_POLICIES:
        raise ValueError(f"failed={failed!r}: expected one of {FAILED_POLICIES}")
    if n_sims < 1 or jobs < 1:
        raise ValueError(f"n_sims={n_sims}, jobs={jobs}: both must be at least 1")
    if not 0 < alpha < 1 or not 0 < confidence < 1:
        raise ValueError(f"alpha={alpha}, confidence={confidence}: both must lie in (0, 1)")
    sizes = sorted({int(n) for n in sizes})
    if not sizes or sizes[0] < 1:
        raise ValueError(f"sizes {sizes}: expected positive sample sizes")

    shared = (draw, fit, seed, stream, failures)
    if engine is None and jobs > 1:
        with engines.open_engine(jobs) as eng:
            done = eng.map(_task, tasks(sizes, n_sims, eng.workers), shared=shared, label=label)
    else:
        eng = engine or engines.Sequential()
        done = eng.map(_task, tasks(sizes, n_sims, eng.workers), shared=shared, label=label)
    rows = [r for chunk in done for r in chunk]
    runs = pd.DataFrame(rows).sort_values(["n", "sim"]).reset_index(drop=True)
    runs["rejected"] = (~runs["failed"]) & (runs["p_value"] < alpha)
    curve = summarise(runs, alpha, confidence, failed)
    return PowerResult(curve=curve, runs=runs, alpha=alpha, confidence=confidence, failed=failed,
                       seed=seed, settings={"n_sims": n_sims, "stream": stream, "sizes": sizes})


def summarise(runs: pd.DataFrame, alpha: float, confidence: float, failed: str = "miss"
              ) -> pd.DataFrame:
    """Per n: samples, completed and failed fits, rejections, power with a Wilson interval.

    `methods` counts how the completed fits were estimated ('maximum likelihood: 180;
    Firth: 20'); `reasons` the most frequent reasons for failure.
    """
    rows = []
    for n, g in runs.groupby("n", sort=True):
        fits = int((~g["failed"]).sum())
        rejected = int(g["rejected"].sum())
        denom = len(g) if failed == "miss" else fits
        if denom:
            power = rejected / denom
            low, high = proportion_confint(rejected, denom, alpha=1 - confidence, method="wilson")
        else:
            power = low = high = np.nan
        done = g[~g["failed"]]
        rows.append({
            "n": int(n), "sims": len(g), "fits": fits, "failed": len(g) - fits, "rejected": rejected,
            "power": power, "low": float(low), "high": float(high),
            "mc_se": float(np.sqrt(power * (1 - power) / denom)) if denom else np.nan,
            "estimate_median": float(done["estimate"].median()) if fits else np.nan,
            "methods": _counts(done["method"]),
            "reasons": _counts(_short_reason(g.loc[g["failed"], "reason"]), top=3),
        })
    return pd.DataFrame(rows)


def _counts(values: pd.Series, top: int | None = None) -> str:
    counted = Counter(v for v in values if v).most_common(top)
    return "; ".join(f"{k}: {v}" for k, v in counted)


def _short_reason(reasons: pd.Series) -> pd.Series:
    """Reasons without sample-specific numbers or the exception's class name (a reader's
    'Firth logit did not converge', not 'RuntimeError: ...'), so alike failures count together."""
    short = (reasons.str.replace(r"\(.*", "", regex=True)
             .str.replace(r"^\w*(Error|Failure|Exception|Warning):\s*", "", regex=True)
             .str.strip().str.rstrip(".:;,…").str.strip())
    return short.str[:1].str.upper() + short.str[1:]


# ------------------------------------------------------------------- reading the curve

def size_grid(published_n: int, min_factor: float = 0.5, max_factor: float = 4.0,
              points: int = 7) -> list[int]:
    """Sample sizes from min_factor to max_factor times the published n, evenly spaced on a
    log scale, always including the published n itself (so its power is simulated, not
    interpolated)."""
    if not 0 < min_factor <= 1 <= max_factor or points < 2:
        raise ValueError(f"grid factors {min_factor}..{max_factor} with {points} points: expected "
                         "0 < min_factor <= 1 <= max_factor and at least 2 points")
    factors = np.geomspace(min_factor, max_factor, points)
    return sorted({int(round(published_n * f)) for f in factors} | {int(published_n)})


@dataclass(frozen=True)
class TargetSize:
    """The sample size at which power reaches the target, with a Monte Carlo interval.

    status: 'in grid', 'below grid' (reached at the smallest n simulated) or 'beyond
    grid' (not reached at the largest); n is NaN unless 'in grid'. low/high are where
    the upper and lower Wilson bounds reach the target (NaN when outside the grid).
    """

    target: float
    n: float
    low: float
    high: float
    status: str


def _crossing(n: np.ndarray, power: np.ndarray, weight: np.ndarray, target: float) -> tuple[float, str]:
    """First n at which a non-decreasing fit of power reaches target (linear interpolation)."""
    ok = np.isfinite(power)
    n, power, weight = n[ok], power[ok], weight[ok]
    if len(n) == 0:
        return np.nan, "beyond grid"
    # Power cannot fall as n grows; Monte Carlo noise can make it look so. Pool adjacent
    # violators (weighted by simulations) before reading off the crossing.
    smooth = isotonic_regression(power, weights=np.maximum(weight, 1e-9), increasing=True).x
    above = np.flatnonzero(smooth >= target)
    if len(above) == 0:
        return np.nan, "beyond grid"
    i = int(above[0])
    if i == 0:
        return (float(n[0]) if smooth[0] == target else np.nan), "below grid"
    p0, p1 = smooth[i - 1], smooth[i]
    return float(n[i - 1] + (target - p0) * (n[i] - n[i - 1]) / (p1 - p0)), "in grid"


def n_for_power(curve: pd.DataFrame, target: float = 0.8) -> TargetSize:
    """Where the simulated power curve reaches `target`, interpolated between grid sizes.

    The curve is first made non-decreasing (isotonic regression weighted by the number
    of simulations), then read off linearly in n. The interval applies the same rule to
    the Wilson bounds: the upper bound reaches the target first (low n), the lower bound
    last (high n).
    """
    if not 0 < target < 1:
        raise ValueError(f"target power {target}: expected a share between 0 and 1")
    c = curve.sort_values("n")
    n = c["n"].to_numpy(float)
    w = c["sims"].to_numpy(float) if "sims" in c else np.ones(len(c))
    est, status = _crossing(n, c["power"].to_numpy(float), w, target)
    low, _ = _crossing(n, c["high"].to_numpy(float), w, target)
    high, _ = _crossing(n, c["low"].to_numpy(float), w, target)
    if status != "in grid":
        est = np.nan
    return TargetSize(target=target, n=est, low=low, high=high, status=status)


# ------------------------------------------------------------------ Table 1 logit designs

SAMPLE_TO_KEY = {column: key for key, column in TABLE1.items()}
BINARY_FLAGS = [k for k in PREDICTORS if k.startswith(("viol_", "issue_"))] + [
    "upcoming_upr", "reply_received", "business_involved", "female_trans"]


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class LogitArrays(NamedTuple):
    """One simulated logit sample as arrays: design X (columns `COLUMNS`) and outcome y."""

    X: np.ndarray
    y: np.ndarray


COLUMNS = (*PREDICTORS, CONSTANT)       # the design's columns, constant last as in Table 1
POOL_SIZE = 50_000
_POOLS: dict = {}                       # per process: (regime, coefficients, seed, size) -> pool


def case_pool(regime: str, coefficients: dict, seed: int, size: int = POOL_SIZE
              ) -> tuple[np.ndarray, np.ndarray]:
    """A population of `size` simulated cases of a regime: their design matrix (n x 15) and
    each case's probability of improvement under `coefficients`. Built once per process
    (the same in every process: it is drawn from `seed`) and shared by every study."""
    key = (regime, tuple(sorted(coefficients.items())), int(seed), int(size))
    if key not in _POOLS:
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(7, int(size))))
        drawn = draw_regression_sample(rng, size, regime)
        X = np.column_stack([drawn.rename(columns=SAMPLE_TO_KEY)[PREDICTORS].to_numpy(float),
                             np.ones(size)])
        beta = np.array([coefficients[k] for k in COLUMNS])
        _POOLS.clear()                  # one design at a time: keep memory flat
        _POOLS[key] = (np.ascontiguousarray(X), _expit(X @ beta))
    return _POOLS[key]


@dataclass(frozen=True)
class LogitSample:
    """Draws n cases like the study's: Table 1 covariates from the impact simulator's
    `draw_regression_sample` (regime 'open', 'closed' or 'all'), improvement from the
    logit with `coefficients` (Table 1 keys and 'constant').

    The outcome is drawn as independent Bernoulli trials from these coefficients (as
    the simulator draws it), so the number improved varies with its binomial variance.

    pool=0 draws fresh cases from the simulator for every study and returns a frame.
    pool=K (the designs' default) draws the cases of each study independently from a
    population of K simulated cases built once from `pool_seed` (`case_pool`) and
    returns `LogitArrays`: the same covariate distribution up to the population's own
    sampling error, at a fraction of the cost (no pandas per study).
    """

    regime: str
    coefficients: dict
    pool: int = 0
    pool_seed: int = 0

    def __call__(self, rng: np.random.Generator, n: int) -> pd.DataFrame | LogitArrays:
        if self.pool:
            X, p = case_pool(self.regime, self.coefficients, self.pool_seed, self.pool)
            rows = rng.integers(0, len(p), n)
            return LogitArrays(X[rows], (rng.random(n) < p[rows]).astype(float))
        drawn = draw_regression_sample(rng, n, self.regime)
        frame = drawn.rename(columns=SAMPLE_TO_KEY)[PREDICTORS].astype(float)
        beta = np.array([self.coefficients[k] for k in PREDICTORS])
        eta = self.coefficients[CONSTANT] + frame.to_numpy() @ beta
        frame["improved"] = (rng.random(n) < _expit(eta)).astype(float)
        frame["regime"] = drawn["regime"].to_numpy()
        return frame


def separating_flags(frame: pd.DataFrame, flags: list[str], outcome: str = "improved") -> list[str]:
    """0/1 predictors on whose own the outcome is constant in one of their groups (the usual
    cause of quasi-complete separation with rare flags). A cheap screen, not the full
    linear-programming check of `separation.detect_separation`."""
    X = frame[flags].to_numpy(float)
    return [flags[j] for j in np.flatnonzero(_flag_screen(X, frame[outcome].to_numpy(float)))]


def _flag_screen(B: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per 0/1 column of B: is the outcome constant among its 1s or among its 0s? One matrix
    product for all flags. Such a flag separates the outcome (quasi-completely) on its own."""
    ones = B.sum(axis=0)
    hits = y @ B                                  # improved cases with the flag
    zeros, misses = len(y) - ones, y.sum() - hits
    return (((ones > 0) & ((hits == 0) | (hits == ones)))
            | ((zeros > 0) & ((misses == 0) | (misses == zeros))))


def _wald_p(z: float) -> float:
    """Two-sided normal p-value of a Wald z (erfc: what norm.sf gives, without scipy's call cost)."""
    return math.erfc(abs(float(z)) / math.sqrt(2.0))


NEWTON_TOL = 1e-8       # statsmodels' Newton tolerance on the change of every coefficient
NEWTON_MAX_ITER = 25    # a sample with a finite estimate converges in well under this
NEWTON_MAX_COEF = 25.0  # beyond this a coefficient is running off to infinity (separation)


def logit_newton(X: np.ndarray, y: np.ndarray, start: np.ndarray | None = None,
                 tol: float = NEWTON_TOL, max_iter: int = NEWTON_MAX_ITER
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """Maximum-likelihood logit on prepared arrays: (estimates, standard errors), or None.

    The Newton iteration statsmodels' `Logit.fit` runs (same tolerance on the change of
    the estimates), without its per-call model set-up and per-iteration checks, started
    from `start` (the simulation's true coefficients: fewer iterations). It returns None,
    and the caller falls back to statsmodels with its warnings, whenever the sample is
    not plainly well behaved: no convergence within `max_iter`, a coefficient beyond
    ±NEWTON_MAX_COEF, a fitted probability of 0 or 1 to machine precision, or a singular
    information matrix. Checked against statsmodels to 1e-8 in tests/test_power.py.
    """
    with np.errstate(over="ignore"):     # exp overflow: a probability of 0, handed back below
        return _newton(X, y, np.zeros(X.shape[1]) if start is None else np.array(start, float),
                       tol, max_iter)


def _newton(X: np.ndarray, y: np.ndarray, beta: np.ndarray, tol: float, max_iter: int):
    Xt = X.T
    for _ in range(max_iter):
        p = _expit(X @ beta)
        w = p * (1.0 - p)
        if not np.all(w > 1e-12):
            return None
        info = (Xt * w) @ X
        try:
            step = np.linalg.solve(info, Xt @ (y - p))
        except np.linalg.LinAlgError:
            return None
        beta = beta + step
        if not np.all(np.isfinite(beta)) or np.max(np.abs(beta)) > NEWTON_MAX_COEF:
            return None
        if np.max(np.abs(step)) < tol:
            break
    else:
        return None
    p = _expit(X @ beta)
    w = p * (1.0 - p)
    if not np.all(w > 1e-12):
        return None
    try:
        cov = np.linalg.inv((Xt * w) @ X)
    except np.linalg.LinAlgError:
        return None
    var = np.diag(cov)
    if not np.all(var > 0):
        return None
    return beta, np.sqrt(var)


_FLAG_COLUMNS = np.array([c in BINARY_FLAGS for c in COLUMNS])
_TROUBLE = (ConvergenceWarning, RuntimeWarning, PerfectSeparationWarning, HessianInversionWarning)


class MLFit(NamedTuple):
    """A maximum-likelihood logit on arrays: estimates and standard errors, or why there are none."""

    beta: np.ndarray | None
    se: np.ndarray | None
    trouble: str            # '' when the estimate exists


def ml_logit(X: np.ndarray, y: np.ndarray, flags: np.ndarray, names, start=None,
             term: int | None = None) -> MLFit:
    """Maximum likelihood on prepared arrays, or the reason it has no finite estimate.

    flags marks the 0/1 columns of X (screened for separation by one matrix product);
    names the columns (to name a separating flag). Newton from `start` (`logit_newton`);
    statsmodels with its warnings when the sample is not plainly well behaved; the exact
    linear program (`separation.is_separated`) only when statsmodels, too, is in trouble,
    to tell separation by a combination of predictors from plain non-convergence.
    term: the column whose standard error must be finite (default: every column).
    """
    hit = _flag_screen(X[:, flags], y)
    if hit.any():
        return MLFit(None, None, f"separation by {', '.join(np.array(names)[flags][hit])}")
    fast = logit_newton(X, y, start)
    if fast is not None:
        return MLFit(*fast, "")
    trouble = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = sm.Logit(y, X).fit(disp=0, maxiter=100)
        except (np.linalg.LinAlgError, ValueError) as err:
            res, trouble = None, f"maximum likelihood failed: {type(err).__name__}"
    bad = [w for w in caught if issubclass(w.category, _TROUBLE)]
    if res is not None and not bad and np.all(np.isfinite(res.bse if term is None else res.bse[term])):
        return MLFit(np.asarray(res.params, float), np.asarray(res.bse, float), "")
    if not trouble:
        trouble = ("separation by a combination of predictors" if is_separated(X, y)
                   else "maximum likelihood did not converge")
    return MLFit(None, None, trouble)


@dataclass(frozen=True)
class LogitTest:
    """Fits the Table 1 logit (all 14 predictors) and reports the Wald test of `term`.

    Maximum likelihood as in the paper. A predictor other than `term` without variation
    in the sample is left out (as `regression.fit_models` does). When maximum likelihood
    has no finite estimate (separation by a rare flag, non-convergence), separated='firth'
    refits with Firth's penalized likelihood (`firth.firth_estimate`, Wald p) and reports the
    method; separated='fail' makes it a failed fit. No variation in `term` always fails.

    Separation is found cheaply: a 0/1 flag with a constant outcome in one of its groups
    separates the sample on its own (`_flag_screen`, one matrix product). The exact
    linear program (`separation.is_separated`, ~0.1 s) runs only when maximum likelihood
    warns without such a flag, to tell separation by a combination of predictors from
    plain non-convergence. Takes `LogitArrays` or a frame with the Table 1 columns.
    """

    term: str
    separated: str = "firth"
    start: tuple | None = None     # start values of the fits, in `COLUMNS` order (e.g. the truth)

    def __call__(self, sample: pd.DataFrame | LogitArrays) -> FitOutcome:
        if isinstance(sample, pd.DataFrame):
            y, X = logit_design(sample, PREDICTORS)
            sample = LogitArrays(X[list(COLUMNS)].to_numpy(float), y.to_numpy(float))
        X, y = sample
        j = COLUMNS.index(self.term)
        varies = X.max(axis=0) != X.min(axis=0)
        if not varies[j]:
            raise FitFailure(f"no variation in {self.term}")
        varies[-1] = True                                  # the constant
        X, names, flags = X[:, varies], [c for c, v in zip(COLUMNS, varies) if v], _FLAG_COLUMNS[varies]
        k = names.index(self.term)
        start = None if self.start is None else np.asarray(self.start, float)[varies]
        ml = ml_logit(X, y, flags, names, start, term=k)
        if not ml.trouble:
            return FitOutcome(_wald_p(ml.beta[k] / ml.se[k]), float(ml.beta[k]), "maximum likelihood")
        trouble = ml.trouble
        if self.separated == "fail":
            raise FitFailure(trouble)
        # From zero, as firth_logit starts: near separation the penalized likelihood is flat
        # enough that another start can stop elsewhere within the tolerance.
        beta, se = firth_estimate(X, y)
        method = ("Firth (separated sample)" if trouble.startswith("separation")
                  else "Firth (no ML convergence)")
        return FitOutcome(_wald_p(beta[k] / se[k]), float(beta[k]), method)


@dataclass(frozen=True)
class Design:
    """One power question: which effect, in which model, drawn how, fitted how."""

    key: str
    label: str
    term: str
    effect: float          # the true log-odds or log-hazard ratio of the simulations
    ratio: str             # 'odds ratio' or 'hazard ratio'
    published_n: int
    source: str            # 'published' or 'fitted'
    draw: Callable
    fit: Callable
    unit: str = "cases"

    @property
    def effect_ratio(self) -> float:
        return float(np.exp(self.effect))


EFFECT_SOURCES = ("published", "fitted")


def published_logit(model: str) -> dict:
    """Table 1 coefficients of one model ('all', 'closed', 'open') by Table 1 key."""
    table = published()["regressions"]["coefficients"]
    return {key: float(values[model][0]) for key, values in table.items()}


def fitted_logit(sample: pd.DataFrame, cases: pd.DataFrame, model: str) -> dict:
    """Table 1 coefficients of one model refitted on the data (the paper's choices)."""
    frame = model_frame(regression_frame(sample, cases), model)
    res = fit_logit(frame, on_separation="raise", name=f"{model} regimes (effect_source=fitted)")
    return {key: float(v) for key, v in res.params.items()}


REGRESSION_DESIGNS = {  # key: (model, term, label)
    "upr_open": ("open", "upcoming_upr", "Upcoming UPR, open regimes"),
    "business_all": ("all", "business_involved", "Business involved, all regimes"),
}


def regression_design(key: str, effect_source: str = "published", separated: str = "firth",
                      sample: pd.DataFrame | None = None, cases: pd.DataFrame | None = None,
                      pool: int = POOL_SIZE, pool_seed: int = 0) -> Design:
    """A Table 1 logit design ('upr_open', 'business_all'): every coefficient, not only the
    effect of interest, comes from the published model or from the model fitted on the
    `sample` and `cases` tables. Studies draw their cases from a population of `pool`
    simulated cases (drawn from `pool_seed`); pool=0 draws fresh cases for every study."""
    if key not in REGRESSION_DESIGNS:
        raise KeyError(f"regression design {key!r}: expected one of {sorted(REGRESSION_DESIGNS)}")
    if effect_source not in EFFECT_SOURCES:
        raise ValueError(f"effect_source={effect_source!r}: expected one of {EFFECT_SOURCES}")
    model, term, label = REGRESSION_DESIGNS[key]
    if effect_source == "published":
        coefs = published_logit(model)
    else:
        if sample is None or cases is None:
            raise ValueError("effect_source='fitted' needs the sample and cases tables")
        coefs = fitted_logit(sample, cases, model)
    n = int(published()["regressions"]["models"][model]["n"])
    return Design(key=key, label=label, term=term, effect=coefs[term], ratio="odds ratio",
                  published_n=n, source=effect_source, draw=LogitSample(model, coefs, pool, pool_seed),
                  fit=LogitTest(term, separated, tuple(coefs[k] for k in COLUMNS)))


# --------------------------------------------------------------------- Free the 20 (Cox)

GROWTH = ("proportional", "controls")


class CoxArrays(NamedTuple):
    """One simulated Free the 20 sample as arrays: time, release (0/1), featured (0/1)."""

    duration: np.ndarray
    released: np.ndarray
    treated: np.ndarray


@dataclass(frozen=True)
class CoxSample:
    """Draws n women by bootstrapping the observed Urgent Action women, with new release times.

    Each drawn woman keeps her covariates and her potential follow-up (months from her
    arrest to the end of follow-up); her time to release is drawn from a proportional
    hazards model with a Weibull baseline (scale, shape: fitted to the control women)
    and log hazard ratio `log_hr` for the featured. growth='proportional' keeps the
    observed share of featured women as n changes; 'controls' keeps their number and
    adds or removes control women only (a campaign that features the same number).
    arrays=True returns `CoxArrays` (what the Cox test needs; no frame per study).
    """

    pool: pd.DataFrame
    log_hr: float
    scale: float
    shape: float
    growth: str = "proportional"
    arrays: bool = False

    def __call__(self, rng: np.random.Generator, n: int) -> pd.DataFrame | CoxArrays:
        is_treated = self.pool["freethe20"].to_numpy() == 1
        treated, controls = np.flatnonzero(is_treated), np.flatnonzero(~is_treated)
        if self.growth == "proportional":
            n_t = int(round(n * len(treated) / len(self.pool)))
        else:
            n_t = len(treated)
        n_t = min(max(n_t, 2), n - 2)
        rows = np.concatenate([treated[rng.integers(0, len(treated), n_t)],
                               controls[rng.integers(0, len(controls), n - n_t)]])
        x = is_treated[rows].astype(float)
        # Weibull proportional hazards: H(t | x) = (t / scale)^shape · exp(lp)
        release = self.scale * (rng.exponential(size=n) * np.exp(-self.log_hr * x)) ** (1 / self.shape)
        follow_up = self.pool["follow_up"].to_numpy(float)[rows]
        released, duration = (release <= follow_up).astype(int), np.minimum(release, follow_up)
        if self.arrays:
            return CoxArrays(duration, released, x)
        frame = self.pool.iloc[rows].reset_index(drop=True)
        frame["released"] = released
        frame["duration"] = duration
        return frame


@dataclass(frozen=True)
class CoxTest:
    """Fits Cox model 1 of the study (featured against not, Efron ties) and reports the Wald
    test of the Free the 20 coefficient. A sample without releases among the featured or the
    controls, or a fit that does not converge, is a failed fit.

    Release times are continuous draws, so two releases tie only by accident; without
    tied releases the Efron, Breslow and exact partial likelihoods coincide, and the fit
    is a Newton iteration on the prepared arrays (`cox_fit`, checked against lifelines
    in the tests). A sample with tied releases goes to lifelines' CoxPHFitter (Efron).
    Takes `CoxArrays` or a frame.
    """

    term: str = "freethe20"

    def __call__(self, sample: pd.DataFrame | CoxArrays) -> FitOutcome:
        if isinstance(sample, pd.DataFrame):
            sample = CoxArrays(sample["duration"].to_numpy(float), sample["released"].to_numpy(int),
                               sample[self.term].to_numpy(float))
        duration, released, x = sample
        for value in (0, 1):
            if not released[x == value].any():
                raise FitFailure(f"no release among women with {self.term} = {value}")
        events = duration[released == 1]
        if len(np.unique(events)) < len(events):
            return self._lifelines(sample)
        beta, se = cox_fit(duration, released, x[:, None])
        z = beta[0] / se[0]
        return FitOutcome(float(2 * norm.sf(abs(z))), float(beta[0]), "Cox (Efron ties)")

    def _lifelines(self, sample: CoxArrays) -> FitOutcome:
        from lifelines import CoxPHFitter
        from lifelines.exceptions import ConvergenceWarning as LifelinesConvergence
        frame = pd.DataFrame({"duration": sample.duration, "released": sample.released,
                              self.term: sample.treated})
        with warnings.catch_warnings(record=True) as caught:
            # Overflow on the way to a monotone likelihood ends in lifelines' own
            # ConvergenceError (a failed fit); the numpy warnings before it are noise.
            warnings.simplefilter("always")
            fitter = CoxPHFitter().fit(frame, "duration", "released")
        trouble = [w for w in caught if issubclass(w.category, LifelinesConvergence)]
        if trouble:
            raise FitFailure(f"Cox fit did not converge: {trouble[0].message}")
        row = fitter.summary.loc[self.term]
        return FitOutcome(float(row["p"]), float(row["coef"]), "Cox (Efron ties)")


def cox_fit(duration: np.ndarray, event: np.ndarray, X: np.ndarray, tol: float = 1e-9,
            max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Cox partial-likelihood estimate and standard errors on arrays (`cox_newton`: Newton's
    method on sorted risk sets, Efron ties). Raises FitFailure when the sample is not
    plainly well behaved (no convergence, an estimate running off to infinity)."""
    try:
        fit = cox_newton.cox_newton(cox_newton.risk_sets(duration, event, X), tol=tol,
                                    max_iter=max_iter)
    except cox_newton.CoxNewtonFailure as err:
        raise FitFailure(f"Cox fit did not converge: {err}") from None
    return fit.beta, fit.se


def follow_up_months(urgent_actions: pd.DataFrame, frame: pd.DataFrame, horizon_months: float
                     ) -> np.ndarray:
    """Per woman of `frame`: months from her arrest to the end of follow-up (horizon after launch)."""
    end = launch_date() + pd.Timedelta(days=horizon_months * DAYS_PER_MONTH)
    arrest = frame["woman_id"].map(urgent_actions.set_index("woman_id")["arrest_date"])
    return ((end - arrest).dt.total_seconds() / 86400 / DAYS_PER_MONTH).to_numpy(float)


def freethe20_design(urgent_actions: pd.DataFrame, effect_source: str = "published",
                     growth: str = "proportional", horizon_months: float = 36) -> Design:
    """Cox model 1 of Myrick & Weinstein (2018): featured against Urgent Action women.

    The log hazard ratio is the published model 1 coefficient or the one fitted on the
    data; the baseline (Weibull) is fitted to the control women's observed times, since
    the study publishes none.
    """
    from lifelines import WeibullFitter
    if effect_source not in EFFECT_SOURCES:
        raise ValueError(f"effect_source={effect_source!r}: expected one of {EFFECT_SOURCES}")
    if growth not in GROWTH:
        raise ValueError(f"growth={growth!r}: expected one of {GROWTH}")
    frame = urgent_action_frame(urgent_actions, horizon_months=horizon_months)
    frame = frame.assign(follow_up=follow_up_months(urgent_actions, frame, horizon_months))
    cox = published()["freethe20"]["cox_models"]
    if effect_source == "published":
        log_hr = float(cox["freethe20"][0][0])
    else:
        log_hr = float(fit_cox_models(frame, models={1: ("freethe20",)})[1].fitter.params_["freethe20"])
    controls = frame[frame["freethe20"] == 0]
    baseline = WeibullFitter().fit(controls["duration"], controls["released"])
    draw = CoxSample(pool=frame.reset_index(drop=True), log_hr=log_hr,
                     scale=float(baseline.lambda_), shape=float(baseline.rho_), growth=growth,
                     arrays=True)
    return Design(key="freethe20", label="Free the 20, Cox model 1", term="freethe20",
                  effect=log_hr, ratio="hazard ratio", published_n=int(cox["observations"][0]),
                  source=effect_source, draw=draw, fit=CoxTest(), unit="women")


# ------------------------------------------------------------------------- type M error

def exaggeration(runs: pd.DataFrame, n: int, effect: float) -> float:
    """Mean |estimate| of the significant fits at n over the true |effect| (Gelman & Carlin's
    'type M' error): how much a study of this size that finds the effect overstates it."""
    hits = runs[(runs["n"] == n) & runs["rejected"]]
    if hits.empty or effect == 0:
        return np.nan
    return float(hits["estimate"].abs().mean() / abs(effect))


# ------------------------------------------------------------------ Monte Carlo errors
# The unit of `casework verify`'s tolerance for the simulated quantities 07_power records.

def target_mcse(target: TargetSize, confidence: float) -> float:
    """Monte Carlo SE of the n at which power reaches the target: its interval (where the
    Wilson bounds reach the target) spans about 2 z standard errors. NaN outside the grid."""
    if not np.isfinite(target.low) or not np.isfinite(target.high):
        return np.nan
    return float((target.high - target.low) / (2 * norm.ppf(0.5 + confidence / 2)))


def exaggeration_mcse(runs: pd.DataFrame, n: int, effect: float) -> float:
    """Monte Carlo SE of `exaggeration`: the SE of the mean |estimate| of the significant fits."""
    hits = runs[(runs["n"] == n) & runs["rejected"]]
    if len(hits) < 2 or effect == 0:
        return np.nan
    return float(hits["estimate"].abs().std(ddof=1) / math.sqrt(len(hits)) / abs(effect))


def count_mcse(count: int, total: int) -> float:
    """Monte Carlo SE of how many of `total` simulated studies had some property (binomial)."""
    return float(math.sqrt(count * (1 - count / total))) if total else np.nan


def se_mcse(se: float, sims: int) -> float:
    """Monte Carlo SE of an estimated Monte Carlo SE, about se / sqrt(2 sims)."""
    return float(se / math.sqrt(2 * sims)) if sims else np.nan
