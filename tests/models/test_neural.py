"""NeuralClassifier's training behaviour: heads, sparse input, early stopping, determinism,
progress, persistence, and use inside ThresholdedClassifier, Pipeline and GridSearchCV."""

from __future__ import annotations

import io
import json
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

torch = pytest.importorskip("torch")

from labelwise.decision import PerLabelThreshold, ThresholdedClassifier  # noqa: E402
from labelwise.models import BinaryRelevance, NeuralClassifier  # noqa: E402
from labelwise.models._neural_train import Batches  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _multilabel(n=300, d=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    W = rng.normal(size=(d, 4))
    Y = (X @ W + 0.3 * rng.normal(size=(n, 4)) > 0.5).astype(int)
    return X, Y


def small(**kw):
    kw.setdefault("hidden_layer_sizes", (16,))
    kw.setdefault("dropout", 0.0)
    kw.setdefault("learning_rate", 0.01)
    kw.setdefault("max_epochs", 30)
    kw.setdefault("random_state", 0)
    return NeuralClassifier(**kw)


def test_multilabel_quality_is_that_of_a_linear_model_on_linear_data():
    X, Y = _multilabel(n=600)
    Xtr, Ytr, Xte, Yte = X[:400], Y[:400], X[400:], Y[400:]
    nn = small(hidden_layer_sizes=(), max_epochs=60).fit(Xtr, Ytr)
    br = BinaryRelevance(LogisticRegression()).fit(Xtr, Ytr)
    assert nn.head_ == "sigmoid" and nn.kind_ == "multilabel"
    f_nn = f1_score(Yte, nn.predict(Xte), average="micro")
    f_br = f1_score(Yte, br.predict(Xte), average="micro")
    assert f_nn > f_br - 0.03  # both fit the same linear model


def test_multiclass_targets_give_a_softmax_and_classes_back():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    names = np.array(["eel", "cat", "dog"])
    y = names[np.argmax(X[:, :3], axis=1)]
    model = small().fit(X, y)
    assert model.head_ == "softmax" and list(model.classes_) == ["cat", "dog", "eel"]
    P = model.predict_proba(X)
    assert P.shape == (300, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-5)
    pred = model.predict(X)
    assert pred.dtype.kind == "U" and np.mean(pred == y) > 0.9
    np.testing.assert_array_equal(pred, model.classes_[np.argmax(P, axis=1)])


def test_one_hot_targets_are_multiclass_and_predict_one_hot():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    Y = np.eye(3, dtype=int)[np.argmax(X, axis=1)]
    model = small().fit(X, Y)
    assert model.head_ == "softmax" and model.kind_ == "multiclass"
    D = model.predict(X)
    assert D.shape == Y.shape and np.all(D.sum(axis=1) == 1)
    assert np.mean(np.all(D == Y, axis=1)) > 0.9
    # asked for a sigmoid, the same matrix is treated as label sets
    assert small(head="sigmoid").fit(X, Y).head_ == "sigmoid"


def test_label_lists_keep_the_label_names():
    X, Y = _multilabel(n=120)
    names = np.array(["java", "uk", "remote", "senior"])
    lists = [list(names[row.astype(bool)]) for row in Y]
    model = small(max_epochs=3).fit(X, lists)
    assert sorted(model.classes_) == sorted(names)
    assert model.predict_proba(X).shape == (120, 4)


def test_sparse_input_stays_sparse_and_equals_dense():
    X, Y = _multilabel()
    X[np.abs(X) < 0.8] = 0
    Xs = sp.csr_matrix(X)
    batches = Batches(Xs, torch.device("cpu"))
    assert sp.issparse(batches.X)
    block = batches.rows(torch.tensor([3, 0, 7]))
    np.testing.assert_array_equal(block.numpy(), X[[3, 0, 7]])
    dense = small(max_epochs=5).fit(X, Y)
    sparse = small(max_epochs=5).fit(Xs, Y)
    np.testing.assert_allclose(sparse.predict_proba(Xs), dense.predict_proba(X), atol=1e-6)


def test_same_seed_same_model_and_global_rng_untouched():
    X, Y = _multilabel()
    torch.manual_seed(123)
    before = torch.get_rng_state().clone()
    a = small(dropout=0.3, random_state=7).fit(X, Y).predict_proba(X)
    assert torch.equal(torch.get_rng_state(), before)
    b = small(dropout=0.3, random_state=7).fit(X, Y).predict_proba(X)
    c = small(dropout=0.3, random_state=8).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_early_stopping_stops_and_restores_the_best_epoch():
    X, Y = _multilabel(n=200, d=30)
    Y[::4] = 1 - Y[::4]  # noisy labels: a wide net overfits quickly
    params = dict(hidden_layer_sizes=(64,), learning_rate=0.02, patience=4, lr_schedule=None)
    model = small(max_epochs=200, **params).fit(X, Y)
    history = [row["val_loss"] for row in model.history_]
    assert len(history) == model.n_epochs_ < 200
    assert model.best_epoch_ == int(np.argmin(history)) + 1
    assert model.n_epochs_ - model.best_epoch_ == 4
    assert model.best_score_ == min(history)
    # the restored weights are those after the best epoch: a run that stops there matches them
    upto = small(max_epochs=model.best_epoch_, **params).fit(X, Y)
    np.testing.assert_allclose(upto.predict_proba(X), model.predict_proba(X), rtol=1e-6)
    last = small(max_epochs=200, restore_best=False, **params).fit(X, Y)
    assert not np.allclose(last.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("monitor", ["f1_micro", "lrap", "hamming"])
def test_monitor_a_named_metric(monitor):
    X, Y = _multilabel(n=200)
    model = small(monitor=monitor, max_epochs=8, patience=3).fit(X, Y)
    values = [row["val_" + monitor] for row in model.history_]
    best = min(values) if monitor == "hamming" else max(values)
    assert model.best_score_ == best
    assert model.best_epoch_ == values.index(best) + 1


def test_monitor_tunes_a_rule_that_needs_tuning():
    X, Y = _multilabel(n=200)
    model = small(monitor="f1_macro", max_epochs=4, decision_rule=PerLabelThreshold()).fit(X, Y)
    assert all(0 <= row["val_f1_macro"] <= 1 for row in model.history_)


@pytest.mark.parametrize("schedule", [None, "cosine", "onecycle", "plateau"])
def test_learning_rate_schedules(schedule):
    X, Y = _multilabel(n=150)
    model = small(lr_schedule=schedule, max_epochs=6, early_stopping=False).fit(X, Y)
    lrs = [row["lr"] for row in model.history_]
    if schedule is None:
        assert lrs == [0.01] * 6
    elif schedule == "cosine":
        assert lrs[-1] < lrs[0] < 0.01 and lrs[-1] == pytest.approx(0.0, abs=1e-9)
    elif schedule == "onecycle":
        assert max(lrs) > lrs[0] and lrs[-1] < 0.1 * max(lrs)


def test_pos_weight_balanced_raises_recall_of_rare_labels():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 6)).astype(np.float32)
    noisy = X[:, :3] + rng.normal(size=(600, 3))
    Y = (noisy > np.array([2.0, 1.8, 0.0])).astype(int)
    plain = small(hidden_layer_sizes=(), max_epochs=15).fit(X, Y)
    weighted = small(hidden_layer_sizes=(), max_epochs=15, pos_weight="balanced").fit(X, Y)
    n_pos = Y.sum(axis=0)
    np.testing.assert_allclose(weighted.pos_weight_, (600 - n_pos) / n_pos)
    recall = lambda m: (m.predict(X) * Y).sum(axis=0) / n_pos  # noqa: E731
    assert np.all(recall(weighted)[:2] > recall(plain)[:2] + 0.1)


@pytest.mark.parametrize("loss", ["focal", "asymmetric"])
def test_imbalance_losses_train(loss):
    X, Y = _multilabel(n=300)
    model = small(loss=loss, max_epochs=20).fit(X, Y)
    assert f1_score(Y, model.predict(X), average="micro") > 0.7


def test_callable_loss_and_batch_norm():
    X, Y = _multilabel(n=150)
    calls = []

    def my_loss(z, t, scale=1.0):
        calls.append(z.shape)
        return scale * torch.nn.functional.binary_cross_entropy_with_logits(z, t)

    model = small(
        loss=my_loss, loss_params={"scale": 2.0}, batch_norm=True, batch_size=37, max_epochs=2
    ).fit(X, Y)
    assert calls and all(s[1] == 4 for s in calls)
    assert isinstance(model.module_[1], torch.nn.BatchNorm1d)
    assert model.predict_proba(X).shape == (150, 4)


def test_progress_is_silent_off_a_terminal_and_shown_when_verbose(capsys):
    X, Y = _multilabel(n=100)
    small(max_epochs=2).fit(X, Y)
    assert capsys.readouterr().err == ""
    small(max_epochs=2, verbose=True).fit(X, Y)
    err = capsys.readouterr().err
    assert "NeuralClassifier: 2/" in err and "val_loss=" in err


def test_pickle_clone_and_state_round_trip():
    X, Y = _multilabel(n=150)
    model = small(max_epochs=3, batch_norm=True, pos_weight="balanced").fit(X, Y)
    P = model.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), P)
    assert not hasattr(clone(model), "module_")
    state = model.get_state()
    # JSON-safe apart from the NumPy arrays
    json.dumps(
        {k: state[k] for k in ("format", "params")},
        default=lambda a: a.tolist(),
    )
    assert all(isinstance(v, np.ndarray) for v in state["weights"].values())
    twin = NeuralClassifier.from_state(state)
    np.testing.assert_array_equal(twin.predict_proba(X), P)
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))
    buf = io.BytesIO()
    np.savez(buf, **state["weights"])  # plain arrays: storable without pickle
    buf.seek(0)
    loaded = dict(np.load(buf, allow_pickle=False))
    state2 = {**state, "weights": loaded}
    np.testing.assert_array_equal(NeuralClassifier.from_state(state2).predict_proba(X), P)


def test_powerset_state_round_trip():
    X, Y = _multilabel(n=300)
    model = small(head="powerset", max_epochs=3, force=True).fit(X, Y)
    twin = NeuralClassifier.from_state(model.get_state())
    np.testing.assert_array_equal(twin.predict_joint_proba(X)[0], model.predict_joint_proba(X)[0])


def test_inside_thresholded_classifier_pipeline_and_grid_search():
    X, Y = _multilabel(n=240)
    X = X * 50 + 3  # unscaled: the pipeline's scaler handles it
    pipe = make_pipeline(StandardScaler(), small(max_epochs=10))
    tuned = ThresholdedClassifier(pipe, rule=PerLabelThreshold(), cv=3, random_state=0)
    tuned.fit(X, Y)
    assert tuned.rule_.thresholds_.shape == (4,)
    assert f1_score(Y, tuned.predict(X), average="macro") > 0.7
    grid = GridSearchCV(
        make_pipeline(StandardScaler(), small(max_epochs=5)),
        {"neuralclassifier__hidden_layer_sizes": [(8,), (16,)]},
        scoring="f1_micro",
        cv=2,
    ).fit(X, Y)
    assert grid.best_params_["neuralclassifier__hidden_layer_sizes"] in [(8,), (16,)]
    assert grid.predict(X).shape == Y.shape


def test_feature_names_are_kept_and_survive_the_state():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    y = np.array(["x", "y", "z"])[np.arange(60) % 3]
    model = small(max_epochs=2).fit(X, y)
    assert list(model.feature_names_in_) == ["a", "b", "c"]
    twin = NeuralClassifier.from_state(model.get_state())
    assert list(twin.feature_names_in_) == ["a", "b", "c"]
    np.testing.assert_array_equal(twin.predict(X), model.predict(X))
