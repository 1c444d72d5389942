"""Every table a notebook shows goes through `show`: one look, one set of number rules.

Rules (issue 13): booleans as ✓/✗, whole numbers as integers, years without a
thousands separator, shares in one percentage style (one decimal), no "−0.0",
missing values as "–", the provenance (with the synthetic-data mark) under every
table, and wide or long tables scrolling inside a visible frame.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from great_tables import GT, html

CHECK, CROSS, MISSING = "✓", "✗", "–"
SYNTHETIC_TEXT = "#A34700"  # the synthetic mark's colour in text
LONG_TABLE_ROWS = 20        # taller tables scroll inside their frame
SHARE_WORDS = ("share", "proportion", "percent", "power", "coverage")
# "-0.0", "+0.0 pp", "−0.00 %": a rounded zero keeps no sign.
_SIGNED_ZERO = re.compile(r"^[+\-−]\s?(0(?:[.,]0+)?)(?=$|\s|%)")


def _is_bool_column(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s):
        return True
    values = s.dropna()
    return s.dtype == object and len(values) > 0 and all(isinstance(v, (bool, np.bool_)) for v in values)


def _is_year(name) -> bool:
    return "year" in str(name).lower()


def _is_share(name, s: pd.Series) -> bool:
    values = s.dropna()
    return (any(w in str(name).lower() for w in SHARE_WORDS) and len(values) > 0
            and pd.api.types.is_float_dtype(s) and values.between(0, 1).all())


def _whole(s: pd.Series) -> bool:
    values = s.dropna()
    return (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and len(values) > 0
            and np.isfinite(values.astype(float)).all() and (values.astype(float) % 1 == 0).all())


def unsigned_zero(text):
    """'-0.0 pp' -> '0.0 pp'; other values unchanged."""
    return _SIGNED_ZERO.sub(r"\1", text) if isinstance(text, str) else text


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as it should be displayed: index as columns, booleans as ✓/✗, no signed zeros."""
    out = df.reset_index(drop=True) if isinstance(df.index, pd.RangeIndex) else df.reset_index()
    out.columns = [str(c) if not isinstance(c, tuple) else " ".join(str(x) for x in c if str(x)) for c in out.columns]
    for col in out.columns:
        s = out[col]
        if _is_bool_column(s):
            out[col] = s.map(lambda v: MISSING if pd.isna(v) else (CHECK if v else CROSS)).astype(object)
        elif s.dtype == object:
            out[col] = s.map(unsigned_zero)
        elif _whole(s) and not pd.api.types.is_integer_dtype(s):
            out[col] = s.astype("Int64")
    return out


def column_formats(df: pd.DataFrame, decimals: int | None = None,
                   percent: list[str] | None = None) -> dict[str, str]:
    """Which rule each numeric column of a tidied frame gets: year, integer, percent or number."""
    rules = {}
    for col in df.columns:
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        if _is_year(col) and _whole(s):
            rules[col] = "year"
        elif col in (percent or []) or (percent is None and _is_share(col, s)):
            rules[col] = "percent"
        elif _whole(s):
            rules[col] = "integer"
        else:
            rules[col] = "number" if decimals is not None else "sigfig"
    return rules


def mark(nb) -> str:
    """The provenance line, with the synthetic-data mark in front when the data are synthetic."""
    return nb.provenance


def show(df: pd.DataFrame, nb, title: str | None = None, subtitle: str | None = None,
         decimals: int | None = None, percent: list[str] | None = None, id: str | None = None) -> Framed:
    """A great_tables table of df, formatted by the compendium's rules and labelled with its provenance.

    decimals: fixed decimals for non-integer numbers (default: three significant digits);
    percent: columns holding shares in [0, 1] (default: columns named like a share);
    id: the HTML id (default: from the title).
    """
    shown = tidy(df)
    gt = GT(shown)
    if title:
        gt = gt.tab_header(title=title, subtitle=subtitle)
    for col, rule in column_formats(shown, decimals, percent).items():
        if rule == "year":
            gt = gt.fmt_integer(columns=col, use_seps=False)
        elif rule == "percent":
            gt = gt.fmt_percent(columns=col, decimals=1)
        elif rule == "integer":
            gt = gt.fmt_integer(columns=col)
        elif rule == "number":
            gt = gt.fmt_number(columns=col, decimals=decimals)
        else:
            gt = gt.fmt_number(columns=col, n_sigfig=3, drop_trailing_zeros=True)
    gt = gt.sub_missing(missing_text=MISSING)
    return frame(gt, nb, id or _slug(title), rows=len(shown), label=title)


class Framed:
    """A great_tables table as notebooks show it: its scrolling frame is a labelled region
    that takes keyboard focus (tabindex), so a keyboard can scroll it too (axe-core's
    scrollable-region-focusable). Everything else is the GT object's."""

    def __init__(self, gt: GT, slug: str, label: str):
        self.gt, self.slug, self.label = gt, slug, label

    def _focusable(self, text: str) -> str:
        label = self.label.replace("&", "&amp;").replace('"', "&quot;")
        return text.replace(f'<div id="{self.slug}" ',
                            f'<div id="{self.slug}" tabindex="0" role="region" aria-label="{label}" ', 1)

    def _repr_html_(self) -> str:
        return self._focusable(self.gt._repr_html_())

    def as_raw_html(self, *args, **kwargs) -> str:
        return self._focusable(self.gt.as_raw_html(*args, **kwargs))

    def __getattr__(self, name):
        attr = getattr(self.gt, name)
        if not callable(attr):
            return attr

        def kept(*args, **kwargs):  # GT methods return a new GT: keep it framed (e.g. .sub_missing)
            result = attr(*args, **kwargs)
            return Framed(result, self.slug, self.label) if isinstance(result, GT) else result
        return kept


def frame(gt: GT, nb, slug: str = "table", rows: int = 0, label: str | None = None) -> Framed:
    """Source note (provenance, synthetic mark in colour), a stable id and the scrolling frame."""
    # great_tables picks a random HTML id; a stable one keeps executed notebooks diff-quiet.
    gt = gt.tab_source_note(_source_note(nb)).with_id(slug)
    options = {"container_width": "100%", "table_margin_left": "0", "table_margin_right": "0"}
    if rows > LONG_TABLE_ROWS:
        options.update(container_height="28rem", container_overflow_y="auto")
    gt = gt.tab_options(**options)
    # A visible frame tells the reader a wide or long table scrolls (both renderers keep this CSS).
    gt = gt.opt_css(f"#{slug} {{ border: 1px solid #c9d1d9; border-radius: 4px; "
                    "max-width: 100%; overflow: auto; } "
                    f"#{slug} .gt_table {{ min-width: 100%; }}", add=True)
    return Framed(gt, slug, label or slug.replace("-", " "))


def show_etable(table, nb, slug: str):
    """A maketables ETable (regression Table 1 layouts) in the same frame and with the same mark.

    maketables' great_tables object renders its own notes and ignores ones added later,
    so the frame and the provenance line are put around its HTML.
    """
    from IPython.display import HTML

    from ..analysis.logit_table import etable_html
    inner = etable_html(table)
    note = _source_note(nb)
    note_html = note.text if hasattr(note, "text") else note
    return HTML(f'<div id="{slug}-frame" class="cw-table-frame" tabindex="0" role="region" aria-label="{slug}" style="border: 1px solid #c9d1d9; border-radius: 4px; '
                f'max-width: 100%; overflow-x: auto; padding: 0 0.4rem;">{inner}'
                f'<p style="font-size: 0.8rem; color: #5b6570; margin: 0.2rem 0 0.4rem;">{note_html}</p></div>')


def _source_note(nb):
    text = nb.provenance
    if text.startswith("SYNTHETIC DATA"):
        rest = text.removeprefix("SYNTHETIC DATA")
        # Okabe-Ito vermillion darkened for text: 6.1:1 on white (WCAG AA; #D55E00 is 3.9:1)
        return html(f'<strong style="color:{SYNTHETIC_TEXT}">SYNTHETIC DATA</strong>' + rest)
    return text


def _slug(title: str | None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (title or "table").lower()).strip("-")[:60]
    return slug or "table"
