"""ThresholdedClassifier: out-of-fold tuning, scikit-learn estimators and tools, joint models."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import ClassifierChain, MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.decision import (
    BayesOptimal,
    GlobalThreshold,
    PerLabelThreshold,
    ThresholdedClassifier,
    TopK,
)
from labelwise.errors import ProblemSetupError, ProblemSetupWarning
from labelwise.models import BinaryRelevance


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(n_samples=90, n_features=6, n_classes=3, random_state=0)
    return X, Y


def _lr():
    return LogisticRegression(solver="liblinear")


def _multinomial():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.5))


def _ovr():
    return OneVsRestClassifier(LogisticRegression(solver="liblinear"))


def test_rule_is_fitted_on_out_of_fold_scores_and_estimator_refit(data):
    X, Y = data
    clf = ThresholdedClassifier(_ovr(), cv=3, random_state=0).fit(X, Y)
    oof = np.empty(Y.shape)
    for train, test in KFold(3, shuffle=True, random_state=0).split(X):
        oof[test] = _ovr().fit(X[train], Y[train]).predict_proba(X[test])
    np.testing.assert_allclose(clf.oof_scores_, oof)
    ref_rule = PerLabelThreshold().fit(Y, oof)
    np.testing.assert_allclose(clf.rule_.thresholds_, ref_rule.thresholds_)
    full = _ovr().fit(X, Y)
    np.testing.assert_allclose(clf.predict_proba(X), full.predict_proba(X))
    np.testing.assert_array_equal(clf.predict(X), ref_rule.predict(full.predict_proba(X)))


@pytest.mark.parametrize(
    "est",
    [
        ClassifierChain(LogisticRegression(solver="liblinear"), order=[0, 1, 2]),
        MultiOutputClassifier(LogisticRegression(solver="liblinear")),
    ],
    ids=["chain", "multioutput"],
)
def test_works_with_sklearn_multilabel_estimators(data, est):
    X, Y = data
    clf = ThresholdedClassifier(est, rule=GlobalThreshold(), cv=3, random_state=0).fit(X, Y)
    assert clf.predict_proba(X).shape == (90, 3)
    assert clf.predict(X).shape == (90, 3)


def test_decision_function_scores(data):
    X, Y = data
    clf = ThresholdedClassifier(_ovr(), method="decision_function", cv=3, random_state=0).fit(X, Y)
    assert clf.oof_scores_.min() < 0  # logits, not probabilities
    np.testing.assert_allclose(clf.decision_function(X), clf.estimator_.decision_function(X))
    assert clf.predict(X).shape == Y.shape


def test_clone_get_params_grid_search_pipeline_and_sparse(data):
    X, Y = data
    clf = ThresholdedClassifier(_ovr(), rule=TopK(1), cv=3, random_state=0)
    assert clone(clf).get_params()["rule"].k == 1
    grid = GridSearchCV(
        clf,
        {"rule": [TopK(1), TopK(2), PerLabelThreshold()]},
        cv=2,
        scoring="f1_macro",
    ).fit(X, Y)
    assert grid.best_estimator_.predict(X).shape == Y.shape
    pipe = make_pipeline(StandardScaler(), ThresholdedClassifier(_ovr(), cv=3)).fit(X, Y)
    assert pipe.predict(X).shape == Y.shape
    sparse = ThresholdedClassifier(_ovr(), cv=3, random_state=0).fit(sp.csr_matrix(X), Y)
    dense = ThresholdedClassifier(_ovr(), cv=3, random_state=0).fit(X, Y)
    np.testing.assert_allclose(sparse.rule_.thresholds_, dense.rule_.thresholds_, atol=1e-6)


def test_metric_chooses_the_rule(data):
    X, Y = data
    assert isinstance(
        ThresholdedClassifier(_ovr(), metric="f1_micro", cv=3).fit(X, Y).rule_, GlobalThreshold
    )
    rule = ThresholdedClassifier(_ovr(), metric="example_f1", cv=3).fit(X, Y).rule_
    assert isinstance(rule, BayesOptimal) and rule.metric == "example_f1"
    with pytest.raises(ProblemSetupError, match="either rule or metric"):
        ThresholdedClassifier(_ovr(), rule=TopK(1), metric="f1_micro").fit(X, Y)


class _JointModel(OneVsRestClassifier):
    """A stand-in for LabelPowerset: a fixed joint distribution over three label sets."""

    def predict_joint_proba(self, X):
        sets = np.array([[1, 1, 0], [0, 0, 1], [1, 0, 1]], dtype=np.int8)
        P = np.tile([0.2, 0.45, 0.35], (len(X), 1))
        return P, sets


def test_joint_rules_use_predict_joint_proba(data):
    X, Y = data
    clf = ThresholdedClassifier(_JointModel(_lr()), rule=BayesOptimal("subset_accuracy"), cv=3).fit(
        X, Y
    )
    np.testing.assert_array_equal(clf.predict(X[:2]), [[0, 0, 1], [0, 0, 1]])


def test_binary_targets_return_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=80) > 0, "yes", "no")
    clf = ThresholdedClassifier(_lr(), cv=4, random_state=0).fit(X, y)
    pred = clf.predict(X)
    assert pred.shape == (80,) and set(pred) <= {"yes", "no"}
    assert clf.predict_proba(X).shape == (80, 2)
    assert clf.decision_function(X).shape == (80,)
    assert (pred == y).mean() > 0.8


def test_labelwise_models_and_their_joint_probabilities(data):
    from labelwise.models import BinaryRelevance, LabelPowerset

    X, Y = data
    br = ThresholdedClassifier(BinaryRelevance(_lr()), cv=3, random_state=0).fit(X, Y)
    assert br.predict(X).shape == Y.shape
    lp = ThresholdedClassifier(
        LabelPowerset(_multinomial()), rule=BayesOptimal("subset_accuracy"), cv=3, random_state=0
    ).fit(X, Y)
    P, sets = lp.estimator_.predict_joint_proba(X)
    np.testing.assert_array_equal(lp.predict(X), sets[np.argmax(P, axis=1)])
    gfm = ThresholdedClassifier(LabelPowerset(_multinomial()), metric="example_f1", cv=3).fit(X, Y)
    np.testing.assert_array_equal(gfm.predict(X), BayesOptimal("example_f1").predict_joint(P, sets))


def test_per_sample_fit_params_are_split_with_the_folds():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    w = rng.uniform(0.5, 2.0, 60)
    clf = ThresholdedClassifier(_lr(), cv=3, random_state=0).fit(X, y, sample_weight=w)
    full = _lr().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.estimator_.coef_, full.coef_)


def test_fold_warnings_name_labels_as_y_does():
    # a label in one row is missing from the training part of some folds; the folds fit on a
    # bare 0/1 matrix, but the warning must say 'rare', not its column number
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = [["news"] if i % 2 else ["sport"] for i in range(30)]
    y[0] = ["sport", "rare"]
    with pytest.warns(ProblemSetupWarning) as record:
        ThresholdedClassifier(BinaryRelevance(), rule=PerLabelThreshold(), cv=3).fit(X, y)
    messages = [str(w.message) for w in record if "never occurs" in str(w.message)]
    assert messages and all("'rare'" in m for m in messages)
    assert not any("label '1'" in m for m in messages)
