# ---
# jupyter:
#   casework:
#     question: How did the defenders' situations develop within a year of the communication?
#     reproduces: Spannagel 2019, Fig. 1; Spannagel 2018, Figs. 7-8
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How cases developed within a year of the communication
#
# **Question.** Within a year of the communication, how many defenders' situations got
# better, stayed the same or got worse, and does that differ by violation, sender and country?
#
# **Answer on these data.** {{< var case_development.answer >}}
#
# Cases drawn at random from the Special Rapporteur's communications of 2004 to 2015
# (those naming at most ten people) were followed up for one year after the
# communication, through a survey of the organisations that had submitted each case and
# through desk research. Information was not found for every case, so the assessed cases
# are not strictly a random sample (Spannagel 2019, note 4). Each assessed case was
# placed in one of six categories, from *much better* to *much worse*, guided by the
# examples of the questionnaire's assessment matrix (Spannagel 2019, Appendix); *mixed*
# marks cases with equally important positive and negative developments. This page
# reproduces the distribution of these developments by data source and level of
# information (Spannagel 2019, Fig. 1), over time and by country (Spannagel 2018,
# *Chasing Shadows*, Figs. 7 and 8), and the share of improved cases by initial violation
# and by sender. Every share comes with a Wilson interval, and every difference between
# groups with a test, because many groups are small. The parameters `year_from` and
# `year_to` restrict the analysis to communications of those years.

# %% tags=["parameters"]
data_dir = "data"
confidence = 0.95
year_from = 2004
year_to = 2015
min_country_n = 5
top_n = 25
share_tolerance = 0.02
count_tolerance = 0.05

# %%
import matplotlib.pyplot as plt

import casework.notebook
from casework.analysis import development, intervals
from casework.analysis.caseload import comparison_frame
from casework.published import published
from casework.report import countries as country_names, findings, tables, theme
from casework.report.figures import development as figures

nb = casework.notebook.start("02_case_development", globals(), tables=["cases", "sample"])
theme.apply()
sample = nb.data["sample"]
assessed = development.assessed_cases(sample, nb.data["cases"], year_from, year_to)
values = {"n_sampled": len(sample), **development.headline(assessed, confidence)}
tests = development.distribution_tests(assessed, min_country_n)
pub = published()["sample"]
level = f"{confidence:.0%}"

# %% [markdown]
# ## Distribution of developments by source and information
#
# If the two routes to an assessment, and the amount of information behind it, gave
# systematically different pictures, the pooled distribution would mostly reflect how a
# case happened to be researched. The working paper found the categories spread
# similarly across sources and information levels; the tests below ask the same of these
# data (a chi-square test, or an exact test where groups are small).
# An exact test has no statistic with degrees of freedom, so it is reported by its name and
# p-value alone, a form statcheck, which recomputes p from a statistic, cannot check.

# %%
#| label: fig-development-source
#| fig-cap: "Development of assessed cases within one year of the communication, by data source and level of information (after Spannagel 2019, Fig. 1). Bars are 100% of each group; numbers in the bars are percentages; n per group on the axis."
counts = development.with_total(development.by_source_information(assessed))
figures.source_information(counts, tests, nb, n=len(assessed))
plt.show()

# %%
#| label: tbl-development-tests
#| tbl-cap: "Tests of whether the distribution of developments differs between groups. Pearson's chi-square; where any expected count is below 5, Fisher's exact test (2 × 2) or the Fisher–Freeman–Halton test with a Monte Carlo p-value."
tables.show(development.tests_display(tests), nb, title="Do developments differ between groups?")

# %% [markdown]
# ## Development over time
#
# Chasing Shadows shows the distribution per year of the communication (its Fig. 7): the
# share that stayed the same is large in most years, with some years of marked
# deterioration and others in which about a third improved. Yearly groups hold a few
# dozen cases, so a swing of ten points can be chance; the test of differences between
# years is in the table above.

# %%
#| label: fig-development-year
#| fig-cap: "Development of assessed cases within one year, by year of the communication (after Spannagel 2018, Fig. 7). Bars are 100% of each year; n per year under the axis."
years = development.by_year(assessed)
figures.by_year(years, nb, n=len(assessed))
plt.show()

# %% [markdown]
# ## Share improved by country
#
# The map in Chasing Shadows (its Fig. 8) shades countries by the share of their sample
# cases that improved, and warns that many countries have fewer than five cases. Here the
# countries with the most assessed cases are shown with their Wilson intervals;
# countries with fewer than `min_country_n` cases are drawn hollow and should be read as
# anecdotes.

# %%
#| label: fig-country
#| fig-cap: "Share of assessed cases that improved (much or somewhat better) within one year, by country, for the countries with most assessed cases (after Spannagel 2018, Fig. 8). Points and lines: share and Wilson interval; hollow grey: fewer cases than min_country_n; dashed: all assessed cases."
countries = development.improvement_by_country(assessed, min_country_n, confidence)
figures.country_improvement(countries, nb, overall=values["improved_share"], top_n=top_n,
                            min_n=min_country_n, n_cases=len(assessed), confidence=confidence)
plt.show()

# %%
#| label: tbl-country
#| tbl-cap: "Share improved within one year for every country with at least min_country_n assessed cases, with Wilson intervals."
big = country_names.named_index(development.countries_display(countries))
tables.show(big, nb, title=f"Countries with at least {min_country_n} assessed cases",
            subtitle=f"{len(big)} of {len(countries)} countries; {level} Wilson intervals",
            percent=["Share improved", "Lower bound", "Upper bound"])

# %% [markdown]
# ## Improvement by initial violation and by sender
#
# Chasing Shadows reports that defenders who had been detained or convicted improved
# more often than the others, and that cases raised by the defenders' mandate alone
# improved more often than those in joint communications. A case can carry several
# violations, so these are not rates per violation but comparisons of cases with and
# without each one. The hollow diamonds mark the published shares.

# %%
#| label: fig-characteristics
#| fig-cap: "Share of assessed cases that improved within one year, for cases with and without each initial violation and by sender (after Spannagel 2018, 'Case Development and Initial Violations'). Points: share with Wilson interval; hollow diamonds: published share where the study gives one; n per group on the axis."
comp = development.improvement_comparisons(assessed, development.CHARACTERISTICS, confidence)
figures.characteristics(comp, development.published_marks(pub), nb, overall=values["improved_share"],
                        n=len(assessed), confidence=confidence)
plt.show()

# %%
#| label: tbl-characteristics
#| tbl-cap: "Share improved within one year with and without each characteristic, with Wilson intervals, the difference (with minus without) and its test (two-proportion z test, or Fisher's exact test when an expected count is below 5)."
tables.show(development.comparisons_display(comp), nb,
            title="Improvement with and without each characteristic",
            subtitle=f"{level} Wilson intervals; difference in percentage points")

# %% [markdown]
# ## Computed and published
#
# The published numbers come from the working paper (Spannagel 2019) and Chasing Shadows
# (Spannagel 2018). A share agrees when it is within `share_tolerance` of the published
# one or when the published value lies inside the computed interval; a count agrees when
# within `count_tolerance` (relative) of the published count; a published bound ("less
# than 24 per cent") agrees when the computed value lies on its side.

# %%
#| label: tbl-published
#| tbl-cap: "Headline numbers on case development: computed here beside the published values."
by_study = development.published_comparisons(values, pub, share_tolerance, count_tolerance)
comparisons = [c for study in by_study.values() for c in study]
tables.show(comparison_frame(comparisons, development.formats()), nb,
            title="Case development: computed vs published", subtitle=f"Intervals: {level} Wilson")

# %%
#| label: tbl-published-years
#| tbl-cap: "Years that Chasing Shadows singles out (more than 40% worse; about a third improved, read here as at least 30%), beside the years found here."
notable = development.notable_years(years)
tables.show(development.years_comparison(notable, pub), nb, title="Notable years: computed vs published")

# %%
nb.record_comparison(development.scorecard(by_study))
for c in comparisons:
    fmt = development.formats()[c.name]
    nb.record(c.name, values[c.name], fmt=fmt)
    nb.record(f"{c.name}_published", c.published.text if c.published.relation != "=" else c.published.value,
              fmt=None if c.published.relation != "=" else fmt)
for name in development.SHARES_WITH_INTERVALS:
    nb.record(f"{name}_low", values[f"{name}_low"], fmt="{:.0%}")
    nb.record(f"{name}_high", values[f"{name}_high"], fmt="{:.0%}")
for cat in development.DEVELOPMENTS:
    nb.record(f"{cat}_share", values[f"{cat}_share"], fmt="{:.0%}")
for stem in ("detention", "conviction", "hrd_alone"):
    nb.record(f"{stem}_difference_pp", values[f"{stem}_difference"] * 100, fmt="{:+.0f}",
              note="percentage points, with minus without")
    p = values[f"{stem}_p"]
    nb.record(f"{stem}_p", p, fmt=intervals.p_label(p))  # displayed as "p = .012" or "p < .001"
    nb.record(f"{stem}_test", values[f"{stem}_test"])
    nb.record(f"{stem}_apa", values[f"{stem}_apa"], note="the test in APA form, as statcheck reads it")
for name, row in development.comparison_names(min_country_n).items():
    nb.record(f"{name}_p", tests.loc[row, "p"], fmt=intervals.p_label(tests.loc[row, "p"]))
    nb.record(f"{name}_test", tests.loc[row, "text"])
nb.record("year_from", year_from, fmt="{}")
nb.record("year_to", year_to, fmt="{}")
nb.record("n_countries", len(countries))
nb.record("n_countries_min_n", int((~countries["small_n"]).sum()))
nb.record("countries_small_share", float(countries["small_n"].mean()), fmt="{:.0%}")
nb.record("min_country_n", min_country_n)
nb.record("years_worse_over_40pct", ", ".join(map(str, notable["worse"])) or "none")
nb.record("years_worse_over_40pct_published", ", ".join(map(str, pub["years_more_than_40pct_worse"])))
nb.record("years_improved_about_third", ", ".join(map(str, notable["improved"])) or "none")
nb.record("years_improved_about_third_published",
              ", ".join(map(str, pub["years_about_one_third_improved"])))

# %% [markdown]
# ## What this shows

# %%
def share(name: str) -> str:
    return f"{values[name]:.0%} ({confidence:.0%} CI {values[name + '_low']:.0%} to {values[name + '_high']:.0%})"


def difference(stem: str, what: str) -> str:
    p = values[f"{stem}_p"]
    return findings.choose(p < 0.05, f"Improvement differs {what} ({values[f'{stem}_apa']}).",
                           f"Improvement does not differ detectably {what} ({values[f'{stem}_apa']}).")


answer = (f"Of {len(assessed):,} assessed cases, {share('improved_share')} improved and "
          f"{share('worse_share')} got worse; "
          + findings.choose(values["improved_share"] > values["worse_share"],
                            "improvements outnumber deteriorations.",
                            "deteriorations are at least as common as improvements."))
findings.conclude(nb, answer, [
    answer,
    difference("detention", "between cases with and without detention"),
    difference("conviction", "between cases with and without a conviction"),
    difference("hrd_alone", "between the Rapporteur writing alone and jointly"),
    *findings.compared(nb),
    findings.choose(nb.data.synthetic, "The data are synthetic: these shares describe the generating model, "
                    "not the defenders the study followed.",
                    "These are the real data of the assessed cases."),
])
