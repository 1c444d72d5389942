"""Small hand-made communications and cases frames for the caseload tests.

Each builder takes one dict per row with only the columns a test cares about; every
other column gets a neutral default (no violation, no issue, no reply), typed as the
loader types it (nullable booleans, Int64, string).
"""
from __future__ import annotations

import pandas as pd

from casework.data.codebook import tables

COMM_DEFAULTS = {"date": "2005-01-01", "country": "AAA", "type": "allegation_letter",
                 "mandates": 1, "hrd_alone": False, "named_individuals": 0,
                 "delay_days": pd.NA, "addressee": "state"}
CASE_DEFAULTS = {"year": 2005, "country": "AAA", "gender": "male", "reply_status": "none",
                 "reply_content": pd.NA, "reply_delay_days": pd.NA, "individual_id": None}


def communications(*rows: dict) -> pd.DataFrame:
    recs = [{"communication_id": f"C{i + 1:05d}", **COMM_DEFAULTS, **r} for i, r in enumerate(rows)]
    df = pd.DataFrame(recs)
    return df.assign(date=pd.to_datetime(df["date"]), mandates=df["mandates"].astype("Int64"),
                     hrd_alone=df["hrd_alone"].astype("boolean"),
                     named_individuals=df["named_individuals"].astype("Int64"),
                     delay_days=df["delay_days"].astype("Int64"),
                     country=df["country"].astype("string"), type=df["type"].astype("string"),
                     addressee=df["addressee"].astype("string"))


def cases(*rows: dict) -> pd.DataFrame:
    flags = [f.name for f in tables()["cases"].fields if f.type == "boolean"]
    recs = []
    for i, r in enumerate(rows):
        rec = {"case_id": f"K{i + 1:06d}", "communication_id": "C00001", **CASE_DEFAULTS,
               **{f: False for f in flags}, **r}
        rec["individual_id"] = rec["individual_id"] or f"P{i + 1:06d}"
        recs.append(rec)
    df = pd.DataFrame(recs)
    typed = {f: df[f].astype("boolean") for f in flags}
    return df.assign(**typed, year=df["year"].astype("Int64"),
                     reply_delay_days=df["reply_delay_days"].astype("Int64"),
                     **{c: df[c].astype("string") for c in
                        ("country", "gender", "reply_status", "reply_content", "communication_id")})
