"""One notebook per worker process: the process runs execute(), the build watches it.

A separate process per notebook keeps papermill's process-wide state (working
directory, logging, event loops) out of the build, lets notebooks run side by
side, and makes Ctrl-C reach the execution. The worker reads its job as JSON on
stdin and reports on stdout, one JSON object per line:

    {"cell": 3, "of": 12}                         a cell started
    {"ok": true, "seconds": 8.2}                  executed and written
    {"ok": false, "failure": {...}} / {"ok": false, "error": "..."}
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..paths import EXECUTED


@dataclass
class Job:
    name: str
    source: Path  # notebooks/NN_name.py
    output: Path  # analyses/NN_name.ipynb
    params: dict
    root: Path  # project root; the kernel runs in root/notebooks
    cores: int | None = None  # the cores its notebook may use beside the others ($CASEWORK_CORES)


@dataclass
class Outcome:
    ok: bool
    seconds: float = 0.0
    failure: dict | None = None  # cell, first_line, ename, evalue (a cell raised)
    error: str = ""  # anything else: kernel died, worker crashed, interrupted
    started: bool = True  # False: the build was interrupted before this notebook began
    partial: str = ""  # where the failed run's notebook was kept, when not in analyses/


class Running:
    """The worker processes alive right now, so Ctrl-C can be passed on to them."""

    def __init__(self):
        from .lock import inherited_fds
        self.procs: set[subprocess.Popen] = set()
        self.stopping = False
        # The build lock's open file: each worker holds it too, so the lock outlasts a
        # build killed outright until its workers have ended (casework.pipeline.lock).
        self.lock_fds = inherited_fds()

    def interrupt(self) -> None:
        self.stopping = True
        for proc in list(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                # A signal can land on a thread other than the worker's main one and wait
                # there while the kernel runs on; a closed stdin is seen at once.
                _close_quietly(proc.stdin)


def _close_quietly(stream) -> None:
    try:
        stream.close()
    except (OSError, ValueError):   # already closed, or the worker has gone
        pass


def run_job(job: Job, on_cell, running: Running) -> Outcome:
    """Execute `job` in a worker process; on_cell(i, n) is called as cells start."""
    env = {**os.environ, "CASEWORK_ROOT": str(job.root)}  # the kernel finds the same project
    if job.cores:  # the kernel inherits it: casework.engine starts no larger cluster
        env["CASEWORK_CORES"] = str(job.cores)
    # where casework.engine keeps the notebook's maps (reused when their inputs are the same)
    env["CASEWORK_MEMO"] = str(job.root / ".casework" / "memo" / job.name)
    payload = json.dumps({"name": job.name, "source": str(job.source), "output": str(job.output),
                          "params": job.params, "cwd": str(job.root / EXECUTED)})
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "casework.pipeline.worker"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                cwd=job.root, env=env, text=True,
                                # Ctrl-C reaches the build only; it passes one SIGINT on
                                # (Running.interrupt), so each worker can shut its kernel down.
                                start_new_session=True, pass_fds=running.lock_fds)
        running.procs.add(proc)
        if running.stopping:  # interrupted while this one was starting
            proc.send_signal(signal.SIGINT)
        try:
            # stdin stays open while the build lives: the worker stops when it closes.
            try:
                proc.stdin.write(payload + "\n")
                proc.stdin.flush()
            except (OSError, ValueError):   # closed by an interrupt, or the worker is gone
                pass
            final = None
            for line in proc.stdout:
                event = json.loads(line)
                if "cell" in event:
                    on_cell(event["cell"], event["of"])
                else:
                    final = event
            proc.wait()
        finally:
            running.procs.discard(proc)
            _close_quietly(proc.stdin)
        if final is None:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace").strip().splitlines()[-8:]
            return Outcome(ok=False, error=f"worker exited with status {proc.returncode}"
                           + ("".join(f"\n    {ln}" for ln in tail)))
    return Outcome(ok=final["ok"], seconds=final.get("seconds", 0.0),
                   failure=final.get("failure"), error=final.get("error", ""))


def main() -> None:
    # Events go to the original stdout; anything else that prints goes to stderr.
    events = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)

    def emit(**event) -> None:
        events.write(json.dumps(event) + "\n")

    line = sys.stdin.readline()
    if not line:                        # the build stopped before sending the job
        emit(ok=False, error="interrupted")
        return
    job = json.loads(line)
    signal.signal(signal.SIGINT, _on_sigint)
    threading.Thread(target=_stop_when_orphaned, daemon=True).start()
    from .execute import NotebookFailure, execute  # heavy imports only in the worker
    start = time.monotonic()
    try:
        execute(Path(job["source"]), Path(job["output"]), job["params"], Path(job["cwd"]),
                on_cell=lambda i, n: emit(cell=i, of=n))
    except NotebookFailure as exc:
        emit(ok=False, failure=asdict(exc))
    except KeyboardInterrupt:
        emit(ok=False, error="interrupted")
    except Exception as exc:  # kernel died, timed out, failed to start: report, do not hide
        emit(ok=False, error="interrupted" if STOPPING.is_set() else f"{type(exc).__name__}: {exc}")
    else:
        if STOPPING.is_set():   # finished as the stop came: nobody will check or cache it
            emit(ok=False, error="interrupted")
        else:
            emit(ok=True, seconds=round(time.monotonic() - start, 2))


STOPPING = threading.Event()


def _stop() -> None:
    """Stop the notebook now: end its kernel, so the execution fails at once (nbclient
    notices a dead kernel within a second) instead of waiting for the running cell."""
    import psutil   # ipykernel's own dependency
    STOPPING.set()
    children = psutil.Process().children(recursive=True)
    for child in children:
        try:
            child.kill()
        except psutil.Error:    # already gone
            pass
    # Gone before this worker ends (and with it its hold on the build lock): the next
    # build must not start while a kernel of this one could still write.
    deadline = time.monotonic() + 30
    while any(_alive(child) for child in children) and time.monotonic() < deadline:
        time.sleep(0.05)


def _alive(proc) -> bool:
    """Still running: neither gone nor a zombie (a killed process not yet reaped writes nothing)."""
    import psutil
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:    # gone
        return False


def _on_sigint(signum, frame) -> None:
    _stop()
    raise KeyboardInterrupt


def _stop_when_orphaned() -> None:
    """The build closes our stdin when it stops (interrupted, killed, crashed): stop then,
    rather than run on and write outputs nobody will check or cache."""
    sys.stdin.read()
    _stop()
    os.kill(os.getpid(), signal.SIGINT)


if __name__ == "__main__":
    main()
