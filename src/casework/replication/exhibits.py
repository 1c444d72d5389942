"""The paper's exhibits: every figure and table, the notebook cell that makes it, its file.

The paper embeds each exhibit from an executed notebook
(`{{< embed ../analyses/NN_name.ipynb#fig-x >}}`); the cell carrying `#| label: fig-x`
in notebooks/NN_name.py makes it. Quarto numbers figures and tables separately,
in order of appearance, so Figure 1 is the first embedded `fig-` label.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import EXECUTED, source_path

EMBED = re.compile(r"\{\{<\s*embed\s+(?P<target>[^#\s>]+)#(?P<label>(?:fig|tbl)-[\w-]+)\s*>\}\}")
CELL_OPTION = re.compile(r"^#\|\s*(?P<key>[\w-]+)\s*:\s*(?P<value>.*)$")
# What a labelled cell shows, best first: the file kind an exhibit is written as.
OUTPUT_KINDS = (("image/png", ".png", True), ("image/svg+xml", ".svg", False),
                ("text/html", ".html", False), ("text/plain", ".txt", False))


class ExhibitError(ValueError):
    """An embed names a notebook or cell label that does not exist."""


@dataclass(frozen=True)
class Exhibit:
    label: str          # fig-timeline
    number: str         # "Figure 1", "Table 2"
    notebook: str       # 01_caseload
    caption: str        # the cell's fig-cap / tbl-cap
    source: str         # notebooks/01_caseload.py (project-relative)

    @property
    def kind(self) -> str:
        return "figure" if self.label.startswith("fig-") else "table"


def paper_exhibits(root: Path, paper: str = "paper/paper.qmd") -> list[Exhibit]:
    """Every figure and table the paper embeds, numbered as the paper numbers them."""
    text = (Path(root) / paper).read_text(encoding="utf-8")
    exhibits, counts, seen = [], {"fig": 0, "tbl": 0}, set()
    for match in EMBED.finditer(text):
        label = match["label"]
        if label in seen:
            continue
        seen.add(label)
        notebook = Path(match["target"]).stem
        source = source_path(root, notebook)
        if not source.is_file():
            line = text.count("\n", 0, match.start()) + 1
            raise ExhibitError(f"{paper}, line {line}: embeds {notebook}#{label}, "
                               f"but {source.relative_to(root)} does not exist")
        options = cell_options(source, label)
        if options is None:
            line = text.count("\n", 0, match.start()) + 1
            raise ExhibitError(f"{paper}, line {line}: no cell labelled '{label}' in "
                               f"{source.relative_to(root).as_posix()}")
        prefix = label[:3]
        counts[prefix] += 1
        name = "Figure" if prefix == "fig" else "Table"
        exhibits.append(Exhibit(label, f"{name} {counts[prefix]}", notebook,
                                options.get(f"{prefix}-cap", "").strip().strip('"'),
                                source.relative_to(root).as_posix()))
    return exhibits


def cell_options(source: Path, label: str) -> dict[str, str] | None:
    """The `#|` options of the cell labelled `label` in a jupytext percent source, or None."""
    for cell in re.split(r"(?m)^# %%.*$", source.read_text(encoding="utf-8")):
        options = {}
        for line in cell.strip().splitlines():
            match = CELL_OPTION.match(line.strip())
            if not match:
                break
            options[match["key"]] = match["value"]
        if options.get("label") == label:
            return options
    return None


def write_output(root: Path, exhibit: Exhibit, folder: Path) -> Path | None:
    """Write the exhibit's output from the executed notebook to folder/<label>.<ext>.

    Returns the file, or None when the notebook was not executed or the cell shows nothing.
    """
    executed = Path(root) / EXECUTED / f"{exhibit.notebook}.ipynb"
    if not executed.is_file():
        return None
    cells = json.loads(executed.read_text(encoding="utf-8")).get("cells", [])
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if not re.search(rf"(?m)^#\|\s*label:\s*{re.escape(exhibit.label)}\s*$", source):
            continue
        for mime, ext, binary in OUTPUT_KINDS:
            for output in cell.get("outputs", []):
                data = output.get("data", {}).get(mime)
                if data is None:
                    continue
                body = "".join(data) if isinstance(data, list) else data
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{exhibit.label}{ext}"
                if binary:
                    target.write_bytes(base64.b64decode(body))
                else:
                    target.write_text(body, encoding="utf-8")
                return target
        return None
    return None
