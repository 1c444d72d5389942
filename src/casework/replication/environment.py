"""The computing environment of a build: OS, Python, cores, memory, package versions.

Written into results/_build.json by every build, so REPLICATION.md can state what
the measured run times were measured on and whether the build ran on the lock.
"""
from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path

from .lockfile import Pin, canonical


def memory_gb() -> float | None:
    """Physical memory in GiB (None where the OS does not say)."""
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


@lru_cache(maxsize=1)  # fixed for the life of a process; each build record asks twice
def installed_packages() -> dict[str, str]:
    """Every distribution in this interpreter's environment: canonical name -> version,
    from the names of the dist-info folders (casework.pipeline.fingerprint.installed):
    every build writes this record, and parsing every METADATA file took a second."""
    from ..pipeline.fingerprint import installed
    return dict(sorted(installed().items()))


def describe() -> dict:
    """The environment record: what a data editor's 'computational requirements' asks for."""
    return {
        "os": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cores": os.cpu_count(),
        "memory_gb": memory_gb(),
        "packages": dict(installed_packages()),
    }


def applies_here(pin: Pin, python: str) -> bool:
    """Whether a lock pin is meant for this interpreter (its marker holds here).

    Uses `packaging` (in the lock) to evaluate the marker for the build's Python.
    """
    if not pin.marker:
        return True
    from packaging.markers import Marker
    env = {"python_full_version": python, "python_version": ".".join(python.split(".")[:2])}
    return Marker(pin.marker).evaluate(env)


def differences(pins: list[Pin], env: dict) -> list[str]:
    """Locked packages the build did not run with at the locked version ('' list = on the lock)."""
    packages, python = env.get("packages", {}), env.get("python", platform.python_version())
    out = []
    for pin in pins:
        if applies_here(pin, python) and packages.get(pin.name) != pin.version:
            out.append(f"{pin.name} {packages.get(pin.name, 'missing')} (lock: {pin.version})")
    return out
