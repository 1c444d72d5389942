"""Citations for the built-in renderer: Pandoc's `[@key]` syntax against a page's .bib file.

Under Quarto, Pandoc's citeproc resolves citations. Without Quarto, a Markdown
page whose front matter names a `bibliography:` gets the same syntax resolved
here, before the Markdown library sees the text:

- `[@key]`, `[@key, p. 4]`, `[see @a; @b, ch. 2]`: parenthetical, '(Author Year, p. 4)';
- `[-@key]`: the year only, for a sentence that already names the author;
- `@key` and `@key [p. 4]` in running text: narrative, 'Author (Year, p. 4)';
- `\\@` is a literal '@'.

Labels follow the author-date shape of Quarto's default style (Chicago): one
or two family names, 'et al.' from three authors on, 'a'/'b' after the year
when one author label has two works in one year. Each citation links to its
entry in a References list, formatted by pybtex (BibTeX parsing and the
'plain' style's entry templates), which goes where the page has a
`::: {#refs}` div, or else at the end under a 'References' heading. As with
citeproc, only cited works are listed (`nocite: "@*"` lists them all).

`@fig-x`, `@tbl-x` and Quarto's other cross-reference prefixes are left to the
cross-reference resolver. Any other `@key` not in the bibliography is an error
naming the file, the line and the key, so a typo never ships as raw text.
Code, shortcodes and HTML comments are left alone.
"""
from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..errors import RenderError
from .shortcodes import SHORTCODE, Where

# Quarto's cross-reference kinds: `@fig-x` is a figure, never a citation.
CROSSREF_PREFIXES = ("fig", "tbl", "sec", "eq", "lst", "thm", "lem", "cor", "prp", "cnj",
                     "def", "exm", "exr", "sol", "rem", "alg")
# Pandoc's citation key: starts with a letter, digit or '_'; may hold internal
# punctuation (:.#$%&-+?<>~/) but ends with a word character.
KEY = r"[\w](?:[\w:.#$%&+?<>~/-]*\w)?"
NOT_A_LINK = r"(?![(\[{:])"  # '[x](url)', '[x][ref]', '[x]{.class}', '[x]: url' are not citations
BRACKET = re.compile(r"\[(?P<body>[^\[\]]*?(?<![\w\\])-?@[^\[\]]*)\]" + NOT_A_LINK)
ITEM = re.compile(r"(?P<prefix>.*?)(?:^|(?<=\s))(?P<suppress>-?)@(?P<key>" + KEY + r")(?P<locator>.*)", re.S)
NARRATIVE = re.compile(r"(?<![\w@.\\/\[-])@(?P<key>" + KEY + r")"
                       r"(?:\s?\[(?!\^)(?P<locator>[^\[\]@\n]*)\]" + NOT_A_LINK + ")?")
CITATION = re.compile(f"(?P<bracket>{BRACKET.pattern})|(?P<narrative>{NARRATIVE.pattern})")
ENTRY_STYLE = "padding-left: 1.5em; text-indent: -1.5em; margin-bottom: 0.6em;"
REFS_DIV = re.compile(r"^:::+[ \t]*\{#refs[^}\n]*\}[ \t]*\n(?:[ \t]*\n)*:::+[ \t]*$", re.M)
# Text the citation syntax never applies to: fenced code, code spans, shortcodes, comments.
PROTECTED = re.compile(r"^(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=fence)[ \t]*$"
                       r"|(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`)"
                       r"|" + SHORTCODE.pattern + r"|<!--.*?-->", re.S | re.M)


def is_crossref(key: str) -> bool:
    return key.split("-", 1)[0] in CROSSREF_PREFIXES and "-" in key


@dataclass(frozen=True)
class Work:
    """One bibliography entry as cited: its author label, year and formatted reference."""

    key: str
    author: str      # 'Spannagel', 'Myrick and Weinstein', 'Marshall et al.'
    year: str        # '2019', '2017a', 'n.d.'
    reference: str   # the formatted entry, HTML

    @property
    def anchor(self) -> str:
        return f"ref-{self.key}"


class Bibliography:
    """The works of one .bib file, keyed by citation key, with author-date labels."""

    def __init__(self, path: Path, name: str | None = None):
        self.path = path
        self.name = name or str(path)
        self.works = _read(path, self.name)

    def __contains__(self, key: str) -> bool:
        return key in self.works

    def work(self, key: str, location: str) -> Work:
        if key not in self.works:
            known = ", ".join(sorted(self.works)) or "none"
            raise RenderError(f"{location}: citation @{key}: no entry '{key}' in {self.name} "
                              f"(entries: {known})")
        return self.works[key]

    def references_html(self, keys: list[str]) -> str:
        """The References list of the given works, in author-date order."""
        works = sorted((self.works[k] for k in set(keys)),
                       key=lambda w: (w.author.lower(), w.year, w.key))
        # A hanging indent, as citeproc's CSS gives it; inline so no stylesheet change is needed.
        entries = "\n".join(f'<div id="{html.escape(w.anchor)}" class="csl-entry" role="listitem" '
                             f'style="{ENTRY_STYLE}">'
                            f"{w.reference}</div>" for w in works)
        return f'<div id="refs" class="references csl-bib-body" role="list">\n{entries}\n</div>'


def page_bibliography(meta: dict, page: Path, source: str) -> Bibliography | None:
    """The bibliography a page's front matter names (relative to the page), or None."""
    value = meta.get("bibliography")
    if not value:
        return None
    if not isinstance(value, str):
        raise RenderError(f"{source}, line 1: bibliography: expected one .bib file path, "
                          f"got {value!r} (the built-in renderer reads one file)")
    path = page.parent / value
    if not path.is_file():
        raise RenderError(f"{source}, line 1: bibliography {value!r} not found (looked for {path})")
    return Bibliography(path, str(Path(source).parent / value))


def _read(path: Path, name: str) -> dict[str, Work]:
    # pybtex is imported here so that pages without a bibliography never need it.
    from pybtex.database import BibliographyDataError, parse_file
    from pybtex.plugin import find_plugin
    from pybtex.scanner import PybtexError

    try:
        data = parse_file(str(path), bib_format="bibtex")
    except (PybtexError, BibliographyDataError) as exc:
        raise RenderError(f"{name}: cannot read the bibliography: {exc}") from None
    labels = {key: (_author_label(entry, key, name), entry.fields.get("year", "n.d.").strip())
              for key, entry in data.entries.items()}
    years = _disambiguate(labels, data.entries)
    # Author-date order: pybtex's 'plain' templates put the date last, so the entries are
    # formatted without it and the (disambiguated) year goes in after the names.
    for entry in data.entries.values():
        entry.fields["year"] = ""
        entry.fields.pop("month", None)
    style = find_plugin("pybtex.style.formatting", "plain")(name_style="lastfirst", abbreviate_names=True)
    backend = find_plugin("pybtex.backends", "html")()
    try:
        formatted = {entry.key: entry.text.render(backend)
                     for entry in style.format_entries(data.entries.values())}
    except (PybtexError, KeyError) as exc:
        raise RenderError(f"{name}: cannot format an entry: {exc}") from None
    works = {}
    for key, entry in data.entries.items():
        author, year = labels[key][0], years[key]
        if entry.persons.get("author") or entry.persons.get("editor"):
            names, _, rest = formatted[key].partition("\n")
            reference = f"{names} {year}.\n{rest}"
        else:
            reference = f"{html.escape(author)}. {year}.\n{formatted[key]}"
        works[key] = Work(key, author, year, reference)
    return works


def _author_label(entry, key: str, name: str) -> str:
    from pybtex.richtext import Text

    people = entry.persons.get("author") or entry.persons.get("editor") or []
    families = [Text.from_latex(" ".join(p.prelast_names + p.last_names)).render_as("text") for p in people]
    if not families:
        org = entry.fields.get("organization") or entry.fields.get("institution")
        if not org:
            raise RenderError(f"{name}: entry '{key}' has no author, editor, organization or "
                              "institution to cite it by")
        return Text.from_latex(org).render_as("text")
    if len(families) == 1:
        return families[0]
    if len(families) == 2:
        return f"{families[0]} and {families[1]}"
    return f"{families[0]} et al."


def _disambiguate(labels: dict[str, tuple[str, str]], entries) -> dict[str, str]:
    """Year per key, with 'a', 'b', ... where one author label has several works in a year."""
    groups: dict[tuple[str, str], list[str]] = {}
    for key, label in labels.items():
        groups.setdefault(label, []).append(key)
    years = {}
    for (_, year), keys in groups.items():
        if len(keys) == 1:
            years[keys[0]] = year
            continue
        keys.sort(key=lambda k: entries[k].fields.get("title", "").lower())
        for i, key in enumerate(keys):
            years[key] = f"{year}{chr(ord('a') + i)}"
    return years


def hide_protected(text: str) -> tuple[str, list[str]]:
    """text with code, shortcodes and comments replaced by inert tokens (newlines kept after
    each, so line numbers hold), and the hidden pieces for `show_protected`."""
    hidden: list[str] = []

    def hide(match: re.Match) -> str:
        hidden.append(match.group(0))
        return f"\x00{len(hidden) - 1}\x00" + "\n" * match.group(0).count("\n")
    return PROTECTED.sub(hide, text), hidden


def show_protected(text: str, hidden: list[str]) -> str:
    """Put back what `hide_protected` took out, dropping the newlines it kept in its place."""
    def show(match: re.Match) -> str:
        piece = hidden[int(match.group(1))]
        return piece + match.group(2)[piece.count("\n"):]
    return re.sub(r"\x00(\d+)\x00(\n*)", show, text)


def resolve(text: str, where: Where, bibliography: Bibliography, stash: dict[str, str],
            nocite: object = None) -> str:
    """Citations in a page's Markdown to linked author-date text; the References list goes
    into `stash` under an inert token that the text holds (filled in after Markdown)."""
    cited: list[str] = []
    masked, hidden = hide_protected(text)

    def replace(match: re.Match) -> str:
        location = where.at(masked.count("\n", 0, match.start()))
        if match.group("bracket"):
            return _parenthetical(match, bibliography, cited, location)
        return _narrative(match, bibliography, cited, location)
    body = show_protected(CITATION.sub(replace, masked).replace("\\@", "&#64;"), hidden)
    keys = list(bibliography.works) if _nocite_all(nocite) else cited
    if not keys and not REFS_DIV.search(body):
        return body
    token = f"cw-refs-{uuid.uuid4().hex}"
    stash[token] = bibliography.references_html(keys)
    if REFS_DIV.search(body):
        # Keep the div's line count so later messages still name the right lines.
        return REFS_DIV.sub(lambda m: token + "\n" * m.group(0).count("\n"), body, count=1)
    return body.rstrip("\n") + f"\n\n## References {{#references}}\n\n{token}\n"


def _nocite_all(nocite: object) -> bool:
    return isinstance(nocite, str) and "@*" in nocite


def _parenthetical(match: re.Match, bib: Bibliography, cited: list[str], location: str) -> str:
    items = [ITEM.fullmatch(part.strip()) for part in match.group("body").split(";")]
    if any(item is None for item in items):  # brackets with an '@' in them, but not a citation
        return "[" + NARRATIVE.sub(lambda m: _narrative(m, bib, cited, location), match.group("body")) + "]"
    keys = [item.group("key") for item in items]
    if all(is_crossref(k) for k in keys):
        return match.group(0)  # '[@fig-a]': the cross-reference resolver's business
    if any(is_crossref(k) for k in keys):
        raise RenderError(f"{location}: {match.group(0)!r} mixes cross-references and citations; "
                          "write them apart")
    parts: list[str] = []
    open_author = None  # author of the previous item, when the next year may join it
    for item in items:
        work = bib.work(item.group("key"), location)
        cited.append(work.key)
        prefix = item.group("prefix").strip()
        locator = item.group("locator").strip()
        if locator and not locator.startswith(","):
            locator = " " + locator
        year_link = f"[{work.year}](#{work.anchor})"
        if item.group("suppress"):
            parts.append((f"{prefix} " if prefix else "") + year_link + locator)
            open_author = None
        elif open_author == work.author and not prefix:
            parts[-1] += f", {year_link}{locator}"  # 'Spannagel 2018, 2019', as citeproc groups them
        else:
            parts.append((f"{prefix} " if prefix else "") + f"[{work.author} {work.year}](#{work.anchor})"
                         + locator)
        if not item.group("suppress"):
            open_author = work.author if not locator else None
    return "(" + "; ".join(parts) + ")"


def _narrative(match: re.Match, bib: Bibliography, cited: list[str], location: str) -> str:
    key = match.group("key")
    if is_crossref(key):
        return match.group(0)
    work = bib.work(key, location)
    cited.append(key)
    locator = (match.group("locator") or "").strip()
    if locator:
        locator = (", " + locator) if not locator.startswith(",") else locator
    return f"[{work.author} ({work.year}{locator})](#{work.anchor})"
