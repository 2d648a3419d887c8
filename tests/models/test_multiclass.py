"""OneVsRest / OneVsOne wrappers: same numbers as scikit-learn, voting by hand, the guard."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.errors import ProblemSetupError
from labelwise.models import OneVsOne, OneVsRest

pytestmark = pytest.mark.usefixtures("one_blas_thread")


class BinaryOnly(ClassifierMixin, BaseEstimator):
    """A logistic regression that refuses more than two classes."""

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        if len(np.unique(y)) > 2:
            raise ValueError("BinaryOnly takes two classes")
        self.lr_ = LogisticRegression(C=self.C).fit(X, y)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X):
        return self.lr_.predict_proba(X)

    def predict(self, X):
        return self.lr_.predict(X)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=120, n_features=6, n_informative=4, n_classes=4, random_state=0
    )
    return StandardScaler().fit_transform(X), np.array(["a", "b", "c", "d"])[y]


def test_one_vs_rest_equals_sklearn(data):
    X, y = data
    ours = OneVsRest(BinaryOnly()).fit(X, y)
    ref = OneVsRestClassifier(LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X).sum(axis=1), 1.0)


def _pairwise(X, y, classes):
    """Pairwise LR probabilities P(j | i or j) and votes, fitted independently."""
    conf, votes = np.zeros((len(X), 4)), np.zeros((len(X), 4))
    for i, j in itertools.combinations(range(4), 2):
        mask = (y == classes[i]) | (y == classes[j])
        lr = LogisticRegression().fit(X[mask], (y[mask] == classes[j]).astype(int))
        p = lr.predict_proba(X)[:, 1]
        conf[:, i] += 1 - p
        conf[:, j] += p
        won = lr.predict(X) == 1
        votes[:, i] += ~won
        votes[:, j] += won
    return conf, votes


def test_one_vs_one_majority_votes_by_hand(data):
    X, y = data
    model = OneVsOne(BinaryOnly()).fit(X, y)
    conf, votes = _pairwise(X, y, model.classes_)
    np.testing.assert_allclose(model.predict_proba(X), votes / 6)
    unique_max = (votes == votes.max(1, keepdims=True)).sum(1) == 1
    pred = model.predict(X)
    np.testing.assert_array_equal(pred[unique_max], model.classes_[votes.argmax(1)][unique_max])
    ref = OneVsOneClassifier(LogisticRegression()).fit(X, y).predict(X)
    np.testing.assert_array_equal(pred[unique_max], ref[unique_max])
    tied = ~unique_max  # ties go to the larger summed pairwise probability among the tied
    masked = np.where(votes == votes.max(1, keepdims=True), conf, -np.inf)
    np.testing.assert_array_equal(pred[tied], model.classes_[masked.argmax(1)][tied])


def test_one_vs_one_confidence_votes_by_hand(data):
    X, y = data
    model = OneVsOne(BinaryOnly(), voting="confidence").fit(X, y)
    conf, _ = _pairwise(X, y, model.classes_)
    np.testing.assert_allclose(model.predict_proba(X), conf / 6, rtol=1e-10)
    np.testing.assert_allclose(model.predict_proba(X).sum(1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.classes_[conf.argmax(1)])


@pytest.mark.parametrize("cls", [OneVsRest, OneVsOne])
def test_one_hot_targets_equal_class_vector(cls, data):
    X, y = data
    onehot = (y[:, None] == np.array(["a", "b", "c", "d"])).astype(int)
    a = cls().fit(X, y).predict_proba(X)
    b = cls().fit(X, onehot).predict_proba(X)
    np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("cls", [OneVsRest, OneVsOne])
def test_multilabel_targets_get_the_clear_error(cls, data):
    X, _ = data
    Y = np.zeros((len(X), 3), dtype=int)
    Y[:, 0] = 1
    Y[::2, 1] = 1
    with pytest.raises(ProblemSetupError, match=f"{cls.__name__} is for multi-class problems"):
        cls().fit(X, Y)
    lists = [["x", "y"] if i % 2 else ["x"] for i in range(len(X))]
    with pytest.raises(ProblemSetupError, match="have several labels"):
        cls().fit(X, lists)


@pytest.mark.parametrize("cls", [OneVsRest, OneVsOne])
def test_sparse_pipeline_gridsearch(cls, data):
    X, y = data
    dense = cls().fit(X, y).predict_proba(X)
    sparse = cls().fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense, atol=1e-3)
    assert make_pipeline(StandardScaler(), cls()).fit(X, y).score(X, y) > 0.5
    search = GridSearchCV(cls(BinaryOnly()), {"estimator__C": [0.1, 1.0]}, cv=3).fit(X, y)
    assert search.best_params_["estimator__C"] in (0.1, 1.0)
