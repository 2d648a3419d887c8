"""Shared machinery of the score and ranking metrics: checked inputs and positive-label ranks.

Every ranking metric is a function of where each positive entry falls among its "line" (a label's
column for label-wise metrics, a sample's row for sample-wise metrics). For each positive with score
``v`` in a line of ``n`` entries, ``P`` of them positive, :class:`PositiveRanks` holds

* ``lo``  -- entries in the line with score ``< v``;  ``hi`` -- entries with score ``<= v``;
* ``plo`` -- positives in the line with score ``< v``; ``phi`` -- positives with score ``<= v``.

From these, with scikit-learn's tie conventions (a tie group counts as one threshold):

* precision at the positive's threshold ``(P - plo) / (n - lo)`` -> average precision, LRAP;
* negatives ranked at or above it ``(n - lo) - (P - plo)`` -> label ranking loss;
* negatives below it, ties counted half ``(lo - plo) + ((hi - lo) - (phi - plo)) / 2`` -> ROC AUC.

The counts come from ONE sort per line (``np.sort``, the floor) plus binary searches of the
positives' scores in the sorted line: label-wise one ``np.searchsorted`` per column, sample-wise a
binary search vectorised over all rows at once. Both work in blocks so that the extra memory stays
well below the size of the score matrix.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.data.targets import (
    Targets,
    _check_binary_values,
    as_array,
    check_scores,
    check_targets,
)
from labelwise.errors import ProblemSetupWarning, ShapeError, TargetError
from labelwise.metrics._inputs import check_same_shape, check_sample_weight
from labelwise.metrics._state_registry import MetricState

__all__ = [
    "PositiveRanks",
    "ScoreInputs",
    "binary_curve",
    "check_score_inputs",
    "column_ranks",
    "row_positive_lists",
    "row_ranks",
]

_BLOCK = 1 << 20  # entries per block (8 MB of float64 scores)


@dataclass(frozen=True)
class ScoreInputs:
    """Checked inputs of a score metric.

    Attributes
    ----------
    Y : ndarray of int8 or scipy.sparse.csr_matrix, shape (n_samples, n_labels)
        0/1 targets.
    S : ndarray of float64 (or float32), shape (n_samples, n_labels)
        Finite scores; float32 input stays float32 when the metric only compares scores.
    sample_weight : ndarray of float64 or None
    binary : bool
        Whether the input was a 1-D binary problem (one column).
    """

    Y: Any
    S: np.ndarray
    sample_weight: np.ndarray | None
    binary: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.S.shape


def _binary_column(y: np.ndarray, pos_label: Any, caller: str) -> np.ndarray:
    values = np.unique(y)
    if values.shape[0] > 2:
        raise TargetError(
            f"{caller}: 1-D y_true has {values.shape[0]} classes ({values[:5].tolist()}...); "
            "this metric takes binary 1-D targets or a 2-D (n_samples, n_labels) 0/1 matrix. "
            "For multi-class scores, one-hot encode y_true."
        )
    if pos_label is None:  # scikit-learn's roc_auc_score: the greater class is positive
        if values.shape[0] == 2:
            return (y == values[1]).astype(np.int8).reshape(-1, 1)
        pos_label = 1
    if values.shape[0] == 2 and pos_label not in values.tolist():
        raise TargetError(
            f"{caller}: pos_label={pos_label!r} is not one of the classes in y_true "
            f"{values.tolist()}."
        )
    return (y == pos_label).astype(np.int8).reshape(-1, 1)


def check_score_inputs(
    y_true: Any,
    y_score: Any,
    sample_weight: Any = None,
    *,
    caller: str,
    pos_label: Any = 1,
    allow_binary: bool = True,
    keep_float32: bool = False,
) -> ScoreInputs:
    """Check ``y_true`` against ``y_score`` for a ranking metric.

    Raises clear errors for empty input, shapes that differ (both shapes named), targets other
    than 0/1 and NaN or infinite scores, and warns when the scores hold only 0 and 1: hard
    predictions where scores are needed make every ranking a tie. With ``keep_float32`` float32
    scores stay float32 (for metrics that only compare scores; see ``check_scores``).

    Examples
    --------
    >>> inp = check_score_inputs([[1, 0], [0, 1]], [[0.9, 0.2], [0.3, 0.4]], caller="demo")
    >>> inp.Y.dtype, inp.S.shape, inp.binary
    (dtype('int8'), (2, 2), False)
    >>> check_score_inputs([[1, 0]], [[0.1, 0.2, 0.3]], caller="demo")
    Traceback (most recent call last):
    ...
    labelwise.errors.ShapeError: y_true has shape (1, 2) but y_score has shape (1, 3); ...
    """
    y_true, y_score = as_array(y_true), as_array(y_score)
    if sp.issparse(y_true) and y_true.shape[1] == 1:
        y_true = y_true.toarray()  # one column is one binary problem, dense or sparse
    if y_true is None or y_score is None:
        raise TargetError(f"{caller}: y_true and y_score must both be given.")
    n_true = y_true.shape[0] if hasattr(y_true, "shape") else len(y_true)
    if n_true == 0:
        raise ShapeError(f"{caller}: y_true is empty (0 samples); need at least one sample.")
    binary = False
    if not sp.issparse(y_true) and isinstance(y_true, np.ndarray) and y_true.ndim == 1:
        binary = True
    elif not sp.issparse(y_true) and isinstance(y_true, (list, tuple)):
        arr = np.asarray(y_true, dtype=object) if len(y_true) else None
        binary = arr is not None and arr.ndim == 1 and not isinstance(y_true[0], (list, tuple))
    if binary:
        y = np.asarray(y_true)
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise TargetError(f"{caller}: y_true contains NaN or infinite values.")
        if allow_binary:
            Y = _binary_column(y, pos_label, caller)
        else:  # a sample-wise metric: the vector is the one 0/1 column, as an (n, 1) matrix
            Y = _check_binary_values(y.reshape(-1, 1), "y_true")
    else:
        if pos_label != 1 and pos_label is not None:
            raise TargetError(
                f"{caller}: pos_label is fixed to 1 for multi-label y_true; got {pos_label!r}."
            )
        if (
            isinstance(y_true, np.ndarray)
            and y_true.ndim == 2
            and y_true.dtype in (np.int8, np.uint8, np.bool_)
            and (y_true.size == 0 or int(y_true.view(np.uint8).max()) <= 1)
        ):
            Y = y_true.view(np.int8) if y_true.dtype != np.int8 else y_true
        elif not sp.issparse(y_true) and np.ndim(y_true) == 2 and np.shape(y_true)[1] == 1:
            Y = _check_binary_values(_finite(np.asarray(y_true)), "y_true")  # one label
        else:
            Y = check_targets(y_true, name="y_true").Y
    s = np.asarray(y_score) if not sp.issparse(y_score) else y_score.toarray()
    if s.ndim == 1:
        s = s.reshape(-1, 1)
    check_same_shape(Y.shape, s.shape, pred_name="y_score")
    S = check_scores(s, name="y_score", keep_float32=keep_float32)
    if S.shape[1] == 0:
        raise ShapeError(f"{caller}: y_score has no columns (labels).")
    w = check_sample_weight(sample_weight, S.shape[0])
    if w is not None and np.any(w < 0):
        raise TargetError(
            f"{caller}: sample_weight must be non-negative; found {w.min():g} at row "
            f"{int(np.argmin(w))}."
        )
    hard = _warn_if_hard(S, caller)
    if not binary and not hard and S.shape[1] > 1:
        from labelwise.problem import warn_if_softmax_scores  # problem imports metrics

        targets = Targets(Y, "multilabel", "indicator", tuple(range(S.shape[1])))
        warn_if_softmax_scores(targets, S, where=caller)
    # one column is a binary problem, as scikit-learn's type_of_target says: average is ignored
    return ScoreInputs(Y, S, w, binary or S.shape[1] == 1)


def _finite(y: np.ndarray) -> np.ndarray:
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise TargetError("y_true contains NaN or infinite values.")
    return y


def _warn_if_hard(S: np.ndarray, caller: str) -> bool:
    head = S[: max(1, 4096 // max(1, S.shape[1]))]  # real scores fail this test at once
    if S.size < 2 or not np.all((head == 0) | (head == 1)):
        return False
    if np.all((S == 0) | (S == 1)):
        warnings.warn(
            f"{caller}: y_score holds only 0 and 1, i.e. hard predictions. Ranking metrics need "
            "real-valued scores (predict_proba or decision_function); with 0/1 values almost "
            "every pair of labels is tied and the result says little.",
            ProblemSetupWarning,
            stacklevel=3,
        )
        return True
    return False


@dataclass(frozen=True)
class PositiveRanks:
    """Where each positive falls in its line (see the module docstring).

    Attributes
    ----------
    line : ndarray of int64
        The line (column or row) of each positive.
    lo, hi, plo, phi : ndarray of int64
        Entries below / at-or-below, and positives below / at-or-below, each positive's score.
        ``hi`` and ``phi`` are None when not requested.
    n : int
        Entries per line.
    n_pos : ndarray of int64 of shape (n_lines,)
        Positives per line.
    """

    line: np.ndarray
    lo: np.ndarray
    hi: np.ndarray | None
    plo: np.ndarray
    phi: np.ndarray | None
    n: int
    n_pos: np.ndarray

    @property
    def n_lines(self) -> int:
        return int(self.n_pos.shape[0])

    def _sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.line, weights=values, minlength=self.n_lines)

    def precision_sums(self) -> np.ndarray:
        """Per line: sum over positives of the precision at their threshold."""
        return self._sum((self.n_pos[self.line] - self.plo) / (self.n - self.lo))

    def wrong_pairs(self) -> np.ndarray:
        """Per line: (positive, negative) pairs with the negative scored at or above."""
        return self._sum(((self.n - self.lo) - (self.n_pos[self.line] - self.plo)).astype(float))

    def right_pairs(self) -> np.ndarray:
        """Per line: (positive, negative) pairs with the negative below; ties count half."""
        below = self.lo - self.plo
        tied = (self.hi - self.lo) - (self.phi - self.plo)
        return self._sum(below + 0.5 * tied)

    def coverage(self) -> np.ndarray:
        """Per line: entries scored at or above the lowest-scored positive (0 without one)."""
        lowest = np.full(self.n_lines, self.n, dtype=np.int64)
        np.minimum.at(lowest, self.line, self.lo)
        return (self.n - lowest).astype(float)


def _group_bounds(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted ``keys``: index of the first and one past the last element equal to each."""
    m = keys.shape[0]
    idx = np.arange(m, dtype=np.int64)
    new = np.empty(m, dtype=bool)
    new[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    first = np.maximum.accumulate(np.where(new, idx, 0))
    end = np.empty(m, dtype=bool)
    end[-1:] = True
    end[:-1] = new[1:]
    last = np.minimum.accumulate(np.where(end, idx, m)[::-1])[::-1] + 1
    return first, last


def _search_rows(B: np.ndarray, r: np.ndarray, v: np.ndarray, right: bool) -> np.ndarray:
    """Vectorised ``np.searchsorted(B[r[i]], v[i])`` over rows of the row-sorted block ``B``.

    Branch-free binary search with power-of-two steps: ``count`` is the number of row entries
    known to be below ``v``; each step tries to extend it by ``step``.
    """
    L = B.shape[1]
    flat = B.reshape(-1)
    it = np.int32 if B.size < 2**31 - 1 else np.int64
    base = r.astype(it) * it(L) - 1
    count = np.zeros(v.shape[0], dtype=it)
    below = np.less_equal if right else np.less
    step = 1 << (int(L).bit_length() - 1)
    while step:
        cand = count + it(step)
        go = below(flat.take(base + cand, mode="clip"), v)  # clip: out-of-row is masked next
        go &= cand <= L
        count += go.astype(it) * it(step)
        step >>= 1
    return count.astype(np.int64)


def row_positive_lists(Y: Any, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
    """Row (relative to ``r0``) and column of each positive in rows ``r0:r1``, row-major."""
    if sp.issparse(Y):
        block = Y[r0:r1]
        counts = np.diff(block.indptr)
        rows = np.repeat(np.arange(r1 - r0, dtype=np.int64), counts)
        return rows, block.indices.astype(np.int64)
    block = Y[r0:r1]
    L = block.shape[1]
    mask = block.view(bool) if block.dtype.itemsize == 1 else block != 0  # 0/1 int8 is bool
    flat = np.flatnonzero(mask)  # much faster than a 2-D np.nonzero
    rows = flat // L
    return rows, flat - rows * L


def row_ranks(Y: Any, S: np.ndarray, *, need_hi: bool = False) -> PositiveRanks:
    """:class:`PositiveRanks` of every positive within its row (sample-wise metrics).

    One ``np.sort`` per block of rows plus a binary search vectorised over all positives.

    Examples
    --------
    >>> pr = row_ranks(np.array([[1, 0, 1]]), np.array([[0.2, 0.5, 0.9]]))
    >>> pr.lo.tolist(), pr.plo.tolist(), pr.n_pos.tolist()
    ([0, 2], [0, 1], [2])
    """
    n, L = S.shape
    step = max(1, _BLOCK // max(L, 1))
    parts: list[tuple[np.ndarray, ...]] = []
    n_pos = np.zeros(n, dtype=np.int64)
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        rows, cols = row_positive_lists(Y, r0, r1)
        if rows.shape[0] == 0:
            continue
        v = S[r0:r1].reshape(-1)[rows * L + cols]
        B = np.sort(S[r0:r1], axis=1)
        lo = _search_rows(B, rows, v, right=False)
        hi = _search_rows(B, rows, v, right=True) if need_hi else None
        keys = rows * L + lo  # orders positives by (row, score): lo grows strictly with score
        if need_hi:
            order = np.argsort(keys, kind="stable")
            keys, hi = keys[order], hi[order]
        else:
            keys = np.sort(keys)
        rows = keys // L
        lo = keys - rows * L
        cnt = np.bincount(rows, minlength=r1 - r0)
        start = np.repeat(np.cumsum(cnt) - cnt, cnt)
        first, last = _group_bounds(keys)
        plo, phi = first - start, (last - start if need_hi else None)
        n_pos[r0:r1] = cnt
        parts.append((rows + r0, lo, hi, plo, phi))
    return _assemble(parts, L, n_pos, need_hi)


def _assemble(parts: list, n: int, n_pos: np.ndarray, need_hi: bool) -> PositiveRanks:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return PositiveRanks(
            empty, empty, empty if need_hi else None, empty, empty if need_hi else None, n, n_pos
        )
    cat = [
        np.concatenate([p[i] for p in parts]) if parts[0][i] is not None else None for i in range(5)
    ]
    return PositiveRanks(cat[0], cat[1], cat[2], cat[3], cat[4], n, n_pos)


def column_ranks(Y: Any, S: np.ndarray) -> PositiveRanks:
    """:class:`PositiveRanks` of every positive within its column (label-wise metrics).

    One ``np.sort`` per column (in blocks of columns) and ``np.searchsorted`` of the column's
    sorted positive scores into it.

    Examples
    --------
    >>> pr = column_ranks(np.array([[1], [0], [1]]), np.array([[0.2], [0.5], [0.5]]))
    >>> pr.lo.tolist(), pr.hi.tolist(), pr.plo.tolist(), pr.phi.tolist()
    ([0, 1], [1, 3], [0, 1], [1, 2])
    """
    n, L = S.shape
    Yc = sp.csc_matrix(Y) if sp.issparse(Y) else None
    step = max(1, _BLOCK // max(n, 1))
    parts: list[tuple[np.ndarray, ...]] = []
    n_pos = np.zeros(L, dtype=np.int64)
    for j0 in range(0, L, step):
        j1 = min(L, j0 + step)
        block = np.array(S[:, j0:j1].T, order="C")  # a copy: sorted in place below
        if Yc is None:
            masks = np.ascontiguousarray(Y[:, j0:j1].T) != 0
        for j in range(j0, j1):
            col = block[j - j0]
            if Yc is None:
                pv = col[masks[j - j0]]
            else:
                pv = col[Yc.indices[Yc.indptr[j] : Yc.indptr[j + 1]]]
            n_pos[j] = pv.shape[0]
            if pv.shape[0] == 0:
                col.sort()
                continue
            pv.sort()
            col.sort()
            parts.append(
                (
                    np.full(pv.shape[0], j, dtype=np.int64),
                    np.searchsorted(col, pv, "left"),
                    np.searchsorted(col, pv, "right"),
                    np.searchsorted(pv, pv, "left"),
                    np.searchsorted(pv, pv, "right"),
                )
            )
    return _assemble(parts, n, n_pos, True)


def flat_ranks(Y: Any, S: np.ndarray) -> PositiveRanks:
    """:class:`PositiveRanks` of the whole matrix as one line (micro averaging)."""
    col = S.reshape(-1) if S.flags.c_contiguous else S.ravel()
    if sp.issparse(Y):
        Yr = sp.csr_matrix(Y)
        rows = np.repeat(np.arange(Yr.shape[0]), np.diff(Yr.indptr))
        pv = S[rows, Yr.indices]
    else:
        pv = S[np.asarray(Y) != 0]
    srt = np.sort(col)
    pv = np.sort(pv)
    k = pv.shape[0]
    return PositiveRanks(
        np.zeros(k, dtype=np.int64),
        np.searchsorted(srt, pv, "left"),
        np.searchsorted(srt, pv, "right"),
        np.searchsorted(pv, pv, "left"),
        np.searchsorted(pv, pv, "right"),
        col.shape[0],
        np.array([k], dtype=np.int64),
    )


def binary_curve(
    y: np.ndarray, s: np.ndarray, w: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted false/true positive counts at each distinct threshold, highest score first.

    Parameters
    ----------
    y : ndarray of shape (n,)
        0/1 truth.
    s : ndarray of shape (n,)
        Scores.
    w : ndarray of shape (n,), optional
        Sample weights; entries of weight 0 are dropped, as scikit-learn does.

    Returns
    -------
    fps, tps, thresholds : ndarray
        ``tps[i]`` is the weight of positives scored ``>= thresholds[i]``.

    Examples
    --------
    >>> fps, tps, thr = binary_curve(np.array([1, 0, 1]), np.array([0.9, 0.5, 0.5]))
    >>> fps.tolist(), tps.tolist(), thr.tolist()
    ([0.0, 1.0], [1.0, 2.0], [0.9, 0.5])
    """
    if w is not None:
        keep = w != 0
        y, s, w = y[keep], s[keep], w[keep]
    order = np.argsort(-s, kind="stable")
    s = s[order]
    yw = y[order].astype(np.float64)
    ww = np.ones_like(yw) if w is None else w[order]
    if w is not None:
        yw = yw * ww
    ends = np.flatnonzero(np.diff(s)) if s.shape[0] else np.zeros(0, dtype=np.int64)
    ends = np.r_[ends, s.shape[0] - 1] if s.shape[0] else ends
    tps = np.cumsum(yw)[ends]
    fps = np.cumsum(ww)[ends] - tps
    return fps, tps, s[ends]


def average_scores(
    scores: np.ndarray, average: str | None, weights: np.ndarray | None
) -> float | np.ndarray:
    """Average per-line scores as scikit-learn's ``_average_binary_score`` does.

    ``weights`` (label supports for ``"weighted"``, sample weights for ``"samples"``) of 0 force
    their scores to 0 first, so a 0-weighted NaN does not poison the average; ``"weighted"`` with
    no support at all is 0.

    Examples
    --------
    >>> average_scores(np.array([0.5, np.nan]), "weighted", np.array([2.0, 0.0]))
    0.5
    """
    if average is None:
        return scores
    if weights is None:
        return float(np.mean(scores))
    if average == "weighted" and np.isclose(weights.sum(), 0.0):
        return 0.0
    scores = np.where(weights == 0, 0.0, scores)
    return float(np.average(scores, weights=weights))


def label_support(Y: Any, w: np.ndarray | None) -> np.ndarray:
    """Weighted number of positives per label."""
    if w is None:
        return np.asarray(Y.sum(axis=0), dtype=np.float64).ravel()
    Ys = Y if sp.issparse(Y) else sp.csr_matrix(Y)  # avoids a float copy of a dense Y
    return np.asarray(Ys.T @ w, dtype=np.float64).ravel()


def column(Y: Any, j: int) -> np.ndarray:
    """Column ``j`` of a dense or sparse 0/1 matrix as a dense int8 vector."""
    if sp.issparse(Y):
        return np.asarray(Y[:, [j]].toarray()).ravel().astype(np.int8)
    return np.asarray(Y[:, j], dtype=np.int8)


def warn_undefined(message: str) -> None:
    from sklearn.exceptions import UndefinedMetricWarning

    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)


def name_labels(idx: np.ndarray, limit: int = 5) -> str:
    """``"labels 0, 3, 7 (and 2 more)"`` for messages."""
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    more = f" (and {idx.shape[0] - limit} more)" if idx.shape[0] > limit else ""
    return f"label{'s' if idx.shape[0] > 1 else ''} {shown}{more}"


def mean_of_sums(sums: np.ndarray) -> float:
    """``sums[0] / sums[1]``: a weighted mean from its two sums."""
    if sums[1] == 0:
        raise ValueError("the sample weights sum to zero; the weighted mean is undefined.")
    return float(sums[0] / sums[1])


class SumState(MetricState):
    """Streaming state of a metric that is a function of additive per-batch sums.

    ``batch_sums(inputs)`` maps checked :class:`ScoreInputs` to a vector of sums (e.g. the
    weighted sum of per-row values and the sum of weights); ``finish(sums)`` gives the value. The
    one-shot function is ``finish(batch_sums(inputs))``, so both paths agree by construction.
    Both callables must be module-level functions or ``functools.partial`` of them, so that a
    state pickles and can be merged across processes and machines.
    """

    def __init__(self, batch_sums: Any, finish: Any, caller: str) -> None:
        self.batch_sums = batch_sums
        self.finish = finish
        self.caller = caller
        self.sums_: np.ndarray | None = None

    def update(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> None:
        inp = check_score_inputs(y_true, y_score, sample_weight, caller=self.caller)
        sums = np.asarray(self.batch_sums(inp), dtype=np.float64)
        self.sums_ = sums if self.sums_ is None else self.sums_ + sums

    def merge(self, other: SumState) -> SumState:
        if other.sums_ is not None:
            self.sums_ = other.sums_.copy() if self.sums_ is None else self.sums_ + other.sums_
        return self

    def compute(self) -> Any:
        if self.sums_ is None:
            raise ValueError(f"{self.caller}: no batch seen yet; call update() first.")
        return self.finish(self.sums_)
