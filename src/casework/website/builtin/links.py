"""Local links in page HTML: sources become pages, files are copied, broken links fail.

As in Quarto, a page may link to another page by its source
(`[caseload](notebooks/01_caseload.ipynb)`); the link is rewritten to the page's
.html. A link or image pointing at another project file (a notebook's .py
source, a picture) copies that file into the site at the same path. A link to
nothing is an error naming the page and the target.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

from ..errors import RenderError
from .layout import relative
from ..config import output_path

# Files the render step writes into the site itself (casework.website.paper_pdf).
GENERATED = {"paper/paper.pdf", "paper/paper.docx"}
LOCAL = re.compile(r'(?P<attr>\b(?:href|src))="(?P<url>[^"#?:]+)(?P<rest>[#?][^"]*)?"')


def fix_links(page_html: str, page_source: str, pages: set[str], root: Path,
              copies: set[str]) -> str:
    """Rewrite links to page sources; note project files to copy (into `copies`)."""
    outputs = {output_path(p) for p in pages}
    page_output = output_path(page_source)
    base = posixpath.dirname(page_source)

    def replace(match: re.Match) -> str:
        url = match.group("url")
        if url.startswith("/"):
            return match.group(0)  # root-relative: left to the web server
        target = posixpath.normpath(posixpath.join(base, unquote(url)))
        rest = match.group("rest") or ""
        if target.startswith("../"):
            raise RenderError(f"{page_source}: link {url!r} points outside the project")
        if target in pages:
            url = relative(output_path(target), page_output)
        elif target not in outputs and target not in GENERATED:
            if not (root / target).is_file():
                raise RenderError(f"{page_source}: broken link {url!r}: {target} is neither a page of "
                                  "project.render nor a file in the project")
            copies.add(target)
        return f'{match.group("attr")}="{url}{rest}"'

    return LOCAL.sub(replace, page_html)
