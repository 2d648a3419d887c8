"""Binary relevance: one independent binary classifier per label."""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.metaestimators import available_if

from labelwise._validation import HasMethods, Interval, default_binary_estimator
from labelwise._warnings import column_label_names
from labelwise.decision._base import DecisionRule
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import (
    ConstantLabelModel,
    check_multilabel_fit,
    check_predict_X,
    multilabel_tags,
    warn_constant_labels,
)
from labelwise.models._per_label import PerLabelWarnings, fit_recording_warnings

__all__ = ["BinaryRelevance", "positive_scores"]


def positive_scores(estimator: Any, X: Any) -> np.ndarray:
    """Probability of class 1 from a fitted binary classifier, shape (n_samples,).

    Uses ``predict_proba`` when the estimator has it, else the sigmoid of ``decision_function``
    (uncalibrated: calibrate it with the decisions module if probabilities matter).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> lr = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> positive_scores(lr, [[1.0]]).round(2)
    array([0.56])
    """
    if hasattr(estimator, "predict_proba"):
        proba = np.asarray(estimator.predict_proba(X))
        classes = list(getattr(estimator, "classes_", [0, 1]))
        return proba[:, classes.index(1)] if 1 in classes else np.zeros(proba.shape[0])
    return expit(np.asarray(estimator.decision_function(X), dtype=float).ravel())


def _base_has(attr: str):
    def check(self: BinaryRelevance) -> bool:
        base = default_binary_estimator(self.estimator)
        return hasattr(base, attr)

    return check


class BinaryRelevance(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """One binary classifier per label (one-vs-rest for multi-label targets).

    Each label gets its own clone of ``estimator``, trained in parallel with joblib. A label that
    takes one value in the training data gets a constant predictor and a ``ProblemSetupWarning``.
    A warning of the base estimator (a ``ConvergenceWarning``, say) is issued once per fit,
    saying on how many labels it occurred and naming the first few. A ``decision_rule`` that
    learns (``GlobalThreshold()``, ``PerLabelThreshold()``), and the default (None: one
    threshold for micro-F1), is tuned on 5-fold out-of-fold training scores into ``rule_``; a
    fit that fails leaves the model unfitted.

    Parameters
    ----------
    estimator : classifier, default=None
        Binary base classifier; ``None`` means ``LogisticRegression()``. When it has no
        ``predict_proba``, the probability is the sigmoid of its ``decision_function``
        (uncalibrated).
    n_jobs : int, default=None
        Parallel jobs over labels (joblib semantics: ``None`` is 1, ``-1`` all cores).
    decision_rule : DecisionRule, default=None
        Turns ``predict_proba`` into label sets in ``predict``. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits.

    Attributes
    ----------
    estimators_ : list of classifiers
        One fitted classifier per label (``ConstantLabelModel`` for constant labels).
    constant_labels_ : ndarray of int
        Indices of labels that were constant in the training data.
    classes_ : ndarray
        Label names: a pandas DataFrame's column names, the names in label lists, else
        ``0..L-1``.
    rule_ : DecisionRule
        The tuned rule ``predict`` applies: ``decision_rule`` fitted, or the tuned default
        (absent when ``decision_rule`` is used as given or the model was fitted for its scores
        only).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    >>> Y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> model = BinaryRelevance().fit(X, Y)
    >>> model.predict_proba(X).shape
    (4, 2)
    >>> model.predict(X)
    array([[0, 0],
           [0, 1],
           [1, 0],
           [1, 1]], dtype=int8)
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [None, HasMethods("fit")],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        estimator: Any = None,
        n_jobs: int | None = None,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.estimator = estimator
        self.n_jobs = n_jobs
        self.decision_rule = decision_rule

    @fit_context
    def fit(self, X: Any, Y: Any) -> BinaryRelevance:
        """Fit one classifier per label.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels)
            0/1 label indicator matrix (or lists of label names).

        Returns
        -------
        self
        """
        X, Y = check_multilabel_fit(self, X, Y)
        const = warn_constant_labels(Y, who="BinaryRelevance", names=self.classes_)
        base = default_binary_estimator(self.estimator)
        is_const = np.zeros(Y.shape[1], dtype=bool)
        is_const[const] = True
        fit_labels = np.flatnonzero(~is_const)
        caught = PerLabelWarnings(Y.shape[1])
        with caught.around():
            fitted = Parallel(n_jobs=self.n_jobs)(
                delayed(fit_recording_warnings)(clone(base), X, Y[:, j]) for j in fit_labels
            )
        for j, (_, records) in zip(fit_labels, fitted, strict=True):
            caught.add(j, records)
        caught.emit(column_label_names(self.classes_, Y.shape[1]))
        fitted_iter = (model for model, _ in fitted)
        self.estimators_ = [
            ConstantLabelModel(int(Y[0, j])).fit(X) if is_const[j] else next(fitted_iter)
            for j in range(Y.shape[1])
        ]
        self.constant_labels_ = const
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Positive-class probability of each label.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_labels)
        """
        X = check_predict_X(self, X)
        return np.column_stack([positive_scores(e, X) for e in self.estimators_])

    @available_if(_base_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """The base estimators' decision scores, shape (n_samples, n_labels).

        A constant label scores ``-inf`` (never positive) or ``+inf`` (always positive).
        """
        X = check_predict_X(self, X)
        return np.column_stack(
            [np.asarray(e.decision_function(X), dtype=float).ravel() for e in self.estimators_]
        )

    def __sklearn_tags__(self):
        return multilabel_tags(super().__sklearn_tags__())
