"""Multi-class reductions for binary-only base estimators: one-vs-rest and one-vs-one.

For a base model that is multi-class already, use it directly: scikit-learn's
``LogisticRegression`` is multinomial (softmax) by default, and so are its neural networks and
trees. These wrappers are for binary-only estimators. They fit scikit-learn's
``OneVsRestClassifier`` / ``OneVsOneClassifier`` and add what labelwise needs: a clear error when
the targets are multi-label (:func:`labelwise.problem.require_single_label`), one-hot targets,
a voting choice for one-vs-one, and ``predict_proba`` rows that sum to 1.
"""

from __future__ import annotations

import itertools
import numbers
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from labelwise._validation import HasMethods, Interval, Options, default_binary_estimator
from labelwise.data.targets import _is_label_lists, as_array, carries_names, check_targets
from labelwise.errors import ShapeError, TargetError
from labelwise.models._base import fit_context
from labelwise.models._input_checks import ACCEPT_SPARSE, check_predict_X
from labelwise.models._per_label import PerLabelWarnings
from labelwise.models.binary_relevance import positive_scores
from labelwise.problem import require_single_label

__all__ = ["OneVsOne", "OneVsRest"]


def _check_single_label_fit(estimator: BaseEstimator, X: Any, y: Any) -> tuple[Any, np.ndarray]:
    """Validate X and one-label-per-row y (classes or one-hot); set ``classes_``; return codes."""
    who = type(estimator).__name__
    if y is None:
        raise TargetError(
            f"{who} requires y to be passed, but the target y is None; pass the class of each row."
        )
    ya = as_array(y)
    if not sp.issparse(ya) and not _is_label_lists(ya):
        arr = np.asarray(ya)
        if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1):
            X, arr = validate_data(estimator, X, arr, accept_sparse=list(ACCEPT_SPARSE), reset=True)
            check_classification_targets(arr)
            ya = arr
    targets = check_targets(y if carries_names(y) else ya)
    require_single_label(targets, who=who)
    X = validate_data(estimator, X, accept_sparse=list(ACCEPT_SPARSE), reset=True)
    if X.shape[0] != targets.n_samples:
        raise ShapeError(f"{who}: X has {X.shape[0]} rows but y has {targets.n_samples}.")
    estimator.classes_ = np.asarray(targets.classes)
    return X, targets.class_indices()


def _base_has(attr: str):
    def check(self: Any) -> bool:
        base = default_binary_estimator(self.estimator)
        return hasattr(base, attr)

    return check


class OneVsRest(ClassifierMixin, BaseEstimator):
    """One-vs-rest multi-class classification with a binary base estimator.

    Parameters
    ----------
    estimator : classifier, default=None
        Binary base classifier; ``None`` means ``LogisticRegression()``.
    n_jobs : int, default=None
        Parallel jobs over classes (joblib semantics).

    Attributes
    ----------
    estimator_ : OneVsRestClassifier
        The fitted scikit-learn reduction, trained on class indices ``0..C-1``.
    classes_ : ndarray
        Class values (column indices for one-hot targets).
    n_features_in_ : int

    Notes
    -----
    ``predict_proba`` is each class's positive-class probability divided by the row sum, so rows
    sum to 1 (scikit-learn's normalisation); ``predict`` is scikit-learn's (argmax of the
    per-class decision scores, or of the probabilities without ``decision_function``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.2], [1.0], [1.2], [2.0], [2.2]])
    >>> model = OneVsRest().fit(X, ["a", "a", "b", "b", "c", "c"])
    >>> model.predict([[0.1], [2.1]])
    array(['a', 'c'], dtype='<U1')
    >>> bool(np.allclose(model.predict_proba(X).sum(axis=1), 1.0))
    True
    >>> OneVsRest().fit(X, [[1, 1], [0, 1], [1, 0], [1, 0], [0, 1], [0, 1]])
    Traceback (most recent call last):
    ...
    labelwise.errors.ProblemSetupError: OneVsRest is for multi-class problems ...
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [None, HasMethods("fit")],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
    }

    def __init__(self, estimator: Any = None, n_jobs: int | None = None) -> None:
        self.estimator = estimator
        self.n_jobs = n_jobs

    @fit_context
    def fit(self, X: Any, y: Any) -> OneVsRest:
        """Fit one binary classifier per class.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or one-hot (n_samples, n_classes)

        Returns
        -------
        self
        """
        X, codes = _check_single_label_fit(self, X, y)
        base = default_binary_estimator(self.estimator)
        caught = PerLabelWarnings(len(self.classes_))  # scikit-learn fits the classes
        with caught.around():
            self.estimator_ = OneVsRestClassifier(base, n_jobs=self.n_jobs).fit(X, codes)
        caught.emit(self.classes_, unit="classes")
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, rows summing to 1, shape (n_samples, n_classes)."""
        X = check_predict_X(self, X)
        return self._full(self.estimator_.predict_proba(X))

    @available_if(_base_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """Per-class decision scores of the base estimators (1-D for two classes)."""
        X = check_predict_X(self, X)
        return self.estimator_.decision_function(X)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of each row."""
        X = check_predict_X(self, X)
        return self.classes_[np.asarray(self.estimator_.predict(X), dtype=int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _full(self, proba: np.ndarray) -> np.ndarray:
        if proba.shape[1] == len(self.classes_):
            return proba
        out = np.zeros((proba.shape[0], len(self.classes_)))  # one class seen in training
        out[:, np.asarray(self.estimator_.classes_, dtype=int)] = proba[:, -1:]
        return out


class OneVsOne(ClassifierMixin, BaseEstimator):
    """One-vs-one multi-class classification with majority or confidence voting.

    One binary classifier per pair of classes (C (C - 1) / 2 in all).

    Parameters
    ----------
    estimator : classifier, default=None
        Binary base classifier; ``None`` means ``LogisticRegression()``.
    voting : {"majority", "confidence"}, default="majority"
        ``"majority"``: each pairwise classifier's ``predict`` gives one vote; ties go to the
        class with the larger summed pairwise probability, then to the first class.
        ``"confidence"``: each pairwise classifier splits one unit between its two classes by its
        probability (``predict_proba``, or the sigmoid of ``decision_function``), and the class
        with the largest sum wins.
    n_jobs : int, default=None
        Parallel jobs over pairs (joblib semantics).

    Attributes
    ----------
    estimator_ : OneVsOneClassifier
        The fitted scikit-learn reduction, trained on class indices ``0..C-1``.
    classes_ : ndarray
    n_features_in_ : int

    Notes
    -----
    ``predict_proba`` is the vote share: votes (``"majority"``) or summed pairwise probabilities
    (``"confidence"``) divided by the number of pairs, so rows sum to 1. It ranks classes; it is
    not a calibrated probability.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.2], [1.0], [1.2], [2.0], [2.2]])
    >>> model = OneVsOne(voting="confidence").fit(X, [0, 0, 1, 1, 2, 2])
    >>> model.predict([[0.1], [2.1]])
    array([0, 2])
    >>> bool(np.allclose(model.predict_proba(X).sum(axis=1), 1.0))
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [None, HasMethods("fit")],
        "voting": [Options({"majority", "confidence"})],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
    }

    def __init__(
        self, estimator: Any = None, voting: str = "majority", n_jobs: int | None = None
    ) -> None:
        self.estimator = estimator
        self.voting = voting
        self.n_jobs = n_jobs

    @fit_context
    def fit(self, X: Any, y: Any) -> OneVsOne:
        """Fit one binary classifier per pair of classes.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or one-hot (n_samples, n_classes)

        Returns
        -------
        self
        """
        X, codes = _check_single_label_fit(self, X, y)
        base = default_binary_estimator(self.estimator)
        C = len(self.classes_)
        caught = PerLabelWarnings(C * (C - 1) // 2)  # scikit-learn fits the pairs
        with caught.around():
            self.estimator_ = OneVsOneClassifier(base, n_jobs=self.n_jobs).fit(X, codes)
        caught.emit([], unit="class pairs")
        return self

    def _tallies(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Votes and summed pairwise probabilities, each (n_samples, n_classes)."""
        check_is_fitted(self)
        n, C = X.shape[0], len(self.classes_)
        votes, conf = np.zeros((n, C)), np.zeros((n, C))
        pairs = itertools.combinations(range(C), 2)
        for est, (i, j) in zip(self.estimator_.estimators_, pairs, strict=True):
            p = positive_scores(est, X)  # P(class j | class i or j)
            conf[:, i] += 1 - p
            conf[:, j] += p
            if self.voting == "majority":
                won = np.asarray(est.predict(X)) == 1
                votes[:, i] += ~won
                votes[:, j] += won
        return votes, conf

    def predict_proba(self, X: Any) -> np.ndarray:
        """Vote shares, rows summing to 1, shape (n_samples, n_classes)."""
        X = check_predict_X(self, X)
        votes, conf = self._tallies(X)
        tally = votes if self.voting == "majority" else conf
        n_pairs = len(self.classes_) * (len(self.classes_) - 1) / 2
        return tally / n_pairs

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of each row."""
        X = check_predict_X(self, X)
        votes, conf = self._tallies(X)
        if self.voting == "majority":  # confidence only breaks ties: it adds < 1 vote
            C = len(self.classes_)
            votes = votes + conf / (C * (C - 1) / 2 + 1)
            return self.classes_[np.argmax(votes, axis=1)]
        return self.classes_[np.argmax(conf, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
