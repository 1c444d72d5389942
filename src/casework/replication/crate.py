"""ro-crate-metadata.json: the package as a Workflow Run RO-Crate (rocrate library).

The workflow is the Makefile (`make report` runs every notebook and renders the
site); its parts are the notebooks. One CreateAction records the packaged run:
its inputs (the data files with SHA-256 checksums, the codebook, every resolved
parameter as a PropertyValue), its results (the site, executed notebooks, recorded
values, one file per exhibit), the commit and the time the build finished.
Profiles: Process Run Crate 0.6, Workflow Run Crate 0.6, Workflow RO-Crate 1.1
(RO-Crate 1.3, the rocrate library's default).
"""
from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from rocrate.model.computerlanguage import ComputerLanguage
from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

from ..paths import EXECUTED, SOURCES
from .archive import OUTPUTS, Staged
from .exhibits import Exhibit
from .lockfile import LOCK

WORKFLOW_RUN_CONTEXT = "https://w3id.org/ro/terms/workflow-run/context"
PROFILES = {"https://w3id.org/ro/wfrun/process/0.6": ("Process Run Crate", "0.6"),
            "https://w3id.org/ro/wfrun/workflow/0.6": ("Workflow Run Crate", "0.6"),
            "https://w3id.org/workflowhub/workflow-ro-crate/1.1": ("Workflow RO-Crate", "1.1")}
FORMATS = {".csv": "text/csv", ".md": "text/markdown", ".json": "application/json",
           ".ipynb": "application/x-ipynb+json", ".py": "text/x-python", ".png": "image/png",
           ".svg": "image/svg+xml", ".html": "text/html", ".pdf": "application/pdf",
           ".txt": "text/plain", ".yml": "application/yaml"}
DATATYPES = {bool: "Boolean", int: "Integer", float: "Float", str: "Text"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file(crate: ROCrate, folder: Path, rel: str, **properties):
    path = folder / rel
    props = {"name": rel, "sha256": sha256(path), "contentSize": str(path.stat().st_size),
             "encodingFormat": FORMATS.get(path.suffix, mimetypes.guess_type(rel)[0] or
                                           "application/octet-stream")}
    props.update(properties)
    return crate.add_file(None, rel, properties=props)


def build_crate(folder: Path, record: dict, staged: Staged, exhibits: list[Exhibit],
                commit: str) -> ROCrate:
    """The crate of the staged package folder (nothing is copied; only metadata is built)."""
    crate = ROCrate()
    crate.metadata.extra_contexts.append(WORKFLOW_RUN_CONTEXT)
    crate.name = "UN casework for human rights defenders: replication package"
    crate.description = ("Research compendium: notebooks, data (synthetic substitute for "
                         "confidential case data), locked environment and the outputs of one build.")
    crate.root_dataset["license"] = "https://spdx.org/licenses/MIT"
    crate.root_dataset["version"] = commit
    for pid, (name, version) in PROFILES.items():
        profile = crate.add(ContextEntity(crate, pid, properties={
            "@type": ["CreativeWork", "Profile"], "name": name, "version": version}))
        crate.root_dataset.append_to("conformsTo", profile)

    make = crate.add(ComputerLanguage(crate, "https://www.gnu.org/software/make/", properties={
        "name": "GNU Make", "url": {"@id": "https://www.gnu.org/software/make/"}}))
    python = crate.add(ComputerLanguage(crate, "https://www.python.org/", properties={
        "name": "Python", "url": {"@id": "https://www.python.org/"},
        "version": record.get("environment", {}).get("python", "")}))
    workflow = crate.add_workflow(None, "Makefile", main=True, lang=make, properties={
        "name": "make report: run every notebook, render the site and paper",
        "sha256": sha256(folder / "Makefile"), "version": commit})

    # Inputs: the data folder, its files, and every resolved notebook parameter.
    data_param = crate.add_formal_parameter("data_dir", "Dataset", identifier="#param-data_dir",
                                            description="data folder: datapackage.json and raw/*.csv")
    workflow.append_to("input", data_param)
    data = crate.add_dataset(None, "data/", properties={
        "name": "analysis data (synthetic substitute)", "exampleOfWork": data_param})
    inputs = [data]
    for rel in (s for s in staged.sources if s.startswith("data/")):
        extra = {}
        if rel.endswith("CODEBOOK.md"):
            extra = {"name": "codebook", "about": data}
        elif rel.endswith("datapackage.json"):
            extra = {"name": "data package (codebook and provenance)", "about": data,
                     "conformsTo": {"@id": "https://specs.frictionlessdata.io/tabular-data-package/"}}
        entity = _file(crate, folder, rel, **extra)
        data.append_to("hasPart", entity)
        inputs.append(entity)
    for name, entry in record.get("notebooks", {}).items():
        for key, value in sorted(entry.get("params", {}).items()):
            if key == "data_dir":
                continue
            slot = f"{name}.{key}"
            param = crate.add_formal_parameter(
                slot, DATATYPES.get(type(value), "PropertyValue"), identifier=f"#param-{slot}")
            workflow.append_to("input", param)
            inputs.append(crate.add(ContextEntity(crate, f"#pv-{slot}", properties={
                "@type": "PropertyValue", "name": slot, "value": str(value),
                "exampleOfWork": {"@id": param.id}})))

    # The workflow's parts: the notebooks (and the lock the environment is installed from).
    for rel in (s for s in staged.sources if s.startswith(f"{SOURCES}/") and s.endswith(".py")):
        nb = _file(crate, folder, rel, **{"@type": ["File", "SoftwareSourceCode"],
                                          "programmingLanguage": python})
        workflow.append_to("hasPart", nb)
    _file(crate, folder, LOCK.as_posix(), name="locked Python environment (pip, with hashes)")

    # Results.
    site_param = crate.add_formal_parameter("site", "Dataset", identifier="#param-site")
    workflow["output"] = site_param   # one slot: a single value, as RO-Crate 1.3 recommends
    results = [crate.add_dataset(None, f"{OUTPUTS}/site/", properties={
        "name": "the built website and paper", "exampleOfWork": site_param})]
    for rel in staged.outputs:
        if rel.startswith(f"{OUTPUTS}/{EXECUTED}/") or rel.startswith(f"{OUTPUTS}/results/") \
                or rel.endswith(".pdf"):
            results.append(_file(crate, folder, rel))
    for exhibit in exhibits:
        rel = staged.exhibits.get(exhibit.label)
        if rel:
            results.append(_file(crate, folder, rel, name=f"{exhibit.number}: {exhibit.label}",
                                 description=exhibit.caption,
                                 isPartOf={"@id": f"{OUTPUTS}/site/"}))

    env = record.get("environment", {})
    action = crate.add_action(workflow, "#build", object=inputs, result=results, properties={
        "@type": "CreateAction", "name": f"casework build of commit {commit}",
        "actionStatus": {"@id": "http://schema.org/CompletedActionStatus"},
        "description": f"Python {env.get('python', '?')} on {env.get('os', '?')}, "
                       f"{env.get('cores', '?')} cores"})
    if record.get("finished"):
        action["endTime"] = record["finished"]
    crate.root_dataset["mentions"] = action
    readme = _file(crate, folder, "REPLICATION.md", name="replication README", about=crate.root_dataset)
    crate.root_dataset["subjectOf"] = readme
    return crate


def write_crate(folder: Path, record: dict, staged: Staged, exhibits: list[Exhibit], commit: str) -> Path:
    crate = build_crate(folder, record, staged, exhibits, commit)
    crate.metadata.write(folder)
    return folder / "ro-crate-metadata.json"


def check_crate(folder: Path, exhibits: list[Exhibit] | None = None) -> list[str]:
    """Problems of the crate in folder, read back with the rocrate library ([] = valid).

    Checks what the Workflow Run Crate profile requires (profiles, a ComputationalWorkflow
    as mainEntity, a CreateAction whose instrument it is) and that every file entity
    exists with its recorded SHA-256, and every exhibit has an output file entity.
    """
    problems: list[str] = []
    try:
        crate = ROCrate(folder)
    except (ValueError, OSError, KeyError) as exc:
        return [f"{folder}: not a readable RO-Crate ({exc})"]
    profiles = {p.id if hasattr(p, "id") else p["@id"]
                for p in _as_list(crate.root_dataset.get("conformsTo"))}
    problems += [f"root dataset does not conform to {p}" for p in PROFILES if p not in profiles]
    main = crate.mainEntity
    if main is None or "ComputationalWorkflow" not in _as_list(main.type):
        problems.append("mainEntity is not a ComputationalWorkflow")
    actions = [a for a in crate.get_by_type("CreateAction")
               if main is not None and getattr(a.get("instrument"), "id", None) == main.id]
    if not actions:
        problems.append("no CreateAction has the main workflow as instrument")
    for entity in crate.get_by_type("File"):
        path = Path(folder) / entity.id
        if not path.is_file():
            problems.append(f"{entity.id}: listed in the crate but missing")
        elif entity.get("sha256") and entity["sha256"] != sha256(path):
            problems.append(f"{entity.id}: SHA-256 differs from the crate's")
    listed = {e.id for e in crate.get_by_type("File")}
    for exhibit in exhibits or []:
        if not any(i.startswith(f"{OUTPUTS}/exhibits/{exhibit.label}.") for i in listed):
            problems.append(f"{exhibit.number} ({exhibit.label}): no output file in the crate")
    return problems


def _as_list(value) -> list:
    return value if isinstance(value, list) else ([] if value is None else [value])
