"""Hierarchical metrics: hP/hR/hF (Kiritchenko, Matwin, Nock and Famili, 2006), per-level F1
and the consistency rate.

Each sample's true label set ``Y_i`` and predicted set ``Z_i`` are first augmented with all the
ancestors of their labels in the hierarchy (``Y'_i``, ``Z'_i``), so that predicting a sibling or
a parent of the right label earns partial credit for the shared ancestors. Then, micro-averaged
over samples::

    hP = sum_i |Y'_i & Z'_i| / sum_i |Z'_i|
    hR = sum_i |Y'_i & Z'_i| / sum_i |Y'_i|
    hF = 2 hP hR / (hP + hR)

The hierarchy is a forest or DAG (:class:`~labelwise.data.Hierarchy`) without an artificial root,
so every ancestor counts; ancestors that are not columns of ``y_true`` still count (enron's groups
``A``-``D``). With ``sample_weight``, each sample's set sizes are weighted. Every ``hierarchy``
argument takes any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts (a
``Hierarchy``, the parent mapping a model accepts, a JSON file, dotted names or ``"dotted"``).

One sufficient statistic serves all of them: the per-node confusion counts of the augmented
matrices (:func:`hierarchical_count_stats`), since ``sum_i |Y'_i & Z'_i|`` is the sum over nodes of
their true positives. Per-level F1 reads the nodes of one depth from the same counts (a node's
level is its depth: 0 for roots). The consistency rate is the share of predicted sets that hold
every ancestor (among the columns) of each predicted label. The counts add across batches, so
the streaming states (``hierarchical_f1``, ``hierarchical_precision``, ``hierarchical_recall``,
``hierarchical_consistency``, ``level_f1_micro``, ``level_f1_macro``) merge exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise._math import check_zero_division, safe_divide
from labelwise.data.hierarchy import DOTTED, Hierarchy, HierarchySpec
from labelwise.data.label_space import LabelSpace
from labelwise.data.targets import _is_label_lists, as_array, one_column
from labelwise.errors import TargetError, UnknownLabelError
from labelwise.metrics._count_stats import CountStats, count_stats
from labelwise.metrics._inputs import format_label_inputs
from labelwise.metrics._state_registry import MetricState, register_metric
from labelwise.metrics.names import _canonical_or_none

__all__ = [
    "HierarchicalState",
    "HierarchicalStats",
    "bind_hierarchy",
    "hierarchical_consistency_score",
    "hierarchical_count_stats",
    "hierarchical_f1_score",
    "hierarchical_precision_recall_f1",
    "hierarchical_precision_score",
    "hierarchical_recall_score",
    "per_level_accuracy_score",
    "per_level_f1_score",
]


def _ancestor_closure(names: Sequence[str], hierarchy: Hierarchy) -> tuple[sp.csr_matrix, list]:
    """(L, M) 0/1 matrix (column j of the M nodes is label i itself or one of its ancestors)
    and the M node names (the labels first, then their ancestors that are not labels)."""
    for i, name in enumerate(names):
        if name not in hierarchy.parents:
            raise UnknownLabelError(
                f"label {name!r} (column {i}) is not in the hierarchy "
                f"({len(hierarchy.parents)} labels); pass labels= naming the columns."
            )
    nodes = hierarchy.nodes_for(names)
    index = {n: j for j, n in enumerate(nodes)}
    rows, cols = [], []
    for i, name in enumerate(names):
        for node in [name, *hierarchy.ancestors(name)]:
            rows.append(i)
            cols.append(index[node])
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(names), len(nodes))), nodes


@dataclass
class HierarchicalStats:
    """Per-node confusion counts of the ancestor-augmented label sets, plus consistency counts.

    Attributes
    ----------
    nodes : list of str
        The columns' labels, then their ancestors that are not columns.
    levels : ndarray of int of shape (n_nodes,)
        Each node's depth in the hierarchy (0 for roots).
    counts : CountStats
        Per-node ``tp``, ``pred``, ``true`` (weighted) of the augmented matrices.
    n_consistent : float
        (Weighted) number of predicted sets holding every ancestor column of their labels.
    """

    nodes: list[str]
    levels: np.ndarray
    counts: CountStats
    n_consistent: float

    def merge(self, other: HierarchicalStats) -> HierarchicalStats:
        """Add ``other``'s counts (same nodes) in place; return self."""
        if other.nodes != self.nodes:
            raise ValueError(
                "cannot merge hierarchical statistics over different label columns "
                f"({len(self.nodes)} vs {len(other.nodes)} nodes)."
            )
        self.counts.merge(other.counts)
        self.n_consistent += other.n_consistent
        return self


def _columns(
    y_true: Any,
    y_pred: Any,
    spec: HierarchySpec,
    labels: Sequence[str] | None,
    sample_weight: Any,
    where: str,
):
    """The formatted inputs, the column names and the hierarchy resolved over them."""
    space = LabelSpace(labels) if labels is not None else None
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    # one column is 1-D classes, whatever its container (as in every metric)
    y_true, y_pred = (y if (c := one_column(y)) is None else c for y in (y_true, y_pred))
    lists = _is_label_lists(y_true)
    # the hierarchy's labels as given (before the data's are known) name a bare matrix as wide
    dotted = isinstance(spec, str) and spec == DOTTED
    known = [] if dotted else Hierarchy.coerce(spec, where=where).labels
    n_known = len(known)
    if space is None and not lists and known:
        shape = y_true.shape if sp.issparse(y_true) else np.shape(y_true)  # any container
        if len(shape) == 2 and shape[1] == n_known:
            space = LabelSpace(known)
    inputs = format_label_inputs(y_true, y_pred, sample_weight=sample_weight, label_space=space)
    names = [str(c) for c in (space.names if space is not None else inputs.classes)]
    if space is None and inputs.kind == "multilabel":
        if not all(isinstance(c, str) for c in inputs.classes):
            raise UnknownLabelError(
                f"{where}: y_true has {len(names)} unnamed columns but the hierarchy has "
                f"{n_known} labels; pass labels= naming the columns."
            )
    return inputs, names, Hierarchy.coerce(spec, labels=names, where=where)


def hierarchical_count_stats(
    y_true: Any,
    y_pred: Any,
    hierarchy: HierarchySpec,
    *,
    labels: Sequence[str] | None = None,
    sample_weight: Any = None,
) -> HierarchicalStats:
    """The sufficient statistic of every hierarchical metric (see the module docstring).

    Parameters
    ----------
    y_true, y_pred : 0/1 matrices, lists of label names, or 1-D class vectors
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts; labels of
        the data that a mapping leaves out are roots (one warning).
    labels : sequence of str, optional
        Names of the columns of 0/1 matrices; by default ``hierarchy.labels`` when their number
        matches, and the names seen for label lists and class vectors.
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    HierarchicalStats

    Examples
    --------
    >>> s = hierarchical_count_stats([["cat"]], [["dog"]], {"cat": "animal", "dog": "animal"})
    >>> s.nodes, s.counts.tp.tolist()
    (['cat', 'dog', 'animal'], [0, 0, 1])
    """
    return _count_stats(y_true, y_pred, hierarchy, labels, sample_weight)[0]


def _count_stats(
    y_true: Any,
    y_pred: Any,
    spec: HierarchySpec,
    labels: Sequence[str] | None,
    sample_weight: Any,
    where: str = "hierarchical metric",
) -> tuple[HierarchicalStats, Hierarchy]:
    """The statistics and the hierarchy they were counted over (``spec`` resolved)."""
    inputs, names, hierarchy = _columns(y_true, y_pred, spec, labels, sample_weight, where)
    closure, nodes = _ancestor_closure(names, hierarchy)
    Yt = sp.csr_matrix(inputs.y_true, dtype=np.float64)
    Yp = sp.csr_matrix(inputs.y_pred, dtype=np.float64)
    true_aug = sp.csr_matrix((Yt @ closure) > 0, dtype=np.int8)
    pred_aug = sp.csr_matrix((Yp @ closure) > 0, dtype=np.int8)
    w = inputs.sample_weight
    counts = count_stats(true_aug, pred_aug, w, per_label=True, per_sample=False)
    # consistent: closing the prediction over the column labels adds nothing
    closed_cols = pred_aug[:, : len(names)]
    consistent = np.asarray((closed_cols != (Yp > 0)).sum(axis=1)).ravel() == 0
    n_consistent = float(consistent.sum() if w is None else consistent @ w)
    levels = np.array([hierarchy.depth(n) for n in nodes], dtype=np.int64)
    return HierarchicalStats(nodes, levels, counts, n_consistent), hierarchy


def hprf_from_stats(stats: HierarchicalStats, zero_division: Any = "warn") -> tuple:
    """(hP, hR, hF) from the per-node counts."""
    c = stats.counts
    tp, n_pred, n_true = float(c.tp.sum()), float(c.pred.sum()), float(c.true.sum())
    hp = float(
        safe_divide(
            tp,
            n_pred,
            zero_division=zero_division,
            metric="hierarchical precision",
            what="no predicted labels",
        )
    )
    hr = float(
        safe_divide(
            tp,
            n_true,
            zero_division=zero_division,
            metric="hierarchical recall",
            what="no true labels",
        )
    )
    hf = float(
        safe_divide(
            2 * hp * hr,
            hp + hr,
            zero_division=zero_division,
            metric="hierarchical F1",
            what="zero precision and recall",
        )
    )
    return hp, hr, hf


def level_f1_from_stats(
    stats: HierarchicalStats, average: str = "micro", zero_division: Any = "warn"
) -> np.ndarray:
    """F1 of each level's nodes (index = depth) from the per-node counts."""
    from labelwise.metrics.label_set import prfs_from_stats

    c = stats.counts
    out = []
    for level in range(int(stats.levels.max(initial=-1)) + 1):
        keep = stats.levels == level
        sub = CountStats(c.tp[keep], c.pred[keep], c.true[keep], c.total, c.n_samples)
        out.append(float(prfs_from_stats(sub, average=average, zero_division=zero_division)[2]))
    return np.array(out)


def consistency_from_stats(stats: HierarchicalStats) -> float:
    """Share (weighted) of predicted sets holding the ancestors of their labels."""
    total = float(stats.counts.total)
    return stats.n_consistent / total if total else 1.0


def hierarchical_precision_recall_f1(
    y_true: Any,
    y_pred: Any,
    hierarchy: HierarchySpec,
    *,
    labels: Sequence[str] | None = None,
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> tuple[float, float, float]:
    """Hierarchical precision, recall and F1 in one pass (see the module docstring).

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix or lists of label names
        0/1 matrices whose columns are ``labels``, or lists of label names.
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Parent of each label: any spec :meth:`Hierarchy.coerce
        <labelwise.data.Hierarchy.coerce>` accepts (a ``Hierarchy``, ``{child: parent}``, a
        JSON file, dotted names, ``"dotted"``); labels a mapping leaves out are roots.
    labels : sequence of str, optional
        Names of the columns of 0/1 matrices; by default ``hierarchy.labels`` (in its order) when
        their number matches, and the names seen for label lists.
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        The value when nothing is predicted (precision) or nothing is true (recall).

    Returns
    -------
    (hP, hR, hF) : tuple of float

    Examples
    --------
    >>> h = Hierarchy({"animal": None, "cat": "animal", "dog": "animal", "car": None})
    >>> hierarchical_precision_recall_f1([["cat"], ["car"]], [["dog"], ["car"]], h)
    (0.6666666666666666, 0.6666666666666666, 0.6666666666666666)
    >>> hierarchical_precision_recall_f1([["A.A1"]], [["A.A2"]], "dotted")
    (0.5, 0.5, 0.5)
    """
    return _hprf(
        y_true,
        y_pred,
        hierarchy,
        "hierarchical_precision_recall_f1",
        labels=labels,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def _hprf(
    y_true: Any,
    y_pred: Any,
    hierarchy: HierarchySpec,
    where: str,
    *,
    labels: Sequence[str] | None = None,
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> tuple[float, float, float]:
    check_zero_division(zero_division)
    stats = _count_stats(y_true, y_pred, hierarchy, labels, sample_weight, where)[0]
    return hprf_from_stats(stats, zero_division)


def hierarchical_precision_score(
    y_true: Any, y_pred: Any, hierarchy: HierarchySpec, **kwargs: Any
) -> float:
    """Hierarchical precision ``hP`` (see :func:`hierarchical_precision_recall_f1`).

    Examples
    --------
    >>> h = Hierarchy({"A": None, "A.1": "A", "A.2": "A"})
    >>> hierarchical_precision_score([["A.1"]], [["A.2", "A.1"]], h)
    0.6666666666666666
    """
    return _hprf(y_true, y_pred, hierarchy, "hierarchical_precision_score", **kwargs)[0]


def hierarchical_recall_score(
    y_true: Any, y_pred: Any, hierarchy: HierarchySpec, **kwargs: Any
) -> float:
    """Hierarchical recall ``hR`` (see :func:`hierarchical_precision_recall_f1`).

    Examples
    --------
    >>> h = Hierarchy({"A": None, "A.1": "A", "A.2": "A"})
    >>> hierarchical_recall_score([["A.1"]], [["A.2"]], h)
    0.5
    """
    return _hprf(y_true, y_pred, hierarchy, "hierarchical_recall_score", **kwargs)[1]


def hierarchical_f1_score(
    y_true: Any, y_pred: Any, hierarchy: HierarchySpec, **kwargs: Any
) -> float:
    """Hierarchical F1 ``hF = 2 hP hR / (hP + hR)`` (see :func:`hierarchical_precision_recall_f1`).

    Examples
    --------
    >>> hierarchical_f1_score([["A.1"]], [["A.2", "A.1"]], {"A.1": "A", "A.2": "A"})
    0.8
    """
    return _hprf(y_true, y_pred, hierarchy, "hierarchical_f1_score", **kwargs)[2]


def per_level_f1_score(
    y_true: Any,
    y_pred: Any,
    hierarchy: HierarchySpec,
    *,
    average: str = "micro",
    labels: Sequence[str] | None = None,
    sample_weight: Any = None,
    zero_division: Any = "warn",
) -> np.ndarray:
    """F1 of each level of the hierarchy, on the ancestor-augmented label sets.

    Level ``d`` holds the nodes of depth ``d`` (0: roots). Its micro (or macro) F1 is
    scikit-learn's ``f1_score`` on those columns of the augmented matrices. For multi-class
    targets with a taxonomy (one leaf per example), level ``d``'s micro-F1 is the accuracy of the
    predicted ancestor at depth ``d`` when every leaf lies at depth ``d`` or below.

    Parameters
    ----------
    y_true, y_pred : 0/1 matrices, lists of label names, or 1-D class vectors
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts.
    average : {"micro", "macro"}, default="micro"
    labels : sequence of str, optional
        Column names (as in :func:`hierarchical_precision_recall_f1`).
    sample_weight : array-like of shape (n_samples,), optional
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"

    Returns
    -------
    ndarray of shape (n_levels,)

    Examples
    --------
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car"]})
    >>> per_level_f1_score(["cat", "car", "dog"], ["dog", "car", "dog"], h)
    array([1.        , 0.66666667])
    """
    if average not in ("micro", "macro"):
        raise ValueError(
            f"per_level_f1_score: average must be 'micro' or 'macro'; got {average!r}."
        )
    check_zero_division(zero_division)
    stats = _count_stats(y_true, y_pred, hierarchy, labels, sample_weight, "per_level_f1_score")[0]
    return level_f1_from_stats(stats, average, zero_division)


def hierarchical_consistency_score(
    y_pred: Any,
    hierarchy: HierarchySpec,
    *,
    labels: Sequence[str] | None = None,
    sample_weight: Any = None,
) -> float:
    """Share of predicted label sets that hold every ancestor of each of their labels.

    Only ancestors that are columns count (an implicit group such as enron's ``A`` cannot be
    missing). 1.0 means no prediction has a child without its parent.

    Parameters
    ----------
    y_pred : 0/1 matrix or lists of label names
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts.
    labels : sequence of str, optional
        Column names of a 0/1 matrix (default ``hierarchy.labels`` when the number matches).
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    float

    Examples
    --------
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    >>> hierarchical_consistency_score([[1, 1, 0], [0, 1, 0]], h, labels=["animal", "cat", "dog"])
    0.5
    """
    stats = _count_stats(
        y_pred, y_pred, hierarchy, labels, sample_weight, "hierarchical_consistency_score"
    )[0]
    return consistency_from_stats(stats)


def per_level_accuracy_score(
    y_true: Any, y_pred: Any, hierarchy: HierarchySpec, *, sample_weight: Any = None
) -> np.ndarray:
    """Accuracy at each level of a taxonomy, for multi-class targets (one class per example).

    At level ``d`` an example counts as right when the predicted class's ancestors at depth
    ``d`` are the true class's (the class itself when it lies at depth ``d``). Examples whose
    true class lies above level ``d`` are left out of that level.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Class names, all in ``hierarchy``.
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts (classes a
        mapping leaves out are roots).
    sample_weight : array-like of shape (n_samples,), optional

    Returns
    -------
    ndarray of shape (n_levels,)
        ``nan`` for a level no true class reaches.

    Examples
    --------
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car"]})
    >>> per_level_accuracy_score(["cat", "car", "dog"], ["dog", "car", "dog"], h)
    array([1.        , 0.66666667])
    """
    yt = [str(v) for v in np.asarray(y_true).ravel()]
    yp = [str(v) for v in np.asarray(y_pred).ravel()]
    if len(yt) != len(yp):
        raise TargetError(
            f"per_level_accuracy_score: y_true has {len(yt)} rows but y_pred has {len(yp)}."
        )
    seen = list(dict.fromkeys(yt + yp))
    hierarchy = Hierarchy.coerce(hierarchy, labels=seen, where="per_level_accuracy_score")
    for name, values in (("y_true", yt), ("y_pred", yp)):
        for i, v in enumerate(values):
            if v not in hierarchy.parents:
                raise UnknownLabelError(
                    f"per_level_accuracy_score: {name} row {i} is class {v!r}, which the "
                    "hierarchy does not name."
                )
    w = np.ones(len(yt)) if sample_weight is None else np.asarray(sample_weight, dtype=float)

    def by_level(c: str) -> dict[int, frozenset]:
        out: dict[int, set] = {}
        for node in [c, *hierarchy.ancestors(c)]:
            out.setdefault(hierarchy.depth(node), set()).add(node)
        return {d: frozenset(v) for d, v in out.items()}

    cache: dict[str, dict[int, frozenset]] = {}
    n_levels = 1 + max((hierarchy.depth(c) for c in set(yt) | set(yp)), default=-1)
    right, total = np.zeros(n_levels), np.zeros(n_levels)
    for t, p, wi in zip(yt, yp, w, strict=True):
        lt = cache.setdefault(t, by_level(t))
        lp = cache.setdefault(p, by_level(p))
        for d, nodes in lt.items():
            total[d] += wi
            right[d] += wi * (lp.get(d) == nodes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, right / np.where(total > 0, total, 1.0), np.nan)


# streaming ---------------------------------------------------------------------------------

_READERS = {
    "hierarchical_precision": lambda s, zd: hprf_from_stats(s, zd)[0],
    "hierarchical_recall": lambda s, zd: hprf_from_stats(s, zd)[1],
    "hierarchical_f1": lambda s, zd: hprf_from_stats(s, zd)[2],
    "hierarchical_consistency": lambda s, zd: consistency_from_stats(s),
    "level_f1_micro": lambda s, zd: level_f1_from_stats(s, "micro", zd).tolist(),
    "level_f1_macro": lambda s, zd: level_f1_from_stats(s, "macro", zd).tolist(),
}


class HierarchicalState(MetricState):
    """Streaming state of a hierarchical metric: the per-node counts, mergeable.

    The hierarchy is not part of the metric's name, so a state made by the Evaluator's registry
    starts unbound: call :meth:`bind` (or :func:`bind_hierarchy` on the Evaluator) first.

    Parameters
    ----------
    metric : str
        One of ``hierarchical_precision``, ``hierarchical_recall``, ``hierarchical_f1``,
        ``hierarchical_consistency``, ``level_f1_micro``, ``level_f1_macro``.
    hierarchy : Hierarchy, mapping, str, Path or list of str, optional
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts; resolved
        at the first update, over the labels it sees.
    labels : sequence of str, optional
        Column names of the 0/1 matrices the state will see.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"

    Examples
    --------
    >>> h = Hierarchy({"A": None, "A.1": "A", "A.2": "A"})
    >>> a = HierarchicalState("hierarchical_f1", h, labels=["A", "A.1", "A.2"])
    >>> a.update([[1, 1, 0]], [[1, 0, 1]])
    >>> b = HierarchicalState("hierarchical_f1", h, labels=["A", "A.1", "A.2"])
    >>> b.update([[1, 0, 1]], [[1, 0, 1]])
    >>> a.merge(b).compute()
    0.75
    """

    def __init__(
        self,
        metric: str = "hierarchical_f1",
        hierarchy: HierarchySpec | None = None,
        labels: Sequence[str] | None = None,
        zero_division: Any = "warn",
    ) -> None:
        canonical = metric if metric in _READERS else _canonical_or_none(metric)
        if canonical not in _READERS:
            raise ValueError(f"unknown hierarchical metric {metric!r}; known: {sorted(_READERS)}.")
        self.metric = canonical
        self.hierarchy = hierarchy
        self.labels = None if labels is None else [str(n) for n in labels]
        self.zero_division = zero_division
        self.stats: HierarchicalStats | None = None

    def bind(self, hierarchy: HierarchySpec, labels: Sequence[str] | None = None) -> None:
        """Give the state its hierarchy (and column names) before the first update."""
        self.hierarchy = hierarchy
        self.labels = None if labels is None else [str(n) for n in labels]

    def update(self, y_true: Any, y: Any, sample_weight: Any = None) -> None:
        if self.hierarchy is None:
            raise TargetError(
                f"{self.metric} needs the label hierarchy: call "
                "labelwise.metrics.hierarchical.bind_hierarchy(evaluator, hierarchy, labels) "
                "before update()."
            )
        stats, self.hierarchy = _count_stats(  # resolved once: later batches reuse it
            y_true, y, self.hierarchy, self.labels, sample_weight, self.metric
        )
        if self.stats is None:
            self.stats = stats
        else:
            self.stats.merge(stats)

    def merge(self, other: MetricState) -> MetricState:
        theirs = getattr(other, "stats", None)
        if theirs is not None:
            if self.stats is None:
                self.stats = theirs
            else:
                self.stats.merge(theirs)
        return self

    def compute(self) -> Any:
        if self.stats is None:
            raise ValueError(f"{self.metric}: no batches seen; call update() first.")
        return _READERS[self.metric](self.stats, self.zero_division)


class _MakeHierarchicalState:
    """Picklable factory of an unbound hierarchical state."""

    def __init__(self, metric: str) -> None:
        self.metric = metric

    def __call__(self) -> HierarchicalState:
        return HierarchicalState(self.metric)


for _name in _READERS:
    register_metric(_name, _MakeHierarchicalState(_name), needs="labels")


def bind_hierarchy(
    evaluator: Any, hierarchy: HierarchySpec, labels: Sequence[str] | None = None
) -> Any:
    """Give every hierarchical metric of a streaming ``Evaluator`` its hierarchy; return it.

    Examples
    --------
    >>> from labelwise.metrics import Evaluator
    >>> h = Hierarchy.from_groups({"A": ["A1", "A2"]})
    >>> ev = bind_hierarchy(Evaluator(["hierarchical_f1", "f1_micro"]), h, ["A1", "A2"])
    >>> ev.update([[1, 0]], [[0, 1]])
    >>> ev.compute()["hierarchical_f1"]
    0.5
    """
    for state in evaluator.states.values():
        if isinstance(state, HierarchicalState):
            state.bind(hierarchy, labels)
    return evaluator
