"""The decision-rule interface and the simplest rule, a fixed threshold."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from labelwise._validation import Interval, check_params
from labelwise.data.targets import check_scores
from labelwise.errors import TargetError

__all__ = ["DecisionRule", "FixedThreshold", "WrappingRule", "check_probability_thresholds"]


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


def check_probability_thresholds(rule: DecisionRule, *, where: str) -> None:
    """Reject fixed thresholds outside [0, 1] for a rule that will be given probabilities.

    Such a threshold predicts every label (below 0) or none (above 1), which is never intended.
    Wrapped rules (an ``AtLeastOne``'s ``rule``) are checked too.

    Examples
    --------
    >>> check_probability_thresholds(FixedThreshold(1.5), where="Calibrated")
    Traceback (most recent call last):
    ...
    labelwise.errors.TargetError: Calibrated: FixedThreshold threshold 1.5 is outside ...
    """
    inner = getattr(rule, "rule", None)
    if isinstance(inner, DecisionRule):
        check_probability_thresholds(inner, where=where)
    if not isinstance(rule, FixedThreshold):
        return
    t = np.atleast_1d(np.asarray(rule.threshold, dtype=float))
    bad = ~((t >= 0) & (t <= 1))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        label = f" (label {j})" if t.size > 1 else ""
        raise TargetError(
            f"{where}: FixedThreshold threshold {t[j]:g}{label} is outside [0, 1], but the rule "
            "is applied to probabilities, so it would predict every label or none. Use a "
            "threshold in [0, 1], or decide on decision_function scores instead."
        )


class WrappingRule(DecisionRule):
    """A rule that decides with another rule (``rule``; None means ``FixedThreshold(0.5)``) and
    changes its label sets. Fitting fits a clone of the wrapped rule (``rule_``); an unfitted
    wrapper predicts with ``rule`` as given. Subclasses store ``rule`` in ``__init__``."""

    rule: DecisionRule | None

    @property
    def _needs_probabilities(self) -> bool:  # type: ignore[override]
        return bool(getattr(self._inner(), "_needs_probabilities", False))

    def _inner(self) -> DecisionRule:
        if hasattr(self, "rule_"):
            return self.rule_
        return FixedThreshold(0.5) if self.rule is None else self.rule

    def fit(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> WrappingRule:
        """Fit a clone of the wrapped rule on validation targets and scores."""
        from sklearn.base import clone

        base = FixedThreshold(0.5) if self.rule is None else self.rule
        self.rule_ = clone(base).fit(y_true, y_score, sample_weight=sample_weight)
        return self
