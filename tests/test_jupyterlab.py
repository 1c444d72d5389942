"""An author's first edit in a real JupyterLab, right after a build (headless Chromium).

The done-when of the authoring layout: after `casework build`, a double click on
notebooks/01_caseload.py in JupyterLab's file browser opens it as a notebook (jupytext's
"Jupytext Notebook" viewer, set as `make lab` sets it), with no "File Load Error"; a
one-line edit saved with Ctrl+S is a one-line diff of the source in git, and the paired
author's copy notebooks/01_caseload.ipynb is written beside it.

Needs the dev lock (`make dev` or `make lab`: JupyterLab, jupytext's lab extension,
Playwright) and Chromium; CI installs only the main lock, so there it is skipped.
The server runs on a copy of the built project (the sources git tracks, the executed
notebooks), never on the working tree. A screenshot lands in tests/_screenshots/.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "tests" / "_screenshots"
NOTEBOOK = "01_caseload.py"
EDIT = "  # an author's edit"
# where `make lab` puts the default-viewer setting: <sys.prefix>/share/jupyter/lab/settings
OVERRIDES = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
VIEWER = {"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}
# the server options `make lab` passes (Makefile): notebooks open unmodified (casework.lab)
LAB_OPTIONS = ["--ServerApp.contents_manager_class=casework.lab.ContentsManager"]
DIRTY_TAB = ".lm-TabBar-tab.lm-mod-current.jp-mod-dirty"

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("jupyterlab") is None,
                       reason="JupyterLab is not installed (`make dev` installs it from "
                              "requirements/dev-lock.txt; CI installs only the main lock)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="Playwright is not installed (it comes with `make dev`)"),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)"),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (the diff is git's)"),
]


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def project(built_project, tmp_path) -> Path:
    """The built compendium as an author's clone sees it: the tracked sources (committed)
    and the executed notebooks the build wrote, with their times (they are newer)."""
    proj = tmp_path / "proj"
    (proj / "notebooks").mkdir(parents=True)
    # the sources as committed: notebooks/*.py and jupytext.toml, no author's .ipynb copies
    for path in [*(built_project / "notebooks").glob("*.py"), built_project / "notebooks" / "jupytext.toml"]:
        shutil.copy2(path, proj / "notebooks" / path.name)
    shutil.copytree(built_project / "analyses", proj / "analyses")
    _git("init", "-q", cwd=proj)
    _git("add", "notebooks", cwd=proj)
    _git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q",
         "-m", "sources", cwd=proj)
    return proj


def _lab_settings() -> None:
    """The settings `make lab` writes (in this environment): jupytext-config's default
    viewer, then casework.lab_settings (no news prompt)."""
    from casework import lab_settings

    if not (OVERRIDES.is_file() and json.loads(OVERRIDES.read_text()).get(
            "@jupyterlab/docmanager-extension:plugin", {}).get("defaultViewers", {}).get("python")):
        exe = Path(sys.executable).with_name("jupytext-config")
        done = subprocess.run([str(exe), "--settings-file", str(OVERRIDES), "set-default-viewer", "python"],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    lab_settings.apply(OVERRIDES)


@pytest.fixture
def lab(project, tmp_path):
    """`jupyter lab` on the project copy; yields its URL. The author's own Jupyter
    settings and workspaces are kept out (a temporary config directory)."""
    _lab_settings()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={project}",
         *LAB_OPTIONS,
         *(["--allow-root"] if os.geteuid() == 0 else [])],  # CI containers run as root
        cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not start:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextmanager
def _opened(lab: str, folder: str, name: str):
    """A JupyterLab page (1400 px) with folder/name opened from the file browser by double
    clicks, as an author does; yields (page, the notebook's panel)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            page.goto(f"{lab}/lab", wait_until="domcontentloaded")
            listing = page.locator(".jp-DirListing-content")
            listing.get_by_text(folder, exact=True).dblclick(timeout=60_000)
            listing.get_by_text(name, exact=True).dblclick(timeout=30_000)
            yield page, page.locator(".jp-NotebookPanel:visible")
        finally:
            browser.close()


def test_a_source_opens_as_a_notebook_and_a_one_line_edit_is_a_one_line_diff(lab, project):
    SHOTS.mkdir(exist_ok=True)
    with _opened(lab, "notebooks", NOTEBOOK) as (page, panel):
        panel.locator(".jp-CodeCell").first.wait_for(timeout=60_000)
        dialogs = page.locator(".jp-Dialog")
        assert not dialogs.filter(has_text="File Load Error").count(), dialogs.first.inner_text()
        assert page.locator(".jp-FileEditor:visible").count() == 0  # not the text editor
        assert page.locator(".lm-TabBar-tab.lm-mod-current", has_text=NOTEBOOK).count()

        # the kernel the header names starts without a "Select Kernel" question
        page.locator(".jp-Notebook-ExecutionIndicator, .jp-Toolbar-kernelName",
                     has_text="Python 3").first.wait_for(timeout=60_000)
        assert not dialogs.count(), dialogs.first.inner_text()
        # and, once it is ready, the untouched notebook is not marked modified
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=120_000)
        page.wait_for_timeout(2000)
        assert page.locator(DIRTY_TAB).count() == 0, "opened untouched, marked modified"

        # one line: the end of the first code cell (the parameters), then Ctrl+S
        editor = panel.locator(".jp-CodeCell .cm-content").first
        editor.click()
        page.keyboard.press("Control+End")
        page.keyboard.type(EDIT)
        page.keyboard.press("Control+s")
        source = project / "notebooks" / NOTEBOOK
        deadline = time.monotonic() + 30
        while EDIT not in source.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.25)
        page.screenshot(path=str(SHOTS / "jupyterlab_edit.png"))
        assert not dialogs.count(), dialogs.first.inner_text()

    assert _git("diff", "--numstat", cwd=project) == f"1\t1\tnotebooks/{NOTEBOOK}\n"
    changed = [line for line in _git("diff", "-U0", cwd=project).splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 2 and changed[1] == changed[0].replace("-", "+", 1) + EDIT
    assert (project / "notebooks" / NOTEBOOK).with_suffix(".ipynb").is_file()  # the paired copy


def test_an_executed_notebook_opens_unmodified_and_says_where_its_source_is(lab, project):
    with _opened(lab, "analyses", "04_regressions.ipynb") as (page, panel):  # analyses/ reachable
        note = panel.locator(".jp-MarkdownCell").first.locator(".casework-build-product")
        note.wait_for(timeout=60_000)
        assert "notebooks/04_regressions.py" in note.inner_text()
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=120_000)
        page.wait_for_timeout(2000)
        page.screenshot(path=str(SHOTS / "jupyterlab_executed.png"))
        assert page.locator(DIRTY_TAB).count() == 0, "opened untouched, marked modified"
        # no "Would you like to get notified about official Jupyter news?" toast
        assert page.get_by_text("Jupyter news").count() == 0, "the news prompt is shown"
