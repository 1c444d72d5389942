"""The published numbers (src/casework/data/published.yml, copied from the studies' texts)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

PUBLISHED_PATH = Path(__file__).parent / "data" / "published.yml"


@lru_cache(maxsize=1)
def published() -> dict:
    """Every published figure we calibrate to and compare against, keyed as in the YAML."""
    return yaml.safe_load(PUBLISHED_PATH.read_text(encoding="utf-8"))
