"""Checks of a typeset PDF that a reader would otherwise catch: text printed over
text, near-empty pages left by floats, and the figure and table numbers it prints.

Word boxes come from poppler's `pdftotext -bbox` (poppler-utils); page images for
the fill check from `pdftoppm`. Both are command-line tools, so the checks say
plainly when they are missing.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WORD = re.compile(r'<word xMin="(?P<x0>[\d.]+)" yMin="(?P<y0>[\d.]+)" xMax="(?P<x1>[\d.]+)" '
                  r'yMax="(?P<y1>[\d.]+)">(?P<text>.*?)</word>')
PAGE = re.compile(r'<page width="(?P<w>[\d.]+)" height="(?P<h>[\d.]+)">(?P<body>.*?)</page>', re.S)
# Two words overlap when their boxes share more than this much in both directions (points):
# glyph boxes of neighbouring words may touch, never cross.
OVERLAP_PT = 1.0


@dataclass(frozen=True)
class Word:
    page: int          # 1-based
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: tuple[Word, ...]

    @property
    def landscape(self) -> bool:
        return self.width > self.height


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install poppler-utils (apt-get install poppler-utils)")
    return found


def pages(pdf: Path) -> list[Page]:
    """Every page with its size and word boxes (points, origin top left)."""
    out = subprocess.run([tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    result = []
    for number, match in enumerate(PAGE.finditer(out), start=1):
        words = tuple(Word(number, _unescape(m["text"]), float(m["x0"]), float(m["y0"]), float(m["x1"]),
                           float(m["y1"])) for m in WORD.finditer(match["body"]))
        result.append(Page(number, float(match["w"]), float(match["h"]), words))
    return result


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def overlapping_words(pdf: Path) -> list[tuple[Word, Word]]:
    """Pairs of words on one page whose boxes cross: text printed over text."""
    found = []
    for page in pages(pdf):
        words = sorted(page.words, key=lambda w: (w.y0, w.x0))
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b.y0 >= a.y1 - OVERLAP_PT:
                    break  # sorted by top edge: no later word reaches into a
                dx = min(a.x1, b.x1) - max(a.x0, b.x0)
                dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                if dx > OVERLAP_PT and dy > OVERLAP_PT:
                    found.append((a, b))
    return found


def words_off_page(pdf: Path) -> list[Word]:
    """Words that run past the page's edge (a table wider than the page)."""
    return [w for page in pages(pdf) for w in page.words
            if w.x0 < 0 or w.y0 < 0 or w.x1 > page.width + 0.5 or w.y1 > page.height + 0.5]


def filled_share(pdf: Path, dpi: int = 18) -> list[float]:
    """Per page, how far down the ink reaches, as a share of the page height (text and
    figures alike; the page number in the bottom margin is left out)."""
    import numpy as np
    with tempfile.TemporaryDirectory(prefix="casework-pdf-") as tmp:
        subprocess.run([tool("pdftoppm"), "-r", str(dpi), "-gray", str(pdf), f"{tmp}/p"], check=True,
                       timeout=300, capture_output=True)
        shares = []
        for image in sorted(Path(tmp).glob("p-*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
            pixels = _read_pgm(image)
            height = pixels.shape[0]
            body = pixels[: int(height * 0.9)]  # the bottom tenth holds the page number
            rows = np.nonzero((body < 200).any(axis=1))[0]
            shares.append(float(rows[-1] + 1) / height if len(rows) else 0.0)
        return shares


def _read_pgm(path: Path):
    import numpy as np
    data = path.read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:  # magic, width, height, maxval, separated by whitespace
        match = re.compile(rb"\s*(\S+)").match(data, pos)
        fields.append(match.group(1))
        pos = match.end()
    width, height = int(fields[1]), int(fields[2])
    return np.frombuffer(data[pos + 1: pos + 1 + width * height], dtype=np.uint8).reshape(height, width)


def near_empty_pages(pdf: Path, least: float = 0.5) -> list[int]:
    """Pages (1-based) whose content ends above `least` of the page height, other than the
    last page and a page before a change of orientation (a landscape table's own page)."""
    shares = filled_share(pdf)
    info = pages(pdf)
    out = []
    for i, share in enumerate(shares):
        last = i == len(shares) - 1
        turns = not last and info[i].landscape != info[i + 1].landscape
        if share < least and not last and not turns:
            out.append(i + 1)
    return out


def float_numbers(pdf: Path) -> dict[str, list[int]]:
    """The numbers the PDF gives its figures and tables in their captions ('Figure 3:')."""
    text = " ".join(w.text for page in pages(pdf) for w in page.words)
    found: dict[str, list[int]] = {"Figure": [], "Table": []}
    for match in re.finditer(r"\b(Figure|Table) (\d+):", text):
        found[match.group(1)].append(int(match.group(2)))
    return found


def check_paper(site: Path) -> list[str]:
    """Every check of a built site's paper PDF against its HTML page, as problems in words
    (empty when clean): no text over text, nothing off the page, no near-empty page, the
    HTML page's figure and table numbers (1, 2, ... in order), the same title and an
    abstract on the first page."""
    folder = Path(site) / "paper"
    pdf, html = folder / "paper.pdf", (folder / "paper.html").read_text(encoding="utf-8")
    problems = [f"page {a.page}: {a.text!r} printed over {b.text!r}" for a, b in overlapping_words(pdf)]
    problems += [f"page {w.page}: {w.text!r} runs off the page" for w in words_off_page(pdf)]
    problems += [f"page {n}: near-empty (content ends above half the page)" for n in near_empty_pages(pdf, least=0.5)]
    numbers = {kind: [int(n) for n in re.findall(rf"<figcaption>{kind}\u00a0(\d+):", html)]
               for kind in ("Figure", "Table")}
    printed = float_numbers(pdf)
    if printed != numbers:
        problems.append(f"figure and table numbers {printed} in the PDF, {numbers} in the HTML")
    for kind, found in numbers.items():
        if found != list(range(1, len(found) + 1)):
            problems.append(f"{kind.lower()}s numbered {found}, expected 1 to {len(found)} in order")
    title = re.search(r'<h1 class="title">(.*?)</h1>', html)
    first_page = " ".join(w.text for w in pages(pdf)[0].words)
    if title is None or " ".join(title.group(1).split()) not in first_page:
        problems.append("the PDF's first page lacks the HTML page's title")
    if "Abstract" not in first_page:
        problems.append("the PDF's first page has no abstract")
    return problems
