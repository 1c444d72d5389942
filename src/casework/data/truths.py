"""The generating truths of synthetic data: which model made which outcome, with what parameters.

`casework simulate` writes them into the data package's provenance (`truths`), so a
notebook can ask, for each published estimate, "what value generated these data?"
and the scorecard can say whether the computed interval recovers it. On real data,
and for an estimate no model generates, the answer is NaN.

Layout of `provenance["truths"]` (JSON):

    {"<analysis>": {"model": "<family, in words>",
                    "generates": {"<model>": {"<term>": value, ...}, ...},
                    "not_generated": {"<model>": "<why no model generates it>", ...}},
     ...}

Analyses: 'improvement_logit' (models 'all', 'closed', 'open' of Table 1 in
Spannagel 2019) and 'release_cox' (models '1'-'4' of Table 1 in Myrick & Weinstein
2018); terms are the keys of `published.yml`.
"""
from __future__ import annotations

import math

import pandas as pd

from ..published import published
from .frames.survival import CONCERNS, REGIONS

LOGIT = "improvement_logit"
COX = "release_cox"


def declared_truths() -> dict:
    """The truths the default generator draws from (published estimates, signs as printed)."""
    from .simulate.freethe20 import BASELINE_SCALE, BASELINE_SHAPE, MIN_DETENTION
    coefs = published()["regressions"]["coefficients"]
    logit = {m: {term: float(v[m][0]) for term, v in coefs.items()} for m in ("closed", "open")}
    cox = published()["freethe20"]["cox_models"]
    m4 = {t: float(cox[t][3][0]) for t in ("freethe20", *CONCERNS, *REGIONS)}
    return {
        LOGIT: {
            "model": "independent Bernoulli draw per assessed case from the regime's logit "
                     "(closed: Polity IV < 0, open: > 0)",
            "generates": logit,
            "not_generated": {
                "all": "the pooled logit generates only the cases with a missing covariate, "
                       "which no model fits; its published values are not a target"},
        },
        COX: {
            "model": f"proportional hazards of release, Weibull baseline (shape {BASELINE_SHAPE:g}, "
                     f"scale {BASELINE_SCALE:g} months) after {MIN_DETENTION:g} months, "
                     "log-hazard ratios of model 4; featured women drawn given held at the launch",
            "generates": {"4": m4},
            "not_generated": {
                "1": "model 1 omits the concern and region terms that generate the data",
                "2": "model 2 omits the region terms that generate the data",
                "3": "model 3 omits the concern terms that generate the data"},
        },
    }


def check_truths(truths: dict, where: str = "datapackage.json") -> None:
    """Raise ValueError naming the key when `truths` does not have the layout above."""
    if not isinstance(truths, dict):
        raise ValueError(f"{where}: provenance.truths must be a mapping, got {type(truths).__name__}")
    for analysis, entry in truths.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("generates"), dict):
            raise ValueError(f"{where}: provenance.truths.{analysis} needs a 'generates' mapping")
        for model, terms in entry["generates"].items():
            for term, value in (terms or {}).items():
                if not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise ValueError(f"{where}: provenance.truths.{analysis}.generates.{model}.{term} "
                                     f"must be a finite number, got {value!r}")


def truth_table(provenance: dict | None) -> pd.DataFrame:
    """One row per (analysis, model, term) with its truth; `generated` False where no model
    generates that model's estimates (truth NaN, `note` says why). Empty on real data."""
    rows = []
    truths = (provenance or {}).get("truths") or {}
    check_truths(truths)
    for analysis, entry in truths.items():
        for model, terms in entry["generates"].items():
            rows += [{"analysis": analysis, "model": str(model), "term": t, "truth": float(v),
                      "generated": True, "note": ""} for t, v in terms.items()]
        for model, why in (entry.get("not_generated") or {}).items():
            rows.append({"analysis": analysis, "model": str(model), "term": None,
                         "truth": math.nan, "generated": False, "note": why})
    return pd.DataFrame(rows, columns=["analysis", "model", "term", "truth", "generated", "note"])


def truth_of(provenance: dict | None, analysis: str, model, term: str) -> float:
    """The generating value of one estimate; NaN on real data or where no model generates it."""
    table = truth_table(provenance)
    hit = table[(table.analysis == analysis) & (table.model == str(model)) & (table.term == term)]
    return float(hit.truth.iloc[0]) if len(hit) else math.nan


def not_generated(provenance: dict | None, analysis: str, model) -> str:
    """Why no model generates this model's estimates ('' when one does, or on real data)."""
    table = truth_table(provenance)
    hit = table[(table.analysis == analysis) & (table.model == str(model)) & ~table.generated]
    return str(hit.note.iloc[0]) if len(hit) else ""


def add_truths(rows: pd.DataFrame, provenance: dict | None, analysis: str,
               models, terms) -> pd.DataFrame:
    """Scorecard rows with a `truth` column: the generating value per (model, term) pair."""
    return rows.assign(truth=[truth_of(provenance, analysis, m, t) for m, t in zip(models, terms)])
