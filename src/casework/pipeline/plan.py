"""The plan of a build: per notebook, its resolved parameters and its cache key.

Parameters are resolved in layers, later wins: schema defaults < parameter file
(--params, else params/default.yml when present) < -p overrides < --data. Every
value is validated here, before anything runs.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..paths import SOURCES, source_path
from . import fingerprint
from .parameters import ParameterError, parse_overrides, read_param_file, resolve
from .selection import discover, select

DEFAULT_PARAMS = Path("params") / "default.yml"


@dataclass
class Task:
    """One notebook to build, with everything its outputs depend on."""

    name: str
    source: Path
    params: dict
    data_dir: Path
    data: dict[str, str]  # file -> sha256 of what load() reads
    source_digest: str
    package_digest: str  # over the casework files the notebook imports (see modules)
    tables: list[str] | None = None  # tables the notebook reads; None: all
    modules: dict[str, str] | None = None  # casework file -> digest, as imported
    libraries: dict[str, str] | None = None  # distribution -> version, as imported (and python)

    @property
    def read_data(self) -> dict[str, str]:
        """The digests of the data files this notebook reads (and the package file)."""
        if self.tables is None:
            return self.data
        return {k: v for k, v in self.data.items() if k == "datapackage.json" or k in self.tables}

    @property
    def key(self) -> str:
        return fingerprint.cache_key(self.source_digest, self.params, self.read_data,
                                     self.package_digest, self.libraries or {})

    def inputs(self) -> dict:
        """What the key is made of, kept in the cache entry so --dry-run can say what changed."""
        return {"source": self.source_digest, "params": self.params, "data": self.read_data,
                "modules": self.modules or {}, "libraries": self.libraries or {}}


def parameter_layers(root: Path, params_file: Path | None, overrides: list[str],
                     data_dir: Path | None) -> list[tuple[str, dict]]:
    """The parameter layers over the schema defaults, each named for error messages."""
    layers = []
    path = params_file if params_file is not None else root / DEFAULT_PARAMS
    if params_file is not None or path.is_file():
        layers.append((_shown(path, root), read_param_file(path)))
    if overrides:
        layers.append(("-p", parse_overrides(overrides)))
    if data_dir is not None:
        layers.append(("--data", {"data_dir": _shown(data_dir, root)}))
    return layers


def parameter_set(root: Path, params_file: Path | None, overrides: list[str],
                  data_dir: Path | None) -> dict:
    """What names this run's parameter set in the build record and on every page: the
    parameter file (as given), the -p overrides, and the layers to re-resolve it from."""
    path = params_file if params_file is not None else root / DEFAULT_PARAMS
    name = _shown(path, root) if params_file is not None or path.is_file() else "schema defaults"
    layers = parameter_layers(root, params_file, overrides, data_dir)
    return {"name": name, "overrides": list(overrides),
            "data_dir": _shown(data_dir, root) if data_dir is not None else None,
            "layers": json.loads(json.dumps(layers, default=str))}


def _shown(path: Path, root: Path) -> str:
    """A path as the user gave it, made relative to the project when inside it (so the
    parameters, and so the cache key, do not depend on where the project lives)."""
    full = Path(os.path.abspath(path))
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        return str(full)


def make_plan(root: Path, notebooks: list[str], params_file: Path | None, overrides: list[str],
              data_dir: Path | None) -> list[Task]:
    """Select notebooks, resolve and validate their parameters, fingerprint their inputs."""
    names = select(notebooks, discover(root / SOURCES))
    if not names:
        raise ParameterError(f"no notebooks to run: {root / SOURCES} has no NN_name.py files")
    resolved = resolve(names, parameter_layers(root, params_file, overrides, data_dir))
    installed = fingerprint.installed()
    index = fingerprint.library_index(installed, root / ".casework" / "libraries.json")
    data_cache: dict[Path, dict[str, str]] = {}
    state = fingerprint.package_state()  # the walks of the imports are remembered under it
    tasks = []
    for name in names:
        params = resolved[name]
        folder = Path(params["data_dir"])
        folder = folder if folder.is_absolute() else root / folder
        if folder not in data_cache:
            data_cache[folder] = fingerprint.data_digests(folder)
        source = source_path(root, name)
        walked = fingerprint.walk(source, state=state)  # once for modules and libraries
        modules = fingerprint.modules_digest(source, walked=walked)
        tasks.append(Task(name=name, source=source, params=params, data_dir=folder,
                          data=data_cache[folder], source_digest=fingerprint.file_digest(source),
                          package_digest=hashlib.sha256(json.dumps(modules, sort_keys=True).encode()).hexdigest(),
                          tables=fingerprint.notebook_tables(source), modules=modules,
                          libraries=fingerprint.libraries_of(source, versions=installed, index=index,
                                                             walked=walked)))
    return tasks
