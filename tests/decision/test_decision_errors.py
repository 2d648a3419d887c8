"""Bad input to decision rules: clear labelwise errors that say what to do."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from labelwise.decision import (
    AtLeastOne,
    BayesOptimal,
    Calibrated,
    FixedThreshold,
    GlobalThreshold,
    PerLabelThreshold,
    RankCut,
    ThresholdedClassifier,
    TopK,
)
from labelwise.errors import ProblemSetupError, ShapeError, TargetError

Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
S = np.array([[0.9, 0.2], [0.3, 0.6], [0.7, 0.8], [0.2, 0.1], [0.6, 0.4], [0.1, 0.9]])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize(
    "rule", [PerLabelThreshold(), GlobalThreshold(), Calibrated(cv=2)], ids=type
)
def test_non_finite_scores_at_fit(rule, bad):
    s = S.copy()
    s[2, 1] = bad
    with pytest.raises(TargetError, match="row 2, column 1"):
        rule.fit(Y, s)


@pytest.mark.parametrize("rule", [TopK(1), RankCut(), BayesOptimal(), FixedThreshold()], ids=type)
def test_non_finite_scores_at_predict(rule):
    with pytest.raises(TargetError, match="NaN or infinite"):
        rule.predict([[0.1, np.nan]])


def test_probability_rules_reject_scores_outside_0_1():
    with pytest.raises(TargetError, match="calibrate"):
        BayesOptimal("example_f1").predict([[0.2, 1.7]])
    with pytest.raises(TargetError, match="non-negative"):
        RankCut(ratio=0.5).predict([[0.2, -1.0]])


def test_shape_mismatch_names_both():
    rule = PerLabelThreshold().fit(Y, S)
    with pytest.raises(ShapeError, match=r"fitted on 2 labels.*3 columns"):
        rule.predict(np.zeros((1, 3)))
    with pytest.raises(ShapeError, match=r"\(6, 2\).*\(6, 3\)"):
        GlobalThreshold().fit(Y, np.zeros((6, 3)))
    with pytest.raises(ShapeError, match="label_sets"):
        BayesOptimal("example_f1").predict_joint([[0.5, 0.5]], [[1, 0]])


def test_k_larger_than_the_number_of_labels():
    with pytest.raises(ShapeError, match="k=3 is larger than the number of labels in y_score"):
        TopK(3).predict(S)
    with pytest.raises(ValueError, match="'k' must be an integer"):
        TopK(0).predict(S)


def test_thresholds_outside_0_1_for_probability_rules():
    with pytest.raises(TargetError, match="outside"):
        Calibrated(FixedThreshold(1.5), cv=2).fit(Y, S)
    with pytest.raises(TargetError, match=r"-0.1 \(label 1\) is outside"):
        Calibrated(AtLeastOne(FixedThreshold([0.5, -0.1])), cv=2).fit(Y, S)
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(TargetError, match="outside"):
        ovr = OneVsRestClassifier(LogisticRegression(solver="liblinear"))
        ThresholdedClassifier(ovr, rule=FixedThreshold(2.0), cv=2).fit(X, Y)


@pytest.mark.parametrize(
    "rule",
    [PerLabelThreshold(), GlobalThreshold(), Calibrated(), AtLeastOne(PerLabelThreshold())],
    ids=type,
)
def test_unfitted_rules_raise_not_fitted(rule):
    with pytest.raises(NotFittedError, match="fitted"):
        rule.predict(S)
    with pytest.raises(NotFittedError):
        ThresholdedClassifier(OneVsRestClassifier(LogisticRegression(solver="liblinear"))).predict(
            S
        )


def test_bad_parameters_and_targets():
    with pytest.raises(ValueError, match="'metric' must be one of"):
        GlobalThreshold("accuracy").fit(Y, S)
    with pytest.raises(ValueError, match="'method' must be one of"):
        Calibrated(method="beta").fit(Y, S)
    with pytest.raises(TargetError, match="only 0 and 1"):
        PerLabelThreshold().fit(S, S)
    with pytest.raises(ShapeError, match="tuning needs scores"):
        GlobalThreshold().fit(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(TargetError, match="single class"):
        PerLabelThreshold().fit([0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(TargetError, match="no positive label at all"):
        PerLabelThreshold().fit(np.zeros_like(Y), S)
    with pytest.raises(TargetError, match="sums to"):
        BayesOptimal("example_f1").predict_joint([[0.7, 0.6]], [[1, 0], [0, 1]])
    with pytest.raises(ProblemSetupError, match="multi-class"):
        ThresholdedClassifier(LogisticRegression(), cv=2).fit(
            np.arange(12.0).reshape(6, 2), [0, 1, 2] * 2
        )
