"""The output layer of :class:`~labelwise.models.NeuralClassifier`: head, loss and targets.

A head is chosen from the problem (:func:`resolve_head`), checked against the data (a powerset
head needs enough examples per label set, :func:`check_powerset`), paired with a loss that suits
it (:func:`loss_function`) and given the targets its loss trains on (:func:`head_targets`).
Nothing here imports torch at import time.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from labelwise import diagnostics
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError
from labelwise.models.neural._torch import import_torch

__all__ = [
    "HEADS",
    "NAMED_LOSSES",
    "HeadTargets",
    "check_powerset",
    "head_targets",
    "loss_function",
    "resolve_head",
    "to_proba",
]

HEADS = ("auto", "sigmoid", "softmax", "powerset")
NAMED_LOSSES = ("auto", "bce", "cross_entropy", "focal", "asymmetric")
MULTILABEL_KINDS = ("multilabel", "hierarchical")


def resolve_head(head: str, kind: str, targets: Any, *, force: bool, who: str) -> str:
    """The head to train: ``head``, or for ``"auto"`` the one the kind of problem needs.

    Examples
    --------
    >>> resolve_head("auto", "multilabel", None, force=False, who="NeuralClassifier")
    'sigmoid'
    >>> resolve_head("auto", "multiclass", None, force=False, who="NeuralClassifier")
    'softmax'
    """
    multilabel = kind in MULTILABEL_KINDS
    if head == "auto":
        return "sigmoid" if multilabel else "softmax"
    if head == "softmax" and multilabel and not force:
        per_row = targets.labels_per_row()
        raise ProblemSetupError(
            f"{who}: head='softmax' on multi-label targets "
            f"({int(np.sum(per_row > 1))} of {per_row.size} examples have several labels, "
            f"{int(np.sum(per_row == 0))} have none). A softmax makes the labels compete "
            "for one unit of probability: an example with two true labels can give at most "
            "one of them a probability above 0.5, and one with k labels about 1/k to each. "
            "Use head='sigmoid' (one independent sigmoid per label with binary cross-entropy, "
            "the default here) or head='powerset' (a softmax over the label sets), or pass "
            "force=True to train a softmax anyway."
        )
    return head


def check_powerset(Y: np.ndarray, width: int, *, force: bool, who: str) -> None:
    """Refuse a label-powerset head whose observed label sets are too sparse for the data.

    ``width`` is the width of the last hidden layer (the input width without hidden layers).
    """
    p = diagnostics.diagnose(Y, hidden_width=width).powerset
    few = p.examples_per_set_mean < diagnostics._LP_MIN_EXAMPLES_PER_SET
    once = p.share_sets_once > diagnostics._LP_MAX_SHARE_ONCE
    if force or not (few or once):
        return
    L = Y.shape[1]
    raise ProblemSetupError(
        f"{who}: head='powerset' would be a softmax over {p.n_observed:,} "
        f"observed label sets (of 2^{L} = {p.n_possible:,} possible) with only "
        f"{p.examples_per_set_mean:.1f} training examples per set on average (median "
        f"{p.examples_per_set_median:g}) and {p.share_sets_once:.0%} of the sets seen once; "
        f"labelwise inspect asks for at least {diagnostics._LP_MIN_EXAMPLES_PER_SET:g} "
        f"examples per set and at most {diagnostics._LP_MAX_SHARE_ONCE:.0%} seen once. Output "
        f"layer (hidden width h = {width}): {p.sigmoid_units:,} sigmoids have "
        f"{p.sigmoid_params:,} parameters, a softmax over the observed sets "
        f"{p.observed_softmax_params:,}, over all 2^{L} sets {p.full_softmax_params:,}. Use "
        "head='sigmoid', or pass force=True to train the powerset head anyway."
    )


@dataclass
class HeadTargets:
    """What a head trains on: loss targets ``T``, monitored 0/1 outputs ``Y`` and the rows used."""

    T: np.ndarray
    Y: np.ndarray
    monitor_head: str  # "sigmoid" (a rule decides) or "softmax_classes" (argmax decides)
    rows: np.ndarray
    label_sets: np.ndarray | None = None


def head_targets(head: str, kind: str, Y: np.ndarray, targets: Any, *, who: str) -> HeadTargets:
    """The targets of ``head``'s loss for the int8 0/1 matrix ``Y`` of the canonical ``targets``.

    Examples
    --------
    >>> Y = np.array([[1, 0], [1, 1], [1, 0]], dtype=np.int8)
    >>> t = head_targets("powerset", "multilabel", Y, None, who="NeuralClassifier")
    >>> t.label_sets.tolist(), t.T.tolist()
    ([[1, 0], [1, 1]], [0, 1, 0])
    """
    rows = np.arange(Y.shape[0])
    if head == "sigmoid":
        return HeadTargets(Y, Y, "sigmoid", rows)
    if head == "powerset":
        sets, codes = np.unique(Y, axis=0, return_inverse=True)
        T = codes.ravel().astype(np.int64)
        return HeadTargets(T, Y, "sigmoid", rows, label_sets=sets.astype(np.int8))
    if kind in MULTILABEL_KINDS:  # a forced softmax on label sets
        per_row = Y.sum(axis=1)
        rows = np.flatnonzero(per_row > 0)
        if rows.size < Y.shape[0]:
            warnings.warn(
                f"{who}: a softmax cannot represent an empty label set; the "
                f"{Y.shape[0] - rows.size} training examples without labels are left out.",
                ProblemSetupWarning,
                stacklevel=3,
            )
        T = (Y / np.maximum(per_row, 1)[:, None]).astype(np.float32)
        return HeadTargets(T, Y, "sigmoid", rows)
    return HeadTargets(targets.class_indices().astype(np.int64), Y, "softmax_classes", rows)


def to_proba(head: str, label_sets: np.ndarray | None, device: Any) -> Any:
    """Logits -> the monitored scores: sigmoids, a softmax, or a powerset's label marginals."""
    torch = import_torch()
    if head == "sigmoid":
        return torch.sigmoid
    if head == "powerset":
        sets_t = torch.from_numpy(label_sets.astype(np.float32)).to(device)
        return lambda z: torch.softmax(z, dim=1) @ sets_t
    return lambda z: torch.softmax(z, dim=1)


def loss_function(
    loss: Any,
    loss_params: dict | None,
    pos_weight: Any,
    head: str,
    Y: np.ndarray,
    device: Any = "cpu",
    *,
    who: str,
) -> tuple[Any, np.ndarray | None]:
    """The loss as a function of (logits, targets), checked against the head.

    Returns the function and the per-label positive weights it uses (``pos_weight_``; None
    unless binary cross-entropy is weighted).
    """
    from labelwise.models.neural import losses

    torch = import_torch()
    params = dict(loss_params or {})
    name = loss
    if callable(name):
        return (lambda z, t: name(z, t, **params)), None
    if name == "auto":
        name = "bce" if head == "sigmoid" else "cross_entropy"
    if pos_weight is not None and not (head == "sigmoid" and name == "bce"):
        raise ProblemSetupError(
            f"{who}: pos_weight weighs the positive term of binary cross-entropy, so it "
            f"needs head='sigmoid' with loss='bce'; got head={head!r}, loss={name!r}."
        )
    if head == "sigmoid":
        if name == "cross_entropy":
            raise ProblemSetupError(
                f"{who}: loss='cross_entropy' is the loss of a softmax; a sigmoid head is "
                "trained with 'bce', 'focal' or 'asymmetric'."
            )
        fn, allowed = losses.LOSSES[name]
        _check_loss_params(who, name, params, allowed)
        weights = None
        if name == "bce" and pos_weight is not None:
            weights = _positive_weights(pos_weight, Y, who)
            params["pos_weight"] = torch.from_numpy(weights.astype(np.float32)).to(device)
        return (lambda z, t: fn(z, t, **params)), weights
    if name in ("bce", "asymmetric"):
        raise ProblemSetupError(
            f"{who}: loss={name!r} is a loss of one sigmoid per label, but the head is "
            f"{head!r} (a softmax); use loss='cross_entropy' (the default) or 'focal'."
        )
    if name == "focal":
        _check_loss_params(who, name, params, ("gamma",))
        return (lambda z, t: losses.softmax_focal_loss(z, t, **params)), None
    _check_loss_params(who, name, params, ("label_smoothing",))
    return (lambda z, t: torch.nn.functional.cross_entropy(z, t, **params)), None


def _positive_weights(pos_weight: Any, Y: np.ndarray, who: str) -> np.ndarray:
    """``pos_weight`` as float64 per label; ``"balanced"`` (the one string allowed) from ``Y``."""
    balanced = isinstance(pos_weight, str)
    w = np.asarray(balanced_pos_weight(Y) if balanced else pos_weight, dtype=np.float32)
    if w.shape != (Y.shape[1],):
        raise ShapeError(f"{who}: pos_weight has {w.size} values but y has {Y.shape[1]} labels.")
    return w.astype(np.float64)


def balanced_pos_weight(Y: np.ndarray) -> np.ndarray:
    """``n_negative / n_positive`` per label (1 for a label with no positive or no negative).

    Examples
    --------
    >>> balanced_pos_weight(np.array([[1, 0], [0, 0], [0, 0], [0, 0]])).tolist()
    [3.0, 1.0]
    """
    pos = Y.sum(axis=0).astype(np.float64)
    neg = Y.shape[0] - pos
    ok = (pos > 0) & (neg > 0)
    return np.where(ok, neg / np.where(ok, pos, 1.0), 1.0)


def _check_loss_params(who: str, name: str, params: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        what = ", ".join(allowed) if allowed else "none"
        raise ProblemSetupError(
            f"{who}: loss_params {unknown} are not parameters of loss={name!r} (it takes: {what})."
        )
