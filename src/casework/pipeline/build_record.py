"""results/_build.json: how each notebook's current outputs were made.

The renderer reads it for each page's provenance footer. One entry per notebook:

    {"casework": "0.1.0",
     "notebooks": {"01_caseload": {
         "key": "caseload", "status": "executed" | "cached" | "failed",
         "source": "notebooks/01_caseload.py", "source_hash": "<12 hex>",
         "params": {...}, "params_hash": "<10 hex>", "data_dir": "data",
         "data_checksum": "<12 hex>", "synthetic": true, "package_hash": "<12 hex>",
         "seconds": 8.2, "error": "..." (failed only)}},
     "environment": {"os": ..., "python": "3.11.7", "cores": 2, "memory_gb": 23.4,
                     "packages": {"pandas": "2.3.3", ...}}}

A build of some notebooks keeps the others' entries; entries of notebooks whose
source is gone are dropped.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..replication.environment import describe


def read_record(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc.get("notebooks", {}) if isinstance(doc, dict) else {}


def update_record(path: Path, entries: dict[str, dict], existing: list[str]) -> dict:
    """Merge this build's entries into the record; keep only notebooks in `existing`."""
    merged = {n: e for n, e in read_record(path).items() if n in existing}
    merged.update(entries)
    doc = {"casework": __version__, "notebooks": dict(sorted(merged.items())),
           "environment": describe(),  # library versions: what REPLICATION.md reports
           "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return doc
