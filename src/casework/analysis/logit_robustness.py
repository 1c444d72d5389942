"""How Table 1 moves under reasonable alternative choices (wp2019 and its footnotes).

Each variant changes one thing against a baseline: how improvement is coded,
where the regime split lies, the standard errors, the aid measure (footnote 13),
the tautology control for repeated mentions, the limited-information cases, a
Firth penalized logit for the sparse violation dummies, and a GEE logit with
exchangeable within-country correlation (footnote 16 asks for a multilevel view).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm

from ..data.frames.improvement import LABELS, model_columns, regression_frame
from .firth import firth_logit
from .logit import MODELS, coefficients, design, fit_logit, model_frame, stars
from .separation import DesignError, detect_separation, why_not_estimable

FRAME_KEYS = ("include_mixed", "aid", "regime_cutoff", "exclude_limited", "control_next_report", "require")

# The estimates the paper's text leans on: (term, model).
HEADLINE = [("upcoming_upr", "open"), ("aid_dependency", "open"), ("mentions", "all"),
            ("business_involved", "all"), ("business_involved", "open"),
            ("viol_detention", "closed"), ("viol_torture", "closed"),
            ("viol_disciplinary", "all"), ("viol_disciplinary", "open")]
# Estimates the text quotes from the variants, by record name: (variant, term, model).
OTHER_AID_ESTIMATES = {"aid_open_other_measure": ("aid_measure", "aid_dependency", "open"),
                       "upr_open_other_measure": ("aid_measure", "upcoming_upr", "open")}
VARIANT_ESTIMATES = {
    "mentions_all_next_report": ("next_report", "mentions", "all"),
    "mentions_closed_next_report": ("next_report", "mentions", "closed"),
    "mentions_open_next_report": ("next_report", "mentions", "open"),
    "disciplinary_all_firth": ("firth", "viol_disciplinary", "all"),
    "disciplinary_closed_firth": ("firth", "viol_disciplinary", "closed"),
    "disciplinary_open_firth": ("firth", "viol_disciplinary", "open"),
    "upr_open_cluster": ("se_cluster", "upcoming_upr", "open"),
    "aid_open_cluster": ("se_cluster", "aid_dependency", "open"),
    "mentions_all_gee": ("gee", "mentions", "all"),
    "upr_open_gee": ("gee", "upcoming_upr", "open"),
    "upr_open_mixed": ("mixed", "upcoming_upr", "open"),
    "business_open_limited_excluded": ("exclude_limited", "business_involved", "open")}
# Variants that flip a baseline option: when the baseline already makes the choice
# (e.g. control_next_report = true), the estimate with it is the baseline's.
FLIPPED_OPTION = {"next_report": "control_next_report", "mixed": "include_mixed",
                  "exclude_limited": "exclude_limited"}
SE_VARIANTS = {"se_hc1": "hc1", "se_cluster": "cluster"}  # variant -> the se_type it stands for


@dataclass(frozen=True)
class Variant:
    """One alternative specification: frame options, error type and estimator."""

    name: str
    label: str
    frame: dict = field(default_factory=dict)
    se_type: str | None = None          # None: the baseline's
    method: str = "logit"               # logit | firth | gee


def standard_variants(baseline: dict) -> list[Variant]:
    """The robustness checks of this notebook, each departing from `baseline` in one respect."""
    other_aid = "gni" if baseline.get("aid", "gdp") == "gdp" else "gdp"
    variants = [
        Variant("baseline", "Baseline (parameters of this run)"),
        Variant("mixed", "Mixed developments " + ("not " if baseline.get("include_mixed") else "")
                + "counted as improvement", {"include_mixed": not baseline.get("include_mixed", False)}),
        # Polity IV convention: autocracy -10..-6, democracy 6..10; cases at the cutoff drop out
        Variant("cutoff_autocracy", "Closed = Polity ≤ −6 (autocracies), open ≥ −4", {"regime_cutoff": -5}),
        Variant("cutoff_democracy", "Open = Polity ≥ 6 (democracies), closed ≤ 4", {"regime_cutoff": 5}),
        Variant("se_hc1", "Robust (HC1) standard errors", se_type="hc1"),
        Variant("se_cluster", "Standard errors clustered by country", se_type="cluster"),
        Variant("aid_measure", f"Aid as ODA/{other_aid.upper()} (footnote 13)", {"aid": other_aid}),
        Variant("aid_gni_sample", "Aid as ODA/GDP, on the cases with ODA/GNI",
                {"aid": "gdp", "require": ("aid_gni",)}),
        Variant("next_report", ("Without" if baseline.get("control_next_report") else "With")
                + " control for a mention in the same or next report",
                {"control_next_report": not baseline.get("control_next_report", False)}),
        Variant("exclude_limited", "Limited-information cases " + ("kept" if baseline.get("exclude_limited")
                                                                   else "excluded"),
                {"exclude_limited": not baseline.get("exclude_limited", False)}),
        Variant("firth", "Firth penalized logit", method="firth"),
        Variant("gee", "GEE logit, exchangeable correlation within country", method="gee"),
    ]
    same = {k: v for k, v in baseline.items() if k in FRAME_KEYS}
    base_se = baseline.get("se_type", "classical")

    def differs(v: Variant) -> bool:
        # a variant identical to the baseline (e.g. cutoff already at 5) adds nothing
        return (v.method != "logit" or (v.se_type is not None and v.se_type != base_se)
                or {**same, **v.frame} != same)

    return [v for v in variants if v.name == "baseline" or differs(v)]


def fit_variant(sample: pd.DataFrame, cases: pd.DataFrame, variant: Variant, baseline: dict,
                confidence: float = 0.95) -> pd.DataFrame:
    """Estimates of models 1-3 under one variant: the long table of `coefficients` + variant, note."""
    options = {k: v for k, v in {**baseline, **variant.frame}.items() if k in FRAME_KEYS}
    se_type = variant.se_type or baseline.get("se_type", "classical")
    frame = regression_frame(sample, cases, **options)
    predictors = model_columns(options.get("control_next_report", False))
    pieces = []
    for model in MODELS:
        sub = model_frame(frame, model)
        try:
            y, X = design(sub, predictors)
            sep = detect_separation(X, y)
            note = (f"{model}: separation by {', '.join(LABELS.get(v, v) for v in sep.causes or sep.variables)}"
                    + (" (finite under Firth)" if variant.method == "firth" else "")) if sep.separated else ""
            if variant.method == "firth":
                result = firth_logit(y, X, confidence=confidence)
            elif variant.method == "gee":
                result, trouble = _gee(sub, predictors)
                result.separation = sep
                if not np.isfinite(result.params).all():
                    note += " (GEE has no finite solution)" if sep.separated else f"{model}: GEE failed"
                elif trouble and not sep.separated:
                    note = f"{model}: GEE: {trouble}"
            else:
                result = fit_logit(sub, predictors, se_type=se_type, on_separation="flag", name=model)
            est = coefficients({model: result}, confidence)
        except (DesignError, np.linalg.LinAlgError, RuntimeError) as exc:
            est = pd.DataFrame({"model": [model]})
            note = f"{model}: not estimable ({why_not_estimable(exc, LABELS)})"
        est["note"] = note
        est["n"] = len(sub)
        pieces.append(est)
    out = pd.concat(pieces, ignore_index=True)
    out.insert(0, "variant", variant.name)
    out.insert(1, "label", variant.label)
    return out


def _gee(frame: pd.DataFrame, predictors: list[str]):
    """Population-averaged logit with exchangeable correlation of cases within a country.

    Returns the result and the first fitting warning (text), if any.
    """
    y, X = design(frame, predictors)
    model = sm.GEE(y, X, groups=pd.factorize(frame["country"])[0], family=sm.families.Binomial(),
                   cov_struct=sm.cov_struct.Exchangeable())
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="ignore", invalid="ignore"):
        warnings.simplefilter("always")
        result = model.fit(maxiter=100)
        bse = result.bse                              # computed lazily: keep its warnings here too
    if not np.isfinite(bse).all():
        caught.append(warnings.WarningMessage("robust covariance not positive definite", RuntimeWarning, "", 0))
    return result, (str(caught[0].message) if caught else "")


def robustness(sample: pd.DataFrame, cases: pd.DataFrame, baseline: dict,
               variants: list[Variant] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """All variants stacked: variant, label, model, term, estimate, se, p, stars, n, note."""
    variants = variants if variants is not None else standard_variants(baseline)
    return pd.concat([fit_variant(sample, cases, v, baseline, confidence) for v in variants],
                     ignore_index=True)


def robustness_table(long: pd.DataFrame, headline: list[tuple[str, str]] = HEADLINE,
                     digits: int = 2) -> pd.DataFrame:
    """One row per variant: n per model and the headline estimates as 'b*** (se)'."""
    rows = []
    for (name, label), g in long.groupby(["variant", "label"], sort=False):
        row = {"variant": label}
        for model in MODELS:
            n = g.loc[g["model"] == model, "n"]
            row[f"n {model}"] = int(n.iloc[0]) if len(n) else np.nan
        for term, model in headline:
            hit = g[(g["term"] == term) & (g["model"] == model)] if "term" in g else g.iloc[0:0]
            row[f"{LABELS.get(term, term)} ({model})"] = _cell(hit, digits)
        notes = sorted({n for n in g["note"] if isinstance(n, str) and n})
        row["note"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(hit: pd.DataFrame, digits: int) -> str:
    if not len(hit) or not np.isfinite(hit["estimate"].iloc[0]):
        return "–"
    h = hit.iloc[0]
    if bool(h.get("separated", False)):
        return ("+∞" if h["estimate"] > 0 else "−∞") + " (separation)"
    return f"{h['estimate']:.{digits}f}{stars(h['p'])} ({h['se']:.{digits}f})"


def headline_estimate(long: pd.DataFrame, variant: str, term: str, model: str) -> pd.Series:
    """One estimate row of a robustness run (estimate, se, p, n, ...)."""
    hit = long[(long["variant"] == variant) & (long["term"] == term) & (long["model"] == model)]
    if len(hit) != 1:
        raise KeyError(f"no single estimate for variant={variant!r}, term={term!r}, model={model!r}")
    return hit.iloc[0]


def named_estimates(long: pd.DataFrame, wanted: dict[str, tuple[str, str, str]],
                    baseline: dict | None = None) -> dict[str, pd.Series | None]:
    """Estimate rows by name, for (variant, term, model) triples.

    Named by what the estimate *is*: a variant whose choice the `baseline` already makes
    (FLIPPED_OPTION, or its standard-error type) is read from the baseline row. Every
    name is returned — None where the model is not estimable — so the values a notebook
    records, and the paper cites, are the same whatever the parameters.
    """
    baseline = baseline or {}
    out: dict[str, pd.Series | None] = {}
    for name, (variant, term, model) in wanted.items():
        same_errors = variant in SE_VARIANTS and SE_VARIANTS[variant] == baseline.get("se_type")
        if baseline.get(FLIPPED_OPTION.get(variant)) or same_errors:
            variant = "baseline"
        try:
            out[name] = headline_estimate(long, variant, term, model)
        except KeyError:                                 # model not estimable under this variant
            out[name] = None
    return out


def variant_n(long: pd.DataFrame, variant: str, model: str) -> int:
    """Cases in one model under one variant."""
    return int(long.groupby(["variant", "model"])["n"].first()[(variant, model)])


def headline_stable(long: pd.DataFrame, headline: list[tuple[str, str]] = HEADLINE) -> int:
    """Headline estimates whose sign and 5% significance hold in every variant."""
    base_rows = long[long["variant"] == "baseline"].set_index(["term", "model"])
    stable = 0
    for term, model in headline:
        if (term, model) not in base_rows.index:
            continue
        b = base_rows.loc[(term, model)]
        others = long[(long["term"] == term) & (long["model"] == model) & (long["variant"] != "baseline")]
        keeps = ((np.sign(others["estimate"]) == np.sign(b["estimate"]))
                 & ((others["p"] < 0.05) == (b["p"] < 0.05)))
        stable += bool(keeps.all())
    return stable
