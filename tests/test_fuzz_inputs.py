"""Fuzz tests (hypothesis, derandomized, fixed budgets): no input reaches a traceback.

- the data commands' arguments (`validate`, `simulate`, `recovery`), drawn from the
  options' own vocabulary plus odd values (negative, huge, empty, words, long paths);
  the work behind a command that accepts its arguments is replaced by a sentinel, so a
  draw costs milliseconds and nothing is written;
- a valid tiny data folder with one table's bytes or the datapackage.json mutated
  (bytes inserted, deleted, duplicated or replaced; JSON values of any shape): `casework
  validate` exits 0 or 2 with one line per problem and never a traceback.

A failure prints the drawn case, so it can be added to tests/bad_inputs/data.yml.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework import cli, engine
from casework.analysis import recovery
from casework.data import simulate as simulate_module
from casework.data.codebook import tables

from conftest import write_tiny

BUDGET = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Reached(Exception):
    """The command accepted its arguments and would start its work now."""


def _reached(*args, **kwargs):
    raise Reached


# --- arguments ------------------------------------------------------------------------

ODD_NUMBERS = st.one_of(st.integers(-2**70, 2**70).map(str),
                        st.sampled_from(["", "-1", "0", "1", "101", "1e3", "1.5", "nan", "inf",
                                         "9" * 5000, "0x10", " 3", "three", "--"]))
# Real argv cannot hold NUL or lone surrogates (execve, UTF-8 locale).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=30)
PATHS = st.one_of(TEXT, st.sampled_from(["", "/", "/proc/1/mem", "/dev/null", "/etc/passwd",
                                         "/nonexistent/deep/x", "data", "data/raw/cases.csv",
                                         "x" * 5000, "../" * 40 + "etc", "~"]))
CONDITIONS = st.one_of(TEXT, st.sampled_from(["estimable_improvement", "reference_release"]))


def _option(name: str, values) -> st.SearchStrategy:
    return st.tuples(st.just(name), values).map(list)


ARGUMENTS = st.one_of(
    st.tuples(st.just(["validate"]), st.lists(PATHS, max_size=2)).map(lambda t: t[0] + t[1]),
    st.tuples(st.just(["simulate"]), st.lists(st.one_of(
        _option("--seed", ODD_NUMBERS), _option("--scale", ODD_NUMBERS),
        _option("--calibration-seeds", ODD_NUMBERS), _option("--condition", CONDITIONS),
        _option("--out", PATHS)), max_size=4)).map(lambda t: t[0] + sum(t[1], [])),
    st.tuples(st.just(["recovery"]), st.lists(st.one_of(
        _option("--seed", ODD_NUMBERS), _option("--reps", ODD_NUMBERS), _option("--jobs", ODD_NUMBERS),
        _option("--condition", CONDITIONS), _option("--out", PATHS)), max_size=4)
    ).map(lambda t: t[0] + sum(t[1], [])),
)


@pytest.fixture
def no_work(monkeypatch, tmp_path):
    monkeypatch.setattr(simulate_module, "simulate", _reached)
    monkeypatch.setattr(recovery, "run_recovery", _reached)
    monkeypatch.setattr(engine, "open_engine", _reached)  # no Dask cluster is started
    monkeypatch.chdir(tmp_path)  # relative --out paths land in a scratch folder
    (tmp_path / "data").mkdir()


@BUDGET
@given(argv=ARGUMENTS)
def test_data_commands_never_trace_back_whatever_the_arguments(argv, no_work, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse: usage and one error line, exit 2
        code = exc.code
    except Reached:
        return
    err = capsys.readouterr().err
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err
    if code == 2 and not err.startswith("usage:"):
        assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)


# --- data files -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def valid_folder(tmp_path_factory) -> Path:
    return write_tiny(tmp_path_factory.mktemp("valid") / "data")


BYTE_EDITS = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "duplicate"]),
    st.floats(0, 1),  # where, as a share of the file
    st.one_of(st.binary(min_size=1, max_size=8),
              st.sampled_from([b"\r", b"\0", b'"', b",", b"\n", b"\xff", b"\xe9", b";",
                               b"9" * 5000, b"NA", b"\xef\xbb\xbf", b"x" * 70_000])))


def _mutate(data: bytes, edit) -> bytes:
    kind, where, chunk = edit
    at = int(where * len(data))
    if kind == "insert":
        return data[:at] + chunk + data[at:]
    if kind == "delete":
        return data[:at] + data[at + len(chunk):]
    if kind == "replace":
        return data[:at] + chunk + data[at + len(chunk):]
    end = data.find(b"\n", at)  # duplicate from here to the end of the line
    return data[:end] + data[at:end] + data[end:] if end > 0 else data + data[at:]


def _validate(folder: Path, capsys, case) -> None:
    code = cli.main(["validate", str(folder)])
    err = capsys.readouterr().err
    assert code in (0, 2), (case, err)
    assert "Traceback" not in err
    if code == 2:  # one line, or a count line and one line per problem
        lines = err.splitlines()
        assert err.startswith("error: ") and (len(lines) == 1 or "problem(s) in data folder" in lines[0]), err
        assert all(line.startswith("  - ") or line.startswith("  ... and") for line in lines[1:]), err


@BUDGET
@given(table=st.sampled_from(sorted(tables())), edits=st.lists(BYTE_EDITS, min_size=1, max_size=3))
def test_a_mutated_table_is_valid_or_named_in_one_line_per_problem(table, edits, valid_folder,
                                                                   tmp_path, capsys):
    folder = tmp_path / "mutated"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(valid_folder, folder)
    path = folder / tables()[table].path
    data = path.read_bytes()
    for edit in edits:
        data = _mutate(data, edit)
    path.write_bytes(data)
    _validate(folder, capsys, (table, edits))


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**64, 2**64), st.floats(allow_nan=False),
              TEXT, st.sampled_from(["../../etc/passwd", "/etc/passwd", "raw/cases.csv", "survey"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(["name", "path", "synthetic", "resources",
                                                             "provenance", "x"]), inner, max_size=4)),
    max_leaves=12)


@BUDGET
@given(key=st.sampled_from(["synthetic", "resources", "provenance", "resources[i]", "resources[i].name",
                            "resources[i].path", "whole"]),
       value=JSON_VALUES, index=st.integers(0, 5))
def test_a_datapackage_of_any_shape_is_valid_or_named_in_one_line(key, value, index, valid_folder,
                                                                  tmp_path, capsys):
    folder = tmp_path / "mutated"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(valid_folder, folder)
    package = folder / "datapackage.json"
    pkg = json.loads(package.read_text(encoding="utf-8"))
    if key == "whole":
        pkg = value
    elif key.startswith("resources[i]"):
        field = key.partition(".")[2]
        if field:
            pkg["resources"][index][field] = value
        else:
            pkg["resources"][index] = value
    else:
        pkg[key] = value
    package.write_text(json.dumps(pkg), encoding="utf-8")
    _validate(folder, capsys, (key, value))
