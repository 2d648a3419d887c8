"""BinaryRelevance against scikit-learn's OneVsRestClassifier, plus the sklearn contract."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from scipy.special import expit
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from labelwise.decision import FixedThreshold
from labelwise.errors import ProblemSetupWarning
from labelwise.models import BinaryRelevance

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=80, n_features=6, n_classes=5, random_state=0, allow_unlabeled=True
    )
    return StandardScaler().fit_transform(X), Y


def test_probabilities_equal_sklearn_one_vs_rest(data):
    X, Y = data
    ours = BinaryRelevance(LogisticRegression(max_iter=1000)).fit(X, Y).predict_proba(X)
    ref = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(X, Y).predict_proba(X)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_parallel_equals_serial(data):
    X, Y = data
    serial = BinaryRelevance().fit(X, Y).predict_proba(X)
    with parallel_config(backend="threading"):  # no process start-up in a unit test
        parallel = BinaryRelevance(n_jobs=2).fit(X, Y).predict_proba(X)
    np.testing.assert_allclose(parallel, serial)


def test_sparse_input_equals_dense(data):
    X, Y = data
    base = LogisticRegression(max_iter=1000, tol=1e-10)
    dense = BinaryRelevance(base).fit(X, Y).predict_proba(X)
    sparse = BinaryRelevance(base).fit(sp.csr_matrix(X), sp.csr_matrix(Y))
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense, atol=1e-6)


def test_decision_function_and_sigmoid_fallback(data):
    X, Y = data
    model = BinaryRelevance(LinearSVC()).fit(X, Y)
    scores = model.decision_function(X)
    ref = np.column_stack([LinearSVC().fit(X, Y[:, j]).decision_function(X) for j in range(5)])
    np.testing.assert_allclose(scores, ref, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.predict_proba(X), expit(ref), rtol=1e-6, atol=1e-8)


def test_constant_label_gets_constant_predictor_and_warning(data):
    X, Y = data
    Y = Y.copy()
    Y[:, 1] = 0
    Y[:, 3] = 1
    with pytest.warns(
        ProblemSetupWarning, match=r"label .1. never occurs and label .3. occurs in every example"
    ):
        model = BinaryRelevance().fit(X, Y)
    P = model.predict_proba(X)
    np.testing.assert_array_equal(P[:, 1], 0.0)
    np.testing.assert_array_equal(P[:, 3], 1.0)
    np.testing.assert_array_equal(model.constant_labels_, [1, 3])
    ref = LogisticRegression().fit(X, Y[:, 0]).predict_proba(X)[:, 1]
    np.testing.assert_allclose(P[:, 0], ref)


def test_predict_is_the_rule_on_probabilities(data):
    X, Y = data
    model = BinaryRelevance(decision_rule=FixedThreshold(0.2)).fit(X, Y)
    np.testing.assert_array_equal(model.predict(X), model.predict_proba(X) >= 0.2)
    default = BinaryRelevance().fit(X, Y)  # the default: a threshold tuned out of fold
    t = default.rule_.threshold_
    np.testing.assert_array_equal(default.predict(X), default.predict_proba(X) >= t)


def test_label_lists_and_label_names():
    X = np.array([[0.0], [0.1], [1.0], [1.1], [2.0], [2.1]])
    Y = [["cat"], ["cat"], ["cat", "dog"], ["dog"], ["dog"], []]
    model = BinaryRelevance().fit(X, Y)
    assert model.classes_.tolist() == ["cat", "dog"]
    assert model.predict_proba(X).shape == (6, 2)


def test_clone_pickle_pipeline_gridsearch(data):
    X, Y = data
    model = BinaryRelevance(LogisticRegression(C=0.5))
    assert clone(model).get_params()["estimator__C"] == 0.5
    fitted = model.fit(X, Y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(again.predict_proba(X), fitted.predict_proba(X))
    pipe = make_pipeline(StandardScaler(), BinaryRelevance())
    assert pipe.fit(X, Y).predict(X).shape == Y.shape
    search = GridSearchCV(
        BinaryRelevance(LogisticRegression()),
        {"estimator__C": [0.01, 1.0]},
        cv=3,
        scoring="f1_micro",
    ).fit(X, Y)
    assert search.best_params_["estimator__C"] in (0.01, 1.0)
    assert search.predict(X).shape == Y.shape


def test_no_warning_for_ordinary_data(data):
    X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProblemSetupWarning)
        BinaryRelevance().fit(X, Y)
