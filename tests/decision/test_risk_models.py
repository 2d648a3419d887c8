"""Risk-controlling rules on the scores of labelwise models and scikit-learn classifiers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier

from labelwise.decision import (
    FalsePositiveControl,
    PrecisionControl,
    RecallControl,
    estimator_scores,
)
from labelwise.decision.risk_control import row_risk
from labelwise.models import BinaryRelevance, ClassifierChain, MLkNN


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=3000, n_features=20, n_classes=5, n_labels=2, random_state=0
    )
    Y = Y.astype(np.int8)
    return (X[:1000], Y[:1000]), (X[1000:2000], Y[1000:2000]), (X[2000:], Y[2000:])


MODELS = {
    "BinaryRelevance": lambda: BinaryRelevance(LogisticRegression(solver="liblinear")),
    "ClassifierChain": lambda: ClassifierChain(LogisticRegression(solver="liblinear")),
    "MLkNN": lambda: MLkNN(k=10),
    "sklearn MultiOutputClassifier": lambda: MultiOutputClassifier(
        LogisticRegression(solver="liblinear")
    ),
    "sklearn KNeighborsClassifier": lambda: KNeighborsClassifier(15),
    "sklearn RandomForestClassifier": lambda: RandomForestClassifier(50, random_state=0),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_rules_calibrate_any_models_probabilities(data, name):
    (Xtr, Ytr), (Xcal, Ycal), (Xte, Yte) = data
    model = MODELS[name]().fit(Xtr, Ytr)
    s_cal, s_te = estimator_scores(model, Xcal), estimator_scores(model, Xte)
    for rule, risk, alpha in [
        (RecallControl(0.1), "fnr", 0.1),
        (RecallControl(0.1, 0.1), "fnr", 0.1),
        (PrecisionControl(0.2, 0.1), "fdp", 0.2),
        (FalsePositiveControl(0.5), "fp", 0.5),
    ]:
        P = rule.fit(Ycal, s_cal).predict(s_te)
        assert P.shape == Yte.shape
        # one test set of 1,000 rows: its risk is within sampling noise of the promise
        assert row_risk(Yte, P, risk).mean() <= alpha + 0.05, (name, rule)
    # sparse top-k scores (the rest missing = 0) are accepted as they are
    top = np.argsort(-s_cal, axis=1)[:, :3]
    kept = np.zeros_like(s_cal)
    np.put_along_axis(kept, top, np.take_along_axis(s_cal, top, axis=1), axis=1)
    dense = RecallControl(0.1).fit(Ycal, kept)
    assert RecallControl(0.1).fit(Ycal, sp.csr_matrix(kept)).threshold_ == dense.threshold_


def test_a_model_with_a_guaranteed_rule_saves_and_loads(data, tmp_path):
    import labelwise

    (Xtr, Ytr), (Xcal, Ycal), _ = data
    model = BinaryRelevance(LogisticRegression(solver="liblinear")).fit(Xtr, Ytr)
    rule = RecallControl(0.1, 0.1).fit(Ycal, estimator_scores(model, Xcal))
    model.set_params(decision_rule=rule)
    model.rule_ = rule
    path = tmp_path / "guaranteed.lw"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no untrusted type is written
        labelwise.save(model, path)
    back = labelwise.load(path)
    np.testing.assert_array_equal(back.predict(Xcal), model.predict(Xcal))
    assert back.rule_.guarantee_ == rule.guarantee_
