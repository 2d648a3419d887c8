"""The streaming state of the label-wise score metrics (average precision and ROC AUC).

Both metrics keep the same state: the batches themselves (exact mode) or a histogram of scores
per label (binned mode, bounded memory, with a computed error bound). The state sits below the
two metric modules: each registers its exact one-shot average with
:func:`register_exact_average` when it is imported, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.metrics._inputs import check_average
from labelwise.metrics._ranking_core import ScoreInputs, average_scores, check_score_inputs
from labelwise.metrics._state_registry import MetricState

__all__ = ["LabelScoreState", "ScoreHistogram", "register_exact_average"]

#: metric name -> its exact average over concatenated batches, ``f(inputs, average)``
_EXACT_AVERAGES: dict[str, Callable[[ScoreInputs, str | None], Any]] = {}


def register_exact_average(metric: str, average: Callable[[ScoreInputs, str | None], Any]) -> None:
    """Say how ``metric``'s exact value is computed from all batches (its one-shot average)."""
    _EXACT_AVERAGES[metric] = average


class ScoreHistogram:
    """Per-label weighted counts of positives and negatives in score bins.

    Scores in the same bin are treated as tied, so AP and ROC AUC from the histogram are those of
    the binned scores. The error against the exact value is bounded by quantities of the
    histogram itself (:meth:`average_precision` returns both):

    * ROC AUC: only (positive, negative) pairs in the same bin can change, from 0, 1/2 or 1 to
      1/2, so ``|AUC_binned - AUC| <= sum_b pos_b neg_b / (2 P N)``.
    * AP: a positive in bin ``b`` has exact precision between ``TP_{>b} / N_{>=b}`` and
      ``min(1, TP_{>=b} / N_{>b})`` (``TP``, ``N``: weight of positives, of all entries, in the
      bins above ``b`` or from ``b`` up), and its binned precision ``TP_{>=b} / N_{>=b}`` lies in
      the same interval, so ``|AP_binned - AP| <= sum_b pos_b (hi_b - lo_b) / P``.

    Parameters
    ----------
    bins : int or array-like of float
        Number of equal-width bins on [0, 1] (scores outside are clipped into the end bins), or
        the increasing inner bin edges.
    """

    def __init__(self, bins: int | Any) -> None:
        self.bins = bins
        if isinstance(bins, (int, np.integer)):
            if bins < 1:
                raise ValueError(f"bins must be a positive integer or edges; got {bins}.")
            self.edges_ = np.linspace(0.0, 1.0, int(bins) + 1)[1:-1]
        else:
            edges = np.asarray(bins, dtype=np.float64).ravel()
            if edges.size and np.any(np.diff(edges) <= 0):
                raise ValueError("bin edges must be strictly increasing.")
            self.edges_ = edges
        self.pos_: np.ndarray | None = None
        self.all_: np.ndarray | None = None

    @property
    def n_bins(self) -> int:
        return int(self.edges_.shape[0] + 1)

    def update(self, inp: ScoreInputs) -> None:
        n, L = inp.S.shape
        nb = self.n_bins
        idx = np.searchsorted(self.edges_, inp.S, side="right") + nb * np.arange(L)
        w = np.ones(n) if inp.sample_weight is None else inp.sample_weight
        Y = inp.Y.toarray() if sp.issparse(inp.Y) else inp.Y
        allc = np.bincount(idx.ravel(), weights=np.repeat(w, L), minlength=L * nb)
        pos = np.bincount(idx.ravel(), weights=(Y * w[:, None]).ravel(), minlength=L * nb)
        shape = (L, nb)
        if self.pos_ is None:
            self.pos_, self.all_ = pos.reshape(shape), allc.reshape(shape)
        else:
            if self.pos_.shape != shape:
                raise ValueError(f"batch has {L} labels; earlier batches had {self.pos_.shape[0]}.")
            self.pos_ += pos.reshape(shape)
            self.all_ += allc.reshape(shape)

    def merge(self, other: ScoreHistogram) -> None:
        if not np.array_equal(self.edges_, other.edges_):
            raise ValueError("cannot merge histograms with different bin edges.")
        if other.pos_ is None:
            return
        if self.pos_ is None:
            self.pos_, self.all_ = other.pos_.copy(), other.all_.copy()
        else:
            self.pos_ += other.pos_
            self.all_ += other.all_

    def _counts(self, micro: bool) -> tuple[np.ndarray, np.ndarray]:
        pos, allc = self.pos_, self.all_
        if micro:
            pos, allc = pos.sum(axis=0, keepdims=True), allc.sum(axis=0, keepdims=True)
        return pos[:, ::-1], allc[:, ::-1]  # highest bin first

    def average_precision(self, micro: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per-label (or pooled) binned AP and its error bound."""
        pos, allc = self._counts(micro)
        tp_ge, n_ge = np.cumsum(pos, axis=1), np.cumsum(allc, axis=1)
        tp_gt, n_gt = tp_ge - pos, n_ge - allc
        P = tp_ge[:, -1]
        with np.errstate(divide="ignore", invalid="ignore"):
            prec = np.where(n_ge > 0, tp_ge / n_ge, 0.0)
            lo = np.where(n_ge > 0, tp_gt / n_ge, 0.0)
            hi = np.where(n_gt > 0, np.minimum(1.0, tp_ge / n_gt), 1.0)
            ap = np.where(P > 0, (pos * prec).sum(axis=1) / P, 0.0)
            bound = np.where(P > 0, (pos * (hi - lo)).sum(axis=1) / P, 0.0)
        return ap, bound

    def roc_auc(self, micro: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Per-label (or pooled) binned ROC AUC and its error bound (NaN without both classes)."""
        pos, allc = self._counts(micro)
        neg = allc - pos
        neg_below = neg[:, ::-1].cumsum(axis=1)[:, ::-1] - neg  # bins after b: lower scores
        P, N = pos.sum(axis=1), neg.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = (pos * (neg_below + 0.5 * neg)).sum(axis=1) / (P * N)
            bound = 0.5 * (pos * neg).sum(axis=1) / (P * N)
        ok = (P > 0) & (N > 0)
        return np.where(ok, auc, np.nan), np.where(ok, bound, np.nan)


class LabelScoreState(MetricState):
    """Streaming state of a label-wise score metric (average precision or ROC AUC).

    Exact mode (``bins=None``) keeps the batches and computes the one-shot function on their
    concatenation, so the result equals it exactly. Binned mode keeps a :class:`ScoreHistogram`
    per label (memory ``O(n_labels * bins)``) and :meth:`error_bound` says how far the value can
    be from the exact one. ``average="samples"`` is per-row, hence additive: see the
    ``*_samples`` registered states.

    Parameters
    ----------
    metric : {"average_precision", "roc_auc"}
    average : {"macro", "micro", "weighted"} or None
    bins : int or array-like, optional

    Examples
    --------
    >>> st = LabelScoreState("average_precision", average="macro")
    >>> st.update([[1, 0], [0, 1]], [[0.8, 0.3], [0.1, 0.7]])
    >>> st.update([[1, 1]], [[0.5, 0.2]])
    >>> round(st.compute(), 6)
    0.916667
    """

    def __init__(self, metric: str, average: str | None = "macro", bins: Any = None) -> None:
        if metric not in ("average_precision", "roc_auc"):
            raise ValueError(f"metric must be 'average_precision' or 'roc_auc'; got {metric!r}.")
        check_average(
            average, caller="LabelScoreState", allowed=("micro", "macro", "weighted", None)
        )
        self.metric = metric
        self.average = average
        self.bins = bins
        self.batches_: list[ScoreInputs] = []
        self.hist_ = None if bins is None else ScoreHistogram(bins)

    def update(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> None:
        inp = check_score_inputs(y_true, y_score, sample_weight, caller=self.metric)
        if self.hist_ is not None:
            self.hist_.update(inp)
        else:
            self.batches_.append(inp)

    def merge(self, other: LabelScoreState) -> LabelScoreState:
        if self.hist_ is not None:
            self.hist_.merge(other.hist_)
        else:
            self.batches_.extend(other.batches_)
        return self

    def _binned(self) -> tuple[np.ndarray, np.ndarray]:
        micro = self.average == "micro"
        if self.metric == "average_precision":
            return self.hist_.average_precision(micro)
        return self.hist_.roc_auc(micro)

    def compute(self) -> float | np.ndarray:
        if self.hist_ is not None:
            if self.hist_.pos_ is None:
                raise ValueError(f"{self.metric}: no batch seen yet; call update() first.")
            values, _ = self._binned()
            if self.average == "micro":
                return float(values[0])
            weights = self.hist_.pos_.sum(axis=1) if self.average == "weighted" else None
            return average_scores(values, self.average, weights)
        if not self.batches_:
            raise ValueError(f"{self.metric}: no batch seen yet; call update() first.")
        return _EXACT_AVERAGES[self.metric](_concat(self.batches_), self.average)

    def error_bound(self) -> float | np.ndarray:
        """Binned mode: a bound on ``|compute() - exact value|`` (0 in exact mode)."""
        if self.hist_ is None:
            return 0.0
        _, bound = self._binned()
        if self.average == "micro":
            return float(bound[0])
        if self.average is None:
            return bound
        if self.average == "weighted":
            sup = self.hist_.pos_.sum(axis=1)
            return float(np.sum(bound * sup) / sup.sum()) if sup.sum() > 0 else 0.0
        return float(np.mean(bound))


def _concat(batches: list[ScoreInputs]) -> ScoreInputs:
    if len(batches) == 1:
        return batches[0]
    S = np.concatenate([b.S for b in batches])
    if any(sp.issparse(b.Y) for b in batches):
        Y = sp.vstack([sp.csr_matrix(b.Y) for b in batches]).tocsr()
    else:
        Y = np.concatenate([b.Y for b in batches])
    ws = [b.sample_weight for b in batches]
    w = (
        None
        if all(x is None for x in ws)
        else np.concatenate(
            [np.ones(b.S.shape[0]) if x is None else x for b, x in zip(batches, ws, strict=True)]
        )
    )
    return ScoreInputs(Y, S, w, batches[0].binary)
