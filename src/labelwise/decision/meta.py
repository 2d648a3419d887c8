"""``ThresholdedClassifier``: tune a decision rule on out-of-fold scores, then refit the model.

Thresholds tuned on the scores of the rows a model was trained on are too optimistic (the model
is over-confident there), and tuning them on test data leaks. The meta-estimator therefore fits
the rule on cross-validated (out-of-fold) scores of the training data and refits the estimator on
all of it. :func:`tune_rule` is the same machinery for a model that owns its rule: a labelwise
model given a rule that learns tunes it this way in its own ``fit``, and
:func:`tune_default_rule` tunes the rule ``decision_rule=None`` stands for.

A guaranteed rule (:mod:`labelwise.decision.risk_control`, :mod:`labelwise.decision.conformal`)
promises something about the deployed model, so it is fitted instead on the scores of a held-out
calibration part that this very model never trained on (``calibration=``).
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
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
from labelwise.decision.guarantees import (
    PromiseCheck,
    aligned_indicator,
    check_promise,
    guaranteed_rule_from_spec,
    is_guaranteed,
)
from labelwise.decision.risk_control import rows_seen_in_training
from labelwise.decision.thresholds import GlobalThreshold, PerLabelThreshold
from labelwise.errors import LabelwiseWarning, ProblemSetupError, ShapeError, TargetError

__all__ = [
    "DEFAULT_RULE_FOLD_ROWS",
    "RULE_CV",
    "PromiseCheck",
    "ThresholdedClassifier",
    "check_promise",
    "decide_from_estimator",
    "estimator_scores",
    "forget_fitted",
    "guaranteed_rule_from_spec",
    "is_guaranteed",
    "out_of_fold_scores",
    "scores_only",
    "scores_only_active",
    "tune_default_rule",
    "tune_rule",
]

RULE_CV = 5  # folds of a model's own rule tuning (ThresholdedClassifier's cv default too)
DEFAULT_RULE_FOLD_ROWS = 10  # least rows per held-out fold when tuning the default rule
_SCORES_ONLY: ContextVar[bool] = ContextVar("labelwise_scores_only", default=False)

_METRIC_RULES = {
    "f1_micro": lambda: GlobalThreshold("f1_micro"),
    "f1_macro": lambda: PerLabelThreshold(),
    "f1_samples": lambda: BayesOptimal("example_f1"),
    "example_f1": lambda: BayesOptimal("example_f1"),
    "hamming": lambda: BayesOptimal("hamming"),
    "subset_accuracy": lambda: BayesOptimal("subset_accuracy"),
}


def _is_pair(value: Any) -> bool:
    """a pair (X_cal, y_cal)"""
    return isinstance(value, (tuple, list)) and len(value) == 2


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
    """Wrap a multi-label estimator with a decision rule tuned on out-of-fold scores, or
    calibrated on held-out rows.

    ``fit`` computes cross-validated scores of the training data, fits the rule on them, then
    refits the estimator on all the training data. The folds and the refit are fitted for their
    scores only (:func:`scores_only`): a labelwise estimator inside tunes no rule of its own.
    ``predict`` applies the fitted rule to the refitted estimator's scores (or joint
    probabilities, for rules that use them).

    With ``calibration``, the rule is fitted instead on the scores of calibration rows that the
    final estimator never trained on: a share (or count) of the rows split off once, stratified,
    before the estimator is fitted on the rest, or explicit ``(X_cal, y_cal)`` (the estimator is
    then fitted on all of X, y). A guaranteed rule (:class:`RecallControl`,
    :class:`PrecisionControl`, :class:`FalsePositiveControl`, :class:`ConformalSets`) needs it:
    its promise is about the deployed model, which out-of-fold scores of other models do not
    describe, so ``fit`` refuses a guaranteed rule without ``calibration``.

    Parameters
    ----------
    estimator : estimator
        Any multi-label estimator with ``predict_proba`` or ``decision_function`` (labelwise
        models, scikit-learn's ``OneVsRestClassifier``, ``ClassifierChain``,
        ``MultiOutputClassifier``, ...). With a guaranteed rule, also any scikit-learn
        multi-class classifier with ``predict_proba``.
    rule : DecisionRule or None, default=None
        The rule to tune. None: chosen from ``metric``; with ``metric`` also None,
        ``PerLabelThreshold()``.
    metric : {"f1_micro", "f1_macro", "f1_samples", "example_f1", "hamming", \
"subset_accuracy"} or None, default=None
        Metric to optimise when ``rule`` is None: tuned ``GlobalThreshold`` for micro-F1,
        ``PerLabelThreshold`` for macro-F1, ``BayesOptimal`` for the others.
    cv : int or cross-validation splitter, default=5
        An integer gives a shuffled ``StratifiedKFold`` for binary targets (so every training
        fold holds both classes) and a shuffled ``KFold`` for multi-label ones. Unused with
        ``calibration``.
    random_state : int or None, default=None
        Shuffling of the default splitter and of the calibration split.
    method : {"auto", "predict_proba", "decision_function"}, default="auto"
    calibration : float in (0, 1), int >= 1, (X_cal, y_cal) or None, default=None
        Where the rule's scores come from. None: out-of-fold scores (``cv``). A float or an int:
        that share or number of the rows is split off (:func:`labelwise.split.train_test_split`
        with ``random_state``, stratified on the labels or classes) and the estimator is fitted
        on the rest. A pair: the estimator is fitted on all of X, y and the rule on the pair;
        rows of ``X_cal`` that also occur in X make a guaranteed rule warn that its promise no
        longer holds (:func:`rows_seen_in_training`).

    Attributes
    ----------
    estimator_ : fitted estimator
        On all training data, or on the rows left after the calibration split.
    rule_ : fitted DecisionRule
    guarantee_ : Guarantee
        The fitted guaranteed rule's promise (only with a guaranteed rule).
    oof_scores_ : ndarray of shape (n_samples, n_labels)
        The out-of-fold scores the rule was fitted on (without ``calibration``).
    n_calibration_ : int
        Rows the rule was fitted on (with ``calibration``).
    classes_ : ndarray
        The binary classes, the multi-class classes, or the labels.
    target_kind_ : {"binary", "multiclass", "multilabel"}
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

    A recall promise for the deployed model, calibrated on 30% of the rows:

    >>> from labelwise.decision import RecallControl
    >>> clf = ThresholdedClassifier(OneVsRestClassifier(LogisticRegression()),
    ...                             rule=RecallControl(alpha=0.1), calibration=0.3,
    ...                             random_state=0).fit(X, y)
    >>> clf.guarantee_.alpha, clf.n_calibration_
    (0.1, 36)
    """

    _parameter_constraints: ClassVar[dict] = {
        "metric": [None, Options(set(_METRIC_RULES))],
        "method": [Options({"auto", "predict_proba", "decision_function"})],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
        "calibration": [
            None,
            Interval(numbers.Real, 0, 1, closed="neither"),
            Interval(numbers.Integral, 1, None),
            _is_pair,
        ],
    }

    def __init__(
        self,
        estimator: Any,
        rule: DecisionRule | None = None,
        metric: str | None = None,
        cv: Any = 5,
        random_state: int | None = None,
        method: str = "auto",
        calibration: Any = None,
    ) -> None:
        self.estimator = estimator
        self.rule = rule
        self.metric = metric
        self.cv = cv
        self.random_state = random_state
        self.method = method
        self.calibration = calibration

    @property
    def guarantee_(self) -> Any:
        """The fitted guaranteed rule's promise (a :class:`Guarantee`)."""
        rule = self.__dict__.get("rule_")
        if rule is None or not is_guaranteed(rule):
            raise AttributeError(
                "ThresholdedClassifier has no guarantee_: it is not fitted, or its rule is not a "
                "guaranteed rule"
            )
        return rule.guarantee_

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

    def fit(self, X: Any, y: Any, **fit_params: Any) -> ThresholdedClassifier:
        """Fit the rule on out-of-fold scores (or calibration rows), and the estimator.

        A fit that fails leaves the meta-estimator unfitted (see :func:`forget_fitted`).
        """
        forget_fitted(self)
        try:
            return self._fit(X, y, fit_params)
        except BaseException:
            forget_fitted(self)
            raise

    def _fit(self, X: Any, y: Any, fit_params: dict) -> ThresholdedClassifier:
        params = self.get_params(deep=False)
        check_params(params, self._parameter_constraints, caller="ThresholdedClassifier")
        rule = self._make_rule()
        guaranteed = is_guaranteed(rule)
        if guaranteed and self.calibration is None:
            raise ProblemSetupError(
                f"ThresholdedClassifier: the guaranteed rule {type(rule).__name__} must be "
                "fitted on rows the deployed model never trained on, not on out-of-fold scores "
                "of other models: pass calibration=0.2 (a share of the rows held out), a number "
                "of rows, or calibration=(X_cal, y_cal)."
            )
        method = self.method
        if method == "auto":
            has_proba = hasattr(self.estimator, "predict_proba")
            method = "predict_proba" if has_proba else "decision_function"
        if method == "predict_proba":
            check_probability_thresholds(rule, where="ThresholdedClassifier")
        X, y = _check_fit_input(X, y)
        targets = check_targets(y)
        _check_target_kind(targets, guaranteed)
        binary = targets.kind == "binary"
        y_fit = targets.Y if targets.kind == "multilabel" else y
        Y_rule = targets.Y[:, 1:] if binary else targets.Y
        self.classes_ = np.asarray(targets.classes)
        self.target_kind_ = targets.kind
        # the folds see a bare 0/1 matrix: their warnings should still name labels as y did
        names = column_label_names(list(self.classes_), len(self.classes_))  # an outer caller's
        labelled = targets.kind == "multilabel" and names
        with naming_labels(names) if labelled else contextlib.nullcontext():
            if self.calibration is None:
                Y_cal, scores, seen = self._fit_out_of_fold(X, y_fit, Y_rule, fit_params, binary)
            else:
                Y_cal, scores, seen = self._fit_calibrated(X, y_fit, targets, fit_params)
        if guaranteed:
            self.rule_ = rule.fit(Y_cal, scores, seen_in_training=seen)
        else:
            self.rule_ = rule.fit(Y_cal, scores)
        self.n_labels_ = scores.shape[1]
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attr):
                setattr(self, attr, getattr(self.estimator_, attr))
        return self

    def _fit_out_of_fold(
        self, X: Any, y_fit: Any, Y_rule: Any, fit_params: dict, binary: bool
    ) -> tuple[Any, np.ndarray, None]:
        splitter = _splitter(self.cv, binary, self.random_state, "ThresholdedClassifier")
        oof = out_of_fold_scores(
            self.estimator, X, y_fit, Y_rule, splitter, fit_params, self.method, binary=binary
        )
        with scores_only():  # the estimator gives scores; rule_ decides
            self.estimator_ = clone(self.estimator).fit(X, y_fit, **fit_params)
        self.oof_scores_ = oof
        return Y_rule, oof, None

    def _fit_calibrated(
        self, X: Any, y_fit: Any, targets: Any, fit_params: dict
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Fit the estimator without the calibration rows; their labels, scores, and which of
        them occur among the training rows (explicit calibration data only)."""
        binary = targets.kind == "binary"
        if _is_pair(self.calibration):
            X_cal, y_cal = self.calibration
            if _num_samples(X_cal) != _num_samples(y_cal):
                raise ShapeError(
                    f"ThresholdedClassifier: calibration=(X_cal, y_cal) has "
                    f"{_num_samples(X_cal)} rows in X_cal but {_num_samples(y_cal)} in y_cal."
                )
            X_cal, y_cal = indexable(X_cal, y_cal)
            Y_cal = aligned_indicator(y_cal, targets.classes)
            with scores_only():
                self.estimator_ = clone(self.estimator).fit(X, y_fit, **fit_params)
            seen = rows_seen_in_training(X_cal, X)
        else:
            n = _num_samples(X)
            train, cal = _calibration_split(n, targets.Y, self.calibration, self.random_state)
            X_cal, Y_cal = _safe_indexing(X, cal), _dense(targets.Y)[cal]
            with scores_only():
                self.estimator_ = clone(self.estimator).fit(
                    _safe_indexing(X, train),
                    _safe_indexing(y_fit, train),
                    **_index_params(fit_params, train, n),
                )
            seen = None  # disjoint rows by construction
        _check_estimator_classes(self.estimator_, targets)
        scores = estimator_scores(self.estimator_, X_cal, self.method, binary=binary)
        self.n_calibration_ = int(Y_cal.shape[0])
        return (Y_cal[:, 1:] if binary else Y_cal), scores, seen

    @available_if(lambda self: _has(self, "predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """The refitted estimator's probabilities: (n_samples, n_labels) positive-class
        probabilities for multi-label targets, scikit-learn's (n_samples, 2) for binary ones
        and (n_samples, n_classes) for multi-class ones."""
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
        """Label sets decided by the fitted rule; 1-D classes for binary targets; for
        multi-class targets, a 0/1 (n_samples, n_classes) matrix of prediction sets."""
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
        tags.classifier_tags.multi_class = False  # 1-D y must be binary (sets: see ``fit``)
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        return tags


@contextlib.contextmanager
def scores_only() -> Iterator[None]:
    """Within the block, models are fitted only for their scores: none tunes its own rule.

    For fits whose model is thrown away or used only through ``predict_proba`` (a
    cross-validation fold, an ensemble's member), where tuning a rule would cost several fits
    for nothing. Holds in this thread and context; a joblib worker process must enter it itself.

    Examples
    --------
    >>> with scores_only():
    ...     scores_only_active()
    True
    >>> scores_only_active()
    False
    """
    token = _SCORES_ONLY.set(True)
    try:
        yield
    finally:
        _SCORES_ONLY.reset(token)


def scores_only_active() -> bool:
    """Whether the current ``fit`` runs inside :func:`scores_only`."""
    return _SCORES_ONLY.get()


def _splitter(cv: Any, binary: bool, random_state: Any, who: str) -> Any:
    """An integer gives shuffled folds (stratified for binary targets); a splitter is kept."""
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"{who}: cv must be >= 2; got {cv}.")
        folds = StratifiedKFold if binary else KFold
        return folds(int(cv), shuffle=True, random_state=random_state)
    if hasattr(cv, "split"):
        return cv
    raise ValueError(f"{who}: cv must be an integer >= 2 or a splitter; got {cv!r}.")


def out_of_fold_scores(
    estimator: Any,
    X: Any,
    y_fit: Any,
    Y_rule: Any,
    splitter: Any,
    fit_params: dict | None = None,
    method: str = "auto",
    *,
    binary: bool = False,
) -> np.ndarray:
    """Scores of every training row from a clone of ``estimator`` fitted without that row's fold.

    Parameters
    ----------
    estimator : estimator
        Cloned for each fold; fitted on ``(X, y_fit)`` of the other folds.
    X : array-like, sparse matrix or sequence of str
    y_fit : array-like
        The targets the clones are fitted on.
    Y_rule : array-like of shape (n_samples, n_labels)
        The 0/1 targets the folds are drawn from (stratified for binary targets).
    splitter : cross-validation splitter
        Must put every row in exactly one test fold.
    fit_params : dict, optional
        Passed to each clone's ``fit``; per-sample ones restricted to the fold's rows.
    method : {"auto", "predict_proba", "decision_function"}, default="auto"
    binary : bool, default=False
        The targets are one binary column (see :func:`estimator_scores`).

    Returns
    -------
    ndarray of shape (n_samples, n_labels)

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.model_selection import KFold
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    >>> est = OneVsRestClassifier(LogisticRegression())
    >>> out_of_fold_scores(est, X, Y, Y, KFold(3)).shape
    (60, 3)
    """
    n = _num_samples(X)
    oof = None
    with scores_only():
        for train, test in splitter.split(X, _dense(Y_rule)):
            fold_params = _index_params(fit_params or {}, train, n)
            est = clone(estimator).fit(
                _safe_indexing(X, train), _safe_indexing(y_fit, train), **fold_params
            )
            scores = estimator_scores(est, _safe_indexing(X, test), method, binary=binary)
            if oof is None:
                oof = np.full((n, scores.shape[1]), np.nan)
            oof[test] = scores
    if oof is None or np.isnan(oof).any():
        raise ValueError(
            "The cv splitter must put every training row in exactly one test fold (a "
            "partition), so that every row gets an out-of-fold score."
        )
    return oof


def tune_rule(
    estimator: Any,
    rule: DecisionRule,
    X: Any,
    y: Any,
    fit_params: dict | None = None,
    *,
    cv: Any = RULE_CV,
    random_state: Any = 0,
) -> DecisionRule:
    """A clone of ``rule`` fitted on out-of-fold ``predict_proba`` scores of ``estimator``.

    What a model that owns a decision rule does in ``fit`` when the rule learns (a tuned
    threshold, a calibration) and was given unfitted: thresholds tuned on the scores of the rows
    a model was trained on are too optimistic, so the rule sees each row's score from a model
    that did not train on it. The clones are fitted on the 0/1 label matrix (so every fold has
    the same label columns) and are fitted for their scores only (:func:`scores_only`), so they do
    not tune a rule of their own.

    Parameters
    ----------
    estimator : estimator
        The multi-label model (cloned per fold; its ``decision_rule`` is irrelevant there).
    rule : DecisionRule
    X : array-like, sparse matrix or sequence of str
    y : targets accepted by :func:`~labelwise.data.check_targets`
    fit_params : dict, optional
        Per-fit parameters such as ``sample_weight``.
    cv : int or splitter, default=5
        An integer gives shuffled ``KFold`` folds seeded with ``random_state``.
    random_state : int or None, default=0

    Returns
    -------
    DecisionRule
        Fitted on the (n_samples, n_labels) out-of-fold scores.

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from labelwise.decision import GlobalThreshold
    >>> from labelwise.models import BinaryRelevance
    >>> X, Y = make_multilabel_classification(n_samples=80, n_classes=3, random_state=0)
    >>> rule = tune_rule(BinaryRelevance(), GlobalThreshold(), X, Y)
    >>> 0.0 < rule.threshold_ < 1.0
    True
    """
    if is_guaranteed(rule):
        raise ProblemSetupError(
            f"{type(estimator).__name__}: the guaranteed rule {type(rule).__name__} cannot be "
            "tuned on out-of-fold scores (its promise is about the deployed model); wrap the "
            f"model instead: ThresholdedClassifier(model, rule={type(rule).__name__}(...), "
            "calibration=0.2)."
        )
    targets = check_targets(y)
    Y = targets.Y[:, 1:] if targets.kind == "binary" else targets.Y
    splitter = _splitter(cv, False, random_state, type(estimator).__name__)
    names = [str(c) for c in targets.classes] if targets.kind == "multilabel" else None
    with naming_labels(names) if names else contextlib.nullcontext():
        oof = out_of_fold_scores(estimator, X, Y, Y, splitter, fit_params, "predict_proba")
    return clone(rule).fit(_dense(Y), oof)


def tune_default_rule(
    estimator: Any,
    rule: DecisionRule,
    X: Any,
    y: Any,
    fit_params: dict | None = None,
) -> DecisionRule | None:
    """The default rule of a just-fitted model, tuned on scores of rows it did not train on.

    What ``decision_rule=None`` means for a labelwise model deciding label sets (see
    :func:`labelwise.models._base.default_rule`). A model that held out validation rows while
    fitting (``NeuralClassifier``'s early-stopping split) offers their labels and scores through
    a ``_held_out_scores(X, y)`` method, and the rule is fitted on those: no refit. Otherwise the
    rule is tuned like a given one (:func:`tune_rule`) on ``RULE_CV`` = 5 folds, fewer when the
    data are small so that every held-out fold keeps at least ``DEFAULT_RULE_FOLD_ROWS`` = 10
    rows; with fewer than 20 rows nothing is tuned (None: the model keeps ``0.5``). The folds'
    warnings are not repeated (the fit on all rows has reported what they would say); a model
    that cannot be copied (a generator ``cv``) or a fold that cannot be fitted leaves ``0.5``,
    with one warning saying why.

    Parameters
    ----------
    estimator : fitted estimator
        Cloned for the folds.
    rule : DecisionRule
        The unfitted default rule.
    X : array-like, sparse matrix or sequence of str
    y : targets accepted by :func:`~labelwise.data.check_targets`
    fit_params : dict, optional

    Returns
    -------
    DecisionRule or None

    Examples
    --------
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from labelwise.decision import GlobalThreshold
    >>> from labelwise.models import BinaryRelevance
    >>> X, Y = make_multilabel_classification(n_samples=40, n_classes=3, random_state=0)
    >>> 0.0 < tune_default_rule(BinaryRelevance(), GlobalThreshold(), X, Y).threshold_ < 1.0
    True
    >>> tune_default_rule(BinaryRelevance(), GlobalThreshold(), X[:19], Y[:19]) is None
    True
    """
    held_out = getattr(estimator, "_held_out_scores", None)
    scored = held_out(X, y) if held_out is not None else None
    if scored is not None:
        Y_val, S_val = scored
        return clone(rule).fit(Y_val, S_val)
    folds = min(RULE_CV, _num_samples(X) // DEFAULT_RULE_FOLD_ROWS)
    if folds < 2:
        return None
    try:
        clone(estimator)  # a parameter that cannot be copied (a generator cv) cannot be refitted
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said once already, by the fit on all rows
            return tune_rule(estimator, rule, X, y, fit_params, cv=folds)
    except (ValueError, TypeError, RuntimeError) as exc:  # labelwise's errors are ValueErrors
        warnings.warn(
            f"{type(estimator).__name__}: the default decision rule could not be tuned on "
            f"{folds}-fold out-of-fold scores ({type(exc).__name__}: {exc}); predict keeps the "
            "threshold 0.5. Pass decision_rule=FixedThreshold(0.5) to say so.",
            LabelwiseWarning,
            stacklevel=3,
        )
        return None


def forget_fitted(estimator: Any) -> None:
    """Delete what ``fit`` learned (the attributes ending in ``_``), so the estimator is unfitted.

    Called when ``fit`` starts (nothing stale survives a refit) and when it fails (a model whose
    fit raised, say a lost Dask worker, must not look fitted and be saved).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> lr = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> forget_fitted(lr)
    >>> hasattr(lr, "coef_"), lr.C
    (False, 1.0)
    """
    for key in [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]:
        delattr(estimator, key)


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


def _check_target_kind(targets: Any, guaranteed: bool) -> None:
    """Refuse what the rule cannot decide on: one class only, or 1-D multi-class y without a
    guaranteed rule (which gives prediction sets)."""
    if targets.kind == "multiclass" and not guaranteed:
        raise ProblemSetupError(
            "Only binary classification is supported for 1-D y: ThresholdedClassifier tunes "
            "per-label decisions for multi-label (or binary) targets; y has "
            f"{targets.n_labels} classes in one column. For multi-class, predict the argmax, "
            "give a guaranteed rule (ConformalSets) with calibration= for prediction sets, or "
            "pass y as a 0/1 indicator matrix to treat it as multi-label."
        )
    if len(targets.classes) < 2:
        raise TargetError(
            f"ThresholdedClassifier: y holds only one class {list(targets.classes)!r} in its "
            f"{targets.n_samples} row(s), not two; tuning a decision needs both classes, "
            "each in several rows."
        )


def _calibration_split(
    n: int, Y: Any, calibration: float | int, random_state: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the proper-training and calibration parts, stratified on Y's columns."""
    from labelwise.split import train_test_split

    if isinstance(calibration, numbers.Integral) and calibration >= n:
        raise ProblemSetupError(
            f"ThresholdedClassifier: calibration={calibration} rows leaves none of the {n} rows "
            "to train the estimator on; give a share such as 0.2 or a smaller count."
        )
    rows = np.arange(n)
    train, cal = train_test_split(
        rows, stratify=Y, test_size=calibration, random_state=random_state
    )
    return train, cal


def _check_estimator_classes(estimator: Any, targets: Any) -> None:
    """A multi-class estimator must score every class (a training part can miss a rare one)."""
    if targets.kind != "multiclass" or not hasattr(estimator, "classes_"):
        return
    fitted = set(np.asarray(estimator.classes_).tolist())
    missing = [c for c in targets.classes if c not in fitted]
    if missing:
        raise ProblemSetupError(
            f"ThresholdedClassifier: the estimator was fitted without class(es) "
            f"{', '.join(map(repr, missing[:5]))} (too few rows of them outside the calibration "
            "part), so it cannot score them; give more rows of each class."
        )
