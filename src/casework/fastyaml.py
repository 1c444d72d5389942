"""YAML through libyaml when PyYAML was built with it: the same values and text as
yaml.safe_load / safe_dump, a fraction of the time (the no-op build reads _quarto.yml,
_variables.yml and every notebook header). Errors from libyaml say less; callers that
report a bad file read it again with the pure-Python loader for its message."""
from __future__ import annotations

from pathlib import Path

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load(text: str):
    """yaml.safe_load(text), through libyaml where available; yaml.YAMLError passes."""
    return yaml.load(text, Loader=LOADER)


def mapping_file(path: Path) -> dict | None:
    """The YAML mapping in a file; None when it is missing, unreadable, not YAML or not a
    mapping (the caller decides what that means)."""
    try:
        doc = load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return doc if isinstance(doc, dict) else None
