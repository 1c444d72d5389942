"""Authors edit notebooks/NN_name.py with jupytext; these tests use jupytext itself.

- Opening and saving a source unchanged changes nothing; a one-line edit is a
  one-line diff (the sources are normalised to notebooks/jupytext.toml).
- A build writes nothing an author's pairing touches: after `casework build`,
  `jupytext --sync` leaves every source as it is, and the executed notebooks in
  analyses/ are not paired with anything.
- `make lab`'s settings step makes "Jupytext Notebook" the default viewer of .py files.
"""
from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("*.py"))


def jupytext(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "jupytext", "--quiet", *args], cwd=cwd,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """A copy of notebooks/ (sources and jupytext.toml), outside the repository."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for path in [*SOURCES, ROOT / "notebooks" / "jupytext.toml"]:
        shutil.copy(path, folder / path.name)
    return folder


def test_every_source_round_trips_unchanged(notebooks):
    """Open (py -> paired ipynb) and save (ipynb -> py) without an edit: same bytes."""
    names = [p.name for p in SOURCES]
    jupytext("--sync", *names, cwd=notebooks)
    for name in names:
        assert (notebooks / name).with_suffix(".ipynb").is_file()
        (notebooks / name).unlink()
    jupytext("--sync", *[Path(n).with_suffix(".ipynb").name for n in names], cwd=notebooks)
    for source in SOURCES:
        assert (notebooks / source.name).read_text(encoding="utf-8") == source.read_text(encoding="utf-8"), \
            source.name


def test_a_one_line_edit_is_a_one_line_diff(notebooks):
    name = SOURCES[0].name
    jupytext("--sync", name, cwd=notebooks)
    paired = (notebooks / name).with_suffix(".ipynb")
    nb = nbformat.read(paired, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown")
    first, _, rest = cell.source.partition("\n")
    cell.source = first + " (edited)\n" + rest
    nbformat.write(nb, paired)
    jupytext("--sync", paired.name, cwd=notebooks)
    diff = [line for line in difflib.unified_diff(SOURCES[0].read_text().splitlines(),
                                                  (notebooks / name).read_text().splitlines(), lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert diff == [f"-# {first}", f"+# {first} (edited)"]


def test_a_build_leaves_the_authors_pairing_alone(built_project, tmp_path):
    """After `casework build`: syncing the sources changes none of them, and the executed
    notebooks are not paired (a sync neither writes a .py beside them nor changes them)."""
    copy = tmp_path / "proj"
    shutil.copytree(built_project / "notebooks", copy / "notebooks",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    shutil.copytree(built_project / "analyses", copy / "analyses")
    jupytext("--sync", *[p.name for p in SOURCES], cwd=copy / "notebooks")
    for source in SOURCES:
        assert (copy / "notebooks" / source.name).read_bytes() == source.read_bytes(), source.name
    executed = sorted((copy / "analyses").glob("*.ipynb"))
    assert [p.stem for p in executed] == [p.stem for p in SOURCES]
    before = {p.name: p.read_bytes() for p in executed}
    subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--sync", *before],
                   cwd=copy / "analyses", capture_output=True, text=True)
    assert sorted(p.name for p in (copy / "analyses").iterdir()) == sorted(before)
    assert {p.name: p.read_bytes() for p in executed} == before
    # and the repository's sources are what git has
    status = subprocess.run(["git", "status", "--porcelain", "--", "notebooks"], cwd=built_project,
                            capture_output=True, text=True)
    if status.returncode == 0:
        assert status.stdout == ""


def test_make_lab_settings_open_py_files_as_notebooks(tmp_path):
    settings = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    makefile = (ROOT / "Makefile").read_text()
    assert "jupytext-config --settings-file $(LAB_SETTINGS) set-default-viewer python" in makefile
    assert "LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json" in makefile
    done = subprocess.run([str(Path(sys.executable).with_name("jupytext-config")), "--settings-file",
                           str(settings), "set-default-viewer", "python"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(settings.read_text()) == {
        "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}


def test_make_lab_turns_the_news_prompt_off_and_keeps_the_viewer(tmp_path):
    from casework import lab_settings

    assert "$(BIN)/python -m casework.lab_settings $(LAB_SETTINGS)" in (ROOT / "Makefile").read_text()
    settings = tmp_path / "overrides.json"
    viewer = {"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}
    settings.write_text(json.dumps(viewer))
    done = subprocess.run([sys.executable, "-m", "casework.lab_settings", str(settings)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(settings.read_text()) == {
        **viewer, "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                                  "checkForUpdates": False}}


def test_lab_settings_refuse_a_settings_file_that_is_not_a_json_object(tmp_path):
    settings = tmp_path / "overrides.json"
    for text, expected in (("{not json", "not JSON"), ("[1, 2]", "expected a JSON object")):
        settings.write_text(text)
        done = subprocess.run([sys.executable, "-m", "casework.lab_settings", str(settings)],
                              capture_output=True, text=True)
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
        assert f"error: {settings}: " in done.stderr and expected in done.stderr
        assert settings.read_text() == text  # left as it was
