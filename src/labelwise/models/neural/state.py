"""A fitted :class:`~labelwise.models.NeuralClassifier` as plain data, and back, without pickle.

:func:`get_state` turns the model into JSON-safe values and NumPy arrays (a model file stores
them next to each other); :func:`from_state` rebuilds the network from them. ``STATE_FORMAT``
names the layout; a state of another format is refused.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from labelwise.decision._base import DecisionRule
from labelwise.decision.thresholds import GlobalThreshold
from labelwise.errors import ProblemSetupError
from labelwise.models.neural._torch import import_torch

__all__ = ["STATE_FORMAT", "from_state", "get_state"]

STATE_FORMAT = "labelwise.NeuralClassifier/1"


def get_state(model: Any) -> dict[str, Any]:
    """``{"format", "params", "fitted", "weights"}`` of a fitted model (see its ``get_state``)."""
    check_is_fitted(model)
    params = model.get_params(deep=False)
    params.pop("decision_rule")
    if callable(params["loss"]):
        params["loss"] = "auto"
    params["hidden_layer_sizes"] = [int(h) for h in params["hidden_layer_sizes"]]
    if not isinstance(params["random_state"], (numbers.Integral, type(None))):
        params["random_state"] = None
    if params["pos_weight"] is not None and not isinstance(params["pos_weight"], str):
        params["pos_weight"] = np.asarray(params["pos_weight"], dtype=np.float64)
    fitted = {
        "head_": model.head_,
        "kind_": model.kind_,
        "target_form_": model.target_form_,
        "classes_": np.asarray(model.classes_),
        "label_sets_": model.label_sets_,
        "pos_weight_": model.pos_weight_,
        "n_features_in_": int(model.n_features_in_),
        "n_epochs_": int(model.n_epochs_),
        "best_epoch_": int(model.best_epoch_),
        "best_score_": None if model.best_score_ is None else float(model.best_score_),
        "history_": [dict(row) for row in model.history_],
    }
    if hasattr(model, "feature_names_in_"):
        fitted["feature_names_in_"] = np.asarray(model.feature_names_in_, dtype=str)
    if isinstance(getattr(model, "rule_", None), GlobalThreshold):  # the tuned default
        fitted["rule_"] = {"global_threshold": _global_threshold_state(model.rule_)}
    weights = {
        name: t.detach().to("cpu").numpy().copy() for name, t in model.module_.state_dict().items()
    }
    return {"format": STATE_FORMAT, "params": params, "fitted": fitted, "weights": weights}


def from_state(
    cls: type, state: dict[str, Any], *, decision_rule: DecisionRule | None = None
) -> Any:
    """A fitted ``cls`` rebuilt from :func:`get_state`'s output (see its ``from_state``)."""
    from labelwise.models.neural.training import build_network

    torch = import_torch()
    if state.get("format") != STATE_FORMAT:
        raise ProblemSetupError(
            f"NeuralClassifier.from_state: unknown state format {state.get('format')!r}; "
            f"expected {STATE_FORMAT!r}."
        )
    params = dict(state["params"])
    params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
    model = cls(**params, decision_rule=decision_rule)
    for name, value in state["fitted"].items():
        setattr(model, name, value)
    if isinstance(getattr(model, "rule_", None), dict):
        model.rule_ = _global_threshold(model.rule_.get("global_threshold") or {})
    if hasattr(model, "feature_names_in_"):  # scikit-learn keeps them as objects
        model.feature_names_in_ = np.asarray(model.feature_names_in_, dtype=object)
    weights = state["weights"]
    n_out = int(np.asarray(weights[_last_linear_name(weights)]).shape[0])
    module = build_network(
        model.n_features_in_,
        model.hidden_layer_sizes,
        n_out,
        activation=model.activation,
        dropout=float(model.dropout),
        batch_norm=model.batch_norm,
    )
    module.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in weights.items()})
    model.module_ = module.eval()
    return model


def _last_linear_name(weights: dict[str, Any]) -> str:
    """Name of the output layer's weight in a Sequential state dict (highest index)."""
    names = [k for k in weights if k.endswith(".weight") and np.asarray(weights[k]).ndim == 2]
    return max(names, key=lambda k: int(k.split(".")[0]))


def _global_threshold_state(rule: GlobalThreshold) -> dict[str, Any]:
    return {
        "metric": rule.metric,
        "beta": float(rule.beta),
        "threshold_": float(rule.threshold_),
        "best_score_": float(rule.best_score_),
        "n_labels_": int(rule.n_labels_),
    }


def _global_threshold(state: dict[str, Any]) -> GlobalThreshold:
    """The tuned rule back from :func:`_global_threshold_state`; a malformed one is refused."""
    try:
        rule = GlobalThreshold(metric=str(state["metric"]), beta=float(state["beta"]))
        rule.threshold_ = float(state["threshold_"])
        rule.best_score_ = float(state["best_score_"])
        rule.n_labels_ = int(state["n_labels_"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ProblemSetupError(
            f"NeuralClassifier.from_state: the tuned rule_ in the state is malformed ({exc!r})."
        ) from None
    return rule
