"""Parameters are validated by one mechanism: ``_parameter_constraints`` checked once per fit.

``fit_context`` (models/_base.py) calls ``labelwise._validation.validate_params`` before ``fit``
runs; ``HasMethods("fit")`` states what an estimator argument must offer; ``estimator=None``
means ``default_binary_estimator()`` (scikit-learn's ``LogisticRegression()``).
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from labelwise._validation import (
    HasMethods,
    Interval,
    default_binary_estimator,
    validate_params,
    with_param_validation,
)
from labelwise.models import BinaryRelevance, LabelPowerset, OneVsRest
from labelwise.models._base import fit_context

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 5)
Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 5)


class _Counting(BaseEstimator):
    _parameter_constraints: ClassVar[dict] = {"k": [Interval(numbers.Integral, 1, None)]}
    checked = 0

    def __init__(self, k=1):
        self.k = k

    def get_params(self, deep=True):
        type(self).checked += 1
        return super().get_params(deep=deep)

    @fit_context
    def fit(self, X, y=None):
        self.fitted_ = True
        return self


def test_fit_context_validates_once_per_fit_and_before_fit_runs():
    _Counting.checked = 0
    model = _Counting(k=2).fit(X)
    assert _Counting.checked == 1 and model.fitted_
    bad = _Counting(k=2).fit(X)
    bad.k = 0
    with pytest.raises(ValueError, match=r"^_Counting: parameter 'k' must be an integer in \[1"):
        bad.fit(X)
    assert not hasattr(bad, "fitted_")  # the stale state of the first fit is forgotten


@pytest.mark.parametrize("cls", [BinaryRelevance, LabelPowerset])
def test_estimator_argument_without_fit_is_named(cls):
    with pytest.raises(ValueError, match=r"parameter 'estimator' must be None or an estimator "):
        cls(estimator="LogisticRegression").fit(X, Y)


def test_has_methods_requires_each_method_callable():
    class FitOnly:
        def fit(self):
            pass

    both = HasMethods("fit", "predict_proba")
    assert both.accepts(LogisticRegression()) and not both.accepts(FitOnly())
    assert not HasMethods("fit").accepts(type("Attr", (), {"fit": 3})())
    assert str(both) == "an estimator with fit and predict_proba methods"


def test_validate_params_skips_classes_without_constraints():
    class Free(BaseEstimator):
        def __init__(self, k=-1):
            self.k = k

    validate_params(Free())


def test_with_param_validation_checks_on_every_call():
    class Rule(BaseEstimator):
        _parameter_constraints: ClassVar[dict] = {"k": [Interval(numbers.Integral, 1, None)]}

        def __init__(self, k=1):
            self.k = k

        @with_param_validation
        def predict(self, scores):
            return scores[: self.k]

    rule = Rule(k=1)
    assert rule.predict([3, 4]) == [3]
    rule.k = 0
    with pytest.raises(ValueError, match="parameter 'k'"):
        rule.predict([3, 4])


def test_the_default_estimator_is_a_fresh_logistic_regression():
    a, b = default_binary_estimator(), default_binary_estimator()
    assert isinstance(a, LogisticRegression) and a is not b
    assert a.get_params() == LogisticRegression().get_params()
    given = LogisticRegression(C=3.0)
    assert default_binary_estimator(given) is given
    fitted = OneVsRest().fit(X, np.array([0, 1, 1, 0] * 5))
    assert all(type(e) is LogisticRegression for e in fitted.estimator_.estimators_)
