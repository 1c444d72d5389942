"""The project's JupyterLab settings, merged into the environment's overrides.json.

`make lab` (after jupytext-config has made "Jupytext Notebook" the default viewer of .py
files) and the JupyterLab browser test call `apply`, so the test runs the server authors
get. Set here: no news or update prompt (@jupyterlab/apputils-extension:notification;
`fetchNews` takes the strings "true", "false" or "none", where "none" asks the user).
Other settings in the file are kept. No Jupyter import: it runs before the server starts.

    python -m casework.lab_settings .venv/share/jupyter/lab/settings/overrides.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

QUIET = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def apply(path: Path, settings: dict = QUIET) -> dict:
    """Merge `settings` (plugin by plugin, key by key) into the JSON file at path; return
    the file's new content. A file that is not a JSON object stops with one line."""
    path = Path(path)
    current = {}
    if path.is_file():
        try:
            current = json.loads(path.read_text(encoding="utf-8") or "{}")
        except json.JSONDecodeError as exc:
            raise SystemExit(f"error: {path}: not JSON ({exc.msg}, line {exc.lineno}); "
                             f"expected JupyterLab's overrides.json object")
        if not isinstance(current, dict):
            raise SystemExit(f"error: {path}: expected a JSON object of plugin settings")
    for plugin, values in settings.items():
        current[plugin] = {**current.get(plugin, {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return current


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m casework.lab_settings PATH/overrides.json")
    apply(Path(sys.argv[1]))
