"""Inference in a fitted classifier chain: greedy, beam search and exact enumeration.

A chain over labels in positions ``0..L-1`` holds one conditional model per position: link ``j``
gives ``P(y_j = 1 | x, y_0, ..., y_{j-1})``. The joint probability of a label set is the product
of its conditionals (Dembczynski et al., ICML 2010, "Bayes optimal multilabel classification via
probabilistic classifier chains"). Everything here works in *chain* positions; the estimator in
:mod:`labelwise.models.chains` maps positions back to label columns.

Cost. Greedy evaluates each link once per sample (``L`` calls on ``n`` rows). Beam search with
width ``b`` evaluates link ``j`` on ``n * min(b, 2**j)`` rows. Exact inference evaluates link ``j``
on every prefix, ``n * 2**j`` rows, ``n * 2**L`` in total, and holds an ``(n, 2**L)`` table: fine
for ``L <= 15`` and moderate ``n``; rows are processed in chunks to bound memory. Logistic
regression links take a shortcut: the feature part of the logit is computed once per sample and
only the prefix part, ``prefixes @ w``, changes between prefixes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

__all__ = ["ChainLink", "all_label_sets", "beam_joint", "exact_joint", "greedy_marginals"]

MAX_EXACT_LABELS = 15
_CHUNK_ELEMENTS = 2**23  # about 64 MB of float64 per evaluated block


def augment(X: Any, prefix: np.ndarray) -> Any:
    """``[X, prefix]`` as one matrix; sparse when ``X`` is sparse."""
    if sp.issparse(X):
        return sp.hstack([X, sp.csr_matrix(prefix)], format="csr")
    return np.hstack([X, prefix])


class ChainLink:
    """One conditional model of a chain: a fitted binary classifier or a constant.

    Parameters
    ----------
    estimator : fitted classifier or None
        Trained on ``[X, y_0..y_{j-1}]`` with 0/1 targets; ``None`` for a constant link.
    constant : float
        Probability of a positive when ``estimator`` is None (the label was constant in training).
    """

    def __init__(self, estimator: Any = None, constant: float = 0.0) -> None:
        self.estimator = estimator
        self.constant = float(constant)
        self._linear = None
        if estimator is not None:
            classes = list(getattr(estimator, "classes_", [0, 1]))
            self._pos = classes.index(1)
            coef = getattr(estimator, "coef_", None)
            if type(estimator) is LogisticRegression and coef is not None and coef.shape[0] == 1:
                sign = 1.0 if self._pos == 1 else -1.0
                self._linear = (sign * coef[0], sign * float(estimator.intercept_[0]))

    def base(self, X: Any) -> np.ndarray | None:
        """Per-sample part of the logit that does not depend on the prefix (linear links only)."""
        if self._linear is None:
            return None
        w, b = self._linear
        d = X.shape[1]
        return np.asarray(X @ w[:d]).ravel() + b

    def proba(self, X: Any, prefixes: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """``P(y_j = 1 | x_i, prefix)`` for every sample ``i`` and each of its prefixes.

        Parameters
        ----------
        X : array or sparse matrix of shape (n, d)
        prefixes : ndarray of shape (n, P, j)
            ``P`` prefixes (values of the previous labels) per sample; may be a broadcast view.
        base : ndarray of shape (n,), optional
            :meth:`base` of ``X``, to reuse across layers.

        Returns
        -------
        ndarray of shape (n, P)
        """
        n, P, j = prefixes.shape
        if self.estimator is None:
            return np.full((n, P), self.constant)
        if self._linear is not None:
            if base is None:
                base = self.base(X)
            w = self._linear[0][X.shape[1] :]
            if prefixes.strides[0] == 0:  # the same prefixes for every sample (exact inference)
                return expit(base[:, None] + (prefixes[0] @ w)[None, :])
            return expit(base[:, None] + prefixes @ w)
        out = np.empty((n, P))
        step = max(1, _CHUNK_ELEMENTS // max(1, P * (X.shape[1] + j)))
        for start in range(0, n, step):
            rows = np.arange(start, min(n, start + step))
            Xr = X[np.repeat(rows, P)]
            Xa = augment(Xr, prefixes[rows].reshape(len(rows) * P, j).astype(float))
            out[rows] = self.estimator.predict_proba(Xa)[:, self._pos].reshape(len(rows), P)
        return out


def greedy_marginals(links: list[ChainLink], X: Any) -> tuple[np.ndarray, np.ndarray]:
    """Greedy chain: each link sees the more probable value (p > 0.5) of the previous labels.

    Returns the conditional probabilities along that single path and the path itself, both of
    shape (n, L) in chain positions. These are *not* marginals ``P(y_j = 1 | x)``: they condition on
    decided earlier labels, as scikit-learn's ``ClassifierChain.predict_proba`` does.
    """
    n, L = X.shape[0], len(links)
    prob = np.empty((n, L))
    path = np.zeros((n, L))
    for j, link in enumerate(links):
        prob[:, j] = link.proba(X, path[:, None, :j])[:, 0]
        path[:, j] = prob[:, j] > 0.5
    return prob, path


def all_label_sets(L: int) -> np.ndarray:
    """All ``2**L`` label sets as an int8 (2**L, L) array; bit ``k`` of row ``c`` is label ``k``.

    Examples
    --------
    >>> all_label_sets(2)
    array([[0, 0],
           [1, 0],
           [0, 1],
           [1, 1]], dtype=int8)
    """
    return ((np.arange(2**L)[:, None] >> np.arange(L)) & 1).astype(np.int8)


def exact_joint(links: list[ChainLink], X: Any) -> np.ndarray:
    """Joint probability of every label set: an (n, 2**L) array in :func:`all_label_sets` order.

    Built layer by layer: the table over prefixes of length ``j`` is extended by label ``j``,
    whose conditional is evaluated for all ``2**j`` prefixes of all samples in one batch.
    """
    n = X.shape[0]
    joint = np.ones((n, 1))
    for j, link in enumerate(links):
        prefixes = np.broadcast_to(all_label_sets(j)[None].astype(float), (n, 2**j, j))
        p = link.proba(X, prefixes, link.base(X))
        # set index = prefix index + y_j * 2**j, matching all_label_sets
        joint = np.concatenate([joint * (1.0 - p), joint * p], axis=1)
    return joint


def beam_joint(links: list[ChainLink], X: Any, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Beam search: keep the ``width`` most probable partial label sets per sample.

    Returns
    -------
    probs : ndarray of shape (n, b)
        Joint probabilities of the kept label sets (``b = min(width, 2**L)``), best first.
    sets : ndarray of int8, shape (n, b, L)
        The kept label sets in chain positions.
    """
    n = X.shape[0]
    probs = np.ones((n, 1))
    sets = np.zeros((n, 1, 0), dtype=np.int8)
    for link in links:
        p = link.proba(X, sets.astype(float), link.base(X))
        cand_p = np.concatenate([probs * (1.0 - p), probs * p], axis=1)
        b = sets.shape[1]
        cand_s = np.concatenate(
            [
                np.concatenate([sets, np.zeros((n, b, 1), np.int8)], axis=2),
                np.concatenate([sets, np.ones((n, b, 1), np.int8)], axis=2),
            ],
            axis=1,
        )
        keep = np.argsort(-cand_p, axis=1, kind="stable")[:, :width]
        probs = np.take_along_axis(cand_p, keep, axis=1)
        sets = np.take_along_axis(cand_s, keep[:, :, None], axis=1)
    return probs, sets
