"""What every labelwise model shares: scores from ``predict_proba``, decisions from a rule.

:func:`fit_context` wraps every ``fit``: the learned state is forgotten when fit starts and again
if it fails (a model whose fit raised is unfitted, never half-fitted), and a decision rule that
learns and was given unfitted (``GlobalThreshold()``, ``PerLabelThreshold()``, ``Calibrated``)
is tuned on out-of-fold training scores into ``rule_`` (see
:func:`labelwise.decision.meta.tune_rule`). ``predict`` then decides with :func:`decided_rule`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import validate_params
from labelwise.decision._base import DecisionRule, FixedThreshold, WrappingRule

__all__ = [
    "ScoresThenRuleMixin",
    "decided_rule",
    "fit_context",
    "resolve_rule",
    "rule_needs_tuning",
]

F = TypeVar("F", bound=Callable[..., Any])


def resolve_rule(rule: DecisionRule | None) -> DecisionRule:
    """The rule to apply: the given one, or the documented default ``FixedThreshold(0.5)``."""
    return FixedThreshold(0.5) if rule is None else rule


def rule_needs_tuning(rule: DecisionRule | None) -> bool:
    """Whether ``rule`` learns from data (has its own ``fit``) and has not learned yet.

    A fixed threshold, ``TopK`` or ``BayesOptimal`` decide without fitting; a rule given already
    fitted (on validation scores of the user's choosing) is used as it is.

    Examples
    --------
    >>> from labelwise.decision import AtLeastOne, GlobalThreshold, TopK
    >>> rule_needs_tuning(GlobalThreshold()), rule_needs_tuning(TopK(2))
    (True, False)
    >>> rule_needs_tuning(AtLeastOne(GlobalThreshold())), rule_needs_tuning(AtLeastOne())
    (True, False)
    >>> rule_needs_tuning(GlobalThreshold().fit([[1, 0], [0, 1]], [[0.9, 0.2], [0.3, 0.6]]))
    False
    """
    if rule is None or any(k.endswith("_") and not k.startswith("__") for k in vars(rule)):
        return False
    if isinstance(rule, WrappingRule):
        return rule_needs_tuning(rule.rule)
    return type(rule).fit is not DecisionRule.fit


def decided_rule(estimator: Any) -> DecisionRule:
    """The rule an estimator's ``predict`` applies: its tuned ``rule_``, else its
    ``decision_rule`` (None: ``FixedThreshold(0.5)``)."""
    tuned = getattr(estimator, "rule_", None)
    return tuned if tuned is not None else resolve_rule(estimator.decision_rule)


def fit_context(fit: F) -> F:
    """Decorate ``fit``: forget stale state, validate parameters, forget state on failure, tune.

    The parameters are checked once per fit against the class's ``_parameter_constraints``
    (:func:`labelwise._validation.validate_params`; a class without them is not checked). The
    learned attributes (ending in ``_``) are deleted before ``fit`` runs and again if it
    raises, so a fit that fails part-way (a lost Dask worker, a base model's error on one label)
    leaves the model unfitted. After a successful fit, a ``decision_rule`` that learns and was
    given unfitted is fitted on 5-fold out-of-fold scores of the training data into ``rule_``
    (unless the model set ``rule_`` itself, or it is fitted for its scores only: a fold of such a
    tuning, an ensemble's member; see :func:`labelwise.decision.meta.scores_only`).

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> class Fails(BaseEstimator):
    ...     @fit_context
    ...     def fit(self, X, y=None):
    ...         self.classes_ = [0, 1]
    ...         raise RuntimeError("worker lost")
    >>> m = Fails()
    >>> try:
    ...     m.fit([[0.0]])
    ... except RuntimeError:
    ...     pass
    >>> hasattr(m, "classes_")
    False
    """
    from labelwise.decision.meta import forget_fitted, scores_only_active, tune_rule

    signature = inspect.signature(fit)

    @functools.wraps(fit)
    def wrapper(self: Any, X: Any, y: Any = None, *args: Any, **kwargs: Any) -> Any:
        forget_fitted(self)
        try:
            validate_params(self)
            out = fit(self, X, y, *args, **kwargs)
            rule = getattr(self, "decision_rule", None)
            if rule_needs_tuning(rule) and not hasattr(self, "rule_") and not scores_only_active():
                bound = signature.bind(self, X, y, *args, **kwargs).arguments
                params = {k: v for k, v in list(bound.items())[3:] if v is not None}
                self.rule_ = tune_rule(self, rule, X, y, params)
        except BaseException:
            forget_fitted(self)
            raise
        return out

    return wrapper  # type: ignore[return-value]


class ScoresThenRuleMixin:
    """``predict(X)`` is ``decision_rule.predict(predict_proba(X))``; no threshold hides inside.

    Estimators using this mixin take a ``decision_rule`` constructor parameter (default ``None``,
    meaning ``FixedThreshold(0.5)``), decorate ``fit`` with :func:`fit_context` (so a rule that
    learns is tuned on out-of-fold training scores into ``rule_``) and implement
    ``predict_proba`` returning an (n_samples, n_labels) array of positive-class probabilities.
    """

    decision_rule: DecisionRule | None

    def predict(self, X: Any) -> np.ndarray:
        """Predict label sets: scores from ``predict_proba``, decided by the (tuned) rule."""
        check_is_fitted(self)  # NotFittedError whatever the rule or predict_proba touch first
        return decided_rule(self).predict(self.predict_proba(X))  # type: ignore[attr-defined]
