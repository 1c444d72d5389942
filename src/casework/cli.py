"""The `casework` command: simulate, validate, codebook, run, render, build."""
from __future__ import annotations

import argparse
import signal
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
        q.add_argument("--dry-run", action="store_true",
                       help="say which notebooks would run and why (what changed); run nothing")
        q.add_argument("--cache-entries", type=int, default=None, metavar="N",
                       help="cached runs kept per notebook (default 8: several parameter sets)")

    r = sub.add_parser("run", help="execute notebooks (cached) and collect recorded values")
    run_args(r)
    rn = sub.add_parser("render", help="build _site/ (quarto if on PATH, else the built-in renderer)")
    rn.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    b = sub.add_parser("build", help="run + render")
    run_args(b)
    for q in (rn, b):
        q.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help="write the site to DIR instead of _site/ (a second site to compare)")
    cmp = sub.add_parser("compare", help="page of the values that moved and conclusions that flipped "
                                         "between two builds (site folders) or two parameter files")
    cmp.add_argument("first", type=Path, metavar="A")
    cmp.add_argument("second", type=Path, metavar="B")
    cmp.add_argument("--out", type=Path, default=Path("_comparison") / "index.html",
                     help="page to write (default _comparison/index.html)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    previous = _sigterm_as_ctrl_c()
    try:
        return _dispatch(args)
    except FileNotFoundError as exc:
        if "not inside a compendium" not in str(exc):
            raise
        print(f"error: {exc} (run casework from the project folder, or set CASEWORK_ROOT)",
              file=sys.stderr)
        return 2
    except (DataValidationError, RenderError, ParameterError) as exc:
        print(f"error: {exc}" if not isinstance(exc, DataValidationError) else exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _sigterm_as_ctrl_c():
    """`kill` (SIGTERM) winds a run or render down like Ctrl-C: workers stopped, the
    build record and staging folders left consistent. Returns the previous handler
    (None when not in the main thread, where handlers cannot be set)."""
    import threading
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    return signal.signal(signal.SIGTERM, interrupt)


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
                   data_dir=args.data, force=args.force, jobs=args.jobs, dry_run=args.dry_run,
                   cache_entries=args.cache_entries)
        if code or args.command == "run" or args.dry_run:
            return code
    if args.command in ("render", "build"):
        from .website.render import render
        site = render(force=args.force, out=args.out)
        print(f"site ready: {site}/index.html")
        return 0
    if args.command == "compare":
        from .paths import project_root
        from .pipeline.compare import compare
        try:
            return compare(project_root(), args.first, args.second, args.out, sys.stderr)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
