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
            "wrongly, z = 1.20, p = .012; the exact test χ2(4) = 9.10; Fisher–Freeman–Halton exact test "
            "(Monte Carlo p), p = .061, and McNemar's exact test, p = .727.")
    found = statcheck.check(text)
    assert len(found) == 3 == len(statcheck.apa_tests(text))
    assert found["error"].tolist() == [False, False, True]
    # the exact tests are not statcheck's: named apart, every p accounted for
    assert len(statcheck.exact_tests(text)) == 2 and statcheck.unaccounted(text) == []


def test_our_pattern_finds_the_tests_we_write():
    from casework.report import apa
    text = (f"A ({apa.chi2(3.2, 2, 0.2019)}) and B ({apa.z(-2.5, 0.0124)}), "
            f"C ({apa.chi2(3.2, 2, 0.2, exact_test=apa.FISHER)}), D ({apa.exact(apa.BINOMIAL, 0.0004)}).")
    assert statcheck.apa_tests(text) == ["χ2(2) = 3.20, p = .202", "z = −2.50, p = .012"]
    assert statcheck.exact_tests(text) == ["Fisher's exact test, p = .200", "exact binomial test, p < .001"]
    assert statcheck.unaccounted(text) == []
    # the PDF's typographic apostrophe reads as the source's
    assert statcheck.exact_tests("McNemar\u2019s exact test, p = .727") == ["McNemar's exact test, p = .727"]


def test_a_p_value_without_its_test_is_unaccounted():
    text = "The tests give χ2(2) = 3.20, p = .202 and (binomial p = .020); at the level (p < .05) all is fine."
    assert statcheck.unaccounted(text) == ["ve χ2(2) = 3.20, p = .202 and (binomial p = .020"]


def test_an_unknown_exact_test_is_refused():
    from casework.report import apa
    with pytest.raises(ValueError, match="exact test 'Barnard': expected one of Fisher's exact test"):
        apa.exact("Barnard", 0.5)


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
        # exactly our APA tests: the exact tests (named, p only) are not statcheck's to find
        assert len(found) == len(ours), f"{where}: statcheck found {len(found)} of {len(ours)} tests"
        wrong = found[found["error"].astype(bool)]
        assert wrong.empty, f"{where}: statcheck flags {wrong['raw'].tolist()}"


def test_every_reported_p_value_belongs_to_a_test(built_project):
    """Every p-value a page or the paper reports is part of an APA test (statistic, df, p)
    or of a named exact test; statcheck checks the first kind, the second is counted apart."""
    texts = _texts(built_project / "_site")
    problems = [f"{where}: ...{text}" for where, page in texts.items() for text in statcheck.unaccounted(page)]
    assert not problems, "\n".join(problems)
