"""Write tables as a data folder: CSVs in codebook column order plus datapackage.json."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .codebook import package_for, tables
from .load import file_checksum


def _as_text(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Codebook-typed columns → the CSV text conventions the loader reads."""
    table = tables()[name]
    out = frame[table.columns].copy()
    for f in table.fields:
        col = out[f.name]
        if f.type == "date":
            out[f.name] = pd.to_datetime(col).dt.strftime("%Y-%m-%d")
        elif f.type == "boolean":
            out[f.name] = col.map({True: "true", False: "false"})
        elif f.type == "integer":
            out[f.name] = col.astype("Int64")
    return out


def write_tables(frames: dict[str, pd.DataFrame], out: Path, synthetic: bool,
                 provenance: dict | None = None) -> None:
    """Write every table in `frames` and a data package listing their checksums."""
    out = Path(out)
    for name, frame in frames.items():
        path = out / tables()[name].path
        path.parent.mkdir(parents=True, exist_ok=True)
        _as_text(frame, name).to_csv(path, index=False, lineterminator="\n", float_format="%.4g")
    checksums = {name: file_checksum(out / tables()[name].path) for name in frames}
    pkg = package_for(synthetic, {**(provenance or {}), "checksums": checksums})
    (out / "datapackage.json").write_text(json.dumps(pkg, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
