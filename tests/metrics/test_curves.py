"""Multi-label curves equal scikit-learn's binary curves, label by label and pooled."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import metrics as skm

from labelwise.decision import GlobalThreshold, PerLabelThreshold
from labelwise.metrics import f1_score
from labelwise.metrics.curves import f1_threshold_curve, precision_recall_curve, roc_curve


def _data(seed: int, n: int = 60, L: int = 4, ties: bool = False):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < 0.35).astype(np.int8)
    S = np.clip(0.3 * Y + 0.7 * rng.random((n, L)), 0, 1)
    if ties:
        S = np.round(S, 1)
    return Y, S


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ties", [False, True])
def test_precision_recall_curve_equals_sklearn_per_label_and_micro(seed, ties):
    Y, S = _data(seed, ties=ties)
    w = np.random.default_rng(seed + 100).random(Y.shape[0]) if seed % 2 else None
    for j, curve in enumerate(precision_recall_curve(Y, S, sample_weight=w)):
        p, r, t = skm.precision_recall_curve(Y[:, j], S[:, j], sample_weight=w)
        np.testing.assert_allclose(curve.precision, p)
        np.testing.assert_allclose(curve.recall, r)
        np.testing.assert_allclose(curve.thresholds, t)
    micro = precision_recall_curve(sp.csr_matrix(Y), S, average="micro")
    p, r, t = skm.precision_recall_curve(Y.ravel(), S.ravel())
    np.testing.assert_allclose(micro.precision, p)
    np.testing.assert_allclose(micro.recall, r)
    np.testing.assert_allclose(micro.thresholds, t)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("drop", [True, False])
def test_roc_curve_equals_sklearn_per_label_and_micro(seed, drop):
    Y, S = _data(seed, ties=bool(seed % 2))
    for j, curve in enumerate(roc_curve(Y, S, drop_intermediate=drop)):
        fpr, tpr, t = skm.roc_curve(Y[:, j], S[:, j], drop_intermediate=drop)
        np.testing.assert_allclose(curve.fpr, fpr)
        np.testing.assert_allclose(curve.tpr, tpr)
        np.testing.assert_allclose(curve.thresholds, t)
    micro = roc_curve(Y, S, average="micro", drop_intermediate=drop)
    fpr, tpr, t = skm.roc_curve(Y.ravel(), S.ravel(), drop_intermediate=drop)
    np.testing.assert_allclose(micro.fpr, fpr)
    np.testing.assert_allclose(micro.tpr, tpr)


def test_label_without_positives_has_nan_tpr_like_sklearn():
    Y, S = _data(0)
    Y[:, 1] = 0
    curve = roc_curve(Y, S)[1]
    with pytest.warns(skm._ranking.UndefinedMetricWarning):
        _, tpr, _ = skm.roc_curve(Y[:, 1], S[:, 1])
    assert np.isnan(curve.tpr).all() and np.isnan(tpr).all()


@pytest.mark.parametrize("seed", range(4))
def test_f1_threshold_curve_is_f1_at_every_cut_and_its_max_is_what_the_rules_reach(seed):
    Y, S = _data(seed, n=80, ties=True)
    curves = f1_threshold_curve(Y, S)
    for j, c in enumerate(curves):
        brute = [skm.f1_score(Y[:, j], S[:, j] >= t, zero_division=0) for t in c.thresholds]
        np.testing.assert_allclose(c.f1, brute)
    # per-label sweep maximum = PerLabelThreshold's tuned F1 on the same data
    rule = PerLabelThreshold(min_fbeta=0.0).fit(Y, S)
    tuned = f1_score(Y, rule.predict(S), average=None)
    np.testing.assert_allclose(tuned, [c.f1.max() for c in curves])
    micro = f1_threshold_curve(Y, S, average="micro")
    brute = [skm.f1_score(Y.ravel(), S.ravel() >= t) for t in micro.thresholds]
    np.testing.assert_allclose(micro.f1, brute)
    best = f1_score(Y, GlobalThreshold("f1_micro").fit(Y, S).predict(S), average="micro")
    assert best == pytest.approx(micro.f1.max())


def test_bad_average_is_named():
    Y, S = _data(0)
    with pytest.raises(ValueError, match="average must be None"):
        roc_curve(Y, S, average="macro")
