"""`casework simulate --scale K`: K times the default data, still valid, scale 1 unchanged."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from casework.cli import main
from casework.data import load
from casework.data.codebook import tables
from casework.data.simulate import check_scale, simulate, stack_blocks

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data"


@pytest.fixture(scope="module")
def doubled(tmp_path_factory) -> Path:
    """The default seed at scale 2, written and left for the tests to read."""
    return simulate(out=tmp_path_factory.mktemp("scale2") / "data", scale=2)


def test_scale_1_is_the_committed_data_byte_for_byte(tmp_path):
    out = simulate(out=tmp_path / "data", scale=1)
    for table in tables().values():
        assert (out / table.path).read_bytes() == (COMMITTED / table.path).read_bytes(), table.path
    assert (out / "datapackage.json").read_bytes() == (COMMITTED / "datapackage.json").read_bytes()
    assert json.loads((out / "datapackage.json").read_text())["provenance"]["scale"] == 1


def test_scale_2_is_valid_twice_the_rows_and_recorded(doubled):
    ds = load(doubled)  # the codebook's patterns, keys and rules all hold
    default = load(COMMITTED)
    for name, frame in ds.tables.items():
        assert len(frame) == 2 * len(default[name]), name
    pkg = json.loads((doubled / "datapackage.json").read_text())
    assert pkg["provenance"]["scale"] == 2
    assert "--scale 2" in (doubled / "README.md").read_text()


def test_scale_2_starts_with_the_default_data_then_an_independent_draw(doubled):
    for name in ("communications", "cases", "urgent_actions"):
        path = tables()[name].path
        ours = pd.read_csv(doubled / path, dtype=str, keep_default_na=False)
        default = pd.read_csv(COMMITTED / path, dtype=str, keep_default_na=False)
        n = len(default)
        pd.testing.assert_frame_equal(ours.iloc[:n].reset_index(drop=True), default)
        second = ours.iloc[n:].reset_index(drop=True)
        id_col = tables()[name].primary_key[0]
        # Same design, new draws: not a copy of the first block with new ids.
        assert not second.drop(columns=id_col).equals(default.drop(columns=id_col)), name


def _block(n_comms: int, n_cases: int, n_prisoners: int) -> dict[str, pd.DataFrame]:
    """A minimal data set: just the id columns, numbered 1..n as the simulators do."""
    comm = [f"C{1 + i % n_comms:05d}" for i in range(n_cases)]
    cases = pd.DataFrame({"case_id": [f"K{i:06d}" for i in range(1, n_cases + 1)],
                          "communication_id": comm,
                          "individual_id": [f"P{1 + i // 2:06d}" for i in range(n_cases)]})
    return {"communications": pd.DataFrame({"communication_id": [f"C{i:05d}" for i in range(1, n_comms + 1)]}),
            "cases": cases, "sample": cases[["case_id"]].iloc[::2].reset_index(drop=True),
            "survey": cases[["case_id"]].iloc[::4].reset_index(drop=True),
            "freethe20": pd.DataFrame({"prisoner_id": [f"F{i:03d}" for i in range(1, n_prisoners + 1)]}),
            "urgent_actions": pd.DataFrame({"woman_id": ["U0001", "U0002"]})}


def test_stacked_ids_are_unique_keys_still_match_and_widen_when_needed():
    blocks = [_block(3, 5, 600), _block(2, 4, 600)]
    out = stack_blocks(blocks)
    assert out["communications"].communication_id.tolist() == [f"C{i:05d}" for i in range(1, 6)]
    # Block 2's cases name block 2's communications (shifted by block 1's three).
    assert out["cases"].communication_id.tolist()[5:] == ["C00004", "C00005", "C00004", "C00005"]
    assert out["cases"].individual_id.tolist() == [f"P{i:06d}" for i in (1, 1, 2, 2, 3, 4, 4, 5, 5)]
    assert out["sample"].case_id.tolist() == ["K000001", "K000003", "K000005", "K000006", "K000008"]
    assert out["survey"].case_id.tolist() == ["K000001", "K000005", "K000006"]
    # 1,200 prisoners need four digits: every id gets them, so string order is number order.
    assert out["freethe20"].prisoner_id.tolist() == [f"F{i:04d}" for i in range(1, 1201)]
    assert out["urgent_actions"].woman_id.tolist() == ["U0001", "U0002", "U0003", "U0004"]
    for name, table in tables().items():
        for column in table.primary_key:
            assert out[name][column].is_unique


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", ""])
def test_bad_scale_stops_with_one_line_naming_the_option(value, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["simulate", "--scale", value, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: --scale {value!r}: expected a whole number of 1 or more "
                   "(1: the default size, 10: ten times as many rows)\n")
    assert not out.exists()


@pytest.mark.parametrize("value", [0, -3, 2.0, "2", True])
def test_bad_scale_in_python_is_refused(value):
    with pytest.raises(ValueError, match=f"scale {value!r}: expected a whole number of 1 or more"):
        check_scale(value)
