"""The built-in renderer: the pages `_quarto.yml` lists, built without Quarto.

Each page lands where Quarto would put it (`notebooks/01_caseload.ipynb` ->
`notebooks/01_caseload.html`). Markdown pages have their shortcodes resolved,
then go through Python-Markdown; executed notebooks go through nbconvert. Every
page gets the navbar, the data notice and the build footer.
"""
from __future__ import annotations

import html
import posixpath
import shutil
import uuid
from pathlib import Path, PurePosixPath

import markdown

from .citations import page_bibliography, resolve as resolve_citations
from .layout import STYLESHEET, Frame, Page, relative, stylesheet
from .links import fix_links
from .notebook_html import ExecutedNotebook
from ..errors import RenderError
from ..paper_check import check_paper, typed_numbers_checked
from .pages import (Floats, fenced_divs, markdown_html, number_sections, raw_blocks, resolve_crossrefs,
                    section_numbers, split_front_matter)
from ..provenance import BuildStamp
from ...paths import source_of
from ..config import SiteConfig, output_path, resource_files
from .shortcodes import Shortcode, Variables, Where, expand

# Used when _quarto.yml sets no announcement / page-footer: the notice and the
# provenance appear on every page whatever the configuration says.
DEFAULT_NOTICE = "{{< var build.notice >}}"
DEFAULT_FOOTER = (("left", "Data: {{< var build.data_kind >}}"
                           " · data checksum `{{< var build.data_checksum >}}` (all tables of the folder;"
                           " a figure's or table's stamp gives the checksum of the tables its notebook read)"),
                  ("right", "Commit `{{< var build.commit >}}` · parameters `{{< var build.params_hash >}}`"
                            " · built {{< var build.date >}}"))


class SiteBuilder:
    """Builds every page of one project into a folder."""

    def __init__(self, config: SiteConfig, stamp: BuildStamp, variables: Variables):
        self.config = config
        self.root = config.root
        self.stamp = stamp
        self.variables = variables
        self.pages = set(config.render)
        self._notebooks: dict[str, ExecutedNotebook] = {}

    def notebook(self, source: str) -> ExecutedNotebook:
        if source not in self._notebooks:
            self._notebooks[source] = ExecutedNotebook(self.root / source, source)
        return self._notebooks[source]

    def title(self, source: str) -> str:
        if source.endswith(".ipynb"):
            title = self.notebook(source).title
        else:
            text = (self.root / source).read_text(encoding="utf-8")
            title = split_front_matter(text, source).title
        return title or PurePosixPath(source).stem

    def build(self, out: Path) -> list[str]:
        """Write the site into `out`; returns the pages written (site-relative)."""
        titles = {source: self.title(source) for source in self.config.render}
        notice = self._config_html(self.config.announcement or DEFAULT_NOTICE, "website.announcement")
        footer = [(region, self._config_html(text, f"website.page-footer.{region}"))
                  for region, text in (self.config.page_footer or DEFAULT_FOOTER)]
        frame = Frame(self.config, titles, notice, self.stamp.synthetic, footer)
        copies: set[str] = set()
        written = []
        for source in self.config.render:
            page = self._notebook_page(source) if source.endswith(".ipynb") else self._markdown_page(source)
            page.title = titles[source]
            page.body = fix_links(page.body, source, self.pages, self.root, copies)
            target = out / page.output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(frame.page(page), encoding="utf-8")
            written.append(page.output)
        copies |= self._resources()
        if self.config.favicon:
            copies.add(self.config.favicon)
        for rel in sorted(copies):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.root / rel, out / rel)
        (out / STYLESHEET).write_text(stylesheet(self.root, self.config.css), encoding="utf-8")
        return written

    def _resources(self) -> set[str]:
        """Files matched by project.resources, copied into the site as they are."""
        found = set()
        for pattern in self.config.resources:
            for path in resource_files(self.root, pattern, self.config.output_dir):
                found.add(path.relative_to(self.root).as_posix())
        return found

    def _config_html(self, text: str, key: str) -> str:
        """Markdown from _quarto.yml (announcement, footer) with shortcodes, as inline HTML."""
        raw = self.config.path.read_text(encoding="utf-8")
        first = text.strip().splitlines()[0] if text.strip() else ""
        at = raw.find(first) if first else -1
        where = Where(f"{self.config.path.name} ({key})", raw.count("\n", 0, at) + 1 if at >= 0 else 1)
        expanded = expand(text, where, {"var": self.variables})
        html_text = markdown.markdown(expanded.strip())
        if html_text.count("<p>") == 1:  # one paragraph: inline it in the banner or footer
            html_text = html_text.removeprefix("<p>").removesuffix("</p>")
        return html_text

    def _markdown_page(self, source: str) -> Page:
        text = (self.root / source).read_text(encoding="utf-8")
        if typed_numbers_checked(source):
            check_paper(text, source)  # no result typed into the prose of a hand-written page
        doc = split_front_matter(text, source)
        doc.meta = {**self._directory_metadata(source), **doc.meta}
        where = Where(source, doc.body_line)
        floats = Floats()
        stash: dict[str, str] = {}
        handlers = {"var": self.variables,
                    "embed": lambda sc: self._embed(sc, source, floats, stash),
                    "include": lambda sc: self._include(sc, source, handlers)}
        body = doc.body
        bibliography = page_bibliography(doc.meta, self.root / source, source)
        if bibliography is not None:
            body = resolve_citations(body, where, bibliography, stash, doc.meta.get("nocite"))
        body = expand(body, where, handlers)
        body = raw_blocks(body)
        body = resolve_crossrefs(body, floats, where,
                                 section_numbers(body) if doc.meta.get("number-sections") else None)
        body_html = markdown_html(fenced_divs(body, where))
        if doc.meta.get("number-sections"):
            body_html = number_sections(body_html, doc.meta.get("number-depth"))
        body_html = self._front_matter_html(doc.meta, source) + body_html
        for token, fragment in stash.items():
            body_html = body_html.replace(f"<p>{token}</p>", fragment).replace(token, fragment)
        meta_title = doc.meta.get("title")
        return Page(source=source, title=str(meta_title or ""), body=body_html,
                    title_block=bool(meta_title), subtitle=doc.meta.get("subtitle"))

    def _directory_metadata(self, source: str) -> dict:
        """Quarto's directory metadata: `_metadata.yml` beside the page (e.g. paper/_metadata.yml)."""
        import yaml
        path = self.root / posixpath.dirname(source) / "_metadata.yml"
        if not posixpath.dirname(source) or not path.is_file():
            return {}
        meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(meta, dict):
            raise RenderError(f"{path.relative_to(self.root)}: expected 'key: value' lines")
        return meta

    def _front_matter_html(self, meta: dict, source: str) -> str:
        """Authors, affiliations, date and abstract from the front matter, as Quarto's title block shows them."""
        from ..paper_pdf import authors
        parts = []
        date = meta.get("date")
        if str(date) in ("today", "last-modified"):
            date = self.stamp.date.split(" ")[0]
        for person in authors(meta):
            place = f'<br><span class="cw-affiliation">{html.escape(person["affiliation"])}</span>' \
                if person["affiliation"] else ""
            parts.append(f'<p class="cw-author">{html.escape(person["name"])}{place}</p>')
        if date:
            parts.append(f'<p class="cw-byline">{html.escape(str(date))}</p>')
        if meta.get("abstract"):
            abstract = expand(str(meta["abstract"]), Where(f"{source} (abstract)"), {"var": self.variables})
            parts.append('<section class="cw-abstract"><h2 class="cw-abstract-title">Abstract</h2>'
                         f"{markdown_html(abstract)}</section>")
        return "\n".join(parts)

    def _include(self, shortcode: Shortcode, page: str, handlers: dict) -> str:
        """`{{< include path.md >}}`: another Markdown file's text, its shortcodes expanded too."""
        if len(shortcode.args) != 1 or shortcode.options:
            raise shortcode.fail("expected one file path, as in {{< include results/scorecard.md >}}")
        target = (self.root / page).parent / shortcode.args[0]
        if not target.is_file():
            raise shortcode.fail(f"included file {target.relative_to(self.root) if target.is_relative_to(self.root) else target} "
                                 "does not exist (results/* files are written by `casework run`)")
        rel = target.relative_to(self.root).as_posix() if target.is_relative_to(self.root) else str(target)
        return expand(target.read_text(encoding="utf-8"), Where(rel), handlers)

    def _embed(self, shortcode: Shortcode, page: str, floats: Floats, stash: dict[str, str]) -> str:
        """`{{< embed path.ipynb#label [echo=true] >}}`: that cell's outputs, caption and source."""
        if len(shortcode.args) != 1 or set(shortcode.options) - {"echo"}:
            raise shortcode.fail("expected one notebook#label and at most the option echo=true")
        target, _, label = shortcode.args[0].partition("#")
        if not label:
            raise shortcode.fail("name the cell to embed: path/to/notebook.ipynb#label")
        if not target.endswith(".ipynb"):
            raise shortcode.fail(f"{target!r} is not a notebook (.ipynb)")
        source = (posixpath.normpath(target.lstrip("/")) if target.startswith("/")
                  else posixpath.normpath(posixpath.join(posixpath.dirname(page), target)))
        if not (self.root / source).is_file():
            stem = PurePosixPath(source).stem
            raise shortcode.fail(f"notebook {source} not found (not executed yet? run `casework run {stem}`)")
        nb = self.notebook(source)
        if nb.find(label) is None:
            known = ", ".join(nb.labels) or "none"
            raise shortcode.fail(f"{source} has no cell labelled '{label}' (labels: {known})")
        number = floats.place(label)
        fragment = nb.embed_html(label, number, shortcode.options.get("echo") == "true",
                                 self._source_html(source, output_path(page), label))
        # A token the Markdown library leaves alone (and no new lines, so line
        # numbers in later messages stay right); the HTML goes in after conversion.
        token = f"cw-embed-{uuid.uuid4().hex}"
        stash[token] = fragment
        return token

    def _source_html(self, notebook: str, page_output: str, label: str | None = None) -> str:
        """'Source: <notebook page> (<.py source>)', linked relative to the page showing it."""
        parts = []
        if notebook in self.pages:
            target = output_path(notebook) + (f"#{label}" if label else "")
            title = html.escape(self.title(notebook))
            parts.append(f'<a href="{relative(target, page_output)}">{title}</a>')
        script = source_of(notebook)
        if (self.root / script).is_file():
            parts.append(f'<a href="{relative(script, page_output)}"><code>{html.escape(script)}</code></a>')
        else:
            parts.append(f"<code>{html.escape(notebook)}</code>")
        return "Source: " + " · ".join(parts)

    def _notebook_page(self, source: str) -> Page:
        # What the page says about its source and parameters is the notebook's own
        # output (casework.notebook.header_html), so Quarto shows the same.
        nb = self.notebook(source)
        body = nb.page_html(self._notebook_markdown)
        return Page(source=source, title="", body=body, kind="notebook", title_block=nb.title is not None)

    def _notebook_markdown(self, text: str, where: Where) -> str:
        # Notebook markdown goes through nbconvert's own Markdown; only values are cited there.
        return expand(text, where, {"var": self.variables})

