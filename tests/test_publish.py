"""Only complete, consistent builds are published: killed builds, concurrent renders,
mixed parameter sets and leftovers of killed renders leave the previous site.

Builds run in a subprocess (the `casework` command, patched to the scratch project's
schema) so that they can be killed with SIGTERM and SIGKILL.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from test_parameters import project, write_notebook  # noqa: F401 (fixture)
from test_pipeline import RECORD, build

from casework.website import publish
from casework.website.errors import RenderError
from casework.website.render import render

QUARTO = ("project:\n  type: website\n  output-dir: _site\n"
          "  render: [index.qmd, analyses/01_alpha.ipynb, analyses/02_beta.ipynb]\n"
          "website:\n  title: Scratch\n  navbar:\n    left: [index.qmd]\n"
          "  page-footer:\n    right: \"Parameter set {{< var build.params_name >}}, not default: "
          "{{< var build.params_changed >}}\"\n")

# The `casework` command in a child process, seeing the scratch project as the fixture does.
CHILD = """
import sys
from pathlib import Path
from casework.pipeline import fingerprint, parameters
root = Path(sys.argv[1])
parameters.SCHEMA_PATH = root / "schema.yml"
fingerprint.PACKAGE_DIR = root / "fake_casework"
from casework.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def site_project(project):
    """Two light notebooks; 02_beta, when label=slow, waits until the test kills the build
    (a condition, not a duration that could run out on a loaded machine; 600 s at most, so a
    failed test leaves nothing running)."""
    write_notebook(project, "01_alpha", RECORD, 'record("01_alpha", n=n)')
    write_notebook(project, "02_beta", RECORD, 'record("02_beta", label=label)',
                   'import time\nif label == "slow":\n    time.sleep(600)')
    (project / "_quarto.yml").write_text(QUARTO)
    (project / "index.qmd").write_text("---\ntitle: Home\n---\n\nThe label is {{< var beta.label >}}.\n")
    assert build() == 0
    render(project, renderer="builtin")
    assert "The label is hello." in home(project)
    return project


def home(root: Path) -> str:
    return (root / "_site" / "index.html").read_text()


def status(root: Path, name: str) -> str | None:
    try:
        return json.loads((root / "results" / "_build.json").read_text())["notebooks"][name]["status"]
    except (OSError, ValueError, KeyError):
        return None


def start_slow_build(root: Path) -> subprocess.Popen:
    """`casework build -p label=slow` in a child; returns once 02_beta's kernel is busy."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(root), "build", "-p", "label=slow"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while status(root, "02_beta") != "running" or not (root / "results" / "02_beta.json").exists() \
            or json.loads((root / "results" / "02_beta.json").read_text())["values"]["label"]["value"] != "slow":
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the slow notebook never started"
        time.sleep(0.2)
    return proc


def no_leftovers(root: Path) -> bool:
    return publish.leftovers(root / "_site") == []


def still_running(procs: list[psutil.Process]) -> list[str]:
    """The processes of `procs` still running (a zombie, killed but not yet reaped, writes nothing)."""
    alive = []
    for p in procs:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append(" ".join(p.cmdline()[:3]))
        except psutil.Error:
            pass
    return alive


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_build_is_refused_and_the_previous_site_stays(site_project, sig):
    proc = start_slow_build(site_project)
    workers = psutil.Process(proc.pid).children(recursive=True)  # the notebook's worker and kernel
    assert len(workers) >= 2, workers
    proc.send_signal(sig)
    proc.communicate(timeout=300)  # winding down is slow on a busy machine
    with pytest.raises(RenderError) as err:
        render(site_project, renderer="builtin")
    # After SIGKILL the worker outlives the build for a moment and may still write; the
    # render (like any next start) waits for it on the build lock its workers inherit.
    assert still_running(workers) == []
    message = str(err.value)
    assert "refusing to render" in message and "02_beta:" in message and "01_alpha" not in message
    expected = "did not finish" if sig == signal.SIGKILL else "its last run failed"
    assert expected in message
    assert "The label is hello." in home(site_project) and no_leftovers(site_project)
    # Finishing the build publishes again.
    assert build() == 0
    render(site_project, renderer="builtin")
    assert "The label is hello." in home(site_project)


def test_a_render_during_a_build_waits_then_refuses(site_project, monkeypatch):
    monkeypatch.setattr(publish, "RENDER_WAIT", 0.5)
    proc = start_slow_build(site_project)
    try:
        with pytest.raises(RenderError, match=r"another casework build \(pid \d+\) holds the lock .*"
                                              r"the published one is unchanged"):
            render(site_project, renderer="builtin", force=True)
        assert "The label is hello." in home(site_project) and no_leftovers(site_project)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=300)  # winding down is slow on a busy machine
    assert proc.returncode == 130


def test_a_mixed_parameter_set_is_refused_naming_the_notebook(site_project):
    assert build("01_alpha", overrides=["confidence=0.9"]) == 0
    with pytest.raises(RenderError) as err:
        render(site_project, renderer="builtin")
    assert ("02_beta: ran with confidence=0.95 (set: 0.9), not with the parameter set of the last run "
            "(params/default.yml -p confidence=0.9)" in str(err.value)
            or "02_beta: ran with confidence=0.95 (set: 0.9), not with the parameter set of the last run "
               "(schema defaults -p confidence=0.9)" in str(err.value))
    assert "01_alpha" not in str(err.value)
    assert build(overrides=["confidence=0.9"]) == 0  # the whole set: consistent again
    render(site_project, renderer="builtin")


def test_outputs_changed_after_the_record_are_refused(site_project):
    executed = site_project / "analyses" / "01_alpha.ipynb"
    executed.chmod(0o644)  # read-only as the build writes it: a hand edit unlocks it first
    executed.write_text(executed.read_text().replace('"cells"', '"cells" ', 1))
    with pytest.raises(RenderError, match=r"01_alpha: analyses/01_alpha.ipynb changed after its run"):
        render(site_project, renderer="builtin", force=True)


def test_a_killed_render_cleans_its_staging_folder(site_project, monkeypatch):
    from casework.website.builtin import builder

    def killed(self, folder):
        (folder / "index.html").write_text("half")
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(builder.SiteBuilder, "build", killed)
    with pytest.raises(KeyboardInterrupt):
        render(site_project, renderer="builtin", force=True)
    assert "The label is hello." in home(site_project) and no_leftovers(site_project)


def test_leftovers_of_a_sigkilled_render_are_tidied_and_a_lost_site_put_back(site_project):
    site = site_project / "_site"
    (site_project / "_site.k1.tmp").mkdir()
    old = site_project / "_site.k2.old"
    old.mkdir()
    site.rename(old / "_site")  # killed between the swap's two renames
    render(site_project, renderer="builtin")
    assert "The label is hello." in home(site_project) and no_leftovers(site_project)


def test_a_read_only_site_is_replaced_without_leaving_an_old_folder(site_project):
    site = site_project / "_site"
    for folder in [site, *(p for p in site.rglob("*") if p.is_dir())]:
        folder.chmod(0o555)
    render(site_project, renderer="builtin", force=True)
    assert "The label is hello." in home(site_project) and no_leftovers(site_project)


def test_every_page_names_the_parameter_set_and_its_non_default_values(site_project):
    assert "Parameter set schema defaults, not default: none" in home(site_project)
    assert build(overrides=["confidence=0.9", "02_beta.label=other"]) == 0
    render(site_project, renderer="builtin")
    assert ("Parameter set schema defaults -p confidence=0.9 -p 02_beta.label=other, not default: "
            "confidence=0.9; label=other") in home(site_project)
    for page in (site_project / "_site" / "analyses").glob("*.html"):
        assert "not default: confidence=0.9; label=other" in page.read_text()


def test_the_refusal_after_a_kill_names_only_the_unfinished_notebook_and_its_parameters(site_project):
    """01_alpha re-executes and finishes, 02_beta is killed mid-run: only 02_beta is listed,
    with the parameter set that was running (issue 22)."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(site_project), "build", "-p", "label=slow",
                             "-p", "n=7", "--jobs", "2"],
                            cwd=site_project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while status(site_project, "01_alpha") != "executed" or status(site_project, "02_beta") != "running":
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the build never reached the slow notebook"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=300)
    with pytest.raises(RenderError) as err:
        render(site_project, renderer="builtin")
    lines = str(err.value).splitlines()
    assert [line.strip().split(":")[0] for line in lines[1:-1]] == ["02_beta"]
    assert lines[1].strip().startswith("02_beta: its last run did not finish (the build was killed, or is "
                                       "still going), with parameter set ")
    assert lines[1].endswith("-p label=slow -p n=7 (label='slow')")
    assert "The label is hello." in home(site_project) and no_leftovers(site_project)
