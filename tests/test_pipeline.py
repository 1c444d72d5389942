"""`casework run` end to end on a scratch project: real kernels, small notebooks.

Most test notebooks write their results file directly (the format nb.record
writes) so their kernels start without pandas; one goes through casework.notebook.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from test_parameters import project, write_notebook  # noqa: F401 (fixture)
from conftest import tiny_frames

from casework.data import load
from casework.pipeline import parameters
from casework.pipeline import run as run_module
from casework.pipeline.parameters import params_hash

RECORD = '''
import json, pathlib

def record(name, **values):
    """Write results/NAME.json as nb.record does, without pandas in the kernel."""
    path = pathlib.Path("..") / "results" / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    values = {k: {"value": v, "display": str(v)} for k, v in values.items()}
    path.write_text(json.dumps({"notebook": name, "values": values}))
'''


def build(*notebooks, overrides=(), force=False, jobs=2) -> int:
    return run_module.run(list(notebooks), None, list(overrides), None, force=force, jobs=jobs)


def variables(root) -> dict:
    """The notebooks' sections of _variables.yml (the scorecard's is tested in test_scorecard)."""
    values = yaml.safe_load((root / "_variables.yml").read_text())
    assert "scorecard" in values
    return {k: v for k, v in values.items() if k != "scorecard"}


def build_record(root) -> dict:
    return json.loads((root / "results" / "_build.json").read_text())["notebooks"]


def light_project(root) -> None:
    write_notebook(root, "01_alpha", RECORD, 'record("01_alpha", n=n, doubled=n * 2, mode=mode)')
    write_notebook(root, "02_beta", RECORD, 'record("02_beta", label=label.upper())')


def test_build_is_cached_deterministic_and_parallel_equals_sequential(project, capsys):
    light_project(project)
    assert build(jobs=2) == 0
    err = capsys.readouterr().err
    assert "01_alpha: cell 3/5" in err and "2 executed, 0 cached, 0 failed" in err
    assert variables(project) == {"alpha": {"n": "3", "doubled": "6", "mode": "fast"},
                                  "beta": {"label": "HELLO"}}
    record = build_record(project)
    params = {"data_dir": "data", "confidence": 0.95, "n": 3, "mode": "fast"}
    assert record["01_alpha"] | {"seconds": None, "source_hash": None, "package_hash": None} == {
        "key": "alpha", "status": "executed", "source": "notebooks/01_alpha.py",
        "params": params, "params_hash": params_hash(params), "data_dir": "data",
        "data_checksum": load(project / "data").checksum, "synthetic": True,
        "seconds": None, "source_hash": None, "package_hash": None,
        "outputs": {rel: hashlib.sha256((project / rel).read_bytes()).hexdigest()
                    for rel in ("analyses/01_alpha.ipynb", "results/01_alpha.json")}}
    assert record["01_alpha"]["seconds"] > 0

    executed = project / "analyses" / "01_alpha.ipynb"
    nb = json.loads(executed.read_text())
    assert nb["metadata"]["papermill"] == {"parameters": params}
    assert "version" not in nb["metadata"]["language_info"]
    assert [c["id"] for c in nb["cells"]] == [f"cell-{i}" for i in range(len(nb["cells"]))]
    assert not any({"papermill", "execution", "ExecuteTime"} & set(c["metadata"]) for c in nb["cells"])
    first = {p.name: p.read_bytes() for p in (project / "analyses").glob("*.ipynb")}
    mtime = executed.stat().st_mtime_ns

    start = time.perf_counter()
    assert build() == 0
    took = time.perf_counter() - start
    assert took < 1.0, f"no-op build took {took:.2f} s"
    assert "0 executed, 2 cached, 0 failed" in capsys.readouterr().err
    assert executed.stat().st_mtime_ns == mtime
    assert build_record(project)["02_beta"]["status"] == "cached"

    # One at a time, forced: the same bytes as the parallel build.
    assert build(force=True, jobs=1) == 0
    assert "2 executed, 0 cached" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (project / "analyses").glob("*.ipynb")} == first


def test_what_reexecutes_and_what_is_restored(project, capsys):
    light_project(project)
    assert build() == 0
    write_notebook(project, "01_alpha", RECORD, 'record("01_alpha", n=n, doubled=n * 20)')
    assert build() == 0
    err = capsys.readouterr().err
    assert "01_alpha: executed" in err and "02_beta: cached" in err
    assert variables(project)["alpha"] == {"n": "3", "doubled": "60"}

    assert build(overrides=["n=5"]) == 0
    assert "1 executed, 1 cached" in capsys.readouterr().err
    assert variables(project)["alpha"] == {"n": "5", "doubled": "100"}
    assert build_record(project)["01_alpha"]["params"]["n"] == 5

    # Back to the defaults: the earlier outputs come back from the cache, no kernel.
    assert build() == 0
    err = capsys.readouterr().err
    assert "01_alpha: restored from cache" in err and "0 executed, 2 cached" in err
    assert variables(project)["alpha"] == {"n": "3", "doubled": "60"}


def test_a_failing_notebook(project, capsys):
    write_notebook(project, "01_alpha", RECORD, 'record("01_alpha", n=n)',
                   "#| label: tbl-broken\ntotal = n / 0\nrecord('01_alpha', total=total)")
    write_notebook(project, "02_beta", RECORD, 'record("02_beta", label=label)')
    assert build() == 1
    err = capsys.readouterr().err
    assert ("notebook 01_alpha failed in cell 5 ('total = n / 0'): ZeroDivisionError: division "
            "by zero; the partially executed notebook is analyses/01_alpha.ipynb") in err
    assert "1 executed, 0 cached, 1 failed" in err
    assert not (project / "results" / "01_alpha.json").exists()  # it had recorded n
    cache = project / ".casework" / "cache"
    assert not (cache / "01_alpha").exists() or not any(
        p.name != "current.json" and not p.name.startswith(".") for p in (cache / "01_alpha").iterdir())
    assert not (cache / "01_alpha" / "current.json").exists()
    partial = json.loads((project / "analyses" / "01_alpha.ipynb").read_text())
    assert any(o.get("ename") == "ZeroDivisionError" for c in partial["cells"] for o in c.get("outputs", []))
    assert variables(project) == {"beta": {"label": "hello"}}
    entry = build_record(project)["01_alpha"]
    assert entry["status"] == "failed" and "ZeroDivisionError" in entry["error"]

    assert build() == 1  # never cached: runs (and fails) again
    assert "0 executed, 1 cached, 1 failed" in capsys.readouterr().err


def test_a_failed_run_puts_the_last_good_results_back(project, capsys):
    """The review's case: 05 and 07 failed on too little data and their results were gone."""
    write_notebook(project, "01_alpha", RECORD, "assert n < 5, 'n too large for this analysis'",
                   'record("01_alpha", n=n)')
    write_notebook(project, "02_beta", RECORD, 'record("02_beta", label=label)')
    assert build() == 0
    good = (project / "results" / "01_alpha.json").read_bytes()
    good_notebook = (project / "analyses" / "01_alpha.ipynb").read_bytes()
    capsys.readouterr()
    assert build(overrides=["n=5"]) == 1
    err = capsys.readouterr().err
    assert ("AssertionError: n too large for this analysis; the partially executed notebook is "
            ".casework/failed/01_alpha.ipynb; the last good outputs were put back") in err
    assert (project / "results" / "01_alpha.json").read_bytes() == good
    assert (project / "analyses" / "01_alpha.ipynb").read_bytes() == good_notebook
    failed = json.loads((project / ".casework" / "failed" / "01_alpha.ipynb").read_text())
    assert any(o.get("ename") == "AssertionError" for c in failed["cells"] for o in c.get("outputs", []))
    assert build_record(project)["01_alpha"]["status"] == "failed"  # render still refuses
    assert build() == 0  # the good parameters again: the outputs in place are current
    assert "0 executed, 2 cached" in capsys.readouterr().err


def test_an_override_reaches_the_recorded_values(project, capsys):
    """Through the real helpers: papermill injects, casework.notebook.start validates, nb.record
    writes, and _variables.yml shows the new value."""
    write_notebook(project, "02_beta", """
from pathlib import Path
from casework.pipeline import parameters
parameters.SCHEMA_PATH = Path("../schema.yml")  # the scratch project's schema
import casework.notebook
nb = casework.notebook.start("02_beta", globals(), tables=["cases"])
nb.record("label", label)
nb.record("strict", strict)
nb.record("n_cases", len(nb.data["cases"]))
""")
    assert build() == 0
    assert variables(project) == {"beta": {"label": "hello", "strict": "no", "n_cases": "3"}}
    assert build(overrides=["label=world", "strict=true"]) == 0, capsys.readouterr().err
    assert variables(project) == {"beta": {"label": "world", "strict": "yes", "n_cases": "3"}}
    assert build_record(project)["02_beta"]["data_checksum"] == load(
        project / "data", only=["cases"]).checksum  # the stamp nb.record wrote


def test_an_override_changes_the_value_on_the_site(project, capsys):
    """-p label=world → results → _variables.yml → the rendered page."""
    from casework.website.render import render
    write_notebook(project, "02_beta", RECORD, 'record("02_beta", label=label)')
    (project / "_quarto.yml").write_text(
        "project:\n  type: website\n  output-dir: _site\n  render: [index.qmd, analyses/02_beta.ipynb]\n"
        "website:\n  title: Scratch\n  navbar:\n    left: [index.qmd, analyses/02_beta.ipynb]\n")
    (project / "index.qmd").write_text("---\ntitle: Home\n---\n\nThe label is {{< var beta.label >}}.\n")
    assert build() == 0
    assert "The label is hello." in (render(project, renderer="builtin") / "index.html").read_text()
    assert build(overrides=["label=world"]) == 0, capsys.readouterr().err
    assert "The label is world." in (render(project, renderer="builtin") / "index.html").read_text()


def test_ctrl_c_leaves_no_cache_entry(project, capsys, monkeypatch):
    write_notebook(project, "01_alpha", RECORD, 'record("01_alpha", n=n)',
                   "import time\ntime.sleep(60)")
    real_wait = run_module.wait
    pressed = []

    def wait_then_ctrl_c(*args, **kwargs):
        """Ctrl-C arrives once the notebook has recorded a value and is busy."""
        if not pressed and (project / "results" / "01_alpha.json").exists():
            pressed.append(True)
            raise KeyboardInterrupt
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(run_module, "wait", wait_then_ctrl_c)
    start = time.perf_counter()
    assert build() == 130
    assert time.perf_counter() - start < 30
    err = capsys.readouterr().err
    assert "notebook 01_alpha failed: interrupted" in err and "interrupted: unfinished" in err
    assert not (project / "results" / "01_alpha.json").exists()
    assert not (project / ".casework" / "cache" / "01_alpha" / "current.json").exists()


def test_a_worker_whose_build_died_stops(project):
    """When the build is killed its workers' stdin closes: they stop instead of running on."""
    write_notebook(project, "01_alpha", "import time\ntime.sleep(60)")
    job = {"name": "01_alpha", "source": str(project / "notebooks" / "01_alpha.py"),
           "output": str(project / "analyses" / "01_alpha.ipynb"),
           "params": {"data_dir": "data", "confidence": 0.95, "n": 3, "mode": "fast"},
           "cwd": str(project / "analyses")}
    worker = subprocess.Popen([sys.executable, "-m", "casework.pipeline.worker"], cwd=project,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    worker.stdin.write(json.dumps(job) + "\n")
    worker.stdin.flush()
    events = iter(worker.stdout)
    while json.loads(next(events)).get("cell", 0) < 4:  # the sleeping cell has started
        pass
    start = time.perf_counter()
    worker.stdin.close()
    assert json.loads(next(events)) == {"ok": False, "error": "interrupted"}
    assert worker.wait(timeout=30) == 0 and time.perf_counter() - start < 20


def test_data_overview_notebook(project, monkeypatch, capsys):
    """The real notebooks/00_data_overview.py on the tiny data: runs, counts, labels its tables."""
    monkeypatch.setattr(parameters, "SCHEMA_PATH", Path(parameters.__file__).with_name("parameters.yml"))
    parameters.schema.cache_clear()
    shutil.copy2(Path(__file__).parents[1] / "notebooks" / "00_data_overview.py", project / "notebooks")
    assert build() == 0, capsys.readouterr().err
    values = variables(project)["data_overview"]
    frames = tiny_frames()      # the data the project fixture wrote
    assert {k: v for k, v in values.items() if k.startswith("n_")} == {
        "n_communications": "2", "n_cases": "3", "n_sample": "2", "n_survey": "1",
        "n_freethe20": "2", "n_urgent_actions": "2",
        "n_rows": str(sum(len(df) for df in frames.values())),
        "n_columns": str(sum(df.shape[1] for df in frames.values())),
        "n_columns_missing": str(sum(int(df[c].isna().any()) for df in frames.values() for c in df))}
    assert values["synthetic"] == "yes" and values["data_checksum"] == load(project / "data").checksum
    nb = json.loads((project / "analyses" / "00_data_overview.ipynb").read_text())
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for c in nb["cells"]
                   for o in c.get("outputs", []))
    assert 'id="tbl-tables"' in html and 'id="columns-urgent_actions"' in html
    assert "Synthetic data" in json.dumps(nb)


def test_dry_run_says_what_would_run_and_why_and_runs_nothing(project, capsys):
    light_project(project)
    assert run_module.run([], None, [], None, force=False, jobs=1, dry_run=True) == 0
    assert capsys.readouterr().err.splitlines() == [
        "01_alpha: execute (never run (no cache entry))", "02_beta: execute (never run (no cache entry))"]
    assert not (project / "results").exists() and not (project / "analyses").exists()
    assert build() == 0
    capsys.readouterr()
    survey = project / "data" / "raw" / "survey.csv"
    survey.write_text(survey.read_text().replace("probable", "definite"))
    assert run_module.run(["01"], None, ["n=5"], None, force=False, jobs=1, dry_run=True) == 0
    assert capsys.readouterr().err.splitlines() == [
        "01_alpha: execute (parameter n: 3 -> 5; data survey changed)"]
    survey.write_text(survey.read_text().replace("definite", "probable"))
    assert run_module.run([], None, [], None, force=False, jobs=1, dry_run=True) == 0
    assert capsys.readouterr().err.splitlines() == [
        "01_alpha: cached (outputs current, no kernel)", "02_beta: cached (outputs current, no kernel)"]
