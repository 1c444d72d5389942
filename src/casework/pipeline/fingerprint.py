"""Fingerprints of everything a notebook's outputs depend on.

A notebook's outputs are a function of its source, its resolved parameters, the
data tables it reads, the `casework` modules it imports and the versions of the
libraries (distributions) it imports, with what those require. The cache key is a
digest of those five; an installed package the notebook never imports (JupyterLab,
say) is not part of it. Everything here reads files and hashes bytes only, so that
a fully cached build never imports pandas (the no-op build must stay fast).
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import sys
import time
from functools import lru_cache
from pathlib import Path

from . import digests

# The `casework` package whose code every notebook calls. Tests point this at a
# fake package to check that a code change invalidates the cache.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# The codebook names the table files of a data folder. It is read as JSON here
# rather than through casework.data, whose import pulls in pandas and pandera.
CODEBOOK_PATH = Path(__file__).resolve().parents[1] / "data" / "datapackage.json"


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, read in blocks (a data table may be large), or 'missing'
    / 'unreadable' (a folder, no permission): a state too, which validation then names.
    Remembered while the file is unchanged, inside digests.remembering (a no-op build)."""
    try:
        return digests.digest(path)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"


def package_digest(root: Path | None = None) -> str:
    """One digest over every file of the package (path and bytes), caches excluded."""
    root = Path(root or PACKAGE_DIR)
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(bytes.fromhex(digests.digest(path)))
    return h.hexdigest()


def table_paths() -> dict[str, str]:
    """table name -> path inside a data folder, as the codebook lists them."""
    codebook = json.loads(CODEBOOK_PATH.read_text(encoding="utf-8"))
    return {res["name"]: res["path"] for res in codebook["resources"]}


def folder_table_paths(data_dir: Path) -> dict[str, str]:
    """table_paths() with the folder's own datapackage.json resources honoured, as
    casework.data.load.table_paths does (read here as JSON: no pandas)."""
    paths = table_paths()
    try:
        own = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8-sig")).get("resources")
    except (OSError, ValueError, AttributeError):
        own = None
    for res in own if isinstance(own, list) else []:
        if isinstance(res, dict) and res.get("name") in paths and isinstance(res.get("path"), str):
            rel = Path(res["path"])
            if not rel.is_absolute() and ".." not in rel.parts:
                paths[res["name"]] = rel.as_posix()
    return paths


def data_digests(data_dir: Path) -> dict[str, str]:
    """sha256 of every file load() reads: datapackage.json and each table file."""
    files = {"datapackage.json": "datapackage.json", **folder_table_paths(data_dir)}
    return {name: file_digest(data_dir / rel) for name, rel in files.items()}


def data_checksum(sums: dict[str, str]) -> str:
    """The data folder's short checksum, computed as casework.data.Dataset.checksum is
    for a load of every table, so that it matches the stamp on the figures."""
    return digests.short_checksum({k: v for k, v in sums.items() if k != "datapackage.json"})


def is_synthetic(data_dir: Path) -> bool | None:
    """The data package's `synthetic` flag, or None when it cannot be read."""
    try:
        flag = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8")).get("synthetic")
    except (OSError, ValueError, AttributeError):
        return None
    return flag if isinstance(flag, bool) else None


def cache_key(source_digest: str, params: dict, data: dict[str, str], package: str,
              libraries: dict[str, str]) -> str:
    """The digest a cached result must match: source, parameters, data, code, libraries."""
    doc = {"source": source_digest, "params": params, "data": data, "package": package,
           "libraries": libraries}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


# --- per-notebook inputs: the tables it reads, the casework modules it imports ----------

# Package files that are no input of a notebook's outputs although they sit beside
# modules it imports: the parameter schema (the resolved values are in the key already).
NOT_INPUTS = {"parameters.yml"}


def notebook_tables(source: Path) -> list[str] | None:
    """The tables a notebook asks `casework.notebook.start(..., tables=[...])` for, with
    the tables their foreign keys point at (load() reads and checks those too); None when
    the source does not say (then every table counts). Remembered by the digests of the
    source and the codebook (parsing every source took a tenth of the no-op build)."""
    try:
        kind = f"notebook_tables:{digests.digest(CODEBOOK_PATH)}"
        return digests.derived(source, kind, lambda: _notebook_tables(source))
    except OSError:
        return _notebook_tables(source)


def _notebook_tables(source: Path) -> list[str] | None:
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "start":
            for kw in node.keywords:
                if kw.arg == "tables" and isinstance(kw.value, (ast.List, ast.Tuple)) and all(
                        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in kw.value.elts):
                    try:
                        return with_references([e.value for e in kw.value.elts])
                    except KeyError:  # a table the codebook lacks: key on every table
                        return None
    return None


def with_references(names: list[str]) -> list[str]:
    """casework.data.codebook.with_references, read from the codebook's JSON here: importing
    casework.data imports the loader, and with it pandas and pandera (seconds, on every
    no-op build). The requested tables plus every table their foreign keys point at."""
    resources = {r["name"]: r for r in json.loads(CODEBOOK_PATH.read_text(encoding="utf-8"))["resources"]}
    out: list[str] = []

    def add(name: str) -> None:
        if name not in resources:
            raise KeyError(name)
        for fk in resources[name].get("schema", {}).get("foreignKeys", []):
            add(fk["reference"]["resource"])
        if name not in out:
            out.append(name)

    for n in names:
        add(n)
    return out


def _module_file(package_dir: Path, dotted: str) -> Path | None:
    """casework.a.b -> PACKAGE_DIR/a/b.py or PACKAGE_DIR/a/b/__init__.py (None if neither)."""
    parts = dotted.split(".")[1:]
    base = os.path.join(package_dir, *parts)  # os.path, not pathlib: called thousands of times
    for candidate in ((base + ".py") if parts else None, os.path.join(base, "__init__.py")):
        if candidate is not None and os.path.isfile(candidate):
            return Path(candidate)
    return None


def _imports(path: Path, dotted: str, is_package: bool) -> tuple[frozenset, frozenset]:
    """Dotted names of casework modules (and candidate submodules) `path` imports, and the
    top-level names of the other modules it imports (libraries; the standard library left out)."""
    try:
        st = path.stat()
    except OSError:
        return frozenset(), frozenset()
    return _parsed_imports(str(path), st.st_mtime_ns, st.st_size, dotted, is_package)


# Import statements, read by pattern rather than by parsing (ast.walk over every module
# took seconds on a busy machine; the no-op build must stay fast). Imports inside
# functions count too: they are indented lines.
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. ,\t]+(?:as[ \t]+\w+)?)", re.M)


@lru_cache(maxsize=1024)  # a plan reads each shared module once, not once per notebook
def _parsed_imports(path: str, mtime_ns: int, size: int, dotted: str,
                    is_package: bool) -> tuple[frozenset, frozenset]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return frozenset(), frozenset()
    found, libraries = set(), set()
    here = dotted.split(".") if is_package else dotted.split(".")[:-1]
    for match in _IMPORT.finditer(text):
        for item in match.group(1).split(","):
            name = item.split()[0] if item.split() else ""
            if name.split(".")[0] == "casework":
                found.add(name)
            elif name:
                libraries.add(name.split(".")[0])
    for dots, module, names in _FROM.findall(text):
        level = len(dots)
        if level:
            base = here[:len(here) - (level - 1)] if level > 1 else here
            module = ".".join(base + ([module] if module else []))
        if module.split(".")[0] != "casework":
            if module:
                libraries.add(module.split(".")[0])
            continue
        found.add(module)
        for item in names.strip("()").replace("\n", " ").split(","):
            if item.split():
                found.add(f"{module}.{item.split()[0]}")  # kept if a submodule
    return frozenset(found), frozenset(libraries - STDLIB)


def imported_modules(source: Path, package_dir: Path | None = None,
                     walked: tuple | None = None) -> list[Path] | None:
    """Files of every `casework` module the notebook imports, directly or through other
    casework modules, with their parent packages' __init__; None if the source does not parse.
    walked: walk(source) when the caller has it already (a plan asks twice per notebook)."""
    found = walked if walked is not None else walk(source, package_dir)
    return found[0] if found else None


def imported_libraries(source: Path, package_dir: Path | None = None,
                       walked: tuple | None = None) -> set[str]:
    """Top-level names of the libraries the notebook imports, itself or through the
    casework modules it imports (pandas, statsmodels, ...; not the standard library)."""
    found = walked if walked is not None else walk(source, package_dir)
    return found[1] if found else set()


def walk(source: Path, package_dir: Path | None = None, state: str | None = None) -> tuple:
    """(casework files, library names) reached from the notebook's imports, or () when the
    source cannot be read: what imported_modules and imported_libraries report.

    state: package_state(package_dir), when the caller has it. The walk then is remembered
    (casework.pipeline.digests.derived) under the source's digest and that state: it
    depends on nothing else (which package files exist and what they say)."""
    package_dir = Path(package_dir or PACKAGE_DIR)
    if state is None:
        found = _walk(source, package_dir)
        return () if found is None else found

    def computed():
        found = _walk(source, package_dir)
        return [] if found is None else [[p.as_posix() for p in found[0]], sorted(found[1])]
    try:
        found = digests.derived(source, f"walk:{state}", computed)
    except OSError:
        found = computed()
    return ([Path(p) for p in found[0]], set(found[1])) if found else ()


def package_state(package_dir: Path | None = None) -> str | None:
    """A digest of the package's file listing with each file's size, mtime, ctime and inode
    (any edit, new or removed file changes it); None when a file changed in the last
    digests.RACY_NS (its stamps could still be those of another content)."""
    package_dir = Path(package_dir or PACKAGE_DIR)
    h = hashlib.sha256(str(package_dir).encode())
    newest, now = 0, time.time_ns()
    for folder, dirs, files in os.walk(package_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                return None
            newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
            h.update(f"{os.path.relpath(os.path.join(folder, name), package_dir)}\0{st.st_size}:"
                     f"{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}\n".encode())
    return None if newest > now - digests.RACY_NS else h.hexdigest()


def _walk(source: Path, package_dir: Path) -> tuple[list[Path], set[str]] | None:
    """(casework files, library names) reached from the notebook's imports."""
    if not source.is_file():
        return None
    todo, libraries = (set(found) for found in _imports(source, "__notebook__", False))
    todo = list(todo)
    seen: dict[str, Path] = {}
    while todo:
        dotted = todo.pop()
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            name = ".".join(parts[:i])
            if name in seen:
                continue
            path = _module_file(package_dir, name)
            if path is None:
                continue  # an attribute, not a module
            seen[name] = path
            modules, used = _imports(path, name, path.name == "__init__.py")
            todo.extend(modules)
            libraries |= used
    return sorted(set(seen.values())), libraries


def modules_digest(source: Path, package_dir: Path | None = None,
                   walked: tuple | None = None) -> dict[str, str]:
    """package-relative path -> digest of each casework file the notebook depends on: the
    modules it imports and the data files beside them (published.yml, datapackage.json);
    the whole package when the imports cannot be read."""
    package_dir = Path(package_dir or PACKAGE_DIR)
    modules = imported_modules(source, package_dir, walked)
    if modules is None:
        return {"*": package_digest(package_dir)}
    files = set(modules)
    for folder in {m.parent for m in modules}:
        files.update(p for p in folder.iterdir() if p.is_file() and p.suffix not in (".py", ".pyc")
                     and p.name not in NOT_INPUTS)
    return {p.relative_to(package_dir).as_posix(): file_digest(p) for p in sorted(files)}


# --- library versions: the distributions a notebook imports, and what they require -------

# What runs every notebook and writes its executed copy (worker.py, execute.py): their
# versions count for every notebook, whatever it imports itself.
EXECUTION = ("papermill", "jupytext", "nbformat", "nbclient", "ipykernel")
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
_NAME = re.compile(r"[-_.]+")


def _normal(name: str) -> str:
    """A distribution name as PEP 503 normalizes it: 'PyYAML' -> 'pyyaml', 'a_b' -> 'a-b'."""
    return _NAME.sub("-", name).lower()


def installed() -> dict[str, str]:
    """Distribution (normalized name) -> version of everything installed on sys.path, read
    from the names of the *.dist-info / *.egg-info folders (name-version.dist-info), which
    is much faster than reading each METADATA file. The first on the path wins, as for imports."""
    found: dict[str, str] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            continue
        for p in sorted(folder.iterdir()):
            if p.suffix in (".dist-info", ".egg-info"):
                name, _, rest = p.stem.partition("-")
                found.setdefault(_normal(name), rest.split("-")[0] or "unknown")
    return found


def library_versions() -> str:
    """A digest of Python's version and every installed distribution's name and version
    (the environment as a whole; the cache keys use libraries_of, per notebook)."""
    h = hashlib.sha256(sys.version.encode())
    h.update("\n".join(f"{k}=={v}" for k, v in sorted(installed().items())).encode())
    return h.hexdigest()


def library_index(versions: dict[str, str], store: Path | None = None) -> tuple[dict, dict]:
    """(import name -> distributions providing it, distribution -> distributions it requires)
    for the environment `versions` describes. Reading every distribution's RECORD takes
    over a second, so the index is kept in `store` (.casework/libraries.json) for as long
    as the environment is the same (its name-version list and Python's version)."""
    environment = hashlib.sha256((sys.version + "\n" + json.dumps(versions, sort_keys=True)).encode()).hexdigest()
    if store is not None:
        try:
            doc = json.loads(store.read_text(encoding="utf-8"))
            if doc.get("environment") == environment:
                return doc["provides"], doc["requires"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    provides, requires = _index(environment)
    if store is not None:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            tmp = store.with_name(f".{store.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"environment": environment, "provides": provides,
                                       "requires": requires}, sort_keys=True), encoding="utf-8")
            os.replace(tmp, store)
        except OSError:
            pass  # a read-only project: the index is computed again next time
    return provides, requires


@lru_cache(maxsize=4)  # keyed by the environment's digest: recomputed when it changes
def _index(environment: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The index, from importlib.metadata: top_level.txt / RECORD, and Requires-Dist with
    markers evaluated for this interpreter (extras left out)."""
    from importlib import metadata

    from packaging.requirements import InvalidRequirement, Requirement
    provides = {top: sorted({_normal(d) for d in dists})
                for top, dists in metadata.packages_distributions().items()}
    requires: dict[str, list[str]] = {}
    for dist in metadata.distributions():
        name = _normal(dist.metadata["Name"] or "")
        if not name or name in requires:
            continue  # shadowed by one earlier on sys.path
        needed = set()
        for line in dist.requires or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                needed.add(_normal(req.name))
        requires[name] = sorted(needed)
    return provides, requires


def libraries_of(source: Path, package_dir: Path | None = None,
                 versions: dict[str, str] | None = None, index: tuple | None = None,
                 walked: tuple | None = None) -> dict[str, str]:
    """Distribution -> installed version of every library the notebook imports (itself or
    through casework modules), of what runs it (EXECUTION), and of everything those
    require, transitively; plus 'python'. What a researcher can read in the cache entry."""
    versions = installed() if versions is None else versions
    provides, requires = index or library_index(versions)
    todo = [d for top in sorted(imported_libraries(source, package_dir, walked) | set(EXECUTION))
            for d in provides.get(top, [])]
    seen: set[str] = set()
    while todo:
        dist = todo.pop()
        if dist in seen or dist not in versions:
            continue
        seen.add(dist)
        todo.extend(requires.get(dist, []))
    seen.discard("casework")  # its modules are keyed file by file (modules_digest)
    return {"python": sys.version.split()[0], **{d: versions[d] for d in sorted(seen)}}
