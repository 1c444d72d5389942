"""The recovery study (notebook 08): seconds per replication, against bare library fits, and on Dask.

In one run:
1. --reps replications drawn beforehand (`simulate_domains`, timed on its own), then
   fitted as the study fits them (`recovery.logit_rows`, `cox_rows`, `logrank_rows`,
   `conditions_met`: frames, prepared arrays, Newton, Firth, the log-rank test);
2. bare library fits of the same replications, on inputs prepared beforehand (not
   timed): statsmodels `Logit(y, X).fit()` and `firth_logit(profile=False)` for the
   three Table 1 logits, lifelines `CoxPHFitter().fit()` at R's precision for the four
   Cox models and the delayed-entry fit, lifelines' `logrank_test`. The ratio bare /
   study is the study's speed as a share of the bare fits' (above 1: faster than the
   bare fits, although the study also builds every frame);
3. --dask-reps whole replications (simulation included) in this process and on a local
   Dask cluster of --jobs workers (started and closed by the run, start-up included),
   checked identical; the speed-up is the in-process time over the cluster's.

Usage: python benchmarks/recovery.py [--reps 100] [--dask-reps 200] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import time
import warnings

import pandas as pd
import statsmodels.api as sm
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test

from casework import engine
from casework.analysis import recovery
from casework.analysis.firth import firth_logit
from casework.analysis.logit import MODELS, design, model_frame
from casework.analysis.survival import COX_MODELS, FIT_OPTIONS
from casework.data.frames.improvement import regression_frame
from casework.data.frames.survival import CONCERNS, long_list_frame, urgent_action_frame
from casework.data.simulate import simulate_domains

SEED = 20190101


def prepared(frames: dict) -> dict:
    """The inputs of every bare fit of one replication, built before any timing."""
    reg = regression_frame(frames["sample"], frames["cases"])
    logits = [design(model_frame(reg, m)) for m in MODELS]
    ua = urgent_action_frame(frames["urgent_actions"])
    ua["entry"] = recovery.delayed_entry(frames["urgent_actions"])
    complete = ua.dropna(subset=list(CONCERNS))
    coxes = [((ua if n == 1 else complete)[[*covs, "duration", "released"]], None)
             for n, covs in COX_MODELS.items()]
    late = complete[complete.duration > complete.entry]
    coxes.append((late[[*COX_MODELS[4], "duration", "released", "entry"]], "entry"))
    lists = long_list_frame(frames["freethe20"])
    return {"logits": logits, "coxes": coxes, "lists": lists}


def bare(inputs: list[dict]) -> float:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for job in inputs:
            for y, X in job["logits"]:
                try:
                    sm.Logit(y, X).fit(disp=0, maxiter=100)
                except Exception:      # noqa: BLE001 - a separated sample still costs its fit
                    pass
                firth_logit(y, X, profile=False)
            for data, entry in job["coxes"]:
                try:
                    CoxPHFitter().fit(data.reset_index(drop=True), "duration", "released",
                                      entry_col=entry, fit_options=FIT_OPTIONS)
                except Exception:      # noqa: BLE001 - as above
                    pass
            f, featured = job["lists"], job["lists"].featured.astype(bool)
            logrank_test(f.duration[featured], f.duration[~featured], f.released[featured],
                         f.released[~featured])
    return time.perf_counter() - start


def study(all_frames: list[dict]) -> float:
    start = time.perf_counter()
    for frames in all_frames:
        ua = urgent_action_frame(frames["urgent_actions"])
        recovery.logit_rows(frames)
        recovery.cox_rows(frames, 0.95, recovery._cox_start(), ua)
        recovery.logrank_rows(frames)
        recovery.conditions_met(frames, ua)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=100, help="replications fitted both ways (default 100)")
    p.add_argument("--dask-reps", type=int, default=200, help="replications for the Dask comparison")
    p.add_argument("--jobs", type=int, default=2, help="workers of the local Dask cluster (default 2)")
    args = p.parse_args()
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

    recovery.replicate(SEED, 0)                      # imports, caseload, caches: not timed
    start, cpu = time.perf_counter(), time.process_time()
    all_frames = [simulate_domains(recovery.replication_seed(SEED, i), (), caseload=recovery._caseload(SEED))
                  for i in range(args.reps)]
    simulate, simulate_cpu = time.perf_counter() - start, time.process_time() - cpu
    cpu = time.process_time()
    fitted = study(all_frames)
    fitted_cpu = time.process_time() - cpu
    inputs = [prepared(f) for f in all_frames]
    cpu = time.process_time()
    library = bare(inputs)
    library_cpu = time.process_time() - cpu
    n = args.reps
    print(f"{n} replications, seconds per replication (wall; CPU): drawing the data {simulate / n:.3f}; "
          f"{simulate_cpu / n:.3f}; the study's fits, frames included {fitted / n:.3f}; {fitted_cpu / n:.3f}; "
          f"bare library fits {library / n:.3f}; {library_cpu / n:.3f}")
    print(f"ratio bare/study {library / fitted:.2f} wall, {library_cpu / fitted_cpu:.2f} CPU (target >= 1)")
    print(f"whole replication (draw + fits): {(simulate + fitted) / n:.3f} s wall, "
          f"{(simulate_cpu + fitted_cpu) / n:.3f} s CPU per replication")

    start = time.perf_counter()
    one = recovery.run_recovery(args.dask_reps, SEED)
    seq = time.perf_counter() - start
    start = time.perf_counter()
    with engine.open_engine(args.jobs) as eng:
        many = recovery.run_recovery(args.dask_reps, SEED, mapper=engine.engine_map(eng))
    dask = time.perf_counter() - start
    pd.testing.assert_frame_equal(one, many)
    print(f"{args.dask_reps} whole replications: this process {seq:.1f} s ({seq / args.dask_reps:.3f} s "
          f"per replication), local Dask cluster of {args.jobs} workers {dask:.1f} s (start-up included); "
          f"speed-up {seq / dask:.2f}; identical results")
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
