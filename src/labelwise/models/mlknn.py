"""ML-kNN: multi-label k-nearest neighbours with Bayesian label posteriors.

Zhang & Zhou (2007), "ML-KNN: A lazy learning approach to multi-label learning", Pattern
Recognition 40(7). For label l, with m training examples and smoothing s:

* prior ``P(H1_l) = (s + #{i: y_il = 1}) / (2 s + m)``;
* for each training example, ``C_il`` counts its k nearest *other* training examples that have
  label l (leave-one-out); ``c_l[j]`` / ``c'_l[j]`` count the examples with / without label l
  whose ``C_il = j``;
* likelihoods ``P(E_j | H1_l) = (s + c_l[j]) / (s (k + 1) + sum_p c_l[p])`` and likewise with
  ``c'`` for ``H0_l``;
* for a query with count ``C_l``, ``predict_proba`` returns the posterior
  ``P(H1_l | E_C) = P(H1_l) P(E_C | H1_l) / (P(H1_l) P(E_C | H1_l) + P(H0_l) P(E_C | H0_l))``.

The paper predicts label l when the posterior exceeds 1/2; here ``decision_rule`` decides.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

from labelwise._validation import Interval, Options
from labelwise.decision._base import DecisionRule
from labelwise.errors import ShapeError
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import check_multilabel_fit, check_predict_X, multilabel_tags

__all__ = ["MLkNN"]

_BLOCK_BYTES = 32 * 2**20  # distance block size


def _k_smallest(d: np.ndarray, k: int) -> np.ndarray:
    """Columns of the k smallest values of each row; ties go to the lower column index."""
    if k >= d.shape[1]:
        return np.argsort(d, axis=1, kind="stable")[:, :k]
    part = np.argpartition(d, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(d, part, axis=1).max(axis=1)
    tied = np.flatnonzero((d <= kth[:, None]).sum(axis=1) > k)  # ties across the boundary
    if tied.size:
        part[tied] = np.argsort(d[tied], axis=1, kind="stable")[:, :k]
    return part


def _sq_norms(X: Any) -> np.ndarray:
    if sp.issparse(X):
        return np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel()
    return np.einsum("ij,ij->i", X, X, dtype=np.float64)


class MLkNN(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """Multi-label k-nearest neighbours (ML-kNN) with label posteriors.

    Parameters
    ----------
    k : int, default=10
        Number of neighbours.
    s : float, default=1.0
        Laplace smoothing of the prior and likelihoods (must be > 0).
    metric : str, default="euclidean"
        Distance; any metric of :func:`sklearn.metrics.pairwise_distances` (brute force) or of
        :class:`~sklearn.neighbors.NearestNeighbors` (trees).
    algorithm : {"auto", "brute", "kd_tree", "ball_tree"}, default="auto"
        ``"auto"`` and ``"brute"``: vectorised brute force in blocks (Euclidean via
        ``|b|^2 - 2 a.b`` matrix products, dense or sparse); ties in distance go to the training
        example that comes first. Trees: scikit-learn's ``NearestNeighbors`` (its tie order).
    n_jobs : int, default=None
        Jobs for non-Euclidean distances and trees (joblib semantics).
    decision_rule : DecisionRule, default=None
        Applied to the posteriors in ``predict``. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits. ``FixedThreshold(0.5)`` is
        the paper's maximum a posteriori rule.

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies: ``decision_rule`` fitted, or the tuned default
        (absent when ``decision_rule`` is used as given or the model was fitted for its scores
        only).
    prior_ : ndarray of shape (n_labels,)
        ``P(H1_l)``.
    cond_true_, cond_false_ : ndarray of shape (n_labels, k + 1)
        ``P(E_j | H1_l)`` and ``P(E_j | H0_l)`` for j = 0..k neighbours with the label.
    classes_ : ndarray
        Label names.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [1.2]])
    >>> Y = np.array([[1, 0], [1, 0], [1, 1], [0, 1], [0, 1], [0, 1]])
    >>> model = MLkNN(k=2).fit(X, Y)
    >>> model.predict_proba([[0.05], [1.15]]).round(3)
    array([[0.8  , 0.704],
           [0.2  , 0.826]])
    """

    _parameter_constraints: ClassVar[dict] = {
        "k": [Interval(numbers.Integral, 1, None)],
        "s": [Interval(numbers.Real, 0, None, closed="neither")],
        "metric": [str],
        "algorithm": [Options({"auto", "brute", "kd_tree", "ball_tree"})],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        k: int = 10,
        s: float = 1.0,
        metric: str = "euclidean",
        algorithm: str = "auto",
        n_jobs: int | None = None,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.k = k
        self.s = s
        self.metric = metric
        self.algorithm = algorithm
        self.n_jobs = n_jobs
        self.decision_rule = decision_rule

    @fit_context
    def fit(self, X: Any, Y: Any) -> MLkNN:
        """Store the training data and estimate priors and likelihoods by leave-one-out.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels)

        Returns
        -------
        self
        """
        X, Y = check_multilabel_fit(self, X, Y, accept_sparse=("csr",))
        n, L = Y.shape
        if self.k >= n:
            raise ShapeError(
                f"MLkNN: k={self.k} neighbours need at least k + 1 = {self.k + 1} training "
                f"examples (each example's neighbours exclude itself); got {n}. Lower k."
            )
        self._fit_X, self._fit_Y = X, Y
        self._fit_sq = _sq_norms(X) if self._brute_euclidean() else None
        if not self._brute():
            self._tree = NearestNeighbors(
                algorithm=self.algorithm, metric=self.metric, n_jobs=self.n_jobs
            ).fit(X)
        counts = self._neighbour_counts(X, exclude_self=True)
        k, s = self.k, float(self.s)
        self.prior_ = (s + Y.sum(axis=0, dtype=np.float64)) / (2 * s + n)
        flat = (np.arange(L) * (k + 1))[None, :] + counts
        yv = Y.ravel().astype(np.float64)
        c1 = np.bincount(flat.ravel(), weights=yv, minlength=L * (k + 1)).reshape(L, k + 1)
        c0 = np.bincount(flat.ravel(), weights=1 - yv, minlength=L * (k + 1)).reshape(L, k + 1)
        self.cond_true_ = (s + c1) / (s * (k + 1) + c1.sum(axis=1, keepdims=True))
        self.cond_false_ = (s + c0) / (s * (k + 1) + c0.sum(axis=1, keepdims=True))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Posterior probability ``P(H1_l | E)`` of each label.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_labels)
        """
        X = check_predict_X(self, X, accept_sparse=("csr",))
        counts = self._neighbour_counts(X, exclude_self=False)
        cols = np.arange(counts.shape[1])[None, :]
        p1 = self.prior_ * self.cond_true_[cols, counts]
        p0 = (1 - self.prior_) * self.cond_false_[cols, counts]
        return p1 / (p1 + p0)

    def kneighbors(self, X: Any = None) -> np.ndarray:
        """The k nearest training examples, as the model counts them.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features), default=None
            Query rows; ``None`` means the training examples, each excluding itself.

        Returns
        -------
        ndarray of int, shape (n_samples, k)
            Training row indices, in no particular order within a row.
        """
        if X is None:
            return np.vstack(list(self._neighbour_blocks(self._fit_X, exclude_self=True)))
        X = check_predict_X(self, X, accept_sparse=("csr",))
        return np.vstack(list(self._neighbour_blocks(X, exclude_self=False)))

    def _brute(self) -> bool:
        return self.algorithm in ("auto", "brute")

    def _brute_euclidean(self) -> bool:
        return self._brute() and self.metric == "euclidean"

    def _neighbour_counts(self, X: Any, *, exclude_self: bool) -> np.ndarray:
        """(n_samples, n_labels) number of neighbours having each label."""
        Y = self._fit_Y
        return np.vstack(
            [Y[idx].sum(axis=1) for idx in self._neighbour_blocks(X, exclude_self=exclude_self)]
        )

    def _neighbour_blocks(self, X: Any, *, exclude_self: bool):
        k, T = self.k, self._fit_X
        if not self._brute():
            n_ask = k + 1 if exclude_self else k
            idx = self._tree.kneighbors(X, n_neighbors=n_ask, return_distance=False)
            if exclude_self:  # drop the example itself, or the farthest if a duplicate hid it
                rows = np.arange(idx.shape[0])[:, None]
                is_self = idx == rows
                drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
                keep = np.ones_like(idx, dtype=bool)
                keep[np.arange(idx.shape[0]), drop] = False
                idx = idx[keep].reshape(idx.shape[0], k)
            yield idx
            return
        n_train = T.shape[0]
        block = max(1, _BLOCK_BYTES // (8 * n_train))
        for start in range(0, X.shape[0], block):
            Xb = X[start : start + block]
            if self._fit_sq is not None:
                prod = Xb @ T.T
                prod = prod.toarray() if sp.issparse(prod) else np.asarray(prod)
                d = self._fit_sq[None, :] - 2.0 * prod  # |a|^2 is constant per row: omitted
            else:
                d = pairwise_distances(Xb, T, metric=self.metric, n_jobs=self.n_jobs)
            if exclude_self:
                r = np.arange(d.shape[0])
                d[r, start + r] = np.inf
            yield _k_smallest(d, k)

    def __sklearn_tags__(self):
        return multilabel_tags(super().__sklearn_tags__())
