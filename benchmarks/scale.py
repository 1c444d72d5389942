"""What larger data cost: `casework validate` and `casework run 01_caseload` at 1x, 10x, 50x.

Data K times the default size come from `casework simulate --scale K` (K independent
draws of the default design) in a scratch folder. On a scratch copy of the project
(notebooks, params, _quarto.yml, a snapshot of the casework code) it times

  validate  `casework validate DIR`
  run       `casework run 01_caseload --data DIR --force --jobs 1`

each in a fresh process, with the peak resident memory of its largest process (the
notebook's kernel for `run`; getrusage RUSAGE_CHILDREN of a wrapper process), and prints
time and memory with their ratios to 1x and the time per 1x of data (seconds / K).
Usage: python benchmarks/scale.py [--scales 1,10,50] [--notebook 01_caseload]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs the command given as arguments and prints its wall time and the largest peak RSS
# among the processes it waited for (kernels included): a fresh wrapper per measurement,
# since RUSAGE_CHILDREN keeps the maximum over a process's whole life.
WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
took = time.perf_counter() - start
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": took, "mib": kib / 1024, "code": done.returncode,
                  "stderr": done.stderr[-3000:]}))
"""


def measure(project: Path, *args: str) -> dict:
    """Wall time and peak memory of `python -m casework.cli args...` in the project; stop on failure."""
    env = {**os.environ, "CASEWORK_ROOT": str(project)}
    out = subprocess.run([sys.executable, "-c", WRAPPER, sys.executable, "-m", "casework.cli", *args],
                         cwd=project, env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    if result["code"]:
        sys.exit(f"failed: casework {' '.join(args)}\n{result['stderr']}")
    return result


def scratch_project(dest: Path) -> Path:
    """Notebooks, params and site config of the project, plus a frozen copy of the code."""
    shutil.copytree(ROOT / "notebooks", dest / "notebooks",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    shutil.copytree(ROOT / "params", dest / "params")
    shutil.copy2(ROOT / "_quarto.yml", dest / "_quarto.yml")
    shutil.copytree(ROOT / "src" / "casework", dest / "src" / "casework",
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(dest / "src"), os.environ.get("PYTHONPATH")]))
    return dest


def scales(text: str) -> list[int]:
    values = [int(v) for v in text.split(",")]
    if not values or min(values) < 1 or values[0] != 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected whole numbers >= 1, starting with 1")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=scales, default=[1, 10, 50],
                        help="data sizes, multiples of the default, first 1 (default 1,10,50)")
    parser.add_argument("--notebook", default="01_caseload", help="notebook to run (default 01_caseload)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="casework-scale-") as tmp:
        project = scratch_project(Path(tmp) / "project")
        for k in args.scales:
            data = Path(tmp) / f"data-{k}x"
            made = measure(project, "simulate", "--scale", str(k), "--out", str(data))
            size = sum(f.stat().st_size for f in (data / "raw").glob("*.csv")) / 2 ** 20
            checked = measure(project, "validate", str(data))
            ran = measure(project, "run", args.notebook, "--data", str(data), "--force", "--jobs", "1")
            rows.append((k, size, made, checked, ran))
            print(f"  {k}x: {size:.1f} MiB of CSV; simulate {made['seconds']:.1f} s; validate "
                  f"{checked['seconds']:.1f} s, {checked['mib']:.0f} MiB; run {ran['seconds']:.1f} s, "
                  f"{ran['mib']:.0f} MiB", file=sys.stderr)  # partial results survive an interruption

    _, _, _, base_v, base_r = rows[0]
    print(f"casework validate and casework run {args.notebook} on data K times the default size")
    print(f"{'K':>4}{'CSV MiB':>9} | {'validate s':>10}{'x 1x':>7}{'s/K':>7}{'MiB':>7}{'x 1x':>6}"
          f" | {'run s':>7}{'x 1x':>7}{'s/K':>7}{'MiB':>7}{'x 1x':>6}")
    for k, size, _, v, r in rows:
        print(f"{k:4d}{size:9.1f} | {v['seconds']:10.2f}{v['seconds'] / base_v['seconds']:7.2f}"
              f"{v['seconds'] / k:7.2f}{v['mib']:7.0f}{v['mib'] / base_v['mib']:6.2f}"
              f" | {r['seconds']:7.2f}{r['seconds'] / base_r['seconds']:7.2f}"
              f"{r['seconds'] / k:7.2f}{r['mib']:7.0f}{r['mib'] / base_r['mib']:6.2f}")


if __name__ == "__main__":
    main()
