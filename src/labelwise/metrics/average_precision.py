"""Average precision (area under the step precision-recall curve), exact and streaming.

``AP = sum_n (R_n - R_{n-1}) P_n`` over the distinct score thresholds, highest first, with
scikit-learn's conventions: tied scores form one threshold; a label without positives scores 0
(with a warning). Label-wise AP is one sort per label (see :mod:`._ranking_core`).

Streaming names registered for the Evaluator: ``average_precision`` (the mean over labels),
``average_precision_micro``, ``_weighted``, ``_samples``. Their state,
:class:`~labelwise.metrics._label_score_state.LabelScoreState`, also has a binned mode with
bounded memory and a computed error bound; it is importable from here as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.metrics._inputs import check_average
from labelwise.metrics._label_score_state import (
    LabelScoreState,
    ScoreHistogram,
    register_exact_average,
)
from labelwise.metrics._ranking_core import (
    ScoreInputs,
    SumState,
    average_scores,
    binary_curve,
    check_score_inputs,
    column,
    column_ranks,
    flat_ranks,
    label_support,
    mean_of_sums,
    name_labels,
    row_ranks,
    warn_undefined,
)
from labelwise.metrics._state_registry import register_metric

__all__ = ["LabelScoreState", "ScoreHistogram", "average_precision_score"]

_NAME = "average_precision_score"


def _ap_from_curve(fps: np.ndarray, tps: np.ndarray) -> float:
    if tps.shape[0] == 0 or tps[-1] <= 0:
        return 0.0
    gain = np.diff(tps, prepend=0.0)
    return float(max(0.0, np.sum(gain * tps / (tps + fps)) / tps[-1]))


def _per_label(inp: ScoreInputs) -> np.ndarray:
    Y, S, w = inp.Y, inp.S, inp.sample_weight
    if w is None:
        pr = column_ranks(Y, S)
        P = pr.n_pos.astype(np.float64)
        ap = np.where(P > 0, pr.precision_sums() / np.maximum(P, 1), 0.0)
        empty = np.flatnonzero(P == 0)
    else:
        ap = np.array(
            [_ap_from_curve(*binary_curve(column(Y, j), S[:, j], w)[:2]) for j in range(S.shape[1])]
        )
        empty = np.flatnonzero(label_support(Y, w) == 0)
    if empty.shape[0]:
        warn_undefined(
            f"{_NAME}: no positive example for {name_labels(empty)}; their average precision "
            "is set to 0 (recall is undefined without positives)."
        )
    return ap


def _micro(inp: ScoreInputs) -> float:
    Y, S, w = inp.Y, inp.S, inp.sample_weight
    if w is None:
        pr = flat_ranks(Y, S)
        P = float(pr.n_pos[0])
        return float(pr.precision_sums()[0] / P) if P > 0 else 0.0
    y = (Y.toarray() if sp.issparse(Y) else np.asarray(Y)).ravel()
    return _ap_from_curve(*binary_curve(y, S.ravel(), np.repeat(w, S.shape[1]))[:2])


def _per_sample(inp: ScoreInputs) -> np.ndarray:
    pr = row_ranks(inp.Y, inp.S)
    P = pr.n_pos.astype(np.float64)
    return np.where(P > 0, pr.precision_sums() / np.maximum(P, 1), 0.0)


def average_precision_score(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    pos_label: Any = 1,
    sample_weight: Any = None,
) -> float | np.ndarray:
    """Average precision, as scikit-learn's ``average_precision_score`` computes it.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Binary truth (1-D) or a 0/1 label matrix.
    y_score : array-like of shape like ``y_true``
        Scores; higher means more likely positive.
    average : {"macro", "micro", "weighted", "samples"} or None, default="macro"
        ``"micro"`` pools every (sample, label) entry; ``"macro"`` is the mean over labels,
        ``"weighted"`` weights labels by their (weighted) number of positives, ``"samples"``
        averages the AP of each row; None returns the per-label values. Ignored for 1-D input.
    pos_label : int or str, default=1
        The positive class of 1-D binary ``y_true``; must be 1 for a label matrix.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> y = np.array([[1, 0], [0, 1], [1, 1]])
    >>> s = np.array([[0.9, 0.2], [0.4, 0.6], [0.3, 0.6]])
    >>> average_precision_score(y, s, average=None)
    array([0.83333333, 1.        ])
    >>> round(average_precision_score(y, s, average="micro"), 6)
    0.95
    """
    check_average(average, caller=_NAME)
    inp = check_score_inputs(
        y_true, y_score, sample_weight, caller=_NAME, pos_label=pos_label, keep_float32=True
    )
    return _average(inp, average)


def _average(inp: ScoreInputs, average: str | None) -> float | np.ndarray:
    if inp.binary:
        return float(_per_label(inp)[0])
    if average == "micro":
        return _micro(inp)
    if average == "samples":
        return average_scores(_per_sample(inp), "samples", inp.sample_weight)
    weights = label_support(inp.Y, inp.sample_weight) if average == "weighted" else None
    return average_scores(_per_label(inp), average, weights)


def _samples_sums(inp: ScoreInputs) -> np.ndarray:
    w = np.ones(inp.S.shape[0]) if inp.sample_weight is None else inp.sample_weight
    return np.array([np.sum(_per_sample(inp) * w), np.sum(w)])


def _make_samples_state() -> SumState:
    return SumState(_samples_sums, mean_of_sums, _NAME)


register_exact_average("average_precision", _average)
for _avg in ("macro", "micro", "weighted"):
    register_metric(
        "average_precision" if _avg == "macro" else f"average_precision_{_avg}",
        lambda _a=_avg: LabelScoreState("average_precision", average=_a),
        needs="scores",
    )
register_metric("average_precision_samples", _make_samples_state, needs="scores")
