"""A stand-in for `quarto render` of a website project, for tests (Quarto cannot be
installed here). It copies real Quarto's behaviour on the points that broke the
site before, each from quarto-cli's source:

- project config: `_quarto.yml`, then the files of `metadata-files` merged in with
  lists appended (src/project/project-context.ts, src/config/metadata.ts);
- an .ipynb with a same-named .qmd/.py/.jl/.r beside it is an intermediate file of
  that source and is silently left out (src/execute/jupyter/jupyter.ts,
  intermediateFiles), with exit status 0;
- a `resources` glob not starting with '/' matches anywhere below the project,
  including an older output folder;
- `.gitignore` gets `/.quarto/` and `**/*.quarto_ipynb` appended when missing
  (src/project/project-gitignore.ts), the file rewritten with trimmed lines;
- a page from a notebook with a text/html or application/javascript output gets
  require.js and jQuery script tags from cdn.jsdelivr.net in its head
  (src/core/jupyter/widgets.ts);
- `format.html.css` files are copied into the site (same relative path) and linked
  from every page's head after the theme (src/format/html/format-html.ts);
- `website.favicon` is copied into the site; `project.post-render` scripts run
  afterwards in the project folder with QUARTO_PROJECT_OUTPUT_DIR set;
- what a render leaves in the project: its scratch folder `.quarto/` (cross-reference
  and freeze indexes), and a page rendered to more than one format (the paper: html
  and typst) keeps its supporting folder `<stem>_files/` beside the source, since
  only html's is moved into the site (src/command/render/project.ts).

Pages are written as minimal HTML (title, navbar links) at Quarto's paths. Run as
`python standin_quarto.py render [--output-dir DIR]` in the project folder; it
logs its arguments to $STANDIN_QUARTO_LOG when set.
"""
from __future__ import annotations

import html
import json
import subprocess
import os
import posixpath
import shutil
import sys
from pathlib import Path

import yaml

INTERMEDIATE_OF = (".qmd", ".py", ".jl", ".r")
QUARTO_IGNORE = ["/.quarto/", "**/*.quarto_ipynb"]


def merge(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if k in out else v
        return out
    if isinstance(a, list) or isinstance(b, list):
        if a is None:
            return b
        if b is None:
            return a
        out = []
        for item in (a if isinstance(a, list) else [a]) + (b if isinstance(b, list) else [b]):
            if item not in out:
                out.append(item)
        return out
    return b


def project_config(root: Path) -> dict:
    config = yaml.safe_load((root / "_quarto.yml").read_text(encoding="utf-8"))
    included: dict = {}
    for name in config.get("metadata-files") or []:
        if (root / name).is_file():
            included = merge(included, yaml.safe_load((root / name).read_text(encoding="utf-8")))
    return merge(config, included)


def is_intermediate(root: Path, page: str) -> bool:
    path = root / page
    return path.suffix == ".ipynb" and any(path.with_suffix(ext).exists() for ext in INTERMEDIATE_OF)


def html_path(page: str) -> str:
    return posixpath.splitext(page.lstrip("/"))[0] + ".html"


def nav_hrefs(items) -> list[tuple[str, str]]:
    out = []
    for item in items or []:
        if isinstance(item, str):
            out.append((item, item))
        elif "menu" in item:
            out.extend(nav_hrefs(item["menu"]))
        else:
            out.append((item.get("text") or item["href"], item["href"]))
    return out


# The shape of the tags Quarto writes (integrity values shortened here).
CDN_TAGS = ('<script src="https://cdn.jsdelivr.net/npm/requirejs@2.3.6/require.min.js" '
            'integrity="sha384-x" crossorigin="anonymous"></script>\n'
            '<script src="https://cdn.jsdelivr.net/npm/jquery@3.5.1/dist/jquery.min.js" '
            'integrity="sha384-y" crossorigin="anonymous" data-relocate-top="true"></script>\n'
            "<script type=\"application/javascript\">define('jquery', [],function() {return window.jQuery;})</script>\n")


def has_html_output(root: Path, page: str) -> bool:
    if not page.endswith(".ipynb"):
        return False
    nb = json.loads((root / page).read_text(encoding="utf-8"))
    return any(set(out.get("data", {})) & {"text/html", "application/javascript"}
               for cell in nb["cells"] if cell["cell_type"] == "code" for out in cell.get("outputs", [])
               if out.get("output_type") in ("display_data", "execute_result"))


def page_html(page: str, config: dict, head: str = "") -> str:
    navbar = (config.get("website") or {}).get("navbar") or {}
    links = []
    for text, href in nav_hrefs(navbar.get("left")) + nav_hrefs(navbar.get("right")):
        target = html_path(href) if href.endswith((".qmd", ".md", ".ipynb")) else href
        rel = posixpath.relpath(target, posixpath.dirname(html_path(page)) or ".")
        links.append(f'<a href="{html.escape(rel)}">{html.escape(str(text))}</a>')
    return (f"<!doctype html><head><title>{html.escape(page)}</title>\n{head}</head>"
            f"<nav>{''.join(links)}</nav>\n")


def copy_resources(root: Path, out: Path, patterns) -> None:
    for pattern in patterns or []:
        glob = pattern[1:] if pattern.startswith("/") else f"**/{pattern}"
        for path in sorted(root.glob(glob)):
            if path.is_file() and out not in path.parents:
                target = out / path.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


def leave_by_products(root: Path, pages) -> None:
    """What a real render leaves behind in the project folder (see the module docstring)."""
    scratch = root / ".quarto" / "xref"
    scratch.mkdir(parents=True, exist_ok=True)
    (scratch / "INDEX").write_text("{}", encoding="utf-8")
    for page in pages:
        path = root / page
        if path.suffix != ".qmd" or not path.is_file():
            continue
        front = path.read_text(encoding="utf-8").split("---")
        formats = (yaml.safe_load(front[1]) or {}).get("format") if len(front) > 2 else None
        if isinstance(formats, dict) and len(formats) > 1:
            figures = path.with_name(f"{path.stem}_files") / "figure-typst"
            figures.mkdir(parents=True, exist_ok=True)
            (figures / "fig-1.svg").write_text("<svg/>", encoding="utf-8")


def ensure_gitignore(root: Path) -> None:
    path = root / ".gitignore"
    if not path.exists():
        return  # real Quarto creates one only inside a git repository
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    missing = [entry for entry in QUARTO_IGNORE if entry not in lines]
    if missing:
        path.write_text("\n".join(lines + missing) + "\n", encoding="utf-8")


def main(args: list[str]) -> int:
    if os.environ.get("STANDIN_QUARTO_LOG"):
        Path(os.environ["STANDIN_QUARTO_LOG"]).write_text(json.dumps({"args": args, "cwd": os.getcwd()}))
    if not args or args[0] != "render":
        print(f"stand-in quarto: unsupported arguments {args}", file=sys.stderr)
        return 2
    root = Path.cwd()
    config = project_config(root)
    project = config.get("project") or {}
    out_name = args[args.index("--output-dir") + 1] if "--output-dir" in args else project.get("output-dir", "_site")
    out = root / out_name
    out.mkdir(parents=True, exist_ok=True)
    css = ((config.get("format") or {}).get("html") or {}).get("css") or []
    css = [css] if isinstance(css, str) else css
    for name in css:
        if not (root / name).is_file():
            print(f"ERROR: {name} (format.html.css) not found", file=sys.stderr)
            return 1
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, out / name)
    for page in project.get("render") or []:
        if is_intermediate(root, page):
            continue  # silently, as Quarto does
        target = out / html_path(page)
        target.parent.mkdir(parents=True, exist_ok=True)
        head = CDN_TAGS if has_html_output(root, page) else ""
        head += "".join(f'<link href="{html.escape(posixpath.relpath(name, posixpath.dirname(html_path(page)) or "."))}" '
                        'rel="stylesheet">\n' for name in css)
        target.write_text(page_html(page, config, head), encoding="utf-8")
    copy_resources(root, out, project.get("resources"))
    favicon = (config.get("website") or {}).get("favicon")
    if favicon:
        shutil.copy2(root / favicon, out / favicon)
    for script in project.get("post-render") or []:
        done = subprocess.run([sys.executable, script], cwd=root,
                              env={**os.environ, "QUARTO_PROJECT_OUTPUT_DIR": str(out)})
        if done.returncode:
            return done.returncode
    leave_by_products(root, project.get("render") or [])
    ensure_gitignore(root)
    return int(os.environ.get("STANDIN_QUARTO_EXIT", "0"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
