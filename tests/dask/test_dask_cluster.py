"""Scale-out on a real Dask cluster: two worker processes on this machine (LocalCluster)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import dask.array as da  # noqa: E402
import joblib  # noqa: E402
from sklearn import metrics as skm  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import labelwise.scale_out as lwd  # noqa: E402
from labelwise import metrics as m  # noqa: E402
from labelwise.datasets import load  # noqa: E402
from labelwise.decision import FixedThreshold  # noqa: E402
from labelwise.errors import ShapeError  # noqa: E402
from labelwise.models import BinaryRelevance, EnsembleClassifierChains, RAkEL  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        host="127.0.0.1",
        silence_logs=logging.ERROR,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def emotions():
    """Standardised emotions (so that the solvers converge well inside their iteration cap)."""
    from dataclasses import replace

    train, test = load("emotions", split="train"), load("emotions", split="test")
    mean, std = train.X.mean(axis=0), train.X.std(axis=0) + 1e-12
    return replace(train, X=(train.X - mean) / std), replace(test, X=(test.X - mean) / std)


def _quiet_fit(model, X, Y):
    # the workers run BLAS on one thread (threads_per_worker=1); so does the local reference, so
    # that both sum in the same order and the models are bit-for-bit equal
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, Y)


def _fit_on_cluster(client, model, X, Y):
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        _quiet_fit(model, X, Y)
    return stream.data


@pytest.mark.parametrize(
    "make",
    [
        lambda: BinaryRelevance(),
        lambda: EnsembleClassifierChains(n_chains=4, random_state=0),
        lambda: RAkEL(k=3, random_state=0),
    ],
    ids=["BinaryRelevance", "EnsembleClassifierChains", "RAkEL"],
)
def test_cluster_fit_predicts_exactly_the_local_fit(client, emotions, make):
    train, test = emotions
    local = _quiet_fit(make(), train.X, train.Y)
    remote = make()
    tasks = _fit_on_cluster(client, remote, train.X, train.Y)
    assert tasks, "nothing ran on the cluster"
    assert {t["worker"] for t in tasks} <= set(client.scheduler_info()["workers"])
    np.testing.assert_array_equal(remote.predict(test.X), local.predict(test.X))
    # scores to the last few bits: the solvers sum in an order that can depend on the memory
    # alignment of the array each process received
    np.testing.assert_allclose(
        remote.predict_proba(test.X), local.predict_proba(test.X), rtol=1e-9, atol=1e-15
    )


def test_a_worker_killed_mid_fit_is_a_clear_error_and_nothing_is_fitted(client, emotions):
    """Dask reruns the lost tasks when it can; when the dead worker held data joblib scattered
    (which cannot be recomputed) ``on_cluster`` raises one ClusterError and the model stays
    unfitted. Which happens depends on where the data went; both are checked."""
    train, test = emotions
    pids = client.run(os.getpid)
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:
                time.sleep(0.3)  # let the task start computing
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
                return
            time.sleep(0.05)

    make = lambda: BinaryRelevance(GradientBoostingClassifier(n_estimators=40, random_state=0))  # noqa: E731
    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    model, error = make(), None
    try:
        with lwd.on_cluster(client):
            model.fit(train.X, train.Y)
    except lwd.ClusterError as err:
        error = err
    finally:
        killer.join()
    assert killed, "no worker was busy to kill"
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker
    assert killed[0] not in client.run(os.getpid).values()
    if error is not None:  # the lost worker held scattered data: a clear error, nothing fitted
        assert "lost work in progress" in str(error)
        assert "Nothing was fitted or saved" in str(error)
        assert not hasattr(model, "estimators_")
    else:  # only recomputable tasks were lost: Dask reran them and the fit is exact
        local = _quiet_fit(make(), train.X, train.Y)
        np.testing.assert_array_equal(model.predict_proba(test.X), local.predict_proba(test.X))
    # the cluster still works afterwards, and a rerun is exact
    local = _quiet_fit(BinaryRelevance(), train.X, train.Y)
    with lwd.on_cluster(client):
        rerun = _quiet_fit(BinaryRelevance(), train.X, train.Y)
    np.testing.assert_array_equal(rerun.predict(test.X), local.predict(test.X))


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(7)
    n, L = 1003, 7
    Y = (rng.random((n, L)) < 0.3).astype(np.int8)
    Y[5] = 0  # a row without labels
    S = np.round(np.clip(0.35 * Y + 0.65 * rng.random((n, L)), 0, 1), 2)  # ties
    return Y, S


COUNTS = ["f1_micro", "f1_macro", "f1_samples", "hamming_loss", "subset_accuracy",
          "precision_weighted", "jaccard_macro"]  # fmt: skip
RANKING = ["lrap", "coverage_error", "label_ranking_loss", "ndcg@3", "average_precision_macro"]


def test_merged_metrics_equal_the_one_shot_functions(client, scored):
    Y, S = scored
    res = lwd.evaluate(
        da.from_array(Y, chunks=(137, 4)),
        da.from_array(S, chunks=(200, 7)),
        metrics=COUNTS + RANKING,
        rule=FixedThreshold(0.5),
        zero_division=0,
    )
    P = (S >= 0.5).astype(np.int8)
    assert res["f1_micro"] == m.f1_score(Y, P, average="micro")
    assert res["f1_macro"] == m.f1_score(Y, P, average="macro")
    assert res["hamming_loss"] == m.hamming_loss(Y, P)
    assert res["subset_accuracy"] == m.subset_accuracy(Y, P)
    assert res["precision_weighted"] == m.precision_score(Y, P, average="weighted")
    assert res["jaccard_macro"] == m.jaccard_score(Y, P, average="macro")
    assert res["f1_samples"] == pytest.approx(
        skm.f1_score(Y, P, average="samples", zero_division=0), rel=1e-14
    )
    assert res["f1_micro"] == pytest.approx(skm.f1_score(Y, P, average="micro"), rel=1e-15)
    assert res["lrap"] == pytest.approx(skm.label_ranking_average_precision_score(Y, S), rel=1e-13)
    assert res["coverage_error"] == pytest.approx(skm.coverage_error(Y, S), rel=1e-13)
    assert res["label_ranking_loss"] == pytest.approx(skm.label_ranking_loss(Y, S), rel=1e-13)
    assert res["ndcg@3"] == pytest.approx(m.ndcg_at_k(Y, S, k=3), rel=1e-13)
    assert res["average_precision_macro"] == pytest.approx(
        skm.average_precision_score(Y, S, average="macro"), rel=1e-13
    )


def test_evaluate_takes_dataframes_and_arrays(client, scored):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    Y, S = scored
    yt = dd.from_pandas(pd.DataFrame(Y), npartitions=3)
    res = lwd.evaluate(yt, S, metrics=["f1_micro", "one_error"])
    assert res["f1_micro"] == m.f1_score(Y, S >= 0.5, average="micro")
    assert res["one_error"] == pytest.approx(m.one_error(Y, S), rel=1e-13)


def test_evaluate_bad_input(client, scored):
    Y, S = scored
    with pytest.raises(ShapeError, match="1003 rows but y_score has 1000"):
        lwd.evaluate(da.from_array(Y), da.from_array(S[:1000]), metrics=["f1_micro"])
    with pytest.raises(ValueError, match="unknown metric 'f2_micro'"):
        lwd.evaluate(Y, S, metrics=["f2_micro"])


def test_predict_proba_over_a_dask_array_equals_in_memory(client, emotions):
    train, test = emotions
    model = _quiet_fit(BinaryRelevance(), train.X, train.Y)
    S = lwd.predict_proba(model, da.from_array(test.X, chunks=(101, 30)))
    assert S.shape == (test.n_samples, train.n_labels)
    assert S.chunks[0] == da.from_array(test.X, chunks=(101, 30)).chunks[0]
    np.testing.assert_allclose(S.compute(), model.predict_proba(test.X), rtol=1e-12, atol=0)
    with pytest.raises(ShapeError, match="trained on 72 features but X has 71"):
        lwd.predict_proba(model, da.from_array(test.X[:, :71]))


def test_predict_proba_over_a_dask_series_of_texts(client):
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    from labelwise.text import TfidfClassifier

    texts = ["oil prices fall", "oil output", "wheat harvest", "grain exports", "oil and wheat"]
    labels = [["oil"], ["oil"], ["grain"], ["grain"], ["oil", "grain"]]
    model = TfidfClassifier().fit(texts, labels)
    series = dd.from_pandas(pd.Series(texts * 3), npartitions=4)
    S = lwd.predict_proba(model, series).compute()
    np.testing.assert_allclose(S, model.predict_proba(texts * 3), rtol=1e-12, atol=0)


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.array", None)
    with pytest.raises(ImportError, match=r"labelwise\[dask\]"):
        lwd.evaluate([[1, 0]], [[0.9, 0.1]], metrics=["f1_micro"])


def test_cli_fit_on_the_scheduler(client, tmp_path):
    from click.testing import CliRunner

    from labelwise.cli import main
    from labelwise.persist import load as load_model

    address = client.scheduler.address
    args = ["fit", "emotions", "--metric", "micro_f1", "--candidates", "MLkNN", "--cv", "3"]
    runner = CliRunner()
    with distributed.get_task_stream(client) as stream:
        remote = runner.invoke(
            main, [*args, "--scheduler", address, "--out", str(tmp_path / "r.lw")]
        )
    assert remote.exit_code == 0, remote.output
    assert stream.data, "the search did not run on the cluster"
    local = runner.invoke(main, [*args, "--out", str(tmp_path / "l.lw")])
    assert local.exit_code == 0, local.output
    test = load("emotions", split="test")
    r, l_ = load_model(tmp_path / "r.lw"), load_model(tmp_path / "l.lw")
    np.testing.assert_array_equal(r.predict(test.X), l_.predict(test.X))
    np.testing.assert_array_equal(r.predict_proba(test.X), l_.predict_proba(test.X))
