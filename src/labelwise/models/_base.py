"""What every labelwise model shares: scores from ``predict_proba``, decisions from a rule.

:func:`fit_context` wraps every ``fit``: the learned state is forgotten when fit starts and again
if it fails (a model whose fit raised is unfitted, never half-fitted), and a decision rule that
learns and was given unfitted (``GlobalThreshold()``, ``PerLabelThreshold()``, ``Calibrated``)
is tuned on out-of-fold training scores into ``rule_`` (see
:func:`labelwise.decision.meta.tune_rule`). ``decision_rule=None`` on label-set targets is the
tuned default: a ``GlobalThreshold()`` (micro-F1) fitted the same way (see
:func:`labelwise.decision.meta.tune_default_rule`). ``predict`` then decides with
:func:`decided_rule`.
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
    "default_rule",
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


def default_rule(estimator: Any) -> DecisionRule | None:
    """The rule ``decision_rule=None`` stands for in a fitted ``estimator``, to be tuned in ``fit``.

    ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) when the
    estimator decides label sets (it says so through a ``_decides_label_sets()`` method, true
    for every multi-label model); None when it decides classes (binary or multi-class targets:
    ``0.5`` or the argmax, as before) or has no ``decision_rule`` parameter. One threshold
    rather than one per label: it is what ``labelwise fit`` tunes for micro-F1, and a single
    number learned from every label's out-of-fold scores does not overfit rare labels.

    Examples
    --------
    >>> from labelwise.models import BinaryRelevance, OneVsRest
    >>> default_rule(BinaryRelevance()), default_rule(OneVsRest())
    (GlobalThreshold(), None)
    """
    if "decision_rule" not in getattr(estimator, "__dict__", {}):
        return None
    decides_sets = getattr(estimator, "_decides_label_sets", None)
    if decides_sets is None or not decides_sets():
        return None
    from labelwise.decision.thresholds import GlobalThreshold

    return GlobalThreshold("f1_micro")


def decided_rule(estimator: Any) -> DecisionRule:
    """The rule an estimator's ``predict`` applies: its tuned ``rule_``, else its
    ``decision_rule`` (None and untuned, e.g. fitted for its scores only or on fewer than 20
    rows: ``FixedThreshold(0.5)``)."""
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
    tuning, an ensemble's member; see :func:`labelwise.decision.meta.scores_only`). With
    ``decision_rule=None`` the :func:`default_rule` is tuned the same way
    (:func:`labelwise.decision.meta.tune_default_rule`: fewer folds on small data, none under
    20 rows, or the model's own held-out validation rows when it has them).

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
    from labelwise.decision.meta import (
        forget_fitted,
        scores_only_active,
        tune_default_rule,
        tune_rule,
    )

    signature = inspect.signature(fit)

    @functools.wraps(fit)
    def wrapper(self: Any, X: Any, y: Any = None, *args: Any, **kwargs: Any) -> Any:
        forget_fitted(self)
        try:
            validate_params(self)
            out = fit(self, X, y, *args, **kwargs)
            if not hasattr(self, "rule_") and not scores_only_active():
                rule = getattr(self, "decision_rule", None)
                default = default_rule(self) if rule is None else None
                if rule_needs_tuning(rule) or default is not None:
                    bound = signature.bind(self, X, y, *args, **kwargs).arguments
                    params = {k: v for k, v in list(bound.items())[3:] if v is not None}
                if rule_needs_tuning(rule):
                    self.rule_ = tune_rule(self, rule, X, y, params)
                elif default is not None:
                    tuned = tune_default_rule(self, default, X, y, params)
                    if tuned is not None:
                        self.rule_ = tuned
        except BaseException:
            forget_fitted(self)
            raise
        return out

    return wrapper  # type: ignore[return-value]


class ScoresThenRuleMixin:
    """``predict(X)`` is ``decision_rule.predict(predict_proba(X))``; no threshold hides inside.

    Estimators using this mixin take a ``decision_rule`` constructor parameter (default ``None``,
    the tuned :func:`default_rule`), decorate ``fit`` with :func:`fit_context` (so a rule that
    learns, or the default, is tuned on out-of-fold training scores into ``rule_``) and implement
    ``predict_proba`` returning an (n_samples, n_labels) array of positive-class probabilities.
    """

    decision_rule: DecisionRule | None

    def _decides_label_sets(self) -> bool:
        """Multi-label models decide label sets: ``decision_rule=None`` is tuned in ``fit``."""
        return True

    def predict(self, X: Any) -> np.ndarray:
        """Predict label sets: scores from ``predict_proba``, decided by the (tuned) rule."""
        check_is_fitted(self)  # NotFittedError whatever the rule or predict_proba touch first
        return decided_rule(self).predict(self.predict_proba(X))  # type: ignore[attr-defined]
