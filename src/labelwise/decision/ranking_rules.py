"""Rules that decide from each row's ranking of labels: top-k, cuts relative to the top score,
and "at least one label"."""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np

from labelwise._validation import Interval, validate_params
from labelwise.data.targets import check_scores
from labelwise.decision._base import (  # noqa: F401  (FixedThreshold: the doctests use it)
    DecisionRule,
    FixedThreshold,
    WrappingRule,
)
from labelwise.errors import ShapeError, TargetError

__all__ = ["AtLeastOne", "RankCut", "TopK"]


def _descending_order(s: np.ndarray) -> np.ndarray:
    """Column indices of each row by decreasing score; equal scores keep label order."""
    return np.argsort(-s, axis=1, kind="stable")


class TopK(DecisionRule):
    """Predict exactly the ``k`` highest-scoring labels of every row.

    Equal scores are ranked by label order (the lower column index wins).

    Parameters
    ----------
    k : int, default=1

    Examples
    --------
    >>> TopK(2).predict([[0.1, 0.7, 0.4], [0.5, 0.5, 0.9]])
    array([[0, 1, 1],
           [1, 0, 1]], dtype=int8)
    """

    _parameter_constraints: ClassVar[dict] = {"k": [Interval(numbers.Integral, 1, None)]}

    def __init__(self, k: int = 1) -> None:
        self.k = k

    def predict(self, y_score: Any) -> np.ndarray:
        """Mark the ``k`` best labels of each row."""
        validate_params(self)
        s = check_scores(y_score)
        n, L = s.shape
        if self.k > L:
            raise ShapeError(
                f"TopK: k={self.k} is larger than the number of labels in y_score ({L}); "
                f"choose k <= {L}."
            )
        top = _descending_order(s)[:, : self.k]
        out = np.zeros((n, L), dtype=np.int8)
        np.put_along_axis(out, top, 1, axis=1)
        return out


class RankCut(DecisionRule):
    """Keep each row's labels that stay close to its top score.

    A label is kept when its score is at least ``ratio`` times the row's top score, and (with
    ``gap``) when no drop larger than ``gap`` separates it from the top label in the row's sorted
    scores. The top label is always kept. ``ratio`` needs non-negative scores (probabilities);
    ``gap`` works with any scores.

    Parameters
    ----------
    ratio : float in [0, 1] or None, default=0.5
    gap : float > 0 or None, default=None

    Examples
    --------
    >>> RankCut(ratio=0.5).predict([[0.8, 0.5, 0.3], [0.2, 0.05, 0.15]])
    array([[1, 1, 0],
           [1, 0, 1]], dtype=int8)
    >>> RankCut(ratio=None, gap=0.2).predict([[0.9, 0.8, 0.5, 0.45]])
    array([[1, 1, 0, 0]], dtype=int8)
    """

    _parameter_constraints: ClassVar[dict] = {
        "ratio": [None, Interval(numbers.Real, 0, 1)],
        "gap": [None, Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, ratio: float | None = 0.5, gap: float | None = None) -> None:
        self.ratio = ratio
        self.gap = gap

    def predict(self, y_score: Any) -> np.ndarray:
        """Keep the labels near each row's top score."""
        validate_params(self)
        if self.ratio is None and self.gap is None:
            raise ValueError("RankCut: set ratio, gap or both; both are None.")
        s = check_scores(y_score)
        n, L = s.shape
        keep = np.ones((n, L), dtype=bool)
        if n == 0:
            return keep.astype(np.int8)
        if self.ratio is not None:
            if s.min() < 0:
                i, j = np.argwhere(s < 0)[0]
                raise TargetError(
                    f"RankCut(ratio=...) needs non-negative scores (probabilities); found "
                    f"{s[i, j]:g} at row {i}, column {j}. Use gap=... for decision_function "
                    "scores, or calibrate them first."
                )
            keep &= s >= self.ratio * s.max(axis=1, keepdims=True)
        if self.gap is not None:
            order = _descending_order(s)
            ranked = np.take_along_axis(s, order, axis=1)
            drops = ranked[:, :-1] - ranked[:, 1:] > self.gap
            # a label survives while no big drop has happened at or above its rank
            before_drop = np.ones((n, L), dtype=bool)
            before_drop[:, 1:] = np.cumsum(drops, axis=1) == 0
            by_label = np.empty_like(before_drop)
            np.put_along_axis(by_label, order, before_drop, axis=1)
            keep &= by_label
        return keep.astype(np.int8)


class AtLeastOne(WrappingRule):
    """Wrap another rule and add each row's top label when the rule predicts no label.

    Parameters
    ----------
    rule : DecisionRule or None, default=None
        The wrapped rule; None means ``FixedThreshold(0.5)``. Fitting ``AtLeastOne`` fits a clone
        of it (``rule_``); an unfitted ``AtLeastOne`` predicts with ``rule`` as given.

    Examples
    --------
    >>> AtLeastOne(FixedThreshold(0.5)).predict([[0.2, 0.4], [0.9, 0.6]])
    array([[0, 1],
           [1, 1]], dtype=int8)
    """

    def __init__(self, rule: DecisionRule | None = None) -> None:
        self.rule = rule

    def predict(self, y_score: Any) -> np.ndarray:
        """The wrapped rule's label sets, with the top label added to empty rows."""
        s = check_scores(y_score)
        out = np.array(self._inner().predict(s), dtype=np.int8, copy=True)
        empty = out.sum(axis=1) == 0
        if empty.any():
            rows = np.flatnonzero(empty)
            out[rows, np.argmax(s[rows], axis=1)] = 1
        return out
