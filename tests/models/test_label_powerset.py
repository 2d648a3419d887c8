"""LabelPowerset against a hand-built multi-class model on label-set ids; pruned sets by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from labelwise.decision import FixedThreshold
from labelwise.errors import ProblemSetupWarning, TargetError
from labelwise.models import LabelPowerset
from labelwise.models.label_powerset import fit_label_sets

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=90, n_features=6, n_classes=4, random_state=1, allow_unlabeled=True
    )
    return StandardScaler().fit_transform(X), Y


def test_equals_multiclass_lr_on_label_set_ids(data):
    X, Y = data
    sets = sorted({tuple(r) for r in Y.tolist()})  # the observed combinations, never 2^L
    ids = np.array([sets.index(tuple(r)) for r in Y.tolist()])
    ref = LogisticRegression().fit(X, ids).predict_proba(X)
    model = LabelPowerset().fit(X, Y)
    P, label_sets = model.predict_joint_proba(X)
    assert label_sets.dtype == np.int8
    np.testing.assert_array_equal(label_sets, np.array(sets))
    np.testing.assert_allclose(P, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.predict_proba(X), ref @ np.array(sets), rtol=1e-10)


def test_predict_is_rule_on_marginals(data):
    X, Y = data
    model = LabelPowerset(decision_rule=FixedThreshold(0.3)).fit(X, Y)
    np.testing.assert_array_equal(model.predict(X), model.predict_proba(X) >= 0.3)


def test_pruned_sets_strategy_a_by_hand():
    Y = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 1, 1], [0, 0, 1]])
    sets, rows, codes = fit_label_sets(Y, min_count=2, max_reassign=1, strategy="A")
    # [1,1,1] keeps its largest frequent subset [1,1,0]; [0,0,1] has no frequent subset: dropped
    np.testing.assert_array_equal(sets, [[1, 0, 0], [1, 1, 0]])
    np.testing.assert_array_equal(rows, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(codes, [1, 1, 0, 0, 1])
    sets, rows, codes = fit_label_sets(Y, min_count=2, max_reassign=2, strategy="A")
    np.testing.assert_array_equal(rows, [0, 1, 2, 3, 4, 4])  # row 4 re-introduced twice
    np.testing.assert_array_equal(codes, [1, 1, 0, 0, 1, 0])


def test_pruned_sets_strategy_b_by_hand():
    Y = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 1, 1]])
    # B with b=1: every frequent subset with more than one label -> only [1,1,0]
    _, rows, codes = fit_label_sets(Y, min_count=2, max_reassign=1, strategy="B")
    np.testing.assert_array_equal(rows, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(codes, [1, 1, 0, 0, 1])
    # B with b=0: every non-empty frequent subset -> [1,0,0] and [1,1,0]
    _, rows, codes = fit_label_sets(Y, min_count=2, max_reassign=0, strategy="B")
    np.testing.assert_array_equal(rows, [0, 1, 2, 3, 4, 4])
    np.testing.assert_array_equal(sorted(codes[-2:]), [0, 1])


def test_pruned_model_equals_lr_on_augmented_data(data):
    X, Y = data
    sets, rows, codes = fit_label_sets(Y, min_count=3)
    ref = LogisticRegression().fit(X[rows], codes).predict_proba(X) @ sets
    model = LabelPowerset(min_count=3).fit(X, Y)
    assert len(model.label_sets_) < len({tuple(r) for r in Y.tolist()})
    np.testing.assert_allclose(model.predict_proba(X), ref, rtol=1e-10)


def test_pruning_everything_is_an_error():
    X = np.arange(4.0).reshape(-1, 1)
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    with pytest.raises(TargetError, match="prunes every label combination"):
        LabelPowerset(min_count=2).fit(X, Y)


def test_one_label_set_warns_and_predicts_it():
    X = np.arange(4.0).reshape(-1, 1)
    Y = np.array([[1, 0, 1]] * 4)
    with pytest.warns(ProblemSetupWarning, match=r"every training example has the label set"):
        model = LabelPowerset().fit(X, Y)
    np.testing.assert_array_equal(model.predict_proba(X), np.tile([1.0, 0.0, 1.0], (4, 1)))


def test_softmax_of_decision_function_without_predict_proba(data):
    X, Y = data
    model = LabelPowerset(LinearSVC()).fit(X, Y)
    P, sets = model.predict_joint_proba(X)
    ids = np.array([np.flatnonzero((sets == r).all(1))[0] for r in Y])
    ref = softmax(LinearSVC().fit(X, ids).decision_function(X), axis=1)
    np.testing.assert_allclose(P, ref, rtol=1e-6, atol=1e-9)


def test_sparse_x_and_pipeline_and_gridsearch(data):
    X, Y = data
    dense = LabelPowerset(LogisticRegression(tol=1e-10, max_iter=2000)).fit(X, Y)
    sparse = LabelPowerset(LogisticRegression(tol=1e-10, max_iter=2000)).fit(sp.csr_matrix(X), Y)
    np.testing.assert_allclose(
        sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), atol=1e-5
    )
    assert make_pipeline(StandardScaler(), LabelPowerset()).fit(X, Y).predict(X).shape == Y.shape
    search = GridSearchCV(LabelPowerset(), {"min_count": [1, 2]}, cv=3, scoring="f1_micro")
    assert search.fit(X, Y).best_params_["min_count"] in (1, 2)
