"""The 06_robustness multiverse: specifications per second against bare fits, and on Dask.

In one run:
1. the grid fitted in this process (the Sequential engine), recording the frames of
   the Cox fits it makes;
2. bare fits: for every specification and model the multiverse estimated, the same
   estimator called once on prepared inputs, nothing else: statsmodels
   `Logit(y, X).fit()` with the specification's standard errors, `firth_logit` with
   its profiled terms, lifelines `CoxPHFitter().fit()` on the Cox frame (design
   matrices and frames built beforehand, not timed). The ratio bare time /
   multiverse time is the multiverse's speed as a share of the bare fits' (target
   >= 0.5; it can pass 1 where specifications share work, e.g. one ML fit of a sample
   starts the fits of its other standard errors);
3. the grid on a local Dask cluster of --jobs workers (started and closed by the run,
   start-up included), checked identical to the in-process results.

Usage: python benchmarks/multiverse.py [--grid full|small] [--jobs N] [--data DIR]
"""
from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import pandas as pd
import statsmodels.api as sm
from lifelines import CoxPHFitter

from casework import engine
from casework.analysis import firth, logit
from casework.analysis.survival import FIT_OPTIONS
from casework.analysis import multiverse as mv
from casework.data import load
from casework.data.frames.improvement import model_columns, regression_frame

ROOT = Path(__file__).resolve().parents[1]


def recorded_run(data, grid: str) -> tuple[float, mv.Multiverse, list]:
    """The in-process run, with the frame of every Cox fit it made."""
    coxes = []

    def spy(data, covariates, *a, **k):
        coxes.append(data[[*covariates, "duration", "released"]])
        return saved(data, covariates, *a, **k)

    saved = mv.cox_newton.fit_frame
    mv.cox_newton.fit_frame = spy
    try:
        start = time.perf_counter()
        universe = mv.run(data, grid=grid, engine=engine.Sequential())
        seconds = time.perf_counter() - start
    finally:
        mv.cox_newton.fit_frame = saved
    return seconds, universe, coxes


def logit_fits(data, universe: mv.Multiverse) -> list:
    """Every estimated (logit specification, regime model) pair, as the bare fit it needs:
    ('ml', y, X, statsmodels fit options) or ('firth', y, X, profiled terms)."""
    estimated = universe.results[universe.results["reason"].isna()]
    models = {(r.spec_id, mv.HEADLINE_BY_KEY[r.headline].model) for r in estimated.itertuples()}
    frames, fits = {}, []
    for spec in universe.grid[universe.grid["invalid"].isna()].to_dict("records"):
        if not spec["analysis"].startswith("logit"):
            continue
        options = dict(include_mixed=bool(spec["include_mixed"]), aid=spec["aid_measure"],
                       regime_cutoff=int(spec["regime_cutoff"]) if pd.notna(spec.get("regime_cutoff"))
                       else 0, exclude_limited=bool(spec["exclude_limited"]),
                       control_next_report=bool(spec["control_next_report"]))
        key = tuple(sorted(options.items()))
        if key not in frames:
            frames[key] = regression_frame(data["sample"], data["cases"], **options)
        headlines = mv.ANALYSIS_BY_KEY[spec["analysis"]].headlines
        for model in dict.fromkeys(h.model for h in headlines):
            if (spec["spec_id"], model) not in models:
                continue
            sub = logit.model_frame(frames[key], model)
            y, X = logit.design(sub, model_columns(options["control_next_report"]))
            if spec["estimator"] == "firth":
                fits.append(("firth", y, X, [h.term for h in headlines if h.model == model]))
                continue
            kwargs = {"cov_type": logit.SE_TYPES[spec["se_type"]]}
            if spec["se_type"] == "cluster":
                kwargs["cov_kwds"] = {"groups": pd.factorize(sub["country"])[0]}
            fits.append(("ml", y, X, kwargs))
    return fits


def bare(logits: list, coxes: list) -> float:
    """Seconds for the bare fits: each estimator called once per specification, nothing else."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind, y, X, options in logits:
            if kind == "firth":
                firth.firth_logit(y, X, profile=options)
            else:
                sm.Logit(y, X).fit(disp=0, maxiter=200, **options)
        for df in coxes:
            try:
                CoxPHFitter().fit(df, "duration", "released", fit_options=FIT_OPTIONS)
            except Exception:       # a fit the multiverse reports as not converged costs what it costs
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

    seq_seconds, seq, coxes = recorded_run(data, args.grid)
    logits = logit_fits(data, seq)
    bare_seconds = bare(logits, coxes)
    print(f"  in process    {seq_seconds:7.1f} s   {fitted / seq_seconds:6.1f} specifications/s")
    print(f"  bare fits     {bare_seconds:7.1f} s   {fitted / bare_seconds:6.1f} specifications/s "
          f"(the {len(logits) + len(coxes)} estimated specification-models, each fitted bare)")
    print(f"  ratio bare / multiverse: {bare_seconds / seq_seconds:.2f} (target >= 0.5)")

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
