"""``ThresholdedClassifier``: tune a decision rule on out-of-fold scores, then refit the model.

Thresholds tuned on the scores of the rows a model was trained on are too optimistic (the model
is over-confident there), and tuning them on test data leaks. The meta-estimator therefore fits
the rule on cross-validated (out-of-fold) scores of the training data and refits the estimator on
all of it.
"""

from __future__ import annotations

import contextlib
import numbers
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _num_samples, check_is_fitted, indexable

from labelwise._validation import Interval, Options, check_params
from labelwise._warnings import column_label_names, naming_labels
from labelwise.data.targets import as_array, check_targets
from labelwise.decision._base import DecisionRule, check_probability_thresholds
from labelwise.decision.bayes import BayesOptimal
from labelwise.decision.thresholds import GlobalThreshold, PerLabelThreshold
from labelwise.errors import ProblemSetupError, TargetError

__all__ = ["ThresholdedClassifier", "decide_from_estimator", "estimator_scores"]

_METRIC_RULES = {
    "f1_micro": lambda: GlobalThreshold("f1_micro"),
    "f1_macro": lambda: PerLabelThreshold(),
    "f1_samples": lambda: BayesOptimal("example_f1"),
    "example_f1": lambda: BayesOptimal("example_f1"),
    "hamming": lambda: BayesOptimal("hamming"),
    "subset_accuracy": lambda: BayesOptimal("subset_accuracy"),
}


def estimator_scores(
    estimator: Any, X: Any, method: str = "auto", *, binary: bool = False
) -> np.ndarray:
    """Scores of a fitted estimator as one (n_samples, n_labels) array.

    ``method="auto"`` uses ``predict_proba`` when the estimator has it, else
    ``decision_function``. A list of (n, 2) arrays (scikit-learn's ``MultiOutputClassifier``)
    becomes the matrix of positive-class columns. With ``binary=True`` (the estimator was fitted
    on one binary target) an (n, 2) ``predict_proba`` becomes its positive-class column.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multioutput import MultiOutputClassifier
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> est = MultiOutputClassifier(LogisticRegression()).fit(X, [[0, 1], [0, 1], [1, 0], [1, 0]])
    >>> estimator_scores(est, X).shape
    (4, 2)
    """
    if method == "auto":
        method = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"
    out = getattr(estimator, method)(X)
    if isinstance(out, list):
        return np.column_stack([np.asarray(o)[:, -1] if np.ndim(o) == 2 else o for o in out])
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 1:
        return out.reshape(-1, 1)
    if binary and out.shape[1] == 2:
        return out[:, 1:]
    return out


def decide_from_estimator(
    estimator: Any, X: Any, rule: DecisionRule, method: str = "auto", *, binary: bool = False
) -> np.ndarray:
    """Label sets for X: from joint probabilities when the rule uses them and the estimator
    offers ``predict_joint_proba``, else the rule applied to the estimator's scores.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from labelwise.decision import FixedThreshold
    >>> X = [[0.0], [1.0], [2.0], [3.0]]
    >>> est = OneVsRestClassifier(LogisticRegression()).fit(X, [[0, 1], [0, 1], [1, 0], [1, 1]])
    >>> decide_from_estimator(est, X, FixedThreshold(0.5)).shape
    (4, 2)
    """
    if getattr(rule, "uses_joint", False) and hasattr(estimator, "predict_joint_proba"):
        P, label_sets = estimator.predict_joint_proba(X)
        return rule.predict_joint(P, label_sets)
    return rule.predict(estimator_scores(estimator, X, method, binary=binary))


class ThresholdedClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Wrap a multi-label estimator with a decision rule tuned on out-of-fold scores.

    ``fit`` computes cross-validated scores of the training data, fits the rule on them, then
    refits the estimator on all the training data. ``predict`` applies the fitted rule to the
    refitted estimator's scores (or joint probabilities, for rules that use them).

    Parameters
    ----------
    estimator : estimator
        Any multi-label estimator with ``predict_proba`` or ``decision_function`` (labelwise
        models, scikit-learn's ``OneVsRestClassifier``, ``ClassifierChain``,
        ``MultiOutputClassifier``, ...).
    rule : DecisionRule or None, default=None
        The rule to tune. None: chosen from ``metric``; with ``metric`` also None,
        ``PerLabelThreshold()``.
    metric : {"f1_micro", "f1_macro", "f1_samples", "example_f1", "hamming", \
"subset_accuracy"} or None, default=None
        Metric to optimise when ``rule`` is None: tuned ``GlobalThreshold`` for micro-F1,
        ``PerLabelThreshold`` for macro-F1, ``BayesOptimal`` for the others.
    cv : int or cross-validation splitter, default=5
        An integer gives a shuffled ``StratifiedKFold`` for binary targets (so every training
        fold holds both classes) and a shuffled ``KFold`` for multi-label ones.
    random_state : int or None, default=None
        Shuffling of the default splitter.
    method : {"auto", "predict_proba", "decision_function"}, default="auto"

    Attributes
    ----------
    estimator_ : fitted estimator (on all training data)
    rule_ : fitted DecisionRule
    oof_scores_ : ndarray of shape (n_samples, n_labels)
        The out-of-fold scores the rule was fitted on.
    n_labels_ : int
    n_features_in_ : int
        Copied from ``estimator_`` (when it has it), as is ``feature_names_in_``.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> X, y = make_multilabel_classification(n_samples=120, n_classes=3, random_state=0)
    >>> clf = ThresholdedClassifier(OneVsRestClassifier(LogisticRegression()), cv=3,
    ...                             random_state=0).fit(X, y)
    >>> clf.rule_.thresholds_.shape, clf.predict(X).shape
    ((3,), (120, 3))
    """

    _parameter_constraints: ClassVar[dict] = {
        "metric": [None, Options(set(_METRIC_RULES))],
        "method": [Options({"auto", "predict_proba", "decision_function"})],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
    }

    def __init__(
        self,
        estimator: Any,
        rule: DecisionRule | None = None,
        metric: str | None = None,
        cv: Any = 5,
        random_state: int | None = None,
        method: str = "auto",
    ) -> None:
        self.estimator = estimator
        self.rule = rule
        self.metric = metric
        self.cv = cv
        self.random_state = random_state
        self.method = method

    def _make_rule(self) -> DecisionRule:
        if self.rule is not None and self.metric is not None:
            raise ProblemSetupError(
                "ThresholdedClassifier: give either rule or metric, not both (metric only "
                "chooses a rule when rule is None)."
            )
        if self.rule is not None:
            return clone(self.rule)
        if self.metric is not None:
            return _METRIC_RULES[self.metric]()
        return PerLabelThreshold()

    def _splitter(self, binary: bool) -> Any:
        if isinstance(self.cv, numbers.Integral) and not isinstance(self.cv, bool):
            if self.cv < 2:
                raise ValueError(f"ThresholdedClassifier: cv must be >= 2; got {self.cv}.")
            folds = StratifiedKFold if binary else KFold
            return folds(int(self.cv), shuffle=True, random_state=self.random_state)
        if hasattr(self.cv, "split"):
            return self.cv
        raise ValueError(
            f"ThresholdedClassifier: cv must be an integer >= 2 or a splitter; got {self.cv!r}."
        )

    def fit(self, X: Any, y: Any, **fit_params: Any) -> ThresholdedClassifier:
        """Fit the rule on out-of-fold scores, then the estimator on all of (X, y)."""
        check_params(
            {"metric": self.metric, "method": self.method, "random_state": self.random_state},
            self._parameter_constraints,
            caller="ThresholdedClassifier",
        )
        rule = self._make_rule()
        method = self.method
        if method == "auto":
            has_proba = hasattr(self.estimator, "predict_proba")
            method = "predict_proba" if has_proba else "decision_function"
        if method == "predict_proba":
            check_probability_thresholds(rule, where="ThresholdedClassifier")
        X, y = _check_fit_input(X, y)
        targets = check_targets(y)
        if targets.kind == "multiclass":
            raise ProblemSetupError(
                "Only binary classification is supported for 1-D y: ThresholdedClassifier tunes "
                "per-label decisions for multi-label (or binary) targets; y has "
                f"{targets.n_labels} classes in one column. For multi-class, "
                "predict the argmax, or pass y as a 0/1 indicator matrix to treat it as "
                "multi-label."
            )
        if len(targets.classes) < 2:
            raise TargetError(
                f"ThresholdedClassifier: y holds only one class {list(targets.classes)!r} in its "
                f"{targets.n_samples} row(s), not two; tuning a decision needs both classes, "
                "each in several rows."
            )
        y_fit = y if targets.kind == "binary" else targets.Y
        Y_rule = targets.Y[:, 1:] if targets.kind == "binary" else targets.Y
        self.classes_ = np.asarray(targets.classes)
        self.target_kind_ = targets.kind
        binary = targets.kind == "binary"
        n = _num_samples(X)
        # the folds see a bare 0/1 matrix: their warnings should still name labels as y did
        names = column_label_names(list(self.classes_), len(self.classes_))  # an outer caller's
        with naming_labels(names) if not binary and names else contextlib.nullcontext():
            oof = self._out_of_fold(X, y_fit, Y_rule, binary, fit_params, n)
            self.estimator_ = clone(self.estimator).fit(X, y_fit, **fit_params)
        self.rule_ = rule.fit(Y_rule, oof)
        self.oof_scores_ = oof
        self.n_labels_ = oof.shape[1]
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attr):
                setattr(self, attr, getattr(self.estimator_, attr))
        return self

    def _out_of_fold(
        self, X: Any, y_fit: Any, Y_rule: Any, binary: bool, fit_params: dict, n: int
    ) -> np.ndarray:
        oof = None
        for train, test in self._splitter(binary).split(X, _dense(Y_rule)):
            fold_params = _index_params(fit_params, train, n)
            est = clone(self.estimator).fit(
                _safe_indexing(X, train), _safe_indexing(y_fit, train), **fold_params
            )
            scores = estimator_scores(est, _safe_indexing(X, test), self.method, binary=binary)
            if oof is None:
                oof = np.full((n, scores.shape[1]), np.nan)
            oof[test] = scores
        if oof is None or np.isnan(oof).any():
            raise ValueError(
                "ThresholdedClassifier: the cv splitter must put every training row in exactly "
                "one test fold (a partition), so that every row gets an out-of-fold score."
            )
        return oof

    @available_if(lambda self: _has(self, "predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """The refitted estimator's probabilities: (n_samples, n_labels) positive-class
        probabilities for multi-label targets, scikit-learn's (n_samples, 2) for binary ones."""
        check_is_fitted(self, "estimator_")
        if self._binary():
            return np.asarray(self.estimator_.predict_proba(X))
        return estimator_scores(self.estimator_, X, "predict_proba")

    def decision_function(self, X: Any) -> np.ndarray:
        """The scores the rule decides on (``method``): (n_samples, n_labels), or (n_samples,)
        for binary targets."""
        check_is_fitted(self, "estimator_")
        s = estimator_scores(self.estimator_, X, self.method, binary=self._binary())
        return s[:, 0] if self._binary() else s

    def predict(self, X: Any) -> np.ndarray:
        """Label sets decided by the fitted rule; 1-D classes for binary targets."""
        check_is_fitted(self, "estimator_")
        binary = self._binary()
        out = decide_from_estimator(self.estimator_, X, self.rule_, self.method, binary=binary)
        return self.classes_[out[:, 0]] if binary else out

    def _binary(self) -> bool:
        return self.target_kind_ == "binary"

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_class = False  # 1-D y must be binary; see ``fit``
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        return tags


def _check_fit_input(X: Any, y: Any) -> tuple[Any, Any]:
    """Make X and y row-indexable (sparse X as CSR) and reject what is not a class target.

    X is otherwise left to the wrapped estimator (text pipelines take lists of strings).
    """
    if y is None:
        raise ValueError(
            "ThresholdedClassifier requires y to be passed, but the target y is None: give the "
            "binary classes or the (n_samples, n_labels) 0/1 label matrix."
        )
    X, y = indexable(X, y)
    try:  # label lists are ragged, sparse Y has no dense float view: check_targets' job
        y_arr = None if hasattr(y, "toarray") else np.asarray(as_array(y))
    except (ValueError, TypeError):
        y_arr = None
    if y_arr is not None and y_arr.dtype.kind == "f" and np.isfinite(y_arr).all():
        flat = y_arr.ravel()
        frac = np.flatnonzero(flat != np.round(flat))
        if frac.size:  # NaN/inf are left to check_targets, which says where they are
            i = int(frac[0])
            raise TargetError(
                f"Unknown label type: y is continuous (non-integer value {flat[i]:g} at "
                f"flat position {i}). ThresholdedClassifier needs binary classes or a 0/1 "
                "label matrix; for real-valued targets use a regressor."
            )
    return X, y


def _has(meta: ThresholdedClassifier, method: str) -> bool:
    """Whether the (fitted, else the given) wrapped estimator offers ``method``."""
    return hasattr(getattr(meta, "estimator_", meta.estimator), method)


def _dense(Y: Any) -> np.ndarray:
    return Y.toarray() if hasattr(Y, "toarray") else np.asarray(Y)


def _index_params(params: dict, rows: np.ndarray, n: int) -> dict:
    """Per-sample fit parameters (e.g. ``sample_weight``) restricted to a fold's rows."""
    return {
        k: _safe_indexing(v, rows) if hasattr(v, "__len__") and len(v) == n else v
        for k, v in params.items()
    }
