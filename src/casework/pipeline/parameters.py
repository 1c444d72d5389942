"""Notebook parameters: one schema, resolved in layers, validated before any kernel starts.

Layers, later wins: schema defaults < parameter file (params/default.yml or --params)
< command-line overrides (-p key=value or -p notebook.key=value). A flat key applies
to every notebook that declares it; `notebook.key` (or a notebook section in the file)
applies to one.
"""
from __future__ import annotations

import hashlib
import json
import math
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .. import fastyaml

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
            raise ParameterError(f"parameter '{where}': value {_shown(value)} is not allowed"
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
            try:
                v = float(v)
            except OverflowError:  # an integer of hundreds of digits
                bad("not a finite number")
            if not math.isfinite(v):
                bad("not a finite number")
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


MAX_FILE_BYTES = 2**20  # a parameter file is a few lines; anything larger is not one
SHOWN_CHARS = 40  # longest value quoted in a message (a 5,000-digit number is not echoed)


def _shown(value) -> str:
    """A value as a message quotes it, shortened: repr, cut to SHOWN_CHARS characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > 128:
        try:
            digits = str(len(str(abs(value))))
        except ValueError:  # longer than Python converts to text
            digits = f"more than {_digit_limit()}"
        return f"(an integer of {digits} digits)"
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS - 3]}...' ({len(text)} characters)"


def _parse_text(text: str):
    """Text from the command line → bool/int/float where it looks like one."""
    if not text.isascii():
        return text  # int('２０１０') would accept full-width digits: keep it text, so refused
    low = text.strip().lower()
    if low in ("true", "yes"):
        return True
    if low in ("false", "no"):
        return False
    try:
        return int(text)
    except ValueError:  # also a number longer than Python converts (sys.int_info)
        pass
    try:
        return float(text)
    except ValueError:
        return text


@lru_cache(maxsize=1)
def schema() -> dict[str, dict[str, Spec]]:
    """notebook -> {parameter -> Spec}, common parameters included in each."""
    raw = _raw_schema()
    common = {k: _spec(k, v) for k, v in (raw.get("common") or {}).items()}
    return {nb: {**common, **{k: _spec(k, v) for k, v in (sec or {}).items()}}
            for nb, sec in raw["notebooks"].items()}


def _raw_schema() -> dict:
    st = SCHEMA_PATH.stat()
    return _parsed_schema(str(SCHEMA_PATH), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)  # read once per run, not once per notebook and rule check
def _parsed_schema(path: str, mtime_ns: int, size: int) -> dict:
    # libyaml's loader when PyYAML has it: the pure-Python one took seconds on a busy machine
    return fastyaml.load(Path(path).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Rule:
    """A cross-parameter rule of the schema's `rules:` list: `left op right`, checked in
    every notebook that has both parameters."""

    left: str
    op: str
    right: str
    help: str = ""

    OPS = {"<=": lambda a, b: a <= b, "<": lambda a, b: a < b,
           ">=": lambda a, b: a >= b, ">": lambda a, b: a > b}

    def broken(self, params: dict) -> bool:
        return (self.left in params and self.right in params
                and not self.OPS[self.op](params[self.left], params[self.right]))


def rules() -> list[Rule]:
    """The schema's cross-parameter rules, e.g. `{left: year_from, op: "<=", right: year_to}`."""
    return [Rule(r["left"], r["op"], r["right"], r.get("help", "")) for r in _raw_schema().get("rules") or []]


def check_rules(resolved: dict[str, dict], layers: list[tuple[str, dict]]) -> None:
    """Refuse resolved parameters that break a cross-parameter rule, naming the
    notebook, both values and where they were set."""
    for nb, params in resolved.items():
        for rule in rules():
            if rule.broken(params):
                origins = [o for o, values in layers for k in values
                           if k.rpartition(".")[2] in (rule.left, rule.right)
                           and k.rpartition(".")[0] in ("", nb)]
                raise ParameterError(
                    f"parameters of {nb}: {rule.left}={params[rule.left]!r} and {rule.right}="
                    f"{params[rule.right]!r} break the rule {rule.left} {rule.op} {rule.right}"
                    + (f" ({rule.help})" if rule.help else "")
                    + (f"; set in {', '.join(dict.fromkeys(origins))}" if origins else ""))


def unselected_keys(notebooks: list[str], layers: list[tuple[str, dict]]) -> list[str]:
    """Warnings for keys that reach none of the selected notebooks (they would be
    silently ignored): `02_x.key` when 02_x is not selected, a flat key no selected
    notebook has."""
    specs = schema()
    warnings = []
    for origin, values in layers:
        for key in values:
            nb, dot, name = key.rpartition(".")
            if dot and nb in specs and nb not in notebooks:
                warnings.append(f"warning: {origin}: '{key}' is ignored: notebook {nb} is not selected")
            elif not dot and origin != "--data" and not any(name in specs[n] for n in notebooks if n in specs):
                warnings.append(f"warning: {origin}: '{key}' is ignored: none of the selected notebooks "
                                f"({', '.join(notebooks)}) has it")
    return warnings


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
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise ParameterError(f"parameter file {path} does not exist") from None
    except OSError as exc:  # a name too long, a loop of links, no permission
        raise ParameterError(f"parameter file {path} cannot be read ({exc.strerror}); expected a "
                             "YAML file such as params/sensitivity.yml") from None
    if stat.S_ISDIR(mode):
        raise ParameterError(f"parameter file {path} is a folder; expected a YAML file such as "
                             "params/sensitivity.yml")
    if not stat.S_ISREG(mode):
        raise ParameterError(f"parameter file {path} is not a regular file (a device, pipe or "
                             "socket); expected a YAML file such as params/sensitivity.yml")
    data = load_yaml(path) or {}
    if not isinstance(data, dict):
        raise ParameterError(f"parameter file {path}: expected a mapping of key: value")
    notebooks = schema()
    flat = {}
    for k, v in data.items():
        if isinstance(v, dict):
            flat.update({f"{k}.{kk}": vv for kk, vv in v.items()})
        elif k in notebooks and v is not None:  # `01_caseload: 5`: a section without its keys
            raise ParameterError(f"parameter file {path}: section '{k}' is {_kind(v)}, not a mapping; "
                                 f"expected '{k}:' followed by indented 'key: value' lines "
                                 f"(parameters of {k}: {', '.join(notebooks[k])})")
        elif k not in notebooks:  # an empty section (`01_caseload:`) sets nothing
            flat[k] = v
    return flat


def _kind(value) -> str:
    return {bool: "true/false", int: "a number", float: "a number", str: "a text",
            list: "a list"}.get(type(value), "a value")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (YAML says keys are
    unique; PyYAML would silently keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ParameterError(f"line {key_node.start_mark.line + 1}: key '{key}' given twice "
                                     f"(first on line {seen[key] + 1}); keep one")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path):
    """A YAML file's content; every problem a ParameterError naming the file and line."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:  # no permission (e.g. /proc/1/mem), an I/O error
        raise ParameterError(f"parameter file {path} cannot be read ({exc.strerror}); expected a "
                             "readable YAML file such as params/sensitivity.yml") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ParameterError(f"parameter file {path} is larger than {MAX_FILE_BYTES // 2**20} MiB; "
                             "expected a few lines of key: value (params/sensitivity.yml)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ParameterError(f"parameter file {path}, line {line}: not UTF-8 text (byte "
                             f"0x{raw[exc.start]:02x}); save it as UTF-8") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except ParameterError as exc:
        raise ParameterError(f"parameter file {path}, {exc}") from None
    except ValueError:  # PyYAML's int() of a number longer than Python converts
        raise ParameterError(f"parameter file {path}{_long_number_line(text)}: a number too long to "
                             f"read (more than {_digit_limit()} digits); expected a value in the "
                             "parameter's range (see src/casework/pipeline/parameters.yml)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(f"parameter file {path}{where}: not valid YAML ({problem})") from None


def _digit_limit() -> int:
    import sys
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    return limit if limit > 0 else 4300


def _long_number_line(text: str) -> str:
    import re
    found = re.search(r"[0-9_]{%d,}" % _digit_limit(), text)
    return f", line {text.count(chr(10), 0, found.start()) + 1}" if found else ""


def resolve(notebooks: list[str], layers: list[tuple[str, dict]]) -> dict[str, dict]:
    """Resolved, validated parameters per notebook. layers: [(origin, {key: value})], later wins."""
    specs = schema()
    unknown_nb = [nb for nb in notebooks if nb not in specs]
    if unknown_nb:
        raise ParameterError(f"notebook(s) {', '.join(unknown_nb)} have no section in the parameter "
                             f"schema {SCHEMA_PATH.name}; known: {', '.join(specs)}")
    # Every notebook's parameters are resolved and checked, so a value for a notebook not
    # selected (`run 01 -p 04_x.key=bad`) is refused too; the selected ones are returned.
    resolved = {nb: {k: s.default for k, s in specs[nb].items()} for nb in specs}
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
                resolved[t][name] = specs[t][name].coerce(value, f"{key}" + (f" ({origin})" if origin else ""))
    check_rules(resolved, layers)
    return {nb: resolved[nb] for nb in notebooks}


def params_hash(params: dict) -> str:
    """Short stable digest of one notebook's resolved parameters."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:10]
