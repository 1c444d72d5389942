# ---
# jupyter:
#   casework:
#     question: Do the headline estimates survive every defensible combination of the
#       studies' choices?
#     reproduces: Extension of Spannagel 2019, Table 1 and Myrick & Weinstein 2018,
#       Table 1
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The multiverse of the studies' own choices
#
# **Question.** How often do the published sign and significance of each headline estimate survive every defensible combination of the studies' own choices?
#
# **Answer on these data.** {{< var robustness.answer >}}
#
# Every estimate in a paper rests on a chain of choices, each defensible, none forced:
# Spannagel (2019, Table 1) counts only clear improvements, splits regimes at a Polity IV
# score of zero, measures aid against GDP, keeps cases assessed on limited information
# and reports classical standard errors; Myrick & Weinstein (2018) follow releases for
# three years after the #Freethe20 launch and report four Cox models. This page fits
# every combination of those choices — the *multiverse* (Steegen et al. 2016) — and
# draws, for each estimate the papers' conclusions rest on, a *specification curve*
# (Simonsohn, Simmons & Nelson 2020): all estimates sorted, with the choices behind each
# underneath. The questions are how often the published sign and significance survive,
# and which choice moves an estimate most. On the default synthetic data the outcome was
# generated from the published models, so the curves show how far honest variations of
# the analysis scatter around a known truth, not whether the studies replicate.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
grid = "full"
jobs = 1

# %%
import matplotlib.pyplot as plt
import pandas as pd

import casework.notebook
from casework import engine
from casework.analysis import multiverse as mv
from casework.analysis.multiverse_plot import specification_curve
from casework.report import findings, tables, theme

nb = casework.notebook.start("06_robustness", globals(),
                             tables=["sample", "cases", "urgent_actions", "freethe20"])
theme.apply()
P = nb.params
level = f"{P['confidence']:.0%}"
alpha = 1 - P["confidence"]
# jobs = 1 fits here, more on a local Dask cluster; $CASEWORK_SCHEDULER sends the fits to an
# existing one. The results are the same wherever they run.
with engine.open_engine(P["jobs"]) as eng:
    universe = mv.run(nb.data, grid=P["grid"], confidence=P["confidence"], engine=eng)
summary = universe.summary().set_index("headline")
influence = universe.influence()
skipped = universe.skipped()
tables_dir = nb.root / "results" / "tables"
tables_dir.mkdir(parents=True, exist_ok=True)


def choice_label(name) -> str:
    return mv.CHOICE_BY_NAME[name].label if isinstance(name, str) else "–"


# %% [markdown]
# ## The choices
#
# The multiverse has four analyses, each crossing only the choices that can move its
# estimates. The regime split cannot change the all-regimes model, and the Cox models of
# Urgent Action women always count from the arrest, so crossing those choices would only
# repeat identical fits. The time origin and the women released before the launch matter
# for the comparison of the short and the long list (the study's Fig. 1, here as a Cox
# model so that its estimate is a hazard ratio like the others). Standard errors move
# intervals, not estimates. Firth's penalized logit keeps estimates finite where a rare
# violation type separates the outcome; its errors come from the penalized information,
# so it is crossed with classical errors only. Where the study says which level it used,
# that level is marked.

# %%
#| label: tbl-choices
#| tbl-cap: "The choices of the multiverse: the levels crossed in this run, and the studies' own."
choice_rows = []
for analysis in mv.ANALYSES:
    for choice in analysis.choices:
        used = tuple(universe.grid.loc[universe.grid["analysis"] == analysis.key, choice.name].unique())
        choice_rows.append({
            "analysis": analysis.label, "choice": choice.label,
            "levels in this run": "; ".join(choice.text(v) for v in choice.levels if v in used),
            "the study's choice": ("; ".join(choice.text(v) for v in choice.published)
                                   if choice.published else "not stated")})
tables.show(pd.DataFrame(choice_rows), nb, title="Choices crossed in the multiverse",
            subtitle=f"grid '{P['grid']}'")

# %%
#| label: tbl-grid
#| tbl-cap: "Specifications per analysis: every combination of its choices, those ruled out before fitting, and the headline estimates obtained."
by_analysis = universe.grid.groupby("analysis", sort=False).agg(
    combinations=("spec_id", "size"), ruled_out=("invalid", lambda s: int(s.notna().sum())))
estimated = universe.results[universe.results["reason"].isna()].groupby("analysis").size()
by_analysis["fitted"] = by_analysis["combinations"] - by_analysis["ruled_out"]
by_analysis["estimates"] = estimated.reindex(by_analysis.index).fillna(0).astype(int)
by_analysis["headlines"] = [", ".join(h.label for h in mv.ANALYSIS_BY_KEY[a].headlines)
                            for a in by_analysis.index]
by_analysis.index = [mv.ANALYSIS_BY_KEY[a].label for a in by_analysis.index]
tables.show(by_analysis.rename_axis("analysis").rename(columns={"ruled_out": "ruled out"}), nb,
            title="Specifications per analysis")

# %%
nb.record("grid", P["grid"])
nb.record("n_specifications", len(universe.grid), note="combinations of choices, all analyses")
nb.record("n_specifications_invalid", int(universe.grid["invalid"].notna().sum()),
          note="combinations ruled out before fitting")
nb.record("n_specifications_fitted", int(universe.grid["invalid"].isna().sum()))
nb.record("n_estimates", int(universe.results["reason"].isna().sum()),
          note="specification-and-headline pairs estimated")
nb.record("n_skipped", len(skipped), note="specification-and-headline pairs not estimated, with a reason")
nb.record("n_choices", len({c.name for a in mv.ANALYSES for c in a.choices}))

# %% [markdown]
# ## What could not be fitted, and why
#
# A combination is ruled out before fitting when it makes no sense (a Firth fit with
# robust or clustered errors). A fit is skipped, for the headline estimates of the model
# concerned, when a regime subset has fewer than 50 cases or fewer cases of the rarer
# outcome than the model has coefficients, when a predictor separates the outcome so that
# the maximum-likelihood estimate is not finite (the Firth specifications of the same
# sample stay), or when a comparison group has no release within follow-up, which makes
# its hazard ratio infinite. The full list is written to
# `results/tables/06_robustness_skipped.csv`.

# %%
#| label: tbl-skipped
#| tbl-cap: "Specifications skipped, by analysis and reason, with the headline estimates they cost and an example."
shown_skipped = universe.skipped_summary()
shown_skipped["analysis"] = shown_skipped["analysis"].map(lambda a: mv.ANALYSIS_BY_KEY[a].label)
shown_skipped["headlines"] = shown_skipped["headlines"].map(
    lambda s: ", ".join(mv.HEADLINE_BY_KEY[k].label for k in s.split(", ")))
tables.show(shown_skipped, nb, title="Skipped specifications")

# %%
skipped.to_csv(tables_dir / "06_robustness_skipped.csv", index=False)
everything = universe.results.merge(universe.grid.drop(columns="invalid"), on=["analysis", "spec_id"])
everything.to_csv(tables_dir / "06_robustness_multiverse.csv", index=False)
nb.record("n_specifications_separated",
          int(skipped.loc[skipped["reason"].str.startswith("separation"), "spec_id"].nunique()),
          note="fitted combinations whose maximum-likelihood logit of a regime subset is separated")


# %% [markdown]
# ## Specification curves
#
# One figure per headline estimate. Top: the estimate of every specification with its
# interval, sorted; blue where p is below the chosen level and the sign is the published
# one, vermillion where p is below it but the sign is reversed, grey otherwise. The dashed
# line is the published estimate (for Free the 20, the band spans the four published
# models); black triangles mark the specifications that make the study's own choices
# wherever the study states them. Bottom: which level of each choice the specification
# above uses, the study's own level in bold.

# %%
def curve_figure(key: str):
    h = mv.HEADLINE_BY_KEY[key]
    cur = universe.curve(key)
    fig = specification_curve(cur, list(mv.ANALYSIS_BY_KEY[h.analysis].choices), scale=h.scale,
                              alpha=alpha, level=level, sign=mv.published_sign(h),
                              published=mv.published_values(h), title=h.label)
    cases = f"{cur['n'].min():,}–{cur['n'].max():,}" if len(cur) else "0"
    theme.finish(fig, nb, n=f"{len(cur)} specifications ({int(summary.loc[key, 'n_skipped'])} skipped), "
                            f"{cases} {'cases' if h.analysis.startswith('logit') else 'women'} each")
    plt.show()


# %%
#| label: fig-curve-business
#| fig-cap: "Specification curve of business involvement (all regime types; log odds ratio of improvement), Spannagel 2019, Table 1."
curve_figure("business_all")

# %%
#| label: fig-curve-mentions
#| fig-cap: "Specification curve of the number of mentions by the Special Rapporteur (all regime types; log odds ratio per mention), Spannagel 2019, Table 1."
curve_figure("mentions_all")

# %%
#| label: fig-curve-upr
#| fig-cap: "Specification curve of an upcoming Universal Periodic Review (open regimes; log odds ratio of improvement), Spannagel 2019, Table 1."
curve_figure("upr_open")

# %%
#| label: fig-curve-aid
#| fig-cap: "Specification curve of aid dependency (open regimes; log odds ratio per percentage point of aid in GDP or GNI), Spannagel 2019, Table 1."
curve_figure("aid_open")

# %%
#| label: fig-curve-detention
#| fig-cap: "Specification curve of detention (closed regimes; log odds ratio of improvement), Spannagel 2019, Table 1."
curve_figure("detention_closed")

# %%
#| label: fig-curve-freethe20
#| fig-cap: "Specification curve of the Free the 20 effect on release (log hazard ratio, featured against other Urgent Action women), Myrick & Weinstein 2018, Table 1."
curve_figure("freethe20")

# %%
#| label: fig-curve-short-list
#| fig-cap: "Specification curve of the short against the long list (log hazard ratio of release from a Cox model, the counterpart of the log-rank test of Myrick & Weinstein 2018, Fig. 1); the study publishes no estimate to compare with."
curve_figure("short_list")

# %% [markdown]
# ## How robust is each headline, and what moves it?
#
# For each headline: the specifications estimated and skipped, the median estimate and
# its spread, the share of specifications whose estimate has the published sign, the
# share with p below the chosen level, and both together. *Which choice moves the
# estimate most* is measured by the **mean absolute shift**: take every pair of
# specifications that agree on all choices but one and differ in that one, and average
# the absolute difference of their estimates; a choice with three levels contributes all
# three pairs of levels per setting of the others, and pairs with a skipped member drop
# out. It is on the scale of the estimate (log odds or log hazard), answers "how far does
# the estimate move if I change only this?", and is zero for a choice that cannot move the
# estimate (the standard errors).

# %%
#| label: tbl-summary
#| column: page
#| tbl-cap: "Robustness of each headline estimate across the multiverse: spread, share with the published sign, share significant, and the choice that moves it most."
significant_at = f"p < {alpha:g}".replace(" 0.", " .")      # the site's one p style: 'p < .05'
shown = pd.DataFrame({
    "estimate": summary["label"],
    "published": summary["published"],
    "specifications": summary["n_specifications"], "skipped": summary["n_skipped"],
    "median": summary["median"], "min": summary["min"], "max": summary["max"],
    "published sign": summary["share_published_sign"],
    significant_at: summary["share_significant"],
    "both": summary["share_significant_published_sign"],
    "moves it most": summary["most_influential_choice"].map(choice_label),
    "mean abs. shift": summary["most_influential_shift"],
}).reset_index(drop=True)
tables.show(shown, nb, title="Robustness of the headline estimates",
            subtitle=f"shares of the estimated specifications; {level} intervals",
            decimals=2, percent=["published sign", significant_at, "both"]).sub_missing(missing_text="–")

# %%
#| label: tbl-influence
#| tbl-cap: "Mean absolute shift of each headline estimate when one choice changes and all others stay fixed (empty: the choice is not part of that analysis or has one level in this grid)."
wide = influence.pivot(index="choice", columns="headline", values="mean_abs_shift")
order = list(dict.fromkeys(c.name for a in mv.ANALYSES for c in a.choices))
wide = wide.reindex(index=[c for c in order if c in wide.index],
                    columns=[h.key for h in mv.HEADLINES if h.key in wide.columns])
wide.index = [choice_label(c) for c in wide.index]
wide.columns = [mv.HEADLINE_BY_KEY[k].label for k in wide.columns]
tables.show(wide.rename_axis("choice"), nb, title="Which choice moves each estimate",
            subtitle="mean absolute shift, on the scale of the estimate", decimals=3) \
    .sub_missing(missing_text="")

# %%
def why_missing(value, why: str):
    """A note for a recorded value that is missing, saying why."""
    return why if pd.isna(value) else None


for key, row in summary.iterrows():
    nb.record(f"{key}_n_specifications", int(row["n_specifications"]))
    nb.record(f"{key}_n_skipped", int(row["n_skipped"]))
    for stat in ("median", "q25", "q75", "min", "max"):
        nb.record(f"{key}_{stat}", row[stat], fmt="{:.2f}")
    nb.record(f"{key}_paper_estimate", row["paper_estimate"], fmt="{:.2f}",
              note=why_missing(row["paper_estimate"], f"{int(row['n_paper'])} estimated specifications make "
                                                      "every choice the study states, not one"))
    for share in ("share_published_sign", "share_significant", "share_significant_published_sign"):
        nb.record(f"{key}_{share}", row[share], fmt="{:.0%}",
                  note=why_missing(row[share], "no published estimate to take the sign from"))
    nb.record(f"{key}_most_influential_choice", choice_label(row["most_influential_choice"]))
    nb.record(f"{key}_most_influential_shift", row["most_influential_shift"], fmt="{:.2f}")

# %% [markdown]
# ## What this shows

# %%
def survives(key: str, row) -> str:
    sign, sig = row["share_published_sign"], row["share_significant_published_sign"]
    name = row["label"]      # the estimate's name for readers, never the record key
    if pd.isna(sign):
        return f"{name}: no published estimate to compare the sign with."
    return (f"{name}: {sign:.0%} of {int(row['n_specifications'])} specifications keep the published sign and "
            f"{sig:.0%} are also significant with it; "
            + findings.choose(sig >= 0.5, "the published conclusion survives in most of the multiverse",
                              "the published conclusion holds in fewer than half of the specifications")
            + f"; the choice that moves it most is {choice_label(row['most_influential_choice'])}.")


robust = summary["share_significant_published_sign"].dropna()
answer = (f"{int((robust >= 0.5).sum())} of {len(robust)} headline estimates keep their published sign and "
          f"significance in at least half of the specifications.")
findings.conclude(nb, answer, [answer, *(survives(key, row) for key, row in summary.iterrows()),
                               findings.choose(nb.data.synthetic, "The data are synthetic, drawn from the "
                                               "published models: the curves show how far honest variations "
                                               "scatter around a known truth.", "These are the real data.")])
