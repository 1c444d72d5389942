"""The pipeline's parts that need no kernel: cache keys, cache store, lock, values, selection."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_parameters import project, two_notebooks, write_notebook  # noqa: F401 (fixtures)

from casework.pipeline import fingerprint
from casework.pipeline import lock as lock_module
from casework.pipeline.cache import KEEP, Cache
from casework.pipeline.lock import LockError, build_lock
from casework.pipeline.plan import make_plan
from casework.pipeline.progress import Progress
from casework.pipeline.run import run
from casework.pipeline.selection import SelectionError, select
from casework.pipeline.variables import collect, write_variables


def keys(root, overrides=()) -> dict[str, str]:
    return {t.name: t.key for t in make_plan(root, [], None, list(overrides), None)}


# --- cache key: what invalidates a notebook ---------------------------------------------

def test_same_inputs_same_key(two_notebooks):
    assert keys(two_notebooks) == keys(two_notebooks)


def test_editing_a_source_changes_only_its_key(two_notebooks):
    before = keys(two_notebooks)
    write_notebook(two_notebooks, "01_alpha", "x = n * 3")
    after = keys(two_notebooks)
    assert after["01_alpha"] != before["01_alpha"] and after["02_beta"] == before["02_beta"]


def test_a_parameter_changes_the_keys_of_notebooks_that_have_it(two_notebooks):
    before = keys(two_notebooks)
    assert keys(two_notebooks, ["n=4"])["02_beta"] == before["02_beta"]
    assert keys(two_notebooks, ["n=4"])["01_alpha"] != before["01_alpha"]
    assert all(before[k] != v for k, v in keys(two_notebooks, ["confidence=0.9"]).items())


def test_data_content_changes_every_key_but_touching_does_not(two_notebooks):
    before = keys(two_notebooks)
    survey = two_notebooks / "data" / "raw" / "survey.csv"
    os.utime(survey, ns=(0, 0))
    assert keys(two_notebooks) == before
    survey.write_text(survey.read_text().replace("probable", "definite"))
    assert all(before[k] != v for k, v in keys(two_notebooks).items())
    package = two_notebooks / "data" / "datapackage.json"
    with_package = keys(two_notebooks)
    package.write_text(package.read_text().replace('"generator": "tests"', '"generator": "other"'))
    assert all(with_package[k] != v for k, v in keys(two_notebooks).items())


def test_a_change_to_a_casework_module_changes_the_keys_of_notebooks_importing_it(two_notebooks):
    write_notebook(two_notebooks, "01_alpha", "from casework import analysis\nx = n * 2")
    before = keys(two_notebooks)
    (fingerprint.PACKAGE_DIR / "__pycache__").mkdir()
    (fingerprint.PACKAGE_DIR / "__pycache__" / "analysis.pyc").write_bytes(b"\0")
    (fingerprint.PACKAGE_DIR / "helper.py").write_text("NEW = 1\n")  # imported by no notebook
    assert keys(two_notebooks) == before  # byte-code caches and unused modules are not inputs
    (fingerprint.PACKAGE_DIR / "analysis.py").write_text("from .deep import VALUE\n")
    (fingerprint.PACKAGE_DIR / "deep.py").write_text("VALUE = 1\n")
    after = keys(two_notebooks)
    assert after["01_alpha"] != before["01_alpha"] and after["02_beta"] == before["02_beta"]
    (fingerprint.PACKAGE_DIR / "deep.py").write_text("VALUE = 2\n")  # imported through analysis
    assert keys(two_notebooks)["01_alpha"] != after["01_alpha"]


def test_editing_a_table_changes_only_the_keys_of_notebooks_reading_it(two_notebooks):
    write_notebook(two_notebooks, "01_alpha", 'import casework.notebook\n'
                   'nb = casework.notebook.start("01_alpha", globals(), tables=["freethe20"])')
    before = keys(two_notebooks)
    survey = two_notebooks / "data" / "raw" / "survey.csv"
    survey.write_text(survey.read_text().replace("probable", "definite"))
    after = keys(two_notebooks)
    assert after["01_alpha"] == before["01_alpha"]  # it reads freethe20 only
    assert after["02_beta"] != before["02_beta"]  # it names no tables: every table counts
    ft20 = two_notebooks / "data" / "raw" / "freethe20.csv"
    ft20.write_text(ft20.read_text().replace("lawyer", "other"))
    assert keys(two_notebooks)["01_alpha"] != after["01_alpha"]


def test_the_real_notebooks_read_the_tables_they_name_and_their_references():
    root = Path(__file__).resolve().parents[1] / "notebooks"
    assert fingerprint.notebook_tables(root / "03_impact_survey.py") == [
        "communications", "cases", "sample", "survey"]
    assert fingerprint.notebook_tables(root / "05_freethe20_survival.py") == ["freethe20", "urgent_actions"]
    assert fingerprint.notebook_tables(root / "00_data_overview.py") is None  # every table
    from casework.data.codebook import tables, with_references
    for name in tables():  # read from the JSON as the codebook module reads it
        assert fingerprint.with_references([name]) == with_references([name])


def fake_distribution(site: Path, name: str, version: str, requires=(), top_level=None) -> None:
    """A distribution as pip installs it: its package and name-version.dist-info beside it."""
    for old in site.glob(f"{name}-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                   + "".join(f"Requires-Dist: {r}\n" for r in requires))
    top = top_level or name
    (info / "top_level.txt").write_text(top + "\n")
    (site / top).mkdir(exist_ok=True)
    (site / top / "__init__.py").write_text("")


@pytest.fixture
def site(tmp_path_factory, monkeypatch):
    """A folder on sys.path to install fake distributions into."""
    folder = tmp_path_factory.mktemp("site-packages")
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_installing_an_unrelated_package_changes_no_key(two_notebooks, site):
    write_notebook(two_notebooks, "01_alpha", "import fitlib\nx = n * 2")
    fake_distribution(site, "fitlib", "1.0")
    before = keys(two_notebooks)
    fake_distribution(site, "jupyterlab_like", "4.0", requires=["fitlib"], top_level="jupyterlab_like")
    assert keys(two_notebooks) == before  # an editor installed beside: nothing re-runs


def test_a_new_version_of_an_imported_library_changes_the_keys_of_its_importers(two_notebooks, site):
    write_notebook(two_notebooks, "01_alpha", "from fitlib.models import Logit\nx = n * 2")
    fake_distribution(site, "fitlib", "1.0", requires=["linalg-core>=2", "winonly; sys_platform == 'nonexistent'",
                                                       "docs-tool; extra == 'docs'"])
    fake_distribution(site, "linalg_core", "2.0", top_level="linalg")
    fake_distribution(site, "winonly", "1.0")
    fake_distribution(site, "docs_tool", "1.0")
    before = keys(two_notebooks)
    plan = {t.name: t for t in make_plan(two_notebooks, [], None, [], None)}
    assert plan["01_alpha"].libraries["fitlib"] == "1.0" and plan["01_alpha"].libraries["linalg-core"] == "2.0"
    assert "fitlib" not in plan["02_beta"].libraries
    assert "winonly" not in plan["01_alpha"].libraries and "docs-tool" not in plan["01_alpha"].libraries
    fake_distribution(site, "fitlib", "1.1", requires=["linalg-core>=2"])
    after = keys(two_notebooks)
    assert after["01_alpha"] != before["01_alpha"] and after["02_beta"] == before["02_beta"]
    fake_distribution(site, "linalg_core", "2.1", top_level="linalg")  # required, not imported
    deeper = keys(two_notebooks)
    assert deeper["01_alpha"] != after["01_alpha"]
    fake_distribution(site, "winonly", "2.0")  # required on another platform only
    fake_distribution(site, "docs_tool", "2.0")  # required by an extra the notebook does not use
    assert keys(two_notebooks) == deeper


def test_a_library_imported_through_a_casework_module_counts(two_notebooks, site):
    write_notebook(two_notebooks, "01_alpha", "from casework import analysis\nx = n * 2")
    (fingerprint.PACKAGE_DIR / "analysis.py").write_text("def fit():\n    import fitlib\n")
    fake_distribution(site, "fitlib", "1.0")
    before = keys(two_notebooks)
    fake_distribution(site, "fitlib", "2.0")
    after = keys(two_notebooks)
    assert after["01_alpha"] != before["01_alpha"] and after["02_beta"] == before["02_beta"]


def test_dry_run_names_the_library_whose_version_changed(two_notebooks, site, capsys):
    from casework.pipeline.explain import reasons
    write_notebook(two_notebooks, "01_alpha", "import fitlib\nx = n * 2")
    fake_distribution(site, "fitlib", "1.0")
    task = {t.name: t for t in make_plan(two_notebooks, [], None, [], None)}["01_alpha"]
    cache = Cache(two_notebooks / ".casework" / "cache", two_notebooks)
    fake_outputs(two_notebooks, "01_alpha", "1")
    cache.store("01_alpha", task.key, {"inputs": task.inputs()})
    fake_distribution(site, "fitlib", "1.2")
    fake_distribution(site, "unrelated", "9.9")
    task = {t.name: t for t in make_plan(two_notebooks, [], None, [], None)}["01_alpha"]
    assert reasons(task, cache) == ["library fitlib: 1.0 -> 1.2"]


def test_the_library_index_is_kept_for_the_same_environment(tmp_path, site):
    fake_distribution(site, "fitlib", "1.0")
    store = tmp_path / "libraries.json"
    versions = fingerprint.installed()
    provides, requires = fingerprint.library_index(versions, store)
    assert provides["fitlib"] == ["fitlib"] and requires["fitlib"] == []
    doc = json.loads(store.read_text())
    doc["requires"]["fitlib"] = ["from-the-stored-index"]
    store.write_text(json.dumps(doc))
    assert fingerprint.library_index(versions, store)[1]["fitlib"] == ["from-the-stored-index"]
    fake_distribution(site, "fitlib", "2.0")  # another environment: the stored index is stale
    assert fingerprint.library_index(fingerprint.installed(), store)[1]["fitlib"] == []


def test_data_checksum_matches_the_loader(tiny_data):
    from casework.data import load
    assert fingerprint.data_checksum(fingerprint.data_digests(tiny_data)) == load(tiny_data).checksum


def test_fingerprints_do_not_import_pandas():
    """The no-op build must stay fast: the cached path never imports pandas."""
    code = ("import sys; import casework.pipeline.run, casework.pipeline.plan; "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


HEAVY = ("pandas", "jupytext", "nbformat", "pandera", "numpy", "matplotlib", "papermill")


def test_a_build_with_nothing_to_do_imports_no_notebook_or_data_stack(two_notebooks):
    """The no-op `casework run` (plan, catalog check, cached outputs, build record, values)
    imports none of the heavy libraries: under half a second wall clock (benchmarks/build.py)."""
    code = ("import sys; from casework.cli import main; rc = main(['run', '--jobs', '1']); "
            f"print(rc, sorted(m for m in {HEAVY!r} if m in sys.modules))")
    env = {**os.environ, "CASEWORK_ROOT": str(two_notebooks)}
    # the catalog follows notebooks/: each source's header and title are read on every run
    (two_notebooks / "_quarto.yml").write_text("project: {type: website}\nmetadata-files: [_analyses.yml]\n")
    for name in ("01_alpha", "02_beta"):
        source = two_notebooks / "notebooks" / f"{name}.py"
        source.write_text(f"# ---\n# jupyter:\n#   casework:\n#     question: Why {name}?\n"
                          f"#     reproduces: Study, Table 1\n# ---\n\n# %% [markdown]\n# # {name}\n\n"
                          + source.read_text())
        fake_outputs(two_notebooks, name, "1")
        (two_notebooks / "results" / f"{name}.json").write_text(json.dumps({
            "notebook": name, "key": name[3:], "params": {}, "params_hash": "h", "data_checksum": "c",
            "synthetic": True, "values": {}}))
    (two_notebooks / "results" / "scorecard.md").write_text("scorecard\n")
    # mark the fake outputs current under today's keys, as a finished build leaves them
    cache = Cache(two_notebooks / ".casework" / "cache", two_notebooks)
    for task in make_plan(two_notebooks, [], None, [], None):
        cache.store(task.name, task.key, {"inputs": task.inputs()})
    run_code = ("import sys; from casework.pipeline import fingerprint; "
                f"fingerprint.PACKAGE_DIR = __import__('pathlib').Path({str(fingerprint.PACKAGE_DIR)!r}); "
                "from casework.pipeline import parameters; "
                f"parameters.SCHEMA_PATH = __import__('pathlib').Path({str(two_notebooks / 'schema.yml')!r}); "
                + code.split('; ', 1)[1])
    out = subprocess.run([sys.executable, "-c", run_code], cwd=two_notebooks, env=env,
                         capture_output=True, text=True)
    assert out.stdout.strip() == "0 []", out.stderr[-2000:]
    assert "01_alpha" in (two_notebooks / "_analyses.yml").read_text()  # the catalog was read


# --- cache store -------------------------------------------------------------------------

def fake_outputs(root, name: str, text: str) -> None:
    (root / "analyses").mkdir(exist_ok=True)
    (root / "analyses" / f"{name}.ipynb").unlink(missing_ok=True)  # read-only once restored
    (root / "analyses" / f"{name}.ipynb").write_text(f"notebook {text}")
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / f"{name}.json").write_text(f"values {text}")


def test_store_then_current_then_hand_edit(project):
    cache = Cache(project / ".casework" / "cache", project)
    fake_outputs(project, "01_alpha", "one")
    assert not cache.is_current("01_alpha", "k1")
    cache.store("01_alpha", "k1", {"seconds": 1.5})
    assert cache.is_current("01_alpha", "k1") and not cache.is_current("01_alpha", "k2")
    assert cache.entry("01_alpha", "k1")["files"] == ["analyses/01_alpha.ipynb",
                                                      "results/01_alpha.json"]
    (project / "results" / "01_alpha.json").write_text("values edited by hand")
    assert not cache.is_current("01_alpha", "k1")
    (project / "results" / "01_alpha.json").unlink()
    assert not cache.is_current("01_alpha", "k1")


def test_restore_brings_back_an_earlier_parameter_set(project):
    cache = Cache(project / ".casework" / "cache", project)
    fake_outputs(project, "01_alpha", "one")
    (project / "results" / "01_alpha.comparison.csv").write_text("a,b\n")
    cache.store("01_alpha", "k1", {"seconds": 1.5})
    fake_outputs(project, "01_alpha", "two")
    (project / "results" / "01_alpha.comparison.csv").unlink()
    cache.store("01_alpha", "k2", {"seconds": 2.0})
    assert cache.restore("01_alpha", "k1")["seconds"] == 1.5
    assert (project / "results" / "01_alpha.json").read_text() == "values one"
    assert (project / "results" / "01_alpha.comparison.csv").read_text() == "a,b\n"
    assert cache.is_current("01_alpha", "k1")
    cache.restore("01_alpha", "k2")
    assert not (project / "results" / "01_alpha.comparison.csv").exists()
    with pytest.raises(KeyError, match="no cache entry for 01_alpha with key k3"):
        cache.restore("01_alpha", "k3")


def test_forget_and_prune(project):
    cache = Cache(project / ".casework" / "cache", project)
    for i in range(KEEP + 2):
        fake_outputs(project, "01_alpha", str(i))
        cache.store("01_alpha", f"key{i}", {})
        os.utime(project / ".casework" / "cache" / "01_alpha" / f"key{i}", ns=(i, i))
    kept = [i for i in range(KEEP + 2) if cache.entry("01_alpha", f"key{i}")]
    assert kept == list(range(2, KEEP + 2))  # the most recent KEEP
    (project / ".casework" / "cache" / "01_alpha" / ".tmp-interrupted").mkdir()
    cache.store("01_alpha", "key-new", {})
    assert not (project / ".casework" / "cache" / "01_alpha" / ".tmp-interrupted").exists()
    cache.forget("01_alpha")
    assert not cache.is_current("01_alpha", "key-new")


# --- lock --------------------------------------------------------------------------------

def test_second_build_is_refused_naming_pid_and_lock(two_notebooks, capsys, monkeypatch):
    monkeypatch.setattr(lock_module, "WAIT_SECONDS", 0.2)
    lock = two_notebooks / ".casework" / "lock"
    with build_lock(lock):
        assert run([], None, [], None, force=False, jobs=1) == 1
    err = capsys.readouterr().err
    assert f"another casework build (pid {os.getpid()}) holds the lock {lock}; waited 0.2 s" in err
    assert not list((two_notebooks / "analyses").glob("*.ipynb"))


def test_lock_held_by_another_process(tmp_path):
    lock = tmp_path / "lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from casework.pipeline.lock import build_lock\n"
         f"with build_lock(Path({str(lock)!r})):\n print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockError, match=f"pid {holder.pid}"):
            with build_lock(lock, wait=0.3):
                pass
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    with build_lock(lock, wait=0):  # released when the holder ended
        pass


def test_stale_lock_of_dead_process_is_taken_over(tmp_path):
    lock = tmp_path / ".casework" / "lock"
    lock.parent.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock.write_text(f"{dead.pid}\n")
    with build_lock(lock, wait=0):
        assert lock.read_text() == f"{os.getpid()}\n"
    assert lock.read_text() == ""


# A build holding the lock that starts one worker, which ends once the file argv[2] exists.
HOLDER = """
import subprocess, sys, time
from pathlib import Path
from casework.pipeline.lock import build_lock, inherited_fds
WORKER = "import os, sys, time\\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.05)"
with build_lock(Path(sys.argv[1])):
    worker = subprocess.Popen([sys.executable, "-c", WORKER, sys.argv[2]], pass_fds=inherited_fds())
    print(worker.pid, flush=True)
    time.sleep(600)
"""


def test_a_start_waits_for_the_workers_a_build_killed_outright_left(tmp_path, monkeypatch):
    """A build's workers inherit the lock's open file: killed outright, the build leaves
    them holding it, and the next start waits until they have ended (issue 22)."""
    import signal

    import psutil
    lock, flag = tmp_path / ".casework" / "lock", tmp_path / "worker-may-end"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock), str(flag)],
                              stdout=subprocess.PIPE, text=True)
    worker = psutil.Process(int(holder.stdout.readline()))
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    monkeypatch.setattr(lock_module, "ORPHAN_WAIT", 0.3)
    with pytest.raises(LockError, match=rf"a killed casework build \(pid {holder.pid}\) left notebook "
                                        rf"workers that still hold the lock {lock}; waited 0 s"):
        with build_lock(lock, wait=0):
            pass
    monkeypatch.setattr(lock_module, "ORPHAN_WAIT", 120)
    flag.touch()  # the worker ends now: the start below waits for exactly that
    with build_lock(lock, wait=0):
        assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE


# --- recorded values ----------------------------------------------------------------------

def results(root, name: str, values: dict) -> None:
    (root / "results").mkdir(exist_ok=True)
    doc = {"notebook": name, "values": {k: {"value": v, "display": d} for k, (v, d) in values.items()}}
    (root / "results" / f"{name}.json").write_text(json.dumps(doc))


def test_variables_from_results(tmp_path):
    results(tmp_path, "01_caseload", {"n_cases": (12086, "12,086"), "share": (0.44, "44%")})
    results(tmp_path, "02_case_development", {"odds": (1.5, "1.50")})
    (tmp_path / "results" / "_build.json").write_text("{}")
    (tmp_path / "results" / "01_caseload.comparison.csv").write_text("x\n")
    (tmp_path / "_variables.yml").write_text("build: {commit: abc}\nstale: {x: '1'}\n")
    path = write_variables(tmp_path)
    assert path.read_text().startswith("# Generated by `casework run`")
    assert yaml.safe_load(path.read_text()) == {
        "build": {"commit": "abc"},  # the renderer's stamp is kept; stale sections go
        "caseload": {"n_cases": "12,086", "share": "44%"},
        "case_development": {"odds": "1.50"}}
    mtime = path.stat().st_mtime_ns
    write_variables(tmp_path)
    assert path.stat().st_mtime_ns == mtime  # unchanged content: file not rewritten


def test_variables_refuse_two_notebooks_with_one_key(tmp_path):
    results(tmp_path, "01_caseload", {})
    results(tmp_path, "07_caseload", {})
    with pytest.raises(ValueError, match="07_caseload.json and 01_caseload.json would both be "
                                         "cited as 'caseload': rename one notebook"):
        collect(tmp_path / "results")


def test_variables_refuse_a_malformed_results_file(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "01_caseload.json").write_text('{"values": {"n": {"value": 1}}}')
    with pytest.raises(ValueError, match=r"01_caseload.json: not a results file of nb.record"):
        collect(tmp_path / "results")


# --- selection and progress ---------------------------------------------------------------

KNOWN = ["00_data_overview", "01_caseload", "02_case_development"]


@pytest.mark.parametrize("asked, chosen", [
    ([], KNOWN), (["01"], ["01_caseload"]), (["02_case_development", "00"], [KNOWN[0], KNOWN[2]]),
    (["caseload"], ["01_caseload"]), (["notebooks/01_caseload.py"], ["01_caseload"]),
    (["01", "01_caseload"], ["01_caseload"])])
def test_select(asked, chosen):
    assert select(asked, KNOWN) == chosen


def test_select_errors():
    with pytest.raises(SelectionError, match="unknown notebook '1'; known: 00_data_overview, "
                                             "01_caseload, 02_case_development"):
        select(["1"], KNOWN)
    with pytest.raises(SelectionError, match="notebook '01' is ambiguous: 01_a, 01_b"):
        select(["01"], ["01_a", "01_b"])


def test_progress_lines_in_a_log():
    clock = iter([0.0, 1.0, 1.5, 2.0, 4.25, 5.0]).__next__
    out = io.StringIO()
    p = Progress(out, clock=clock)
    p.started("01_caseload")
    p.cell("01_caseload", 2, 7)
    p.finished("01_caseload", "executed")
    p.summary(executed=1, cached=3, failed=0)
    assert out.getvalue().splitlines() == [
        "  01_caseload: starting kernel (0.5 s)", "  01_caseload: cell 2/7 (1.0 s)",
        "01_caseload: executed in 3.2 s", "1 executed, 3 cached, 0 failed in 5.0 s"]


def test_progress_on_a_terminal_redraws_one_status_line():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    p = Progress(out, clock=iter([0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 3.0, 3.0]).__next__)
    p.started("01_caseload")
    p.started("02_case_development")
    p.cell("01_caseload", 3, 9)
    p.finished("02_case_development", "executed")
    text = out.getvalue()
    assert "\r\033[K01_caseload cell 3/9 (2 s) · 02_case_development starting kernel (1 s)" in text
    assert text.endswith("\r\033[K02_case_development: executed in 2.0 s\n"
                         "\r\033[K01_caseload cell 3/9 (3 s)")  # the status line comes back


def test_the_number_of_entries_kept_is_configurable(project):
    cache = Cache(project / ".casework" / "cache", project, keep=2)
    for i in range(4):
        fake_outputs(project, "01_alpha", str(i))
        cache.store("01_alpha", f"key{i}", {})
        os.utime(project / ".casework" / "cache" / "01_alpha" / f"key{i}", ns=(i * 10**9, i * 10**9))
    assert [i for i in range(4) if cache.entry("01_alpha", f"key{i}")] == [2, 3]
    assert KEEP >= 4  # by default a reviewer can cycle four parameter sets without re-running


def test_cache_entries_must_be_positive(two_notebooks, capsys):
    assert run([], None, [], None, force=False, jobs=1, cache_entries=0) == 2
    assert "--cache-entries 0: expected a whole number of 1 or more" in capsys.readouterr().err


def test_library_versions_are_the_same_in_every_process(tmp_path):
    source = Path(__file__).resolve().parents[1] / "notebooks" / "04_regressions.py"
    code = ("import json; from pathlib import Path; from casework.pipeline import fingerprint as f; "
            f"print(json.dumps(f.libraries_of(Path({str(source)!r}))))")
    other = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    here = fingerprint.libraries_of(source)
    assert json.loads(other.stdout) == here
    assert {"pandas", "statsmodels", "numpy", "papermill", "python"} <= set(here)


# --- cores: notebooks side by side share them --------------------------------------------

@pytest.mark.parametrize("notebooks, jobs, shares", [
    (["01_alpha"], 2, [2]),                 # alone: every core, a cluster may start
    (["01_alpha", "02_beta"], 2, [1, 1]),   # side by side: one each, no cluster inside
    (["01_alpha", "02_beta"], 1, [2, 2]),   # one after another: every core each
])
def test_each_notebook_gets_its_share_of_the_cores(two_notebooks, monkeypatch, notebooks, jobs, shares):
    from casework.pipeline import run as run_module
    from casework.pipeline.worker import Outcome
    import threading
    started = []
    together = threading.Barrier(min(jobs, len(notebooks)), timeout=20)  # both run at once

    def fake_job(job, on_cell, running):
        started.append(job.cores)
        together.wait()
        return Outcome(ok=False, started=False)
    monkeypatch.setattr(run_module, "available_cores", lambda: 2)
    monkeypatch.setattr(run_module, "run_job", fake_job)
    tasks = [t for t in make_plan(two_notebooks, notebooks, None, [], None)]
    cache = Cache(two_notebooks / ".casework" / "cache", two_notebooks)
    run_module._execute(two_notebooks, tasks, jobs, cache, Progress(io.StringIO()))
    assert started == shares


# --- executed notebooks are build products ------------------------------------------------

def test_an_executed_notebook_is_written_read_only_with_a_note_under_its_title(tmp_path):
    import nbformat
    import stat
    from casework.pipeline.execute import BUILD_PRODUCT_CLASS, write_clean
    out = tmp_path / "analyses" / "01_alpha.ipynb"
    out.parent.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Alpha\n\nText."),
                                         nbformat.v4.new_code_cell("x = 1")])
    for run in range(2):  # the second build replaces the read-only file of the first
        write_clean(nb, out, {"n": run}, source="notebooks/01_alpha.py")
        assert stat.S_IMODE(out.stat().st_mode) == 0o444
        written = nbformat.read(out, as_version=4)
        assert written.metadata.papermill.parameters == {"n": run}
    first = written.cells[0].source.splitlines()
    assert first[0] == "# Alpha"  # the title still opens the cell: Quarto takes it from there
    assert f'<div class="{BUILD_PRODUCT_CLASS}">' in first
    note = "\n".join(first)
    assert '<a href="../notebooks/01_alpha.py">' in note and "Edit that source" in note
    assert first[-1] == "Text." and len(written.cells) == 2
    css = (Path(__file__).resolve().parents[1] / "styles.css").read_text()
    assert f".{BUILD_PRODUCT_CLASS} {{ display: none; }}" in css  # not on the site


def test_a_notebook_without_a_title_gets_the_note_as_its_own_first_cell(tmp_path):
    import nbformat
    from casework.pipeline.execute import mark_build_product
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    mark_build_product(nb, "notebooks/02_beta.py")
    assert nb.cells[0].cell_type == "markdown" and "notebooks/02_beta.py" in nb.cells[0].source


def test_a_restored_executed_notebook_is_read_only_again(project):
    import stat
    cache = Cache(project / ".casework" / "cache", project)
    fake_outputs(project, "01_alpha", "one")
    cache.store("01_alpha", "key1", {})
    fake_outputs(project, "01_alpha", "two")
    cache.store("01_alpha", "key2", {})
    cache.restore("01_alpha", "key1")
    restored = project / "analyses" / "01_alpha.ipynb"
    assert restored.read_text() == "notebook one" and stat.S_IMODE(restored.stat().st_mode) == 0o444
    assert stat.S_IMODE((project / "results" / "01_alpha.json").stat().st_mode) & 0o200  # values stay writable


def test_a_restore_brings_back_the_tables_a_notebook_exported(tmp_path):
    """results/tables/NN_*.csv belong to the notebook's entry: after another parameter set
    rewrote them, going back restores this set's tables, not only its values."""
    root = tmp_path
    (root / "analyses").mkdir()
    (root / "results" / "tables").mkdir(parents=True)
    executed = root / "analyses" / "04_regressions.ipynb"
    values = root / "results" / "04_regressions.json"
    table = root / "results" / "tables" / "04_regressions_robustness.csv"
    other = root / "results" / "tables" / "05_freethe20_cox_table1.csv"
    other.write_text("not 04's\n")
    cache = Cache(root / ".casework" / "cache", root)
    for key, rows in (("a" * 64, "default\n"), ("b" * 64, "sensitivity\n")):
        executed.write_text(f"{{}} {key}")
        values.write_text(f'{{"set": "{rows.strip()}"}}')
        table.write_text(rows)
        cache.store("04_regressions", key, {"params": {}})
    cache.restore("04_regressions", "a" * 64)
    assert table.read_text() == "default\n"
    assert json.loads(values.read_text()) == {"set": "default"}
    assert other.read_text() == "not 04's\n"                     # another notebook's table untouched
    assert cache.is_current("04_regressions", "a" * 64)
    table.write_text("edited by hand\n")                         # a touched table is not current
    assert not cache.is_current("04_regressions", "a" * 64)


def test_an_entry_of_an_earlier_layout_is_a_miss(tmp_path):
    """Entries written before tables were stored would restore a notebook without them."""
    root = tmp_path
    (root / "analyses").mkdir()
    (root / "analyses" / "04_regressions.ipynb").write_text("{}")
    cache = Cache(root / ".casework" / "cache", root)
    cache.store("04_regressions", "c" * 64, {"params": {}})
    assert cache.entry("04_regressions", "c" * 64) is not None
    (entry,) = (root / ".casework" / "cache" / "04_regressions").glob("*/entry.json")
    meta = json.loads(entry.read_text())
    del meta["layout"]
    entry.write_text(json.dumps(meta))
    assert cache.entry("04_regressions", "c" * 64) is None
    assert cache.current_key("04_regressions") is None


# --- remembered file digests (pipeline.digests): what a no-op build does not read again --

def _aged(path: Path, seconds: float = 10.0) -> None:
    """Set a file's mtime back (its ctime stays now: what a write does is still seen)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def test_a_remembered_digest_is_used_only_while_the_file_is_unchanged(tmp_path, monkeypatch):
    from casework.pipeline import digests
    table = tmp_path / "table.csv"
    table.write_bytes(b"a,b\n1,2\n")
    _aged(table)
    monkeypatch.setattr(digests, "RACY_NS", 0)  # ctime is now: remember anyway, for the test
    with digests.remembering(tmp_path):
        first = digests.digest(table)
    store = tmp_path / ".casework" / "digests.json"
    assert json.loads(store.read_text())["files"][str(table)][4] == first
    # Same size, same mtime, other bytes: the write moved the ctime, so it is hashed again.
    st = table.stat()
    table.write_bytes(b"a,b\n1,3\n")
    os.utime(table, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert table.stat().st_size == st.st_size and table.stat().st_mtime_ns == st.st_mtime_ns
    with digests.remembering(tmp_path):
        assert digests.digest(table) == digests.sha256_file(table) != first
    # A remembered digest is what is returned, without reading the file (shown by a stored lie).
    doc = json.loads(store.read_text())
    doc["files"][str(table)][4] = "remembered"
    store.write_text(json.dumps(doc))
    with digests.remembering(tmp_path):
        assert digests.digest(table) == "remembered"
        assert fingerprint.file_digest(tmp_path / "gone.csv") == "missing"
    assert digests.digest(table) == digests.sha256_file(table)  # outside a block: always hashed


def test_a_file_written_just_now_is_not_remembered(tmp_path):
    """As git's racily clean entries: a write in the same clock tick after the hashing could
    keep every stamp, so a digest is remembered only for stamps older than RACY_NS."""
    from casework.pipeline import digests
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("now")
    with digests.remembering(tmp_path):
        assert digests.digest(fresh) == digests.sha256_file(fresh)
    assert not (tmp_path / ".casework" / "digests.json").exists()  # nothing worth storing
    (tmp_path / ".casework").mkdir()
    (tmp_path / ".casework" / "digests.json").write_text("{not json")  # a broken store: unused
    with digests.remembering(tmp_path):
        assert digests.digest(fresh) == digests.sha256_file(fresh)


def test_remembered_notebook_tables_follow_the_source(tmp_path, monkeypatch):
    """The tables a source names are remembered under its digest (and the codebook's): an
    edit that keeps size and mtime is still read again."""
    from casework.pipeline import digests
    monkeypatch.setattr(digests, "RACY_NS", 0)
    source = tmp_path / "01_alpha.py"
    source.write_text('nb = casework.notebook.start("01_alpha", globals(), tables=["cases"])\n')
    _aged(source)
    with digests.remembering(tmp_path):
        assert fingerprint.notebook_tables(source) == fingerprint.with_references(["cases"])
    assert any(k.startswith("notebook_tables:") for k in
               json.loads((tmp_path / ".casework" / "digests.json").read_text())["derived"])
    st = source.stat()
    source.write_text('nb = casework.notebook.start("01_alpha", globals(), tables=["sample"])\n')
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))
    with digests.remembering(tmp_path):
        assert fingerprint.notebook_tables(source) == fingerprint.with_references(["sample"]) != fingerprint.with_references(["cases"])


def test_a_remembered_walk_of_the_imports_follows_the_package(tmp_path, monkeypatch):
    """The walk of a notebook's casework imports is remembered under the package's state
    (every file's stamps): a new module the notebook imports is found."""
    from casework.pipeline import digests
    pkg = tmp_path / "casework"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("import numpy\n")
    source = tmp_path / "01_alpha.py"
    source.write_text("from casework import a, b\n")
    for p in (pkg / "__init__.py", pkg / "a.py", source):
        _aged(p)
    assert fingerprint.package_state(pkg) is None            # ctimes are fresh: not remembered
    monkeypatch.setattr(digests, "RACY_NS", 0)
    state = fingerprint.package_state(pkg)
    with digests.remembering(tmp_path):
        first = fingerprint.walk(source, pkg, state)
    assert [p.name for p in first[0]] == ["__init__.py", "a.py"] and first[1] == {"numpy"}
    (pkg / "b.py").write_text("import scipy\n")
    assert fingerprint.package_state(pkg) != state
    with digests.remembering(tmp_path):
        assert fingerprint.walk(source, pkg, state) == first   # remembered under the old state
        again = fingerprint.walk(source, pkg, fingerprint.package_state(pkg))
    assert [p.name for p in again[0]] == ["__init__.py", "a.py", "b.py"] and again[1] == {"numpy", "scipy"}


def test_the_store_of_digests_stays_bounded(tmp_path, monkeypatch):
    from casework.pipeline import digests
    monkeypatch.setattr(digests, "RACY_NS", 0)
    monkeypatch.setattr(digests, "MAX_DERIVED", 3)
    files = []
    for i in range(5):
        f = tmp_path / f"{i}.py"
        f.write_text(f"x = {i}\n")
        _aged(f)
        files.append(f)
    with digests.remembering(tmp_path):
        for i, f in enumerate(files):
            assert digests.derived(f, "kind", lambda i=i: i) == i
    doc = json.loads((tmp_path / ".casework" / "digests.json").read_text())
    assert sorted(doc["derived"].values()) == [2, 3, 4] and len(doc["files"]) == 5
