"""GlobalThreshold and PerLabelThreshold against brute force with scikit-learn's metrics."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score

from labelwise.decision import GlobalThreshold, PerLabelThreshold
from labelwise.errors import ProblemSetupWarning, TargetError


def _data(seed=0, n=60, L=4):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < 0.35).astype(np.int8)
    S = np.clip(0.35 * Y + 0.7 * rng.random((n, L)), 0, 1)
    return Y, S


def test_per_label_reaches_the_best_f1_of_every_label():
    Y, S = _data()
    rule = PerLabelThreshold().fit(Y, S)
    got = f1_score(Y, rule.predict(S), average=None, zero_division=0)
    for j in range(Y.shape[1]):
        best = max(
            f1_score(Y[:, j], S[:, j] >= t, zero_division=0) for t in np.r_[np.unique(S[:, j])]
        )
        assert got[j] == pytest.approx(best)
        assert rule.best_scores_[j] == pytest.approx(best)
    assert rule.tuned_.all() and not np.isnan(rule.thresholds_).any()


def test_per_label_fallback_global_and_numeric():
    Y, S = _data()
    Y[:, 2] = 0
    rule = PerLabelThreshold().fit(Y, S)
    glob = GlobalThreshold("f1_micro").fit(Y, S)
    assert not rule.tuned_[2]
    assert rule.thresholds_[2] == pytest.approx(glob.threshold_)
    assert PerLabelThreshold(fallback=0.7).fit(Y, S).thresholds_[2] == 0.7


def test_global_threshold_is_the_best_micro_f1_cut():
    Y, S = _data(1)
    rule = GlobalThreshold().fit(Y, S)
    best = max(f1_score(Y, S >= t, average="micro") for t in np.unique(S))
    assert f1_score(Y, rule.predict(S), average="micro") == pytest.approx(best)
    assert rule.best_score_ == pytest.approx(best)


@pytest.mark.parametrize("metric,avg", [("f1_macro", "macro"), ("f1_samples", "samples")])
def test_global_threshold_other_metrics(metric, avg):
    Y, S = _data(2, n=30)
    rule = GlobalThreshold(metric).fit(Y, S)
    best = max(f1_score(Y, S >= t, average=avg, zero_division=0) for t in np.unique(S))
    assert f1_score(Y, rule.predict(S), average=avg, zero_division=0) == pytest.approx(best)


def test_decision_function_scores_are_accepted():
    Y, S = _data(3)
    logits = np.log(S + 1e-3) - np.log(1 - S + 1e-3)
    a = PerLabelThreshold().fit(Y, S).predict(S)
    b = PerLabelThreshold().fit(Y, logits).predict(logits)  # monotone transform: same decisions
    np.testing.assert_array_equal(a, b)


def test_binary_targets_and_clone():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([0.1, 0.8, 0.4, 0.3, 0.9])
    rule = PerLabelThreshold().fit(y, s)
    np.testing.assert_array_equal(rule.predict(s)[:, 0], y)
    assert clone(rule).get_params() == {"beta": 1.0, "fallback": "global", "min_fbeta": 0.1}
    assert not hasattr(clone(rule), "thresholds_")


def test_softmax_scores_on_multilabel_targets_warn():
    Y = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 0]])
    S = np.array([[0.5, 0.4, 0.1], [0.1, 0.5, 0.4], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4]])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        PerLabelThreshold().fit(Y, S)
    assert any(issubclass(x.category, ProblemSetupWarning) for x in w)
    assert "PerLabelThreshold.fit" in str(w[0].message)


def test_labels_with_a_hopeless_best_f1_use_the_fallback():
    # label 1 has one positive scored below every negative: its best cut predicts everything
    Y = np.array([[1, 0], [0, 0], [1, 0], [0, 0], [1, 0], [0, 1]] * 5)
    S = np.array([[0.9, 0.5], [0.2, 0.6], [0.8, 0.7], [0.1, 0.4], [0.7, 0.5], [0.3, 0.01]] * 5)
    S = S + np.linspace(0, 0.001, 30)[:, None]  # distinct scores
    plain = PerLabelThreshold(min_fbeta=0.0, fallback=0.5).fit(Y, S)
    assert plain.tuned_[1] and plain.best_scores_[1] < 0.35
    guarded = PerLabelThreshold(min_fbeta=0.4, fallback=0.5).fit(Y, S)
    assert not guarded.tuned_[1] and guarded.thresholds_[1] == 0.5
    assert guarded.thresholds_[0] == plain.thresholds_[0]


@pytest.mark.parametrize("metric", ["f1_micro", "f1_macro", "f1_samples", "hamming"])
def test_float32_scores_tune_like_their_float64_copy(metric):
    Y, S = _data(4, n=80, L=5)
    S32 = S.astype(np.float32)
    a = GlobalThreshold(metric).fit(Y, S32)
    b = GlobalThreshold(metric).fit(Y, S32.astype(np.float64))
    assert a.threshold_ == b.threshold_ and a.best_score_ == pytest.approx(b.best_score_)
    np.testing.assert_array_equal(a.predict(S32), b.predict(S32))
    p = PerLabelThreshold().fit(Y, S32)
    np.testing.assert_array_equal(
        p.thresholds_, PerLabelThreshold().fit(Y, S32.astype(np.float64)).thresholds_
    )


@pytest.mark.parametrize("rule", [GlobalThreshold(), PerLabelThreshold()])
def test_invalid_float32_scores_are_reported_with_their_place(rule):
    Y, S = _data(5, n=10, L=3)
    S = S.astype(np.float32)
    S[4, 2] = np.nan
    with pytest.raises(TargetError, match="row 4, column 2"):
        clone(rule).fit(Y, S)
