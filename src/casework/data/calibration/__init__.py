"""Calibration: does a data set reproduce the published aggregates, within tolerance?

Each domain module has `targets(frames) -> list[Target]`, computed from the tables
alone (so the same check runs on the real data). `calibration_table` gathers them;
`update_readme` writes the table between markers in data/README.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

START, END = "<!-- calibration:start -->", "<!-- calibration:end -->"


@dataclass(frozen=True)
class Target:
    """One published figure beside the value in the data, with the accepted distance."""

    domain: str
    name: str
    published: float
    generated: float
    tolerance: float
    source: str
    relative: bool = False  # tolerance as a share of the published value

    @property
    def difference(self) -> float:
        return self.generated - self.published

    @property
    def ok(self) -> bool:
        limit = self.tolerance * abs(self.published) if self.relative else self.tolerance
        return abs(self.difference) <= limit + 1e-12


@dataclass(frozen=True)
class AtLeast(Target):
    """A published lower bound ("more than x"): within from the bound up to bound + tolerance."""

    @property
    def ok(self) -> bool:
        return self.published - 1e-12 <= self.generated <= self.published + self.tolerance + 1e-12


def _tolerance_text(t: Target) -> str:
    sign = "+" if isinstance(t, AtLeast) else "±"
    return f"{sign}{t.tolerance:.0%}" if t.relative else f"{sign}{t.tolerance:g}"


def calibration_table(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All targets of all domains as one table (domain, target, published, generated, ...)."""
    from . import caseload, freethe20, impact
    rows = []
    for module in (caseload, impact, freethe20):
        for t in module.targets(frames):
            limit = t.tolerance * abs(t.published) if t.relative else t.tolerance
            rows.append({"domain": t.domain, "target": t.name, "published": t.published,
                         "generated": t.generated, "difference": t.difference,
                         "tolerance": _tolerance_text(t), "limit": limit,
                         "ok": t.ok, "source": t.source})
    return pd.DataFrame(rows)


def expected_calibration(table: pd.DataFrame, seed: int, seeds: int, conditions=()) -> pd.DataFrame:
    """`table` (this seed) with each target's expected value and sampling SD over `seeds`
    further data sets (seeds seed+1, ..., seed+seeds).

    Outcomes are random draws, so a drawn share varies by seed: the question is whether
    the published figure lies within the spread of the generator (|published − mean|
    ≤ 2 SD, or within the tolerance for figures the generator sets exactly), not whether
    one seed hits it.
    """
    from ..simulate import simulate_tables
    values = [calibration_table(simulate_tables(seed + k, conditions)).generated.to_numpy()
              for k in range(1, seeds + 1)]
    draws = pd.DataFrame(values, columns=table.index)
    out = table.assign(expected=draws.mean().to_numpy(), sd=draws.std(ddof=1).to_numpy(),
                       seeds=seeds)
    distance = (out.published - out.expected).abs()
    out["ok"] = (distance <= np.maximum(2 * out.sd, out.limit) + 1e-12) | (
        out.sd.eq(0) & out.ok)   # a constructed count keeps its own check
    return out


def markdown_table(table: pd.DataFrame) -> str:
    if "expected" in table:
        return _expected_markdown(table)
    lines = ["| domain | target | published | generated | tolerance | within | source |",
             "|---|---|---:|---:|---:|:---:|---|"]
    for r in table.itertuples(index=False):
        y = _is_year(r.target)
        lines.append(f"| {r.domain} | {r.target} | {_num(r.published, y)} | {_num(r.generated, y)} | "
                     f"{r.tolerance} | {'yes' if r.ok else '**no**'} | {r.source} |")
    ok = int(table.ok.sum())
    lines += ["", f"{ok} of {len(table)} targets within tolerance."]
    return "\n".join(lines)


def _expected_markdown(table: pd.DataFrame) -> str:
    seeds = int(table.seeds.iloc[0])
    lines = [f"| domain | target | published | expected (mean of {seeds} seeds) | this seed | "
             "sampling SD | within | source |",
             "|---|---|---:|---:|---:|---:|:---:|---|"]
    for r in table.itertuples(index=False):
        y = _is_year(r.target)
        lines.append(f"| {r.domain} | {r.target} | {_num(r.published, y)} | {_num(r.expected, y)} | "
                     f"{_num(r.generated, y)} | {_sd(r.sd, r.expected)} | {'yes' if r.ok else '**no**'} | "
                     f"{r.source} |")
    ok = int(table.ok.sum())
    lines += ["", f"{ok} of {len(table)} published figures lie within the generator's spread "
              "(|published − expected| ≤ 2 SD, or within the stated tolerance when the "
              "generator sets the figure exactly)."]
    return "\n".join(lines)


def _num(x: float, year: bool = False) -> str:
    """A count with thousands separators, a year without them, a share to three decimals."""
    if float(x).is_integer() and abs(x) >= 1:
        return f"{x:.0f}" if year else f"{x:,.0f}"
    return f"{x:.3f}"


def _is_year(target: str) -> bool:
    """A target whose value is a calendar year ('peak year of ...'), not a rate per year."""
    return bool(re.search(r"\byear\b", target)) and "per year" not in target


# Below this, relative to the value, a spread over seeds is rounding in the mean of
# identical draws (a figure the generator sets exactly), not sampling variation.
SD_NOISE = 1e-9


def _sd(sd: float, expected: float) -> str:
    """The sampling SD as a reader reads it: 0 for float noise (1.14e-16), three digits else."""
    if not np.isfinite(sd):
        return "–"
    if sd <= SD_NOISE * max(1.0, abs(expected)):
        return "0"
    # positional, never scientific: a reader's table has no "3.9e-04"
    return f"{sd:.3g}" if sd >= 1e-3 else np.format_float_positional(sd, precision=2, fractional=False)


def update_readme(readme: Path, table: pd.DataFrame, header: str) -> None:
    """Replace the generated block of data/README.md (or create the file with it)."""
    block = f"{START}\n{header}\n\n{markdown_table(table)}\n{END}"
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"# Data\n\n{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip() + f"\n\n{START}\n{END}\n"
    pre, rest = text.split(START, 1)
    _, post = rest.split(END, 1)
    readme.write_text(pre + block + post, encoding="utf-8")
