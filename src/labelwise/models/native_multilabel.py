"""``NativeMultilabel``: one estimator that learns every label at once, one score matrix out.

Some scikit-learn estimators fit an (n_samples, n_labels) target directly: decision trees,
random forests and extra trees grow trees whose leaves hold every label's frequency, and k-nearest
neighbours vote per label. They are fast (one forest for all labels instead of one per label) and
model label dependence through shared splits. Their ``predict_proba`` is a list of (n, 2) arrays,
one per label, with a single column where a label was constant in training. This wrapper gives
labelwise's one output shape, (n_samples, n_labels) positive-class probabilities, and decides with
an explicit rule like every labelwise model.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier

from labelwise.decision._base import DecisionRule
from labelwise.decision.meta import scores_only
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import (
    check_multilabel_fit,
    check_predict_X,
    multilabel_tags,
    warn_constant_labels,
)

__all__ = ["NativeMultilabel"]


def _positive_column(proba: np.ndarray, classes: np.ndarray) -> np.ndarray:
    proba = np.asarray(proba, dtype=np.float64)
    hit = np.flatnonzero(np.asarray(classes) == 1)
    if hit.size == 0:  # the label never occurred in training
        return np.zeros(proba.shape[0])
    return proba[:, hit[0]]


class NativeMultilabel(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """Fit one natively multi-label scikit-learn estimator; scores as one (n, L) matrix.

    Parameters
    ----------
    estimator : estimator, default=None
        An estimator whose ``fit`` accepts a 2-D 0/1 target and whose ``predict_proba`` returns
        one array per label (``RandomForestClassifier``, ``ExtraTreesClassifier``,
        ``DecisionTreeClassifier``, ``KNeighborsClassifier``). None: a
        ``RandomForestClassifier(n_estimators=300, random_state=0)``.
    decision_rule : DecisionRule or None, default=None
        Turns scores into label sets in ``predict``. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits.

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies (absent when ``decision_rule`` is used as given or
        the model was fitted for its scores only).
    estimator_ : estimator
        The fitted estimator.
    classes_ : ndarray
        Label names (column indices when fitted on a plain matrix).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import ExtraTreesClassifier
    >>> X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]] * 5)
    >>> Y = np.array([[0, 1], [1, 1], [1, 0], [0, 0]] * 5)
    >>> model = NativeMultilabel(ExtraTreesClassifier(n_estimators=10, random_state=0)).fit(X, Y)
    >>> model.predict_proba(X[:4]).round(2)
    array([[0., 1.],
           [1., 1.],
           [1., 0.],
           [0., 0.]])
    """

    _parameter_constraints: ClassVar[dict] = {}

    def __init__(self, estimator: Any = None, decision_rule: DecisionRule | None = None) -> None:
        self.estimator = estimator
        self.decision_rule = decision_rule

    @fit_context
    def fit(self, X: Any, Y: Any, sample_weight: Any = None) -> NativeMultilabel:
        """Fit the estimator on all labels at once.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
        sample_weight : array-like of shape (n_samples,), optional
            Passed to the estimator's ``fit``.

        Returns
        -------
        self
        """
        X, Y = check_multilabel_fit(self, X, Y)
        warn_constant_labels(Y, who="NativeMultilabel", names=self.classes_)
        base = (
            self.estimator
            if self.estimator is not None
            else RandomForestClassifier(n_estimators=300, random_state=0)
        )
        est = clone(base)
        with scores_only():  # a labelwise estimator inside gives scores; rule_ decides
            if sample_weight is None:
                est.fit(X, Y)
            else:
                est.fit(X, Y, sample_weight=np.asarray(sample_weight, dtype=np.float64))
        self.estimator_ = est
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Positive-class probability of each label, shape (n_samples, n_labels)."""
        X = check_predict_X(self, X)
        out = self.estimator_.predict_proba(X)
        if not isinstance(out, list):  # a single label column would not reach here (>= 2 labels)
            out = [out]
        classes = self.estimator_.classes_
        return np.column_stack([_positive_column(p, c) for p, c in zip(out, classes, strict=True)])

    def __sklearn_tags__(self) -> Any:
        return multilabel_tags(super().__sklearn_tags__())
