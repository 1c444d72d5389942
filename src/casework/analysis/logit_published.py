"""Table 1 of the working paper (Spannagel 2019) beside the computed logits.

Reads the published coefficients and fit statistics (published.yml), sets each beside
the computed estimate and interval, counts the agreement and turns it into rows of the
replication scorecard.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.frames.improvement import CONSTANT, LABELS, PREDICTORS
from ..published import published
from .fit_stats import fit_stats
from .logit import MODEL_LABELS, MODELS


def published_coefficients(table: dict | None = None) -> pd.DataFrame:
    """wp2019 Table 1 as a long table: model, term, estimate, se, stars (from published.yml)."""
    table = table if table is not None else published()["regressions"]["coefficients"]
    rows = [{"model": model, "term": term, "estimate": float(v[0]), "se": float(v[1]), "stars": v[2]}
            for term, by_model in table.items() for model, v in by_model.items()]
    return pd.DataFrame(rows)


def compare_to_published(computed: pd.DataFrame, table: dict | None = None) -> pd.DataFrame:
    """Every published Table 1 estimate beside the computed one.

    computed: the output of `coefficients` (its low/high give the interval).
    Columns: model, term, published, published_se, published_stars, computed,
    computed_se, computed_stars, low, high, difference (computed − published),
    in_interval (published value inside the computed interval), same_sign,
    same_stars, separated. A published term the computed fit lacks stays, with
    NaN. An estimate that does not exist (separation) becomes ±inf: only its sign
    is compared, its interval and stars are missing.
    """
    pub = published_coefficients(table).rename(
        columns={"estimate": "published", "se": "published_se", "stars": "published_stars"})
    comp = computed.assign(separated=computed.get("separated", False))[
        ["model", "term", "estimate", "se", "stars", "low", "high", "separated"]].rename(
        columns={"estimate": "computed", "se": "computed_se", "stars": "computed_stars"})
    out = pub.merge(comp, on=["model", "term"], how="left", validate="one_to_one")
    sep = out["separated"].fillna(False).astype(bool)
    out.loc[sep, "computed"] = np.sign(out.loc[sep, "computed"]) * np.inf
    out.loc[sep, ["computed_se", "low", "high"]] = np.nan
    out.loc[sep, "computed_stars"] = None
    out["difference"] = (out["computed"] - out["published"]).where(~sep)
    found = out["computed"].notna()
    out["in_interval"] = (out["low"] <= out["published"]) & (out["published"] <= out["high"])
    out["same_sign"] = np.sign(out["computed"]) == np.sign(out["published"])
    out["same_stars"] = out["computed_stars"] == out["published_stars"]
    for col, valid in (("in_interval", found & ~sep), ("same_sign", found), ("same_stars", found & ~sep)):
        out[col] = out[col].where(valid).astype("boolean")
    out["separated"] = sep
    order = {m: i for i, m in enumerate(MODELS)}
    terms = {t: i for i, t in enumerate([*PREDICTORS, CONSTANT])}
    out = out.sort_values(["model", "term"], key=lambda s: s.map(order if s.name == "model" else terms))
    return out.reset_index(drop=True)


def comparison_display(comparison: pd.DataFrame) -> pd.DataFrame:
    """compare_to_published for reading: labels, estimates with stars, intervals as text."""
    sep = comparison["separated"]
    return comparison.assign(
        model=comparison["model"].map(MODEL_LABELS), term=comparison["term"].map(lambda t: LABELS.get(t, t)),
        published=[f"{b:g}{s}" for b, s in zip(comparison["published"], comparison["published_stars"])],
        computed=[("+∞" if b > 0 else "−∞") + " (separation)" if infinite else f"{b:.2f}{s}"
                  for b, s, infinite in zip(comparison["computed"], comparison["computed_stars"], sep)],
        interval=["–" if infinite else f"{lo:.2f} to {hi:.2f}"
                  for lo, hi, infinite in zip(comparison["low"], comparison["high"], sep)],
    )[["model", "term", "published", "computed", "interval", "difference", "in_interval", "same_sign",
       "same_stars"]].rename(columns={"in_interval": "inside interval", "same_sign": "same sign",
                                      "same_stars": "same stars"})   # headers for readers


def agreement_note(summary: dict, confidence: float = 0.95) -> str:
    """One line on an agreement_summary: published estimates inside the computed interval."""
    note = (f"{summary['in_interval']} of {summary['n_finite']} published estimates inside the computed "
            f"{confidence:.0%} interval")
    return note + (f"; {summary['n_separated']} not finite" if summary["n_separated"] else "")


def agreement_summary(comparison: pd.DataFrame) -> dict:
    """Counts over a compare_to_published table: how many published values the fit reproduces."""
    finite = comparison["computed"].notna() & np.isfinite(comparison["computed"].fillna(0.0))
    return {"n": int(len(comparison)), "n_finite": int(finite.sum()),
            "n_separated": int(comparison.get("separated", pd.Series(False)).sum()),
            "in_interval": int(comparison["in_interval"].fillna(False).sum()),
            "same_sign": int(comparison["same_sign"].fillna(False).sum()),
            "same_stars": int(comparison["same_stars"].fillna(False).sum()),
            "mean_abs_difference": float(comparison["difference"].abs().mean())}


STUDY = "Spannagel 2019 (Working Paper 7)"
FIT_LABELS = {"n": "observations", "loglik": "log likelihood", "r2_cox_snell": "pseudo-R² (Cox–Snell)",
              "r2_nagelkerke": "pseudo-R² (Nagelkerke)"}


FIT_FORMATS = {"n": "{:,.0f}", "loglik": "{:.2f}", "r2_cox_snell": "{:.2f}", "r2_nagelkerke": "{:.2f}"}


def scorecard_rows(comparison: pd.DataFrame, fit: pd.DataFrame | None = None) -> pd.DataFrame:
    """compare_to_published (and compare_fit_to_published) in the scorecard's columns.

    Coefficients carry the computed interval, the standard errors and the stars, and
    their sign is known (the table prints its minus signs); a coefficient that is not
    finite (separation) keeps its sign (±inf) but has no interval. Fit statistics have
    no interval and no sign: shown, not counted.
    """
    rows = [{"study": STUDY, "section": f"Table 1, {MODEL_LABELS[r.model].lower()}",
             "estimate": LABELS.get(r.term, r.term) + (" (not finite: separation)" if r.separated else ""),
             "published": r.published, "computed": r.computed,
             "ci_low": r.low, "ci_high": r.high, "rule": "interval", "sign_known": True,
             "published_se": r.published_se, "computed_se": r.computed_se,
             "published_stars": r.published_stars, "computed_stars": r.computed_stars}
            for r in comparison.itertuples()]
    if fit is not None:
        rows += [{"study": STUDY, "section": f"Table 1, {MODEL_LABELS[r.model].lower()}",
                  "estimate": FIT_LABELS[r.statistic], "published": r.published, "computed": r.computed,
                  "ci_low": np.nan, "ci_high": np.nan, "rule": "none", "sign_known": False}
                 for r in fit.itertuples()]
    return pd.DataFrame(rows, columns=["study", "section", "estimate", "published", "computed",
                                       "ci_low", "ci_high", "rule", "sign_known", "published_se",
                                       "computed_se", "published_stars", "computed_stars"])


def compare_fit_to_published(results: dict) -> pd.DataFrame:
    """n, log-likelihood and both pseudo-R² per model, published beside computed."""
    pub = published()["regressions"]["models"]
    rows = []
    for model, res in results.items():
        got = fit_stats(res)
        for stat in ("n", "loglik", "r2_cox_snell", "r2_nagelkerke"):
            rows.append({"model": model, "statistic": stat, "published": pub[model][stat],
                         "computed": got[stat], "difference": got[stat] - pub[model][stat]})
    return pd.DataFrame(rows)


def fit_comparison_display(fit: pd.DataFrame) -> pd.DataFrame:
    """compare_fit_to_published for reading: labels, each statistic in its own format."""
    return pd.DataFrame({
        "model": fit["model"].map(MODEL_LABELS), "statistic": fit["statistic"].map(FIT_LABELS),
        **{col: [FIT_FORMATS[s].format(v) for s, v in zip(fit["statistic"], fit[col])]
           for col in ("published", "computed", "difference")}})
