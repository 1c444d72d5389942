"""The built-in site renderer on a scratch project: pages, navigation, images, notice, atomic swap.

`scratch_project` writes a small compendium (two executed notebooks, a front
page, a data page) that the other test_render_* modules reuse.
"""
from __future__ import annotations

import base64
import json
import os
import re
import stat
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from casework.website.errors import RenderError, ShortcodeError
from casework.notebook import header_html
from casework.website import catalog
from casework.website.config import read_config
from casework.website.render import render

QUARTO_YML = """\
project:
  type: website
  output-dir: _site
  render:
    - index.qmd
    - notebooks/01_alpha.ipynb
    - notebooks/02_beta.ipynb
    - data/README.md
  resources:
    - notebooks/*.py
execute:
  enabled: false
website:
  title: "Scratch compendium"
  navbar:
    left:
      - href: index.qmd
        text: Home
      - text: Analyses
        menu:
          - notebooks/01_alpha.ipynb
          - href: notebooks/02_beta.ipynb
            text: Beta analysis
      - href: data/README.md
        text: Data
  announcement:
    content: "{{< var build.notice >}}"
  page-footer:
    left: "Data: {{< var build.data_kind >}} · folder checksum `{{< var build.data_checksum >}}`"
    right: "Commit `{{< var build.commit >}}` · parameters `{{< var build.params_hash >}}` · built {{< var build.date >}}"
"""

INDEX = """\
---
title: "Scratch front page"
---

We counted {{< var alpha.n_cases >}} cases; see @fig-alpha and the
[alpha notebook](notebooks/01_alpha.ipynb).

{{< embed notebooks/01_alpha.ipynb#fig-alpha >}}

Literal syntax: `{{</* var alpha.n_cases */>}}`.
"""


def png(width: int = 3, height: int = 2) -> str:
    """A valid RGB PNG, base64-encoded as notebooks store it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x00\x72\xb2" * width for _ in range(height))
    raw = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return base64.b64encode(raw).decode()


def alpha_notebook():
    return new_notebook(cells=[
        new_markdown_cell("# Alpha analysis\n\nCases counted: {{< var alpha.n_cases >}}.\n\n"
                          "See also the [beta page](02_beta.ipynb)."),
        new_code_cell('data_dir = "data"\nyear_from = 2000', metadata={"tags": ["parameters"]}),
        new_code_cell("# Parameters\nyear_from = 2004\n", metadata={"tags": ["injected-parameters"]}),
        new_code_cell('nb = casework.notebook.start("01_alpha", globals())', outputs=[new_output(
            "display_data", data={"text/html": header_html("01_alpha", {"data_dir": "data", "year_from": 2004},
                                                           "hash01"), "text/plain": "<IPython.core.display.HTML>"})]),
        new_markdown_cell("## Counts"),
        new_code_cell('#| label: fig-alpha\n#| fig-cap: "Cases per year (synthetic)."\n#| echo: false\n'
                      "fig = plot_counts()",
                      outputs=[new_output("display_data", data={"image/png": png(), "text/plain": "<Figure>"})]),
        new_markdown_cell("## Notes"),
        new_code_cell("secret_helper_code()", outputs=[new_output("stream", name="stdout", text="shown\n")]),
    ])


def beta_notebook():
    return new_notebook(cells=[
        new_markdown_cell("# Beta analysis\n\nMean development: {{< var beta.mean_development >}}."),
        new_code_cell('#| label: tbl-beta\n#| tbl-cap: "Development by regime."\nshow_table()',
                      outputs=[new_output("execute_result", execution_count=1,
                                          data={"text/html": "<table class='gt'><tr><td>open</td></tr></table>",
                                                "text/plain": "table"})]),
        new_code_cell("#| include: false\nhidden_cell()", outputs=[]),
    ])


def scratch_project(root: Path, synthetic: bool = True) -> Path:
    """A small executed compendium in root (no git, no Quarto needed)."""
    (root / "notebooks").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "results").mkdir()
    (root / "_quarto.yml").write_text(QUARTO_YML, encoding="utf-8")
    (root / "index.qmd").write_text(INDEX, encoding="utf-8")
    nbformat.write(alpha_notebook(), root / "notebooks" / "01_alpha.ipynb")
    nbformat.write(beta_notebook(), root / "notebooks" / "02_beta.ipynb")
    (root / "notebooks" / "01_alpha.py").write_text("# %%\nprint('alpha')\n", encoding="utf-8")
    (root / "_variables.yml").write_text(yaml.safe_dump(
        {"alpha": {"n_cases": "1,234"}, "beta": {"mean_development": "0.42"}}), encoding="utf-8")
    (root / "data" / "datapackage.json").write_text(json.dumps({"synthetic": synthetic}), encoding="utf-8")
    (root / "data" / "README.md").write_text("# About the data\n\nWhere the tables come from.\n",
                                             encoding="utf-8")
    for name, year in (("01_alpha", 2004), ("02_beta", 2000)):
        (root / "results" / f"{name}.json").write_text(json.dumps({
            "notebook": name, "key": name[3:], "params": {"data_dir": "data", "year_from": year},
            "params_hash": f"hash{name[:2]}", "data_checksum": "abc123", "synthetic": synthetic,
            "values": {}}), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path) -> Path:
    return scratch_project(tmp_path / "proj")


@pytest.fixture
def built(project) -> Path:
    return render(project, renderer="builtin")


def page(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def links(html: str, attr: str = "href") -> list[str]:
    return re.findall(rf'{attr}="([^"]*)"', html)


def test_builds_one_page_per_listed_source_at_quartos_paths(built, project):
    assert built == project / "_site"
    assert sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html")) == [
        "data/README.html", "index.html", "notebooks/01_alpha.html", "notebooks/02_beta.html"]
    assert (built / "site.css").is_file()
    assert (built / "notebooks" / "01_alpha.py").is_file()  # project.resources


def test_every_local_link_resolves_from_every_page(built):
    for html_file in built.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        nav = re.search(r'<nav class="cw-navbar".*?</nav>', html, re.S).group(0)
        assert len(links(nav)) == 5, html_file  # brand + Home + two analyses + Data
        for url in links(html) + links(html, "src"):
            if url.startswith(("#", "data:", "http")):
                continue
            target = (html_file.parent / unquote(url.split("#")[0])).resolve()
            assert target.is_file(), f"{html_file.relative_to(built)}: broken link {url}"


def test_navbar_links_are_relative_to_the_page_depth(built):
    nav = page(built, "notebooks/02_beta.html")
    assert 'href="../index.html"' in nav and 'href="../data/README.html"' in nav
    assert 'href="02_beta.html" aria-current="page"' in nav
    assert 'href="notebooks/01_alpha.html"' in page(built, "index.html")
    # a navbar entry without text is named by the page's title
    assert ">Alpha analysis</a>" in page(built, "index.html")


def test_images_are_embedded_and_code_folding_respects_echo(built):
    alpha = page(built, "notebooks/01_alpha.html")
    assert re.search(r'<img[^>]+src="data:image/png;base64,', alpha)
    assert 'alt="Cases per year (synthetic)."' in alpha
    assert "plot_counts" not in alpha           # #| echo: false
    assert "secret_helper_code" in alpha        # echo defaults to true, folded
    assert "<summary>Code</summary>" in alpha
    assert "#| label" not in alpha              # options are not shown as code


def test_labelled_figure_has_anchor_caption_and_source(built):
    alpha = page(built, "notebooks/01_alpha.html")
    figure = re.search(r'<figure class="cw-float cw-fig" id="fig-alpha">.*?</figure>', alpha, re.S).group(0)
    assert "<figcaption>Figure\u00a01: Cases per year (synthetic).</figcaption>" in figure
    assert "cw-source" not in figure  # on its own page the notebook's head note links the source


def test_table_caption_sits_above_the_table_and_include_false_drops_the_cell(built):
    beta = page(built, "notebooks/02_beta.html")
    table = re.search(r'<figure class="cw-float cw-tbl" id="tbl-beta">.*?</figure>', beta, re.S).group(0)
    assert table.index("<figcaption>Table\u00a01: Development by regime.") < table.index("<table")
    assert "hidden_cell" not in beta


def test_injected_parameters_replace_the_defaults_cell(built):
    alpha = page(built, "notebooks/01_alpha.html")
    assert "<summary>Parameters of this run</summary>" in alpha
    main = alpha.split("<main")[1]
    assert '<span class="mi">2004</span>' in main
    assert '<span class="mi">2000</span>' not in main  # the (overridden) defaults cell is left out
    assert main.count("year_from") == 2       # the injected cell and the head note's table


def test_var_shortcodes_resolve_in_pages_and_notebooks(built):
    assert "We counted 1,234 cases" in page(built, "index.html")
    assert "Cases counted: 1,234." in page(built, "notebooks/01_alpha.html")
    assert "Mean development: 0.42." in page(built, "notebooks/02_beta.html")
    assert "{{&lt; var alpha.n_cases &gt;}}" in page(built, "index.html")  # escaped shortcode


def test_embed_inserts_the_labelled_output_with_caption_and_provenance(built):
    index = page(built, "index.html")
    figure = re.search(r'<figure class="cw-float cw-fig" id="fig-alpha">.*?</figure>', index, re.S).group(0)
    assert 'src="data:image/png;base64,' in figure
    assert "Figure\u00a01: Cases per year (synthetic)." in figure
    assert 'href="notebooks/01_alpha.html#fig-alpha"' in figure
    assert 'href="notebooks/01_alpha.py"' in figure
    assert "plot_counts" not in figure          # embeds show outputs, not code
    assert '<a href="#fig-alpha">Figure\u00a01</a>' in index


def test_links_to_page_sources_point_at_their_html(built):
    assert 'href="notebooks/01_alpha.html">alpha notebook' in page(built, "index.html")
    assert 'href="02_beta.html">beta page' in page(built, "notebooks/01_alpha.html")


def test_titles_come_from_front_matter_or_first_heading(built):
    assert "<title>Scratch front page – Scratch compendium</title>" in page(built, "index.html")
    assert '<h1 class="title">Scratch front page</h1>' in page(built, "index.html")
    assert "<title>About the data – Scratch compendium</title>" in page(built, "data/README.html")
    alpha = page(built, "notebooks/01_alpha.html")
    assert '<h1 class="title">Alpha analysis</h1>' in alpha    # lifted out of the first cell,
    assert alpha.count("Alpha analysis</h1>") == 1             # not shown twice


def test_every_page_carries_synthetic_notice_and_provenance_footer(built):
    for html_file in built.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        assert '<div class="cw-notice cw-synthetic" role="note">Synthetic data:' in html, html_file
        footer = html.split('<footer class="cw-footer">')[1]
        assert "Data: synthetic data · folder checksum <code>none</code>" in footer
        assert re.search(r"Commit <code>unversioned</code> · parameters <code>[0-9a-f]{10}</code> · "
                         r"built \d{4}-\d\d-\d\d \d\d:\d\d UTC", footer)


def test_real_data_notice_when_not_synthetic(tmp_path):
    root = scratch_project(tmp_path / "real", synthetic=False)
    site = render(root, renderer="builtin")
    for html_file in site.rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        assert '<div class="cw-notice" role="note">Real case data supplied by the researcher.</div>' in html
        assert "Data: real data" in html
        assert "cw-synthetic" not in html and "ynthetic data" not in html


def test_notebook_page_shows_the_notebooks_own_head_note(built):
    """Source link and parameters come from the notebook's output, as Quarto shows them."""
    alpha = page(built, "notebooks/01_alpha.html")
    assert ('<p>Notebook source: <a href="../notebooks/01_alpha.py"><code>notebooks/01_alpha.py'
            '</code></a> · parameters <code>hash01</code></p>') in alpha
    assert "<summary>Parameters of this run</summary>" in alpha
    assert "<tr><td><code>year_from</code></td><td><code>2004</code></td></tr>" in alpha
    assert "cw-page-note" not in alpha


def test_build_section_is_written_to_variables(built, project):
    values = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8"))
    assert values["alpha"] == {"n_cases": "1,234"}
    assert values["build"]["synthetic"] is True
    assert values["build"]["commit"] == "unversioned"
    assert values["build"]["notice"].startswith("Synthetic data:")


# ---- failures: the message names the file and line; the old site survives ----

def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("_site."))


def test_unknown_var_names_file_line_and_key(project):
    (project / "index.qmd").write_text("---\ntitle: T\n---\n\nFine.\n\nValue {{< var alpha.nope >}}.\n")
    with pytest.raises(ShortcodeError, match=r"index\.qmd, line 7: .*unknown variable 'alpha\.nope'.*"
                                             r"has no 'nope' under alpha \(it has: n_cases\)"):
        render(project, renderer="builtin")


def test_unknown_var_in_a_notebook_names_the_cell(project):
    nb = nbformat.read(project / "notebooks" / "02_beta.ipynb", as_version=4)
    nb.cells[0].source = "# Beta\n\n{{< var beta.missing >}}"
    nbformat.write(nb, project / "notebooks" / "02_beta.ipynb")
    with pytest.raises(ShortcodeError, match=r"notebooks/02_beta\.ipynb, cell 1, line 3: .*beta\.missing"):
        render(project, renderer="builtin")


def test_unknown_embed_label_names_file_line_and_known_labels(project):
    (project / "index.qmd").write_text("# Home\n\n{{< embed notebooks/01_alpha.ipynb#fig-nope >}}\n")
    with pytest.raises(ShortcodeError, match=r"index\.qmd, line 3: .*no cell labelled 'fig-nope' "
                                             r"\(labels: fig-alpha\)"):
        render(project, renderer="builtin")


def test_embed_of_unknown_notebook_names_file_line_and_the_run_command(project):
    (project / "index.qmd").write_text("# Home\n{{< embed notebooks/09_gone.ipynb#fig-a >}}\n")
    with pytest.raises(ShortcodeError, match=r"index\.qmd, line 2: .*notebooks/09_gone\.ipynb not found.*"
                                             r"casework run 09_gone"):
        render(project, renderer="builtin")


def test_unknown_shortcode_names_file_and_line(project):
    (project / "data" / "README.md").write_text("# Data\n\nsee\n{{< video intro.mp4 >}}\n")
    with pytest.raises(ShortcodeError, match=r"data/README\.md, line 4: \{\{< video intro\.mp4 >\}\}: "
                                             r"unknown shortcode 'video'"):
        render(project, renderer="builtin")


def test_unknown_crossref_names_file_and_line(project):
    (project / "index.qmd").write_text("# Home\n\n{{< embed notebooks/01_alpha.ipynb#fig-alpha >}}\n\n"
                                       "As @fig-alpha and @fig-missing show.\n")
    with pytest.raises(RenderError, match=r"index\.qmd, line 5: cross-reference @fig-missing: no figure "
                                          r"or table with that label is embedded on this page "
                                          r"\(embedded: fig-alpha\)"):
        render(project, renderer="builtin")


def test_broken_link_names_page_and_target(project):
    (project / "index.qmd").write_text("# Home\n\n[gone](notebooks/nothing.html)\n")
    with pytest.raises(RenderError, match=r"index\.qmd: broken link 'notebooks/nothing\.html'"):
        render(project, renderer="builtin")


def test_unexecuted_notebook_is_reported_not_skipped(project):
    (project / "notebooks" / "02_beta.ipynb").unlink()
    with pytest.raises(RenderError, match=r"notebooks/02_beta\.ipynb: not executed yet "
                                          r"\(run `casework run 02_beta`"):
        render(project, renderer="builtin")


def test_missing_variables_file_says_run_first(project):
    (project / "_variables.yml").unlink()
    with pytest.raises(RenderError, match=r"_variables\.yml not found: run `casework run` first"):
        render(project, renderer="builtin")


def test_failure_keeps_previous_site_and_removes_temp_folder(project):
    site = render(project, renderer="builtin")
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (project / "index.qmd").write_text("# Home\n\n{{< var alpha.nope >}}\n")
    with pytest.raises(ShortcodeError):
        render(project, renderer="builtin")
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert _leftovers(project) == []


def test_success_replaces_the_site_and_leaves_no_temp_folder(project):
    site = render(project, renderer="builtin")
    (site / "stale.html").write_text("from an older build")
    render(project, renderer="builtin", force=True)
    assert not (site / "stale.html").exists()
    assert (site / "index.html").is_file()
    assert _leftovers(project) == []


def test_navbar_link_to_a_page_not_rendered_is_an_error(project):
    config = (project / "_quarto.yml").read_text()
    (project / "_quarto.yml").write_text(config.replace("text: Data\n", "text: Data\n      - paper/paper.qmd\n"))
    with pytest.raises(RenderError, match=r"_quarto\.yml: navbar links to 'paper/paper\.qmd', "
                                          r"which is not a page of project\.render"):
        render(project, renderer="builtin")


def test_the_projects_own_site_description_builds(tmp_path):
    """The real _quarto.yml and index.qmd, with every other listed page stood in for."""
    repo = Path(__file__).resolve().parents[1]
    root = tmp_path / "compendium"
    root.mkdir()
    for name in ("_quarto.yml", "index.qmd", "favicon.svg", "styles.css", *(f"notebooks/{p.name}" for p in (repo / "notebooks").glob("*.py"))):
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text((repo / name).read_text(encoding="utf-8"), encoding="utf-8")
    catalog.refresh(root)  # the analyses' pages, from notebooks/*.py
    listed = read_config(root).render
    assert any(source.startswith("analyses/") for source in listed)
    for source in listed:
        path = root / source
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if source.endswith(".ipynb"):
            nbformat.write(new_notebook(cells=[new_markdown_cell(f"# Stand-in for {path.stem}")]), path)
        else:
            path.write_text(f"# Stand-in for {source}\n", encoding="utf-8")
    for included in re.findall(r"\{\{<\s*include\s+(\S+)\s*>\}\}", (root / "index.qmd").read_text()):
        if (root / included).exists():
            continue  # _analyses.md, written by catalog.refresh
        (root / included).parent.mkdir(parents=True, exist_ok=True)
        (root / included).write_text("Stand-in for an included file.\n", encoding="utf-8")
    (root / "data" / "datapackage.json").write_text(json.dumps({"synthetic": True}), encoding="utf-8")
    # Stand-in values for what index.qmd cites from the notebooks' recorded values.
    cited: dict = {}
    for key in re.findall(r"\{\{<\s*var\s+([\w.-]+)\s*>\}\}", (root / "index.qmd").read_text()):
        section, _, name = key.partition(".")
        if section != "build":
            cited.setdefault(section, {})[name] = f"stand-in for {key}"
    (root / "_variables.yml").write_text(yaml.safe_dump(cited), encoding="utf-8")
    # A finished run of every stand-in notebook: render publishes only complete builds.
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "_build.json").write_text(json.dumps({"notebooks": {
        Path(s).stem: {"status": "executed", "params": {}} for s in listed if s.endswith(".ipynb")}}))
    site = render(root, renderer="builtin")
    index = page(site, "index.html")
    assert "Synthetic data: generated from published aggregates" in index.split("<main")[1]
    assert "{{<" not in index
    for source in listed:
        assert (site / source).with_suffix(".html").is_file(), source
    for html_file in site.rglob("*.html"):
        for url in links(html_file.read_text(encoding="utf-8")):
            if not url.startswith(("#", "http", "data:")):
                assert (html_file.parent / url.split("#")[0]).resolve().is_file(), (html_file, url)


def test_variables_keep_their_header_and_sections_when_the_stamp_is_written(project):
    path = project / "_variables.yml"
    path.write_text("# Generated by `casework run`; do not edit.\nalpha:\n  n_cases: '1,234'\n"
                    "beta:\n  mean_development: '0.42'\n")
    render(project, renderer="builtin")
    text = path.read_text()
    assert text.startswith("# Generated by `casework run`; do not edit.\n")
    values = yaml.safe_load(text)
    assert list(values) == ["alpha", "beta", "build"]
    assert values["alpha"] == {"n_cases": "1,234"}


def test_default_notice_and_footer_when_the_config_sets_none(project):
    config = (project / "_quarto.yml").read_text()
    config = config.split("  announcement:")[0]
    (project / "_quarto.yml").write_text(config)
    site = render(project, renderer="builtin")
    html = page(site, "data/README.html")
    assert '<div class="cw-notice cw-synthetic" role="note">Synthetic data:' in html
    assert "Data: synthetic data · data checksum <code>none</code> (all tables of the folder;" in html
    assert "Commit <code>unversioned</code>" in html


def test_the_site_folder_has_ordinary_permissions(built):
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(built.stat().st_mode) == 0o777 & ~umask  # not mkdtemp's private 0700


def test_embed_with_echo_shows_the_code_too(project):
    (project / "index.qmd").write_text("# Home\n\n{{< embed notebooks/01_alpha.ipynb#fig-alpha echo=true >}}\n")
    index = page(render(project, renderer="builtin"), "index.html")
    assert "plot_counts" in index and "#| label" not in index


def test_embed_with_an_unknown_option_or_no_label_is_an_error(project):
    (project / "index.qmd").write_text("# Home\n\n{{< embed notebooks/01_alpha.ipynb#fig-alpha width=3 >}}\n")
    with pytest.raises(ShortcodeError, match=r"index\.qmd, line 3: .*at most the option echo=true"):
        render(project, renderer="builtin")
    (project / "index.qmd").write_text("# Home\n{{< embed notebooks/01_alpha.ipynb >}}\n")
    with pytest.raises(ShortcodeError, match=r"index\.qmd, line 2: .*name the cell to embed"):
        render(project, renderer="builtin")


def test_bad_cell_options_name_the_notebook_cell(project):
    nb = nbformat.read(project / "notebooks" / "02_beta.ipynb", as_version=4)
    nb.cells[1].source = "#| label: [unclosed\nshow_table()"
    nbformat.write(nb, project / "notebooks" / "02_beta.ipynb")
    with pytest.raises(RenderError, match=r"notebooks/02_beta\.ipynb, cell 2: the '#\|' cell options "
                                          r"are not valid YAML"):
        render(project, renderer="builtin")


def test_include_inserts_a_file_with_its_shortcodes_resolved(project):
    (project / "results").mkdir(exist_ok=True)
    (project / "results" / "scorecard.md").write_text(
        "| estimate | computed |\n|---|---|\n| cases | {{< var alpha.n_cases >}} |\n")
    (project / "index.qmd").write_text("# Home\n\n{{< include results/scorecard.md >}}\n")
    site = render(project, renderer="builtin")
    html = (site / "index.html").read_text()
    assert re.search(r"<td>cases</td>\s*<td>1,234</td>", html)


def test_include_of_a_missing_file_names_page_line_and_file(project):
    (project / "index.qmd").write_text("# Home\n\n{{< include results/nothing.md >}}\n")
    with pytest.raises(ShortcodeError, match=r"index\.qmd, line 3: .*included file results/nothing\.md "
                                             r"does not exist"):
        render(project, renderer="builtin")


def test_an_unchanged_project_is_not_rendered_again(project):
    site = render(project, renderer="builtin")
    before = (site / "index.html").stat().st_mtime_ns
    assert render(project, renderer="builtin") == site
    assert (site / "index.html").stat().st_mtime_ns == before           # nothing rebuilt
    variables = project / "_variables.yml"
    variables.write_text(variables.read_text().replace("1,234", "1,235"))
    render(project, renderer="builtin")
    assert "1,235" in (site / "index.html").read_text()                  # a new value: rebuilt
    (project / "index.qmd").write_text((project / "index.qmd").read_text() + "\nOne more line.\n")
    render(project, renderer="builtin")
    assert "One more line." in (site / "index.html").read_text()         # a page edited: rebuilt
    assert _leftovers(project) == []


def test_the_render_stamp_covers_included_files_and_files_beside_pages(project):
    """The stamp of the render's inputs (SITE_KEY): an included file, a file beside a page
    in its folder (a bibliography), the values and _quarto.yml each make a new site; the
    build date does not. Digests are remembered, so an edit keeping size and mtime counts too."""
    from casework.website.render import SITE_KEY
    (project / "_notes.md").write_text("First note.\n", encoding="utf-8")
    (project / "index.qmd").write_text(INDEX + "\n{{< include _notes.md >}}\n", encoding="utf-8")
    site = render(project, renderer="builtin")
    key = (site / SITE_KEY).read_text()
    assert "First note." in page(site, "index.html")
    notes = project / "_notes.md"
    st = notes.stat()
    notes.write_text("Other note.\n", encoding="utf-8")   # same size, mtime set back below
    os.utime(notes, ns=(st.st_atime_ns, st.st_mtime_ns))
    render(project, renderer="builtin")
    assert "Other note." in page(site, "index.html")
    assert (site / SITE_KEY).read_text() != key
    key = (site / SITE_KEY).read_text()
    (project / "data" / "refs.bib").write_text("@book{a, title={A}}\n", encoding="utf-8")
    render(project, renderer="builtin")
    assert (site / SITE_KEY).read_text() != key               # beside data/README.md
    key = (site / SITE_KEY).read_text()
    os.environ["SOURCE_DATE_EPOCH"] = "86400"
    try:
        before = (site / "index.html").stat().st_mtime_ns
        assert render(project, renderer="builtin") == site     # another date: same site
        assert (site / "index.html").stat().st_mtime_ns == before
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    (project / "_quarto.yml").write_text(QUARTO_YML.replace("Scratch compendium", "Other title"))
    render(project, renderer="builtin")
    assert "Other title" in page(site, "index.html") and (site / SITE_KEY).read_text() != key


HEAVY = ("pandas", "jupytext", "nbformat", "pandera", "numpy", "matplotlib", "papermill", "nbconvert")


def test_a_render_with_nothing_to_do_imports_no_data_or_notebook_stack(project):
    """`casework build` / `make report` with nothing to do: the render checks the stamp of
    its inputs and stops, without pandas (the provenance stamp once imported it through
    casework.data) or the renderer's notebook stack. Under half a second wall clock:
    benchmarks/build.py measures it."""
    site = render(project, renderer="builtin")
    code = ("import sys; from casework.website.render import build_site; "
            f"done = build_site({str(project)!r}, renderer='builtin'); "
            f"print(done.skipped, sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=project)
    assert out.stdout.strip() == "True []", out.stderr[-2000:]
    assert (site / "index.html").is_file()
