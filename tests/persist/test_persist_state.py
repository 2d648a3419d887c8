"""Estimators that skops cannot store are saved through their own ``get_state``/``from_state``:
the neural network round-trips, and a state's class is trusted before any of its code runs."""

from __future__ import annotations

import json
import threading
import zipfile

import numpy as np
import pytest
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_multilabel_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.decision import FixedThreshold, GlobalThreshold, ThresholdedClassifier
from labelwise.errors import LabelwiseWarning, ModelFileError, UntrustedTypesError
from labelwise.models._base import resolve_rule
from labelwise.persist import load, load_metadata, save, untrusted_types

X, Y = make_multilabel_classification(n_samples=60, n_features=5, n_classes=3, random_state=0)
X_NEW = np.random.default_rng(3).normal(size=(9, 5)) * X.std(0) + X.mean(0)


class _Opaque:
    """A part skops cannot store (it holds a lock), standing in for a torch module."""

    def __init__(self, w):
        self.w = w
        self.lock = threading.Lock()


class LinearState(ClassifierMixin, BaseEstimator):
    """A minimal estimator implementing the state protocol."""

    rebuilt = 0  # how many times from_state ran

    def __init__(self, scale=1.0, decision_rule=None):
        self.scale = scale
        self.decision_rule = decision_rule

    def fit(self, X, Y):
        self.w_ = np.linalg.lstsq(X, 2.0 * Y - 1.0, rcond=None)[0] * self.scale
        self.net_ = _Opaque(self.w_)
        self.history_ = [0.5, float("nan"), float("inf")]
        self.classes_ = np.array(["a", "b", "c"])
        return self

    def predict_proba(self, X):
        return expit(np.asarray(X) @ self.net_.w)

    def predict(self, X):
        return resolve_rule(self.decision_rule).predict(self.predict_proba(X))

    def get_state(self):
        return {
            "params": {"scale": self.scale},
            "fitted": {"w_": self.w_, "history_": self.history_, "classes_": self.classes_},
            "shape": self.w_.shape,
        }

    @classmethod
    def from_state(cls, state, decision_rule=None):
        LinearState.rebuilt += 1
        model = cls(decision_rule=decision_rule, **state["params"])
        for name, value in state["fitted"].items():
            setattr(model, name, value)
        model.net_ = _Opaque(model.w_)
        return model


def test_protocol_estimator_round_trips_inside_wrappers(tmp_path):
    inner = make_pipeline(
        StandardScaler(), LinearState(scale=0.5, decision_rule=FixedThreshold(0.4))
    )
    model = ThresholdedClassifier(inner, rule=GlobalThreshold(), cv=2, random_state=0).fit(X, Y)
    path = tmp_path / "m.lw"
    with pytest.warns(LabelwiseWarning, match="LinearState"):
        save(model, path)
    assert isinstance(model.estimator_[-1].net_, _Opaque)  # the model was not changed
    name = f"{LinearState.__module__}.LinearState"
    assert untrusted_types(path) == [name]  # its class is not labelwise's: must be trusted
    loaded = load(path, trusted=[LinearState])
    np.testing.assert_array_equal(loaded.predict_proba(X_NEW), model.predict_proba(X_NEW))
    np.testing.assert_array_equal(loaded.predict(X_NEW), model.predict(X_NEW))
    est = loaded.estimator_[-1]
    assert isinstance(est, LinearState) and est.scale == 0.5
    assert est.decision_rule.threshold == 0.4  # an estimator parameter, through skops
    assert est.history_[0] == 0.5 and np.isnan(est.history_[1]) and est.history_[2] == np.inf
    assert est.classes_.tolist() == ["a", "b", "c"]
    meta = load_metadata(path)
    assert meta["states"] == [{"class": name, "tree": "states/0.json", "arrays": "states/0.npz"}]
    with zipfile.ZipFile(path) as zf:
        tree = json.loads(zf.read("states/0.json"))
    assert tree["shape"] == [5, 3] and tree["fitted"]["w_"] == {"__ndarray__": "a0"}


def test_untrusted_state_class_runs_none_of_its_code(tmp_path):
    model = LinearState().fit(X, Y)
    with pytest.warns(LabelwiseWarning, match="LinearState"):  # the saver is told already
        save(model, tmp_path / "m.lw")
    assert untrusted_types(tmp_path / "m.lw") == [f"{LinearState.__module__}.LinearState"]
    before = LinearState.rebuilt
    with pytest.raises(UntrustedTypesError, match="LinearState") as info:
        load(tmp_path / "m.lw")
    assert info.value.types == [f"{LinearState.__module__}.LinearState"]
    assert LinearState.rebuilt == before


def test_state_holding_other_objects_is_refused_at_save(tmp_path):
    class Bad(LinearState):
        def get_state(self):
            return {"net": self.net_}

    with pytest.raises(TypeError, match=r"holds _Opaque at state\['net'\]"):
        save(Bad().fit(X, Y), tmp_path / "m.lw")
    assert list(tmp_path.iterdir()) == []


def test_state_referring_to_a_missing_array_is_refused(tmp_path):
    import hashlib

    with pytest.warns(LabelwiseWarning):
        save(LinearState().fit(X, Y), tmp_path / "m.lw")
    with zipfile.ZipFile(tmp_path / "m.lw") as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != "MANIFEST.json"}
    tree = json.loads(members["states/0.json"])
    tree["fitted"]["w_"] = {"__ndarray__": "a9"}
    members["states/0.json"] = json.dumps(tree).encode()
    manifest = {
        "members": {n: {"sha256": hashlib.sha256(b).hexdigest()} for n, b in members.items()}
    }
    with zipfile.ZipFile(tmp_path / "x.lw", "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
        zf.writestr("MANIFEST.json", json.dumps(manifest))
    with pytest.raises(ModelFileError, match="missing array 'a9'"):
        load(tmp_path / "x.lw", trusted=[LinearState])


def test_neural_classifier_round_trips(tmp_path):
    pytest.importorskip("torch")
    from labelwise.models import NeuralClassifier

    net = NeuralClassifier(
        (8,), max_epochs=3, early_stopping=False, random_state=0, decision_rule=FixedThreshold(0.3)
    )
    model = make_pipeline(StandardScaler(), net).fit(X, Y)
    save(model, tmp_path / "n.lw")
    assert untrusted_types(tmp_path / "n.lw") == []  # loads with the default trust
    loaded = load(tmp_path / "n.lw")
    np.testing.assert_array_equal(loaded.predict_proba(X_NEW), model.predict_proba(X_NEW))
    np.testing.assert_array_equal(loaded.predict(X_NEW), model.predict(X_NEW))
    assert loaded[-1].decision_rule.threshold == 0.3
    meta = load_metadata(tmp_path / "n.lw")
    assert meta["states"][0]["class"] == "labelwise.models.neural.NeuralClassifier"
