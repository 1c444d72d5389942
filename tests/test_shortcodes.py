"""Shortcode parsing and `{{< var >}}` lookup, independent of any page."""
from __future__ import annotations

import pytest
import yaml

from casework.website.errors import ShortcodeError
from casework.website.builtin.shortcodes import Variables, Where, expand


@pytest.fixture
def variables(tmp_path):
    path = tmp_path / "_variables.yml"
    path.write_text(yaml.safe_dump({"caseload": {"n_cases": "12,086", "share": "44%", "flag": True,
                                                 "nested": {"deep": 3}},
                                    "build": {"commit": "abc1234"}}))
    return Variables(path)


def test_var_replaces_the_value_in_place(variables):
    text = "We saw {{< var caseload.n_cases >}} cases ({{<var caseload.share>}}), commit {{< var build.commit >}}."
    assert expand(text, Where("p.qmd"), {"var": variables}) == "We saw 12,086 cases (44%), commit abc1234."


def test_var_reaches_nested_values_and_prints_booleans_as_yaml(variables):
    text = "{{< var caseload.nested.deep >}} {{< var caseload.flag >}}"
    assert expand(text, Where("p.qmd"), {"var": variables}) == "3 true"


def test_escaped_shortcode_is_left_as_literal_text(variables):
    text = "Write {{</* var caseload.n_cases */>}} to cite."
    assert expand(text, Where("p.qmd"), {"var": variables}) == "Write {{< var caseload.n_cases >}} to cite."


def test_text_without_shortcodes_is_unchanged(variables):
    text = "No {{ jinja }} or {< braces >} here.\n"
    assert expand(text, Where("p.qmd"), {"var": variables}) == text


def test_unknown_key_names_file_line_and_what_exists(variables):
    text = "line one\nline two\n\nvalue {{< var caseload.n_case >}}"
    with pytest.raises(ShortcodeError) as err:
        expand(text, Where("paper/paper.qmd", line=5), {"var": variables})
    assert str(err.value) == ("paper/paper.qmd, line 8: {{< var caseload.n_case >}}: unknown variable "
                              "'caseload.n_case': _variables.yml has no 'n_case' under caseload "
                              "(it has: flag, n_cases, nested, share)")


def test_unknown_notebook_key_names_the_top_level(variables):
    with pytest.raises(ShortcodeError, match=r"no 'survival' under the top level \(it has: build, caseload\)"):
        expand("{{< var survival.hr >}}", Where("x.qmd"), {"var": variables})


def test_group_instead_of_value_is_an_error(variables):
    with pytest.raises(ShortcodeError, match=r"x\.qmd, line 1: .*'caseload\.nested' in _variables\.yml "
                                             r"is a group of values, not one value"):
        expand("{{< var caseload.nested >}}", Where("x.qmd"), {"var": variables})


def test_var_needs_exactly_one_key(variables):
    with pytest.raises(ShortcodeError, match=r"x\.qmd, line 2: \{\{< var >\}\}: expected exactly one key"):
        expand("\n{{< var >}}", Where("x.qmd"), {"var": variables})


def test_unknown_shortcode_names_file_line_and_the_supported_ones(variables):
    with pytest.raises(ShortcodeError) as err:
        expand("a\nb {{< meta title >}}", Where("index.qmd"), {"var": variables, "embed": lambda s: ""})
    assert str(err.value) == ("index.qmd, line 2: {{< meta title >}}: unknown shortcode 'meta'; "
                              "the built-in renderer supports only embed, var")


def test_location_inside_a_notebook_cell(variables):
    with pytest.raises(ShortcodeError, match=r"^nb\.ipynb, cell 4, line 2: "):
        expand("x\n{{< pagebreak >}}", Where("nb.ipynb", 1, "cell 4"), {"var": variables})


def test_unbalanced_quotes_are_reported(variables):
    with pytest.raises(ShortcodeError, match=r"x\.qmd, line 1: .*cannot parse"):
        expand('{{< var "caseload.n_cases >}}', Where("x.qmd"), {"var": variables})


def test_handler_receives_arguments_and_options():
    seen = []
    expand('{{< embed ../nb.ipynb#fig-a echo=true >}}', Where("x.qmd"),
           {"embed": lambda sc: seen.append((sc.name, sc.args, sc.options)) or ""})
    assert seen == [("embed", ("../nb.ipynb#fig-a",), {"echo": "true"})]


def test_missing_variables_file_says_to_run_first(tmp_path):
    with pytest.raises(ShortcodeError, match=r"_variables\.yml not found: run `casework run` first"):
        Variables(tmp_path / "_variables.yml")


def test_malformed_variables_file_is_named(tmp_path):
    path = tmp_path / "_variables.yml"
    path.write_text("a: [unclosed\n")
    with pytest.raises(ShortcodeError, match=r"_variables\.yml: not valid YAML"):
        Variables(path)
