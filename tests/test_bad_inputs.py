"""The reliability review's bad inputs (tests/bad_inputs/*.yml), one test per case:
each stops `casework run` with a one-line message before anything is built.

Runs against the real project and schema; `_build` is replaced so that a case the
checks let through fails the test instead of starting kernels.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from casework.pipeline import parameters
from casework.pipeline import run as run_module
from casework.pipeline.plan import parameter_layers

HERE = Path(__file__).parent
REPO = HERE.parent
PARAMETER_CASES = yaml.safe_load((HERE / "bad_inputs" / "parameters.yml").read_text(encoding="utf-8"))


def _arguments(case: dict, tmp_path: Path) -> tuple[Path | None, list[str]]:
    params_file = None
    digits = "9" * case.get("digits", 0)  # DIGITS in a case stands for that many nines
    if "file" in case:
        params_file = tmp_path / "bad.yml"
        content = case["file"]
        params_file.write_bytes(content if isinstance(content, bytes)
                                else content.replace("DIGITS", digits).encode("utf-8"))
    if case.get("params_dir"):
        params_file = tmp_path
    if case.get("params_path"):  # a path as given, e.g. /dev/null
        params_file = Path(case["params_path"])
    if case.get("params_fifo"):
        params_file = tmp_path / "pipe.yml"
        os.mkfifo(params_file)
    return params_file, [str(o).replace("DIGITS", digits) for o in case.get("overrides", [])]


@pytest.mark.parametrize("case", [c for c in PARAMETER_CASES if "error" in c], ids=lambda c: c["id"])
def test_bad_parameter_stops_the_run_with_a_one_line_message(case, tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_ROOT", str(REPO))
    parameters.schema.cache_clear()

    def reached(*args, **kwargs):
        raise AssertionError(f"{case['id']}: the build started")

    monkeypatch.setattr(run_module, "_build", reached)
    params_file, overrides = _arguments(case, tmp_path)
    stream = io.StringIO()
    code = run_module.run(case.get("notebooks", []), params_file, overrides, None, force=False,
                          jobs=1, stream=stream)
    message = stream.getvalue().replace(f"{tmp_path}/", "")  # the file as bad.yml
    assert code == 2
    assert case["error"] in message, message
    assert message.count("\n") == 1 and message.startswith("error: "), message  # one line


@pytest.mark.parametrize("case", [c for c in PARAMETER_CASES if "warning" in c], ids=lambda c: c["id"])
def test_key_that_reaches_no_selected_notebook_is_warned(case, tmp_path):
    parameters.schema.cache_clear()
    params_file, overrides = _arguments(case, tmp_path)
    layers = parameter_layers(REPO, params_file, overrides, None)
    assert parameters.unselected_keys(case["notebooks"], layers) == [case["warning"]]


def test_running_outside_the_project_is_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CASEWORK_ROOT"}
    done = subprocess.run([sys.executable, "-m", "casework.cli", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == (f"error: no _quarto.yml in {tmp_path.resolve()} or any parent: not inside a "
                           "compendium (run casework from the project folder, or set CASEWORK_ROOT)\n")


DATA_CASES = yaml.safe_load((HERE / "bad_inputs" / "data.yml").read_text(encoding="utf-8"))
_TOKENS = {"DIGITS5000": "9" * 5000, "HUGE": "9" * 5000, "DEEP": "[" * 100_000 + "]" * 100_000}


def _expand(value):
    if isinstance(value, str):
        for token, text in _TOKENS.items():
            value = value.replace(token, text)
    return value


def _break_folder(case: dict, folder: Path) -> None:
    """Apply one case of bad_inputs/data.yml to a valid data folder."""
    import json
    from casework.data.codebook import tables
    if "mkdir" in case:
        (folder / case["mkdir"]).mkdir(parents=True)
    if "symlink" in case:
        link, target = case["symlink"]
        (folder / link).symlink_to(target)
    if "move" in case:
        source, target = (folder / p for p in case["move"])
        target.parent.mkdir(parents=True, exist_ok=True)
        source.rename(target)
    package = folder / "datapackage.json"
    if "package" in case:
        package.write_text(_expand(case["package"]), encoding="utf-8")
    if "resource" in case:
        pkg = json.loads(package.read_text(encoding="utf-8"))
        entry = next(r for r in pkg["resources"] if r["name"] == case["resource"]["table"])
        entry.update(case["resource"]["set"])
        package.write_text(json.dumps(pkg), encoding="utf-8")
    if "table" not in case:
        return
    path = folder / tables()[case["table"]].path
    if "cell" in case:
        import pandas as pd
        row, column, value = case["cell"]
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df.loc[row, column] = _expand(value)
        df.to_csv(path, index=False, lineterminator="\n")
    if "line_ends" in case:
        path.write_bytes(path.read_bytes().replace(b"\n", case["line_ends"].encode()))
    if "replace" in case:
        old, new = case["replace"]
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    if "append_bytes" in case:
        with path.open("ab") as fh:
            fh.write(case["append_bytes"].encode("latin-1"))
    if "field_bytes" in case:
        header, first, *rest = path.read_text(encoding="utf-8").split("\n")
        first = "x" * case["field_bytes"] + first[first.index(","):]
        path.write_text("\n".join([header, first, *rest]), encoding="utf-8")
    if "size" in case:
        with path.open("r+b") as fh:
            fh.truncate(case["size"])


@pytest.mark.parametrize("case", DATA_CASES, ids=lambda c: c["id"])
def test_bad_data_folder_is_one_line_naming_the_input(case, tmp_path, capsys):
    from casework.cli import main
    from conftest import write_tiny
    folder = write_tiny(tmp_path / "data")
    _break_folder(case, folder)
    assert main(["validate", str(folder)]) == 2
    out, err = capsys.readouterr()
    message = err.replace(str(folder), "DATA")
    assert out == "" and message.startswith("error: data folder DATA: "), message
    assert message.count("\n") == 1 and "Traceback" not in message, message  # one line
    assert case["error"] in message, message
    for secret in case.get("absent", []):
        assert secret not in message


COMMAND_CASES = yaml.safe_load((HERE / "bad_inputs" / "commands.yml").read_text(encoding="utf-8"))


class _Reached(Exception):
    pass


def _reached(*args, **kwargs):
    raise _Reached


@pytest.mark.parametrize("case", COMMAND_CASES, ids=lambda c: c["id"])
def test_bad_command_argument_is_one_line_before_any_work(case, tmp_path, monkeypatch, capsys):
    from casework import cli, engine
    from casework.data import simulate as simulate_module
    monkeypatch.setattr(simulate_module, "simulate_tables", _reached)  # after the --out checks
    monkeypatch.setattr(engine, "open_engine", _reached)
    (tmp_path / "file.txt").write_text("my thesis")
    argv = [_expand(a).replace("OUT", str(tmp_path)) for a in case["argv"]]
    try:
        code = cli.main(argv)
    except _Reached:
        pytest.fail(f"{case['id']}: the work started")
    message = capsys.readouterr().err.replace(str(tmp_path), "OUT")
    assert code == 2
    assert message.startswith("error: ") and message.count("\n") == 1, message
    assert case["error"] in message, message
    assert (tmp_path / "file.txt").read_text() == "my thesis"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]  # nothing half-written


def test_simulate_on_a_full_disk_leaves_nothing_half_written(tmp_path, monkeypatch, capsys):
    from casework import cli
    from casework.data import simulate as simulate_module
    out = tmp_path / "data"
    out.mkdir()
    (out / "notes.txt").write_text("mine")

    def full(frames, folder, **kwargs):
        (Path(folder) / "raw").mkdir(parents=True)
        (Path(folder) / "raw" / "cases.csv").write_text("case_id\n")  # half a data set
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(simulate_module, "simulate_tables", lambda *a, **k: {})
    monkeypatch.setattr(simulate_module, "write_tables", full)
    assert cli.main(["simulate", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"error: simulate --out {out}: cannot write (No space left on "
                                       "device); expected a writable folder with room for the tables; "
                                       "nothing was written there\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # the scratch beside is gone
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
