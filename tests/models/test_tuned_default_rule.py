"""decision_rule=None is a threshold tuned on out-of-fold training scores (issue 18).

The reference is independent of labelwise: scikit-learn's one-vs-rest logistic regression gives
the out-of-fold scores (cross_val_predict over the same shuffled folds), and the best micro-F1
cut is found by trying every distinct score with scikit-learn's f1_score.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier

from labelwise.decision import FixedThreshold, GlobalThreshold, ThresholdedClassifier
from labelwise.decision.meta import scores_only
from labelwise.models import (
    BinaryRelevance,
    ClassifierChain,
    EnsembleClassifierChains,
    LabelPowerset,
    MLkNN,
    NativeMultilabel,
    RAkEL,
    ScoreAverage,
)

FITS: list[int] = []


class CountingLR(LogisticRegression):
    """A logistic regression that records every fit (one per label for binary relevance)."""

    def fit(self, X, y, sample_weight=None):
        FITS.append(len(y))
        return super().fit(X, y, sample_weight)


def skewed_data(n: int = 200, n_labels: int = 4, seed: int = 0):
    """Rare labels with weak features: logistic probabilities rarely reach 0.5, so the best
    micro-F1 threshold lies far below it."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    logits = X[:, :n_labels] * 1.2 - 1.8
    Y = (rng.random((n, n_labels)) < 1 / (1 + np.exp(-logits))).astype(np.int8)
    return X, Y


def best_micro_f1_cut(Y: np.ndarray, S: np.ndarray) -> tuple[float, float]:
    """Brute force: every distinct score as the cut ``S >= c``; the best micro-F1 (lowest cut
    on ties)."""
    best = (-1.0, 0.0)
    for c in np.unique(S):
        f = f1_score(Y, (S >= c).astype(int), average="micro", zero_division=0.0)
        if f > best[0] + 1e-12:
            best = (f, c)
    return best


@pytest.fixture(scope="module")
def data():
    return skewed_data()


def test_default_rule_is_the_micro_f1_threshold_on_out_of_fold_scores(data):
    X, Y = data
    model = BinaryRelevance().fit(X, Y)
    assert isinstance(model.rule_, GlobalThreshold)
    oof = cross_val_predict(
        OneVsRestClassifier(LogisticRegression()),
        X,
        Y,
        cv=KFold(5, shuffle=True, random_state=0),
        method="predict_proba",
    )
    best_f1, cut = best_micro_f1_cut(Y, oof)
    assert model.rule_.best_score_ == pytest.approx(best_f1, abs=1e-9)
    np.testing.assert_array_equal(model.rule_.predict(oof), (oof >= cut).astype(np.int8))
    assert model.rule_.threshold_ < 0.4  # far from the old 0.5
    P = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), (P >= model.rule_.threshold_).astype(np.int8))
    assert (model.predict(X) != (P >= 0.5)).any()  # the old default decides differently


def test_fixed_threshold_is_used_as_given_without_extra_fits(data):
    X, Y = data
    FITS.clear()
    model = BinaryRelevance(CountingLR(), decision_rule=FixedThreshold(0.5)).fit(X, Y)
    assert not hasattr(model, "rule_")
    assert len(FITS) == Y.shape[1]  # one fit per label, no folds
    P = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), (P >= 0.5).astype(np.int8))


def test_default_costs_five_fold_fits_and_nested_fits_do_not_tune(data):
    X, Y = data
    L = Y.shape[1]
    FITS.clear()
    BinaryRelevance(CountingLR()).fit(X, Y)
    assert len(FITS) == L * (1 + 5)
    assert sorted(set(FITS)) == [160, 200]  # 5 folds of 4/5 of the rows, then all of them

    FITS.clear()
    with scores_only():
        plain = BinaryRelevance(CountingLR()).fit(X, Y)
    assert len(FITS) == L and not hasattr(plain, "rule_")

    FITS.clear()
    meta = ThresholdedClassifier(BinaryRelevance(CountingLR()), cv=3, random_state=0).fit(X, Y)
    assert len(FITS) == L * (3 + 1)  # its folds and refit tune nothing of their own
    assert not hasattr(meta.estimator_, "rule_")

    FITS.clear()
    avg = ScoreAverage([("br", BinaryRelevance(CountingLR()))]).fit(X, Y)
    assert len(FITS) == L * (1 + 5)  # the average's folds; members never tune their own
    assert isinstance(avg.rule_, GlobalThreshold)
    assert not hasattr(avg.estimators_[0], "rule_")


@pytest.mark.parametrize(("n", "folds"), [(19, 0), (20, 2), (35, 3), (49, 4), (50, 5)])
def test_small_data_tunes_on_fewer_folds_or_keeps_one_half(n, folds):
    X, Y = skewed_data(n=n, n_labels=2, seed=1)
    Y[:2] = 1  # both labels occur
    FITS.clear()
    model = BinaryRelevance(CountingLR()).fit(X, Y)
    assert len(FITS) == 2 * (1 + folds)
    if folds == 0:
        assert not hasattr(model, "rule_")
        P = model.predict_proba(X)
        np.testing.assert_array_equal(model.predict(X), (P >= 0.5).astype(np.int8))
    else:
        assert isinstance(model.rule_, GlobalThreshold)


MODELS = [
    BinaryRelevance(),
    LabelPowerset(),
    RAkEL(k=2, random_state=0),
    MLkNN(k=5),
    ClassifierChain(),
    EnsembleClassifierChains(n_chains=2, random_state=0),
    ScoreAverage([("br", BinaryRelevance()), ("knn", MLkNN(k=5))]),
    NativeMultilabel(RandomForestClassifier(n_estimators=10, random_state=0)),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_every_multilabel_model_tunes_its_default_rule(model, data):
    X, Y = data
    fitted = model.fit(X, Y)
    assert isinstance(fitted.rule_, GlobalThreshold)
    P = fitted.predict_proba(X)
    expected = (P >= fitted.rule_.threshold_).astype(np.int8)
    np.testing.assert_array_equal(fitted.predict(X), expected)
    fixed = model.set_params(decision_rule=FixedThreshold(0.5)).fit(X, Y)
    assert not hasattr(fixed, "rule_")
    np.testing.assert_array_equal(fixed.predict(X), (fixed.predict_proba(X) >= 0.5))


def test_label_names_and_label_lists_tune_the_same_rule(data):
    X, Y = data
    names = ["a", "b", "c", "d"]
    lists = [[names[j] for j in np.flatnonzero(row)] for row in Y]
    by_matrix = BinaryRelevance().fit(X, Y)
    by_lists = BinaryRelevance().fit(X, lists)
    assert by_lists.rule_.threshold_ == pytest.approx(by_matrix.rule_.threshold_)
