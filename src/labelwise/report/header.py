"""What the report's header says about a model: its name, the metric it was tuned for, its rule.

Every path that writes a report (``labelwise report`` after ``labelwise fit`` with the search or
with ``--rule``, a model saved from Python) must give a reader the same three facts in words, not
a dotted class path or ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labelwise.metrics.names import canonical_metric_name, metric_description

__all__ = ["describe_model", "describe_rule", "tuned_for"]

#: What each tunable rule maximises when it has no ``metric`` parameter of its own.
_RULE_GOALS = {
    "PerLabelThreshold": "F1 of each label (f1_macro)",
    "FixedThreshold": "nothing (a fixed threshold)",
    "TopK": "nothing (a fixed number of labels)",
}

#: Guaranteed rules are not tuned for a metric: they keep a promise (what, and its level).
_PROMISES = {
    "RecallControl": ("recall", True),
    "PrecisionControl": ("precision", True),
    "ConformalSets": ("coverage of the true class", True),
    "FalsePositiveControl": ("false positives per example", False),
}


def _promise(name: str, params: Mapping[str, Any]) -> str:
    """A guaranteed rule's promise from its parameters: 'a promise: recall >= 0.9 ...'."""
    what, complement = _PROMISES[name]
    alpha = params.get("alpha")
    if not isinstance(alpha, (int, float)):
        return f"a promise on {what}"
    level = f"\u2265 {1 - alpha:g}" if complement else f"\u2264 {alpha:g}"
    text = f"no metric: a promise, {what} {level}"
    if params.get("per_label") or params.get("class_conditional"):
        text += " for each label" if name == "RecallControl" else " for each class"
    delta = params.get("delta")
    if isinstance(delta, (int, float)):
        text += f" with probability \u2265 {1 - delta:g}"
    return text


def _metric_words(name: str) -> str:
    """``canonical_name: what it measures``; a name the registry does not know, as it is."""
    try:
        return f"{canonical_metric_name(name)}: {metric_description(name)}"
    except ValueError:
        return name


def _short(dotted: str) -> str:
    return dotted.rsplit(".", 1)[-1]


def describe_model(model: Any) -> str:
    """A short readable name of a fitted model: its classes, outermost first.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from labelwise.models import BinaryRelevance
    >>> describe_model(make_pipeline(StandardScaler(), BinaryRelevance(LogisticRegression())))
    'StandardScaler -> BinaryRelevance(LogisticRegression)'
    """
    steps = getattr(model, "steps", None)
    if isinstance(steps, list):
        return " -> ".join(describe_model(step) for _, step in steps)
    board = getattr(model, "leaderboard_", None)  # AutoClassifier: its winner, ranked first
    if isinstance(board, list) and board and isinstance(board[0], Mapping):
        return f"{type(model).__name__}: {board[0].get('candidate', '-')}"
    inner = getattr(model, "estimator", None)
    if inner is not None and hasattr(inner, "get_params"):
        return f"{type(model).__name__}({describe_model(inner)})"
    return type(model).__name__


def describe_rule(rule: Any) -> str:
    """A rule as ``Name(param=value, ...)`` from the model file's record or the object itself.

    Examples
    --------
    >>> describe_rule({"class": "labelwise.decision.thresholds.GlobalThreshold",
    ...                "params": {"metric": "f1_micro", "beta": 1.0}})
    "GlobalThreshold(metric='f1_micro', beta=1.0)"
    >>> describe_rule(None)
    '-'
    """
    if rule is None:
        return "-"
    if isinstance(rule, Mapping):
        name = _short(str(rule.get("class", "-")))
        params = rule.get("params") or {}
    elif isinstance(rule, str):
        return _short(rule) if "." in rule and " " not in rule else rule
    else:
        name = type(rule).__name__
        params = rule.get_params(deep=False) if hasattr(rule, "get_params") else {}
    shown = ", ".join(
        f"{k}={describe_rule(v) if isinstance(v, Mapping) and 'class' in v else repr(v)}"
        for k, v in params.items()
        if v is not None
    )
    return f"{name}({shown})"


def tuned_for(metadata: Mapping[str, Any]) -> str:
    """The metric the model (or its rule) was tuned for, in words.

    The main job records its metric; a model fitted with ``--rule`` or in Python carries it in its
    rule (``GlobalThreshold(metric=...)``, ``BayesOptimal(metric=...)``) or in the rule's kind.
    A metric is shown by its canonical name (:mod:`labelwise.metrics.names`), whatever spelling
    was recorded, followed by what it measures.

    Examples
    --------
    >>> tuned_for({"metric": "macro_f1"})
    'f1_macro: F1 averaged over labels (every label counts the same)'
    >>> tuned_for({"decision_rule": {"class": "x.PerLabelThreshold", "params": {}}})
    'F1 of each label (f1_macro)'
    >>> tuned_for({"decision_rule": {"class": "x.RecallControl",
    ...                              "params": {"alpha": 0.1, "delta": 0.1}}})
    'no metric: a promise, recall ≥ 0.9 with probability ≥ 0.9'
    >>> tuned_for({})
    '-'
    """
    metric = metadata.get("metric")
    if isinstance(metric, str) and metric:
        return _metric_words(metric)
    rule = metadata.get("decision_rule")
    if isinstance(rule, Mapping):
        params = rule.get("params") or {}
        if isinstance(params.get("metric"), str):
            return _metric_words(params["metric"])
        name = _short(str(rule.get("class", "")))
        if name in _RULE_GOALS:
            return _RULE_GOALS[name]
        if name in _PROMISES:
            return _promise(name, params)
        inner = params.get("rule")
        if isinstance(inner, Mapping):
            return tuned_for({"decision_rule": inner})
    return "-"
