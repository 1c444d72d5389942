"""With Quarto on PATH, `render` runs `quarto render` into a staging folder (a stand-in quarto here)."""
from __future__ import annotations

import json
import os
import stat
import sys

import pytest
import yaml

from casework.website.errors import RenderError
from casework.website.render import render
from test_render import scratch_project

FAKE_QUARTO = """\
#!{python}
import json, os, pathlib, sys
import yaml
args = sys.argv[1:]
pathlib.Path(os.environ["FAKE_QUARTO_LOG"]).write_text(json.dumps({{"args": args, "cwd": os.getcwd()}}))
out = pathlib.Path(args[args.index("--output-dir") + 1])
for page in yaml.safe_load(pathlib.Path("_quarto.yml").read_text())["project"]["render"]:
    target = out / pathlib.Path(page).with_suffix(".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("quarto site")
sys.exit(int(os.environ.get("FAKE_QUARTO_EXIT", "0")))
"""


@pytest.fixture
def quarto(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "quarto"
    exe.write_text(FAKE_QUARTO.format(python=sys.executable))
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "quarto.json"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    return log


def test_quarto_renders_the_project_into_a_staging_folder_then_swaps(tmp_path, quarto):
    root = scratch_project(tmp_path / "proj")
    site = render(root)
    call = json.loads(quarto.read_text())
    assert call["cwd"] == str(root)
    assert call["args"][:2] == ["render", "--output-dir"]
    assert call["args"][2].startswith("_site.") and call["args"][2].endswith(".tmp")
    assert (site / "index.html").read_text() == "quarto site"
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("_site")) == ["_site"]
    # the build values Quarto's footer cites are in _variables.yml before quarto runs
    assert yaml.safe_load((root / "_variables.yml").read_text())["build"]["data_kind"] == "synthetic data"


def test_quarto_failure_keeps_the_previous_site(tmp_path, quarto, monkeypatch):
    root = scratch_project(tmp_path / "proj")
    (root / "_site").mkdir()
    (root / "_site" / "index.html").write_text("previous")
    (root / "_site" / ".casework-site").write_text("a site casework wrote\n")
    monkeypatch.setenv("FAKE_QUARTO_EXIT", "1")
    with pytest.raises(RenderError, match=r"quarto render failed \(exit 1\); the previous site is unchanged"):
        render(root)
    assert (root / "_site" / "index.html").read_text() == "previous"
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("_site")) == ["_site"]


def test_missing_variables_is_reported_before_quarto_runs(tmp_path, quarto):
    root = scratch_project(tmp_path / "proj")
    (root / "_variables.yml").unlink()
    with pytest.raises(RenderError, match=r"_variables\.yml not found: run `casework run` first"):
        render(root)
    assert not quarto.exists()


def test_unexecuted_notebook_is_reported_before_quarto_runs(tmp_path, quarto):
    root = scratch_project(tmp_path / "proj")
    (root / "notebooks" / "01_alpha.ipynb").unlink()
    with pytest.raises(RenderError, match=r"notebooks/01_alpha\.ipynb: not executed yet"):
        render(root)
    assert not quarto.exists()


def test_builtin_can_be_chosen_even_with_quarto_on_path(tmp_path, quarto):
    root = scratch_project(tmp_path / "proj")
    site = render(root, renderer="builtin")
    assert not quarto.exists()
    assert "casework built-in renderer" in (site / "index.html").read_text()


def test_asking_for_quarto_without_it(tmp_path, monkeypatch):
    root = scratch_project(tmp_path / "proj")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(RenderError, match=r"renderer 'quarto' requested but quarto is not on PATH"):
        render(root, renderer="quarto")


def test_unknown_renderer(tmp_path):
    root = scratch_project(tmp_path / "proj")
    with pytest.raises(RenderError, match=r"renderer 'pandoc': expected one of quarto, builtin, auto"):
        render(root, renderer="pandoc")
