"""``ScoreAverage``: a weighted mean of several models' score matrices.

Averaging the probabilities of models that err differently (a linear model, a forest, a
nearest-neighbour model) lowers the variance of the scores; with weights chosen by greedy
ensemble selection on out-of-fold scores (Caruana et al., 2004, "Ensemble selection from
libraries of models") it is what automated-ML systems put on top of their searches. The result is
a score matrix like any model's; a decision rule still decides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from labelwise.decision._base import DecisionRule
from labelwise.decision.meta import estimator_scores, scores_only
from labelwise.errors import ProblemSetupError
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import multilabel_tags

__all__ = ["ScoreAverage"]


def _fit(est: Any, X: Any, Y: Any) -> Any:
    with scores_only():  # a member gives scores; the average's rule decides
        return est.fit(X, Y)


class ScoreAverage(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """Weighted mean of the ``predict_proba`` matrices of several multi-label models.

    Parameters
    ----------
    estimators : list of (str, estimator)
        Named multi-label estimators, each giving an (n_samples, n_labels) score matrix.
    weights : sequence of float or None, default=None
        Non-negative weights (normalised to sum to 1); None gives equal weights.
    n_jobs : int or None, default=None
        Members fitted in parallel (joblib).
    decision_rule : DecisionRule or None, default=None
        Turns the averaged scores into label sets. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits. The members are fitted for
        their scores only (their own rules are not tuned).

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies: ``decision_rule`` fitted, or the tuned default
        (absent when ``decision_rule`` is used as given or the model was fitted for its scores
        only).
    estimators_ : list of estimator
        The fitted members, in the order given.
    weights_ : ndarray
        The normalised weights.

    Examples
    --------
    >>> import numpy as np
    >>> from labelwise.models import BinaryRelevance, MLkNN
    >>> X = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]] * 5)
    >>> Y = np.array([[0, 1], [1, 1], [1, 0], [0, 0]] * 5)
    >>> avg = ScoreAverage([("br", BinaryRelevance()), ("knn", MLkNN(k=3))], weights=[1, 3])
    >>> avg.fit(X, Y).predict_proba(X).shape
    (20, 2)
    >>> avg.weights_
    array([0.25, 0.75])
    """

    def __init__(
        self,
        estimators: list[tuple[str, Any]],
        weights: Any = None,
        n_jobs: int | None = None,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.estimators = estimators
        self.weights = weights
        self.n_jobs = n_jobs
        self.decision_rule = decision_rule

    def _normalised_weights(self) -> np.ndarray:
        n = len(self.estimators)
        if n == 0:
            raise ProblemSetupError("ScoreAverage: give at least one (name, estimator) pair.")
        w = np.ones(n) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ProblemSetupError(
                f"ScoreAverage: weights must be {n} non-negative numbers with a positive sum; "
                f"got {self.weights!r}."
            )
        return w / w.sum()

    @fit_context
    def fit(self, X: Any, Y: Any) -> ScoreAverage:
        """Fit every member on the same data.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels)

        Returns
        -------
        self
        """
        self.weights_ = self._normalised_weights()
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit)(clone(est), X, Y) for _, est in self.estimators
        )
        first = self.estimators_[0]
        for attr in ("classes_", "n_features_in_", "feature_names_in_"):
            if hasattr(first, attr):
                setattr(self, attr, getattr(first, attr))
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The weighted mean of the members' scores, shape (n_samples, n_labels)."""
        check_is_fitted(self, "estimators_")
        total = None
        for w, est in zip(self.weights_, self.estimators_, strict=True):
            if w == 0:
                continue
            s = w * estimator_scores(est, X)
            total = s if total is None else total + s
        return total

    def __sklearn_tags__(self) -> Any:
        return multilabel_tags(super().__sklearn_tags__())
