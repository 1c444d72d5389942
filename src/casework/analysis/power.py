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
not depend on the sample-size grid, on chunking or on the number of processes.

The three designs of the working papers are built by `regression_design` (Table 1
logits: the upcoming UPR in open regimes, business involvement in all regimes) and
`freethe20_design` (Myrick & Weinstein 2018, Cox model 1).
"""
from __future__ import annotations

import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.optimize import isotonic_regression
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tools.sm_exceptions import (ConvergenceWarning, HessianInversionWarning,
                                             PerfectSeparationWarning)

from ..data.frames.improvement import CONSTANT, PREDICTORS, TABLE1, regression_frame
from ..data.frames.survival import DAYS_PER_MONTH, launch_date, urgent_action_frame
from ..data.simulate.impact import draw_regression_sample
from ..published import published
from .firth import firth_logit
from .logit import design as logit_design
from .logit import fit_logit, model_frame
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
                   jobs: int = 1, stream: int = 0, failures: tuple = FIT_FAILURES) -> PowerResult:
    """Simulated power of the test `fit` reports, at each sample size in `sizes`.

    draw(rng, n) returns one simulated data set of n cases; fit(frame) returns a
    FitOutcome (or a (p_value, estimate[, method]) tuple). A fit raising one of
    `failures` is a failed fit: counted, with its reason, and under failed='miss'
    scored as no rejection (a study that could not estimate its model reports no
    effect), under 'drop' left out of the denominator. jobs > 1 spreads the samples
    over that many processes (draw and fit must then be picklable: module-level
    functions or instances of module-level classes); the result is identical.
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

    if jobs == 1:
        rows = [r for n in sizes for r in _chunk(draw, fit, seed, stream, n, range(n_sims), failures)]
    else:
        # A few chunks per worker and size keeps both cores busy to the end.
        step = max(1, -(-n_sims // (4 * jobs)))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_chunk, draw, fit, seed, stream, n,
                                   range(start, min(start + step, n_sims)), failures)
                       for n in sizes for start in range(0, n_sims, step)]
            rows = [r for f in futures for r in f.result()]
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
    """Reasons without sample-specific numbers, so that alike failures count together."""
    return reasons.str.replace(r"\(.*", "", regex=True).str.strip()


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


@dataclass(frozen=True)
class LogitSample:
    """Draws n cases like the study's: Table 1 covariates from the impact simulator's
    `draw_regression_sample` (regime 'open', 'closed' or 'all'), improvement from the
    logit with `coefficients` (Table 1 keys and 'constant').

    The outcome is drawn as independent Bernoulli trials from these coefficients (as
    the simulator draws it), so the number improved varies with its binomial variance.
    """

    regime: str
    coefficients: dict

    def __call__(self, rng: np.random.Generator, n: int) -> pd.DataFrame:
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
    y = frame[outcome].to_numpy(float)
    out = []
    for f in flags:
        x = frame[f].to_numpy(float)
        for group in (x == 1, x == 0):
            if group.any() and np.ptp(y[group]) == 0:
                out.append(f)
                break
    return out


@dataclass(frozen=True)
class LogitTest:
    """Fits the Table 1 logit (all 14 predictors) and reports the Wald test of `term`.

    Maximum likelihood as in the paper. A predictor other than `term` without variation
    in the sample is left out (as `regression.fit_models` does). When maximum likelihood
    has no finite estimate (separation by a rare flag, non-convergence), separated='firth'
    refits with Firth's penalized likelihood (`firth.firth_logit`, Wald p) and reports the
    method; separated='fail' makes it a failed fit. No variation in `term` always fails.

    (`regression.fit_logit` checks separation with a linear program before every fit;
    at about 0.1 s per fit that would dominate a simulation of thousands of fits, so the
    same statsmodels fit is run here with a cheap screen and its convergence warnings.)
    """

    term: str
    separated: str = "firth"

    def __call__(self, frame: pd.DataFrame) -> FitOutcome:
        if frame[self.term].nunique() < 2:
            raise FitFailure(f"no variation in {self.term}")
        used = [c for c in PREDICTORS if c == self.term or frame[c].nunique() > 1]
        y, X = logit_design(frame, used)
        flags = separating_flags(frame, [f for f in BINARY_FLAGS if f in used])
        trouble = f"separation by {', '.join(flags)}" if flags else ""
        if not flags:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    res = sm.Logit(y, X).fit(disp=0, maxiter=100)
                except (np.linalg.LinAlgError, ValueError) as err:
                    res, trouble = None, f"maximum likelihood failed: {type(err).__name__}"
            bad = [w for w in caught if issubclass(w.category, (ConvergenceWarning, RuntimeWarning,
                                                                PerfectSeparationWarning,
                                                                HessianInversionWarning))]
            if res is not None and not bad and np.isfinite(res.bse[self.term]):
                return FitOutcome(float(res.pvalues[self.term]), float(res.params[self.term]),
                                  "maximum likelihood")
            trouble = trouble or "maximum likelihood did not converge"
        if self.separated == "fail":
            raise FitFailure(trouble)
        res = firth_logit(y, X, profile=False)
        return FitOutcome(float(res.pvalues[self.term]), float(res.params[self.term]),
                          "Firth (separated sample)")


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
                      sample: pd.DataFrame | None = None, cases: pd.DataFrame | None = None) -> Design:
    """A Table 1 logit design ('upr_open', 'business_all'): every coefficient, not only the
    effect of interest, comes from the published model or from the model fitted on the
    `sample` and `cases` tables."""
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
                  published_n=n, source=effect_source, draw=LogitSample(model, coefs),
                  fit=LogitTest(term, separated))


# --------------------------------------------------------------------- Free the 20 (Cox)

GROWTH = ("proportional", "controls")


@dataclass(frozen=True)
class CoxSample:
    """Draws n women by bootstrapping the observed Urgent Action women, with new release times.

    Each drawn woman keeps her covariates and her potential follow-up (months from her
    arrest to the end of follow-up); her time to release is drawn from a proportional
    hazards model with a Weibull baseline (scale, shape: fitted to the control women)
    and log hazard ratio `log_hr` for the featured. growth='proportional' keeps the
    observed share of featured women as n changes; 'controls' keeps their number and
    adds or removes control women only (a campaign that features the same number).
    """

    pool: pd.DataFrame
    log_hr: float
    scale: float
    shape: float
    growth: str = "proportional"

    def __call__(self, rng: np.random.Generator, n: int) -> pd.DataFrame:
        treated = self.pool[self.pool["freethe20"] == 1]
        controls = self.pool[self.pool["freethe20"] == 0]
        if self.growth == "proportional":
            n_t = int(round(n * len(treated) / len(self.pool)))
        else:
            n_t = len(treated)
        n_t = min(max(n_t, 2), n - 2)
        rows = pd.concat([treated.iloc[rng.integers(0, len(treated), n_t)],
                          controls.iloc[rng.integers(0, len(controls), n - n_t)]], ignore_index=True)
        lp = self.log_hr * rows["freethe20"].to_numpy(float)
        # Weibull proportional hazards: H(t | x) = (t / scale)^shape · exp(lp)
        release = self.scale * (rng.exponential(size=n) * np.exp(-lp)) ** (1 / self.shape)
        follow_up = rows["follow_up"].to_numpy(float)
        rows["released"] = (release <= follow_up).astype(int)
        rows["duration"] = np.minimum(release, follow_up)
        return rows


@dataclass(frozen=True)
class CoxTest:
    """Fits Cox model 1 of the study (`survival.fit_cox_models`) and reports the Wald test
    of the Free the 20 coefficient. A sample without releases among the featured or the
    controls, or a fit lifelines warns did not converge, is a failed fit."""

    term: str = "freethe20"

    def __call__(self, frame: pd.DataFrame) -> FitOutcome:
        for value in (0, 1):
            if not frame.loc[frame[self.term] == value, "released"].any():
                raise FitFailure(f"no release among women with {self.term} = {value}")
        from lifelines.exceptions import ConvergenceWarning as LifelinesConvergence
        with warnings.catch_warnings(record=True) as caught:
            # Overflow on the way to a monotone likelihood ends in lifelines' own
            # ConvergenceError (a failed fit); the numpy warnings before it are noise.
            warnings.simplefilter("always")
            fitted = fit_cox_models(frame, models={1: (self.term,)})[1]
        trouble = [w for w in caught if issubclass(w.category, LifelinesConvergence)]
        if trouble:
            raise FitFailure(f"Cox fit did not converge: {trouble[0].message}")
        row = fitted.fitter.summary.loc[self.term]
        return FitOutcome(float(row["p"]), float(row["coef"]), "Cox (Efron ties)")


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
                     scale=float(baseline.lambda_), shape=float(baseline.rho_), growth=growth)
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
