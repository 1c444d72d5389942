"""The built-in renderer reads what Quarto uses for wide content (issue 23): fenced divs
with classes (`::: {.landscape .column-page}`) and the `column` cell option."""
import nbformat
import pytest

from casework.website.builtin.notebook_html import ExecutedNotebook
from casework.website.builtin.pages import fenced_divs, markdown_html
from casework.website.builtin.shortcodes import Where
from casework.website.errors import RenderError


def test_fenced_divs_become_divs_with_their_classes_and_markdown_inside():
    body = "Before.\n\n::: {.landscape .column-page #wide}\n| a | b |\n|---|---|\n| 1 | 2 |\n:::\n\nAfter.\n"
    html = markdown_html(fenced_divs(body, Where("p.qmd", 1)))
    assert '<div class="landscape column-page" id="wide">' in html or \
           '<div id="wide" class="landscape column-page">' in html
    assert "<table>" in html and "<td>1</td>" in html and ":::" not in html
    assert html.index("Before.") < html.index("<table>") < html.index("</div>") < html.index("After.")


def test_nested_divs_and_an_unclosed_div():
    html = markdown_html(fenced_divs("::: {.a}\n::: {.b}\ntext\n:::\n:::\n", Where("p.qmd", 1)))
    assert html.index('class="a"') < html.index('class="b"') < html.index("text")
    with pytest.raises(RenderError, match=r"p.qmd, line 3: a fenced div .* is not closed"):
        fenced_divs("::: {.a}\ntext\n", Where("p.qmd", 3))


def test_the_column_cell_option_is_a_class_on_the_output(tmp_path):
    nb = nbformat.v4.new_notebook()
    wide = nbformat.v4.new_code_cell("#| label: tbl-wide\n#| column: page\n#| tbl-cap: \"Wide.\"\nshow()")
    wide.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>"})]
    plain = nbformat.v4.new_code_cell("#| column: body-outset\nx")
    plain.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ok")]
    nb.cells = [wide, plain]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    html = ExecutedNotebook(path, "analyses/01_x.ipynb").page_html(lambda text, where: text)
    assert '<figure class="cw-float cw-tbl column-page" id="tbl-wide">' in html
    assert '<div class="column-body-outset">' in html


def test_raw_blocks_of_other_formats_stay_out_of_the_html_page():
    from casework.website.builtin.pages import raw_blocks
    body = ("Text.\n\n```{=typst}\n#[#set page(margin: 2cm)\n```\n::: {.landscape}\nTable\n:::\n"
            "```{=html}\n<b>kept</b>\n```\n```{=openxml}\n<w:p/>\n```\nEnd.")
    assert raw_blocks(body) == "Text.\n\n::: {.landscape}\nTable\n:::\n<b>kept</b>\nEnd."


def test_section_cross_references_are_numbered_as_the_headings():
    from casework.website.builtin.pages import Floats, resolve_crossrefs, section_numbers
    from casework.website.builtin.shortcodes import Where
    from casework.website.errors import RenderError
    body = ("## Intro {#sec-intro}\n\n## Results {#sec-results}\n\n### Cases {#sec-cases}\n\n"
            "## References {.unnumbered}\n\nSee @sec-cases and @sec-intro.\n")
    sections = section_numbers(body)
    assert sections == {"sec-intro": "1", "sec-results": "2", "sec-cases": "2.1"}
    out = resolve_crossrefs(body, Floats(), Where("p.qmd", 1), sections)
    assert "See [Section\u00a02.1](#sec-cases) and [Section\u00a01](#sec-intro)." in out
    with pytest.raises(RenderError, match="cross-reference @sec-cases: no numbered section"):
        resolve_crossrefs(body, Floats(), Where("p.qmd", 1), None)
