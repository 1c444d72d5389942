"""The replication scorecard: every published estimate beside the computed one.

Each notebook records its comparisons through `Notebook.record_comparison(frame)`
into results/NN_name.comparison.csv (columns COLUMNS). After a run, `write` gathers
them into results/scorecard.csv and results/scorecard.md (included by index.qmd), and
its summary into results/scorecard.json (cited as {{< var scorecard.* >}}).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

COLUMNS = ["study", "section", "estimate", "published", "computed", "ci_low", "ci_high"]
STUDY_ORDER = ["Spannagel 2018 (Chasing Shadows)", "Spannagel 2019 (Working Paper 7)",
               "Myrick & Weinstein 2018 (#Freethe20)", "Piccone 2011"]


def check_comparison(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Validate a notebook's comparison frame and add difference, within, sign columns."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{origin}: comparison table lacks column(s) {', '.join(missing)}; "
                         f"expected {', '.join(COLUMNS)}")
    out = frame[COLUMNS].copy()
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
        return pd.DataFrame(columns=["notebook", *COLUMNS, "difference", "within", "sign_agrees"])
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


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if float(x).is_integer() and abs(x) >= 10:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) >= 0.001 else f"{x:.1e}"


def _status(row) -> str:
    if pd.isna(row.within):
        return "no interval"
    return "inside 95% CI" if row.within else "**outside 95% CI**"


def to_markdown(table: pd.DataFrame) -> str:
    """Scorecard as Markdown: one section per study, then the summary line."""
    if table.empty:
        return "No notebook has recorded a comparison yet: run `casework run`."
    parts = []
    for study, group in table.groupby("study", sort=False):
        s = summary(group)
        parts += [f"#### {study}", "",
                  f"{s['n_within']} of {s['n_with_interval']} published estimates with an interval "
                  f"lie inside the computed 95% interval; the sign agrees for "
                  f"{s['n_sign_agrees']} of {s['n_signed']}.", "",
                  "| section | estimate | published | computed | 95% interval | difference | status | sign | notebook |",
                  "|---|---|---:|---:|---:|---:|---|:---:|---|"]
        for r in group.itertuples(index=False):
            ci = f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]" if not pd.isna(r.ci_low) else "–"
            sign = "–" if pd.isna(r.sign_agrees) else ("yes" if r.sign_agrees else "**no**")
            parts.append(f"| {r.section} | {r.estimate} | {_fmt(r.published)} | {_fmt(r.computed)} | "
                         f"{ci} | {_fmt(r.difference)} | {_status(r)} | {sign} | "
                         f"[{r.notebook}](notebooks/{r.notebook}.ipynb) |")
        parts.append("")
    return "\n".join(parts)


def write(root: Path) -> dict:
    """Gather comparisons into results/scorecard.{csv,md}; return the summary values."""
    results = root / "results"
    results.mkdir(exist_ok=True)
    table = assemble(results)
    table.to_csv(results / "scorecard.csv", index=False)
    s = summary(table)
    head = (f"**{s['n_within']} of {s['n_with_interval']}** published estimates with an interval lie "
            f"inside the 95% interval computed here; the sign agrees for **{s['n_sign_agrees']} of "
            f"{s['n_signed']}**." if s["n_estimates"] else "")
    (results / "scorecard.md").write_text(head + "\n\n" + to_markdown(table) + "\n", encoding="utf-8")
    # Same shape as a notebook's results file, so the pipeline cites it as {{< var scorecard.* >}}.
    display = {k: ("n/a" if v is None else f"{v:.0%}" if k.startswith("share") else f"{v:,}")
               for k, v in s.items()}
    (results / "scorecard.json").write_text(json.dumps({"notebook": "scorecard", "values": {
        k: {"value": v, "display": display[k]} for k, v in s.items()}}, indent=1) + "\n", encoding="utf-8")
    return s
