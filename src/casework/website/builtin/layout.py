"""The frame around every page: navbar, data notice, table of contents, footer.

Links in the frame are relative, so the site works from any folder or server
path; a page at notebooks/x.html reaches the front page as ../index.html.
"""
from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from ..errors import RenderError
from ..config import NavItem, SiteConfig, output_path

TEMPLATES = Path(__file__).with_name("templates")
STYLESHEET = "site.css"
HEADING = re.compile(r'<h2 id="(?P<id>[^"]+)"[^>]*>(?P<text>.*?)</h2>', re.S)


@dataclass
class Page:
    """One page of the site, its content already HTML."""

    source: str                 # 'notebooks/01_caseload.ipynb'
    title: str
    body: str = ""
    kind: str = "page"          # 'page' or 'notebook'
    title_block: bool = False   # show the title above the body (front-matter title)
    subtitle: str | None = None
    page_note: str | None = None

    @property
    def output(self) -> str:
        return output_path(self.source)


def relative(target: str, page_output: str) -> str:
    """The link from one site file to another, both given relative to the site root."""
    return posixpath.relpath(target, posixpath.dirname(page_output) or ".")


class Frame:
    """Wraps page bodies in the site's shared navigation, notice and footer."""

    def __init__(self, config: SiteConfig, titles: dict[str, str], notice_html: str,
                 synthetic: bool, footer: list[tuple[str, str]]):
        self.config = config
        self.titles = titles
        self.notice_html = notice_html
        self.synthetic = synthetic
        self.footer = footer
        for item in (*config.navbar_left, *config.navbar_right):
            self._check(item)

    def _check(self, item: NavItem) -> None:
        for sub in item.menu:
            self._check(sub)
        if item.href and not item.external and item.href.split("#")[0] not in self.titles:
            raise RenderError(f"{self.config.path}: navbar links to {item.href!r}, which is not a page "
                              f"of project.render; add it there or remove the link")

    def navbar(self, current: str) -> str:
        home = relative("index.html", current)
        brand = f'<a class="cw-brand" href="{home}">{html.escape(self.config.title)}</a>'
        sides = [self._items(items, current) for items in (self.config.navbar_left, self.config.navbar_right)]
        return (f'<nav class="cw-navbar" aria-label="Site">{brand}'
                + "".join(f"<ul>{side}</ul>" for side in sides if side) + "</nav>")

    def _items(self, items: tuple[NavItem, ...], current: str) -> str:
        out = []
        for item in items:
            if item.menu:
                inner = self._items(item.menu, current)
                out.append(f'<li><details class="cw-menu"><summary>{html.escape(item.text)}</summary>'
                           f"<ul>{inner}</ul></details></li>")
            else:
                out.append(f"<li>{self._link(item, current)}</li>")
        return "".join(out)

    def _link(self, item: NavItem, current: str) -> str:
        if item.external:
            return f'<a href="{html.escape(item.href)}">{html.escape(item.text or item.href)}</a>'
        source, _, fragment = item.href.partition("#")
        target = output_path(source)
        href = relative(target, current) + (f"#{fragment}" if fragment else "")
        text = item.text or self.titles[source]
        here = ' aria-current="page"' if target == current and not fragment else ""
        return f'<a href="{html.escape(href)}"{here}>{html.escape(text)}</a>'

    def page(self, page: Page) -> str:
        """The complete HTML document of one page."""
        return _template().render(
            title=page.title, site_title=self.config.title, kind=page.kind,
            stylesheet=relative(STYLESHEET, page.output), navbar=self.navbar(page.output),
            notice=self.notice_html, synthetic=self.synthetic, title_block=page.title_block,
            subtitle=page.subtitle, page_note=page.page_note, body=page.body,
            toc=table_of_contents(page.body), footer=self.footer,
            favicon=relative(self.config.favicon, page.output) if self.config.favicon else "data:,")


def table_of_contents(body: str) -> list[tuple[str, str]]:
    """(id, text) of the page's second-level headings; empty when fewer than two."""
    entries = []
    for match in HEADING.finditer(body):
        text = re.sub(r"<a class=\"anchor-link\".*?</a>|<[^>]+>", "", match.group("text"))
        entries.append((match.group("id"), html.unescape(text).strip()))
    return entries if len(entries) >= 2 else []


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             keep_trailing_newline=True)
    return env.get_template("page.html")


def stylesheet(root: Path | None = None, project_css: tuple[str, ...] = ()) -> str:
    """The site stylesheet: layout and colours, Pygments colours for code, then the
    project's own stylesheets (format.html.css), which Quarto includes after its theme."""
    from pygments.formatters import HtmlFormatter
    code = HtmlFormatter(style="default").get_style_defs(".highlight")
    own = "".join(f"\n/* {name} (format.html.css in _quarto.yml) */\n"
                  + (root / name).read_text(encoding="utf-8") for name in project_css)
    return (Path(__file__).with_name(STYLESHEET).read_text(encoding="utf-8")
            + "\n/* code highlighting (Pygments 'default') */\n" + code + "\n" + own)
