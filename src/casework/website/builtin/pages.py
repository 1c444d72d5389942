"""Markdown pages (.qmd, .md): front matter, Markdown to HTML, cross-references.

Quarto's Markdown is Pandoc's; the built-in renderer uses Python-Markdown with
the extensions that cover what the compendium's pages use (tables, fenced code,
heading ids and attributes, footnotes). Cross-references to embedded figures and
tables (`@fig-x`, `@tbl-x`) become links such as 'Figure 2', numbered in order
of appearance as Quarto numbers them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import markdown
import yaml

from ..errors import RenderError
from .shortcodes import Where

EXTENSIONS = ["tables", "fenced_code", "toc", "attr_list", "footnotes", "sane_lists", "md_in_html"]
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
CROSSREF = re.compile(r"(?<![\w@.])@(?P<label>(?:fig|tbl|sec)-[\w-]+)")
KIND_NAMES = {"fig": "Figure", "tbl": "Table"}
SECTION = re.compile(r"^(?P<hashes>#{2,6})\s+(?P<text>.*?)\s*\{(?P<attrs>[^}]*)\}\s*$", re.M)


@dataclass
class MarkdownSource:
    """A page's source split into front matter and body, with the body's first line."""

    meta: dict
    body: str
    body_line: int  # line number of the body's first line in the file

    @property
    def title(self) -> str | None:
        if self.meta.get("title"):
            return str(self.meta["title"])
        heading = re.search(r"^# (.+)$", self.body, re.M)
        return heading.group(1).strip() if heading else None


# A raw block for one output format (Pandoc's raw attribute): ```{=typst} ... ```.
RAW_BLOCK = re.compile(r"^```\{=(?P<format>[\w-]+)\}[ \t]*\n(?P<body>.*?)^```[ \t]*$\n?", re.M | re.S)


def raw_blocks(body: str) -> str:
    """Raw blocks as Quarto treats them on an HTML page: `{=html}` passed through as HTML,
    those of other formats (typst, openxml, latex) left out."""
    return RAW_BLOCK.sub(lambda m: m["body"] if m["format"] == "html" else "", body)


def split_front_matter(text: str, name: str) -> MarkdownSource:
    """Strip a leading `---` YAML block; its keys become page metadata."""
    match = FRONT_MATTER.match(text)
    if not match:
        return MarkdownSource({}, text, 1)
    try:
        meta = yaml.safe_load(match.group("yaml")) or {}
    except yaml.YAMLError as exc:
        raise RenderError(f"{name}, line 1: front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise RenderError(f"{name}, line 1: front matter must be 'key: value' lines")
    return MarkdownSource(meta, text[match.end():], match.group(0).count("\n") + 1)


@dataclass
class Floats:
    """Figures and tables placed on one page, numbered per kind in order of appearance."""

    numbers: dict[str, int] = field(default_factory=dict)

    def place(self, label: str) -> int | None:
        kind = label.split("-", 1)[0]
        if kind not in KIND_NAMES:
            return None
        if label not in self.numbers:
            self.numbers[label] = 1 + sum(1 for k in self.numbers if k.startswith(kind + "-"))
        return self.numbers[label]


def section_numbers(body: str) -> dict[str, str]:
    """'sec-x' -> '4.2' for the headings with ids, counted from '##' (unnumbered skipped),
    as `number_sections` and Quarto's `number-sections: true` number them."""
    counters = [0] * 6
    numbers = {}
    for match in SECTION.finditer(body):
        attrs = match["attrs"].split()
        if ".unnumbered" in attrs or "-" in attrs:
            continue
        rank = len(match["hashes"]) - 2
        counters[rank] += 1
        counters[rank + 1:] = [0] * (5 - rank)
        for attr in attrs:
            if attr.startswith("#sec-"):
                numbers[attr[1:]] = ".".join(str(c) for c in counters[:rank + 1])
    return numbers


def resolve_crossrefs(body: str, floats: Floats, where: Where, sections: dict[str, str] | None = None) -> str:
    """`@fig-x` -> a link 'Figure N' to the embedded figure, `@sec-x` -> 'Section 4.2' (with
    `sections`, the numbers of a page with numbered sections); unknown labels are errors."""
    def replace(match: re.Match) -> str:
        label = match.group("label")
        if label.startswith("sec-"):
            if sections is None or label not in sections:
                line = where.at(body.count("\n", 0, match.start()))
                raise RenderError(f"{line}: cross-reference @{label}: no numbered section with that id "
                                  "on this page (Quarto numbers sections with number-sections: true)")
            return f"[Section\u00a0{sections[label]}](#{label})"
        if label not in floats.numbers:
            line = where.at(body.count("\n", 0, match.start()))
            known = ", ".join(floats.numbers) or "none"
            raise RenderError(f"{line}: cross-reference @{label}: no figure or table with that label "
                              f"is embedded on this page (embedded: {known})")
        name = KIND_NAMES[label.split("-", 1)[0]]
        return f"[{name}\u00a0{floats.numbers[label]}](#{label})"
    return CROSSREF.sub(replace, body)


HEADINGS = re.compile(r"<h(?P<level>[2-6])(?P<attrs>[^>]*)>")


def number_sections(body_html: str, depth: int | None = None) -> str:
    """Section numbers as Quarto's `number-sections: true` writes them ('1', '1.2', ...),
    counted from the page's top heading level; headings of class `unnumbered` (and the
    abstract's title) are left alone, as is anything deeper than `number-depth`."""
    headings = [m for m in HEADINGS.finditer(body_html)
                if not re.search(r'class="[^"]*\b(unnumbered|cw-abstract-title)\b', m.group("attrs"))]
    if not headings:
        return body_html
    top = min(int(m.group("level")) for m in headings)
    counters = [0] * 6
    out, last = [], 0
    for m in headings:
        rank = int(m.group("level")) - top  # 0 for the top level
        if depth is not None and rank >= depth:
            continue
        counters[rank] += 1
        counters[rank + 1:] = [0] * (5 - rank)
        number = ".".join(str(c) for c in counters[:rank + 1])
        out.append(body_html[last:m.end()])
        out.append(f'<span class="header-section-number">{number}</span> ')
        last = m.end()
    out.append(body_html[last:])
    return "".join(out)


DIV_OPEN = re.compile(r"^:{3,}[ \t]*\{(?P<attrs>[^}\n]*)\}[ \t]*$")
DIV_CLOSE = re.compile(r"^:{3,}[ \t]*$")


def fenced_divs(body: str, where: Where) -> str:
    """Pandoc's fenced divs (`::: {.landscape .column-page}` ... `:::`) as HTML divs
    whose content is still Markdown (md_in_html), with their classes and id."""
    out, depth = [], 0
    lines = body.split("\n")
    for i, line in enumerate(lines):
        opened = DIV_OPEN.match(line)
        if opened:
            attrs = opened["attrs"].split()
            classes = " ".join(a[1:] for a in attrs if a.startswith("."))
            ident = next((a[1:] for a in attrs if a.startswith("#")), None)
            id_attr = f' id="{ident}"' if ident else ""
            class_attr = f' class="{classes}"' if classes else ""
            out += ["", f'<div{id_attr}{class_attr} markdown="1">', ""]
            depth += 1
        elif DIV_CLOSE.match(line) and depth:
            out += ["", "</div>", ""]
            depth -= 1
        else:
            out.append(line)
    if depth:
        raise RenderError(f"{where.at(0)}: a fenced div ('::: {{...}}') is not closed by a ':::' line")
    return "\n".join(out)


def markdown_html(body: str) -> str:
    """Markdown body to HTML."""
    return markdown.markdown(body, extensions=EXTENSIONS, output_format="html")
