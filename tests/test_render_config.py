"""Reading `_quarto.yml`: the real one, and every bad configuration with its message."""
from __future__ import annotations

from pathlib import Path

import pytest

from casework.website.errors import RenderError
from casework.website.config import (check_pages, missing_pages, output_path, read_config)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["00_data_overview", "01_caseload", "02_case_development", "03_impact_survey",
             "04_regressions", "05_freethe20_survival", "06_robustness", "07_power",
             "08_recovery"]

BASE = """\
project:
  type: website
  render:
{render}
website:
  title: T
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "_quarto.yml").write_text(text, encoding="utf-8")
    return tmp_path


def config_with(tmp_path: Path, *entries: str, extra: str = ""):
    render = "\n".join(f"    - {e}" for e in entries)
    return read_config(write(tmp_path, BASE.format(render=render) + extra))


def test_output_paths_are_quartos():
    assert output_path("index.qmd") == "index.html"
    assert output_path("notebooks/01_caseload.ipynb") == "notebooks/01_caseload.html"
    assert output_path("data/README.md") == "data/README.html"
    assert output_path("paper/paper.qmd") == "paper/paper.html"


def test_the_projects_quarto_yml_lists_every_executed_notebook_and_no_script():
    config = read_config(ROOT)
    assert config.output_dir == "_site"
    assert config.render[0] == "index.qmd"
    assert [s for s in config.render if s.startswith("analyses/")] == [f"analyses/{n}.ipynb" for n in NOTEBOOKS]
    assert {"data/CODEBOOK.md", "data/README.md"} <= set(config.render)
    assert not any(s.endswith(".py") for s in config.render)
    menu = {item.text: item for item in config.navbar_left}
    assert [i.href for i in menu["Analyses"].menu] == [f"analyses/{n}.ipynb" for n in NOTEBOOKS]
    assert [i.href for i in menu["Data"].menu] == ["data/CODEBOOK.md", "data/README.md"]
    assert "{{< var build.notice >}}" in config.announcement
    assert "{{< var build.commit >}}" in dict(config.page_footer)["right"]


def test_every_navbar_page_of_the_project_is_rendered():
    config = read_config(ROOT)
    hrefs = [i.href for item in config.navbar_left + config.navbar_right
             for i in (item.menu or (item,)) if not i.external]
    assert set(hrefs) <= set(config.render)


def test_missing_config(tmp_path):
    with pytest.raises(RenderError, match=r"_quarto\.yml not found"):
        read_config(tmp_path)


def test_not_a_website(tmp_path):
    write(tmp_path, "project:\n  type: book\n")
    with pytest.raises(RenderError, match=r"project\.type is 'book'; expected 'website'"):
        read_config(tmp_path)


def test_invalid_yaml(tmp_path):
    write(tmp_path, "project: [\n")
    with pytest.raises(RenderError, match=r"_quarto\.yml: not valid YAML"):
        read_config(tmp_path)


def test_empty_render_list(tmp_path):
    write(tmp_path, "project:\n  type: website\n")
    with pytest.raises(RenderError, match=r"project\.render is missing or empty"):
        read_config(tmp_path)


def test_globs_are_refused_so_nothing_vanishes(tmp_path):
    with pytest.raises(RenderError, match=r"entry 'notebooks/\*\.ipynb': list each page by name, no globs"):
        config_with(tmp_path, "index.qmd", "'notebooks/*.ipynb'")


def test_python_sources_are_refused(tmp_path):
    with pytest.raises(RenderError, match=r"entry 'notebooks/01_caseload\.py': expected a \.qmd, \.md, "
                                          r"\.ipynb file \(Quarto would execute a \.py script"):
        config_with(tmp_path, "index.qmd", "notebooks/01_caseload.py")


def test_pages_outside_the_project_are_refused(tmp_path):
    with pytest.raises(RenderError, match=r"entry '\.\./other\.qmd' lies outside the project"):
        config_with(tmp_path, "../other.qmd")


@pytest.mark.parametrize("bad", ["'.'", "'..'", "/tmp/site", "data", "out/site", "''"])
def test_output_dir_must_be_a_build_folder_in_the_root(tmp_path, bad):
    write(tmp_path, BASE.format(render="    - index.qmd").replace("  render:", f"  output-dir: {bad}\n  render:"))
    with pytest.raises(RenderError, match=r"project\.output-dir .*: expected the name of a build folder"):
        read_config(tmp_path)


def test_navbar_item_needs_href(tmp_path):
    with pytest.raises(RenderError, match=r"website\.navbar\.left\[0\]: expected an href"):
        config_with(tmp_path, "index.qmd", extra="  navbar:\n    left:\n      - text: Home\n")


def test_navbar_menu_needs_text(tmp_path):
    with pytest.raises(RenderError, match=r"website\.navbar\.left\[1\]: a menu needs a text"):
        config_with(tmp_path, "index.qmd",
                    extra="  navbar:\n    left:\n      - index.qmd\n      - menu: [index.qmd]\n")


def test_footer_regions_must_be_text(tmp_path):
    with pytest.raises(RenderError, match=r"website\.page-footer\.right must be text"):
        config_with(tmp_path, "index.qmd", extra="  page-footer:\n    right: [a, b]\n")


def test_missing_pages_name_the_run_command_for_notebooks(tmp_path):
    config = config_with(tmp_path, "index.qmd", "notebooks/03_impact_survey.ipynb", "paper/paper.qmd")
    (tmp_path / "index.qmd").write_text("# Home\n")
    assert missing_pages(config) == [
        "notebooks/03_impact_survey.ipynb: not executed yet (run `casework run 03_impact_survey` "
        "or `casework run`)",
        "paper/paper.qmd: file not found"]
    with pytest.raises(RenderError, match=r"project\.render lists pages that do not exist:\n  "
                                          r"notebooks/03_impact_survey\.ipynb: not executed yet"):
        check_pages(config)


def test_footer_as_plain_text_goes_in_the_centre(tmp_path):
    config = config_with(tmp_path, "index.qmd", extra="  page-footer: \"Made with care\"\n")
    assert config.page_footer == (("center", "Made with care"),)
