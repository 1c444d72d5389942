"""HTML tables in notebooks through great_tables, with the provenance as source note."""
from __future__ import annotations

import re

import pandas as pd
from great_tables import GT


def show(df: pd.DataFrame, nb, title: str | None = None, subtitle: str | None = None,
         decimals: int | None = None, percent: list[str] | None = None) -> GT:
    """A great_tables table of df, labelled with where it came from."""
    gt = GT(df.reset_index(drop=True) if isinstance(df.index, pd.RangeIndex) else df.reset_index())
    if title:
        gt = gt.tab_header(title=title, subtitle=subtitle)
    if percent:
        gt = gt.fmt_percent(columns=percent, decimals=1)
    if decimals is not None:
        num = [c for c in df.select_dtypes("number").columns if c not in (percent or [])]
        if num:
            gt = gt.fmt_number(columns=num, decimals=decimals)
    # great_tables picks a random HTML id; a stable one keeps executed notebooks diff-quiet.
    slug = re.sub(r"[^a-z0-9]+", "-", (title or "table").lower()).strip("-")[:60]
    return gt.tab_source_note(nb.provenance).with_id(slug or "table")
