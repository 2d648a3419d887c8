"""roc_auc_score against scikit-learn (exact), torchmetrics and a slow pairwise reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from labelwise.errors import ShapeError, TargetError
from labelwise.metrics.roc_auc import roc_auc_score

AVERAGES = ["macro", "micro", "weighted", "samples", None]


@st.composite
def problems(draw):
    n = draw(st.integers(2, 25))
    L = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    Y = (rng.random((n, L)) < rng.random()).astype(np.int64)
    S = rng.integers(0, 4, (n, L)) / 3.0 if draw(st.booleans()) else rng.normal(size=(n, L))
    w = rng.random(n) + 0.01 if draw(st.booleans()) else None
    return Y, S, w


def _quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_equals_sklearn_every_average(problem):
    Y, S, w = problem
    for average in AVERAGES:
        expected = _quiet(skm.roc_auc_score, Y, S, average=average, sample_weight=w)
        for y in (Y, sp.csr_matrix(Y)):
            got = _quiet(roc_auc_score, y, S, average=average, sample_weight=w)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(problems(), st.sampled_from([0.1, 0.35, 0.5, 0.8, 1.0]))
def test_partial_auc_equals_sklearn(problem, max_fpr):
    Y, S, w = problem
    y, s = Y[:, 0], S[:, 0]
    if np.unique(y).shape[0] < 2:
        return
    expected = skm.roc_auc_score(y, s, sample_weight=w, max_fpr=max_fpr)
    assert roc_auc_score(y, s, sample_weight=w, max_fpr=max_fpr) == pytest.approx(
        expected, rel=1e-9
    )
    for average in ("macro", "weighted", None):
        np.testing.assert_allclose(
            _quiet(roc_auc_score, Y, S, average=average, max_fpr=max_fpr),
            _quiet(skm.roc_auc_score, Y, S, average=average, max_fpr=max_fpr),
            rtol=1e-9,
        )


def _pairwise_auc(y, s):
    """Slow, obviously correct: fraction of (positive, negative) pairs ordered right."""
    pos, neg = s[y == 1], s[y == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return wins / (pos.size * neg.size)


def test_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(3)
    Y = (rng.random((60, 3)) < 0.4).astype(int)
    S = rng.integers(0, 3, (60, 3)).astype(float)
    expected = [_pairwise_auc(Y[:, j], S[:, j]) for j in range(3)]
    np.testing.assert_allclose(roc_auc_score(Y, S, average=None), expected, rtol=1e-12)


def test_binary_string_classes_greater_is_positive():
    y = np.array(["b", "a", "b", "a"])
    s = np.array([0.8, 0.3, 0.4, 0.5])
    assert roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s))


def test_one_class_label_is_nan_with_clear_warning():
    Y = np.array([[1, 0], [0, 0], [1, 0]])
    S = np.array([[0.3, 0.2], [0.6, 0.1], [0.2, 0.9]])
    with pytest.warns(UndefinedMetricWarning, match="only one class.*label 1"):
        per_label = roc_auc_score(Y, S, average=None)
    assert np.isnan(per_label[1])
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(roc_auc_score(Y, S))
    with pytest.warns(UndefinedMetricWarning):  # weight 0 for the empty label, as scikit-learn
        assert roc_auc_score(Y, S, average="weighted") == pytest.approx(per_label[0])


def test_agrees_with_torchmetrics():
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import multilabel_auroc

    rng = np.random.default_rng(0)
    Y = (rng.random((200, 5)) < 0.3).astype(np.int64)
    S = rng.random((200, 5))
    for average in ("macro", "micro", "weighted", None):
        tm = multilabel_auroc(torch.tensor(S), torch.tensor(Y), num_labels=5, average=average)
        np.testing.assert_allclose(roc_auc_score(Y, S, average=average), tm.numpy(), rtol=1e-6)


class TestBadInput:
    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"\(3, 2\).*\(2, 2\)"):
            roc_auc_score([[1, 0], [0, 1], [1, 1]], [[0.1, 0.2], [0.3, 0.4]])

    def test_max_fpr_out_of_range(self):
        with pytest.raises(ValueError, match="max_fpr must be a number in"):
            roc_auc_score([0, 1], [0.1, 0.2], max_fpr=0)

    def test_multiclass_1d_rejected(self):
        with pytest.raises(TargetError, match="3 classes"):
            roc_auc_score([0, 1, 2], [0.1, 0.2, 0.3])

    def test_nan_scores(self):
        with pytest.raises(TargetError, match="NaN"):
            roc_auc_score([[0, 1], [1, 0]], [[0.1, np.nan], [0.2, 0.3]])

    def test_unknown_average(self):
        with pytest.raises(ValueError, match="average='avg'"):
            roc_auc_score([[0, 1], [1, 0]], [[0.1, 0.2], [0.2, 0.3]], average="avg")
