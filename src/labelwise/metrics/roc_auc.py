"""Area under the ROC curve for binary and multi-label scores, exact and streaming.

Without weights, the AUC of a label is the Mann-Whitney statistic: the fraction of (positive,
negative) pairs ordered correctly, ties counting one half -- equal to the trapezoidal area under
scikit-learn's ROC curve, and computed from one sort per label (:mod:`._ranking_core`). With
``sample_weight`` or ``max_fpr`` the weighted ROC curve of each label is built and integrated.

A label whose ``y_true`` holds one class only has no ROC curve: like scikit-learn, its AUC is NaN
with an ``UndefinedMetricWarning`` naming the labels.

Streaming names registered for the Evaluator: ``roc_auc`` (the mean over labels),
``roc_auc_micro``, ``_weighted``, ``_samples`` (binned mode:
:class:`~labelwise.metrics._label_score_state.LabelScoreState`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.metrics._inputs import check_average
from labelwise.metrics._label_score_state import LabelScoreState, register_exact_average
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

__all__ = ["roc_auc_score"]

_NAME = "roc_auc_score"


def _auc_from_curve(fps: np.ndarray, tps: np.ndarray, max_fpr: float | None) -> float:
    if fps.shape[0] == 0 or fps[-1] <= 0 or tps[-1] <= 0:
        return np.nan
    fpr = np.r_[0.0, fps / fps[-1]]
    tpr = np.r_[0.0, tps / tps[-1]]
    if max_fpr is None or max_fpr == 1:
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2)
    stop = int(np.searchsorted(fpr, max_fpr, "right"))
    t_end = np.interp(max_fpr, fpr[stop - 1 : stop + 1], tpr[stop - 1 : stop + 1])
    x = np.r_[fpr[:stop], max_fpr]
    y = np.r_[tpr[:stop], t_end]
    partial = float(np.sum(np.diff(x) * (y[1:] + y[:-1])) / 2)
    lo, hi = 0.5 * max_fpr**2, max_fpr  # McClish: 0.5 for chance, 1 for perfect
    return 0.5 * (1 + (partial - lo) / (hi - lo))


def _from_ranks(right: np.ndarray, P: np.ndarray, N: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((P > 0) & (N > 0), right / (P * N), np.nan)


def _warn_one_class(bad: np.ndarray) -> None:
    if bad.shape[0]:
        warn_undefined(
            f"{_NAME}: only one class is present in y_true for {name_labels(bad)}; ROC AUC is "
            "not defined there and is NaN. Drop such labels or evaluate on more data."
        )


def _per_label(inp: ScoreInputs, max_fpr: float | None) -> np.ndarray:
    Y, S, w = inp.Y, inp.S, inp.sample_weight
    n = S.shape[0]
    if w is None and max_fpr is None:
        pr = column_ranks(Y, S)
        P = pr.n_pos.astype(np.float64)
        auc = _from_ranks(pr.right_pairs(), P, n - P)
    else:
        auc = np.array(
            [
                _auc_from_curve(*binary_curve(column(Y, j), S[:, j], w)[:2], max_fpr)
                for j in range(S.shape[1])
            ]
        )
    _warn_one_class(np.flatnonzero(np.isnan(auc)))
    return auc


def _micro(inp: ScoreInputs, max_fpr: float | None) -> float:
    Y, S, w = inp.Y, inp.S, inp.sample_weight
    if w is None and max_fpr is None:
        pr = flat_ranks(Y, S)
        P = pr.n_pos.astype(np.float64)
        auc = float(_from_ranks(pr.right_pairs(), P, S.size - P)[0])
    else:
        y = (Y.toarray() if sp.issparse(Y) else np.asarray(Y)).ravel()
        ww = None if w is None else np.repeat(w, S.shape[1])
        auc = _auc_from_curve(*binary_curve(y, S.ravel(), ww)[:2], max_fpr)
    if np.isnan(auc):
        warn_undefined(f"{_NAME}: y_true holds one class only; micro ROC AUC is NaN.")
    return auc


def _per_sample(inp: ScoreInputs, max_fpr: float | None) -> np.ndarray:
    L = inp.S.shape[1]
    if max_fpr is None:
        pr = row_ranks(inp.Y, inp.S, need_hi=True)
        P = pr.n_pos.astype(np.float64)
        auc = _from_ranks(pr.right_pairs(), P, L - P)
    else:
        Yr = sp.csr_matrix(inp.Y) if sp.issparse(inp.Y) else inp.Y
        auc = np.array(
            [
                _auc_from_curve(
                    *binary_curve(
                        np.asarray(Yr[i].toarray()).ravel() if sp.issparse(Yr) else Yr[i], inp.S[i]
                    )[:2],
                    max_fpr,
                )
                for i in range(inp.S.shape[0])
            ]
        )
    bad = np.flatnonzero(np.isnan(auc))
    if bad.shape[0]:
        warn_undefined(
            f"{_NAME}: {bad.shape[0]} samples (first: row {int(bad[0])}) have only positive or "
            "only negative labels; their ROC AUC is NaN."
        )
    return auc


def roc_auc_score(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = "macro",
    sample_weight: Any = None,
    max_fpr: float | None = None,
) -> float | np.ndarray:
    """Area under the ROC curve, as scikit-learn's ``roc_auc_score`` for binary/multi-label.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or sparse matrix
        Binary truth (1-D; the greater class is positive) or a 0/1 label matrix.
    y_score : array-like of shape like ``y_true``
        Scores; higher means more likely positive.
    average : {"macro", "micro", "weighted", "samples"} or None, default="macro"
        As in :func:`~labelwise.metrics.average_precision_score`. Ignored for 1-D input.
    sample_weight : array-like of shape (n_samples,), optional
    max_fpr : float in (0, 1], optional
        Standardised partial AUC up to this false-positive rate (McClish correction: 0.5 for
        random scores, 1 for perfect ones).

    Returns
    -------
    float or ndarray of shape (n_labels,)
        NaN (with a warning) for labels whose truth has a single class.

    Examples
    --------
    >>> y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> s = np.array([[0.9, 0.2], [0.4, 0.6], [0.3, 0.6], [0.1, 0.6]])
    >>> roc_auc_score(y, s, average=None)
    array([0.75, 0.75])
    >>> roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    check_average(average, caller=_NAME)
    if max_fpr is not None and not (
        isinstance(max_fpr, (int, float)) and not isinstance(max_fpr, bool) and 0 < max_fpr <= 1
    ):
        raise ValueError(f"{_NAME}: max_fpr must be a number in (0, 1]; got {max_fpr!r}.")
    inp = check_score_inputs(
        y_true, y_score, sample_weight, caller=_NAME, pos_label=None, keep_float32=True
    )
    return _average(inp, average, max_fpr)


def _average(inp: ScoreInputs, average: str | None, max_fpr: float | None) -> Any:
    if inp.binary:
        return float(_per_label(inp, max_fpr)[0])
    if average == "micro":
        return _micro(inp, max_fpr)
    if average == "samples":
        return average_scores(_per_sample(inp, max_fpr), "samples", inp.sample_weight)
    weights = label_support(inp.Y, inp.sample_weight) if average == "weighted" else None
    return average_scores(_per_label(inp, max_fpr), average, weights)


def _samples_sums(inp: ScoreInputs) -> np.ndarray:
    w = np.ones(inp.S.shape[0]) if inp.sample_weight is None else inp.sample_weight
    auc = _per_sample(inp, None)
    return np.array([np.sum(np.where(w == 0, 0.0, auc) * w), np.sum(w)])


def _exact_average(inp: ScoreInputs, average: str | None) -> Any:
    return _average(inp, average, None)


register_exact_average("roc_auc", _exact_average)
for _avg in ("macro", "micro", "weighted"):
    register_metric(
        "roc_auc" if _avg == "macro" else f"roc_auc_{_avg}",
        lambda _a=_avg: LabelScoreState("roc_auc", average=_a),
        needs="scores",
    )
register_metric(
    "roc_auc_samples", lambda: SumState(_samples_sums, mean_of_sums, _NAME), needs="scores"
)
