"""results/_build.json: how each notebook's current outputs were made.

The renderer reads it for each page's provenance footer. One entry per notebook:

    {"casework": "0.1.0",
     "notebooks": {"01_caseload": {
         "key": "caseload", "status": "executed" | "cached" | "failed",
         "source": "notebooks/01_caseload.py", "source_hash": "<12 hex>",
         "params": {...}, "params_hash": "<10 hex>", "data_dir": "data",
         "data_checksum": "<12 hex>", "synthetic": true, "package_hash": "<12 hex>",
         "seconds": 8.2, "error": "..." (failed only),
         "outputs": {"analyses/01_caseload.ipynb": "<sha256>", ...}}},
     "environment": {"os": ..., "python": "3.11.7", "cores": 2, "memory_gb": 23.4,
                     "packages": {"pandas": "2.3.3", ...}},
     "finished": "<UTC time of the last update>",
     "parameter_set": {"name": "params/default.yml", "layers": [[origin, {key: value}], ...]}}

Status "running" is written before a notebook's kernel starts and replaced when it
ends, so a build killed mid-way (SIGKILL included) leaves a record that says so;
`outputs` are the digests of the files the entry vouches for, so outputs changed
after the record (a killed build's half-written notebook) are noticed by the
renderer (casework.website.publish). `parameter_set` names the parameter layers of
the last run, from which every notebook's parameters must follow for a consistent site.

A build of some notebooks keeps the others' entries; entries of notebooks whose
source is gone are dropped.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from . import digests
from ..replication.environment import describe


def read_document(path: Path) -> dict:
    """The whole record ({} when absent or unreadable)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def read_record(path: Path) -> dict:
    return read_document(path).get("notebooks", {})


def update_record(path: Path, entries: dict[str, dict], existing: list[str],
                  parameter_set: dict | None = None) -> dict:
    """Merge this build's entries into the record; keep only notebooks in `existing`.
    parameter_set: the run's parameter layers (kept from the record when None)."""
    old = read_document(path)
    merged = {n: e for n, e in old.get("notebooks", {}).items() if n in existing}
    merged.update(entries)
    doc = {"casework": __version__, "notebooks": dict(sorted(merged.items())),
           "environment": describe(),  # library versions: what REPLICATION.md reports
           "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    parameter_set = parameter_set if parameter_set is not None else old.get("parameter_set")
    if parameter_set is not None:
        doc["parameter_set"] = parameter_set
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return doc


def output_digests(root: Path, files: list[Path]) -> dict[str, str]:
    """project-relative path -> sha256 of each output file an entry vouches for."""
    return {f.relative_to(root).as_posix(): digests.digest(f) for f in files}


def parameter_set_name(pset: dict) -> str:
    """How a recorded parameter set reads: 'params/x.yml -p key=value --data folder'."""
    parts = [str(pset.get("name") or "schema defaults")]
    parts += [f"-p {o}" for o in pset.get("overrides") or []]
    if pset.get("data_dir"):
        parts.append(f"--data {pset['data_dir']}")
    return " ".join(parts)
