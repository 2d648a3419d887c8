"""Sparse top-k scores of any model, without an n x L dense array for all rows at once.

A model whose ``predict_proba`` takes ``k`` (such as :class:`~labelwise.models.LabelTree`) is
asked directly; any other model is asked for ``batch_size`` rows at a time and only each row's
``k`` best labels are kept, so memory stays ``batch_size x n_labels`` plus the result.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.data.targets import as_array

__all__ = ["dense_top_k", "top_k_proba"]

_BATCH_ENTRIES = 1 << 22  # scores per batch (32 MB of float64)


def check_k(k: Any, n_labels: int | None, who: str) -> int:
    """``k`` if it is a positive integer at most ``n_labels`` (None: not known); else a
    ValueError naming ``who``.

    Examples
    --------
    >>> check_k(3, 5, "demo")
    3
    >>> check_k(6, 5, "demo")
    Traceback (most recent call last):
    ...
    ValueError: demo: k=6 is larger than the number of labels (5).
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"{who}: k must be a positive integer; got {k!r}.")
    if n_labels is not None and k > n_labels:
        raise ValueError(f"{who}: k={k} is larger than the number of labels ({n_labels}).")
    return int(k)


def _takes_k(model: Any) -> bool:
    try:
        return "k" in inspect.signature(model.predict_proba).parameters
    except (TypeError, ValueError, AttributeError):
        return False


def dense_top_k(S: np.ndarray, k: int) -> sp.csr_matrix:
    """The ``k`` best entries of each row of a dense score matrix, as CSR (ties: lower column).

    Examples
    --------
    >>> dense_top_k(np.array([[0.1, 0.7, 0.7], [0.4, 0.2, 0.9]]), 1).toarray()
    array([[0. , 0.7, 0. ],
           [0. , 0. , 0.9]])
    """
    S = np.asarray(S, dtype=np.float64)
    n, L = S.shape
    if k >= L:
        idx = np.tile(np.arange(L), (n, 1))
    else:
        # the k-th best value of each row, then everything above it plus the first ties at it
        kth = -np.partition(-S, k - 1, axis=1)[:, k - 1]
        above = S > kth[:, None]
        tie = S == kth[:, None]
        take = above | (tie & (np.cumsum(tie, axis=1) <= (k - above.sum(axis=1))[:, None]))
        idx = np.nonzero(take)[1].reshape(n, k)
    vals = np.take_along_axis(S, idx, axis=1)
    indptr = np.arange(0, n * idx.shape[1] + 1, idx.shape[1])
    return sp.csr_matrix((vals.ravel(), idx.ravel(), indptr), shape=(n, L))


def top_k_proba(model: Any, X: Any, k: int, *, batch_size: int | None = None) -> sp.csr_matrix:
    """Each row's ``k`` best-scored labels from ``model.predict_proba``, as a sparse CSR matrix.

    Parameters
    ----------
    model : fitted estimator with ``predict_proba`` returning (n_samples, n_labels) scores
        When its ``predict_proba`` takes ``k`` it is called once with it (its native sparse
        top-k, e.g. the beam search of :class:`~labelwise.models.LabelTree`).
    X : array-like or sparse matrix of shape (n_samples, n_features)
    k : int
        Labels kept per row, from 1 to the number of labels. Entries not kept are absent (not
        ranked); ties at the k-th score keep the lower column.
    batch_size : int, optional
        Rows scored at a time by a model without native top-k; default: as many as fit in
        about 4 million scores.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_samples, n_labels)

    Examples
    --------
    >>> from labelwise.models import BinaryRelevance
    >>> X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]])
    >>> Y = np.array([[0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 1, 0]])
    >>> S = top_k_proba(BinaryRelevance().fit(X, Y), X, k=1, batch_size=2)
    >>> S.shape, S.getnnz(axis=1).tolist()
    ((4, 3), [1, 1, 1, 1])
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"top_k_proba: k must be a positive integer; got {k!r}.")
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise ValueError(f"top_k_proba: batch_size must be a positive integer; got {batch_size!r}.")
    n_labels = len(getattr(model, "classes_", ())) or None
    if n_labels is not None and k > n_labels:
        raise ValueError(
            f"top_k_proba: k={k} is larger than the number of labels ({n_labels}); "
            f"use k <= {n_labels}."
        )
    if _takes_k(model):
        return sp.csr_matrix(model.predict_proba(X, k=k))
    X = as_array(X)
    if not sp.issparse(X):
        X = np.asarray(X)
    n = X.shape[0]
    if batch_size is None:
        batch_size = max(1, _BATCH_ENTRIES // max(1, n_labels or 1))
    parts = []
    for r0 in range(0, n, batch_size):
        S = np.asarray(model.predict_proba(X[r0 : r0 + batch_size]))
        if S.ndim != 2:
            raise ValueError(
                f"top_k_proba: {type(model).__name__}.predict_proba returned shape {S.shape}; "
                "need (n_samples, n_labels)."
            )
        if k > S.shape[1]:
            raise ValueError(
                f"top_k_proba: k={k} is larger than the number of labels ({S.shape[1]})."
            )
        parts.append(dense_top_k(S, k))
    if not parts:
        return sp.csr_matrix((0, n_labels or k))
    return sp.csr_matrix(sp.vstack(parts, format="csr"))
