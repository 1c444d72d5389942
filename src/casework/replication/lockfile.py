"""requirements/lock.txt: the locked environment, read without third-party code.

The lock is written by `make lock` (uv pip compile --universal --generate-hashes):
one `name==version [; marker]` line per package, each followed by its hashes.
Standard library only, because `make lock` runs it with the bare python3 that
regenerates environment.yml from the lock before any venv exists.
"""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

LOCK = Path("requirements") / "lock.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")


class LockError(ValueError):
    """The lock file is missing or has a line that is not a hashed pin."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    marker: str = ""      # e.g. "python_full_version >= '3.11'"; "" = everywhere

    def requirement(self) -> str:
        return f"{self.name}=={self.version}" + (f" ; {self.marker}" if self.marker else "")


def canonical(name: str) -> str:
    """PEP 503 normalised name: 'Great_Tables' -> 'great-tables'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path = LOCK) -> list[Pin]:
    """Every pin of the lock, in file order; a pin without a hash is an error."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LockError(f"{path}: cannot read the lock ({exc.strerror}); run `make lock`") from exc
    pins: list[Pin] = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith(("#", "--hash")):
            continue
        match = PIN.match(line.strip())
        if not match:
            raise LockError(f"{path}, line {number}: expected 'name==version \\' followed by hashes")
        following = lines[number] if number < len(lines) else ""
        if "--hash=" not in following:
            raise LockError(f"{path}, line {number}: {match['name']} has no --hash line; run `make lock`")
        pins.append(Pin(canonical(match["name"]), match["version"], (match["marker"] or "").strip()))
    if not pins:
        raise LockError(f"{path}: no pinned packages; run `make lock`")
    return pins


def environment_yml(pins: list[Pin], python: str = "3.11") -> str:
    """environment.yml for conda/mamba with Quarto: the lock's exact versions, via pip."""
    lines = [
        "# Generated from requirements/lock.txt by `make lock`; do not edit by hand.",
        "# conda/mamba environment with Quarto; `quarto render` then builds the same site.",
        "#   mamba env create -f environment.yml && conda activate hrd-casework",
        "#   casework run && quarto render",
        "name: hrd-casework",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={python}",
        "  - quarto>=1.5",
        "  - pip",
        "  - pip:",
    ]
    lines += [f'      - "{pin.requirement()}"' for pin in pins]
    lines.append("      - -e .            # the package itself; every dependency is pinned above")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="write environment.yml pinned to the lock")
    p.add_argument("--lock", type=Path, default=LOCK)
    p.add_argument("--out", type=Path, default=Path("environment.yml"))
    args = p.parse_args(argv)
    args.out.write_text(environment_yml(read_lock(args.lock)), encoding="utf-8")
    print(f"wrote {args.out} from {args.lock}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
