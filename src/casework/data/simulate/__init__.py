"""Synthetic default data, calibrated to the published aggregates and coefficients.

`simulate(seed, out)` writes every table of the codebook plus a data package
(synthetic: true, generator version, seed, conditions, the generating truths,
checksums) into `out`. Outcomes are independent draws from declared models given the
covariates; `conditions` (default none) name the only draws that are conditioned on
an event, see CONDITIONS. Each domain has
its own module; each draws from its own child random generator so that changing
one domain's simulation does not change another's tables.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ... import __version__
from ..calibration import calibration_table, expected_calibration, update_readme
from ..codebook import tables
from ..truths import declared_truths
from ..write import write_tables
from .caseload import simulate_caseload
from .freethe20 import simulate_freethe20
from .impact import simulate_impact

DEFAULT_SEED = 20190101
# Declared conditions a user may put on the outcome draws (all off by default). Each
# redraws until its event holds and fails loudly after 1,000 draws; the recovery study
# measures what it does to the estimates.
CONDITIONS = {
    "estimable_improvement": "improvement redrawn until no Table 1 flag perfectly predicts "
                             "it within a regime (every regime logit has finite estimates)",
    "reference_release": "the reference region's detentions redrawn until one of its "
                         "eligible women is released (the region terms of the Cox models exist)",
}


def check_conditions(conditions) -> frozenset[str]:
    """The conditions as a set; ValueError naming an unknown one."""
    conditions = frozenset(conditions or ())
    unknown = sorted(conditions - set(CONDITIONS))
    if unknown:
        raise ValueError(f"simulate: unknown condition {unknown[0]!r}; expected one of "
                         f"{', '.join(sorted(CONDITIONS))}")
    return conditions


def simulate_domains(seed: int | np.random.SeedSequence, conditions=(), caseload: tuple | None = None
                     ) -> dict[str, pd.DataFrame]:
    """The impact and #Freethe20 tables (and the caseload, unless given), per seed."""
    conditions = check_conditions(conditions)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    caseload_rng, impact_rng, ft20_rng = (np.random.default_rng(s) for s in root.spawn(3))
    communications, cases = caseload if caseload is not None else simulate_caseload(caseload_rng)
    sample, survey = simulate_impact(impact_rng, communications, cases, conditions)
    freethe20, urgent_actions = simulate_freethe20(ft20_rng, conditions)
    return {"communications": communications, "cases": cases, "sample": sample,
            "survey": survey, "freethe20": freethe20, "urgent_actions": urgent_actions}


def simulate_tables(seed: int = DEFAULT_SEED, conditions=()) -> dict[str, pd.DataFrame]:
    """Every table of the codebook as DataFrames, deterministic per seed."""
    return simulate_domains(seed, conditions)


def provenance(seed: int, conditions=()) -> dict:
    """What the data package records about how these data were made."""
    conditions = check_conditions(conditions)
    return {"generator": f"casework {__version__} (casework simulate)", "seed": seed,
            "conditions": {c: CONDITIONS[c] for c in sorted(conditions)},
            "truths": declared_truths()}


def simulate(seed: int = DEFAULT_SEED, out: str | Path = "data", conditions=(),
             calibration_seeds: int = 0) -> Path:
    """Simulate and write a complete data folder; replaces only the data files it owns.

    calibration_seeds: how many further seeds estimate each calibration target's
    expected value and sampling SD for data/README.md (0: this seed only).
    """
    out = Path(out)
    conditions = check_conditions(conditions)
    frames = simulate_tables(seed, conditions)
    # Write into a scratch folder first so a failure never leaves half a data set.
    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        tmp = Path(tmp)
        write_tables(frames, tmp, synthetic=True, provenance=provenance(seed, conditions))
        out.mkdir(parents=True, exist_ok=True)
        for name, table in tables().items():
            dest = out / table.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / table.path, dest)
        shutil.copyfile(tmp / "datapackage.json", out / "datapackage.json")
    table = calibration_table(frames)
    flags = "".join(f" --condition {c}" for c in sorted(conditions))
    command = f"casework simulate --seed {seed}{flags} --calibration-seeds {calibration_seeds}"
    if calibration_seeds:
        table = expected_calibration(table, seed, calibration_seeds, conditions)
    update_readme(out / "README.md", table,
                  f"Calibration of the committed synthetic data (seed {seed}, generated by "
                  f"`{command}`; this table is written by that command).")
    return out
