"""What every labelwise model shares: scores from ``predict_proba``, decisions from a rule."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from labelwise.decision._base import DecisionRule, FixedThreshold

__all__ = ["ScoresThenRuleMixin", "resolve_rule"]


def resolve_rule(rule: DecisionRule | None) -> DecisionRule:
    """The rule to apply: the given one, or the documented default ``FixedThreshold(0.5)``."""
    return FixedThreshold(0.5) if rule is None else rule


class ScoresThenRuleMixin:
    """``predict(X)`` is ``decision_rule.predict(predict_proba(X))``; no threshold hides inside.

    Estimators using this mixin take a ``decision_rule`` constructor parameter (default ``None``,
    meaning ``FixedThreshold(0.5)``) and implement ``predict_proba`` returning an
    (n_samples, n_labels) array of positive-class probabilities.
    """

    decision_rule: DecisionRule | None

    def predict(self, X: Any) -> np.ndarray:
        """Predict label sets: scores from ``predict_proba``, decided by ``decision_rule``."""
        check_is_fitted(self)  # NotFittedError whatever the rule or predict_proba touch first
        return resolve_rule(self.decision_rule).predict(self.predict_proba(X))  # type: ignore[attr-defined]
