"""Exact per-label threshold search: sort once, sweep counts over every distinct cut point.

A threshold ``t`` predicts a label when ``score >= t``. Between two consecutive distinct scores
every threshold gives the same predictions on the tuning data, so the distinct scores are the
only candidates (plus "predict nothing").

* :func:`per_label_fbeta_cuts` — the best F-beta cut of each label. Only the scores of positive
  examples need to be tried: lowering a cut from a positive's score to a negative's score adds a
  false positive and no true positive, so it can only lower F-beta. Each label's positive and
  negative scores are sorted once; a binary search counts the negatives above each candidate.
* :func:`labelwise.decision._global_sweep.global_cut` — one cut shared by all labels.

Ties between cuts with equal metric values go to the **lower** threshold (more labels
predicted). The returned threshold is placed halfway between the chosen cut score and the next
lower distinct score, so that on the tuning data ``score >= threshold`` selects exactly the
same entries as the cut itself, while unseen scores falling in the gap are split evenly. When the
cut is the lowest score, the threshold is that score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelwise._math import safe_divide

__all__ = ["Cut", "fbeta_from_counts", "per_label_fbeta_cuts", "place_threshold"]


def place_threshold(cut: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Halfway between each cut score and the next lower distinct score (NaN: no lower score).

    The result is strictly above ``lower`` and at most ``cut``, so ``score >= result`` selects the
    same scores as ``score >= cut``.

    Examples
    --------
    >>> place_threshold(np.array([0.6, 0.3]), np.array([0.4, np.nan]))
    array([0.5, 0.3])
    """
    cut = np.asarray(cut, dtype=np.float64)
    lower = np.asarray(lower, dtype=np.float64)
    has_lower = ~np.isnan(lower)
    safe_lower = np.where(has_lower, lower, cut)
    mid = safe_lower + (cut - safe_lower) / 2.0
    # adjacent floats: the midpoint rounds onto ``lower``; fall back to the cut score itself
    mid = np.where(mid > safe_lower, mid, cut)
    return np.where(has_lower, mid, cut)


def fbeta_from_counts(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, beta: float) -> np.ndarray:
    """F-beta from true positive, false positive and false negative counts (0 where undefined).

    Examples
    --------
    >>> fbeta_from_counts(np.array([2.0, 0.0]), np.array([1.0, 0.0]), np.array([1.0, 0.0]), 1.0)
    array([0.66666667, 0.        ])
    """
    b2 = beta * beta
    return safe_divide((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp, zero_division=0.0, warn=False)


def _transpose(A: np.ndarray, block_bytes: int = 1 << 19) -> np.ndarray:
    """``A.T`` as a C-contiguous array, copied in row blocks that stay in cache (several times
    faster than one strided copy for tall matrices)."""
    n, L = A.shape
    if A.flags.f_contiguous:
        return A.T
    out = np.empty((L, n), dtype=A.dtype)
    step = max(1, block_bytes // max(1, L * A.dtype.itemsize))
    for start in range(0, n, step):
        out[:, start : start + step] = A[start : start + step].T
    return out


@dataclass(frozen=True)
class Cut:
    """Result of a sweep.

    Attributes
    ----------
    threshold : ndarray
        Placed thresholds (see :func:`place_threshold`); ``inf``-free. For "predict nothing" it is
        the next float above the largest score.
    cut : ndarray
        The chosen cut scores (lowest score still predicted positive).
    value : ndarray
        Metric value reached on the tuning data.
    defined : ndarray of bool
        False where a label had no positive example (no cut to learn).
    """

    threshold: np.ndarray
    cut: np.ndarray
    value: np.ndarray
    defined: np.ndarray


def per_label_fbeta_cuts(Y: np.ndarray, S: np.ndarray, beta: float = 1.0) -> Cut:
    """The F-beta-maximising cut of every label, searched exactly over all distinct scores.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels)
        0/1 targets.
    S : ndarray of shape (n_samples, n_labels)
        Finite scores.
    beta : float, default=1.0

    Returns
    -------
    Cut
        ``defined`` is False (and ``threshold``/``cut`` NaN, ``value`` 0) for labels without
        positives; callers choose the fallback.

    Examples
    --------
    >>> Y = np.array([[1], [0], [1], [0]])
    >>> S = np.array([[0.9], [0.8], [0.4], [0.1]])
    >>> c = per_label_fbeta_cuts(Y, S)
    >>> c.cut, c.threshold, c.value.round(3)
    (array([0.4]), array([0.25]), array([0.8]))
    """
    L = S.shape[1]
    thr = np.full(L, np.nan)
    cut = np.full(L, np.nan)
    val = np.zeros(L)
    defined = np.zeros(L, dtype=bool)
    ST = _transpose(S)  # one contiguous row per label
    Yb = Y.view(bool) if Y.dtype.itemsize == 1 and Y.dtype != bool else Y  # 0/1 bytes
    YT = _transpose(Yb if Yb.dtype == bool else Yb != 0)
    for j in range(L):
        s, y = ST[j], YT[j]
        pos = s[y]
        if pos.size == 0:
            continue
        neg = s[~y]
        pos.sort()
        neg.sort()
        n_pos = pos.size
        first = np.empty(n_pos, dtype=bool)  # first occurrence of each distinct positive score
        first[0] = True
        np.not_equal(pos[1:], pos[:-1], out=first[1:])
        cand = np.flatnonzero(first)
        c = pos[cand]
        tp = (n_pos - cand).astype(np.float64)
        below = np.searchsorted(neg, c, side="left")
        fp = (neg.size - below).astype(np.float64)
        f = fbeta_from_counts(tp, fp, n_pos - tp, beta)
        k = int(np.argmax(f))  # ascending candidates: the first maximum is the lowest threshold
        lower = -np.inf
        if cand[k] > 0:
            lower = pos[cand[k] - 1]
        if below[k] > 0:
            lower = max(lower, neg[below[k] - 1])
        cut[j], val[j], defined[j] = c[k], f[k], True
        thr[j] = place_threshold(c[k], np.nan if lower == -np.inf else lower)
    return Cut(thr, cut, val, defined)
