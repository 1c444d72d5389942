"""JupyterLab for authors (`make lab`): notebooks open unmodified.

Why a source opened by double click was marked unsaved before any edit: jupytext reads
notebooks/NN_name.py into a notebook whose metadata hold what the header keeps
(`casework`, `kernelspec`; notebooks/jupytext.toml) and so no `language_info`.
JupyterLab writes the kernel's `language_info` into the notebook as soon as the kernel
starts, and that change marks the notebook modified. The executed notebooks in
analyses/ lack only its `version` (casework.pipeline.execute.clean drops it, so that a
build does not depend on the patch release of Python), with the same effect. Everything
else round-trips: jupytext reads and writes the sources byte for byte, cell ids are
not written to the text file, and the format version is the current one (4.5).

Keeping `language_info` in the sources would put the author's Python version into git.
Instead the contents manager `make lab` starts the server with fills it in as the
kernel will report it: ipykernel's own `language_info` for a notebook whose kernelspec
names Python. Saving writes nothing new to the source (the header filter drops it); the
paired notebooks/NN_name.ipynb, which git ignores, keeps it as JupyterLab would.

Imported by the Jupyter server only (`--ServerApp.contents_manager_class=
casework.lab.ContentsManager`); needs the dev lock (jupyter_server, jupytext's manager).
"""
from __future__ import annotations

import copy

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

KERNEL_LANGUAGE = "python"


def kernel_language_info() -> dict:
    """What the python3 kernel (ipykernel, in this environment) reports as language_info."""
    from ipykernel.ipkernel import IPythonKernel
    return copy.deepcopy(IPythonKernel.language_info)


def with_kernel_language_info(notebook) -> bool:
    """Set the notebook's language_info to the kernel's when its kernelspec names Python;
    True when that changed anything."""
    metadata = notebook["metadata"]
    spec = metadata.get("kernelspec") or {}
    if spec.get("language", KERNEL_LANGUAGE) != KERNEL_LANGUAGE:
        return False
    info = kernel_language_info()
    if metadata.get("language_info") == info:
        return False
    metadata["language_info"] = info
    return True


class ContentsManager(build_async_jupytext_contents_manager_class(AsyncLargeFileManager)):
    """jupytext's contents manager (as jupytext's own server extension builds it), with
    every notebook handed to JupyterLab already carrying the kernel's language_info."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content") is not None:
            with_kernel_language_info(model["content"])
        return model
