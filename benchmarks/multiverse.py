"""The 06_robustness multiverse: specifications per second against bare fits, and on Dask.

In one run:
1. the grid fitted in this process (the Sequential engine), recording every model fit
   it makes (the logit designs handed to statsmodels or to the Firth fit, the frames
   handed to lifelines);
2. the same fits replayed bare: statsmodels `Logit(y, X).fit()` for every logit design
   (Firth's included) and lifelines `CoxPHFitter().fit()` for every Cox frame. The
   ratio bare time / multiverse time is the share of a bare fit's speed the multiverse
   keeps (the rest: frames, separation checks, standard errors, bookkeeping);
3. the grid on a local Dask cluster of --jobs workers (started and closed by the run,
   start-up included), checked identical to the in-process results.

Usage: python benchmarks/multiverse.py [--grid full|small] [--jobs N] [--data DIR]
"""
from __future__ import annotations

import argparse
import os
import time
import types
import warnings
from pathlib import Path

import pandas as pd
import statsmodels.api as sm
from lifelines import CoxPHFitter

from casework import engine
from casework.analysis import firth, logit
from casework.analysis import multiverse as mv
from casework.data import load

ROOT = Path(__file__).resolve().parents[1]


def recorded_run(data, grid: str) -> tuple[float, mv.Multiverse, list, list]:
    """The in-process run, with the inputs of every logit and Cox fit it made."""
    logits, coxes = [], []

    def logit_spy(y, X, *a, **k):
        logits.append((y, X))
        return sm.Logit(y, X, *a, **k)

    real_firth = firth.firth_logit

    def firth_spy(y, X, *a, **k):
        logits.append((y, X))
        return real_firth(y, X, *a, **k)

    class CoxSpy(CoxPHFitter):
        def fit(self, df, *a, **k):
            coxes.append(df)
            return super().fit(df, *a, **k)

    saved = (logit.sm, mv.CoxPHFitter)
    logit.sm = types.SimpleNamespace(Logit=logit_spy)
    mv.CoxPHFitter, firth.firth_logit = CoxSpy, firth_spy
    try:
        start = time.perf_counter()
        universe = mv.run(data, grid=grid, engine=engine.Sequential())
        seconds = time.perf_counter() - start
    finally:
        (logit.sm, mv.CoxPHFitter), firth.firth_logit = saved, real_firth
    return seconds, universe, logits, coxes


def bare(logits: list, coxes: list) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y, X in logits:
            try:
                sm.Logit(y, X).fit(disp=0, maxiter=200)
            except Exception:
                pass
        for df in coxes:
            try:
                CoxPHFitter().fit(df, "duration", "released")
            except Exception:
                pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=mv.GRIDS, default="full")
    parser.add_argument("--jobs", type=int, default=engine.available_cores(),
                        help="Dask workers of the cluster run (default: every core)")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    args = parser.parse_args()

    data = load(args.data, only=["sample", "cases", "urgent_actions", "freethe20"])
    fitted = int(mv.build_grid(grid=args.grid)["invalid"].isna().sum())
    print(f"multiverse grid '{args.grid}': {fitted} specifications to fit; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before")

    seq_seconds, seq, logits, coxes = recorded_run(data, args.grid)
    bare_seconds = bare(logits, coxes)
    print(f"  in process    {seq_seconds:7.1f} s   {fitted / seq_seconds:6.1f} specifications/s "
          f"({len(logits)} logit and {len(coxes)} Cox fits)")
    print(f"  bare fits     {bare_seconds:7.1f} s   the same {len(logits) + len(coxes)} fits, nothing else")
    print(f"  ratio bare / multiverse: {bare_seconds / seq_seconds:.2f}")

    start = time.perf_counter()
    with engine.open_engine(args.jobs) as eng:
        par = mv.run(data, grid=args.grid, engine=eng)
    par_seconds = time.perf_counter() - start
    pd.testing.assert_frame_equal(seq.results, par.results)   # same numbers, wherever they ran
    print(f"  Dask ({args.jobs} workers, start-up included) {par_seconds:7.1f} s   "
          f"{fitted / par_seconds:6.1f} specifications/s; speed-up {seq_seconds / par_seconds:.2f}x; "
          f"results identical (load average {os.getloadavg()[0]:.2f} after)")


if __name__ == "__main__":   # Dask workers are spawned: they must not run this again
    main()
