"""The replication scorecard: every published estimate beside the computed one.

Each notebook records its comparisons through `Notebook.record_comparison(frame)`
into results/NN_name.comparison.csv (columns COLUMNS, plus any of OPTIONAL). After a
run, `write` gathers them into results/scorecard.csv, results/scorecard.md (the full
table, included by scorecard.qmd), results/scorecard_summary.md (one row per study,
included by index.qmd) and results/scorecard.json (cited as {{< var scorecard.* >}},
counts and the sentences built from them).

Every count follows RULE_SENTENCE, which the page prints: *replicated?* judges each
row by its rule (interval, bound or test decision), signs only where the published
sign is known, standard errors as a ratio, stars where printed; context rows are
shown, never counted; *recovered?* (the generating value inside the computed
interval, synthetic data) is counted apart from *replicated?*.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["study", "section", "estimate", "published", "computed", "ci_low", "ci_high"]
LEVEL = "level"  # confidence level of ci_low/ci_high; added by Notebook.record_comparison
# Optional columns a notebook may add (missing = the default): how the row is judged.
OPTIONAL = {
    "rule": "",              # interval | bound | decision | none; "" = interval when one is given
    "bound": "",             # a published bound's relation ('<', '<=', '>', '>='), '' for a point
    "alpha": float("nan"),   # the study's test level, for rule 'decision'
    "sign_known": False,     # the published sign is established (a coefficient, not a fit statistic)
    "published_se": float("nan"), "computed_se": float("nan"),
    "published_stars": None, "computed_stars": None,   # '' = no star; missing = not compared
    "truth": float("nan"),   # synthetic data: the generating value (NaN where none generates it)
    "truth_note": "",        # why there is no truth (casework.data.truths.not_generated)
}
STARS = ("published_stars", "computed_stars")
MISSING = "NA"  # how comparison files write a missing value ('' is a row without stars)
RULES = ("interval", "bound", "decision", "none")
BOUNDS = ("<", "<=", ">", ">=")
STUDY_ORDER = ["Spannagel 2018 (Chasing Shadows)", "Spannagel 2019 (Working Paper 7)",
               "Myrick & Weinstein 2018 (#Freethe20)", "Piccone 2011"]
# Shown for context, never a replication target: Piccone's shares describe all special
# procedures (~9,000 communications of 17 mandates), not this mandate's cases.
CONTEXT_STUDIES = ("Piccone 2011",)
SE_FACTOR = 1.25   # a standard error counts as close when computed/published is within 1/1.25..1.25

RULE_SENTENCE = (
    "A published number counts as replicated when it lies inside the computed confidence "
    "interval (point estimates), when the computed value lies on the published side of a bound "
    "(such as p < .0001), or when a test leads to the same decision at the study's level; "
    "numbers with none of these (fit statistics, calibrated counts without an interval) are "
    "shown but not counted. Signs are counted for every coefficient whose published sign is "
    "known: all logit coefficients, and for #Freethe20 only the Free the 20 coefficient, the "
    "one sign the text establishes (fit statistics never). Standard errors are compared as "
    f"the ratio computed/published (close within a factor of {SE_FACTOR:g}), significance stars "
    "where the study prints them. Piccone's (2011) shares for all special procedures are "
    "context, not targets.")


def check_comparison(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Validate a notebook's comparison frame and add the judgement columns.

    Added: difference; replicated (by the row's rule); within (interval rows);
    sign_agrees (sign_known rows); se_ratio; stars_agree; recovered (truth inside the
    computed interval); context (a context study's row, never counted).
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{origin}: comparison table lacks column(s) {', '.join(missing)}; "
                         f"expected {', '.join(COLUMNS)}")
    out = frame[COLUMNS].copy()
    out[LEVEL] = pd.to_numeric(frame[LEVEL], errors="raise").astype(float) if LEVEL in frame else float("nan")
    for col, default in OPTIONAL.items():
        out[col] = frame[col] if col in frame else default
    unknown = sorted(set(out.study) - set(STUDY_ORDER))
    if unknown:
        raise ValueError(f"{origin}: unknown study {unknown}; expected one of {STUDY_ORDER}")
    for col in ("published", "computed", "ci_low", "ci_high", "alpha", "published_se",
                "computed_se", "truth"):
        out[col] = pd.to_numeric(out[col], errors="raise").astype(float)
    out["rule"] = out.rule.fillna("").astype(str)
    out["bound"] = out.bound.fillna("").astype(str)
    for col, allowed in (("rule", ("", *RULES)), ("bound", ("", *BOUNDS))):
        bad = sorted(set(out[col]) - set(allowed))
        if bad:
            raise ValueError(f"{origin}: column {col} has {bad}; expected one of {list(allowed)}")
    has_ci = out.ci_low.notna() & out.ci_high.notna()
    out.loc[out.rule.eq(""), "rule"] = has_ci.map({True: "interval", False: "none"})
    for bad, need in ((out.rule.eq("bound") & out.bound.eq(""),
                       "rule 'bound' needs the column bound ('<', '<=', '>', '>=')"),
                      (out.rule.eq("decision") & ~out.alpha.between(0, 1, inclusive="neither"),
                       "rule 'decision' needs alpha, the study's test level, in (0, 1)")):
        if bad.any():
            first = int(np.argmax(bad.to_numpy()))  # position: the file's data row
            raise ValueError(f"{origin}: row {first + 1} ({out.estimate.iloc[first]!r}): {need}")
    out["sign_known"] = out.sign_known.fillna(False).astype(bool)
    for col in STARS:
        out[col] = [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                    for v in out[col]]
    out["difference"] = out.computed - out.published
    out["context"] = out.study.isin(CONTEXT_STUDIES)
    out["replicated"] = _replicated(out).where(~out.context)
    out["within"] = out.replicated.where(out.rule.eq("interval"))
    signed = out.sign_known & ~out.context & (out.published != 0) & out.computed.notna()
    out["sign_agrees"] = _boolean(np.sign(out.published) == np.sign(out.computed), signed)
    out["se_ratio"] = out.computed_se / out.published_se
    starred = out.published_stars.notna() & out.computed_stars.notna() & ~out.context
    out["stars_agree"] = _boolean(out.published_stars == out.computed_stars, starred)
    has_truth = out.truth.notna() & has_ci
    out["recovered"] = _boolean((out.truth >= out.ci_low) & (out.truth <= out.ci_high), has_truth)
    return out


def _boolean(values: pd.Series, valid: pd.Series) -> pd.Series:
    """values where valid, <NA> elsewhere (a nullable boolean column)."""
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[valid] = values[valid].astype(bool)
    return out


def _replicated(t: pd.DataFrame) -> pd.Series:
    """Each row judged by its rule; <NA> where the rule says nothing (or nothing was computed)."""
    pub, comp = t.published, t.computed
    inside = (t.ci_low <= pub) & (pub <= t.ci_high)
    side = pd.Series([{"<": c < p, "<=": c <= p, ">": c > p, ">=": c >= p}.get(b, False)
                      for b, c, p in zip(t.bound, comp, pub)], index=t.index, dtype=bool)
    # A published bound at or below the level is a rejection; a point is judged as given.
    pub_rejects = np.where(t.bound.isin(["<", "<="]), pub <= t.alpha, pub < t.alpha)
    same_decision = (comp < t.alpha) == pub_rejects
    judged = pd.Series(False, index=t.index)
    judged[t.rule.eq("interval")] = inside
    judged[t.rule.eq("bound")] = side
    judged[t.rule.eq("decision")] = same_decision
    valid = comp.notna() & ((t.rule.eq("interval") & t.ci_low.notna() & t.ci_high.notna())
                            | t.rule.isin(["bound", "decision"]))
    return _boolean(judged, valid)


def write_comparison(frame: pd.DataFrame, path: Path) -> None:
    """A notebook's comparison rows as CSV; missing values as MISSING, so no stars stays ''."""
    frame.to_csv(path, index=False, na_rep=MISSING)


def read_comparison(path: Path) -> pd.DataFrame:
    """The rows write_comparison wrote (star columns: '' no stars, MISSING not compared)."""
    return pd.read_csv(path, converters={c: lambda v: None if v == MISSING else v for c in STARS})


def assemble(results: Path) -> pd.DataFrame:
    """All recorded comparisons, ordered by study then notebook."""
    frames = []
    for path in sorted(results.glob("*.comparison.csv")):
        nb = path.name.removesuffix(".comparison.csv")
        frame = check_comparison(read_comparison(path), path.name)
        frame.insert(0, "notebook", nb)
        frames.append(frame)
    if not frames:
        return check_comparison(pd.DataFrame(columns=COLUMNS), "no notebook").assign(notebook="")
    table = pd.concat(frames, ignore_index=True)
    table["_order"] = table.study.map(STUDY_ORDER.index)
    return table.sort_values(["_order", "notebook"], kind="stable").drop(columns="_order") \
        .reset_index(drop=True)


def summary(table: pd.DataFrame) -> dict:
    """Counts cited on the front page and in the paper, each by RULE_SENTENCE."""
    def count(col):
        valid = table[col].notna()
        return int(valid.sum()), int(table[col][valid].sum())

    n_targets, n_replicated = count("replicated")
    n_with_interval, n_within = count("within")
    n_signed, n_sign_agrees = count("sign_agrees")
    n_starred, n_stars_agree = count("stars_agree")
    n_truth, n_recovered = count("recovered")
    ratio = table.se_ratio[table.se_ratio.notna() & ~table.context]
    close = (ratio >= 1 / SE_FACTOR) & (ratio <= SE_FACTOR)
    rules = table.rule.where(~table.context)
    return {
        "n_estimates": int(len(table)),
        "n_targets": n_targets, "n_replicated": n_replicated,
        "share_replicated": n_replicated / n_targets if n_targets else None,
        "n_with_interval": n_with_interval, "n_within": n_within,
        "share_within": n_within / n_with_interval if n_with_interval else None,
        "n_bounds": int(table.replicated[rules.eq("bound")].notna().sum()),
        "n_bounds_agree": int(table.replicated[rules.eq("bound")].fillna(False).sum()),
        "n_decisions": int(table.replicated[rules.eq("decision")].notna().sum()),
        "n_decisions_agree": int(table.replicated[rules.eq("decision")].fillna(False).sum()),
        "n_not_compared": int((table.replicated.isna() & ~table.context).sum()),
        "n_context": int(table.context.sum()),
        "n_signed": n_signed, "n_sign_agrees": n_sign_agrees,
        "n_se": int(len(ratio)), "n_se_close": int(close.sum()),
        "se_ratio_median": float(ratio.median()) if len(ratio) else None,
        "n_starred": n_starred, "n_stars_agree": n_stars_agree,
        "n_truth": n_truth, "n_recovered": n_recovered,
    }


def sentences(s: dict, synthetic: bool) -> dict[str, str]:
    """What replicates and what does not, in words chosen by the counts: the typed finding
    casework.report.findings.Replication (property tests in tests/test_findings_properties.py)."""
    from .findings import Replication
    card = Replication.from_summary(s, synthetic=synthetic, se_factor=SE_FACTOR)
    return {"verdict": card.verdict(), "detail": card.detail(), "meaning": card.meaning(),
            "rule": RULE_SENTENCE}


# Notebooks whose published numbers are counts and shares only: there a value in [0, 1]
# is a share and is shown in the site's one percentage style (issue 13).
SHARE_NOTEBOOKS = ("01_caseload", "02_case_development", "03_impact_survey")


def _is_share(row) -> bool:
    values = [v for v in (row.published, row.computed, row.ci_low, row.ci_high) if not pd.isna(v)]
    return (row.notebook in SHARE_NOTEBOOKS and bool(values) and all(0 <= v <= 1 for v in values)
            and not all(float(v).is_integer() for v in values)
            and not re.search(r"\bp\b|p-value|log-rank", str(row.estimate), re.I))


def _fmt(x: float, year: bool = False, share: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "+∞" if x > 0 else "−∞"
    if 0 < abs(x) < 1e-4:             # a p-value far below any bound: never '1.54e-09'
        return "< 0.0001" if x > 0 else "> −0.0001"
    if share:
        return f"{x:.1%}"
    if float(x).is_integer() and (year or abs(x) < 10):
        return f"{x:.0f}"
    if float(x).is_integer() or abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _difference(row) -> str:
    """Signed difference at the precision of the published value (no scientific notation)."""
    d = row.difference
    if pd.isna(d) or math.isinf(d) or row.bound:  # a bound is no point to differ from
        return "–"
    if _is_share(row):
        text = f"{d * 100:+.1f} pp"
        return "0.0 pp" if text in ("+0.0 pp", "-0.0 pp") else text
    if float(row.published).is_integer() and abs(row.published) >= 10:
        return f"{d:+,.0f}"
    text = f"{d:+.3f}"
    return "0.000" if text in ("+0.000", "-0.000") else text


def _is_year(estimate: str) -> bool:
    return "year" in estimate.lower()


def _published(row, year: bool, share: bool = False) -> str:
    value = _fmt(row.published, year, share)
    return f"{row.bound} {value}" if row.bound else value


def _status(row) -> str:
    """replicated? in words: the rule that judged the row and its outcome."""
    if row.context:
        return "context (not counted)"
    if row.rule == "none":
        return "no interval (not counted)"
    if pd.isna(row.replicated):
        return "not estimable (not counted)"
    if row.rule == "interval":
        level = f"{row.level:.0%} CI" if not pd.isna(row.level) else "CI"
        text = f"inside {level}" if row.replicated else f"outside {level}"
    elif row.rule == "bound":
        text = "bound holds" if row.replicated else "bound fails"
    else:
        text = (f"same decision at {row.alpha:g}" if row.replicated
                else f"opposite decision at {row.alpha:g}")
    return text if row.replicated else f"**{text}**"


def _yes_no(value) -> str:
    return "–" if pd.isna(value) else ("yes" if value else "**no**")


def _stars(row) -> str:
    if pd.isna(row.stars_agree):
        return "–"
    shown = f"{row.published_stars or '∅'} / {row.computed_stars or '∅'}"
    return shown if row.stars_agree else f"**{shown}**"


def _agreement(s: dict) -> str:
    from .findings import Replication
    return Replication.from_summary(s, se_factor=SE_FACTOR).agreement()


def to_markdown(table: pd.DataFrame) -> str:
    """The full scorecard as Markdown: the rule, then one section per study with its counts."""
    if table.empty:
        return "No notebook has recorded a comparison yet: run `casework run`."
    truth = table.truth.notna().any()
    parts = [f"**How rows are counted.** {RULE_SENTENCE}", ""]
    for study, group in table.groupby("study", sort=False):
        head = ("| section | estimate | published | computed | interval | difference | replicated? "
                "| sign | SE ratio | stars | " + ("recovered? | " if truth else "") + "notebook |")
        # a page-wide block (Quarto's column class; the built-in renderer reads it too)
        parts += [f"## {study}", "", _agreement(summary(group)), "", "::: {.column-page}", "", head,
                  "|---|---|---:|---:|---:|---:|---|:---:|---:|:---:|" + ("---|" if truth else "") + "---|"]
        for r in group.itertuples(index=False):
            year, share = _is_year(r.estimate), _is_share(r)
            ci = f"[{_fmt(r.ci_low, year, share)}, {_fmt(r.ci_high, year, share)}]" if not pd.isna(r.ci_low) else "–"
            ratio = "–" if pd.isna(r.se_ratio) else f"{r.se_ratio:.2f}"
            rec = f"{_yes_no(r.recovered)} | " if truth else ""
            parts.append(f"| {r.section} | {r.estimate} | {_published(r, year, share)} | "
                         f"{_fmt(r.computed, year, share)} | {ci} | {_difference(r)} | {_status(r)} | "
                         f"{_yes_no(r.sign_agrees)} | {ratio} | {_stars(r)} | {rec}"
                         f"[{r.notebook}](analyses/{r.notebook}.ipynb) |")
        parts += ["", ":::", ""]
    return "\n".join(parts)


def summary_markdown(table: pd.DataFrame) -> str:
    """One row per study: replicated, signs, standard errors, stars, recovered — each counted apart."""
    if table.empty:
        return "No notebook has recorded a comparison yet: run `casework run`."
    lines = ["| study | numbers shown | replicated? | sign agrees | SE within a factor "
             f"{SE_FACTOR:g} | stars agree | recovered? |", "|---|---:|---:|---:|---:|---:|---:|"]

    def of(k, n):
        return f"{k} of {n}" if n else "–"
    for study, group in [*table.groupby("study", sort=False), ("All studies", table)]:
        s = summary(group)
        name = f"**{study}**" if study == "All studies" else study
        replicated = "context only" if group.context.all() else of(s["n_replicated"], s["n_targets"])
        lines.append(f"| {name} | {s['n_estimates']} | {replicated} | "
                     f"{of(s['n_sign_agrees'], s['n_signed'])} | {of(s['n_se_close'], s['n_se'])} | "
                     f"{of(s['n_stars_agree'], s['n_starred'])} | {of(s['n_recovered'], s['n_truth'])} |")
    return "\n".join(lines)


def _synthetic(results: Path) -> bool:
    """Whether the notebooks ran on synthetic data (their results files say so)."""
    flags = []
    for path in results.glob("*.json"):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and "synthetic" in doc:
            flags.append(bool(doc["synthetic"]))
    return any(flags)


def write(root: Path) -> dict:
    """Gather comparisons into results/scorecard.{csv,md}; return the summary values."""
    results = root / "results"
    results.mkdir(exist_ok=True)
    table = assemble(results)
    table.to_csv(results / "scorecard.csv", index=False)
    s = summary(table)
    (results / "scorecard.md").write_text(to_markdown(table) + "\n", encoding="utf-8")
    (results / "scorecard_summary.md").write_text(summary_markdown(table) + "\n", encoding="utf-8")
    # Same shape as a notebook's results file, so the pipeline cites it as {{< var scorecard.* >}}.
    def shown(k, v):
        if v is None:
            return "n/a"
        if k.startswith("share"):
            return f"{v:.0%}"
        return f"{v:.2f}" if isinstance(v, float) else f"{v:,}"
    values = {k: {"value": v, "display": shown(k, v)} for k, v in s.items()}
    values.update({k: {"value": v, "display": v}
                   for k, v in sentences(s, _synthetic(results)).items()})
    (results / "scorecard.json").write_text(json.dumps({"notebook": "scorecard", "values": values},
                                                       indent=1) + "\n", encoding="utf-8")
    return s
