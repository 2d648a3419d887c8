"""Multi-class metrics against scikit-learn, including tied scores and sample weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import UndefinedMetricWarning

from labelwise.errors import ShapeError, TargetError
from labelwise.metrics import multiclass as mc


@st.composite
def cases(draw):
    n = draw(st.integers(1, 40))
    K = draw(st.integers(3, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    yt = rng.integers(0, K, n)
    yt[: min(n, K)] = np.arange(min(n, K))
    # a few distinct values so that ties are common
    scores = rng.integers(0, draw(st.sampled_from([2, 3, 10])), (n, K)).astype(float)
    w = rng.uniform(0.1, 2, n) if draw(st.booleans()) else None
    return yt, scores, w, K


@settings(max_examples=40, deadline=None)
@given(cases())
def test_top_k_equals_sklearn_with_ties(data):
    yt, scores, w, K = data
    labels = np.arange(K)
    for k in range(1, K):
        for normalize in (True, False):
            ours = mc.top_k_accuracy_score(
                yt, scores, k=k, labels=labels, sample_weight=w, normalize=normalize
            )
            ref = skm.top_k_accuracy_score(
                yt, scores, k=k, labels=labels, sample_weight=w, normalize=normalize
            )
            assert ours == pytest.approx(ref, rel=1e-9, abs=0)


@settings(max_examples=40, deadline=None)
@given(cases())
def test_balanced_accuracy_and_accuracy_equal_sklearn(data):
    yt, scores, w, _ = data
    yp = scores.argmax(axis=1)
    for adjusted in (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = skm.balanced_accuracy_score(yt, yp, sample_weight=w, adjusted=adjusted)
            ours = mc.balanced_accuracy_score(yt, yp, sample_weight=w, adjusted=adjusted)
        assert ours == pytest.approx(ref, rel=1e-9, abs=1e-15, nan_ok=True)
    assert mc.accuracy_score(yt, yp, sample_weight=w) == pytest.approx(
        skm.accuracy_score(yt, yp, sample_weight=w), rel=1e-9
    )


def test_balanced_accuracy_warns_on_classes_only_predicted():
    with pytest.warns(UserWarning, match="not in y_true"):
        assert mc.balanced_accuracy_score([0, 0, 1], [0, 2, 1]) == pytest.approx(0.75)


def test_balanced_accuracy_string_classes_and_multilabel_error():
    yt, yp = ["a", "b", "b", "c"], ["a", "b", "c", "c"]
    assert mc.balanced_accuracy_score(yt, yp) == pytest.approx(skm.balanced_accuracy_score(yt, yp))
    with pytest.raises(TargetError, match="multi-label"):
        mc.balanced_accuracy_score([[1, 0], [0, 1]], [[1, 0], [1, 1]])


def test_top_k_binary_and_hand_case():
    yt = [0, 1, 1, 0]
    s = np.array([0.2, 0.7, 0.4, 0.6])
    assert mc.top_k_accuracy_score(yt, s, k=1) == skm.top_k_accuracy_score(yt, s, k=1) == 0.5
    with pytest.warns(UndefinedMetricWarning):
        assert mc.top_k_accuracy_score(yt, s, k=2) == 1.0
    # hand case: scores tie between classes 0 and 2 for sample 0; sklearn ranks class 2 first
    assert mc.top_k_accuracy_score([0, 2], [[1, 0, 1], [1, 0, 1]], k=1, labels=[0, 1, 2]) == 0.5


def test_top_k_bad_inputs():
    with pytest.raises(ValueError, match="'k' must be an integer"):
        mc.top_k_accuracy_score([0, 1, 2], np.eye(3), k=0)
    with pytest.raises(ShapeError, match="3 classes but y_score has 4 columns"):
        mc.top_k_accuracy_score([0, 1, 2], np.ones((3, 4)))
    with pytest.raises(TargetError, match="NaN"):
        mc.top_k_accuracy_score([0, 1, 2], [[np.nan, 0, 0], [0, 1, 0], [0, 0, 1]])
    with pytest.raises(TargetError, match="not in labels"):
        mc.top_k_accuracy_score([0, 1, 5], np.eye(3), labels=[0, 1, 2])
    with pytest.raises(ValueError, match="sorted"):
        mc.top_k_accuracy_score([0, 1, 2], np.eye(3), labels=[2, 1, 0])
    with pytest.raises(ShapeError, match="empty"):
        mc.top_k_accuracy_score([], np.ones((0, 3)))
