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

import numbers
import warnings
from dataclasses import fields
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy import stats
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Interval, Options, validate_params
from labelwise.data.targets import check_scores, check_targets
from labelwise.decision._base import DecisionRule
from labelwise.decision._risk import (
    _UNIT,
    DEFAULT_THRESHOLDS,
    PVALUES,
    RISKS,
    AchievedRisk,
    Guarantee,
    RiskCurve,
    _check_calibration,
    _check_score_matrix,
    _fnr_curve_exact,
    _label_counts,
    _label_matrix,
    _mean_loss_on_grid,
    _negative_scores,
    _positive_scores,
    _row_counts,
    _row_losses_on_grid,
    _smallest_label_count,
    _warn_if_seen,
    achieved_risk,
    hoeffding_bentkus_pvalue,
    required_calibration_size,
    row_risk,
    rows_seen_in_training,
    wsr_reject,
)
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError

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
    "wsr_reject",
]


# ---------------------------------------------------------------------------------------------
# Rules

_NOT_FITTED = (
    "This %(name)s has not been fitted yet: call fit(y_true, y_score) on calibration scores of "
    "rows the model never trained on."
)


def _as_state(guarantee: Guarantee) -> dict:
    """A guarantee as plain values: a model file then holds only types it already trusts."""
    return {f.name: getattr(guarantee, f.name) for f in fields(guarantee)}


class _CalibratedRule(DecisionRule):
    """Shared shell: parameter checks, the too-small refusal, predict, risk curves."""

    _risk: ClassVar[str] = "fnr"
    _parameter_constraints: ClassVar[dict] = {}
    _LTT: ClassVar[dict] = {
        "hb": "Learn-then-Test, fixed sequence, Hoeffding-Bentkus",
        "wsr": "Learn-then-Test, fixed sequence, Waudby-Smith-Ramdas betting",
    }

    def _ltt_passed(self, Y: np.ndarray, S: Any, grid: np.ndarray, alpha: float, down: bool) -> int:
        """Fixed-sequence testing over ``grid`` (ascending), from its low end upward or from its
        high end down: how many thresholds in that order reject "risk > alpha" at level delta
        before the first that does not. The betting test runs block by block and stops there."""
        delta = float(self.delta)
        if self.pvalues == "hb":
            risk = _mean_loss_on_grid(Y, S, grid, self._risk)
            ok = hoeffding_bentkus_pvalue(risk, Y.shape[0], alpha) <= delta
            ok = ok[::-1] if down else ok
            return int(ok.size if ok.all() else np.argmin(ok))
        passed, G, block = 0, grid.shape[0], 128
        while passed < G:
            lo, hi = (G - passed - block, G - passed) if down else (passed, passed + block)
            part = grid[max(lo, 0) : min(hi, G)]
            ok = wsr_reject(_row_losses_on_grid(Y, S, part, self._risk), Y.shape[0], alpha, delta)
            ok = ok[::-1] if down else ok
            if not ok.all():
                return passed + int(np.argmin(ok))
            passed += part.shape[0]
        return passed

    @property
    def guarantee_(self) -> Guarantee:
        """What the fitted rule promises, in numbers and words (a :class:`Guarantee`)."""
        state = self.__dict__.get("_guarantee")
        if state is None:
            raise AttributeError(f"{type(self).__name__} is not fitted: it has no guarantee_ yet")
        return Guarantee(**state)

    def _check_params(self) -> None:
        validate_params(self)
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
        quantiles of the scores otherwise. The rule need not be fitted.
        """
        who = f"{type(self).__name__}.risk_curve"
        targets = check_targets(y_true, name="y_true")
        Y = _label_matrix(targets, type(self).__name__)
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
    the Waudby-Smith-Ramdas betting test (``pvalues="wsr"``, tighter when the losses vary
    little) or Hoeffding-Bentkus p-values (``"hb"``, which have a closed-form calibration size),
    and keeps the highest threshold before the first failure.

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
    pvalues : {"wsr", "hb"}, default="wsr"
        The Learn-then-Test test (``delta`` with ``per_label=False``).

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
    >>> RecallControl(alpha=0.1, delta=0.1, pvalues="hb").required_calibration_size()
    22
    """

    _risk = "fnr"
    _parameter_constraints: ClassVar[dict] = {
        "alpha": [_UNIT],
        "delta": [None, _UNIT],
        "per_label": [bool],
        "pvalues": [Options(PVALUES)],
    }

    def __init__(
        self,
        alpha: float = 0.1,
        delta: float | None = None,
        per_label: bool = False,
        thresholds: Any = None,
        pvalues: str = "wsr",
    ) -> None:
        self.alpha = alpha
        self.delta = delta
        self.per_label = per_label
        self.thresholds = thresholds
        self.pvalues = pvalues

    @property
    def _needs_probabilities(self) -> bool:  # type: ignore[override]
        return self.delta is not None and not self.per_label and self.thresholds is None

    def required_calibration_size(self, n_labels: int = 1) -> int:
        """Calibration examples (per label: examples having the label) the guarantee needs."""
        self._check_params()
        if self.per_label:
            tests = n_labels if self.delta is not None else 1
            return required_calibration_size(self.alpha, self.delta, n_tests=tests)
        return required_calibration_size(self.alpha, self.delta, pvalues=self.pvalues)

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
            counts = _label_counts(Y)
            needed = self.required_calibration_size(L)
            who = f"{type(self).__name__}.fit"
            _smallest_label_count(counts, needed, classes, who, "positives", n)
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
                self.guarantee_method_ = self._LTT[self.pvalues]
                self.threshold_ = self._ltt_threshold(Y, S, alpha)
                lead = (
                    f"With probability at least {1 - self.delta:g} over the calibration draw, "
                    f"the {RISKS['fnr']} is at most {alpha:g} on average over new exchangeable "
                    "examples"
                )
            threshold, n_cal = self.threshold_, n
            tail = self._statement_tail(n, seen)
        self.n_labels_ = L
        self._guarantee = _as_state(
            Guarantee(
                "fnr", alpha, self.delta, n_cal, threshold, self.guarantee_method_, lead + tail
            )
        )
        return self

    @staticmethod
    def _crc_threshold(Y: np.ndarray, S: Any, alpha: float) -> float:
        n = Y.shape[0]
        v, below = _fnr_curve_exact(Y, S)
        budget = alpha * (n + 1) - 1.0  # (n R_hat(t) + 1) / (n + 1) <= alpha
        if float((_row_counts(Y) > 0).sum()) <= budget:
            return float("inf")  # missing every label keeps the promise
        return float(v[np.flatnonzero(below <= budget + 1e-12)[-1]])

    def _ltt_threshold(self, Y: np.ndarray, S: Any, alpha: float) -> float:
        grid = self._grid()
        passed = self._ltt_passed(Y, S, grid, alpha, down=False)
        if not passed:
            warnings.warn(
                "RecallControl.fit: not even the lowest candidate threshold could be certified "
                "at this alpha and delta; the rule predicts every label (which misses none).",
                ProblemSetupWarning,
                stacklevel=3,
            )
            return float("-inf")
        return float(grid[passed - 1])

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
    from the highest (fewest labels) downward, at level ``delta`` (fixed-sequence testing
    controls the family-wise error without correction), with the Waudby-Smith-Ramdas betting
    test or Hoeffding-Bentkus p-values; the lowest threshold reached before the first failure
    is kept.

    Parameters
    ----------
    alpha : float in (0, 1), default=0.1
        Allowed false-discovery proportion (precision at least ``1 - alpha``).
    delta : float in (0, 1), default=0.1
    thresholds : array-like or None, default=None
        The fixed candidate grid; None uses :data:`DEFAULT_THRESHOLDS` (needs probabilities).
    pvalues : {"wsr", "hb"}, default="wsr"
        See :class:`RecallControl`.

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
    (0.515, 'Learn-then-Test, fixed sequence, Waudby-Smith-Ramdas betting')
    """

    _risk = "fdp"
    _parameter_constraints: ClassVar[dict] = {
        "alpha": [_UNIT],
        "delta": [_UNIT],
        "pvalues": [Options(PVALUES)],
    }

    def __init__(
        self, alpha: float = 0.1, delta: float = 0.1, thresholds: Any = None, pvalues: str = "wsr"
    ) -> None:
        self.alpha = alpha
        self.delta = delta
        self.thresholds = thresholds
        self.pvalues = pvalues

    @property
    def _needs_probabilities(self) -> bool:  # type: ignore[override]
        return self.thresholds is None

    def required_calibration_size(self, n_labels: int = 1) -> int:
        """Calibration examples needed to certify any non-empty prediction."""
        self._check_params()
        return required_calibration_size(self.alpha, self.delta, pvalues=self.pvalues)

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
        passed = self._ltt_passed(Y, S, grid, alpha, down=True)  # from the fewest labels down
        if not passed:
            self.threshold_ = float("inf")
            warnings.warn(
                "PrecisionControl.fit: no threshold could be certified at this alpha and delta; "
                "the rule predicts no label at all (an empty set has no false discovery).",
                ProblemSetupWarning,
                stacklevel=2,
            )
        else:
            self.threshold_ = float(grid[grid.shape[0] - passed])
        self.guarantee_method_ = self._LTT[self.pvalues]
        lead = (
            f"With probability at least {1 - delta:g} over the calibration draw, the "
            f"{RISKS['fdp']}, counted as 0 for an empty prediction, is at most {alpha:g} on "
            "average over new exchangeable examples"
        )
        self.n_labels_ = L
        self._guarantee = _as_state(
            Guarantee(
                "fdp",
                alpha,
                delta,
                n,
                self.threshold_,
                self.guarantee_method_,
                lead + self._statement_tail(n, seen),
            )
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
        self._guarantee = _as_state(
            Guarantee(
                "fp",
                alpha,
                None,
                n,
                self.threshold_,
                self.guarantee_method_,
                lead + self._statement_tail(n, seen),
            )
        )
        return self
