"""Citations in the built-in renderer: Pandoc's [@key] syntax against a tiny .bib file."""
from __future__ import annotations

import re

import pytest
import yaml

from casework.website.builtin.citations import Bibliography, page_bibliography, resolve
from casework.website.errors import RenderError
from casework.website.render import render
from casework.website.builtin.shortcodes import Where
from test_render import page, scratch_project

BIB = r"""
@article{alpha2019,
  author = {Alpha, Ann},
  title = {On Letters},
  journal = {Journal of Casework},
  volume = {3}, pages = {1--10},
  year = {2019}
}
@techreport{alpha2018,
  author = {Alpha, Ann},
  title = {Counting Letters},
  institution = {Institute},
  year = {2018}
}
@article{beta2018,
  author = {Beta, Bob and Gamma, Gil},
  title = {Diplomacy},
  journal = {Review},
  year = {2018}
}
@misc{delta2017a,
  author = {Delta, Dan and Epsilon, Eve and Zeta, Zoe},
  title = {Polity Data},
  year = {2017}
}
@misc{delta2017b,
  author = {Delta, Dan and Eta, Ed and Theta, Tim},
  title = {Fragility Data},
  year = {2017}
}
@misc{team2020,
  author = {{The Pandas Team}},
  title = {{pandas}},
  year = {2020}
}
"""


@pytest.fixture
def bib(tmp_path) -> Bibliography:
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    return Bibliography(path, "paper/refs.bib")


def cite(text: str, bib: Bibliography, line: int = 1, **kw) -> tuple[str, dict]:
    stash: dict[str, str] = {}
    return resolve(text, Where("paper/p.qmd", line), bib, stash, **kw), stash


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def test_parenthetical_citation_links_author_and_year(bib):
    out, _ = cite("As shown [@alpha2019].", bib)
    assert first_line(out) == "As shown ([Alpha 2019](#ref-alpha2019))."


def test_locator_follows_the_year(bib):
    out, _ = cite("Shown [@alpha2019, p. 4].", bib)
    assert first_line(out) == "Shown ([Alpha 2019](#ref-alpha2019), p. 4)."


def test_several_works_are_separated_by_semicolons_and_one_authors_years_grouped(bib):
    out, _ = cite("[see @alpha2018; @alpha2019; @beta2018, ch. 2]", bib)
    assert first_line(out) == ("(see [Alpha 2018](#ref-alpha2018), [2019](#ref-alpha2019); "
                               "[Beta and Gamma 2018](#ref-beta2018), ch. 2)")


def test_narrative_citation_names_author_then_year_in_parentheses(bib):
    out, _ = cite("@beta2018 argue, as @alpha2019 [p. 7] does.", bib)
    assert first_line(out) == ("[Beta and Gamma (2018)](#ref-beta2018) argue, as "
                               "[Alpha (2019, p. 7)](#ref-alpha2019) does.")


def test_suppressed_author_gives_the_year_only(bib):
    out, _ = cite("Alpha [-@alpha2019] wrote.", bib)
    assert first_line(out) == "Alpha ([2019](#ref-alpha2019)) wrote."


def test_three_authors_are_et_al_and_equal_labels_get_year_letters(bib):
    out, _ = cite("[@delta2017a; @delta2017b] and @team2020", bib)
    # both 'Delta et al. 2017': lettered in title order (Fragility before Polity)
    assert first_line(out) == ("([Delta et al. 2017b](#ref-delta2017a), [2017a](#ref-delta2017b)) and "
                               "[The Pandas Team (2020)](#ref-team2020)")


def test_cross_references_code_shortcodes_emails_and_links_are_left_alone(bib):
    text = ("See @fig-trend and [@tbl-logit], `@alpha2019` in code, {{< var a.b >}}, "
            "mail@example.org, [a link](https://x.org/@alpha2019) and \\@handle.\n"
            "```\n@alpha2019\n```\n")
    out, stash = cite(text, bib)
    assert out.startswith("See @fig-trend and [@tbl-logit], `@alpha2019` in code, {{< var a.b >}}, "
                          "mail@example.org, [a link](https://x.org/@alpha2019) and &#64;handle.\n"
                          "```\n@alpha2019\n```\n")
    assert not stash  # nothing cited: no References section
    assert "References" not in out


def test_unknown_key_names_file_line_and_key(bib):
    with pytest.raises(RenderError, match=r"paper/p\.qmd, line 12: citation @nobody2020: no entry "
                                          r"'nobody2020' in paper/refs\.bib \(entries: alpha2018, "):
        cite("First line.\n\nThird line [@alpha2019; @nobody2020].", bib, line=10)
    with pytest.raises(RenderError, match=r"paper/p\.qmd, line 3: citation @typo2019"):
        cite("a\nb\nAs @typo2019 says.", bib)


def test_references_are_appended_under_a_heading_with_only_cited_works(bib):
    out, stash = cite("Text [@beta2018] and @alpha2019.", bib)
    (token, refs), = stash.items()
    assert out.endswith(f"\n\n## References {{#references}}\n\n{token}\n")
    ids = re.findall(r'id="(ref-[^"]+)"', refs)
    assert ids == ["ref-alpha2019", "ref-beta2018"]  # author-date order, uncited works left out


def test_references_go_where_the_refs_div_is(bib):
    out, stash = cite("Text [@alpha2019].\n\n## References\n\n::: {#refs}\n:::\n\nAfter.\n", bib)
    (token, _), = stash.items()
    assert out.split("\n")[4] == token
    assert out.endswith("After.\n") and "## References {#references}" not in out
    assert out.count("\n") == "Text [@alpha2019].\n\n## References\n\n::: {#refs}\n:::\n\nAfter.\n".count("\n")


def test_nocite_all_lists_every_work(bib):
    _, stash = cite("No citations here.", bib, nocite="@*")
    (refs,) = stash.values()
    assert len(re.findall(r'class="csl-entry"', refs)) == 6


def test_entries_are_formatted_by_pybtex_with_the_year_after_the_names(bib):
    _, stash = cite("[@alpha2019; @beta2018; @team2020]", bib)
    (refs,) = stash.values()
    alpha = re.search(r'id="ref-alpha2019"[^>]*>(.*?)</div>', refs, re.S).group(1)
    assert alpha.startswith("Alpha, A. 2019.\nOn letters.\n<em>Journal of Casework</em>, 3:1–10.")
    beta = re.search(r'id="ref-beta2018"[^>]*>(.*?)</div>', refs, re.S).group(1)
    assert beta.startswith("Beta, B. and Gamma, G. 2018.")
    assert "The Pandas Team" in refs and "2020." in refs


def test_page_bibliography_is_read_relative_to_the_page(tmp_path):
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "refs.bib").write_text(BIB, encoding="utf-8")
    bib = page_bibliography({"bibliography": "refs.bib"}, tmp_path / "paper" / "p.qmd", "paper/p.qmd")
    assert "alpha2019" in bib and bib.name == "paper/refs.bib"
    assert page_bibliography({}, tmp_path / "paper" / "p.qmd", "paper/p.qmd") is None
    with pytest.raises(RenderError, match=r"paper/p\.qmd, line 1: bibliography 'missing\.bib' not found"):
        page_bibliography({"bibliography": "missing.bib"}, tmp_path / "paper" / "p.qmd", "paper/p.qmd")


def test_malformed_bibliography_names_the_file(tmp_path):
    path = tmp_path / "bad.bib"
    path.write_text("@article{x, title = {unclosed\n", encoding="utf-8")
    with pytest.raises(RenderError, match=r"paper/bad\.bib: cannot read the bibliography"):
        Bibliography(path, "paper/bad.bib")


def test_a_rendered_page_links_each_citation_to_its_reference(tmp_path):
    root = scratch_project(tmp_path / "proj")
    config = root / "_quarto.yml"
    config.write_text(config.read_text().replace("    - data/README.md\n",
                                                 "    - data/README.md\n    - paper/paper.qmd\n"))
    (root / "paper").mkdir()
    (root / "paper" / "refs.bib").write_text(BIB, encoding="utf-8")
    (root / "paper" / "paper.qmd").write_text(
        "---\ntitle: A paper\nbibliography: refs.bib\nauthor: Someone\n---\n\n"
        "We counted {{< var alpha.n_cases >}} cases [@alpha2019, p. 2], as @beta2018 did.\n\n"
        "{{< embed ../notebooks/01_alpha.ipynb#fig-alpha >}}\n\nSee @fig-alpha.\n\n"
        "## References\n\n::: {#refs}\n:::\n", encoding="utf-8")
    site = render(root, renderer="builtin")
    html = page(site, "paper/paper.html")
    assert '(<a href="#ref-alpha2019">Alpha 2019</a>, p. 2)' in html
    assert '<a href="#ref-beta2018">Beta and Gamma (2018)</a>' in html
    assert '<a href="#fig-alpha">Figure' in html
    for anchor in re.findall(r'href="#(ref-[^"]+)"', html):
        assert f'id="{anchor}"' in html
    assert "::: {#refs}" not in html and "cw-refs-" not in html
    assert yaml.safe_load((root / "_variables.yml").read_text())["alpha"]["n_cases"] == "1,234"
