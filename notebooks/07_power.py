# ---
# jupyter:
#   casework:
#     question: How likely were studies of these sizes to detect the effects they report?
#     reproduces: 'Extension: simulated power of Spannagel 2019, Table 1 and Myrick
#       & Weinstein 2018, Table 1'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How large a sample? Simulated power of the studies' designs
#
# **Question.** How likely were studies built like these to detect the effects they report, and how large would they need to be?
#
# **Answer on these data.** {{< var power.answer >}}
#
# Spannagel (2019) closes by recommending that some findings be checked "in a larger
# sample" (conclusion and footnote 22), and Myrick & Weinstein (2018) rest their Free the
# 20 estimate on a handful of featured women. This page asks how likely studies built like
# these were to detect the effects they report, and how large they would need to be to
# detect them reliably. It simulates many studies of each size from a model in which the
# effect is real, fits the study's own model to each, and counts how often the test rejects
# "no effect": the upcoming Universal Periodic Review in open regimes and business
# involvement across all regimes (the logits of Spannagel 2019, Table 1), and the featured
# women's hazard of release (Myrick & Weinstein 2018, Table 1, model 1).

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
n_sims = 2000
seed = 20190807
effect_source = "published"
grid_min_factor = 0.5
grid_max_factor = 4.0
grid_points = 7
alpha = 0.05
target_power = 0.8
separated = "firth"
failed_fits = "miss"
cox_growth = "proportional"
jobs = 2

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator, NullLocator, PercentFormatter

import casework.notebook
from casework import engine
from casework.analysis import power
from casework.report import findings, tables, theme

nb = casework.notebook.start("07_power", globals(), tables=["sample", "cases", "urgent_actions"])
theme.apply()
P = nb.params
BLUE, ORANGE, GREEN, VERMILLION = (theme.OKABE_ITO[i] for i in (0, 1, 2, 3))
target_pct = int(round(100 * P["target_power"]))

designs = [
    power.regression_design("upr_open", P["effect_source"], P["separated"],
                            sample=nb.data["sample"], cases=nb.data["cases"], pool_seed=P["seed"]),
    power.regression_design("business_all", P["effect_source"], P["separated"],
                            sample=nb.data["sample"], cases=nb.data["cases"], pool_seed=P["seed"]),
    power.freethe20_design(nb.data["urgent_actions"], P["effect_source"], P["cox_growth"]),
]

# %% [markdown]
# ## How the studies are simulated
#
# - **Upcoming UPR, open regimes.** Cases are drawn like the working paper's open-regime
#   cases by the compendium's impact simulator (country-year Polity IV, fragility and aid
#   values, the review calendar, repeated mentions, violation and profile flags), and
#   improvement from the open-regime logit with all fourteen Table 1 predictors. Each
#   simulated study refits that logit and tests the UPR coefficient (Wald test). The
#   simulator draws a population of 50,000 such cases once; each study draws its cases
#   independently from that population, and their outcomes afresh.
# - **Business involvement, all regimes.** The same, with cases from both regime types and
#   the all-regimes logit.
# - **Free the 20.** Urgent Action women are resampled from the data with their
#   characteristics and their possible follow-up (from arrest to three years after the
#   launch); their time to release is drawn from a proportional-hazards model with the
#   Free the 20 hazard ratio and a Weibull baseline fitted to the control women. Each study
#   refits Cox model 1 and tests the Free the 20 coefficient.
#
# The true effects are those of the published models or, with `effect_source = fitted`,
# of the same models refitted on the data. Every simulated study has its own random stream,
# derived from the seed. With a dozen rare flags among fourteen predictors, a simulated
# logit sample often has no finite maximum-likelihood estimate (some flag's cases all
# improved or all did not): such a sample is refitted with Firth's penalized likelihood,
# or, as a parameter, counted as a failed fit. Failed fits of either model are counted and
# shown; by default they count as studies that found nothing. The simulated cases are
# independent draws, whereas the real ones cluster in countries, so the curves are, if
# anything, optimistic.

# %%
# jobs = 1 simulates here, more on a local Dask cluster; $CASEWORK_SCHEDULER (casework run
# --scheduler) sends the studies to an existing one. Each study has its own random stream,
# so the results are the same wherever they run.
with engine.open_engine(P["jobs"]) as eng:
    results = {d.key: power.simulate_power(
        d.draw, d.fit, power.size_grid(d.published_n, P["grid_min_factor"], P["grid_max_factor"],
                                       P["grid_points"]),
        P["n_sims"], P["seed"], alpha=P["alpha"], confidence=P["confidence"],
        failed=P["failed_fits"], engine=eng, stream=i, label=f"07_power {d.key}")
        for i, d in enumerate(designs)}
targets = {d.key: power.n_for_power(results[d.key].curve, P["target_power"]) for d in designs}
at_published = {d.key: results[d.key].at(d.published_n) for d in designs}
level = f"{P['confidence']:.0%}"
mc_largest = max(r.curve["mc_se"].max() for r in results.values())

# %% [markdown]
# ## Power as the sample grows
#
# Each point is the share of simulated studies of that size whose test rejected "no
# effect" at the chosen level, with a Wilson interval for the simulation error. The dotted
# line marks the size of the published study; the diamond, the size at which the curve
# reaches the target power, with the range where the interval band reaches it.

# %%
from IPython.display import Markdown

at_n = {d.key: at_published[d.key] for d in designs}
Markdown(f"With {P['n_sims']:,} simulated studies per point, the Monte Carlo standard error of "
         f"every power shown is at most ±{mc_largest:.1%} (the largest, over all designs and "
         f"sizes, of √(p(1 − p)/{P['n_sims']:,})); the table of fits below gives it for each "
         "point, and the powers at the published sizes are "
         + "; ".join(f"{at_n[d.key].power:.0%} ± {at_n[d.key].mc_se:.1%} ({d.label})" for d in designs)
         + ".")

# %%
#| label: fig-power-curves
#| fig-cap: "Simulated power of the test of each effect against sample size, with Monte Carlo (Wilson) intervals, the published sample size (dotted) and the size reaching the target power (diamond, with its Monte Carlo range)."
GROWTH_NOTE = {"proportional": ",\nfeatured share as observed", "controls": ",\nfeatured women as observed"}
fig, axes = plt.subplots(1, len(designs), figsize=(12.5, 4.6), sharey=True)
for ax, d, colour in zip(axes, designs, (BLUE, ORANGE, GREEN)):
    c = results[d.key].curve
    ax.fill_between(c.n, c.low, c.high, color=colour, alpha=0.18, lw=0,
                    label=f"{level} Monte Carlo interval")
    ax.plot(c.n, c.power, "o-", color=colour, ms=4, label="simulated power")
    ax.axhline(P["target_power"], color="black", lw=0.8, ls="--")
    ax.axvline(d.published_n, color=theme.GREY, lw=1.0, ls=":")
    ax.annotate(f"published\nn = {d.published_n}", (d.published_n, 0.03), xytext=(4, 0),
                textcoords="offset points", fontsize=8, color=theme.GREY)
    t = targets[d.key]
    if t.status == "in grid":
        # A bound outside the simulated sizes is drawn to the edge of the grid, open-ended.
        lo = t.low if np.isfinite(t.low) else c.n.min()
        hi = t.high if np.isfinite(t.high) else c.n.max()
        ax.plot([lo, hi], [t.target] * 2, color=VERMILLION, lw=1.6)
        for bound, edge, mark in ((t.low, lo, "|"), (t.high, hi, "|")):
            ax.plot([edge], [t.target], marker=mark if np.isfinite(bound) else
                    ("<" if edge == lo else ">"), color=VERMILLION, ms=8)
        ax.plot([t.n], [t.target], "D", color=VERMILLION, ms=7, label=f"n for {target_pct} % power")
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())     # ticks at the simulated sizes only
    ax.set_xticks(c.n, [f"{n:,}" for n in c.n], fontsize=8, rotation=45)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"{d.unit.capitalize()} in the model (log scale)"
                  + (GROWTH_NOTE[P["cox_growth"]] if d.key == "freethe20" else ""))
    ax.set_title(f"{d.label}\ntrue {d.ratio} {d.effect_ratio:.2f} ({d.source})", fontsize=10)
axes[0].set_ylabel(f"Power (share of studies with p < {P['alpha']:g})")
axes[0].legend(loc="upper left", fontsize=8)
fig.tight_layout()
theme.finish(fig, nb, n=f"{P['n_sims']:,} simulated studies per point")
plt.show()

# %%
#| label: tbl-power-summary
#| tbl-cap: "Per design: the true effect of the simulations, the power the published sample size had, and the sample size reaching the target power, each with its Monte Carlo interval; failed fits over all sizes; and how much the significant estimates at the published size overstate the true effect."
def interval(x, lo, hi, fmt):
    show = (lambda v: fmt.format(v) if np.isfinite(v) else "?")
    return f"{show(x)} ({show(lo)}–{show(hi)})"


def times(x):
    return f"{x:.2f}×" if np.isfinite(x) else "–"


def target_text(t):
    if t.status == "in grid":
        return interval(t.n, t.low, t.high, "{:,.0f}")
    return {"beyond grid": "beyond the largest size simulated",
            "below grid": "below the smallest size simulated"}[t.status]


summary = pd.DataFrame([{
    "Design": d.label,
    "True effect": f"{d.ratio} {d.effect_ratio:.2f} ({d.source})",
    "Published n": d.published_n,
    "Power at published n": interval(at_published[d.key].power, at_published[d.key].low,
                                     at_published[d.key].high, "{:.0%}"),
    "Monte Carlo SE": f"±{at_published[d.key].mc_se:.1%}",
    f"n for {target_pct} % power": target_text(targets[d.key]),
    "Failed fits": f"{int(results[d.key].curve.failed.sum()):,} of {len(results[d.key].runs):,}",
    "Exaggeration when significant": times(power.exaggeration(results[d.key].runs, d.published_n,
                                                               d.effect)),
} for d in designs])
tables.show(summary, nb, title="Power of the studies' designs",
            subtitle=f"{P['n_sims']:,} simulated studies per size; {level} Monte Carlo intervals; "
                     f"two-sided tests at {P['alpha']:g}")

# %% [markdown]
# ## What a study of the published size reports
#
# A study that is short of power and still finds its effect tends to overstate it: only
# the samples in which the effect happened to come out large pass the test (the "type M"
# error of Gelman & Carlin 2014). The histograms show the estimates of all simulated
# studies of the published size, split by whether they were significant, beside the true
# effect; the last column of the table above is the mean size of the significant
# estimates over the true one.

# %%
#| label: fig-estimates
#| fig-cap: "Estimated effects (odds or hazard ratio, log scale) of the simulated studies of the published size, significant or not, with the true effect of the simulations (line)."
fig, axes = plt.subplots(1, len(designs), figsize=(12.5, 3.8))
for ax, d in zip(axes, designs):
    runs = results[d.key].runs
    runs = runs[(runs.n == d.published_n) & ~runs.failed]
    ratio = np.exp(runs.estimate.clip(-8, 8))
    bins = np.geomspace(ratio.min(), ratio.max(), 31)
    ax.hist([ratio[runs.rejected], ratio[~runs.rejected]], bins=bins, stacked=True,
            color=[BLUE, "#BBBBBB"], label=[f"significant (p < {P['alpha']:g})", "not significant"])
    ax.axvline(d.effect_ratio, color=VERMILLION, lw=1.6, label=f"true {d.ratio}")
    ax.axvline(1.0, color="black", lw=0.8, ls="--")
    ax.set_xscale("log")
    ticks = [t for t in (0.01, 0.03, 0.1, 0.3, 0.5, 1, 2, 3, 5, 10, 30, 100)
             if bins[0] <= t <= bins[-1] or t == 1]
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"Estimated {d.ratio} (log scale)")
    ax.set_title(f"{d.label}, n = {d.published_n}", fontsize=10)
axes[0].set_ylabel("Simulated studies")
axes[0].legend(fontsize=8, loc="best")
fig.tight_layout()
theme.finish(fig, nb, n=f"{P['n_sims']:,} simulated studies per design")
plt.show()

# %%
#| label: tbl-fits
#| tbl-cap: "Power and how the simulated studies were fitted, per design and sample size: the simulated power with its Monte Carlo standard error, fits by maximum likelihood, by Firth's penalized likelihood (logits without a finite maximum-likelihood estimate), or failed, with the most frequent reasons for failure."
rows = []
for d in designs:
    for r in results[d.key].curve.itertuples():
        runs = results[d.key].runs
        methods = runs.loc[(runs.n == r.n) & ~runs.failed, "method"].value_counts()
        rows.append({"Design": d.label, "n": r.n, "Simulated": r.sims,
                     "Power": f"{r.power:.1%}", "Monte Carlo SE": f"±{r.mc_se:.1%}",
                     "Maximum likelihood": int(methods.get("maximum likelihood", 0)
                                               + methods.get("Cox (Efron ties)", 0)),
                     "Firth": int(methods[methods.index.str.startswith("Firth")].sum()),
                     "Failed": r.failed, "Reasons for failure": r.reasons or "–"})
tables.show(pd.DataFrame(rows), nb, title="Power and how the simulated studies were fitted",
            subtitle="failed fits count as " + ("finding no effect" if P["failed_fits"] == "miss"
                                               else "missing (left out of the power)"))

# %%
for d in designs:
    # Simulated quantities carry kind="mc" and their Monte Carlo SE (casework verify
    # allows three of them); settings and counts of the design are compared exactly.
    k, row, t = d.key, at_published[d.key], targets[d.key]
    runs = results[k].runs
    mc = {"kind": "mc", "mcse": row.mc_se}
    t_mc = {"kind": "mc", "mcse": power.target_mcse(t, P["confidence"])}
    nb.record(f"effect_{k}", d.effect_ratio, fmt="{:.2f}", note=f"true {d.ratio} ({d.source})")
    nb.record(f"published_n_{k}", d.published_n)
    nb.record(f"power_at_published_n_{k}", row.power, fmt="{:.0%}", **mc)
    nb.record(f"power_at_published_n_{k}_low", row.low, fmt="{:.0%}", **mc)
    nb.record(f"power_at_published_n_{k}_high", row.high, fmt="{:.0%}", **mc)
    nb.record(f"power_at_published_n_{k}_mc_se", row.mc_se, fmt="{:.1%}", kind="mc",
              mcse=power.se_mcse(row.mc_se, row.sims))
    beyond = f"{t.status}: not reached within the sizes simulated"
    nb.record(f"n_for_target_{k}", t.n, fmt="{:,.0f}", note=None if t.status == "in grid" else beyond,
              **t_mc)
    nb.record(f"n_for_target_{k}_low", t.low, fmt="{:,.0f}", **t_mc)
    nb.record(f"n_for_target_{k}_high", t.high, fmt="{:,.0f}", **t_mc)
    nb.record(f"failed_fits_{k}", int(runs.failed.sum()), kind="mc",
              mcse=power.count_mcse(int(runs.failed.sum()), len(runs)))
    firth = int(runs.method.str.startswith("Firth").sum())
    nb.record(f"firth_fits_{k}", firth, kind="mc", mcse=power.count_mcse(firth, len(runs)))
    nb.record(f"exaggeration_{k}", power.exaggeration(runs, d.published_n, d.effect), fmt="{:.2f}",
              kind="mc", mcse=power.exaggeration_mcse(runs, d.published_n, d.effect))
nb.record("n_sims", P["n_sims"])
nb.record("mc_se_largest", mc_largest, fmt="{:.1%}", note="largest Monte Carlo SE of any power shown",
          kind="mc", mcse=power.se_mcse(mc_largest, P["n_sims"]))
nb.record("seed", P["seed"], fmt="{}")
nb.record("alpha", P["alpha"], fmt="{:g}")
nb.record("target_power", P["target_power"], fmt="{:.0%}")
nb.record("effect_source", P["effect_source"])

# %% [markdown]
# ## Reading the results
#
# Power is a property of a design and an assumed effect, not of the data at hand: these
# curves say how often studies like the published ones would find effects as large as the
# published (or refitted) ones. Effects that were estimated from samples this small are
# themselves likely to be overstated, for the reason the histograms show, so the sizes
# needed to detect the true effects are, if anything, larger than those read off here.
# A country-clustered design, which the real cases have, would push them up further.

# %% [markdown]
# ## What this shows

# %%
def verdict(d) -> str:
    row, t = at_published[d.key], targets[d.key]
    size = (f"about {t.n:,.0f} would reach {P['target_power']:.0%} power" if t.status == "in grid"
            else f"{P['target_power']:.0%} power is not reached within the sizes simulated")
    return (f"{d.label}: power {row.power:.0%} ({row.low:.0%} to {row.high:.0%}) at the published size of "
            f"{d.published_n:,}; " + findings.choose(row.power >= P["target_power"], "enough to detect the effect "
            "reliably", "too low to detect the effect reliably") + f"; {size}.")


under = [d for d in designs if at_published[d.key].power < P["target_power"]]
reached = len(designs) - len(under)
answer = (f"{reached} of {len(designs)} designs " + findings.choose(reached == 1, "reaches", "reach")
          + f" {P['target_power']:.0%} power at their published size"
          + findings.choose(bool(under), "; " + findings.choose(len(under) == 1, "the other would need a larger "
                            "sample.", "the others would need larger samples."), "."))
findings.conclude(nb, answer, [answer, *(verdict(d) for d in designs)])
