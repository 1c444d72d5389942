"""Simulated fits per minute for the power notebook's designs, one process beside several.

For each design of notebooks/07_power.py (upcoming UPR in open regimes, business
involvement in all regimes, Free the 20 Cox model 1) it times `simulate_power` at the
published sample size, first in this process (jobs=1), then spread over --jobs
processes, checks that both give the same simulated studies, and prints fits per minute
and the speed-up. Effects are the published ones; the Free the 20 design resamples the
Urgent Action women of the data folder.

Usage: python benchmarks/power.py [--sims 200] [--jobs 2] [--repeat 3] [--data data]
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from casework.analysis import power
from casework.data import load

ROOT = Path(__file__).resolve().parents[1]


def timed(design: power.Design, sims: int, jobs: int, repeat: int, seed: int = 1
          ) -> tuple[float, pd.DataFrame]:
    """Best of `repeat` wall times (the machine may be shared) and the simulated studies."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = power.simulate_power(design.draw, design.fit, [design.published_n], sims, seed,
                                      jobs=jobs)
        best = min(best, time.perf_counter() - start)
    return best, result.runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200, help="simulated studies per design (default 200)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="processes of the parallel run (default: all cores)")
    parser.add_argument("--repeat", type=int, default=3, help="timings per setting; the best counts")
    parser.add_argument("--data", default=str(ROOT / "data"), help="data folder (for Free the 20)")
    args = parser.parse_args()

    urgent_actions = load(Path(args.data), only=["urgent_actions"])["urgent_actions"]
    designs = [power.regression_design("upr_open"), power.regression_design("business_all"),
               power.freethe20_design(urgent_actions)]
    print(f"{args.sims} simulated fits per design at the published n; parallel = {args.jobs} "
          f"processes on {os.cpu_count()} cores; best of {args.repeat}")
    print(f"{'design':34}{'n':>6}{'sequential/min':>16}{'parallel/min':>14}{'ratio':>8}  same")
    total = {"sequential": 0.0, "parallel": 0.0}
    for d in designs:
        t_seq, runs_seq = timed(d, args.sims, 1, args.repeat)
        t_par, runs_par = timed(d, args.sims, args.jobs, args.repeat)
        same = runs_seq.equals(runs_par)
        total["sequential"] += t_seq
        total["parallel"] += t_par
        print(f"{d.label:34}{d.published_n:6d}{60 * args.sims / t_seq:16.0f}{60 * args.sims / t_par:14.0f}"
              f"{t_seq / t_par:8.2f}  {'yes' if same else 'NO'}")
    fits = args.sims * len(designs)
    print(f"{'all designs':34}{'':6}{60 * fits / total['sequential']:16.0f}"
          f"{60 * fits / total['parallel']:14.0f}{total['sequential'] / total['parallel']:8.2f}")


if __name__ == "__main__":
    main()
