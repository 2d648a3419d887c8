"""Classifier chains with probabilistic inference, and ensembles of chains.

Training (Read et al., 2009/2011): the classifier of the label at chain position ``j`` sees the
features plus the TRUE values of the labels at positions ``0..j-1``, so it learns the conditional
``P(y_j | x, y_0..y_{j-1})``. The product of these conditionals is the joint distribution over
label sets (probabilistic classifier chains, Dembczynski et al., ICML 2010). Inference then
chooses how to use it: ``"greedy"`` (one path, scikit-learn's behaviour), ``"beam"`` or
``"exact"``; see :mod:`labelwise.models.chain_inference` for the algorithms and their cost.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, ClassVar

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv, cross_val_predict
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Interval, Options, validate_params
from labelwise._warnings import column_label_names
from labelwise.data.targets import as_array
from labelwise.errors import DataValueError, ProblemSetupWarning, ShapeError
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import (
    ConstantLabelModel,
    check_multilabel_fit,
    check_predict_X,
    constant_labels,
    multilabel_tags,
    warn_constant_labels,
)
from labelwise.models._per_label import (
    PerLabelWarnings,
    call_recording_warnings,
    fit_recording_warnings,
)
from labelwise.models.chain_inference import (
    MAX_EXACT_LABELS,
    ChainLink,
    all_label_sets,
    augment,
    beam_joint,
    exact_joint,
    greedy_marginals,
)

__all__ = ["ClassifierChain", "EnsembleClassifierChains"]

_INFERENCE = Options({"greedy", "beam", "exact"})


def _is_order(value: Any) -> bool:
    """None, "random", "frequency" or a list of label indices"""
    if value is None or (isinstance(value, str) and value in ("random", "frequency")):
        return True
    return not isinstance(value, str) and np.ndim(value) == 1


def _is_splitter(value: Any) -> bool:
    """a cross-validation splitter (an object with split and get_n_splits methods)"""
    return hasattr(value, "split") and hasattr(value, "get_n_splits")


def _is_cv_iterable(value: Any) -> bool:
    """an iterable of (train, test) index arrays"""
    return hasattr(value, "__iter__") and not isinstance(value, (str, bytes))


def _resolve_cv(cv: Any) -> Any:
    """``cv`` as ``cross_val_predict`` takes it, once per fit: an iterable of (train, test) pairs
    is materialised (a generator can be consumed only once, and every link needs the folds), as
    scikit-learn's ``check_cv`` does; ``None``, an int and a splitter are passed on unchanged (an
    int means stratified folds for each link's classifier)."""
    if cv is None or isinstance(cv, numbers.Integral) or _is_splitter(cv):
        return cv
    return check_cv(cv)


def _check_sample_weight(sample_weight: Any, n_samples: int, who: str) -> np.ndarray | None:
    """One weight per row as a float64 array (lists, numpy, pandas), or None."""
    if sample_weight is None:
        return None
    w = as_array(sample_weight)
    try:
        w = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError):
        kind = type(sample_weight).__name__
        raise DataValueError(
            f"{who}: sample_weight must be numbers, one per row; got a {kind} of other values."
        ) from None
    if w.ndim == 0:
        w = np.full(n_samples, float(w))
    if w.shape != (n_samples,):
        raise ShapeError(
            f"{who}: sample_weight has shape {w.shape} but X has {n_samples} rows; give one "
            "weight per row."
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        bad = int(np.flatnonzero(~np.isfinite(w) | (w < 0))[0])
        raise DataValueError(
            f"{who}: sample_weight must be finite and non-negative; row {bad} has {w[bad]}."
        )
    return w


def _default_estimator() -> LogisticRegression:
    return LogisticRegression(max_iter=1000)


def _joint_to_marginals(P: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """Marginals ``P(y_l = 1 | x)`` from a joint over listed sets, renormalised over the list."""
    total = P.sum(axis=1, keepdims=True)
    return (P @ sets.astype(float)) / np.where(total > 0, total, 1.0)


def _merge_joints(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Average several (P, sets) joints over the union of their label sets."""
    sets = np.unique(np.concatenate([s for _, s in parts]), axis=0)
    index = {row.tobytes(): i for i, row in enumerate(sets)}
    P = np.zeros((parts[0][0].shape[0], sets.shape[0]))
    for Pk, Sk in parts:
        cols = np.fromiter((index[row.tobytes()] for row in Sk), dtype=np.intp, count=len(Sk))
        np.add.at(P.T, cols, Pk.T)
    return P / len(parts), sets


class ClassifierChain(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """Binary classifiers in a chain, each conditioned on the labels before it.

    The classifier of the label at chain position ``j`` is trained on the features plus the true
    values of the earlier labels (or, with ``cv``, their out-of-fold predictions as in
    scikit-learn). Inference combines the conditionals:

    - ``"greedy"``: each classifier sees the more probable value (p > 0.5) of the earlier labels;
      ``predict_proba`` returns the conditional probabilities along that one path. These are NOT
      marginals ``P(y_l = 1 | x)``; with the same order and base estimator they equal
      scikit-learn's ``ClassifierChain.predict_proba``.
    - ``"exact"`` (``L <= 15``): the joint probability of all ``2**L`` label sets (product of
      conditionals); ``predict_proba`` returns the exact marginals.
    - ``"beam"``: the ``beam_width`` most probable label sets found by beam search;
      ``predict_proba`` returns marginals renormalised over those sets.

    ``predict_joint_proba`` gives the joint (exact or beam), whose most probable set is the
    Bayes-optimal decision for subset accuracy.

    Parameters
    ----------
    estimator : classifier with predict_proba, default=None
        Base binary classifier, cloned per label. ``None`` means
        ``LogisticRegression(max_iter=1000)``.
    order : None, "random", "frequency" or list of int, default=None
        Chain order as label column indices: ``None`` is ``0..L-1``; ``"random"`` a permutation
        drawn from ``random_state``; ``"frequency"`` the most frequent label first.
    random_state : int, RandomState or None, default=None
        For ``order="random"``.
    inference : {"greedy", "beam", "exact"}, default="greedy"
    beam_width : int, default=5
        Number of partial label sets kept by beam search.
    cv : int, splitter, iterable of (train, test) index pairs or None, default=None
        When given, the extra features of later labels during training are out-of-fold hard
        predictions of earlier labels instead of their true values (scikit-learn's option; it
        makes greedy chains more robust, but the links no longer estimate the true conditionals
        that beam and exact inference assume). Accepted as scikit-learn's ``cv`` parameters
        accept it: an int (stratified folds), a splitter, or the (train, test) pairs themselves
        (a generator is read once per fit, and its folds are reused by every link).
    decision_rule : DecisionRule or None, default=None
        Turns ``predict_proba`` into label sets in ``predict``. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits.

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies: ``decision_rule`` fitted, or the tuned default
        (absent when ``decision_rule`` is used as given or the model was fitted for its scores
        only).
    order_ : ndarray of shape (n_labels,)
        Label columns in chain order.
    estimators_ : list of fitted classifiers
        One per chain position; a label constant in training gets a ``ConstantLabelModel``
        (with a warning).
    classes_ : ndarray of shape (n_labels,)
        Label names.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 1], [1, 0], [1, 1], [0, 0], [2, 1], [0, 2]])
    >>> Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0], [1, 1], [0, 1]])
    >>> cc = ClassifierChain(inference="exact").fit(X, Y)
    >>> cc.predict_proba(X).shape
    (6, 2)
    >>> P, sets = cc.predict_joint_proba(X[:2])
    >>> sets
    array([[0, 0],
           [1, 0],
           [0, 1],
           [1, 1]], dtype=int8)
    >>> np.allclose(P.sum(axis=1), 1.0)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "order": [_is_order],
        "inference": [_INFERENCE],
        "beam_width": [Interval(numbers.Integral, 1, None)],
        "cv": [None, Interval(numbers.Integral, 2, None), _is_splitter, _is_cv_iterable],
    }

    def __init__(
        self,
        estimator: Any = None,
        order: Any = None,
        random_state: Any = None,
        inference: str = "greedy",
        beam_width: int = 5,
        cv: Any = None,
        decision_rule: Any = None,
    ) -> None:
        self.estimator = estimator
        self.order = order
        self.random_state = random_state
        self.inference = inference
        self.beam_width = beam_width
        self.cv = cv
        self.decision_rule = decision_rule

    def __sklearn_tags__(self) -> Any:
        return multilabel_tags(super().__sklearn_tags__())

    def _resolve_order(self, Y: np.ndarray) -> np.ndarray:
        L = Y.shape[1]
        if self.order is None:
            return np.arange(L)
        if isinstance(self.order, str) and self.order == "random":
            return check_random_state(self.random_state).permutation(L)
        if isinstance(self.order, str) and self.order == "frequency":
            return np.argsort(-Y.sum(axis=0), kind="stable")
        order = np.asarray(self.order)
        if (
            order.shape != (L,)
            or not np.issubdtype(order.dtype, np.integer)
            or not np.array_equal(np.sort(order), np.arange(L))
        ):
            raise ValueError(
                f"{type(self).__name__}: order must be a permutation of the {L} label indices "
                f"0..{L - 1}; got {self.order!r}."
            )
        return order.astype(np.intp)

    @fit_context
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> ClassifierChain:
        """Fit one classifier per label along the chain.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like or sparse matrix of shape (n_samples, n_labels)
            0/1 label matrix with at least two labels.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (a list, NumPy array or pandas Series), passed to each link's
            ``fit``. As in scikit-learn, the out-of-fold models of ``cv`` are fitted without
            them.

        Returns
        -------
        self
        """
        caught = self._fit(X, y, sample_weight, warn_constant=True)
        caught.emit(column_label_names(self.classes_, len(self.classes_)))
        return self

    def _fit(self, X: Any, Y: Any, sample_weight: Any, *, warn_constant: bool) -> PerLabelWarnings:
        """Fit the links; return their warnings by label, for the caller to issue once."""
        validate_params(self)  # members of EnsembleClassifierChains come here without fit
        X, Y = check_multilabel_fit(self, X, Y)
        sample_weight = _check_sample_weight(sample_weight, X.shape[0], type(self).__name__)
        cv = _resolve_cv(self.cv)
        self.order_ = self._resolve_order(Y)
        if self.inference == "exact" and Y.shape[1] > MAX_EXACT_LABELS:
            warnings.warn(
                f"{type(self).__name__}: exact inference enumerates 2**{Y.shape[1]} label sets; "
                f"it is limited to {MAX_EXACT_LABELS} labels and predict will refuse. "
                "Use inference='beam'.",
                ProblemSetupWarning,
                stacklevel=2,
            )
        if warn_constant:
            constant = set(warn_constant_labels(Y, who=type(self).__name__, names=self.classes_))
        else:  # an ensemble member on a row sample: the ensemble warned about the full data
            constant = set(constant_labels(Y))
        base = _default_estimator() if self.estimator is None else self.estimator
        feats = Y[:, self.order_].astype(float)  # extra features, in chain positions
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimators_: list[Any] = []
        caught = PerLabelWarnings(Y.shape[1])
        for j, label in enumerate(self.order_):
            Xa = augment(X, feats[:, :j])
            y = Y[:, label].astype(np.int64)
            if label in constant:
                self.estimators_.append(ConstantLabelModel(int(y[0]) if y.size else 0).fit(Xa))
                continue
            est, records = fit_recording_warnings(clone(base), Xa, y, **kw)
            caught.add(label, records)
            self.estimators_.append(est)
            if cv is not None and j < len(self.order_) - 1:
                pos = list(est.classes_).index(1)
                oof, records = call_recording_warnings(
                    cross_val_predict, clone(base), Xa, y, cv=cv, method="predict_proba"
                )
                caught.add(label, records)
                feats[:, j] = oof[:, pos] > 0.5
        return caught

    def _links(self) -> list[ChainLink]:
        return [
            ChainLink(None, est.value) if isinstance(est, ConstantLabelModel) else ChainLink(est)
            for est in self.estimators_
        ]

    def _check_exact(self) -> None:
        L = len(self.order_)
        if L > MAX_EXACT_LABELS:
            raise ValueError(
                f"{type(self).__name__}: exact inference over {L} labels would enumerate "
                f"2**{L} label sets; it is limited to {MAX_EXACT_LABELS} labels. "
                "Use inference='beam' (with a larger beam_width for more accuracy)."
            )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Per-label positive-class probabilities, one (n_samples, n_labels) array.

        ``"exact"`` gives true marginals, ``"beam"`` marginals renormalised over the beam and
        ``"greedy"`` conditionals along the greedy path (see the class docstring).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_labels)
        """
        check_is_fitted(self)
        if self.inference == "greedy":
            X = check_predict_X(self, X)
            prob, _ = greedy_marginals(self._links(), X)
            out = np.empty_like(prob)
            out[:, self.order_] = prob
            return out
        P, sets = self.predict_joint_proba(X)
        return _joint_to_marginals(P, sets)

    def predict_joint_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Joint probabilities of label sets (exact or beam inference).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        P : ndarray of shape (n_samples, n_sets)
            ``P[i, c]`` is the chain's joint probability of ``label_sets[c]`` for sample ``i``.
            With exact inference the sets are all ``2**L`` and rows sum to 1; with beam search
            they are the union of every sample's beam, a set outside a sample's beam gets 0, and
            rows sum to at most 1. With ``inference="greedy"`` the beam search uses width 1.
        label_sets : ndarray of int8, shape (n_sets, n_labels)
            The label sets, in label column order.
        """
        check_is_fitted(self)
        X = check_predict_X(self, X)
        links = self._links()
        L = len(links)
        if self.inference == "exact":
            self._check_exact()
            P = exact_joint(links, X)
            sets = np.empty((2**L, L), dtype=np.int8)
            sets[:, self.order_] = all_label_sets(L)
            return P, sets
        width = self.beam_width if self.inference == "beam" else 1
        probs, chain_sets = beam_joint(links, X, width)
        n, b, _ = chain_sets.shape
        flat = np.empty((n * b, L), dtype=np.int8)
        flat[:, self.order_] = chain_sets.reshape(n * b, L)
        sets, inverse = np.unique(flat, axis=0, return_inverse=True)
        P = np.zeros((n, sets.shape[0]))
        np.add.at(P, (np.repeat(np.arange(n), b), inverse.ravel()), probs.ravel())
        return P, sets


def _fit_member(
    chain: ClassifierChain,
    X: Any,
    Y: np.ndarray,
    rows: np.ndarray | None,
    sample_weight: np.ndarray | None,
) -> tuple[ClassifierChain, PerLabelWarnings]:
    if rows is None:
        return chain, chain._fit(X, Y, sample_weight, warn_constant=False)
    w = None if sample_weight is None else sample_weight[rows]
    return chain, chain._fit(X[rows], Y[rows], w, warn_constant=False)


class EnsembleClassifierChains(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """Classifier chains in random orders whose per-label probabilities are averaged.

    Each of the ``n_chains`` chains gets its own random order and, with ``bootstrap=True``, its
    own sample of the training rows (Read et al., 2011). ``predict_proba`` is the mean of the
    members' ``predict_proba`` (greedy conditionals, beam or exact marginals, by ``inference``).

    Parameters
    ----------
    estimator : classifier with predict_proba, default=None
        Base binary classifier; ``None`` means ``LogisticRegression(max_iter=1000)``.
    n_chains : int, default=10
    bootstrap : bool, default=False
        Sample ``max_samples`` rows with replacement for each chain; without bootstrap each chain
        sees ``max_samples`` rows drawn without replacement (all rows when 1.0).
    max_samples : float in (0, 1] or int, default=1.0
        Rows per chain: a fraction of the training rows or a count.
    random_state : int, RandomState or None, default=None
        Draws the orders and the row samples.
    n_jobs : int or None, default=None
        Chains fitted in parallel with joblib.
    inference : {"greedy", "beam", "exact"}, default="greedy"
    beam_width : int, default=5
    decision_rule : DecisionRule or None, default=None
        Turns the averaged scores into label sets in ``predict``. ``None`` is the tuned default:
        ``GlobalThreshold()`` (one threshold for every label, maximising micro-F1) fitted on 5-fold
        out-of-fold training scores into ``rule_`` (fewer folds under 50 rows; under 20 rows nothing
        is tuned and 0.5 decides). A rule that learns is tuned the same way; a fixed rule such as
        ``FixedThreshold(0.5)`` is used as given, without the extra fits. The chains themselves are
        fitted for their scores only.

    Attributes
    ----------
    rule_ : DecisionRule
        The tuned rule ``predict`` applies: ``decision_rule`` fitted, or the tuned default
        (absent when ``decision_rule`` is used as given or the model was fitted for its scores
        only).
    estimators_ : list of ClassifierChain
    classes_ : ndarray of shape (n_labels,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 3))
    >>> Y = (X[:, :2] + 0.3 * rng.normal(size=(40, 2)) > 0).astype(int)
    >>> ecc = EnsembleClassifierChains(n_chains=3, random_state=0).fit(X, Y)
    >>> ecc.predict_proba(X).shape, len(ecc.estimators_)
    ((40, 2), 3)
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_chains": [Interval(numbers.Integral, 1, None)],
        "bootstrap": [bool],
        "max_samples": [
            Interval(numbers.Real, 0, 1, closed="right"),
            Interval(numbers.Integral, 1, None),
        ],
        "inference": [_INFERENCE],
        "beam_width": [Interval(numbers.Integral, 1, None)],
    }

    def __init__(
        self,
        estimator: Any = None,
        n_chains: int = 10,
        bootstrap: bool = False,
        max_samples: float = 1.0,
        random_state: Any = None,
        n_jobs: int | None = None,
        inference: str = "greedy",
        beam_width: int = 5,
        decision_rule: Any = None,
    ) -> None:
        self.estimator = estimator
        self.n_chains = n_chains
        self.bootstrap = bootstrap
        self.max_samples = max_samples
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.inference = inference
        self.beam_width = beam_width
        self.decision_rule = decision_rule

    def __sklearn_tags__(self) -> Any:
        return multilabel_tags(super().__sklearn_tags__())

    @fit_context
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> EnsembleClassifierChains:
        """Fit ``n_chains`` chains with random orders (and row samples).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like or sparse matrix of shape (n_samples, n_labels)
            0/1 label matrix with at least two labels.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights (a list, NumPy array or pandas Series); each chain gets the weights of
            the rows it is fitted on.

        Returns
        -------
        self
        """
        X, Y = check_multilabel_fit(self, X, y)
        sample_weight = _check_sample_weight(sample_weight, X.shape[0], type(self).__name__)
        warn_constant_labels(Y, who=type(self).__name__, names=self.classes_)
        n = X.shape[0]
        if isinstance(self.max_samples, numbers.Integral):
            m = min(int(self.max_samples), n)
        else:
            m = max(1, round(self.max_samples * n))
        rng = check_random_state(self.random_state)
        members, samples = [], []
        for _ in range(self.n_chains):
            seed = rng.randint(np.iinfo(np.int32).max)
            members.append(
                ClassifierChain(
                    estimator=self.estimator,
                    order="random",
                    random_state=seed,
                    inference=self.inference,
                    beam_width=self.beam_width,
                )
            )
            if self.bootstrap:
                samples.append(rng.randint(0, n, size=m))
            elif m < n:
                samples.append(np.sort(rng.choice(n, size=m, replace=False)))
            else:
                samples.append(None)
        caught = PerLabelWarnings(Y.shape[1])
        with caught.around():
            fitted = Parallel(n_jobs=self.n_jobs)(
                delayed(_fit_member)(c, X, Y, rows, sample_weight)
                for c, rows in zip(members, samples, strict=True)
            )
        for _, member_warnings in fitted:
            caught.merge(member_warnings)
        caught.emit(column_label_names(self.classes_, Y.shape[1]))
        self.estimators_ = [chain for chain, _ in fitted]
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean of the chains' per-label probabilities, shape (n_samples, n_labels).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_labels)
        """
        check_is_fitted(self)
        X = check_predict_X(self, X)
        return np.mean([c.predict_proba(X) for c in self.estimators_], axis=0)

    def predict_joint_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Mean of the chains' joint distributions over the union of their label sets.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)

        Returns
        -------
        P : ndarray of shape (n_samples, n_sets)
        label_sets : ndarray of int8, shape (n_sets, n_labels)
            As in :meth:`ClassifierChain.predict_joint_proba`.
        """
        check_is_fitted(self)
        X = check_predict_X(self, X)
        return _merge_joints([c.predict_joint_proba(X) for c in self.estimators_])
