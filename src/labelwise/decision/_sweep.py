"""Exact threshold search: sort once, sweep cumulative counts over every distinct cut point.

A threshold ``t`` predicts a label when ``score >= t``. Between two consecutive distinct scores
every threshold gives the same predictions on the tuning data, so the distinct scores are the
only candidates (plus "predict nothing"). Two sweeps live here:

* :func:`per_label_fbeta_cuts` — the best F-beta cut of each label. Only the scores of positive
  examples need to be tried: lowering a cut from a positive's score to a negative's score adds a
  false positive and no true positive, so it can only lower F-beta. Each label's positive and
  negative scores are sorted once; a binary search counts the negatives above each candidate.
* :func:`global_cut` — one cut shared by all labels, for a pooled metric (micro-F-beta, Hamming)
  or for the mean of a per-group metric (macro-F-beta over labels, example-F-beta and subset
  accuracy over rows). The per-group mean is swept exactly by adding, at each step of the
  descending order, the change of the one group whose count moved.

Ties between cuts with equal metric values go to the **lower** threshold (more labels
predicted). The returned threshold is placed halfway between the chosen cut score and the next
lower distinct score, so that on the tuning data ``score >= threshold`` selects exactly the
same entries as the cut itself, while unseen scores falling in the gap are split evenly. When the
cut is the lowest score, the threshold is that score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelwise.metrics._divide import safe_divide

__all__ = ["GLOBAL_METRICS", "Cut", "global_cut", "per_label_fbeta_cuts", "place_threshold"]

GLOBAL_METRICS = ("f1_micro", "f1_macro", "f1_samples", "hamming", "subset_accuracy")
_TIE_TOL = 1e-12


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


def _fbeta(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, beta: float) -> np.ndarray:
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
        f = _fbeta(tp, fp, n_pos - tp, beta)
        k = int(np.argmax(f))  # ascending candidates: the first maximum is the lowest threshold
        lower = -np.inf
        if cand[k] > 0:
            lower = pos[cand[k] - 1]
        if below[k] > 0:
            lower = max(lower, neg[below[k] - 1])
        cut[j], val[j], defined[j] = c[k], f[k], True
        thr[j] = place_threshold(c[k], np.nan if lower == -np.inf else lower)
    return Cut(thr, cut, val, defined)


def _group_values(
    metric: str, tp: np.ndarray, fp: np.ndarray, n_pos: np.ndarray, beta: float
) -> np.ndarray:
    if metric == "subset_accuracy":
        return ((fp == 0) & (tp == n_pos)).astype(np.float64)
    return _fbeta(tp, fp, n_pos - tp, beta)


def global_cut(Y: np.ndarray, S: np.ndarray, metric: str = "f1_micro", beta: float = 1.0) -> Cut:
    """The one cut shared by all labels that maximises ``metric`` on (Y, S), searched exactly.

    Parameters
    ----------
    Y, S : ndarray of shape (n_samples, n_labels)
        0/1 targets and finite scores.
    metric : {"f1_micro", "f1_macro", "f1_samples", "hamming", "subset_accuracy"}
        F-beta variants use ``beta``; per-group F-beta with no positives and no predictions
        counts as 0 (scikit-learn's default ``zero_division``). ``hamming`` minimises the
        Hamming loss; the others are maximised. The reported ``value`` is the metric itself
        (the loss for ``hamming``).
    beta : float, default=1.0

    Returns
    -------
    Cut
        Arrays of length 1. "Predict nothing" is a candidate; its threshold is the next float
        above the largest score.

    Examples
    --------
    >>> Y = np.array([[1, 0], [0, 1], [1, 1]])
    >>> S = np.array([[0.9, 0.2], [0.3, 0.6], [0.7, 0.4]])
    >>> c = global_cut(Y, S, "f1_micro")
    >>> c.cut, c.threshold, c.value.round(3)
    (array([0.4]), array([0.35]), array([1.]))
    """
    Yb = np.asarray(Y, dtype=bool)
    flat = S.ravel()
    order = np.argsort(-flat, kind="stable")
    s = flat[order]
    y = Yb.ravel()[order]
    m = s.size
    ends = np.empty(m, dtype=bool)  # last entry of each run of equal scores
    ends[-1] = True
    np.not_equal(s[1:], s[:-1], out=ends[:-1])
    idx = np.flatnonzero(ends)
    tp = np.cumsum(y)[idx].astype(np.float64)
    fp = (idx + 1 - tp).astype(np.float64)
    P = float(Yb.sum())
    if metric in ("f1_micro", "hamming"):
        if metric == "f1_micro":
            values = _fbeta(tp, fp, P - tp, beta)
            empty = 0.0
        else:
            values = -(fp + P - tp) / max(m, 1)
            empty = -P / max(m, 1)
    else:
        n, L = S.shape
        groups = (np.arange(m) % L if metric == "f1_macro" else np.arange(m) // L)[order]
        n_groups = L if metric == "f1_macro" else n
        g_pos = np.bincount(groups, weights=y, minlength=n_groups)
        by_group = np.argsort(groups, kind="stable")  # grouped, descending score within group
        gy = y[by_group].astype(np.float64)
        gg = groups[by_group]
        starts = np.searchsorted(gg, np.arange(n_groups))
        csum = np.cumsum(gy)
        offset = np.where(starts > 0, csum[starts - 1], 0.0)[gg]
        gtp = csum - offset
        grank = np.arange(m) - starts[gg] + 1
        gfp = grank - gtp
        new = _group_values(metric, gtp, gfp, g_pos[gg], beta)
        prev = np.empty_like(new)
        prev[1:] = new[:-1]
        first = np.r_[True, gg[1:] != gg[:-1]]
        zeros = np.zeros(n_groups)
        base = _group_values(metric, zeros, zeros, g_pos, beta)
        prev[first] = base[gg[first]]
        delta = np.empty(m)
        delta[by_group] = new - prev
        empty = float(base.sum()) / n_groups
        values = (base.sum() + np.cumsum(delta)[idx]) / n_groups
    best = max(float(values.max()), empty)
    hits = np.flatnonzero(values >= best - _TIE_TOL)
    if hits.size == 0:  # predicting nothing is strictly best
        top = float(s[0]) if m else 0.0
        thr = np.nextafter(top, np.inf)
        value = -empty if metric == "hamming" else empty
        return Cut(np.array([thr]), np.array([thr]), np.array([value]), np.array([True]))
    k = hits[-1]  # the lowest threshold among the best
    c = s[idx[k]]
    lower = s[idx[k] + 1] if idx[k] + 1 < m else np.nan
    value = -values[k] if metric == "hamming" else values[k]
    return Cut(place_threshold([c], [lower]), np.array([c]), np.array([value]), np.array([True]))
