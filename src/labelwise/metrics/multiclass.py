"""Multi-class metrics: accuracy, balanced accuracy and top-k accuracy (scikit-learn semantics)."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import UndefinedMetricWarning

from labelwise._validation import Interval, check_params
from labelwise.data.targets import as_array, check_scores, one_column
from labelwise.errors import ShapeError, TargetError
from labelwise.metrics._count_stats import count_stats
from labelwise.metrics._inputs import check_sample_weight, format_label_inputs
from labelwise.metrics.label_set import accuracy_score

__all__ = ["accuracy_score", "balanced_accuracy_score", "top_k_accuracy_score"]


def balanced_accuracy_score(
    y_true: Any, y_pred: Any, *, sample_weight: Any = None, adjusted: bool = False
) -> float:
    """Mean of the per-class recalls, for binary and multi-class targets.

    Classes that occur only in ``y_pred`` have no recall; they are left out with a warning, as
    in scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted classes.
    sample_weight : array-like of shape (n_samples,), optional
    adjusted : bool, default=False
        Rescale so that chance scores 0 and perfect scores 1.

    Returns
    -------
    float

    Examples
    --------
    >>> balanced_accuracy_score([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1])
    0.625
    """
    li = format_label_inputs(y_true, y_pred, sample_weight=sample_weight)
    if li.kind == "multilabel":
        raise TargetError(
            "balanced_accuracy_score is for binary and multi-class targets (1-D class vectors); "
            "got multi-label targets. Use recall_score(..., average='macro') for those."
        )
    stats = count_stats(li.y_true, li.y_pred, li.sample_weight)
    tp, true = stats.tp, stats.true
    if li.sample_weight is not None:
        # scikit-learn sums each class's weight over the confusion matrix row; same order here
        K = li.y_true.shape[1]
        cells = np.argmax(li.y_true, axis=1) * K + np.argmax(li.y_pred, axis=1)
        true = np.bincount(cells, weights=li.sample_weight, minlength=K * K).reshape(K, K).sum(1)
    present = true != 0
    if not present.all():
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=2)
    per_class = tp[present] / true[present]
    score = np.mean(per_class)
    if adjusted:
        chance = 1 / per_class.shape[0]
        with np.errstate(divide="ignore", invalid="ignore"):  # one class: undefined, NaN
            score = (score - chance) / np.float64(1 - chance)
    return float(score)


def _top_k_hits(codes: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Whether each true class is among the k highest scores.

    Ties are broken as scikit-learn does (a stable sort, reversed): among equal scores the
    class with the larger index ranks first.
    """
    own = scores[np.arange(scores.shape[0]), codes][:, None]
    later = np.arange(scores.shape[1])[None, :] > codes[:, None]
    rank = np.count_nonzero(scores > own, axis=1) + np.count_nonzero(
        (scores == own) & later, axis=1
    )
    return rank < k


def top_k_accuracy_score(
    y_true: Any,
    y_score: Any,
    *,
    k: int = 2,
    normalize: bool = True,
    sample_weight: Any = None,
    labels: Any = None,
) -> float:
    """Fraction of samples whose true class is among the ``k`` highest-scored classes.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True classes.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Scores; column ``j`` belongs to the ``j``-th class in sorted order (or in ``labels``).
        For binary ``y_true`` a 1-D score of the larger class is accepted.
    k : int, default=2
    normalize : bool, default=True
        Return the fraction; False returns the (weighted) number of hits.
    sample_weight : array-like of shape (n_samples,), optional
    labels : array-like of shape (n_classes,), optional
        All classes, sorted; needed when ``y_true`` lacks some of them.

    Returns
    -------
    float

    Examples
    --------
    >>> y_true = [0, 1, 2, 2]
    >>> y_score = [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]]
    >>> top_k_accuracy_score(y_true, y_score, k=2)
    0.75
    """
    check_params(
        {"k": k}, {"k": [Interval(numbers.Integral, 1, None)]}, caller="top_k_accuracy_score"
    )
    t = as_array(y_true)
    column = one_column(t)  # one column is 1-D classes, in any container
    if column is not None:
        t = column
    if sp.issparse(t) or np.ndim(t) != 1:
        raise TargetError(
            f"top_k_accuracy_score needs 1-D true classes; got y_true of shape {np.shape(t)}."
        )
    t = np.asarray(t)
    if t.shape[0] == 0:
        raise ShapeError("y_true is empty (0 samples); metrics need at least one sample.")
    s = np.asarray(as_array(y_score))
    one_d = s.ndim == 1 or (s.ndim == 2 and s.shape[1] == 1)
    s = check_scores(s, n_samples=t.shape[0])
    if labels is None:
        classes = np.unique(t)
    else:
        classes = np.asarray(as_array(labels)).ravel()
        if np.unique(classes).shape[0] != classes.shape[0]:
            raise ValueError("top_k_accuracy_score: labels must be unique.")
        if not np.array_equal(np.sort(classes), classes):
            raise ValueError("top_k_accuracy_score: labels must be sorted.")
        missing = np.setdiff1d(t, classes)
        if missing.size:
            raise TargetError(f"y_true has classes {missing.tolist()} that are not in labels.")
    n_classes = 2 if one_d else s.shape[1]
    if one_d and classes.shape[0] > 2:
        raise ShapeError(
            f"y_true has {classes.shape[0]} classes but y_score is 1-D; pass an "
            "(n_samples, n_classes) score matrix."
        )
    if not one_d and classes.shape[0] != n_classes:
        raise ShapeError(
            f"y_true has {classes.shape[0]} classes but y_score has {n_classes} columns; "
            "pass labels= listing all classes in column order."
        )
    w = check_sample_weight(sample_weight, t.shape[0])
    if k >= n_classes:
        warnings.warn(
            f"'k' ({k}) greater than or equal to 'n_classes' ({n_classes}) will result in a "
            "perfect score and is therefore meaningless.",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    codes = np.searchsorted(classes, t)
    if one_d:
        score = s.ravel()
        if k == 1:
            threshold = 0.5 if score.min() >= 0 and score.max() <= 1 else 0.0
            hits = (score > threshold).astype(np.int64) == codes
        else:
            hits = np.ones(t.shape[0], dtype=bool)
    else:
        hits = _top_k_hits(codes, s, k)
    if normalize:
        return float(np.average(hits, weights=w))
    return float(hits.sum()) if w is None else float(np.dot(hits, w))
