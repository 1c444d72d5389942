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
# no finite estimate (separation) and how often each headline test rejects. The
# generator and the truths are those recorded in the data package (`casework simulate`);
# `casework recovery --reps N --seed S` runs the same study from the command line.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
reps = 20
seed = 20190101
condition = "none"
alpha = 0.05
jobs = 1

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import casework.notebook
from casework import engine
from casework.analysis import recovery
from casework.data.truths import declared_truths
from casework.report import findings, tables, theme

nb = casework.notebook.start("08_recovery", globals(), tables=["freethe20"])
theme.apply()
P = nb.params
conditions = () if P["condition"] == "none" else (P["condition"],)
level = f"{P['confidence']:.0%}"
# Rows carry the labels the analysis pages use (pages 04 and 05).
model_label, term_label = recovery.model_label, recovery.term_label

# %%
# The replications run on the compendium's engine (casework.engine): in this process,
# on a local Dask cluster (jobs > 1) or on the cluster $CASEWORK_SCHEDULER names.
with engine.open_engine(P["jobs"]) as eng:
    runs = recovery.run_recovery(P["reps"], P["seed"], conditions, P["confidence"], eng.map)
runs = recovery.attach_truths(runs, declared_truths())
summary = recovery.summarise(runs, P["alpha"])
summary["verdict"] = recovery.coverage_verdict(summary, P["confidence"])
generated = summary[summary.truth.notna()]
nb.record("reps", P["reps"], fmt="{:,}")
nb.record("n_generated", len(generated))
nb.record("n_recovered", int((generated.verdict == "recovered").sum()))

# %% [markdown]
# ## Which estimates have a truth
#
# Only models that generate the data have a true value to recover. Improvement is drawn
# from the closed- and open-regime logits; the pooled logit generates only the few cases
# with a missing covariate, which no model fits, so its published values are not a
# target. Release is drawn from Cox model 4; models 1 to 3 leave out terms that generate
# the data, so they estimate something else by design. Those estimates appear on the
# scorecard, labelled, but are not scored for recovery here.

# %%
def show_rows(frame):
    out = pd.DataFrame({
        "Model": frame.model.map(model_label), "Term": frame.term.map(term_label), "Estimator": frame.estimator,
        "Truth": frame.truth, "Mean estimate": frame.mean_estimate, "Bias / SE": frame.bias_se,
        "SD / mean SE": frame.sd_se, "Coverage": frame.coverage, "± MC": frame.coverage_mc,
        "Separated": frame.separated, "Failed": frame.failed, "Verdict": frame.verdict})
    return out.reset_index(drop=True)

# %% [markdown]
# ## Table 1 logits: maximum likelihood and Firth
#
# For every coefficient of the closed- and open-regime logits: the truth, the mean
# estimate over the replications where it is finite, the bias in units of the mean
# standard error, the spread of the estimates against their mean standard error (near 1
# when the standard errors are right), and the share of replications whose interval
# covers the truth, with its Monte Carlo error. *Separated* is the share of replications
# in which the model had a predictor that perfectly predicts the outcome, so that
# maximum likelihood has no finite estimate for it (the analysis page then reports the
# term as not finite and shows Firth's penalized estimate beside it). Firth's estimate
# removes most of the small-sample bias of maximum likelihood, which is expected with
# samples this small for fifteen parameters.

# %%
#| label: tbl-recovery-logit
#| tbl-cap: "Recovery of the generating logit coefficients (closed and open regimes): truth, mean estimate, bias in standard errors, spread against standard error, coverage with its Monte Carlo error, share separated or failed, by estimator."
logit = generated[generated.analysis == recovery.LOGIT]
tables.show(show_rows(logit), nb, title="Table 1 logits: truth and estimates", decimals=2,
            percent=["Coverage", "± MC", "Separated", "Failed"])

# %% [markdown]
# ## Cox model 4: time from arrest, and delayed entry
#
# The featured women were chosen because they were still detained at the launch, so
# their time from arrest includes months in which they could not have been released and
# still been featured. The study's model counts that time anyway. The second estimator
# lets each featured woman enter the risk set at the launch (left truncation).

# %%
#| label: tbl-recovery-cox
#| tbl-cap: "Recovery of the generating Cox model 4 coefficients, with time from arrest as in the study and with delayed entry at the launch for the featured women."
cox = generated[generated.analysis == recovery.COX]
tables.show(show_rows(cox), nb, title="Cox model 4: truth and estimates", decimals=2,
            percent=["Coverage", "± MC", "Separated", "Failed"])

# %%
ml = summary[(summary.analysis == recovery.LOGIT) & (summary.estimator == "ML")]
sep = ml.groupby("model").separated.first()
ft = cox.set_index("estimator").query("term == 'freethe20'")
naive, entry = ft.loc["Cox (Efron)"], ft.loc["Cox, delayed entry"]
nb.record("separated_closed", float(sep.get("closed", np.nan)), fmt="{:.0%}")
nb.record("separated_open", float(sep.get("open", np.nan)), fmt="{:.0%}")
nb.record("freethe20_bias_se", float(naive.bias_se), fmt="{:.1f}")
nb.record("freethe20_coverage", float(naive.coverage), fmt="{:.0%}")
nb.record("freethe20_entry_bias_se", float(entry.bias_se), fmt="{:.1f}")
nb.record("freethe20_entry_coverage", float(entry.coverage), fmt="{:.0%}")
low, high = recovery.nominal_band(P["confidence"], P["reps"])
lines = []
if naive.verdict != "recovered" and entry.verdict == "recovered":
    lines.append(f"Measured from arrest, the Free the 20 coefficient is off by {naive.bias_se:.1f} "
                 f"standard errors and its {level} interval covers the truth in "
                 f"{naive.coverage:.0%} of replications; with delayed entry the bias is "
                 f"{entry.bias_se:.1f} standard errors and the coverage {entry.coverage:.0%}, "
                 f"in line with {level} (exact binomial test). The study's time scale, not the "
                 "estimator, is what misses the truth here.")
elif naive.verdict == "recovered":
    lines.append(f"Measured from arrest, the Free the 20 coefficient covers the truth in "
                 f"{naive.coverage:.0%} of replications, in line with {level} (exact binomial test).")
else:
    lines.append(f"Neither time scale recovers the Free the 20 coefficient (coverage {naive.coverage:.0%} from arrest, {entry.coverage:.0%} with "
                 "delayed entry).")
lines.append(f"Maximum likelihood has no finite estimate for some predictor in "
             f"{sep.get('closed', np.nan):.0%} of the closed-regime fits and "
             f"{sep.get('open', np.nan):.0%} of the open-regime fits: "
             + ("the published design is fragile, and a real sample like it could easily have "
                "been separated." if max(sep.fillna(0)) >= 0.2 else
                "separation is rare in this design."))
display(Markdown("\n\n".join(lines)))

# %% [markdown]
# ## Coverage of every generating coefficient
#
# Each point is the share of replications whose interval covered the truth, with ±2
# Monte Carlo errors; the band is where a correct interval's coverage falls with this
# many replications.

# %%
#| label: fig-recovery-coverage
#| fig-cap: "Coverage of the generating coefficients by the computed intervals, per model and estimator, with ±2 Monte Carlo errors; the shaded band is the nominal level ±2 Monte Carlo errors for the number of replications."
rows = generated.dropna(subset=["coverage"]).reset_index(drop=True)
labels = [f"{model_label(m)} · {term_label(t)} · {e}" for m, t, e in zip(rows.model, rows.term, rows.estimator)]
colours = {e: theme.OKABE_ITO[i] for i, e in enumerate(rows.estimator.unique())}
fig, ax = plt.subplots(figsize=(7.5, max(4, 0.16 * len(rows))))
ax.axvspan(low, high, color=theme.GREY, alpha=0.2, lw=0, label="nominal ± 2 MC errors")
for e, colour in colours.items():
    m = rows.estimator == e
    ax.errorbar(rows.coverage[m], np.flatnonzero(m), xerr=2 * rows.coverage_mc[m], fmt="o",
                ms=3, color=colour, label=e)
ax.set_yticks(range(len(rows)), labels, fontsize=6)
ax.invert_yaxis()
ax.set_xlim(-0.02, 1.02)
ax.set_xlabel(f"Coverage of the truth by the {level} interval (share of replications)")
ax.legend(fontsize=7, loc="lower left")
fig.tight_layout()
theme.finish(fig, nb, n=f"{P['reps']:,} replications")
plt.show()

# %% [markdown]
# ## The estimates that miss, and why
#
# Each estimate whose coverage differs from the nominal level (exact binomial test at
# 5 %), with the reason its numbers point to. With many estimates judged, up to about
# one in twenty is flagged by chance even when every interval is right.

# %%
#| label: tbl-recovery-missed
#| tbl-cap: "Generating coefficients whose coverage differs from the nominal level (exact binomial test at 5 %), with the reason their bias, spread or separation rate points to."
def reason(r):
    why = []
    if r.estimator == "ML" and r.separated > 0:
        why.append(f"no finite ML estimate in {r.separated:.0%} of fits; the finite ones are a selected subset")
    if abs(r.bias_se) > 0.5:
        why.append(f"biased by {r.bias_se:+.1f} SE")
    if r.sd_se > 1.2:
        why.append(f"standard errors too small (SD/SE {r.sd_se:.2f})")
    elif r.sd_se < 0.8:
        why.append(f"standard errors too large (SD/SE {r.sd_se:.2f})")
    return "; ".join(why) or "within chance of the band"


missed = generated[generated.verdict.isin(["under-covers", "over-covers"])]
tables.show(pd.DataFrame({"Model": missed.model.map(model_label), "Term": missed.term.map(term_label), "Estimator": missed.estimator,
                          "Coverage": missed.coverage, "Verdict": missed.verdict,
                          "Reason": [reason(r) for r in missed.itertuples()]}).reset_index(drop=True),
            nb, title="Estimates outside the nominal band", percent=["Coverage"])

# %%
judged = int(generated.verdict.ne("").sum())
nb.record("n_missed", len(missed))
nb.record("n_missed_by_chance", round(0.05 * judged))
display(Markdown(
    f"{len(missed)} of {judged} judged estimates differ from the nominal coverage; chance "
    f"alone would flag at most about {0.05 * judged:.0f}."
    + (" The misses are no more than chance explains." if len(missed) <= 0.05 * judged + 2 * (0.05 * 0.95 * judged) ** 0.5
       else " That is more than chance explains: the reasons above are the study's, not noise.")))

# %% [markdown]
# ## How often the headline tests reject
#
# The share of replications in which each test rejects "no effect" at the chosen level:
# the study's power under the generating model, not evidence about the real cases.

# %%
#| label: tbl-recovery-tests
#| tbl-cap: "Rejection rate of the headline tests over the replications: the log-rank test of the short against the long list, the Free the 20 coefficient of Cox model 4, and the logit coefficients the working paper highlights."
headline = [(recovery.LOGRANK, "Fig. 1", "featured", "log-rank", "Log-rank, short vs long list"),
            (recovery.COX, "4", "freethe20", "Cox (Efron)", "Cox model 4: Free the 20"),
            (recovery.LOGIT, "open", "upcoming_upr", "ML", "Logit, open: upcoming UPR"),
            (recovery.LOGIT, "open", "aid_dependency", "ML", "Logit, open: aid dependency"),
            (recovery.LOGIT, "closed", "viol_detention", "ML", "Logit, closed: detention")]
idx = summary.set_index(["analysis", "model", "term", "estimator"])
tests = pd.DataFrame([{"Test": label, "Rejects": idx.loc[tuple(key)].rejects,
                       "Failed": idx.loc[tuple(key)].failed} for *key, label in headline])
nb.record("logrank_rejects", float(tests.Rejects.iloc[0]), fmt="{:.0%}")
tables.show(tests, nb, title=f"Rejection rates at {P['alpha']:g}", percent=["Rejects", "Failed"])

# %% [markdown]
# ## Conditioning, measured
#
# `casework simulate` can condition the outcome draws on an event (declared in the data
# package). Here the replications are split by whether they would have met each
# condition; the coverage among those that did shows what conditioning does to the
# target.

# %%
#| label: tbl-recovery-conditions
#| tbl-cap: "Share of replications meeting each declared condition, and the median coverage of the generating coefficients among all replications and among those meeting it."
cond_rows = []
for name in ("estimable_improvement", "reference_release"):
    met = runs.groupby("rep")[f"met_{name}"].first()
    sub = (recovery.summarise(runs, P["alpha"], where=name) if met.any() else None)
    cond_rows.append({"Condition": name, "Met in": float(met.mean()),
                      "Median coverage, all": float(generated.coverage.median()),
                      "Median coverage, if met": float(sub[sub.truth.notna()].coverage.median())
                      if sub is not None else np.nan})
conditions_table = pd.DataFrame(cond_rows)
nb.record("estimable_share", float(conditions_table["Met in"].iloc[0]), fmt="{:.0%}")
tables.show(conditions_table, nb, title="Declared conditions",
            percent=["Met in", "Median coverage, all", "Median coverage, if met"])

# %% [markdown]
# ## What this shows

# %%
n_generated, n_recovered = len(generated), int((generated.verdict == "recovered").sum())
by_chance = len(missed) <= 0.05 * judged + 2 * (0.05 * 0.95 * judged) ** 0.5
answer = (f"Over {P['reps']:,} replications, {n_recovered} of {n_generated} generating coefficients are "
          f"recovered: their {level} intervals cover the truth as often as they claim, within Monte Carlo "
          "error. " + findings.choose(by_chance, "The misses are no more than chance explains.",
                                      f"{len(missed)} estimates miss by more than chance explains; the "
                                      "table of misses gives the reason for each."))
findings.conclude(nb, answer, [
    answer,
    *lines,
    f"The log-rank test of the short against the long list rejects in {float(tests.Rejects.iloc[0]):.0%} "
    f"of replications at {P['alpha']:g}: "
    + findings.choose(float(tests.Rejects.iloc[0]) >= 0.8,
                      "under the generating model the study's comparison nearly always finds the difference.",
                      "under the generating model the study's comparison often misses the difference."),
    findings.choose(P["reps"] < 200,
                    f"With {P['reps']:,} replications the Monte Carlo error of a coverage is about "
                    f"±{(P['confidence'] * (1 - P['confidence']) / P['reps']) ** 0.5:.0%}; raise reps for finer "
                    "verdicts (casework run 08_recovery -p reps=N).",
                    f"With {P['reps']:,} replications the Monte Carlo error of a coverage is about "
                    f"±{(P['confidence'] * (1 - P['confidence']) / P['reps']) ** 0.5:.1%}."),
])
