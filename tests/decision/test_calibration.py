"""Calibration against scikit-learn's Platt and isotonic calibrators on the same folds; ECE."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import _SigmoidCalibration, calibration_curve
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import KFold

from labelwise.decision import (
    Calibrated,
    PerLabelThreshold,
    expected_calibration_error,
    reliability_curve,
)
from labelwise.decision.calibration import platt_fit


def _data(seed=0, n=150, L=3):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < 0.35).astype(np.int8)
    S = 2.0 * Y + rng.normal(size=(n, L))  # decision_function-like
    return Y, S


def test_platt_matches_sklearn_sigmoid_calibration():
    Y, S = _data()
    for j in range(3):
        a, b = platt_fit(S[:, j], Y[:, j])
        ref = _SigmoidCalibration().fit(S[:, j], Y[:, j])
        grid = np.linspace(-3, 5, 9)
        mine = 1 / (1 + np.exp(-(a * grid + b)))
        np.testing.assert_allclose(mine, ref.predict(grid), atol=1e-4)


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibrated_averages_fold_calibrators_like_sklearn(method):
    Y, S = _data(1)
    rule = Calibrated(method=method, cv=3, random_state=0).fit(Y, S)
    new = np.linspace(-2, 4, 12).reshape(-1, 1).repeat(3, axis=1)
    expected = np.zeros_like(new)
    for train, _ in KFold(3, shuffle=True, random_state=0).split(S):
        for j in range(3):
            if method == "platt":
                cal = _SigmoidCalibration().fit(S[train, j], Y[train, j])
            else:
                cal = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1)
                cal.fit(S[train, j], Y[train, j])
            expected[:, j] += cal.predict(new[:, j]) / 3
    np.testing.assert_allclose(rule.predict_proba(new), expected, atol=1e-4)


def test_calibrated_fits_the_rule_on_out_of_fold_probabilities():
    Y, S = _data(2)
    rule = Calibrated(PerLabelThreshold(), method="platt", cv=4, random_state=1).fit(Y, S)
    oof = np.empty_like(S)
    for train, test in KFold(4, shuffle=True, random_state=1).split(S):
        for j in range(3):
            oof[test, j] = _SigmoidCalibration().fit(S[train, j], Y[train, j]).predict(S[test, j])
    ref = PerLabelThreshold().fit(Y, oof)
    np.testing.assert_allclose(rule.rule_.thresholds_, ref.thresholds_, atol=1e-4)


def test_calibration_reduces_ece_of_miscalibrated_probabilities():
    rng = np.random.default_rng(3)
    p_true = rng.random((2000, 2))
    Y = (rng.random((2000, 2)) < p_true).astype(int)
    skewed = p_true**3  # systematically too low
    cal = Calibrated(method="isotonic", cv=5, random_state=0).fit(Y[:1000], skewed[:1000])
    before = expected_calibration_error(Y[1000:], skewed[1000:])
    after = expected_calibration_error(Y[1000:], cal.predict_proba(skewed[1000:]))
    assert after < before / 2


def test_ece_hand_computed():
    # label 0, 2 bins: {0.1, 0.3} -> frac 0.5, mean 0.2; {0.8, 0.9} -> frac 1, mean 0.85
    # ECE = 2/4 * 0.3 + 2/4 * 0.15 = 0.225
    y = [[0], [1], [1], [1]]
    p = [[0.1], [0.3], [0.8], [0.9]]
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.225)
    assert expected_calibration_error(y, [[0.0], [1.0], [1.0], [1.0]], n_bins=2) == 0.0


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_matches_sklearn(strategy):
    rng = np.random.default_rng(4)
    p = rng.random((300, 2))
    Y = (rng.random((300, 2)) < p).astype(int)
    curves = reliability_curve(Y, p, n_bins=7, strategy=strategy)
    for j in range(2):
        t, m = calibration_curve(Y[:, j], p[:, j], n_bins=7, strategy=strategy)
        np.testing.assert_allclose(curves[j].prob_true, t)
        np.testing.assert_allclose(curves[j].prob_pred, m)
    per_label = expected_calibration_error(Y, p, n_bins=7, strategy=strategy, average=None)
    for j in range(2):
        c = curves[j]
        ref = np.sum(c.count / 300 * np.abs(c.prob_true - c.prob_pred))
        assert per_label[j] == pytest.approx(ref)
    assert expected_calibration_error(Y, p, n_bins=7, strategy=strategy) == pytest.approx(
        per_label.mean()
    )
