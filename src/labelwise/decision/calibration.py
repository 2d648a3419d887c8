"""Per-label probability calibration (Platt, isotonic), and how to measure calibration.

:class:`Calibrated` learns, for each label, a map from raw scores (probabilities or
``decision_function`` values) to calibrated probabilities, then hands them to a decision rule.
Calibrators are cross-fitted: the validation data is split into ``cv`` folds, a calibrator is
fitted on each fold's complement, and new scores get the average of the ``cv`` calibrators (the
ensemble idea of scikit-learn's ``CalibratedClassifierCV``). The wrapped rule is fitted on the
out-of-fold calibrated probabilities, so it never sees probabilities from a calibrator that was
fitted on the same rows.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Interval, Options, check_params, validate_params
from labelwise.data.targets import check_scores, check_targets
from labelwise.decision._base import DecisionRule, FixedThreshold, check_probability_thresholds
from labelwise.decision.thresholds import indicator_matrix
from labelwise.errors import ShapeError
from labelwise.problem import warn_if_softmax_scores

__all__ = [
    "Calibrated",
    "ReliabilityCurve",
    "expected_calibration_error",
    "platt_fit",
    "reliability_curve",
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


def platt_fit(score: np.ndarray, y: np.ndarray, max_iter: int = 100) -> tuple[float, float]:
    """Fit Platt's sigmoid P(y = 1 | s) = 1 / (1 + exp(-(a * s + b))) by Newton's method.

    Targets are smoothed as in Platt (1999): positives get (N+ + 1) / (N+ + 2), negatives
    1 / (N- + 2), which keeps the fit finite on separable data. The log-loss is convex in (a, b);
    Newton steps are halved until the loss decreases (Lin, Lin & Weng, 2007).

    Parameters
    ----------
    score : ndarray of shape (n,)
    y : ndarray of shape (n,), 0/1
    max_iter : int

    Returns
    -------
    (a, b) : tuple of float

    Examples
    --------
    >>> a, b = platt_fit(np.array([-2.0, -1.0, 1.0, 2.0, 0.5, -0.5]), np.array([0, 0, 1, 1, 0, 1]))
    >>> a > 0
    True
    """
    y = np.asarray(y, dtype=bool)
    n_pos = float(y.sum())
    n_neg = float(y.size - n_pos)
    t = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    X = np.column_stack([score, np.ones_like(score)])

    def loss(w: np.ndarray) -> float:
        z = X @ w
        return float(np.sum(np.logaddexp(0, z) - t * z))  # -sum t log p + (1-t) log(1-p)

    w = np.array([0.0, np.log((n_pos + 1) / (n_neg + 1))])
    current = loss(w)
    for _ in range(max_iter):
        p = _sigmoid(X @ w)
        grad = X.T @ (p - t)
        H = (X * (p * (1 - p))[:, None]).T @ X + 1e-12 * np.eye(2)
        step = np.linalg.solve(H, grad)
        size = 1.0
        while size > 1e-10:
            trial = w - size * step
            new = loss(trial)
            if new <= current:
                break
            size /= 2
        else:
            break
        converged = current - new <= 1e-12 * max(1.0, abs(current))
        w, current = trial, new
        if converged or np.max(np.abs(grad)) < 1e-10:
            break
    return float(w[0]), float(w[1])


class Calibrated(DecisionRule):
    """Calibrate each label's scores (cross-fitted), then decide with another rule.

    Parameters
    ----------
    rule : DecisionRule or None, default=None
        Rule applied to the calibrated probabilities; None means ``FixedThreshold(0.5)``. A clone
        is fitted on the out-of-fold calibrated probabilities (``rule_``).
    method : {"platt", "isotonic"}, default="platt"
        Platt's sigmoid (few parameters, good for small data) or isotonic regression (any
        monotone map, needs more data), as in scikit-learn's ``CalibratedClassifierCV``.
    cv : int, default=5
        Number of folds (at least 2).
    random_state : int or None, default=None
        Shuffling of the folds.

    Attributes
    ----------
    calibrators_ : list of length cv
        For each fold, the fitted per-label calibrators: an (n_labels, 2) array of Platt
        coefficients (a, b), or a list of ``IsotonicRegression``.
    rule_ : DecisionRule
    n_labels_ : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = (rng.random((200, 2)) < 0.3).astype(int)
    >>> s = 3 * y + rng.normal(size=(200, 2))  # decision_function-like scores
    >>> rule = Calibrated(method="platt", cv=3, random_state=0).fit(y, s)
    >>> p = rule.predict_proba(s)
    >>> bool(p.min() >= 0 and p.max() <= 1), rule.predict(s).shape
    (True, (200, 2))
    """

    _parameter_constraints: ClassVar[dict] = {
        "method": [Options({"platt", "isotonic"})],
        "cv": [Interval(numbers.Integral, 2, None)],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
    }

    def __init__(
        self,
        rule: DecisionRule | None = None,
        method: str = "platt",
        cv: int = 5,
        random_state: int | None = None,
    ) -> None:
        self.rule = rule
        self.method = method
        self.cv = cv
        self.random_state = random_state

    def _fit_one_fold(self, Y: np.ndarray, S: np.ndarray) -> Any:
        if self.method == "platt":
            return np.array([platt_fit(S[:, j], Y[:, j]) for j in range(S.shape[1])])
        return [
            IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(S[:, j], Y[:, j])
            for j in range(S.shape[1])
        ]

    def _apply(self, calibrators: Any, S: np.ndarray) -> np.ndarray:
        if self.method == "platt":
            return _sigmoid(S * calibrators[:, 0] + calibrators[:, 1])
        return np.column_stack([iso.predict(S[:, j]) for j, iso in enumerate(calibrators)])

    def fit(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> Calibrated:
        """Fit the cross-fitted calibrators and the wrapped rule on validation data."""
        validate_params(self)
        if sample_weight is not None:
            raise TypeError("Calibrated.fit does not support sample_weight; pass None.")
        targets = check_targets(y_true, name="y_true")
        Y = indicator_matrix(targets, "Calibrated")
        S = check_scores(y_score)
        if S.shape != Y.shape:
            raise ShapeError(
                f"Calibrated.fit: y_true has shape {Y.shape} but y_score has shape {S.shape}."
            )
        if S.shape[0] < self.cv:
            raise ShapeError(
                f"Calibrated.fit: cv={self.cv} folds need at least {self.cv} rows; got "
                f"{S.shape[0]}. Lower cv or pass more validation data."
            )
        warn_if_softmax_scores(targets, S, where="Calibrated.fit")
        folds = KFold(self.cv, shuffle=True, random_state=self.random_state)
        oof = np.empty_like(S)
        self.calibrators_ = []
        for train, test in folds.split(S):
            cal = self._fit_one_fold(Y[train], S[train])
            self.calibrators_.append(cal)
            oof[test] = self._apply(cal, S[test])
        base = FixedThreshold(0.5) if self.rule is None else self.rule
        check_probability_thresholds(base, where="Calibrated")
        self.rule_ = clone(base).fit(Y, oof)
        self.n_labels_ = S.shape[1]
        return self

    def predict_proba(self, y_score: Any) -> np.ndarray:
        """Calibrated probabilities: the average of the fold calibrators, (n_samples, n_labels)."""
        check_is_fitted(self, "calibrators_")
        S = check_scores(y_score)
        if S.shape[1] != self.n_labels_:
            raise ShapeError(
                f"Calibrated was fitted on {self.n_labels_} labels but y_score has "
                f"{S.shape[1]} columns."
            )
        return np.mean([self._apply(cal, S) for cal in self.calibrators_], axis=0)

    def predict(self, y_score: Any) -> np.ndarray:
        """Label sets: the wrapped rule applied to the calibrated probabilities."""
        check_is_fitted(self, "calibrators_")
        return self.rule_.predict(self.predict_proba(y_score))


@dataclass(frozen=True)
class ReliabilityCurve:
    """One label's reliability diagram data; empty bins are left out.

    Attributes
    ----------
    prob_true : ndarray
        Fraction of positives in each bin.
    prob_pred : ndarray
        Mean predicted probability in each bin.
    count : ndarray
        Number of examples in each bin.
    """

    prob_true: np.ndarray
    prob_pred: np.ndarray
    count: np.ndarray


_BIN_CONSTRAINTS = {
    "n_bins": [Interval(numbers.Integral, 1, None)],
    "strategy": [Options({"uniform", "quantile"})],
    "average": [None, Options({"macro", "micro"})],
}


def _binned(y: np.ndarray, p: np.ndarray, n_bins: int, strategy: str) -> ReliabilityCurve:
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    else:
        edges = np.percentile(p, np.linspace(0, 100, n_bins + 1))
    # a probability on an inner edge goes to the lower bin, as in sklearn's calibration_curve
    ids = np.searchsorted(edges[1:-1], p)
    count = np.bincount(ids, minlength=n_bins).astype(np.float64)
    pos = np.bincount(ids, weights=y, minlength=n_bins)
    total = np.bincount(ids, weights=p, minlength=n_bins)
    keep = count > 0
    return ReliabilityCurve(pos[keep] / count[keep], total[keep] / count[keep], count[keep])


def _check_prob_pair(y_true: Any, y_prob: Any, who: str) -> tuple[np.ndarray, np.ndarray]:
    targets = check_targets(y_true, name="y_true")
    Y = indicator_matrix(targets, who)
    P = check_scores(y_prob, name="y_prob", probabilities=True)
    if P.shape != Y.shape:
        raise ShapeError(f"{who}: y_true has shape {Y.shape} but y_prob has shape {P.shape}.")
    if P.shape[0] == 0:
        raise ShapeError(f"{who}: no samples.")
    return Y.astype(np.float64), P


def reliability_curve(
    y_true: Any, y_prob: Any, *, n_bins: int = 15, strategy: str = "uniform"
) -> list[ReliabilityCurve]:
    """Per-label reliability diagram data (observed frequency vs mean probability per bin).

    Bins match scikit-learn's ``calibration_curve``: ``uniform`` splits [0, 1] into equal
    widths, ``quantile`` into equal counts; empty bins are dropped.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_labels)
    y_prob : array-like of shape (n_samples, n_labels)
    n_bins : int, default=15
    strategy : {"uniform", "quantile"}, default="uniform"

    Returns
    -------
    list of ReliabilityCurve, one per label

    Examples
    --------
    >>> c = reliability_curve([[0], [1], [1], [1]], [[0.1], [0.3], [0.8], [0.9]], n_bins=2)
    >>> c[0].prob_true, c[0].prob_pred, c[0].count
    (array([0.5, 1. ]), array([0.2 , 0.85]), array([2., 2.]))
    """
    check_params(
        {"n_bins": n_bins, "strategy": strategy}, _BIN_CONSTRAINTS, caller="reliability_curve"
    )
    Y, P = _check_prob_pair(y_true, y_prob, "reliability_curve")
    return [_binned(Y[:, j], P[:, j], n_bins, strategy) for j in range(P.shape[1])]


def expected_calibration_error(
    y_true: Any,
    y_prob: Any,
    *,
    n_bins: int = 15,
    strategy: str = "uniform",
    average: str | None = "macro",
) -> float | np.ndarray:
    """Expected calibration error of each label's probabilities (lower is better).

    ``ECE = sum over bins b of (n_b / n) * |fraction of positives in b - mean probability in b|``,
    with the bins of :func:`reliability_curve`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples, n_labels)
    y_prob : array-like of shape (n_samples, n_labels)
    n_bins : int, default=15
    strategy : {"uniform", "quantile"}, default="uniform"
    average : {"macro", "micro"} or None, default="macro"
        None: one value per label; "macro": their mean; "micro": the ECE of all labels' pairs
        pooled.

    Returns
    -------
    float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> y = [[0, 1], [1, 1], [1, 0], [1, 1]]
    >>> p = [[0.1, 0.9], [0.3, 0.8], [0.8, 0.2], [0.9, 0.7]]
    >>> expected_calibration_error(y, p, n_bins=2, average=None)
    array([0.225, 0.2  ])
    """
    check_params(
        {"n_bins": n_bins, "strategy": strategy, "average": average},
        _BIN_CONSTRAINTS,
        caller="expected_calibration_error",
    )
    Y, P = _check_prob_pair(y_true, y_prob, "expected_calibration_error")

    def ece(y: np.ndarray, p: np.ndarray) -> float:
        c = _binned(y, p, n_bins, strategy)
        return float(np.sum(c.count * np.abs(c.prob_true - c.prob_pred)) / y.size)

    if average == "micro":
        return ece(Y.ravel(), P.ravel())
    per_label = np.array([ece(Y[:, j], P[:, j]) for j in range(P.shape[1])])
    return per_label if average is None else float(per_label.mean())
