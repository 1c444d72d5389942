"""`casework verify` and the reference build: tolerance per kind, drift detection, the file.

The last test is CI's check that the committed reference is current: it verifies the
default build the suite already made (built_project; `casework verify` then restores it
from the cache, no kernel runs).
"""
from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from casework.cli import main
from casework.pipeline.reference import (ReferenceError, Value, collect, infer_kind,
                                         read_reference, reference_path, write_reference)
from casework.pipeline.verify import compare, report, verify

ROOT = Path(__file__).resolve().parents[1]


def v(value, kind=None, mcse=None, key="x", notebook="01_caseload") -> Value:
    return Value(notebook, key, kind or infer_kind(value), value, mcse)


def drifted(ref: Value, now: Value) -> bool:
    drifts, compared = compare([ref], [now])
    assert compared == 1
    return bool(drifts)


@pytest.mark.parametrize("value, kind", [(True, "decision"), (3, "count"), (0.5, "estimate"),
                                         ("closed", "string"), (None, "missing"),
                                         (math.nan, "missing")])
def test_kind_is_inferred_from_the_type(value, kind):
    assert infer_kind(value) == kind


@pytest.mark.parametrize("ref, now", [
    (v(461), v(462)),                               # a count moved by one
    (v(True), v(False)),                            # a decision flipped
    (v(1), v(True)),                                # a count became a decision
    (v("closed"), v("open")),                       # a string changed
    (v(None), v(0.1)),                              # a missing value appeared
    (v(0.5, "sign"), v(-0.1, "sign")),              # a sign flipped
    (v(1.2345, "estimate"), v(1.2345 * (1 + 2e-8))),  # beyond relative 1e-8
    (v(0.0312, "p"), v(0.0312 * (1 - 3e-8))),       # a p-value, same rule
    (v(1e-12), v(2e-10)),                           # near zero: beyond the 1e-10 floor
    (v(0.80, "mc", 0.01), v(0.831)),                # beyond three Monte Carlo SE
    (v(0.80, "mc", 0.0), v(0.8 + 1e-6)),            # an MC SE of 0 leaves the estimate rule
])
def test_drift_of_each_kind_is_detected(ref, now):
    assert drifted(ref, now)


@pytest.mark.parametrize("ref, now", [
    (v(461), v(461)),
    (v(False), v(False)),
    (v("closed"), v("closed")),
    (v(None), v(None)),
    (v(0.5, "sign"), v(0.7, "sign")),               # a sign holds whatever the size
    (v(1.2345, "estimate"), v(1.2345 * (1 + 5e-9))),  # inside relative 1e-8
    (v(-0.0312, "p"), v(-0.0312 * (1 + 9e-9))),
    (v(1e-12), v(5e-11)),                           # near zero: inside the floor
    (v(0.80, "mc", 0.01), v(0.829)),                # inside three Monte Carlo SE
    (v(0.80, "mc", 0.01), v(0.771)),
])
def test_drift_inside_the_tolerance_is_accepted(ref, now):
    assert not drifted(ref, now)


def test_values_missing_or_extra_on_either_side_are_drift():
    ref = [v(1, key="a"), v(2, key="b")]
    now = [v(1, key="a"), v(3, key="c")]
    drifts, compared = compare(ref, now)
    assert compared == 3
    assert sorted(d.key for d in drifts) == ["b", "c"]


def test_report_prints_one_line_per_drift_and_a_summary():
    drifts, compared = compare([v(461, key="n_all", notebook="04_regressions"), v(0.5, key="ok")],
                               [v(460, key="n_all", notebook="04_regressions"), v(0.5, key="ok")])
    out = io.StringIO()
    assert report(drifts, compared, "reference/default.tsv", out) == 1
    lines = out.getvalue().splitlines()
    assert lines == ["04_regressions\tn_all\treference 461\tnow 460\tallowed exact",
                     "verify: 1 of 2 values drifted from reference/default.tsv"]
    out = io.StringIO()
    assert report([], 2, "reference/default.tsv", out) == 0
    assert out.getvalue().startswith("verify: all 2 values match reference/default.tsv")


def test_monte_carlo_drift_line_states_its_allowance():
    drifts, _ = compare([v(0.8, "mc", 0.01, key="power")], [v(0.9, "mc", 0.01, key="power")])
    assert drifts[0].line().endswith("allowed ±0.03 (3 Monte Carlo SE of 0.01)")


def test_the_reference_file_keeps_every_bit(tmp_path):
    values = [v(0.1 + 0.2, key="a"), v(1 / 3, "p", key="b"), v(5e-324, key="c"),
              v(0.8123456789012345, "mc", 0.0087654321, key="d"), v("tab\there", key="e"),
              v(None, key="f"), v(True, key="g"), v(12086, key="h"), v(-0.25, "sign", key="i")]
    path = write_reference(values, tmp_path / "reference" / "default.tsv", "a comment\nsecond line")
    assert read_reference(path) == values
    lines = path.read_text().splitlines()
    assert lines[:3] == ["# a comment", "# second line", "notebook\tkey\tkind\tvalue\tmcse"]
    assert len(lines) == 3 + len(values)


@pytest.mark.parametrize("text, message", [
    ("notebook\tkey\n", r"line 1: expected the header notebook key kind value mcse"),
    ("notebook\tkey\tkind\tvalue\tmcse\nnb\tk\tcount\t3\n", r"line 2: expected 5 tab-separated"),
    ("notebook\tkey\tkind\tvalue\tmcse\nnb\tk\tguess\t3\t\n", r"line 2: kind 'guess'"),
    ("notebook\tkey\tkind\tvalue\tmcse\nnb\tk\tcount\topen(1)\t\n", r"line 2: value or mcse is not"),
    ("# only a comment\n", r"no header line"),
])
def test_a_malformed_reference_is_named_by_line(tmp_path, text, message):
    path = tmp_path / "default.tsv"
    path.write_text(text)
    with pytest.raises(ReferenceError, match=message):
        read_reference(path)


def _results(root: Path) -> Path:
    """A results folder as a build leaves it: notebook values, scorecard, exported tables."""
    results = root / "results"
    (results / "tables").mkdir(parents=True)
    doc = {"notebook": "07_power", "values": {
        "power": {"value": 0.81, "display": "81%", "kind": "mc", "mcse": 0.0088},
        "n_sims": {"value": 2000, "display": "2000"},
        "grid": {"value": ["a", "b"], "display": "a, b"},
        "missing": {"value": None, "display": "n/a"},
        "coef_sign": {"value": -0.4, "display": "-0.40", "kind": "sign"}}}
    (results / "07_power.json").write_text(json.dumps(doc))
    (results / "_build.json").write_text("{}")                         # not recorded values
    (results / "scorecard.json").write_text(json.dumps(
        {"notebook": "scorecard", "values": {"share_held": {"value": 0.75, "display": "75%"}}}))
    (results / "scorecard.csv").write_text("study,section,estimate,published,computed,holds\n"
                                           "WP2019,Table 1,n,461,461,True\n"
                                           "WP2019,Table 1,n,238,240,False\n")
    (results / "tables" / "04_table1.csv").write_text("row,(1)\nPolity,-0.05 (0.02)\n")
    return results


def test_collect_reads_every_recorded_value_with_its_kind(tmp_path):
    _results(tmp_path)
    got = {(x.notebook, x.key): (x.kind, x.value, x.mcse) for x in collect(tmp_path)}
    assert got == {
        ("07_power", "power"): ("mc", 0.81, 0.0088),
        ("07_power", "n_sims"): ("count", 2000, None),
        ("07_power", "grid[0]"): ("string", "a", None),
        ("07_power", "grid[1]"): ("string", "b", None),
        ("07_power", "missing"): ("missing", None, None),
        ("07_power", "coef_sign"): ("sign", -0.4, None),
        ("scorecard", "share_held"): ("estimate", 0.75, None),
        ("scorecard", "WP2019 | Table 1 | n | published"): ("count", 461, None),
        ("scorecard", "WP2019 | Table 1 | n | computed"): ("count", 461, None),
        ("scorecard", "WP2019 | Table 1 | n | holds"): ("decision", True, None),
        ("scorecard", "WP2019 | Table 1 | n #2 | published"): ("count", 238, None),
        ("scorecard", "WP2019 | Table 1 | n #2 | computed"): ("count", 240, None),
        ("scorecard", "WP2019 | Table 1 | n #2 | holds"): ("decision", False, None),
        ("tables/04_table1", "row 1 (Polity) | (1)"): ("string", "-0.05 (0.02)", None),
    }


def test_collect_rejects_an_unknown_kind_naming_file_and_key(tmp_path):
    results = _results(tmp_path)
    doc = json.loads((results / "07_power.json").read_text())
    doc["values"]["n_sims"]["kind"] = "guess"
    (results / "07_power.json").write_text(json.dumps(doc))
    with pytest.raises(ReferenceError, match=r"results/07_power.json: value 'n_sims' has kind 'guess'"):
        collect(tmp_path)


def test_collect_without_results_says_build_first(tmp_path):
    with pytest.raises(ReferenceError, match=r"results/ is missing: build first"):
        collect(tmp_path)


def test_verify_without_a_committed_reference_says_so_in_one_line(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    assert verify(tmp_path, Path("params/sensitivity.yml"), False, out, err) == 2
    assert err.getvalue().splitlines() == [
        "error: no reference build is committed for params/sensitivity.yml (expected "
        "reference/sensitivity.tsv; `make reference PARAMS=params/sensitivity.yml` writes one)"]
    assert reference_path(tmp_path, None) == tmp_path / "reference" / "default.tsv"


@pytest.mark.parametrize("argv, message", [
    (["verify", "--params", "params/nowhere.yml"], "error: --params params/nowhere.yml: no such file"),
    (["reference", "--params", "params/nowhere.yml"], "error: --params params/nowhere.yml: no such file"),
])
def test_bad_arguments_give_one_line(capsys, argv, message):
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [message]


def test_a_params_file_without_its_reference_gives_one_line(capsys):
    if (ROOT / "reference" / "sensitivity.tsv").exists():
        pytest.skip("a sensitivity reference is committed")
    assert main(["verify", "--params", "params/sensitivity.yml", "--no-build"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: no reference build is committed for "
                                               "params/sensitivity.yml")


def test_the_default_build_matches_the_committed_reference(built_project):
    """CI's check: the default build (from the suite's cache) reproduces reference/default.tsv."""
    run = subprocess.run([sys.executable, "-m", "casework.cli", "verify"], cwd=built_project,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert run.stdout.splitlines()[-1].startswith("verify: all ")


def test_verify_finds_a_value_changed_in_a_copy_of_the_build(built_project, tmp_path):
    """Injected drift in real results: exactly the changed value is reported."""
    results = tmp_path / "results"
    shutil.copytree(built_project / "results", results)
    path = results / "04_regressions.json"
    doc = json.loads(path.read_text())
    key, entry = next((k, e) for k, e in doc["values"].items()
                      if isinstance(e["value"], float) and e["value"] != 0)
    entry["value"] *= 1 + 1e-6
    path.write_text(json.dumps(doc))
    reference = read_reference(reference_path(built_project, None))
    drifts, _ = compare(reference, collect(tmp_path))
    assert [(d.notebook, d.key) for d in drifts] == [("04_regressions", key)]
