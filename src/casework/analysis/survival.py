"""Time to release of women political prisoners (Myrick & Weinstein 2018).

Kaplan–Meier curves and the log-rank test for the short against the long list
(Fig. 1), balance of featured against other Urgent Action women (Fig. 3), the four
Cox models of Table 1, proportional-hazards checks, and published beside computed.
Input frames come from `casework.data.frames.survival`; the figures are drawn by
`casework.report.figures.survival`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, CoxTimeVaryingFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times

from . import cox_zph, intervals
from ..data.frames.survival import CONCERNS, REGIONS, TARGET_COUNTRIES
from ..published import published

STUDY = "Myrick & Weinstein 2018 (#Freethe20)"
TERMS = ("freethe20", *CONCERNS, *REGIONS)
COX_MODELS = {  # Table 1: Free the 20; + concerns; + regions; all
    1: ("freethe20",),
    2: ("freethe20", *CONCERNS),
    3: ("freethe20", *REGIONS),
    4: TERMS,
}
# lifelines stops Newton–Raphson when the log-likelihood changes by less than 1e-9
# (relative); that leaves coefficients up to ~1e-4 from the maximum. Tighter, the fit
# equals R's coxph to 1e-6 (tests/test_cox_reference.py).
FIT_OPTIONS = {"precision": 1e-14, "r_precision": 1e-16, "max_steps": 2000}
IMBALANCE = 0.25   # a standardized difference beyond ±0.25 is often read as imbalance
LABELS = {
    "freethe20": "Free the 20", "prisoner_of_conscience": "Prisoner of conscience",
    "torture_concerns": "Any torture concerns", "death_penalty_concerns": "Death penalty concerns",
    "legal_concerns": "Any legal concerns", "medical_concerns": "Any medical concerns",
    **REGIONS,  # the region labels, defined once with the frame
}
GLOBAL_LABEL = "Global test (all covariates)"


# --- Kaplan–Meier and log-rank -------------------------------------------------------

def km_fits(frame: pd.DataFrame, group: str = "group", confidence: float = 0.95
            ) -> dict[str, KaplanMeierFitter]:
    """One Kaplan–Meier fit per group (in order of first appearance, featured first)."""
    order = frame.sort_values("featured", ascending=False, kind="stable")[group].unique() \
        if "featured" in frame else frame[group].unique()
    fits = {}
    for label in order:
        g = frame[frame[group] == label]
        fits[label] = KaplanMeierFitter(alpha=1 - confidence).fit(
            g.duration, g.released, label=str(label))
    return fits


def logrank(frame: pd.DataFrame, group: str = "featured"):
    """Log-rank test of two groups (lifelines StatisticalResult: test_statistic, p_value)."""
    levels = list(pd.unique(frame[group]))
    if len(levels) != 2:
        raise ValueError(f"logrank: column {group!r} has {len(levels)} groups, expected 2")
    a, b = (frame[frame[group] == v] for v in levels)
    return logrank_test(a.duration, b.duration, a.released, b.released)


def km_summary(fits: dict[str, KaplanMeierFitter]) -> pd.DataFrame:
    """Per group: women, releases, censored, median months to release with its interval."""
    rows = []
    for label, kmf in fits.items():
        ci = median_survival_times(kmf.confidence_interval_)
        rows.append({"group": label, "women": int(len(kmf.durations)),
                     "released": int(kmf.event_observed.sum()),
                     "censored": int(len(kmf.durations) - kmf.event_observed.sum()),
                     "median_months": _finite(kmf.median_survival_time_),
                     "median_low": _finite(ci.iloc[0, 0]), "median_high": _finite(ci.iloc[0, 1])})
    return pd.DataFrame(rows)


def _finite(x) -> float:
    """inf (median or bound not reached) -> NaN, so tables show it as missing."""
    x = float(x)
    return x if np.isfinite(x) else np.nan


def format_p(p: float) -> str:
    """p-values as the #Freethe20 study prints them: '< 0.0001' below that bound."""
    return intervals.format_p(p, floor=1e-4)


def km_display(summary: pd.DataFrame) -> pd.DataFrame:
    """km_summary for reading: counts as integers, medians as text ('not reached')."""
    def months(x):
        return "not reached" if pd.isna(x) else f"{x:.1f}"
    return pd.DataFrame({
        "List": summary.group, "Women": summary.women, "Released": summary.released,
        "Censored": summary.censored, "Median months": summary.median_months.map(months),
        "CI low": summary.median_low.map(months), "CI high": summary.median_high.map(months)})


# --- Balance of featured and other Urgent Action women (Fig. 3) ------------------------

def standardized_differences(urgent_actions: pd.DataFrame) -> pd.DataFrame:
    """Standardized mean difference, featured minus other women, per characteristic.

    SMD = (mean_featured − mean_other) / sqrt((s²_featured + s²_other) / 2), with
    p(1 − p) as the variance of a 0/1 characteristic (Austin 2009). Missing values are
    left out per characteristic. Rows: number of UAs, the five concerns, year of
    entry, then one row per country.
    """
    ua = urgent_actions
    featured = ua.featured.astype(bool)
    columns = {"Number of Urgent Actions": (ua.n_urgent_actions.astype(float), False)}
    for name, col in CONCERNS.items():
        columns[LABELS[name]] = (ua[col].astype("Float64").astype(float), True)
    columns["Year of entry"] = (ua.year_entry.astype(float), False)
    for code, name in sorted(TARGET_COUNTRIES.items(), key=lambda kv: kv[1]):
        if (ua.country == code).any():
            columns[name] = ((ua.country == code).astype(float), True)
    rows = []
    for label, (x, binary) in columns.items():
        a, b = x[featured].dropna(), x[~featured].dropna()
        if binary:
            va, vb = a.mean() * (1 - a.mean()), b.mean() * (1 - b.mean())
        else:
            va, vb = a.var(ddof=1), b.var(ddof=1)
        pooled = np.sqrt((va + vb) / 2)
        smd = (a.mean() - b.mean()) / pooled if pooled > 0 else np.nan
        kind = "country" if label in TARGET_COUNTRIES.values() else "case"
        rows.append({"characteristic": label, "kind": kind, "mean_featured": a.mean(),
                     "mean_other": b.mean(), "n_featured": len(a), "n_other": len(b), "smd": smd})
    return pd.DataFrame(rows)


# --- Cox models (Table 1) --------------------------------------------------------------

@dataclass
class CoxModel:
    """One fitted Table 1 model: its number, covariates, lifelines fitter and sample."""

    number: int
    covariates: tuple[str, ...]
    fitter: CoxPHFitter
    data: pd.DataFrame

    @property
    def n_obs(self) -> int:
        return int(len(self.data))

    @property
    def n_events(self) -> int:
        return int(self.data.released.sum())


def concordance(time, event, risk) -> float:
    """Harrell's C as R's survival computes it (`concordance`, default weights).

    A pair is comparable when the shorter time is a release and the other woman was
    still held after it (censored at the same time counts as still held; two releases
    at the same time are not compared); a tie in the risk score counts one half.
    lifelines treats the time ties differently, which moves the third decimal.
    """
    time, event, risk = (np.asarray(a, float) for a in (time, event, risk))
    agree = disagree = tied = 0
    for i in np.flatnonzero(event == 1):
        later = risk[(time > time[i]) | ((time == time[i]) & (event == 0))]
        agree += int((later < risk[i]).sum())
        disagree += int((later > risk[i]).sum())
        tied += int((later == risk[i]).sum())
    pairs = agree + disagree + tied
    return (agree + tied / 2) / pairs if pairs else np.nan


def _set_r_concordance(fitter: CoxPHFitter, data: pd.DataFrame) -> None:
    """Give the fitter R's concordance, so every table that asks it (maketables too) agrees."""
    covs = list(fitter.params_.index)
    risk = data[covs].to_numpy(float) @ fitter.params_.to_numpy()
    # CoxPHFitter hands attributes to its fitted model, which caches the value in
    # _concordance_index_ on first use; set it there first.
    model = fitter.__dict__.get("_model", fitter)
    model._concordance_index_ = concordance(data["duration"], data["released"], risk)
    fitter.__dict__.pop("_concordance_index_", None)


def fit_cox_models(frame: pd.DataFrame, confidence: float = 0.95,
                   models: dict[int, tuple[str, ...]] | None = None) -> dict[int, CoxModel]:
    """Fit the Table 1 models (Efron ties) on an `urgent_action_frame`.

    Model 1 uses every woman; models 2-4 share the women with all concern flags
    recorded: the study reports 245 observations for each of them, although model
    3 has no concern covariate, which only a common sample explains.
    """
    models = models or COX_MODELS
    complete = frame.dropna(subset=list(CONCERNS))
    out = {}
    for number, covs in models.items():
        sample = frame if number == 1 else complete
        data = sample[[*covs, "duration", "released"]].reset_index(drop=True)
        fitter = CoxPHFitter(alpha=1 - confidence).fit(data, "duration", "released", fit_options=FIT_OPTIONS)
        _set_r_concordance(fitter, data)
        out[number] = CoxModel(number, tuple(covs), fitter, data)
    return out


def fit_delayed_entry(frame: pd.DataFrame, entry, confidence: float = 0.95,
                      number: int = 4) -> CoxModel:
    """Table 1 model `number` with delayed entry: each woman at risk from `entry` months
    after her arrest (left truncation; Surv(entry, duration, released) in R).

    The featured women were chosen for being held at the launch, so they could not have
    been released, and still featured, before it; `entry` is the months from arrest to
    the launch for them and 0 for the others (casework.analysis.recovery.delayed_entry).
    Same sample as fit_cox_models, less any woman whose follow-up ends before she
    enters (she is never at risk).
    """
    covs = COX_MODELS[number]
    frame = frame.assign(entry=np.asarray(entry, dtype=float))
    sample = frame if number == 1 else frame.dropna(subset=list(CONCERNS))
    sample = sample[sample.duration > sample.entry]
    data = sample[[*covs, "entry", "duration", "released"]].reset_index(drop=True)
    fitter = CoxPHFitter(alpha=1 - confidence).fit(data, "duration", "released", entry_col="entry",
                                                   fit_options=FIT_OPTIONS)
    return CoxModel(number, tuple(covs), fitter, data)


def interval_side(low: float, high: float, null: float = 1.0) -> str:
    """Where an interval lies relative to `null` (a hazard ratio's 1): 'above', 'below' or 'across'."""
    return "above" if low > null else "below" if high < null else "across"


def tidy_estimates(models: dict[int, CoxModel]) -> pd.DataFrame:
    """One row per model and term: coefficient, SE, interval, hazard ratio and its interval, p."""
    rows = []
    for number, m in models.items():
        s = m.fitter.summary
        lo, hi = _interval_columns(s.columns)
        for term in m.covariates:
            r = s.loc[term]
            rows.append({"model": number, "term": term, "label": LABELS.get(term, term),
                         "coef": r["coef"], "se": r["se(coef)"], "coef_low": r[lo], "coef_high": r[hi],
                         "hr": np.exp(r["coef"]), "hr_low": np.exp(r[lo]), "hr_high": np.exp(r[hi]),
                         "p": r["p"]})
    return pd.DataFrame(rows)


def term_estimates(estimates: pd.DataFrame, term: str = "freethe20") -> pd.DataFrame:
    """The rows of tidy_estimates for one covariate, one per model."""
    return estimates[estimates.term == term].reset_index(drop=True)


def hazard_ratio_table(estimates: pd.DataFrame) -> pd.DataFrame:
    """Hazard ratio [interval] per covariate (rows) and model (columns), blank where left out."""
    hr = estimates.assign(cell=[f"{h:.2f} [{lo:.2f}, {hi:.2f}]" for h, lo, hi
                                in zip(estimates.hr, estimates.hr_low, estimates.hr_high)])
    wide = hr.pivot(index="label", columns="model", values="cell").reindex(
        [LABELS[t] for t in TERMS]).fillna("")
    wide.columns = [f"Model {m}" for m in wide.columns]
    return wide.rename_axis("Covariate")


def model_statistics(models: dict[int, CoxModel]) -> pd.DataFrame:
    """Per model: observations, releases, concordance, partial log-likelihood, LR test."""
    rows = []
    for number, m in models.items():
        lr = m.fitter.log_likelihood_ratio_test()
        rows.append({"model": number, "observations": m.n_obs, "releases": m.n_events,
                     "concordance": m.fitter.concordance_index_,
                     "partial_loglik": m.fitter.log_likelihood_,
                     "lr_chi2": lr.test_statistic, "lr_df": int(lr.degrees_freedom), "lr_p": lr.p_value})
    return pd.DataFrame(rows)


def cox_table(models: dict[int, CoxModel]):
    """Table 1 layout (coefficient, standard error below) with maketables' lifelines support."""
    from maketables import ETable
    return ETable([m.fitter for m in models.values()], coef_fmt="b:.3f* \n (se:.3f)",
                  model_stats=["N", "events", "concordance", "ll"],
                  model_stats_labels={"N": "Observations", "events": "Releases",
                                      "concordance": "Concordance",
                                      "ll": "Partial log-likelihood"},
                  labels={**LABELS, "released": "Time to release"}, keep=list(TERMS),
                  exact_match=True, head_order="",
                  notes="Cox proportional hazards models of time from arrest to release, "
                        "Efron ties. Coefficient (standard error); * p < .1, ** p < .05, *** p < .01.")


# --- Proportional hazards --------------------------------------------------------------

def ph_tests(models: dict[int, CoxModel], time_transform: str = "km") -> pd.DataFrame:
    """Exact score test of proportional hazards per model, covariate and GLOBAL (R `cox.zph`).

    The test of Grambsch & Therneau (1994) in the exact form R's survival package
    uses since version 3.0 (casework.analysis.cox_zph); time_transform 'km' (R's
    default), 'rank' or 'identity'. The GLOBAL row tests all covariates of a model together.
    """
    rows = []
    for number, m in models.items():
        res = cox_zph.zph_fitted(m.fitter, m.data, time_transform)
        for r in res.itertuples():
            rows.append({"model": number, "term": r.term, "label": LABELS.get(r.term, GLOBAL_LABEL),
                         "chi2": r.chi2, "df": r.df, "p": r.p})
    return pd.DataFrame(rows)


def covariate_ph_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """ph_tests without the GLOBAL rows: one test per model and covariate."""
    return tests[tests.term != cox_zph.GLOBAL].reset_index(drop=True)


def ph_table(tests: pd.DataFrame) -> pd.DataFrame:
    """ph_tests p-values per covariate (rows, the global test last) and model (columns)."""
    wide = tests.pivot(index="label", columns="model", values="p").reindex(
        [*(LABELS[t] for t in TERMS), GLOBAL_LABEL])
    wide.columns = [f"Model {m} p" for m in wide.columns]
    return wide.rename_axis("Covariate")


def ph_worst_terms(tests: pd.DataFrame, model: int, k: int = 3, first: str = "freethe20") -> list[str]:
    """`first`, then the k other covariates of `model` with the smallest PH test p-values."""
    ranked = covariate_ph_tests(tests)
    ranked = ranked[ranked.model == model].sort_values("p", kind="stable")  # ties: table order
    return [first, *[t for t in ranked.term if t != first][:k]]


def schoenfeld(model: CoxModel) -> pd.DataFrame:
    """Scaled Schoenfeld residuals plus the coefficient (an estimate of β(t)), with event times."""
    res = model.fitter.compute_residuals(model.data, kind="scaled_schoenfeld")
    out = res + model.fitter.params_[res.columns]
    out.insert(0, "duration", model.data.loc[res.index, "duration"].to_numpy())
    # Tied event times keep the residuals' order (a stable sort, the same on every CPU).
    return out.sort_values("duration", kind="stable").reset_index(drop=True)


def split_follow_up(data: pd.DataFrame, cut: float, term: str = "freethe20") -> pd.DataFrame:
    """Episodes (start, stop] cut at `cut` months, with `term` split into early and late effects."""
    d = data.reset_index(drop=True).rename_axis("id").reset_index()
    early = d.assign(start=0.0, stop=d.duration.clip(upper=cut),
                     event=np.where(d.duration <= cut, d.released, 0))
    late = d[d.duration > cut].assign(start=cut, stop=lambda x: x.duration, event=lambda x: x.released)
    ep = pd.concat([early, late], ignore_index=True)
    ep = ep[ep.stop > ep.start]
    ep[f"{term}_early"] = ep[term] * (ep.start < cut)
    ep[f"{term}_late"] = ep[term] * (ep.start >= cut)
    return ep.drop(columns=[term, "duration", "released"]).sort_values(["id", "start"]) \
        .reset_index(drop=True)


def stratified_data(model: CoxModel, strata: list[str]) -> pd.DataFrame:
    """The model's sample with `strata` as stratum columns ('region': one column from the dummies)."""
    data = model.data.copy()
    covs = [c for c in model.covariates if c not in strata and not ("region" in strata and c in REGIONS)]
    if "region" in strata:
        data["region"] = np.select([data[c] == 1 for c in REGIONS], list(REGIONS), "other")
    return data[[*covs, *strata, "duration", "released"]]


def ph_alternative_fits(models: dict[int, CoxModel], tests: pd.DataFrame, alpha: float,
                        model: int = 4, confidence: float = 0.95) -> list[tuple[str, object, str]]:
    """(approach, fitted lifelines model, Free the 20 term) for each row of ph_alternatives.

    Always: the model as fitted and the Free the 20 effect split at the median release
    time (early vs late follow-up, CoxTimeVaryingFitter). When other covariates of
    `model` fail the test at `alpha`: the model stratified on them (a region dummy
    stratifies by region).
    """
    m = models[model]
    fits = [("proportional hazards (as fitted)", m.fitter, "freethe20")]
    cut = float(m.data.duration[m.data.released == 1].median())
    ep = split_follow_up(m.data, cut)
    ctv = CoxTimeVaryingFitter(alpha=1 - confidence).fit(
        ep, id_col="id", event_col="event", start_col="start", stop_col="stop",
        fit_options=FIT_OPTIONS)
    fits += [(f"Free the 20 split at {cut:.0f} months: {part} follow-up", ctv, f"freethe20_{part}")
             for part in ("early", "late")]
    covariates = covariate_ph_tests(tests)
    bad = covariates[(covariates.model == model) & (covariates.p < alpha)
                     & (covariates.term != "freethe20")].term
    strata = sorted({"region" if t in REGIONS else t for t in bad})
    if strata:
        fitter = CoxPHFitter(alpha=1 - confidence).fit(
            stratified_data(m, strata), "duration", "released", strata=strata, fit_options=FIT_OPTIONS)
        fits.append(("stratified on " + ", ".join(LABELS.get(s, s) for s in strata), fitter, "freethe20"))
    return fits


def ph_alternatives(models: dict[int, CoxModel], tests: pd.DataFrame, alpha: float,
                    model: int = 4, confidence: float = 0.95) -> pd.DataFrame:
    """Hazard ratio of Free the 20 without relying on proportional hazards for the violators.

    One row per fit of ph_alternative_fits: hazard ratio, its interval and p.
    """
    return pd.DataFrame([_row(model, approach, fitter, term) for approach, fitter, term
                         in ph_alternative_fits(models, tests, alpha, model, confidence)])


def ph_alternatives_display(alternatives: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """ph_alternatives for reading: column names with the interval level."""
    level = f"{confidence:.0%}"
    return alternatives.drop(columns="model").rename(columns={
        "approach": "Free the 20 effect", "hr": "Hazard ratio", "hr_low": f"{level} CI low",
        "hr_high": f"{level} CI high", "p": "p"})


def _interval_columns(columns) -> tuple[str, str]:
    """lifelines names the interval columns after the level ('coef lower 95%')."""
    return (next(c for c in columns if c.startswith("coef lower")),
            next(c for c in columns if c.startswith("coef upper")))


def _row(model: int, approach: str, fitter, term: str) -> dict:
    s = fitter.summary.loc[term]
    lo, hi = _interval_columns(s.index)
    return {"model": model, "approach": approach, "hr": np.exp(s["coef"]),
            "hr_low": np.exp(s[lo]), "hr_high": np.exp(s[hi]), "p": s["p"]}


# --- Published beside computed ---------------------------------------------------------

def published_estimates(table: dict | None = None) -> pd.DataFrame:
    """Table 1 as a long table (model, term, coef, se), signs as printed."""
    table = table if table is not None else published()["freethe20"]["cox_models"]
    rows = [{"model": i + 1, "term": term, "published": float(v[0]), "published_se": float(v[1])}
            for term in TERMS for i, v in enumerate(table[term]) if v is not None]
    return pd.DataFrame(rows)


def published_hazard_ratios(term: str = "freethe20", table: dict | None = None) -> pd.Series:
    """exp(published coefficient) of one covariate, indexed by model."""
    pub = published_estimates(table)
    rows = pub[pub.term == term]
    return pd.Series(np.exp(rows.published.to_numpy()), index=rows.model.to_numpy(), name="hr")


def compare_to_published(estimates: pd.DataFrame, logrank_p: dict[str, float] | None = None,
                         table: dict | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Every published Cox coefficient and log-rank p beside the computed value.

    estimates: `tidy_estimates` output. logrank_p: computed p by key of published.yml
    ('km_logrank_p', 'km_logrank_p_including_excluded'). For a coefficient, `agrees`
    means the published value lies inside the computed interval. A published bound
    ('< 0.0001') agrees when the computed p lies below it; a published p-value when
    both lead to the same decision at the study's level (published.yml:
    km_logrank_level, the 99% level the study states), whatever `confidence` is.
    """
    pub = published_estimates(table)
    comp = estimates[["model", "term", "coef", "se", "coef_low", "coef_high", "p"]]
    out = pub.merge(comp, on=["model", "term"], how="left", validate="one_to_one")
    out = out.rename(columns={"coef": "computed", "se": "computed_se", "p": "computed_p",
                              "coef_low": "low", "coef_high": "high"})
    out.insert(0, "quantity", [f"Cox model {m}: {LABELS[t]}" for m, t in zip(out.model, out.term)])
    out["difference"] = out.computed - out.published
    out["agrees"] = ((out.low <= out.published) & (out.published <= out.high)).where(
        out.computed.notna()).astype("boolean")
    out["rule"] = "published inside computed interval"
    out["bound"], out["alpha"] = "", np.nan
    rows = [out]
    ft = published()["freethe20"]
    alpha = float(ft["km_logrank_level"])
    labels = {"km_logrank_p": "Log-rank p, short vs long list",
              "km_logrank_p_including_excluded": "Log-rank p, with the 3 released before launch"}
    for key, p in (logrank_p or {}).items():
        value = ft[key]
        bound = isinstance(value, str) and value.strip().startswith("<")
        pv = float(str(value).strip().lstrip("<").strip())
        agrees = p < pv if bound else (p < alpha) == (pv < alpha)
        rows.append(pd.DataFrame([{
            "quantity": labels.get(key, key), "model": pd.NA, "term": key, "published": pv,
            "published_se": np.nan, "computed": p, "computed_se": np.nan, "computed_p": p, "low": np.nan,
            "high": np.nan, "difference": p - pv, "agrees": agrees,
            "rule": f"computed p below {pv:g}" if bound else f"same decision at {alpha:g}",
            "bound": "<" if bound else "", "alpha": alpha}]))
    return pd.concat(rows, ignore_index=True).astype({"agrees": "boolean"})


def comparison_display(comparison: pd.DataFrame) -> pd.DataFrame:
    """compare_to_published for reading: coefficients to 3 decimals, p-values as printed."""
    is_p = comparison.model.isna()

    def num(x, p):
        if pd.isna(x):
            return ""
        return format_p(x) if p else f"{x:.3f}"
    out = pd.DataFrame({"Estimate": comparison.quantity})
    for col, name in (("published", "Published"), ("published_se", "Published SE"),
                      ("computed", "Computed"), ("computed_se", "Computed SE"),
                      ("low", "CI low"), ("high", "CI high")):
        out[name] = [num(x, p and col in ("published", "computed"))
                     for x, p in zip(comparison[col], is_p)]
    # A published bound stays a bound.
    pub = published()["freethe20"]
    out.loc[is_p, "Published"] = [str(pub[t]) if isinstance(pub[t], str) else format_p(pub[t])
                                  for t in comparison.term[is_p]]
    out["Agrees"] = comparison.agrees.map({True: "yes", False: "no"}).fillna("")
    out["Rule"] = comparison.rule
    return out


def scorecard_rows(comparison: pd.DataFrame, signs_known: dict | None = None,
                   significant_at: dict | None = None) -> pd.DataFrame:
    """compare_to_published in the scorecard's columns, with how each row is judged.

    Coefficients: by interval, standard errors as a ratio, the sign only for the terms
    whose sign the study's text establishes (published.yml: cox_models.signs_known,
    Free the 20 alone: the extracted table lost its minus signs), and the significance
    the text states (cox_models.significant_at) as a bound on the computed p. Log-rank
    p-values: a bound as a bound, a point as a test decision at the study's level.
    """
    known = signs_known if signs_known is not None else \
        published()["freethe20"]["cox_models"].get("signs_known", {})
    is_p = comparison.model.isna()
    section = comparison.model.map(lambda m: "Fig. 1 log-rank" if pd.isna(m) else f"Table 1, model {m}")
    estimate = [LABELS.get(t, q) if not pd.isna(m) else q
                for t, q, m in zip(comparison.term, comparison.quantity, comparison.model)]
    rule = np.where(~is_p, "interval", np.where(comparison.bound.eq(""), "decision", "bound"))
    rows = pd.DataFrame({"study": STUDY, "section": section, "estimate": estimate,
                         "published": comparison.published, "computed": comparison.computed,
                         "ci_low": comparison.low, "ci_high": comparison.high,
                         "rule": rule, "bound": comparison.bound, "alpha": comparison.alpha,
                         "sign_known": ~is_p & comparison.term.isin(list(known)),
                         "published_se": comparison.published_se,
                         "computed_se": comparison.computed_se})
    # Significance the text states (the stars were lost): 'p < level', judged as a bound.
    levels = published()["freethe20"]["cox_models"].get("significant_at", {}) \
        if significant_at is None else significant_at
    sig = comparison[~is_p & comparison.term.isin(list(levels))]
    extra = pd.DataFrame({"study": STUDY, "section": section[sig.index],
                          "estimate": [f"{LABELS[t]}: p (text: significant at {levels[t]:g})"
                                       for t in sig.term],
                          "published": [float(levels[t]) for t in sig.term],
                          "computed": sig.computed_p, "ci_low": np.nan, "ci_high": np.nan,
                          "rule": "bound", "bound": "<", "alpha": np.nan, "sign_known": False,
                          "published_se": np.nan, "computed_se": np.nan})
    return pd.concat([rows, extra], ignore_index=True)
