"""Notebook parameters: one schema, resolved in layers, validated before any kernel starts.

Layers, later wins: schema defaults < parameter file (params/default.yml or --params)
< command-line overrides (-p key=value or -p notebook.key=value). A flat key applies
to every notebook that declares it; `notebook.key` (or a notebook section in the file)
applies to one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SCHEMA_PATH = Path(__file__).with_name("parameters.yml")


class ParameterError(ValueError):
    """A parameter problem, naming the key, the value and what is allowed."""


@dataclass(frozen=True)
class Spec:
    name: str
    type: str
    default: object
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None

    def allowed(self) -> str:
        if self.type == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        rng = ""
        if self.min is not None or self.max is not None:
            rng = f" in [{self.min if self.min is not None else '-inf'}, {self.max if self.max is not None else 'inf'}]"
        return {"int": "an integer", "float": "a number", "bool": "true or false",
                "str": "a string", "path": "a folder path"}[self.type] + rng

    def coerce(self, value, where: str):
        """Check (and for text from -p, convert) one value; raise ParameterError if bad."""
        def bad(reason: str = ""):
            raise ParameterError(f"parameter '{where}': value {value!r} is not allowed"
                                 f"{': ' + reason if reason else ''}; expected {self.allowed()}")
        v = value
        if isinstance(v, str) and self.type in ("int", "float", "bool"):
            v = _parse_text(v)
        if self.type == "bool":
            if not isinstance(v, bool):
                bad()
        elif self.type == "int":
            if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
                bad()
            v = int(v)
        elif self.type == "float":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                bad()
            v = float(v)
        elif self.type in ("str", "path"):
            if not isinstance(v, str) or not v:
                bad()
        elif self.type == "choice":
            if isinstance(v, str) and v not in self.choices:
                v2 = _parse_text(v)
                v = v2 if v2 in self.choices else v
            if v not in self.choices:
                bad()
        if self.min is not None and v < self.min:
            bad(f"below minimum {self.min}")
        if self.max is not None and v > self.max:
            bad(f"above maximum {self.max}")
        return v


def _parse_text(text: str):
    """Text from the command line → bool/int/float where it looks like one."""
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


@lru_cache(maxsize=1)
def schema() -> dict[str, dict[str, Spec]]:
    """notebook -> {parameter -> Spec}, common parameters included in each."""
    raw = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    common = {k: _spec(k, v) for k, v in (raw.get("common") or {}).items()}
    return {nb: {**common, **{k: _spec(k, v) for k, v in (sec or {}).items()}}
            for nb, sec in raw["notebooks"].items()}


def _spec(name: str, d: dict) -> Spec:
    return Spec(name=name, type=d["type"], default=d["default"], help=d.get("help", ""),
                min=d.get("min"), max=d.get("max"),
                choices=tuple(d["choices"]) if "choices" in d else None)


def parse_overrides(items: list[str]) -> dict:
    """['a=1', 'nb.b=x'] -> {'a': '1', 'nb.b': 'x'} (values stay text until validated)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"-p {item!r}: expected key=value (or notebook.key=value)")
        out[key.strip()] = value
    return out


def read_param_file(path: Path) -> dict:
    """A parameter set: flat keys, and notebook sections {notebook: {key: value}}."""
    if not path.is_file():
        raise ParameterError(f"parameter file {path} does not exist")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ParameterError(f"parameter file {path}: expected a mapping of key: value")
    flat = {}
    for k, v in data.items():
        if isinstance(v, dict):
            flat.update({f"{k}.{kk}": vv for kk, vv in v.items()})
        else:
            flat[k] = v
    return flat


def resolve(notebooks: list[str], layers: list[tuple[str, dict]]) -> dict[str, dict]:
    """Resolved, validated parameters per notebook. layers: [(origin, {key: value})], later wins."""
    specs = schema()
    unknown_nb = [nb for nb in notebooks if nb not in specs]
    if unknown_nb:
        raise ParameterError(f"notebook(s) {', '.join(unknown_nb)} have no section in the parameter "
                             f"schema {SCHEMA_PATH.name}; known: {', '.join(specs)}")
    resolved = {nb: {k: s.default for k, s in specs[nb].items()} for nb in notebooks}
    for origin, values in layers:
        for key, value in values.items():
            nb, dot, name = key.rpartition(".")
            targets = [nb] if dot else [n for n in specs if name in specs[n]]
            if dot and nb not in specs:
                raise ParameterError(f"{origin}: '{key}' names unknown notebook '{nb}'; "
                                     f"known: {', '.join(specs)}")
            if not targets or (dot and name not in specs[nb]):
                raise ParameterError(f"{origin}: unknown parameter '{key}'; known: "
                                     f"{', '.join(sorted({k for s in specs.values() for k in s}))}")
            for t in targets:
                if t in resolved:
                    resolved[t][name] = specs[t][name].coerce(value, f"{key}" + (f" ({origin})" if origin else ""))
    return resolved


def params_hash(params: dict) -> str:
    """Short stable digest of one notebook's resolved parameters."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:10]
