# ---
# jupyter:
#   casework:
#     question: Do the submitting organisations think the communication made a difference?
#     reproduces: Spannagel 2019, Fig. 2; Spannagel 2018, The Impact of Communications
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What the submitting organisations said about impact
#
# **Question.** Do the organisations that submitted the cases think the Special
# Rapporteur's communication made a difference, and do the cases they credit develop better?
#
# **Answer on these data.** {{< var impact_survey.answer >}}
#
# Without a control group of comparable cases that the UN did not take up, the closest
# available evidence on whether a communication made a difference is the judgement of the
# people who brought the case to the Special Rapporteur. For the surveyed cases of the
# impact sample, they were asked two questions: did international attention have an
# impact on the case, and in which direction; and did the Special Rapporteur's
# communication have a distinct impact of its own? This page reproduces the answers
# (Spannagel 2019, Fig. 2 and the section on the impact of communications; Spannagel
# 2018, *Chasing Shadows*, "The Impact of Communications") and sets them beside how each
# case actually developed. These are perceptions of interested parties, who may
# overrate the mandate's role or lack insight into the authorities' decisions: they
# are evidence of plausibility, not estimates of a causal effect.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
recode_negative_attention = True
share_tolerance = 0.02
count_tolerance = 0.05

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import casework.notebook
from casework.analysis import development, survey
from casework.analysis.caseload import comparison_frame
from casework.published import published
from casework.report import apa, findings, tables, theme

nb = casework.notebook.start("03_impact_survey", globals(), tables=["survey", "sample"])
theme.apply()
answers, sample = nb.data["survey"], nb.data["sample"]
rated = survey.ratings(answers, recode_negative_attention)
frame = survey.with_development(answers, sample, recode_negative_attention)
as_given = survey.with_development(answers, sample, recode_negative=False)
values = {**survey.headline(answers, confidence), **survey.improved_cases(as_given)}
values["sr_likely_share"] = values["sr_likely_share_recoded" if recode_negative_attention
                                   else "sr_likely_share_raw"]
pub = published()["survey"]
level = f"{confidence:.0%}"
n = len(rated)
ANSWER_COLOURS = theme.ANSWER_COLOURS  # an ordered scale: diverging, checked for colour-vision deficiency


def figure(width: float, height: float):
    """A figure whose plot keeps clear of the synthetic-data mark in the top corner."""
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(rect=(0, 0, 1, 1 - 0.25 / height))
    return fig, ax


# %% [markdown]
# ## Impact of international attention and of the Special Rapporteur
#
# The attention question let respondents say that the impact was negative. In the
# working paper this happened for three cases named in one communication, where the
# attention was said to have raised the risk to the people concerned. For its figure the
# paper therefore did not count those cases as a likely *positive* impact: they were moved
# from "probably" to "probably not" (its footnote 6). The parameter
# `recode_negative_attention` does the same here, on both questions, for every case whose
# reported impact was negative; switched off, the answers are shown as given, whatever
# their direction. The share of cases with a likely positive impact of attention does
# not depend on the switch, because it always counts only positive impacts.

# %%
#| label: fig-impact
#| fig-cap: "Perceived impact of international attention and of the Special Rapporteur's communication on the surveyed cases (after Spannagel 2019, Fig. 2). Bars are 100% of respondents; numbers in the bars are percentages."
dist = survey.distribution(rated, confidence)
fig, ax = figure(8.5, 2.8)
for row, question in enumerate(survey.QUESTIONS):
    part = dist[dist["question"] == question].set_index("answer")
    left = 0.0
    for answer in survey.SCALE:
        width = part.loc[answer, "share"] * 100
        ax.barh(row, width, left=left, height=0.6, color=ANSWER_COLOURS[answer], edgecolor="white",
                label=survey.SCALE_LABELS[answer] if row == 0 else None)
        if width >= 5:
            ax.text(left + width / 2, row, f"{width:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if answer in ("definitely", "definitely_not") else "black")
        left += width
positive = "positive " if recode_negative_attention else ""
ax.set_yticks(range(len(survey.QUESTIONS)),
              [f"Did international attention have\n{'a positive' if positive else 'an'} impact?",
               f"Did the Special Rapporteur's communication\nhave a distinct {positive}impact?"], fontsize=8.5)
ax.invert_yaxis()
ax.set_xlim(0, 100)
ax.set_xlabel(f"Share of the {n} respondents (%)")
ax.set_title("Negative impacts counted as 'probably not' (footnote 6)" if recode_negative_attention
             else "Answers as given, whatever the direction of the impact",
             fontsize=9, fontweight="normal", loc="left")
ax.legend(title="Answer", loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, title_fontsize=8.5)
ax.grid(axis="y", visible=False)
theme.finish(fig, nb, n=n)
plt.show()

# %%
#| label: tbl-impact
#| tbl-cap: "Answers to the two impact questions, with Wilson intervals for each share (recoding as set by recode_negative_attention)."
wide = dist.assign(text=[f"{k} · {s:.0%} ({lo:.0%}–{hi:.0%})" for k, s, lo, hi in
                         zip(dist["count"], dist["share"], dist["ci_low"], dist["ci_high"])])
wide = wide.pivot(index="answer", columns="question", values="text").reindex(list(survey.SCALE))
wide.index = [survey.SCALE_LABELS[a] for a in wide.index]
wide.columns = [survey.QUESTIONS[q] for q in wide.columns]
tables.show(wide.rename_axis("Answer"), nb, title="Perceived impact",
            subtitle=f"cases · share ({level} Wilson interval); {n} respondents")

# %% [markdown]
# Respondents were more hesitant to call the Special Rapporteur's own impact *definite*
# than that of attention in general, but the shares with a *likely* impact (definitely
# or probably) are close. Because both answers describe the same cases, the comparison
# uses McNemar's exact test on the cases where the two answers disagree.
# An exact test has no statistic with degrees of freedom, so it is reported by its name and
# p-value alone, a form statcheck, which recomputes p from a statistic, cannot check.

# %%
#| label: tbl-attention-sr
#| tbl-cap: "How the same respondents answered the two questions: cases by answer on attention (rows) and on the Special Rapporteur (columns)."
paired, mcnemar_p = survey.attention_vs_sr(rated)
cross = pd.crosstab(rated["attention"], rated["sr"], dropna=False)
cross.index = [survey.SCALE_LABELS[a] for a in cross.index]
cross.columns = [survey.SCALE_LABELS[a] for a in cross.columns]
agree = int(paired.loc[True, True] + paired.loc[False, False])
tables.show(cross.rename_axis("Attention \\ SR"), nb, title="Attention (rows) vs Special Rapporteur (columns)",
            subtitle=f"Likely impact on both or on neither: {agree} of {n} cases; "
                     f"equal likely-impact shares, {apa.exact(apa.MCNEMAR, mcnemar_p)}")

# %% [markdown]
# ## Perceived impact and how the case developed
#
# If the perceived impact meant anything for the defender, it should be reported more
# often where the situation improved. The working paper notes that for every improved
# surveyed case but one, respondents thought international attention had likely had an
# impact (its footnote 8). A likely impact was also reported for many cases that did
# not improve: an intervention can matter without turning the case around within a year.

# %%
#| label: fig-impact-development
#| fig-cap: "Share of surveyed cases with a likely impact (definitely or probably) by how the case developed within one year, for both questions. Points: share with Wilson interval; n per group on the axis."
by_band = survey.impact_by_band(frame, confidence)
bands = list(development.BANDS)
band_names = {"improved": "Improved", "same_mixed": "Same or mixed", "worse": "Worse"}
fig, ax = figure(7.5, 3.6)
for k, (question, colour) in enumerate(zip(survey.QUESTIONS, (theme.OKABE_ITO[0], theme.OKABE_ITO[1]))):
    part = by_band.loc[question].reindex(bands)
    y = np.arange(len(bands)) + (k - 0.5) * 0.3
    ax.errorbar(part["share"] * 100, y,
                xerr=[(part["share"] - part["ci_low"]) * 100, (part["ci_high"] - part["share"]) * 100],
                fmt="o", color=colour, capsize=3, markersize=6, label=survey.QUESTIONS[question])
counts = by_band.loc["attention"].reindex(bands)["n"]
ax.set_yticks(range(len(bands)), [f"{band_names[b]}\n(n = {counts[b]})" for b in bands])
ax.invert_yaxis()
ax.set_xlim(-2, 102)  # room for points at 0% and 100%
ax.set_xlabel(f"Cases with a likely impact (%, {level} Wilson interval)")
ax.set_ylabel("Development within one year")
ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8)
ax.grid(axis="y", visible=False)
theme.finish(fig, nb, n=int(counts.sum()),
             note="recoded as in footnote 6" if recode_negative_attention else "answers as given")
plt.show()

# %%
#| label: tbl-impact-development
#| tbl-cap: "Likely impact (definitely or probably) by development within one year, with Wilson intervals, and the test of improved vs not improved cases (two-proportion z test, or Fisher's exact test when an expected count is below 5)."
rows = []
tests = {q: survey.improvement_test(frame, q, confidence) for q in survey.QUESTIONS}
for question in survey.QUESTIONS:
    part = by_band.loc[question].reindex(bands)
    row = {"Question": survey.QUESTIONS[question]}
    row.update({f"{band_names[b]} (n = {part.loc[b, 'n']})":
                f"{part.loc[b, 'count']} · {part.loc[b, 'share']:.0%} "
                f"({part.loc[b, 'ci_low']:.0%}–{part.loc[b, 'ci_high']:.0%})" for b in bands})
    t = tests[question]
    row["Improved minus not improved"] = f"{t.difference * 100:+.0f} pp"
    row["Test"] = apa.two_proportion(t)
    rows.append(row)
tables.show(pd.DataFrame(rows), nb, title="Likely impact by case development",
            subtitle=f"cases · share ({level} Wilson interval)")

# %% [markdown]
# ## Computed and published
#
# Chasing Shadows reports the answers on the Special Rapporteur before any recoding;
# the working paper's share of likely distinct positive impact is after the recoding.
# Both are computed here whatever `recode_negative_attention` is set to. A share agrees
# when it is within `share_tolerance` of the published one or when the published value
# lies inside the computed interval; a count agrees when within `count_tolerance`
# (relative) of the published count.

# %%
#| label: tbl-published
#| tbl-cap: "Headline survey numbers: computed here beside the published values."
by_study = survey.published_comparisons(values, pub, share_tolerance, count_tolerance)
comparisons = [c for study in by_study.values() for c in study]
tables.show(comparison_frame(comparisons, survey.formats()), nb,
            title="Perceived impact: computed vs published", subtitle=f"Intervals: {level} Wilson")

# %%
nb.record_comparison(development.scorecard(by_study))
formats = survey.formats()
for c in comparisons:
    nb.record(c.name, values[c.name], fmt=formats[c.name])
    nb.record(f"{c.name}_published", c.published.text if c.published.relation != "=" else c.published.value,
              fmt=None if c.published.relation != "=" else formats[c.name])
for name in ("attention_likely_share", "sr_likely_share_raw", "sr_likely_share"):
    nb.record(name, values[name], fmt="{:.0%}")
for name in ("attention_positive_share", "attention_likely_share", "sr_definitely_share",
             "sr_probably_share", "sr_unlikely_share", "sr_likely_share_raw", "sr_likely_share_recoded"):
    nb.record(f"{name}_low", values[f"{name}_low"], fmt="{:.0%}")
    nb.record(f"{name}_high", values[f"{name}_high"], fmt="{:.0%}")
nb.record("recode_negative_attention", recode_negative_attention)
nb.record("improved_dont_know", values["improved_dont_know"])
nb.record("improved_with_likely_sr_impact", values["improved_with_likely_sr_impact"])
# an exact test in its one form: "McNemar's exact test, p = .727" (no statistic for statcheck)
nb.record("attention_vs_sr_p", mcnemar_p, fmt=apa.exact(apa.MCNEMAR, mcnemar_p))
nb.record("attention_sr_agree", agree)
for question in survey.QUESTIONS:
    for band in bands:
        nb.record(f"{question}_likely_{band}_share", by_band.loc[(question, band), "share"], fmt="{:.0%}")
    nb.record(f"{question}_improved_difference_pp", tests[question].difference * 100, fmt="{:+.0f}",
              note="percentage points, improved minus not improved")
    nb.record(f"{question}_improved_p", tests[question].p, fmt=apa.p_text(tests[question].p))
    nb.record(f"{question}_improved_test", apa.two_proportion(tests[question]))
    nb.record(f"{question}_improved_sentence", findings.ConditionalShares(
        outcome="were said to have been likely helped by " + ("international attention" if question == "attention"
                                                              else "the Special Rapporteur's communication"),
        group="the surveyed cases that improved", other="the others",
        **survey.improvement_counts(frame, question), test=apa.two_proportion(tests[question]),
        p=tests[question].p).sentence())
nb.record("n_survey_assessed", int(frame["band"].notna().sum()))

# %% [markdown]
# ## What this shows

# %%
def likely(name: str) -> str:
    return f"{values[name]:.0%} ({level} CI {values[name + '_low']:.0%} to {values[name + '_high']:.0%})"


credited = findings.ConditionalShares(
    outcome="were said to have been likely helped by the Special Rapporteur's communication",
    group="the surveyed cases that improved", other="the others", **survey.improvement_counts(frame, "sr"),
    test=apa.two_proportion(tests["sr"]), p=tests["sr"].p)
answer = (f"{likely('sr_likely_share_recoded')} of the organisations see a likely distinct positive impact "
          f"of the Special Rapporteur's communication. {credited.sentence()}")
findings.conclude(nb, answer, [
    answer,
    f"International attention in general is credited with a positive impact by "
    f"{likely('attention_positive_share')} of the organisations.",
    findings.choose(mcnemar_p < 0.05, "The organisations rate attention in general and the Rapporteur's own "
                    f"communication differently ({apa.exact(apa.MCNEMAR, mcnemar_p)}).",
                    "The organisations rate attention in general and the Rapporteur's own communication "
                    f"alike within sampling noise ({apa.exact(apa.MCNEMAR, mcnemar_p)})."),
    *findings.compared(nb),
    "These are judgements of interested parties: evidence of plausibility, not of a causal effect.",
])
