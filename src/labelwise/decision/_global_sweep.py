"""Exact search of one threshold shared by all labels, without sorting every score.

A cut ``c`` predicts every entry with ``score >= c``. Every distinct score is a candidate, plus
"predict nothing"; ties between equal metric values (within ``1e-12``) go to the **lowest** cut,
and the threshold is placed as in :func:`labelwise.decision._per_label_sweep.place_threshold`.
The metric at a cut is a function of counts per group: one group for the pooled metrics
(micro-F-beta, Hamming loss), one per label (macro-F-beta), one per row (example-based F-beta,
subset accuracy). Sorting all pooled scores together with their groups is about 30 times slower
than a plain sort at 1e8 scores, so the search works on bins instead:

1. **Bin.** The leading bits of each score's order-preserving 32-bit pattern split the scores
   into value ranges (bins) with one shift, no sort. From counts per bin (per group) the metric
   is known exactly at each bin's lowest score, and bounded above for every cut inside a bin:
   F-beta rises with true positives and falls with false positives, so a cut inside a bin can
   at best keep all the bin's positives and none of its negatives. For example-based F-beta
   each row's change of F-beta at each of its scores (rows are short, sorting them is cheap)
   is summed per bin instead; the bound adds the bin's positive changes.
2. **Zoom** (pooled and per-label metrics). Only bins whose bound reaches the best value seen
   can hold the best cut or a tie with it; the range they span is counted again in finer bins,
   down to one float32 value per bin, one pass over the scores per level.
3. **Refine.** The scores of the remaining bins are collected, merged per distinct score and
   swept exactly. On ordinary scores that is a few percent of them or less; flat or tied
   metrics take more passes but never more memory than a fixed budget of scores per pass.

Subset accuracy needs no bins: a row is right exactly for cuts in (its highest negative score,
its lowest positive score].
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import numpy as np

from labelwise.decision._per_label_sweep import Cut, fbeta_from_counts, place_threshold
from labelwise.errors import ProblemSetupError
from labelwise.metrics.names import canonical_metric_name

__all__ = ["GLOBAL_METRICS", "global_cut"]

GLOBAL_METRICS = ("f1_micro", "f1_macro", "f1_samples", "hamming", "subset_accuracy")
#: the canonical metric names (labelwise.metrics.names) of the sweep's metrics
_SWEEP_KEY = dict(zip(("f1_micro", "f1_macro", "f1_samples", "hamming_loss", "subset_accuracy"),
                      GLOBAL_METRICS, strict=True))  # fmt: skip
_TIE_TOL = 1e-12
_SLACK = 1e-12  # rounding margin when a bin is kept or dropped by its bound
_BLOCK = 1 << 22  # scores per streamed block (16 MB of float32)

Refined = tuple[np.ndarray, np.ndarray, np.ndarray]  # distinct scores, metric there, their bin


def _row_blocks(n: int, L: int) -> Iterator[slice]:
    """Blocks of rows with at most ``_BLOCK`` scores, and at most a 16th of them all."""
    rows = max(1, min(_BLOCK, max(1 << 16, n * L // 16)) // max(L, 1))
    for start in range(0, n, rows):
        yield slice(start, start + rows)


def _keys(x: np.ndarray) -> np.ndarray:
    """Order-preserving uint32 keys of the scores rounded to float32.

    Rounding to float32 is monotone, so any range of keys is a range of scores whatever the
    input precision; ``-0.0`` is folded onto ``0.0`` so that equal scores share a key.
    """
    with np.errstate(over="ignore"):
        f = x.astype(np.float32)  # a copy, turned into the keys in place
    f += np.float32(0.0)
    key = f.view(np.uint32)
    flip = (f.view(np.int32) >> 31).view(np.uint32)
    flip |= np.uint32(1 << 31)
    key ^= flip  # negative floats: all bits flipped; others: sign bit set
    return key


def _from_keys(key: np.ndarray) -> np.ndarray:
    """The float32 scores of :func:`_keys` (exact for float32 input)."""
    u = key.copy()
    negative = u < np.uint32(1 << 31)
    u[negative] = ~u[negative]
    u[~negative] ^= np.uint32(1 << 31)
    return u.view(np.float32)


def _bins(x: np.ndarray, bits: int) -> np.ndarray:
    """The bin of each score: the leading ``bits`` of its key."""
    key = _keys(x)
    key >>= np.uint32(32 - bits)
    return key


def _merge(x: np.ndarray, group: np.ndarray | None, *weights: np.ndarray):
    """Records with equal score (and group) merged: ascending scores, groups and summed weights."""
    if x.size == 0:
        return (x, group, *weights)
    order = np.argsort(x) if group is None else np.lexsort((group, x))
    xs = x[order]
    new = np.empty(xs.size, dtype=bool)
    new[0] = True
    np.not_equal(xs[1:], xs[:-1], out=new[1:])
    gs = None
    if group is not None:
        gs = group[order]
        new[1:] |= gs[1:] != gs[:-1]
        gs = gs[new]
    starts = np.flatnonzero(new)
    return (xs[starts], gs, *(np.add.reduceat(w[order], starts) for w in weights))


def _concat_merge(parts: list, with_group: bool):
    if not parts:
        return None
    cols = [np.concatenate(c) if c[0] is not None else None for c in zip(*parts, strict=True)]
    return _merge(cols[0], cols[1] if with_group else None, *cols[2:])


def _suffix_exclusive(a: np.ndarray) -> np.ndarray:
    """Sum over all later entries along axis 0 (the bins above)."""
    out = np.zeros_like(a)
    out[:-1] = np.cumsum(a[::-1], axis=0)[::-1][1:]
    return out


def _within_bin_cumsum(k: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``w`` restarted at every change of ``k`` (rows in sweep order)."""
    c = np.cumsum(w, axis=0)
    if k.size == 0:
        return c
    first = np.r_[True, k[1:] != k[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(k.size), 0))
    return c - (c[start] - w[start])


def _search(
    ub: np.ndarray,
    v_bot: np.ndarray,
    sizes: np.ndarray,
    v_empty: float,
    best_low: float,
    refine: Callable[[np.ndarray], Refined],
    budget: int,
) -> tuple[Refined, float]:
    """Refine just the bins that can hold the best cut or the lowest tie with it.

    ``ub``/``v_bot``: per non-empty bin (ascending), a bound on the metric for cuts inside the
    bin and its exact value at the bin's lowest score. Returns every refined distinct score with
    its metric and bin, and the best metric value. ``best_low`` is a value known to be reached.
    """
    k = ub.size
    done = np.zeros(k, dtype=bool)
    parts: list[Refined] = []
    best = max(float(v_bot.max()) if k else -np.inf, v_empty, best_low)

    def run(chosen: np.ndarray) -> None:
        nonlocal best
        take = np.cumsum(sizes[chosen]) <= budget
        take[0] = True
        sel = np.zeros(k, dtype=bool)
        sel[chosen[take]] = True
        part = refine(sel)
        done[sel] = True
        parts.append(part)
        if part[1].size:
            best = max(best, float(part[1].max()))

    # 1. the best value: bins that may beat it, largest bound first (with the bins that may tie
    #    with it, which usually all fit in the first pass)
    while np.any(~done & (ub > best + _SLACK)):
        open_ = np.flatnonzero(~done & (ub >= best - _TIE_TOL - _SLACK))
        run(open_[np.argsort(-ub[open_], kind="stable")])
    # 2. the lowest tie: unrefined bins below the lowest known tie that may hold one
    while True:
        hit_bins = [p[2][p[1] >= best - _TIE_TOL] for p in parts]
        lowest = min((int(h.min()) for h in hit_bins if h.size), default=k)
        pending = np.flatnonzero(~done[:lowest] & (ub[:lowest] >= best - _TIE_TOL - _SLACK))
        if pending.size == 0:
            break
        run(pending)
    if not parts:
        empty = np.empty(0)
        return (empty, empty, np.empty(0, dtype=np.intp)), best
    x, v, b = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.argsort(x, kind="stable")
    return (x[order], v[order], b[order]), best


def _choose(S: np.ndarray, refined: Refined, best: float, v_empty: float, metric: str) -> Cut:
    """The lowest refined cut within the tie tolerance of ``best`` (or "predict nothing")."""
    x, v, b = refined
    hits = np.flatnonzero(v >= best - _TIE_TOL)
    sign = -1.0 if metric == "hamming" else 1.0
    if hits.size == 0:
        thr = np.nextafter(float(S.max()), np.inf)
        return Cut(np.array([thr]), np.array([thr]), np.array([sign * v_empty]), np.array([True]))
    i = int(hits[0])
    c = float(x[i])
    # bins are refined whole: the next lower refined score is the next lower score overall when
    # it lies in the same bin or in the next lower non-empty one
    if i > 0 and b[i - 1] >= b[i] - 1:
        lower = float(x[i - 1])
    else:
        below = _max_below(S, c)
        lower = np.nan if below is None else below
    threshold = place_threshold([c], [lower])
    return Cut(threshold, np.array([c]), np.array([sign * float(v[i])]), np.array([True]))


def _max_below(S: np.ndarray, c: float) -> float | None:
    best = -np.inf
    for sl in _row_blocks(*S.shape):
        s = S[sl]
        below = s[s < c]
        if below.size:
            best = max(best, float(below.max()))
    return None if best == -np.inf else best


def _min_above(S: np.ndarray, a: float) -> float | None:
    best = np.inf
    for sl in _row_blocks(*S.shape):
        s = S[sl]
        above = s[s > a]
        if above.size:
            best = min(best, float(above.min()))
    return None if best == np.inf else best


def _budget(m: int) -> int:
    return max(1 << 22, m // 16)


# --------------------------------------------------------------------------------------------
# pooled (micro-F-beta, Hamming) and per-label (macro-F-beta) metrics: counts per bin and label


_KEY_END = 1 << 32


class _Zoom:
    """A range of keys ``[lo, hi)`` cut into bins of ``2**shift`` keys."""

    def __init__(self, lo: int, hi: int, max_bins: int) -> None:
        self.lo, self.hi = lo, hi
        self.shift = max(0, int(np.ceil(np.log2(max(1, (hi - lo) / max_bins)))))
        self.n_bins = ((hi - lo - 1) >> self.shift) + 1

    def select(self, key: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """Which keys fall in the range (None: all) and their bins."""
        if self.lo == 0 and self.hi == _KEY_END:
            return None, (key >> np.uint32(self.shift)).astype(np.intp)
        inside = key >= np.uint32(self.lo)
        if self.hi < _KEY_END:
            inside &= key < np.uint32(self.hi)
        rel = key[inside] - np.uint32(self.lo)
        return inside, (rel >> np.uint32(self.shift)).astype(np.intp)


def _histogram(Y: np.ndarray, S: np.ndarray, n_groups: int, zoom: _Zoom) -> np.ndarray:
    """Counts of the scores in the zoomed range per (bin, group, label value)."""
    n, L = S.shape
    width = 2 * n_groups
    size = zoom.n_bins * width
    offset = 2 * np.arange(L) if n_groups > 1 else np.zeros(L, dtype=np.intp)
    counts = np.zeros(size, dtype=np.int64)
    for sl in _row_blocks(n, L):
        inside, idx = zoom.select(_keys(S[sl]))
        idx *= width
        if inside is None:
            idx += offset
            idx += Y[sl]
        else:
            idx += offset[np.nonzero(inside)[1]]
            idx += Y[sl][inside]
        counts += np.bincount(idx.ravel(), minlength=size)
    return counts.reshape(zoom.n_bins, n_groups, 2)


def _count_metric(metric: str, tp, fp, P, m: int, beta: float) -> np.ndarray:
    """The metric from counts; the last axis holds the groups (averaged)."""
    tp = np.asarray(tp, dtype=np.float64)
    fp = np.asarray(fp, dtype=np.float64)
    if metric == "hamming":
        return (-(fp + P - tp) / max(m, 1))[..., 0]
    return fbeta_from_counts(tp, fp, P - tp, beta).sum(axis=-1) / tp.shape[-1]


def _counted_cut(Y: np.ndarray, S: np.ndarray, metric: str, beta: float) -> Cut:
    """Pooled and per-label metrics: zoom into the bins that may hold the best cut, then refine.

    Each zoom is one pass that counts the scores of the kept range in finer bins (at the finest,
    one float32 value per bin); the counts above the range carry over from the coarser pass.
    """
    n, L = S.shape
    m = n * L
    by_label = metric == "f1_macro"
    G = L if by_label else 1
    # counts per pass: at most 2**24, and a small share of the scores' memory
    max_bins = int(np.clip(m // (32 * G), 256, min(1 << 20, (1 << 23) // G)))
    zoom = _Zoom(0, _KEY_END, max_bins)
    above = np.zeros((G, 2), dtype=np.int64)  # counts of the scores above the zoomed range
    P = np.zeros(G)
    best_low = -np.inf
    first = True
    while True:
        counts = _histogram(Y, S, G, zoom)
        nonempty = np.flatnonzero(counts.sum(axis=(1, 2)))
        counts = counts[nonempty]
        top = above + _suffix_exclusive(counts)  # counts strictly above each bin
        inclusive = top + counts
        if first:
            P = inclusive[0, :, 1].astype(np.float64) if nonempty.size else P
        value = functools.partial(_count_metric, metric, P=P, m=m, beta=beta)
        v_bot = value(inclusive[..., 1], inclusive[..., 0])  # at each bin's lowest score
        ub = value(inclusive[..., 1], top[..., 0])  # all of the bin's positives, no negative
        v_empty = float(value(np.zeros((1, G)), np.zeros((1, G)))[0])
        best_low = max(best_low, float(v_bot.max()) if nonempty.size else -np.inf, v_empty)
        if first and nonempty.size == 0:
            break
        first = False
        keep = np.flatnonzero(ub >= best_low - _TIE_TOL - _SLACK)
        if zoom.shift == 0 or keep.size == 0:
            break
        lo = zoom.lo + (int(nonempty[keep[0]]) << zoom.shift)
        hi = min(zoom.hi, zoom.lo + (int(nonempty[keep[-1]] + 1) << zoom.shift))
        if hi - lo >= zoom.hi - zoom.lo:
            break  # no narrower range holds every candidate: refine at this level
        above = top[keep[-1]]
        zoom = _Zoom(lo, hi, max_bins)
    v_top_sum = fbeta_from_counts(
        top[..., 1].astype(float), top[..., 0].astype(float), P - top[..., 1], beta
    ).sum(axis=-1)

    def bin_of(x: np.ndarray) -> np.ndarray:
        return np.searchsorted(nonempty, zoom.select(_keys(x))[1])

    def refine(sel: np.ndarray) -> Refined:
        wanted = np.zeros(zoom.n_bins, dtype=bool)
        wanted[nonempty[sel]] = True
        parts = []
        for sl in _row_blocks(n, L):
            s = S[sl]
            inside, b = zoom.select(_keys(s))
            mask = wanted[b] if inside is None else _spread(inside, wanted[b])
            if mask.any():
                x, y = s[mask], Y[sl][mask].astype(np.int64)
                g = np.nonzero(mask)[1] if by_label else None
                parts.append(_merge(x, g, y, np.ones(x.size, dtype=np.int64)))
        x, g, pos, cnt = _concat_merge(parts, by_label)
        kb = bin_of(x)
        d = slice(None, None, -1)
        if not by_label:  # exact counts at every distinct score, swept downwards in each bin
            tp = top[kb[d], 0, 1] + _within_bin_cumsum(kb[d], pos[d])
            fp = top[kb[d], 0, 0] + _within_bin_cumsum(kb[d], cnt[d] - pos[d])
            return x, value(tp[d, None], fp[d, None]), kb
        # per label: the change of its F-beta at each of its scores, summed per score
        order = np.lexsort((-x, g, -kb))
        xo, go, ko, po, no = x[order], g[order], kb[order], pos[order], cnt[order] - pos[order]
        seg = ko * G + go
        tp = top[ko, go, 1] + _within_bin_cumsum(seg, po)
        fp = top[ko, go, 0] + _within_bin_cumsum(seg, no)
        after = fbeta_from_counts(tp.astype(float), fp.astype(float), P[go] - tp, beta)
        starts = np.r_[True, seg[1:] != seg[:-1]]
        before = np.empty_like(after)
        before[1:] = after[:-1]
        t0, f0 = top[ko, go, 1][starts], top[ko, go, 0][starts]
        p0 = P[go][starts] - t0
        before[starts] = fbeta_from_counts(t0.astype(float), f0.astype(float), p0, beta)
        ux, _, jump = _merge(xo, None, after - before)
        ku = bin_of(ux)
        total = v_top_sum[ku[d]] + _within_bin_cumsum(ku[d], jump[d])
        return ux, (total / G)[d], ku

    sizes = counts.sum(axis=(1, 2))
    refined, best = _search(ub, v_bot, sizes, v_empty, best_low, refine, _budget(m))
    return _choose(S, refined, best, v_empty, metric)


def _spread(inside: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A mask shaped like ``inside``: ``values`` where it is True, False elsewhere."""
    out = np.zeros(inside.shape, dtype=bool)
    out[inside] = values
    return out


# --------------------------------------------------------------------------------------------
# example-based F-beta: each row's change of F-beta at each of its scores, summed per bin


def _row_changes(Y: np.ndarray, S: np.ndarray, beta: float):
    """A block of rows sorted descending: keys, scores (None: the keys' float32) and the change
    of the row's F-beta at each score.

    A cut at a score includes all of the row's equal scores, so the changes inside a tie add up
    to the change of the whole tie whatever their order.
    """
    r, L = S.shape
    x = None
    if S.dtype == np.float32:  # sort keys with the label in the lowest bit, descending
        packed = _keys(S).astype(np.uint64)
        packed <<= np.uint64(1)
        packed |= Y.astype(np.uint64)
        np.invert(packed, out=packed)
        packed.sort(axis=1)
        np.invert(packed, out=packed)
        y = (packed & np.uint64(1)).astype(np.int32)
        packed >>= np.uint64(1)
        key = packed.astype(np.uint32)
    else:
        order = np.argsort(S, axis=1)[:, ::-1]
        x = np.take_along_axis(S, order, axis=1)
        y = np.take_along_axis(Y, order, axis=1).astype(np.int32)
        key = _keys(x)
    tp = np.cumsum(y.ravel()).reshape(r, L)  # running count over the block, made per row
    tp[1:] -= tp[:-1, -1:].copy()
    b2 = beta * beta
    predicted = np.arange(1, L + 1, dtype=np.float64)
    # F-beta = (1 + b2) tp / (predicted + b2 positives); every cut predicts at least one label
    f = tp * (1 + b2)
    f /= predicted + b2 * tp[:, -1:]
    jump = f.copy()
    jump[:, 1:] -= f[:, :-1]
    return key, x, jump


def _samples_cut(Y: np.ndarray, S: np.ndarray, beta: float) -> Cut:
    n, L = S.shape
    bits = int(np.clip(np.log2(max(n * L, 1) / 16), 10, 18))
    nb = 1 << bits
    total = np.zeros(nb)
    rises = np.zeros(nb)
    sizes = np.zeros(nb, dtype=np.int64)
    for sl in _row_blocks(n, L):
        key, _, jump = _row_changes(Y[sl], S[sl], beta)
        b = (key >> np.uint32(32 - bits)).ravel()
        jump = jump.ravel()
        total += np.bincount(b, jump, minlength=nb)
        rises += np.bincount(b, np.maximum(jump, 0.0), minlength=nb)
        sizes += np.bincount(b, minlength=nb)
    nonempty = np.flatnonzero(sizes)
    v_top = _suffix_exclusive(total[nonempty])  # rows' F-beta summed, for a cut above the bin
    v_bot = (v_top + total[nonempty]) / n
    ub = (v_top + rises[nonempty]) / n

    def refine(sel: np.ndarray) -> Refined:
        wanted = np.zeros(nb, dtype=bool)
        wanted[nonempty[sel]] = True
        parts = []
        for sl in _row_blocks(n, L):
            key, x, jump = _row_changes(Y[sl], S[sl], beta)
            mask = wanted[key >> np.uint32(32 - bits)]
            if mask.any():
                xm = _from_keys(key[mask]) if x is None else x[mask]
                parts.append(_merge(xm, None, jump[mask]))
        x, _, jump = _concat_merge(parts, False)
        kb = np.searchsorted(nonempty, _bins(x, bits))
        d = slice(None, None, -1)
        value = (v_top[kb[d]] + _within_bin_cumsum(kb[d], jump[d])) / n
        return x, value[d], kb

    refined, best = _search(ub, v_bot, sizes[nonempty], 0.0, -np.inf, refine, _budget(n * L))
    return _choose(S, refined, best, 0.0, "f1_samples")


# --------------------------------------------------------------------------------------------
# subset accuracy: one interval of right cuts per row


def _subset_cut(Y: np.ndarray, S: np.ndarray) -> Cut:
    n, L = S.shape
    lowest_pos = np.empty(n, dtype=S.dtype)
    highest_neg = np.empty(n, dtype=S.dtype)
    for sl in _row_blocks(n, L):
        s, y = S[sl], Y[sl].astype(bool)
        lowest_pos[sl] = np.where(y, s, np.inf).min(axis=1)
        highest_neg[sl] = np.where(y, -np.inf, s).max(axis=1)
    right = lowest_pos > highest_neg  # some cut gets the row right
    has_pos = np.isfinite(lowest_pos)
    base = int(np.sum(~has_pos))  # rows right when nothing is predicted
    enter = right & has_pos
    leave = right & np.isfinite(highest_neg)
    x, _, step = _merge(
        np.r_[lowest_pos[enter], highest_neg[leave]],
        None,
        np.r_[np.ones(int(enter.sum())), -np.ones(int(leave.sum()))],
    )
    # the metric at each point, for cuts in (next lower point, point]
    v = (base + np.cumsum(step[::-1])[::-1]) / n
    v_empty = base / n
    best = max(float(v.max()) if v.size else -np.inf, v_empty)
    hits = np.flatnonzero(v >= best - _TIE_TOL)
    if hits.size:
        i = int(hits[0])
        value = float(v[i])
        lower = float(x[i - 1]) if i > 0 else None
    else:  # only cuts above every point reach the best
        value = v_empty
        lower = float(x[-1]) if x.size else None
    c = float(S.min()) if lower is None else _min_above(S, lower)
    if c is None:  # no score above the highest point: predict nothing
        thr = np.nextafter(lower, np.inf)
        return Cut(np.array([thr]), np.array([thr]), np.array([value]), np.array([True]))
    low = np.nan if lower is None else lower
    return Cut(place_threshold([c], [low]), np.array([c]), np.array([value]), np.array([True]))


def global_cut(Y: np.ndarray, S: np.ndarray, metric: str = "f1_micro", beta: float = 1.0) -> Cut:
    """The one cut shared by all labels that maximises ``metric`` on (Y, S), searched exactly.

    Parameters
    ----------
    Y, S : ndarray of shape (n_samples, n_labels)
        0/1 targets and finite scores (float32 scores are used as they are, not copied to
        float64).
    metric : {"f1_micro", "f1_macro", "f1_samples", "hamming_loss", "subset_accuracy"}
        Or an alias of one (``hamming``, ``micro_f1``, ...). F-beta variants use ``beta``;
        per-group F-beta with no positives and no predictions counts as 0 (scikit-learn's
        default ``zero_division``). ``hamming_loss`` is minimised; the others are maximised.
        The reported ``value`` is the metric itself (the loss for ``hamming_loss``).
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
    if metric not in GLOBAL_METRICS:
        try:
            canonical = canonical_metric_name(metric)
        except ProblemSetupError:
            canonical = None
        if canonical not in _SWEEP_KEY:
            raise ValueError(f"metric must be one of {tuple(_SWEEP_KEY)}; got {metric!r}.")
        metric = _SWEEP_KEY[canonical]
    S = np.asarray(S)
    if S.dtype not in (np.float32, np.float64):
        S = S.astype(np.float64)
    S = np.ascontiguousarray(S)
    Y = np.ascontiguousarray(np.asarray(Y) != 0).view(np.int8)
    if S.size == 0:
        thr = np.nextafter(0.0, np.inf)
        return Cut(np.array([thr]), np.array([thr]), np.array([0.0]), np.array([True]))
    if metric == "subset_accuracy":
        return _subset_cut(Y, S)
    if metric == "f1_samples":
        return _samples_cut(Y, S, beta)
    return _counted_cut(Y, S, metric, beta)
