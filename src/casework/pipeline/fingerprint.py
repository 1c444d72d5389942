"""Fingerprints of everything a notebook's outputs depend on.

A notebook's outputs are a function of its source, its resolved parameters, the
data files it may read and the `casework` code it calls. The cache key is a
digest of those four. Everything here reads files and hashes bytes only, so that
a fully cached build never imports pandas (the no-op build must stay fast).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

# The `casework` package whose code every notebook calls. Tests point this at a
# fake package to check that a code change invalidates the cache.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# The codebook names the table files of a data folder. It is read as JSON here
# rather than through casework.data, whose import pulls in pandas and pandera.
CODEBOOK_PATH = Path(__file__).resolve().parents[1] / "data" / "datapackage.json"


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, or 'missing' (a missing input is a state too)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def package_digest(root: Path | None = None) -> str:
    """One digest over every file of the package (path and bytes), caches excluded."""
    root = Path(root or PACKAGE_DIR)
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
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


def data_checksum(digests: dict[str, str]) -> str:
    """The data folder's short checksum, computed as casework.data.Dataset.checksum is
    for a load of every table, so that it matches the stamp on the figures."""
    tables = {k: v for k, v in digests.items() if k != "datapackage.json"}
    joined = "".join(f"{k}:{v};" for k, v in sorted(tables.items()))
    return hashlib.sha256(joined.encode()).hexdigest()[:12]


def is_synthetic(data_dir: Path) -> bool | None:
    """The data package's `synthetic` flag, or None when it cannot be read."""
    try:
        flag = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8")).get("synthetic")
    except (OSError, ValueError, AttributeError):
        return None
    return flag if isinstance(flag, bool) else None


def cache_key(source_digest: str, params: dict, data: dict[str, str], package: str) -> str:
    """The digest a cached result must match: source, parameters, data, code."""
    doc = {"source": source_digest, "params": params, "data": data, "package": package}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
