"""Curves for multi-label scores: precision-recall, ROC and F1 against the threshold.

scikit-learn's ``precision_recall_curve`` and ``roc_curve`` take one binary target and refuse a
label matrix. Here each takes an (n_samples, n_labels) target and score matrix and returns one
curve per label (``average=None``) or the micro-averaged curve of all (sample, label) pairs pooled
(``average="micro"``). Per label, the numbers are scikit-learn's exactly (same points, same
order, same conventions), computed from the same cumulative counts as average precision.

Examples
--------
>>> Y = [[1, 0], [0, 1], [1, 1], [0, 0]]
>>> S = [[0.9, 0.2], [0.4, 0.7], [0.6, 0.4], [0.1, 0.3]]
>>> curve = precision_recall_curve(Y, S)[0]
>>> curve.precision.tolist(), curve.recall.tolist()
([0.5, 0.6666666666666666, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.5, 0.0])
>>> roc_curve(Y, S, average="micro").fpr.tolist()
[0.0, 0.0, 0.0, 0.25, 1.0]
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from labelwise.metrics._ranking_core import binary_curve, check_score_inputs, column

__all__ = [
    "F1Curve",
    "PrecisionRecallCurve",
    "RocCurve",
    "f1_threshold_curve",
    "precision_recall_curve",
    "roc_curve",
]


class PrecisionRecallCurve(NamedTuple):
    """One precision-recall curve (scikit-learn's order: increasing thresholds)."""

    precision: np.ndarray
    recall: np.ndarray
    thresholds: np.ndarray


class RocCurve(NamedTuple):
    """One ROC curve (scikit-learn's order: decreasing thresholds, starting at ``inf``)."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray


class F1Curve(NamedTuple):
    """F1 of ``score >= threshold`` at every distinct threshold, highest threshold first."""

    f1: np.ndarray
    thresholds: np.ndarray


def _pr(y: np.ndarray, s: np.ndarray, w: np.ndarray | None) -> PrecisionRecallCurve:
    fps, tps, thr = binary_curve(y, s, w)
    ps = tps + fps
    precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
    recall = np.ones_like(tps) if tps.size == 0 or tps[-1] == 0 else tps / tps[-1]
    return PrecisionRecallCurve(
        np.hstack((precision[::-1], 1.0)), np.hstack((recall[::-1], 0.0)), thr[::-1]
    )


def _roc(y: np.ndarray, s: np.ndarray, w: np.ndarray | None, drop_intermediate: bool) -> RocCurve:
    fps, tps, thr = binary_curve(y, s, w)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.flatnonzero(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])
        fps, tps, thr = fps[keep], tps[keep], thr[keep]
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    thr = np.r_[np.inf, thr]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return RocCurve(fpr, tpr, thr)


def _f1(y: np.ndarray, s: np.ndarray, w: np.ndarray | None) -> F1Curve:
    fps, tps, thr = binary_curve(y, s, w)
    positives = tps[-1] if tps.size else 0.0
    denom = 2 * tps + fps + (positives - tps)
    return F1Curve(np.divide(2 * tps, denom, out=np.zeros_like(tps), where=denom > 0), thr)


def _columns(y_true: Any, y_score: Any, sample_weight: Any, caller: str, average: str | None):
    if average not in (None, "micro"):
        raise ValueError(f"{caller}: average must be None (one curve per label) or 'micro'; "
                         f"got {average!r}.")  # fmt: skip
    inp = check_score_inputs(y_true, y_score, sample_weight, caller=caller)
    S, w = inp.S, inp.sample_weight
    if average == "micro":
        Y = np.asarray(inp.Y.toarray() if hasattr(inp.Y, "toarray") else inp.Y)
        ww = None if w is None else np.repeat(w, S.shape[1])
        return [(Y.ravel(), S.ravel(), ww)]
    return [(column(inp.Y, j), S[:, j], w) for j in range(S.shape[1])]


def precision_recall_curve(
    y_true: Any, y_score: Any, *, average: str | None = None, sample_weight: Any = None
) -> list[PrecisionRecallCurve] | PrecisionRecallCurve:
    """Precision-recall curve of each label, or the micro-averaged one.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels)
    average : {None, "micro"}, default=None
        None: a list with one curve per label (each equal to scikit-learn's
        ``precision_recall_curve`` of that column); "micro": one curve over all pairs.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    list of PrecisionRecallCurve or PrecisionRecallCurve

    Examples
    --------
    >>> c = precision_recall_curve([[1, 0], [0, 1]], [[0.8, 0.3], [0.4, 0.6]], average="micro")
    >>> c.precision.tolist(), c.thresholds.tolist()
    ([0.5, 0.6666666666666666, 1.0, 1.0, 1.0], [0.3, 0.4, 0.6, 0.8])
    """
    curves = [_pr(y, s, w) for y, s, w in _columns(
        y_true, y_score, sample_weight, "precision_recall_curve", average)]  # fmt: skip
    return curves[0] if average == "micro" else curves


def roc_curve(
    y_true: Any,
    y_score: Any,
    *,
    average: str | None = None,
    sample_weight: Any = None,
    drop_intermediate: bool = True,
) -> list[RocCurve] | RocCurve:
    """ROC curve of each label, or the micro-averaged one.

    A label without positives (or negatives) has an undefined TPR (or FPR): NaN, where
    scikit-learn warns and returns NaN too.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels)
    average : {None, "micro"}, default=None
    sample_weight : array-like of shape (n_samples,), optional
    drop_intermediate : bool, default=True
        Drop thresholds that would not appear on a plotted ROC curve (scikit-learn's default).

    Returns
    -------
    list of RocCurve or RocCurve

    Examples
    --------
    >>> roc_curve([[1, 0], [0, 1]], [[0.8, 0.3], [0.4, 0.6]])[0].tpr.tolist()
    [0.0, 1.0, 1.0]
    """
    curves = [_roc(y, s, w, drop_intermediate) for y, s, w in _columns(
        y_true, y_score, sample_weight, "roc_curve", average)]  # fmt: skip
    return curves[0] if average == "micro" else curves


def f1_threshold_curve(
    y_true: Any, y_score: Any, *, average: str | None = None, sample_weight: Any = None
) -> list[F1Curve] | F1Curve:
    """F1 of the decision ``score >= t`` for every distinct score ``t``, per label or pooled.

    This is the curve a threshold rule searches: its maximum is what ``PerLabelThreshold``
    (per label) or ``GlobalThreshold("f1_micro")`` (pooled) reaches on the same data.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels)
    average : {None, "micro"}, default=None
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    list of F1Curve or F1Curve

    Examples
    --------
    >>> c = f1_threshold_curve([[1], [0], [1]], [[0.9], [0.6], [0.3]])[0]
    >>> c.thresholds.tolist(), c.f1.round(3).tolist()
    ([0.9, 0.6, 0.3], [0.667, 0.5, 0.8])
    """
    curves = [_f1(y, s, w) for y, s, w in _columns(
        y_true, y_score, sample_weight, "f1_threshold_curve", average)]  # fmt: skip
    return curves[0] if average == "micro" else curves
