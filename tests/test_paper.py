"""The paper: no result typed into its prose (casework.website.paper_check), and every
citation, embedded figure and cited value it names exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from casework.website.builtin.citations import Bibliography, resolve
from casework.website.errors import RenderError
from casework.website.builtin.pages import split_front_matter
from casework.website.paper_check import check_paper, typed_numbers
from casework.website.render import render
from casework.website.builtin.shortcodes import SHORTCODE, Where
from test_render import scratch_project

ROOT = Path(__file__).resolve().parents[1]
PAPER = ROOT / "paper" / "paper.qmd"


def typed(text: str) -> list[tuple[int, str]]:
    return [(t.line, t.text) for t in typed_numbers(text, "paper/x.qmd")]


# ---- the rule, on small texts -------------------------------------------------

def test_typed_results_fail_with_line_and_text():
    text = ("Intro line.\n"
            "About 24% of cases improved, 461 cases in all.\n"
            "The odds ratio was 0.16 and p = .03, over 1,234 letters.\n")
    assert typed(text) == [(2, "24%"), (2, "461"), (3, "0.16"), (3, ".03"), (3, "1,234")]


def test_the_message_names_file_line_column_and_context():
    with pytest.raises(RenderError) as err:
        check_paper("---\ntitle: T\n---\n\nWe find that 24% improved.\n", "paper/paper.qmd")
    message = str(err.value)
    assert "paper/paper.qmd: 1 number(s) typed into the prose" in message
    assert "paper/paper.qmd, line 5, column 14: '24%' in \"We find that 24% improved.\"" in message
    assert "{{< var key.name >}}" in message


def test_values_from_var_shortcodes_and_code_are_allowed():
    text = ("We counted {{< var caseload.n_cases >}} cases ({{< var caseload.share >}}).\n"
            "Run `casework run -p year_from=2008 -p confidence=0.9` to vary it.\n"
            "```sh\ncasework run 04 -p regime_cutoff=1\n```\n<!-- 42 is a note to ourselves -->\n")
    assert typed(text) == []


def test_citations_cross_references_labels_and_locators_are_allowed():
    text = ("As @spannagel2019 [p. 12] and [@myrick2018, pp. 3-4; @piccone2011] show, "
            "see @fig-km and [the section](#sec-2x){#sec-x2}.[^1]\n\n[^1]: A note.\n")
    assert typed(text) == []


def test_a_number_in_a_citations_prefix_or_suffix_is_not_a_locator():
    assert typed("[@spannagel2018 reports 40%] and [@x2019, 23].") == [(1, "40%"), (1, "23")]


def test_years_and_numbered_parts_of_documents_are_allowed():
    text = ("Between 2000 and 2016 (Spannagel 2018, Figs. 1–6; Table 1; Models 1–4; Figs. 7 and 8;\n"
            "Working Paper 7, footnote 13, notebook 04, Section 2.1, Appendix 3) in September 2015.\n")
    assert typed(text) == []


def test_years_outside_the_window_and_large_part_numbers_fail():
    assert typed("A test from 1980 and Table 461 and Model 2%.") == [(1, "1980"), (1, "461"), (1, "2%")]


def test_significance_thresholds_only_after_p_less_than():
    assert typed("Stars: * p < .05, ** p < .01, *** p < 0.001; α = 0.05; the .05 level.") == []
    assert typed("p = .05 and p < .03 and p = 0.001") == [(1, ".05"), (1, ".03"), (1, "0.001")]


def test_confidence_levels_only_before_confidence_or_interval():
    assert typed("A 95% confidence interval, 90% intervals and 99 per cent bands.") == []
    assert typed("Of the cases, 95% improved.") == [(1, "95%")]


def test_names_ordinals_list_markers_and_the_campaign_are_allowed():
    text = "#Freethe20, the Free the 20 campaign, H1 and the 2nd model.\n\n1. First item\n2. Second\n"
    assert typed(text) == []


def test_front_matter_is_skipped_but_the_abstract_is_prose():
    text = ("---\ntitle: \"Study of 2019\"\ndate: 2024-01-05\nfig-width: 8\nabstract: |\n"
            "  We find that 24% improved.\nbibliography: references.bib\n---\n\nBody.\n")
    assert typed(text) == [(6, "24%")]


# ---- the real paper ---------------------------------------------------------------

@pytest.fixture(scope="module")
def paper_text() -> str:
    return PAPER.read_text(encoding="utf-8")


def test_the_paper_types_no_result(paper_text):
    assert typed_numbers(paper_text, "paper/paper.qmd") == []


def test_a_result_typed_into_the_paper_is_caught(paper_text):
    broken = paper_text.replace("## Limitations {#sec-limitations}\n",
                                "## Limitations {#sec-limitations}\n\nOnly 24% improved.\n")
    line = broken[:broken.index("Only 24%")].count("\n") + 1
    assert [(t.line, t.text) for t in typed_numbers(broken, "paper/paper.qmd")] == [(line, "24%")]


def test_the_paper_has_the_front_matter_quarto_needs(paper_text):
    meta = split_front_matter(paper_text, "paper/paper.qmd").meta
    assert {"title", "date", "abstract", "bibliography", "number-sections", "crossref"} <= set(meta)
    assert meta["bibliography"] == "references.bib"
    # authors and affiliations: Quarto's directory metadata, read by both paths (issue 23)
    from casework.website.paper_pdf import authors, paper_meta
    people = authors(paper_meta(Path(__file__).resolve().parents[1]))
    assert people and all(p["name"] and p["affiliation"] for p in people)
    # one title for the site and the paper
    index = split_front_matter((Path(__file__).resolve().parents[1] / "index.qmd").read_text(), "index.qmd").meta
    assert meta["title"] == index["title"]


def test_the_paper_states_which_data_it_was_built_from(paper_text):
    assert "{{< var build.notice >}}" in paper_text
    assert "{{< var build.data_kind >}}" in paper_text


def test_every_citation_is_in_the_bibliography(paper_text):
    doc = split_front_matter(paper_text, "paper/paper.qmd")
    bib = Bibliography(ROOT / "paper" / "references.bib", "paper/references.bib")
    stash: dict[str, str] = {}
    resolve(doc.body, Where("paper/paper.qmd", doc.body_line), bib, stash)  # raises on an unknown key
    (refs,) = stash.values()
    for key in ("spannagel2018", "spannagel2019", "myrick2018", "piccone2011", "marshall2017polity",
                "marshall2017fragility", "worldbank2017", "firth1993", "heinze2002"):
        assert f'id="ref-{key}"' in refs


def test_every_embedded_cell_is_labelled_in_its_notebook_source(paper_text):
    embeds = re.findall(r"\{\{<\s*embed\s+\.\./analyses/(\w+)\.ipynb#([\w-]+)\s*>\}\}", paper_text)
    assert len(embeds) >= 8
    for notebook, label in embeds:
        source = (ROOT / "notebooks" / f"{notebook}.py").read_text(encoding="utf-8")
        assert re.search(rf"^#\| label: {re.escape(label)}$", source, re.M), f"{notebook}.py has no {label}"


def test_every_cited_value_is_recorded(built_project):
    variables = built_project / "_variables.yml"
    values = yaml.safe_load(variables.read_text(encoding="utf-8"))
    missing = []
    for match in SHORTCODE.finditer(PAPER.read_text(encoding="utf-8")):
        name, *args = match.group("body").split()
        if name != "var" or args[0].startswith("build."):  # build.* is written at render time
            continue
        node = values
        for part in args[0].split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            missing.append(args[0])
    assert not missing, f"not in _variables.yml (run `casework run`?): {missing}"


# ---- the renderer runs the check on paper/*.qmd ------------------------------------

def test_the_renderer_refuses_a_paper_with_a_typed_result(tmp_path):
    root = scratch_project(tmp_path / "proj")
    config = root / "_quarto.yml"
    config.write_text(config.read_text().replace("    - data/README.md\n",
                                                 "    - data/README.md\n    - paper/paper.qmd\n"))
    (root / "paper").mkdir()
    (root / "paper" / "paper.qmd").write_text("---\ntitle: P\n---\n\nWe counted 1,234 cases.\n",
                                              encoding="utf-8")
    with pytest.raises(RenderError, match=r"paper/paper\.qmd, line 5, column 12: '1,234'"):
        render(root, renderer="builtin")
    (root / "paper" / "paper.qmd").write_text("---\ntitle: P\n---\n\nWe counted {{< var alpha.n_cases >}} "
                                              "cases.\n", encoding="utf-8")
    site = render(root, renderer="builtin")
    assert "We counted 1,234 cases." in (site / "paper" / "paper.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", ["paper/paper.qmd", "index.qmd", "scorecard.qmd"])
def test_no_hand_written_page_types_a_result(page):
    from casework.website.paper_check import typed_numbers, typed_numbers_checked
    root = Path(__file__).resolve().parents[1]
    assert typed_numbers_checked(page)
    assert typed_numbers((root / page).read_text(encoding="utf-8"), page) == []


def test_generated_pages_are_exempt_and_every_other_page_is_checked():
    from casework.website.paper_check import typed_numbers_checked
    assert not typed_numbers_checked("data/CODEBOOK.md") and not typed_numbers_checked("data/README.md")
    assert typed_numbers_checked("about.qmd") and typed_numbers_checked("notes/method.md")
