"""Shared input formatting for metrics: one canonical pair of 0/1 matrices, checked once.

Every label metric starts here. :func:`format_label_inputs` accepts ``y_true``/``y_pred`` in any
form :func:`labelwise.data.check_targets` accepts (numpy, scipy sparse, pandas, CPU torch, lists of
label lists with a :class:`~labelwise.data.LabelSpace`, 1-D class vectors) and returns both as 0/1
matrices with the same columns, following scikit-learn's ``_check_targets`` rules: a 1-D pair is
binary or multi-class and is one-hot encoded over the union of classes (sorted); a 2-D pair is
multi-label; a mix is an error. A single column is 1-D, whatever its container (numpy, sparse,
pandas, lists, torch), as :func:`labelwise.data.targets.one_column` says, so the same data gives
the same numbers in every storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from labelwise.data.label_space import LabelSpace
from labelwise.data.targets import _is_label_lists, as_array, check_targets, one_column
from labelwise.errors import ShapeError, TargetError

__all__ = [
    "AVERAGES",
    "LabelInputs",
    "check_average",
    "check_same_shape",
    "check_sample_weight",
    "format_label_inputs",
]

AVERAGES = ("micro", "macro", "weighted", "samples", None)


class LabelInputs(NamedTuple):
    """Canonical metric inputs.

    Attributes
    ----------
    y_true, y_pred : ndarray of int8/uint8/bool or scipy.sparse.csr_matrix, shape (n, L)
        0/1 matrices with the same columns. Dense 0/1 arrays given as bool, int8 or uint8 are
        passed through without a copy.
    sample_weight : ndarray of float64 of shape (n,) or None
    kind : {"binary", "multiclass", "multilabel"}
        ``"binary"``/``"multiclass"`` for 1-D class vectors, ``"multilabel"`` for 2-D targets.
    classes : tuple
        Column names: class values (1-D input), label names (label lists) or ``0..L-1``.
    no_hits : bool
        1-D input only: no sample is classified correctly (scikit-learn then returns float
        counts even without weights; metrics follow it so that reports print the same).
    """

    y_true: Any
    y_pred: Any
    sample_weight: np.ndarray | None
    kind: str
    classes: tuple
    no_hits: bool = False


def check_average(average: Any, *, caller: str, allowed: Sequence[Any] = AVERAGES) -> None:
    """Reject an ``average`` that does not exist, listing the valid ones.

    Examples
    --------
    >>> check_average("macro", caller="f1_score")
    >>> check_average("mean", caller="f1_score")
    Traceback (most recent call last):
    ...
    ValueError: f1_score: average='mean' is not valid; use one of 'micro', 'macro', 'weighted', \
'samples', None.
    """
    if any(average is a or (isinstance(average, str) and average == a) for a in allowed):
        return
    valid = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{caller}: average={average!r} is not valid; use one of {valid}.")


def check_same_shape(shape_true: tuple, shape_pred: tuple, *, pred_name: str = "y_pred") -> None:
    """Raise a :class:`~labelwise.errors.ShapeError` naming both shapes when they differ.

    Examples
    --------
    >>> check_same_shape((3, 2), (3, 4))
    Traceback (most recent call last):
    ...
    labelwise.errors.ShapeError: y_true has shape (3, 2) but y_pred has shape (3, 4); ...
    """
    if tuple(shape_true) != tuple(shape_pred):
        what = "rows (samples)" if shape_true[0] != shape_pred[0] else "columns (labels)"
        raise ShapeError(
            f"y_true has shape {tuple(shape_true)} but {pred_name} has shape "
            f"{tuple(shape_pred)}; they must have the same number of {what}."
        )


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """Validate ``sample_weight``: 1-D, one finite number per sample; return float64 or None.

    Examples
    --------
    >>> check_sample_weight([1, 2], 2)
    array([1., 2.])
    >>> check_sample_weight([1, 2], 3)
    Traceback (most recent call last):
    ...
    labelwise.errors.ShapeError: sample_weight has 2 values but there are 3 samples.
    """
    if sample_weight is None:
        return None
    w = np.asarray(as_array(sample_weight))
    if w.ndim == 0:
        return np.full(n_samples, float(w))
    if w.ndim != 1:
        raise ShapeError(f"sample_weight must be 1-D (n_samples,); got shape {w.shape}.")
    if w.shape[0] != n_samples:
        raise ShapeError(
            f"sample_weight has {w.shape[0]} values but there are {n_samples} samples."
        )
    if not (np.issubdtype(w.dtype, np.number) or w.dtype == bool):
        raise TargetError(f"sample_weight must be numeric; got dtype {w.dtype}.")
    w = w.astype(np.float64, copy=False)
    bad = ~np.isfinite(w)
    if bad.any():
        raise TargetError(
            f"sample_weight has {int(bad.sum())} NaN or infinite values; "
            f"the first at row {int(np.flatnonzero(bad)[0])}."
        )
    if n_samples and not w.any():
        raise TargetError("sample_weight is all zero; at least one sample must have weight.")
    return w


def _fast_indicator(y: Any) -> Any:
    """A 2-D bool/int8/uint8 0/1 array, or a canonical CSR matrix of such ones, returned as is
    (no copy); None otherwise (the general path in ``check_targets`` then converts or explains).
    """
    if sp.issparse(y) and y.format == "csr" and y.dtype in (np.bool_, np.int8, np.uint8):
        if y.shape[1] < 2 or not y.has_canonical_format:
            return None
        data = y.data.view(np.uint8)
        if data.size == 0 or (int(data.min()) == 1 and int(data.max()) == 1):
            return y
        return None
    if not isinstance(y, np.ndarray) or y.ndim != 2 or y.shape[1] < 2:
        return None
    if y.dtype == bool:
        return y
    if y.dtype in (np.int8, np.uint8) and (y.size == 0 or int(y.view(np.uint8).max()) <= 1):
        return y
    return None


def _dims(y: Any) -> int:
    if sp.issparse(y):
        return 2
    if _is_label_lists(y):
        return 2
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        return 1
    return arr.ndim


def _n_rows(y: Any) -> int:
    return y.shape[0] if hasattr(y, "shape") else len(y)


def _check_not_continuous(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f" and arr.size:
        if not np.isfinite(arr).all():
            raise TargetError(f"{name} contains NaN or infinite values.")
        frac = arr != np.round(arr)
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise TargetError(
                f"{name} has the non-integer value {arr[i].item()!r} at row {i}: it looks like "
                "scores, not classes. Turn scores into predictions with a decision rule first."
            )


def _format_classes(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, str, tuple]:
    t = np.asarray(y_true).ravel() if not isinstance(y_true, np.ndarray) else y_true.ravel()
    p = np.asarray(y_pred).ravel() if not isinstance(y_pred, np.ndarray) else y_pred.ravel()
    _check_not_continuous(t, "y_true")
    _check_not_continuous(p, "y_pred")
    t_str = t.dtype.kind in "USO" and any(isinstance(v, str) for v in t[:1].tolist())
    p_str = p.dtype.kind in "USO" and any(isinstance(v, str) for v in p[:1].tolist())
    if t.size and p.size and t_str != p_str:
        raise TargetError(
            "y_true and y_pred mix string and numeric class labels; use one type for both."
        )
    try:
        classes, codes = np.unique(np.concatenate([t, p]), return_inverse=True)
    except TypeError:
        raise TargetError(
            "y_true or y_pred mixes class labels of different types (e.g. str and int); "
            "use one type."
        ) from None
    kind = "binary" if classes.shape[0] <= 2 else "multiclass"
    n, K = t.shape[0], classes.shape[0]
    rows = np.arange(n)
    Yt, Yp = np.zeros((n, K), dtype=np.int8), np.zeros((n, K), dtype=np.int8)
    Yt[rows, codes[:n]] = 1
    Yp[rows, codes[n:]] = 1
    return Yt, Yp, kind, tuple(classes.tolist())


def _select(Y: Any, cols: np.ndarray) -> Any:
    if sp.issparse(Y):
        return Y[:, cols].tocsr()
    return Y[:, cols]


def _label_columns(labels: Any, classes: tuple, kind: str) -> tuple[np.ndarray, tuple]:
    """Columns of ``labels`` among ``classes`` (and extra classes to append for 1-D input)."""
    wanted = list(np.asarray(as_array(labels)).ravel().tolist())
    if not wanted:
        raise ValueError("labels must contain at least one label; got an empty list.")
    index = {c: j for j, c in enumerate(classes)}
    if kind == "multilabel" and not all(isinstance(c, str) for c in classes):
        L = len(classes)
        cols = []
        for lab in wanted:
            if isinstance(lab, (bool, np.bool_)) or not isinstance(lab, (int, np.integer)):
                raise TargetError(
                    f"labels must be column indices in [0, {L}) for multi-label targets; "
                    f"got {lab!r}."
                )
            if not 0 <= lab < L:
                raise TargetError(
                    f"labels must be column indices in [0, {L}) for multi-label targets; got {lab}."
                )
            cols.append(int(lab))
        return np.asarray(cols, dtype=np.intp), tuple(cols)
    cols = []
    for lab in wanted:
        j = index.get(lab)
        if j is None and kind == "multilabel":
            j = index.get(str(lab))
        if j is None:
            if kind == "multilabel":
                raise TargetError(
                    f"label {lab!r} is not in the label space ({len(classes)} labels: "
                    f"{', '.join(map(str, classes[:10]))}{', ...' if len(classes) > 10 else ''})."
                )
            j = -1  # a class absent from both y_true and y_pred: zero counts
        cols.append(j)
    return np.asarray(cols, dtype=np.intp), tuple(wanted)


def _with_absent(Y: Any, cols: np.ndarray) -> Any:
    """Select columns; ``-1`` marks an absent class, which becomes an all-zero column."""
    if not np.any(cols < 0):
        return _select(Y, cols)
    if sp.issparse(Y):
        Y = sp.hstack([Y, sp.csr_matrix((Y.shape[0], 1), dtype=Y.dtype)]).tocsr()
    else:
        Y = np.concatenate([Y, np.zeros((Y.shape[0], 1), dtype=Y.dtype)], axis=1)
    return _select(Y, np.where(cols < 0, Y.shape[1] - 1, cols))


def format_label_inputs(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    sample_weight: Any = None,
    label_space: LabelSpace | None = None,
) -> LabelInputs:
    """Turn ``y_true`` and ``y_pred`` into two 0/1 matrices with the same columns.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix, or list of label lists
        Both 1-D class vectors (binary/multi-class) or both 2-D 0/1 matrices or label lists
        (multi-label). pandas objects and CPU torch tensors are accepted.
    labels : array-like, optional
        Columns to keep, in this order: class values for 1-D input (classes absent from both
        inputs give all-zero columns, as in scikit-learn), column indices or label names for
        multi-label input.
    sample_weight : array-like of shape (n_samples,), optional
    label_space : LabelSpace, optional
        Columns for label lists; by default the sorted union of names in both inputs.

    Returns
    -------
    LabelInputs
        ``(y_true, y_pred, sample_weight, kind, classes)``.

    Examples
    --------
    >>> li = format_label_inputs(["a", "b", "a"], ["a", "c", "b"])
    >>> li.kind, li.classes
    ('multiclass', ('a', 'b', 'c'))
    >>> li.y_pred
    array([[1, 0, 0],
           [0, 0, 1],
           [0, 1, 0]], dtype=int8)
    >>> format_label_inputs([["x"], ["x", "y"]], [["y"], []]).y_pred
    array([[0, 1],
           [0, 0]], dtype=int8)
    """
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    y_true, y_pred = (y if (c := one_column(y)) is None else c for y in (y_true, y_pred))
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y is None:
            raise TargetError(f"{name} is None; pass an array of labels.")
        n = _n_rows(y)
        if n == 0:
            raise ShapeError(f"{name} is empty (0 samples); metrics need at least one sample.")
    d_true, d_pred = _dims(y_true), _dims(y_pred)
    no_hits = False
    if d_true != d_pred:
        kinds = {1: "binary/multi-class (1-D)", 2: "multi-label (2-D)"}
        raise TargetError(
            f"y_true is {kinds.get(d_true, f'{d_true}-D')} but y_pred is "
            f"{kinds.get(d_pred, f'{d_pred}-D')}; both must describe the same task. "
            "For multi-label, pass two (n_samples, n_labels) 0/1 matrices."
        )
    if d_true == 1:
        n_t, n_p = _n_rows(y_true), _n_rows(y_pred)
        if n_t != n_p:
            raise ShapeError(
                f"y_true has shape ({n_t},) but y_pred has shape ({n_p},); "
                "they must have the same number of samples."
            )
        Yt, Yp, kind, classes = _format_classes(y_true, y_pred)
        no_hits = not np.any(Yt & Yp)
    elif d_true == 2:
        kind = "multilabel"
        lists_t, lists_p = _is_label_lists(y_true), _is_label_lists(y_pred)
        if (lists_t or lists_p) and label_space is None:
            rows = (list(y_true) if lists_t else []) + (list(y_pred) if lists_p else [])
            label_space = LabelSpace.from_label_lists(rows)
        Yt = _fast_indicator(y_true)
        if Yt is None:
            Yt = check_targets(y_true, label_space=label_space, name="y_true").Y
        Yp = _fast_indicator(y_pred)
        if Yp is None:
            Yp = check_targets(y_pred, label_space=label_space, name="y_pred").Y
        check_same_shape(Yt.shape, Yp.shape)
        if label_space is not None and len(label_space) == Yt.shape[1]:
            classes = label_space.names
        else:
            classes = tuple(range(Yt.shape[1]))
    else:
        raise ShapeError(
            f"y_true must be 1-D classes or a 2-D (n_samples, n_labels) matrix; "
            f"got {d_true} dimensions."
        )
    w = check_sample_weight(sample_weight, Yt.shape[0])
    if labels is not None:
        cols, classes = _label_columns(labels, classes, kind)
        if not (cols.shape[0] == Yt.shape[1] and np.array_equal(cols, np.arange(Yt.shape[1]))):
            Yt, Yp = _with_absent(Yt, cols), _with_absent(Yp, cols)
    return LabelInputs(Yt, Yp, w, kind, classes, no_hits)
