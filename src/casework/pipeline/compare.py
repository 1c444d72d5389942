"""`casework compare A B`: what a second parameter set moves, side by side.

A and B are build folders (a site rendered by `casework render` or `casework build
--out DIR` carries its values in `_casework/values.json`) or parameter files (built
here, one after the other, through the cache). The page lists every recorded value
that moved, by how much, and the conclusions that flipped: a p-value crossing its
notebook's level (1 - confidence), an estimate changing sign, a scorecard row
changing status (published value inside the interval, sign agreement).

Values are paired by their full identity, never by a label alone: a recorded value by
(notebook, name), a scorecard row by (notebook, study, section, estimate), where the
section names the model (e.g. "Table 1, closed cases"), and, should two rows still
share all four, by their order among those rows. Comparing parameter files builds
both sets in the project and then puts its build back as it was
(casework.pipeline.preserve): the published site and `results/` never change.
"""
from __future__ import annotations

import csv
import html
import json
import math
import os
import re
from pathlib import Path

from .build_record import parameter_set_name

SNAPSHOT = Path("_casework") / "values.json"
GENERATOR = "<meta name='generator' content='casework compare'>"  # marks pages compare may replace
LEGACY_TITLE = "<title>Comparison of two builds</title>"  # pages written before GENERATOR
P_VALUE = re.compile(r"(^p$|^p_|_p$|_p_|p_value)")


def snapshot(root: Path) -> dict:
    """The values of the build now in the project: parameter set, each notebook's
    parameters and recorded values, the scorecard rows."""
    from .build_record import read_document
    record = read_document(root / "results" / "_build.json")
    notebooks = {}
    for path in sorted((root / "results").glob("*.json")):
        if path.name.startswith("_") or path.name.count(".") > 1 or path.stem == "scorecard":
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("values"), dict):
            entry = record.get("notebooks", {}).get(path.stem, {})
            notebooks[path.stem] = {"params": entry.get("params", doc.get("params", {})),
                                    "values": doc["values"]}
    scorecard = []
    card = root / "results" / "scorecard.csv"
    if card.is_file():
        with card.open(encoding="utf-8", newline="") as f:
            scorecard = list(csv.DictReader(f))
    return {"parameter_set": record.get("parameter_set"), "notebooks": notebooks, "scorecard": scorecard}


def write_snapshot(root: Path, site: Path) -> None:
    """Store the build's values inside a site folder, for `casework compare`."""
    path = site / SNAPSHOT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(snapshot(root), indent=1, sort_keys=True, default=str) + "\n",
                    encoding="utf-8")


def read_snapshot(folder: Path) -> dict:
    path = folder / SNAPSHOT
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ValueError(f"{folder}: not a build folder ({SNAPSHOT} missing); render one with "
                         "`casework render` or `casework build --params FILE --out DIR`") from None
    except ValueError as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _level(params: dict) -> float:
    conf = params.get("confidence")
    return 1 - conf if isinstance(conf, (int, float)) else 0.05


def differences(a: dict, b: dict) -> dict:
    """moved: value rows that differ; flipped: conclusions that changed."""
    moved, flipped = [], []
    for nb in sorted(set(a["notebooks"]) | set(b["notebooks"])):
        va = a["notebooks"].get(nb, {}).get("values", {})
        vb = b["notebooks"].get(nb, {}).get("values", {})
        la = _level(a["notebooks"].get(nb, {}).get("params", {}))
        lb = _level(b["notebooks"].get(nb, {}).get("params", {}))
        for name in sorted(set(va) | set(vb)):
            x, y = va.get(name, {}).get("value"), vb.get(name, {}).get("value")
            if x == y:
                continue
            nx, ny = _number(x), _number(y)
            by = ""
            if nx is not None and ny is not None and math.isfinite(nx) and math.isfinite(ny):
                by = f"{ny - nx:+.4g}" + (f" ({(ny - nx) / abs(nx):+.1%})" if nx else "")
            moved.append({"notebook": nb, "value": name, "a": va.get(name, {}).get("display", "(absent)"),
                          "b": vb.get(name, {}).get("display", "(absent)"), "by": by})
            if nx is None or ny is None:
                continue
            if P_VALUE.search(name) and (nx < la) != (ny < lb):
                flipped.append({"notebook": nb, "what": name, "kind": "significance",
                                "change": f"{'significant' if nx < la else 'not significant'} at {la:g} -> "
                                          f"{'significant' if ny < lb else 'not significant'} at {lb:g}"})
            elif not P_VALUE.search(name) and nx * ny < 0:
                flipped.append({"notebook": nb, "what": name, "kind": "sign",
                                "change": f"{'positive' if nx > 0 else 'negative'} -> "
                                          f"{'positive' if ny > 0 else 'negative'}"})
    rows_a = scorecard_rows(a)
    for identity, r in scorecard_rows(b).items():
        before = rows_a.get(identity)
        if not before:
            continue
        for col, label in (("within", "published value inside the interval"),
                           ("sign_agrees", "sign agrees with the published one")):
            if (before.get(col) or "") != (r.get(col) or ""):
                what = f"{r.get('section')}: {r.get('estimate')}" if r.get("section") else r.get("estimate")
                flipped.append({"notebook": r.get("notebook"), "what": what, "kind": "scorecard",
                                "change": f"{label}: {before.get(col) or 'n/a'} -> {r.get(col) or 'n/a'}"})
    return {"moved": moved, "flipped": flipped}


IDENTITY = ("notebook", "study", "section", "estimate")  # a scorecard row's identity


def scorecard_rows(snap: dict) -> dict[tuple, dict]:
    """The snapshot's scorecard rows by identity: (notebook, study, section, estimate,
    n-th row with these four), so rows with one label under different models (sections)
    are never paired with each other."""
    rows, seen = {}, {}
    for r in snap.get("scorecard", []):
        four = tuple(r.get(k) or "" for k in IDENTITY)
        seen[four] = seen.get(four, -1) + 1
        rows[(*four, seen[four])] = r
    return rows


def set_name(snap: dict) -> str:
    return parameter_set_name(snap.get("parameter_set") or {})


def page(a: dict, b: dict, name_a: str, name_b: str) -> str:
    """The comparison as one self-contained HTML page."""
    diff = differences(a, b)
    esc = html.escape

    def table(rows, cols):
        if not rows:
            return "<p>None.</p>"
        head = "".join(f"<th>{esc(c)}</th>" for c in cols.values())
        body = "".join("<tr>" + "".join(f"<td>{esc(str(r[k]))}</td>" for k in cols) + "</tr>" for r in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{GENERATOR}<title>Comparison of two builds</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style></head><body>"
        f"<h1>Comparison of two builds</h1><p><b>A</b>: {esc(name_a)} ({esc(set_name(a))})<br>"
        f"<b>B</b>: {esc(name_b)} ({esc(set_name(b))})</p>"
        f"<h2>Conclusions that flipped ({len(diff['flipped'])})</h2>"
        + table(diff["flipped"], {"notebook": "notebook", "what": "value or estimate", "kind": "kind",
                                  "change": "A -> B"})
        + f"<h2>Values that moved ({len(diff['moved'])})</h2>"
        + table(diff["moved"], {"notebook": "notebook", "value": "value", "a": "A", "b": "B", "by": "B - A"})
        + "</body></html>\n")


def compare(root: Path, first: Path, second: Path, out: Path, stream) -> int:
    """Write the comparison page of two build folders or parameter files to `out`.
    Parameter files are built in the project, whose build is then put back as it was."""
    kinds = [_kind(arg) for arg in (first, second)]
    check_page(out)  # before anything is built
    snaps: list[dict] = []
    if "params" in kinds:
        from .preserve import preserved
        with preserved(root):
            code = _snapshots(root, (first, second), kinds, snaps, stream)
        if code:
            return code
    else:
        _snapshots(root, (first, second), kinds, snaps, stream)
    write_page(out, page(snaps[0], snaps[1], str(first), str(second)))
    diff = differences(*snaps)
    print(f"{len(diff['moved'])} values moved, {len(diff['flipped'])} conclusions flipped; see {out}",
          file=stream)
    return 0


def _kind(arg: Path) -> str:
    if arg.is_dir():
        return "site"
    if arg.suffix in (".yml", ".yaml") and arg.is_file():
        return "params"
    raise ValueError(f"{arg}: expected a build folder (e.g. _site) or a parameter file (.yml)")


def _snapshots(root: Path, args, kinds, snaps: list, stream) -> int:
    for arg, kind in zip(args, kinds):
        if kind == "site":
            snaps.append(read_snapshot(arg))
            continue
        from .run import run
        code = run([], arg, [], None, force=False, jobs=2, stream=stream)
        if code:
            return code
        snaps.append(snapshot(root))
    return 0


def check_page(out: Path) -> None:
    """Refuse to write the page over anything but a page `casework compare` wrote."""
    from ..website.destination import ALLOWED
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise ValueError(f"--out {out}: is a folder or link, not a page; expected an HTML file path "
                         "(e.g. _comparison/index.html)")
    if out.is_file():
        with out.open("rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
        if GENERATOR not in head and LEGACY_TITLE not in head:
            raise ValueError(f"--out {out}: is a file casework compare did not write; expected a new "
                             "path or a page an earlier comparison wrote; nothing was changed")
    for folder in (out.parent, *out.parent.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise ValueError(f"--out {out}: {folder} is not a folder; expected {ALLOWED}")
            break


def write_page(out: Path, text: str) -> None:
    """Write the page in one step (a temporary file renamed over it); a folder made for it
    carries casework's marker (casework.website.destination)."""
    from ..website.destination import mark
    folder = out.parent
    try:
        new = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if new:
            mark(folder)
        tmp = folder / f".{out.name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        raise ValueError(f"--out {out}: cannot write the page ({exc.strerror}); expected a path "
                         "in a writable folder on a disk with free space") from None
