"""NeuralClassifier's default rule: tuned on its early-stopping rows (no refit), kept by a model
file; class targets keep the argmax. HierarchicalClassifier fitted for its scores tunes nothing."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import labelwise  # noqa: E402
from labelwise.data import Hierarchy  # noqa: E402
from labelwise.decision import FixedThreshold, GlobalThreshold  # noqa: E402
from labelwise.decision.meta import scores_only  # noqa: E402
from labelwise.models import HierarchicalClassifier, NeuralClassifier  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = dict(hidden_layer_sizes=(8,), learning_rate=0.02, max_epochs=15, random_state=0)


def _data(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)).astype(np.float32)
    Y = (X[:, :3] + rng.normal(scale=1.0, size=(n, 3)) > 0.9).astype(np.int8)
    return X, Y


def test_the_default_rule_is_tuned_on_the_early_stopping_rows_without_a_refit(monkeypatch):
    X, Y = _data()
    trained = []
    real = NeuralClassifier._train_network

    def counting(self, *args, **kwargs):
        trained.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(NeuralClassifier, "_train_network", counting)
    model = NeuralClassifier(**SMALL).fit(X, Y)
    assert len(trained) == 1  # no fold refits
    val = model._validation_rows
    assert val.size == 20
    reference = GlobalThreshold().fit(Y[val], model.predict_proba(X[val]))
    assert model.rule_.threshold_ == reference.threshold_
    P = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), (P >= reference.threshold_).astype(np.int8))


def test_without_early_stopping_the_default_is_tuned_on_five_folds(monkeypatch):
    X, Y = _data(n=100)
    trained = []
    real = NeuralClassifier._train_network

    def counting(self, *args, **kwargs):
        trained.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(NeuralClassifier, "_train_network", counting)
    model = NeuralClassifier(early_stopping=False, **SMALL).fit(X, Y)
    assert len(trained) == 1 + 5
    assert isinstance(model.rule_, GlobalThreshold)


def test_a_fixed_rule_and_class_targets_are_not_tuned():
    X, Y = _data()
    fixed = NeuralClassifier(decision_rule=FixedThreshold(0.5), **SMALL).fit(X, Y)
    assert not hasattr(fixed, "rule_")
    np.testing.assert_array_equal(fixed.predict(X), (fixed.predict_proba(X) >= 0.5))
    classes = NeuralClassifier(**SMALL).fit(X, Y.sum(axis=1))
    assert not hasattr(classes, "rule_")
    P = classes.predict_proba(X)
    np.testing.assert_array_equal(classes.predict(X), classes.classes_[P.argmax(axis=1)])


def test_a_model_file_keeps_the_tuned_threshold(tmp_path):
    X, Y = _data()
    model = NeuralClassifier(**SMALL).fit(X, Y)
    labelwise.save(model, tmp_path / "m.lw")
    back = labelwise.load(tmp_path / "m.lw")
    assert back.rule_.threshold_ == model.rule_.threshold_
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


def test_hierarchical_model_fitted_for_its_scores_tunes_nothing():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    cat, dog = X[:, 0] > 0.5, X[:, 1] > 0.5
    Y = np.column_stack([cat | dog, cat, dog]).astype(int)
    h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    kw = dict(hierarchy=h, labels=["animal", "cat", "dog"], random_state=0)
    tuned = HierarchicalClassifier(**kw).fit(X, Y)
    assert hasattr(tuned.rule_, "threshold_")
    with scores_only():
        plain = HierarchicalClassifier(**kw).fit(X, Y)
    assert not hasattr(plain.rule_, "threshold_")
    np.testing.assert_allclose(plain.predict_proba(X), tuned.predict_proba(X))
