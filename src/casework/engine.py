"""Where replications run: in this process, on a local Dask cluster, or on an existing one.

Power (07), the multiverse (06) and the recovery study repeat one pure function over
many items (a chunk of simulation indices, a chunk of specifications). An Engine maps
such a function over the items and returns the results in item order, so a result
never depends on where it ran, on the number of workers or on how the items were
chunked (each simulation draws from its own SeedSequence stream, keyed by its index).

    with engine.open_engine(workers=2) as eng:        # local cluster, started and closed here
        rows = eng.map(fit_chunk, chunks)

- workers=1: `Sequential`, in this process (no cluster).
- workers>1 (default: the cores this process may use): `DaskEngine` on a
  `distributed.LocalCluster` of that many single-threaded worker processes, closed
  when the block ends; never more than the cores the build gives the notebook
  ($CASEWORK_CORES, see `build_share`), so a notebook run beside others does its
  work in its own process. Results are the same either way.
- scheduler=ADDRESS, or the environment variable CASEWORK_SCHEDULER (set by
  `casework run --scheduler ADDRESS`): the same work on an existing Dask cluster,
  which is left running. The address is not a notebook parameter on purpose: results
  do not depend on it, so it must not invalidate cached results.

A worker that dies mid-run loses only its tasks; the scheduler reruns them elsewhere
(up to distributed's `allowed-failures`), with the same result since tasks are pure.
Progress of runs with many tasks goes to the process's own stderr: the terminal of
`casework recovery` and the benchmarks. Inside a Jupyter kernel it is off by default,
since ipykernel forwards even the process's own stderr into the notebook, and so into
the page; there the build's per-cell progress lines stand in for it.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

ENV = "CASEWORK_SCHEDULER"
# Set by `casework run` for each notebook it executes: the cores that notebook may use
# while the build runs others beside it. A local cluster never gets more workers than
# this, and with 1 the work runs in the notebook's own process: no cluster started
# (seconds of start-up, and processes competing with the other notebooks for cores).
CORES_ENV = "CASEWORK_CORES"
# Set by `casework run`: the folder (.casework/memo/NN_name/) where this notebook's maps
# are kept, so a rebuild that changes only what a map does not read (the confidence level
# of 07's power curves, say) reuses its results instead of simulating again. See memoized.
MEMO_ENV = "CASEWORK_MEMO"
MEMO_KEEP = 24              # stored maps per notebook (most recently used kept; 07 makes one per design)
PROGRESS_MIN_TASKS = 20     # fewer tasks than this finish too fast to be worth reporting


class SchedulerError(RuntimeError):
    """No Dask scheduler answers at the address asked for."""


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # macOS, Windows
        return max(1, os.cpu_count() or 1)


def build_share() -> int | None:
    """The cores the build gives this notebook ($CASEWORK_CORES), or None outside a build."""
    try:
        share = int(os.environ.get(CORES_ENV, ""))
    except ValueError:
        return None
    return share if share >= 1 else None


def chunks(n: int, parts: int) -> list[range]:
    """range(n) cut into at most `parts` consecutive, nearly equal ranges (none empty)."""
    if n < 0 or parts < 1:
        raise ValueError(f"chunks({n}, {parts}): expected n >= 0 and parts >= 1")
    step = max(1, -(-n // parts))
    return [range(start, min(start + step, n)) for start in range(0, n, step)]


def in_kernel() -> bool:
    """True inside a Jupyter kernel (an IPython shell that sends its output to a notebook)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _reports(progress: bool | None, n: int) -> bool:
    """Whether a map of n tasks reports progress (None: yes, unless inside a kernel)."""
    wanted = not in_kernel() if progress is None else progress
    return wanted and n >= PROGRESS_MIN_TASKS


class Progress:
    """'label: done/total tasks (pct), elapsed' lines on stderr, at most every `every` seconds."""

    def __init__(self, label: str, total: int, every: float = 10.0, stream=None):
        self.label, self.total, self.every = label, total, every
        self.stream = stream or sys.__stderr__ or sys.stderr
        self.start = self.last = time.monotonic()
        self.done = 0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.done == self.total or now - self.last >= self.every:
            self.last = now
            print(f"{self.label}: {self.done}/{self.total} tasks ({self.done / self.total:.0%}), "
                  f"{now - self.start:.0f} s", file=self.stream, flush=True)


def _identity(value):
    return value


class Sequential:
    """Runs every item in this process, in order."""

    kind = "sequential"
    workers = 1

    def map(self, fn: Callable, items: Iterable, shared: Any = None, label: str = "tasks",
            progress: bool | None = None) -> list:
        """[fn(item) for item in items], or fn(item, shared) when `shared` is given."""
        items = list(items)
        return memoized(fn, items, shared, lambda: self._map(fn, items, shared, label, progress))

    def _map(self, fn, items, shared, label, progress) -> list:
        report = Progress(label, len(items)) if _reports(progress, len(items)) else None
        out = []
        for item in items:
            out.append(fn(item) if shared is None else fn(item, shared))
            if report:
                report.step()
        return out

    def describe(self) -> str:
        return "this process"


class DaskEngine:
    """Runs the items as Dask tasks through a `distributed.Client`."""

    kind = "dask"

    def __init__(self, client, address: str | None = None):
        self.client = client
        self.address = address

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, fn: Callable, items: Iterable, shared: Any = None, label: str = "tasks",
            progress: bool | None = None) -> list:
        """fn(item) (or fn(item, shared)) for every item on the cluster, results in item order.

        `shared` (e.g. the data tables) is sent with one task whose result every task
        reads (each worker fetches it once), not with each task.
        """
        items = list(items)
        if not items:
            return []
        return memoized(fn, items, shared, lambda: self._map(fn, items, shared, label, progress))

    def _map(self, fn, items, shared, label, progress) -> list:
        from distributed import as_completed
        if shared is None:
            futures = self.client.map(fn, items, pure=False)
        else:
            # A task, not scattered data: if the worker holding it dies, the scheduler can
            # recompute it (scattered data would be lost with the worker, and the run with it).
            held = self.client.submit(_identity, shared, pure=False)
            futures = self.client.map(fn, items, [held] * len(items), pure=False)
        if _reports(progress, len(items)):
            report = Progress(label, len(items))
            for _ in as_completed(futures):
                report.step()
        return self.client.gather(futures)

    def describe(self) -> str:
        where = f"the Dask scheduler at {self.address}" if self.address else "a local Dask cluster"
        return f"{where} ({self.workers} workers)"


Engine = Sequential | DaskEngine


def memoized(fn: Callable, items: list, shared: Any, compute: Callable[[], list]) -> list:
    """compute(), or the stored result of the same map: inside a build ($CASEWORK_MEMO set)
    a map's results are kept under a key of everything they can depend on, and reused.

    The key digests fn, the items and `shared` (cloudpickle: a function defined in the
    notebook is pickled with its code, one of casework's by name), every file of the
    casework package (its code behind those names) and Python's and every installed
    library's version. A map whose inputs hold the confidence level (the multiverse's
    intervals, the recovery's coverage) misses when it changes; one whose do not (07's
    simulated tests) hits. Results are the same as computed: tasks are pure functions of
    their inputs (one random stream per item), and where they ran does not matter."""
    folder = os.environ.get(MEMO_ENV)
    key = _memo_key(fn, items, shared) if folder else None
    if key is None:
        return compute()
    path = Path(folder) / f"{key[:32]}.pickle"
    try:
        with open(path, "rb") as stored:
            result = pickle.load(stored)
        os.utime(path)  # recently used: pruned last
        return result
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass  # not stored yet (or unreadable): compute
    result = compute()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            pickle.dump(result, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # a killed run leaves no half-written entry
        for old in sorted(path.parent.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns,
                          reverse=True)[MEMO_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # not storable: the next run computes again
    return result


def _memo_key(fn: Callable, items: list, shared: Any) -> str | None:
    """The digest a stored map must match (see memoized); None when the inputs do not pickle."""
    try:
        import cloudpickle  # distributed's own dependency
        payload = cloudpickle.dumps((fn, items, shared), protocol=5)
    except Exception:  # noqa: BLE001 - anything unpicklable is simply not stored
        return None
    from .pipeline import fingerprint
    h = hashlib.sha256(payload)
    h.update(fingerprint.package_digest().encode())
    h.update(fingerprint.library_versions().encode())
    return h.hexdigest()


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler asked for: the argument, else CASEWORK_SCHEDULER, else None (run locally)."""
    address = scheduler if scheduler else os.environ.get(ENV, "")
    return address.strip() or None


@contextlib.contextmanager
def open_engine(workers: int | None = None, scheduler: str | None = None,
                timeout: str = "20s") -> Iterator[Engine]:
    """An engine for one run: sequential (workers=1), a local cluster (started and closed
    here) or the existing cluster at `scheduler` / $CASEWORK_SCHEDULER (left running)."""
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers={workers!r}: expected a whole number of 1 or more")
    address = scheduler_address(scheduler)
    if address is not None:
        check_address(address, "--scheduler" if scheduler else f"${ENV}")
    n = workers or available_cores()
    share = build_share()
    n = min(n, share) if share else n  # inside a build: no more than its share of the cores
    if address is None and n == 1:
        yield Sequential()
        return
    from distributed import Client, LocalCluster
    if address is not None:
        try:
            client = Client(address, timeout=timeout)
        except OSError as err:
            raise SchedulerError(f"no Dask scheduler answers at {address} "
                               f"(from --scheduler or ${ENV}): {err}") from None
        try:
            yield DaskEngine(client, address)
        finally:
            client.close()
        return
    # One thread per worker: the fits are numpy/BLAS-bound and hold the GIL between calls.
    # The scheduler's HTTP server on a free port (None still tries 8787, which another
    # run on the machine may hold, and warns).
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        yield DaskEngine(client)
    finally:
        client.close()
        cluster.close()


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")  # distributed's network transports
PROBE_SECONDS = 5.0  # a host that drops packets: give up on it after this long


def check_address(address: str, origin: str = "--scheduler") -> None:
    """Refuse, at once and in one line, an address that is none, or where nothing listens.

    distributed's Client retries a refused connection until its timeout (10-20 s); a
    plain TCP connection says "refused" immediately, so a dead scheduler fails fast.
    origin: where the address came from (--scheduler or $CASEWORK_SCHEDULER).
    """
    import socket

    from distributed.comm.addressing import get_address_host_port, parse_address
    shown = address if len(address) <= 80 else address[:77] + "..."
    expected = "expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786"
    try:
        scheme, _ = parse_address(address)
        host, port = get_address_host_port(address)
    except (ValueError, TypeError):
        scheme, host, port = "", "", 0
    if scheme not in SCHEMES or not host or not 0 < port < 65536:
        raise SchedulerError(f"{origin} {shown!r}: not a Dask scheduler address; {expected}")
    try:
        with socket.create_connection((host, port), timeout=PROBE_SECONDS):
            pass
    except ConnectionRefusedError:
        raise SchedulerError(f"no Dask scheduler answers at {shown} (from {origin}): the connection "
                             f"was refused (nothing listens on port {port}); start one (`dask "
                             f"scheduler`) or leave out {origin}") from None
    except socket.gaierror:
        raise SchedulerError(f"no Dask scheduler answers at {shown} (from {origin}): host {host!r} "
                             f"not found; {expected}") from None
    except OSError as err:
        raise SchedulerError(f"no Dask scheduler answers at {shown} (from {origin}): "
                             f"{err.strerror or 'no answer within ' + str(PROBE_SECONDS) + ' s'}; "
                             f"{expected}") from None


def engine_map(engine: Engine | None) -> Callable[[Callable, Sequence], list]:
    """A map(fn, items) -> list callable for runners that take one (e.g. the recovery study)."""
    eng = engine or Sequential()
    return lambda fn, items: eng.map(fn, items)
