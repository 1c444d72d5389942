"""Calibration targets of the impact study: the `sample` and `survey` tables.

Every generated value is computed from the two tables alone, so the same check runs
on the real data. Counts the simulator constructs exactly have tolerance 0. Shares
that follow from drawn outcomes get a tolerance of one to two binomial standard
errors of the group they describe; outcomes are independent draws, so one seed may
miss a target that the generator meets in expectation (`casework simulate
--calibration-seeds K` reports the expected value and sampling SD).
"""
from __future__ import annotations

import re

import pandas as pd

from ...published import published
from ..frames.improvement import IMPROVED, TABLE1
from . import AtLeast, Target

WP = "WP2019"   # Spannagel (2019), HRD Hub Working Paper 7
CS = "CS2018"   # Spannagel (2018), Chasing Shadows
DESIGN = f"{WP} research design"
FIG1 = f"{WP} Fig. 1 text"
VIOLATIONS = f"{CS} case development and initial violations"
MENTIONS = f"{WP} repeatedly mentioned individuals"
IMPACT = f"{WP} findings on impact"
WORSE = ("somewhat_worse", "much_worse")
SAME_OR_MIXED = ("same", "mixed")
LIKELY = ("definite", "probable")


def _number(value) -> float:
    """A published figure that may be written as text ('about 2')."""
    if isinstance(value, (int, float)):
        return float(value)
    match = re.search(r"-?\d+(\.\d+)?", str(value))
    if match is None:
        raise ValueError(f"published.yml: no number in {value!r}")
    return float(match.group())


def _share(mask: pd.Series, within: pd.Series) -> float:
    """Share of `mask` among rows where `within` is true (NaN for an empty group)."""
    within = within.fillna(False).astype(bool)
    return float(mask[within].fillna(False).astype(bool).mean()) if within.any() else float("nan")


def regression_cases(assessed: pd.DataFrame) -> dict[str, pd.Series]:
    """Assessed cases with every Table 1 covariate, split by Polity IV sign."""
    complete = assessed[list(TABLE1.values())].notna().all(axis=1)
    polity = assessed["polity"].astype("Float64")
    return {"all": complete, "closed": complete & (polity < 0).fillna(False),
            "open": complete & (polity > 0).fillna(False)}


def sample_targets(sample: pd.DataFrame) -> list[Target]:
    """Size, development, violation, sender and covariate figures of the 471 assessed cases."""
    pub, reg = published()["sample"], published()["regressions"]
    a = sample[sample["assessed"].fillna(False).astype(bool)]
    dev = a["development"]
    improved = dev.isin(IMPROVED)
    flag = {c: a[c].fillna(False).astype(bool) for c in
            ("viol_detention", "viol_conviction", "viol_disciplinary", "hrd_alone", "business_involved")}
    shares = pub["development_shares"]
    by_viol = pub["improvement_by_violation"]
    hrd = pub["improvement_by_sender"]["hrd_mandate_alone"]
    prof = by_viol["professional_restriction_improved"]
    ment = pub["mentions"]
    models = reg["models"]
    groups = regression_cases(a)
    complete = groups["all"]
    is_open = (a["polity"].astype("Float64") > 0).fillna(False)

    def t(name, published_value, generated, tolerance, source):
        return Target("sample", name, float(published_value), float(generated), tolerance, source)

    return [
        t("cases drawn", pub["drawn"], len(sample), 0, f"{WP} research design; {CS} fn. 16"),
        t("cases assessed", pub["assessed"], len(a), 0, DESIGN),
        t("assessed through the survey", pub["survey_assessed"], (a["source"] == "survey").sum(), 0,
          DESIGN),
        t("assessed through desk research", pub["desk_assessed"], (a["source"] == "desk").sum(), 0,
          DESIGN),
        t("share improved (much or somewhat better)", shares["improved"], improved.mean(), 0.02,
          f"{WP} Fig. 1"),
        t("share same or mixed", shares["same_or_mixed"], dev.isin(SAME_OR_MIXED).mean(), 0.02,
          f"{WP} Fig. 1"),
        t("share worse (somewhat or much)", shares["worse"], dev.isin(WORSE).mean(), 0.01,
          f"{WP} Fig. 1"),
        t("much worse (cases)", pub["much_worse_count"], (dev == "much_worse").sum(), 0, FIG1),
        t("improved: detention cases", by_viol["detention"], _share(improved, flag["viol_detention"]),
          0.05, VIOLATIONS),
        t("improved: cases without detention", by_viol["no_detention"],
          _share(improved, ~flag["viol_detention"]), 0.05, VIOLATIONS),
        t("mixed: detention cases", by_viol["detention_mixed_share"],
          _share(dev == "mixed", flag["viol_detention"]), 0.01, VIOLATIONS),
        t("improved: conviction cases", by_viol["conviction"], _share(improved, flag["viol_conviction"]),
          0.12, VIOLATIONS),
        AtLeast("sample", "worse: administrative harassment cases",
                _number(by_viol["administrative_harassment_worse"]),
                _share(dev.isin(WORSE), a["viol_admin_harassment"]), 0.35, VIOLATIONS),
        t("improved: cases without conviction", by_viol["no_conviction"],
          _share(improved, ~flag["viol_conviction"]), 0.04, VIOLATIONS),
        t("professional restriction cases", prof["of"], flag["viol_disciplinary"].sum(), 0, f"{CS} fn. 21"),
        t("professional restriction cases improved", prof["improved"],
          (improved & flag["viol_disciplinary"]).sum(), 2, f"{CS} fn. 21"),
        t("HRD mandate alone: cases", hrd["cases"], flag["hrd_alone"].sum(), 0, f"{CS} fn. 9"),
        t("HRD mandate alone: share improved", hrd["improved"], _share(improved, flag["hrd_alone"]),
          0.08, f"{CS} joint communications, fn. 9"),
        t("mentioned once", ment["mentioned_once"], (a["mentions"] == 1).sum(), 0, MENTIONS),
        t("most further mentions", ment["max_further_mentions"], a["mentions"].max() - 1, 0,
          MENTIONS),
        t("mean mentions", _number(ment["mean_mentions"]), a["mentions"].astype(float).mean(), 0.25,
          MENTIONS + " ('about two')"),
        t("business involved (cases)", pub["business_involved"]["cases"], flag["business_involved"].sum(),
          0, f"{WP} perpetrator type"),
        t("business involved in open regimes", pub["business_involved"]["in_open_regimes"],
          (flag["business_involved"] & is_open).sum(), 0, f"{WP} perpetrator type"),
        t("regression cases, all regimes", models["all"]["n"], groups["all"].sum(), 0, f"{WP} Table 1"),
        t("regression cases, closed regimes", models["closed"]["n"], groups["closed"].sum(), 0,
          f"{WP} Table 1"),
        t("regression cases, open regimes", models["open"]["n"], groups["open"].sum(), 0, f"{WP} Table 1"),
        t("cases dropped with ODA/GNI", pub["aid_gni_instead_of_gdp_drops"],
          (complete & a["aid_gni"].isna()).sum(), 0, f"{WP} fn. 13"),
    ]


def survey_targets(sample: pd.DataFrame, survey: pd.DataFrame) -> list[Target]:
    """Perceived impact of international attention and of the Special Rapporteur (n = 89)."""
    pub = published()["survey"]
    att, sr = pub["international_attention_impact"], pub["special_rapporteur_distinct_impact"]
    n = len(survey)
    answer, sign, sr_answer = survey["attention_impact"], survey["attention_sign"], survey["sr_impact"]
    positive = sign.eq("positive").fillna(False)
    negative = sign.eq("negative").fillna(False)
    sr_likely = sr_answer.isin(("definitely", "probably"))
    dev = survey[["case_id"]].merge(sample[["case_id", "development"]], on="case_id", how="left")
    improved = dev["development"].isin(IMPROVED).to_numpy()

    def t(name, published_value, generated, tolerance, source):
        return Target("survey", name, float(published_value), float(generated), tolerance, source)

    return [
        t("responses", pub["responses"], n, 0, f"{WP} Fig. 2"),
        t("attention: definite positive impact", att["definite_positive"],
          (answer.eq("definite") & positive).sum(), 0, IMPACT),
        t("attention: probable positive impact", att["probable_positive"],
          (answer.eq("probable") & positive).sum(), 0, IMPACT),
        t("attention: negative impact", att["negative"], negative.sum(), 0, IMPACT),
        t("attention: share positive", att["positive_share"], positive.sum() / n, 0.005, IMPACT),
        t("Special Rapporteur: definitely", sr["definitely"], sr_answer.eq("definitely").mean(), 0.01,
          f"{CS} what is impact?"),
        t("Special Rapporteur: probably", sr["probably"], sr_answer.eq("probably").mean(), 0.01,
          f"{CS} what is impact?"),
        t("Special Rapporteur: rather or definitely unlikely", sr["rather_or_definitely_unlikely"],
          sr_answer.isin(("rather_unlikely", "definitely_not")).mean(), 0.01, f"{CS} what is impact?"),
        t("Special Rapporteur: don't know", sr["dont_know"], sr_answer.eq("dont_know").sum(), 0,
          f"{CS} fn. 17"),
        t("Special Rapporteur: likely distinct positive impact", sr["likely_distinct_positive_share"],
          (sr_likely & ~negative).sum() / n, 0.01, f"{WP} Fig. 2 text, fn. 6"),
        t("improved cases in the survey", pub["improved_cases_in_survey"], improved.sum(), 0,
          f"{WP} fn. 8"),
        t("improved cases with a likely attention impact",
          pub["improved_cases_with_likely_attention_impact"],
          (improved & answer.isin(LIKELY).to_numpy()).sum(), 0, f"{WP} fn. 8"),
    ]


def targets(frames: dict[str, pd.DataFrame]) -> list[Target]:
    """Every calibration target of the impact study."""
    return sample_targets(frames["sample"]) + survey_targets(frames["sample"], frames["survey"])
