"""The working paper's logit models of case improvement (Spannagel 2019, Table 1).

Three logits of `improved` on the same 14 predictors: all regime types, closed
regimes (Polity IV below the cutoff) and open regimes (above it). Functions here
fit them with statsmodels, tidy the estimates and turn them into predicted
probabilities. The comparison with the published Table 1 is in `logit_published`.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import (ConvergenceWarning, HessianInversionWarning,
                                             PerfectSeparationWarning)

from ..data.frames.improvement import CONSTANT, LABELS, PREDICTORS
from .separation import SeparationError, detect_separation

MODELS = ("all", "closed", "open")
MODEL_LABELS = {"all": "All regime types", "closed": "Closed regimes", "open": "Open regimes"}
SE_TYPES = {"classical": "nonrobust", "hc1": "HC1", "cluster": "cluster"}
STAR_LEVELS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))   # wp2019 Table 1 note
# The estimates the working paper's text discusses, by record name: (term, model).
TEXT_ESTIMATES = {
    "upr_open": ("upcoming_upr", "open"), "upr_closed": ("upcoming_upr", "closed"),
    "aid_open": ("aid_dependency", "open"), "aid_closed": ("aid_dependency", "closed"),
    "mentions_all": ("mentions", "all"), "mentions_closed": ("mentions", "closed"),
    "mentions_open": ("mentions", "open"), "business_all": ("business_involved", "all"),
    "business_open": ("business_involved", "open"), "detention_all": ("viol_detention", "all"),
    "detention_closed": ("viol_detention", "closed"), "torture_closed": ("viol_torture", "closed"),
    "conviction_closed": ("viol_conviction", "closed"),
    "disciplinary_all": ("viol_disciplinary", "all"), "disciplinary_open": ("viol_disciplinary", "open"),
    "reply_all": ("reply_received", "all"), "polity_all": ("polity", "all")}
# The 0/1 contrasts the paper stresses, as predicted probabilities: name -> (term, model).
CONTRASTS = {"upr_open": ("upcoming_upr", "open"), "business_all": ("business_involved", "all"),
             "business_open": ("business_involved", "open"),
             "detention_closed": ("viol_detention", "closed")}


def stars(p: float) -> str:
    """Significance stars of wp2019 Table 1: * p < .05, ** p < .01, *** p < .001."""
    if p is None or not np.isfinite(p):
        return ""
    return next((mark for level, mark in STAR_LEVELS if p < level), "")


def model_frame(frame: pd.DataFrame, model: str) -> pd.DataFrame:
    """The cases of one model: 'all', or the 'closed'/'open' regime subset."""
    if model == "all":
        return frame
    if model not in MODELS:
        raise ValueError(f"model {model!r}: expected one of {MODELS}")
    return frame[frame["regime"] == model].reset_index(drop=True)


def design(frame: pd.DataFrame, predictors: list[str] | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Outcome and design matrix (predictors in order, constant last as in Table 1)."""
    predictors = list(predictors or PREDICTORS)
    absent = [c for c in ["improved", *predictors] if c not in frame.columns]
    if absent:
        raise KeyError(f"regression frame: missing column(s) {absent}")
    if frame[["improved", *predictors]].isna().any().any():
        raise ValueError("regression frame has missing values: build it with listwise=True")
    X = frame[predictors].astype(float).copy()
    X[CONSTANT] = 1.0
    return frame["improved"].astype(float), X


def fit_logit(frame: pd.DataFrame, predictors: list[str] | None = None, *,
              se_type: str = "classical", cluster: str = "country",
              on_separation: str = "raise", drop_constant: bool = False, name: str = ""):
    """A statsmodels Logit of `improved` with classical, HC1 or country-clustered errors.

    Separation is checked before fitting (see separation.py). With
    on_separation='raise' a separated sample raises SeparationError naming the
    predictor; with 'flag' the (non-finite-in-truth) fit is returned anyway and
    the diagnosis sits in `result.separation`. A predictor without variation in
    the sample raises DesignError, or with drop_constant=True is left out and
    listed in `result.dropped`. Any other convergence failure raises.
    """
    if se_type not in SE_TYPES:
        raise ValueError(f"se_type={se_type!r}: expected one of {sorted(SE_TYPES)}")
    if on_separation not in ("raise", "flag"):
        raise ValueError(f"on_separation={on_separation!r}: expected 'raise' or 'flag'")
    predictors = list(predictors or PREDICTORS)
    dropped = [c for c in predictors if drop_constant and frame[c].nunique(dropna=False) <= 1]
    y, X = design(frame, [c for c in predictors if c not in dropped])
    report = detect_separation(X, y)
    if report.separated and on_separation == "raise":
        raise SeparationError(report, where=name or "logit")
    kwargs = {"cov_type": SE_TYPES[se_type]}
    if se_type == "cluster":
        kwargs["cov_kwds"] = {"groups": pd.factorize(frame[cluster])[0]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sm.Logit(y, X).fit(disp=0, maxiter=200, **kwargs)
    trouble = [w for w in caught if issubclass(w.category, (ConvergenceWarning, PerfectSeparationWarning,
                                                            HessianInversionWarning, RuntimeWarning))]
    if trouble and not report.separated:
        raise RuntimeError(f"{name or 'logit'}: fit did not converge cleanly: {trouble[0].message}")
    result.separation = report
    result.dropped = dropped
    result.model_name = name
    return result


def fit_models(frame: pd.DataFrame, predictors: list[str] | None = None, *, se_type: str = "classical",
               on_separation: str = "flag", drop_constant: bool = True,
               models: tuple[str, ...] = MODELS) -> dict:
    """Models 1-3 of Table 1: {'all': result, 'closed': result, 'open': result}.

    By default a predictor without variation in a regime subset (possible with an
    unusual regime cut-off) is left out of that model and listed in result.dropped.
    """
    return {m: fit_logit(model_frame(frame, m), predictors, se_type=se_type, on_separation=on_separation,
                         drop_constant=drop_constant, name=m) for m in models}


def sample_sizes(everyone: pd.DataFrame, frame: pd.DataFrame, loss: pd.Series,
                 regime_cutoff: float) -> pd.DataFrame:
    """Cases per model after listwise deletion, then the cases lost per missing predictor.

    everyone: the frame built with listwise=False; frame: the models' frame; loss:
    listwise_loss(everyone, predictors).
    """
    regime = frame["regime"]
    sizes = pd.DataFrame({
        "step": ["assessed cases", "lost to listwise deletion", "model 1: all regime types",
                 f"model 2: closed (Polity < {regime_cutoff})", f"model 3: open (Polity > {regime_cutoff})",
                 f"at the cut-off (Polity = {regime_cutoff})"],
        "cases": [len(everyone), int(loss["any"]), len(frame), int((regime == "closed").sum()),
                  int((regime == "open").sum()), int((regime == "boundary").sum())],
    })
    lost = loss.drop("any")
    lost = lost[lost > 0].rename(lambda c: f"  missing: {LABELS.get(c, c)}")
    return pd.concat([sizes, pd.DataFrame({"step": lost.index, "cases": lost.to_numpy()})], ignore_index=True)


def separation_summary(results: dict) -> pd.DataFrame:
    """Per model: is the sample separated, by which predictor, which estimates are not finite."""
    rows = []
    for model, res in results.items():
        sep = res.separation
        dropped = getattr(res, "dropped", [])
        rows.append({"model": model, "n": int(res.nobs), "separated": sep.separated,
                     "caused_by": ", ".join(sep.causes), "not_finite": ", ".join(sep.variables),
                     "diagnosis": sep.message(),
                     "left_out": ", ".join(f"{c} (no variation)" for c in dropped)})
    return pd.DataFrame(rows)


def coefficients(results: dict, confidence: float = 0.95) -> pd.DataFrame:
    """Long table of estimates: model, term, estimate, se, p, interval, odds ratio, stars.

    Takes statsmodels results or FirthResult objects (anything with params, bse,
    pvalues and a conf_int).
    """
    rows = []
    for model, res in results.items():
        ci = _interval(res, confidence)
        separation = getattr(res, "separation", None)
        infinite = set(separation.variables) if separation is not None else set()
        for term in res.params.index:
            est, se, p = float(res.params[term]), float(res.bse[term]), float(res.pvalues[term])
            low, high = float(ci.loc[term].iloc[0]), float(ci.loc[term].iloc[1])
            with np.errstate(over="ignore"):       # a separated term's odds ratio is infinite anyway
                odds = np.exp([est, low, high])
            rows.append({"model": model, "term": term, "estimate": est, "se": se, "p": p,
                         "low": low, "high": high, "odds_ratio": odds[0], "or_low": odds[1],
                         "or_high": odds[2], "stars": stars(p), "n": int(res.nobs),
                         "separated": term in infinite})
    return pd.DataFrame(rows)


def odds_ratio_table(coefs: pd.DataFrame, predictors: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Odds ratio (with stars) and interval per predictor, one pair of columns per model."""
    level = f"{confidence:.0%} interval"
    ors = coefs[coefs["term"] != CONSTANT].copy()
    ors["predictor"] = ors["term"].map(lambda t: LABELS.get(t, t))
    ors["odds ratio"] = [f"{o:.2f}{s}" if not sep else "not finite"
                         for o, s, sep in zip(ors["odds_ratio"], ors["stars"], ors["separated"])]
    ors[level] = [f"{lo:.2f} to {hi:.2f}" if not sep else "–"
                  for lo, hi, sep in zip(ors["or_low"], ors["or_high"], ors["separated"])]
    wide = ors.pivot(index="predictor", columns="model", values=["odds ratio", level])
    wide = wide.reindex([LABELS.get(t, t) for t in predictors])
    wide.columns = [f"{MODEL_LABELS[m]}: {what}" for what, m in wide.columns]
    return wide[[f"{MODEL_LABELS[m]}: {what}" for m in MODELS for what in ("odds ratio", level)]]


def _interval(res, confidence: float) -> pd.DataFrame:
    try:
        return pd.DataFrame(res.conf_int(alpha=1 - confidence))
    except TypeError:                                  # FirthResult: interval fixed at fit time
        if abs(res.confidence - confidence) > 1e-12:
            raise ValueError(f"Firth fit has {res.confidence:.0%} intervals; refit for {confidence:.0%}")
        return res.conf_int()


def average_prediction(result, frame: pd.DataFrame, setting: dict, confidence: float = 0.95,
                       predictors: list[str] | None = None) -> dict:
    """Mean predicted probability of improvement if every case had `setting`, with a delta-method interval.

    Counterfactual averaging over the model's own cases (not a 'typical case'),
    so the other predictors keep their observed mix.
    """
    predictors = predictors or [c for c in result.params.index if c != CONSTANT]
    _, X = design(frame, predictors)
    for col, value in setting.items():
        X[col] = float(value)
    sf = result.get_prediction(exog=X, average=True).summary_frame(alpha=1 - confidence)
    return {"probability": float(sf["predicted"].iloc[0]), "se": float(sf["se"].iloc[0]),
            "low": float(sf["ci_lower"].iloc[0]), "high": float(sf["ci_upper"].iloc[0])}


def prediction_curve(result, frame: pd.DataFrame, variable: str, values, confidence: float = 0.95,
                     **fixed) -> pd.DataFrame:
    """Average predicted probability at each value of one predictor (others as observed)."""
    rows = [{variable: v, **average_prediction(result, frame, {variable: v, **fixed}, confidence)}
            for v in values]
    return pd.DataFrame(rows)


def discrete_change(result, variable: str, confidence: float = 0.95) -> dict:
    """Average change in the probability of improvement when a 0/1 predictor goes 0 → 1."""
    sf = result.get_margeff(at="overall", dummy=True).summary_frame(alpha=1 - confidence)
    row = sf.loc[variable]
    return {"change": float(row["dy/dx"]), "se": float(row["Std. Err."]),
            "low": float(row.iloc[4]), "high": float(row.iloc[5]), "p": float(row["Pr(>|z|)"])}


def contrast_predictions(results: dict, frame: pd.DataFrame, confidence: float = 0.95,
                         contrasts: dict = CONTRASTS) -> pd.DataFrame:
    """Average predicted probability without and with each 0/1 contrast, and the change.

    One row per contrast whose term is in its model: name, contrast (readable), without,
    with, change, change low, change high.
    """
    rows = []
    for name, (term, model) in contrasts.items():
        res, sub = results[model], model_frame(frame, model)
        if term not in res.params.index:
            continue
        without = average_prediction(res, sub, {term: 0}, confidence)
        with_ = average_prediction(res, sub, {term: 1}, confidence)
        change = discrete_change(res, term, confidence)
        rows.append({"name": name, "contrast": f"{LABELS[term]} ({MODEL_LABELS[model].lower()})",
                     "without": without["probability"], "with": with_["probability"],
                     "change": change["change"], "change low": change["low"], "change high": change["high"]})
    return pd.DataFrame(rows)


def mention_curves(results: dict, frame: pd.DataFrame, most: int, confidence: float = 0.95) -> dict:
    """Average predicted probability at 1, 2, ... mentions per model, up to `most`.

    A model's curve stops at the most mentions among its own cases (no extrapolation).
    """
    top = int(min(frame["mentions"].max(), most))
    curves = {}
    for model, res in results.items():
        sub = model_frame(frame, model)
        upto = [m for m in range(1, top + 1) if m <= sub["mentions"].max()]
        curves[model] = prediction_curve(res, sub, "mentions", upto, confidence)
    return curves
