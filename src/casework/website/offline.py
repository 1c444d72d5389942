"""Quarto post-render step: take out the CDN scripts Quarto adds to notebook pages.

Quarto puts require.js and jQuery from cdn.jsdelivr.net into the head of every page
rendered from a notebook with an HTML (or JavaScript) output, in case the output is a
JavaScript widget (quarto-cli src/core/jupyter/widgets.ts,
includesForJupyterWidgetDependencies). The compendium's outputs are static HTML
(tables, notes) and need neither, and a site read offline must not ask the network for
anything. `_quarto.yml` runs this file as `project.post-render`, so a bare
`quarto render` gets it too; Quarto sets QUARTO_PROJECT_OUTPUT_DIR to the folder it
wrote. Standard library only: Quarto runs it with whatever Python it finds.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

# The three tags Quarto writes, matched exactly enough to leave anything else alone.
CDN_SCRIPTS = re.compile(
    r'<script src="https://cdn\.jsdelivr\.net/npm/(?:requirejs@[^"/]+/require\.min\.js'
    r'|jquery@[^"/]+/dist/jquery\.min\.js)"[^>]*></script>\s*'
    r"|<script type=\"application/javascript\">define\('jquery', \[\],function\(\) "
    r"\{return window\.jQuery;\}\)</script>\s*")


def strip_cdn_scripts(html: str) -> str:
    """The page without Quarto's require.js/jQuery CDN tags."""
    return CDN_SCRIPTS.sub("", html)


def clean_site(folder: Path) -> int:
    """Strip the CDN tags from every page under folder; returns how many pages changed."""
    changed = 0
    for page in sorted(Path(folder).rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        clean = strip_cdn_scripts(text)
        if clean != text:
            page.write_text(clean, encoding="utf-8")
            changed += 1
    return changed


def main() -> int:
    folder = os.environ.get("QUARTO_PROJECT_OUTPUT_DIR")
    if not folder:
        print("offline.py: QUARTO_PROJECT_OUTPUT_DIR is not set (run by `quarto render` "
              "as project.post-render)", file=sys.stderr)
        return 2
    clean_site(Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
