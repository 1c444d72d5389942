"""The Dask engine: a real 2-worker LocalCluster (separate processes) gives the same
simulations as this process, whatever the chunking, and survives a worker killed mid-run."""
from __future__ import annotations

import os
import pickle
import signal
import sys

import numpy as np
import pandas as pd
import pytest

from casework import engine as engines
from casework.analysis import power as pw

pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (installed with distributed)

# The workers cannot import this test module: send its functions and classes by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    with engines.open_engine(workers=2) as eng:
        yield eng


# The studies of these tests are small logits and Cox fits of casework's own designs, on a
# small population of cases so that each worker builds it in a moment.
COEFS = pw.published_logit("open")
DRAW = pw.LogitSample("open", COEFS, pool=3000, pool_seed=4)
FIT = pw.LogitTest("upcoming_upr")


def test_engine_choice_and_bad_worker_counts(monkeypatch):
    monkeypatch.delenv(engines.ENV, raising=False)
    with engines.open_engine(workers=1) as eng:
        assert eng.kind == "sequential" and eng.map(abs, [-2, 3]) == [2, 3]
        assert eng.map(pow, [2, 3], shared=2) == [4, 9]
    with pytest.raises(ValueError, match="workers=0"):
        with engines.open_engine(workers=0):
            pass
    monkeypatch.setenv(engines.ENV, "tcp://127.0.0.1:9")      # nothing listens on port 9
    assert engines.scheduler_address() == "tcp://127.0.0.1:9"
    with pytest.raises(RuntimeError, match=r"no Dask scheduler answers at tcp://127.0.0.1:9"):
        with engines.open_engine(workers=1, timeout="2s"):
            pass


def test_inside_a_build_a_notebook_gets_no_more_workers_than_its_share(monkeypatch):
    """`casework run` gives each notebook its share of the cores ($CASEWORK_CORES): with
    one core, jobs=2 runs in the notebook's process and starts no cluster."""
    monkeypatch.delenv(engines.ENV, raising=False)
    monkeypatch.setenv(engines.CORES_ENV, "1")
    with engines.open_engine(workers=2) as eng:
        assert eng.kind == "sequential" and eng.map(abs, [-2, 3]) == [2, 3]
    with engines.open_engine() as eng:
        assert eng.kind == "sequential"
    for unset in ("", "0", "two"):  # outside a build, or nonsense: no cap
        monkeypatch.setenv(engines.CORES_ENV, unset)
        assert engines.build_share() is None
    monkeypatch.setenv(engines.CORES_ENV, "3")
    assert engines.build_share() == 3


def test_chunks_cover_every_index_once():
    assert [list(r) for r in engines.chunks(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert engines.chunks(0, 4) == [] and len(engines.chunks(100, 8)) == 8
    with pytest.raises(ValueError, match="parts >= 1"):
        engines.chunks(5, 0)


def test_power_on_the_cluster_equals_power_in_process(cluster):
    sizes = [200, 300]
    here = pw.simulate_power(DRAW, FIT, sizes, n_sims=30, seed=11, engine=engines.Sequential())
    there = pw.simulate_power(DRAW, FIT, sizes, n_sims=30, seed=11, engine=cluster)
    assert cluster.kind == "dask" and cluster.workers == 2
    pd.testing.assert_frame_equal(here.runs, there.runs)
    pd.testing.assert_frame_equal(here.curve, there.curve)
    # chunking does not matter either: one task per size against many
    assert len(pw.tasks(sizes, 30, 1)) == 2 and len(pw.tasks(sizes, 100, 2)) > 2
    # and a different seed gives different studies (the comparison above can fail)
    other = pw.simulate_power(DRAW, FIT, sizes, n_sims=30, seed=12, engine=cluster)
    assert not other.runs["estimate"].equals(here.runs["estimate"])


def test_cox_power_on_the_cluster_equals_power_in_process(cluster):
    pool = pd.DataFrame({"freethe20": [1] * 15 + [0] * 85, "follow_up": np.linspace(20, 80, 100)})
    draw = pw.CoxSample(pool, log_hr=0.8, scale=60.0, shape=1.1, arrays=True)
    here = pw.simulate_power(draw, pw.CoxTest(), [100], n_sims=80, seed=3)
    there = pw.simulate_power(draw, pw.CoxTest(), [100], n_sims=80, seed=3, engine=cluster)
    pd.testing.assert_frame_equal(here.runs, there.runs)


def replication(index: int) -> float:
    """A recovery-study-like replication: a pure function of its index."""
    rng = np.random.default_rng(np.random.SeedSequence(5, spawn_key=(index,)))
    return float(rng.normal(size=50).mean())


def test_engine_map_callable_for_runners(cluster):
    """What a runner taking a map-like callable (the recovery study) gets."""
    mapper = engines.engine_map(cluster)
    assert mapper(replication, range(30)) == [replication(i) for i in range(30)]


class KillOnce:
    """A fit that kills its own worker process the first time it sees study `index`
    (a marker file says it already happened), then fits as usual."""

    def __init__(self, marker: str):
        self.marker = marker

    def __call__(self, sample):
        if not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        return FIT(sample)


def test_a_worker_killed_mid_run_is_replaced_without_changing_results(cluster, tmp_path):
    marker = tmp_path / "killed"
    here = pw.simulate_power(DRAW, FIT, [200], n_sims=40, seed=21)
    pids = set(cluster.client.run(os.getpid).values())
    there = pw.simulate_power(DRAW, KillOnce(str(marker)), [200], n_sims=40, seed=21, engine=cluster)
    killed = int(marker.read_text())
    assert killed in pids                       # a worker of the cluster really died mid-run
    pd.testing.assert_frame_equal(here.runs, there.runs)


def test_cli_scheduler_that_does_not_answer_stops_the_run_with_one_line(capsys, monkeypatch):
    from casework import cli
    monkeypatch.delenv(engines.ENV, raising=False)
    assert cli.main(["run", "07_power", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: no Dask scheduler answers at tcp://127.0.0.1:9")
    assert engines.ENV not in os.environ          # nothing handed to the notebooks


def test_cli_scheduler_is_handed_to_the_notebooks(cluster, monkeypatch):
    """--scheduler ADDRESS reaches the kernels as $CASEWORK_SCHEDULER (checked, then set)."""
    from casework import cli
    address = cluster.client.scheduler.address
    monkeypatch.setenv(engines.ENV, "")           # restored (unset) after the test
    cli._use_scheduler(address)
    assert os.environ[engines.ENV] == address
    with engines.open_engine() as eng:            # what 06/07 open: the existing cluster
        assert eng.kind == "dask" and eng.address == address
        assert eng.map(replication, range(3)) == [replication(i) for i in range(3)]


def test_progress_lines_on_the_terminal_but_not_inside_a_kernel(capfd, monkeypatch):
    """ipykernel forwards the process's stderr into the notebook, so a page would show them."""
    items = list(range(engines.PROGRESS_MIN_TASKS))
    seq = engines.Sequential()
    seq.map(abs, items, label="study")
    n = len(items)
    assert f"study: {n}/{n} tasks (100%)" in capfd.readouterr().err
    monkeypatch.setattr(engines, "in_kernel", lambda: True)
    assert seq.map(abs, items, label="study") == items
    assert capfd.readouterr().err == ""
    seq.map(abs, items, label="study", progress=True)      # asked for explicitly: shown
    assert f"study: {n}/{n}" in capfd.readouterr().err
    seq.map(abs, items[:-1], label="study", progress=True)  # too few tasks to report
    assert capfd.readouterr().err == ""


def test_in_kernel_is_false_outside_jupyter():
    assert engines.in_kernel() is False


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def no_client(monkeypatch):
    """distributed's Client retries a refused connection for its whole timeout: it must
    not even be reached when the address is bad or refuses."""
    import distributed

    def reached(*args, **kwargs):
        raise AssertionError("distributed.Client was reached")
    monkeypatch.setattr(distributed, "Client", reached)
    monkeypatch.delenv(engines.ENV, raising=False)


@pytest.mark.parametrize("command", [["run", "07_power"], ["recovery", "--reps", "1"]])
def test_a_refused_port_fails_at_once_with_one_line(no_client, capsys, command):
    from casework import cli
    port = closed_port()
    assert cli.main([*command, "--scheduler", f"tcp://127.0.0.1:{port}"]) == 2
    assert capsys.readouterr().err == (
        f"error: no Dask scheduler answers at tcp://127.0.0.1:{port} (from --scheduler): the connection "
        f"was refused (nothing listens on port {port}); start one (`dask scheduler`) or leave out "
        "--scheduler\n")
    assert engines.ENV not in os.environ


@pytest.mark.parametrize("address", ["notanaddress", "tcp://host-without-port", "inproc://x",
                                     "tcp://127.0.0.1:99999", "x" * 500])
@pytest.mark.parametrize("command", [["run", "07_power"], ["recovery", "--reps", "1"]])
def test_a_malformed_scheduler_address_is_one_line_naming_the_option(no_client, capsys, command, address):
    from casework import cli
    assert cli.main([*command, "--scheduler", address]) == 2
    shown = address if len(address) <= 80 else address[:77] + "..."
    assert capsys.readouterr().err == (f"error: --scheduler {shown!r}: not a Dask scheduler address; "
                                       "expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786\n")


def test_a_bad_address_in_the_environment_names_the_variable(no_client, monkeypatch):
    monkeypatch.setenv(engines.ENV, "notanaddress")
    with pytest.raises(engines.SchedulerError, match=r"^\$CASEWORK_SCHEDULER 'notanaddress': not a Dask"):
        with engines.open_engine(workers=1):
            pass


def test_inside_a_build_a_map_is_reused_when_its_inputs_are_the_same(tmp_path, monkeypatch):
    """$CASEWORK_MEMO (set by `casework run`): the same map again is read back, not computed;
    other items, another shared value or another casework file compute again."""
    monkeypatch.delenv(engines.ENV, raising=False)
    monkeypatch.setenv(engines.MEMO_ENV, str(tmp_path / "memo"))
    computed = []

    def run(items, shared):
        return engines.memoized(pow, items, shared, lambda: computed.append(items) or
                                [pow(i, shared) for i in items])
    assert run([1, 2, 3], 2) == [1, 4, 9] and computed == [[1, 2, 3]]
    assert run([1, 2, 3], 2) == [1, 4, 9] and computed == [[1, 2, 3]]     # read back
    assert run([1, 2, 3], 3) == [1, 8, 27] and run([4], 2) == [16]        # shared, items differ
    assert len(computed) == 3
    from casework.pipeline import fingerprint
    monkeypatch.setattr(fingerprint, "package_digest", lambda root=None: "casework edited")
    assert run([1, 2, 3], 2) == [1, 4, 9] and len(computed) == 4          # code changed
    assert engines.Sequential().map(abs, [-5]) == [5]                     # maps go through it
    assert len(list((tmp_path / "memo").glob("*.pickle"))) == 5
    monkeypatch.delenv(engines.MEMO_ENV)
    run([1, 2, 3], 2)
    assert len(computed) == 5                                             # outside a build: never stored


def test_a_stored_map_that_does_not_read_back_is_computed_again(tmp_path, monkeypatch):
    monkeypatch.setenv(engines.MEMO_ENV, str(tmp_path))
    eng = engines.Sequential()
    eng.map(abs, [-1])
    (stored,) = tmp_path.glob("*.pickle")
    stored.write_bytes(b"truncated by a kill")
    assert eng.map(abs, [-1]) == [1]
    assert pickle.loads(stored.read_bytes()) == [1]
