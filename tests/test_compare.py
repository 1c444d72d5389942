"""`casework compare`: every value that moved, by how much, and the conclusions that flipped."""
from __future__ import annotations

import io
import json

from test_parameters import project, write_notebook  # noqa: F401 (fixture)
from test_pipeline import RECORD, build
from test_publish import QUARTO

from casework.pipeline.compare import SNAPSHOT, compare, differences
from casework.website.render import render


def snap(confidence, values, scorecard=()):
    return {"parameter_set": {"name": "params/x.yml", "overrides": []},
            "notebooks": {"05_x": {"params": {"confidence": confidence},
                                   "values": {k: {"value": v, "display": str(v)} for k, v in values.items()}}},
            "scorecard": list(scorecard)}


def test_moved_values_by_how_much_and_flipped_conclusions():
    a = snap(0.95, {"logrank_p": 0.03, "coef_featured": 0.4, "n": 40, "label": "x", "same": 1},
             [{"notebook": "05_x", "estimate": "HR", "within": "True", "sign_agrees": "True"}])
    b = snap(0.99, {"logrank_p": 0.02, "coef_featured": -0.1, "n": 50, "label": "y", "same": 1},
             [{"notebook": "05_x", "estimate": "HR", "within": "False", "sign_agrees": "True"}])
    diff = differences(a, b)
    assert [(m["value"], m["a"], m["b"], m["by"]) for m in diff["moved"]] == [
        ("coef_featured", "0.4", "-0.1", "-0.5 (-125.0%)"), ("label", "x", "y", ""),
        ("logrank_p", "0.03", "0.02", "-0.01 (-33.3%)"), ("n", "40", "50", "+10 (+25.0%)")]
    # 0.03 < 0.05 but 0.02 > 0.01: significance flips with the level of each side.
    assert [(f["what"], f["kind"], f["change"]) for f in diff["flipped"]] == [
        ("coef_featured", "sign", "positive -> negative"),
        ("logrank_p", "significance", "significant at 0.05 -> not significant at 0.01"),
        ("HR", "scorecard", "published value inside the interval: True -> False")]


def test_compare_two_built_sites(project, tmp_path):
    write_notebook(project, "01_alpha", RECORD, 'record("01_alpha", n=n, level=confidence)')
    write_notebook(project, "02_beta", RECORD, 'record("02_beta", label=label)')
    (project / "_quarto.yml").write_text(QUARTO)
    (project / "index.qmd").write_text("---\ntitle: Home\n---\n\nn is {{< var alpha.n >}}.\n")
    assert build() == 0
    render(project, renderer="builtin")
    assert build(overrides=["n=5", "confidence=0.9"]) == 0
    second = render(project, renderer="builtin", out=tmp_path / "second")
    assert "n is 3." in (project / "_site" / "index.html").read_text()  # _site untouched
    assert "n is 5." in (second / "index.html").read_text()
    assert json.loads((second / SNAPSHOT).read_text())["parameter_set"]["overrides"] == ["n=5", "confidence=0.9"]
    stream = io.StringIO()
    page = tmp_path / "cmp.html"
    assert compare(project, project / "_site", second, page, stream) == 0
    assert stream.getvalue() == f"2 values moved, 0 conclusions flipped; see {page}\n"
    text = page.read_text()
    assert "<td>01_alpha</td><td>n</td><td>3</td><td>5</td><td>+2 (+66.7%)</td>" in text
    assert "-p n=5 -p confidence=0.9" in text


def test_compare_refuses_a_folder_that_is_no_build(project, tmp_path):
    from casework.cli import main
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 2
