"""casework lint: each rule catches its mistake, names the rule and the excerpt, and the
default build's site and PDF have none (the sensitivity build: test_reviewer_workflow)."""
from __future__ import annotations

import pytest

from casework.website import lint


def rules(text: str, headers=()) -> list[str]:
    return [p.rule for p in lint.lint_text(text, "page.html", list(headers))]


@pytest.mark.parametrize("text, rule", [
    ("The coefficient is inf here.", "inf or NaN in the text"),
    ("computed nan (separation)", "inf or NaN in the text"),
    ("a sampling SD of 1.14e-16", "float noise"),
    ("a share of 0.30000000000000004", "float noise"),
    ("a test (p = 0.000)", "p-value not in the one rule (p < .001, p = .046)"),
    ("the test gives p = n/a", "p-value not in the one rule (p < .001, p = .046)"),
    ("log-rank p = < 0.0001", "p-value not in the one rule (p < .001, p = .046)"),
    ("significant (p < 0.001)", "p-value not in the one rule (p < .001, p = .046)"),
    ("moves the log-rank p-value from < .0001 to < .0001.", "template with two equal values"),
    ("moves it from 0.12 to 0.12, then", "template with two equal values"),
    ("Reasons: RuntimeError: Firth logit did not converge", "exception text"),
    ("Traceback (most recent call last): ...", "exception text"),
    ("- business_all: 80% of 120 specifications", "raw record key"),
    ("the peak year of communications | 2,008 |", "year with a thousands separator"),
    ("median months: n/a", "n/a without a note saying what it means"),
    ("the tests in @sec-development say", "unresolved cross-reference"),
])
def test_each_rule_catches_its_mistake(text, rule):
    assert rule in rules(text)


def test_clean_text_passes():
    text = ("Of 44 checks, 40 (91%) agree; χ2(1) = 19.43, p < .001; z = −2.10, p = .036; p > .999. "
            "Separated: +∞ (separation). From 2000 to 2016 the caseload grew to 12,086 cases; in 2008 it "
            "peaked. The value moves from .012 to .046. Median: n/a: fewer than half were released. "
            "An information cell, `recode_negative_attention`, and α = 0.05 are fine. None of 5 infants. "
            "Shares vary from seed to seed; doi:10.25080/Majora-342d178e-010.")
    assert rules(text) == []


def test_snake_case_headers_and_excerpt_in_the_message():
    problems = lint.lint_text("A table", "04.html", ["Estimate", "published_se", "computed"])
    assert [str(p) for p in problems] == ['04.html: snake_case table header: "published_se"']


def test_html_text_leaves_out_code_scripts_and_styles():
    html = ("<html><head><title>x_y: t</title><style>.a{}</style></head><body><p>Shown 0.5</p>"
            "<code>param_name: 1</code><script>var inf = 1;</script><table><tr><th>n_cases</th></tr></table>"
            "</body></html>")
    text, headers = lint.html_text(html)
    assert "Shown 0.5" in text and "param_name" not in text and "inf" not in text and "x_y" not in text
    assert headers == ["n_cases"]


def test_reference_lists_are_left_out():
    html = ('<p>Text.</p><div id="refs"><div class="csl-entry">Iannone. great_tables: Make Awesome '
            'Tables.</div></div><p>After: p = 0.000</p>')
    assert [p.rule for p in lint.lint_text(lint.html_text(html)[0], "x")] == [
        "p-value not in the one rule (p < .001, p = .046)"]
    assert lint.pdf_body("Body p < .001\nReferences\nIannone. great_tables: Make") == "Body p < .001"


def test_a_missing_site_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no built site"):
        lint.lint_site(tmp_path / "nowhere")


def test_the_cli_reports_each_problem_and_fails(tmp_path, capsys):
    (tmp_path / "index.html").write_text("<p>p = 0.000 and 2.5e-17</p>", encoding="utf-8")
    (tmp_path / "ok.html").write_text("<p>p < .001</p>", encoding="utf-8")
    from casework.cli import main
    assert main(["lint", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "index.html: p-value not in the one rule" in out and "index.html: float noise" in out
    assert "ok.html" not in out and "2 problem(s) on 1 page(s)" in out


def test_the_default_build_has_no_problem(built_project):
    problems = lint.lint_site(built_project / "_site")
    assert not problems, "\n".join(map(str, problems[:40]))
