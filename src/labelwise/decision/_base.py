"""The decision-rule interface and the simplest rule, a fixed threshold."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from labelwise._validation import Interval, check_params
from labelwise.data.targets import check_scores

__all__ = ["DecisionRule", "FixedThreshold"]


class DecisionRule(BaseEstimator):
    """Base class of rules that turn an (n, L) score matrix into 0/1 label sets.

    Subclasses store their parameters in ``__init__`` unchanged, learn in ``fit(y_true, y_score)``
    (when there is anything to learn) and decide in ``predict(y_score)``. Rules that need
    probabilities set ``_needs_probabilities = True``; ``predict`` then rejects scores outside
    [0, 1] with an explanation.
    """

    _needs_probabilities = False

    def fit(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> DecisionRule:
        """Learn nothing; present so every rule can be fitted the same way."""
        self._check_scores(y_score)
        return self

    def predict(self, y_score: Any) -> np.ndarray:
        """Decide label sets; returns an int8 (n_samples, n_labels) 0/1 array."""
        raise NotImplementedError

    def _check_scores(self, y_score: Any, n_labels: int | None = None) -> np.ndarray:
        return check_scores(y_score, n_labels=n_labels, probabilities=self._needs_probabilities)


class FixedThreshold(DecisionRule):
    """Predict every label whose score is at or above a fixed threshold.

    Parameters
    ----------
    threshold : float or array-like of shape (n_labels,), default=0.5
        One threshold for all labels, or one per label.

    Examples
    --------
    >>> FixedThreshold(0.5).predict([[0.7, 0.2], [0.5, 0.9]])
    array([[1, 0],
           [1, 1]], dtype=int8)
    >>> FixedThreshold([0.8, 0.1]).predict([[0.7, 0.2]])
    array([[0, 1]], dtype=int8)
    """

    def __init__(self, threshold: float | Any = 0.5) -> None:
        self.threshold = threshold

    def predict(self, y_score: Any) -> np.ndarray:
        t = np.asarray(self.threshold, dtype=float)
        if t.ndim == 0:
            check_params(
                {"threshold": float(t)},
                {"threshold": [Interval(numbers.Real, None, None)]},
                caller="FixedThreshold",
            )
            s = self._check_scores(y_score)
        else:
            s = self._check_scores(y_score, n_labels=t.shape[0])
        return (s >= t).astype(np.int8)
