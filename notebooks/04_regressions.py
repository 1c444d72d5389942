# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What predicts an improvement? The working paper's logit models
#
# Spannagel (2019, Table 1) asks which features of a case and of the country concerned go
# with an improvement in the defender's situation within a year of the Special
# Rapporteur's communication. The outcome is narrow: a case counts as improved only when it
# was assessed *much* or *somewhat better*; mixed developments do not count (footnote 10).
# Three logit models use the same fourteen predictors — one on all assessed cases, one on
# cases from closed regimes (Polity IV below zero) and one on cases from open regimes (above
# zero) — with listwise deletion of incomplete cases. This page refits the three models,
# rebuilds the table in its published layout, sets every published estimate beside the
# computed one, translates the headline estimates into odds ratios and predicted
# probabilities, and checks how far the conclusions depend on choices the paper made:
# the coding of the outcome, the regime cut-off, the standard errors, the aid measure
# (footnote 13), the control for repeated mentions, the cases with limited information,
# sparse violation types (a penalized logit) and the grouping of cases within countries
# (footnote 16).

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
include_mixed = False
regime_cutoff = 0
se_type = "classical"
aid_measure = "gdp"
control_next_report = False
exclude_limited = False

# %%
import matplotlib.pyplot as plt
from matplotlib.ticker import PercentFormatter
import numpy as np
import pandas as pd

import casework.notebook
from casework.analysis import logit_diagnostics as diag
from casework.analysis import regression as reg
from casework.analysis.fit_stats import fit_stats
from casework.analysis.logit_robustness import (HEADLINE, headline_estimate, robustness,
                                                robustness_table, standard_variants)
from casework.analysis.logit_table import export, logit_table
from casework.data.frames.regression import (LABELS, listwise_loss, model_columns,
                                             regression_frame)
from casework.published import published
from casework.report import tables, theme

nb = casework.notebook.start("04_regressions", globals(), tables=["sample", "cases"])
theme.apply()
sample, cases = nb.data["sample"], nb.data["cases"]
options = dict(include_mixed=include_mixed, aid=aid_measure, regime_cutoff=regime_cutoff,
               exclude_limited=exclude_limited, control_next_report=control_next_report)
predictors = model_columns(control_next_report)
frame = regression_frame(sample, cases, **options)
everyone = regression_frame(sample, cases, **options, listwise=False)
results = reg.fit_models(frame, predictors, se_type=se_type)
coefs = reg.coefficients(results, confidence)
level = f"{confidence:.0%}"
MODEL_COLOURS = dict(zip(reg.MODELS, theme.OKABE_ITO))
tables_dir = nb.root / "results" / "tables"

# %% [markdown]
# ## Cases in the models
#
# Only assessed cases enter; a case missing any predictor is dropped from every model
# (listwise deletion). Cases whose Polity IV score equals the cut-off belong to neither
# regime subset and enter the all-regimes model only.

# %%
#| label: tbl-sample
#| tbl-cap: "Cases per model after listwise deletion, and the cases lost for each missing predictor."
loss = listwise_loss(everyone, predictors)
sizes = pd.DataFrame({
    "step": ["assessed cases", "lost to listwise deletion", "model 1: all regime types",
             f"model 2: closed (Polity < {regime_cutoff})", f"model 3: open (Polity > {regime_cutoff})",
             f"at the cut-off (Polity = {regime_cutoff})"],
    "cases": [len(everyone), int(loss["any"]), len(frame), int((frame["regime"] == "closed").sum()),
              int((frame["regime"] == "open").sum()), int((frame["regime"] == "boundary").sum())],
})
lost = loss.drop("any")
lost = lost[lost > 0].rename(lambda c: f"  missing: {LABELS.get(c, c)}")
sizes = pd.concat([sizes, pd.DataFrame({"step": lost.index, "cases": lost.to_numpy()})], ignore_index=True)
tables.show(sizes, nb, title="Cases in the regression models")

# %%
nb.record("n_assessed", len(everyone))
nb.record("n_lost_listwise", int(loss["any"]))
nb.record("n_boundary", int((frame["regime"] == "boundary").sum()))
for model, res in results.items():
    stats = fit_stats(res)
    nb.record(f"n_{model}", stats["n"])
    nb.record(f"loglik_{model}", stats["loglik"], fmt="{:.2f}")
    nb.record(f"r2cs_{model}", stats["r2_cox_snell"], fmt="{:.2f}")
    nb.record(f"r2nk_{model}", stats["r2_nagelkerke"], fmt="{:.2f}")
    nb.record(f"improved_share_{model}", float(res.model.endog.mean()), fmt="{:.0%}")

# %% [markdown]
# ## Separation check
#
# A rare violation type whose few cases all improved (or all did not) has no finite
# maximum-likelihood estimate. Each model's sample is checked with the linear program of
# Konis (2007) before fitting; the table names the predictor that separates the outcome
# on its own, if any.

# %%
#| label: tbl-separation
#| tbl-cap: "Separation diagnosis per model: a non-empty row means that estimate is not finite."
separation = reg.separation_summary(results)
tables.show(separation.assign(model=separation["model"].map(reg.MODEL_LABELS)), nb,
            title="Separation in the three samples")

# %%
_ = nb.record("n_models_separated", int(separation["separated"].sum()))

# %% [markdown]
# ## Table 1, refitted
#
# The published layout: logit coefficients with stars (* p < .05, ** p < .01,
# *** p < .001), standard errors in parentheses, then the number of cases, the
# log-likelihood and two pseudo-R²: Cox–Snell, 1 − exp(2(ℓ₀ − ℓ)/n), and Nagelkerke's
# rescaling of it to a maximum of 1. The standard errors are those chosen by the
# `se_type` parameter (the paper's are classical). The table is also written to
# `results/tables/` as CSV, LaTeX and HTML.

# %%
#| label: tbl-logit
#| tbl-cap: "Logit models of improvement in the defender's situation (layout of Spannagel 2019, Table 1)."
table1 = logit_table(results, caption="Regression results: improvement of the defender's situation")
export(table1, tables_dir, "04_regressions_table1")
table1.make(type="gt").tab_source_note(nb.provenance)

# %% [markdown]
# ## Odds ratios
#
# A coefficient is a change in the log odds of improvement for a one-unit change in the
# predictor; its exponential is the factor by which the odds change (footnote 14). The
# figure shows them for the three models with their intervals, on a log scale; the black
# ticks mark the odds ratios implied by the published coefficients.

# %%
#| label: tbl-odds-ratios
#| tbl-cap: "Odds ratios with intervals, by model."
ors = coefs[coefs["term"] != "constant"].copy()
ors["predictor"] = ors["term"].map(lambda t: LABELS.get(t, t))
ors["odds ratio"] = [f"{o:.2f}{s}" if not sep else "not finite"
                     for o, s, sep in zip(ors["odds_ratio"], ors["stars"], ors["separated"])]
ors[f"{level} interval"] = [f"{lo:.2f} to {hi:.2f}" if not sep else "–"
                            for lo, hi, sep in zip(ors["or_low"], ors["or_high"], ors["separated"])]
wide_or = ors.pivot(index="predictor", columns="model", values=["odds ratio", f"{level} interval"])
wide_or = wide_or.reindex([LABELS.get(t, t) for t in predictors])
wide_or.columns = [f"{reg.MODEL_LABELS[m]}: {what}" for what, m in wide_or.columns]
wide_or = wide_or[[f"{reg.MODEL_LABELS[m]}: {what}" for m in reg.MODELS
                   for what in ("odds ratio", f"{level} interval")]]
tables.show(wide_or, nb, title="Odds ratios of improvement")

# %%
#| label: fig-coefficients
#| fig-cap: "Odds ratios of improvement with intervals, by regime type; black ticks: published estimates (Spannagel 2019, Table 1)."
pub = reg.published_coefficients()
fig, ax = plt.subplots(figsize=(7.5, 7))
rows = {t: i for i, t in enumerate(predictors)}
lo_lim, hi_lim = 0.02, 50
for k, model in enumerate(reg.MODELS):
    part = coefs[(coefs["model"] == model) & (coefs["term"] != "constant")]
    ok = part[~part["separated"]]
    y = ok["term"].map(rows).to_numpy() + (k - 1) * 0.25
    ax.errorbar(ok["odds_ratio"].clip(lo_lim, hi_lim), y,
                xerr=[ok["odds_ratio"].clip(lo_lim, hi_lim) - ok["or_low"].clip(lo_lim, hi_lim),
                      ok["or_high"].clip(lo_lim, hi_lim) - ok["odds_ratio"].clip(lo_lim, hi_lim)],
                fmt="o", ms=4, capsize=0, lw=1.2, color=MODEL_COLOURS[model], label=reg.MODEL_LABELS[model])
    for term in part.loc[part["separated"], "term"]:
        ax.text(lo_lim * 1.1, rows[term] + (k - 1) * 0.25, "not finite (separation)", ha="left",
                va="center", fontsize=7, color=MODEL_COLOURS[model])
    p = pub[(pub["model"] == model) & pub["term"].isin(rows)]
    ax.plot(np.exp(p["estimate"]).clip(lo_lim, hi_lim), p["term"].map(rows) + (k - 1) * 0.25, "|",
            color="black", ms=7, mew=1.2, label="published" if k == 0 else None)
ax.axvline(1, color=theme.GREY, lw=0.8)
ax.set_xscale("log")
ax.set_xlim(lo_lim, hi_lim)
ticks = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
ax.minorticks_off()
ax.set_yticks(range(len(predictors)), [LABELS.get(t, t) for t in predictors])
ax.invert_yaxis()
ax.set_xlabel(f"odds ratio of improvement ({level} interval, log scale)")
ax.set_ylabel("")
ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8)
theme.finish(fig, nb, n=f"{len(frame)} cases (closed {int(results['closed'].nobs)}, open {int(results['open'].nobs)})")

# %%
# The estimates the working paper's text discusses: coefficient, odds ratio, interval, p.
KEYS = {"upr_open": ("upcoming_upr", "open"), "upr_closed": ("upcoming_upr", "closed"),
        "aid_open": ("aid_dependency", "open"), "aid_closed": ("aid_dependency", "closed"),
        "mentions_all": ("mentions", "all"), "mentions_closed": ("mentions", "closed"),
        "mentions_open": ("mentions", "open"), "business_all": ("business_involved", "all"),
        "business_open": ("business_involved", "open"), "detention_all": ("viol_detention", "all"),
        "detention_closed": ("viol_detention", "closed"), "torture_closed": ("viol_torture", "closed"),
        "conviction_closed": ("viol_conviction", "closed"),
        "disciplinary_all": ("viol_disciplinary", "all"), "disciplinary_open": ("viol_disciplinary", "open"),
        "reply_all": ("reply_received", "all"), "polity_all": ("polity", "all")}
by_key = coefs.set_index(["term", "model"])
for name, key in KEYS.items():
    if key not in by_key.index:                      # left out: no variation in this subset
        nb.record(name, None, note="not estimated: no variation in this subset")
        continue
    row = by_key.loc[key]
    note = "not finite: separation" if row["separated"] else None
    nb.record(name, row["estimate"], fmt="{:.2f}", note=note)
    nb.record(f"{name}_se", row["se"], fmt="{:.2f}")
    nb.record(f"{name}_or", row["odds_ratio"], fmt="{:.2f}", note=note)
    nb.record(f"{name}_or_low", row["or_low"], fmt="{:.2f}")
    nb.record(f"{name}_or_high", row["or_high"], fmt="{:.2f}")
    nb.record(f"{name}_p", row["p"], fmt="{:.3f}")

# %% [markdown]
# ## Predicted probabilities
#
# Odds ratios are hard to read as chances. The predicted probabilities below set one
# predictor to a value for *every* case of the model and average the predicted chance of
# improvement over the cases, so the other predictors keep their observed mix; intervals
# come from the delta method. The contrasts are those the paper stresses: an upcoming
# Universal Periodic Review in open regimes, business involvement, and the number of
# mentions of the defender by the Special Rapporteur.

# %%
#| label: tbl-predicted
#| tbl-cap: "Average predicted probability of improvement for the paper's headline contrasts."
CONTRASTS = [("upr_open", "upcoming_upr", "open"), ("business_all", "business_involved", "all"),
             ("business_open", "business_involved", "open"), ("detention_closed", "viol_detention", "closed")]
pred_rows = []
for name, term, model in CONTRASTS:
    res, sub = results[model], reg.model_frame(frame, model)
    if term not in res.params.index:
        continue
    without = reg.average_prediction(res, sub, {term: 0}, confidence)
    with_ = reg.average_prediction(res, sub, {term: 1}, confidence)
    change = reg.discrete_change(res, term, confidence)
    pred_rows.append({"contrast": f"{LABELS[term]} ({reg.MODEL_LABELS[model].lower()})",
                      "without": without["probability"], "with": with_["probability"],
                      "change": change["change"], "change low": change["low"], "change high": change["high"]})
    nb.record(f"prob_{name}_without", without["probability"], fmt="{:.0%}")
    nb.record(f"prob_{name}_with", with_["probability"], fmt="{:.0%}")
    nb.record(f"prob_{name}_change", change["change"], fmt="{:+.0%}")
    nb.record(f"prob_{name}_change_low", change["low"], fmt="{:+.0%}")
    nb.record(f"prob_{name}_change_high", change["high"], fmt="{:+.0%}")
predicted = pd.DataFrame(pred_rows)
tables.show(predicted, nb, title="Predicted probability of improvement",
            subtitle=f"averaged over the model's cases; change with {level} interval",
            percent=["without", "with", "change", "change low", "change high"])

# %%
#| label: fig-mentions
#| fig-cap: "Average predicted probability of improvement by the number of times the defender was named in the Special Rapporteur's communications, by regime type."
top = int(min(frame["mentions"].max(), published()["sample"]["mentions"]["max_further_mentions"]))
grid = list(range(1, top + 1))
fig, ax = plt.subplots()
curves = {}
for model in reg.MODELS:
    sub = reg.model_frame(frame, model)
    upto = [m for m in grid if m <= sub["mentions"].max()]      # no extrapolation past the data
    curve = reg.prediction_curve(results[model], sub, "mentions", upto, confidence)
    curves[model] = curve
    ax.plot(curve["mentions"], curve["probability"], marker="o", ms=3, color=MODEL_COLOURS[model],
            label=reg.MODEL_LABELS[model])
    ax.fill_between(curve["mentions"], curve["low"].clip(0, 1), curve["high"].clip(0, 1),
                    color=MODEL_COLOURS[model], alpha=0.15, lw=0)
ax.set_xlabel("communications naming the defender, 2000–2016 (1 = named once)")
ax.set_ylabel(f"predicted probability of improvement ({level} interval)")
ax.set_ylim(0, min(1.0, max(c["high"].max() for c in curves.values()) + 0.05))
ax.yaxis.set_major_formatter(PercentFormatter(1.0))
ax.legend()
theme.finish(fig, nb, n=len(frame))

# %%
for model, curve in curves.items():
    nb.record(f"prob_mentions1_{model}", curve["probability"].iloc[0], fmt="{:.0%}")
    nb.record(f"prob_mentions2_{model}", curve["probability"].iloc[1], fmt="{:.0%}")
    nb.record(f"prob_mentions_max_{model}", curve["probability"].iloc[-1], fmt="{:.1%}")
    nb.record(f"mentions_max_{model}", int(curve["mentions"].iloc[-1]))

# %% [markdown]
# ## Published and computed estimates
#
# Every coefficient of Table 1 beside the one computed here: the difference, whether the
# published value lies inside the computed interval, and whether sign and stars agree.
# The published numbers are read from `published.yml`. On the synthetic default data the
# outcome was drawn from the published models, so agreement shows that the pipeline
# recovers what generated the data — not that the study replicates.

# %%
#| label: tbl-published
#| tbl-cap: "Published (Spannagel 2019, Table 1) and computed estimates."
comparison = reg.compare_to_published(coefs)
fit_comparison = reg.compare_fit_to_published(results)
summary = reg.agreement_summary(comparison)
nb.record_comparison(reg.scorecard_rows(comparison, fit_comparison))
shown = comparison.assign(
    model=comparison["model"].map(reg.MODEL_LABELS), term=comparison["term"].map(lambda t: LABELS.get(t, t)),
    published=[f"{b:g}{s}" for b, s in zip(comparison["published"], comparison["published_stars"])],
    computed=[("+∞" if b > 0 else "−∞") + " (separation)" if sep else f"{b:.2f}{s}"
              for b, s, sep in zip(comparison["computed"], comparison["computed_stars"], comparison["separated"])],
    interval=["–" if sep else f"{lo:.2f} to {hi:.2f}"
              for lo, hi, sep in zip(comparison["low"], comparison["high"], comparison["separated"])],
)[["model", "term", "published", "computed", "interval", "difference", "in_interval", "same_sign", "same_stars"]]
tables.show(shown, nb, title="Table 1: published and computed",
            subtitle=(f"{summary['in_interval']} of {summary['n_finite']} published estimates inside the computed "
                      f"{level} interval" + (f"; {summary['n_separated']} not finite" if summary["n_separated"] else "")),
            decimals=2)

# %%
#| label: tbl-published-fit
#| tbl-cap: "Published and computed model size and fit."
fit_fmt = {"n": "{:,.0f}", "loglik": "{:.2f}", "r2_cox_snell": "{:.2f}", "r2_nagelkerke": "{:.2f}"}
fit_shown = pd.DataFrame({
    "model": fit_comparison["model"].map(reg.MODEL_LABELS),
    "statistic": fit_comparison["statistic"].map(reg.FIT_LABELS),
    **{col: [fit_fmt[s].format(v) for s, v in zip(fit_comparison["statistic"], fit_comparison[col])]
       for col in ("published", "computed", "difference")}})
tables.show(fit_shown, nb, title="Observations and fit: published and computed")

# %%
#| label: fig-published
#| fig-cap: "Computed coefficients with intervals against the published ones (Spannagel 2019, Table 1); points on the diagonal agree."
fig, ax = plt.subplots(figsize=(6, 6))
separated = set(map(tuple, coefs.loc[coefs["separated"], ["model", "term"]].to_numpy()))
keep = np.array([(m, t) not in separated for m, t in zip(comparison["model"], comparison["term"])])
shown_cmp = comparison[(comparison["term"] != "constant").to_numpy() & keep]
for model in reg.MODELS:
    finite = shown_cmp[shown_cmp["model"] == model]
    ax.errorbar(finite["published"], finite["computed"],
                yerr=[finite["computed"] - finite["low"], finite["high"] - finite["computed"]],
                fmt="o", ms=4, lw=0.8, alpha=0.85, color=MODEL_COLOURS[model], label=reg.MODEL_LABELS[model])
lim = [-4.5, 4.5]
ax.plot(lim, lim, color=theme.GREY, lw=0.8, ls="--")
ax.set_xlim(lim)
ax.set_ylim(lim)
ax.set_xlabel("published coefficient (log odds)")
ax.set_ylabel(f"computed coefficient (log odds, {level} interval)")
ax.legend(loc="upper left")
theme.finish(fig, nb, n=f"{len(shown_cmp)} coefficients",
                 note=f"{len(separated)} not finite (separation) left out" if separated else None)

# %%
nb.record("published_n", summary["n"])
nb.record("published_n_finite", summary["n_finite"], note="published estimates with a finite computed counterpart")
nb.record("published_n_separated", summary["n_separated"])
nb.record("published_in_ci", summary["in_interval"])
nb.record("published_in_ci_share", summary["in_interval"] / summary["n_finite"], fmt="{:.0%}")
nb.record("published_same_sign", summary["same_sign"])
nb.record("published_same_stars", summary["same_stars"])
nb.record("published_mean_abs_difference", summary["mean_abs_difference"], fmt="{:.2f}")
for model in reg.MODELS:
    part = comparison[comparison["model"] == model]
    nb.record(f"published_in_ci_{model}", int(part["in_interval"].sum()))

# %% [markdown]
# ## Robustness
#
# Each row changes one choice against this run's parameters and refits the three
# models: mixed developments counted as improvements; the regime split moved to the
# Polity IV conventions for autocracies (≤ −6) and democracies (≥ 6); robust and
# country-clustered standard errors; aid as a share of GNI, which fewer countries report
# (footnote 13), and — to tell the change of measure from the change of sample — aid
# over GDP on those same cases; a control for whether the defender was named again in
# the same or next annual report (the paper's check that repeated mentions do not simply
# restate the outcome); dropping cases assessed on limited information; Firth's
# penalized logit, whose estimates stay finite for sparse violation types such as
# disciplinary measures; and a population-averaged logit (GEE) that lets cases from the
# same country be correlated, the simplest answer to the multilevel question of
# footnote 16. Cells show the coefficient with stars and its standard error (Firth:
# stars from penalized likelihood-ratio tests). A Firth estimate resting on one or two
# cases says little: for a violation type seen in a single case, the penalty sets that
# case's fitted chance of improvement to one in four if it did not improve (three in
# four if it did) — the logit version of adding half a case to each cell of a two-by-two
# table — so the coefficient can even point away from that case's outcome. The interval, not the point, is the message there. The "note"
# column names the predictors that separate the outcome in a model.

# %%
#| label: tbl-robustness
#| tbl-cap: "Headline estimates under alternative specifications (coefficient, stars, standard error)."
baseline = {**options, "se_type": se_type}
variants = standard_variants(baseline)
long = robustness(sample, cases, baseline, variants, confidence)
long.to_csv(tables_dir / "04_regressions_robustness.csv", index=False)
compact = robustness_table(long)
tables.show(compact, nb, title="Robustness of the headline estimates",
            subtitle="one change per row against this run's parameters")

# %%
sizes_by_variant = long.groupby(["variant", "model"])["n"].first()
n_all = len(frame)
aid_variant = next(v for v in variants if v.name == "aid_measure")
n_other_aid = int(sizes_by_variant[("aid_measure", "all")])
nb.record("aid_other_measure", aid_variant.frame["aid"].upper())
nb.record("aid_other_n_all", n_other_aid)
nb.record("aid_other_dropped", n_all - n_other_aid,
          note="cases lost (negative: gained) when aid is measured the other way")
nb.record("aid_gni_dropped_published", published()["sample"]["aid_gni_instead_of_gdp_drops"])
for name, (term, model) in {"aid_open_other_measure": ("aid_dependency", "open"),
                            "upr_open_other_measure": ("upcoming_upr", "open")}.items():
    try:
        row = headline_estimate(long, "aid_measure", term, model)
    except KeyError:
        continue
    nb.record(name, row["estimate"], fmt="{:.2f}")
    nb.record(f"{name}_p", row["p"], fmt="{:.3f}")
# Named by what the estimate *is*: when this run's parameters already make the choice
# (e.g. control_next_report = true), the baseline row is the one that has it.
already = {"next_report": control_next_report, "mixed": include_mixed, "exclude_limited": exclude_limited}
for name, (variant, term, model) in {
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
        "business_open_limited_excluded": ("exclude_limited", "business_involved", "open")}.items():
    try:
        row = headline_estimate(long, "baseline" if already.get(variant) else variant, term, model)
    except KeyError:                                 # model not estimable under this variant
        continue
    nb.record(name, row["estimate"], fmt="{:.2f}")
    nb.record(f"{name}_se", row["se"], fmt="{:.2f}")
    nb.record(f"{name}_p", row["p"], fmt="{:.3f}")
# how many headline estimates keep sign and 5% significance across all variants
base_rows = long[long["variant"] == "baseline"].set_index(["term", "model"])
stable = 0
for term, model in HEADLINE:
    if (term, model) not in base_rows.index:
        continue
    b = base_rows.loc[(term, model)]
    others = long[(long["term"] == term) & (long["model"] == model) & (long["variant"] != "baseline")]
    keeps = ((np.sign(others["estimate"]) == np.sign(b["estimate"])) & ((others["p"] < 0.05) == (b["p"] < 0.05)))
    stable += bool(keeps.all())
nb.record("headline_n", len(HEADLINE))
_ = nb.record("headline_stable", stable,
          note="headline estimates whose sign and 5% significance hold in every variant")

# %% [markdown]
# ## Diagnostics
#
# Variance inflation factors show whether predictors are so collinear that their
# separate effects cannot be told apart (values above about 5 would be a warning). The
# ROC curve and its area (AUC) show how well each model ranks improved above other cases;
# the calibration plot sets the predicted chance against the observed share improved in
# ten groups of cases ordered by prediction, with the Hosmer–Lemeshow test as a summary.

# %%
#| label: tbl-vif
#| tbl-cap: "Variance inflation factors of the predictors, by model."
vifs = pd.DataFrame({reg.MODEL_LABELS[m]: diag.vif(reg.design(reg.model_frame(frame, m),
                                                                [c for c in res.params.index if c != "constant"])[1])
                     for m, res in results.items()})
vifs.index = [LABELS.get(t, t) for t in vifs.index]
vifs.index.name = "predictor"
tables.show(vifs, nb, title="Variance inflation factors", decimals=2)

# %%
nb.record("vif_max", float(vifs.max().max()), fmt="{:.1f}")
_ = nb.record("vif_max_predictor", vifs.max(axis=1).idxmax())

# %%
#| label: fig-roc
#| fig-cap: "ROC curves of the three models (in-sample)."
fig, ax = plt.subplots(figsize=(5.5, 5.5))
aucs = {}
for model, res in results.items():
    y, p = res.model.endog, res.predict()
    aucs[model] = diag.auc(y, p)
    roc = diag.roc_curve(y, p)
    ax.plot(roc["fpr"], roc["tpr"], color=MODEL_COLOURS[model], drawstyle="steps-post",
            label=f"{reg.MODEL_LABELS[model]} (AUC {aucs[model]:.2f})")
ax.plot([0, 1], [0, 1], color=theme.GREY, lw=0.8, ls="--")
ax.set_xlabel("false-positive rate (share of other cases predicted improved)")
ax.set_ylabel("true-positive rate (share of improved cases predicted improved)")
ax.legend(loc="lower right", fontsize=8)
theme.finish(fig, nb, n=len(frame))

# %%
#| label: fig-calibration
#| fig-cap: "Calibration: observed share improved against mean predicted probability in deciles of the prediction, with Wilson intervals."
fig, axes = plt.subplots(1, 3, figsize=(10, 4.2), sharey=True)
fig.subplots_adjust(top=0.86, bottom=0.15, wspace=0.12)   # room for the synthetic mark and the footer
hl = {}
for ax, (model, res) in zip(axes, results.items()):
    y, p = res.model.endog, res.predict()
    cal = diag.calibration_table(y, p, bins=10, confidence=confidence)
    hl[model] = diag.hosmer_lemeshow(y, p, bins=10)
    ax.errorbar(cal["predicted"], cal["observed"],
                yerr=[cal["observed"] - cal["low"], cal["high"] - cal["observed"]],
                fmt="o", ms=4, color=MODEL_COLOURS[model], lw=1)
    ax.plot([0, 1], [0, 1], color=theme.GREY, lw=0.8, ls="--")
    ax.set_title(f"{reg.MODEL_LABELS[model]} (n = {int(res.nobs)})")
    ax.set_xlabel("mean predicted probability")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
axes[0].set_ylabel(f"observed share improved ({level} interval)")
theme.finish(fig, nb, n=len(frame))

# %%
for model in reg.MODELS:
    nb.record(f"auc_{model}", aucs[model], fmt="{:.2f}")
    nb.record(f"hl_p_{model}", hl[model]["p"], fmt="{:.2f}")
