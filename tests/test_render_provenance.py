"""The build stamp: commit, parameter-set hash, data checksum, synthetic flag, notebook runs."""
from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from casework.website import provenance
from casework.website.errors import RenderError
from casework.website.provenance import (build_stamp, data_checksum, git_commit, is_synthetic,
                                        notebook_runs, parameter_set_hash)


def write_json(path, doc):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")


def result(name, data_dir="data", synthetic=True, **params):
    return {"notebook": name, "key": name[3:], "params": {"data_dir": data_dir, **params},
            "params_hash": "p" + name[:2], "data_checksum": "d" + name[:2], "synthetic": synthetic,
            "values": {}}


def test_runs_come_from_build_json_when_present(tmp_path):
    write_json(tmp_path / "results" / "01_caseload.json", result("01_caseload"))
    write_json(tmp_path / "results" / "_build.json", {"notebooks": {
        "02_case_development": {"params": {"data_dir": "data"}, "params_hash": "h2",
                                "data_checksum": "c2", "synthetic": True, "status": "cached"}}})
    runs = notebook_runs(tmp_path)
    assert list(runs) == ["02_case_development"]
    assert runs["02_case_development"].status == "cached"
    assert runs["02_case_development"].params_hash == "h2"


def test_runs_fall_back_to_per_notebook_results(tmp_path):
    write_json(tmp_path / "results" / "01_caseload.json", result("01_caseload", year_from=2004))
    write_json(tmp_path / "results" / "00_data_overview.json", result("00_data_overview"))
    runs = notebook_runs(tmp_path)
    assert list(runs) == ["00_data_overview", "01_caseload"]
    assert runs["01_caseload"].params == {"data_dir": "data", "year_from": 2004}
    assert runs["01_caseload"].synthetic is True


def test_malformed_build_json_is_named(tmp_path):
    write_json(tmp_path / "results" / "_build.json", {"01_caseload": {}})
    with pytest.raises(RenderError, match=r"_build\.json: expected \{\"notebooks\": "):
        notebook_runs(tmp_path)


def test_unreadable_results_file_is_named(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "01_caseload.json").write_text("{not json")
    with pytest.raises(RenderError, match=r"01_caseload\.json: cannot read"):
        notebook_runs(tmp_path)


def test_parameter_set_hash_changes_with_any_parameter(tmp_path):
    write_json(tmp_path / "results" / "01_caseload.json", result("01_caseload", year_from=2000))
    first = parameter_set_hash(notebook_runs(tmp_path))
    write_json(tmp_path / "results" / "01_caseload.json", result("01_caseload", year_from=2001))
    second = parameter_set_hash(notebook_runs(tmp_path))
    assert first != second and len(first) == 10
    assert parameter_set_hash({}) == hashlib.sha256(b"{}").hexdigest()[:10]


def test_data_checksum_matches_the_loaders_definition(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "communications.csv").write_text("communication_id\nC00001\n")
    digest = hashlib.sha256(b"communication_id\nC00001\n").hexdigest()
    expected = hashlib.sha256(f"communications:{digest};".encode()).hexdigest()[:12]
    assert data_checksum(tmp_path) == expected
    assert data_checksum(tmp_path / "empty") == "none"


def test_synthetic_if_either_the_package_or_a_result_says_so(tmp_path):
    write_json(tmp_path / "datapackage.json", {"synthetic": False})
    runs = {"a": provenance.NotebookRun("a", {}, synthetic=True)}
    assert is_synthetic(tmp_path, runs) is True
    assert is_synthetic(tmp_path, {}) is False


def test_unknown_data_kind_is_an_error(tmp_path):
    with pytest.raises(RenderError, match=r"cannot tell whether the data are synthetic: .*datapackage\.json"):
        is_synthetic(tmp_path, {})


def test_notebooks_run_on_different_data_folders_are_refused(tmp_path):
    write_json(tmp_path / "results" / "01_caseload.json", result("01_caseload", data_dir="data"))
    write_json(tmp_path / "results" / "02_case_development.json",
               result("02_case_development", data_dir="/secure/real"))
    with pytest.raises(RenderError, match=r"run on different data folders \(/secure/real, data\)"):
        build_stamp(tmp_path)


def test_a_failed_notebook_stops_the_render(tmp_path):
    write_json(tmp_path / "results" / "_build.json", {"notebooks": {
        "04_regressions": {"params": {}, "status": "failed"}}})
    with pytest.raises(RenderError, match=r"the last run of 04_regressions failed"):
        build_stamp(tmp_path)


def test_stamp_reads_the_data_folder_the_notebooks_used(tmp_path):
    real = tmp_path / "elsewhere"
    write_json(real / "datapackage.json", {"synthetic": False})
    write_json(tmp_path / "results" / "01_caseload.json", result("01_caseload", data_dir=str(real),
                                                                 synthetic=False))
    write_json(tmp_path / "data" / "datapackage.json", {"synthetic": True})  # not used by the run
    stamp = build_stamp(tmp_path)
    assert stamp.synthetic is False
    assert stamp.notice == "Real case data supplied by the researcher."
    assert stamp.variables()["data_kind"] == "real data"


def test_build_date_honours_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1546300800")
    assert provenance.build_date() == "2019-01-01 00:00 UTC"


def test_git_commit_short_hash_and_dirty_flag(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org",
                        *args], check=True, capture_output=True)
    assert git_commit(tmp_path) == "unversioned"
    git("init", "-q")
    (tmp_path / "a.txt").write_text("one")
    git("add", "a.txt")
    git("commit", "-q", "-m", "first")
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert git_commit(tmp_path) == head
    (tmp_path / "a.txt").write_text("two")
    assert git_commit(tmp_path) == head + "+dirty"


def test_data_dir_of_the_build_record_is_used(tmp_path):
    write_json(tmp_path / "results" / "_build.json", {"casework": "0.1.0", "notebooks": {
        "01_caseload": {"key": "caseload", "status": "executed", "params": {"year_from": 2000},
                        "params_hash": "h", "data_dir": "other", "data_checksum": "c",
                        "synthetic": False}}})
    write_json(tmp_path / "other" / "datapackage.json", {"synthetic": False})
    stamp = build_stamp(tmp_path)
    assert stamp.synthetic is False
    assert stamp.runs["01_caseload"].data_dir == "other"


def test_fallback_reads_only_notebook_results_files(tmp_path):
    write_json(tmp_path / "results" / "01_caseload.json", result("01_caseload"))
    write_json(tmp_path / "results" / "01_caseload.comparison.json", {"rows": []})
    assert list(notebook_runs(tmp_path)) == ["01_caseload"]
