"""The paper's PDF toolchain: Quarto parts resolved before pandoc, then pandoc + Typst."""
import json
from pathlib import Path

import nbformat
import pytest

from casework.website import paper_pdf
from casework.website.builtin.shortcodes import Variables
from casework.website.errors import RenderError

PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def project(tmp_path: Path, body: str) -> Path:
    (tmp_path / "paper").mkdir()
    (tmp_path / "analyses").mkdir()
    (tmp_path / "paper" / "paper.qmd").write_text(
        "---\ntitle: \"T {{< var a.n >}}\"\nbibliography: references.bib\n---\n\n" + body, encoding="utf-8")
    (tmp_path / "paper" / "references.bib").write_text(
        "@article{doe2020, author = {Doe, Jane}, title = {A Study}, journal = {Journal}, year = {2020}}\n")
    (tmp_path / "_variables.yml").write_text("a:\n  n: '461'\n")
    nb = nbformat.v4.new_notebook()
    fig = nbformat.v4.new_code_cell("#| label: fig-x\n#| fig-cap: \"A figure.\"\nplot()")
    fig.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG})]
    tbl = nbformat.v4.new_code_cell("#| label: tbl-y\n#| tbl-cap: \"A table.\"\nshow()")
    tbl.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<style>x{}</style><table><tr><th>a</th></tr><tr><td>1</td></tr></table>"})]
    nb.cells = [fig, tbl]
    nbformat.write(nb, tmp_path / "analyses" / "01_x.ipynb")
    return tmp_path


BODY = ("[PDF](paper.pdf)\n\n## Results {#sec-results}\n\nWe find {{< var a.n >}} cases (@fig-x, @tbl-y, "
        "@sec-results) as @doe2020 did.\n\n{{< embed ../analyses/01_x.ipynb#fig-x >}}\n\n"
        "{{< embed ../analyses/01_x.ipynb#tbl-y >}}\n\n## References\n")


def test_markdown_has_values_figures_tables_and_typst_references(tmp_path):
    root = project(tmp_path, BODY)
    md = paper_pdf.paper_markdown(root, Variables(root / "_variables.yml"), tmp_path)
    assert "We find 461 cases" in md and "title: T 461" in md
    assert "`@fig-x`{=typst}, `@tbl-y`{=typst}, `@sec-results`{=typst}" in md
    assert "@doe2020" in md                                   # citations are left to citeproc
    assert "![A figure.](fig-x.png){#fig-x width=100%}" in md and (tmp_path / "fig-x.png").is_file()
    assert "#figure(kind: table, caption: [A table.])" in md and "<tbl-y>" in md and "x{}" not in md
    assert "paper.pdf" not in md                              # the web page's PDF link stays on the web


def test_a_missing_cell_is_named(tmp_path):
    root = project(tmp_path, "{{< embed ../analyses/01_x.ipynb#fig-nope >}}\n")
    with pytest.raises(RenderError, match="no cell labelled 'fig-nope'"):
        paper_pdf.paper_markdown(root, Variables(root / "_variables.yml"), tmp_path)


def test_the_pdf_is_typeset_with_apsa_references(tmp_path):
    root = project(tmp_path, BODY)
    pdf = paper_pdf.build_pdf(root, Variables(root / "_variables.yml"), tmp_path / "out" / "paper.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1000
    assert paper_pdf.csl_path().name == "american-political-science-association.csl"
