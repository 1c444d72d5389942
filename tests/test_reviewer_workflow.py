"""The reviewer's workflow on the real compendium: another parameter set, rebuild, compare.

A parameter set that the schema accepts must also build the whole site: notebooks
run, every value the paper cites is recorded, pages render. Afterwards the default
build is restored (from the cache, without kernels).
"""
from __future__ import annotations

import subprocess
import sys

import yaml


def build(root, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casework.cli", "build", *args], cwd=root,
                          capture_output=True, text=True)


def test_the_sensitivity_set_builds_the_whole_site(built_project):
    root = built_project
    default = yaml.safe_load((root / "_variables.yml").read_text())
    try:
        result = build(root, "--params", "params/sensitivity.yml")
        assert result.returncode == 0, result.stderr[-4000:]
        varied = yaml.safe_load((root / "_variables.yml").read_text())
        # the set drops limited-information cases and counts mixed developments
        assert varied["regressions"]["n_all"] != default["regressions"]["n_all"]
        assert varied["freethe20_survival"]["logrank_p"] != default["freethe20_survival"]["logrank_p"] \
            or varied["freethe20_survival"]["logrank_chi2"] != default["freethe20_survival"]["logrank_chi2"]
        paper = (root / "_site" / "paper" / "paper.html").read_text(encoding="utf-8")
        assert "{{<" not in paper and varied["regressions"]["n_all"] in paper
        # The words of this build too: the linter finds nothing, statcheck no inconsistency.
        from casework.website import lint, statcheck
        problems = lint.lint_site(root / "_site")
        assert not problems, "\n".join(map(str, problems[:40]))
        text = lint.html_text(paper)[0]
        assert statcheck.unaccounted(text) == []      # every p belongs to a test or a named exact test
        if statcheck.available() is None:
            found = statcheck.check(text)
            assert len(found) == len(statcheck.apa_tests(text)) > 0
            assert not found["error"].astype(bool).any(), found[found["error"].astype(bool)]["raw"].tolist()
        # The PDF of this build: no text over text, the HTML's numbering, no near-empty page.
        import shutil
        if shutil.which("pdftotext") and shutil.which("pdftoppm"):
            from casework.website import pdf_check
            assert pdf_check.check_paper(root / "_site") == []
    finally:
        restored = build(root)
        assert restored.returncode == 0, restored.stderr[-4000:]
    assert "0 executed, 8 cached" in restored.stderr or "restored from cache" in restored.stderr
    assert yaml.safe_load((root / "_variables.yml").read_text())["regressions"] == default["regressions"]
