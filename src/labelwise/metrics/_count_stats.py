"""The one sufficient statistic of every count metric, computed in one pass over the inputs.

For 0/1 matrices ``Y_true`` and ``Y_pred`` of shape (n, L) the statistic is

* per label ``j``: ``tp_j = sum_i w_i t_ij p_ij``, ``pred_j = sum_i w_i p_ij``,
  ``true_j = sum_i w_i t_ij`` and the total weight ``sum_i w_i`` (so ``fp = pred - tp``,
  ``fn = true - tp`` and ``tn = total - tp - fp - fn``);
* per sample, when sample-averaged metrics need it, the histogram of the triples
  ``(tp_i, pred_i, true_i)`` of integer counts: how many samples (and how much weight) have each
  triple. Every sample-wise metric is a function of the triple, so the histogram determines the
  sample average; and histograms add, so states from split batches merge exactly.

Dense inputs are read in row chunks; 0/1 bytes are summed in ``uint8`` over blocks of 255 rows
(which cannot overflow) and only the block sums are widened, which is several times faster than a
plain ``sum(axis=0)``. Sparse (CSR) inputs use the positions of their non-zeros.

Weighted sums add the weights in row order, one after the other (as scikit-learn's ``bincount``
does), so that weighted counts, and every value derived from them, equal scikit-learn's to the
last bit. The one-shot functions also keep the per-sample counts (``rows``), so that sample
averages sum per-sample values in sample order, as scikit-learn does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["CountStats", "count_stats", "per_sample_counts"]

_BLOCK = 255  # rows per uint8 block sum: 255 ones cannot overflow a uint8


def _chunk_rows(n_labels: int) -> int:
    """Rows per chunk: about 1 MB of each input (cache-resident), a multiple of 255."""
    return max(_BLOCK, ((1 << 20) // max(n_labels, 1)) // _BLOCK * _BLOCK)


@dataclass
class CountStats:
    """Per-label confusion counts and the per-sample triple histogram.

    Attributes
    ----------
    tp, pred, true : ndarray of shape (n_labels,)
        Weighted (float64) or unweighted (int64) per-label sums.
    total : float or int
        Sum of the sample weights (the number of samples when unweighted).
    n_samples : int
    triples : ndarray of int64 of shape (k, 3) or None
        Distinct ``(tp_i, pred_i, true_i)`` per-sample counts, when computed.
    triple_count : ndarray of int64 of shape (k,) or None
        Number of samples with each triple.
    triple_weight : ndarray of float64 of shape (k,) or None
        Sum of the sample weights of the samples with each triple (None when unweighted).
    rows : tuple of three ndarrays of int64 of shape (n,), or None
        Per-sample ``(tp_i, pred_i, true_i)`` in sample order, when kept (one-shot functions).
    sample_weight : ndarray of float64 of shape (n,) or None
        The weights the sums were computed with, kept with ``rows``.
    sample_triple : ndarray of intp of shape (n,) or None
        Each sample's row in ``triples``, kept with ``rows``.
    """

    tp: np.ndarray
    pred: np.ndarray
    true: np.ndarray
    total: Any
    n_samples: int
    triples: np.ndarray | None = None
    triple_count: np.ndarray | None = None
    triple_weight: np.ndarray | None = field(default=None)
    rows: tuple | None = field(default=None, repr=False)
    sample_weight: np.ndarray | None = field(default=None, repr=False)
    sample_triple: np.ndarray | None = field(default=None, repr=False)

    @property
    def weighted(self) -> bool:
        return self.tp.dtype.kind == "f"

    def merge(self, other: CountStats) -> CountStats:
        """Add ``other``'s statistics to these, in place; return self."""
        if self.tp.shape != other.tp.shape:
            raise ValueError(
                f"cannot merge statistics over {self.tp.shape[0]} labels with statistics over "
                f"{other.tp.shape[0]} labels."
            )
        self.tp = self.tp + other.tp
        self.pred = self.pred + other.pred
        self.true = self.true + other.true
        self.total = self.total + other.total
        # merged statistics keep only the histogram
        self.rows = self.sample_weight = self.sample_triple = None
        self.n_samples += other.n_samples
        if self.triples is not None and other.triples is not None:
            self.triples, self.triple_count, self.triple_weight = _merge_histograms(
                (self.triples, self.triple_count, self.triple_weight),
                (other.triples, other.triple_count, other.triple_weight),
            )
        return self


def _merge_histograms(a: tuple, b: tuple) -> tuple:
    triples = np.concatenate([a[0], b[0]])
    counts = np.concatenate([a[1], b[1]])
    uniq, inverse = np.unique(triples, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    count = np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)
    weight = None
    if a[2] is not None or b[2] is not None:
        wa = a[2] if a[2] is not None else a[1].astype(np.float64)
        wb = b[2] if b[2] is not None else b[1].astype(np.float64)
        weight = np.bincount(inverse, weights=np.concatenate([wa, wb]), minlength=len(uniq))
    return uniq.astype(np.int64), count, weight


def _histogram(
    tp_i: np.ndarray,
    pred_i: np.ndarray,
    true_i: np.ndarray,
    w: np.ndarray | None,
    want_index: bool = False,
) -> tuple:
    """Histogram of per-sample triples; samples of zero weight count as (0, 0, 0), as their
    weighted counts are all zero (scikit-learn scales per-sample counts by the weight).
    With ``want_index`` also each sample's row in ``triples`` (else None)."""
    if w is not None:
        zero = w == 0
        if zero.any():
            tp_i, pred_i, true_i = (np.where(zero, 0, x) for x in (tp_i, pred_i, true_i))
    base = int(max(pred_i.max(initial=0), true_i.max(initial=0))) + 1
    code = (tp_i.astype(np.int64) * base + pred_i) * base + true_i
    if base**3 <= max(4 * code.shape[0], 1 << 16):
        count = np.bincount(code, minlength=base**3)
        codes = np.flatnonzero(count)
        count = count[codes]
        weight = None if w is None else np.bincount(code, weights=w, minlength=base**3)[codes]
        index = None
        if want_index:
            lookup = np.empty(base**3, dtype=np.intp)
            lookup[codes] = np.arange(codes.shape[0])
            index = lookup[code]
    else:
        codes, index, count = np.unique(code, return_inverse=True, return_counts=True)
        index = index.ravel()
        weight = None if w is None else np.bincount(index, weights=w, minlength=len(codes))
    triples = np.stack([codes // (base * base), (codes // base) % base, codes % base], axis=1)
    return triples.astype(np.int64), count.astype(np.int64), weight, index


def _row_sums(x: np.ndarray) -> np.ndarray:
    """Row sums of a 0/1 uint8 chunk."""
    L = x.shape[1]
    if L <= 255:
        return np.einsum("ij->i", x)  # uint8 accumulator cannot overflow; fastest here
    return x.sum(axis=1, dtype=np.int16 if L <= 32767 else np.int32)


def _col_sums_u8(x: np.ndarray) -> np.ndarray:
    """Column sums of a C-contiguous 0/1 uint8 chunk, as int64."""
    m, L = x.shape
    full = (m // _BLOCK) * _BLOCK
    out = np.zeros(L, dtype=np.int64)
    if full:
        # einsum keeps the uint8 accumulator (no overflow within 255 rows) and is ~2x faster
        # than sum(axis=1, dtype=np.uint8) here
        blocks = np.einsum("bij->bj", x[:full].reshape(-1, _BLOCK, L))
        out += blocks.sum(axis=0, dtype=np.int64)
    if full < m:
        out += x[full:].sum(axis=0, dtype=np.int64)
    return out


def _add_weighted_col_sums(acc: np.ndarray, x: np.ndarray, w: np.ndarray) -> None:
    """``acc += w @ x`` for a 0/1 chunk, adding each weight in row order after ``acc``.

    A matrix product sums in blocks (BLAS), which differs from scikit-learn's row-order
    ``bincount`` in the last bits; this adds one weight at a time, in order, so it does not.
    """
    L = x.shape[1]
    rows, cols = np.nonzero(x)
    acc[:] = np.bincount(
        np.concatenate([np.arange(L), cols]),
        weights=np.concatenate([acc, w[rows]]),
        minlength=L,
    )


def _as_u8(Y: np.ndarray) -> np.ndarray:
    if Y.dtype in (np.bool_, np.int8, np.uint8):
        return np.ascontiguousarray(Y).view(np.uint8)
    return np.ascontiguousarray(Y, dtype=np.uint8)


def _dense_stats(
    Yt: np.ndarray, Yp: np.ndarray, w: np.ndarray | None, per_label: bool, per_sample: bool
) -> tuple:
    n, L = Yt.shape
    acc = np.zeros((3, L), dtype=np.float64 if w is not None else np.int64)
    rows = [np.empty(n, dtype=np.int64) for _ in range(3)] if per_sample else None
    step = _chunk_rows(L)
    buf = np.empty((min(step, n), L), dtype=np.uint8)
    for start in range(0, n, step):
        a = _as_u8(Yt[start : start + step])
        b = _as_u8(Yp[start : start + step])
        m = a.shape[0]
        both = np.bitwise_and(a, b, out=buf[:m])
        if per_label:
            if w is None:
                acc[0] += _col_sums_u8(both)
                acc[1] += _col_sums_u8(b)
                acc[2] += _col_sums_u8(a)
            else:
                wc = w[start : start + m]
                for k, x in enumerate((both, b, a)):
                    _add_weighted_col_sums(acc[k], x, wc)
        if per_sample:
            for r, x in zip(rows, (both, b, a), strict=True):
                r[start : start + m] = _row_sums(x)
    return acc, rows


def _dense_sums(Y: np.ndarray, w: np.ndarray | None, per_label: bool, per_sample: bool) -> tuple:
    """(Weighted) column sums and row sums of one dense 0/1 matrix, in row chunks."""
    n, L = Y.shape
    col = np.zeros(L, dtype=np.float64 if w is not None else np.int64)
    row = np.empty(n, dtype=np.int64) if per_sample else None
    step = _chunk_rows(L)
    for start in range(0, n, step):
        x = _as_u8(Y[start : start + step])
        m = x.shape[0]
        if per_label:
            if w is None:
                col += _col_sums_u8(x)
            else:
                _add_weighted_col_sums(col, x, w[start : start + m])
        if per_sample:
            row[start : start + m] = _row_sums(x)
    return col, row


def _sparse_stats(
    Yt: Any, Yp: Any, w: np.ndarray | None, per_label: bool, per_sample: bool
) -> tuple:
    n, L = Yt.shape
    acc = np.zeros((3, L), dtype=np.float64 if w is not None else np.int64)

    def sums(Y: Any) -> tuple:
        if not sp.issparse(Y):
            return _dense_sums(Y, w, per_label, per_sample)
        counts = np.diff(Y.indptr)
        col = None
        if per_label:
            weights = None if w is None else np.repeat(w, counts)
            col = np.bincount(Y.indices, weights=weights, minlength=L)
        return col, counts.astype(np.int64)

    # true positives: the non-zeros present in both (canonical 0/1 inputs: no explicit zeros)
    if sp.issparse(Yt) and sp.issparse(Yp):
        M = Yt.multiply(Yp).tocsr()
        tp_cols, tp_per_row = M.indices, np.diff(M.indptr)
        tp_weights = None if w is None else np.repeat(w, tp_per_row)
    else:
        S, D = (Yt, Yp) if sp.issparse(Yt) else (Yp, Yt)
        per_row = np.diff(S.indptr)
        # look the sparse one's non-zeros up in the flat dense one (faster than 2-D indexing)
        flat_pos = np.repeat(np.arange(0, n * L, L, dtype=np.int64), per_row)
        flat_pos += S.indices
        hit = _as_u8(D).reshape(-1)[flat_pos].view(bool)
        tp_cols = S.indices[hit]
        tp_rows = np.repeat(np.arange(n), per_row)[hit] if per_sample or w is not None else None
        tp_per_row = np.bincount(tp_rows, minlength=n) if per_sample else None
        tp_weights = None if w is None else w[tp_rows]
    pred_col, pred_row = sums(Yp)
    true_col, true_row = sums(Yt)
    if per_label:
        acc[0] += np.bincount(tp_cols, weights=tp_weights, minlength=L)
        acc[1] += pred_col
        acc[2] += true_col
    rows = [tp_per_row.astype(np.int64), pred_row, true_row] if per_sample else None
    return acc, rows


def count_stats(
    y_true: Any,
    y_pred: Any,
    sample_weight: np.ndarray | None = None,
    *,
    per_label: bool = True,
    per_sample: bool = False,
    keep_rows: bool = False,
) -> CountStats:
    """Compute the confusion statistic of two 0/1 matrices in one pass.

    Parameters
    ----------
    y_true, y_pred : ndarray (bool, int8, uint8) or scipy.sparse.csr_matrix, shape (n, L)
        Canonical 0/1 matrices, as returned by ``format_label_inputs``.
    sample_weight : ndarray of float64 of shape (n,), optional
    per_label : bool, default=True
        Compute per-label sums (for micro/macro/weighted averages and Hamming loss).
    per_sample : bool, default=False
        Compute the per-sample triple histogram (for sample averages and subset accuracy).
    keep_rows : bool, default=False
        With ``per_sample``: also keep the per-sample counts in sample order (``rows``), so that
        sample averages can be summed in scikit-learn's order.

    Returns
    -------
    CountStats

    Examples
    --------
    >>> yt = np.array([[1, 0, 1], [0, 1, 1]], dtype=np.int8)
    >>> yp = np.array([[1, 1, 0], [0, 1, 1]], dtype=np.int8)
    >>> s = count_stats(yt, yp, per_sample=True)
    >>> s.tp, s.pred, s.true
    (array([1, 1, 1]), array([1, 2, 1]), array([1, 1, 2]))
    >>> s.triples, s.triple_count
    (array([[1, 2, 2],
           [2, 2, 2]]), array([1, 1]))
    """
    n = y_true.shape[0]
    w = sample_weight
    if sp.issparse(y_true) or sp.issparse(y_pred):
        acc, rows = _sparse_stats(y_true, y_pred, w, per_label, per_sample)
    else:
        acc, rows = _dense_stats(y_true, y_pred, w, per_label, per_sample)
    total = float(w.sum()) if w is not None else n
    stats = CountStats(acc[0], acc[1], acc[2], total, n)
    if per_sample:
        hist = _histogram(*rows, w, want_index=keep_rows)
        stats.triples, stats.triple_count, stats.triple_weight = hist[:3]
        if keep_rows:
            stats.rows, stats.sample_weight, stats.sample_triple = tuple(rows), w, hist[3]
    return stats


def per_sample_counts(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample ``(tp_i, pred_i, true_i)`` counts as three int64 arrays of shape (n,).

    Examples
    --------
    >>> per_sample_counts(np.array([[1, 1]], dtype=np.int8), np.array([[0, 1]], dtype=np.int8))
    (array([1]), array([1]), array([2]))
    """
    if sp.issparse(y_true) or sp.issparse(y_pred):
        rows = _sparse_stats(y_true, y_pred, None, False, True)[1]
    else:
        rows = _dense_stats(y_true, y_pred, None, False, True)[1]
    return rows[0], rows[1], rows[2]
