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


def _wald(est: float, se: float, confidence: float) -> tuple[float, float, float]:
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = 2 * stats.norm.sf(abs(est / se)) if se > 0 and math.isfinite(se) else math.nan
    return est - z * se, est + z * se, p


def logit_rows(frames: dict, confidence: float = 0.95) -> list[dict]:
    """Table 1 logits of one data set: ML (separated terms not finite) and Firth (Wald)."""
    from ..data.frames.improvement import regression_frame
    from .firth import firth_logit
    from .logit import MODELS, design, fit_logit, model_frame
    frame = regression_frame(frames["sample"], frames["cases"])
    rows = []
    for model in MODELS:
        sub = model_frame(frame, model)
        try:
            res = fit_logit(sub, on_separation="flag", name=model)
            infinite = set(res.separation.variables)
            separated, failed = bool(res.separation.separated), False
        except Exception as err:    # noqa: BLE001 - a failed fit is a result here, counted
            res, infinite, separated, failed = None, set(), False, f"{type(err).__name__}"
        y, X = design(sub)
        firth = firth_logit(y, X, confidence=confidence, profile=False)
        for term in X.columns:
            name = "constant" if term == "constant" else term
            for estimator, est, se in (
                    ("ML", *((res.params[term], res.bse[term]) if res is not None else (np.nan, np.nan))),
                    ("Firth", firth.params[term], firth.bse[term])):
                finite = not (estimator == "ML" and (term in infinite or res is None))
                est, se = (float(est), float(se)) if finite else (math.nan, math.nan)
                low, high, p = _wald(est, se, confidence) if finite else (math.nan,) * 3
                rows.append({"analysis": LOGIT, "model": model, "term": name, "estimator": estimator,
                             "estimate": est, "se": se, "low": low, "high": high, "p": p,
                             "separated": separated and estimator == "ML",
                             "failed": bool(failed) and estimator == "ML"})
    return rows


def delayed_entry(urgent_actions: pd.DataFrame) -> np.ndarray:
    """Months from arrest to the launch for featured eligible women (0 for the others):
    a featured woman was selected for being held at the launch, so she is at risk in
    the study's sense only from then on (left truncation)."""
    from ..data.frames.survival import DAYS_PER_MONTH, days, launch_date
    ua = urgent_actions[urgent_actions.eligible.astype(bool)]
    entry = (days(launch_date() - ua.arrest_date) / DAYS_PER_MONTH).to_numpy(dtype=float)
    return np.where(ua.featured.astype(bool).to_numpy(), np.maximum(entry, 0.0), 0.0)


def _fit_cox(frame: pd.DataFrame, number: int, covs, confidence: float, entry: bool):
    from lifelines import CoxPHFitter
    from .survival import fit_cox_models
    if not entry:
        return fit_cox_models(frame, confidence, {number: covs})[number].fitter
    data = frame.dropna(subset=[c for c in frame.columns if c in covs])
    data = data[[*covs, "duration", "released", "entry"]].reset_index(drop=True)
    return CoxPHFitter(alpha=1 - confidence).fit(data, "duration", "released", entry_col="entry")


def cox_rows(frames: dict, confidence: float = 0.95) -> list[dict]:
    """The four Cox models of one data set (Efron ties, as the notebook fits them), and
    model 4 again with delayed entry for the featured women."""
    from ..data.frames.survival import urgent_action_frame
    from .survival import COX_MODELS
    frame = urgent_action_frame(frames["urgent_actions"])
    frame["entry"] = delayed_entry(frames["urgent_actions"])
    # Models 2-4 share the women with every concern flag (as fit_cox_models does).
    complete = frame.dropna(subset=list(COX_MODELS[2][1:]))
    fits = [(n, covs, "Cox (Efron)", False) for n, covs in COX_MODELS.items()]
    fits.append((4, COX_MODELS[4], "Cox, delayed entry", True))
    rows = []
    for number, covs, estimator, entry in fits:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = _fit_cox(frame if number == 1 else complete, number, covs, confidence, entry)
            # A term whose SE explodes (no release in the reference region) is not estimable.
            failed = not np.all(np.isfinite(m.standard_errors_)) or bool((m.standard_errors_ > 50).any())
        except Exception:           # noqa: BLE001 - a failed fit is counted, not fatal
            m, failed = None, True
        for term in covs:
            est = float(m.params_[term]) if m is not None and not failed else math.nan
            se = float(m.standard_errors_[term]) if m is not None and not failed else math.nan
            low, high, p = _wald(est, se, confidence) if not failed else (math.nan,) * 3
            rows.append({"analysis": COX, "model": str(number), "term": term, "estimator": estimator,
                         "estimate": est, "se": se, "low": low, "high": high, "p": p,
                         "separated": False, "failed": failed})
    return rows


def logrank_rows(frames: dict) -> list[dict]:
    """The short-vs-long-list log-rank test of one data set (time from the launch)."""
    from ..data.frames.survival import long_list_frame
    from .survival import logrank
    p = float(logrank(long_list_frame(frames["freethe20"])).p_value)
    return [{"analysis": LOGRANK, "model": "Fig. 1", "term": "featured", "estimator": "log-rank",
             "estimate": math.nan, "se": math.nan, "low": math.nan, "high": math.nan, "p": p,
             "separated": False, "failed": not math.isfinite(p)}]


def conditions_met(frames: dict) -> dict[str, bool]:
    """Would this data set have passed each declared condition of `casework simulate`?"""
    from ..data.frames.survival import urgent_action_frame
    from ..data.simulate.impact import separated_flags
    from ..data.frames.improvement import IMPROVED
    sample = frames["sample"]
    sub = sample[sample["assessed"].fillna(False).astype(bool)].reset_index(drop=True)
    improved = sub["development"].isin(IMPROVED).to_numpy()
    ua = urgent_action_frame(frames["urgent_actions"])
    return {"estimable_improvement": not separated_flags(sub, improved),
            "reference_release": bool(ua.loc[ua.region == "Other", "released"].sum() > 0)}


def replicate(seed: int, index: int, conditions: tuple[str, ...] = (),
              confidence: float = 0.95) -> pd.DataFrame:
    """Estimates of every model on replication `index` of `seed` (one row per estimate)."""
    from ..data.simulate import simulate_domains
    frames = simulate_domains(replication_seed(seed, index), conditions, caseload=_caseload(seed))
    rows = logit_rows(frames, confidence) + cox_rows(frames, confidence) + logrank_rows(frames)
    out = pd.DataFrame(rows)
    out.insert(0, "rep", int(index))
    for name, met in conditions_met(frames).items():
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
