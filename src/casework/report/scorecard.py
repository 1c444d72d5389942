"""The replication scorecard: every published estimate beside the computed one.

Each notebook records its comparisons through `Notebook.record_comparison(frame)`
into results/NN_name.comparison.csv (columns COLUMNS). After a run, `write` gathers
them into results/scorecard.csv, results/scorecard.md (the full table, included by
scorecard.qmd), results/scorecard_summary.md (one row per study, included by
index.qmd) and results/scorecard.json (cited as {{< var scorecard.* >}}).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd

COLUMNS = ["study", "section", "estimate", "published", "computed", "ci_low", "ci_high"]
LEVEL = "level"  # confidence level of ci_low/ci_high; added by Notebook.record_comparison
STUDY_ORDER = ["Spannagel 2018 (Chasing Shadows)", "Spannagel 2019 (Working Paper 7)",
               "Myrick & Weinstein 2018 (#Freethe20)", "Piccone 2011"]


def check_comparison(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Validate a notebook's comparison frame and add difference, within, sign columns."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{origin}: comparison table lacks column(s) {', '.join(missing)}; "
                         f"expected {', '.join(COLUMNS)}")
    out = frame[COLUMNS].copy()
    out[LEVEL] = pd.to_numeric(frame[LEVEL], errors="raise").astype(float) if LEVEL in frame else float("nan")
    unknown = sorted(set(out.study) - set(STUDY_ORDER))
    if unknown:
        raise ValueError(f"{origin}: unknown study {unknown}; expected one of {STUDY_ORDER}")
    for col in ("published", "computed", "ci_low", "ci_high"):
        out[col] = pd.to_numeric(out[col], errors="raise").astype(float)
    out["difference"] = out.computed - out.published
    has_ci = out.ci_low.notna() & out.ci_high.notna()
    out["within"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    out.loc[has_ci, "within"] = (out.published >= out.ci_low) & (out.published <= out.ci_high)
    # Sign agreement says something only for quantities that can take either sign
    # (coefficients, differences): counts and shares are positive by construction.
    can_be_negative = out[["published", "computed", "ci_low"]].min(axis=1, skipna=True) < 0
    signed = can_be_negative & (out.published != 0) & out.computed.notna()
    out["sign_agrees"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    out.loc[signed, "sign_agrees"] = (out.published[signed] > 0) == (out.computed[signed] > 0)
    return out


def assemble(results: Path) -> pd.DataFrame:
    """All recorded comparisons, ordered by study then notebook."""
    frames = []
    for path in sorted(results.glob("*.comparison.csv")):
        nb = path.name.removesuffix(".comparison.csv")
        frame = check_comparison(pd.read_csv(path), path.name)
        frame.insert(0, "notebook", nb)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["notebook", *COLUMNS, LEVEL, "difference", "within", "sign_agrees"])
    table = pd.concat(frames, ignore_index=True)
    table["_order"] = table.study.map(STUDY_ORDER.index)
    return table.sort_values(["_order", "notebook"], kind="stable").drop(columns="_order") \
        .reset_index(drop=True)


def summary(table: pd.DataFrame) -> dict:
    """Counts cited on the front page and in the paper."""
    with_ci = table.within.notna()
    signed = table.sign_agrees.notna()
    return {
        "n_estimates": int(len(table)),
        "n_with_interval": int(with_ci.sum()),
        "n_within": int(table.within[with_ci].sum()),
        "share_within": float(table.within[with_ci].mean()) if with_ci.any() else None,
        "n_signed": int(signed.sum()),
        "n_sign_agrees": int(table.sign_agrees[signed].sum()),
    }


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
    if pd.isna(d):
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


def _status(row) -> str:
    if pd.isna(row.within):
        return "no interval"
    level = f"{row.level:.0%} CI" if not pd.isna(row.level) else "CI"
    return f"inside {level}" if row.within else f"**outside {level}**"


def _agreement(s: dict) -> str:
    text = (f"{s['n_within']} of {s['n_with_interval']} published estimates with an interval lie "
            f"inside the computed interval")
    if s["n_signed"]:
        text += f"; the sign agrees for {s['n_sign_agrees']} of {s['n_signed']}"
    return text + "."


def to_markdown(table: pd.DataFrame) -> str:
    """The full scorecard as Markdown: one section per study, each with its summary line."""
    if table.empty:
        return "No notebook has recorded a comparison yet: run `casework run`."
    parts = []
    for study, group in table.groupby("study", sort=False):
        parts += [f"## {study}", "", _agreement(summary(group)), "",
                  "| section | estimate | published | computed | interval | difference | status | sign | notebook |",
                  "|---|---|---:|---:|---:|---:|---|:---:|---|"]
        for r in group.itertuples(index=False):
            year, share = _is_year(r.estimate), _is_share(r)
            ci = f"[{_fmt(r.ci_low, year, share)}, {_fmt(r.ci_high, year, share)}]" if not pd.isna(r.ci_low) else "–"
            sign = "–" if pd.isna(r.sign_agrees) else ("yes" if r.sign_agrees else "**no**")
            parts.append(f"| {r.section} | {r.estimate} | {_fmt(r.published, year, share)} | "
                         f"{_fmt(r.computed, year, share)} | {ci} | {_difference(r)} | {_status(r)} | {sign} | "
                         f"[{r.notebook}](analyses/{r.notebook}.ipynb) |")
        parts.append("")
    return "\n".join(parts)


def summary_markdown(table: pd.DataFrame) -> str:
    """One row per study: how many published estimates the computed intervals cover."""
    if table.empty:
        return "No notebook has recorded a comparison yet: run `casework run`."
    lines = ["| study | estimates compared | published inside computed interval | sign agrees |",
             "|---|---:|---:|---:|"]
    for study, group in [*table.groupby("study", sort=False), ("All studies", table)]:
        s = summary(group)
        inside = (f"{s['n_within']} of {s['n_with_interval']}" if s["n_with_interval"] else "–")
        sign = f"{s['n_sign_agrees']} of {s['n_signed']}" if s["n_signed"] else "–"
        name = f"**{study}**" if study == "All studies" else study
        lines.append(f"| {name} | {s['n_estimates']} | {inside} | {sign} |")
    return "\n".join(lines)


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
    display = {k: ("n/a" if v is None else f"{v:.0%}" if k.startswith("share") else f"{v:,}")
               for k, v in s.items()}
    (results / "scorecard.json").write_text(json.dumps({"notebook": "scorecard", "values": {
        k: {"value": v, "display": display[k]} for k, v in s.items()}}, indent=1) + "\n", encoding="utf-8")
    return s
