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


def cox_rows(frames: dict, confidence: float = 0.95, start: dict | None = None,
             ua: pd.DataFrame | None = None) -> list[dict]:
    """The four Cox models of one data set (Efron ties, time from arrest, as the study fits
    them), and model 4 again with delayed entry at the launch for the featured women.

    Each fit on prepared arrays (`cox_newton.fit_frame`: Newton's method on sorted risk
    sets, lifelines whenever a sample is not plainly well behaved). Samples as the
    analysis page takes them (survival.fit_cox_models: models 2-4 on the
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
            beta, se = cox_newton.fit_frame(data, covs, begin, "entry" if entry else None)
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


CHUNK = 25   # replications per task: few enough tasks to keep the scheduling cost small


def _call(args) -> pd.DataFrame:
    fn, seed, indices, conditions = args
    return pd.concat([fn(seed, i, conditions) for i in indices], ignore_index=True)


def with_intervals(runs: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """`runs` with every Wald interval (low, high) at `confidence`: estimate ∓ z·se, z the
    normal quantile 0.5 + confidence/2, as _rows computes it (NaN where no estimate)."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    est, se = runs["estimate"].to_numpy(float), runs["se"].to_numpy(float)
    return runs.assign(low=est - z * se, high=est + z * se)


def run_recovery(reps: int, seed: int, conditions: Iterable[str] = (), confidence: float = 0.95,
                 mapper: Callable = map, replicate_fn: Callable = replicate) -> pd.DataFrame:
    """Every replication's estimates, stacked in replication order.

    mapper(f, iterable) runs them, CHUNK replications per call (default the builtin
    `map`; `casework.engine.engine_map` or a process pool's map works the same, since
    each replication depends on (seed, index) only). replicate_fn(seed, index,
    conditions) makes one replication's rows (a module-level function, so process pools
    can pickle it), with Wald intervals (estimate ∓ z·se).

    The fits do not depend on the confidence level: the replications are mapped without
    it and every interval is computed afterwards at `confidence` (with_intervals), so a
    rebuild at another level reads the replications back from the build's memo
    (casework.engine.memoized) instead of drawing and fitting them again.
    """
    if reps < 1:
        raise ValueError(f"reps={reps}: expected at least 1 replication")
    conditions = tuple(sorted(conditions))
    args = [(replicate_fn, seed, range(start, min(start + CHUNK, reps)), conditions)
            for start in range(0, reps, CHUNK)]
    return with_intervals(pd.concat(list(mapper(_call, args)), ignore_index=True), confidence)


def attach_truths(runs: pd.DataFrame, truths: dict) -> pd.DataFrame:
    """`runs` with the generating value of each estimate (NaN where no model generates it)."""
    from ..data.truths import truth_table
    t = truth_table({"truths": truths})
    t = t[t.generated][["analysis", "model", "term", "truth"]]
    return runs.merge(t, on=["analysis", "model", "term"], how="left")


def _ratio_mc(se: np.ndarray, estimates: np.ndarray) -> float:
    """Monte Carlo SE of mean(se) / sd(estimates) by the delta method (the two taken as
    independent): mean(se) has variance var(se)/n; sd has variance (m4 - sd^4)/(4 sd^2 n)."""
    n = len(estimates)
    if n < 3:
        return math.nan
    mean_se, sd = float(se.mean()), float(estimates.std(ddof=1))
    if not (mean_se > 0 and sd > 0):
        return math.nan
    m4 = float(np.mean((estimates - estimates.mean()) ** 4))
    rel_se = float(se.std(ddof=1)) / (math.sqrt(n) * mean_se)
    rel_sd = math.sqrt(max(m4 - sd ** 4, 0.0)) / (2 * sd ** 2 * math.sqrt(n))
    return (mean_se / sd) * math.hypot(rel_se, rel_sd)


def summarise(runs: pd.DataFrame, alpha: float = 0.05, confidence: float = 0.95,
              where: str | None = None) -> pd.DataFrame:
    """Per estimate, every Monte Carlo quantity with its Monte Carlo error.

    - coverage: share of the replications with a finite estimate whose interval covers
      the truth, with an exact (Clopper–Pearson) interval at `confidence` and its MC SE;
    - bias (mean estimate − truth) in units of the mean SE, `bias_se`, with MC SE
      sd/(√n · mean SE) (the mean SE taken as fixed);
    - SE calibration `se_ratio` = mean SE / SD of the estimates (1 when the standard
      errors are right; below 1: intervals too narrow), MC SE by the delta method;
    - `separated` (no finite ML estimate: the sample is separated) and `nonestimable`
      (no finite estimate, for any reason) as shares of all replications;
    - `rejects`: share of all replications whose test rejects at `alpha` (a fit that
      failed counts as no rejection), with its exact interval and MC SE.

    runs: `attach_truths(run_recovery(...))`. where: keep only replications meeting this
    declared condition (e.g. 'estimable_improvement'), to measure what conditioning does.
    """
    from .intervals import proportions
    if where is not None:
        runs = runs[runs[f"met_{where}"]]
    rows = []
    keys = ["analysis", "model", "term", "estimator"]
    for key, g in runs.groupby(keys, sort=False):
        ok = g[np.isfinite(g.estimate)]
        truth = float(g.truth.iloc[0]) if "truth" in g else math.nan
        n, reps = len(ok), len(g)
        est, se = ok.estimate.to_numpy(float), ok.se.to_numpy(float)
        sd = float(est.std(ddof=1)) if n > 1 else math.nan
        mean_se = float(se.mean()) if n else math.nan
        bias = float(est.mean()) - truth if n else math.nan
        row = {**dict(zip(keys, key)), "reps": reps, "finite": n, "truth": truth,
               "mean_estimate": float(est.mean()) if n else math.nan, "bias": bias,
               "bias_se": bias / mean_se if n and mean_se > 0 else math.nan,
               "bias_se_mc": sd / (math.sqrt(n) * mean_se) if n > 1 and mean_se > 0 else math.nan,
               "sd": sd, "mean_se": mean_se,
               "se_ratio": mean_se / sd if n > 1 and sd > 0 else math.nan,
               "se_ratio_mc": _ratio_mc(se, est),
               "separated": float(g.separated.mean()), "failed": float(g.failed.mean()),
               "nonestimable": 1 - n / reps}
        if n and math.isfinite(truth):
            covered = int(((ok.low <= truth) & (truth <= ok.high)).sum())
            c = proportions(covered, n, confidence, method="beta").iloc[0]
            row.update(covered=covered, coverage=float(c.share), coverage_low=float(c.ci_low),
                       coverage_high=float(c.ci_high),
                       coverage_mc=math.sqrt(c.share * (1 - c.share) / n))
        else:
            row.update(covered=0, coverage=math.nan, coverage_low=math.nan, coverage_high=math.nan,
                       coverage_mc=math.nan)
        hits = int((g.p < alpha).sum())
        r = proportions(hits, reps, confidence, method="beta").iloc[0]
        row.update(rejected=hits, rejects=float(r.share), rejects_low=float(r.ci_low),
                   rejects_high=float(r.ci_high),
                   rejects_mc=math.sqrt(r.share * (1 - r.share) / reps))
        rows.append(row)
    return pd.DataFrame(rows)


def nominal_band(confidence: float, reps: int, z: float = 2.0) -> tuple[float, float]:
    """Coverage a correct interval shows in `reps` replications, ± z Monte Carlo SEs."""
    mc = math.sqrt(confidence * (1 - confidence) / reps)
    return confidence - z * mc, min(confidence + z * mc, 1.0)


MULTIPLICITY = "holm"
MULTIPLICITY_RULE = ("Holm's step-down adjustment of the exact binomial tests over all judged "
                     "coefficients, family-wise error {level:.0%}")


def coverage_tests(summary: pd.DataFrame, confidence: float, level: float = 0.05) -> pd.DataFrame:
    """Per summary row: the exact two-sided binomial test of its coverage count against
    the nominal level (`coverage_p`), the test flagged at `level` on its own
    (`flagged`), Holm's adjusted p over all judged rows (`coverage_p_holm`) and the
    verdict: 'recovered', 'under-covers' or 'over-covers' (Holm-adjusted p < level),
    '' where there is no truth or no finite estimate.

    With many coefficients judged, about `level` of them are flagged on their own even
    when every interval is right; Holm's adjustment (statsmodels `multipletests`) keeps
    the chance of calling any correct interval a miss below `level`.
    """
    from statsmodels.stats.multitest import multipletests
    judged = summary.coverage.notna() & (summary.finite > 0)
    p = pd.Series(np.nan, index=summary.index)
    for i in summary.index[judged]:
        r = summary.loc[i]
        p[i] = stats.binomtest(int(r.covered), int(r.finite), confidence).pvalue
    holm = pd.Series(np.nan, index=summary.index)
    if judged.any():
        holm[judged] = multipletests(p[judged].to_numpy(), alpha=level, method=MULTIPLICITY)[1]
    side = np.where(summary.coverage < confidence, "under-covers", "over-covers")
    verdict = np.where(~judged, "", np.where(holm < level, side, "recovered"))
    return pd.DataFrame({"coverage_p": p, "flagged": judged & (p < level),
                         "coverage_p_holm": holm, "verdict": verdict}, index=summary.index)


def coverage_verdict(summary: pd.DataFrame, confidence: float, level: float = 0.05) -> pd.Series:
    """The `verdict` column of coverage_tests."""
    return coverage_tests(summary, confidence, level).verdict.rename("verdict")


def chance_misses(tests: pd.DataFrame, level: float = 0.05) -> dict:
    """Are there more misses than chance explains? Of K judged coefficients, chance alone
    flags each with probability at most `level` (exact tests), so about K·level on
    average; `p_beyond` is P(Binomial(K, level) >= flagged). The coefficients share
    their replications, so the count is a guide; the verdict per coefficient is Holm's."""
    judged = tests.verdict.ne("")
    k, m = int(judged.sum()), int(tests.flagged[judged].sum())
    return {"judged": k, "flagged": m, "expected": level * k,
            "p_beyond": float(stats.binom.sf(m - 1, k, level)) if k else math.nan,
            "missed": int(tests.verdict.isin(["under-covers", "over-covers"]).sum())}


def model_label(model) -> str:
    """A model's name as the analysis pages show it (Table 1 logits, Cox models 1-4)."""
    from .logit import MODEL_LABELS
    return MODEL_LABELS.get(model, f"Cox model {model}" if str(model).isdigit() else str(model))


def term_label(term) -> str:
    """A term's row label as pages 04 (logit terms) and 05 (Cox terms) show it."""
    from ..data.frames.improvement import LABELS as LOGIT_LABELS
    from .survival import LABELS as COX_LABELS
    return {**LOGIT_LABELS, **COX_LABELS}.get(term, term)


def display_rows(frame: pd.DataFrame, level: str = "95%") -> pd.DataFrame:
    """Summary rows (with coverage_tests' columns) for reading: labels as pages 04 and 05
    show them, bias and SE calibration with their Monte Carlo errors, coverage with its
    exact interval, shares not estimable, the verdict."""
    return pd.DataFrame({
        "Model": frame.model.map(model_label), "Term": frame.term.map(term_label),
        "Estimator": frame.estimator, "Truth": frame.truth, "Mean estimate": frame.mean_estimate,
        "Bias / SE": frame.bias_se, "± MC (bias)": frame.bias_se_mc,
        "Mean SE / SD": frame.se_ratio, "± MC (SE)": frame.se_ratio_mc,
        "Coverage": frame.coverage, f"{level} CI low": frame.coverage_low,
        f"{level} CI high": frame.coverage_high, "Not estimable": frame.nonestimable,
        "Verdict": frame.verdict}).reset_index(drop=True)


def miss_reason(row) -> str:
    """What a coefficient's numbers say about why its coverage misses (bias beyond 3 Monte
    Carlo errors, standard errors off by more than 3 MC errors, a selected subset)."""
    why = []
    if row.estimator == "ML" and row.separated > 0:
        why.append(f"no finite ML estimate in {row.separated:.0%} of replications; "
                   "the finite ones are a selected subset")
    if abs(row.bias_se) > 3 * row.bias_se_mc:
        why.append(f"biased by {row.bias_se:+.2f} ± {row.bias_se_mc:.2f} SE")
    if abs(row.se_ratio - 1) > 3 * row.se_ratio_mc:
        why.append(f"standard errors too {'small' if row.se_ratio < 1 else 'large'} "
                   f"(mean SE / SD {row.se_ratio:.2f} ± {row.se_ratio_mc:.2f})")
    return "; ".join(why) or "neither bias nor SE calibration beyond 3 Monte Carlo errors"


CONDITION_NAMES = ("estimable_improvement", "reference_release")
# The `condition` parameter's values: which declared conditions every replication is drawn under.
CONDITION_SETS = {"none": (), "estimable_improvement": ("estimable_improvement",),
                  "reference_release": ("reference_release",), "both": CONDITION_NAMES}


def share_met(met: pd.Series, confidence: float = 0.95) -> dict:
    """Share of replications meeting a condition, with its exact interval and MC SE."""
    from .intervals import proportions
    r = proportions(int(met.sum()), len(met), confidence, method="beta").iloc[0]
    return {"share": float(r.share), "low": float(r.ci_low), "high": float(r.ci_high),
            "mc": math.sqrt(r.share * (1 - r.share) / len(met))}


def chance_sentence(beyond: bool, missed: int, judged: int) -> str:
    """The verdict on the count of misses and on the Holm-adjusted misses, in one sentence
    that cannot contradict either."""
    some = f"{missed} coefficient{'s' if missed != 1 else ''}"
    verb = "misses" if missed == 1 else "miss"
    if beyond and missed:
        return f"That is more than chance explains, and after Holm's adjustment {some} {verb} beyond chance."
    if beyond:
        return ("That is more than chance explains as a count, though no single coefficient misses "
                "beyond chance after Holm's adjustment: the misses are many small ones.")
    if missed:
        return (f"The count is within chance, but {some} {verb} by more than chance explains even "
                f"among {judged} (Holm's adjustment).")
    return ("That is no more than chance explains, and no coefficient misses beyond chance after "
            "Holm's adjustment.")


def beyond_mc_error(summary: pd.DataFrame, z: float = 3.0) -> dict:
    """How many judged estimates are biased, or have miscalibrated standard errors, by more
    than z Monte Carlo errors (|bias_se| > z·bias_se_mc; |se_ratio − 1| > z·se_ratio_mc),
    and how many of each chance alone gives (two-sided normal tail at z, per estimate)."""
    judged = summary[summary.bias_se_mc.notna() & summary.se_ratio_mc.notna()]
    return {"judged": len(judged),
            "biased": int((judged.bias_se.abs() > z * judged.bias_se_mc).sum()),
            "miscalibrated": int(((judged.se_ratio - 1).abs() > z * judged.se_ratio_mc).sum()),
            "expected": float(len(judged) * 2 * stats.norm.sf(z))}
