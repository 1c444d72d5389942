"""`casework verify`: does this build reproduce the reference build, value by value?

Tolerance by kind (the kind nb.record was given, else the one the value's type implies):

- counts, decisions (booleans), strings, signs and missing values: exact;
- estimates and p-values: relative 1e-8, with an absolute floor of 1e-10 for values
  near zero. Summing n terms of size at most 1 in another order moves the result by up
  to about n * 2.2e-16; with n up to 1e5 (the largest sums here run over ~12,000 cases)
  that is 2e-11, so a value that cancels to near zero can differ by that much in
  absolute terms while no reported digit moves;
- Monte Carlo quantities (kind "mc", or any value recorded with an mcse): within three
  of the reference's Monte Carlo standard errors (never tighter than an estimate's).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TextIO

from .reference import EXACT_KINDS, MC_KIND, NUMERIC_KINDS, Value

RELATIVE = 1e-8
ABSOLUTE_FLOOR = 1e-10
MC_SES = 3.0


@dataclass(frozen=True)
class Drift:
    """A value of the build that is not the reference's within its tolerance."""

    notebook: str
    key: str
    reference: object
    now: object
    allowed: str

    def line(self) -> str:
        return (f"{self.notebook}\t{self.key}\treference {_show(self.reference)}\t"
                f"now {_show(self.now)}\tallowed {self.allowed}")


MISSING = object()   # a value one side does not have at all


def _show(value) -> str:
    return "(absent)" if value is MISSING else repr(value)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numeric_allowed(reference: float) -> float:
    """The absolute difference an estimate or p-value may show."""
    return max(RELATIVE * abs(reference), ABSOLUTE_FLOOR)


def allowed(ref: Value) -> tuple[float | None, str]:
    """(absolute tolerance or None for exact, its description) for a reference value."""
    if ref.kind in EXACT_KINDS or not _number(ref.value):
        return None, "exact"
    if ref.kind == MC_KIND and ref.mcse is not None and math.isfinite(ref.mcse):
        tol = max(MC_SES * ref.mcse, numeric_allowed(ref.value))
        return tol, f"±{tol:.3g} (3 Monte Carlo SE of {ref.mcse:.3g})"
    tol = numeric_allowed(ref.value)
    return tol, f"±{tol:.3g} (relative {RELATIVE:g}, floor {ABSOLUTE_FLOOR:g})"


def _sign(value) -> int:
    return (value > 0) - (value < 0)


def agrees(ref: Value, now: Value) -> bool:
    """Whether now is the reference value within the reference's tolerance."""
    if ref.kind == "sign" and _number(ref.value) and _number(now.value):
        return _sign(ref.value) == _sign(now.value)
    tol, _ = allowed(ref)
    if tol is None:
        return type(ref.value) is type(now.value) and ref.value == now.value \
            or (_number(ref.value) and _number(now.value) and ref.value == now.value)
    if not _number(now.value):
        return False
    return abs(now.value - ref.value) <= tol


def compare(reference: list[Value], build: list[Value]) -> tuple[list[Drift], int]:
    """Drifted values (missing or extra on either side included) and how many were compared."""
    ref_by = {(v.notebook, v.key): v for v in reference}
    now_by = {(v.notebook, v.key): v for v in build}
    drifts = []
    for key, ref in ref_by.items():
        now = now_by.get(key)
        if now is None:
            drifts.append(Drift(*key, ref.value, MISSING, "present"))
        elif not agrees(ref, now):
            drifts.append(Drift(*key, ref.value, now.value, allowed(ref)[1]))
    for key, now in now_by.items():
        if key not in ref_by:
            drifts.append(Drift(*key, MISSING, now.value, "absent (not in the reference)"))
    return drifts, len(set(ref_by) | set(now_by))


def report(drifts: list[Drift], compared: int, reference_name: str, out: TextIO) -> int:
    """Print one line per drifted value and a summary line; the exit code (1 on drift)."""
    for d in drifts:
        print(d.line(), file=out)
    if drifts:
        print(f"verify: {len(drifts)} of {compared} values drifted from {reference_name}",
              file=out)
        return 1
    print(f"verify: all {compared} values match {reference_name} (exact, relative {RELATIVE:g} "
          f"or 3 Monte Carlo SE by kind)", file=out)
    return 0


def build_problem(root, params_file, remedy: str) -> str | None:
    """Why the last build in root is not a complete build of params_file (None: it is);
    remedy ends the message (what to do about it)."""
    from ..paths import EXECUTED, SOURCES
    from ..website.publish import problems
    from .build_record import read_document
    from .plan import parameter_set
    from .selection import discover
    doc = read_document(root / "results" / "_build.json")
    if not isinstance(doc.get("notebooks"), dict):
        return f"results/_build.json is missing: no build to compare; {remedy}"
    wanted = parameter_set(root, params_file, [], None)
    pset = doc.get("parameter_set") or {}
    if pset.get("layers") != wanted["layers"] or pset.get("overrides") or pset.get("data_dir"):
        return (f"the last build ran parameter set {pset.get('name', 'unknown')!r}"
                f"{' with -p ' + ' '.join(pset['overrides']) if pset.get('overrides') else ''}"
                f"{' on ' + pset['data_dir'] if pset.get('data_dir') else ''}, not "
                f"{wanted['name']!r}; {remedy}")
    pages = [f"{EXECUTED}/{name}.ipynb" for name in discover(root / SOURCES)]
    found = problems(root, pages)
    return f"the last build is incomplete ({found[0]}); {remedy}" if found else None


def verify(root, params_file, build: bool, out: TextIO, err: TextIO) -> int:
    """Compare root's build of params_file with its committed reference; the exit code.

    0: every value within its tolerance; 1: drift (one line per value, then a summary);
    2: no reference for these parameters, or no complete build to compare.
    """
    from .reference import ReferenceError, read_reference, reference_path
    ref_path = reference_path(root, params_file)
    shown = ref_path.relative_to(root).as_posix()
    if not ref_path.is_file():
        what = "the default parameters" if params_file is None else str(params_file)
        print(f"error: no reference build is committed for {what} (expected {shown}; "
              f"`make reference{'' if params_file is None else ' PARAMS=' + str(params_file)}` "
              "writes one)", file=err)
        return 2
    try:
        reference = read_reference(ref_path)
    except ReferenceError as exc:
        print(f"error: {exc}", file=err)
        return 2
    if build:
        from ..cli import main
        code = main(["build", *(["--params", str(params_file)] if params_file else [])])
        if code:
            print(f"error: the build failed (exit {code}); nothing verified", file=err)
            return code
    now = _built_values(root, params_file, "build it (drop --no-build)", err)
    if now is None:
        return 2
    drifts, compared = compare(reference, now)
    return report(drifts, compared, shown, out)


def write_current(root, params_file, out: TextIO, err: TextIO) -> int:
    """Write the reference of params_file from the last build (which must be a complete one)."""
    from .reference import reference_path, write_reference
    values = _built_values(root, params_file, "build it first (`make reference` does)", err)
    if values is None:
        return 2
    path = reference_path(root, params_file)
    name = "params/default.yml" if params_file is None else str(params_file)
    write_reference(values, path, (
        f"Reference build of {name}: every value the build records (results/*.json, the "
        "scorecard, results/tables/*.csv), written by `make reference`.\n"
        "`casework verify` compares a build with it: counts, decisions, strings, signs exact; "
        "estimates and p-values relative 1e-8 (absolute floor 1e-10);\n"
        "Monte Carlo quantities (kind mc) within 3 of their Monte Carlo SE (column mcse). "
        "Values are Python reprs (floats at full precision)."))
    print(f"wrote {path.relative_to(root).as_posix()} ({len(values)} values)", file=out)
    return 0


def _built_values(root, params_file, hint: str, err: TextIO):
    """Every value the last (complete) build of params_file recorded, or None after a
    one-line error naming what is missing."""
    from .reference import ReferenceError, collect
    problem = build_problem(root, params_file, hint)
    if problem:
        print(f"error: {problem}", file=err)
        return None
    try:
        return collect(root)
    except ReferenceError as exc:
        print(f"error: {exc}", file=err)
        return None
