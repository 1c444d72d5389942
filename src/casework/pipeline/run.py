"""`casework run`: execute the notebooks that changed, in parallel, and collect their values.

1. plan: select notebooks, resolve and validate parameters, fingerprint inputs;
2. under the build lock, sort notebooks into cached (outputs current, or restorable
   from the cache) and to execute; validate the data only if something executes;
3. execute in worker processes, up to `jobs` at once; store successes in the cache,
   remove the results of failures;
4. write results/_build.json and _variables.yml.

Nothing is touched before every parameter (and, when needed, the data) is valid.
"""
from __future__ import annotations

import json
import os
import sys
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from ..engine import available_cores
from ..errors import one_line
from ..paths import EXECUTED, SOURCES, executed_path, notebook_key, project_root
from ..website.errors import RenderError
from . import digests, fingerprint
from .build_record import output_digests, update_record
from .cache import Cache, output_files
from .lock import LockError, build_lock
from .parameters import ParameterError, params_hash, unselected_keys
from .plan import Task, make_plan, parameter_set
from .progress import Progress
from .selection import SelectionError, discover
from .variables import write_variables
from .worker import Job, Outcome, Running, run_job


def run(notebooks: list[str], params_file: Path | None, overrides: list[str],
        data_dir: Path | None, force: bool, jobs: int, stream=None, dry_run: bool = False,
        cache_entries: int | None = None) -> int:
    """Build the notebooks; 0 when all succeeded, 1 on failures, 2 on bad arguments or data.
    dry_run: only say what would run and why. cache_entries: entries kept per notebook."""
    stream = stream or sys.stderr
    root = project_root()
    with digests.remembering(root):  # file digests kept while unchanged: a no-op reads no table
        return _run(root, notebooks, params_file, overrides, data_dir, force, jobs, stream,
                    dry_run, cache_entries)


def _run(root: Path, notebooks: list[str], params_file: Path | None, overrides: list[str],
         data_dir: Path | None, force: bool, jobs: int, stream, dry_run: bool,
         cache_entries: int | None) -> int:
    try:
        if jobs < 1:
            raise ParameterError(f"--jobs {jobs}: expected a whole number of 1 or more")
        if cache_entries is not None and cache_entries < 1:
            raise ParameterError(f"--cache-entries {cache_entries}: expected a whole number of 1 or more")
        tasks = make_plan(root, notebooks, params_file, overrides, data_dir)
        pset = parameter_set(root, params_file, overrides, data_dir)
        from ..website import catalog
        catalog.check(root)  # every source's title and header, before any kernel starts
    except (ParameterError, SelectionError, RenderError) as exc:
        print(f"error: {one_line(exc)}", file=stream)
        return 2
    for warning in unselected_keys([t.name for t in tasks], pset["layers"]):
        print(one_line(warning), file=stream)
    cache = Cache(root / ".casework" / "cache", root, keep=cache_entries)
    if dry_run:
        from .explain import verdict
        for t in tasks:
            print(verdict(t, cache, force), file=stream)
        return 0
    try:
        with build_lock(root / ".casework" / "lock"):
            from .preserve import recover
            recover(root)  # a comparison killed outright: the build it set aside comes back first
            return _build(root, tasks, force, jobs, Progress(stream), pset, cache)
    except LockError as exc:
        print(f"error: {one_line(exc)}", file=stream)
        return 1


def _build(root: Path, tasks: list[Task], force: bool, jobs: int, progress: Progress,
           pset: dict | None = None, cache: Cache | None = None) -> int:
    cache = cache or Cache(root / ".casework" / "cache", root)
    current = {t.name for t in tasks if not force and cache.is_current(t.name, t.key)}
    restorable = {t.name for t in tasks
                  if not force and t.name not in current and cache.entry(t.name, t.key)}
    todo = [t for t in tasks if t.name not in current | restorable]
    if todo and not _data_valid(todo, progress):
        return 2  # bad input, like a bad parameter: nothing started

    entries = {}
    for t in tasks:
        if t.name in current or t.name in restorable:
            meta = cache.restore(t.name, t.key) if t.name in restorable else cache.entry(t.name, t.key)
            progress.finished(t.name, "cached" if t.name in current else "restored from cache")
            entries[t.name] = _entry(root, t, "cached", (meta or {}).get("seconds"))
    record = root / "results" / "_build.json"
    if todo:  # a build killed from here on leaves a record the renderer refuses
        # ... naming this run's parameter set, the notebooks taken from the cache, and as
        # "running" only those still to execute (each is settled in the record as it ends).
        update_record(record, {**entries, **{t.name: _entry(root, t, "running", None) for t in todo}},
                      discover(root / SOURCES), pset)
    outcomes, interrupted = _execute(root, todo, jobs, cache, progress)
    for t in todo:
        outcome = outcomes[t.name]
        if outcome.started:
            entries[t.name] = _entry(root, t, "executed" if outcome.ok else "failed", outcome.seconds,
                                     error=None if outcome.ok else _explain(t, outcome))
        else:
            entries[t.name] = _entry(root, t, "interrupted", None, error="not started: build interrupted")

    update_record(record, entries, discover(root / SOURCES), pset)
    try:
        if executed_or_restored(outcomes, restorable) or not (root / "results" / "scorecard.md").is_file():
            from ..report.scorecard import write as write_scorecard  # pandas: only when needed
            write_scorecard(root)
        write_variables(root)
        from ..website import catalog
        catalog.refresh(root)  # so a bare `quarto render` after this run sees every analysis
    except (ValueError, RenderError) as exc:
        progress.message(f"error: {exc}")
        return 1
    failed = sum(1 for o in outcomes.values() if o.started and not o.ok)
    executed = sum(1 for o in outcomes.values() if o.ok)
    progress.summary(executed=executed, cached=len(current | restorable), failed=failed)
    if interrupted:
        progress.message("interrupted: unfinished notebooks are not cached; run again to finish")
        return 130
    return 1 if failed else 0


def executed_or_restored(outcomes: dict, restorable: set) -> bool:
    """Whether any notebook's outputs changed in this run (the scorecard must follow)."""
    return bool(restorable) or any(o.ok for o in outcomes.values())


def _data_valid(todo: list[Task], progress: Progress) -> bool:
    """Validate each data folder the notebooks to execute read (imports pandas: only
    when something executes)."""
    from ..data import DataValidationError, load
    from . import requirements
    unmet = []
    for folder in dict.fromkeys(t.data_dir for t in todo):
        try:
            dataset = load(folder)
        except DataValidationError as exc:
            progress.message(f"error: {exc}")
            return False
        for t in (t for t in todo if t.data_dir == folder):  # enough data for each analysis
            unmet += requirements.check(t.name, dataset.tables, t.params["data_dir"], t.params)
    for message in unmet:
        progress.message(message)
    return not unmet


def _execute(root: Path, todo: list[Task], jobs: int, cache: Cache,
             progress: Progress) -> tuple[dict[str, Outcome], bool]:
    """Run the notebooks in worker processes; store each success as it finishes."""
    running = Running()
    outcomes: dict[str, Outcome] = {}
    previous: dict[str, str | None] = {}  # the good outputs in place before each run
    interrupted = False
    cores = available_cores()

    def one(task: Task) -> Outcome:
        if running.stopping:
            return Outcome(ok=False, error="not started: build interrupted", started=False)
        previous[task.name] = cache.current_key(task.name)
        cache.forget(task.name)  # its outputs are about to change
        progress.started(task.name)
        # Its share of the cores: all of them when it runs alone (the last one), else
        # split among the notebooks that run beside it (engine.open_engine caps its cluster).
        beside = max(1, min(jobs, len(todo) - len(outcomes)))
        job = Job(name=task.name, source=task.source, params=task.params, root=root,
                  output=executed_path(root, task.name), cores=max(1, cores // beside))
        return run_job(job, lambda i, n: progress.cell(task.name, i, n), running)

    (root / EXECUTED).mkdir(exist_ok=True)  # where papermill writes, and the kernels' cwd
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(one, t): t for t in todo}
        pending = set(futures)
        try:
            while pending:
                try:
                    done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    interrupted = True
                    running.interrupt()  # pass Ctrl-C on, then let the workers wind down
                    continue
                progress.tick()
                for future in done:
                    task = futures[future]
                    outcome = outcomes[task.name] = future.result()
                    _settle(root, task, outcome, cache, progress, previous.get(task.name))
        except BaseException:
            running.interrupt()  # never leave workers running behind an error
            raise
    return outcomes, interrupted


def _settle(root: Path, task: Task, outcome: Outcome, cache: Cache, progress: Progress,
            previous: str | None = None) -> None:
    """Cache a success; for a failure say what went wrong, and put the last good outputs
    back (`previous`: their cache key), or remove the results when there were none.
    The failed run's notebook is then kept under .casework/failed/."""
    if outcome.ok:
        cache.store(task.name, task.key, {
            "params": task.params, "params_hash": params_hash(task.params),
            "source_digest": task.source_digest, "data": task.data,
            "package_digest": task.package_digest, "seconds": outcome.seconds,
            "inputs": task.inputs()})
        progress.finished(task.name, "executed")
    elif outcome.started:
        if previous and cache.entry(task.name, previous):
            kept = root / ".casework" / "failed" / f"{task.name}.ipynb"
            kept.parent.mkdir(parents=True, exist_ok=True)
            if executed_path(root, task.name).is_file():
                os.replace(executed_path(root, task.name), kept)
                outcome.partial = kept.relative_to(root).as_posix()
            cache.restore(task.name, previous)  # a failed run never deletes good results
        else:
            for path in output_files(root, task.name):
                if path.parent.name == "results":
                    path.unlink()  # values of a failed run must not reach the paper
        progress.finished(task.name, "FAILED", _explain(task, outcome))
    if outcome.started:  # a kill after this leaves a record that knows this notebook ended
        update_record(root / "results" / "_build.json", {task.name: _entry(
            root, task, "executed" if outcome.ok else "failed", outcome.seconds,
            error=None if outcome.ok else _explain(task, outcome))}, discover(root / SOURCES))


def _explain(task: Task, outcome: Outcome) -> str:
    if outcome.failure:
        f = outcome.failure
        where = f"cell {f['cell']}" if f["cell"] else "the injected parameters cell"
        return (f"notebook {task.name} failed in {where} ({f['first_line']!r}): "
                f"{f['ename']}: {f['evalue']}; the partially executed notebook is "
                f"{outcome.partial or f'{EXECUTED}/{task.name}.ipynb'}"
                + ("; the last good outputs were put back" if outcome.partial else ""))
    return f"notebook {task.name} failed: {outcome.error}"


def _entry(root: Path, task: Task, status: str, seconds: float | None,
           error: str | None = None) -> dict:
    """The task's entry in results/_build.json (format: see build_record)."""
    entry = {
        "key": notebook_key(task.name), "status": status,
        "source": task.source.relative_to(root).as_posix(),
        "source_hash": task.source_digest[:12], "params": task.params,
        "params_hash": params_hash(task.params), "data_dir": task.params["data_dir"],
        "data_checksum": _stamped_checksum(root, task),
        "synthetic": fingerprint.is_synthetic(task.data_dir),
        "package_hash": task.package_digest[:12], "seconds": seconds,
    }
    if error:
        entry["error"] = error
    if status in ("executed", "cached"):
        entry["outputs"] = output_digests(root, output_files(root, task.name))
    return entry


def _stamped_checksum(root: Path, task: Task) -> str:
    """The data checksum the notebook stamped on its figures (it may load only some
    tables), from its results file; else the whole data folder's."""
    try:
        doc = json.loads((root / "results" / f"{task.name}.json").read_text(encoding="utf-8"))
        return str(doc["data_checksum"])
    except (OSError, ValueError, KeyError, TypeError):
        return fingerprint.data_checksum(task.data)
