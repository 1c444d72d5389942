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
