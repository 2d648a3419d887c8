"""Sample-wise label-ranking metrics: LRAP, coverage error, ranking loss, one-error.

Each is the (sample-weighted) mean of a per-row value, so its streaming state keeps two sums --
``sum(w * value)`` and ``sum(w)`` -- and the one-shot function is the same two sums of one batch:
both paths agree by construction. Ties follow scikit-learn: a label is ranked below every label
with a score ``>=`` its own (LRAP, coverage), and a tied (positive, negative) pair counts as
misordered (ranking loss).

Streaming names registered for the Evaluator: ``lrap``, ``coverage_error``,
``label_ranking_loss``, ``one_error``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from labelwise.metrics._ranking_core import (
    ScoreInputs,
    SumState,
    check_score_inputs,
    mean_of_sums,
    row_positive_lists,
    row_ranks,
)
from labelwise.metrics._state_registry import register_metric

__all__ = [
    "coverage_error",
    "label_ranking_average_precision_score",
    "label_ranking_loss",
    "one_error",
]

_BLOCK = 1 << 20  # entries per block of rows


def _lrap_rows(inp: ScoreInputs) -> np.ndarray:
    pr = row_ranks(inp.Y, inp.S)
    P = pr.n_pos.astype(np.float64)
    L = inp.S.shape[1]
    degenerate = (P == 0) | (P == L)  # the ranking has no meaning: score 1, as scikit-learn
    return np.where(degenerate, 1.0, pr.precision_sums() / np.maximum(P, 1))


def _loss_rows(inp: ScoreInputs) -> np.ndarray:
    pr = row_ranks(inp.Y, inp.S)
    P = pr.n_pos.astype(np.float64)
    pairs = P * (inp.S.shape[1] - P)
    return np.where(pairs > 0, pr.wrong_pairs() / np.maximum(pairs, 1), 0.0)


def _row_blocks(inp: ScoreInputs) -> Any:
    n, L = inp.S.shape
    step = max(1, _BLOCK // max(L, 1))
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        rows, cols = row_positive_lists(inp.Y, r0, r1)
        yield r0, r1, inp.S[r0:r1], rows, cols


def _coverage_rows(inp: ScoreInputs) -> np.ndarray:
    out = np.zeros(inp.S.shape[0])
    for r0, r1, S, rows, cols in _row_blocks(inp):
        lowest = np.full(r1 - r0, np.inf)
        np.minimum.at(lowest, rows, S[rows, cols])
        cover = np.count_nonzero(S >= lowest[:, None], axis=1)
        out[r0:r1] = cover  # rows without positives: nothing >= inf, coverage 0
    return out


def _one_error_rows(inp: ScoreInputs) -> np.ndarray:
    out = np.zeros(inp.S.shape[0])
    for r0, r1, S, rows, cols in _row_blocks(inp):
        top = S.max(axis=1)
        n_top = np.count_nonzero(S == top[:, None], axis=1)
        hits = np.bincount(rows, weights=S[rows, cols] == top[rows], minlength=r1 - r0)
        out[r0:r1] = 1.0 - hits / n_top
    return out


def _mean_sums(name: str, inp: ScoreInputs) -> np.ndarray:
    """``[sum(w * value), sum(w)]`` of the per-row values of metric ``name``."""
    v = _ROWS[name](inp)
    w = inp.sample_weight
    if w is None:
        return np.array([v.sum(), float(v.shape[0])])
    return np.array([np.dot(v, w), w.sum()])


_ROWS = {
    "label_ranking_average_precision_score": _lrap_rows,
    "coverage_error": _coverage_rows,
    "label_ranking_loss": _loss_rows,
    "one_error": _one_error_rows,
}


def _one_shot(name: str, y_true: Any, y_score: Any, sample_weight: Any) -> float:
    inp = check_score_inputs(
        y_true, y_score, sample_weight, caller=name, allow_binary=False, keep_float32=True
    )
    return mean_of_sums(_mean_sums(name, inp))


def label_ranking_average_precision_score(
    y_true: Any, y_score: Any, *, sample_weight: Any = None
) -> float:
    """Label ranking average precision (LRAP), as scikit-learn computes it.

    For each sample and each of its true labels: the fraction of the labels scored at least as
    high that are true; averaged over the true labels, then over samples. A sample with no true
    label or only true labels scores 1.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
        0/1 truth.
    y_score : array-like of shape (n_samples, n_labels)
        Scores; higher ranks first.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float
        In (0, 1]; higher is better.

    Examples
    --------
    >>> label_ranking_average_precision_score([[1, 0, 0], [0, 0, 1]],
    ...                                       [[0.75, 0.5, 1], [1, 0.2, 0.1]])
    0.41666666666666663
    """
    return _one_shot("label_ranking_average_precision_score", y_true, y_score, sample_weight)


def coverage_error(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float:
    """How far down the ranking one must go, on average, to cover every true label.

    Per sample: the number of labels scored at or above its lowest-scored true label (ties count
    fully, as in scikit-learn); 0 for a sample without true labels.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels)
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float
        Between 1 and n_labels for samples with a true label; lower is better.

    Examples
    --------
    >>> coverage_error([[1, 0, 0], [0, 1, 1]], [[1, 0.5, 0.5], [1, 0.2, 0.1]])
    2.0
    """
    return _one_shot("coverage_error", y_true, y_score, sample_weight)


def label_ranking_loss(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float:
    """Fraction of (true, false) label pairs misordered, as scikit-learn computes it.

    Per sample: the number of pairs of a true and a false label where the false label scores at
    least as high (ties count as misordered), over the number of such pairs; 0 for samples with
    no true or no false label.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels)
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float
        In [0, 1]; lower is better.

    Examples
    --------
    >>> label_ranking_loss([[1, 0, 0], [0, 0, 1]], [[0.75, 0.5, 1], [1, 0.2, 0.1]])
    0.75
    """
    return _one_shot("label_ranking_loss", y_true, y_score, sample_weight)


def one_error(y_true: Any, y_score: Any, *, sample_weight: Any = None) -> float:
    """Fraction of samples whose top-scored label is not a true label.

    One-error (Schapire and Singer, 2000): ``mean_i [argmax_l s_il not in Y_i]``. When several
    labels tie for the top score, the error is its expectation under a uniformly random choice
    among them (1 - true labels among the tied / number tied), so it does not depend on column
    order. A sample without true labels counts as an error.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels)
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float
        In [0, 1]; lower is better.

    Examples
    --------
    >>> one_error([[1, 0, 0], [0, 0, 1], [0, 1, 1]], [[0.9, 0.5, 0.1], [1, 0.2, 0.1], [0, 1, 1]])
    0.3333333333333333
    """
    return _one_shot("one_error", y_true, y_score, sample_weight)


_STATE_NAMES = {
    "label_ranking_average_precision": "label_ranking_average_precision_score",
    "coverage_error": "coverage_error",
    "label_ranking_loss": "label_ranking_loss",
    "one_error": "one_error",
}

for _short, _full in _STATE_NAMES.items():
    register_metric(
        _short,
        lambda _f=_full: SumState(partial(_mean_sums, _f), mean_of_sums, _f),
        needs="scores",
    )
