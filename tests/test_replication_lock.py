"""The locked environment: the lock covers pyproject's dependencies, environment.yml
pins the same versions, the build record states what the build ran on."""
from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10 (tomli is in the lock there)
    import tomli as tomllib

from casework.pipeline.build_record import update_record
from casework.replication.environment import differences
from casework.replication.lockfile import LOCK, LockError, Pin, canonical, environment_yml, read_lock

ROOT = Path(__file__).resolve().parents[1]


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + project["optional-dependencies"]["test"]
    return {canonical(re.split(r"[<>=!~\[; ]", n, maxsplit=1)[0]) for n in names}


def test_lock_pins_every_declared_dependency_and_the_build_backend():
    locked = {p.name for p in read_lock(ROOT / LOCK)}
    assert _declared() - locked == set()
    assert {"setuptools", "wheel"} <= locked


def test_environment_yml_is_generated_from_the_lock():
    # `make lock` writes it; an edit by hand or a lock update without it fails here.
    assert (ROOT / "environment.yml").read_text() == environment_yml(read_lock(ROOT / LOCK))


def test_this_environment_is_the_lock():
    env = {"python": ".".join(map(str, __import__("sys").version_info[:3])),
           "packages": {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}}
    off = differences(read_lock(ROOT / LOCK), env)
    assert off == [], f"the test environment is not the lock (run `make test`, which installs it): {off}"


def test_differences_names_a_package_off_the_lock():
    pins = [Pin("pandas", "2.3.3"), Pin("numpy", "2.2.6", "python_full_version < '3.11'"),
            Pin("numpy", "2.4.6", "python_full_version >= '3.11'")]
    env = {"python": "3.11.7", "packages": {"pandas": "2.2.0", "numpy": "2.4.6"}}
    assert differences(pins, env) == ["pandas 2.2.0 (lock: 2.3.3)"]
    assert differences(pins, {"python": "3.10.4", "packages": {"pandas": "2.3.3"}}) == \
        ["numpy missing (lock: 2.2.6)"]


def test_a_pin_without_hash_is_refused_with_file_and_line(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("pandas==2.3.3 \\\n    --hash=sha256:ab\nnumpy==2.4.6\nscipy==1.17.1 \\\n"
                    "    --hash=sha256:cd\n")
    with pytest.raises(LockError, match=r"lock.txt, line 3: numpy has no --hash line; run `make lock`"):
        read_lock(lock)


def test_a_line_that_is_not_a_pin_is_refused(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("pandas>=2.0\n")
    with pytest.raises(LockError, match=r"line 1: expected 'name==version"):
        read_lock(lock)
    with pytest.raises(LockError, match="cannot read the lock"):
        read_lock(tmp_path / "missing.txt")


def test_build_record_states_python_cores_and_package_versions(tmp_path):
    doc = update_record(tmp_path / "_build.json", {"01_x": {"status": "executed", "seconds": 1.5}}, ["01_x"])
    saved = json.loads((tmp_path / "_build.json").read_text())
    assert saved == doc
    env = saved["environment"]
    assert env["packages"]["pandas"] == metadata.version("pandas")
    assert env["cores"] >= 1 and env["memory_gb"] > 0
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", env["python"])
    assert saved["finished"].endswith("+00:00")
