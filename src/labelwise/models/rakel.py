"""RAkEL: an ensemble of label powersets on random k-labelsets.

Tsoumakas, Katakis & Vlahavas (2011), "Random k-Labelsets for Multilabel Classification", IEEE
TKDE 23(7). Each member is a label powerset on k labels; a label's score averages the members
that contain it. The paper averages the members' 0/1 votes and thresholds the ratio at 0.5; here
each member contributes its marginal probability for the label (the probabilistic version of the
vote ratio), and ``decision_rule`` decides.
"""

from __future__ import annotations

import itertools
import numbers
from math import comb
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import check_random_state

from labelwise._validation import HasMethods, Interval, Options, default_binary_estimator
from labelwise._warnings import column_label_names
from labelwise.decision._base import DecisionRule
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import (
    check_multilabel_fit,
    check_predict_X,
    multilabel_tags,
    warn_constant_labels,
)
from labelwise.models._per_label import PerLabelWarnings, fit_recording_warnings
from labelwise.models.label_powerset import fit_label_sets, joint_proba

__all__ = ["RAkEL", "random_labelsets"]


def random_labelsets(
    n_labels: int, k: int, n_sets: int | None, mode: str, random_state: Any = None
) -> list[np.ndarray]:
    """Draw the k-labelsets of RAkEL.

    ``"disjoint"`` (RAkELd) partitions a random permutation of the labels into ``ceil(L / k)``
    sets (the last may be smaller); ``n_sets`` is ignored. ``"overlapping"`` (RAkELo) draws
    ``n_sets`` distinct k-subsets (default ``2 L``, at most ``C(L, k)``); the first
    ``ceil(L / k)`` form a random cover so every label gets a score (the paper draws all at random
    and may leave a label uncovered), so at least that many sets are drawn.

    Returns
    -------
    list of ndarray of int
        Sorted label indices of each set.

    Examples
    --------
    >>> [s.tolist() for s in random_labelsets(5, 2, None, "disjoint", random_state=0)]
    [[0, 2], [1, 3], [4]]
    """
    rng = check_random_state(random_state)
    k = min(k, n_labels)
    perm = rng.permutation(n_labels)
    cover = [np.sort(perm[i : i + k]) for i in range(0, n_labels, k)]
    if mode == "disjoint":
        return cover
    last = cover[-1]
    if last.size < k:  # pad the last cover set with other random labels
        others = rng.permutation(np.setdiff1d(np.arange(n_labels), last))[: k - last.size]
        cover[-1] = np.sort(np.concatenate([last, others]))
    total = comb(n_labels, k)
    m = min(max(2 * n_labels if n_sets is None else n_sets, len(cover)), total)
    chosen = {tuple(s.tolist()) for s in cover}
    sets = list(cover)  # distinct: each holds a label no earlier set has
    if total <= 20000:  # enumerate and sample without replacement
        pool = [c for c in itertools.combinations(range(n_labels), k) if c not in chosen]
        pick = rng.permutation(len(pool))[: m - len(sets)]
        sets += [np.array(pool[i]) for i in np.sort(pick)]
    else:
        while len(sets) < m:
            s = tuple(np.sort(rng.choice(n_labels, size=k, replace=False)).tolist())
            if s not in chosen:
                chosen.add(s)
                sets.append(np.array(s))
    return sets


def _fit_member(base: Any, X: Any, Y: np.ndarray) -> tuple[Any, np.ndarray, list]:
    sets, _, codes = fit_label_sets(Y)
    if sets.shape[0] == 1:
        return None, sets, []
    model, records = fit_recording_warnings(clone(base), X, codes)
    return model, sets, records


class RAkEL(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """Random k-labelsets: label powersets on random subsets of k labels, averaged per label.

    Parameters
    ----------
    estimator : classifier, default=None
        Multi-class base classifier of each powerset; ``None`` means ``LogisticRegression()``.
    k : int, default=3
        Labels per labelset (capped at the number of labels).
    n_estimators : int, default=None
        Number of labelsets in ``"overlapping"`` mode; ``None`` means ``2 * n_labels`` (the
        paper's recommendation). Capped at ``C(L, k)`` and raised to ``ceil(L / k)`` so every
        label is covered. Ignored in ``"disjoint"`` mode, which uses ``ceil(L / k)`` sets.
    mode : {"overlapping", "disjoint"}, default="overlapping"
        RAkELo or RAkELd.
    random_state : int, RandomState or None, default=None
        Seeds the draw of labelsets.
    n_jobs : int, default=None
        Parallel jobs over members (joblib semantics).
    decision_rule : DecisionRule, default=None
        Applied to the averaged marginals in ``predict``. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits. ``FixedThreshold(0.5)``
        reproduces the paper's 0.5 threshold on the (probabilistic) vote ratio.

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies: ``decision_rule`` fitted, or the tuned default
        (absent when ``decision_rule`` is used as given or the model was fitted for its scores
        only).
    labelsets_ : list of ndarray of int
        The label indices of each member.
    estimators_ : list of classifiers or None
        The fitted multi-class classifier of each member (``None`` if it saw one label set).
    powersets_ : list of ndarray of int8
        The label combinations (classes) of each member, over its labelset's labels.
    classes_ : ndarray
        Label names.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 3))
    >>> Y = (X @ rng.normal(size=(3, 4)) > 0).astype(int)
    >>> model = RAkEL(k=2, mode="disjoint", random_state=0).fit(X, Y)
    >>> [s.tolist() for s in model.labelsets_]
    [[2, 3], [0, 1]]
    >>> model.predict_proba(X).shape
    (40, 4)
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [None, HasMethods("fit")],
        "k": [Interval(numbers.Integral, 1, None)],
        "n_estimators": [None, Interval(numbers.Integral, 1, None)],
        "mode": [Options({"overlapping", "disjoint"})],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        estimator: Any = None,
        k: int = 3,
        n_estimators: int | None = None,
        mode: str = "overlapping",
        random_state: Any = None,
        n_jobs: int | None = None,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.estimator = estimator
        self.k = k
        self.n_estimators = n_estimators
        self.mode = mode
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.decision_rule = decision_rule

    @fit_context
    def fit(self, X: Any, Y: Any) -> RAkEL:
        """Draw labelsets and fit one label powerset on each.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels)

        Returns
        -------
        self
        """
        X, Y = check_multilabel_fit(self, X, Y)
        warn_constant_labels(Y, who="RAkEL", names=self.classes_)
        self.labelsets_ = random_labelsets(
            Y.shape[1], self.k, self.n_estimators, self.mode, self.random_state
        )
        base = default_binary_estimator(self.estimator)
        caught = PerLabelWarnings(len(self.labelsets_))
        with caught.around():
            members = Parallel(n_jobs=self.n_jobs)(
                delayed(_fit_member)(base, X, np.ascontiguousarray(Y[:, s]))
                for s in self.labelsets_
            )
        for m, (_, _, records) in enumerate(members):
            caught.add(m, records)
        names = column_label_names(self.classes_, Y.shape[1])
        caught.emit(["+".join(names[j] for j in s) for s in self.labelsets_], unit="label sets")
        self.estimators_ = [m[0] for m in members]
        self.powersets_ = [m[1] for m in members]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Per-label average of the marginals of the members containing the label.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_labels)
        """
        X = check_predict_X(self, X)
        n, L = X.shape[0], len(self.classes_)
        total = np.zeros((n, L))
        count = np.zeros(L)
        for labels, est, sets in zip(
            self.labelsets_, self.estimators_, self.powersets_, strict=True
        ):
            total[:, labels] += joint_proba(est, sets.shape[0], X, n) @ sets.astype(float)
            count[labels] += 1
        return total / count

    def __sklearn_tags__(self):
        return multilabel_tags(super().__sklearn_tags__())
