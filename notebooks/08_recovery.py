# ---
# jupyter:
#   casework:
#     question: Do the estimators find the values that generated the synthetic data?
#     reproduces: 'Extension: a recovery study of the models of Spannagel 2019 and Myrick
#       & Weinstein 2018'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Do the estimators find the truth? A recovery study
#
# **Question.** Refitted to many data sets drawn from known models, do the studies'
# estimators find the values that generated the data, and are their intervals right?
#
# **Answer on these data.** {{< var recovery.answer >}}
#
# The default data are drawn from declared models whose parameters are the published
# estimates: improvement from the regime logits of Spannagel (2019, Table 1), time to
# release from a proportional-hazards model with the coefficients of Myrick & Weinstein
# (2018, Table 1, model 4). This page draws many such data sets, refits every model of
# the studies to each, exactly as the analysis pages do, and asks whether the estimates
# land on the values that generated them: how far off they are on average (bias, in
# standard errors), whether their standard errors match their spread, and whether the
# intervals cover the truth as often as they claim. It also counts how often a fit has
# no finite estimate (separation) and how often each headline test rejects. Every such
# share is a Monte Carlo estimate: it comes with an exact (Clopper–Pearson) interval
# and a Monte Carlo standard error, and a verdict counts only when it holds beyond that
# error. The generator and the truths are those recorded in the data package
# (`casework simulate`); `casework recovery --reps N --seed S` runs the same study from
# the command line.
#
# Two of the study design's choices are parameters of this page: the declared
# conditions of `casework simulate` (`condition`: draw every replication as the default
# data are drawn, or only data sets in which every regime logit is estimable, or in
# which the reference region has a release) and the Free the 20 time scale the answer
# judges (`time_scale`: from the arrest, as the study counts, or with delayed entry at
# the launch). Rebuild with `-p 08_recovery.condition=...` or
# `-p 08_recovery.time_scale=...` to see which choices recover the truth.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
reps = 1000
seed = 20190101
condition = "none"
time_scale = "arrest"
alpha = 0.05
jobs = 2

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import casework.notebook
from casework import engine
from casework.analysis import recovery
from casework.data.truths import declared_truths
from casework.report import apa, figures, findings, tables, theme

nb = casework.notebook.start("08_recovery", globals(), tables=["freethe20"])
theme.apply()
P = nb.params
conditions = recovery.CONDITION_SETS[P["condition"]]
level = f"{P['confidence']:.0%}"
model_label, term_label = recovery.model_label, recovery.term_label

# %%
# The replications run on the compendium's engine (casework.engine): in this process
# (jobs = 1), on a local Dask cluster (jobs > 1) or on the cluster $CASEWORK_SCHEDULER names.
# On a busy machine Dask warns that its workers' scratch folders were slow to create:
# not a result, so not on the page.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Creating scratch directories", category=UserWarning)
    with engine.open_engine(P["jobs"]) as eng:
        runs = recovery.run_recovery(P["reps"], P["seed"], conditions, P["confidence"],
                                     engine.engine_map(eng))
runs = recovery.attach_truths(runs, declared_truths())
summary = recovery.summarise(runs, P["alpha"], P["confidence"])
summary = summary.join(recovery.coverage_tests(summary, P["confidence"], P["alpha"]))
generated = summary[summary.truth.notna()]
chance = recovery.chance_misses(generated, P["alpha"])
nb.record("reps", P["reps"], fmt="{:,}")
nb.record("time_scale", P["time_scale"])
nb.record("condition", P["condition"])
nb.record("n_generated", len(generated))
nb.record("n_judged", chance["judged"])
nb.record("n_recovered", int((generated.verdict == "recovered").sum()))
nb.record("n_missed", chance["missed"])
nb.record("n_flagged", chance["flagged"])
nb.record("n_missed_by_chance", chance["expected"], fmt="{:.1f}")
nb.record("misses_beyond_chance_p", chance["p_beyond"], fmt="{:.2g}", kind="p")
nb.record("misses_beyond_chance", chance["p_beyond"] < P["alpha"], kind="decision")

# %% [markdown]
# ## Which estimates have a truth
#
# Only models that generate the data have a true value to recover. Improvement is drawn
# from the closed- and open-regime logits; the pooled logit generates only the few cases
# with a missing covariate, which no model fits, so its published values are not a
# target. Release is drawn from Cox model 4; models 1 to 3 leave out terms that generate
# the data, so they estimate something else by design. Those estimates appear on the
# scorecard, labelled, but are not scored for recovery here.
#
# How to read the tables below. *Bias / SE* is the mean estimate minus the truth, in
# units of the mean standard error, with its Monte Carlo error. *Mean SE / SD* compares
# the standard errors the fits report with the actual spread of their estimates: 1 when
# they are right, below 1 when intervals are too narrow. *Coverage* is the share of
# replications (with a finite estimate) whose interval contains the truth, with its exact
# Clopper–Pearson interval. *Not estimable* is the share of replications without a
# finite estimate. The verdict tests each coverage against the nominal level by an exact
# binomial test, adjusted for the number of coefficients judged (Holm; see *The
# estimates that miss*).

# %% [markdown]
# ## Table 1 logits: maximum likelihood and Firth
#
# For every coefficient of the closed- and open-regime logits. When a sample is
# separated (a predictor perfectly predicts the outcome in one of its groups),
# maximum likelihood has no finite estimate: that replication counts as not estimable
# for every ML coefficient of the model, and the ML rows summarise only the other
# replications — a selected subset. Firth's penalized estimate exists in every
# replication.

# %%
#| label: tbl-recovery-logit
#| column: page
#| tbl-cap: "Recovery of the generating logit coefficients (closed and open regimes), by estimator: truth, mean estimate, bias in standard errors and SE calibration with their Monte Carlo errors, coverage with its exact interval, share not estimable, verdict."
logit = generated[generated.analysis == recovery.LOGIT]
tables.show(recovery.display_rows(logit, level), nb, title="Table 1 logits: truth and estimates",
            decimals=2, percent=["Coverage", f"{level} CI low", f"{level} CI high", "Not estimable"])

# %% [markdown]
# ## Cox model 4: time from arrest, and delayed entry
#
# The featured women were chosen because they were still detained at the launch, so
# their time from arrest includes months in which they could not have been released and
# still been featured. The study's model counts that time anyway. The second estimator
# lets each featured woman enter the risk set at the launch (left truncation).

# %%
#| label: tbl-recovery-cox
#| column: page
#| tbl-cap: "Recovery of the generating Cox model 4 coefficients, with time from arrest as in the study and with delayed entry at the launch for the featured women: bias and SE calibration with Monte Carlo errors, coverage with its exact interval."
cox = generated[generated.analysis == recovery.COX]
tables.show(recovery.display_rows(cox, level), nb, title="Cox model 4: truth and estimates",
            decimals=2, percent=["Coverage", f"{level} CI low", f"{level} CI high", "Not estimable"])

# %%
ft = cox[cox.term == "freethe20"].set_index("estimator")
arrest, entry = ft.loc[recovery.TIME_SCALES["arrest"]], ft.loc[recovery.TIME_SCALES["delayed_entry"]]
chosen = ft.loc[recovery.TIME_SCALES[P["time_scale"]]]
ml = summary[(summary.analysis == recovery.LOGIT) & (summary.estimator == "ML")]
sep = ml.groupby("model").separated.first()
sep_mc = np.sqrt(sep * (1 - sep) / P["reps"])
for name, row in (("freethe20", arrest), ("freethe20_entry", entry)):
    nb.record(f"{name}_bias_se", float(row.bias_se), fmt="{:.1f}", mcse=float(row.bias_se_mc))
    nb.record(f"{name}_coverage", float(row.coverage), fmt="{:.1%}", mcse=float(row.coverage_mc))
    nb.record(f"{name}_coverage_low", float(row.coverage_low), fmt="{:.1%}", mcse=float(row.coverage_mc))
    nb.record(f"{name}_coverage_high", float(row.coverage_high), fmt="{:.1%}", mcse=float(row.coverage_mc))
    nb.record(f"{name}_se_ratio", float(row.se_ratio), fmt="{:.2f}", mcse=float(row.se_ratio_mc))
    nb.record(f"{name}_verdict", row.verdict, kind="decision")
for regime in ("closed", "open"):
    nb.record(f"separated_{regime}", float(sep.get(regime, np.nan)), fmt="{:.1%}",
              mcse=float(sep_mc.get(regime, np.nan)))


def covers(row) -> str:
    return (f"its {level} interval covers the truth in {row.coverage:.1%} of replications "
            f"(exact {level} interval {row.coverage_low:.1%} to {row.coverage_high:.1%})")


lines = [
    f"Measured from arrest, as the study measures it, the Free the 20 coefficient is off by "
    f"{arrest.bias_se:.1f} ± {arrest.bias_se_mc:.2f} standard errors and {covers(arrest)}; "
    + findings.choose(arrest.verdict == "recovered", "the study's time scale recovers the truth.",
                      "the study's time scale does not recover the truth."),
    f"With delayed entry at the launch the bias is {entry.bias_se:.1f} ± {entry.bias_se_mc:.2f} "
    f"standard errors and {covers(entry)}; "
    + findings.choose(entry.verdict == "recovered", "delayed entry recovers the truth.",
                      "delayed entry does not recover it either."),
    f"Maximum likelihood has no finite estimate in {sep.get('closed', np.nan):.1%} of the "
    f"closed-regime fits and {sep.get('open', np.nan):.1%} of the open-regime fits (± "
    f"{max(sep_mc.fillna(0)):.1%} Monte Carlo error): "
    + findings.choose(max(sep.fillna(0)) >= 0.2,
                      "the published design is fragile; a real sample like it could easily have "
                      "been separated.", "separation is rare in this design."),
]
display(Markdown("\n\n".join(lines)))

# %% [markdown]
# ## Coverage of every generating coefficient
#
# Each point is the share of replications whose interval covered the truth, with its
# exact interval; the band is where a correct interval's coverage falls (±2 Monte Carlo
# errors) with this many replications.

# %%
#| label: fig-recovery-coverage
#| fig-cap: "Coverage of the generating coefficients by the computed intervals, per model and estimator, with exact (Clopper–Pearson) intervals; the shaded band is the nominal level ±2 Monte Carlo errors for the number of replications."
low, high = recovery.nominal_band(P["confidence"], P["reps"])
figures.recovery.coverage(generated.dropna(subset=["coverage"]).reset_index(drop=True), low, high, nb,
                          model_label=model_label, term_label=term_label)
plt.show()

# %% [markdown]
# ## The estimates that miss, and why
#
# Each coverage is tested against the nominal level by an exact two-sided binomial test.
# With many coefficients judged, some tests reject by chance even when every interval is
# right, so the rule is Holm's step-down adjustment over all judged coefficients: a
# coefficient *misses* when its adjusted p-value is below the page's level, which keeps
# the chance of calling any correct interval a miss below that level. The table lists
# the misses with the reason their bias, SE calibration or separation rate points to.
# An exact test has no statistic with degrees of freedom, so it is reported by its name and
# p-value alone, a form statcheck, which recomputes p from a statistic, cannot check.

# %%
#| label: tbl-recovery-missed
#| column: page
#| tbl-cap: "Generating coefficients whose coverage differs from the nominal level beyond chance (exact binomial tests, Holm-adjusted over all judged coefficients), with the reason their bias, SE calibration or separation rate points to."
missed = generated[generated.verdict.isin(["under-covers", "over-covers"])]
tables.show(pd.DataFrame({"Model": missed.model.map(model_label), "Term": missed.term.map(term_label),
                          "Estimator": missed.estimator, "Coverage": missed.coverage,
                          f"{level} CI low": missed.coverage_low, f"{level} CI high": missed.coverage_high,
                          "Holm p": [apa.p_text(p).removeprefix("p = ").removeprefix("p ")
                                     for p in missed.coverage_p_holm], "Verdict": missed.verdict,
                          "Reason": [recovery.miss_reason(r) for r in missed.itertuples()]}
                         ).reset_index(drop=True),
            nb, title="Estimates that miss the nominal coverage beyond chance",
            percent=["Coverage", f"{level} CI low", f"{level} CI high"])

# %%
beyond = chance["p_beyond"] < P["alpha"]
count_line = (
    f"Of {chance['judged']} judged coefficients, {chance['flagged']} differ from the nominal coverage "
    f"on their own exact test at {P['alpha']:g}; if every interval were right, chance would flag about "
    f"{chance['expected']:.1f} (at most {P['alpha']:.0%} each); whether chance alone gives "
    f"{chance['flagged']} or more is asked by an {apa.exact(apa.BINOMIAL, chance['p_beyond'])} (the "
    "coefficients share replications, so this count is a guide). "
    + recovery.chance_sentence(beyond, chance["missed"], chance["judged"]))
display(Markdown(count_line))

# %% [markdown]
# ## How often the headline tests reject
#
# The share of replications in which each test rejects "no effect" at the page's level,
# with its exact interval: the study's power under the generating model, not evidence
# about the real cases. A replication whose fit failed counts as no rejection.

# %%
#| label: tbl-recovery-tests
#| tbl-cap: "Rejection rate of the headline tests over the replications, with exact intervals: the log-rank test of the short against the long list, the Free the 20 coefficient of Cox model 4 on both time scales, and the logit coefficients the working paper highlights."
headline = [(recovery.LOGRANK, "Fig. 1", "featured", "log-rank", "Log-rank, short vs long list"),
            (recovery.COX, "4", "freethe20", recovery.TIME_SCALES["arrest"], "Cox model 4: Free the 20, from arrest"),
            (recovery.COX, "4", "freethe20", recovery.TIME_SCALES["delayed_entry"], "Cox model 4: Free the 20, delayed entry"),
            (recovery.LOGIT, "open", "upcoming_upr", "ML", "Logit, open: upcoming UPR"),
            (recovery.LOGIT, "open", "aid_dependency", "ML", "Logit, open: aid dependency"),
            (recovery.LOGIT, "closed", "viol_detention", "ML", "Logit, closed: detention")]
idx = summary.set_index(["analysis", "model", "term", "estimator"])
tests = pd.DataFrame([{"Test": label, "Rejects": idx.loc[tuple(key)].rejects,
                       f"{level} CI low": idx.loc[tuple(key)].rejects_low,
                       f"{level} CI high": idx.loc[tuple(key)].rejects_high,
                       "Not estimable": idx.loc[tuple(key)].nonestimable} for *key, label in headline])
for name, key in (("logrank", headline[0]), ("freethe20_arrest", headline[1]), ("freethe20_entry", headline[2]),
                  ("upr_open", headline[3]), ("aid_open", headline[4]), ("detention_closed", headline[5])):
    r = idx.loc[tuple(key[:4])]
    nb.record(f"{name}_rejects", float(r.rejects), fmt="{:.1%}", mcse=float(r.rejects_mc))
tables.show(tests, nb, title=f"Rejection rates at {P['alpha']:g}",
            percent=["Rejects", f"{level} CI low", f"{level} CI high", "Not estimable"])
logrank = idx.loc[tuple(headline[0][:4])]
cox_test = idx.loc[(recovery.COX, "4", "freethe20", recovery.TIME_SCALES[P["time_scale"]])]

# %% [markdown]
# ## Estimable fits, per model
#
# The share of replications in which each model has no finite estimate: separated
# samples (maximum likelihood), fits that failed or a term whose standard error is
# beyond use (a region without any release, in the Cox models).

# %%
#| label: tbl-recovery-estimable
#| tbl-cap: "Share of replications in which each model was separated or had a coefficient without a finite estimate, per estimator, with Monte Carlo errors."
per_model = (summary[summary.analysis != recovery.LOGRANK]
             .groupby(["analysis", "model", "estimator"], sort=False)
             .agg(separated=("separated", "max"), nonestimable=("nonestimable", "max"))
             .reset_index())
tables.show(pd.DataFrame({
    "Model": per_model.model.map(model_label), "Estimator": per_model.estimator,
    "Separated": per_model.separated, "Not estimable (most affected term)": per_model.nonestimable,
    "± MC": np.sqrt(per_model.nonestimable * (1 - per_model.nonestimable) / P["reps"])}),
    nb, title="Separation and non-estimable fits",
    percent=["Separated", "Not estimable (most affected term)", "± MC"])

# %% [markdown]
# ## Conditioning, measured
#
# `casework simulate` can condition the outcome draws on an event (declared in the data
# package; the `condition` parameter applies it to every replication here). Below, the
# replications are split by whether they would have met each condition: the share that
# meets it, and how many generating coefficients are recovered among those that do.

# %%
#| label: tbl-recovery-conditions
#| tbl-cap: "Share of replications meeting each declared condition (exact interval), and the generating coefficients recovered among all replications and among those meeting it."
cond_rows = []
for name in recovery.CONDITION_NAMES:
    met = runs.groupby("rep")[f"met_{name}"].first()
    share = recovery.share_met(met, P["confidence"])
    if met.sum() >= 2:
        sub = recovery.summarise(runs, P["alpha"], P["confidence"], where=name)
        sub = sub.join(recovery.coverage_tests(sub, P["confidence"], P["alpha"]))
        sub = sub[sub.truth.notna()]
        if_met = int((sub.verdict == "recovered").sum())
    else:
        if_met = np.nan
    nb.record(f"{name}_share", share["share"], fmt="{:.1%}", mcse=share["mc"])
    cond_rows.append({"Condition": name, "Met in": share["share"], f"{level} CI low": share["low"],
                      f"{level} CI high": share["high"],
                      "Recovered, all": int((generated.verdict == "recovered").sum()),
                      "Recovered, if met": if_met, "Judged": chance["judged"]})
tables.show(pd.DataFrame(cond_rows), nb, title="Declared conditions",
            percent=["Met in", f"{level} CI low", f"{level} CI high"])

# %% [markdown]
# ## What this shows

# %%
n_generated, n_recovered = len(generated), int((generated.verdict == "recovered").sum())
off = recovery.beyond_mc_error(generated)
nb.record("n_biased", off["biased"])
nb.record("n_se_miscalibrated", off["miscalibrated"])
scale_name = {"arrest": "measured from arrest (the study's clock)",
              "delayed_entry": "with delayed entry at the launch"}[P["time_scale"]]
answer = (
    f"Over {P['reps']:,} replications, {n_recovered} of {chance['judged']} judged generating coefficients "
    f"are recovered: their {level} intervals cover the truth as often as they claim, within Monte Carlo "
    "error (exact binomial tests, Holm-adjusted). "
    + findings.choose(chance["missed"] == 0,
                      "None misses beyond chance.",
                      f"{chance['missed']} "
                      + findings.choose(chance["missed"] == 1, "misses", "miss")
                      + " beyond chance; the table of misses gives the reason for each.")
    + f" The Free the 20 coefficient {scale_name} "
    + findings.choose(chosen.verdict == "recovered", "is recovered", "is not recovered")
    + f" (coverage {chosen.coverage:.1%}, exact {level} interval {chosen.coverage_low:.1%} to "
    f"{chosen.coverage_high:.1%}; bias {chosen.bias_se:.1f} ± {chosen.bias_se_mc:.2f} SE).")
findings.conclude(nb, answer, [
    answer,
    *lines,
    count_line,
    f"Beyond 3 Monte Carlo errors, {off['biased']} of {off['judged']} estimates are biased and "
    f"{off['miscalibrated']} " + findings.choose(off["miscalibrated"] == 1, "has", "have")
    + " standard errors that do not match the spread of their estimates "
    f"(about {off['expected']:.1f} of each would pass that line by chance): "
    + findings.choose(off["biased"] + off["miscalibrated"] == 0,
                      "bias and standard errors hold wherever there is an estimate.",
                      "the tables above show which, with the size of each."),
    f"The log-rank test of the short against the long list rejects in {logrank.rejects:.1%} of "
    f"replications at {P['alpha']:g} (exact {level} interval {logrank.rejects_low:.1%} to "
    f"{logrank.rejects_high:.1%}): "
    + findings.choose(logrank.rejects_low >= 0.8,
                      "under the generating model the study's comparison nearly always finds the difference.",
                      findings.choose(logrank.rejects_high < 0.8,
                                      "under the generating model the study's comparison often misses the difference.",
                                      "whether its power reaches 80 % is within Monte Carlo error.")),
    f"The Free the 20 coefficient of Cox model 4, {scale_name}, rejects 'no effect' in "
    f"{cox_test.rejects:.1%} of replications (exact {level} interval {cox_test.rejects_low:.1%} to "
    f"{cox_test.rejects_high:.1%}).",
    f"With {P['reps']:,} replications the Monte Carlo error of a {level} coverage is about "
    f"±{(P['confidence'] * (1 - P['confidence']) / P['reps']) ** 0.5:.1%}"
    + findings.choose(P["reps"] < 200, "; raise reps for finer verdicts (casework run 08_recovery -p reps=N).", "."),
])
