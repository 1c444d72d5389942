"""How much the cached, parallel `casework run` saves over executing every notebook in turn.

On a scratch copy of the project (notebooks/*.py, params/, data/, _quarto.yml), with a
snapshot of the casework code, it times

  cold      `casework run` on a fresh copy (every notebook executes)
  no-op     `casework run` again (everything cached)
  edit      `casework run` after editing one notebook's source
  baseline  the same notebooks one after another with `jupyter nbconvert --to notebook
            --execute` (converted from .py with jupytext first, untimed)

and prints each time with its ratio to the baseline. Usage: python benchmarks/build.py [--jobs N]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_GLOB = "[0-9]*_*.py"


def scratch_copy(dest: Path) -> Path:
    """Copy what a build reads into dest; simulate data there when the project has none."""
    (dest / "notebooks").mkdir(parents=True)
    for source in sorted((ROOT / "notebooks").glob(NOTEBOOK_GLOB)):
        shutil.copy2(source, dest / "notebooks" / source.name)
    shutil.copy2(ROOT / "_quarto.yml", dest / "_quarto.yml")
    for folder in ("params", "data"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dest / folder)
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


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default 2)")
    jobs = str(args.parse_args().jobs)
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        snapshot_code(Path(tmp) / "src")
        project = scratch_copy(Path(tmp) / "project")
        names = [p.stem for p in sorted((project / "notebooks").glob(NOTEBOOK_GLOB))]
        if not names:
            sys.exit("no notebooks/NN_name.py to benchmark")
        run = ("-m", "casework.cli", "run", "--jobs", jobs)
        timings = {"cold": command(project, *run), "no-op": command(project, *run)}
        edited = project / "notebooks" / f"{names[0]}.py"
        edited.write_text(edited.read_text() + "\n# benchmark: an edit\n")
        timings["edit"] = command(project, *run)
        base = baseline(scratch_copy(Path(tmp) / "baseline"))

    print(f"{len(names)} notebooks ({', '.join(names)}); --jobs {jobs}; edited: {names[0]}")
    print(f"{'':10}{'seconds':>9}{'× baseline':>12}   casework's summary")
    print(f"{'baseline':10}{base:9.2f}{1:12.3f}")
    for label, (seconds, summary) in timings.items():
        print(f"{label:10}{seconds:9.2f}{seconds / base:12.3f}   {summary}")


if __name__ == "__main__":
    main()
