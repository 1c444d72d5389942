"""Same seed, same data on every machine: `casework simulate` under other numpy dispatch
levels, thread counts and hash seeds writes the committed tables byte for byte.

numpy picks SIMD kernels at import (AVX-512, AVX2, baseline); kernels may order equal sort
keys differently, so a generator that let a sort break ties would write other data on
another CPU. NPY_DISABLE_CPU_FEATURES makes this machine behave like a smaller one; each
variant checks in its own process that the setting took effect (numpy's
__cpu_features__) and reports, by skipping, a variant this CPU cannot show (disabling a
feature it lacks changes nothing).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from casework.data.codebook import tables

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data"
# Checksums of `casework simulate --scale 2` (default seed), recorded on the machine that
# regenerated data/ and checked on every other: write them again (see _record_scale2)
# whenever data/ is regenerated.
SCALE2 = Path(__file__).parent / "fixtures" / "scale2_checksums.json"
# numpy >= 2.4 names its x86 dispatch groups X86_V3 (AVX2 ...), X86_V4 (AVX-512 F/CD/
# VL/BW/DQ), AVX512_ICL; older names such as AVX512F are silently ignored.
VARIANTS = {
    "as installed": {},
    "no AVX-512": {"NPY_DISABLE_CPU_FEATURES": "AVX512_ICL X86_V4"},
    "no AVX-512, no AVX2": {"NPY_DISABLE_CPU_FEATURES": "AVX512_ICL X86_V4 X86_V3"},
    "one thread, other hash seed": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                                    "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "12345"},
    "three threads, hash seed 0": {"OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "3",
                                   "PYTHONHASHSEED": "0"},
}
# Runs `casework simulate` (the CLI's main) after printing which dispatch groups numpy
# enabled in this very process.
SIMULATE = """
import json, sys
try:
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
except ImportError:                      # numpy < 2
    from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
print(json.dumps({f: bool(__cpu_features__.get(f)) for f in __cpu_dispatch__}), file=sys.stderr)
from casework.cli import main
sys.exit(main(["simulate", *sys.argv[1:]]))
"""


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")}
    return {**env, **extra}


def _simulate(out: Path, extra: dict[str, str], *args: str) -> tuple[dict[str, bool], dict[str, str]]:
    """(numpy's enabled dispatch groups, SHA-256 per table) of one `casework simulate` run."""
    run = subprocess.run([sys.executable, "-c", SIMULATE, "--out", str(out), *args],
                         cwd=ROOT, env=_env(extra), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    features = json.loads(run.stderr.strip().splitlines()[0])
    sums = {name: hashlib.sha256((out / t.path).read_bytes()).hexdigest()
            for name, t in tables().items()}
    return features, sums


@cache
def _runs(tmp: str) -> dict[str, tuple[dict[str, bool], dict[str, str]]]:
    """Every variant at scale 1, two at a time (the machine has two cores)."""
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(_simulate, Path(tmp) / f"v{i}", extra)
                   for i, (name, extra) in enumerate(VARIANTS.items())}
        return {name: f.result() for name, f in futures.items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return _runs(str(tmp_path_factory.mktemp("reproducible")))


def _committed() -> dict[str, str]:
    return json.loads((COMMITTED / "datapackage.json").read_text())["provenance"]["checksums"]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_simulate_writes_the_committed_tables_under_every_variant(runs, variant):
    features, sums = runs[variant]
    baseline, _ = runs["as installed"]
    disabled = VARIANTS[variant].get("NPY_DISABLE_CPU_FEATURES", "").split()
    # The setting took effect: every group named is off in the simulating process.
    assert not any(features.get(f) for f in disabled), features
    mismatched = [t for t in sums if sums[t] != _committed()[t]]
    assert not mismatched, f"{variant}: {mismatched} differ from data/datapackage.json"
    if disabled and not any(baseline.get(f) for f in disabled):
        pytest.skip(f"this CPU has none of {', '.join(disabled)}: disabling them changes "
                    "nothing, so this variant shows no other dispatch level (tables matched)")


def test_the_committed_checksums_are_those_of_the_committed_files():
    for name, table in tables().items():
        digest = hashlib.sha256((COMMITTED / table.path).read_bytes()).hexdigest()
        assert digest == _committed()[name], table.path


def test_simulate_scale_2_is_the_same_under_the_extreme_variants(tmp_path):
    """Scale 2 on the default and the smallest dispatch level with one thread and another
    hash seed, in parallel; both must write the checksums recorded in the fixture."""
    smallest = {**VARIANTS["no AVX-512, no AVX2"], **VARIANTS["one thread, other hash seed"]}
    with ThreadPoolExecutor(2) as pool:
        default = pool.submit(_simulate, tmp_path / "a", {}, "--scale", "2")
        small = pool.submit(_simulate, tmp_path / "b", smallest, "--scale", "2")
        (_, a), (features, b) = default.result(), small.result()
    assert not features.get("X86_V3") and not features.get("X86_V4"), features
    assert a == b
    assert a == json.loads(SCALE2.read_text()), (
        f"scale-2 checksums differ from {SCALE2.name}; if data/ was regenerated on purpose, "
        "record them again (python tests/test_reproducible.py)")


def _record_scale2() -> None:
    """Write the fixture: the checksums of `casework simulate --scale 2` on this machine."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        _, sums = _simulate(Path(tmp) / "data", {}, "--scale", "2")
    SCALE2.write_text(json.dumps(sums, indent=1) + "\n")
    print(f"wrote {SCALE2}")


if __name__ == "__main__":
    _record_scale2()


# --- the tie-breaks themselves, on hand-made ties -------------------------------------

def test_largest_remainder_is_exact_and_gives_tied_remainders_to_the_earlier_position():
    from casework.data.simulate.caseload import _largest_remainder
    assert _largest_remainder([1, 1, 1], 2).tolist() == [1, 1, 0]
    assert _largest_remainder([1, 1, 1, 1], 6).tolist() == [2, 2, 1, 1]
    # Shares that are no exact binary fractions still give their whole quotas exactly.
    assert _largest_remainder([0.1, 0.2, 0.7], 10).tolist() == [1, 2, 7]
    assert _largest_remainder([0.3, 0.3, 0.4], 1000).tolist() == [300, 300, 400]


def test_flags_among_equal_scores_go_to_the_earlier_cases():
    from casework.data.simulate.caseload import _exactly
    u = np.array([0.5, 0.2, 0.5, 0.5, 0.2, 0.9])   # cases of one letter share a draw
    assert np.flatnonzero(_exactly(u, np.ones(6), 3)).tolist() == [0, 1, 4]
    among = np.array([True, False, True, True, False, True])
    assert np.flatnonzero(_exactly(u, np.ones(6), 2, among)).tolist() == [0, 2]


def test_weighted_order_keeps_position_order_among_equal_keys():
    from casework.data.simulate.caseload import _weighted_order

    class Fixed:   # a generator whose uniforms tie
        def random(self, n):
            return np.full(n, 0.5)
    idx = np.arange(10, 20)
    assert _weighted_order(Fixed(), idx, np.ones(10)).tolist() == idx.tolist()


def test_linear_predictor_sums_columns_in_order_and_equals_the_matrix_product():
    from casework.data.frames.improvement import TABLE1
    from casework.data.simulate.impact import _predictor, coefficients
    beta = coefficients("all")
    x = np.random.default_rng(1).normal(size=(50, len(TABLE1)))
    expected = beta["const"] + x @ beta[list(TABLE1.values())].to_numpy()
    assert np.allclose(_predictor(x, beta), expected, rtol=1e-12, atol=1e-12)


def test_a_cox_covariate_level_without_release_is_found_before_fitting():
    import pandas as pd

    from casework.analysis.multiverse import _level_without_release
    base = pd.DataFrame({"duration": [1.0, 2, 3, 4, 5, 6], "released": [1, 0, 1, 1, 0, 1],
                         "freethe20": [0, 1, 0, 1, 0, 1]})
    assert _level_without_release(base) is None
    # a binary covariate whose 1-level never sees a release
    assert _level_without_release(base.assign(poc=[0, 1, 0, 0, 1, 0])) == "poc = 1"
    # every region dummy has releases, but the reference region (all dummies 0) has none
    regions = base.assign(region_asia=[1, 0, 0, 1, 0, 0], region_africa=[0, 0, 1, 0, 0, 1])
    assert _level_without_release(regions) == "the reference region (Other)"


# Fits the Firth variant of the robustness table (models 1-3, profile intervals and
# tests) on the committed data and prints every number at full precision.
FIRTH = """
import json, sys
from casework.data import load
from casework.analysis import logit_robustness as rob
data = load("data", only=["sample", "cases"])
variant = next(v for v in rob.standard_variants({}) if v.method == "firth")
long = rob.fit_variant(data["sample"], data["cases"], variant, {})
assert not long["note"].str.contains("not estimable").any(), long["note"].tolist()
cells = long.set_index(["model", "term"]).select_dtypes("number").stack()
print(json.dumps({"|".join(map(str, k)): float(v) for k, v in cells.items()}))
"""


def test_firth_estimates_agree_to_1e_10_without_avx512_and_avx2():
    """Firth fits stopped at |score| < tol sat up to 1e-7 (relative) apart between SIMD
    levels; polished to the root by Newton, they agree to rounding (firth._polish)."""
    def fit(extra):
        run = subprocess.run([sys.executable, "-c", FIRTH], cwd=ROOT, env=_env(extra),
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        return json.loads(run.stdout)

    with ThreadPoolExecutor(2) as pool:
        here, small = pool.map(fit, [{}, {**VARIANTS["no AVX-512, no AVX2"], "OMP_NUM_THREADS": "1",
                                          "OPENBLAS_NUM_THREADS": "1"}])
    assert here.keys() == small.keys() and len(here) > 100
    finite = [k for k in here if np.isfinite(here[k])]
    assert [k for k in here if k not in finite] == [k for k in small if not np.isfinite(small[k])]
    np.testing.assert_allclose([small[k] for k in finite], [here[k] for k in finite],
                               rtol=1e-10, atol=1e-12)
