"""Table 1 of the working paper, rebuilt from fitted models with maketables.

Layout as published (Spannagel 2019, Table 1): one column per model, coefficient
with stars and the standard error in parentheses, then observations,
log-likelihood and the Cox–Snell and Nagelkerke pseudo-R².
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from maketables import ETable

from ..data.frames.improvement import CONSTANT, LABELS, PREDICTORS
from .fit_stats import fit_stats
from .logit import MODEL_LABELS, STAR_LEVELS

COEF_FORMAT = "b:.2f* \n (se:.2f)"
NOTE = ("Logit estimates (standard errors in parentheses); outcome: the defender's situation "
        "improved (much or somewhat better) within a year. * p < .05; ** p < .01; *** p < .001.")


def logit_table(results: dict, caption: str | None = None, note: str = NOTE,
                labels: dict | None = None) -> ETable:
    """A maketables ETable of the fitted models in the layout of wp2019 Table 1.

    Estimates a separation check flagged as infinite (result.separation) are shown
    as ±∞ and named in the table note.
    """
    stats = {m: fit_stats(r) for m, r in results.items()}
    terms = [t for t in [*PREDICTORS, *_extra_terms(results), CONSTANT]
             if any(t in r.params.index for r in results.values())]
    labels = {**LABELS, **(labels or {}), "improved": "Improvement of defender's situation"}
    table = ETable(
        list(results.values()),
        coef_fmt=COEF_FORMAT,
        signif_code=[level for level, _ in STAR_LEVELS],        # .001, .01, .05
        model_stats=["N"],
        model_stats_labels={"N": "Observations"},
        custom_model_stats={
            "Log likelihood": [f"{s['loglik']:.2f}" for s in stats.values()],
            "Pseudo-R² (Cox–Snell)": [f"{s['r2_cox_snell']:.2f}" for s in stats.values()],
            "Pseudo-R² (Nagelkerke)": [f"{s['r2_nagelkerke']:.2f}" for s in stats.values()],
        },
        stats_order="sc",
        keep=terms, exact_match=True,
        labels=labels,
        model_heads=[MODEL_LABELS.get(m, m) for m in results],
        head_order="dh",
        notes=note + separation_note(results, labels),
        caption=caption,
    )
    _mark_infinite(table, results, labels)
    return table


def _mark_infinite(table: ETable, results: dict, labels: dict) -> None:
    """Replace the cell of an estimate that does not exist (separation) by ±∞."""
    for k, res in enumerate(results.values()):
        sep = getattr(res, "separation", None)
        if sep is None or not sep.separated:
            continue
        direction = sep.details.set_index("variable")["direction"]
        for term in sep.variables:
            row = ("coef", labels.get(term, term))
            if row in table.df.index:
                table.df.loc[row, table.df.columns[k]] = ("+∞" if direction[term] == "+inf" else "−∞") + \
                    " (separation)"


def separation_note(results: dict, labels: dict | None = None) -> str:
    """' Not finite (separation): X in closed regimes; ...' or '' when every estimate exists."""
    labels = labels or LABELS
    parts, left_out = [], []
    for model, res in results.items():
        where = MODEL_LABELS.get(model, model).lower()
        sep = getattr(res, "separation", None)
        if sep is not None and sep.separated:
            parts.append(f"{', '.join(labels.get(v, v) for v in sep.variables)} ({where})")
        if getattr(res, "dropped", None):
            left_out.append(f"{', '.join(labels.get(v, v) for v in res.dropped)} ({where})")
    text = (" Not finite because of separation (no maximum-likelihood estimate): "
            + "; ".join(parts) + ".") if parts else ""
    return text + ((" Left out for lack of variation: " + "; ".join(left_out) + ".") if left_out else "")


def _extra_terms(results: dict) -> list[str]:
    """Predictors beyond Table 1's (e.g. the tautology control), in first-seen order."""
    seen: list[str] = []
    for r in results.values():
        seen += [t for t in r.params.index if t not in PREDICTORS and t != CONSTANT and t not in seen]
    return seen


def table_frame(table: ETable) -> pd.DataFrame:
    """The rendered cells as a plain DataFrame (for CSV): one row per table row, one column per model."""
    df = table.df.copy()
    # column levels: dependent variable, model heading, model number; keep the last two
    df.columns = [" ".join(str(x) for x in (c[-2:] if isinstance(c, tuple) else (c,)) if str(x))
                  for c in df.columns]
    df.index = [i[-1] if isinstance(i, tuple) else i for i in df.index]
    df.index.name = "row"
    return df.map(lambda v: " ".join(str(v).split()) if isinstance(v, str) else v)


# maketables keys its row groups 'coef', 'fe' and 'stats' and hides the keys only by
# styling them 0px high; a copy without the style (the PDF's pandoc conversion, a pasted
# table, a screen reader) shows them as stray labels. The group row stays (its borders
# are the table's rules); only the key goes.
_GROUP_KEY = re.compile(r'(<th class="gt_group_heading"[^>]*>)\s*(?:coef|fe|stats)\s*(</th>)')


def etable_html(table: ETable, type: str = "gt") -> str:
    """The ETable as HTML ('gt': great_tables, 'html': maketables' own), without the
    internal row-group keys."""
    raw = table.make(type="gt").as_raw_html() if type == "gt" else table.make(type="html")
    return _GROUP_KEY.sub(r"\1\2", raw)


def export(table: ETable, folder: str | Path, stem: str, mark: str | None = None) -> dict[str, Path]:
    """Write the table as CSV, LaTeX and HTML under folder; return the paths.

    mark (e.g. the notebook's provenance, which starts "SYNTHETIC DATA" for synthetic
    data) is written into every file: a last "note" row of the CSV, and the table note
    of the LaTeX and HTML, so a copied table still says where it came from.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"csv": folder / f"{stem}.csv", "tex": folder / f"{stem}.tex", "html": folder / f"{stem}.html"}
    frame = table_frame(table)
    if mark:
        frame.loc["note"] = [mark, *[""] * (frame.shape[1] - 1)]
    frame.to_csv(paths["csv"])
    notes = table.notes
    if mark:
        table.notes = f"{notes} {mark}".strip()
    try:
        paths["tex"].write_text(table.make(type="tex"), encoding="utf-8")
        paths["html"].write_text(etable_html(table, "html"), encoding="utf-8")
    finally:
        table.notes = notes
    return paths
