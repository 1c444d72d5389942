"""`casework package`: the deposit archive of the last build.

The zip holds the sources at their places (so `make report` builds in the unpacked
folder as in a checkout) and the build's products under outputs/, where a build in
the unpacked folder never writes:

    REPLICATION.md, ro-crate-metadata.json      generated here, from the build
    Makefile, pyproject.toml, requirements/...  sources (git's tracked files)
    data/ (datapackage.json, raw/*.csv, CODEBOOK.md)
    outputs/site/          the built site (_site/), with the PDF paper when the build made one
    outputs/paper/         a PDF paper written beside paper/paper.qmd, when there is one
    outputs/analyses/      the executed notebooks
    outputs/results/       recorded values and the build record (_build.json)
    outputs/exhibits/      each figure (.png) and table (.html) of the paper, from its cell
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..paths import EXECUTED
from .exhibits import paper_exhibits, write_output
from .lockfile import LOCK

OUTPUTS = "outputs"
# Never sources, when the folder is not a git checkout (an unpacked archive).
NOT_SOURCES = {".git", ".venv", ".venv-lock", "_site", "results", EXECUTED, ".casework",
               OUTPUTS, "__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".quarto"}
GENERATED = ("REPLICATION.md", "ro-crate-metadata.json")


class PackageError(RuntimeError):
    """The build to package is missing or incomplete."""


@dataclass(frozen=True)
class Staged:
    """What went into the archive: the folder it was staged in and its parts."""

    folder: Path
    sources: list[str]
    outputs: list[str]
    exhibits: dict[str, str]   # label -> outputs/exhibits/<file>
    pdfs: list[str]


def source_files(root: Path) -> list[str]:
    """Project-relative paths of the sources: git's tracked files, else every non-product file."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True,
                                check=True).stdout.decode().split("\0")
        files = [f for f in listed if f and (root / f).is_file()]
        if files:
            return sorted(f for f in files if f not in GENERATED)
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not NOT_SOURCES.intersection(rel.parts) \
                and rel.suffix not in (".zip", ".pdf") and rel.parts[0] not in GENERATED \
                and not any(p.endswith(".egg-info") for p in rel.parts) \
                and not (rel.parts[0] == "notebooks" and rel.suffix == ".ipynb"):
            files.append(rel.as_posix())
    return files


def check_build(root: Path) -> dict:
    """The build record, or a PackageError saying what to run first."""
    record = root / "results" / "_build.json"
    site = root / "_site" / "index.html"
    if not record.is_file() or not site.is_file():
        missing = record if not record.is_file() else site
        raise PackageError(f"{missing.relative_to(root)} is missing: run `make report` first, "
                           "then `casework package`")
    doc = json.loads(record.read_text(encoding="utf-8"))
    failed = sorted(n for n, e in doc.get("notebooks", {}).items() if e.get("status") == "failed")
    if failed:
        raise PackageError(f"results/_build.json: notebook(s) {', '.join(failed)} failed in the "
                           "last build; fix and rebuild before packaging")
    if not (root / LOCK).is_file():
        raise PackageError(f"{LOCK} is missing: run `make lock`")
    return doc


def stage(root: Path, folder: Path) -> Staged:
    """Copy sources and build products into folder (the archive's layout)."""
    sources = source_files(root)
    for rel in sources:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, folder / rel)
    out = folder / OUTPUTS
    shutil.copytree(root / "_site", out / "site")
    for name in ("results", EXECUTED):
        if (root / name).is_dir():
            shutil.copytree(root / name, out / name)
    for pdf in sorted((root / "paper").glob("*.pdf")):   # a PDF paper rendered beside its source
        (out / "paper").mkdir(parents=True, exist_ok=True)
        shutil.copy2(pdf, out / "paper" / pdf.name)
    exhibits: dict[str, str] = {}
    for exhibit in paper_exhibits(root):
        written = write_output(root, exhibit, out / "exhibits")
        if written is None:
            raise PackageError(f"{exhibit.number} ({exhibit.label}): no output in "
                               f"{EXECUTED}/{exhibit.notebook}.ipynb; run `make report` first")
        exhibits[exhibit.label] = written.relative_to(folder).as_posix()
    outputs = sorted(p.relative_to(folder).as_posix() for p in out.rglob("*") if p.is_file())
    pdfs = [p for p in outputs if p.endswith(".pdf")]
    return Staged(folder, sources, outputs, exhibits, pdfs)


def check_out(out: Path) -> None:
    """Refuse a destination that is not a new path or a replication package casework wrote
    (a zip holding REPLICATION.md and ro-crate-metadata.json): nothing else is replaced."""
    from ..website.destination import OutputError
    if not out.exists() and not out.is_symlink():
        return
    expected = "expected a new path or an earlier replication-package zip"
    if out.is_symlink() or not out.is_file():
        raise OutputError(f"--out {out}: is not a regular file (a folder, link or device); {expected}")
    try:
        with zipfile.ZipFile(out) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        names = set()
    if not {"REPLICATION.md", "ro-crate-metadata.json"} <= names:
        raise OutputError(f"--out {out}: is a file casework package did not write; {expected}; "
                          "nothing was changed")


def package(root: Path, out: Path | None = None) -> Path:
    """Write the deposit zip of root's last build; returns its path."""
    from .crate import check_crate, write_crate
    from .readme import replication_readme

    root = Path(root).resolve()
    record = check_build(root)
    commit = record_commit(root)
    out = Path(out) if out else root / f"replication-package-{commit.replace('+', '-')}.zip"
    check_out(out)  # never over a file that is not an earlier package
    with tempfile.TemporaryDirectory(prefix="casework-package-") as tmp:
        folder = Path(tmp) / "package"
        staged = stage(root, folder)
        exhibits = paper_exhibits(root)
        (folder / "REPLICATION.md").write_text(
            replication_readme(root, record, staged, exhibits, commit), encoding="utf-8")
        write_crate(folder, record, staged, exhibits, commit)
        problems = check_crate(folder, exhibits)
        if problems:   # never deposit a crate that does not describe its package
            raise PackageError("ro-crate-metadata.json: " + "; ".join(problems))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
        partial.replace(out)   # a killed run never leaves a half-written archive under the name
    return out


def record_commit(root: Path) -> str:
    from ..website.provenance import git_commit
    return git_commit(root)
