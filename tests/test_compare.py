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


# Issue 22: values are paired by their full identity, never by a label alone.
def card_row(section, estimate, within, sign_agrees="True", notebook="04_regressions"):
    return {"notebook": notebook, "study": "Spannagel 2019 (Working Paper 7)", "section": section,
            "estimate": estimate, "within": within, "sign_agrees": sign_agrees}


# One label under three models (all / closed / open), as in 04_regressions' Table 1.
MODELS = ("Table 1, all cases", "Table 1, closed cases", "Table 1, open cases")
CARD_A = [card_row(m, label, w) for label in ("Reply received", "Issue: minority")
          for m, w in zip(MODELS, ("True", "False", "True"))]


def test_rows_with_one_label_under_different_models_are_never_paired():
    a = snap(0.95, {"logrank_p": 0.03}, CARD_A)
    assert differences(a, a) == {"moved": [], "flipped": []}
    # Only the open-regime row of one estimate changes: exactly that one flip, named by model.
    card_b = [dict(r) for r in CARD_A]
    card_b[2]["within"] = "False"
    card_b[3]["sign_agrees"] = "False"
    diff = differences(a, snap(0.95, {"logrank_p": 0.03}, card_b))
    assert [(f["what"], f["change"]) for f in diff["flipped"]] == [
        ("Table 1, open cases: Reply received", "published value inside the interval: True -> False"),
        ("Table 1, all cases: Issue: minority", "sign agrees with the published one: True -> False")]


def hand_made_site(folder, confidence, values, card):
    """A site folder as `casework render` leaves it, for compare: marker and values."""
    (folder / SNAPSHOT).parent.mkdir(parents=True)
    (folder / ".casework-site").write_text("written by casework\n")
    (folder / SNAPSHOT).write_text(json.dumps(snap(confidence, values, card)))
    return folder


def test_hand_made_sites_known_moves_and_flips(tmp_path, monkeypatch, capsys):
    from casework.cli import main
    monkeypatch.chdir(tmp_path)
    a = hand_made_site(tmp_path / "a", 0.95, {"logrank_p": 0.03, "coef_featured": 0.4, "n": 40}, CARD_A)
    card_b = [dict(r) for r in CARD_A]
    card_b[1]["within"] = "True"  # closed cases, Reply received: now inside
    b = hand_made_site(tmp_path / "b", 0.95, {"logrank_p": 0.07, "coef_featured": 0.4, "n": 41}, card_b)
    page = tmp_path / "cmp" / "index.html"
    monkeypatch.setenv("CASEWORK_ROOT", str(tmp_path))
    (tmp_path / "_quarto.yml").write_text("project: {type: website}\n")
    for first, second, expected in ((a, a, "0 values moved, 0 conclusions flipped"),
                                    (b, b, "0 values moved, 0 conclusions flipped"),
                                    (a, b, "2 values moved, 2 conclusions flipped")):
        assert main(["compare", str(first), str(second), "--out", str(page)]) == 0
        assert capsys.readouterr().err == f"{expected}; see {page}\n"
    text = page.read_text()
    assert "Table 1, closed cases: Reply received" in text and "significant at 0.05 -&gt; not significant" in text
    assert (page.parent / ".casework-site").is_file()  # a comparison folder casework wrote


def test_compare_never_writes_over_a_file_it_did_not_write(tmp_path, monkeypatch, capsys):
    from casework.cli import main
    monkeypatch.setenv("CASEWORK_ROOT", str(tmp_path))
    (tmp_path / "_quarto.yml").write_text("project: {type: website}\n")
    a = hand_made_site(tmp_path / "a", 0.95, {"n": 1}, [])
    mine = tmp_path / "notes.html"
    mine.write_text("<p>my notes</p>")
    assert main(["compare", str(a), str(a), "--out", str(mine)]) == 2
    assert capsys.readouterr().err == (f"error: --out {mine}: is a file casework compare did not write; "
                                       "expected a new path or a page an earlier comparison wrote; "
                                       "nothing was changed\n")
    assert mine.read_text() == "<p>my notes</p>"
    assert main(["compare", str(a), str(a), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith(f"error: --out {tmp_path}: is a folder or link, not a page")


def test_comparing_parameter_files_leaves_the_site_and_results_alone(project, tmp_path, capsys):
    write_notebook(project, "01_alpha", RECORD, 'record("01_alpha", n=n, level=confidence)')
    write_notebook(project, "02_beta", RECORD, 'record("02_beta", label=label)')
    (project / "_quarto.yml").write_text(QUARTO)
    (project / "index.qmd").write_text("---\ntitle: Home\n---\n\nn is {{< var alpha.n >}}.\n")
    assert build() == 0
    render(project, renderer="builtin")

    def state():
        files = [*(project / "results").rglob("*"), *(project / "analyses").rglob("*"),
                 project / "_variables.yml", *(project / "_site").rglob("*")]
        return {p.relative_to(project).as_posix(): p.read_bytes() for p in files if p.is_file()}

    before = state()
    (project / "params").mkdir(exist_ok=True)
    (project / "params" / "a.yml").write_text("n: 4\n")
    (project / "params" / "b.yml").write_text("n: 6\nconfidence: 0.9\n")
    stream = io.StringIO()
    page = tmp_path / "cmp.html"
    assert compare(project, project / "params" / "a.yml", project / "params" / "b.yml", page, stream) == 0
    assert stream.getvalue().endswith(f"2 values moved, 0 conclusions flipped; see {page}\n")
    assert "<td>01_alpha</td><td>n</td><td>4</td><td>6</td>" in page.read_text()
    assert state() == before  # results/, analyses/, _variables.yml and _site/ as they were
    assert not list((project / ".casework").glob("compare-*"))
    from casework.website.render import build_site
    assert build_site(project, renderer="builtin").skipped  # a plain render: the same site
    capsys.readouterr()
    assert build() == 0  # the cache still knows the restored outputs: nothing re-executes
    assert "0 executed, 2 cached, 0 failed" in capsys.readouterr().err


def test_a_comparison_killed_outright_is_undone_at_the_next_start(project, tmp_path):
    """SIGKILL between the comparison's builds and its restore: the next render puts the
    project's own build back before it publishes anything."""
    import subprocess
    import sys

    from test_publish import CHILD
    write_notebook(project, "01_alpha", RECORD, 'record("01_alpha", n=n, level=confidence)')
    write_notebook(project, "02_beta", RECORD, 'record("02_beta", label=label)')
    (project / "_quarto.yml").write_text(QUARTO)
    (project / "index.qmd").write_text("---\ntitle: Home\n---\n\nn is {{< var alpha.n >}}.\n")
    assert build() == 0
    render(project, renderer="builtin")
    before = (project / "results" / "01_alpha.json").read_bytes()
    (project / "params").mkdir(exist_ok=True)
    (project / "params" / "b.yml").write_text("n: 6\n")
    # The child dies the moment the comparison would put the build back.
    killed = CHILD.replace("from casework.cli import main", (
        "import os, signal\nfrom casework.pipeline import preserve\n"
        "preserve._restore = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from casework.cli import main"))
    done = subprocess.run([sys.executable, "-c", killed, str(project), "compare", str(project / "_site"),
                           "params/b.yml", "--out", str(tmp_path / "c.html")],
                          cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == -9, done.stderr
    assert (project / "results" / "01_alpha.json").read_bytes() != before  # left on the other set
    assert len(list((project / ".casework").glob("compare-*"))) == 1
    render(project, renderer="builtin", force=True)
    assert (project / "results" / "01_alpha.json").read_bytes() == before
    assert "n is 3." in (project / "_site" / "index.html").read_text()
    assert not list((project / ".casework").glob("compare-*"))
