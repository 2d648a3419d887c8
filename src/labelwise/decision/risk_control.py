"""Guaranteed decisions: thresholds fitted on a held-out calibration set that control a risk.

Each rule here is fitted on calibration scores and labels that the model never trained on, and
then decides like every other rule. Under exchangeability of calibration and test examples it
promises one of:

* :class:`RecallControl` -- the false-negative rate (share of an example's true labels that are
  missed) is at most ``alpha`` in expectation (conformal risk control, Angelopoulos et al.,
  "Conformal risk control", ICLR 2024), or with probability at least ``1 - delta`` over the
  calibration draw (Learn-then-Test with fixed-sequence testing and Hoeffding-Bentkus p-values,
  Angelopoulos, Bates, Candes, Jordan and Lei 2021); ``per_label=True`` controls each label's
  recall separately.
* :class:`PrecisionControl` -- the false-discovery proportion (share of an example's predicted
  labels that are wrong; 0 for an empty set) is at most ``alpha`` with probability ``1 - delta``
  (Learn-then-Test; the proportion is not monotone in the threshold, so no risk-curve inversion).
* :class:`FalsePositiveControl` -- the expected number of false positives per example is at most
  ``alpha`` (conformal risk control with the loss bounded by the number of labels).

Losses are per example and averaged over examples: ``fnr`` = FN / (TP + FN), 0 for an example
without true labels; ``fdp`` = FP / (TP + FP), 0 for an empty prediction; ``fp`` = FP.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy import stats
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Interval, check_params
from labelwise.data.targets import as_array, check_scores, check_targets
from labelwise.decision._base import DecisionRule
from labelwise.decision.thresholds import indicator_matrix
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError, TargetError

__all__ = [
    "AchievedRisk",
    "FalsePositiveControl",
    "Guarantee",
    "PrecisionControl",
    "RecallControl",
    "RiskCurve",
    "achieved_risk",
    "hoeffding_bentkus_pvalue",
    "required_calibration_size",
    "row_risk",
    "rows_seen_in_training",
]

RISKS = {
    "fnr": "false-negative rate (share of an example's true labels that are missed)",
    "fdp": "false-discovery proportion (share of an example's predicted labels that are wrong)",
    "fp": "number of false positives per example",
}

#: Candidate thresholds of the Learn-then-Test rules, fixed before any data is seen (the
#: procedure's validity needs a data-independent sequence): a 0.0005 grid on [0, 1] plus a
#: logarithmic grid for small probabilities of rare labels.
DEFAULT_THRESHOLDS = np.unique(np.r_[np.linspace(0.0, 1.0, 2001), np.geomspace(1e-6, 5e-4, 41)])

_UNIT = Interval(numbers.Real, 0, 1, closed="neither")
_CELLS_PER_CHUNK = 1 << 22  # bounds the memory of per-row statistics (about 32 MB of float64)


@dataclass(frozen=True)
class Guarantee:
    """What a fitted rule promises, in numbers and in words.

    Attributes
    ----------
    risk : {"fnr", "fdp", "fp", "miscoverage"}
    alpha : float
        The promised bound on the risk.
    delta : float or None
        The promise holds with probability at least ``1 - delta`` over the calibration draw;
        None for a promise in expectation over calibration and test data.
    n_calibration : int
        Calibration examples used (per label or class: the smallest such count).
    threshold : float or ndarray
        The calibrated threshold(s).
    method : str
    statement : str
        The promise in one sentence, with its assumptions.
    """

    risk: str
    alpha: float
    delta: float | None
    n_calibration: int
    threshold: float | np.ndarray
    method: str
    statement: str

    def __str__(self) -> str:
        return self.statement


@dataclass(frozen=True)
class RiskCurve:
    """Empirical risk of a rule's loss at each candidate threshold (``score >= threshold``)."""

    thresholds: np.ndarray
    risks: np.ndarray


@dataclass(frozen=True)
class AchievedRisk:
    """A measured risk with a two-sided Clopper-Pearson interval at ``confidence``."""

    risk: str
    value: float
    low: float
    high: float
    n: int
    confidence: float


# ---------------------------------------------------------------------------------------------
# Sample sizes and p-values


def _zero_risk_pvalue(n: int, alpha: float) -> float:
    """Hoeffding-Bentkus (and binomial) p-value of zero empirical risk: (1 - alpha) ** n."""
    return float((1.0 - alpha) ** n)


def required_calibration_size(
    alpha: float, delta: float | None = None, *, bound: float = 1.0, n_tests: int = 1
) -> int:
    """The smallest calibration size for which a guarantee can certify any threshold.

    In expectation (``delta=None``, conformal risk control and split conformal sets) the
    calibrated threshold satisfies ``(n R_hat + B) / (n + 1) <= alpha``, which is possible only
    when ``B / (n + 1) <= alpha``: ``n = ceil(B / alpha) - 1``. With probability ``1 - delta``
    (Learn-then-Test, per-label order statistics) even zero empirical risk has the p-value
    ``(1 - alpha) ** n`` (Hoeffding-Bentkus and the binomial tail agree there), which must be at
    most ``delta / n_tests`` (Bonferroni over ``n_tests`` labels): ``n = ceil(log(n_tests /
    delta) / -log(1 - alpha))``. Per-label and per-class rules need this many positives (or
    examples of the class) for every label.

    Parameters
    ----------
    alpha : float in (0, bound)
    delta : float in (0, 1) or None, default=None
    bound : float, default=1.0
        Upper bound B of the loss (the number of labels for the false-positive count).
    n_tests : int, default=1
        Number of simultaneous guarantees sharing ``delta`` (Bonferroni).

    Returns
    -------
    int

    Examples
    --------
    >>> required_calibration_size(0.1)
    9
    >>> required_calibration_size(0.1, 0.1)  # 0.9 ** 22 = 0.098 <= 0.1 < 0.9 ** 21
    22
    >>> required_calibration_size(0.5, bound=20)  # false positives per example, 20 labels
    39
    """
    check_params(
        {"alpha": alpha, "delta": delta, "bound": bound, "n_tests": n_tests},
        {
            "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
            "delta": [None, _UNIT],
            "bound": [Interval(numbers.Real, 0, None, closed="neither")],
            "n_tests": [Interval(numbers.Integral, 1, None)],
        },
        caller="required_calibration_size",
    )
    if delta is None:
        if alpha >= bound:
            return 0
        n = max(0, math.ceil(bound / alpha) - 1)
        while bound > alpha * (n + 1):  # agree exactly with the floating-point check in fit
            n += 1
        while n > 0 and bound <= alpha * n:
            n -= 1
        return n
    if alpha >= 1:
        raise ValueError(
            f"required_calibration_size: alpha must be below 1 with delta; got {alpha}"
        )
    level = delta / n_tests
    n = max(1, math.ceil(math.log(level) / math.log1p(-alpha)))
    while _zero_risk_pvalue(n, alpha) > level:
        n += 1
    while n > 1 and _zero_risk_pvalue(n - 1, alpha) <= level:
        n -= 1
    return n


def hoeffding_bentkus_pvalue(risk: Any, n: int, alpha: float) -> np.ndarray:
    """p-value of the null "true risk > alpha" given the mean ``risk`` of n losses in [0, 1].

    ``min(exp(-n h(min(risk, alpha), alpha)), e * P(Binomial(n, alpha) <= ceil(n risk)))`` with
    ``h(a, b) = a log(a/b) + (1-a) log((1-a)/(1-b))`` (Bates et al. 2021, Prop. 3.2; the
    Hoeffding-Bentkus bound of the Learn-then-Test paper).

    Examples
    --------
    >>> round(float(hoeffding_bentkus_pvalue(0.0, 22, 0.1)), 6)  # 0.9 ** 22
    0.098477
    >>> float(hoeffding_bentkus_pvalue(0.5, 100, 0.1))
    1.0
    """
    r = np.asarray(risk, dtype=float)
    a = np.minimum(r, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(a > 0, a * np.log(a / alpha), 0.0) + (1 - a) * np.log((1 - a) / (1 - alpha))
    hoeffding = np.exp(-n * h)
    k = np.ceil(n * r - 1e-9)  # a mean of exact counts can land a rounding error above k
    bentkus = math.e * stats.binom.cdf(k, n, alpha)
    return np.minimum(np.minimum(hoeffding, bentkus), 1.0)


# ---------------------------------------------------------------------------------------------
# Input checks and per-example losses


def _check_score_matrix(y_score: Any, who: str, probabilities: bool) -> np.ndarray | sp.csr_matrix:
    """Dense float64 scores, or a CSR matrix whose missing entries are score 0."""
    y_score = as_array(y_score)
    if not sp.issparse(y_score):
        return check_scores(y_score, name=f"{who}: y_score", probabilities=probabilities)
    s = sp.csr_matrix(y_score, dtype=np.float64)
    if s.ndim != 2:
        raise ShapeError(f"{who}: y_score must be 2-D (n_samples, n_labels); got {s.shape}.")
    bad = ~np.isfinite(s.data)
    if bad.any():
        raise TargetError(f"{who}: y_score has {int(bad.sum())} NaN or infinite stored values.")
    if probabilities and s.nnz and (s.data.min() < 0 or s.data.max() > 1):
        raise TargetError(
            f"{who}: y_score must be probabilities in [0, 1]; found stored values in "
            f"[{s.data.min():g}, {s.data.max():g}]. Pass predict_proba output, or calibrate the "
            "scores first (labelwise.decision.Calibrated)."
        )
    return s


def _dense_rows(S: Any, start: int, stop: int) -> np.ndarray:
    return S[start:stop].toarray() if sp.issparse(S) else S[start:stop]


def _chunks(n: int, width: int):
    step = max(1, _CELLS_PER_CHUNK // max(1, width))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _label_name(classes: tuple, j: int) -> str:
    name = classes[j] if j < len(classes) else j
    return f"label {name!r}" if not isinstance(name, (int, np.integer)) else f"label {int(name)}"


def _check_calibration(rule: DecisionRule, y_true: Any, y_score: Any, sample_weight: Any):
    """Validated (Y, S, label names) for fitting a risk-controlling rule."""
    who = f"{type(rule).__name__}.fit"
    if sample_weight is not None:
        raise TypeError(f"{who} does not support sample_weight; pass sample_weight=None.")
    targets = check_targets(y_true, name="y_true")
    Y = indicator_matrix(targets, type(rule).__name__)
    S = _check_score_matrix(y_score, who, rule._needs_probabilities)
    if S.shape != Y.shape:
        raise ShapeError(
            f"{who}: y_true has shape {Y.shape} but y_score has shape {S.shape}; they must match "
            "(one score column per label, the calibration rows in the same order)."
        )
    if S.shape[0] == 0:
        raise ShapeError(f"{who}: the calibration set is empty.")
    classes = targets.classes if targets.kind == "multilabel" else tuple(range(Y.shape[1]))
    return Y, S, classes


def _warn_if_seen(who: str, seen_in_training: Any, n: int) -> int:
    """Warn when calibration rows were used for training; return how many were."""
    if seen_in_training is None or seen_in_training is False:
        return 0
    if seen_in_training is True:
        count = n
    else:
        mask = np.asarray(seen_in_training, dtype=bool).ravel()
        if mask.shape[0] != n:
            raise ShapeError(
                f"{who}: seen_in_training has {mask.shape[0]} entries for {n} calibration rows."
            )
        count = int(mask.sum())
    if count:
        warnings.warn(
            f"{who}: {count} of {n} calibration rows were also used to train the model, so the "
            "guarantee no longer holds (scores of training rows are optimistic). Calibrate on "
            "rows the model never saw.",
            ProblemSetupWarning,
            stacklevel=3,
        )
    return count


def rows_seen_in_training(X_calibration: Any, X_train: Any) -> np.ndarray:
    """Which calibration rows also occur (identical feature values) among the training rows.

    Parameters
    ----------
    X_calibration, X_train : array-like or sparse matrix, or sequences of texts

    Returns
    -------
    ndarray of bool, shape (n_calibration,)
        Pass it as ``seen_in_training`` to a rule's ``fit``.

    Examples
    --------
    >>> rows_seen_in_training([[1, 2], [3, 4]], [[3, 4], [5, 6]])
    array([False,  True])
    >>> rows_seen_in_training(["a text", "b"], ["b"])
    array([False,  True])
    """

    def keys(X: Any) -> list:
        X = as_array(X)
        if sp.issparse(X):
            X = sp.csr_matrix(X)
            X.sum_duplicates()
            X.sort_indices()
            return [
                (X.indices[a:b].tobytes(), X.data[a:b].astype(float).tobytes())
                for a, b in zip(X.indptr[:-1], X.indptr[1:], strict=True)
            ]
        X = np.asarray(X)
        if X.ndim == 1:
            return [str(x) for x in X]
        X = np.ascontiguousarray(X, dtype=float) if X.dtype != object else X
        return [row.tobytes() if X.dtype != object else repr(tuple(row)) for row in X]

    train = set(keys(X_train))
    return np.array([k in train for k in keys(X_calibration)], dtype=bool)


def row_risk(y_true: Any, y_pred: Any, risk: str = "fnr") -> np.ndarray:
    """Each example's loss: ``"fnr"``, ``"fdp"`` (0 for an empty prediction) or ``"fp"``.

    Examples
    --------
    >>> row_risk([[1, 1, 0], [0, 0, 1]], [[1, 0, 1], [0, 0, 0]], "fnr")
    array([0.5, 1. ])
    >>> row_risk([[1, 1, 0], [0, 0, 1]], [[1, 0, 1], [0, 0, 0]], "fdp")
    array([0.5, 0. ])
    """
    if risk not in RISKS:
        raise ValueError(f"row_risk: risk must be one of {sorted(RISKS)}; got {risk!r}.")
    Y = check_targets(y_true, name="y_true").Y
    P = check_targets(y_pred, name="y_pred").Y
    Y = Y.toarray() if sp.issparse(Y) else np.asarray(Y)
    P = P.toarray() if sp.issparse(P) else np.asarray(P)
    if Y.shape != P.shape:
        raise ShapeError(f"row_risk: y_true has shape {Y.shape} but y_pred has {P.shape}.")
    tp = (Y & P).sum(axis=1).astype(float)
    if risk == "fp":
        return (P.sum(axis=1) - tp).astype(float)
    den = (Y if risk == "fnr" else P).sum(axis=1).astype(float)
    return np.divide(den - tp, den, out=np.zeros_like(den), where=den > 0)


def achieved_risk(
    y_true: Any, y_pred: Any, risk: str = "fnr", confidence: float = 0.95
) -> AchievedRisk:
    """The mean per-example risk of predictions with a Clopper-Pearson interval.

    The interval treats the sum of the per-example losses as a binomial count (scaled by the
    number of labels for ``"fp"``): exact for 0/1 losses (one true label per example), and
    conservative in practice for fractional ones, whose variance is below a Bernoulli's.

    Examples
    --------
    >>> r = achieved_risk([[1, 0], [1, 1], [0, 1], [1, 0]], [[1, 0], [1, 0], [0, 1], [0, 1]])
    >>> r.value, round(r.low, 3), round(r.high, 3)
    (0.375, 0.028, 0.877)
    """
    check_params({"confidence": confidence}, {"confidence": [_UNIT]}, caller="achieved_risk")
    losses = row_risk(y_true, y_pred, risk)
    n = losses.shape[0]
    scale = float(np.asarray(check_targets(y_true).Y.shape[1])) if risk == "fp" else 1.0
    k = float(losses.sum() / scale)
    a = 1 - confidence
    low = 0.0 if k <= 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    high = 1.0 if k >= n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    value = float(losses.mean()) if n else float("nan")
    return AchievedRisk(risk, value, low * scale, high * scale, n, confidence)


def _positive_scores(Y: np.ndarray, S: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores of the true labels: (rows, columns, scores); a sparse score missing is 0."""
    rows, cols = np.nonzero(Y)
    if sp.issparse(S):
        scores = np.asarray(S[rows, cols]).ravel() if rows.size else np.zeros(0)
    else:
        scores = S[rows, cols]
    return rows, cols, scores.astype(float)


def _negative_scores(Y: np.ndarray, S: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct scores of the false labels (ascending) and how many false labels have each."""
    if not sp.issparse(S):
        return np.unique(S[Y == 0], return_counts=True)
    stored = S.tocoo()
    neg = Y[stored.row, stored.col] == 0
    implicit = int((Y == 0).sum()) - int(neg.sum())  # missing entries are score 0
    v, inverse = np.unique(np.r_[stored.data[neg], 0.0], return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.r_[np.ones(int(neg.sum())), implicit])
    keep = counts > 0
    return v[keep], counts[keep].astype(np.int64)


def _mean_loss_on_grid(Y: np.ndarray, S: Any, grid: np.ndarray, risk: str) -> np.ndarray:
    """Mean per-example loss at every threshold of ``grid`` (exact, chunked)."""
    n = Y.shape[0]
    if risk == "fnr":  # a sum of per-label weights: no per-row pass needed
        v, below = _fnr_curve_exact(Y, S)
        total_weight = float((Y.sum(axis=1) > 0).sum())
        at = np.searchsorted(v, grid, side="left")
        return np.r_[below, total_weight][at] / n
    if risk == "fp":
        v, counts = _negative_scores(Y, S)
        at_or_above = np.r_[np.cumsum(counts[::-1])[::-1], 0]
        return at_or_above[np.searchsorted(v, grid, side="left")] / n
    # Example i's FDP at t is F_i[k] with k = #{labels with score >= t}, F_i[k] = FP among its
    # k best / k and F_i[0] = 0. Lowering t past the k-th best score adds F_i[k] - F_i[k - 1],
    # so the total at t is the sum of these steps over all labels scoring >= t.
    L = Y.shape[1]
    steps_in_bin = np.zeros(grid.shape[0] + 1)
    for start, stop in _chunks(n, L):
        s = _dense_rows(S, start, stop)
        order = np.argsort(-s, axis=1, kind="stable")
        ranked = np.take_along_axis(s, order, axis=1)
        hits = np.take_along_axis(Y[start:stop], order, axis=1)
        k = np.arange(1, L + 1)
        fdp = (k - np.cumsum(hits, axis=1)) / k
        step = np.diff(fdp, axis=1, prepend=0.0)
        b = np.searchsorted(grid, ranked, side="right")  # score >= grid[g] exactly when b > g
        steps_in_bin += np.bincount(b.ravel(), weights=step.ravel(), minlength=grid.shape[0] + 1)
    return np.cumsum(steps_in_bin[::-1])[::-1][1:] / n


def _fnr_curve_exact(Y: np.ndarray, S: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct true-label scores v (ascending) and sum over examples of FNR at ``score >= v``.

    Example i's FNR at threshold t is the weight 1/|Y_i| summed over its true labels scoring
    below t, so the total at v is the weight of all true labels scoring below v.
    """
    rows, _, scores = _positive_scores(Y, S)
    weights = 1.0 / Y.sum(axis=1)[rows]
    order = np.argsort(scores, kind="stable")
    v, first = np.unique(scores[order], return_index=True)
    below = np.r_[0.0, np.cumsum(weights[order])][first]
    return v, below


def _smallest_label_count(counts: np.ndarray, needed: int, classes: tuple, who: str, what: str):
    short = np.flatnonzero(counts < needed)
    if short.size:
        j = int(short[np.argmin(counts[short])])
        names = ", ".join(_label_name(classes, int(k)) for k in short[:5])
        more = f" and {short.size - 5} more" if short.size > 5 else ""
        raise ProblemSetupError(
            f"{who}: {_label_name(classes, j)} has {int(counts[j])} {what} in the calibration "
            f"set; its guarantee needs at least {needed}. Labels short of it: {names}{more}. "
            "Use a larger calibration set, or control recall over all labels together "
            "(per_label=False)."
        )


# ---------------------------------------------------------------------------------------------
# Rules

_NOT_FITTED = (
    "This %(name)s has not been fitted yet: call fit(y_true, y_score) on calibration scores of "
    "rows the model never trained on."
)


class _CalibratedRule(DecisionRule):
    """Shared shell: parameter checks, the too-small refusal, predict, risk curves."""

    _risk: ClassVar[str] = "fnr"
    _parameter_constraints: ClassVar[dict] = {}

    def _check_params(self) -> None:
        check_params(self.get_params(), self._parameter_constraints, caller=type(self).__name__)
        grid = getattr(self, "thresholds", None)
        if grid is not None:
            g = np.asarray(grid, dtype=float)
            if g.ndim != 1 or g.size == 0 or not np.isfinite(g).all():
                raise ValueError(
                    f"{type(self).__name__}: thresholds must be a non-empty 1-D array of finite "
                    "numbers fixed before seeing the calibration data."
                )

    def _grid(self) -> np.ndarray:
        grid = getattr(self, "thresholds", None)
        return DEFAULT_THRESHOLDS if grid is None else np.unique(np.asarray(grid, dtype=float))

    def _refuse_if_small(self, n: int, needed: int, what: str = "examples") -> None:
        if n < needed:
            delta = getattr(self, "delta", None)
            level = f"alpha={self.alpha:g}" + ("" if delta is None else f", delta={delta:g}")
            raise ProblemSetupError(
                f"{type(self).__name__}.fit: the calibration set has {n} {what}; a guarantee at "
                f"{level} needs at least {needed} (required_calibration_size). Use a larger "
                "calibration split or a looser alpha/delta."
            )

    def _statement_tail(self, n: int, seen: int) -> str:
        text = f" ({self.guarantee_method_}, n = {n} calibration examples)"
        if seen:
            text += (
                f". WARNING: {seen} calibration rows were seen in training, so this guarantee "
                "does not hold"
            )
        return text + "."

    def predict(self, y_score: Any) -> np.ndarray:
        """Predict every label whose score is at or above its calibrated threshold."""
        check_is_fitted(self, "guarantee_", msg=_NOT_FITTED)
        s = check_scores(y_score, probabilities=self._needs_probabilities)
        if s.shape[1] != self.n_labels_:
            raise ShapeError(
                f"{type(self).__name__} was calibrated on {self.n_labels_} labels but y_score has "
                f"{s.shape[1]} columns; pass scores for the same labels in the same order."
            )
        t = self.thresholds_ if hasattr(self, "thresholds_") else self.threshold_
        return (s >= t).astype(np.int8)

    def risk_curve(self, y_true: Any, y_score: Any, thresholds: Any = None) -> RiskCurve:
        """The rule's risk (its mean per-example loss) at each threshold, for a plot.

        ``thresholds`` defaults to the Learn-then-Test grid for probabilities and to 201
        quantiles of the scores otherwise. A fitted rule need not be.
        """
        who = f"{type(self).__name__}.risk_curve"
        targets = check_targets(y_true, name="y_true")
        Y = indicator_matrix(targets, type(self).__name__)
        S = _check_score_matrix(y_score, who, False)
        if S.shape != Y.shape:
            raise ShapeError(f"{who}: y_true has shape {Y.shape} but y_score has {S.shape}.")
        if thresholds is None:
            data = S.data if sp.issparse(S) else S
            if data.size == 0 or (data.min() >= 0 and data.max() <= 1):
                grid = DEFAULT_THRESHOLDS
            else:
                grid = np.unique(np.quantile(data, np.linspace(0, 1, 201)))
        else:
            grid = np.unique(np.asarray(thresholds, dtype=float))
        return RiskCurve(grid, _mean_loss_on_grid(Y, S, grid, self._risk))


class RecallControl(_CalibratedRule):
    """One threshold (or one per label) that keeps the false-negative rate at most ``alpha``.

    The loss of an example is the share of its true labels scoring below the threshold (0 for
    an example without true labels). With ``delta=None`` the promise is in expectation over
    calibration and test data: conformal risk control picks the largest threshold t with
    ``(n R_hat(t) + 1) / (n + 1) <= alpha`` over all real t (Angelopoulos et al. 2024, B = 1).
    With ``delta`` the promise holds with probability at least ``1 - delta`` over the
    calibration draw: Learn-then-Test tests "risk > alpha" at each threshold of a fixed grid,
    from the lowest upward (fixed-sequence testing, no multiplicity correction needed), with
    Hoeffding-Bentkus p-values, and keeps the highest threshold before the first failure.

    ``per_label=True`` gives each label j its own threshold controlling P(score_j < t_j | label
    j true) <= alpha: in expectation, the conformal order statistic (the
    ``floor(alpha (n_j + 1))``-th smallest score among the n_j calibration examples having the
    label), a separate promise per label; with ``delta``, the largest order statistic k with
    ``P(Binomial(n_j, alpha) <= k - 1) <= delta / L`` (Bonferroni over the L labels), so all
    labels' promises hold together with probability ``1 - delta``.

    Parameters
    ----------
    alpha : float in (0, 1), default=0.1
        Allowed false-negative rate (recall at least ``1 - alpha``).
    delta : float in (0, 1) or None, default=None
    per_label : bool, default=False
    thresholds : array-like or None, default=None
        Candidate thresholds of the Learn-then-Test search (``delta`` with ``per_label=False``),
        fixed in advance; None uses :data:`DEFAULT_THRESHOLDS` (which needs probabilities).

    Attributes
    ----------
    threshold_ : float
        (``per_label=False``) ``-inf`` predicts every label, ``inf`` none.
    thresholds_ : ndarray of shape (n_labels,)
        (``per_label=True``)
    guarantee_ : Guarantee
    n_labels_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = (rng.random((200, 3)) < 0.3).astype(int)
    >>> s = np.clip(0.5 * y + 0.6 * rng.random((200, 3)), 0, 1)
    >>> rule = RecallControl(alpha=0.1).fit(y, s)
    >>> print(rule.guarantee_)  # doctest: +NORMALIZE_WHITESPACE
    The expected false-negative rate (share of an example's true labels that are missed) on a
    new exchangeable example is at most 0.1 (conformal risk control, n = 200 calibration
    examples).
    >>> round(rule.threshold_, 3), rule.predict(s[:2]).tolist()
    (0.582, [[0, 1, 1], [1, 0, 0]])
    >>> RecallControl(alpha=0.1, delta=0.1).required_calibration_size()
    22
    """

    _risk = "fnr"
    _parameter_constraints: ClassVar[dict] = {
        "alpha": [_UNIT],
        "delta": [None, _UNIT],
        "per_label": [bool],
    }

    def __init__(
        self,
        alpha: float = 0.1,
        delta: float | None = None,
        per_label: bool = False,
        thresholds: Any = None,
    ) -> None:
        self.alpha = alpha
        self.delta = delta
        self.per_label = per_label
        self.thresholds = thresholds

    @property
    def _needs_probabilities(self) -> bool:  # type: ignore[override]
        return self.delta is not None and not self.per_label and self.thresholds is None

    def required_calibration_size(self, n_labels: int = 1) -> int:
        """Calibration examples (per label: examples having the label) the guarantee needs."""
        self._check_params()
        tests = n_labels if (self.per_label and self.delta is not None) else 1
        return required_calibration_size(self.alpha, self.delta, n_tests=tests)

    def fit(
        self, y_true: Any, y_score: Any, sample_weight: Any = None, *, seen_in_training: Any = None
    ) -> RecallControl:
        """Calibrate on scores and labels of rows the model never trained on.

        ``seen_in_training`` (bool, or one bool per row, e.g. from :func:`rows_seen_in_training`)
        marks rows that were used for training: the rule still fits but warns that the
        guarantee no longer holds.
        """
        self._check_params()
        Y, S, classes = _check_calibration(self, y_true, y_score, sample_weight)
        n, L = Y.shape
        seen = _warn_if_seen(f"{type(self).__name__}.fit", seen_in_training, n)
        alpha = float(self.alpha)
        if hasattr(self, "thresholds_"):
            del self.thresholds_
        if self.per_label:
            counts = Y.sum(axis=0).astype(np.int64)
            needed = self.required_calibration_size(L)
            _smallest_label_count(
                counts, needed, classes, f"{type(self).__name__}.fit", "positives"
            )
            self.thresholds_ = self._per_label_thresholds(Y, S, counts, alpha)
            threshold: float | np.ndarray = self.thresholds_
            n_cal = int(counts.min())
            if self.delta is None:
                self.guarantee_method_ = "per-label conformal risk control"
                lead = (
                    f"For each label separately, the expected share of new exchangeable examples "
                    f"having the label that miss it is at most {alpha:g}"
                )
            else:
                self.guarantee_method_ = (
                    f"per-label binomial order statistics, Bonferroni over {L} labels"
                )
                lead = (
                    f"With probability at least {1 - self.delta:g} over the calibration draw, "
                    f"every label's false-negative rate (share of examples having it that miss "
                    f"it) is at most {alpha:g}, all labels together"
                )
            tail = self._statement_tail(n_cal, seen).replace("n = ", "at least ")
            tail = tail.replace("calibration examples", "calibration positives per label")
        else:
            self._refuse_if_small(n, self.required_calibration_size())
            if self.delta is None:
                self.guarantee_method_ = "conformal risk control"
                self.threshold_ = self._crc_threshold(Y, S, alpha)
                lead = (
                    f"The expected {RISKS['fnr']} on a new exchangeable example is at most "
                    f"{alpha:g}"
                )
            else:
                self.guarantee_method_ = "Learn-then-Test, fixed sequence, Hoeffding-Bentkus"
                self.threshold_ = self._ltt_threshold(Y, S, alpha, float(self.delta))
                lead = (
                    f"With probability at least {1 - self.delta:g} over the calibration draw, "
                    f"the {RISKS['fnr']} is at most {alpha:g} on average over new exchangeable "
                    "examples"
                )
            threshold, n_cal = self.threshold_, n
            tail = self._statement_tail(n, seen)
        self.n_labels_ = L
        self.guarantee_ = Guarantee(
            "fnr", alpha, self.delta, n_cal, threshold, self.guarantee_method_, lead + tail
        )
        return self

    @staticmethod
    def _crc_threshold(Y: np.ndarray, S: Any, alpha: float) -> float:
        n = Y.shape[0]
        v, below = _fnr_curve_exact(Y, S)
        budget = alpha * (n + 1) - 1.0  # (n R_hat(t) + 1) / (n + 1) <= alpha
        if float((Y.sum(axis=1) > 0).sum()) <= budget:
            return float("inf")  # missing every label keeps the promise
        return float(v[np.flatnonzero(below <= budget + 1e-12)[-1]])

    def _ltt_threshold(self, Y: np.ndarray, S: Any, alpha: float, delta: float) -> float:
        grid = self._grid()
        risk = _mean_loss_on_grid(Y, S, grid, "fnr")
        ok = hoeffding_bentkus_pvalue(risk, Y.shape[0], alpha) <= delta
        if not ok[0]:  # scores below the lowest candidate: predict every label, risk 0
            return float("-inf")
        return float(grid[np.argmin(ok) - 1] if not ok.all() else grid[-1])

    def _per_label_thresholds(
        self, Y: np.ndarray, S: Any, counts: np.ndarray, alpha: float
    ) -> np.ndarray:
        _, cols, scores = _positive_scores(Y, S)
        order = np.lexsort((scores, cols))
        start = np.r_[0, np.cumsum(counts)[:-1]]
        if self.delta is None:
            k = np.floor(alpha * (counts + 1)).astype(np.int64)
        else:
            level = float(self.delta) / Y.shape[1]
            k = np.array(
                [int((stats.binom.cdf(np.arange(c), c, alpha) <= level).sum()) for c in counts]
            )
        return scores[order][start + np.maximum(k, 1) - 1]


class PrecisionControl(_CalibratedRule):
    """One threshold keeping the false-discovery proportion at most ``alpha`` w.p. ``1 - delta``.

    The loss of an example is the share of its predicted labels that are wrong, defined as 0
    when nothing is predicted (so "predict nothing" always keeps the promise). It is not
    monotone in the threshold, so the rule uses Learn-then-Test (Angelopoulos, Bates, Candes,
    Jordan and Lei 2021): the null "risk > alpha" is tested at each threshold of a fixed grid,
    from the highest (fewest labels) downward, with Hoeffding-Bentkus p-values at level
    ``delta`` (fixed-sequence testing controls the family-wise error without correction); the
    lowest threshold reached before the first failure is kept.

    Parameters
    ----------
    alpha : float in (0, 1), default=0.1
        Allowed false-discovery proportion (precision at least ``1 - alpha``).
    delta : float in (0, 1), default=0.1
    thresholds : array-like or None, default=None
        The fixed candidate grid; None uses :data:`DEFAULT_THRESHOLDS` (needs probabilities).

    Attributes
    ----------
    threshold_ : float
        ``inf`` when no candidate could be certified (every set empty).
    guarantee_ : Guarantee
    n_labels_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = (rng.random((300, 3)) < 0.3).astype(int)
    >>> s = np.clip(0.5 * y + 0.6 * rng.random((300, 3)), 0, 1)
    >>> rule = PrecisionControl(alpha=0.2, delta=0.1).fit(y, s)
    >>> round(rule.threshold_, 4), rule.guarantee_.method
    (0.5385, 'Learn-then-Test, fixed sequence, Hoeffding-Bentkus')
    """

    _risk = "fdp"
    _parameter_constraints: ClassVar[dict] = {"alpha": [_UNIT], "delta": [_UNIT]}

    def __init__(self, alpha: float = 0.1, delta: float = 0.1, thresholds: Any = None) -> None:
        self.alpha = alpha
        self.delta = delta
        self.thresholds = thresholds

    @property
    def _needs_probabilities(self) -> bool:  # type: ignore[override]
        return self.thresholds is None

    def required_calibration_size(self, n_labels: int = 1) -> int:
        """Calibration examples needed to certify any non-empty prediction."""
        self._check_params()
        return required_calibration_size(self.alpha, self.delta)

    def fit(
        self, y_true: Any, y_score: Any, sample_weight: Any = None, *, seen_in_training: Any = None
    ) -> PrecisionControl:
        """Calibrate on scores and labels of rows the model never trained on (see
        :meth:`RecallControl.fit` for ``seen_in_training``)."""
        self._check_params()
        Y, S, _ = _check_calibration(self, y_true, y_score, sample_weight)
        n, L = Y.shape
        seen = _warn_if_seen(f"{type(self).__name__}.fit", seen_in_training, n)
        self._refuse_if_small(n, self.required_calibration_size())
        alpha, delta = float(self.alpha), float(self.delta)
        grid = self._grid()
        risk = _mean_loss_on_grid(Y, S, grid, "fdp")[::-1]
        grid = grid[::-1]  # tested from the highest threshold (fewest labels) down
        ok = hoeffding_bentkus_pvalue(risk, n, alpha) <= delta
        if not ok[0]:
            self.threshold_ = float("inf")
            warnings.warn(
                "PrecisionControl.fit: no threshold could be certified at this alpha and delta; "
                "the rule predicts no label at all (an empty set has no false discovery).",
                ProblemSetupWarning,
                stacklevel=2,
            )
        else:
            self.threshold_ = float(grid[np.argmin(ok) - 1] if not ok.all() else grid[-1])
        self.guarantee_method_ = "Learn-then-Test, fixed sequence, Hoeffding-Bentkus"
        lead = (
            f"With probability at least {1 - delta:g} over the calibration draw, the "
            f"{RISKS['fdp']}, counted as 0 for an empty prediction, is at most {alpha:g} on "
            "average over new exchangeable examples"
        )
        self.n_labels_ = L
        self.guarantee_ = Guarantee(
            "fdp",
            alpha,
            delta,
            n,
            self.threshold_,
            self.guarantee_method_,
            lead + self._statement_tail(n, seen),
        )
        return self


class FalsePositiveControl(_CalibratedRule):
    """One threshold keeping the expected number of false positives per example at most
    ``alpha``.

    Conformal risk control (Angelopoulos et al. 2024) with the loss "false labels scoring at
    or above the threshold", which grows as the threshold falls and is bounded by ``bound``
    (default: the number of labels L): the lowest threshold t with ``(n R_hat(t) + B) / (n + 1)
    <= alpha`` over all real t.

    Parameters
    ----------
    alpha : float > 0, default=1.0
        Allowed expected false positives per example.
    bound : int or None, default=None
        Largest possible loss B. None: the number of labels. A smaller value is your statement
        that no example can have more false positives (e.g. an upstream top-k cut).

    Attributes
    ----------
    threshold_ : float
    guarantee_ : Guarantee
    n_labels_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = (rng.random((200, 4)) < 0.3).astype(int)
    >>> s = np.clip(0.5 * y + 0.6 * rng.random((200, 4)), 0, 1)
    >>> rule = FalsePositiveControl(alpha=0.5).fit(y, s)
    >>> round(rule.threshold_, 3), rule.required_calibration_size(4)
    (0.506, 7)
    """

    _risk = "fp"
    _parameter_constraints: ClassVar[dict] = {
        "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
        "bound": [None, Interval(numbers.Integral, 1, None)],
    }

    def __init__(self, alpha: float = 1.0, bound: int | None = None) -> None:
        self.alpha = alpha
        self.bound = bound

    def required_calibration_size(self, n_labels: int = 1) -> int:
        """Calibration examples needed: ``ceil(B / alpha) - 1`` with B the loss bound."""
        self._check_params()
        bound = n_labels if self.bound is None else self.bound
        return required_calibration_size(self.alpha, bound=float(bound))

    def fit(
        self, y_true: Any, y_score: Any, sample_weight: Any = None, *, seen_in_training: Any = None
    ) -> FalsePositiveControl:
        """Calibrate on scores and labels of rows the model never trained on (see
        :meth:`RecallControl.fit` for ``seen_in_training``)."""
        self._check_params()
        Y, S, _ = _check_calibration(self, y_true, y_score, sample_weight)
        n, L = Y.shape
        seen = _warn_if_seen(f"{type(self).__name__}.fit", seen_in_training, n)
        self._refuse_if_small(n, self.required_calibration_size(L))
        B = float(L if self.bound is None else self.bound)
        alpha = float(self.alpha)
        v, counts = _negative_scores(Y, S)
        at_or_above = np.cumsum(counts[::-1])[::-1]
        budget = alpha * (n + 1) - B
        fits = np.flatnonzero(at_or_above <= budget + 1e-9)
        if v.size == 0 or at_or_above[0] <= budget + 1e-9:
            self.threshold_ = float("-inf")
        elif fits.size:
            self.threshold_ = float(v[fits[0]])
        else:
            self.threshold_ = float(np.nextafter(v[-1], np.inf))
        self.guarantee_method_ = f"conformal risk control, loss bound B = {B:g}"
        lead = (
            f"The expected number of false positives on a new exchangeable example is at most "
            f"{alpha:g}"
        )
        self.n_labels_ = L
        self.guarantee_ = Guarantee(
            "fp",
            alpha,
            None,
            n,
            self.threshold_,
            self.guarantee_method_,
            lead + self._statement_tail(n, seen),
        )
        return self
