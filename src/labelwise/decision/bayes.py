"""Decisions optimal in expectation for a named metric (Bayes-optimal decisions).

* Hamming loss is a sum of per-label 0/1 errors, so its expectation is minimised label by
  label: predict label i iff P(y_i = 1 | x) >= 1/2. Only the marginals matter, so for calibrated
  marginal probabilities this rule is optimal whatever the dependence between labels.
* Subset accuracy is maximised by the joint mode, argmax_y P(y | x). It needs the joint
  distribution; under label independence the mode is again "p_i >= 1/2" for every label.
* Example-based F1 is maximised by the General F-measure Maximizer (GFM) of Dembczynski,
  Waegeman, Cheng & Hüllermeier, "An exact algorithm for F-measure maximization", NIPS 2011.
  It needs only P(y_i = 1, |y| = s) for all i, s and P(y = 0): from a joint distribution over
  label sets, or, under label independence, from the marginals by a Poisson-binomial dynamic
  programme. F(empty, empty) counts as 1, as in the paper.

Joint distributions come as ``(P, label_sets)`` from a model's ``predict_joint_proba(X)``:
``P`` of shape (n_samples, n_sets) and ``label_sets`` an (n_sets, n_labels) 0/1 array.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from labelwise._validation import validate_params
from labelwise.data.targets import check_scores
from labelwise.decision._base import DecisionRule
from labelwise.errors import ShapeError, TargetError
from labelwise.metrics.names import MetricOptions, canonical_metric_name

__all__ = [
    "BayesOptimal",
    "gfm_decide",
    "size_marginals_from_joint",
    "size_marginals_independent",
]

_CELLS = 2_000_000  # rows x n_labels**2 per block: bounds the DP's memory to tens of MB


def _chunks(n: int, n_labels: int) -> range:
    step = max(1, _CELLS // max(1, n_labels * n_labels))
    return range(0, n, step)


def size_marginals_independent(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(y_i = 1, |y| = s) and P(y = 0) for independent labels with marginals ``p``.

    P(y_i = 1, |y| = s) = p_i * P(sum of the other labels = s - 1). The leave-one-out count
    distribution is the convolution of a prefix DP (labels before i) and a suffix DP (labels after
    i): only sums and products of probabilities, no division, so it is exact to rounding.

    Parameters
    ----------
    p : ndarray of shape (n_samples, n_labels)
        Marginal probabilities.

    Returns
    -------
    joint : ndarray of shape (n_samples, n_labels, n_labels)
        ``joint[n, i, s - 1] = P(y_i = 1, |y| = s)`` for s = 1..n_labels.
    empty : ndarray of shape (n_samples,)
        P(y = 0).

    Examples
    --------
    >>> joint, empty = size_marginals_independent(np.array([[0.5, 0.5]]))
    >>> joint[0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    >>> empty
    array([0.25])
    """
    n, L = p.shape
    # prefix[:, i] = distribution of the count over labels < i; suffix[:, i] over labels > i
    prefix = np.zeros((n, L, L + 1))
    suffix = np.zeros((n, L, L + 1))
    prefix[:, 0, 0] = 1.0
    for i in range(1, L):
        q = p[:, i - 1 : i]
        prefix[:, i] = prefix[:, i - 1] * (1 - q)
        prefix[:, i, 1:] += prefix[:, i - 1, :-1] * q
    suffix[:, L - 1, 0] = 1.0
    for i in range(L - 2, -1, -1):
        q = p[:, i + 1 : i + 2]
        suffix[:, i] = suffix[:, i + 1] * (1 - q)
        suffix[:, i, 1:] += suffix[:, i + 1, :-1] * q
    others = np.zeros((n, L, L))  # others[:, i, c] = P(count over labels != i equals c)
    for c in range(L):
        others[:, :, c] = np.einsum("nit,nit->ni", prefix[:, :, : c + 1], suffix[:, :, c::-1])
    joint = p[:, :, None] * others
    empty = np.prod(1 - p, axis=1)
    return joint, empty


def size_marginals_from_joint(P: np.ndarray, label_sets: np.ndarray) -> tuple[np.ndarray, ...]:
    """P(y_i = 1, |y| = s) and P(y = 0) from a joint distribution over listed label sets.

    Parameters
    ----------
    P : ndarray of shape (n_samples, n_sets)
    label_sets : ndarray of shape (n_sets, n_labels)

    Returns
    -------
    joint : ndarray of shape (n_samples, n_labels, n_labels)
    empty : ndarray of shape (n_samples,)

    Examples
    --------
    >>> joint, empty = size_marginals_from_joint(np.array([[0.6, 0.4]]), np.array([[1, 1], [0, 0]]))
    >>> joint[0, :, 1], empty
    (array([0.6, 0.6]), array([0.4]))
    """
    sets = np.asarray(label_sets, dtype=np.float64)
    n, L = P.shape[0], sets.shape[1]
    sizes = sets.sum(axis=1).astype(np.int64)
    joint = np.zeros((n, L, L))
    for s in np.unique(sizes[sizes > 0]):
        cols = sizes == s
        joint[:, :, s - 1] = P[:, cols] @ sets[cols]
    empty = P[:, sizes == 0].sum(axis=1)
    return joint, empty


def gfm_decide(joint: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """The General F-measure Maximizer: the label set of highest expected example-F1.

    For each size k, the best set of size k takes the k largest entries of
    Δ[i, k] = sum_s P(y_i = 1, |y| = s) * 2 / (s + k); its expected F1 is their sum. Size 0
    scores P(y = 0). The best size wins (ties: the smaller set).

    Parameters
    ----------
    joint : ndarray of shape (n_samples, n_labels, n_labels)
        ``joint[n, i, s - 1] = P(y_i = 1, |y| = s)``.
    empty : ndarray of shape (n_samples,)
        P(y = 0).

    Returns
    -------
    ndarray of int8, shape (n_samples, n_labels)

    Examples
    --------
    >>> joint, empty = size_marginals_independent(np.array([[0.9, 0.45, 0.1]]))
    >>> gfm_decide(joint, empty)
    array([[1, 1, 0]], dtype=int8)
    """
    n, L, _ = joint.shape
    s = np.arange(1, L + 1, dtype=np.float64)
    W = 2.0 / (s[:, None] + s[None, :])  # W[s - 1, k - 1] = 2 / (s + k)
    delta = joint @ W  # (n, L labels, L sizes)
    ranked = -np.sort(-delta, axis=1)  # each size's column sorted descending over labels
    expected = np.cumsum(ranked, axis=1)[:, np.arange(L), np.arange(L)]  # top-k sum for size k
    best_k = np.argmax(np.concatenate([empty[:, None], expected], axis=1), axis=1)
    out = np.zeros((n, L), dtype=np.int8)
    for k in np.unique(best_k[best_k > 0]):
        rows = np.flatnonzero(best_k == k)
        top = np.argsort(-delta[rows, :, k - 1], axis=1, kind="stable")[:, :k]
        block = np.zeros((rows.size, L), dtype=np.int8)
        np.put_along_axis(block, top, 1, axis=1)
        out[rows] = block
    return out


class BayesOptimal(DecisionRule):
    """The decision with the best expected value of a named metric, given probabilities.

    Parameters
    ----------
    metric : {"hamming_loss", "subset_accuracy", "f1_samples"}, default="hamming_loss"
        The canonical names of :data:`labelwise.metrics.METRIC_NAMES`; their aliases
        (``hamming``, ``example_f1``, ...) name the same metric. ``predict`` takes marginal
        probabilities and, for ``subset_accuracy`` and ``f1_samples`` (example-based F1),
        assumes the labels are independent given x. ``predict_joint`` takes a joint
        distribution over label sets and assumes nothing.

    Examples
    --------
    >>> p = [[0.9, 0.45, 0.1], [0.45, 0.45, 0.45]]
    >>> BayesOptimal("hamming_loss").predict(p)
    array([[1, 0, 0],
           [0, 0, 0]], dtype=int8)
    >>> BayesOptimal("f1_samples").predict(p)
    array([[1, 1, 0],
           [1, 1, 1]], dtype=int8)
    >>> P = [[0.4, 0.35, 0.25]]
    >>> sets = [[1, 1, 0], [1, 0, 1], [0, 1, 1]]
    >>> BayesOptimal("subset_accuracy").predict_joint(P, sets)
    array([[1, 1, 0]], dtype=int8)
    """

    _needs_probabilities = True
    _parameter_constraints: ClassVar[dict] = {
        "metric": [MetricOptions(("hamming_loss", "subset_accuracy", "f1_samples"))]
    }

    def __init__(self, metric: str = "hamming_loss") -> None:
        self.metric = metric

    @property
    def _metric(self) -> str:
        """The canonical name of ``metric``."""
        return canonical_metric_name(self.metric)

    @property
    def uses_joint(self) -> bool:
        """Whether the rule gains from a joint distribution (``predict_joint``)."""
        return self._metric != "hamming_loss"

    def predict(self, y_score: Any) -> np.ndarray:
        """Decide from marginal probabilities (labels independent for the joint metrics)."""
        validate_params(self)
        p = check_scores(y_score, probabilities=True)
        if self._metric != "f1_samples":
            return (p >= 0.5).astype(np.int8)
        out = np.empty(p.shape, dtype=np.int8)
        starts = _chunks(p.shape[0], p.shape[1])
        for start in starts:
            stop = start + starts.step
            out[start:stop] = gfm_decide(*size_marginals_independent(p[start:stop]))
        return out

    def predict_joint(self, P: Any, label_sets: Any) -> np.ndarray:
        """Decide from a joint distribution ``P`` over ``label_sets`` (see the module docs).

        Rows of ``P`` may sum to less than 1 (a truncated list of sets, e.g. from beam search);
        marginals for ``hamming_loss`` are then taken over the listed mass.
        """
        validate_params(self)
        P = check_scores(P, name="P", probabilities=True)
        sets = np.asarray(label_sets)
        if sets.ndim != 2 or sets.shape[0] != P.shape[1]:
            raise ShapeError(
                f"BayesOptimal.predict_joint: label_sets must have shape (n_sets, n_labels) with "
                f"n_sets = P.shape[1] = {P.shape[1]}; got shape {sets.shape}."
            )
        if not np.isin(sets, (0, 1)).all():
            raise TargetError("BayesOptimal.predict_joint: label_sets must contain only 0 and 1.")
        if np.any(P.sum(axis=1) > 1 + 1e-6):
            row = int(np.argmax(P.sum(axis=1)))
            raise TargetError(
                f"BayesOptimal.predict_joint: row {row} of P sums to {P[row].sum():.6g} > 1; "
                "P must hold probabilities of distinct label sets."
            )
        sets = sets.astype(np.int8)
        if self._metric == "subset_accuracy":
            return sets[np.argmax(P, axis=1)].copy()
        if self._metric == "hamming_loss":
            mass = P.sum(axis=1, keepdims=True)
            marg = (P @ sets) / np.where(mass > 0, mass, 1.0)
            return (marg >= 0.5).astype(np.int8)
        out = np.empty((P.shape[0], sets.shape[1]), dtype=np.int8)
        starts = _chunks(P.shape[0], sets.shape[1])
        for start in starts:
            stop = start + starts.step
            out[start:stop] = gfm_decide(*size_marginals_from_joint(P[start:stop], sets))
        return out
