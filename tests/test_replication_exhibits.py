"""The paper's exhibit list: numbering, captions, cells, output files, errors."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from casework.replication.exhibits import ExhibitError, paper_exhibits, write_output

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def _project(tmp_path: Path, paper: str) -> Path:
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "paper.qmd").write_text(paper)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_a.py").write_text(
        "# %%\nimport x\n\n"
        "# %%\n#| label: fig-one\n#| fig-cap: \"First figure.\"\nplot()\n\n"
        "# %%\n#| label: tbl-one\n#| tbl-cap: A table.\nshow()\n\n"
        "# %%\n#| label: fig-two\n#| fig-cap: Second.\nplot()\n")
    return tmp_path


def test_exhibits_are_numbered_per_kind_in_order_of_appearance(tmp_path):
    root = _project(tmp_path, "Text\n{{< embed ../analyses/01_a.ipynb#fig-one >}}\n"
                              "{{< embed ../analyses/01_a.ipynb#tbl-one >}}\n"
                              "{{< embed ../analyses/01_a.ipynb#fig-two >}}\n"
                              "again {{< embed ../analyses/01_a.ipynb#fig-one >}}\n")
    found = [(e.number, e.label, e.notebook, e.caption, e.source) for e in paper_exhibits(root)]
    assert found == [("Figure 1", "fig-one", "01_a", "First figure.", "notebooks/01_a.py"),
                     ("Table 1", "tbl-one", "01_a", "A table.", "notebooks/01_a.py"),
                     ("Figure 2", "fig-two", "01_a", "Second.", "notebooks/01_a.py")]


def test_an_embed_of_a_missing_cell_names_paper_line_and_notebook(tmp_path):
    root = _project(tmp_path, "one\ntwo\n{{< embed ../analyses/01_a.ipynb#fig-gone >}}\n")
    with pytest.raises(ExhibitError, match=r"paper/paper.qmd, line 3: no cell labelled 'fig-gone' "
                                           r"in notebooks/01_a.py"):
        paper_exhibits(root)


def test_an_embed_of_a_missing_notebook_is_named(tmp_path):
    root = _project(tmp_path, "{{< embed ../analyses/09_none.ipynb#fig-one >}}\n")
    with pytest.raises(ExhibitError, match=r"line 1: embeds 09_none#fig-one, but notebooks/09_none.py "
                                           r"does not exist"):
        paper_exhibits(root)


def test_write_output_extracts_the_cells_image_and_table(tmp_path):
    root = _project(tmp_path, "{{< embed ../analyses/01_a.ipynb#fig-one >}}\n"
                              "{{< embed ../analyses/01_a.ipynb#tbl-one >}}\n"
                              "{{< embed ../analyses/01_a.ipynb#fig-two >}}\n")
    cell = lambda label, outputs: {"cell_type": "code", "source": [f"#| label: {label}\n", "x"],
                                   "outputs": outputs}
    nb = {"cells": [cell("fig-one", [{"output_type": "display_data", "data": {
                        "text/plain": "<Figure>", "image/png": base64.b64encode(PNG).decode()}}]),
                    cell("tbl-one", [{"output_type": "display_data", "data": {
                        "text/html": ["<table>", "</table>"]}}]),
                    cell("fig-two", [])]}
    (root / "analyses").mkdir()
    (root / "analyses" / "01_a.ipynb").write_text(json.dumps(nb))
    fig, tbl, empty = paper_exhibits(root)
    out = tmp_path / "out"
    assert write_output(root, fig, out).read_bytes() == PNG
    assert write_output(root, tbl, out).read_text() == "<table></table>"
    assert write_output(root, empty, out) is None
    assert sorted(p.name for p in out.iterdir()) == ["fig-one.png", "tbl-one.html"]
