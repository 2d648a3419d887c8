"""Top-k metrics: precision@k, recall@k, nDCG@k and propensity-scored PSP@k / PSnDCG@k.

All of them credit each true label by the rank positions it takes among the ``k`` best-scored
labels of its row. **Ties** are averaged, as scikit-learn's ``ndcg_score`` does by default: a group
of ``e`` labels tied on one score that occupies positions ``g .. g+e-1`` shares the gain of those
positions (the part inside the top k) equally, which is the expected value under a uniformly
random order of the tied labels. No metric here depends on the column order.

Cost: one ``np.partition`` per row to find the k-th best score (cheaper than a sort) and a binary
search of each true label's score in its row's k best; vectorised over all rows.

Propensity-scored metrics (Jain, Prabhu and Varma, KDD 2016) weight a true label ``l`` by its
inverse propensity ``1 / p_l`` (:func:`inverse_propensity`) so that rare labels count more. They
are reported normalised, as in the Extreme Classification Repository's evaluation code: the
propensity-scored value of the predicted ranking divided by the same value for the best possible
ranking, both summed over samples (see :func:`psp_at_k`).

Streaming names registered for the Evaluator: ``precision_at_k``, ``recall_at_k``, ``ndcg_at_k``
for k in 1, 3, 5 and 10 (e.g. ``ndcg_at_5``). Propensity-scored states need training-set
propensities: build them with :func:`at_k_state`.
"""

from __future__ import annotations

import numbers
import warnings
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise._math import check_zero_division, safe_divide
from labelwise._validation import Interval, check_params
from labelwise.data.targets import as_array, check_targets
from labelwise.errors import ProblemSetupWarning, ShapeError
from labelwise.metrics._inputs import check_same_shape, check_sample_weight
from labelwise.metrics._ranking_core import (
    ScoreInputs,
    SumState,
    _search_rows,
    check_score_inputs,
    row_positive_lists,
)
from labelwise.metrics._state_registry import register_metric

__all__ = [
    "PROPENSITY_PARAMETERS",
    "AtKState",
    "at_k_state",
    "inverse_propensity",
    "ndcg_at_k",
    "precision_at_k",
    "psndcg_at_k",
    "psp_at_k",
    "recall_at_k",
]

_BLOCK = 1 << 20  # entries per block of rows
_K = {"k": [Interval(numbers.Integral, 1, None)]}


def _discounts(k: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, k + 2))


def _cum(position_weight: np.ndarray) -> np.ndarray:
    return np.r_[0.0, np.cumsum(position_weight)]


def _topk_credit(
    inp: ScoreInputs, k: int, position_weight: np.ndarray, gain: np.ndarray | None
) -> np.ndarray:
    """Per row: sum over true labels of gain x (tie-averaged) weight of the positions they take."""
    if sp.issparse(inp.S):
        return _topk_credit_sparse(inp, k, position_weight, gain)
    n, L = inp.S.shape
    C = _cum(position_weight)
    out = np.zeros(n)
    step = max(1, _BLOCK // L)
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        S = inp.S[r0:r1]
        part = np.partition(S, L - k, axis=1)
        t = part[:, L - k]  # the k-th best score of each row
        top = np.sort(part[:, L - k :], axis=1)
        rows, cols = row_positive_lists(inp.Y, r0, r1)
        v = S.reshape(-1)[rows * L + cols]
        keep = v >= t[rows]
        rows, cols, v = rows[keep], cols[keep], v[keep]
        right = _search_rows(top, rows, v, right=True)
        left = _search_rows(top, rows, v, right=False)
        g = k - right  # labels scored strictly higher
        e = right - left  # ties within the top k; for the k-th score, count them row-wide:
        at_t = np.flatnonzero(v == t[rows])
        if at_t.shape[0]:
            need, inverse = np.unique(rows[at_t], return_inverse=True)
            e[at_t] = np.count_nonzero(S[need] == t[need, None], axis=1)[inverse]
        credit = (C[np.minimum(g + e, k)] - C[g]) / e
        if gain is not None:
            credit = credit * gain[cols]
        out[r0:r1] = np.bincount(rows, weights=credit, minlength=r1 - r0)
    return out


def _topk_credit_sparse(
    inp: ScoreInputs, k: int, position_weight: np.ndarray, gain: np.ndarray | None
) -> np.ndarray:
    """:func:`_topk_credit` for sparse top-k scores: absent entries rank below every stored one.

    Equals the dense computation on the same matrix with every absent entry set to one value
    below all stored scores: stored entries are ranked by score (ties averaged), and the
    ``L - m`` absent labels of a row with ``m`` stored entries share positions ``m .. L-1``.
    Cost: one sort of the stored entries and a binary search of the true labels among them.
    """
    S = inp.S
    n, L = S.shape
    C = _cum(position_weight)
    counts = np.diff(S.indptr)
    r = np.repeat(np.arange(n, dtype=np.int64), counts)
    order = np.lexsort((-S.data, r))
    v, c = S.data[order], S.indices[order].astype(np.int64)
    pos = np.arange(r.shape[0]) - S.indptr[:-1][r]
    new_group = np.r_[True, (r[1:] != r[:-1]) | (v[1:] != v[:-1])] if r.shape[0] else r > 0
    gid = np.cumsum(new_group) - 1
    g = pos[new_group][gid]  # stored labels scored strictly higher
    e = np.bincount(gid)[gid]  # labels tied with this one
    entry_credit = (C[np.minimum(g + e, k)] - C[np.minimum(g, k)]) / e
    key = r * L + c
    by_key = np.argsort(key, kind="stable")
    rows, cols = row_positive_lists(inp.Y, 0, n)
    want = rows * L + cols
    sorted_key = key[by_key]
    if sorted_key.shape[0]:
        at = np.minimum(np.searchsorted(sorted_key, want), sorted_key.shape[0] - 1)
        hit = sorted_key[at] == want
    else:
        at, hit = np.zeros(want.shape[0], dtype=np.intp), np.zeros(want.shape[0], dtype=bool)
    credit = np.zeros(want.shape[0])
    credit[hit] = entry_credit[by_key[at[hit]]]
    m = np.minimum(counts[rows[~hit]], k)
    credit[~hit] = (C[k] - C[m]) / (L - counts[rows[~hit]])
    if gain is not None:
        credit = credit * gain[cols]
    return np.bincount(rows, weights=credit, minlength=n)


def _check_sparse(name: str, y_true: Any, y_score: Any, sample_weight: Any) -> ScoreInputs:
    """Checked inputs with sparse top-k scores (kept sparse: absent entries are not ranked)."""
    S = sp.csr_matrix(y_score, dtype=np.float64)
    S.sum_duplicates()
    bad = np.flatnonzero(~np.isfinite(S.data))
    if bad.shape[0]:
        row = int(np.searchsorted(S.indptr, bad[0], side="right") - 1)
        raise ValueError(
            f"{name}: y_score holds a NaN or infinite value at row {row}, label "
            f"{int(S.indices[bad[0]])}; scores must be finite (leave a label out instead)."
        )
    y_true = as_array(y_true)
    Y = check_targets(y_true, name="y_true").Y
    if Y.ndim != 2 or Y.shape[1] == 1:
        raise ShapeError(
            f"{name}: sparse top-k scores need 2-D (n_samples, n_labels) y_true; got shape "
            f"{Y.shape}."
        )
    check_same_shape(Y.shape, S.shape, pred_name="y_score")
    if sp.issparse(Y):
        Y = sp.csr_matrix(Y, dtype=np.int8)
        Y.sort_indices()
    return ScoreInputs(Y, S, check_sample_weight(sample_weight, S.shape[0]), False)


def _n_pos(inp: ScoreInputs) -> np.ndarray:
    Y = inp.Y
    if sp.issparse(Y):
        return np.diff(sp.csr_matrix(Y).indptr).astype(np.float64)
    mask = Y.view(bool) if Y.dtype.itemsize == 1 else Y != 0  # checked 0/1
    return np.count_nonzero(mask, axis=1).astype(np.float64)


def _ideal_credit(
    inp: ScoreInputs, k: int, position_weight: np.ndarray, gain: np.ndarray
) -> np.ndarray:
    """Per row: the best credit any ranking can get, true labels sorted by gain."""
    n, L = inp.S.shape
    label_rank = np.empty(L, dtype=np.int64)
    label_rank[np.argsort(-gain, kind="stable")] = np.arange(L)
    rows, cols = row_positive_lists(inp.Y, 0, n)
    keys = np.sort(rows * L + label_rank[cols])
    rows = keys // L
    ranked_label = np.argsort(-gain, kind="stable")[keys - rows * L]
    cnt = np.bincount(rows, minlength=n)
    pos = np.arange(keys.shape[0]) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    keep = pos < k
    credit = gain[ranked_label[keep]] * position_weight[pos[keep]]
    return np.bincount(rows[keep], weights=credit, minlength=n)


def _check(name: str, y_true: Any, y_score: Any, sample_weight: Any, k: int) -> ScoreInputs:
    check_params({"k": k}, _K, caller=name)
    if sp.issparse(as_array(y_score)):
        inp = _check_sparse(name, y_true, y_score, sample_weight)
    else:
        inp = check_score_inputs(
            y_true, y_score, sample_weight, caller=name, allow_binary=False, keep_float32=True
        )
    if k > inp.S.shape[1]:
        raise ValueError(
            f"{name}: k={k} is larger than the number of labels ({inp.S.shape[1]}); "
            f"use k <= {inp.S.shape[1]}."
        )
    return inp


def _weighted_sums(num: np.ndarray, den: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    if w is None:
        return np.array([num.sum(), den.sum()])
    return np.array([np.dot(num, w), np.dot(den, w)])


def _ratio(sums: np.ndarray) -> float:
    return float(sums[0] / sums[1]) if sums[1] != 0 else 0.0


def _check_propensity(inv_propensity: Any, n_labels: int, name: str) -> np.ndarray:
    g = np.asarray(as_array(inv_propensity), dtype=np.float64).ravel()
    if g.shape[0] != n_labels:
        raise ShapeError(
            f"{name}: inv_propensity has {g.shape[0]} values but there are {n_labels} labels."
        )
    if not np.all(np.isfinite(g)) or np.any(g <= 0):
        raise ValueError(f"{name}: inv_propensity must be finite and positive.")
    return g


def _sums(
    metric: str, inp: ScoreInputs, k: int, zero_division: Any = "warn", inv_propensity: Any = None
) -> np.ndarray:
    """Additive sums of one batch; the metric's value is ``sums[0] / sums[1]``."""
    w = inp.sample_weight
    n, L = inp.S.shape
    ones = np.ones(k)
    if metric == "precision":
        return _weighted_sums(_topk_credit(inp, k, ones, None) / k, np.ones(n), w)
    if metric == "recall":
        P = _n_pos(inp)
        row = safe_divide(
            _topk_credit(inp, k, ones, None),
            P,
            zero_division=zero_division,
            metric="recall@k",
            what="samples without true labels",
        )
        return _weighted_sums(row, np.ones(n), w)
    D = _discounts(k)
    if metric == "ndcg":
        ideal = _cum(D)[np.minimum(_n_pos(inp), k).astype(np.int64)]
        row = np.where(
            ideal > 0, _topk_credit(inp, k, D, None) / np.where(ideal > 0, ideal, 1), 0.0
        )
        return _weighted_sums(row, np.ones(n), w)
    gain = _check_propensity(inv_propensity, L, f"{metric}_at_k")
    pw = ones if metric == "psp" else D
    num, den = _topk_credit(inp, k, pw, gain), _ideal_credit(inp, k, pw, gain)
    if metric == "psndcg":  # per-row normalisation of the Extreme Classification Repository
        ideal = _cum(D)[np.minimum(_n_pos(inp), k).astype(np.int64)]
        num, den = (np.where(ideal > 0, x / np.where(ideal > 0, ideal, 1), 0.0) for x in (num, den))
    return _weighted_sums(num, den, w)


def precision_at_k(y_true: Any, y_score: Any, *, k: int = 5, sample_weight: Any = None) -> float:
    """Precision@k: the fraction of the k best-scored labels that are true, averaged over samples.

    ``P@k = mean_i |top_k(s_i) & Y_i| / k`` with tied scores averaged (module docstring).

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels), or sparse top-k scores
        A sparse matrix ranks only its stored entries; absent ones rank below them all.
    k : int, default=5
        At most the number of labels.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> precision_at_k([[1, 0, 1, 0], [0, 1, 0, 0]], [[.9, .8, .1, .3], [.4, .3, .2, .1]], k=2)
    0.5
    """
    inp = _check("precision_at_k", y_true, y_score, sample_weight, k)
    return _ratio(_sums("precision", inp, k))


def recall_at_k(
    y_true: Any, y_score: Any, *, k: int = 5, sample_weight: Any = None, zero_division: Any = "warn"
) -> float:
    """Recall@k: the fraction of a sample's true labels among its k best-scored labels, averaged.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels), or sparse top-k scores
        A sparse matrix ranks only its stored entries; absent ones rank below them all.
    k : int, default=5
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value for samples without true labels ("warn": 0 with a warning).

    Returns
    -------
    float

    Examples
    --------
    >>> recall_at_k([[1, 0, 1, 0], [0, 1, 0, 0]], [[.9, .8, .1, .3], [.4, .3, .2, .1]], k=2)
    0.75
    """
    check_zero_division(zero_division)
    inp = _check("recall_at_k", y_true, y_score, sample_weight, k)
    return _ratio(_sums("recall", inp, k, zero_division))


def ndcg_at_k(y_true: Any, y_score: Any, *, k: int = 5, sample_weight: Any = None) -> float:
    """Normalised discounted cumulative gain at k for 0/1 relevance.

    ``DCG@k = sum_{p<k} rel_(p) / log2(p + 2)`` over the ranking by score (ties averaged), divided
    by the best achievable ``sum_{p < min(k, |Y_i|)} 1 / log2(p + 2)``; samples without true
    labels score 0. Equals scikit-learn's ``ndcg_score(y_true, y_score, k=k)`` on 0/1 targets.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels), or sparse top-k scores
        A sparse matrix ranks only its stored entries; absent ones rank below them all.
    k : int, default=5
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> round(ndcg_at_k([[1, 0, 1, 0]], [[.9, .8, .1, .3]], k=2), 6)
    0.613147
    """
    inp = _check("ndcg_at_k", y_true, y_score, sample_weight, k)
    return _ratio(_sums("ndcg", inp, k))


def psp_at_k(
    y_true: Any, y_score: Any, inv_propensity: Any, *, k: int = 5, sample_weight: Any = None
) -> float:
    """Propensity-scored precision@k (Jain, Prabhu and Varma, 2016), normalised.

    ``PSP@k = sum_i sum_{l in top_k(s_i)} y_il / p_l  /  sum_i max_{|T|=k} sum_{l in T} y_il / p_l``
    -- the propensity-scored precision of the ranking over that of the best ranking (true labels
    ordered by ``1 / p_l``), each summed over samples; the ``1/k`` factors cancel. This is the
    normalisation of the Extreme Classification Repository's evaluation code, so 1 is perfect.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels), or sparse top-k scores
        A sparse matrix ranks only its stored entries; absent ones rank below them all.
    inv_propensity : array-like of shape (n_labels,)
        ``1 / p_l`` per label, usually :func:`inverse_propensity` of the training targets.
    k : int, default=5
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> psp_at_k([[1, 0, 1]], [[0.9, 0.2, 0.5]], [1.0, 1.0, 3.0], k=1)  # got 1 of best 3
    0.3333333333333333
    """
    inp = _check("psp_at_k", y_true, y_score, sample_weight, k)
    return _ratio(_sums("psp", inp, k, inv_propensity=inv_propensity))


def psndcg_at_k(
    y_true: Any, y_score: Any, inv_propensity: Any, *, k: int = 5, sample_weight: Any = None
) -> float:
    """Propensity-scored nDCG@k (Jain, Prabhu and Varma, 2016), normalised.

    Per sample, ``PSDCG@k = sum_{p<k} (y/p)_(p) / log2(p + 2)`` divided by the 0/1 ideal DCG
    ``sum_{p < min(k, |Y_i|)} 1 / log2(p + 2)``; the result is the sum over samples of that,
    divided by the same sum for the best ranking (true labels ordered by ``1 / p_l``).

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
    y_score : array-like of shape (n_samples, n_labels), or sparse top-k scores
        A sparse matrix ranks only its stored entries; absent ones rank below them all.
    inv_propensity : array-like of shape (n_labels,)
    k : int, default=5
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> round(psndcg_at_k([[1, 0, 1]], [[0.2, 0.9, 0.5]], [1.0, 1.0, 3.0], k=2), 6)
    0.521296
    """
    inp = _check("psndcg_at_k", y_true, y_score, sample_weight, k)
    return _ratio(_sums("psndcg", inp, k, inv_propensity=inv_propensity))


#: The propensity model's (A, B) per dataset family, from Jain, Prabhu and Varma (KDD 2016,
#: section 6.1): Wikipedia-LSHTC 0.5 / 0.4, Amazon 0.6 / 2.6, every other dataset 0.55 / 1.5.
PROPENSITY_PARAMETERS = {"default": (0.55, 1.5), "amazon": (0.6, 2.6), "wikipedia": (0.5, 0.4)}


def inverse_propensity(Y_train: Any, A: float = 0.55, B: float = 1.5) -> np.ndarray:
    """Inverse label propensities ``1 / p_l`` from training targets (Jain et al., 2016).

    ``p_l = 1 / (1 + C exp(-A log(N_l + B)))`` with ``C = (log N - 1) (B + 1)^A``, where ``N`` is
    the number of training samples and ``N_l`` those with label ``l``. The authors use A = 0.55,
    B = 1.5 by default (A = 0.5, B = 0.4 for Wikipedia-LSHTC; A = 0.6, B = 2.6 for Amazon;
    see :data:`PROPENSITY_PARAMETERS`). A label with no training example (``N_l = 0``) gets the
    largest weight, ``1 + C B^-A``, and a :class:`~labelwise.errors.ProblemSetupWarning`
    naming it: a true label never seen in training can still be scored, but no model trained
    on this data can rank it.

    Parameters
    ----------
    Y_train : array-like or sparse matrix of shape (n_samples, n_labels)
        0/1 training targets (or label lists).
    A, B : float
        The propensity model's parameters.

    Returns
    -------
    ndarray of shape (n_labels,)
        ``1 / p_l``, at least 1; larger for rarer labels.

    Examples
    --------
    >>> inverse_propensity(np.array([[1, 0], [1, 0], [1, 1], [0, 0]])).round(4)
    array([1.2796, 1.3863])
    """
    Y = check_targets(Y_train, name="Y_train").Y
    N = Y.shape[0]
    counts = np.asarray(Y.sum(axis=0), dtype=np.float64).ravel()
    unseen = np.flatnonzero(counts == 0)
    if unseen.shape[0]:
        warnings.warn(
            f"inverse_propensity: {unseen.shape[0]} label(s) never occur in Y_train (first: "
            f"column {int(unseen[0])}); they get the largest weight, and a test row with such "
            "a label can only be ranked by chance.",
            ProblemSetupWarning,
            stacklevel=2,
        )
    C = (np.log(N) - 1.0) * (B + 1.0) ** A
    return 1.0 + C * np.exp(-A * np.log(counts + B))


def at_k_state(metric: str, k: int = 5, inv_propensity: Any = None) -> AtKState:
    """A mergeable streaming state for ``metric`` in precision, recall, ndcg, psp, psndcg.

    It keeps the two additive sums the one-shot function divides, so it equals that function on
    the concatenated batches. For recall, samples without true labels count 0 (no warning).
    Batches may hold sparse top-k scores (see :func:`precision_at_k`).

    Examples
    --------
    >>> st = at_k_state("precision", k=1)
    >>> st.update([[1, 0]], [[0.9, 0.1]]); st.update([[1, 0]], [[0.1, 0.9]])
    >>> st.compute()
    0.5
    """
    check_params({"k": k}, _K, caller="at_k_state")
    if metric not in ("precision", "recall", "ndcg", "psp", "psndcg"):
        raise ValueError(f"unknown at-k metric {metric!r}.")
    if metric in ("psp", "psndcg") and inv_propensity is None:
        raise ValueError(f"{metric}_at_k needs inv_propensity (see inverse_propensity).")

    return AtKState(partial(_state_sums, metric, k, inv_propensity), _ratio, f"{metric}_at_{k}")


class AtKState(SumState):
    """A :class:`SumState` that also takes sparse top-k scores (absent entries: not ranked)."""

    def update(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> None:
        if not sp.issparse(as_array(y_score)):
            super().update(y_true, y_score, sample_weight)
            return
        inp = _check_sparse(self.caller, y_true, y_score, sample_weight)
        sums = np.asarray(self.batch_sums(inp), dtype=np.float64)
        self.sums_ = sums if self.sums_ is None else self.sums_ + sums


def _state_sums(metric: str, k: int, inv_propensity: Any, inp: ScoreInputs) -> np.ndarray:
    if k > inp.S.shape[1]:
        raise ValueError(f"{metric}_at_{k}: k={k} is larger than the number of labels.")
    return _sums(metric, inp, k, 0.0, inv_propensity)


for _m in ("precision", "recall", "ndcg"):
    for _k in (1, 3, 5, 10):
        register_metric(f"{_m}_at_{_k}", lambda _m=_m, _k=_k: at_k_state(_m, _k), needs="scores")
