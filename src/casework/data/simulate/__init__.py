"""Synthetic default data, calibrated to the published aggregates and coefficients.

`simulate(seed, out)` writes every table of the codebook plus a data package
(synthetic: true, generator version, seed, checksums) into `out`. Each domain has
its own module; each draws from its own child random generator so that changing
one domain's simulation does not change another's tables.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ... import __version__
from ..codebook import package_for, tables
from ..load import file_checksum
from .caseload import simulate_caseload
from .freethe20 import simulate_freethe20
from .impact import simulate_impact

DEFAULT_SEED = 20190101


def simulate_tables(seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Every table of the codebook as DataFrames, deterministic per seed."""
    caseload_rng, impact_rng, ft20_rng = (np.random.default_rng(s)
                                          for s in np.random.SeedSequence(seed).spawn(3))
    communications, cases = simulate_caseload(caseload_rng)
    sample, survey = simulate_impact(impact_rng, communications, cases)
    freethe20, urgent_actions = simulate_freethe20(ft20_rng)
    return {"communications": communications, "cases": cases, "sample": sample,
            "survey": survey, "freethe20": freethe20, "urgent_actions": urgent_actions}


def write_tables(frames: dict[str, pd.DataFrame], out: Path, synthetic: bool,
                 provenance: dict) -> None:
    """Write tables as CSV in codebook column order, then the data package with checksums."""
    for name, table in tables().items():
        path = out / table.path
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = frames[name][table.columns].copy()
        for f in table.fields:
            col = frame[f.name]
            if f.type == "date":
                frame[f.name] = pd.to_datetime(col).dt.strftime("%Y-%m-%d")
            elif f.type == "boolean":
                frame[f.name] = col.map({True: "true", False: "false"})
            elif f.type == "integer":
                frame[f.name] = col.astype("Int64")
        frame.to_csv(path, index=False, lineterminator="\n", float_format="%.4g")
    provenance = {**provenance, "checksums": {
        name: file_checksum(out / t.path) for name, t in tables().items()}}
    (out / "datapackage.json").write_text(
        json.dumps(package_for(synthetic, provenance), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8")


def simulate(seed: int = DEFAULT_SEED, out: str | Path = "data") -> Path:
    """Simulate and write a complete data folder; replaces only the data files it owns."""
    out = Path(out)
    frames = simulate_tables(seed)
    # Write into a scratch folder first so a failure never leaves half a data set.
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        tmp = Path(tmp)
        write_tables(frames, tmp, synthetic=True, provenance={
            "generator": f"casework {__version__} (casework simulate)", "seed": seed})
        out.mkdir(parents=True, exist_ok=True)
        for name, table in tables().items():
            dest = out / table.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / table.path, dest)
        shutil.copyfile(tmp / "datapackage.json", out / "datapackage.json")
    return out
