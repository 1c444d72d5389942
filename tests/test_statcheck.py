"""statcheck on the paper and the pages: it finds every reported test and no inconsistency.
Skipped, with the reason, when Rscript or the R package statcheck is not installed."""
from __future__ import annotations

from pathlib import Path

import pytest

from casework.website import lint, statcheck

REASON = statcheck.available()
needs_statcheck = pytest.mark.skipif(REASON is not None, reason=f"statcheck cannot run: {REASON}")


@needs_statcheck
def test_statcheck_flags_an_inconsistent_p_and_reads_our_form():
    # The form casework.report.apa writes, once right and once wrong; an exact p after a
    # semicolon is not paired with the statistic.
    text = ("The log-rank test gives χ2(1) = 19.43, p < .001, a Wald test z = −2.10, p = .036 and, "
            "wrongly, z = 1.20, p = .012; the exact test χ2(4) = 9.10; Fisher's exact p = .061.")
    found = statcheck.check(text)
    assert len(found) == 3 == len(statcheck.apa_tests(text))
    assert found["error"].tolist() == [False, False, True]


def test_our_pattern_finds_the_tests_we_write():
    from casework.report import apa
    text = f"A ({apa.chi2(3.2, 2, 0.2019)}) and B ({apa.z(-2.5, 0.0124)}), C ({apa.chi2(3.2, 2, 0.2, exact='Fisher')})."
    assert statcheck.apa_tests(text) == ["χ2(2) = 3.20, p = .202", "z = −2.50, p = .012"]


def _texts(site: Path) -> dict[str, str]:
    texts = {str(p.relative_to(site)): lint.html_text(p.read_text(encoding="utf-8"))[0]
             for p in sorted(site.rglob("*.html")) if "site_libs" not in p.parts}
    pdf = site / "paper" / "paper.pdf"
    if pdf.exists():
        try:
            texts["paper/paper.pdf"] = lint.pdf_text(pdf)
        except RuntimeError:
            pass
    return texts


@needs_statcheck
def test_statcheck_finds_every_reported_test_and_no_inconsistency(built_project):
    texts = _texts(built_project / "_site")
    assert "paper/paper.html" in texts
    # The paper reports its tests in APA form: there are some, statcheck finds each one.
    assert statcheck.apa_tests(texts["paper/paper.html"])
    for where, text in texts.items():
        ours = statcheck.apa_tests(text)
        if not ours:
            continue
        found = statcheck.check(text)
        assert len(found) >= len(ours), f"{where}: statcheck found {len(found)} of {len(ours)} tests"
        wrong = found[found["error"].astype(bool)]
        assert wrong.empty, f"{where}: statcheck flags {wrong['raw'].tolist()}"
