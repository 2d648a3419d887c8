"""Validation shared by the multi-label models: one place for X, Y and constant labels.

``fit`` methods call :func:`check_multilabel_fit`; ``predict``-side methods call
:func:`check_predict_X`. Labels that are constant in the training data are found with
:func:`constant_labels` and fitted with :class:`ConstantLabelModel` (plus a warning) instead of
crashing the base estimator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import _num_features, check_is_fitted, validate_data

from labelwise import problem
from labelwise.data.targets import _is_label_lists, as_array, check_targets
from labelwise.errors import ShapeError, TargetError

__all__ = [
    "ConstantLabelModel",
    "check_multilabel_fit",
    "check_predict_X",
    "constant_labels",
    "multilabel_tags",
    "warn_constant_labels",
]

ACCEPT_SPARSE = ("csr", "csc")


def _n_rows(a: Any) -> int | None:
    shape = getattr(a, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    try:
        return len(a)
    except TypeError:
        return None


def check_multilabel_fit(
    estimator: BaseEstimator, X: Any, Y: Any, *, accept_sparse: Sequence[str] = ACCEPT_SPARSE
) -> tuple[Any, np.ndarray]:
    """Validate ``X`` and multi-label ``Y`` for ``fit``; set ``n_features_in_`` and ``classes_``.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted (named in messages; receives ``n_features_in_``,
        ``feature_names_in_`` when X has column names, and ``classes_``, the label names).
    X : array-like or sparse matrix of shape (n_samples, n_features)
    Y : array-like or sparse matrix of shape (n_samples, n_labels), or lists of label names
        A 0/1 indicator matrix with at least two columns and at least one positive entry. The
        label names (``classes_``) are what :func:`~labelwise.data.check_targets` says: a
        pandas DataFrame's column names, the names in label lists, else ``0..L-1``.
    accept_sparse : sequence of str
        Sparse formats passed through unchanged (others are converted to the first).

    Returns
    -------
    X : ndarray or sparse matrix
    Y : ndarray of int8, shape (n_samples, n_labels)

    Raises
    ------
    ShapeError
        When X and Y have different numbers of rows (both are named).
    TargetError
        When Y is 1-D or has one column, is not 0/1, or has no positive entry.

    Examples
    --------
    >>> from labelwise.models import BinaryRelevance
    >>> X, Y = check_multilabel_fit(BinaryRelevance(), [[0.0], [1.0]], [[1, 0], [0, 1]])
    >>> Y.dtype, Y.shape
    (dtype('int8'), (2, 2))
    >>> check_multilabel_fit(BinaryRelevance(), [[0.0], [1.0]], [[1], [0]])
    Traceback (most recent call last):
    ...
    labelwise.errors.TargetError: BinaryRelevance: Y has one column ...
    """
    who = type(estimator).__name__
    if Y is None:
        raise TargetError(
            f"{who} requires y to be passed, but the target y is None; pass Y, an "
            "(n_samples, n_labels) 0/1 matrix."
        )
    X = validate_data(estimator, X, accept_sparse=list(accept_sparse), reset=True)
    Ya = as_array(Y)
    if not sp.issparse(Ya) and not isinstance(Ya, (list, tuple)):
        Ya = np.asarray(Ya)
    ny = _n_rows(Ya)
    if ny is not None and X.shape[0] != ny:
        raise ShapeError(
            f"{who}: X has {X.shape[0]} rows (samples) but Y has {ny}; they must describe the "
            "same samples, one row each."
        )
    if sp.issparse(Ya) or not _is_label_lists(Ya):
        try:
            shape = Ya.shape if sp.issparse(Ya) else np.shape(Ya)
        except ValueError:  # ragged rows: check_targets explains
            shape = None
        if shape is not None and (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
            raise TargetError(
                f"{who}: Y has one column (shape {tuple(shape)}); a multi-label model needs an "
                "(n_samples, n_labels) 0/1 matrix with at least 2 labels. For one binary or "
                "multi-class target use a binary classifier, or OneVsRest/OneVsOne."
            )
    targets = check_targets(Y, name="Y")  # as given: a DataFrame's column names are its labels
    if targets.kind != "multilabel":
        raise TargetError(
            f"{who}: Y describes a {targets.kind} problem with classes {list(targets.classes)}; "
            "a multi-label model needs an (n_samples, n_labels) 0/1 matrix with at least 2 labels."
        )
    if targets.n_labels < 2:
        raise TargetError(
            f"{who}: Y has {targets.n_labels} label column; a multi-label model needs at least 2. "
            "For a single binary target use a binary classifier."
        )
    Yd = targets.Y.toarray() if sp.issparse(targets.Y) else np.asarray(targets.Y)
    Yd = np.ascontiguousarray(Yd, dtype=np.int8)
    if not Yd.any():
        raise TargetError(
            f"{who}: Y has no positive entry in any of its {Yd.shape[1]} labels and "
            f"{Yd.shape[0]} rows, so there is nothing to learn. Check that the label columns "
            "were read correctly (0/1, one column per label)."
        )
    estimator.classes_ = np.asarray(targets.classes)
    return X, Yd


def check_predict_X(
    estimator: BaseEstimator, X: Any, *, accept_sparse: Sequence[str] = ACCEPT_SPARSE
) -> Any:
    """Validate ``X`` at predict time: fitted estimator, same number of features as in ``fit``.

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like or sparse matrix of shape (n_samples, n_features)
    accept_sparse : sequence of str

    Returns
    -------
    ndarray or sparse matrix

    Raises
    ------
    ShapeError
        Naming the number of features given and the number seen in ``fit``.

    Examples
    --------
    >>> from labelwise.models import BinaryRelevance
    >>> m = BinaryRelevance().fit([[0.0, 1], [1, 0], [1, 1]], [[0, 1], [1, 0], [1, 1]])
    >>> check_predict_X(m, [[1.0, 2.0, 3.0]])
    Traceback (most recent call last):
    ...
    labelwise.errors.ShapeError: X has 3 features, but BinaryRelevance is expecting 2 features ...
    """
    check_is_fitted(estimator)
    expected = getattr(estimator, "n_features_in_", None)
    try:
        got = _num_features(as_array(X))
    except TypeError:
        got = None
    if expected is not None and got is not None and got != expected:
        raise ShapeError(
            f"X has {got} features, but {type(estimator).__name__} is expecting {expected} "
            f"features as input (it was fitted on {expected}). Pass the same feature columns, "
            "in the same order, as in fit."
        )
    return validate_data(estimator, X, accept_sparse=list(accept_sparse), reset=False)


def constant_labels(Y: np.ndarray) -> np.ndarray:
    """Indices of the columns of a 0/1 matrix that take a single value.

    Examples
    --------
    >>> constant_labels(np.array([[1, 0, 1], [1, 1, 0]]))
    array([0])
    """
    Y = np.asarray(Y)
    if Y.shape[0] == 0:
        return np.arange(Y.shape[1])
    return np.flatnonzero(Y.min(axis=0) == Y.max(axis=0))


def warn_constant_labels(
    Y: np.ndarray, *, who: str, names: Sequence[Any] | None = None
) -> np.ndarray:
    """Warn (``ProblemSetupWarning``) about labels constant in training; return their indices.

    The warning is :func:`labelwise.problem.warn_constant_labels`'s, naming the labels.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     idx = warn_constant_labels(np.array([[1, 0], [1, 1]]), who="BinaryRelevance")
    >>> idx, "label '0' occurs in every example" in str(w[0].message)
    (array([0]), True)
    """
    label_names = None if names is None else [str(n) for n in names]
    found = problem.warn_constant_labels(Y, label_names, where=who)
    return np.array([c.index for c in found], dtype=np.intp)


class ConstantLabelModel(ClassifierMixin, BaseEstimator):
    """A binary classifier that always predicts the one value seen in training.

    Used in place of the base estimator for a label constant in the training data.

    Parameters
    ----------
    value : {0, 1}, default=0
        The label value to predict.

    Examples
    --------
    >>> m = ConstantLabelModel(1).fit([[0.0], [1.0]])
    >>> m.predict_proba([[5.0]])
    array([[0., 1.]])
    """

    def __init__(self, value: int = 0) -> None:
        self.value = value

    def fit(self, X: Any, y: Any = None) -> ConstantLabelModel:
        """Store the classes ``[0, 1]``; nothing is learned from X."""
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n_samples, 2) probabilities of 0 and 1: one-hot on ``value``."""
        n = _n_rows(X) or 0
        out = np.zeros((n, 2))
        out[:, int(self.value)] = 1.0
        return out

    def decision_function(self, X: Any) -> np.ndarray:
        """``+inf`` when the value is 1, ``-inf`` when 0 (the sigmoid gives the probability)."""
        n = _n_rows(X) or 0
        return np.full(n, np.inf if self.value else -np.inf)

    def predict(self, X: Any) -> np.ndarray:
        """``value`` for every row."""
        return np.full(_n_rows(X) or 0, int(self.value))


def multilabel_tags(tags: Any) -> Any:
    """Set the scikit-learn tags of a multi-label-only classifier on sparse or dense X."""
    tags.classifier_tags.multi_label = True
    tags.target_tags.multi_output = True
    tags.target_tags.single_output = False
    tags.input_tags.sparse = True
    return tags
