"""The multiverse of the studies' own choices: every combination, fitted in-process.

Each study made choices that a careful analyst could have made otherwise. Spannagel
(2019, Table 1): how an improvement is coded, where the Polity IV split between
closed and open regimes lies, how aid dependency is measured (footnote 13), the
control for a mention in the same or next report, the cases assessed on limited
information, the standard errors, and (for sparse violation types) the estimator.
Myrick & Weinstein (2018): how long follow-up runs, which release codings count,
which covariates enter the Cox model, and — for the short- against long-list
comparison — where the clock starts and whether the women released before the
launch stay in. A specification curve (Simonsohn, Simmons & Nelson 2020, Nature
Human Behaviour 4:1208-1214) fits every combination and sorts the estimates.

The multiverse has four *analyses*, each crossing only the choices that can move
its estimates; a choice that cannot (the regime cut-off for the all-regimes model,
the time origin for the Cox models, which always count from the arrest) is left
out rather than repeating identical fits:

    logit_all     Table 1 model 1:    business involvement, number of mentions
    logit_regime  Table 1 models 2-3: upcoming UPR and aid (open), detention (closed)
    cox_ua        M&W Table 1:        Free the 20 against other Urgent Action women
    cox_list      M&W Fig. 1:         short against long list, as a Cox model

A specification that cannot be fitted is kept with its reason: a combination that
makes no sense (Firth's errors come from the penalized information, so there is no
robust or clustered Firth fit), a regime subset with too few cases or events, a
logit without a finite maximum-likelihood estimate (separation; the Firth fits of
the grid keep those samples), a Cox model with a group that has no release.

Why not a package: `specification_curve` (PyPI) crosses control sets of statsmodels
OLS/logit formulas on one fixed frame; it cannot vary how the frame is built, nor
fit Firth or Cox models. The fitting reuses casework's own frames and fits.
"""
from __future__ import annotations

import hashlib
import itertools
import pickle
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import (ConvergenceWarning, HessianInversionWarning,
                                             PerfectSeparationWarning)

from .. import engine as engines
from ..data.frames.improvement import CONSTANT, model_columns, regression_frame
from ..data.frames.survival import REGIONS, long_list_frame, urgent_action_frame
from ..published import published
from . import cox_newton
from . import firth as firth_module
from .logit import SE_TYPES, design, model_frame
from .separation import DesignError, check_design, detect_separation, is_separated
from .survival import COX_MODELS

GRIDS = ("small", "full")
MIN_CASES = 50   # fewest cases a regime subset needs before a 15-coefficient logit is fitted on it


# --- choices, headline estimates, analyses ----------------------------------------------

@dataclass(frozen=True, eq=False)
class Choice:
    """One forking path: its levels in the full and the small grid, and the study's own level."""

    name: str
    label: str
    levels: tuple
    small: tuple
    published: tuple = ()        # the level(s) the study used; () where it does not say
    names: dict = field(default_factory=dict)

    def text(self, level) -> str:
        """How a level reads in tables and the choice matrix."""
        return self.names.get(level, str(level))

    def grid_levels(self, grid: str) -> tuple:
        if grid not in GRIDS:
            raise ValueError(f"grid {grid!r}: expected one of {', '.join(GRIDS)}")
        return self.levels if grid == "full" else self.small


@dataclass(frozen=True)
class Headline:
    """An estimate the papers' text leans on: which analysis, term and model give it."""

    key: str
    analysis: str
    term: str
    model: str | None
    label: str
    scale: str


@dataclass(frozen=True, eq=False)
class Analysis:
    """A family of specifications: its choices and how one specification is fitted."""

    key: str
    label: str
    choices: tuple[Choice, ...]
    fit: Callable[[dict, tuple[Headline, ...]], list[dict]]
    invalid: Callable[[dict], str | None]

    @property
    def headlines(self) -> tuple[Headline, ...]:
        return tuple(h for h in HEADLINES if h.analysis == self.key)


MIXED = Choice("include_mixed", "Mixed developments", (False, True), (False, True), (False,),
               {False: "not an improvement", True: "counted as improvement"})
CUTOFF = Choice("regime_cutoff", "Regime split (Polity IV)", (-5, 0, 5), (0, 5), (0,),
                {-5: "at −5 (closed = autocracies)", 0: "at 0", 5: "at +5 (open = democracies)"})
AID = Choice("aid_measure", "Aid dependency", ("gdp", "gni"), ("gdp", "gni"), ("gdp",),
             {"gdp": "ODA / GDP", "gni": "ODA / GNI"})
NEXT_REPORT = Choice("control_next_report", "Control: named again in same/next report",
                     (False, True), (False, True), (False,), {False: "no", True: "yes"})
LIMITED = Choice("exclude_limited", "Cases on limited information", (False, True), (False, True),
                 (False,), {False: "kept", True: "dropped"})
SE = Choice("se_type", "Standard errors", ("classical", "hc1", "cluster"), ("classical", "cluster"),
            ("classical",), {"classical": "classical", "hc1": "robust (HC1)",
                             "cluster": "clustered by country"})
ESTIMATOR = Choice("estimator", "Estimator", ("logit", "firth"), ("logit",), ("logit",),
                   {"logit": "maximum likelihood", "firth": "Firth (penalized)"})
HORIZON = Choice("horizon_months", "Follow-up after the launch", (12, 24, 36), (24, 36), (36,),
                 {12: "12 months", 24: "24 months", 36: "36 months"})
CERTAINTY = Choice("certainty", "Releases counted", ("certain", "probable", "any"), ("certain", "any"),
                   (), {"certain": "certain only", "probable": "certain or probable", "any": "any coding"})
COVARIATES = Choice("covariates", "Cox covariates", (1, 2, 3, 4), (1, 4), (1, 2, 3, 4),
                    {1: "Free the 20 only (model 1)", 2: "+ concerns (model 2)",
                     3: "+ regions (model 3)", 4: "+ concerns, regions (model 4)"})
ORIGIN = Choice("time_origin", "Clock starts at", ("launch", "arrest"), ("launch", "arrest"), ("launch",),
                {"launch": "the launch", "arrest": "the arrest"})
PRE_LAUNCH = Choice("exclude_pre_launch", "Women released before the launch", (True, False),
                    (True, False), (True,), {True: "left out", False: "kept (released at time 0)"})

HEADLINES = (
    Headline("business_all", "logit_all", "business_involved", "all",
             "Business involved, all regimes", "log odds ratio of improvement"),
    Headline("mentions_all", "logit_all", "mentions", "all",
             "Number of mentions, all regimes", "log odds ratio of improvement (per mention)"),
    Headline("upr_open", "logit_regime", "upcoming_upr", "open",
             "Upcoming UPR, open regimes", "log odds ratio of improvement"),
    Headline("aid_open", "logit_regime", "aid_dependency", "open",
             "Aid dependency, open regimes", "log odds ratio of improvement (per point of ODA share)"),
    Headline("detention_closed", "logit_regime", "viol_detention", "closed",
             "Detention, closed regimes", "log odds ratio of improvement"),
    Headline("freethe20", "cox_ua", "freethe20", None,
             "Free the 20 against other Urgent Action women", "log hazard ratio of release"),
    Headline("short_list", "cox_list", "featured", None,
             "Short list against long list", "log hazard ratio of release"),
)
HEADLINE_BY_KEY = {h.key: h for h in HEADLINES}


def published_values(headline: Headline) -> tuple[float, ...]:
    """The study's own estimate(s) of a headline, from published.yml; () where none is published.

    The Free the 20 coefficient is published once per Cox model (four values).
    """
    pub = published()
    if headline.analysis.startswith("logit"):
        return (float(pub["regressions"]["coefficients"][headline.term][headline.model][0]),)
    if headline.analysis == "cox_ua":
        return tuple(float(v[0]) for v in pub["freethe20"]["cox_models"][headline.term] if v is not None)
    return ()


def published_sign(headline: Headline) -> int | None:
    """+1 or −1 when every published value of the headline has that sign, else None."""
    signs = {int(np.sign(v)) for v in published_values(headline)}
    return signs.pop() if len(signs) == 1 and 0 not in signs else None


# --- the grid ----------------------------------------------------------------------------

def _firth_errors_only(spec: dict) -> str | None:
    if spec.get("estimator") == "firth" and spec.get("se_type") != "classical":
        return "Firth errors are model-based: no robust or clustered Firth fit"
    return None


def _always_valid(spec: dict) -> None:
    return None


def build_grid(analyses: tuple[Analysis, ...] | None = None, grid: str = "full",
               levels: dict[str, tuple] | None = None) -> pd.DataFrame:
    """Every combination of each analysis's choices, one row each, in a fixed order.

    Columns: analysis, spec_id, one column per choice (empty where the analysis does
    not have it) and `invalid`, the reason a combination cannot be fitted (None if it
    can). `levels` overrides the levels of named choices (for small test grids).
    """
    analyses = analyses if analyses is not None else ANALYSES
    levels = levels or {}
    unknown = set(levels) - {c.name for a in (*ANALYSES, *analyses) for c in a.choices}
    if unknown:
        raise KeyError(f"levels given for unknown choice(s) {sorted(unknown)}")
    rows = []
    for a in analyses:
        names = [c.name for c in a.choices]
        lv = [tuple(levels.get(c.name, c.grid_levels(grid))) for c in a.choices]
        for i, combo in enumerate(itertools.product(*lv), start=1):
            spec = dict(zip(names, combo))
            rows.append({"analysis": a.key, "spec_id": f"{a.key}-{i:03d}", **spec,
                         "invalid": a.invalid(spec)})
    return pd.DataFrame(rows).astype({"invalid": object})


def choice_names(analysis: str) -> list[str]:
    """The choices of one analysis, in grid order."""
    return [c.name for c in ANALYSIS_BY_KEY[analysis].choices]


def paper_specification(spec: dict, analysis: str) -> bool:
    """Does a specification make the study's own choice wherever the study says which?"""
    return all(spec[c.name] in c.published for c in ANALYSIS_BY_KEY[analysis].choices if c.published)


# --- fitting one specification -----------------------------------------------------------

# The data of this process's run (set once per worker process, or once in-process) and
# the frames built from it: many specifications share a frame.
_STATE: dict = {}


def _start(data: dict[str, pd.DataFrame], confidence: float, min_cases: int) -> None:
    _STATE.clear()
    _STATE.update(data=data, confidence=confidence, min_cases=min_cases, frames={}, samples={})


def _frame(key: tuple, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    frames = _STATE["frames"]
    if key not in frames:
        frames[key] = build()
    return frames[key]


def _estimate(headline: Headline, est: float, se: float, low: float, high: float, p: float,
              n: int, events: int) -> dict:
    return {"headline": headline.key, "estimate": float(est), "se": float(se), "low": float(low),
            "high": float(high), "p": float(p), "n": int(n), "events": int(events),
            "reason": None, "detail": None}


def _skip(headline: Headline, reason: str, detail: str, n: int | None = None) -> dict:
    return {"headline": headline.key, "estimate": np.nan, "se": np.nan, "low": np.nan, "high": np.nan,
            "p": np.nan, "n": n, "events": None, "reason": reason, "detail": detail}


def _fit_logit_spec(spec: dict, headlines: tuple[Headline, ...]) -> list[dict]:
    """The headline terms of Table 1 under one specification, model by model."""
    data, confidence = _STATE["data"], _STATE["confidence"]
    options = dict(include_mixed=bool(spec["include_mixed"]), aid=spec["aid_measure"],
                   regime_cutoff=int(spec.get("regime_cutoff", 0)),
                   exclude_limited=bool(spec["exclude_limited"]),
                   control_next_report=bool(spec["control_next_report"]))
    key = ("logit", *sorted(options.items()))
    frame = _frame(key, lambda: regression_frame(data["sample"], data["cases"], **options))
    predictors = model_columns(options["control_next_report"])
    rows = []
    for model in dict.fromkeys(h.model for h in headlines):
        mine = [h for h in headlines if h.model == model]
        sample = _logit_sample(key, model, frame, predictors)
        n, events = sample.n, sample.events
        rarer, needed = min(events, n - events), len(predictors) + 1
        if n < _STATE["min_cases"]:
            rows += [_skip(h, "regime subset too small",
                           f"{model}: {n} cases, fewer than {_STATE['min_cases']}", n) for h in mine]
            continue
        if rarer < needed:
            rows += [_skip(h, "too few events", f"{model}: {rarer} cases of the rarer outcome "
                           f"for {needed} coefficients", n) for h in mine]
            continue
        if sample.design_error:
            rows += [_skip(h, "predictor without variation", f"{model}: {sample.design_error}", n)
                     for h in mine]
            continue
        try:
            if spec["estimator"] == "firth":
                fitted = _firth_terms(sample.frame, predictors, [h.term for h in mine], confidence)
            else:
                separated = sample.separation()
                if separated:
                    rows += [_skip(h, "separation (no finite ML estimate)", f"{model}: {separated}", n)
                             for h in mine]
                    continue
                res = sample.ml_fit(spec["se_type"], model)
                # Wald intervals as statsmodels' conf_int computes them, at the level when the
                # run has one; else left for with_intervals (the fit is then level-free).
                fitted = {h.term: (res.params[h.term], res.bse[h.term],
                                   *_ml_interval(res.params[h.term], res.bse[h.term], confidence),
                                   res.pvalues[h.term]) for h in mine}
        except DesignError as exc:
            rows += [_skip(h, "predictor without variation", f"{model}: {exc}", n) for h in mine]
            continue
        except (RuntimeError, np.linalg.LinAlgError) as exc:
            rows += [_skip(h, "did not converge", f"{model}: {exc}", n) for h in mine]
            continue
        rows += [_estimate(h, *fitted[h.term], n=n, events=events) for h in mine]
    return rows


class LogitSample:
    """One model's sample of one regression frame, prepared once and shared by every
    specification that fits it (they differ only in standard errors or estimator):
    outcome and design, the design check, the separation verdict and the ML fit.

    Every value is computed the same way whichever specification asks first, so a
    result does not depend on the order, the chunking or the worker that ran it.
    """

    def __init__(self, frame: pd.DataFrame, predictors: list[str], cluster: str = "country"):
        self.frame = frame
        self.n, self.events = len(frame), int(frame["improved"].sum())
        self.y, self.X = design(frame, predictors)
        self.groups = pd.factorize(frame[cluster])[0]
        try:
            check_design(self.X)
            self.design_error = None
        except DesignError as exc:
            self.design_error = str(exc)
        self._separation = None
        self._fits: dict = {}

    def separation(self) -> str:
        """'separated by ...' (the predictors to blame) or '' (the ML estimate exists).

        A 0/1 predictor separates the outcome on its own exactly when the outcome is
        constant among its 1s or among its 0s: one matrix product screens them all.
        Only when none does is the exact linear program run (once), and only a sample it
        finds separated gets the full diagnosis. The names are those `detect_separation`
        gives (its causes, else its diverging estimates).
        """
        if self._separation is None:
            self._separation = _separation_detail(self.X, self.y.to_numpy(float))
        return self._separation

    def ml_fit(self, se_type: str, name: str):
        """statsmodels Logit with `se_type` errors. The classical fit starts where statsmodels
        starts; robust and clustered ones start at its estimate (same estimate, one step)."""
        if se_type not in self._fits:
            start = None if se_type == "classical" else self.ml_fit("classical", name).params.to_numpy()
            kwargs = {"cov_type": SE_TYPES[se_type]}
            if se_type == "cluster":
                kwargs["cov_kwds"] = {"groups": self.groups}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = sm.Logit(self.y, self.X).fit(disp=0, maxiter=200, start_params=start, **kwargs)
            trouble = [w for w in caught if issubclass(w.category, ML_TROUBLE)]
            if trouble:
                raise RuntimeError(f"{name}: fit did not converge cleanly: {trouble[0].message}")
            self._fits[se_type] = result
        return self._fits[se_type]


ML_TROUBLE = (ConvergenceWarning, PerfectSeparationWarning, HessianInversionWarning, RuntimeWarning)


def _separation_detail(X: pd.DataFrame, y: np.ndarray) -> str:
    A = X.to_numpy(float)
    binary = np.all((A == 0) | (A == 1), axis=0) & (X.columns != CONSTANT)
    B = A[:, binary]
    ones, hits = B.sum(axis=0), y @ B
    zeros, misses = len(y) - ones, y.sum() - hits
    alone = (((ones > 0) & ((hits == 0) | (hits == ones)))
             | ((zeros > 0) & ((misses == 0) | (misses == zeros))))
    if alone.any():
        # Separated for sure; name every predictor that separates on its own, as
        # detect_separation does. With the constant beside it, any other predictor does
        # so exactly when its values among the improved and the others do not overlap.
        flags = dict(zip(X.columns[binary], alone))
        causes = [c for j, c in enumerate(X.columns) if c != CONSTANT
                  and (flags[c] if c in flags else _apart(A[y == 1, j], A[y == 0, j]))]
        return f"separated by {', '.join(causes)}"
    if not is_separated(X.to_numpy(float), y):
        return ""
    report = detect_separation(X, y)
    return f"separated by {', '.join(report.causes or report.variables)}"


def _apart(a: np.ndarray, b: np.ndarray) -> bool:
    """Do two groups of values lie on either side of one threshold (ties allowed)?"""
    return a.size == 0 or b.size == 0 or a.min() >= b.max() or b.min() >= a.max()


def _logit_sample(key: tuple, model: str, frame: pd.DataFrame, predictors: list[str]) -> LogitSample:
    samples = _STATE.setdefault("samples", {})
    if (key, model) not in samples:
        samples[(key, model)] = LogitSample(model_frame(frame, model), predictors)
    return samples[(key, model)]


def _ml_interval(est: float, se: float, confidence: float | None) -> tuple[float, float]:
    """statsmodels' Wald interval of a Logit coefficient (LikelihoodModelResults.conf_int:
    params ∓ q·bse with q the normal quantile 1 − alpha/2), NaN when no level is given."""
    if confidence is None:
        return np.nan, np.nan
    q = stats.norm.ppf(1 - (1 - confidence) / 2)
    return est - q * se, est + q * se


def _wald_interval(est: float, se: float, confidence: float | None) -> tuple[float, float]:
    """est ∓ z·se with z the normal quantile 0.5 + confidence/2 (the Cox fits' interval)."""
    if confidence is None:
        return np.nan, np.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    return est - z * se, est + z * se


def with_intervals(rows: list[dict], confidence: float) -> list[dict]:
    """Rows fitted without a level (confidence None) with their intervals at `confidence`,
    computed as the fits compute them: statsmodels' Wald interval for ML logits, est ∓ z·se
    for Cox models. The same numbers as a fit at that level, without fitting again."""
    out = []
    for row in rows:
        interval = _ml_interval if row["analysis"].startswith("logit") else _wald_interval
        low, high = interval(row["estimate"], row["se"], confidence)
        out.append({**row, "low": float(low), "high": float(high)})
    return out


def _firth_terms(sub: pd.DataFrame, predictors: list[str], terms: list[str], confidence: float) -> dict:
    """Firth estimates of `terms`, profiling only those (profiling all costs ~1 s a model)."""
    y, X = design(sub, predictors)
    check_design(X)
    fit = firth_module.firth_logit(y, X, confidence=confidence, profile=terms)
    return {t: (fit.params[t], fit.bse[t], fit.ci.at[t, "low"], fit.ci.at[t, "high"], fit.pvalues[t])
            for t in terms}


def _fit_cox(data: pd.DataFrame, group: str, headline: Headline, confidence: float) -> dict:
    """A Cox model of `data` (duration, released, covariates); skipped if a group has no release.

    Efron ties, fitted by Newton's method on sorted risk sets to R's coxph precision
    (`cox_newton.fit_frame`; lifelines at R's precision when a sample is not plainly
    well behaved). tests/test_multiverse_cox_r.py checks every specification against R."""
    n, events = len(data), int(data["released"].sum())
    by_group = data.groupby(group)["released"].sum()
    if len(by_group) < 2 or (by_group == 0).any():
        empty = ", ".join(f"{group} = {g}" for g, e in by_group.items() if e == 0) or f"only one {group} group"
        return _skip(headline, "a group without release",
                     f"no release among {empty}: the hazard ratio is not finite", n)
    covariate = _level_without_release(data)
    if covariate:
        # A covariate level without releases has an infinite coefficient: Newton's method
        # then drifts, and whether lifelines calls the fit converged depends on the last
        # bits of the arithmetic (so on the machine). Decide it from the data instead.
        return _skip(headline, "a group without release",
                     f"no release among {covariate}: its coefficient is not finite", n)
    covariates = [c for c in data.columns if c not in ("duration", "released")]
    try:
        beta, se = cox_newton.fit_frame(data, covariates)
    except cox_newton.CoxNewtonFailure as exc:
        return _skip(headline, "did not converge", str(exc), n)
    j = covariates.index(headline.term)
    est, s = float(beta[j]), float(se[j])
    return _estimate(headline, est, s, *_wald_interval(est, s, confidence),
                     float(2 * stats.norm.sf(abs(est / s))), n=n, events=events)


def _level_without_release(data: pd.DataFrame) -> str | None:
    """A binary covariate level (or the reference region) whose rows have no release."""
    released = data["released"].to_numpy() == 1
    covariates = [c for c in data if c not in ("duration", "released")]
    for c in covariates:
        values = data[c].to_numpy()
        if not np.isin(values, (0, 1)).all():
            continue
        for level in (0, 1):
            rows = values == level
            if rows.any() and not released[rows].any():
                return f"{c} = {level}"
    regions = [c for c in covariates if c in REGIONS]
    if regions:
        reference = (data[regions].to_numpy() == 0).all(axis=1)
        if reference.any() and not released[reference].any():
            return "the reference region (Other)"
    return None


def _fit_cox_ua_spec(spec: dict, headlines: tuple[Headline, ...]) -> list[dict]:
    """Free the 20 in the Cox model of M&W Table 1 with the specification's covariates."""
    data, confidence = _STATE["data"], _STATE["confidence"]
    horizon, certainty, k = int(spec["horizon_months"]), spec["certainty"], int(spec["covariates"])
    frame = _frame(("ua", horizon, certainty),
                   lambda: urgent_action_frame(data["urgent_actions"], horizon, certainty))
    sample = cox_ua_sample(frame, k)
    return [_fit_cox(sample, "freethe20", h, confidence) for h in headlines]


def cox_ua_sample(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """The frame Cox model k of M&W Table 1 fits (duration, released, covariates).

    fit_cox_models decides each model's sample (models 2-4: complete concern flags);
    fitting it once for its sample, then again, would double the cost, so the same
    sample is taken here."""
    sample = frame if k == 1 else frame.dropna(subset=[c for c in COX_MODELS[2] if c != "freethe20"])
    covs = list(COX_MODELS[k])
    return sample[[*covs, "duration", "released"]].reset_index(drop=True)


def cox_specification_frame(data, analysis: str, spec: dict) -> pd.DataFrame:
    """The frame one Cox specification of the grid fits, from the data tables: what R is
    given in tests/test_multiverse_cox_r.py."""
    if analysis == "cox_ua":
        frame = urgent_action_frame(data["urgent_actions"], int(spec["horizon_months"]), spec["certainty"])
        return cox_ua_sample(frame, int(spec["covariates"]))
    if analysis == "cox_list":
        return _list_sample(long_list_frame(data["freethe20"], spec["time_origin"],
                                            int(spec["horizon_months"]), bool(spec["exclude_pre_launch"])))
    raise KeyError(f"analysis {analysis!r}: not a Cox analysis (cox_ua, cox_list)")


def _list_sample(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["featured", "duration", "released"]].reset_index(drop=True)


def _fit_cox_list_spec(spec: dict, headlines: tuple[Headline, ...]) -> list[dict]:
    """Short against long list as a Cox model (the hazard-ratio counterpart of Fig. 1's log-rank test)."""
    data, confidence = _STATE["data"], _STATE["confidence"]
    frame = long_list_frame(data["freethe20"], spec["time_origin"], int(spec["horizon_months"]),
                            bool(spec["exclude_pre_launch"]))
    return [_fit_cox(_list_sample(frame), "featured", h, confidence) for h in headlines]


ANALYSES = (
    Analysis("logit_all", "Spannagel 2019, Table 1, all regime types",
             (MIXED, AID, NEXT_REPORT, LIMITED, SE, ESTIMATOR), _fit_logit_spec, _firth_errors_only),
    Analysis("logit_regime", "Spannagel 2019, Table 1, closed and open regimes",
             (MIXED, CUTOFF, AID, NEXT_REPORT, LIMITED, SE, ESTIMATOR), _fit_logit_spec, _firth_errors_only),
    Analysis("cox_ua", "Myrick & Weinstein 2018, Table 1 (Urgent Action women)",
             (HORIZON, CERTAINTY, COVARIATES), _fit_cox_ua_spec, _always_valid),
    Analysis("cox_list", "Myrick & Weinstein 2018, Fig. 1 (short vs long list)",
             (ORIGIN, PRE_LAUNCH, HORIZON), _fit_cox_list_spec, _always_valid),
)
ANALYSIS_BY_KEY = {a.key: a for a in ANALYSES}
TABLES = {"logit_all": ("sample", "cases"), "logit_regime": ("sample", "cases"),
          "cox_ua": ("urgent_actions",), "cox_list": ("freethe20",)}


def _fit_task(task: tuple[str, str, dict]) -> list[dict]:
    analysis, spec_id, spec = task
    a = ANALYSIS_BY_KEY[analysis]
    return [{"analysis": analysis, "spec_id": spec_id, **row} for row in a.fit(spec, a.headlines)]


def _fit_chunk(chunk: list, shared: tuple) -> list[list[dict]]:
    """One engine task: a run of specifications. `shared` (token, tables, confidence,
    min_cases) reaches each worker once; the worker keeps its frame cache between chunks
    of the same data (same token) and starts afresh for other data. confidence None:
    fits without intervals (with_intervals adds them)."""
    token, tables, confidence, min_cases = shared
    if _STATE.get("token") != token:
        _start(tables, confidence, min_cases)
        _STATE["token"] = token
    _STATE["confidence"] = confidence
    return [_fit_task(t) for t in chunk]


def _needs_level(task: tuple[str, str, dict]) -> bool:
    """Whether a specification's fit depends on the confidence level beyond its interval:
    Firth's profile penalized-likelihood intervals are found by refitting at the level."""
    return task[2].get("estimator") == "firth"


# --- running the multiverse ----------------------------------------------------------------

SUMMARY_COLUMNS = ["headline", "label", "analysis", "published", "published_sign", "n_specifications",
                   "n_skipped", "n_paper", "median", "q25", "q75", "min", "max", "paper_estimate",
                   "share_published_sign", "share_significant", "share_significant_published_sign",
                   "most_influential_choice", "most_influential_shift"]


@dataclass
class Multiverse:
    """Every combination (grid) and, per fitted combination and headline, the estimate or why not."""

    grid: pd.DataFrame
    results: pd.DataFrame
    confidence: float

    @property
    def alpha(self) -> float:
        return 1 - self.confidence

    @property
    def headlines(self) -> list[Headline]:
        """The headline estimates of the analyses in this run."""
        present = set(self.grid["analysis"])
        return [h for h in HEADLINES if h.analysis in present]

    def curve(self, headline: str) -> pd.DataFrame:
        """The estimated specifications of one headline, sorted by estimate, with their choices."""
        h = HEADLINE_BY_KEY[headline]
        if h not in self.headlines:
            raise KeyError(f"headline {headline!r}: its analysis {h.analysis!r} is not part of this run")
        names = choice_names(h.analysis)
        got = self.results[(self.results["headline"] == headline) & self.results["reason"].isna()]
        out = got.merge(self.grid[["spec_id", *names]], on="spec_id", how="left", validate="one_to_one")
        out["paper"] = [paper_specification(s, h.analysis) for s in out[names].to_dict("records")]
        out = out.sort_values(["estimate", "spec_id"], kind="stable").reset_index(drop=True)
        out["rank"] = np.arange(1, len(out) + 1)
        return out

    def skipped(self) -> pd.DataFrame:
        """Every specification-and-headline not estimated: grid-invalid combinations and failed fits."""
        invalid = self.grid[self.grid["invalid"].notna()]
        rows = [{"analysis": r.analysis, "spec_id": r.spec_id, "headline": h.key, "stage": "grid",
                 "reason": r.invalid, "detail": ""}
                for r in invalid.itertuples() for h in ANALYSIS_BY_KEY[r.analysis].headlines]
        failed = self.results[self.results["reason"].notna()]
        rows += [{"analysis": r.analysis, "spec_id": r.spec_id, "headline": r.headline, "stage": "fit",
                  "reason": r.reason, "detail": r.detail} for r in failed.itertuples()]
        return pd.DataFrame(rows, columns=["analysis", "spec_id", "headline", "stage", "reason", "detail"])

    def skipped_summary(self) -> pd.DataFrame:
        """Skipped specifications per analysis and reason, with the headlines they cost."""
        s = self.skipped()
        if s.empty:
            return pd.DataFrame(columns=["analysis", "stage", "reason", "specifications", "headlines", "example"])
        return (s.groupby(["analysis", "stage", "reason"], sort=False)
                .agg(specifications=("spec_id", "nunique"),
                     headlines=("headline", lambda x: ", ".join(dict.fromkeys(x))),
                     example=("detail", "first"))
                .reset_index())

    def influence(self) -> pd.DataFrame:
        """choice_influence for every headline: headline, choice, mean_abs_shift, n_pairs."""
        parts = []
        for h in self.headlines:
            cur = self.curve(h.key)
            if len(cur):
                parts.append(choice_influence(cur, choice_names(h.analysis)).assign(headline=h.key))
        columns = ["headline", "choice", "mean_abs_shift", "n_pairs"]
        return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)

    def summary(self) -> pd.DataFrame:
        """Per headline: specifications estimated and skipped, spread, shares with the published
        sign and with p below 1 − confidence, and the most influential choice."""
        influence = self.influence()
        skipped = self.skipped().groupby("headline")["spec_id"].nunique()
        rows = []
        for h in self.headlines:
            cur = self.curve(h.key)
            sign = published_sign(h)
            pub = published_values(h)
            row = {"headline": h.key, "label": h.label, "analysis": h.analysis,
                   "published": (pub[0] if len(pub) == 1 else np.nan),
                   "published_sign": sign, "n_specifications": len(cur),
                   "n_skipped": int(skipped.get(h.key, 0)),
                   "n_paper": int(cur["paper"].sum()) if len(cur) else 0}
            if len(cur):
                est, sig = cur["estimate"], cur["p"] < self.alpha
                same = np.sign(est) == sign if sign is not None else pd.Series(np.nan, index=cur.index)
                top = influence[influence["headline"] == h.key].dropna(subset=["mean_abs_shift"])
                top = top.sort_values("mean_abs_shift", ascending=False, kind="stable")
                paper = cur.loc[cur["paper"], "estimate"]
                row.update({
                    "median": est.median(), "q25": est.quantile(0.25), "q75": est.quantile(0.75),
                    "min": est.min(), "max": est.max(),
                    "paper_estimate": float(paper.iloc[0]) if len(paper) == 1 else np.nan,
                    "share_published_sign": float(same.mean()) if sign is not None else np.nan,
                    "share_significant": float(sig.mean()),
                    "share_significant_published_sign": float((sig & same).mean()) if sign is not None else np.nan,
                    "most_influential_choice": top["choice"].iloc[0] if len(top) else None,
                    "most_influential_shift": float(top["mean_abs_shift"].iloc[0]) if len(top) else np.nan})
            rows.append(row)
        return pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)   # same columns when nothing was estimated


def run(data, grid: str = "full", confidence: float = 0.95, jobs: int = 1,
        levels: dict[str, tuple] | None = None, analyses: tuple[Analysis, ...] | None = None,
        min_cases: int = MIN_CASES, engine=None) -> Multiverse:
    """Fit every valid specification of the grid and return the Multiverse.

    data: a casework Dataset or a mapping with the validated tables the analyses need
    (sample, cases, urgent_actions, freethe20). `engine` (`casework.engine.open_engine`)
    fits the specifications in chunks wherever it runs them (each worker gets the data
    once and keeps its own frame cache); without one, jobs > 1 starts a local Dask
    cluster of that many workers for this call. The result does not depend on either,
    since the rows come back in grid order.
    """
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs={jobs!r}: expected a whole number of 1 or more")
    analyses = analyses if analyses is not None else ANALYSES
    grid_frame = build_grid(analyses, grid, levels)
    data = getattr(data, "tables", data)          # a casework Dataset, or a plain mapping
    needed = sorted({t for a in analyses for t in TABLES[a.key]})
    missing = [t for t in needed if t not in data]
    if missing:
        raise KeyError(f"multiverse: table(s) {missing} needed by the analyses are not in the data")
    # Plain frames, and of `cases` only what the regression frame reads: less to send to workers.
    tables = {t: (data[t][["case_id", "country"]] if t == "cases" else data[t]).copy() for t in needed}
    todo = grid_frame[grid_frame["invalid"].isna()]
    tasks = [(r["analysis"], r["spec_id"],
              {c: r[c] for c in choice_names(r["analysis"])}) for r in todo.to_dict("records")]
    token = hashlib.sha256(pickle.dumps((tables, min_cases))).hexdigest()
    # Two maps: the fits that do not depend on the level (maximum likelihood, Cox) fitted
    # without one, their intervals computed after (with_intervals), so a rebuild at another
    # confidence level reads them back from the build's memo (casework.engine.memoized);
    # and the Firth fits, whose profile intervals are found at the level.
    level_free = [i for i, t in enumerate(tasks) if not _needs_level(t)]
    at_level = [i for i, t in enumerate(tasks) if _needs_level(t)]

    def fit_some(eng, indices: list[int], level: float | None) -> list[list[dict]]:
        if not indices:
            return []
        # Specifications in grid order: neighbours share frames, so a chunk reuses its worker's cache.
        some = [tasks[i] for i in indices]
        parts = engines.chunks(len(some), 4 * eng.workers if eng.workers > 1 else 1)
        done = eng.map(_fit_chunk, [some[r.start:r.stop] for r in parts],
                       shared=(token, tables, level, min_cases), label="multiverse")
        return [rows for chunk in done for rows in chunk]

    def fit_all(eng) -> list[list[dict]]:
        fitted: list[list[dict]] = [[] for _ in tasks]
        for i, rows in zip(level_free, fit_some(eng, level_free, None)):
            fitted[i] = with_intervals(rows, confidence)
        for i, rows in zip(at_level, fit_some(eng, at_level, confidence)):
            fitted[i] = rows
        return fitted

    if engine is None and jobs > 1 and len(tasks) > 1:
        with engines.open_engine(jobs) as eng:
            fitted = fit_all(eng)
    else:
        try:
            fitted = fit_all(engine or engines.Sequential())
        finally:
            if engine is None or engine.kind == "sequential":
                _STATE.clear()
    columns = ["analysis", "spec_id", "headline", "estimate", "se", "low", "high", "p", "n", "events",
               "reason", "detail"]
    results = pd.DataFrame([row for rows in fitted for row in rows], columns=columns)
    return Multiverse(grid_frame, results.astype({"reason": object, "detail": object}), confidence)


# --- which choice moves an estimate most ------------------------------------------------------

def choice_influence(curve: pd.DataFrame, choices: list[str], value: str = "estimate") -> pd.DataFrame:
    """Mean absolute shift of `value` when one choice changes and every other choice stays fixed.

    For a choice c: take every pair of specifications that agree on all other choices
    and differ in c, and the absolute difference of their values; c's mean absolute
    shift is the mean over all such pairs (for a choice with k levels, each context
    contributes its k(k−1)/2 pairs). Pairs with a skipped member are absent. A choice
    that cannot move the value scores 0 (standard errors, for a point estimate); one
    with a single level in the grid has no pairs and scores NaN.
    Returns choice, mean_abs_shift, n_pairs, largest first.
    """
    if curve.duplicated(subset=choices).any():
        raise ValueError("choice_influence: two specifications share every choice; "
                         "the choices do not identify a specification")
    frame = curve[[*choices, value]].reset_index(drop=True)
    rows = []
    for c in choices:
        others = [o for o in choices if o != c]
        context = (frame[others].astype(str).agg("|".join, axis=1) if others
                   else pd.Series("", index=frame.index))
        level = pd.factorize(frame[c])[0]
        left = pd.DataFrame({"context": context, "level": level, "value": frame[value]})
        pairs = left.merge(left, on="context", suffixes=("_a", "_b"))
        pairs = pairs[pairs["level_a"] < pairs["level_b"]]
        shift = (pairs["value_a"] - pairs["value_b"]).abs()
        rows.append({"choice": c, "mean_abs_shift": float(shift.mean()) if len(shift) else np.nan,
                     "n_pairs": int(len(shift))})
    out = pd.DataFrame(rows)
    return out.sort_values("mean_abs_shift", ascending=False, kind="stable", na_position="last") \
        .reset_index(drop=True)


CHOICE_BY_NAME = {c.name: c for a in ANALYSES for c in a.choices}
