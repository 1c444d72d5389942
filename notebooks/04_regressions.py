# ---
# jupyter:
#   casework:
#     question: Which features of a case and of its country go with an improvement?
#     reproduces: Spannagel 2019, Table 1 (three logit models)
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What predicts an improvement? The working paper's logit models
#
# **Question.** Does a defender's situation more often improve when the country faces an
# upcoming Universal Periodic Review, depends on aid, or when the Special Rapporteur names
# the defender repeatedly, as the working paper reports?
#
# **Answer on these data.** {{< var regressions.answer >}} (Details under *What this
# shows* at the end of the page.)
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
import numpy as np

import casework.notebook
from casework.analysis import logit_diagnostics as diag
from casework.analysis import logit_robustness as rob
from casework.analysis import logit as reg, logit_published as published_logit
from casework.analysis.fit_stats import fit_stats
from casework.analysis.logit_table import export, logit_table
from casework.data.frames.improvement import listwise_loss, model_columns, regression_frame
from casework.data import truths
from casework.published import published
from casework.report import apa, findings, tables, theme
from casework.report.figures import logit as figures

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
tables.show(reg.sample_sizes(everyone, frame, loss, regime_cutoff), nb,
            title="Cases in the regression models")

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
tables.show(separation.assign(model=separation["model"].map(reg.MODEL_LABELS)).rename(
    columns={"caused_by": "caused by", "not_finite": "not finite", "left_out": "left out"}), nb,
            title="Separation in the three samples")

# %%
nb.record("n_models_separated", int(separation["separated"].sum()))

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
export(table1, tables_dir, "04_regressions_table1", mark=nb.provenance)
tables.show_etable(table1, nb, "tbl-logit")

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
tables.show(reg.odds_ratio_table(coefs, predictors, confidence), nb, title="Odds ratios of improvement")

# %%
#| label: fig-coefficients
#| fig-cap: "Odds ratios of improvement with intervals, by regime type; black ticks: published estimates (Spannagel 2019, Table 1)."
fig = figures.odds_ratios(coefs, published_logit.published_coefficients(), predictors, nb, confidence=confidence)

# %%
# The estimates the working paper's text discusses: coefficient, odds ratio, interval, p.
by_key = coefs.set_index(["term", "model"])
for name, key in reg.TEXT_ESTIMATES.items():
    if key not in by_key.index:                      # left out: no variation in this subset
        nb.record(name, None, note="not estimated: no variation in this subset")
        continue
    row = by_key.loc[key]
    # A separated estimate has no finite value: it is shown as ±∞, as in Table 1, never
    # as the number where the optimiser stopped.
    estimate = findings.Coefficient(name, row["estimate"], row["se"], row["p"], separated=bool(row["separated"]))
    infinite = estimate.state == "infinite"
    note = "not finite: separation" if infinite else None
    nb.record(name, row["estimate"], fmt=("+∞" if row["estimate"] > 0 else "−∞") if infinite else "{:.2f}", note=note)
    nb.record(f"{name}_se", row["se"], fmt="–" if infinite else "{:.2f}", note=note)
    nb.record(f"{name}_or", row["odds_ratio"], fmt=("+∞" if row["estimate"] > 0 else "0") if infinite else "{:.2f}",
              note=note)
    nb.record(f"{name}_or_low", row["or_low"], fmt="{:.2f}")
    nb.record(f"{name}_or_high", row["or_high"], fmt="{:.2f}")
    # The odds ratio with its interval as the paper states it: a separated estimate has none.
    nb.record(f"{name}_or_ci", findings.choose(
        infinite, ("+∞" if row["estimate"] > 0 else "0") + " (the outcome is separated: no finite "
        "maximum-likelihood estimate, as Table 1 shows)",
        f"{row['odds_ratio']:.2f} ({row['or_low']:.2f} to {row['or_high']:.2f})"))
    nb.record(f"{name}_p", row["p"], fmt="not estimable (separation)" if infinite else apa.p_or_not_estimable(row["p"]),
              note=note)
    nb.record(f"{name}_test", "not estimable (separation)" if infinite else apa.statistic_or_reason(
        apa.z, row["estimate"] / row["se"], row["p"]), note="Wald test of the coefficient")

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
predicted = reg.contrast_predictions(results, frame, confidence)
tables.show(predicted.drop(columns="name"), nb, title="Predicted probability of improvement",
            subtitle=f"averaged over the model's cases; change with {level} interval",
            percent=["without", "with", "change", "change low", "change high"])

# %%
for row in predicted.to_dict("records"):
    name = f"prob_{row['name']}"
    nb.record(f"{name}_without", row["without"], fmt="{:.0%}")
    nb.record(f"{name}_with", row["with"], fmt="{:.0%}")
    nb.record(f"{name}_change", row["change"], fmt="{:+.0%}")
    nb.record(f"{name}_change_low", row["change low"], fmt="{:+.0%}")
    nb.record(f"{name}_change_high", row["change high"], fmt="{:+.0%}")

# %%
#| label: fig-mentions
#| fig-cap: "Average predicted probability of improvement by the number of times the defender was named in the Special Rapporteur's communications, by regime type."
curves = reg.mention_curves(results, frame, published()["sample"]["mentions"]["max_further_mentions"],
                            confidence)
fig = figures.mention_curves(curves, nb, n=len(frame), confidence=confidence)

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
comparison = published_logit.compare_to_published(coefs)
fit_comparison = published_logit.compare_fit_to_published(results)
summary = published_logit.agreement_summary(comparison)
scorecard = published_logit.scorecard_rows(comparison, fit_comparison)
# The generating value of each coefficient on synthetic data (NaN: real data, a fit
# statistic, or a model that generates nothing, as the note says).
scorecard["truth"] = [truths.truth_of(nb.data.provenance, truths.LOGIT, m, t)
                      for m, t in zip(comparison.model, comparison.term)] + \
    [np.nan] * (len(scorecard) - len(comparison))
scorecard["truth_note"] = [truths.not_generated(nb.data.provenance, truths.LOGIT, m)
                           for m in comparison.model] + [""] * (len(scorecard) - len(comparison))
nb.record_comparison(scorecard)
tables.show(published_logit.comparison_display(comparison), nb, title="Table 1: published and computed",
            subtitle=published_logit.agreement_note(summary, confidence), decimals=2)

# %%
#| label: tbl-published-fit
#| tbl-cap: "Published and computed model size and fit."
tables.show(published_logit.fit_comparison_display(fit_comparison), nb,
            title="Observations and fit: published and computed")

# %%
#| label: fig-published
#| fig-cap: "Computed coefficients with intervals against the published ones (Spannagel 2019, Table 1); points on the diagonal agree."
fig = figures.published_agreement(comparison, coefs, nb, confidence=confidence)

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
#| column: page
#| tbl-cap: "Headline estimates under alternative specifications (coefficient, stars, standard error)."
baseline = {**options, "se_type": se_type}
variants = rob.standard_variants(baseline)
long = rob.robustness(sample, cases, baseline, variants, confidence)
long.to_csv(tables_dir / "04_regressions_robustness.csv", index=False)
tables.show(rob.robustness_table(long), nb, title="Robustness of the headline estimates",
            subtitle="one change per row against this run's parameters")

# %%
aid_variant = next(v for v in variants if v.name == "aid_measure")
n_other_aid = rob.variant_n(long, "aid_measure", "all")
nb.record("aid_other_measure", aid_variant.frame["aid"].upper())
nb.record("aid_other_n_all", n_other_aid)
nb.record("aid_other_dropped", len(frame) - n_other_aid,
          note="cases lost (negative: gained) when aid is measured the other way")
nb.record("aid_gni_dropped_published", published()["sample"]["aid_gni_instead_of_gdp_drops"])
for name, row in rob.named_estimates(long, rob.OTHER_AID_ESTIMATES).items():
    nb.record(name, None if row is None else row["estimate"], fmt="{:.2f}")
    nb.record(f"{name}_p", None if row is None else row["p"],
              fmt=apa.p_or_not_estimable(None if row is None else row["p"]))
variant_rows = rob.named_estimates(long, rob.VARIANT_ESTIMATES, baseline)
for name, row in variant_rows.items():
    nb.record(name, None if row is None else row["estimate"], fmt="{:.2f}", note="n/a: not estimable in this variant")
    nb.record(f"{name}_se", None if row is None else row["se"], fmt="{:.2f}", note="n/a: not estimable in this variant")
    nb.record(f"{name}_p", None if row is None else row["p"],
              fmt=apa.p_or_not_estimable(None if row is None else row["p"]))
    firth = name.endswith("_firth")          # Firth's p comes from a penalised likelihood-ratio test
    nb.record(f"{name}_test", "not estimable" if row is None or bool(row.get("separated") == True) else  # noqa: E712 (NaN: not separated)
              apa.statistic_or_reason(apa.likelihood_ratio, row["p"], 1, "penalised likelihood-ratio") if firth else
              apa.statistic_or_reason(apa.z, row["estimate"] / row["se"], row["p"]),
              note="Wald test; Firth: penalised likelihood-ratio test")
# The paper's sentence on the sparse violation type: the ML estimate, finite or not, then Firth's.
ml_disc = by_key.loc[("viol_disciplinary", "open")] if ("viol_disciplinary", "open") in by_key.index else None
firth_disc = variant_rows["disciplinary_open_firth"]
nb.record("disciplinary_open_sentence", (
    findings.Coefficient("Disciplinary measures in open regimes, maximum likelihood",
                         None if ml_disc is None else ml_disc["estimate"], None if ml_disc is None else ml_disc["se"],
                         None if ml_disc is None else ml_disc["p"],
                         separated=ml_disc is not None and bool(ml_disc["separated"])).sentence()
    + "; "
    + findings.Coefficient("Firth's penalised logit", None if firth_disc is None else firth_disc["estimate"],
                           None if firth_disc is None else firth_disc["se"],
                           None if firth_disc is None else firth_disc["p"],
                           p_from="penalised likelihood-ratio").sentence() + "."))
nb.record("headline_n", len(rob.HEADLINE))
nb.record("headline_stable", rob.headline_stable(long),
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
vifs = diag.vif_table(results, frame)
tables.show(vifs, nb, title="Variance inflation factors", decimals=2)

# %%
nb.record("vif_max", float(vifs.max().max()), fmt="{:.1f}")
nb.record("vif_max_predictor", vifs.max(axis=1).idxmax())

# %%
#| label: fig-roc
#| fig-cap: "ROC curves of the three models (in-sample)."
aucs = diag.per_model(diag.auc, results)
fig = figures.roc(diag.per_model(diag.roc_curve, results), aucs, nb, n=len(frame))

# %%
#| label: fig-calibration
#| fig-cap: "Calibration: observed share improved against mean predicted probability in deciles of the prediction, with Wilson intervals."
calibration = diag.per_model(diag.calibration_table, results, bins=10, confidence=confidence)
hl = diag.per_model(diag.hosmer_lemeshow, results, bins=10)
fig = figures.calibration(calibration, nb, n=len(frame), confidence=confidence)

# %%
for model in reg.MODELS:
    nb.record(f"auc_{model}", aucs[model], fmt="{:.2f}")
    nb.record(f"hl_p_{model}", hl[model]["p"], fmt=apa.p_text(hl[model]["p"]))
    nb.record(f"hl_test_{model}", apa.chi2(hl[model]["statistic"], hl[model]["df"], hl[model]["p"]))

# %% [markdown]
# ## What this shows
#
# The sentences below are chosen by the computed values (each would read differently on
# other data); every headline estimate of the working paper is set beside the computed one.

# %%
headline_rows = comparison.set_index(["term", "model"])
p_by_key = coefs.set_index(["term", "model"])["p"]
headline = {(term, model): findings.Estimate(
    f"{reg.LABELS.get(term, term)} ({reg.MODEL_LABELS[model].lower()}, coefficient)",
    published=r["published"], computed=r["computed"], low=r["low"], high=r["high"],
    level=confidence, p=p_by_key.get((term, model)),
    published_significant="*" in str(r["published_stars"]))  # stars: the study called it significant
    for (term, model), r in headline_rows.iterrows() if (term, model) in rob.HEADLINE}
upr = headline.get(("upcoming_upr", "open"))
n_holding = sum(e.confirmed for e in headline.values())
if upr is None or upr.p is None:
    answer = "The upcoming-UPR effect in open regimes could not be estimated on these data."
else:
    significant = upr.p < 0.05
    answer = (f"The upcoming-UPR coefficient in open regimes, published as {upr.published:.2f}, comes out "
              f"{upr.computed:.2f} here"
              + findings.choose(significant, ", significant at 5%", ", not significant at 5%")
              + findings.choose(bool(upr.holds), "; the published value lies inside the computed interval",
                                "; the published value lies outside the computed interval")
              + findings.choose(upr.confirmed, ", so the published finding holds.",
                                ", so the published finding does not hold in full.")
              + f" {n_holding} of {len(headline)} headline estimates hold in value and significance.")
findings.conclude(nb, answer, [
    *(e.sentence() for e in headline.values()),
    findings.agreement(summary["in_interval"], summary["n_finite"], "published Table 1 coefficients"),
    findings.choose(rob.headline_stable(long) == len(rob.HEADLINE),
                    "Every headline estimate keeps its sign and 5% significance under every robustness variant.",
                    f"{rob.headline_stable(long)} of {len(rob.HEADLINE)} headline estimates keep their sign and "
                    "5% significance under every robustness variant; the others depend on a choice the paper "
                    "made."),
    findings.choose(nb.data.synthetic,
                    "The data are synthetic, drawn from the published models: agreement shows that the "
                    "pipeline recovers what generated the data, not that the study replicates.",
                    "These are the real data: agreement is a replication of the published estimates."),
])
