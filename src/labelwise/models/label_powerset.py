"""Label powerset: one multi-class problem over the label combinations seen in training.

With ``min_count > 1`` it becomes *pruned sets* (Read, Pfahringer & Holmes, 2008, "Multi-label
classification using ensembles of pruned sets", ICDM): combinations seen fewer than ``min_count``
times are pruned, and each of their examples is re-introduced with frequent subsets of its label
set, so rare combinations do not become tiny classes yet their examples are not thrown away.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from labelwise._validation import HasMethods, Interval, Options, default_binary_estimator
from labelwise.decision._base import DecisionRule
from labelwise.errors import ProblemSetupWarning, TargetError
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import check_multilabel_fit, check_predict_X, multilabel_tags

__all__ = ["LabelPowerset"]


def _reassign(
    pruned: np.ndarray, kept: np.ndarray, kept_counts: np.ndarray, b: int, strategy: str
) -> np.ndarray:
    """Indices into ``kept`` of the frequent subsets a pruned label set is re-introduced with."""
    sizes = kept.sum(axis=1)
    is_subset = ~np.any(kept.astype(bool) & ~pruned.astype(bool), axis=1) & (sizes > 0)
    cand = np.flatnonzero(is_subset)
    if strategy == "B":
        return cand[sizes[cand] > b]
    # strategy A: the b best subsets, more labels first, then more frequent, then first seen
    order = np.lexsort((cand, -kept_counts[cand], -sizes[cand]))
    return cand[order[:b]]


def fit_label_sets(
    Y: np.ndarray, min_count: int = 1, max_reassign: int = 1, strategy: str = "A"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The training classes of (pruned) label powerset.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_labels), 0/1
    min_count, max_reassign, strategy
        As in :class:`LabelPowerset`.

    Returns
    -------
    label_sets : ndarray of int8, shape (n_classes, n_labels)
        The kept label combinations, sorted.
    rows : ndarray of int
        Training row of each (possibly duplicated) example.
    codes : ndarray of int
        Class (row of ``label_sets``) of each example.

    Examples
    --------
    >>> Y = np.array([[1, 1, 0], [1, 1, 0], [1, 0, 0], [1, 0, 0], [1, 1, 1]])
    >>> sets, rows, codes = fit_label_sets(Y, min_count=2)
    >>> sets.tolist(), rows.tolist(), codes.tolist()
    ([[1, 0, 0], [1, 1, 0]], [0, 1, 2, 3, 4], [1, 1, 0, 0, 1])
    """
    sets, inverse, counts = np.unique(Y, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    keep = counts >= min_count
    if keep.all():
        return sets.astype(np.int8), np.arange(Y.shape[0]), inverse
    kept, kept_counts = sets[keep], counts[keep]
    new_id = np.cumsum(keep) - 1
    ok = keep[inverse]
    rows, codes = [np.flatnonzero(ok)], [new_id[inverse[ok]]]
    for c in np.flatnonzero(~keep):
        subsets = _reassign(sets[c], kept, kept_counts, max_reassign, strategy)
        members = np.flatnonzero(inverse == c)
        rows.append(np.repeat(members, subsets.size))
        codes.append(np.tile(subsets, members.size))
    rows_a, codes_a = np.concatenate(rows), np.concatenate(codes)
    if rows_a.size == 0:
        raise TargetError(
            f"LabelPowerset: min_count={min_count} prunes every label combination; lower it "
            f"(the most frequent combination occurs {int(counts.max())} times)."
        )
    used = np.unique(codes_a)  # kept sets that still have examples
    remap = np.full(kept.shape[0], -1)
    remap[used] = np.arange(used.size)
    order = np.argsort(rows_a, kind="stable")
    return kept[used].astype(np.int8), rows_a[order], remap[codes_a[order]]


def joint_proba(estimator: Any, n_classes: int, X: Any, n_samples: int) -> np.ndarray:
    """(n_samples, n_classes) class probabilities from a fitted multi-class estimator.

    ``predict_proba`` when available, else the softmax of ``decision_function`` (a sigmoid for
    two classes); a missing estimator means a single class.
    """
    if estimator is None:
        return np.ones((n_samples, 1))
    if hasattr(estimator, "predict_proba"):
        proba = np.asarray(estimator.predict_proba(X), dtype=float)
    else:
        d = np.asarray(estimator.decision_function(X), dtype=float)
        proba = np.column_stack([1 - expit(d), expit(d)]) if d.ndim == 1 else softmax(d, axis=1)
    out = np.zeros((proba.shape[0], n_classes))
    out[:, np.asarray(estimator.classes_, dtype=int)] = proba
    return out


class LabelPowerset(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """Multi-class classification over the label combinations observed in training.

    Each distinct row of Y (a label set) becomes one class of a multi-class problem solved by
    ``estimator``; never the 2^L possible sets, only the ones seen. ``predict_joint_proba`` gives
    the probability of each label set, ``predict_proba`` its label marginals
    ``P @ label_sets_``.

    Parameters
    ----------
    estimator : classifier, default=None
        Multi-class base classifier; ``None`` means ``LogisticRegression()`` (multinomial). Without
        ``predict_proba`` the softmax of ``decision_function`` is used.
    min_count : int, default=1
        Pruned sets: label combinations seen fewer times are pruned (1 keeps all).
    max_reassign : int, default=1
        The paper's ``b``. Strategy ``"A"``: each example of a pruned combination is re-introduced
        once for each of the ``max_reassign`` best frequent subsets of its label set, ranked by
        number of labels, then frequency. Strategy ``"B"``: once for each frequent subset with
        more than ``max_reassign`` labels. Examples with no such non-empty subset are dropped.
    strategy : {"A", "B"}, default="A"
        Re-introduction strategy of pruned sets (see ``max_reassign``).
    decision_rule : DecisionRule, default=None
        Applied to the marginals in ``predict``. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits. For the most probable
        label set (best for subset accuracy) apply ``BayesOptimal("subset_accuracy")`` from
        :mod:`labelwise.decision` to ``predict_joint_proba``.

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies: ``decision_rule`` fitted, or the tuned default
        (absent when ``decision_rule`` is used as given or the model was fitted for its scores
        only).
    label_sets_ : ndarray of int8, shape (n_classes, n_labels)
        The label combinations that are classes.
    estimator_ : classifier or None
        The fitted multi-class classifier (``None`` when only one label set was kept).
    classes_ : ndarray
        Label names.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [1.0], [1.1], [2.0], [2.1]])
    >>> Y = np.array([[1, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 1]])
    >>> model = LabelPowerset().fit(X, Y)
    >>> model.label_sets_
    array([[0, 1],
           [1, 0],
           [1, 1]], dtype=int8)
    >>> P, sets = model.predict_joint_proba(X[:1])
    >>> bool(np.isclose(P.sum(), 1.0))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [None, HasMethods("fit")],
        "min_count": [Interval(numbers.Integral, 1, None)],
        "max_reassign": [Interval(numbers.Integral, 0, None)],
        "strategy": [Options({"A", "B"})],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        estimator: Any = None,
        min_count: int = 1,
        max_reassign: int = 1,
        strategy: str = "A",
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.estimator = estimator
        self.min_count = min_count
        self.max_reassign = max_reassign
        self.strategy = strategy
        self.decision_rule = decision_rule

    @fit_context
    def fit(self, X: Any, Y: Any) -> LabelPowerset:
        """Fit the multi-class estimator on label-set ids.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels)

        Returns
        -------
        self
        """
        X, Y = check_multilabel_fit(self, X, Y)
        self._fit_sets(X, Y)
        return self

    def _fit_sets(self, X: Any, Y: np.ndarray) -> None:
        sets, rows, codes = fit_label_sets(Y, self.min_count, self.max_reassign, self.strategy)
        self.label_sets_ = sets
        if sets.shape[0] == 1:
            warnings.warn(
                f"LabelPowerset: every training example has the label set {sets[0].tolist()}; "
                "the model predicts it for every input.",
                ProblemSetupWarning,
                stacklevel=3,
            )
            self.estimator_ = None
            return
        base = default_binary_estimator(self.estimator)
        Xs = (
            X
            if rows.size == X.shape[0] and np.array_equal(rows, np.arange(X.shape[0]))
            else X[rows]
        )
        self.estimator_ = clone(base).fit(Xs, codes)

    def predict_joint_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Probability of each label set.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        P : ndarray of shape (n_samples, n_classes)
            Rows sum to 1 over the listed label sets.
        label_sets : ndarray of int8, shape (n_classes, n_labels)
            The label set of each column of ``P`` (``label_sets_``).
        """
        X = check_predict_X(self, X)
        P = joint_proba(self.estimator_, self.label_sets_.shape[0], X, X.shape[0])
        return P, self.label_sets_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Marginal probability of each label: ``P @ label_sets_``, shape (n_samples, n_labels)."""
        P, sets = self.predict_joint_proba(X)
        return P @ sets.astype(float)

    def __sklearn_tags__(self):
        return multilabel_tags(super().__sklearn_tags__())
