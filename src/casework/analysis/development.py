"""How the sampled cases developed within one year of the communication.

Reproduces the case-development descriptives of Spannagel (2019, Fig. 1) and
Spannagel (2018, "Chasing Shadows", Figs. 7 and 8 and the text on violations and
senders): the six development categories of the appendix matrix, their distribution
by data source, information level, year and country, and the share of improved
cases by initial violation and by sender.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.frames.improvement import IMPROVED
from . import intervals
from ..report import apa

# The appendix matrix's categories, from best to worst; 'mixed' = equally important
# positive and negative developments, placed between 'same' and the worse outcomes.
DEVELOPMENTS = ("much_better", "somewhat_better", "same", "mixed", "somewhat_worse", "much_worse")
LABELS = {"much_better": "Much better", "somewhat_better": "Somewhat better",
          "same": "Stayed the same", "mixed": "Mixed (positive and negative)",
          "somewhat_worse": "Somewhat worse", "much_worse": "Much worse"}
# The three bands the studies report: improved, unchanged or mixed, deteriorated.
BANDS = {"improved": IMPROVED, "same_mixed": ("same", "mixed"),
         "worse": ("somewhat_worse", "much_worse")}
BAND_OF = {d: band for band, members in BANDS.items() for d in members}
# Fig. 1 groups: data source x level of information, in the working paper's order.
SOURCE_LABELS = {"survey": "Survey", "desk": "Desk research"}
INFORMATION_LABELS = {"good": "complete or good information", "limited": "limited information"}
# Violation flags (column of `sample`) compared in Chasing Shadows, with readable names.
VIOLATIONS = {"viol_detention": "Detention", "viol_torture": "Torture or ill-treatment",
              "viol_trial": "Judicial proceedings", "viol_conviction": "Conviction",
              "viol_disciplinary": "Professional restriction",
              "viol_admin_harassment": "Administrative harassment"}
# Characteristics compared with and without (the violations, then the sender).
CHARACTERISTICS = {**VIOLATIONS, "hrd_alone": "Sender"}
TOTAL = "All assessed cases"
# The group comparisons of distribution_tests, by record name (the countries' test is
# named after its minimum group size, see country_test).
TESTS = {"source": "Survey vs desk research",
         "information_survey": "Information level, survey cases",
         "information_desk": "Information level, desk research",
         "groups": "Source x information (4 groups)",
         "year": "Years"}
TEST_METHODS = {"chi-square": "chi-square", "fisher": "Fisher's exact",
                "fisher-monte-carlo": "Fisher–Freeman–Halton (Monte Carlo)",
                "not testable": "not testable"}
# Shares the text quotes with their Wilson bounds.
SHARES_WITH_INTERVALS = ("improved_share", "same_mixed_share", "worse_share", "improved_detention",
                         "improved_no_detention", "improved_conviction", "improved_no_conviction",
                         "improved_hrd_alone", "improved_joint")


def assessed_cases(sample: pd.DataFrame, cases: pd.DataFrame,
                   year_from: int | None = None, year_to: int | None = None) -> pd.DataFrame:
    """The assessed sample cases with year and country from `cases`, within the year range.

    Adds `improved` (much or somewhat better) and `band` (improved / same_mixed / worse),
    and makes `development` an ordered categorical so counts keep empty categories.
    """
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ValueError(f"year range: year_from ({year_from}) is after year_to ({year_to})")
    missing = [c for c in ("case_id", "assessed", "development") if c not in sample.columns]
    if missing:
        raise KeyError(f"sample table: missing column(s) {missing}")
    frame = sample[sample["assessed"].fillna(False).astype(bool)]
    blank = frame["development"].isna()
    if blank.any():
        raise ValueError(f"sample table: {int(blank.sum())} assessed case(s) without a development, "
                         f"e.g. case_id {frame.loc[blank, 'case_id'].iloc[0]}")
    unknown = sorted(set(frame["development"]) - set(DEVELOPMENTS))
    if unknown:
        raise ValueError(f"sample table, column development: unknown value(s) {unknown}; "
                         f"expected {list(DEVELOPMENTS)}")
    joined = frame.merge(cases[["case_id", "year", "country"]], on="case_id", how="left",
                         validate="one_to_one")
    orphan = joined["year"].isna()
    if orphan.any():
        raise ValueError(f"sample table: case_id {joined.loc[orphan, 'case_id'].iloc[0]} "
                         f"not found in the cases table ({int(orphan.sum())} such rows)")
    joined["year"] = joined["year"].astype(int)
    if year_from is not None:
        joined = joined[joined["year"] >= year_from]
    if year_to is not None:
        joined = joined[joined["year"] <= year_to]
    joined = joined.assign(
        development=pd.Categorical(joined["development"].astype(str), DEVELOPMENTS, ordered=True),
        improved=joined["development"].isin(IMPROVED).astype(bool),
        band=pd.Categorical(joined["development"].astype(str).map(BAND_OF), list(BANDS), ordered=True),
    )
    return joined.reset_index(drop=True)


def summary(frame: pd.DataFrame) -> dict:
    """Headline numbers: n, band shares, count of 'much worse', shares of each category."""
    n = len(frame)
    counts = frame["development"].value_counts().reindex(DEVELOPMENTS, fill_value=0)
    out = {"n_assessed": n}
    for band, members in BANDS.items():
        out[f"{band}_share"] = counts[list(members)].sum() / n if n else float("nan")
    out["much_worse_count"] = int(counts["much_worse"])
    out.update({f"{d}_share": counts[d] / n if n else float("nan") for d in DEVELOPMENTS})
    return out


def distribution(frame: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    """Counts of the six categories per group (rows: groups, columns: categories in order)."""
    table = pd.crosstab([frame[c] for c in ([by] if isinstance(by, str) else by)],
                        frame["development"], dropna=False)
    return table.reindex(columns=list(DEVELOPMENTS), fill_value=0)


def shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Row shares of a count table (each row sums to 1; empty rows stay empty)."""
    totals = counts.sum(axis=1)
    return counts[totals > 0].div(totals[totals > 0], axis=0)


def by_source_information(frame: pd.DataFrame) -> pd.DataFrame:
    """Fig. 1 of the working paper: category counts for survey/desk x good/limited information.

    Index: readable group names ('Survey, limited information', ...), in source then
    information order; groups with no cases are kept as zero rows.
    """
    for col, allowed in (("source", SOURCE_LABELS), ("information", INFORMATION_LABELS)):
        bad = frame[col].isna() | ~frame[col].isin(list(allowed))
        if bad.any():
            raise ValueError(f"assessed cases, column {col}: {int(bad.sum())} row(s) without one of "
                             f"{list(allowed)}, e.g. case_id {frame.loc[bad, 'case_id'].iloc[0]}")
    counts = distribution(frame, ["source", "information"])
    index = pd.MultiIndex.from_product([list(SOURCE_LABELS), list(INFORMATION_LABELS)],
                                       names=["source", "information"])
    counts = counts.reindex(index, fill_value=0)
    counts.index = [f"{SOURCE_LABELS[s]}, {INFORMATION_LABELS[i]}" for s, i in counts.index]
    return counts


def with_total(counts: pd.DataFrame, label: str = TOTAL) -> pd.DataFrame:
    """A count table with one more row, `label`, holding the column sums."""
    return pd.concat([counts, counts.sum().to_frame(label).T])


def by_year(frame: pd.DataFrame) -> pd.DataFrame:
    """CS Fig. 7: category counts per year (years without an assessed case are left out)."""
    counts = distribution(frame, "year")
    return counts[counts.sum(axis=1) > 0].sort_index()


def band_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Improved / same or mixed / worse shares per row of a category count table, with n."""
    out = pd.DataFrame({band: counts[list(members)].sum(axis=1) for band, members in BANDS.items()})
    n = out.sum(axis=1)
    return out.div(n.where(n > 0), axis=0).assign(n=n)


# Chasing Shadows names the years in which more than 40 per cent of cases got worse, and
# those in which "about one-third" improved; we read the latter as at least 30 per cent.
WORSE_YEARS_ABOVE = 0.40
IMPROVED_YEARS_AT_LEAST = 0.30


def years_where(counts: pd.DataFrame, band: str, threshold: float, strict: bool = True) -> list[int]:
    """Years whose share in `band` is above `threshold` (strictly, or at least it if not `strict`).

    E.g. Chasing Shadows' years in which more than 40 per cent got worse:
    years_where(by_year(frame), "worse", 0.40).
    """
    b = band_shares(counts)
    hit = b[band] > threshold if strict else b[band] >= threshold
    return [int(y) for y in b.index[hit]]


def notable_years(counts: pd.DataFrame) -> dict[str, list[int]]:
    """The years Chasing Shadows singles out, found in a by_year table: 'worse' and 'improved'."""
    return {"worse": years_where(counts, "worse", WORSE_YEARS_ABOVE),
            "improved": years_where(counts, "improved", IMPROVED_YEARS_AT_LEAST, strict=False)}


def country_test(min_country_n: int) -> str:
    """Name of the distribution_tests row comparing countries with enough cases."""
    return f"Countries with at least {min_country_n} cases (improved or not)"


def comparison_names(min_country_n: int) -> dict[str, str]:
    """Record name -> distribution_tests row, every comparison."""
    return {**TESTS, "country": country_test(min_country_n)}


def distribution_tests(frame: pd.DataFrame, min_country_n: int) -> pd.DataFrame:
    """Does the distribution of the six categories differ between groups?

    One independence test (intervals.independence_test) per comparison: survey vs desk
    research; good vs limited information within each source; the four Fig. 1 groups;
    the years; and improved-or-not across countries with at least `min_country_n`
    cases. Index: the comparison; columns n, chi2, df, p, method, text.
    """
    survey = frame["source"].astype("string") == "survey"
    big = frame.groupby("country")["case_id"].transform("size") >= min_country_n
    tables = {
        TESTS["source"]: distribution(frame, "source"),
        TESTS["information_survey"]: distribution(frame[survey], "information"),
        TESTS["information_desk"]: distribution(frame[~survey], "information"),
        TESTS["groups"]: by_source_information(frame),
        TESTS["year"]: by_year(frame),
        country_test(min_country_n): pd.crosstab(frame.loc[big, "country"], frame.loc[big, "improved"]),
    }
    rows = {}
    for name, table in tables.items():
        try:
            t = intervals.independence_test(table)
        except ValueError:           # fewer than two non-empty groups: nothing to test
            rows[name] = {"n": int(table.to_numpy().sum()), "chi2": float("nan"), "df": pd.NA,
                          "p": float("nan"), "method": "not testable", "text": "fewer than two groups"}
            continue
        rows[name] = {"n": t.n, "chi2": t.chi2, "df": t.df, "p": t.p, "method": t.method,
                      "text": t.describe()}
    return pd.DataFrame(rows).T.astype({"n": int, "chi2": float, "p": float})


def tests_display(tests: pd.DataFrame) -> pd.DataFrame:
    """distribution_tests for reading: p and chi-square as text, methods spelt out."""
    shown = tests.drop(columns="text").rename_axis("Comparison").reset_index()
    shown["p"] = shown["p"].map(intervals.format_p)
    shown["chi2"] = shown["chi2"].map(lambda x: "–" if np.isnan(x) else f"{x:.2f}")
    shown["method"] = shown["method"].map(TEST_METHODS)
    return shown.rename(columns={"n": "Cases", "chi2": "χ²", "df": "df", "p": "p", "method": "Test"})


def improvement_by_country(frame: pd.DataFrame, min_n: int, confidence: float = 0.95) -> pd.DataFrame:
    """CS Fig. 8: share improved per country with Wilson bounds; `small_n` flags n < min_n.

    Sorted by number of cases (most first), then by country code.
    """
    table = intervals.proportion_table(frame, "improved", by="country", confidence=confidence)
    table = table.assign(small_n=table["n"] < min_n).rename_axis("country").reset_index()
    return table.sort_values(["n", "country"], ascending=[False, True]).set_index("country")


def countries_display(countries: pd.DataFrame) -> pd.DataFrame:
    """improvement_by_country for reading: the countries with enough cases, best first."""
    big = countries[~countries["small_n"]].sort_values("share", ascending=False, kind="stable")
    return big[["n", "count", "share", "ci_low", "ci_high"]].rename_axis("Country").rename(
        columns={"n": "Cases", "count": "Improved", "share": "Share improved",
                 "ci_low": "Lower bound", "ci_high": "Upper bound"})


def improvement_by_flag(frame: pd.DataFrame, column: str, confidence: float = 0.95):
    """Share improved with and without a boolean characteristic, and the test of the difference.

    Returns (table indexed True/False with count, n, share, ci_low, ci_high; TwoProportionTest
    of with-minus-without). Raises if a group is empty.
    """
    if frame[column].isna().any():
        raise ValueError(f"assessed cases, column {column}: {int(frame[column].isna().sum())} "
                         "missing value(s); a with/without comparison needs every case coded")
    flags = frame.assign(**{column: frame[column].astype(bool)})
    table = intervals.proportion_table(flags, "improved", by=column, confidence=confidence)
    table = table.reindex([True, False])
    if table["n"].isna().any():
        raise ValueError(f"assessed cases, column {column}: every case has the same value; "
                         "nothing to compare")
    table = table.astype({"n": int, "count": int})
    test = intervals.two_proportion_test(int(table.loc[True, "count"]), int(table.loc[True, "n"]),
                                         int(table.loc[False, "count"]), int(table.loc[False, "n"]),
                                         confidence=confidence)
    return table, test


def improvement_comparisons(frame: pd.DataFrame, columns: dict[str, str],
                            confidence: float = 0.95) -> pd.DataFrame:
    """One row per characteristic: share improved with and without it, intervals, test.

    `columns` maps a boolean column to a readable name. Columns of the result:
    characteristic, n_with, share_with, low_with, high_with, n_without, share_without,
    low_without, high_without, difference, test, p.
    """
    rows = []
    for column, name in columns.items():
        table, test = improvement_by_flag(frame, column, confidence)
        rows.append({"characteristic": name, "column": column,
                     "n_with": table.loc[True, "n"], "share_with": table.loc[True, "share"],
                     "low_with": table.loc[True, "ci_low"], "high_with": table.loc[True, "ci_high"],
                     "n_without": table.loc[False, "n"], "share_without": table.loc[False, "share"],
                     "low_without": table.loc[False, "ci_low"], "high_without": table.loc[False, "ci_high"],
                     "difference": test.difference,
                     "test": "Fisher's exact" if test.method == "fisher" else "z test",
                     "p": test.p})
    return pd.DataFrame(rows).set_index("column")


def comparisons_display(comp: pd.DataFrame) -> pd.DataFrame:
    """improvement_comparisons for reading: share (interval) text, difference in points."""
    shown = comp.copy()
    for side in ("with", "without"):
        bounds = zip(shown[f"share_{side}"], shown[f"low_{side}"], shown[f"high_{side}"])
        shown[f"{side} (interval)"] = [f"{s:.0%} ({lo:.0%}–{hi:.0%})" for s, lo, hi in bounds]
    shown["p"] = shown["p"].map(intervals.format_p)
    shown["difference"] = shown["difference"].map(lambda d: f"{d * 100:+.1f} pp")
    shown = shown[["characteristic", "n_with", "with (interval)", "n_without", "without (interval)",
                   "difference", "test", "p"]]
    if "hrd_alone" in shown.index:
        shown.loc["hrd_alone", "characteristic"] = "HRD mandate alone (vs joint)"
    return shown.reset_index(drop=True).rename(columns={
        "characteristic": "Characteristic", "n_with": "n with", "n_without": "n without",
        "difference": "Difference", "test": "Test"})


def published_marks(section: dict) -> dict[tuple[str, bool], float]:
    """Published share improved per (characteristic column, with it?), where a study gives one."""
    violation, sender = section["improvement_by_violation"], section["improvement_by_sender"]
    return {("viol_detention", True): violation["detention"],
            ("viol_detention", False): violation["no_detention"],
            ("viol_conviction", True): violation["conviction"],
            ("viol_conviction", False): violation["no_conviction"],
            ("hrd_alone", True): sender["hrd_mandate_alone"]["improved"]}


def count_within(frame: pd.DataFrame, column: str, category: str) -> tuple[int, int]:
    """(cases in the category or band, cases) among cases whose flag `column` is true."""
    subset = frame[frame[column].fillna(False).astype(bool)]
    if category in BANDS:
        return int((subset["band"] == category).sum()), len(subset)
    if category not in DEVELOPMENTS:
        raise KeyError(f"unknown development category or band {category!r}")
    return int((subset["development"] == category).sum()), len(subset)


def band_share_within(frame: pd.DataFrame, column: str, category: str) -> float:
    """Share of cases in one development category (or band) among cases with a true flag."""
    k, n = count_within(frame, column, category)
    return k / n if n else float("nan")


def headline(frame: pd.DataFrame, confidence: float = 0.95) -> dict:
    """Every number the studies quote about case development, computed from `frame`.

    Shares of the three bands with Wilson bounds (name_low, name_high), counts by
    source, improvement with and without detention and conviction and by sender
    (with the p-value of the difference), and the smaller findings of Chasing Shadows
    (mixed outcomes among detention cases, administrative harassment getting worse,
    professional restrictions improving).
    """
    n = len(frame)
    out = summary(frame)
    for band in BANDS:
        k = int((frame["band"] == band).sum())
        out[f"{band}_share_low"], out[f"{band}_share_high"] = intervals.wilson(k, n, confidence)
    source = frame["source"].astype("string")
    out["survey_assessed"] = int((source == "survey").sum())
    out["desk_assessed"] = int((source == "desk").sum())
    for column, yes, no in (("viol_detention", "improved_detention", "improved_no_detention"),
                            ("viol_conviction", "improved_conviction", "improved_no_conviction"),
                            ("hrd_alone", "improved_hrd_alone", "improved_joint")):
        table, test = improvement_by_flag(frame, column, confidence)
        for name, flag in ((yes, True), (no, False)):
            out[name] = float(table.loc[flag, "share"])
            out[f"{name}_low"], out[f"{name}_high"] = table.loc[flag, ["ci_low", "ci_high"]].astype(float)
        stem = column.removeprefix("viol_")
        out[f"{stem}_difference"] = test.difference
        out[f"{stem}_p"] = test.p
        out[f"{stem}_test"] = "Fisher's exact test" if test.method == "fisher" else "two-proportion z test"
        out[f"{stem}_apa"] = apa.two_proportion(test)      # 'z = 2.10, p = .036' (statcheck's form)
    out["hrd_alone_n"] = int(frame["hrd_alone"].astype(bool).sum())
    for name, column, category in (("detention_mixed_share", "viol_detention", "mixed"),
                                   ("admin_harassment_worse_share", "viol_admin_harassment", "worse")):
        k, m = count_within(frame, column, category)
        out[name] = k / m if m else float("nan")
        out[f"{name}_low"], out[f"{name}_high"] = intervals.wilson(k, m, confidence)
    disciplinary = frame[frame["viol_disciplinary"].fillna(False).astype(bool)]
    out["disciplinary_n"] = len(disciplinary)
    out["disciplinary_improved_count"] = int(disciplinary["improved"].sum())
    return out


# Published counterparts of the recorded values: name -> (label, study, path in the
# `sample` section of published.yml, kind). Kind 'share' or 'count' sets the format and
# the tolerance; bounds such as "< 0.24" are compared as bounds (caseload.compare).
CS, WP = "Spannagel 2018 (Chasing Shadows)", "Spannagel 2019 (Working Paper 7)"
PUBLISHED = {
    "n_sampled": ("Cases drawn for the sample", WP, ("drawn",), "count"),
    "n_assessed": ("Assessed cases", WP, ("assessed",), "count"),
    "survey_assessed": ("... through the survey", WP, ("survey_assessed",), "count"),
    "desk_assessed": ("... through desk research", WP, ("desk_assessed",), "count"),
    "improved_share": ("Improved (much or somewhat better)", WP, ("development_shares", "improved"), "share"),
    "same_mixed_share": ("Same or mixed", WP, ("development_shares", "same_or_mixed"), "share"),
    "worse_share": ("Worse (somewhat or much)", WP, ("development_shares", "worse"), "share"),
    "much_worse_count": ("Much worse (cases)", WP, ("much_worse_count",), "count"),
    "improved_detention": ("Improved: detention", CS, ("improvement_by_violation", "detention"), "share"),
    "improved_no_detention": ("Improved: no detention", CS,
                              ("improvement_by_violation", "no_detention"), "share"),
    "detention_mixed_share": ("Mixed: detention", CS,
                              ("improvement_by_violation", "detention_mixed_share"), "share"),
    "improved_conviction": ("Improved: conviction", CS, ("improvement_by_violation", "conviction"), "share"),
    "improved_no_conviction": ("Improved: no conviction", CS,
                               ("improvement_by_violation", "no_conviction"), "share"),
    "admin_harassment_worse_share": ("Worse: administrative harassment", CS,
                                     ("improvement_by_violation", "administrative_harassment_worse"), "share"),
    "disciplinary_improved_count": ("Improved: professional restriction (cases)", CS,
                                    ("improvement_by_violation", "professional_restriction_improved",
                                     "improved"), "count"),
    "disciplinary_n": ("Professional restriction (cases)", CS,
                       ("improvement_by_violation", "professional_restriction_improved", "of"), "count"),
    "hrd_alone_n": ("Sent by the HRD mandate alone (cases)", CS,
                    ("improvement_by_sender", "hrd_mandate_alone", "cases"), "count"),
    "improved_hrd_alone": ("Improved: HRD mandate alone", CS,
                           ("improvement_by_sender", "hrd_mandate_alone", "improved"), "share"),
    "improved_joint": ("Improved: joint communication", CS,
                       ("improvement_by_sender", "joint", "improved"), "share"),
}
FORMATS = {"share": "{:.0%}", "count": "{:,.0f}"}


def published_value(section: dict, path: tuple[str, ...]):
    """The value at `path` inside a section of published.yml; KeyError names the missing key."""
    value = section
    for i, key in enumerate(path):
        if not isinstance(value, dict) or key not in value:
            raise KeyError(f"published.yml: no key {'.'.join(path[:i + 1])!r}")
        value = value[key]
    return value


def published_comparisons(values: dict, section: dict, share_tolerance: float, count_tolerance: float,
                          targets: dict = PUBLISHED, label: str = "Case development") -> dict:
    """Computed vs published for every target in `values`, grouped by study.

    Shares agree within `share_tolerance` (absolute), counts within `count_tolerance`
    (relative). A share's Wilson interval is taken from values[name + '_low'/'_high'].
    Returns {study: [caseload.Comparison, ...]}.
    """
    from .caseload import compare   # the compendium's one published-vs-computed rule

    out: dict[str, list] = {}
    for name, (what, study, path, kind) in targets.items():
        if name not in values:
            continue
        ci = (values[f"{name}_low"], values[f"{name}_high"]) if f"{name}_low" in values else None
        tol, relative = (share_tolerance, False) if kind == "share" else (count_tolerance, True)
        out.setdefault(study, []).append(
            compare(name, what, values[name], published_value(section, path), tol, relative=relative,
                    ci=ci, section=label))
    return out


def scorecard(by_study: dict) -> pd.DataFrame:
    """All comparisons of published_comparisons in the scorecard's layout, one frame.

    Published bounds are judged as bounds (caseload.scorecard_rows).
    """
    from .caseload import scorecard_rows

    records = [r for study, comps in by_study.items()
               for r in scorecard_rows(comps, study).to_dict("records")]
    return pd.DataFrame(records, columns=["study", "section", "estimate", "published", "computed",
                                          "ci_low", "ci_high", "rule", "bound"])


def formats(targets: dict = PUBLISHED) -> dict[str, str]:
    """Display format per target name (for caseload.comparison_frame)."""
    return {name: FORMATS[kind] for name, (_, _, _, kind) in targets.items()}


def years_comparison(computed: dict[str, list[int]], section: dict) -> pd.DataFrame:
    """The years Chasing Shadows names, beside the years found here.

    `computed` maps 'worse' and 'improved' to the years found by years_where.
    """
    rows = [("Years with more than 40% worse", computed["worse"], section["years_more_than_40pct_worse"]),
            ("Years with about a third improved", computed["improved"],
             section["years_about_one_third_improved"])]
    return pd.DataFrame([{"Quantity": what, "Computed": _years(found), "Published": _years(pub),
                          "In both": _years(sorted(set(found) & set(pub)))}
                         for what, found, pub in rows])


def _years(years) -> str:
    return ", ".join(str(int(y)) for y in years) or "none"
