"""The one gate for targets and scores.

:func:`check_targets` turns every accepted form of ``y`` (0/1 matrix, sparse matrix, lists of label
names, a 1-D class vector, a one-hot matrix, pandas or CPU torch objects) into one canonical 0/1
matrix and says which kind of problem its *format* describes. Everything downstream trusts it.
It is also where label names come from: a pandas DataFrame's column names, a categorical's
categories, the names in label lists (see :attr:`Targets.classes`), so every model that calls it
gets them the same way. :func:`check_scores` does the same for score matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.data.label_space import LabelSpace
from labelwise.errors import ShapeError, TargetError

__all__ = [
    "Targets",
    "as_array",
    "carries_names",
    "check_scores",
    "check_targets",
    "column_names",
    "one_column",
]

KINDS = ("binary", "multiclass", "multilabel")


def as_array(x: Any) -> Any:
    """Convert pandas and CPU torch objects to numpy; leave sparse matrices and lists alone.

    Examples
    --------
    >>> as_array([1, 2]) == [1, 2]
    True
    """
    if sp.issparse(x) or isinstance(x, np.ndarray):
        return x
    mod = type(x).__module__
    if mod.startswith("torch"):
        if getattr(x, "device", None) is not None and x.device.type != "cpu":
            raise TypeError("labelwise takes CPU tensors; call .cpu() first.")
        return x.detach().numpy()
    if mod.startswith("pandas"):
        return x.to_numpy()
    return x


def one_column(y: Any) -> np.ndarray | None:
    """A one-column 2-D target (dense, sparse, rows of one value) as 1-D; None for the rest.

    The one rule for a single column, whatever its container: it is a binary target, as
    scikit-learn's ``type_of_target`` says of an (n, 1) array. A sparse (n, 1) matrix is not a
    one-label multi-label problem (that would change what micro and macro averages mean).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> one_column(sp.csr_matrix([[1], [0], [1]]))
    array([1, 0, 1])
    >>> one_column(np.array([[1, 0]])) is None
    True
    """
    if sp.issparse(y):
        return y.toarray().ravel() if y.ndim == 2 and y.shape[1] == 1 else None
    if isinstance(y, (list, tuple)) and y and not _is_label_lists(y):
        if all(isinstance(r, (list, tuple)) and len(r) == 1 for r in y):
            y = np.asarray(y)  # rows of one value each: [[1], [0], ...]
    if isinstance(y, np.ndarray) and y.ndim == 2 and y.shape[1] == 1:
        return y.ravel()
    return None


@dataclass(frozen=True)
class Targets:
    """Targets in canonical form.

    Attributes
    ----------
    Y : ndarray of int8 or scipy.sparse.csr_matrix, shape (n_samples, n_columns)
        0/1 indicator matrix. For 1-D class vectors this is the one-hot encoding over ``classes``.
    kind : {"binary", "multiclass", "multilabel"}
        What the format of ``y`` describes: a 1-D vector with at most two values is binary, with
        more is multi-class; a 2-D 0/1 matrix or lists of labels are multi-label.
    form : {"classes", "indicator", "sparse", "label-lists"}
        The form ``y`` came in.
    classes : tuple
        Column names of ``Y``: class values for 1-D input (a pandas categorical's categories
        that occur, in category order), label names for lists, a pandas DataFrame's column
        names (as strings), else ``0..L-1``.
    """

    Y: np.ndarray | sp.csr_matrix
    kind: str
    form: str
    classes: tuple

    @property
    def n_samples(self) -> int:
        return int(self.Y.shape[0])

    @property
    def n_labels(self) -> int:
        return int(self.Y.shape[1])

    def labels_per_row(self) -> np.ndarray:
        """Number of positive labels in each row."""
        return np.asarray(self.Y.sum(axis=1)).ravel().astype(np.int64)

    def class_indices(self) -> np.ndarray:
        """For one-label-per-row targets: the column of each row's label."""
        counts = self.labels_per_row()
        if np.any(counts != 1):
            bad = int(np.flatnonzero(counts != 1)[0])
            raise TargetError(
                f"row {bad} has {counts[bad]} labels; class indices need exactly one per row."
            )
        if sp.issparse(self.Y):
            Yc = sp.csr_matrix(self.Y)
            Yc.eliminate_zeros()
            return Yc.indices.astype(np.intp)
        return np.argmax(self.Y, axis=1)


def _is_label_lists(y: Any) -> bool:
    """Lists of label names: rows that are sets, contain strings, or differ in length."""
    if isinstance(y, np.ndarray):
        return (
            y.dtype == object
            and y.ndim == 1
            and len(y) > 0
            and all(isinstance(r, (list, tuple, set, frozenset, np.ndarray)) for r in y)
        )
    if not isinstance(y, (list, tuple)) or len(y) == 0:
        return False
    rows = list(y)
    if not all(isinstance(r, (list, tuple, set, frozenset)) for r in rows):
        return False
    if any(isinstance(r, (set, frozenset)) for r in rows):
        return True
    if len({len(r) for r in rows}) > 1 or all(len(r) == 0 for r in rows):
        return True
    return any(isinstance(v, str) for r in rows for v in r)


def _check_binary_values(Y: np.ndarray, name: str) -> np.ndarray:
    if Y.dtype == bool:
        return Y.astype(np.int8)
    if not np.issubdtype(Y.dtype, np.number):
        raise TargetError(f"{name} must be numeric 0/1 values; got dtype {Y.dtype}.")
    bad = (Y != 0) & (Y != 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise TargetError(
            f"{name} must contain only 0 and 1; found {Y[i, j].item()!r} at row {i}, column {j} "
            f"({int(bad.sum())} values other than 0/1 in all). Scores belong in y_score, "
            "not y_true."
        )
    return Y.astype(np.int8, copy=False)


def carries_names(y: Any) -> bool:
    """Whether ``y`` is a pandas object, whose column names or categories name the classes.

    A caller that converts ``y`` before :func:`check_targets` should give it the original when
    this is true, so the names are not lost.

    Examples
    --------
    >>> import pandas as pd
    >>> carries_names(pd.DataFrame({"a": [1]})), carries_names([[1]])
    (True, False)
    """
    return type(y).__module__.startswith("pandas")


def _frame_names(y: Any, name: str) -> tuple[str, ...] | None:
    """A pandas DataFrame's column names as strings; None for anything else or unnamed columns.

    Columns numbered ``0..L-1`` (a frame made from an array) are no names: such a frame gives the
    same ``classes`` as the array. Two columns whose names read the same are an error.
    """
    if not carries_names(y) or getattr(y, "ndim", 0) != 2:
        return None
    columns = list(y.columns)
    if columns == list(range(len(columns))):
        return None
    names = tuple(str(c) for c in columns)
    if len(set(names)) < len(names):
        seen: dict[str, int] = {}
        for n in names:
            seen[n] = seen.get(n, 0) + 1
        dup = [n for n, k in seen.items() if k > 1]
        raise TargetError(
            f"{name} has duplicate column names {dup[:5]}: each label column needs its own name "
            "(rename the columns, e.g. with DataFrame.set_axis)."
        )
    return names


def _categories(y: Any, name: str) -> list[Any] | None:
    """A pandas categorical's categories that occur in it, in category order; None otherwise."""
    if not carries_names(y):
        return None
    cat = getattr(y, "cat", None) if getattr(y, "ndim", 0) == 1 else None
    if cat is None and type(y).__name__ == "Categorical":
        cat = y
    if cat is None:
        return None
    codes = np.asarray(cat.codes)
    if codes.size and codes.min() < 0:
        row = int(np.flatnonzero(codes < 0)[0])
        raise TargetError(
            f"{name} has a missing class at row {row} ({int((codes < 0).sum())} in all); every "
            "row needs a class."
        )
    present = np.unique(codes)
    return [cat.categories[i] for i in present.tolist()]


def check_targets(
    y: Any,
    *,
    classes: Sequence[Any] | None = None,
    label_space: LabelSpace | None = None,
    name: str = "y",
    unknown: str = "error",
) -> Targets:
    """Turn any accepted target form into a canonical 0/1 matrix and name its kind.

    Parameters
    ----------
    y : array-like, sparse matrix, or list of label lists
        Targets: a 0/1 matrix (dense or sparse), a one-hot matrix, a 1-D vector of classes, or
        lists of label names (use ``label_space`` to fix the columns). A single column, in any
        container, is a 1-D vector of classes (see :func:`one_column`).
    classes : sequence, optional
        For 1-D input: the classes in column order (default: a pandas categorical's categories
        that occur, in category order, else the sorted unique values).
    label_space : LabelSpace, optional
        For lists of label names: the columns (default: sorted names seen).
    name : str, default="y"
        Used in error messages.
    unknown : {"error", "ignore"}, default="error"
        Unknown label names in label lists.

    Returns
    -------
    Targets

    Examples
    --------
    >>> check_targets([[1, 0, 1], [0, 0, 0]]).kind
    'multilabel'
    >>> t = check_targets(["cat", "dog", "cat", "eel"])
    >>> t.kind, t.classes, t.Y.shape
    ('multiclass', ('cat', 'dog', 'eel'), (4, 3))
    >>> check_targets([["a"], ["a", "b"], []]).Y
    array([[1, 0],
           [1, 1],
           [0, 0]], dtype=int8)
    >>> import pandas as pd
    >>> check_targets(pd.DataFrame({"sport": [1, 0], "news": [1, 1]})).classes
    ('sport', 'news')
    """
    names = _frame_names(y, name)
    if classes is None:
        classes = _categories(y, name)
    y = as_array(y)
    column = one_column(y)
    if column is not None:
        y = column  # one column is binary, dense or sparse (see one_column)
    if sp.issparse(y):
        Y = sp.csr_matrix(y)
        if Y.ndim != 2:
            raise ShapeError(f"{name} must be 2-D; got shape {Y.shape}.")
        if Y.nnz:
            data = Y.data
            bad = (data != 0) & (data != 1)
            if bad.any():
                k = int(np.flatnonzero(bad)[0])
                row = int(np.searchsorted(Y.indptr, k, side="right") - 1)
                raise TargetError(
                    f"{name} must contain only 0 and 1; found {data[k].item()!r} at row {row}, "
                    f"column {int(Y.indices[k])}."
                )
        Y = Y.astype(np.int8)
        Y.eliminate_zeros()
        return Targets(Y, "multilabel", "sparse", names or tuple(range(Y.shape[1])))
    if _is_label_lists(y):
        rows = list(y)
        space = label_space if label_space is not None else LabelSpace.from_label_lists(rows)
        Y = space.binarize(rows, unknown=unknown)
        return Targets(Y, "multilabel", "label-lists", space.names)
    arr = np.asarray(y)
    if arr.dtype == object and arr.ndim == 2 and arr.size and not isinstance(arr.flat[0], str):
        arr = arr.astype(float)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim == 1:
        if arr.size and arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise TargetError(f"{name} contains NaN or infinite values.")
        if classes is None:
            cls = np.unique(arr)
        else:
            cls = np.asarray(classes)
            missing = np.setdiff1d(np.unique(arr), cls)
            if missing.size:
                raise TargetError(f"{name} has values {missing.tolist()} not in classes.")
        codes = np.searchsorted(cls, arr) if classes is None else _codes(arr, cls)
        Y = np.zeros((arr.shape[0], len(cls)), dtype=np.int8)
        Y[np.arange(arr.shape[0]), codes] = 1
        kind = "binary" if len(cls) <= 2 else "multiclass"
        return Targets(Y, kind, "classes", tuple(cls.tolist()))
    if arr.ndim != 2:
        raise ShapeError(
            f"{name} must be 1-D classes or a 2-D (n_samples, n_labels) matrix; "
            f"got shape {arr.shape}."
        )
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise TargetError(f"{name} contains NaN or infinite values.")
    Y = _check_binary_values(arr, name)
    return Targets(Y, "multilabel", "indicator", names or tuple(range(Y.shape[1])))


def column_names(
    y: Any, targets: Targets, label_names: Sequence[Any] | None = None, *, where: str = ""
) -> tuple[str, ...]:
    """One name per column of ``targets.Y``: the given label names, or else its classes.

    A one-column target is binary (see :func:`one_column`), so its canonical columns are its
    classes; the one name given for that column is kept in theirs: ``"spam=0"``, ``"spam=1"``.

    Parameters
    ----------
    y : Any
        The targets as given to :func:`check_targets`.
    targets : Targets
        What :func:`check_targets` made of ``y``.
    label_names : sequence, optional
        One name per label column of ``y``.
    where : str, default=""
        The calling function, named in the error message.

    Returns
    -------
    tuple of str

    Raises
    ------
    ShapeError
        When the number of names fits neither the columns of ``targets.Y`` nor one column.

    Examples
    --------
    >>> y = [[1], [0], [1]]
    >>> column_names(y, check_targets(y), ["spam"])
    ('spam=0', 'spam=1')
    >>> y = [[1, 0], [0, 0]]
    >>> column_names(y, check_targets(y)), column_names(y, check_targets(y), ["a", "b"])
    (('0', '1'), ('a', 'b'))
    """
    if label_names is None:
        return tuple(str(c) for c in targets.classes)
    names = [str(n) for n in label_names]
    if len(names) == 1 and targets.form == "classes" and one_column(as_array(y)) is not None:
        return tuple(f"{names[0]}={c}" for c in targets.classes)
    if len(names) != targets.n_labels:
        prefix = f"{where}: " if where else ""
        raise ShapeError(
            f"{prefix}{len(names)} label names were given for {targets.n_labels} label columns."
        )
    return tuple(names)


def _codes(arr: np.ndarray, cls: np.ndarray) -> np.ndarray:
    lookup = {v: i for i, v in enumerate(cls.tolist())}
    return np.fromiter((lookup[v] for v in arr.tolist()), dtype=np.intp, count=arr.shape[0])


def check_scores(
    y_score: Any,
    *,
    name: str = "y_score",
    n_samples: int | None = None,
    n_labels: int | None = None,
    probabilities: bool = False,
    keep_float32: bool = False,
) -> np.ndarray:
    """Validate a score matrix: 2-D, finite, optionally in [0, 1]; return it as float64.

    Parameters
    ----------
    y_score : array-like of shape (n_samples, n_labels)
    name : str
        Used in messages.
    n_samples, n_labels : int, optional
        Expected shape.
    probabilities : bool, default=False
        Require values in [0, 1].
    keep_float32 : bool, default=False
        Return float32 scores as they are instead of a float64 copy. For callers that only
        compare scores (ranks, sorts, thresholds): every float32 value is exactly a float64 one,
        so the order and ties, and hence the results, are the same; sorting half the bytes is
        faster and the copy is saved.

    Returns
    -------
    ndarray of float64 (or float32 with ``keep_float32``)

    Examples
    --------
    >>> check_scores([[0.2, float("nan")]])
    Traceback (most recent call last):
    ...
    labelwise.errors.TargetError: y_score has 1 NaN or infinite values; the first at row 0, ...
    """
    s = as_array(y_score)
    if sp.issparse(s):
        s = s.toarray()
    s = np.asarray(s)
    if s.ndim == 1:
        s = s.reshape(-1, 1)
    if s.ndim != 2:
        raise ShapeError(f"{name} must be 2-D (n_samples, n_labels); got shape {s.shape}.")
    if not np.issubdtype(s.dtype, np.number) and s.dtype != bool:
        raise TargetError(f"{name} must be numeric; got dtype {s.dtype}.")
    if not (keep_float32 and s.dtype == np.float32):
        s = s.astype(np.float64, copy=False)
    finite = np.isfinite(s)
    if not finite.all():
        i, j = np.argwhere(~finite)[0]
        raise TargetError(
            f"{name} has {int((~finite).sum())} NaN or infinite values; "
            f"the first at row {i}, column {j}."
        )
    if n_samples is not None and s.shape[0] != n_samples:
        raise ShapeError(f"{name} has {s.shape[0]} rows; expected {n_samples}.")
    if n_labels is not None and s.shape[1] != n_labels:
        raise ShapeError(f"{name} has {s.shape[1]} columns (labels); expected {n_labels}.")
    if probabilities and s.size and (s.min() < 0 or s.max() > 1):
        raise TargetError(
            f"{name} must be probabilities in [0, 1]; found values in [{s.min():g}, {s.max():g}]. "
            "Use a rule for decision_function scores, or calibrate the scores first."
        )
    return s
