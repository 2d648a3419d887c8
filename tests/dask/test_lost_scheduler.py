"""A scheduler lost while labelwise works on a Dask cluster is one ClusterError naming its address.

Each test starts a small LocalCluster in this process (one worker thread pool, TCP comms so the
address is a real ``tcp://`` one), closes its scheduler while work is on it, and checks that the
failure reaches the caller as :class:`labelwise.scale_out.ClusterError` and nothing else; the
client's reconnect window (``distributed.comm.timeouts.connect``) is cut to one second so that
the failure surfaces at once.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest

pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import labelwise.scale_out as lwd  # noqa: E402
from labelwise.models import BinaryRelevance  # noqa: E402

pytestmark = pytest.mark.timeout(120)


class SlowLogistic(LogisticRegression):
    """A logistic regression whose fit takes long enough for the scheduler to be closed under it."""

    def fit(self, X, y, sample_weight=None):
        time.sleep(0.4)
        return super().fit(X, y, sample_weight=sample_weight)


class BrokenLogistic(LogisticRegression):
    """Fails on its own, on a healthy cluster: the error is the code's, not the cluster's."""

    def fit(self, X, y, sample_weight=None):
        raise ValueError("broken on purpose")


@pytest.fixture
def cluster():
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        c = distributed.LocalCluster(
            n_workers=1,
            processes=False,
            protocol="tcp",
            threads_per_worker=2,
            host="127.0.0.1",
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        )
        try:
            yield c
        finally:
            try:
                c.close(timeout=5)
            except Exception:  # its scheduler is already gone: nothing left to close
                pass


def _close_scheduler_when_busy(cluster, task: str = "") -> threading.Thread:
    """Close the scheduler as soon as it holds a task whose key contains ``task``."""

    def busy() -> bool:
        return any(task in str(key) for key in list(cluster.scheduler.tasks))

    def close() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not busy():
            time.sleep(0.005)
        cluster.sync(cluster.scheduler.close)

    thread = threading.Thread(target=close, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = (X[:, :3] + 0.5 * rng.normal(size=(120, 3)) > 0).astype(np.int8)
    return X, Y


def _check_message(err: lwd.ClusterError, address: str) -> None:
    text = str(err)
    assert address in text
    assert "scheduler" in text and "rerun" in text
    assert "Traceback" not in text and "\n" not in text


def test_scheduler_closed_mid_fit_is_one_cluster_error(cluster, data):
    X, Y = data
    address = cluster.scheduler_address
    closer = _close_scheduler_when_busy(cluster)
    model = BinaryRelevance(SlowLogistic())
    with pytest.raises(lwd.ClusterError) as info:
        with lwd.on_cluster(address):
            model.fit(X, Y)
    closer.join(10)
    _check_message(info.value, address)
    assert "connection to its scheduler was lost" in str(info.value)
    assert info.value.__cause__ is not None  # Dask's own exception stays attached for debugging


def test_a_lost_scheduler_is_reported_even_when_the_block_caught_the_failure(cluster, data):
    """The automatic search records a candidate whose folds failed and carries on; the block
    must still end in a ClusterError, or a search that lost work would look finished."""
    X, Y = data
    address = cluster.scheduler_address
    closer = _close_scheduler_when_busy(cluster)
    caught = []
    with pytest.raises(lwd.ClusterError) as info:
        with lwd.on_cluster(address):
            try:
                BinaryRelevance(SlowLogistic()).fit(X, Y)
            except Exception as err:  # what a search does with a failed candidate
                caught.append(err)
    closer.join(10)
    assert caught, "the fit did not fail when its scheduler was closed"
    _check_message(info.value, address)


def test_cli_fit_on_a_scheduler_that_dies_prints_one_error_line(cluster, tmp_path):
    from click.testing import CliRunner

    from labelwise.cli import main

    address = cluster.scheduler_address
    out = tmp_path / "model.lw"
    # during the cross-validation folds, whose failure the search records and carries on from
    closer = _close_scheduler_when_busy(cluster, task="fit_fold")
    args = ["fit", "emotions", "--metric", "micro_f1", "--candidates", "MLkNN", "--cv", "3"]
    result = CliRunner().invoke(main, [*args, "--scheduler", address, "--out", str(out)])
    closer.join(10)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert f"the Dask cluster at {address} lost work in progress" in errors[0]
    assert not out.exists()


def test_an_error_of_the_code_itself_passes_through_on_a_healthy_cluster(cluster, data):
    X, Y = data
    with pytest.raises(ValueError, match="broken on purpose") as info:
        with lwd.on_cluster(cluster.scheduler_address):
            BinaryRelevance(BrokenLogistic()).fit(X, Y)
    assert not isinstance(info.value, lwd.ClusterError)
    with lwd.on_cluster(cluster.scheduler_address):  # and the cluster still works
        model = BinaryRelevance(LogisticRegression()).fit(X, Y)
    assert model.predict_proba(X).shape == Y.shape


def test_evaluate_on_a_client_whose_scheduler_is_gone(cluster):
    address = cluster.scheduler_address
    Y = np.array([[1, 0], [0, 1], [1, 1]] * 10)
    with distributed.Client(address) as client:
        assert lwd.evaluate(Y, Y, metrics=["f1_micro"])["f1_micro"] == 1.0
        cluster.sync(cluster.scheduler.close)
        with pytest.raises(lwd.ClusterError) as info:
            lwd.evaluate(da.from_array(Y, chunks=(7, 2)), Y, metrics=["f1_micro"])
        assert "Nothing was evaluated" in str(info.value)
        _check_message(info.value, address)
        assert client.status != "running"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("tcp://127.0.0.1:9", "scheduler at tcp://127.0.0.1:9"),
        ("tcp://no-such-host.invalid:8786", "cannot reach the Dask scheduler at tcp://no-such"),
        ("tcp://", "is not a Dask scheduler address"),
        ("nosuch://host:8786", "is not a Dask scheduler address"),
    ],
)
def test_a_scheduler_that_cannot_be_reached_is_a_cluster_error(address, expected):
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        with pytest.raises(lwd.ClusterError, match=expected) as info:
            with lwd.on_cluster(address):
                pytest.fail("the block must not run without a scheduler")
    assert "Traceback" not in str(info.value)


class _FakeClient:
    """Just enough of a client for the watch: a scheduler whose id the test changes."""

    status = "running"
    asynchronous = False

    def __init__(self) -> None:
        self.scheduler_id = "first"
        self.scheduler = type("Rpc", (), {"address": "tcp://10.0.0.1:8786", "identity": None})()

    def scheduler_info(self, n_workers: int = -1) -> dict:
        return {"id": self.scheduler_id}

    def sync(self, func, *args, callback_timeout=None, **kwargs) -> dict:
        return {"id": self.scheduler_id}


def test_a_scheduler_restarted_under_a_block_is_reported():
    """A client reconnects to a scheduler restarted at the same address within its connect
    timeout; the work the old one held is gone, so the block ends in a ClusterError."""
    client = _FakeClient()
    with lwd._Watch(client, None):  # the same scheduler throughout: nothing to report
        pass
    with pytest.raises(lwd.ClusterError, match="scheduler restarted") as info:
        with lwd._Watch(client, None):
            client.scheduler_id = "second"
    assert "tcp://10.0.0.1:8786" in str(info.value)
    client.status = "connecting"
    with pytest.raises(lwd.ClusterError, match="connection to its scheduler was lost"):
        with lwd._Watch(client, None):
            raise AttributeError("'NoneType' object has no attribute 'ncores'")
