"""Recovery study: do the studies' estimators find the truth that generated the data?

Draws `reps` synthetic data sets from the declared generator (`casework simulate`),
fits every model of the studies to each (the three Table 1 logits of Spannagel 2019,
by maximum likelihood and by Firth's penalized likelihood; the four Cox models and
the log-rank test of Myrick & Weinstein 2018) and compares the estimates with the
generating values recorded in the data package (`casework.data.truths`).

One replication is a pure function of (seed, index): its random stream is the
SeedSequence child (seed; STREAM, index), so replications can run in any order, on
any engine. `run_recovery` takes a `map`-like callable (default: the builtin `map`;
a process pool's or Dask's map plugs in). The caseload table (the pool the impact
sample is drawn from) is drawn once per seed; everything else is drawn anew in each
replication.
"""
from __future__ import annotations

import functools
import math
import warnings
from typing import Callable, Iterable

import numpy as np
import pandas as pd
from scipy import stats

from . import cox_newton
from .power import ml_logit

STREAM = 11          # the recovery study's stream of seeds (apart from the power study's)
LOGIT, COX, LOGRANK = "improvement_logit", "release_cox", "long_list_logrank"


def replication_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The seed of replication `index`: a SeedSequence child keyed by (STREAM, index)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(STREAM, int(index)))


@functools.lru_cache(maxsize=2)
def _caseload(seed: int):
    from ..data.simulate.caseload import simulate_caseload
    rng = np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(STREAM,)))
    return simulate_caseload(rng)


def _rows(analysis: str, model: str, terms, estimator: str, beta, se, confidence: float,
          separated: bool = False, failed=()) -> list[dict]:
    """One row per term: estimate, SE, Wald interval and p (NaN where not estimable)."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    out = []
    for j, term in enumerate(terms):
        est, s = float(beta[j]), float(se[j])
        ok = math.isfinite(est) and math.isfinite(s) and s > 0
        out.append({"analysis": analysis, "model": model, "term": term, "estimator": estimator,
                    "estimate": est if ok else math.nan, "se": s if ok else math.nan,
                    "low": est - z * s if ok else math.nan, "high": est + z * s if ok else math.nan,
                    "p": math.erfc(abs(est / s) / math.sqrt(2.0)) if ok else math.nan,
                    "separated": bool(separated), "failed": bool(term in failed or (not ok and not separated))})
    return out


def logit_rows(frames: dict, confidence: float = 0.95) -> list[dict]:
    """Table 1 logits of one data set, by maximum likelihood and by Firth (Wald intervals).

    Fitted on arrays, as the power study fits them (`power.ml_logit`: Newton's method from
    the published coefficients, statsmodels whenever a sample is not plainly well behaved;
    `firth.firth_estimate`). A model whose sample is separated has no finite ML estimate:
    its ML rows are NaN and flagged `separated` (the analysis page then shows Firth
    beside it). A predictor without variation in a replication is left out of that fit
    and its rows count as failed.
    """
    from ..data.frames.improvement import regression_frame
    from .firth import firth_estimate
    from .logit import MODELS, design, model_frame
    from .power import BINARY_FLAGS, published_logit
    frame = regression_frame(frames["sample"], frames["cases"])
    rows = []
    for model in MODELS:
        y, X = design(model_frame(frame, model))
        names = list(X.columns)
        terms = ["constant" if t == "constant" else t for t in names]
        A, y = X.to_numpy(float), y.to_numpy(float)
        varies = A.max(axis=0) != A.min(axis=0)
        varies[names.index("constant")] = True
        flat = {t for t, v in zip(terms, varies) if not v}
        A, kept = A[:, varies], [t for t, v in zip(names, varies) if v]
        flags = np.array([t in BINARY_FLAGS for t in kept])
        start = np.array([published_logit(model)[t] for t in kept])
        ml = ml_logit(A, y, flags, kept, start)
        separated = ml.trouble.startswith("separation")
        try:
            firth = firth_estimate(A, y)
        except (RuntimeError, np.linalg.LinAlgError):
            firth = (np.full(len(kept), np.nan),) * 2
        for estimator, fit, sep in (("ML", (ml.beta, ml.se) if not ml.trouble else None, separated),
                                    ("Firth", firth, False)):
            beta, se = (np.full(len(terms), np.nan) for _ in range(2))
            if fit is not None:
                beta[varies], se[varies] = fit
            rows += _rows(LOGIT, model, terms, estimator, beta, se, confidence, sep, flat)
    return rows


def delayed_entry(urgent_actions: pd.DataFrame) -> np.ndarray:
    """Months from arrest to the launch for featured eligible women (0 for the others):
    a featured woman was selected for being held at the launch, so she is at risk in
    the study's sense only from then on (left truncation)."""
    from ..data.frames.survival import DAYS_PER_MONTH, days, launch_date
    ua = urgent_actions[urgent_actions.eligible.astype(bool)]
    entry = (days(launch_date() - ua.arrest_date) / DAYS_PER_MONTH).to_numpy(dtype=float)
    return np.where(ua.featured.astype(bool).to_numpy(), np.maximum(entry, 0.0), 0.0)


MAX_SE = 50.0   # a log hazard ratio with a larger SE is not estimable (e.g. no release in a region)
TIME_SCALES = {"arrest": "Cox (Efron)", "delayed_entry": "Cox, delayed entry"}


def cox_estimates(data: pd.DataFrame, covs, start=None, entry: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Efron Cox fit of `data` (duration, released, covs[, entry]): estimates and SEs.

    On prepared arrays (`cox_newton`, from `start`); lifelines at R's precision
    (survival.FIT_OPTIONS) whenever the array fit cannot vouch for the sample. Raises
    when neither converges (the caller counts the fit as failed).
    """
    from lifelines import CoxPHFitter
    from .survival import FIT_OPTIONS
    try:
        rs = cox_newton.risk_sets(data.duration.to_numpy(float), data.released.to_numpy(),
                                  data[list(covs)].to_numpy(float),
                                  data.entry.to_numpy(float) if entry else None)
        fit = cox_newton.cox_newton(rs, start)
        return fit.beta, fit.se
    except cox_newton.CoxNewtonFailure:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = CoxPHFitter().fit(data[[*covs, "duration", "released", *(["entry"] if entry else [])]],
                              "duration", "released", entry_col="entry" if entry else None,
                              fit_options=FIT_OPTIONS)
    return m.params_[list(covs)].to_numpy(float), m.standard_errors_[list(covs)].to_numpy(float)


def cox_rows(frames: dict, confidence: float = 0.95, start: dict | None = None,
             ua: pd.DataFrame | None = None) -> list[dict]:
    """The four Cox models of one data set (Efron ties, time from arrest, as the study fits
    them), and model 4 again with delayed entry at the launch for the featured women.

    Samples as the analysis page takes them (survival.fit_cox_models: models 2-4 on the
    women with every concern flag; fit_delayed_entry: less any woman whose follow-up ends
    before she enters). start: coefficients to start model 4 from (e.g. the truth);
    ua: the data set's `urgent_action_frame`, when already built.
    A fit that does not converge, or a term with a standard error above MAX_SE (no
    release in the reference region, say), is not estimable: its rows count as failed.
    """
    from ..data.frames.survival import CONCERNS, urgent_action_frame
    from .survival import COX_MODELS
    frame = (urgent_action_frame(frames["urgent_actions"]) if ua is None else ua).copy()
    frame["entry"] = delayed_entry(frames["urgent_actions"])
    complete = frame.dropna(subset=list(CONCERNS))
    fits = [(str(n), covs, TIME_SCALES["arrest"], frame if n == 1 else complete, False)
            for n, covs in COX_MODELS.items()]
    fits.append(("4", COX_MODELS[4], TIME_SCALES["delayed_entry"],
                 complete[complete.duration > complete.entry], True))
    rows = []
    for model, covs, estimator, data, entry in fits:
        begin = np.array([start[c] for c in covs]) if start and model == "4" else None
        try:
            beta, se = cox_estimates(data, covs, begin, entry)
            if not np.all(np.isfinite(se)) or (se > MAX_SE).any():
                raise ValueError("a term is not estimable")
        except (ValueError, RuntimeError, ArithmeticError, np.linalg.LinAlgError):
            beta = se = np.full(len(covs), np.nan)
        rows += _rows(COX, model, list(covs), estimator, beta, se, confidence)
    return rows


def logrank_rows(frames: dict) -> list[dict]:
    """The short-vs-long-list log-rank test of one data set (time from the launch, Fig. 1)."""
    from statsmodels.duration.survfunc import survdiff
    from ..data.frames.survival import long_list_frame
    # statsmodels' log-rank test: survival.logrank's (lifelines) to 1e-12, at a
    # hundredth of its cost per call (tests/test_recovery.py compares them).
    frame = long_list_frame(frames["freethe20"])
    p = float(survdiff(frame.duration.to_numpy(float), frame.released.to_numpy(int),
                       frame.featured.to_numpy())[1])
    return [{"analysis": LOGRANK, "model": "Fig. 1", "term": "featured", "estimator": "log-rank",
             "estimate": math.nan, "se": math.nan, "low": math.nan, "high": math.nan, "p": p,
             "separated": False, "failed": not math.isfinite(p)}]


def conditions_met(frames: dict, ua: pd.DataFrame | None = None) -> dict[str, bool]:
    """Would this data set have passed each declared condition of `casework simulate`?
    ua: its `urgent_action_frame`, when already built."""
    from ..data.frames.survival import urgent_action_frame
    from ..data.simulate.impact import separated_flags
    from ..data.frames.improvement import IMPROVED
    sample = frames["sample"]
    sub = sample[sample["assessed"].fillna(False).astype(bool)].reset_index(drop=True)
    improved = sub["development"].isin(IMPROVED).to_numpy()
    ua = urgent_action_frame(frames["urgent_actions"]) if ua is None else ua
    return {"estimable_improvement": not separated_flags(sub, improved),
            "reference_release": bool(ua.loc[ua.region == "Other", "released"].sum() > 0)}


@functools.lru_cache(maxsize=1)
def _cox_start() -> dict:
    """Where model 4's fits start: the generating coefficients (a good start saves steps)."""
    from ..data.truths import COX, declared_truths
    return declared_truths()[COX]["generates"]["4"]


def replicate(seed: int, index: int, conditions: tuple[str, ...] = (),
              confidence: float = 0.95) -> pd.DataFrame:
    """Estimates of every model on replication `index` of `seed` (one row per estimate)."""
    from ..data.simulate import simulate_domains
    frames = simulate_domains(replication_seed(seed, index), conditions, caseload=_caseload(seed))
    from ..data.frames.survival import urgent_action_frame
    ua = urgent_action_frame(frames["urgent_actions"])
    rows = (logit_rows(frames, confidence) + cox_rows(frames, confidence, _cox_start(), ua)
            + logrank_rows(frames))
    out = pd.DataFrame(rows)
    out.insert(0, "rep", int(index))
    for name, met in conditions_met(frames, ua).items():
        out[f"met_{name}"] = met
    return out


def _call(args) -> pd.DataFrame:
    fn, *rest = args
    return fn(*rest)


def run_recovery(reps: int, seed: int, conditions: Iterable[str] = (), confidence: float = 0.95,
                 mapper: Callable = map, replicate_fn: Callable = replicate) -> pd.DataFrame:
    """Every replication's estimates, stacked.

    mapper(f, iterable) runs them (default the builtin `map`; a process pool's or a Dask
    client's map works the same, since each replication depends on (seed, index) only).
    replicate_fn(seed, index, conditions, confidence) makes one replication's rows (a
    module-level function, so process pools can pickle it).
    """
    if reps < 1:
        raise ValueError(f"reps={reps}: expected at least 1 replication")
    conditions = tuple(sorted(conditions))
    args = [(replicate_fn, seed, i, conditions, confidence) for i in range(reps)]
    return pd.concat(list(mapper(_call, args)), ignore_index=True)


def attach_truths(runs: pd.DataFrame, truths: dict) -> pd.DataFrame:
    """`runs` with the generating value of each estimate (NaN where no model generates it)."""
    from ..data.truths import truth_table
    t = truth_table({"truths": truths})
    t = t[t.generated][["analysis", "model", "term", "truth"]]
    return runs.merge(t, on=["analysis", "model", "term"], how="left")


def summarise(runs: pd.DataFrame, alpha: float = 0.05, where: str | None = None) -> pd.DataFrame:
    """Per estimate: truth, mean estimate, bias/SE, SD/SE, coverage ± Monte Carlo error,
    share separated or failed, and how often its test rejects at `alpha`.

    runs: `attach_truths(run_recovery(...))`. where: keep only replications meeting this
    declared condition (e.g. 'estimable_improvement'), to measure what conditioning does.
    """
    if where is not None:
        runs = runs[runs[f"met_{where}"]]
    rows = []
    keys = ["analysis", "model", "term", "estimator"]
    for key, g in runs.groupby(keys, sort=False):
        ok = g[np.isfinite(g.estimate)]
        truth = float(g.truth.iloc[0]) if "truth" in g else math.nan
        cover = ((ok.low <= truth) & (truth <= ok.high)) if math.isfinite(truth) else pd.Series(dtype=bool)
        n_ok = len(ok)
        coverage = float(cover.mean()) if n_ok and math.isfinite(truth) else math.nan
        sd, mean_se = (float(ok.estimate.std(ddof=1)) if n_ok > 1 else math.nan,
                       float(ok.se.mean()) if n_ok else math.nan)
        bias = float(ok.estimate.mean()) - truth if n_ok else math.nan
        rows.append({**dict(zip(keys, key)), "reps": len(g), "finite": n_ok, "truth": truth,
                     "mean_estimate": float(ok.estimate.mean()) if n_ok else math.nan,
                     "bias": bias, "bias_se": bias / mean_se if mean_se else math.nan,
                     "sd": sd, "mean_se": mean_se, "sd_se": sd / mean_se if mean_se else math.nan,
                     "coverage": coverage,
                     "coverage_mc": math.sqrt(coverage * (1 - coverage) / n_ok)
                     if n_ok and math.isfinite(coverage) else math.nan,
                     "separated": float(g.separated.mean()), "failed": float(g.failed.mean()),
                     "rejects": float((g.p < alpha).mean())})
    return pd.DataFrame(rows)


def nominal_band(confidence: float, reps: int, z: float = 2.0) -> tuple[float, float]:
    """Coverage a correct interval shows in `reps` replications, ± z Monte Carlo SEs."""
    mc = math.sqrt(confidence * (1 - confidence) / reps)
    return confidence - z * mc, min(confidence + z * mc, 1.0)


def coverage_verdict(summary: pd.DataFrame, confidence: float, level: float = 0.05) -> pd.Series:
    """'recovered' / 'under-covers' / 'over-covers' / '' (no truth) per summary row.

    Exact two-sided binomial test of the row's coverage count against the nominal level
    at `level`: with few replications a coverage moves in steps of 1/reps, so a band of
    ±2 Monte Carlo SEs would flag correct intervals far more often than `level`.
    """
    out = []
    for r in summary.itertuples():
        if not math.isfinite(r.coverage) or r.finite == 0:
            out.append("")
            continue
        covered = int(round(r.coverage * r.finite))
        p = stats.binomtest(covered, int(r.finite), confidence).pvalue
        out.append("recovered" if p >= level
                   else ("under-covers" if r.coverage < confidence else "over-covers"))
    return pd.Series(out, index=summary.index, name="verdict")


def model_label(model) -> str:
    """A model's name as the analysis pages show it (Table 1 logits, Cox models 1-4)."""
    from .logit import MODEL_LABELS
    return MODEL_LABELS.get(model, f"Cox model {model}" if str(model).isdigit() else str(model))


def term_label(term) -> str:
    """A term's row label as pages 04 (logit terms) and 05 (Cox terms) show it."""
    from ..data.frames.improvement import LABELS as LOGIT_LABELS
    from .survival import LABELS as COX_LABELS
    return {**LOGIT_LABELS, **COX_LABELS}.get(term, term)
