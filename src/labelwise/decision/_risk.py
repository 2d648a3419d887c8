"""The statistics behind guaranteed decisions: per-example losses and their curves over
thresholds, p-values, calibration sizes, input checks, and the measured risk of predictions.

Losses are per example: ``fnr`` = FN / (TP + FN), 0 for an example without true labels;
``fdp`` = FP / (TP + FP), 0 for an empty prediction; ``fp`` = FP. The rules that use them are in
:mod:`labelwise.decision.risk_control` and :mod:`labelwise.decision.conformal`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy import stats

from labelwise._validation import Interval, Options, check_params
from labelwise.data.targets import as_array, check_scores, check_targets, one_column
from labelwise.decision._base import DecisionRule
from labelwise.decision.thresholds import indicator_matrix
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError, TargetError

__all__ = [
    "DEFAULT_THRESHOLDS",
    "AchievedRisk",
    "Guarantee",
    "RiskCurve",
    "achieved_risk",
    "hoeffding_bentkus_pvalue",
    "required_calibration_size",
    "row_risk",
    "rows_seen_in_training",
    "wsr_reject",
]

#: Learn-then-Test tests: Hoeffding-Bentkus p-values, or the Waudby-Smith-Ramdas betting test.
PVALUES = ("hb", "wsr")

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
    alpha: float,
    delta: float | None = None,
    *,
    bound: float = 1.0,
    n_tests: int = 1,
    pvalues: str = "hb",
) -> int:
    """The smallest calibration size for which a guarantee can certify any threshold.

    In expectation (``delta=None``, conformal risk control and split conformal sets) the
    calibrated threshold satisfies ``(n R_hat + B) / (n + 1) <= alpha``, which is possible only
    when ``B / (n + 1) <= alpha``: ``n = ceil(B / alpha) - 1``. With probability ``1 - delta``
    (Learn-then-Test, per-label order statistics) even zero empirical risk has the p-value
    ``(1 - alpha) ** n`` (Hoeffding-Bentkus and the binomial tail agree there), which must be at
    most ``delta / n_tests`` (Bonferroni over ``n_tests`` labels): ``n = ceil(log(n_tests /
    delta) / -log(1 - alpha))``. Per-label and per-class rules need this many positives (or
    examples of the class) for every label. With ``pvalues="wsr"`` (the betting test of
    :func:`wsr_reject`) there is no closed form: the size is the smallest n at which n zero
    losses are rejected, found by search (it is a little larger than the Hoeffding-Bentkus one).

    Parameters
    ----------
    alpha : float in (0, bound)
    delta : float in (0, 1) or None, default=None
    bound : float, default=1.0
        Upper bound B of the loss (the number of labels for the false-positive count).
    n_tests : int, default=1
        Number of simultaneous guarantees sharing ``delta`` (Bonferroni).
    pvalues : {"hb", "wsr"}, default="hb"
        The Learn-then-Test test the size is for (only with ``delta``).

    Returns
    -------
    int

    Examples
    --------
    >>> required_calibration_size(0.1)
    9
    >>> required_calibration_size(0.1, 0.1)  # 0.9 ** 22 = 0.098 <= 0.1 < 0.9 ** 21
    22
    >>> required_calibration_size(0.1, 0.1, pvalues="wsr")
    25
    >>> required_calibration_size(0.5, bound=20)  # false positives per example, 20 labels
    39
    """
    check_params(
        {"alpha": alpha, "delta": delta, "bound": bound, "n_tests": n_tests, "pvalues": pvalues},
        {
            "alpha": [Interval(numbers.Real, 0, None, closed="neither")],
            "delta": [None, _UNIT],
            "bound": [Interval(numbers.Real, 0, None, closed="neither")],
            "n_tests": [Interval(numbers.Integral, 1, None)],
            "pvalues": [Options(PVALUES)],
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
    if pvalues == "wsr":  # at least the Hoeffding-Bentkus size; search upward
        while not wsr_reject([np.zeros((n, 1))], n, alpha, level)[0]:
            n += 1
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


def _label_matrix(targets: Any, who: str) -> np.ndarray | sp.csr_matrix:
    """The 0/1 (n_samples, n_labels) int8 matrix a rule is fitted on: CSR when the targets are
    sparse (a many-label matrix is never densified), dense otherwise."""
    if targets.kind == "binary" or not sp.issparse(targets.Y):
        return indicator_matrix(targets, who)
    Y = sp.csr_matrix(targets.Y, dtype=np.int8)
    Y.eliminate_zeros()
    return Y


def _row_counts(Y: Any) -> np.ndarray:
    """True labels per example."""
    return np.asarray(Y.sum(axis=1)).ravel()


def _label_counts(Y: Any) -> np.ndarray:
    """Positives per label."""
    return np.asarray(Y.sum(axis=0)).ravel().astype(np.int64)


def _chunks(n: int, width: int):
    step = max(1, _CELLS_PER_CHUNK // max(1, width))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _label_name(classes: tuple, j: int, noun: str = "label") -> str:
    name = classes[j] if j < len(classes) else j
    return f"{noun} {int(name)}" if isinstance(name, (int, np.integer)) else f"{noun} {name!r}"


def _check_calibration(rule: DecisionRule, y_true: Any, y_score: Any, sample_weight: Any):
    """Validated (Y, S, label names) for fitting a risk-controlling rule."""
    who = f"{type(rule).__name__}.fit"
    if sample_weight is not None:
        raise TypeError(f"{who} does not support sample_weight; pass sample_weight=None.")
    targets = check_targets(y_true, name="y_true")
    Y = _label_matrix(targets, type(rule).__name__)
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


def _loss_matrices(y_true: Any, y_pred: Any, who: str) -> tuple[Any, Any]:
    """0/1 (n, L) matrices of true and predicted label sets of the same shape: both CSR when
    either is sparse (nothing is densified), both dense otherwise.

    A one-column 2-D input is one label's column (as the rules read it), whichever classes it
    happens to hold: a column of ones must not become a one-class target.
    """

    def matrix(y: Any, name: str) -> np.ndarray:
        col = one_column(as_array(y))
        if col is not None:
            col = np.asarray(col)
            if not np.isin(col, (0, 1)).all():
                raise TargetError(f"{who}: a one-column {name} must hold 0/1 values.")
            return col.reshape(-1, 1).astype(np.int8)
        Y = check_targets(y, name=name).Y
        return sp.csr_matrix(Y, dtype=np.int8) if sp.issparse(Y) else np.asarray(Y)

    Y, P = matrix(y_true, "y_true"), matrix(y_pred, "y_pred")
    if Y.shape != P.shape:
        raise ShapeError(f"{who}: y_true has shape {Y.shape} but y_pred has {P.shape}.")
    if sp.issparse(Y) or sp.issparse(P):
        return sp.csr_matrix(Y, dtype=np.int8), sp.csr_matrix(P, dtype=np.int8)
    return Y, P


def row_risk(y_true: Any, y_pred: Any, risk: str = "fnr") -> np.ndarray:
    """Each example's loss: ``"fnr"``, ``"fdp"`` (0 for an empty prediction) or ``"fp"``.

    Examples
    --------
    >>> row_risk([[1, 1, 0], [0, 0, 1]], [[1, 0, 1], [0, 0, 0]], "fnr")
    array([0.5, 1. ])
    >>> row_risk([[1, 1, 0], [0, 0, 1]], [[1, 0, 1], [0, 0, 0]], "fdp")
    array([0.5, 0. ])
    >>> row_risk([[1], [1]], [[1], [0]], "fnr")  # one label's column
    array([0., 1.])
    """
    if risk not in RISKS:
        raise ValueError(f"row_risk: risk must be one of {sorted(RISKS)}; got {risk!r}.")
    Y, P = _loss_matrices(y_true, y_pred, "row_risk")
    both = Y.multiply(P) if sp.issparse(Y) else Y & P
    tp = _row_counts(both).astype(float)
    if risk == "fp":
        return (_row_counts(P) - tp).astype(float)
    den = _row_counts(Y if risk == "fnr" else P).astype(float)
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
    scale = (
        float(_loss_matrices(y_true, y_pred, "achieved_risk")[0].shape[1]) if risk == "fp" else 1.0
    )
    k = float(losses.sum() / scale)
    a = 1 - confidence
    low = 0.0 if k <= 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    high = 1.0 if k >= n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    value = float(losses.mean()) if n else float("nan")
    return AchievedRisk(risk, value, low * scale, high * scale, n, confidence)


def _positive_scores(Y: np.ndarray, S: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores of the true labels: (rows, columns, scores); a sparse score missing is 0."""
    rows, cols = Y.nonzero()
    if sp.issparse(S):
        scores = np.asarray(S[rows, cols]).ravel() if rows.size else np.zeros(0)
    else:
        scores = S[rows, cols]
    return rows, cols, scores.astype(float)


def _negative_scores(Y: np.ndarray, S: Any) -> tuple[np.ndarray, np.ndarray]:
    """Distinct scores of the false labels (ascending) and how many false labels have each."""
    if not sp.issparse(S):  # the scores are dense already: Y's dense copy is no larger
        Y = Y.toarray() if sp.issparse(Y) else Y
        return np.unique(S[Y == 0], return_counts=True)
    stored = S.tocoo()
    neg = np.asarray(Y[stored.row, stored.col]).ravel() == 0
    n_negative = Y.shape[0] * Y.shape[1] - int(_label_counts(Y).sum())
    implicit = n_negative - int(neg.sum())  # missing entries are score 0
    v, inverse = np.unique(np.r_[stored.data[neg], 0.0], return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.r_[np.ones(int(neg.sum())), implicit])
    keep = counts > 0
    return v[keep], counts[keep].astype(np.int64)


def _mean_loss_on_grid(Y: np.ndarray, S: Any, grid: np.ndarray, risk: str) -> np.ndarray:
    """Mean per-example loss at every threshold of ``grid`` (exact, chunked)."""
    n = Y.shape[0]
    if risk == "fnr":  # a sum of per-label weights: no per-row pass needed
        v, below = _fnr_curve_exact(Y, S)
        total_weight = float((_row_counts(Y) > 0).sum())
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
        hits = np.take_along_axis(_dense_rows(Y, start, stop), order, axis=1)
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
    weights = 1.0 / _row_counts(Y)[rows]
    order = np.argsort(scores, kind="stable")
    v, first = np.unique(scores[order], return_index=True)
    below = np.r_[0.0, np.cumsum(weights[order])][first]
    return v, below


def _smallest_label_count(
    counts: np.ndarray, needed: int, classes: tuple, who: str, what: str, n_rows: int
) -> None:
    """Refuse when a label (or class) has fewer than ``needed`` calibration ``what``; name the
    scarcest one and how many calibration examples would hold enough at its frequency."""
    short = np.flatnonzero(counts < needed)
    if not short.size:
        return
    j = int(short[np.argmin(counts[short])])
    noun, plural = ("class", "Classes") if what == "examples" else ("label", "Labels")
    names = ", ".join(_label_name(classes, int(k), noun) for k in short[:5])
    more = f" and {short.size - 5} more" if short.size > 5 else ""
    if what == "examples":
        advice = "Use a larger calibration set, or marginal sets (class_conditional=False)."
    else:
        advice = (
            "Use a larger calibration set, or control recall over all labels together "
            "(per_label=False)."
        )
    scale = ""
    if counts[j] > 0:
        rows = math.ceil(needed * n_rows / counts[j])
        scale = f" (about {rows} calibration examples at its frequency)"
    raise ProblemSetupError(
        f"{who}: {_label_name(classes, j, noun)} has {int(counts[j])} {what} in the calibration "
        f"set; its guarantee needs at least {needed}{scale}. {plural} short of it: "
        f"{names}{more}. " + advice
    )


def _row_losses_on_grid(Y: np.ndarray, S: Any, grid: np.ndarray, risk: str):
    """Per-example losses at every threshold of ``grid``, in row order, as (rows, G) chunks.

    An example's loss is a step function of the threshold that changes only at its own
    scores: each label adds a step in the bin of its score (``score >= grid[g]`` exactly when
    the bin is above g), and a cumulative sum over the bins gives the loss at every threshold.
    """
    G = grid.shape[0]
    n, L = Y.shape
    for start, stop in _chunks(n, max(L, G + 1)):
        s = _dense_rows(S, start, stop)
        y = _dense_rows(Y, start, stop).astype(float)
        c = stop - start
        if risk == "fdp":
            order = np.argsort(-s, axis=1, kind="stable")
            s = np.take_along_axis(s, order, axis=1)
            hits = np.take_along_axis(y, order, axis=1)
            k = np.arange(1, L + 1)
            step = np.diff((k - np.cumsum(hits, axis=1)) / k, axis=1, prepend=0.0)
        elif risk == "fnr":  # a true label scoring >= t is no longer missed
            n_true = y.sum(axis=1, keepdims=True)
            step = -np.divide(y, n_true, out=np.zeros_like(y), where=n_true > 0)
        else:
            step = 1.0 - y
        b = np.searchsorted(grid, s, side="right") + (G + 1) * np.arange(c)[:, None]
        bins = np.bincount(b.ravel(), weights=step.ravel(), minlength=c * (G + 1))
        above = np.cumsum(bins.reshape(c, G + 1)[:, ::-1], axis=1)[:, ::-1][:, 1:]
        if risk == "fnr":
            above = above + (n_true > 0)  # 1 at a threshold above every score
        yield above


def wsr_reject(chunks: Any, n: int, alpha: float, delta: float) -> np.ndarray:
    """Reject "mean loss > alpha" at level delta, per column, with a betting martingale.

    ``chunks`` yields (rows, G) arrays of losses in row order; n is the total number of rows.
    The wealth after example i is prod_j (1 - nu_j (L_j - alpha)), a nonnegative
    supermartingale under the null, so by Ville's inequality it reaches 1/delta with probability
    at most delta. The bets are the predictable ones of Waudby-Smith and Ramdas (2023) used for
    RCPS by Bates et al. (2021): nu_i = min(1, sqrt(2 log(1/delta) / (n sigma2_{i-1}))), with the
    running mean and variance estimates mu_i = (1/2 + sum L) / (i + 1) and sigma2_i = (1/4 +
    sum (L - mu)^2) / (i + 1), sigma2_0 = 1/4. The losses must lie in [0, 1] and be taken in
    an order that does not depend on them (the calibration order).

    Examples
    --------
    >>> wsr_reject([np.zeros((30, 1)), np.zeros((10, 1))], 40, 0.1, 0.1)  # 40 zero losses
    array([ True])
    >>> wsr_reject([np.full((40, 1), 0.1)], 40, 0.1, 0.1)
    array([False])
    """
    log_target = math.log(1 / delta)
    total = sq = None
    log_wealth = best = None
    seen = 0
    for L in chunks:
        c = L.shape[0]
        if total is None:
            total = np.zeros(L.shape[1])
            sq = np.zeros(L.shape[1])
            log_wealth = np.zeros(L.shape[1])
            best = np.zeros(L.shape[1])
        i = np.arange(seen + 1, seen + c + 1)[:, None]  # 1-based example index
        csum = total + np.cumsum(L, axis=0)
        mu = (0.5 + csum) / (i + 1)
        csq = sq + np.cumsum((L - mu) ** 2, axis=0)
        sigma2 = (0.25 + csq) / (i + 1)
        prev = np.vstack([((0.25 + sq) / (seen + 1))[None, :], sigma2[:-1]])
        nu = np.minimum(1.0, np.sqrt(2 * log_target / (n * prev)))
        path = log_wealth + np.cumsum(np.log1p(-nu * (L - alpha)), axis=0)
        best = np.maximum(best, path.max(axis=0))
        total, sq, log_wealth = csum[-1], csq[-1], path[-1]
        seen += c
    return best >= log_target
