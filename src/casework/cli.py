"""The `casework` command: simulate, validate, codebook, run, render, build, package."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import DataValidationError
from .pipeline.parameters import ParameterError
from .website.errors import RenderError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="casework", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="write synthetic data (all tables + data package) into a folder")
    s.add_argument("--seed", type=int, default=20190101, help="random seed (default: the committed data's)")
    s.add_argument("--out", type=Path, default=Path("data"), help="data folder to write (default: data)")

    v = sub.add_parser("validate", help="validate a data folder against the codebook")
    v.add_argument("folder", nargs="?", type=Path, default=Path("data"))

    c = sub.add_parser("codebook", help="write data/CODEBOOK.md from the codebook")
    c.add_argument("--out", type=Path, default=Path("data/CODEBOOK.md"))

    def run_args(q):
        q.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                       help="notebooks to run, e.g. 01_caseload or 01 (default: all)")
        q.add_argument("--params", type=Path, default=None,
                       help="parameter file (default: params/default.yml)")
        q.add_argument("-p", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter (KEY or NOTEBOOK.KEY); repeatable")
        q.add_argument("--data", type=Path, default=None, help="data folder (sets data_dir)")
        q.add_argument("--force", action="store_true", help="re-execute even when cached")
        q.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default 2)")

    r = sub.add_parser("run", help="execute notebooks (cached) and collect recorded values")
    run_args(r)
    rn = sub.add_parser("render", help="build _site/ (quarto if on PATH, else the built-in renderer)")
    rn.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    b = sub.add_parser("build", help="run + render")
    run_args(b)
    pk = sub.add_parser("package", help="write the deposit zip of the last build (REPLICATION.md, RO-Crate)")
    pk.add_argument("--out", type=Path, default=None,
                    help="zip to write (default: replication-package-<commit>.zip)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except (DataValidationError, RenderError, ParameterError) as exc:
        print(f"error: {exc}" if not isinstance(exc, DataValidationError) else exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _dispatch(args) -> int:
    if args.command == "simulate":
        from .data.simulate import simulate
        out = simulate(seed=args.seed, out=args.out)
        print(f"wrote synthetic data (seed {args.seed}) to {out}")
        return 0
    if args.command == "validate":
        from .data import load
        ds = load(args.folder)
        rows = ", ".join(f"{k} {len(v):,}" for k, v in ds.tables.items())
        print(f"{args.folder}: valid ({'synthetic' if ds.synthetic else 'real'} data; rows: {rows})")
        return 0
    if args.command == "codebook":
        from .data.codebook import codebook_markdown
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(codebook_markdown() + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
        return 0
    if args.command in ("run", "build"):
        from .pipeline.run import run
        code = run(notebooks=args.notebooks, params_file=args.params, overrides=args.overrides,
                   data_dir=args.data, force=args.force, jobs=args.jobs)
        if code or args.command == "run":
            return code
    if args.command == "package":
        from .paths import project_root
        from .replication.archive import PackageError, package
        from .replication.exhibits import ExhibitError
        from .replication.lockfile import LockError
        try:
            out = package(project_root(), args.out)
        except (PackageError, ExhibitError, LockError, ValueError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {out}")
        return 0
    if args.command in ("render", "build"):
        from .website.render import render
        site = render(force=args.force)
        print(f"site ready: {site}/index.html")
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
