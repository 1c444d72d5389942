"""The words of a built site and its PDF paper, checked like its numbers (`casework lint`).

Each rule is a regular expression over the text a reader sees (HTML without scripts,
styles, code and the figures' image data; the PDF through `pdftotext`), with the
reason it is wrong:

- no inf or NaN, no float noise (1.14e-16, 0.30000000000000004);
- one p-value rule, APA style: 'p < .001', 'p = .046' (never 'p = 0.000', 'p = n/a',
  'p = < 0.001' or a leading zero);
- no template whose two values read the same ('from < .001 to < .001');
- no exception text ('RuntimeError: ...', 'Traceback');
- no raw record keys ('business_all:') and no snake_case table headers;
- years without thousands separators ('2,008');
- no cross-reference left unresolved ('@sec-development');
- 'n/a' only on a page that says what it means.

`lint_site(site)` and `lint_text(text, where)` return `Problem`s; the CLI prints one line
per problem and exits 1 when there is any.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    where: str      # page or file
    rule: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.where}: {self.rule}: \"{self.excerpt}\""


_KEY = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+"
# (rule, pattern): a match is a problem.
RULES: list[tuple[str, re.Pattern]] = [
    ("inf or NaN in the text", re.compile(r"(?<![\w./-])(?:[-+−]?inf|nan|NaN|[-+−]?Infinity)(?![\w/-])")),
    ("float noise", re.compile(r"(?<![\w.-])\d+(?:\.\d+)?e[-+−]\d{1,3}\b|\d\.\d*?(?:0{7,}|9{7,})\d")),
    ("p-value not in the one rule (p < .001, p = .046)",
     re.compile(r"\bp\s*(?:=|<|>|≤|≥)\s*(?:0\.\d|n/?a\b|[<>]|−?-?\d*\.?\d*e-)|\bp\s*=\s*1\.0+\b", re.IGNORECASE)),
    ("template with two equal values", re.compile(
        # values, not idioms ('from seed to seed'): the repeated text holds a digit
        r"\bfrom ((?=[^\s,;()]*\d)[^\s,;()]+|[<>] [^\s,;()]+) to \1(?=[\s.,;)]|$)"
        r"|\bbetween ((?=[^\s,;()]*\d)[^\s,;()]+) and \2(?=[\s.,;)]|$)")),
    ("exception text", re.compile(r"\b[A-Z]\w*(?:Error|Exception|Failure)\b:|Traceback \(most recent call last\)")),
    ("raw record key", re.compile(rf"(?<![\w./`-]){_KEY}:(?=\s)")),
    ("unresolved cross-reference", re.compile(r"(?<![\w@./])@(?:fig|tbl|sec)-[\w-]+")),
    ("year with a thousands separator", re.compile(
        r"(?i:year|years|since|in|from|until|to|peak)[^.\d]{0,40}\b(?:1,9\d\d|2,0\d\d)\b(?!,\d)")),
]
SNAKE_HEADER = re.compile(rf"^{_KEY}$")
NA = re.compile(r"(?<![\w/])n/a(?![\w/])")
# A page that prints n/a must say what it stands for ('n/a: fewer than half released',
# 'where n/a means ...').
NA_NOTE = re.compile(r"n/a\W{0,3}(?:means|stands for|:|=|\u2014|–|-)\s*\w|where n/a|n/a where", re.IGNORECASE)

SKIP_TAGS = {"script", "style", "code", "pre", "svg", "math", "head", "template", "noscript"}
# Reference lists quote titles as published ('great_tables: Make Awesome ...'), and DOIs.
SKIP_CLASSES = {"csl-entry", "references", "csl-bib-body"}


# Elements without an end tag: they never open a skipped region.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    """Visible text of a page, and the text of its table header cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.headers: list[str] = []
        self._skip = 0
        self._th: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if self._skip and tag not in VOID:
            self._skip += 1
        elif tag in SKIP_TAGS or classes & SKIP_CLASSES or dict(attrs).get("id") == "refs":
            self._skip += 1
        elif tag == "th":
            self._th = []
        elif tag in {"p", "div", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "br", "caption", "figcaption",
                     "section", "table", "dd", "dt"}:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self._skip and tag not in VOID:
            self._skip -= 1
            return
        elif tag == "th" and self._th is not None:
            self.headers.append(" ".join("".join(self._th).split()))
            self._th = None
        if tag in {"p", "div", "li", "td", "th", "tr", "caption", "figcaption"}:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._skip:
            return
        self.parts.append(data)
        if self._th is not None:
            self._th.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def html_text(html: str) -> tuple[str, list[str]]:
    """(visible text, table header texts) of an HTML page."""
    parser = _Text()
    parser.feed(html)
    return parser.text, parser.headers


def _excerpt(text: str, m: re.Match, width: int = 40) -> str:
    start, end = max(0, m.start() - width), min(len(text), m.end() + width)
    return " ".join(text[start:end].split())


def lint_text(text: str, where: str, headers: list[str] = ()) -> list[Problem]:
    """Every problem in one text (a page or the PDF's text; from a PDF, leave out the
    reference list first, see `pdf_body`)."""
    # pdftotext breaks lines (and hyphenates) where the typesetter did: join them back.
    flat = re.sub(r"-\n(?=[a-z])", "", text)
    flat = re.sub(r"[ \t]*\n[ \t]*", " \n", flat)
    problems = [Problem(where, rule, _excerpt(flat, m)) for rule, pattern in RULES
                for m in pattern.finditer(flat)]
    problems += [Problem(where, "snake_case table header", h) for h in headers if SNAKE_HEADER.match(h)]
    if NA.search(flat) and not NA_NOTE.search(flat):
        problems.append(Problem(where, "n/a without a note saying what it means", _excerpt(flat, NA.search(flat))))
    return problems


def lint_page(path: Path, where: str | None = None) -> list[Problem]:
    text, headers = html_text(path.read_text(encoding="utf-8", errors="replace"))
    return lint_text(text, where or str(path), headers)


def pdf_text(pdf: Path) -> str:
    """The PDF's text as pdftotext (poppler) extracts it; RuntimeError without pdftotext."""
    tool = shutil.which("pdftotext")
    if tool is None:
        raise RuntimeError("pdftotext is not installed (Debian: poppler-utils)")
    done = subprocess.run([tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pdftotext {pdf}: {done.stderr.strip()[:200]}")
    return done.stdout


def pdf_body(text: str) -> str:
    """The PDF's text without its reference list (titles are quoted as published)."""
    head, sep, _ = text.rpartition("\nReferences\n")
    return head if sep else text


def lint_site(site: Path, pdf: bool = True) -> list[Problem]:
    """Every HTML page of a built site, and its PDF paper when there is one (and pdftotext)."""
    site = Path(site)
    if not site.is_dir():
        raise FileNotFoundError(f"{site}: no built site (run `casework build`)")
    problems: list[Problem] = []
    for page in sorted(site.rglob("*.html")):
        if "site_libs" in page.parts or "_casework" in page.parts:
            continue
        problems += lint_page(page, str(page.relative_to(site)))
    paper = site / "paper" / "paper.pdf"
    if pdf and paper.exists() and shutil.which("pdftotext"):
        problems += lint_text(pdf_body(pdf_text(paper)), str(paper.relative_to(site)))
    return problems


def main(site: Path, pdf: bool = True) -> int:
    problems = lint_site(site, pdf=pdf)
    for p in problems:
        print(p)
    pages = len({p.where for p in problems})
    print(f"casework lint: {len(problems)} problem(s) on {pages} page(s) of {site}" if problems
          else f"casework lint: no problem in {site}")
    return 1 if problems else 0
