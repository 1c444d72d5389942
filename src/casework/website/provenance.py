"""What every page says about how it was made: the data notice and the build stamp.

The stamp names the git commit (short hash, '+dirty' with uncommitted changes),
one hash over every notebook's resolved parameters, the checksum of the data
folder and the build date. Notebook runs are read from `results/_build.json`
(written by `casework run`); where that file is absent, from the per-notebook
`results/NN_name.json` files that `nb.record` writes.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..notice import data_notice
from ..paths import NOTEBOOK_RESULTS
from ..pipeline import digests
from ..pipeline.fingerprint import table_paths
from .errors import RenderError

BUILD_FILE = "_build.json"


@dataclass(frozen=True)
class NotebookRun:
    """One notebook's last run, as the pipeline recorded it."""

    name: str
    params: dict
    data_dir: str = "data"
    params_hash: str | None = None
    data_checksum: str | None = None
    synthetic: bool | None = None
    status: str | None = None


@dataclass(frozen=True)
class BuildStamp:
    """The data notice and provenance shown on every page."""

    commit: str
    params_hash: str
    data_checksum: str
    date: str
    synthetic: bool
    notice: str
    runs: dict[str, NotebookRun]
    params_name: str = "not recorded"  # the parameter file and -p overrides (publish.parameter_summary)
    params_changed: str = "none"  # values differing from the schema defaults

    def variables(self) -> dict:
        """The `build` section of `_variables.yml`, cited by `_quarto.yml` and pages."""
        return {"notice": self.notice, "synthetic": self.synthetic,
                "data_kind": "synthetic data" if self.synthetic else "real data", "commit": self.commit,
                "params_hash": self.params_hash, "data_checksum": self.data_checksum,
                "params_name": self.params_name, "params_changed": self.params_changed,
                "date": self.date}


def notebook_runs(root: Path) -> dict[str, NotebookRun]:
    """Each notebook's parameters, hashes and data flag from the last `casework run`.

    results/_build.json (casework.pipeline.build_record) holds
    {"notebooks": {name: {params, params_hash, data_dir, data_checksum, synthetic, status, ...}}}.
    """
    results = root / "results"
    build = results / BUILD_FILE
    if build.is_file():
        doc = _read_json(build)
        notebooks = doc.get("notebooks") if isinstance(doc, dict) else None
        if not isinstance(notebooks, dict):
            raise RenderError(f"{build}: expected {{\"notebooks\": {{name: {{params, params_hash, "
                              "data_checksum, synthetic, status}}}}}}")
        return {name: _run(name, entry, build) for name, entry in sorted(notebooks.items())}
    runs = {}
    for path in sorted(results.glob("*.json")) if results.is_dir() else []:
        if not NOTEBOOK_RESULTS.match(path.name):
            continue  # _build.json, NN_name.comparison.json and the like
        doc = _read_json(path)
        runs[path.stem] = _run(doc.get("notebook", path.stem), doc, path)
    return runs


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RenderError(f"{path}: cannot read: {exc}") from None


def _run(name: str, entry, path: Path) -> NotebookRun:
    if not isinstance(entry, dict) or not isinstance(entry.get("params", {}), dict):
        raise RenderError(f"{path}: entry for {name!r} must be a mapping with a 'params' mapping")
    synthetic = entry.get("synthetic")
    params = entry.get("params", {})
    data_dir = entry.get("data_dir") or params.get("data_dir") or "data"
    return NotebookRun(name=name, params=params, data_dir=str(data_dir), params_hash=entry.get("params_hash"),
                       data_checksum=entry.get("data_checksum"),
                       synthetic=synthetic if isinstance(synthetic, bool) else None,
                       status=entry.get("status"))


def parameter_set_hash(runs: dict[str, NotebookRun]) -> str:
    """One short digest over every notebook's parameters: names the whole parameter set."""
    joined = json.dumps({name: run.params for name, run in sorted(runs.items())},
                        sort_keys=True, default=str)
    return hashlib.sha256(joined.encode()).hexdigest()[:10]


def data_folder(root: Path, runs: dict[str, NotebookRun]) -> Path:
    """The data folder the notebooks read (their data_dir), `data/` when none ran."""
    folders = sorted({run.data_dir for run in runs.values()}) or ["data"]
    if len(folders) > 1:
        raise RenderError(f"the notebooks in {root / 'results'} were run on different data folders "
                          f"({', '.join(folders)}): re-run them on one, e.g. "
                          f"`casework run --data {folders[0]}`")
    folder = Path(folders[0])
    return folder if folder.is_absolute() else root / folder


def data_checksum(folder: Path) -> str:
    """The checksum `casework.data.load` reports for the folder's codebook tables
    (Dataset.checksum: one digest over 'name:sha256;' of each table file, by name)."""
    sums = {name: digests.digest(folder / rel) for name, rel in table_paths().items()
            if (folder / rel).is_file()}
    return digests.short_checksum(sums) if sums else "none"


def package_flag(folder: Path) -> bool:
    """The data package's `synthetic` flag, read as JSON; a package the plain reading does
    not accept goes through the loader's checks, which name what is wrong."""
    try:
        flag = json.loads((folder / "datapackage.json").read_text(encoding="utf-8-sig")).get("synthetic")
    except (OSError, ValueError, AttributeError, RecursionError):
        flag = None
    if isinstance(flag, bool):
        return flag
    from ..data.load import read_package  # pandas: only for a package that needs its message
    return read_package(folder)["synthetic"]


def is_synthetic(folder: Path, runs: dict[str, NotebookRun]) -> bool:
    """Synthetic if the data folder says so or any notebook ran on synthetic data."""
    flags = [run.synthetic for run in runs.values() if run.synthetic is not None]
    if (folder / "datapackage.json").is_file():
        flags.append(package_flag(folder))
    if not flags:
        raise RenderError(f"cannot tell whether the data are synthetic: {folder / 'datapackage.json'} "
                          "is missing and no notebook results say; run `casework run` first")
    # Any synthetic input makes the site's numbers illustrative, so it wins.
    return any(flags)


def notice(synthetic: bool) -> str:
    """The data notice, worded once (casework.notice; Dataset.notice says the same)."""
    return data_notice(synthetic)


def git_commit(root: Path) -> str:
    """Short hash of HEAD, '+dirty' when files differ from it; 'unversioned' outside git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=True, timeout=20).stdout.strip()
    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain")
    except (OSError, subprocess.SubprocessError):
        return "unversioned"
    return commit + ("+dirty" if dirty else "")


def build_date() -> str:
    """UTC build time; SOURCE_DATE_EPOCH pins it for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (datetime.fromtimestamp(int(epoch), tz=timezone.utc) if epoch and epoch.isdigit()
              else datetime.now(timezone.utc))
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def build_stamp(root: Path) -> BuildStamp:
    """Everything the notice and footer show, for the project at root."""
    runs = notebook_runs(root)
    failed = [name for name, run in runs.items() if run.status == "failed"]
    if failed:
        raise RenderError(f"{root / 'results' / BUILD_FILE}: the last run of {', '.join(failed)} failed; "
                          "fix it and run `casework run` before rendering")
    folder = data_folder(root, runs)
    synthetic = is_synthetic(folder, runs)
    from .publish import parameter_summary
    params_name, params_changed = parameter_summary(root, runs)
    return BuildStamp(params_name=params_name, params_changed=params_changed,
                      commit=git_commit(root), params_hash=parameter_set_hash(runs),
                      data_checksum=data_checksum(folder), date=build_date(),
                      synthetic=synthetic, notice=notice(synthetic), runs=runs)
