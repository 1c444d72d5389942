"""statcheck (Nuijten & Epskamp's R package, which journals use to screen submissions) over
the text of the site and the paper: it extracts every test reported in APA form
(χ2(1) = 19.43, p < .001; z = 2.10, p = .036; t, F, r), recomputes p from the statistic
and degrees of freedom and flags reported p-values that do not match given rounding.

`available()` says whether Rscript and the package are installed; `check(text)` returns
statcheck's table (one row per test found: raw text, computed p, error,
decision_error); `apa_tests(text)` finds the tests the compendium writes (its own
pattern, casework.report.apa), so a test can ask that statcheck found every one.
Exact tests have no statistic for statcheck to recompute p from: `exact_tests(text)`
finds them in their one form ("Fisher's exact test, p = .061"), and
`unaccounted(text)` lists every reported p-value that is neither (a threshold such as
'p < .05' is not a reported test).
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from casework.report.apa import EXACT_TESTS

SCRIPT = r"""
suppressPackageStartupMessages(library(statcheck))
args <- commandArgs(trailingOnly = TRUE)
txt <- paste(readLines(args[1], encoding = "UTF-8", warn = FALSE), collapse = "\n")
res <- statcheck(txt, messages = FALSE, OneTailedTxt = TRUE)
if (is.null(res)) res <- data.frame(raw = character(0), error = logical(0), decision_error = logical(0),
                                    computed_p = numeric(0), reported_p = numeric(0))
write.csv(res, args[2], row.names = FALSE, fileEncoding = "UTF-8")
"""

# The forms casework.report.apa writes: a statistic, its df, then ', p' (an exact p that
# does not come from the statistic follows a semicolon and is not a statcheck test).
APA_TEST = re.compile(r"(?:χ2\(\d+\)|z|t\(\d+\)|F\(\d+, \d+\)) = −?-?\d+\.\d+, p [<>=] \.\d+")
EXACT_TEST = re.compile("(?:" + "|".join(re.escape(name) for name in EXACT_TESTS) + r"), p [<>=] \.\d+")
P_VALUE = re.compile(r"\bp [<>=] \.\d+")
# A level or a bound, not a result: 'significance at the conventional level (p < .05)', a
# published bound '(such as p < .0001)', and a legend of stars ('* p < .05, ** p < .01, ...').
THRESHOLD = re.compile(r"p < \.(?:05|01|10|1|0001)\b")


def available() -> str | None:
    """None when statcheck can run, else the reason it cannot."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript is not on PATH"
    done = subprocess.run([rscript, "-e", "library(statcheck)"], capture_output=True, text=True)
    if done.returncode != 0:
        return "the R package statcheck is not installed (Debian: r-cran-statcheck)"
    return None


def check(text: str) -> pd.DataFrame:
    """statcheck's table for `text` (RuntimeError naming the reason if it cannot run)."""
    reason = available()
    if reason:
        raise RuntimeError(f"statcheck: {reason}")
    with tempfile.TemporaryDirectory() as tmp:
        src, out, script = Path(tmp, "text.txt"), Path(tmp, "out.csv"), Path(tmp, "statcheck.R")
        src.write_text(text, encoding="utf-8")
        script.write_text(SCRIPT, encoding="utf-8")
        done = subprocess.run(["Rscript", str(script), str(src), str(out)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"statcheck failed: {done.stderr.strip()[-400:]}")
        return pd.read_csv(io.StringIO(out.read_text(encoding="utf-8")))


def apa_tests(text: str) -> list[str]:
    """The tests in the text written in the compendium's APA form, in order."""
    return APA_TEST.findall(" ".join(text.split()))


def _flat(text: str) -> str:
    """One line, with the typesetter's apostrophe (’, in the PDF) read as the source's '."""
    return " ".join(text.split()).replace("\u2019", "'")


def exact_tests(text: str) -> list[str]:
    """The exact tests in the text, written by casework.report.apa.exact, in order."""
    return EXACT_TEST.findall(_flat(text))


def unaccounted(text: str) -> list[str]:
    """Reported p-values that belong neither to an APA test nor to a named exact test
    (with 40 characters before each, to find them): a p a reader cannot place."""
    flat = _flat(text)
    covered = [m.span() for pattern in (APA_TEST, EXACT_TEST) for m in pattern.finditer(flat)]
    return [flat[max(0, m.start() - 40):m.end()] for m in P_VALUE.finditer(flat)
            if not any(a <= m.start() < b for a, b in covered) and not THRESHOLD.match(flat, m.start())
            and not (flat[:m.start()].endswith("* ") and flat.startswith("p <", m.start()))]
