"""JupyterLab opens a notebook unmodified: the contents manager `make lab` configures
(casework.lab), driven through its API without a browser (tests/test_jupyterlab.py
checks the same in a real JupyterLab).

A notebook is marked modified when JupyterLab changes its model after loading it; the
one change it makes unasked is the kernel's language_info, written when the kernel
starts. So: what the server hands out must already hold it, and saving that unchanged
must write the same source bytes.
"""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest

pytest.importorskip("jupyter_server", reason="JupyterLab's server comes with the dev lock (`make dev`)")
from casework import lab  # noqa: E402  (needs jupyter_server)
from casework.pipeline.execute import clean  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("[0-9]*_*.py"))


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "notebooks").mkdir()
    for path in [*SOURCES, ROOT / "notebooks" / "jupytext.toml"]:
        shutil.copy(path, tmp_path / "notebooks" / path.name)
    return tmp_path


def manager(root: Path) -> lab.ContentsManager:
    return lab.ContentsManager(root_dir=str(root))


def test_the_sources_lack_only_what_the_kernel_adds():
    """The diagnosis: jupytext reads a source (as the Jupytext Notebook viewer gets it)
    without language_info, which the kernel then writes into the open notebook."""
    info = lab.kernel_language_info()
    assert info["name"] == "python" and info["version"].count(".") == 2
    for source in SOURCES:
        nb = jupytext.read(source)
        assert "language_info" not in nb.metadata, source.name
        assert nb.metadata["kernelspec"]["name"] == "python3" and (nb.nbformat, nb.nbformat_minor) == (4, 5)


def test_a_source_opens_with_the_kernels_language_info_and_saves_byte_for_byte(project):
    cm = manager(project)
    for source in SOURCES:
        path = f"notebooks/{source.name}"
        model = asyncio.run(cm.get(path))
        nb = model["content"]
        assert model["type"] == "notebook"
        assert nb["metadata"]["language_info"] == lab.kernel_language_info(), source.name
        assert not lab.with_kernel_language_info(nb)  # nothing left for the kernel to change
        asyncio.run(cm.save({"type": "notebook", "format": "json", "content": nb}, path))
        assert (project / path).read_bytes() == source.read_bytes(), source.name
        paired = nbformat.read(project / path.replace(".py", ".ipynb"), as_version=4)
        assert paired.metadata["language_info"] == lab.kernel_language_info()
        # opened again (now with its paired copy): still nothing for the kernel to change
        again = asyncio.run(cm.get(path))["content"]
        assert not lab.with_kernel_language_info(again)
        assert [c["source"] for c in again["cells"]] == [c["source"] for c in nb["cells"]]


def test_an_executed_notebook_opens_with_the_kernels_language_info(project):
    """analyses/NN_name.ipynb keeps language_info without its version (a build does not
    depend on Python's patch release); the server completes it."""
    nb = jupytext.read(SOURCES[0])
    nb.metadata["language_info"] = lab.kernel_language_info()
    (project / "analyses").mkdir()
    nbformat.write(clean(nb, {"confidence": 0.95}), project / "analyses" / "01.ipynb")
    on_disk = nbformat.read(project / "analyses" / "01.ipynb", as_version=4)
    assert "version" not in on_disk.metadata["language_info"]
    model = asyncio.run(manager(project).get("analyses/01.ipynb"))
    assert model["content"]["metadata"]["language_info"] == lab.kernel_language_info()


def test_a_notebook_for_another_language_is_left_alone():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}})
    assert not lab.with_kernel_language_info(nb) and "language_info" not in nb.metadata
