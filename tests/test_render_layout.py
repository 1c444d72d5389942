"""The compendium's layout under both renderers: analyses found from notebooks/, every
page of the render list built as HTML, and a stand-in quarto that behaves like the real
one where the site broke before (tests/standin_quarto.py)."""
from __future__ import annotations

import json

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from casework.website import catalog
from casework.website.config import output_path, quarto_merge, read_config
from casework.website.errors import RenderError
from casework.website.render import build_site, render
from test_render import alpha_notebook, beta_notebook, scratch_project

ROOT = Path(__file__).resolve().parents[1]
STANDIN = Path(__file__).with_name("standin_quarto.py")

LAYOUT_YML = """\
project:
  type: website
  output-dir: _site
  render:
    - index.qmd
    - data/README.md
  resources:
    - /notebooks/*.py
metadata-files:
  - _analyses.yml
website:
  title: "Layout compendium"
  navbar:
    left:
      - href: index.qmd
        text: Home
    right:
      - href: data/README.md
        text: Data
  page-footer:
    right: "built by {{< var build.renderer >}}"
"""


def about(question: str, reproduces: str) -> str:
    """A source's YAML header with what the page asks and reproduces (as jupytext writes it)."""
    return (f"# ---\n# jupyter:\n#   casework:\n#     question: {question}\n"
            f"#     reproduces: {reproduces}\n# ---\n\n")


def layout_project(root: Path) -> Path:
    """The scratch compendium in the real layout: sources in notebooks/, executed
    notebooks in analyses/, the analyses taken in from _analyses.yml."""
    scratch_project(root)
    (root / "_quarto.yml").write_text(LAYOUT_YML, encoding="utf-8")
    (root / "index.qmd").write_text("---\ntitle: Front\n---\n\n{{< include _analyses.md >}}\n",
                                    encoding="utf-8")
    (root / "analyses").mkdir()
    for name, make in (("01_alpha", alpha_notebook), ("02_beta", beta_notebook)):
        (root / "notebooks" / f"{name}.ipynb").unlink()
        nbformat.write(make(), root / "analyses" / f"{name}.ipynb")
        title = "Alpha analysis" if name == "01_alpha" else "Beta analysis"
        (root / "notebooks" / f"{name}.py").write_text(
            about(f"Does {name[3:]} hold?", f"Study {name[:2]}, Table 1")
            + f"# %% [markdown]\n# # {title}\n\n# %%\nx = 1\n", encoding="utf-8")
    # Both notebooks finished in one run: render publishes only complete builds.
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "_build.json").write_text(json.dumps({"notebooks": {
        name: {"status": "executed", "params": {}} for name in ("01_alpha", "02_beta")}}),
        encoding="utf-8")
    return root


@pytest.fixture
def standin(tmp_path, monkeypatch):
    """`quarto` on PATH: the stand-in, logging its call to the returned path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "quarto"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {STANDIN} \"$@\"\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    log = tmp_path / "quarto.json"
    monkeypatch.setenv("STANDIN_QUARTO_LOG", str(log))
    return log


# --- Quarto's merge of metadata-files -------------------------------------------

def test_metadata_files_append_lists_and_merge_mappings_as_quarto_does():
    base = {"project": {"render": ["index.qmd"], "type": "website"},
            "website": {"navbar": {"left": [{"href": "index.qmd"}]}, "title": "A"}}
    extra = {"project": {"render": ["analyses/01_a.ipynb", "index.qmd"]},
             "website": {"navbar": {"left": [{"text": "Analyses", "menu": []}]}, "title": "B"}}
    merged = quarto_merge(base, extra)
    assert merged["project"] == {"render": ["index.qmd", "analyses/01_a.ipynb"], "type": "website"}
    assert merged["website"]["navbar"]["left"] == [{"href": "index.qmd"}, {"text": "Analyses", "menu": []}]
    assert merged["website"]["title"] == "B"
    assert quarto_merge({"contents": "auto"}, {"contents": ["a.qmd"]}) == {"contents": ["a.qmd"]}
    assert quarto_merge({"resources": "a.py"}, {"resources": ["b.py"]}) == {"resources": ["a.py", "b.py"]}


def test_metadata_files_must_be_a_list(tmp_path):
    (tmp_path / "_quarto.yml").write_text("project:\n  type: website\n  render: [index.qmd]\n"
                                          "metadata-files: _analyses.yml\n")
    with pytest.raises(RenderError, match=r"_quarto\.yml: metadata-files must be a list of YAML file paths"):
        read_config(tmp_path)


# --- the analyses follow from notebooks/ ----------------------------------------

def test_the_projects_pages_follow_from_its_notebook_sources(tmp_path):
    """Every notebooks/NN_name.py of this repository is a page and a menu entry, with no
    list of notebooks kept anywhere else."""
    for name in ("_quarto.yml", "favicon.svg", "styles.css"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "notebooks").mkdir()
    sources = sorted(p.name for p in (ROOT / "notebooks").glob("*.py"))
    for name in sources:
        shutil.copy(ROOT / "notebooks" / name, tmp_path / "notebooks" / name)
    catalog.refresh(tmp_path)
    config = read_config(tmp_path)
    pages = [f"analyses/{Path(n).stem}.ipynb" for n in sources]
    assert [p for p in config.render if p.startswith("analyses/")] == pages
    menu = {item.text: item for item in config.navbar_left}["Analyses"].menu
    assert [i.href for i in menu] == pages
    assert all(i.text and not i.text.startswith(("# ", "%%")) for i in menu)
    table = (tmp_path / "_analyses.md").read_text()
    assert all(f"]({p})" in table for p in pages)
    assert "{{< include _analyses.md >}}" in (ROOT / "index.qmd").read_text()


def test_a_new_notebook_is_a_page_and_a_menu_entry(tmp_path):
    root = layout_project(tmp_path / "proj")
    (root / "notebooks" / "03_gamma.py").write_text(about("Why gamma?", "'Extension: none published'")
                                                    + "# %% [markdown]\n# # Gamma: a third look\n")
    items = catalog.write(root)
    assert [(a.name, a.title) for a in items] == [("01_alpha", "Alpha analysis"), ("02_beta", "Beta analysis"),
                                                  ("03_gamma", "Gamma: a third look")]
    assert (root / "_analyses.md").read_text().splitlines()[-1] == (
        "| [Gamma: a third look](analyses/03_gamma.ipynb)<br>Why gamma? | Extension: none published |")
    config = read_config(root)
    assert "analyses/03_gamma.ipynb" in config.render
    assert [i.text for i in config.navbar_left[1].menu][-1] == "Gamma: a third look"
    # not executed yet: the build names it instead of leaving it out
    with pytest.raises(RenderError, match=r"analyses/03_gamma\.ipynb: not executed yet \(run `casework run 03_gamma`"):
        render(root, renderer="builtin")


@pytest.mark.parametrize("bad", ["8_gamma.py", "gamma.py", "03-gamma.py"])
def test_a_misnamed_source_is_an_error_naming_it(tmp_path, bad):
    root = layout_project(tmp_path / "proj")
    (root / "notebooks" / bad).write_text("# %% [markdown]\n# # Gamma\n")
    with pytest.raises(RenderError, match=rf"notebooks/{bad}: notebook sources are named NN_name\.py"):
        render(root, renderer="builtin")


def test_two_sources_with_one_number_are_an_error(tmp_path):
    root = layout_project(tmp_path / "proj")
    (root / "notebooks" / "01_again.py").write_text("# %% [markdown]\n# # Again\n")
    with pytest.raises(RenderError, match=r"01_alpha\.py: number 01 is already taken by 01_again\.py"):
        render(root, renderer="builtin")


@pytest.mark.parametrize("header, key", [
    ("", "question"),                                                   # no header at all
    ("# ---\n# jupyter:\n#   casework:\n#     question: Why?\n# ---\n\n", "reproduces"),
    ("# ---\n# jupyter:\n#   casework:\n#     question: ' '\n#     reproduces: X\n# ---\n\n", "question"),
])
def test_a_source_without_what_it_asks_or_reproduces_is_an_error(tmp_path, header, key):
    root = layout_project(tmp_path / "proj")
    (root / "notebooks" / "03_gamma.py").write_text(header + "# %% [markdown]\n# # Gamma\n")
    with pytest.raises(RenderError, match=rf"notebooks/03_gamma\.py: no '{key}' in the notebook's header; "
                                          r"add it to the YAML header at the top of the file, "
                                          r"under 'jupyter:' / 'casework:'"):
        render(root, renderer="builtin")


def test_a_header_that_does_not_parse_is_an_error_naming_the_source(tmp_path):
    root = layout_project(tmp_path / "proj")
    (root / "notebooks" / "03_gamma.py").write_text(about("Why?", "Extension: none") + "# %% [markdown]\n# # Gamma\n")
    with pytest.raises(RenderError, match=r"notebooks/03_gamma\.py: the YAML header does not parse \(line 5\): "
                                          r"mapping values are not allowed here; quote a value"):
        render(root, renderer="builtin")


def test_the_front_page_table_says_what_each_analysis_asks_and_reproduces(tmp_path):
    root = layout_project(tmp_path / "proj")
    catalog.write(root)
    assert (root / "_analyses.md").read_text().splitlines() == [
        "| Analysis: what it asks | Reproduces |", "|---|---|",
        "| [Alpha analysis](analyses/01_alpha.ipynb)<br>Does alpha hold? | Study 01, Table 1 |",
        "| [Beta analysis](analyses/02_beta.ipynb)<br>Does beta hold? | Study 02, Table 1 |"]
    # and both renderers show it as a table with the question under the linked title
    site = render(root, renderer="builtin")
    html = (site / "index.html").read_text()
    assert '<td><a href="analyses/01_alpha.html">Alpha analysis</a><br>Does alpha hold?</td>' in html


def test_a_source_without_a_title_is_an_error(tmp_path):
    root = layout_project(tmp_path / "proj")
    (root / "notebooks" / "03_gamma.py").write_text("# %%\nx = 1\n")
    with pytest.raises(RenderError, match=r"03_gamma\.py: no page title; start the first markdown cell"):
        render(root, renderer="builtin")


# --- every page of the render list is built, whichever renderer ------------------

@pytest.mark.parametrize("renderer", ["builtin", "quarto"])
def test_every_render_list_entry_is_html_in_the_site(tmp_path, standin, renderer):
    root = layout_project(tmp_path / "proj")
    done = build_site(root, renderer=renderer)
    assert done.renderer == renderer and not done.skipped
    config = read_config(root)
    assert len(config.render) == 4
    for source in config.render:
        assert (done.site / output_path(source)).is_file(), source
    assert (done.site / "notebooks" / "01_alpha.py").is_file()  # the anchored resources glob
    assert not (done.site / "_site").exists()
    build = yaml.safe_load((root / "_variables.yml").read_text())["build"]
    assert build["renderer"] == {"builtin": "the casework built-in renderer", "quarto": "Quarto"}[renderer]
    if renderer == "builtin":
        assert "built by the casework built-in renderer" in (done.site / "index.html").read_text()
    # a second build with nothing changed does nothing, and says so
    assert build_site(root, renderer=renderer).skipped


def test_quarto_dropping_a_page_fails_the_build_and_keeps_the_previous_site(tmp_path, standin):
    """The old layout (executed .ipynb beside its .py): Quarto exits 0 without the page."""
    root = scratch_project(tmp_path / "proj")
    (root / "_site").mkdir()
    (root / "_site" / "index.html").write_text("previous")
    (root / "_site" / ".casework-site").write_text("a site casework wrote\n")
    with pytest.raises(RenderError, match=r"the quarto renderer did not write 1 of the 4 pages of "
                                          r"project\.render; the previous site is unchanged:\n  "
                                          r"notebooks/01_alpha\.ipynb -> notebooks/01_alpha\.html$"):
        render(root, renderer="quarto")
    assert (root / "_site" / "index.html").read_text() == "previous"
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("_site")) == ["_site"]


def test_unanchored_resources_glob_copies_the_old_site_into_the_new(tmp_path, standin):
    """Why the project anchors its glob: Quarto matches 'notebooks/*.py' anywhere."""
    root = layout_project(tmp_path / "proj")
    text = (root / "_quarto.yml").read_text().replace("- /notebooks/*.py", "- notebooks/*.py")
    (root / "_quarto.yml").write_text(text)
    render(root, renderer="quarto")
    site = render(root, renderer="quarto", force=True)
    assert (site / "_site" / "notebooks" / "01_alpha.py").is_file()


def test_quarto_leaves_the_projects_gitignore_unchanged(tmp_path, standin):
    root = layout_project(tmp_path / "proj")
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")
    before = (root / ".gitignore").read_bytes()
    render(root, renderer="quarto")
    assert (root / ".gitignore").read_bytes() == before
    for generated in (catalog.METADATA_FILE, catalog.TABLE_FILE):
        assert f"/{generated}" in before.decode().splitlines()
    # and the stand-in does append to one that lacks Quarto's entries
    (root / ".gitignore").write_text("_site/\n")
    render(root, renderer="quarto", force=True)
    assert (root / ".gitignore").read_text() == "_site/\n/.quarto/\n**/*.quarto_ipynb\n"


def test_quarto_leaves_git_status_clean(tmp_path, standin, monkeypatch):
    """A render leaves .quarto/ and the two-format paper's paper_files/ in the project
    (as real Quarto does); the project's .gitignore covers them and every build product."""
    root = layout_project(tmp_path / "proj")
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")
    (root / "paper").mkdir()
    (root / "paper" / "paper.qmd").write_text("---\ntitle: Paper\nformat:\n  html: default\n"
                                              "  typst:\n    papersize: a4\n---\n\nText.\n")
    config = yaml.safe_load((root / "_quarto.yml").read_text())
    config["project"]["render"].append("paper/paper.qmd")
    (root / "_quarto.yml").write_text(yaml.safe_dump(config))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]
    for part in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "sources"]):
        subprocess.run(git + part, cwd=root, check=True, capture_output=True)
    from casework.cli import main
    monkeypatch.setenv("CASEWORK_ROOT", str(root))
    assert main(["render", "--renderer", "quarto"]) == 0
    assert (root / "paper" / "paper_files" / "figure-typst").is_dir()  # left, as Quarto does
    assert (root / ".quarto").is_dir()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                            check=True, capture_output=True, text=True).stdout
    assert status == ""


def test_cli_names_the_renderer(tmp_path, standin, monkeypatch, capsys):
    from casework.cli import main
    root = layout_project(tmp_path / "proj")
    monkeypatch.setenv("CASEWORK_ROOT", str(root))
    assert main(["render", "--renderer", "builtin"]) == 0
    assert capsys.readouterr().out.strip().endswith("(renderer: builtin; built)")
    assert main(["render", "--renderer", "builtin"]) == 0
    assert "(renderer: builtin; unchanged, nothing to rebuild)" in capsys.readouterr().out
    assert main(["render"]) == 0  # auto: quarto is on PATH
    assert "(renderer: quarto; built)" in capsys.readouterr().out


# --- what a notebook page says about itself comes from the notebook ----------------

def test_head_note_links_the_source_relative_to_the_executed_notebook():
    from casework.notebook import header_html
    note = header_html("01_caseload", {"data_dir": "data", "label": "<b>"}, "abc")
    assert note.startswith('<div class="casework-header"><p>Notebook source: '
                           '<a href="../notebooks/01_caseload.py"><code>notebooks/01_caseload.py</code></a>'
                           " · parameters <code>abc</code></p>")
    assert "<td><code>&#x27;&lt;b&gt;&#x27;</code></td>" in note  # values escaped


def test_executed_parameter_cells_are_removed_for_both_renderers():
    from nbformat.v4 import new_code_cell, new_notebook
    from casework.pipeline.execute import clean
    nb = new_notebook(cells=[new_code_cell("a = 1", metadata={"tags": ["parameters"]}),
                             new_code_cell("a = 2", metadata={"tags": ["injected-parameters"]}),
                             new_code_cell("a")])
    cleaned = clean(nb, {"a": 2})
    assert [c.metadata.get("tags") for c in cleaned.cells] == [
        ["parameters", "remove-cell"], ["injected-parameters", "remove-cell"], None]


# --- nothing from the network ---------------------------------------------------------

def test_post_render_takes_out_quartos_cdn_scripts(tmp_path, standin):
    """The stand-in writes Quarto's require.js/jQuery tags into notebook pages with HTML
    outputs; the project's post-render script (run by Quarto itself) removes them."""
    root = layout_project(tmp_path / "proj")
    offline = root / "src" / "casework" / "website" / "offline.py"
    offline.parent.mkdir(parents=True)
    shutil.copy(ROOT / "src" / "casework" / "website" / "offline.py", offline)
    (root / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    text = (root / "_quarto.yml").read_text().replace("  title: \"Layout compendium\"",
                                                      "  title: \"Layout compendium\"\n  favicon: favicon.svg")
    (root / "_quarto.yml").write_text(text.replace(
        "  resources:", "  post-render:\n    - src/casework/website/offline.py\n  resources:"))
    site = render(root, renderer="quarto")
    beta = (site / "analyses" / "02_beta.html").read_text()  # beta has a text/html output
    assert "<title>analyses/02_beta.ipynb</title>\n</head>" in beta
    assert "cdn.jsdelivr" not in beta and "define('jquery'" not in beta
    assert (site / "favicon.svg").is_file()
    # without the post-render step the tags would be there (the stand-in is not a no-op)
    (root / "_quarto.yml").write_text(text)
    site = render(root, renderer="quarto", force=True)
    assert "cdn.jsdelivr.net/npm/requirejs@" in (site / "analyses" / "02_beta.html").read_text()


def test_the_project_asks_quarto_for_no_network_resources():
    raw = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    assert raw["project"]["post-render"] == ["src/casework/website/offline.py"]
    assert raw["format"]["html"]["theme"] == ["cosmo", "offline.scss"]
    assert "$web-font-path: false;" in (ROOT / "offline.scss").read_text()
    assert (ROOT / raw["website"]["favicon"]).is_file()


def test_both_renderers_use_the_projects_stylesheet(tmp_path, standin):
    # The phone and print rules live in one file that _quarto.yml names (format.html.css);
    # Quarto links it after its theme, the built-in renderer appends it to site.css.
    raw = yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))
    css = raw["format"]["html"]["css"]
    shared = (ROOT / css).read_text(encoding="utf-8")
    assert "@media print" in shared and "#quarto-header" in shared and ".cw-navbar" in shared
    assert raw["format"]["html"]["lightbox"] is True       # figure zoom, Quarto >= 1.4
    assert "@media print" not in (ROOT / "src/casework/website/builtin/site.css").read_text()
    root = layout_project(tmp_path / "proj")
    shutil.copy(ROOT / css, root / css)
    text = (root / "_quarto.yml").read_text()
    (root / "_quarto.yml").write_text(text + f"format:\n  html:\n    css: {css}\n")
    site = render(root, renderer="builtin")
    assert shared in (site / "site.css").read_text()
    site = render(root, renderer="quarto", force=True)
    assert (site / css).read_text() == shared
    assert f'<link href="../{css}" rel="stylesheet">' in (site / "analyses" / "01_alpha.html").read_text()


def test_a_missing_stylesheet_is_named(tmp_path):
    root = layout_project(tmp_path / "proj")
    text = (root / "_quarto.yml").read_text()
    (root / "_quarto.yml").write_text(text + "format:\n  html:\n    css: [print.css]\n")
    with pytest.raises(RenderError, match=r"format\.html\.css 'print\.css': expected a \.css file in the project"):
        read_config(root)


def test_builtin_links_the_favicon_from_every_page(tmp_path):
    root = layout_project(tmp_path / "proj")
    (root / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    text = (root / "_quarto.yml").read_text()
    (root / "_quarto.yml").write_text(text.replace("  title: \"Layout compendium\"",
                                                   "  title: \"Layout compendium\"\n  favicon: favicon.svg"))
    site = render(root, renderer="builtin")
    assert '<link rel="icon" href="../favicon.svg">' in (site / "analyses" / "01_alpha.html").read_text()
    assert '<link rel="icon" href="favicon.svg">' in (site / "index.html").read_text()
    assert (site / "favicon.svg").is_file()


def test_a_missing_favicon_is_named(tmp_path):
    root = layout_project(tmp_path / "proj")
    text = (root / "_quarto.yml").read_text()
    (root / "_quarto.yml").write_text(text.replace("  title: \"Layout compendium\"",
                                                   "  title: \"Layout compendium\"\n  favicon: icon.png"))
    with pytest.raises(RenderError, match=r"website\.favicon 'icon\.png': expected an image file in the project"):
        read_config(root)


# --- number-sections, as Quarto numbers them ---------------------------------------------

def test_number_sections_counts_from_the_top_heading_level():
    from casework.website.builtin.pages import number_sections
    body = ('<h2 id="a">Intro</h2><h3 id="b">Data</h3><h3>Tests</h3><h2>Results</h2><h3>One</h3>'
            '<h2 class="unnumbered" id="r">References</h2>')
    numbered = number_sections(body)
    assert [m for m in re.findall(r'number">([\d.]+)</span> (\w+)', numbered)] == [
        ("1", "Intro"), ("1.1", "Data"), ("1.2", "Tests"), ("2", "Results"), ("2.1", "One")]
    assert '<h2 class="unnumbered" id="r">References</h2>' in numbered
    assert re.findall(r'number">([\d.]+)<', number_sections(body, depth=1)) == ["1", "2"]


def test_builtin_honours_number_sections_in_front_matter(tmp_path):
    root = layout_project(tmp_path / "proj")
    (root / "data" / "README.md").write_text("---\ntitle: About\nnumber-sections: true\n---\n\n"
                                             "## Where\n\n### Which\n\n## Why\n")
    site = render(root, renderer="builtin")
    readme = (site / "data" / "README.html").read_text()
    assert re.findall(r'header-section-number">([\d.]+)</span> (\w+)', readme) == [
        ("1", "Where"), ("1.1", "Which"), ("2", "Why")]
    assert "header-section-number" not in (site / "index.html").read_text()


def test_casework_run_checks_every_sources_header_before_any_kernel(tmp_path, monkeypatch, capsys):
    """A source the front page cannot list stops `casework run` before anything executes."""
    from casework.cli import main
    root = tmp_path / "proj"
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("*.ipynb", ".*"))
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copy(ROOT / "_quarto.yml", root / "_quarto.yml")
    source = sorted((root / "notebooks").glob("*.py"))[-1]
    text = source.read_text(encoding="utf-8")
    source.write_text(text[text.index("# %% [markdown]"):], encoding="utf-8")  # header removed
    monkeypatch.setenv("CASEWORK_ROOT", str(root))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert f"error: {source}: no 'question' in the notebook's header" in err
    assert not (root / "analyses").exists() and not (root / "results").exists()
