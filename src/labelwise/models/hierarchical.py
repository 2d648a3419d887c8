"""Hierarchical classification: models that score every node of a label hierarchy.

:class:`HierarchicalClassifier` works on the *nodes* of the hierarchy: the label columns plus
their ancestors that are not columns (enron's groups ``A``-``D``, which exist only in the label
names). Training targets are closed upward (an example of ``A.A1`` is an example of ``A``). Three
strategies produce node probabilities:

* ``"flat"``: one model over all nodes at once (binary relevance with the base estimator, or the
  estimator itself when it is multi-label; a softmax over the classes for multi-class targets,
  an ancestor's probability being the sum over its leaves);
* ``"top_down"``: local classifiers per parent node, each trained on the examples of its parent
  (the roots on all examples), giving ``P(node | parent)``; a node's probability is
  ``P(node | parent) P(parent)`` (in a DAG, the smallest such product over its parents);
* ``"per_level"``: one classifier per level (depth), trained on all examples.

Within a parent (or a level) the children are modelled by one softmax when they are mutually
exclusive in the training data (at most one per example; a "none" class is added when some
examples have none), else by one sigmoid (binary classifier) per child.

Decisions come from a rule over the node scores (:mod:`labelwise.decision.hierarchical`); by
default the hierarchy-consistent set of largest ``sum (p - t)`` (:class:`ConsistentSet`, ``t``
tuned on 3-fold out-of-fold training scores for hierarchical F1; ``cv=None`` keeps ``t = 0.5``)
for multi-label targets, and the top-down path (:class:`TopDownArgmax`) for multi-class targets
with a taxonomy.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from labelwise._validation import HasMethods, Interval, Options
from labelwise.data.hierarchy import Hierarchy, HierarchySpec, is_hierarchy_spec
from labelwise.data.targets import as_array, carries_names, check_targets
from labelwise.data.xml_labels import hierarchy_from_dotted_names
from labelwise.decision._base import DecisionRule, WrappingRule
from labelwise.decision.hierarchical import (
    ConsistentSet,
    TopDownArgmax,
    column_structure,
    is_hierarchy_rule,
)
from labelwise.decision.meta import scores_only, scores_only_active
from labelwise.errors import (
    LabelwiseWarning,
    ProblemSetupError,
    ShapeError,
    TargetError,
    UnknownLabelError,
)
from labelwise.models._base import fit_context
from labelwise.models._input_checks import ConstantLabelModel, check_predict_X
from labelwise.models.binary_relevance import positive_scores

__all__ = ["HierarchicalClassifier"]

_NONE = -1  # the "no child here" class of a softmax group


def _is_splitter(value: Any) -> bool:
    """a cross-validation splitter (with a split method)"""
    return hasattr(value, "split") and not isinstance(value, str)


def _learns(rule: DecisionRule) -> bool:
    """Whether fitting the rule on out-of-fold scores can change its decisions."""
    if isinstance(rule, ConsistentSet):
        return rule.objective == "hf1"
    if isinstance(rule, WrappingRule):
        return rule.rule is not None and _learns(rule.rule)
    return type(rule).fit is not DecisionRule.fit


class _Group:
    """Members (node indices) modelled together on some rows: one softmax or one sigmoid each."""

    def __init__(
        self,
        members: list[int],
        rows: np.ndarray | None,
        softmax: bool,
        parent: int | None = None,
    ) -> None:
        self.members, self.rows, self.softmax, self.parent = members, rows, softmax, parent


def _fit_group(base: Any, X: Any, Yn: np.ndarray, group: _Group) -> list[Any]:
    rows = np.arange(Yn.shape[0]) if group.rows is None else group.rows
    if rows.size == 0:  # a parent without examples: its children never occur
        return [ConstantLabelModel(0).fit(X[:1]) for _ in group.members]
    Xg = _safe_indexing(X, rows)
    T = Yn[np.ix_(rows, group.members)]
    if group.softmax:
        codes = np.where(T.any(axis=1), np.argmax(T, axis=1), _NONE)
        if np.unique(codes).size < 2:
            return [_Constant(int(codes[0]))]
        return [clone(base).fit(Xg, codes)]
    out = []
    for j in range(T.shape[1]):
        t = T[:, j]
        if t.min() == t.max():
            out.append(ConstantLabelModel(int(t[0])).fit(Xg))
        else:
            out.append(clone(base).fit(Xg, t))
    return out


class _Constant:
    """A softmax group whose examples all fall in one class."""

    def __init__(self, code: int) -> None:
        self.code = code


def _group_proba(models: list[Any], group: _Group, X: Any, n: int) -> np.ndarray:
    """(n, len(members)) probability of each member (conditional on the group's rows)."""
    if not group.softmax:
        return np.column_stack([positive_scores(m, X) for m in models])
    model = models[0]
    out = np.zeros((n, len(group.members)))
    if isinstance(model, _Constant):
        if model.code != _NONE:
            out[:, model.code] = 1.0
        return out
    if hasattr(model, "predict_proba"):
        P = np.asarray(model.predict_proba(X))
    else:  # uncalibrated: the softmax (two classes: sigmoid) of the decision scores
        from scipy.special import expit, softmax

        z = np.asarray(model.decision_function(X), dtype=float)
        P = np.column_stack([1 - expit(z), expit(z)]) if z.ndim == 1 else softmax(z, axis=1)
    for k, code in enumerate(model.classes_):
        if code != _NONE:
            out[:, int(code)] = P[:, k]
    return out


class HierarchicalClassifier(ClassifierMixin, BaseEstimator):
    """Hierarchy-aware classification for multi-label and multi-class (taxonomy) targets.

    Parameters
    ----------
    estimator : classifier, default=None
        The base classifier cloned for each local model (binary or multi-class);
        ``None`` is ``LogisticRegression(max_iter=1000)``. With ``strategy="flat"`` and
        multi-label targets, a multi-label estimator (e.g. ``ClassifierChain``) is used as is.
    hierarchy : Hierarchy, mapping, str, Path or list of str, default=None
        The label hierarchy, any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>`
        accepts: a :class:`~labelwise.data.Hierarchy`, a parent mapping (``{"cat": "animal"}``;
        lists of parents make a DAG; a parent that is no key is a root, and so, with one warning,
        is a label the mapping leaves out), the path of a JSON file holding one, dotted names, or
        ``"dotted"``. ``None`` takes it from the label names (``A.A1`` under ``A``), and treats
        labels as flat when the names have no such structure.
    strategy : {"flat", "top_down", "per_level"}, default="flat"
        How node probabilities are produced (see the module docstring).
    decision_rule : DecisionRule, default=None
        Turns node scores into label sets. ``None``: :class:`ConsistentSet` (``objective="hf1"``)
        for multi-label targets, :class:`TopDownArgmax` for multi-class ones. A rule with
        ``hierarchy``/``labels`` parameters left ``None`` gets the model's hierarchy and nodes.
    labels : sequence of str, default=None
        Names of the columns of a 0/1 ``Y`` (label lists and class vectors name themselves).
    cv : int >= 2, cross-validation splitter or None, default=3
        The decision rule is fitted on out-of-fold node scores of the training data (the default
        ``ConsistentSet``'s ``t`` tuned for hierarchical F1, multi-label targets): ``cv`` shuffled
        ``KFold`` folds, or the splitter given. ``None`` uses the rule as given (``t = 0.5``); so
        does a rule with nothing to learn (``FixedThreshold``, ``objective="product"``), which
        skips the folds. Three folds by default because of cost: the fit costs the final fit
        plus ``k`` fits on ``(k - 1)/k`` of the rows, about ``k`` full fits (3 against 5 for
        5 folds), while what is tuned is one number, and every training row gets an out-of-fold
        score whatever ``k`` is; more folds only bring the fold models a little closer to the
        final one. With fewer training rows than folds the rule is used as given, with a
        warning.
    random_state : int or None, default=None
        Shuffling of the ``KFold`` folds when ``cv`` is an integer (``None``: a fresh shuffle
        each fit, so tuned thresholds may differ slightly between fits; fix it for repeatable
        decisions).
    n_jobs : int, default=None
        Parallel local models (joblib semantics).

    Attributes
    ----------
    hierarchy_ : Hierarchy
    nodes_ : list of str
        Node names: the label columns (or classes) first, then their implicit ancestors.
    classes_ : ndarray
        Label column names (multi-label) or classes (multi-class).
    target_kind_ : {"multilabel", "multiclass"}
    groups_ : list
        The local models' members and training rows.
    estimators_ : list of lists
        Fitted local models, one list per group.
    rule_ : DecisionRule
    training_violations_ : HierarchyViolations or None
        Training rows with a label but not its parent (multi-label; they were closed upward).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from labelwise.data import Hierarchy
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(80, 3))
    >>> cat, dog = X[:, 0] > 0.5, X[:, 1] > 0.5
    >>> Y = np.column_stack([cat | dog, cat, dog]).astype(int)
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    >>> model = HierarchicalClassifier(hierarchy=h, labels=["animal", "cat", "dog"],
    ...                                strategy="top_down").fit(X, Y)
    >>> P = model.predict_proba(X)
    >>> bool((P[:, 1] <= P[:, 0] + 1e-12).all())  # a child never outscores its parent
    True
    >>> D = model.predict(X)  # ConsistentSet: a child only with its parent
    >>> bool((D[:, 1] <= D[:, 0]).all() and (D[:, 2] <= D[:, 0]).all())
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [None, HasMethods("fit")],
        "hierarchy": [None, is_hierarchy_spec],
        "strategy": [Options({"flat", "top_down", "per_level"})],
        "decision_rule": [None, DecisionRule],
        "cv": [None, Interval(numbers.Integral, 2, None), _is_splitter],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
    }

    def __init__(
        self,
        estimator: Any = None,
        hierarchy: HierarchySpec | None = None,
        strategy: str = "flat",
        decision_rule: DecisionRule | None = None,
        labels: Any = None,
        cv: Any = 3,
        random_state: int | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.hierarchy = hierarchy
        self.strategy = strategy
        self.decision_rule = decision_rule
        self.labels = labels
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    # fitting ------------------------------------------------------------------------------

    @fit_context
    def fit(self, X: Any, y: Any) -> HierarchicalClassifier:
        """Fit the local models on the node targets, then the decision rule on out-of-fold
        node scores (unless ``cv=None`` or the rule has nothing to learn).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : 1-D classes (multi-class taxonomy), 0/1 matrix or label lists (multi-label)

        Returns
        -------
        self
        """
        X_valid, Yn = self._fit_targets(X, y)
        with scores_only():  # a multi-label base model gives node scores; rule_ decides
            self._fit_models(X_valid, Yn)
        self.rule_ = self._make_rule()
        if self._tunes(_n_rows(X_valid)):
            oof = self._out_of_fold_scores(X, Yn[:, : self.n_columns_])
            self.rule_.fit(Yn, oof)
        return self

    def _tunes(self, n_rows: int) -> bool:
        """Whether to fit the rule on out-of-fold scores (warns when there are too few rows);
        never when fitted for its scores only (a fold, an ensemble member)."""
        if self.cv is None or self.target_kind_ != "multilabel" or not _learns(self.rule_):
            return False
        if scores_only_active():
            return False
        if isinstance(self.cv, numbers.Integral) and n_rows < self.cv:
            warnings.warn(
                f"HierarchicalClassifier: {n_rows} training rows are fewer than cv={self.cv} "
                f"folds; the decision rule {type(self.rule_).__name__} is used as given, untuned.",
                LabelwiseWarning,
                stacklevel=3,
            )
            return False
        return True

    def _fit_targets(self, X: Any, y: Any) -> tuple[Any, np.ndarray]:
        """Validate X and y; set the hierarchy, nodes and classes; return X and the node
        matrix (the targets closed upward over the columns and their implicit ancestors)."""
        who = "HierarchicalClassifier"
        if y is None:
            raise TargetError(
                f"{who} requires y to be passed, but the target y is None: give 1-D classes "
                "or an (n_samples, n_labels) 0/1 matrix."
            )
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=True)
        named = y if carries_names(y) else None  # a DataFrame's columns name the labels
        y = as_array(y)
        if isinstance(y, np.ndarray) and y.dtype.kind == "f" and np.isfinite(y).all():
            frac = np.flatnonzero(y.ravel() != np.round(y.ravel()))
            if frac.size:
                raise TargetError(
                    f"Unknown label type: {who} got a continuous y (value {y.ravel()[frac[0]]:g} "
                    f"at flat position {frac[0]}); it needs classes or a 0/1 label matrix."
                )
        targets = check_targets(named if named is not None else y)
        if targets.n_samples != X.shape[0]:
            raise ShapeError(
                f"{who}: X has {X.shape[0]} rows (samples) but y has {targets.n_samples}."
            )
        kind = "multiclass" if targets.kind in ("binary", "multiclass") else "multilabel"
        if kind == "multiclass" and len(targets.classes) < 2:
            raise TargetError(
                f"{who}: y holds only one class {list(targets.classes)!r}; classification needs "
                "at least two."
            )
        spec = self.hierarchy
        given = None  # the hierarchy before the data's labels are known, for naming a bare matrix
        if spec is not None and not (isinstance(spec, str) and spec == "dotted"):
            given = Hierarchy.coerce(spec, where=who)
        if self.labels is not None and kind == "multilabel":
            if len(self.labels) != targets.n_labels:
                raise ShapeError(
                    f"{who}: labels names {len(self.labels)} columns but Y has {targets.n_labels}."
                )
            names = [str(n) for n in self.labels]
        elif (
            kind == "multilabel"
            and given is not None
            and not any(isinstance(c, str) for c in targets.classes)
            and targets.n_labels == len(given.labels)
        ):
            names = list(given.labels)  # an unnamed matrix with one column per hierarchy label
        elif (
            kind == "multilabel"
            and given is not None
            and not any(isinstance(c, str) for c in targets.classes)
            and not set(map(str, targets.classes)) & set(given.parents)
        ):  # column numbers as names would all become roots of their own: a naming mistake
            raise UnknownLabelError(
                f"{who}: Y has {targets.n_labels} unnamed columns but the hierarchy has "
                f"{len(given.labels)} labels; pass labels= naming the columns."
            )
        else:
            names = [str(c) for c in targets.classes]
        if spec is not None:  # labels the spec leaves out become roots (mappings; one warning)
            hierarchy = Hierarchy.coerce(spec, labels=names, where=who)
        else:  # from the names (A.A1 under A), else flat
            found = hierarchy_from_dotted_names(names)
            hierarchy = found if found is not None else Hierarchy(dict.fromkeys(names))
        hierarchy.check_labels(names, where=who)
        nodes = hierarchy.nodes_for(names)
        Y = targets.Y.toarray() if sp.issparse(targets.Y) else np.asarray(targets.Y)
        Y = np.asarray(Y, dtype=np.int8)
        self.training_violations_ = None
        if kind == "multiclass":
            leaf_set = set(names)
            for name in names:
                below = [d for d in hierarchy.descendants(name) if d in leaf_set]
                if below:
                    raise TargetError(
                        f"{who}: class {name!r} has class {below[0]!r} below it in the "
                        "hierarchy; for multi-class targets with a taxonomy every class must be "
                        "a leaf (exactly one leaf per example)."
                    )
        else:
            violations = hierarchy.violations(Y, names)
            if violations:
                warnings.warn(
                    f"{who}: training labels violate the hierarchy: {violations}. They are "
                    "trained with the missing ancestors added (an example of a child is an "
                    "example of its parent).",
                    LabelwiseWarning,
                    stacklevel=3,
                )
                self.training_violations_ = violations
        closure = hierarchy.ancestor_matrix(nodes).astype(np.float64)
        Yn = np.zeros((Y.shape[0], len(nodes)), dtype=np.float64)
        Yn[:, : len(names)] = Y
        Yn = ((Yn @ closure) > 0).astype(np.int8)
        self.hierarchy_ = hierarchy
        self.nodes_ = nodes
        self.classes_ = np.asarray(names if kind == "multilabel" else targets.classes)
        self.n_columns_ = len(names)
        self.target_kind_ = kind
        return X, Yn

    def _groups(self, Yn: np.ndarray) -> list[_Group]:
        h, nodes = self.hierarchy_, self.nodes_
        pos = {n: j for j, n in enumerate(nodes)}
        L = len(nodes)
        if self.strategy == "flat":
            if self.target_kind_ == "multiclass":
                return [_Group(list(range(self.n_columns_)), None, softmax=True)]
            return [_Group([j], None, softmax=False) for j in range(L)]
        if self.strategy == "per_level":
            sets = [[pos[n] for n in level] for level in h.levels(nodes)]
            return [_Group(m, None, _exclusive(Yn, m, None)) for m in sets]
        # top_down: the children of each parent (the roots under a virtual root)
        by_parent: dict[tuple, list[int]] = {}
        for j, n in enumerate(nodes):
            ps = tuple(pos[p] for p in h.parents[n])
            for p in ps or (None,):
                by_parent.setdefault((p,), []).append(j)
        groups = []
        for (p,), members in by_parent.items():
            rows = None if p is None else np.flatnonzero(Yn[:, p] > 0)
            groups.append(_Group(members, rows, _exclusive(Yn, members, rows), parent=p))
        return groups

    def _fit_models(self, X: Any, Yn: np.ndarray) -> None:
        base = self.estimator if self.estimator is not None else LogisticRegression(max_iter=1000)
        self.multilabel_estimator_ = bool(
            self.strategy == "flat"
            and self.target_kind_ == "multilabel"
            and get_tags(base).classifier_tags.multi_label
        )
        if self.multilabel_estimator_:
            self.groups_ = [_Group(list(range(len(self.nodes_))), None, softmax=False)]
            self.estimators_ = [[clone(base).fit(X, Yn)]]
            return
        self.groups_ = self._groups(Yn)
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_group)(base, X, Yn, g) for g in self.groups_
        )

    def _make_rule(self) -> DecisionRule:
        if self.decision_rule is None:
            if self.target_kind_ == "multiclass":
                rule: DecisionRule = TopDownArgmax()
            else:
                rule = ConsistentSet(objective="hf1")
        else:
            rule = clone(self.decision_rule)
        params = rule.get_params(deep=False)
        fill = {}
        if "hierarchy" in params and params["hierarchy"] is None:
            fill["hierarchy"] = self.hierarchy_
        if "labels" in params and params["labels"] is None:
            fill["labels"] = list(self.nodes_)
        if "implicit" in params and params["implicit"] is None:
            fill["implicit"] = list(self.nodes_[self.n_columns_ :])
        return rule.set_params(**fill) if fill else rule

    def _out_of_fold_scores(self, X: Any, Y: np.ndarray) -> np.ndarray:
        if isinstance(self.cv, numbers.Integral):
            splitter = KFold(int(self.cv), shuffle=True, random_state=self.random_state)
        else:
            splitter = self.cv
        X = as_array(X)
        params = {**self.get_params(deep=False), "cv": None}
        # the folds use this model's hierarchy and columns, whatever labels a fold lacks
        params.update(hierarchy=self.hierarchy_, labels=list(self.classes_))
        oof = np.full((_n_rows(X), len(self.nodes_)), np.nan)
        with warnings.catch_warnings(), scores_only():  # the folds give scores, tune nothing
            warnings.simplefilter("ignore", LabelwiseWarning)  # reported once, by the full fit
            for train, test in splitter.split(np.zeros(_n_rows(X))):
                fold = type(self)(**params).fit(_safe_indexing(X, train), Y[train])
                oof[test] = fold._node_scores(_safe_indexing(X, test))
        return oof

    # scores and decisions -----------------------------------------------------------------

    def _node_scores(self, X: Any) -> np.ndarray:
        n = _n_rows(X)
        L = len(self.nodes_)
        if self.multilabel_estimator_:
            from labelwise.decision.meta import estimator_scores

            return np.clip(estimator_scores(self.estimators_[0][0], X, "predict_proba"), 0, 1)
        cond = np.zeros((n, L))
        given: dict[int, list[tuple[int | None, np.ndarray]]] = {}
        for group, models in zip(self.groups_, self.estimators_, strict=True):
            cond_g = _group_proba(models, group, X, n)
            for k, j in enumerate(group.members):
                cond[:, j] = cond_g[:, k]
                given.setdefault(j, []).append((group.parent, cond_g[:, k]))
        if self.strategy == "top_down":
            return self._chain(given, n)
        if self.strategy == "flat" and self.target_kind_ == "multiclass":
            leaves = np.zeros((n, L))
            leaves[:, : self.n_columns_] = cond[:, : self.n_columns_]
            return leaves @ self.hierarchy_.ancestor_matrix(self.nodes_).astype(np.float64)
        return cond

    def _chain(self, given: dict, n: int) -> np.ndarray:
        """Marginals ``P(node) = min over parents of P(node | parent) P(parent)``, parents
        first (a tree has one parent, so this is the chain rule)."""
        h, nodes = self.hierarchy_, self.nodes_
        out = np.zeros((n, len(nodes)))
        for j in np.argsort([h.depth(v) for v in nodes], kind="stable"):
            terms = [c if p is None else c * out[:, p] for p, c in given.get(int(j), [])]
            if terms:
                out[:, j] = np.min(terms, axis=0)
        return out

    def predict_node_proba(self, X: Any) -> np.ndarray:
        """Probability of every node (``nodes_``: the columns, then implicit ancestors).

        Returns
        -------
        ndarray of shape (n_samples, n_nodes)
        """
        check_is_fitted(self, "estimators_")
        X = check_predict_X(self, X)
        return self._node_scores(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Positive-class probability of each label column (multi-label), or of each class
        (multi-class: the leaf probabilities, normalised to sum to 1).

        Returns
        -------
        ndarray of shape (n_samples, n_labels) or (n_samples, n_classes)
        """
        P = self.predict_node_proba(X)[:, : self.n_columns_]
        if self.target_kind_ == "multiclass":
            total = P.sum(axis=1, keepdims=True)
            P = np.where(total > 0, P / np.where(total > 0, total, 1.0), 1.0 / P.shape[1])
        return P

    def predict(self, X: Any) -> np.ndarray:
        """Label sets (multi-label) or classes (multi-class): the rule applied to node scores."""
        check_is_fitted(self, "rule_")
        D = np.asarray(self.rule_.predict(self.predict_node_proba(X)), dtype=np.int8)
        if not is_hierarchy_rule(self.rule_):
            structure = column_structure(self.hierarchy_, self.nodes_, "HierarchicalClassifier")
            closed = (D.astype(np.float64) @ structure.closure.astype(np.float64)) > 0
            bad = (closed != (D > 0)).any(axis=1)
            if bad.any():
                warnings.warn(
                    f"HierarchicalClassifier: the decision rule {type(self.rule_).__name__} "
                    f"predicted {int(bad.sum())} of {bad.size} label sets with a label but not "
                    "its parent; wrap it in CloseUpward or PruneDownward to keep predictions "
                    "consistent.",
                    LabelwiseWarning,
                    stacklevel=2,
                )
        if self.target_kind_ == "multilabel":
            return D[:, : self.n_columns_]
        leaf = D[:, : self.n_columns_]
        if (leaf.sum(axis=1) != 1).any():
            raise ProblemSetupError(
                f"HierarchicalClassifier: the decision rule {type(self.rule_).__name__} did not "
                "pick exactly one class per example; multi-class targets need a rule that "
                "chooses one leaf (the default TopDownArgmax does)."
            )
        return self.classes_[np.argmax(leaf, axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.input_tags.sparse = True
        return tags


def _exclusive(Yn: np.ndarray, members: list[int], rows: np.ndarray | None) -> bool:
    """Whether at most one member is positive in every row, with two or more members."""
    if len(members) < 2:
        return False
    T = Yn[:, members] if rows is None else Yn[np.ix_(rows, members)]
    return bool(T.shape[0] == 0 or T.sum(axis=1).max() <= 1)


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(X)
