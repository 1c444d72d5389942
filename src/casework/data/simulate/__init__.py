"""Synthetic default data, calibrated to the published aggregates and coefficients.

`simulate(seed, out)` writes every table of the codebook plus a data package
(synthetic: true, generator version, seed, conditions, the generating truths,
checksums) into `out`. Outcomes are independent draws from declared models given the
covariates; `conditions` (default none) name the only draws that are conditioned on
an event, see CONDITIONS. Each domain has
its own module; each draws from its own child random generator so that changing
one domain's simulation does not change another's tables.

`scale` K > 1 makes the data K times as large for benchmarks: K independent draws of
the default design (the first is the default data itself, the others come from their
own streams), stacked with ids renumbered so they stay unique. Every table grows K-fold;
the published totals then hold per block, not for the whole.
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


# Seed-stream key of the extra blocks of scaled data: (SCALE_STREAM, block) never meets
# the (domain, ...) keys that simulate_domains spawns from the root seed.
SCALE_STREAM = 0x5CA1E
# Id prefixes, the digits of the default data (more when scaled data need them), and
# the columns that hold each kind of id.
ID_FAMILIES = {
    "C": (5, [("communications", "communication_id"), ("cases", "communication_id")]),
    "K": (6, [("cases", "case_id"), ("sample", "case_id"), ("survey", "case_id")]),
    "P": (6, [("cases", "individual_id")]),
    "F": (3, [("freethe20", "prisoner_id")]),
    "U": (4, [("urgent_actions", "woman_id")]),
}


# The largest --scale: its cases table (2.4 MiB per block) stays well below the largest
# table validation reads (casework.data.scan.MAX_TABLE_BYTES, 512 MiB), and simulating it
# holds every block in memory at once. Stated in the README (*Larger data*).
MAX_SCALE = 100
# Seeds numpy's SeedSequence takes, kept to 64 bits so every seed can also be written as
# a parameter and read back.
MAX_SEED = 2**63 - 1


def check_scale(scale) -> int:
    """The scale as an int; ValueError unless it is a whole number from 1 to MAX_SCALE."""
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"simulate: scale {scale!r}: expected a whole number of 1 or more")
    if scale > MAX_SCALE:
        raise ValueError(f"simulate: scale {scale}: at most {MAX_SCALE} "
                         f"(about {MAX_SCALE * 2.9:,.0f} MB of tables)")
    return int(scale)


def check_seed(seed, option: str = "--seed") -> int:
    """The seed as an int; ValueError unless it is a whole number from 0 to MAX_SEED."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        shown = seed if isinstance(seed, (int, np.integer)) and abs(seed) < 10**30 else "value"
        raise ValueError(f"{option} {shown}: expected a whole number from 0 to {MAX_SEED:,} (2^63 - 1)")
    return int(seed)


def block_seed(seed: int, block: int) -> int | np.random.SeedSequence:
    """Seed of one block of scaled data: block 0 is the default data of `seed`."""
    return seed if block == 0 else np.random.SeedSequence(seed, spawn_key=(SCALE_STREAM, block))


def stack_blocks(blocks: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Tables of several independent data sets as one, ids renumbered block by block.

    Each block numbers its ids 1..n; block b's numbers are shifted past those of the
    blocks before it, and every id gets as many digits as the largest needs, so ids
    stay unique, keys still match and string order is number order.
    """
    numbers = {name: [] for name in blocks[0]}
    for prefix, (_, columns) in ID_FAMILIES.items():
        offset = 0
        shifted = []
        for block in blocks:
            ids = {(t, c): block[t][c].astype(str).str[1:].astype("int64") for t, c in columns}
            shifted.append({k: v + offset for k, v in ids.items()})
            offset += max(int(v.max()) for v in ids.values() if len(v))
        width = max(ID_FAMILIES[prefix][0], len(str(offset)))
        for b, block_ids in enumerate(shifted):
            for (t, c), values in block_ids.items():
                numbers[t].append((b, c, prefix + values.astype(str).str.zfill(width)))
    out = {}
    for name in blocks[0]:
        frames = [block[name].copy() for block in blocks]
        for b, column, ids in numbers[name]:
            frames[b][column] = ids.astype(object).to_numpy()
        out[name] = pd.concat(frames, ignore_index=True)
    return out


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


def simulate_tables(seed: int = DEFAULT_SEED, conditions=(), scale: int = 1
                    ) -> dict[str, pd.DataFrame]:
    """Every table of the codebook as DataFrames, deterministic per seed and scale."""
    scale = check_scale(scale)
    if scale == 1:
        return simulate_domains(seed, conditions)
    return stack_blocks([simulate_domains(block_seed(seed, b), conditions) for b in range(scale)])


def provenance(seed: int, conditions=(), scale: int = 1) -> dict:
    """What the data package records about how these data were made."""
    conditions = check_conditions(conditions)
    return {"generator": f"casework {__version__} (casework simulate)", "seed": seed,
            "scale": check_scale(scale),
            "conditions": {c: CONDITIONS[c] for c in sorted(conditions)},
            "truths": declared_truths()}


def _scratch_beside(out: Path) -> Path:
    """An empty scratch folder on the file system `out` will be on (OSError when the
    place cannot be written: its parent created here if missing)."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(20, "exists and is not a folder", str(out))
    parent = out.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.absolute().name}.tmp-", dir=parent))


def simulate(seed: int = DEFAULT_SEED, out: str | Path = "data", conditions=(),
             calibration_seeds: int = 0, scale: int = 1) -> Path:
    """Simulate and write a complete data folder; replaces only the data files it owns.

    calibration_seeds: how many further seeds estimate each calibration target's
    expected value and sampling SD for data/README.md (0: this seed only).
    scale: K times the default size (K independent blocks; see the module docstring).
    """
    out = Path(out)
    conditions = check_conditions(conditions)
    scale = check_scale(scale)
    seed = check_seed(seed)
    # Everything is written into a scratch folder beside `out` first (so a refused or
    # full destination is found before the work, and a failure never leaves half a data
    # set), then moved into place file by file (renames on one file system).
    scratch = _scratch_beside(out)
    try:
        frames = simulate_tables(seed, conditions, scale)
        write_tables(frames, scratch, synthetic=True, provenance=provenance(seed, conditions, scale))
        table = calibration_table(frames)
        flags = "".join(f" --condition {c}" for c in sorted(conditions))
        flags += f" --scale {scale}" if scale > 1 else ""
        command = f"casework simulate --seed {seed}{flags} --calibration-seeds {calibration_seeds}"
        if calibration_seeds:
            table = expected_calibration(table, seed, calibration_seeds, conditions)
        if (out / "README.md").is_file():
            shutil.copyfile(out / "README.md", scratch / "README.md")
        update_readme(scratch / "README.md", table,
                      f"Calibration of the committed synthetic data (seed {seed}, generated by "
                      f"`{command}`; this table is written by that command).")
        out.mkdir(exist_ok=True)
        owned = [t.path for t in tables().values()] + ["datapackage.json", "README.md"]
        for rel in owned:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(scratch / rel, out / rel)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out
