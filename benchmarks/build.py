"""How the cached, parallel `casework run` compares with executing every notebook in turn.

On a scratch copy of the project (the files git tracks, without src/), with a snapshot
of the casework code, it times

  baseline  the notebooks one after another with `jupyter nbconvert --to notebook
            --execute` (converted from .py with jupytext first, untimed): the naive peer
  cold      `casework run` on a fresh copy (every notebook executes)
  no-op     `casework run` again (everything cached), and `casework build` (what
            `make report` runs: run + render) with nothing to do
  reviewer  `casework run -p confidence=0.9` after the cold build (what a reviewer's
            one-parameter rebuild costs)
  edit      `casework run` after editing one notebook's source

and prints each time with its ratio to the baseline (the no-ops in seconds: they are
wall-clock targets). With --load N, baseline and cold build are measured a second time,
right after the first pair, while N busy processes (one pure-Python loop each) compete
for the cores, as on a shared server, and both ratios are reported: quiet and under load.
Each ratio comes from one run. The machine's load average is printed with each line
(other jobs on a shared machine load it too).

Usage: python benchmarks/build.py [--jobs N] [--load N]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_GLOB = "[0-9]*_*.py"
BUSY = "while True: pass"


def scratch_copy(dest: Path) -> Path:
    """Copy the files git tracks (not src/: the snapshot is imported) into dest; simulate
    data there when the project has none."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True)
    files = [f for f in listed.stdout.split("\0") if f] if listed.returncode == 0 else []
    if not files:  # not a git checkout: what a build reads
        files = [p.relative_to(ROOT).as_posix() for folder in ("notebooks", "params", "data")
                 for p in (ROOT / folder).rglob("*") if p.is_file()] + ["_quarto.yml"]
    for rel in files:
        if rel.startswith(("src/", "tests/", "benchmarks/")) or not (ROOT / rel).is_file():
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)
    if not (dest / "data" / "datapackage.json").is_file():
        print("(no data/datapackage.json in the project: simulating the default data)")
        command(dest, "-m", "casework.cli", "simulate", "--out", str(dest / "data"))
    return dest


def snapshot_code(dest: Path) -> None:
    """Freeze the casework code for the whole benchmark: every process imports this copy
    (PYTHONPATH), so an edit to the working tree meanwhile does not invalidate the cache."""
    shutil.copytree(ROOT / "src" / "casework", dest / "casework",
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(dest), os.environ.get("PYTHONPATH")]))


def command(root: Path, *args: str) -> tuple[float, str]:
    """Run `python args...` in project root; return the wall time and the last line it
    printed on stderr (casework's summary); stop on failure."""
    env = {**os.environ, "CASEWORK_ROOT": str(root)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=root, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"failed: python {' '.join(args)}\n{done.stderr[-3000:]}")
    lines = done.stderr.strip().splitlines()
    return took, lines[-1] if lines else ""


def baseline(root: Path) -> float:
    """Every notebook in sequence with nbconvert, in its own copy of the project."""
    notebooks = sorted((root / "notebooks").glob(NOTEBOOK_GLOB))
    for source in notebooks:
        command(root, "-m", "jupytext", "--quiet", "--to", "ipynb", str(source))
    return sum(command(root, "-m", "nbconvert", "--to", "notebook", "--execute",
                       "--output-dir", str(root / "executed"), str(source.with_suffix(".ipynb")))[0]
               for source in notebooks)


@contextlib.contextmanager
def busy(n: int):
    """n processes spinning on a core each while the block runs (none for n = 0)."""
    procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def shown(label: str, seconds: float, ref: float | None = None, summary: str = "") -> None:
    """One line as soon as it is measured (a long benchmark stopped early still says
    something), with the load average of the last minute at its end."""
    ratio = f"{seconds / ref:12.3f}" if ref else f"{'':12}"
    load = f"{os.getloadavg()[0]:6.1f}" if hasattr(os, "getloadavg") else f"{'':6}"
    print(f"{label:15}{seconds:9.2f}{ratio}{load}   {summary}", flush=True)


def cold_build(tmp: Path, label: str, jobs: str) -> tuple[Path, tuple[float, str]]:
    project = scratch_copy(tmp / f"project-{label}")
    return project, command(project, "-m", "casework.cli", "run", "--jobs", jobs)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default 2)")
    args.add_argument("--load", type=int, default=0,
                      help="also measure baseline and cold build beside N busy processes")
    opts = args.parse_args()
    jobs = str(opts.jobs)
    run = ("-m", "casework.cli", "run", "--jobs", jobs)
    print(f"--jobs {jobs}; {os.cpu_count()} cores" + (f"; load: {opts.load} busy processes" if opts.load else ""))
    print(f"{'':15}{'seconds':>9}{'× baseline':>12}{'load':>6}   casework's summary", flush=True)
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as name:
        tmp = Path(name)
        snapshot_code(tmp / "src")
        base = {"quiet": baseline(scratch_copy(tmp / "baseline-quiet"))}
        shown("baseline", base["quiet"], base["quiet"])
        project, cold = cold_build(tmp, "quiet", jobs)
        names = [p.stem for p in sorted((project / "notebooks").glob(NOTEBOOK_GLOB))]
        timings = {"cold": cold}
        shown("cold", *cold[:1], base["quiet"], cold[1])
        if opts.load:  # the two ratios first: a run stopped early still has both
            with busy(opts.load):
                base["load"] = baseline(scratch_copy(tmp / "baseline-load"))
                shown("baseline, load", base["load"], base["load"])
                timings["cold, load"] = cold_build(tmp, "load", jobs)[1]
                shown("cold, load", timings["cold, load"][0], base["load"], timings["cold, load"][1])
        build = ("-m", "casework.cli", "build", "--jobs", jobs, "--renderer", "builtin")
        command(project, *build)  # the first render (untimed): the site the no-op keeps
        for label, args in (("no-op run", run), ("no-op build", build),
                            ("reviewer", (*run, "-p", "confidence=0.9"))):
            timings[label] = command(project, *args)
            shown(label, timings[label][0], base["quiet"], timings[label][1])
        edited = project / "notebooks" / f"{names[0]}.py"
        edited.write_text(edited.read_text() + "\n# benchmark: an edit\n")
        timings["edit"] = command(project, *run)
        shown("edit", timings["edit"][0], base["quiet"], timings["edit"][1])

    print(f"{len(names)} notebooks ({', '.join(names)}); edited: {names[0]}")
    ratios = [f"quiet {timings['cold'][0] / base['quiet']:.2f}× (target ≤ 0.6)"]
    if opts.load:
        ratios.append(f"under load {timings['cold, load'][0] / base['load']:.2f}× (target ≤ 1.0)")
    print("cold build / baseline: " + "; ".join(ratios))
    print(f"no-op: run {timings['no-op run'][0]:.2f} s, build {timings['no-op build'][0]:.2f} s "
          "(target < 0.5 s each); reviewer's rebuild (-p confidence=0.9) "
          f"{timings['reviewer'][0]:.1f} s, {timings['reviewer'][0] / timings['cold'][0]:.2f}× the cold build")


if __name__ == "__main__":
    main()
