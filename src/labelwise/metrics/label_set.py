"""Label-set metrics: precision, recall, F-beta, Jaccard, Hamming loss, subset accuracy.

Every function follows the same steps: check the parameters, format the inputs
(``_inputs.format_label_inputs``), compute the one sufficient statistic
(``_count_stats.count_stats``), and derive the value from it with a ``*_from_stats`` function.
The streaming :class:`~labelwise.metrics.Evaluator` keeps the same statistic and calls the
same ``*_from_stats`` functions, so both paths agree by construction. Names, signatures, defaults
and values follow scikit-learn (``sklearn.metrics``), so these are drop-in replacements.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from labelwise._math import check_zero_division, safe_divide
from labelwise._validation import Interval, check_params
from labelwise.metrics._count_stats import CountStats, count_stats, per_sample_counts
from labelwise.metrics._inputs import (
    AVERAGES,
    LabelInputs,
    _label_columns,
    _with_absent,
    check_average,
    format_label_inputs,
)

__all__ = [
    "accuracy_score",
    "f1_score",
    "fbeta_score",
    "hamming_loss",
    "jaccard_score",
    "multilabel_confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "subset_accuracy",
]

_SET_AVERAGES = (*AVERAGES, "binary")
_BETA = {"beta": [Interval(numbers.Real, 0, None, closed="both")]}


def _nanaverage(
    values: np.ndarray, weights: np.ndarray | None, gather: np.ndarray | None = None
) -> float:
    """Weighted mean ignoring NaN; all-zero weights fall back to the plain mean.

    The same arithmetic, in the same order, as scikit-learn's ``_nanaverage`` (``np.nanmean``
    over the whole array; ``np.average`` over the non-NaN values), so values agree to the bit.
    ``gather`` (unweighted only) spreads per-triple values to samples first.
    """
    if gather is not None:
        # without NaN, np.nanmean is np.mean to the bit (same pairwise sum, same count)
        if values.shape[0] and not np.isnan(values).any():
            return float(np.mean(values[gather]))
        values = values[gather]
    if values.shape[0] == 0:
        return float("nan")
    nan = np.isnan(values)
    if nan.all():
        return float("nan")
    if weights is None:
        return float(np.nanmean(values))
    keep = ~nan
    return _average(values[keep], weights[keep])


def _average(values: np.ndarray, weights: np.ndarray | None) -> float:
    """``np.average``, falling back to the plain mean when the weights sum to zero."""
    if weights is None or np.sum(weights) == 0:
        return float(np.mean(values))
    return float(np.average(values, weights=weights))


def _rebuilt(tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> tuple:
    """``(tp, tp + fp, tp + fn)``: predicted and true totals rebuilt from the confusion cells.

    scikit-learn derives them from the confusion matrix; with real-valued weights
    ``tp + (pred - tp)`` can differ from ``pred`` in the last bit, so do the same.
    """
    if tp.dtype.kind != "f":
        return tp, pred, true
    return tp, tp + (pred - tp), tp + (true - tp)


def _sample_rows(stats: CountStats) -> tuple:
    """``(tp, pred, true, gather)``: per-sample counts weighted as scikit-learn does, in sample
    order, or (unweighted) per distinct triple with ``gather`` mapping samples to them. A value
    computed per triple and gathered is the per-sample value to the bit (same integers), and
    dividing once per triple instead of once per sample is much faster."""
    w = stats.sample_weight
    if w is None:
        t = stats.triples
        return t[:, 0], t[:, 1], t[:, 2], stats.sample_triple
    tp, pred, true = stats.rows
    return (*_rebuilt(tp * w, pred * w, true * w), None)


def _hist_average(values: np.ndarray, stats: CountStats, *, skip_nan: bool) -> float:
    """Average of per-sample values given per distinct triple, weighted by the histogram."""
    count = stats.triple_count.astype(np.float64)
    weight = stats.triple_weight
    keep = ~np.isnan(values) if skip_nan else np.ones(values.shape, dtype=bool)
    if not keep.any():
        return float("nan")
    v = values[keep]
    if weight is not None:
        w = weight[keep]
        if w.sum() != 0:
            return float(np.dot(v, w) / w.sum())
    c = count[keep]
    return float(np.dot(v, c) / c.sum())


def prfs_from_stats(
    stats: CountStats,
    *,
    average: str | None,
    beta: float = 1.0,
    zero_division: Any = "warn",
    warn_for: tuple = ("precision", "recall", "f-score"),
) -> tuple:
    """Precision, recall, F-beta and support from the count statistic.

    ``average="samples"`` needs ``stats`` computed with ``per_sample=True``; the other averages
    use the per-label sums. Returns arrays when ``average`` is None, else floats and None.
    """
    zd_warn = zero_division == "warn" if isinstance(zero_division, str) else False
    axis = "labels" if average == "samples" else "samples"
    in_order = average == "samples" and stats.rows is not None
    gather = None
    if in_order:
        tp, pred, true, gather = _sample_rows(stats)
    elif average == "samples":
        tp, pred, true = (stats.triples[:, k].astype(np.float64) for k in range(3))
    else:
        tp, pred, true = _rebuilt(stats.tp, stats.pred, stats.true)
        if average == "micro":
            tp, pred, true = (np.array([x.sum()]) for x in (tp, pred, true))
    one = tp.shape[0] == 1 and average != "samples"

    def divide(num: np.ndarray, den: np.ndarray, metric: str, modifier: str) -> np.ndarray:
        msg = (
            f"no {modifier} {axis}"
            if one
            else f"{'samples' if average == 'samples' else 'labels'} with no {modifier} {axis}"
        )
        return safe_divide(
            num,
            den,
            zero_division=zero_division,
            metric=metric.capitalize(),
            what=msg,
            warn=zd_warn and metric in warn_for,
        )

    precision = divide(tp, pred, "precision", "predicted")
    recall = divide(tp, true, "recall", "true")
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        b2 = float(beta) ** 2
        f_score = divide((1 + b2) * tp, b2 * true + pred, "f-score", "true nor predicted")
    if average is None:
        return precision, recall, f_score, true
    if in_order:
        w = stats.sample_weight
        p, r, f = (_nanaverage(x, w, gather) for x in (precision, recall, f_score))
        return p, r, f, None
    if average == "samples":
        p, r, f = (_hist_average(x, stats, skip_nan=True) for x in (precision, recall, f_score))
        return p, r, f, None
    weights = true if average == "weighted" else None
    p, r, f = (_nanaverage(x, weights) for x in (precision, recall, f_score))
    return p, r, f, None


def jaccard_from_stats(stats: CountStats, *, average: str | None, zero_division: Any) -> Any:
    """Jaccard index ``tp / (tp + fp + fn)`` from the count statistic."""
    warn = zero_division == "warn" if isinstance(zero_division, str) else False
    in_order = average == "samples" and stats.rows is not None
    gather = None
    if average == "samples":
        if in_order:
            tp, pred, true, gather = _sample_rows(stats)
        else:
            tp, pred, true = (stats.triples[:, k].astype(np.float64) for k in range(3))
        what = "samples with no true or predicted labels"
    else:
        tp, pred, true = stats.tp, stats.pred, stats.true
        what = (
            "no true or predicted samples"
            if tp.shape[0] == 1 or average == "micro"
            else ("labels with no true or predicted samples")
        )
    # scikit-learn's order: tp + fp + fn (fp, fn from the confusion cells), then sums
    fn = true - tp
    union = tp + (pred - tp) + fn
    if average == "micro":
        tp, union = np.array([tp.sum()]), np.array([union.sum()])
    score = safe_divide(
        tp, union, zero_division=zero_division, metric="Jaccard", what=what, warn=warn
    )
    if average is None:
        return score
    if in_order:
        return _average(score if gather is None else score[gather], stats.sample_weight)
    if average == "samples":
        return _hist_average(score, stats, skip_nan=False)
    if average == "weighted":
        support = fn + tp
        return _average(score, support if np.any(support) else None)
    return float(np.mean(score))


def hamming_from_stats(stats: CountStats) -> float:
    """Fraction of wrong label decisions, weighted by sample weight."""
    n_labels = stats.tp.shape[0]
    if stats.rows is not None and stats.sample_weight is not None:
        # scikit-learn: weighted wrong decisions / (n * L * mean weight), summed per sample
        tp, pred, true = stats.rows
        w = stats.sample_weight
        wrong = np.dot(pred + true - 2 * tp, w)
        return float(wrong) / (stats.n_samples * n_labels * float(np.mean(w)))
    wrong = stats.pred.sum() + stats.true.sum() - 2 * stats.tp.sum()
    return float(wrong) / (n_labels * float(stats.total))


def error_rate_from_stats(stats: CountStats) -> float:
    """Fraction (weighted) of samples whose label set is wrong: the Hamming loss of 1-D classes.

    Counted directly rather than as ``1 - accuracy``, which rounds differently.
    """
    t = stats.triples
    wrong = ~((t[:, 0] == t[:, 1]) & (t[:, 0] == t[:, 2]))
    if stats.triple_weight is None:
        return float(stats.triple_count[wrong].sum()) / stats.n_samples
    return float(stats.triple_weight[wrong].sum()) / float(stats.total)


def subset_accuracy_from_stats(stats: CountStats, *, normalize: bool = True) -> float:
    """Fraction (or weighted count) of samples whose predicted label set is exactly right."""
    if stats.rows is not None and stats.sample_weight is not None:
        # scikit-learn's order: the weighted mean (or sum) of per-sample hits, in sample order
        tp, pred, true = stats.rows
        hit = (tp == pred) & (tp == true)
        w = stats.sample_weight
        return float(np.average(hit, weights=w)) if normalize else float(np.dot(hit, w))
    t = stats.triples
    exact = (t[:, 0] == t[:, 1]) & (t[:, 0] == t[:, 2])
    if stats.triple_weight is None:
        hits = float(stats.triple_count[exact].sum())
        return hits / stats.n_samples if normalize else hits
    hits = float(stats.triple_weight[exact].sum())
    return hits / float(stats.total) if normalize else hits


def _set_wise_inputs(
    y_true: Any,
    y_pred: Any,
    *,
    average: Any,
    labels: Any,
    pos_label: Any,
    sample_weight: Any,
    caller: str,
) -> LabelInputs:
    """Format inputs for an averaged metric; resolve ``average='binary'`` to ``pos_label``."""
    check_average(average, caller=caller, allowed=_SET_AVERAGES)
    li = format_label_inputs(y_true, y_pred, labels=None, sample_weight=sample_weight)
    if average == "binary":
        if li.kind != "binary":
            valid = [a for a in AVERAGES if not (li.kind == "multiclass" and a == "samples")]
            raise ValueError(
                f"{caller}: the targets are {li.kind} but average='binary'; choose another "
                f"average, one of {', '.join(map(repr, valid))}."
            )
        if pos_label not in li.classes and len(li.classes) >= 2:
            raise ValueError(
                f"{caller}: pos_label={pos_label!r} is not a valid label; it should be one of "
                f"{list(li.classes)}."
            )
        labels = [pos_label]
    elif pos_label not in (None, 1):
        warnings.warn(
            f"{caller}: pos_label={pos_label!r} is ignored when average != 'binary' (got "
            f"{average!r}); use labels=[pos_label] to score a single class.",
            UserWarning,
            stacklevel=3,
        )
    if average == "samples" and li.kind != "multilabel":
        raise ValueError(
            f"{caller}: average='samples' is only defined for multi-label targets; the targets "
            f"are {li.kind}. Use 'micro', 'macro' or 'weighted'."
        )
    if labels is not None:
        cols, names = _label_columns(labels, li.classes, li.kind)
        li = li._replace(
            y_true=_with_absent(li.y_true, cols),
            y_pred=_with_absent(li.y_pred, cols),
            classes=names,
        )
    return li


def _stats_for(li: LabelInputs, average: Any) -> CountStats:
    stats = count_stats(
        li.y_true,
        li.y_pred,
        li.sample_weight,
        per_label=average != "samples",
        per_sample=average == "samples",
        keep_rows=True,
    )
    return match_sklearn_dtypes(stats, li)


def match_sklearn_dtypes(stats: CountStats, li: LabelInputs) -> CountStats:
    """scikit-learn's 1-D path returns float counts when no sample is a true positive; follow it
    so that supports print the same ("1.0", not "1")."""
    if li.no_hits and not stats.weighted:
        stats.tp, stats.pred, stats.true = (
            x.astype(np.float64) for x in (stats.tp, stats.pred, stats.true)
        )
    return stats


def precision_recall_fscore_support(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float = 1.0,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = None,
    warn_for: tuple = ("precision", "recall", "f-score"),
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> tuple:
    """Precision, recall, F-beta score and support, per label or averaged.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix, or list of label lists
        True and predicted labels: 1-D classes or (n_samples, n_labels) 0/1 matrices.
    beta : float, default=1.0
        Weight of recall against precision in the F-score.
    labels : array-like, optional
        Labels to include, in order (class values, or column indices for multi-label).
    pos_label : int, float, bool or str, default=1
        The class scored when ``average='binary'``.
    average : {"micro", "macro", "weighted", "samples", "binary"} or None, default=None
        None returns per-label arrays; otherwise how per-label (or per-sample) scores combine.
    warn_for : tuple of str
        Which metrics warn when ill-defined.
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value where a denominator is zero; "warn" gives 0.0 and an ``UndefinedMetricWarning``.

    Returns
    -------
    precision, recall, fbeta_score : float or ndarray of shape (n_labels,)
    support : ndarray of shape (n_labels,) or None
        Number (weight) of true instances per label; None when averaged.

    Examples
    --------
    >>> y_true = [[1, 0, 1], [0, 1, 1]]
    >>> y_pred = [[1, 1, 0], [0, 1, 1]]
    >>> precision_recall_fscore_support(y_true, y_pred, average="micro")
    (0.75, 0.75, 0.75, None)
    >>> p, r, f, s = precision_recall_fscore_support(y_true, y_pred)
    >>> p, s
    (array([1. , 0.5, 1. ]), array([1, 1, 2]))
    """
    check_params({"beta": beta}, _BETA, caller="precision_recall_fscore_support")
    check_zero_division(zero_division)
    li = _set_wise_inputs(
        y_true,
        y_pred,
        average=average,
        labels=labels,
        pos_label=pos_label,
        sample_weight=sample_weight,
        caller="precision_recall_fscore_support",
    )
    stats = _stats_for(li, average)
    out = prfs_from_stats(
        stats,
        average=None if average == "binary" else average,
        beta=beta,
        zero_division=zero_division,
        warn_for=tuple(warn_for),
    )
    if average == "binary":
        return float(out[0][0]), float(out[1][0]), float(out[2][0]), None
    return out


def _one(
    which: int,
    y_true: Any,
    y_pred: Any,
    *,
    beta: float,
    labels: Any,
    pos_label: Any,
    average: Any,
    sample_weight: Any,
    zero_division: Any,
    warn_for: tuple,
    caller: str,
) -> Any:
    check_params({"beta": beta}, _BETA, caller=caller)
    check_zero_division(zero_division)
    li = _set_wise_inputs(
        y_true,
        y_pred,
        average=average,
        labels=labels,
        pos_label=pos_label,
        sample_weight=sample_weight,
        caller=caller,
    )
    stats = _stats_for(li, average)
    out = prfs_from_stats(
        stats,
        average=None if average == "binary" else average,
        beta=beta,
        zero_division=zero_division,
        warn_for=warn_for,
    )[which]
    return float(out[0]) if average == "binary" else out


def precision_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Precision ``tp / (tp + fp)``, per label or averaged.

    Parameters are those of :func:`precision_recall_fscore_support`.

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> precision_score([[1, 0], [1, 1]], [[1, 1], [0, 1]], average="macro")
    0.75
    """
    return _one(
        0,
        y_true,
        y_pred,
        beta=1.0,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
        warn_for=("precision",),
        caller="precision_score",
    )


def recall_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Recall ``tp / (tp + fn)``, per label or averaged.

    Parameters are those of :func:`precision_recall_fscore_support`.

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> recall_score([[1, 0], [1, 1]], [[1, 1], [0, 1]], average="micro")
    0.6666666666666666
    """
    return _one(
        1,
        y_true,
        y_pred,
        beta=1.0,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
        warn_for=("recall",),
        caller="recall_score",
    )


def fbeta_score(
    y_true: Any,
    y_pred: Any,
    *,
    beta: float,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """F-beta score ``(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)``, per label or averaged.

    Parameters are those of :func:`precision_recall_fscore_support`.

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> fbeta_score([[1, 0], [1, 1]], [[1, 1], [0, 1]], beta=2, average="samples")
    0.6944444444444444
    """
    return _one(
        2,
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
        warn_for=("f-score",),
        caller="fbeta_score",
    )


def f1_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """F1 score, the harmonic mean of precision and recall, per label or averaged.

    Parameters are those of :func:`precision_recall_fscore_support`.

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> f1_score([[1, 0, 1], [0, 1, 1]], [[1, 1, 0], [0, 1, 1]], average=None)
    array([1.        , 0.66666667, 0.66666667])
    >>> f1_score(["a", "b", "b"], ["a", "b", "a"], average="macro")
    0.6666666666666666
    """
    return _one(
        2,
        y_true,
        y_pred,
        beta=1.0,
        labels=labels,
        pos_label=pos_label,
        average=average,
        sample_weight=sample_weight,
        zero_division=zero_division,
        warn_for=("f-score",),
        caller="f1_score",
    )


def jaccard_score(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    pos_label: Any = 1,
    average: str | None = "binary",
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> Any:
    """Jaccard index ``|true & pred| / |true | pred|``, per label or averaged.

    Parameters are those of :func:`precision_recall_fscore_support`.

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> jaccard_score([[0, 1, 1], [1, 1, 0]], [[1, 1, 1], [1, 0, 0]], average="samples")
    0.5833333333333333
    """
    check_zero_division(zero_division)
    li = _set_wise_inputs(
        y_true,
        y_pred,
        average=average,
        labels=labels,
        pos_label=pos_label,
        sample_weight=sample_weight,
        caller="jaccard_score",
    )
    stats = _stats_for(li, average)
    if average == "binary":
        return float(jaccard_from_stats(stats, average=None, zero_division=zero_division)[0])
    return jaccard_from_stats(stats, average=average, zero_division=zero_division)


def multilabel_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    labels: Any = None,
    samplewise: bool = False,
) -> np.ndarray:
    """One 2x2 confusion matrix ``[[tn, fp], [fn, tp]]`` per label (or per sample).

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix, or list of label lists
    sample_weight : array-like of shape (n_samples,), optional
    labels : array-like, optional
        Labels to include, in order.
    samplewise : bool, default=False
        One matrix per sample instead of per label (multi-label only).

    Returns
    -------
    ndarray of shape (n_labels, 2, 2) or (n_samples, 2, 2)
        int64 counts, or float64 weights when ``sample_weight`` is given.

    Examples
    --------
    >>> multilabel_confusion_matrix([[1, 0], [0, 1]], [[1, 1], [0, 1]])
    array([[[1, 0],
            [0, 1]],
    <BLANKLINE>
           [[0, 1],
            [0, 1]]])
    """
    li = _set_wise_inputs(
        y_true,
        y_pred,
        average=None,
        labels=labels,
        pos_label=1,
        sample_weight=sample_weight,
        caller="multilabel_confusion_matrix",
    )
    w = li.sample_weight
    if samplewise:
        if li.kind != "multilabel":
            raise ValueError(
                "multilabel_confusion_matrix: samplewise=True is only defined for multi-label "
                f"targets; the targets are {li.kind}."
            )
        tp, pred, true = per_sample_counts(li.y_true, li.y_pred)
        size = li.y_true.shape[1]
        if w is not None:
            tp, pred, true, size = tp * w, pred * w, true * w, w * size
    else:
        s = match_sklearn_dtypes(count_stats(li.y_true, li.y_pred, w), li)
        tp, pred, true, size = s.tp, s.pred, s.true, s.total
    fp, fn = pred - tp, true - tp
    tn = size - tp - fp - fn
    return np.stack([tn, fp, fn, tp], axis=1).reshape(-1, 2, 2)


def hamming_loss(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Fraction of label decisions that are wrong (lower is better).

    For 1-D classes this is the fraction of misclassified samples.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix, or list of label lists
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> hamming_loss([[1, 0, 1], [0, 1, 1]], [[1, 1, 0], [0, 1, 1]])
    0.3333333333333333
    """
    li = format_label_inputs(y_true, y_pred, sample_weight=sample_weight)
    w = li.sample_weight
    if li.kind != "multilabel":
        # scikit-learn: the (weighted) mean of the misses, not 1 - accuracy (rounds differently)
        tp = per_sample_counts(li.y_true, li.y_pred)[0]
        return _average(tp == 0, w)
    keep_rows = w is not None
    stats = count_stats(li.y_true, li.y_pred, w, per_sample=keep_rows, keep_rows=keep_rows)
    return hamming_from_stats(stats)


def accuracy_score(
    y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None
) -> float:
    """Accuracy; for multi-label targets, subset accuracy (every label right), as scikit-learn.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix, or list of label lists
    normalize : bool, default=True
        Return the fraction; False returns the (weighted) number of correct samples.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> accuracy_score([0, 1, 2, 2], [0, 2, 2, 2])
    0.75
    >>> accuracy_score([[1, 0], [1, 1]], [[1, 0], [0, 1]])
    0.5
    """
    li = format_label_inputs(y_true, y_pred, sample_weight=sample_weight)
    stats = count_stats(
        li.y_true, li.y_pred, li.sample_weight, per_label=False, per_sample=True, keep_rows=True
    )
    return subset_accuracy_from_stats(stats, normalize=normalize)


def subset_accuracy(
    y_true: Any, y_pred: Any, *, normalize: bool = True, sample_weight: Any = None
) -> float:
    """Exact-match ratio: the fraction of samples whose whole predicted label set is right.

    The same as :func:`accuracy_score` on multi-label targets; the name says what it measures.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix, or list of label lists
    normalize : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> subset_accuracy([["a"], ["a", "b"]], [["a"], ["b"]])
    0.5
    """
    return accuracy_score(y_true, y_pred, normalize=normalize, sample_weight=sample_weight)
