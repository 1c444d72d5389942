"""The `casework` command: simulate, recovery, validate, codebook, run, render, build, compare,
lint, package, verify, reference."""
from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

from .engine import SchedulerError
from .errors import DataValidationError, one_line
from .pipeline.parameters import ParameterError
from .website.errors import RenderError


def _seed(text: str) -> int | str:
    """--seed as an int when it reads as one; otherwise the text, which check_seed refuses
    in one line (argparse would print usage and echo a 5,000-digit value)."""
    try:
        return int(text) if len(text.strip()) <= 40 else text
    except ValueError:
        return text


LONG_WORD = re.compile(r"\S{61,}")  # a word this long in argparse's message is shortened


def _shown(text: str) -> str:
    """A value as a message may quote it: at most 40 characters."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


class _Parser(argparse.ArgumentParser):
    """argparse, refusing in one line (`error: ...`, exit 2) like the rest of casework,
    instead of the usage block; a long value is shortened, never echoed whole."""

    def error(self, message: str):
        message = one_line(LONG_WORD.sub(lambda m: m.group()[:40] + "...", message))
        self.exit(2, f"error: {self.prog}: {message}; see `{self.prog} --help`\n")


def _whole(text: str) -> int:
    """An option's whole number; argparse names the option when this refuses."""
    try:
        if len(text.strip()) <= 40:
            return int(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{_shown(text)}: expected a whole number, e.g. 2")


def _path(text: str) -> Path:
    """A path argument the file system can hold (checked at once: a longer one makes every
    later check fail with 'File name too long')."""
    raw = os.fsencode(text)
    if len(raw) > 4095 or any(len(name) > 255 for name in raw.split(b"/")):
        raise argparse.ArgumentTypeError(f"{_shown(text)}: too long for a path; expected names of at "
                                         "most 255 bytes and a path of at most 4,095")
    return Path(text)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="casework", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="write synthetic data (all tables + data package) into a folder")
    s.add_argument("--seed", type=_seed, default=20190101, help="random seed (default: the committed data's)")
    s.add_argument("--out", type=_path, default=Path("data"), help="data folder to write (default: data)")
    s.add_argument("--condition", action="append", default=[], metavar="NAME",
                   help="condition the outcome draws on an event (declared in the data package): "
                        "estimable_improvement, reference_release; repeatable (default: none)")
    s.add_argument("--calibration-seeds", type=_whole, default=0, metavar="K",
                   help="estimate each calibration target's expected value and sampling SD over "
                        "K further seeds for data/README.md (default 0: this seed only)")
    s.add_argument("--scale", default="1", metavar="K",
                   help="K times the default size, for benchmarks: K independent draws of the "
                        "default design, ids renumbered (default 1: the default data)")

    rc = sub.add_parser("recovery", help="simulate N data sets, re-fit every model, report recovery "
                                         "of the generating values")
    rc.add_argument("--reps", type=_whole, default=1000, help="replications (default 1000, as page 08)")
    rc.add_argument("--seed", type=_seed, default=20190101, help="seed of the study (default 20190101)")
    rc.add_argument("--condition", action="append", default=[], metavar="NAME",
                    help="simulate under a declared condition (see `casework simulate`)")
    rc.add_argument("--jobs", type=_whole, default=1,
                    help="Dask workers (default 1: in this process; more start a local cluster)")
    rc.add_argument("--scheduler", metavar="ADDRESS", default=None,
                    help="run the replications on the Dask scheduler at ADDRESS (or $CASEWORK_SCHEDULER)")
    rc.add_argument("--out", type=_path, default=None, help="write the summary as CSV here")

    v = sub.add_parser("validate", help="validate a data folder against the codebook")
    v.add_argument("folder", nargs="?", type=_path, default=Path("data"))

    c = sub.add_parser("codebook", help="write data/CODEBOOK.md from the codebook")
    c.add_argument("--out", type=_path, default=Path("data/CODEBOOK.md"))

    def run_args(q):
        q.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                       help="notebooks to run, e.g. 01_caseload or 01 (default: all)")
        q.add_argument("--params", type=_path, default=None,
                       help="parameter file (default: params/default.yml)")
        q.add_argument("-p", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter (KEY or NOTEBOOK.KEY); repeatable")
        q.add_argument("--data", type=_path, default=None, help="data folder (sets data_dir)")
        q.add_argument("--force", action="store_true", help="re-execute even when cached")
        q.add_argument("--jobs", type=_whole, default=2, help="notebooks run in parallel (default 2)")
        q.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="send the simulations (06, 07, 08) to the Dask scheduler at ADDRESS "
                            "(sets $CASEWORK_SCHEDULER for the notebooks; results are the same)")
        q.add_argument("--dry-run", action="store_true",
                       help="say which notebooks would run and why (what changed); run nothing")
        q.add_argument("--cache-entries", type=_whole, default=None, metavar="N",
                       help="cached runs kept per notebook (default 8: several parameter sets)")

    r = sub.add_parser("run", help="execute notebooks (cached) and collect recorded values")
    run_args(r)
    def renderer_arg(q):
        q.add_argument("--renderer", choices=("quarto", "builtin", "auto"), default="auto",
                       help="site renderer: quarto, builtin, or auto (quarto if on PATH; default)")

    rn = sub.add_parser("render", help="build _site/ (quarto if on PATH, else the built-in renderer)")
    rn.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    renderer_arg(rn)
    b = sub.add_parser("build", help="run + render")
    run_args(b)
    renderer_arg(b)
    for q in (rn, b):
        q.add_argument("--out", type=_path, default=None, metavar="DIR",
                       help="write the site to DIR instead of _site/ (a second site to compare)")
    cmp = sub.add_parser("compare", help="page of the values that moved and conclusions that flipped "
                                         "between two builds (site folders) or two parameter files")
    cmp.add_argument("first", type=_path, metavar="A")
    cmp.add_argument("second", type=_path, metavar="B")
    cmp.add_argument("--out", type=_path, default=Path("_comparison") / "index.html",
                     help="page to write (default _comparison/index.html)")
    ln = sub.add_parser("lint", help="check the words of a built site and its PDF paper (no inf/NaN, "
                                     "float noise, p = 0.000, raw keys, exception text, ...)")
    ln.add_argument("site", nargs="?", type=_path, default=Path("_site"), help="built site (default _site)")
    ln.add_argument("--no-pdf", action="store_true", help="leave out the PDF paper")
    vf = sub.add_parser("verify", help="rebuild and compare every recorded value with the committed "
                                       "reference build (reference/NAME.tsv)")
    vf.add_argument("--params", type=_path, default=None,
                    help="parameter file (default: params/default.yml); its reference is "
                         "reference/<file name without .yml>.tsv")
    vf.add_argument("--no-build", action="store_true",
                    help="compare the last build's results/ instead of building first")
    rf = sub.add_parser("reference", help="write reference/NAME.tsv from the last build "
                                          "(`make reference` builds first)")
    rf.add_argument("--params", type=_path, default=None,
                    help="parameter file the last build ran (default: params/default.yml)")
    pk = sub.add_parser("package", help="write the deposit zip of the last build (REPLICATION.md, RO-Crate)")
    pk.add_argument("--out", type=_path, default=None,
                    help="zip to write (default: replication-package-<commit>.zip)")
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
    except (DataValidationError, RenderError, ParameterError, SchedulerError) as exc:
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
        from .data.simulate import check_conditions, check_seed, simulate
        try:
            conditions = check_conditions(args.condition)
            check_seed(args.seed)
            if args.calibration_seeds < 0:
                raise ValueError(f"--calibration-seeds {args.calibration_seeds}: expected 0 or more")
            scale = _scale(args.scale)
            out = simulate(seed=args.seed, out=args.out, conditions=conditions,
                           calibration_seeds=args.calibration_seeds, scale=scale)
        except ValueError as exc:
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2
        except OSError as exc:  # unwritable, not a folder, disk full: the scratch is removed
            print(f"error: simulate --out {args.out}: cannot write "
                  f"({exc.strerror or type(exc).__name__}); expected a writable folder with room "
                  "for the tables; nothing was written there", file=sys.stderr)
            return 2
        size = f", {scale}x the default size" if scale > 1 else ""
        print(f"wrote synthetic data (seed {args.seed}{size}) to {out}")
        return 0
    if args.command == "recovery":
        return _recovery(args)
    if args.command == "lint":
        from .website import lint
        return lint.main(args.site, pdf=not args.no_pdf)
    if args.command == "validate":
        from .data import load
        try:
            ds = load(args.folder)
        except DataValidationError as exc:
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2  # bad input, as for bad parameters
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
        if args.command == "build":
            from .website.render import check_out, check_renderer
            try:
                check_out(args.out)  # before any notebook runs
                check_renderer(args.renderer)  # quarto asked for but not installed
            except RenderError as exc:
                print(f"error: {one_line(exc)}", file=sys.stderr)
                return 2
        if args.scheduler:
            try:
                _use_scheduler(args.scheduler)
            except SchedulerError as exc:  # a bad or dead address: before any notebook starts
                print(f"error: {one_line(exc)}", file=sys.stderr)
                return 2
        code = run(notebooks=args.notebooks, params_file=args.params, overrides=args.overrides,
                   data_dir=args.data, force=args.force, jobs=args.jobs, dry_run=args.dry_run,
                   cache_entries=args.cache_entries)
        if code or args.command == "run" or args.dry_run:
            return code
    if args.command == "package":
        from .paths import project_root
        from .replication.archive import PackageError, package
        from .replication.exhibits import ExhibitError
        from .replication.lockfile import LockError
        from .website.destination import OutputError
        try:
            out = package(project_root(), args.out)
        except OutputError as exc:  # a file that is not an earlier package: never replaced
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2
        except (PackageError, ExhibitError, LockError, ValueError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {out}")
        return 0
    if args.command in ("render", "build"):
        from .website.destination import OutputError
        from .website.render import build_site, check_renderer
        try:
            check_renderer(args.renderer)
        except RenderError as exc:  # quarto asked for but not installed: a bad argument here
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2
        try:
            done = build_site(renderer=args.renderer, force=args.force, out=args.out)
        except OutputError as exc:  # a destination that would lose work, or cannot be written
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2
        state = "unchanged, nothing to rebuild" if done.skipped else "built"
        print(f"site ready: {done.site}/index.html (renderer: {done.renderer}; {state})")
        return 0
    if args.command in ("verify", "reference"):
        from .paths import project_root
        from .pipeline.verify import verify, write_current
        root = project_root()
        if args.params is not None and not args.params.is_file():
            print(f"error: --params {one_line(args.params)}: no such file", file=sys.stderr)
            return 2
        if args.command == "reference":
            return write_current(root, args.params, sys.stdout, sys.stderr)
        return verify(root, args.params, not args.no_build, sys.stdout, sys.stderr)
    if args.command == "compare":
        from .paths import project_root
        from .pipeline.compare import compare
        try:
            return compare(project_root(), args.first, args.second, args.out, sys.stderr)
        except ValueError as exc:
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2
    raise AssertionError(args.command)


def _use_scheduler(address: str) -> None:
    """Check that a Dask scheduler answers at `address`, then hand it to the notebooks'
    kernels through the environment (not a parameter: results do not depend on it)."""
    import os

    from . import engine
    with engine.open_engine(scheduler=address, timeout="10s"):
        pass
    os.environ[engine.ENV] = address


def _scale(text: str) -> int:
    """--scale as a whole number from 1 to the maximum; ValueError naming the option otherwise."""
    from .data.simulate import MAX_SCALE
    try:
        scale = int(text) if len(text) < 20 else 0
    except ValueError:
        scale = 0
    if scale < 1:
        raise ValueError(f"--scale {text!r}: expected a whole number of 1 or more "
                         "(1: the default size, 10: ten times as many rows)")
    if scale > MAX_SCALE:
        raise ValueError(f"--scale {scale}: at most {MAX_SCALE} (about {MAX_SCALE * 2.9:,.0f} MB "
                         "of tables; validation reads tables up to 512 MiB)")
    return scale


def _writable_file(path: Path, option: str) -> None:
    """ValueError unless `path` can be written as a file (checked before hours of work)."""
    import os
    if path.is_dir():
        raise ValueError(f"{option} {path}: is a folder; expected the path of a CSV file")
    parent = path.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option} {path}: its folder cannot be made ({exc.strerror}); "
                         "expected a path in a writable folder") from None
    if not os.access(parent, os.W_OK):
        raise ValueError(f"{option} {path}: folder {parent} is not writable; expected a path "
                         "in a writable folder")


MAX_REPS = 10_000  # stated maxima: a typo must not start days of work or thousands of workers
MAX_JOBS = 64


def _recovery(args) -> int:
    from .analysis import recovery
    from .data.simulate import check_conditions
    from .data.truths import declared_truths
    from .data.simulate import check_seed
    try:
        conditions = check_conditions(args.condition)
        check_seed(args.seed)
        if args.reps < 1 or args.jobs < 1:
            raise ValueError(f"--reps {args.reps}, --jobs {args.jobs}: both must be at least 1")
        if args.reps > MAX_REPS or args.jobs > MAX_JOBS:
            raise ValueError(f"--reps {args.reps}, --jobs {args.jobs}: at most {MAX_REPS:,} "
                             f"replications and {MAX_JOBS} workers")
        if args.out is not None:
            _writable_file(args.out, "recovery --out")
    except ValueError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    from . import engine
    if engine.scheduler_address(args.scheduler):
        try:  # a bad or dead address fails at once, in one line
            engine.check_address(engine.scheduler_address(args.scheduler),
                                 "--scheduler" if args.scheduler else f"${engine.ENV}")
        except SchedulerError as exc:
            print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2
    with engine.open_engine(args.jobs, scheduler=args.scheduler) as eng:
        runs = recovery.run_recovery(args.reps, args.seed, conditions, mapper=engine.engine_map(eng))
    summary = recovery.summarise(recovery.attach_truths(runs, declared_truths()))
    summary = summary.join(recovery.coverage_tests(summary, 0.95))
    if args.out:
        try:  # beside, then renamed: a full disk leaves no half-written file
            tmp = args.out.with_name(f".{args.out.name}.tmp")
            summary.to_csv(tmp, index=False)
            tmp.replace(args.out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            print(f"error: recovery --out {args.out}: cannot write ({exc.strerror}); "
                  "nothing was written there", file=sys.stderr)
            return 2
    shown = summary[summary.truth.notna()]
    cols = ["model", "term", "estimator", "truth", "mean_estimate", "bias_se", "bias_se_mc", "se_ratio",
            "coverage", "coverage_low", "coverage_high", "nonestimable", "verdict"]
    print(shown[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    tests = summary[summary.analysis == recovery.LOGRANK]
    for r in tests.itertuples():
        print(f"log-rank ({r.model}): rejects at 0.05 in {r.rejects:.1%} of {r.reps} replications "
              f"(exact 95 % interval {r.rejects_low:.1%} to {r.rejects_high:.1%})")
    chance = recovery.chance_misses(shown)
    print(f"{args.reps} replications, seed {args.seed}; {(shown.verdict == 'recovered').sum()} of "
          f"{chance['judged']} generating values recovered (coverage not different from 95 %: exact "
          f"binomial tests, Holm-adjusted at 5 %); {chance['flagged']} flagged by their own test, "
          f"{chance['expected']:.1f} expected by chance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
