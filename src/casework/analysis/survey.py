"""Perceived impact: what the organisations that submitted the cases said about them.

Reproduces the survey findings of Spannagel (2019, "Findings on the impact",
Fig. 2 and footnotes 6 and 8) and Spannagel (2018, "Chasing Shadows", "The Impact
of Communications"). Two questions were asked about each surveyed case: did
international attention have an impact (and in which direction), and did the
Special Rapporteur's communication have a distinct impact. Both are put on one
five-point scale so they can be compared.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.contingency_tables import mcnemar

from . import development, intervals

# One scale for both questions (the survey worded the levels slightly differently).
SCALE = ("definitely", "probably", "probably_not", "definitely_not", "dont_know")
SCALE_LABELS = {"definitely": "Definitely", "probably": "Probably", "probably_not": "Probably not",
                "definitely_not": "Definitely not", "dont_know": "Don't know"}
LIKELY = ("definitely", "probably")
ATTENTION_TO_SCALE = {"definite": "definitely", "probable": "probably", "unlikely": "probably_not",
                      "definitely_not": "definitely_not", "dont_know": "dont_know"}
SR_TO_SCALE = {"definitely": "definitely", "probably": "probably", "rather_unlikely": "probably_not",
               "definitely_not": "definitely_not", "dont_know": "dont_know"}
QUESTIONS = {"attention": "International attention", "sr": "Special Rapporteur's communication"}


def ratings(survey: pd.DataFrame, recode_negative: bool) -> pd.DataFrame:
    """Both answers of each surveyed case on the common scale.

    Columns: case_id, attention, sr (ordered categoricals on SCALE), negative (the
    respondent said the attention made things worse), attention_positive (a likely
    impact that was positive).

    With `recode_negative`, a case whose reported impact was negative no longer counts
    as a likely *positive* impact on either question: its 'definitely'/'probably' is
    moved to 'probably not'. This is how the working paper drew Fig. 2 (its footnote 6:
    three cases in one communication, where attention was said to have raised the risk).
    Without it, the answers are shown as given, whatever their direction.
    """
    for col, mapping in (("attention_impact", ATTENTION_TO_SCALE), ("sr_impact", SR_TO_SCALE)):
        bad = ~survey[col].isin(list(mapping))
        if bad.any():
            raise ValueError(f"survey table, column {col}: value {survey.loc[bad, col].iloc[0]!r} "
                             f"(case_id {survey.loc[bad, 'case_id'].iloc[0]}); expected one of {list(mapping)}")
    attention = survey["attention_impact"].map(ATTENTION_TO_SCALE)
    sr = survey["sr_impact"].map(SR_TO_SCALE)
    likely_attention = attention.isin(LIKELY)
    sign = survey["attention_sign"]
    unsigned = likely_attention & sign.isna()
    if unsigned.any():
        raise ValueError(f"survey table, column attention_sign: empty for case_id "
                         f"{survey.loc[unsigned, 'case_id'].iloc[0]} although attention_impact says "
                         f"there was an impact ({int(unsigned.sum())} such rows); expected positive or negative")
    negative = (sign == "negative").fillna(False).astype(bool)
    if recode_negative:
        attention = attention.mask(negative & attention.isin(LIKELY), "probably_not")
        sr = sr.mask(negative & sr.isin(LIKELY), "probably_not")
    return pd.DataFrame({
        "case_id": survey["case_id"].to_numpy(),
        "attention": pd.Categorical(attention, SCALE, ordered=True),
        "sr": pd.Categorical(sr, SCALE, ordered=True),
        "negative": negative.to_numpy(),
        "attention_positive": (likely_attention & ~negative).to_numpy(),
    })


def distribution(rated: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Count and share of each answer per question, with Wilson bounds.

    Long format: question, answer, then the columns of `intervals.proportions`
    (count, n respondents, share, ci_low, ci_high).
    """
    parts = []
    for question in QUESTIONS:
        counts = rated[question].value_counts().reindex(SCALE, fill_value=0)
        shares = intervals.proportions(counts.to_numpy(), np.full(len(counts), len(rated)), confidence)
        parts.append(shares.assign(question=question, answer=list(counts.index)))
    out = pd.concat(parts, ignore_index=True)
    return out[["question", "answer", "count", "n", "share", "ci_low", "ci_high"]]


def headline(survey: pd.DataFrame, confidence: float = 0.95) -> dict:
    """The survey numbers the studies quote, computed from the raw answers.

    Attention counts are of likely impacts by direction; SR shares are of all
    respondents, before recoding (as Chasing Shadows reports them); the likely-impact
    share of the SR question is given both without and with the footnote-6 recoding.
    """
    raw = ratings(survey, recode_negative=False)
    recoded = ratings(survey, recode_negative=True)
    n = len(raw)
    positive = raw["attention_positive"]
    out = {
        "n_responses": n,
        "attention_definite": int((positive & (raw["attention"] == "definitely")).sum()),
        "attention_probable": int((positive & (raw["attention"] == "probably")).sum()),
        "attention_negative": int(raw["negative"].sum()),
        "attention_likely_share": float(raw["attention"].isin(LIKELY).mean()),
        "attention_positive_share": float(positive.mean()),
        "sr_definitely_share": float((raw["sr"] == "definitely").mean()),
        "sr_probably_share": float((raw["sr"] == "probably").mean()),
        "sr_unlikely_share": float(raw["sr"].isin(["probably_not", "definitely_not"]).mean()),
        "sr_dont_know": int((raw["sr"] == "dont_know").sum()),
        "sr_likely_share_raw": float(raw["sr"].isin(LIKELY).mean()),
        "sr_likely_share_recoded": float(recoded["sr"].isin(LIKELY).mean()),
    }
    for name, flags in (("attention_positive_share", positive),
                        ("attention_likely_share", raw["attention"].isin(LIKELY)),
                        ("sr_definitely_share", raw["sr"] == "definitely"),
                        ("sr_probably_share", raw["sr"] == "probably"),
                        ("sr_unlikely_share", raw["sr"].isin(["probably_not", "definitely_not"])),
                        ("sr_likely_share_raw", raw["sr"].isin(LIKELY)),
                        ("sr_likely_share_recoded", recoded["sr"].isin(LIKELY))):
        out[f"{name}_low"], out[f"{name}_high"] = intervals.wilson(int(flags.sum()), n, confidence)
    return out


def attention_vs_sr(rated: pd.DataFrame):
    """Likely impact of attention vs of the SR on the same cases: 2x2 table and McNemar test.

    The two answers come from the same respondents about the same cases, so their
    shares are compared with McNemar's exact test on the discordant pairs.
    Returns (table with rows attention likely yes/no and columns SR likely yes/no, p).
    """
    a = rated["attention"].isin(LIKELY).rename("attention likely")
    s = rated["sr"].isin(LIKELY).rename("SR likely")
    table = pd.crosstab(a, s).reindex(index=[True, False], columns=[True, False], fill_value=0)
    return table, float(mcnemar(table.to_numpy(), exact=True).pvalue)


def with_development(survey: pd.DataFrame, sample: pd.DataFrame, recode_negative: bool) -> pd.DataFrame:
    """Ratings of each surveyed case beside its assessed development.

    Adds development, band (improved / same_mixed / worse; empty if not assessed) and
    improved. Raises if a surveyed case is not in the sample.
    """
    rated = ratings(survey, recode_negative)
    merged = rated.merge(sample[["case_id", "assessed", "development"]], on="case_id",
                         how="left", validate="one_to_one", indicator=True)
    orphan = merged["_merge"] == "left_only"
    if orphan.any():
        raise ValueError(f"survey table: case_id {merged.loc[orphan, 'case_id'].iloc[0]} is not in "
                         f"the sample table ({int(orphan.sum())} such rows)")
    dev = merged["development"].astype("string")
    return merged.drop(columns="_merge").assign(
        band=pd.Categorical(dev.map(development.BAND_OF), list(development.BANDS), ordered=True),
        improved=dev.isin(development.IMPROVED).fillna(False).astype(bool),
    )


def impact_by_band(frame: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Share of cases with a likely impact per development band and question, Wilson bounds.

    Uses `frame` from with_development (so the recoding choice carries over); cases
    without an assessed development are left out. Index: (question, band).
    """
    assessed = frame[frame["band"].notna()]
    parts = {}
    for question in QUESTIONS:
        flags = assessed.assign(likely=assessed[question].isin(LIKELY))
        parts[question] = intervals.proportion_table(flags, "likely", by="band", confidence=confidence)
    return pd.concat(parts, names=["question", "band"])


def improvement_test(frame: pd.DataFrame, question: str, confidence: float = 0.95):
    """Was a likely impact reported more often for improved cases than for the others?

    Compares the share answering 'definitely' or 'probably' on `question` ('attention'
    or 'sr') between improved and not improved assessed cases (intervals.two_proportion_test,
    improved minus not improved).
    """
    if question not in QUESTIONS:
        raise KeyError(f"question {question!r}: expected one of {list(QUESTIONS)}")
    assessed = frame[frame["band"].notna()]
    likely = assessed[question].isin(LIKELY)
    improved = assessed["improved"]
    return intervals.two_proportion_test(int(likely[improved].sum()), int(improved.sum()),
                                         int(likely[~improved].sum()), int((~improved).sum()),
                                         confidence=confidence)


def improvement_counts(frame: pd.DataFrame, question: str) -> dict[str, int]:
    """The counts behind `improvement_test`: cases with a likely impact among improved
    and among other assessed cases (so a sentence can state the conditional it tests)."""
    if question not in QUESTIONS:
        raise KeyError(f"question {question!r}: expected one of {list(QUESTIONS)}")
    assessed = frame[frame["band"].notna()]
    likely = assessed[question].isin(LIKELY)
    improved = assessed["improved"]
    return {"count_group": int(likely[improved].sum()), "n_group": int(improved.sum()),
            "count_other": int(likely[~improved].sum()), "n_other": int((~improved).sum())}


def improved_cases(frame: pd.DataFrame) -> dict:
    """Footnote 8 of the working paper: what respondents said about the improved cases.

    Counts improved surveyed cases, those with a likely attention impact (definitely or
    probably, in any direction, as the footnote words it) and those answered "don't know".
    Pass the frame built without recoding to count the answers as given.
    """
    improved = frame[frame["improved"]]
    return {"improved_in_survey": len(improved),
            "improved_with_likely_impact": int(improved["attention"].isin(LIKELY).sum()),
            "improved_dont_know": int((improved["attention"] == "dont_know").sum()),
            "improved_with_likely_sr_impact": int(improved["sr"].isin(LIKELY).sum())}


# Published counterparts (published.yml, section `survey`); layout as development.PUBLISHED.
# Chasing Shadows gives the SR answers before recoding; the working paper's 62 per cent
# is after moving the negative cases (footnote 6).
CS, WP = development.CS, development.WP
PUBLISHED = {
    "n_responses": ("Survey responses", WP, ("responses",), "count"),
    "attention_definite": ("Attention: definite positive impact (cases)", WP,
                           ("international_attention_impact", "definite_positive"), "count"),
    "attention_probable": ("Attention: probable positive impact (cases)", WP,
                           ("international_attention_impact", "probable_positive"), "count"),
    "attention_negative": ("Attention: negative impact (cases)", WP,
                           ("international_attention_impact", "negative"), "count"),
    "attention_positive_share": ("Attention: likely positive impact", WP,
                                 ("international_attention_impact", "positive_share"), "share"),
    "sr_definitely_share": ("SR: definitely a distinct impact", CS,
                            ("special_rapporteur_distinct_impact", "definitely"), "share"),
    "sr_probably_share": ("SR: probably a distinct impact", CS,
                          ("special_rapporteur_distinct_impact", "probably"), "share"),
    "sr_unlikely_share": ("SR: rather or definitely unlikely", CS,
                          ("special_rapporteur_distinct_impact", "rather_or_definitely_unlikely"), "share"),
    "sr_dont_know": ("SR: don't know (cases)", CS, ("special_rapporteur_distinct_impact", "dont_know"), "count"),
    "sr_likely_share_recoded": ("SR: likely distinct positive impact (negatives recoded)", WP,
                                ("special_rapporteur_distinct_impact", "likely_distinct_positive_share"),
                                "share"),
    "improved_in_survey": ("Improved cases in the survey", WP, ("improved_cases_in_survey",), "count"),
    "improved_with_likely_impact": ("... with a likely attention impact", WP,
                                    ("improved_cases_with_likely_attention_impact",), "count"),
}


def published_comparisons(values: dict, section: dict, share_tolerance: float,
                          count_tolerance: float) -> dict:
    """Computed vs published survey numbers, grouped by study (see development.published_comparisons)."""
    return development.published_comparisons(values, section, share_tolerance, count_tolerance,
                                              targets=PUBLISHED, label="Perceived impact")


def formats() -> dict[str, str]:
    return development.formats(PUBLISHED)
