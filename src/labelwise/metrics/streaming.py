"""The streaming Evaluator: metrics over batches, mergeable across processes and machines.

The Evaluator only holds sufficient statistics. Count metrics (precision, recall, F-scores,
Jaccard, Hamming loss, subset accuracy, ...) all share ONE ``CountStats``
and are computed from it with the same ``*_from_stats`` functions the one-shot functions use, so
the results are identical. Score and ranking metrics are registered by their own modules (with
``needs="scores"``) and receive the scores.

Exactness: unweighted statistics are integer counts and a histogram of per-sample count triples,
so merging batches in any split and any order gives bit-for-bit the same result, and the
one-shot result for every metric averaged over labels. Sample averages are the exception: the
one-shot functions add per-sample values in sample order, as scikit-learn does (so that they
print exactly what it prints), while the histogram has no order; the two agree to about 1e-16
relative. With real-valued sample weights the per-label sums are floating-point sums whose order
depends on the split; results then agree to about 1e-15 relative (integer-valued weights stay
exact).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise._math import check_zero_division
from labelwise.data.label_space import LabelSpace
from labelwise.data.targets import _is_label_lists, as_array, check_scores, check_targets
from labelwise.errors import ShapeError, TargetError
from labelwise.metrics._count_stats import CountStats, count_stats
from labelwise.metrics._inputs import format_label_inputs
from labelwise.metrics._state_registry import MetricState, get_metric, register_metric
from labelwise.metrics.label_set import (
    error_rate_from_stats,
    hamming_from_stats,
    jaccard_from_stats,
    prfs_from_stats,
    subset_accuracy_from_stats,
)
from labelwise.metrics.names import MetricValues

__all__ = ["CountMetricState", "CountStatsAccumulator", "Evaluator"]

_PRF = {"precision": 0, "recall": 1, "f1": 2}
_AVERAGES = {
    "micro": "micro",
    "macro": "macro",
    "weighted": "weighted",
    "samples": "samples",
    "per_label": None,
}


class CountStatsAccumulator:
    """Running :class:`CountStats` of 0/1 predictions, aligned by class or label name.

    Columns of 1-D class vectors and of label lists are identified by their names, so batches
    that see different classes are aligned (union, sorted); indicator matrices must keep the same
    number of columns.

    Parameters
    ----------
    per_sample : bool
        Also keep the per-sample triple histogram (sample averages, subset accuracy).
    label_space : LabelSpace, optional
        Fixed columns for label lists.
    """

    def __init__(self, per_sample: bool = False, label_space: LabelSpace | None = None) -> None:
        self.per_sample = per_sample
        self.label_space = label_space
        self.stats: CountStats | None = None
        self.kind: str | None = None
        self.classes: tuple | None = None
        self.by_name = False

    def update(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        li = format_label_inputs(
            y_true, y_pred, sample_weight=sample_weight, label_space=self.label_space
        )
        stats = count_stats(
            li.y_true, li.y_pred, li.sample_weight, per_label=True, per_sample=self.per_sample
        )
        by_name = li.kind != "multilabel" or any(isinstance(c, str) for c in li.classes)
        self._fold(stats, li.kind, li.classes, by_name)

    def merge(self, other: CountStatsAccumulator) -> None:
        if other.stats is None:
            return
        if self.per_sample != other.per_sample:
            raise ValueError("cannot merge evaluators that keep different statistics.")
        self._fold(_copy(other.stats), other.kind, other.classes, other.by_name)

    def _fold(self, stats: CountStats, kind: str, classes: tuple, by_name: bool) -> None:
        if self.stats is None:
            self.stats, self.kind, self.classes, self.by_name = stats, kind, classes, by_name
            return
        if (kind == "multilabel") != (self.kind == "multilabel"):
            raise TargetError(
                f"this batch is {kind} but earlier batches were {self.kind}; every batch must "
                "describe the same task."
            )
        if classes != self.classes:
            if not (by_name and self.by_name):
                raise ShapeError(
                    f"this batch has {len(classes)} label columns but earlier batches had "
                    f"{len(self.classes)}; every batch needs the same columns."
                )
            union = tuple(sorted(set(self.classes) | set(classes)))
            self.stats = _realign(self.stats, self.classes, union)
            stats = _realign(stats, classes, union)
            self.classes = union
        if self.kind != kind:  # binary batches joined by a third class are multi-class
            self.kind = "multiclass" if len(self.classes) > 2 else self.kind
        self.stats.merge(stats)


def _copy(s: CountStats) -> CountStats:
    return CountStats(
        s.tp.copy(),
        s.pred.copy(),
        s.true.copy(),
        s.total,
        s.n_samples,
        None if s.triples is None else s.triples.copy(),
        None if s.triple_count is None else s.triple_count.copy(),
        None if s.triple_weight is None else s.triple_weight.copy(),
    )


def _realign(s: CountStats, classes: tuple, union: tuple) -> CountStats:
    pos = {c: j for j, c in enumerate(union)}
    idx = np.array([pos[c] for c in classes], dtype=np.intp)

    def spread(x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(union), dtype=x.dtype)
        out[idx] = x
        return out

    return CountStats(
        spread(s.tp),
        spread(s.pred),
        spread(s.true),
        s.total,
        s.n_samples,
        s.triples,
        s.triple_count,
        s.triple_weight,
    )


class CountMetricState(MetricState):
    """A count metric's state: the shared count statistic plus how to read a value from it.

    Parameters
    ----------
    metric : str
        ``"precision"``, ``"recall"``, ``"f1"``, ``"jaccard"``, ``"hamming_loss"``,
        ``"subset_accuracy"``, ``"accuracy"`` or ``"balanced_accuracy"``.
    average : str or None
        For precision/recall/F1/Jaccard: ``"micro"``, ``"macro"``, ``"weighted"``, ``"samples"``
        or None (per label).
    zero_division : {"warn", 0.0, 1.0, np.nan}
    """

    def __init__(self, metric: str, average: str | None = None, zero_division: Any = "warn"):
        self.metric = metric
        self.average = average
        self.zero_division = zero_division
        self.acc = CountStatsAccumulator(per_sample=self.needs_samples)

    @property
    def needs_samples(self) -> bool:
        return self.average == "samples" or self.metric in (
            "subset_accuracy",
            "accuracy",
            "hamming_loss",
        )

    def update(self, y_true: Any, y: Any, sample_weight: Any = None) -> None:
        self.acc.update(y_true, y, sample_weight)

    def merge(self, other: MetricState) -> MetricState:
        self.acc.merge(other.acc)  # type: ignore[attr-defined]
        return self

    def compute(self) -> Any:
        return compute_count_metric(
            self.acc, self.metric, self.average, zero_division=self.zero_division
        )


def compute_count_metric(
    acc: CountStatsAccumulator, metric: str, average: str | None, *, zero_division: Any = "warn"
) -> Any:
    """A count metric's value from an accumulated count statistic (the one-shot formulas)."""
    s = acc.stats
    if s is None:
        raise ValueError(f"{metric}: no batches seen; call update() first.")
    multilabel = acc.kind == "multilabel"
    if metric in _PRF:
        return prfs_from_stats(
            s,
            average=average,
            zero_division=zero_division,
            warn_for=(("precision", "recall", "f-score")[_PRF[metric]],),
        )[_PRF[metric]]
    if metric == "jaccard":
        return jaccard_from_stats(s, average=average, zero_division=zero_division)
    if metric in ("subset_accuracy", "accuracy"):
        return subset_accuracy_from_stats(s)
    if metric == "hamming_loss":
        return hamming_from_stats(s) if multilabel else error_rate_from_stats(s)
    if metric == "balanced_accuracy":
        if multilabel:
            raise TargetError("balanced_accuracy is for binary and multi-class targets.")
        present = s.true != 0
        return float(np.mean(s.tp[present] / s.true[present]))
    raise ValueError(f"unknown count metric {metric!r}.")


def _count_metric_names() -> dict[str, tuple[str, str | None]]:
    names: dict[str, tuple[str, str | None]] = {}
    for metric in ("precision", "recall", "f1", "jaccard"):
        for suffix, average in _AVERAGES.items():
            names[f"{metric}_{suffix}"] = (metric, average)
    for metric in ("hamming_loss", "subset_accuracy", "accuracy", "balanced_accuracy"):
        names[metric] = (metric, None)
    return names


COUNT_METRICS = _count_metric_names()


class _MakeCountState:
    """Picklable factory of a count metric's state (a lambda would not pickle)."""

    def __init__(self, metric: str, average: str | None) -> None:
        self.metric, self.average = metric, average

    def __call__(self) -> CountMetricState:
        return CountMetricState(self.metric, self.average)


for _name, (_metric, _average) in COUNT_METRICS.items():
    register_metric(_name, _MakeCountState(_metric, _average), needs="labels")


def _sparse_scores(scores: Any) -> sp.csr_matrix:
    """Sparse top-k scores, checked: finite stored values (absent entries are not ranked)."""
    S = sp.csr_matrix(scores, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(S.data))
    if bad.shape[0]:
        row = int(np.searchsorted(S.indptr, bad[0], side="right") - 1)
        raise ValueError(
            f"Evaluator: the scores hold a NaN or infinite value at row {row}, label "
            f"{int(S.indices[bad[0]])}; scores must be finite (leave a label out instead)."
        )
    return S


class Evaluator:
    """Evaluate metrics over a stream of batches; merge evaluators from other workers.

    Which input ``update`` expects: when any requested metric needs scores (ranking metrics), or
    when ``rule`` or ``threshold`` is given, the second argument is a score matrix and the label
    metrics judge the label sets that ``rule`` (or ``threshold``) makes of it. Otherwise it is
    the predicted labels (0/1 matrix, label lists or 1-D classes).

    Scores may be sparse top-k matrices (e.g. ``LabelTree.predict_proba(X, k=5)`` or
    :func:`~labelwise.models.top_k_proba`): the at-k metrics rank only the stored entries,
    absent ones below them all, exactly as the one-shot functions do. Label metrics requested
    alongside see the label sets of the batch with absent entries as 0, which builds that batch
    densely: keep such batches small when there are many labels.

    Parameters
    ----------
    metrics : iterable of str
        Metric names (:data:`~labelwise.metrics.METRIC_NAMES`; an alias such as ``micro_f1`` or
        ``ndcg@5`` names the same metric), e.g. ``"f1_micro"``, ``"f1_macro"``,
        ``"f1_samples"``, ``"precision_weighted"``, ``"recall_per_label"``,
        ``"jaccard_samples"``, ``"hamming_loss"``, ``"subset_accuracy"``,
        ``"balanced_accuracy"``, and the score metrics ``"average_precision"``, ``"roc_auc"``,
        ``"label_ranking_average_precision"``, ``"ndcg_at_5"``, ...
        (``labelwise.metrics._state_registry.registered_metrics()`` lists them all).
    rule : DecisionRule, optional
        A fitted rule that turns scores into label sets for the label metrics, e.g. the
        ``rule_`` of a fitted :class:`~labelwise.decision.ThresholdedClassifier`, so that the
        metrics judge the same label sets as the model's ``predict``.
    label_space : LabelSpace, optional
        Columns for label lists.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        For the count metrics, as in the one-shot functions.
    threshold : float, optional
        Without ``rule``: the label metrics see ``scores >= threshold``. When neither is given
        and a score metric makes ``update`` take scores, the label metrics see
        ``scores >= 0.5`` (kept for existing code): that is not what a model with a tuned rule
        predicts, so pass ``rule=model.rule_`` to judge what it predicts.

    Attributes
    ----------
    metrics : list of str
        The canonical names of the requested metrics, in order, each once.

    Examples
    --------
    >>> ev = Evaluator(["f1_micro", "hamming_loss", "subset_accuracy"])
    >>> ev.update([[1, 0], [0, 1]], [[1, 0], [1, 1]])
    >>> other = Evaluator(["f1_micro", "hamming_loss", "subset_accuracy"])
    >>> other.update([[1, 1]], [[1, 1]])
    >>> ev.merge(other).compute()
    {'f1_micro': 0.888..., 'hamming_loss': 0.1666..., 'subset_accuracy': 0.666...}

    Results are keyed by the canonical names, and any alias finds them:

    >>> ev = Evaluator(["micro_f1", "lrap"], threshold=0.5)
    >>> ev.update([[1, 0], [0, 1]], [[0.9, 0.2], [0.8, 0.7]])
    >>> result = ev.compute()
    >>> result
    {'f1_micro': 0.8, 'label_ranking_average_precision': 0.75}
    >>> result["micro_f1"] == result["f1_micro"]
    True
    """

    def __init__(
        self,
        metrics: Iterable[str] = ("f1_micro", "f1_macro", "hamming_loss", "subset_accuracy"),
        rule: Any = None,
        label_space: LabelSpace | None = None,
        zero_division: Any = "warn",
        threshold: float | None = None,
    ) -> None:
        if isinstance(metrics, str):
            metrics = [metrics]
        # one spelling per metric: the canonical names, each once, in the order asked
        self.metrics = list(dict.fromkeys(get_metric(name).name for name in metrics))
        if not self.metrics:
            raise ValueError("Evaluator needs at least one metric.")
        check_zero_division(zero_division)
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, numbers.Real)
            or not np.isfinite(threshold)
        ):
            raise ValueError(f"Evaluator: threshold must be a finite number; got {threshold!r}.")
        self.rule = rule
        self.label_space = label_space
        self.zero_division = zero_division
        self.threshold = threshold
        # keep only what each metric needs (factories may be lambdas, which do not pickle)
        self.needs = {name: get_metric(name).needs for name in self.metrics}
        self.reset()

    @property
    def takes_scores(self) -> bool:
        """Whether ``update`` expects scores (see the class docstring)."""
        return (
            self.rule is not None or self.threshold is not None or "scores" in self.needs.values()
        )

    def reset(self) -> Evaluator:
        """Forget every batch seen."""
        self.states: dict[str, MetricState] = {
            name: get_metric(name).make_state() for name in self.metrics
        }
        count_states = [s for s in self.states.values() if isinstance(s, CountMetricState)]
        # one count statistic for all count metrics
        self.counts = CountStatsAccumulator(
            per_sample=any(s.needs_samples for s in count_states), label_space=self.label_space
        )
        for s in count_states:
            s.acc = self.counts
            s.zero_division = self.zero_division
        return self

    def _label_sets(self, scores: Any) -> np.ndarray:
        """The label sets the label metrics judge: the rule's, else ``scores >= threshold``."""
        dense = scores.toarray() if sp.issparse(scores) else scores
        if self.rule is not None:
            return self.rule.predict(dense)
        threshold = 0.5 if self.threshold is None else self.threshold
        return (dense >= threshold).astype(np.int8)

    def update(self, y_true: Any, y_score_or_pred: Any, sample_weight: Any = None) -> None:
        """Fold in one batch."""
        y_true = as_array(y_true)
        if self.takes_scores:
            scores = as_array(y_score_or_pred)
            scores = _sparse_scores(scores) if sp.issparse(scores) else check_scores(scores)
            y_pred = None
            if any(need != "scores" for need in self.needs.values()):
                y_pred = self._label_sets(scores)
            if _is_label_lists(y_true):
                if self.label_space is None:
                    raise TargetError(
                        "y_true is lists of label names but the scores have one column per "
                        "label: pass label_space= to say which name each column is."
                    )
                y_true = check_targets(y_true, label_space=self.label_space, name="y_true").Y
        else:
            scores, y_pred = None, as_array(y_score_or_pred)
        if any(isinstance(s, CountMetricState) for s in self.states.values()):
            try:
                self.counts.update(y_true, y_pred, sample_weight)
            except TargetError as err:
                if scores is None and "y_pred must contain only 0 and 1" in str(err):
                    raise TargetError(
                        f"{err} This Evaluator takes predicted labels: to evaluate scores, "
                        "pass rule= (a fitted rule such as model.rule_) or threshold=."
                    ) from None
                raise
        for name, state in self.states.items():
            if isinstance(state, CountMetricState):
                continue
            if self.needs[name] == "scores":
                if scores is None:
                    raise TargetError(f"{name} needs scores.")
                state.update(y_true, scores, sample_weight)
            else:
                state.update(y_true, y_pred, sample_weight)

    def merge(self, other: Evaluator) -> Evaluator:
        """Fold in another evaluator's statistics (same metrics), in place; return self."""
        if not isinstance(other, Evaluator) or other.metrics != self.metrics:
            raise ValueError(
                "can only merge an Evaluator with the same metrics "
                f"({self.metrics}); got {getattr(other, 'metrics', other)!r}."
            )
        self.counts.merge(other.counts)
        for name, state in self.states.items():
            if not isinstance(state, CountMetricState):
                state.merge(other.states[name])
        return self

    def compute(self) -> MetricValues:
        """Every metric's value from the statistics so far, by canonical name (aliases find it)."""
        return MetricValues((name, state.compute()) for name, state in self.states.items())

    def __repr__(self) -> str:
        n = 0 if self.counts.stats is None else self.counts.stats.n_samples
        return f"Evaluator(metrics={self.metrics!r}, samples_seen={n})"
