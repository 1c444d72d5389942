"""Power simulations against a bare statsmodels loop, and against the previous implementation.

1. Fits per second per core. For each design of notebooks/07_power.py at its published
   sample size, `simulate_power` runs --sims studies in this process (draw, separation
   screen, fit, Firth where needed); then a bare loop fits statsmodels' `Logit(y, X).fit()`
   (lifelines' CoxPHFitter for the Cox design) to the very same simulated samples. The
   ratio simulated/bare is the share of a bare fit's speed the simulation keeps
   (target >= 0.5 for the logits). 'ML only' compares the study's test with the bare
   fit on the samples fitted by maximum likelihood alone (the bare loop spends long
   on separated samples, which flatters the first ratio).
2. Notebook 07's simulations, cold: the whole grid of the three designs with the
   previous implementation (the power module of --base, loaded from git; a process
   pool) at --old-sims studies per point, against this one (a local Dask cluster
   started and closed by the run) at --new-sims, both on --jobs workers. The default
   compares 200 (the old default) with 2000 (the new one); --fraction scales both on a
   loaded machine, keeping their ratio.

Usage: python benchmarks/power.py [--sims 200] [--jobs 2] [--fraction 1] [--base REV] [--data data]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

from casework import engine
from casework.analysis import power
from casework.data import load

ROOT = Path(__file__).resolve().parents[1]
BASE = "7f1ec84"        # the last commit with the frame-per-study, process-pool implementation


def bare_logit(samples) -> float:
    """Seconds for a plain statsmodels Logit.fit on each (X, y) sample (failures included)."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for X, y in samples:
            try:
                sm.Logit(y, X).fit(disp=0, maxiter=100)
            except Exception:       # a singular sample costs what it costs
                pass
    return time.perf_counter() - start


def bare_cox(samples) -> float:
    """Seconds for a plain lifelines CoxPHFitter fit on each sample (as a frame)."""
    from lifelines import CoxPHFitter
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in samples:
            frame = pd.DataFrame({"duration": s.duration, "released": s.released, "x": s.treated})
            try:
                CoxPHFitter().fit(frame, "duration", "released")
            except Exception:
                pass
    return time.perf_counter() - start


def fit_rates(designs, sims: int, seed: int = 1) -> None:
    print(f"1. fits per second per core: {sims} simulated studies per design at the published n")
    print("   (ML only: the samples fitted by maximum likelihood, the study's test alone against the")
    print("   bare fit; the separated ones, which the bare loop iterates to its limit, left out)")
    print(f"{'design':34}{'n':>6}{'simulated/s':>13}{'bare/s':>9}{'ratio':>8}{'ML only':>9}  bare fit")
    for stream, d in enumerate(designs):
        d.draw(np.random.default_rng(0), 2)               # build the design's population first
        start = time.perf_counter()
        res = power.simulate_power(d.draw, d.fit, [d.published_n], sims, seed, stream=stream)
        simulated = time.perf_counter() - start
        samples = [d.draw(np.random.default_rng(power.simulation_seed(seed, stream, d.published_n, i)),
                          d.published_n) for i in range(sims)]
        cox = d.ratio == "hazard ratio"
        bare = bare_cox(samples) if cox else bare_logit(samples)
        ml_only = ""
        if not cox:
            ml = [s for s, m in zip(samples, res.runs["method"]) if m == "maximum likelihood"]
            start = time.perf_counter()
            for s in ml:
                d.fit(s)
            tested = time.perf_counter() - start
            ml_only = f"{bare_logit(ml) / tested:9.2f}"
        print(f"{d.label:34}{d.published_n:6d}{sims / simulated:13.0f}{sims / bare:9.0f}"
              f"{bare / simulated:8.2f}{ml_only:>9}  {'lifelines CoxPHFitter' if cox else 'statsmodels Logit'}")


def previous_module(base: str):
    """The power module of commit `base`, imported beside today's (relative imports resolve)."""
    try:
        text = subprocess.run(["git", "show", f"{base}:src/casework/analysis/power.py"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        print(f"   (no previous implementation: git show {base} failed: {err})")
        return None
    path = Path(tempfile.mkdtemp()) / "power_previous.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("casework.analysis.power_previous", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def notebook_grid(module, urgent_actions, **logit):
    designs = [module.regression_design("upr_open", **logit),
               module.regression_design("business_all", **logit),
               module.freethe20_design(urgent_actions)]
    return [(d, module.size_grid(d.published_n, 0.5, 4.0, 7)) for d in designs]


def cold_07(urgent_actions, old_sims: int, new_sims: int, jobs: int, base: str) -> None:
    print(f"\n2. notebook 07's simulations, cold (every design and size; {jobs} workers)")
    old = previous_module(base)
    if old is not None:
        start = time.perf_counter()
        for i, (d, sizes) in enumerate(notebook_grid(old, urgent_actions)):
            old.simulate_power(d.draw, d.fit, sizes, old_sims, 20190807, jobs=jobs, stream=i)
        t_old = time.perf_counter() - start
        fits_old = old_sims * sum(len(s) for _, s in notebook_grid(power, urgent_actions))
        print(f"   previous ({base}, process pool) at {old_sims:>6,} per point: {t_old:7.1f} s  "
              f"({fits_old / t_old:6.0f} fits/s)")
    start = time.perf_counter()
    grid = notebook_grid(power, urgent_actions, pool_seed=20190807)
    with engine.open_engine(jobs) as eng:
        for i, (d, sizes) in enumerate(grid):
            power.simulate_power(d.draw, d.fit, sizes, new_sims, 20190807, engine=eng, stream=i)
    t_new = time.perf_counter() - start
    fits_new = new_sims * sum(len(s) for _, s in grid)
    print(f"   this one (Dask, cluster start included) at {new_sims:>6,} per point: {t_new:7.1f} s  "
          f"({fits_new / t_new:6.0f} fits/s)")
    if old is not None:
        print(f"   time ratio new/old: {t_new / t_old:.2f} for {new_sims / old_sims:.0f}x the simulations "
              f"(<= 1 means {new_sims:,} now cost no more than {old_sims:,} did)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=200, help="studies per design for the fit rates")
    parser.add_argument("--jobs", type=int, default=engine.available_cores(), help="workers for part 2")
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="scale part 2's 200 and 2000 studies per point (e.g. 0.1 on a busy machine)")
    parser.add_argument("--base", default=BASE, help="git revision of the previous implementation")
    parser.add_argument("--data", default=str(ROOT / "data"), help="data folder (for Free the 20)")
    parser.add_argument("--skip-cold", action="store_true", help="only part 1")
    args = parser.parse_args()

    urgent_actions = load(Path(args.data), only=["urgent_actions"])["urgent_actions"]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    designs = [power.regression_design("upr_open"), power.regression_design("business_all"),
               power.freethe20_design(urgent_actions)]
    fit_rates(designs, args.sims)
    if not args.skip_cold:
        cold_07(urgent_actions, max(2, round(200 * args.fraction)), max(20, round(2000 * args.fraction)),
                args.jobs, args.base)


if __name__ == "__main__":      # Dask workers are spawned: they must not run this again
    main()
