"""Specifications per minute of the 06_robustness multiverse: one process against several.

Fits the same grid twice in one run — sequentially in this process (jobs=1), then in
worker processes (jobs=N, default: every core) — checks that both give identical
results, and prints the rate of each and their ratio. The parallel time includes
starting the workers (a fresh interpreter each, which imports casework and gets the
data once), since a notebook pays it too. The load average is printed alongside:
on a shared machine other work competes for the same cores.

Usage: python benchmarks/multiverse.py [--grid full|small] [--jobs N] [--data DIR]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from casework.analysis import multiverse as mv
from casework.data import load

ROOT = Path(__file__).resolve().parents[1]


def timed(data, grid: str, jobs: int) -> tuple[float, mv.Multiverse]:
    start = time.perf_counter()
    universe = mv.run(data, grid=grid, jobs=jobs)
    return time.perf_counter() - start, universe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=mv.GRIDS, default="full")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="worker processes of the parallel run (default: every core)")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    args = parser.parse_args()

    data = load(args.data, only=["sample", "cases", "urgent_actions", "freethe20"])
    fitted = int(mv.build_grid(grid=args.grid)["invalid"].isna().sum())
    print(f"multiverse grid '{args.grid}': {fitted} specifications to fit; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before")

    seq_seconds, seq = timed(data, args.grid, 1)
    par_seconds, par = timed(data, args.grid, args.jobs)
    pd.testing.assert_frame_equal(seq.results, par.results)   # same numbers, whatever the jobs

    seq_rate, par_rate = 60 * fitted / seq_seconds, 60 * fitted / par_seconds
    print(f"  sequential (1 process)    {seq_seconds:7.1f} s   {seq_rate:7.0f} specifications/min")
    print(f"  parallel ({args.jobs} processes)    {par_seconds:7.1f} s   {par_rate:7.0f} specifications/min")
    print(f"  ratio parallel / sequential: {par_rate / seq_rate:.2f}x   "
          f"(load average {os.getloadavg()[0]:.2f} after; results identical)")


if __name__ == "__main__":   # the workers are spawned: they must not run this again
    main()
