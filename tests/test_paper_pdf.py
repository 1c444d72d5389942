"""The paper's PDF toolchain: Quarto parts resolved before pandoc, then pandoc + Typst."""
import json
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from casework.website import paper_pdf, pdf_check
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
    # every embedded figure and table links to the notebook cell it comes from
    assert ("![A figure. Source: [notebook 01_x, cell `fig-x`](../analyses/01_x.html#fig-x).](fig-x.png)"
            "{#fig-x width=100%}") in md and (tmp_path / "fig-x.png").is_file()
    assert '#link("../analyses/01_x.html#tbl-y")' in md and "<tbl-y>" in md and "x{}" not in md
    # one figure per table: a table nested in a second figure would take two numbers
    assert md.count("#figure(") == 1 and "kind: table" in md and "caption: [A table." in md
    assert "paper.pdf" not in md                              # the web page's PDF link stays on the web


def test_docx_markdown_writes_the_numbers_out(tmp_path):
    root = project(tmp_path, BODY)
    md = paper_pdf.paper_markdown(root, Variables(root / "_variables.yml"), tmp_path, to="docx")
    assert "We find 461 cases (Figure\u00a01, Table\u00a01, Section\u00a01)" in md
    assert "![Figure 1: A figure. Source:" in md and ": Table 1: A table. Source:" in md


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


def test_authors_and_abstract_come_from_directory_metadata(tmp_path):
    root = project(tmp_path, BODY)
    (root / "paper" / "_metadata.yml").write_text(
        "author:\n  - name: Ada Lovelace\n    affiliations:\n      - name: Analytical Society\n"
        "  - name: Charles Babbage\n    affiliations: [Difference College]\n")
    qmd = root / "paper" / "paper.qmd"
    qmd.write_text(qmd.read_text().replace("---\n\n", "abstract: The data are synthetic.\n---\n\n", 1))
    assert [a["name"] for a in paper_pdf.authors(paper_pdf.paper_meta(root))] == ["Ada Lovelace", "Charles Babbage"]
    pdf = paper_pdf.build_pdf(root, Variables(root / "_variables.yml"), tmp_path / "out" / "paper.pdf")
    first = " ".join(w.text for w in pdf_check.pages(pdf)[0].words)
    for text in ("T 461", "Ada Lovelace", "Analytical Society", "Charles Babbage", "Difference College",
                 "Abstract", "The data are synthetic."):
        assert text in first


def test_an_author_without_a_name_is_named(tmp_path):
    with pytest.raises(RenderError, match="author 2 needs a 'name'"):
        paper_pdf.authors({"author": [{"name": "A"}, {"email": "b@example.org"}]})


TWO_TABLES = ("## Results {#sec-results}\n\nSee @tbl-y and @fig-x.\n\n{{< embed ../analyses/01_x.ipynb#tbl-y >}}\n\n"
              "{{< embed ../analyses/01_x.ipynb#fig-x >}}\n\n::: {.landscape .column-page}\n"
              "{{< embed ../analyses/01_x.ipynb#tbl-z >}}\n:::\n\nAfter.\n")


def _with_second_table(root: Path) -> Path:
    path = root / "analyses" / "01_x.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_code_cell("#| label: tbl-z\n#| tbl-cap: \"Wide.\"\nshow()")
    head = "".join(f"<th>column {i}</th>" for i in range(14))
    row = "".join(f"<td>+∞ (separation) {i}</td>" for i in range(14))
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": f"<table><thead><tr>{head}</tr></thead><tbody><tr>{row}</tr><tr>{row}</tr></tbody></table>"})]
    nb.cells.append(cell)
    nbformat.write(nb, path)
    return root


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_numbers_floats_as_the_html_and_turns_wide_tables(tmp_path):
    root = _with_second_table(project(tmp_path, TWO_TABLES))
    pdf = paper_pdf.build_pdf(root, Variables(root / "_variables.yml"), tmp_path / "out" / "paper.pdf")
    assert pdf_check.float_numbers(pdf) == {"Figure": [1], "Table": [1, 2]}
    assert pdf_check.overlapping_words(pdf) == [] and pdf_check.words_off_page(pdf) == []
    orientation = [p.landscape for p in pdf_check.pages(pdf)]
    assert True in orientation and orientation[0] is False and orientation[-1] is False
    docx = paper_pdf.build_docx(root, Variables(root / "_variables.yml"), tmp_path / "out" / "paper.docx")
    with zipfile.ZipFile(docx) as z:
        xml = z.read("word/document.xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
    assert "Table 1: A table." in xml and "Table 2: Wide." in xml and "Figure 1: A figure." in xml
    assert 'w:orient="landscape"' in xml and "../analyses/01_x.html#tbl-z" in rels


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_overlap_check_finds_text_printed_over_text(tmp_path):
    import typst
    source = tmp_path / "o.typ"
    source.write_text("Some words here.\n#place(top + left, dy: 0pt)[Printed over them]\n")
    typst.compile(str(source), output=str(tmp_path / "o.pdf"))
    assert len(pdf_check.overlapping_words(tmp_path / "o.pdf")) >= 1


def test_references_are_clean_apsa(tmp_path):
    """The paper's bibliography through citeproc: no braces, '&' in publishers, editions as
    '2nd ed.', and every entry says where it appeared."""
    import pypandoc
    root = Path(__file__).resolve().parents[1]
    text = pypandoc.convert_text("---\nnocite: '@*'\n---\n", "plain", format="markdown", extra_args=[
        "--citeproc", f"--csl={paper_pdf.csl_path()}", f"--bibliography={root / 'paper' / 'references.bib'}",
        "--columns=1000"])
    entries = [e for e in text.split("\n\n") if e.strip()]
    assert len(entries) >= 30
    for bad in ("{", "}", "Chapman; Hall", "Second.", "; Hall"):
        assert bad not in text, bad
    assert "Chapman & Hall" in text and "2nd ed." in text
    # a venue for every entry: journal, book, publisher, institution, school or event
    from pybtex.database import parse_file
    bib = parse_file(str(root / "paper" / "references.bib"))
    venues = ("journal", "booktitle", "publisher", "institution", "school", "eventtitle")
    assert [k for k, e in bib.entries.items() if not any(f in e.fields for f in venues)] == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_built_paper_pdf_is_clean_and_numbered_as_the_html(built_project):
    """The paper of the default build: no text over text, nothing off the page, no
    near-empty page, the HTML page's figure and table numbers, the same title (the
    sensitivity build: test_reviewer_workflow)."""
    site = built_project / "_site"
    assert pdf_check.check_paper(site) == []
    assert (site / "paper" / "paper.docx").is_file() and 'href="paper.docx"' in (
        site / "paper" / "paper.html").read_text(encoding="utf-8")
    # the robustness table fits one landscape page (no row alone on a second one)
    landscape = [p for p in pdf_check.pages(site / "paper" / "paper.pdf") if p.landscape]
    robustness = [p.number for p in landscape if any(w.text == "Firth" for w in p.words)]
    assert len(robustness) == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_table_rules_reach_pandoc_and_quarto_tables_alike(tmp_path):
    """paper/typst-tables.typ styles a table the same whether pandoc made it (kind: table)
    or Quarto (kind: "quarto-float-tbl"): 8-pt type, caption on top; the robustness table
    (by its label) 7 pt."""
    import typst
    rules = (Path(__file__).resolve().parents[1] / "paper" / "typst-tables.typ").read_text(encoding="utf-8")
    cell = "table(columns: 2, table.header([Head], [Other]), [alpha], [beta])"
    source = tmp_path / "t.typ"
    source.write_text(rules + "\n"
                      f"#figure({cell}, caption: [Pandoc], kind: table) <tbl-a>\n"
                      f"#figure([#{cell}], caption: [Quarto], kind: \"quarto-float-tbl\", supplement: \"Table\") <tbl-b>\n"
                      f"#figure({cell}, caption: [Robust], kind: table) <tbl-robustness>\n", encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "t.pdf"))
    words = pdf_check.pages(tmp_path / "t.pdf")[0].words
    heights = [round(w.y1 - w.y0, 1) for w in words if w.text == "alpha"]
    assert heights[0] == heights[1] and heights[2] < heights[0]   # 8 pt twice, then 7 pt
    tops = {w.text: w.y0 for w in words if w.text in ("Pandoc", "Quarto", "Robust")}
    heads = [w.y0 for w in words if w.text == "Head"]
    assert [tops["Pandoc"] < heads[0], tops["Quarto"] < heads[1], tops["Robust"] < heads[2]] == [True] * 3


def test_wide_tables_get_column_widths_from_their_content():
    def table(header, rows):
        def cell(text):
            return [["", [], []], {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": [{"t": "Str", "c": text}]}]]
        return {"t": "Table", "c": [["", [], []], [None, []], [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}]] * len(header),
                                    [["", [], []], [[["", [], []], [cell(h) for h in header]]]],
                                    [[["", [], []], 0, [], [[["", [], []], [cell(c) for c in r]] for r in rows]]],
                                    [["", [], []], []]]}
    assert paper_pdf.column_widths(table(["a", "b"], [["1", "2"]])) is None     # narrow: Typst's own widths
    header = ["variant", "n"] + [f"c{i}" for i in range(6)] + ["note"]
    row = (["Mixed developments counted as improvement", "461"] + ["-0.88*** (0.18)"] * 6
           + ["closed: separation by Viol: discipl. measures; open: separation by Business involved"])
    widths = paper_pdf.column_widths(table(header, [row]))
    assert widths is not None and sum(widths) == pytest.approx(1)
    # long text columns capped at CELL_CHARS, numbers kept whole, a count narrow
    assert widths[0] == widths[-1] and widths[1] < widths[2] < widths[0]
    assert widths[2] == pytest.approx((len("-0.88*** (0.18)") + 2) / (2 * (paper_pdf.CELL_CHARS + 2) + 5 + 6 * 17))
