"""`casework package`: the deposit zip lists every exhibit, its crate validates, and it
builds from an empty folder with `make report` to the numbers it ships.

One archive is made from the compendium's own build (the built_project fixture) and
unpacked once; the replay is the one expensive step (a fresh .venv from the lock, then
every notebook), so it runs once, in the module-scoped fixture.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from casework.replication.archive import PackageError, package
from casework.replication.crate import check_crate
from casework.replication.exhibits import paper_exhibits
from casework.replication.readme import settings

NOT_INHERITED = ("CASEWORK_ROOT", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "MAKEFLAGS", "MFLAGS")


@pytest.fixture(scope="module")
def archive(built_project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("deposit") / "package.zip"
    made = subprocess.run([sys.executable, "-m", "casework.cli", "package", "--out", str(out)],
                          cwd=built_project, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr[-3000:]
    assert made.stdout.strip() == f"wrote {out}"
    return out


@pytest.fixture(scope="module")
def unpacked(archive, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("empty") / "deposit"
    folder.mkdir()
    with zipfile.ZipFile(archive) as z:
        z.extractall(folder)
    return folder


def test_replication_readme_lists_every_exhibit_with_notebook_cell_and_file(archive, built_project):
    with zipfile.ZipFile(archive) as z:
        readme, names = z.read("REPLICATION.md").decode(), set(z.namelist())
    exhibits = paper_exhibits(built_project)
    assert len(exhibits) == len(re.findall(r"\{\{< embed ", (built_project / "paper/paper.qmd").read_text()))
    for e in exhibits:
        rows = [line for line in readme.splitlines() if line.startswith(f"| {e.number} |")]
        assert len(rows) == 1, e.number
        assert f"`{e.source}`" in rows[0] and f"`{e.label}`" in rows[0]
        output = re.search(r"`(outputs/exhibits/[^`]+)`", rows[0])
        assert output and output[1] in names, f"{e.number}: no output file in the archive"


def test_replication_readme_reports_measured_run_times_and_locked_versions(archive, built_project):
    with zipfile.ZipFile(archive) as z:
        readme = z.read("REPLICATION.md").decode()
        lock = z.read("requirements/lock.txt").decode()
    record = json.loads((built_project / "results" / "_build.json").read_text())
    for name, entry in record["notebooks"].items():
        seconds = float(entry["seconds"])
        shown = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
        assert f"| {name} | {shown} | {entry['status']}" in readme
    pandas = re.search(r"^pandas==(\S+)", lock, re.M)[1]
    assert f"| pandas | {pandas} |" in readme
    assert f"{record['environment']['cores']} cores" in readme
    assert "The packaged build ran on exactly the locked versions." in readme
    for section in ("## Data availability and provenance statements", "## Computational requirements",
                    "## Instructions to replicators", "## List of tables and figures"):
        assert section in readme
    assert settings(built_project)["access"].split()[0] in readme


def test_the_crate_validates_and_names_a_changed_or_missing_file(unpacked, built_project, tmp_path):
    exhibits = paper_exhibits(built_project)
    assert check_crate(unpacked, exhibits) == []
    crate = json.loads((unpacked / "ro-crate-metadata.json").read_text())
    ids = {e["@id"] for e in crate["@graph"]}
    assert {"data/raw/cases.csv", "data/CODEBOOK.md", "requirements/lock.txt", "#build"} <= ids
    copy = tmp_path / "copy"
    # Leave out what a build in the unpacked folder made at its top level (the replay
    # test builds there), not the packaged outputs/analyses and outputs/results.
    made = {".venv", "_site", "analyses", "results", ".casework"}
    shutil.copytree(unpacked, copy,
                    ignore=lambda folder, names: [n for n in names if Path(folder) == unpacked and n in made])
    with (copy / "data/raw/cases.csv").open("a") as f:
        f.write("\n")
    (copy / f"outputs/exhibits/{exhibits[0].label}.png").unlink()
    assert sorted(check_crate(copy, exhibits)) == sorted([
        f"outputs/exhibits/{exhibits[0].label}.png: listed in the crate but missing",
        "data/raw/cases.csv: SHA-256 differs from the crate's"])


def test_the_archive_builds_from_an_empty_folder_to_the_numbers_it_ships(unpacked):
    # The quick parameter set shrinks only the multiverse and the power grid (06, 07): the
    # replay still installs the lock into a fresh .venv and runs every notebook, and the
    # notebooks with the packaged build's parameters must give the packaged numbers.
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    built = subprocess.run(["make", "report", "PARAMS=params/quick.yml"], cwd=unpacked, env=env,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-3000:]
    assert (unpacked / "_site" / "index.html").is_file()
    assert (unpacked / "_site" / "paper" / "paper.html").is_file()
    shipped_runs = json.loads((unpacked / "outputs/results/_build.json").read_text())["notebooks"]
    replayed_runs = json.loads((unpacked / "results/_build.json").read_text())["notebooks"]
    assert sorted(replayed_runs) == sorted(shipped_runs)
    assert {e["status"] for e in replayed_runs.values()} == {"executed"}
    same = [n for n in shipped_runs if shipped_runs[n]["params"] == replayed_runs[n]["params"]]
    assert {"01_caseload", "04_regressions", "05_freethe20_survival"} <= set(same)
    for name in same:
        shipped = json.loads((unpacked / "outputs" / "results" / f"{name}.json").read_text())
        again = json.loads((unpacked / "results" / f"{name}.json").read_text())
        assert again["values"] == shipped["values"], name


def test_package_refuses_a_project_that_was_not_built(tmp_path):
    (tmp_path / "_quarto.yml").write_text("project: {type: website}\n")
    with pytest.raises(PackageError, match=r"results/_build.json is missing: run `make report` first"):
        package(tmp_path)


def test_package_refuses_a_build_with_a_failed_notebook(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "_site").mkdir()
    (tmp_path / "_site" / "index.html").write_text("<html></html>")
    (tmp_path / "results" / "_build.json").write_text(json.dumps(
        {"notebooks": {"01_a": {"status": "executed"}, "02_b": {"status": "failed"}}}))
    with pytest.raises(PackageError, match=r"notebook\(s\) 02_b failed in the last build"):
        package(tmp_path)


def test_replication_settings_name_a_missing_key(tmp_path):
    (tmp_path / "replication.yml").write_text("title: x\nauthors: y\n")
    with pytest.raises(ValueError, match=r"replication.yml: missing key\(s\) confidential_data, access"):
        settings(tmp_path)


def test_the_package_ships_the_reference_and_tells_the_data_editor_to_verify(archive, built_project):
    with zipfile.ZipFile(archive) as z:
        readme = z.read("REPLICATION.md").decode()
        shipped = z.read("reference/default.tsv")
    assert shipped == (built_project / "reference" / "default.tsv").read_bytes()
    assert "After `make report`, run `casework verify`" in readme
    assert ".venv/bin/casework verify --no-build" in readme
