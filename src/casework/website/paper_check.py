"""The paper's number rule: no result is typed into its prose.

Every number that is a result must reach the paper through `{{< var key.name >}}`,
so that a re-run with other data or parameters changes the text with the
figures. This module finds digits in a page's prose that do not come from a
shortcode. The built-in renderer runs it on every hand-written page
(`typed_numbers_checked`: the paper, the front page, the scorecard page), and
tests/test_paper.py runs it on each of them.

The rule: **a digit in the prose is an error unless it stands in one of these
places** (each is masked before the search; the order below is the order of
masking):

1. Front matter, except the prose fields `title`, `subtitle`, `abstract` and
   `description`, which are read like the body (an abstract is where a typed
   result would be most tempting).
2. Code (fenced blocks and `code spans`), HTML comments and tags, and
   shortcodes (`{{< var ... >}}`, `{{< embed ...#fig-x >}}`).
3. Citation keys and cross-reference labels (`@spannagel2019`, `@fig-x`; a
   citation's locator must pass rule 4, so write 'p. 4', not a bare '4'),
   attribute blocks (`{#sec-x}`), fenced-div lines
   (`:::`), link targets and bare URLs, footnote markers (`[^1]`).
4. References to a numbered part of a document: Table, Figure/Fig., Model,
   Regression, Section, Chapter, Appendix, footnote/note, Working Paper,
   notebook, Step, Hypothesis, Equation, Column, Panel, No., followed by a number of at most two
   digits (optionally '3b' or '2.1'), or a list or range of them ('Figs. 7 and
   8', 'Models 1–4'); page numbers after 'p.'/'pp.'/'page(s)' of any length.
5. Years: a four-digit number from 1990 to 2030 (publication years, study
   periods, 'September 2015'). A year that *is* a result (a peak year) should
   still be cited with a var; the check cannot tell it from a period.
6. Significance thresholds, which are conventions of method rather than
   results: .1, .10, .05, .01, .001 (with or without the leading 0) after
   'p <', 'p ≤', 'p >' or 'α =' (as in the star legend '* p < .05'), or
   before 'level'.
7. Confidence levels 90, 95 or 99 per cent, only when followed by
   'confidence', 'interval(s)', 'CI', 'band(s)' or 'level'. (The compendium's
   level is the `confidence` parameter, so the paper itself does not type it.)
8. Digits inside a name that starts with a letter or '#' (#Freethe20, H1),
   the campaign's name 'Free the 20', and ordinals (1st, 2nd, 3rd, 20th).
9. Ordered-list markers at the start of a line ('1. ').

Everything else fails, with the file, line and text: '24%', '0.16',
'461 cases', 'p = .03', 'OR 2.1', '1,234', '1985', 'Table 461'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .builtin.citations import KEY, PROTECTED
from .errors import RenderError
from .builtin.pages import FRONT_MATTER

# Only the key: a locator ('p. 4', 'ch. 2') passes by rule 4, a typed result in a citation's
# prefix or suffix ('[@key reports 40%]') does not.
CITATION_KEY = re.compile(r"(?<![\w\\])-?@" + KEY)
PROSE_FIELDS = ("title", "subtitle", "abstract", "description")
TOP_LEVEL_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?P<rest>.*)$")

# 'Table 2', 'Section 2.1', 'Fig. 3b'; never a share ('Model 2%') or a longer number
SMALL = r"\d{1,2}(?:\.\d{1,2})?[a-z]?(?![\d%]|[.,]\d|\s?(?:per\s?cent|percent|pp)\b)"
JOIN = r"(?:\s*(?:,|–|—|-|\band\b|\bor\b|&|\bto\b)\s*)"
REF_WORDS = (r"tables?|tab\.|figures?|figs?\.|models?|regressions?|sections?|sect\.|chapters?|ch\.|"
             r"appendix|appendices|annex(?:es)?|footnotes?|working\s+paper|notebooks?|"
             r"steps?|hypothes[ie]s|equations?|eqs?\.|columns?|panels?|no\.")
ALLOWED = [
    # 3. structure: attributes, fenced divs, links, URLs, footnote markers
    re.compile(r"\{[#.][^}\n]*\}"),
    re.compile(r"^[ \t]*:::.*$", re.M),
    re.compile(r"\]\([^)\n]*\)"),
    re.compile(r"^[ \t]*\[[^\]\n]+\]:.*$", re.M),
    re.compile(r"<?https?://[^\s)>]+>?"),
    re.compile(r"\[\^[^\]\n]+\]"),
    # 4. numbered parts of documents
    re.compile(rf"(?:\b(?:{REF_WORDS})|§)\s*{SMALL}(?:{JOIN}{SMALL})*", re.I),
    re.compile(r"(?:\bpp?\.|\bpages?\b)\s*\d+(?:\s*[–-]\s*\d+)?", re.I),
    # 5. years
    re.compile(r"(?<![\w.,])(?:199\d|20[0-2]\d|2030)(?![\w%]|[.,]\d)"),
    # 6. significance thresholds
    re.compile(r"(?:\bp\s*(?:<|≤|>|<=|&lt;)|(?:α|\balpha)\s*=)\s*0?\.(?:10?|05|01|001)(?!\d)"),
    re.compile(r"(?<![\d.])0?\.(?:10?|05|01|001)(?!\d)(?=\s+(?:significance\s+)?level)"),
    # 7. confidence levels
    re.compile(r"(?<![\d.])(?:90|95|99)(?:\s?%|\s?per\s?cent|\s?percent)"
               r"(?=[\s-]*(?:confidence|intervals?|CIs?|bands?|level)\b)", re.I),
    # 8. names, the campaign, ordinals
    re.compile(r"(?<![\w.])[A-Za-z#][\w]*\d[\w]*"),
    re.compile(r"\bFree the 20\b", re.I),
    re.compile(r"(?<![\w.])\d+(?:st|nd|rd|th)\b"),
    # 9. ordered lists
    re.compile(r"^[ \t]*\d+[.)](?=[ \t])", re.M),
]
# What is reported: a number with its sign, decimals, thousands separators and unit.
NUMBER = re.compile(r"[-+−±]?(?:\d+(?:,\d{3})*(?:\.\d+)?|\.\d+)(?:\s?%|\s?pp\b|\s?per\s?cent)?")


@dataclass(frozen=True)
class TypedNumber:
    """A digit sequence in prose that no var shortcode produced."""

    file: str
    line: int
    column: int
    text: str       # the number as typed
    context: str    # the words around it

    def __str__(self) -> str:
        return (f"{self.file}, line {self.line}, column {self.column}: '{self.text}' in \"{self.context}\" — a number typed "
                "into the prose; cite it with {{< var key.name >}} (or see casework.website.paper_check "
                "for what is allowed)")


def _mask(text: str, pattern: re.Pattern, keep=lambda m: False) -> str:
    """text with each match of pattern (unless keep(match)) blanked; newlines and offsets kept."""
    out, at = [], 0
    for match in pattern.finditer(text):
        if keep(match):
            continue
        out.append(text[at:match.start()])
        out.append(re.sub(r"[^\n]", " ", match.group(0)))
        at = match.end()
    out.append(text[at:])
    return "".join(out)


def _front_matter(text: str) -> str:
    """Blank the front matter except the values of its prose fields."""
    match = FRONT_MATTER.match(text)
    if not match:
        return text
    start = match.start("yaml")
    lines = match.group("yaml").split("\n")
    out, prose = [], False
    for line in lines:
        key = TOP_LEVEL_KEY.match(line)
        if key:
            prose = key.group("key") in PROSE_FIELDS
            keep = key.group("rest") if prose else ""
            out.append(" " * (len(line) - len(keep)) + keep)
        else:
            out.append(line if prose else " " * len(line))
    # the '---' lines hold no digits; the block indicator ('abstract: |') none either
    return text[:start] + "\n".join(out) + text[match.end("yaml"):]


def prose_digits(text: str) -> str:
    """The text with every allowed digit (and everything that is not prose) blanked out."""
    text = _front_matter(text)
    text = _mask(text, PROTECTED)
    text = _mask(text, re.compile(r"<[A-Za-z/!][^>\n]*>"))  # HTML tags
    text = _mask(text, CITATION_KEY)
    for pattern in ALLOWED:
        text = _mask(text, pattern)
    return text


def typed_numbers(text: str, name: str) -> list[TypedNumber]:
    """Every number in the prose of `text` (a .qmd page) that breaks the rule."""
    masked = prose_digits(text)
    found = []
    for match in NUMBER.finditer(masked):
        if not any(c.isdigit() for c in match.group(0)):
            continue
        start, end = match.span()
        typed = text[start:end].strip()
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_text = text[line_start:line_end if line_end >= 0 else len(text)]
        column = start - line_start
        context = line_text[max(0, column - 30):column + len(typed) + 30].strip()
        found.append(TypedNumber(name, text.count("\n", 0, start) + 1, column + 1, typed, context))
    return found


def check_paper(text: str, name: str) -> None:
    """Raise a RenderError listing every typed number in the paper's prose."""
    found = typed_numbers(text, name)
    if found:
        raise RenderError(f"{name}: {len(found)} number(s) typed into the prose instead of cited "
                          "with {{< var >}}:\n  " + "\n  ".join(map(str, found)))


# Generated pages (the codebook from the data package; the data README's calibration
# tables) list values of the data themselves and are exempt; every other Markdown page is checked.
UNCHECKED_PAGES = ("data/CODEBOOK.md", "data/README.md")


def typed_numbers_checked(source: str) -> bool:
    """Whether the typed-number rule applies to a site page (path relative to the project)."""
    return source.endswith((".qmd", ".md")) and source not in UNCHECKED_PAGES
