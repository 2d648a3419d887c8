"""Split-conformal prediction sets for multi-class scores, marginal or class-conditional.

A set is every class whose nonconformity score is at most a calibrated quantile. Two score
functions: LAC, ``1 - p_c`` (Sadinle, Lei and Wasserman 2019: the smallest sets on average),
and APS, the probability mass of the classes ranked above c plus p_c (Romano, Sesia and Candes
2020, without the randomisation: the sets are deterministic and cover at least as often).

Marginal sets use one quantile over all calibration examples; class-conditional (Mondrian,
Vovk 2005) sets use one quantile per class, from that class's examples only, so each class's
coverage is at least ``1 - alpha`` (Ding et al. 2023 discuss the price in set size).
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Options
from labelwise.data.targets import as_array, check_scores, check_targets
from labelwise.decision._risk import (
    _UNIT,
    Guarantee,
    _smallest_label_count,
    _warn_if_seen,
    required_calibration_size,
)
from labelwise.decision.risk_control import _NOT_FITTED, _as_state, _CalibratedRule
from labelwise.errors import ShapeError, TargetError

__all__ = ["ConformalSets", "nonconformity"]


def nonconformity(y_score: np.ndarray, score: str = "lac") -> np.ndarray:
    """Every class's nonconformity in every row: ``1 - p_c`` (LAC), or (APS) the mass of the
    classes with a higher probability plus ``p_c`` (tied classes do not count each other).

    Examples
    --------
    >>> nonconformity(np.array([[0.5, 0.3, 0.2]]), "aps")
    array([[0.5, 0.8, 1. ]])
    >>> nonconformity(np.array([[0.4, 0.4, 0.2]]), "aps")
    array([[0.4, 0.4, 1. ]])
    """
    if score == "lac":
        return 1.0 - y_score
    order = np.argsort(-y_score, axis=1, kind="stable")
    p = np.take_along_axis(y_score, order, axis=1)
    mass_above = np.cumsum(p, axis=1) - p  # mass of the classes ranked before
    K = p.shape[1]
    is_first = np.ones(p.shape, dtype=bool)  # first member of its tie group
    is_first[:, 1:] = p[:, 1:] != p[:, :-1]
    group_start = np.maximum.accumulate(np.where(is_first, np.arange(K), 0), axis=1)
    sorted_scores = np.take_along_axis(mass_above, group_start, axis=1) + p
    out = np.empty_like(sorted_scores)
    np.put_along_axis(out, order, sorted_scores, axis=1)
    return out


class ConformalSets(_CalibratedRule):
    """Prediction sets for multi-class probabilities that contain the true class with
    probability at least ``1 - alpha``.

    With n calibration examples, the quantile is the ``k``-th smallest calibration
    nonconformity of the true class, ``k = n + 1 - floor(alpha (n + 1))`` (that is,
    ``ceil((n + 1)(1 - alpha))``); the set of a new example holds every class at or below it.
    Under exchangeability P(true class in set) >= 1 - alpha (Vovk, Gammerman and Shafer 2005).
    ``class_conditional=True`` computes one quantile per class c from its n_c examples, so
    P(true class in set | true class = c) >= 1 - alpha for every c. Sets may be empty.

    Parameters
    ----------
    alpha : float in (0, 1), default=0.1
    score : {"lac", "aps"}, default="lac"
    class_conditional : bool, default=False

    Attributes
    ----------
    quantile_ : float or ndarray of shape (n_classes,)
        The calibrated nonconformity quantile(s).
    guarantee_ : Guarantee
    n_labels_ : int
        Number of classes (score columns).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.dirichlet([1, 1, 1], size=100)
    >>> y = np.array([rng.choice(3, p=row) for row in p])
    >>> rule = ConformalSets(alpha=0.2).fit(y, p)
    >>> rule.guarantee_.n_calibration, round(rule.quantile_, 3)
    (100, 0.669)
    >>> rule.predict([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]])
    array([[1, 0, 0],
           [1, 1, 0]], dtype=int8)
    """

    _risk = "fnr"
    _needs_probabilities = True
    _parameter_constraints: ClassVar[dict] = {
        "alpha": [_UNIT],
        "score": [Options({"lac", "aps"})],
        "class_conditional": [bool],
    }

    def __init__(
        self, alpha: float = 0.1, score: str = "lac", class_conditional: bool = False
    ) -> None:
        self.alpha = alpha
        self.score = score
        self.class_conditional = class_conditional

    def required_calibration_size(self, n_labels: int = 1) -> int:
        """Calibration examples (per class when class-conditional) needed: ``ceil(1/alpha) - 1``."""
        self._check_params()
        return required_calibration_size(self.alpha)

    def fit(
        self, y_true: Any, y_score: Any, sample_weight: Any = None, *, seen_in_training: Any = None
    ) -> ConformalSets:
        """Calibrate on the classes and probabilities of rows the model never trained on.

        ``y_true`` is a 1-D vector of classes (the sorted classes are the score columns, or
        integer classes index them) or a one-hot matrix. See :meth:`RecallControl.fit` for
        ``seen_in_training``.
        """
        self._check_params()
        who = f"{type(self).__name__}.fit"
        if sample_weight is not None:
            raise TypeError(f"{who} does not support sample_weight; pass sample_weight=None.")
        S = check_scores(y_score, name=f"{who}: y_score", probabilities=True)
        n, K = S.shape
        y, classes = _true_columns(y_true, K, who)
        if y.shape[0] != n:
            raise ShapeError(f"{who}: y_true has {y.shape[0]} rows but y_score has {n}.")
        seen = _warn_if_seen(who, seen_in_training, n)
        alpha = float(self.alpha)
        E = nonconformity(S, self.score)[np.arange(n), y]
        needed = self.required_calibration_size()
        if self.class_conditional:
            counts = np.bincount(y, minlength=K)
            _smallest_label_count(counts, needed, classes, who, "examples", n)
            self.quantile_ = np.array([_quantile(E[y == c], alpha) for c in range(K)])
            n_cal = int(counts.min())
            lead = (
                f"For every class c, a new exchangeable example of class c gets a set containing "
                f"c with probability at least {1 - alpha:g}"
            )
            self.guarantee_method_ = f"class-conditional split conformal, {self.score.upper()}"
        else:
            self._refuse_if_small(n, needed)
            self.quantile_ = _quantile(E, alpha)
            n_cal = n
            lead = (
                f"A new exchangeable example gets a set containing its true class with "
                f"probability at least {1 - alpha:g}"
            )
            self.guarantee_method_ = f"split conformal, {self.score.upper()}"
        tail = self._statement_tail(n_cal, seen)
        if self.class_conditional:
            tail = tail.replace("n = ", "at least ").replace("examples", "examples per class")
        self.n_labels_ = K
        self._guarantee = _as_state(
            Guarantee(
                "miscoverage",
                alpha,
                None,
                n_cal,
                self.quantile_,
                self.guarantee_method_,
                lead + tail,
            )
        )
        return self

    def predict(self, y_score: Any) -> np.ndarray:
        """The set of each row: every class whose nonconformity is at most the quantile."""
        check_is_fitted(self, "guarantee_", msg=_NOT_FITTED)
        s = check_scores(y_score, probabilities=True)
        if s.shape[1] != self.n_labels_:
            raise ShapeError(
                f"ConformalSets was calibrated on {self.n_labels_} classes but y_score has "
                f"{s.shape[1]} columns; pass probabilities of the same classes in the same order."
            )
        return (nonconformity(s, self.score) <= self.quantile_).astype(np.int8)


def _quantile(E: np.ndarray, alpha: float) -> float:
    n = E.shape[0]
    k = n + 1 - int(np.floor(alpha * (n + 1)))
    return float(np.partition(E, k - 1)[k - 1])


def _true_columns(y_true: Any, K: int, who: str) -> tuple[np.ndarray, tuple]:
    """Column index of each row's true class, and the class names of the columns."""
    y = as_array(y_true)
    if isinstance(y, (list, tuple)) and y and all(isinstance(r, (list, tuple)) for r in y):
        if all(len(r) == K for r in y) and K > 1:
            y = np.asarray(y)  # rows of a 0/1 matrix given as lists
    if (sp.issparse(y) or (isinstance(y, np.ndarray) and y.ndim == 2)) and y.shape[1] == K > 1:
        Y = sp.csr_matrix(y) if sp.issparse(y) else np.asarray(y)
        values = Y.data if sp.issparse(Y) else Y
        per_row = np.asarray(Y.sum(axis=1)).ravel()
        if not (np.isin(values, (0, 1)).all() and (per_row == 1).all()):
            raise TargetError(f"{who}: a 2-D y_true must be one-hot (exactly one 1 per row).")
        return np.asarray(Y.argmax(axis=1)).ravel(), tuple(range(K))
    targets = check_targets(y_true, name="y_true")
    if targets.kind == "multilabel":
        raise TargetError(
            f"{who}: y_true is multi-label; conformal class sets need one class per example "
            "(use RecallControl for label sets)."
        )
    cols = np.asarray(targets.Y.argmax(axis=1)).ravel()
    if len(targets.classes) == K:
        return cols, targets.classes
    if all(isinstance(c, numbers.Integral) and 0 <= c < K for c in targets.classes):
        return np.asarray(targets.classes, dtype=np.int64)[cols], tuple(range(K))
    raise ShapeError(
        f"{who}: y_true has {len(targets.classes)} classes but y_score has {K} columns; pass "
        "integer classes 0..K-1 indexing the columns, or calibration data with every class."
    )
