"""Thresholds tuned on validation scores: one global value, or one per label."""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Interval, Options, validate_params
from labelwise.data.targets import Targets, check_scores, check_targets
from labelwise.decision._base import DecisionRule
from labelwise.decision._global_sweep import global_cut
from labelwise.decision._per_label_sweep import per_label_fbeta_cuts
from labelwise.errors import ShapeError, TargetError
from labelwise.metrics.names import MetricOptions
from labelwise.problem import warn_if_softmax_scores

__all__ = [
    "GLOBAL_RULE_METRICS",
    "GlobalThreshold",
    "PerLabelThreshold",
    "indicator_matrix",
    "rule_thresholds",
]

#: The metrics a :class:`GlobalThreshold` can be tuned for, by canonical name.
GLOBAL_RULE_METRICS = ("f1_micro", "f1_macro", "f1_samples", "hamming_loss", "subset_accuracy")


def indicator_matrix(targets: Targets, who: str) -> np.ndarray:
    """The dense 0/1 (n_samples, n_labels) matrix a rule is fitted on.

    1-D binary targets give one column, the second class (the positive one in sorted order).
    """
    if targets.kind == "binary":
        if targets.Y.shape[1] != 2:
            raise TargetError(
                f"{who}.fit: y_true holds a single class {targets.classes!r}; tuning a decision "
                "needs both classes (or a 2-D 0/1 label matrix)."
            )
        return np.asarray(targets.Y[:, 1:], dtype=np.int8)
    Y = targets.Y.toarray() if hasattr(targets.Y, "toarray") else targets.Y
    return np.asarray(Y, dtype=np.int8)


def _fit_scores(rule: DecisionRule, y_score: Any) -> np.ndarray:
    """Validated scores to tune on; a valid float32 matrix is used as it is.

    The sweeps are exact in float32, and the float64 copy the score check makes would double
    the memory of the largest input. Anything else (or anything invalid) goes through the
    check, which converts it or says what is wrong and where.
    """
    if isinstance(y_score, np.ndarray) and y_score.dtype == np.float32 and y_score.ndim == 2:
        valid = bool(np.isfinite(y_score).all())
        if valid and rule._needs_probabilities and y_score.size:
            valid = bool(y_score.min() >= 0 and y_score.max() <= 1)
        if valid:
            return y_score
    return rule._check_scores(y_score)


def _check_fit_input(rule: DecisionRule, y_true: Any, y_score: Any, sample_weight: Any):
    """Validate (y_true, y_score) for fitting a rule; return the 0/1 matrix and the scores."""
    who = type(rule).__name__
    if sample_weight is not None:
        raise TypeError(f"{who}.fit does not support sample_weight; pass sample_weight=None.")
    targets = check_targets(y_true, name="y_true")
    Y = indicator_matrix(targets, who)
    S = _fit_scores(rule, y_score)
    if S.shape != Y.shape:
        raise ShapeError(
            f"{who}.fit: y_true has shape {Y.shape} but y_score has shape {S.shape}; they must "
            "match (one score column per label)."
        )
    if S.size == 0:
        raise ShapeError(f"{who}.fit: y_score has shape {S.shape}; tuning needs scores.")
    warn_if_softmax_scores(targets, S, where=f"{who}.fit")
    return np.asarray(Y, dtype=np.int8), S


def _check_predict_input(rule: DecisionRule, y_score: Any, n_labels: int) -> np.ndarray:
    s = check_scores(y_score, probabilities=rule._needs_probabilities)
    if s.shape[1] != n_labels:
        raise ShapeError(
            f"{type(rule).__name__} was fitted on {n_labels} labels but y_score has "
            f"{s.shape[1]} columns; pass scores for the same labels in the same order."
        )
    return s


class GlobalThreshold(DecisionRule):
    """One threshold for every label, tuned to maximise a metric on validation scores.

    Every distinct score is tried exactly (no grid); ties go to the lower threshold. The fitted
    threshold lies halfway between the chosen cut score and the next lower score, so ``score >=
    threshold_`` reproduces the best cut on the tuning data (see
    :mod:`labelwise.decision._per_label_sweep`).

    Parameters
    ----------
    metric : {"f1_micro", "f1_macro", "f1_samples", "hamming_loss", "subset_accuracy"}, \
default="f1_micro"
        What to optimise: micro-, macro- (over labels) or example-based (over rows) F-beta,
        Hamming loss (minimised) or subset accuracy. The canonical names of
        :data:`labelwise.metrics.METRIC_NAMES`; their aliases (``micro_f1``, ``hamming``, ...)
        name the same metric.
    beta : float, default=1.0
        Weight of recall in the F-beta metrics.

    Attributes
    ----------
    threshold_ : float
    best_score_ : float
        The metric reached on the tuning data.
    n_labels_ : int

    Examples
    --------
    >>> y = [[1, 0], [0, 1], [1, 1], [0, 0]]
    >>> s = [[0.9, 0.2], [0.3, 0.6], [0.7, 0.4], [0.35, 0.1]]
    >>> rule = GlobalThreshold().fit(y, s)
    >>> float(rule.threshold_), float(rule.best_score_)
    (0.375, 1.0)
    >>> rule.predict([[0.5, 0.2]])
    array([[1, 0]], dtype=int8)
    """

    _parameter_constraints: ClassVar[dict] = {
        "metric": [MetricOptions(GLOBAL_RULE_METRICS)],
        "beta": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, metric: str = "f1_micro", beta: float = 1.0) -> None:
        self.metric = metric
        self.beta = beta

    def fit(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> GlobalThreshold:
        """Tune the threshold on validation targets and scores of shape (n_samples, n_labels)."""
        validate_params(self)
        Y, S = _check_fit_input(self, y_true, y_score, sample_weight)
        cut = global_cut(Y, S, self.metric, float(self.beta))
        self.threshold_ = float(cut.threshold[0])
        self.best_score_ = float(cut.value[0])
        self.n_labels_ = S.shape[1]
        return self

    def predict(self, y_score: Any) -> np.ndarray:
        """Predict every label whose score is at or above ``threshold_``."""
        check_is_fitted(self, "threshold_", msg=_NOT_FITTED)
        s = _check_predict_input(self, y_score, self.n_labels_)
        return (s >= self.threshold_).astype(np.int8)


_NOT_FITTED = (
    "This %(name)s has not been fitted yet: call fit(y_true, y_score) on validation scores "
    "first, or use FixedThreshold for a threshold you choose yourself."
)


class PerLabelThreshold(DecisionRule):
    """One threshold per label, each maximising that label's F-beta on validation scores.

    Maximising each label's F-beta maximises macro-F-beta. The search is exact: each label's
    scores are sorted once and every distinct cut is evaluated; ties go to the lower threshold;
    the threshold sits halfway between the cut score and the next lower score.

    Parameters
    ----------
    beta : float, default=1.0
    fallback : "global" or float, default="global"
        Threshold for labels that cannot be tuned: no positive example in the validation data,
        or a best F-beta below ``min_fbeta``. ``"global"`` uses the threshold maximising
        micro-F-beta over all labels; a number is used as given.
    min_fbeta : float in [0, 1], default=0.1
        Labels whose best validation F-beta is below this use ``fallback``. A rare label whose
        few positives all score low reaches its best F-beta (close to 0) by predicting almost
        every example, a cut that does not generalise; this is the "fbr" safeguard of Fan & Lin,
        "A study on threshold selection for multi-label classification" (2007). 0 turns it off.

    Attributes
    ----------
    thresholds_ : ndarray of shape (n_labels,)
        Never NaN.
    best_scores_ : ndarray of shape (n_labels,)
        Each label's F-beta on the tuning data (0 for labels without positives).
    tuned_ : ndarray of bool, shape (n_labels,)
        False where the fallback was used (no positives, or best F-beta below ``min_fbeta``).
    n_labels_ : int

    Examples
    --------
    >>> y = [[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]]
    >>> s = [[0.9, 0.2, 0.1], [0.3, 0.6, 0.7], [0.2, 0.4, 0.2], [0.35, 0.1, 0.3]]
    >>> rule = PerLabelThreshold(fallback=0.5).fit(y, s)
    >>> rule.thresholds_  # label 0: cuts 0.9 and 0.2 tie at F1 = 2/3; the lower one wins
    array([0.2, 0.3, 0.5])
    >>> rule.tuned_
    array([ True,  True, False])
    """

    _parameter_constraints: ClassVar[dict] = {
        "beta": [Interval(numbers.Real, 0, None, closed="neither")],
        "fallback": [Options({"global"}), Interval(numbers.Real, None, None)],
        "min_fbeta": [Interval(numbers.Real, 0, 1)],
    }

    def __init__(
        self, beta: float = 1.0, fallback: str | float = "global", min_fbeta: float = 0.1
    ) -> None:
        self.beta = beta
        self.fallback = fallback
        self.min_fbeta = min_fbeta

    def fit(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> PerLabelThreshold:
        """Tune one threshold per label on validation targets and scores."""
        validate_params(self)
        if not isinstance(self.fallback, str) and not np.isfinite(self.fallback):
            raise ValueError(f"PerLabelThreshold: fallback must be finite; got {self.fallback!r}.")
        Y, S = _check_fit_input(self, y_true, y_score, sample_weight)
        cuts = per_label_fbeta_cuts(Y, S, float(self.beta))
        thresholds = cuts.threshold.copy()
        tuned = cuts.defined & (cuts.value >= self.min_fbeta)
        if not tuned.all():
            if isinstance(self.fallback, str):
                if not Y.any():
                    raise TargetError(
                        "PerLabelThreshold.fit: y_true has no positive label at all, so neither "
                        "per-label nor global thresholds can be tuned; pass a numeric fallback "
                        "(e.g. fallback=0.5) or more validation data."
                    )
                fill = float(global_cut(Y, S, "f1_micro", float(self.beta)).threshold[0])
            else:
                fill = float(self.fallback)
            thresholds[~tuned] = fill
        self.thresholds_ = thresholds
        self.best_scores_ = cuts.value
        self.tuned_ = tuned
        self.n_labels_ = S.shape[1]
        return self

    def predict(self, y_score: Any) -> np.ndarray:
        """Predict each label whose score is at or above its threshold."""
        check_is_fitted(self, "thresholds_", msg=_NOT_FITTED)
        s = _check_predict_input(self, y_score, self.n_labels_)
        return (s >= self.thresholds_).astype(np.int8)


def rule_thresholds(rule: Any, n_labels: int) -> np.ndarray | None:
    """The score threshold a fitted rule applies to each label, or None for non-threshold rules.

    Examples
    --------
    >>> from labelwise.decision import FixedThreshold
    >>> rule_thresholds(FixedThreshold(0.3), 2)
    array([0.3, 0.3])
    """
    if rule is None:
        return None
    for attr in ("thresholds_", "threshold_", "threshold"):
        value = getattr(rule, attr, None)
        if value is None:
            continue
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim == 0:
            return np.full(n_labels, float(arr))
        if arr.shape == (n_labels,):
            return arr
    return None
