"""`_quarto.yml` read the way the built-in renderer needs it.

`_quarto.yml` is the single description of the site: which pages exist
(`project.render`), where they go (`project.output-dir`), the navbar, the
announcement banner and the page footer. Quarto reads the same file; this module
accepts the subset of Quarto's website options the compendium uses and rejects,
with a message naming the key, what it cannot honour.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import RenderError, yaml_mapping

CONFIG_NAME = "_quarto.yml"
PAGE_SUFFIXES = (".qmd", ".md", ".ipynb")
FOOTER_REGIONS = ("left", "center", "right")


@dataclass(frozen=True)
class NavItem:
    """One navbar entry: a link to a page (source path) or URL, or a menu of entries."""

    text: str | None
    href: str | None = None
    menu: tuple["NavItem", ...] = ()

    @property
    def external(self) -> bool:
        return self.href is not None and ":" in self.href


@dataclass(frozen=True)
class SiteConfig:
    """What `_quarto.yml` says about the site."""

    root: Path
    title: str
    render: tuple[str, ...]          # page sources, relative to root, posix
    output_dir: str
    navbar_left: tuple[NavItem, ...] = ()
    navbar_right: tuple[NavItem, ...] = ()
    announcement: str | None = None  # markdown, shortcodes allowed
    page_footer: tuple[tuple[str, str], ...] = ()  # (region, markdown)
    resources: tuple[str, ...] = ()  # globs copied into the site as they are
    favicon: str | None = None       # website.favicon: copied into the site, linked from every page
    css: tuple[str, ...] = ()        # format.html.css: project stylesheets, after the renderer's own

    @property
    def path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def site_dir(self) -> Path:
        return self.root / self.output_dir


def resource_files(root: Path, pattern: str, output_dir: str) -> list[Path]:
    """Files a `project.resources` glob copies into the site, as Quarto matches it.

    Quarto anchors a glob that starts with '/' at the project root and matches any
    other glob anywhere below it (as if it began with '**/'), so an unanchored
    'notebooks/*.py' would also pick up copies inside the output folder. The output
    folder (and its staging siblings) are never resources.
    """
    anchored = pattern.startswith("/")
    glob = pattern.lstrip("/") if anchored else f"**/{pattern}"
    found = []
    for path in sorted(root.glob(glob)):
        top = path.relative_to(root).parts[0]
        if path.is_file() and top != output_dir and not top.startswith(f"{output_dir}."):
            found.append(path)
    return found


def output_path(source: str) -> str:
    """Where Quarto puts a page: 'notebooks/01_caseload.ipynb' -> 'notebooks/01_caseload.html'."""
    return PurePosixPath(source).with_suffix(".html").as_posix()


def read_config(root: Path) -> SiteConfig:
    """Parse and check `root/_quarto.yml`; raise RenderError naming the key at fault."""
    path = root / CONFIG_NAME
    if not path.is_file():
        raise RenderError(f"{path} not found: the site is described by {CONFIG_NAME} in the project root")
    doc = yaml_mapping(path.read_text(encoding="utf-8"), path, "expected a mapping at the top level")
    doc = with_metadata_files(doc, root, path)
    project = _mapping(doc, "project", path)
    website = _mapping(doc, "website", path)
    if project.get("type") != "website":
        raise RenderError(f"{path}: project.type is {project.get('type')!r}; expected 'website'")
    navbar = _mapping(website, "navbar", path, where="website.")
    return SiteConfig(
        root=root,
        title=str(website.get("title") or root.name),
        render=_render_list(project.get("render"), path),
        output_dir=_output_dir(project.get("output-dir", "_site"), path),
        navbar_left=_nav_items(navbar.get("left"), "website.navbar.left", path),
        navbar_right=_nav_items(navbar.get("right"), "website.navbar.right", path),
        announcement=_announcement(website.get("announcement"), path),
        page_footer=_footer(website.get("page-footer"), path),
        resources=_strings(project.get("resources"), "project.resources", path),
        favicon=_favicon(website.get("favicon"), root, path),
        css=_css(doc, root, path),
    )


def with_metadata_files(doc: dict, root: Path, path: Path) -> dict:
    """`doc` with the files named by its `metadata-file` / `metadata-files` merged in, as
    Quarto merges them into a project's configuration (quarto-cli src/config/metadata.ts:
    includedMetadata, then mergeProjectMetadata): the files in order, then the result into
    `_quarto.yml`; mappings merge key by key, lists are appended (duplicates dropped),
    other values are replaced. Like Quarto, a listed file that does not exist is skipped."""
    names = []
    if isinstance(doc.get("metadata-file"), str):
        names.append(doc["metadata-file"])
    listed = doc.get("metadata-files")
    if listed is not None:
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise RenderError(f"{path}: metadata-files must be a list of YAML file paths")
        names.extend(listed)
    included: dict = {}
    for name in names:
        file = root / name
        if file.is_file():
            extra = yaml_mapping(file.read_text(encoding="utf-8"), file, "expected a mapping at the top level")
            included = quarto_merge(included, extra)
    merged = quarto_merge(doc, included)
    merged.pop("metadata-file", None)
    merged.pop("metadata-files", None)
    return merged


def quarto_merge(base, extra):
    """lodash mergeWith with Quarto's customizer: lists concatenated without duplicates
    (a scalar beside a list becomes a one-item list), mappings merged, else extra wins;
    a string `contents` is replaced rather than appended to (mergeProjectMetadata)."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            if key in out and key == "contents" and isinstance(out[key], str):
                out[key] = value
            elif key in out:
                out[key] = quarto_merge(out[key], value)
            else:
                out[key] = value
        return out
    if isinstance(base, list) or isinstance(extra, list):
        if base is None or base is False or base == "" or base == 0:  # JS falsy scalars
            return extra
        if extra is None or extra is False or extra == "" or extra == 0:
            return base
        combined = (base if isinstance(base, list) else [base]) + (extra if isinstance(extra, list) else [extra])
        seen, out = set(), []
        for item in combined:
            key = json.dumps(item, sort_keys=False, default=str)
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out
    return extra


def _favicon(value, root: Path, path: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or ":" in value or not (root / _clean(value)).is_file():
        raise RenderError(f"{path}: website.favicon {value!r}: expected an image file in the project")
    return _clean(value)


def _css(doc: dict, root: Path, path: Path) -> tuple[str, ...]:
    """format.html.css (a file or a list), as Quarto takes it: stylesheets of the project
    included after the theme. Each must be a .css file in the project."""
    html = (doc.get("format") or {}).get("html") if isinstance(doc.get("format"), dict) else None
    value = html.get("css") if isinstance(html, dict) else None
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
        raise RenderError(f"{path}: format.html.css must be a CSS file path or a list of them")
    for name in names:
        if ":" in name or not name.endswith(".css") or not (root / _clean(name)).is_file():
            raise RenderError(f"{path}: format.html.css {name!r}: expected a .css file in the project")
    return tuple(_clean(n) for n in names)


def _mapping(doc: dict, key: str, path: Path, where: str = "") -> dict:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise RenderError(f"{path}: {where}{key} must be a mapping, found {type(value).__name__}")
    return value


def _strings(value, key: str, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise RenderError(f"{path}: {key} must be a list of paths")
    return tuple(items)


def _clean(href: str) -> str:
    """Project-relative form of a path written as '/x', './x' or 'x'."""
    return PurePosixPath(href.lstrip("/")).as_posix().removeprefix("./")


def _render_list(value, path: Path) -> tuple[str, ...]:
    entries = _strings(value, "project.render", path)
    if not entries:
        raise RenderError(f"{path}: project.render is missing or empty; list every page of the site "
                          "(index.qmd, the executed notebooks/*.ipynb, data/*.md)")
    out = []
    for entry in entries:
        if any(c in entry for c in "*?[!"):
            # A glob would silently drop a notebook that has not been executed yet.
            raise RenderError(f"{path}: project.render entry {entry!r}: list each page by name, "
                              "no globs, so a page that was not built is reported, not skipped")
        if not entry.endswith(PAGE_SUFFIXES):
            hint = (" (Quarto would execute a .py script; list the executed .ipynb instead)"
                    if entry.endswith(".py") else "")
            raise RenderError(f"{path}: project.render entry {entry!r}: expected a "
                              f"{', '.join(PAGE_SUFFIXES)} file{hint}")
        clean = _clean(entry)
        if clean.startswith("../"):
            raise RenderError(f"{path}: project.render entry {entry!r} lies outside the project")
        if clean not in out:
            out.append(clean)
    return tuple(out)


def _output_dir(value, path: Path) -> str:
    # The build replaces this folder wholesale, so it must be a fresh folder inside
    # the project: never the project itself, a parent, or a source folder.
    text = str(value).strip()
    parts = PurePosixPath(text).parts
    if (not text or PurePosixPath(text).is_absolute() or len(parts) != 1
            or parts[0] in (".", "..") or parts[0] in ("src", "notebooks", "analyses", "data", "paper", "tests")):
        raise RenderError(f"{path}: project.output-dir {value!r}: expected the name of a build "
                          "folder in the project root, such as _site")
    return parts[0]


def _nav_items(value, key: str, path: Path) -> tuple[NavItem, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RenderError(f"{path}: {key} must be a list of navbar items")
    return tuple(_nav_item(v, f"{key}[{i}]", path) for i, v in enumerate(value))


def _nav_item(value, key: str, path: Path) -> NavItem:
    if isinstance(value, str):
        return NavItem(text=None, href=_href(value))
    if not isinstance(value, dict):
        raise RenderError(f"{path}: {key}: expected a path or a mapping with href/text/menu")
    text = value.get("text")
    if "menu" in value:
        if not text:
            raise RenderError(f"{path}: {key}: a menu needs a text")
        menu = _nav_items(value["menu"], f"{key}.menu", path)
        return NavItem(text=str(text), menu=menu)
    href = value.get("href") or value.get("file")
    if not isinstance(href, str) or not href:
        raise RenderError(f"{path}: {key}: expected an href (a page of project.render or a URL)")
    return NavItem(text=str(text) if text else None, href=_href(href))


def _href(href: str) -> str:
    return href if ":" in href else _clean(href)


def _announcement(value, path: Path) -> str | None:
    if value is None:
        return None
    content = value.get("content") if isinstance(value, dict) else value
    if not isinstance(content, str):
        raise RenderError(f"{path}: website.announcement.content must be text")
    return content


def _footer(value, path: Path) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (("center", value),)
    if not isinstance(value, dict):
        raise RenderError(f"{path}: website.page-footer must be text or a mapping of left/center/right")
    regions = []
    for region in FOOTER_REGIONS:
        text = value.get(region)
        if text is None:
            continue
        if not isinstance(text, str):
            raise RenderError(f"{path}: website.page-footer.{region} must be text (markdown)")
        regions.append((region, text))
    return tuple(regions)


def missing_pages(config: SiteConfig) -> list[str]:
    """One line per page of project.render whose source file does not exist."""
    lines = []
    for source in config.render:
        if (config.root / source).is_file():
            continue
        if source.endswith(".ipynb"):
            stem = PurePosixPath(source).stem
            lines.append(f"{source}: not executed yet (run `casework run {stem}` or `casework run`)")
        else:
            lines.append(f"{source}: file not found")
    return lines


def check_pages(config: SiteConfig) -> None:
    """Fail naming every listed page that is missing, so none silently vanishes."""
    lines = missing_pages(config)
    if lines:
        raise RenderError(f"{config.path}: project.render lists pages that do not exist:\n  "
                          + "\n  ".join(lines))
