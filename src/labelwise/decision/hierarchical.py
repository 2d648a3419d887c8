"""Decision rules that respect a label hierarchy: a label only together with its ancestors.

The rules take an (n_samples, n_labels) score matrix whose columns are named by ``labels``
(nodes of ``hierarchy``) and return 0/1 label sets in which every predicted label's ancestors
that are columns are predicted too:

* :class:`CloseUpward` applies another rule, then adds the ancestors of what it predicted;
* :class:`PruneDownward` applies another rule, then drops every label one of whose ancestors it
  did not predict (top-down);
* :class:`ConsistentSet` chooses, per row, the consistent label set with the largest total
  weight: ``p - t`` per label (``objective="hf1"``: hierarchical F1 is micro-F1 over the
  ancestor-augmented sets, and a label raises expected micro-F1 when its probability exceeds
  half the optimal F1, Lipton et al. 2014, so ``t`` is tuned to maximise hF) or ``log p -
  log(1 - p)`` (``objective="product"``: the set with the largest product of node probabilities
  ``prod_in p * prod_out (1 - p)`` under independence). Forests are solved exactly by dynamic
  programming over subtrees; DAGs as a maximum-weight closure (a minimum cut);
* :class:`TopDownArgmax` descends from the roots, taking the best-scoring child at each level
  (multi-class taxonomies: one path, one leaf).

Scores for implicit ancestors (a group that is not a column) cannot be constrained; models in
:mod:`labelwise.models.hierarchical` therefore score every node, columns and ancestors alike.

Every rule's ``hierarchy`` takes any spec :meth:`Hierarchy.coerce
<labelwise.data.Hierarchy.coerce>` accepts (a ``Hierarchy``, a parent mapping, a JSON file, dotted
names or ``"dotted"`` with ``labels``); it is resolved when the rule is used.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np

from labelwise._validation import Interval, Options, validate_params
from labelwise.data.hierarchy import Hierarchy, HierarchySpec
from labelwise.data.targets import check_scores, check_targets
from labelwise.decision._base import DecisionRule, WrappingRule
from labelwise.errors import ShapeError, TargetError

__all__ = ["CloseUpward", "ConsistentSet", "PruneDownward", "TopDownArgmax", "column_structure"]


class _Structure:
    """The hierarchy restricted to the score columns.

    ``up[c]``: the nearest ancestors of column ``c`` that are columns (through implicit nodes);
    ``order``: columns with every column-ancestor before its descendants; ``closure``: (L, L) bool,
    ``closure[i, j]`` when column ``j`` is column ``i`` or an ancestor of it.
    """

    def __init__(self, hierarchy: Hierarchy, labels: list[str], who: str) -> None:
        self.hierarchy = hierarchy
        for j, n in enumerate(labels):
            if n not in hierarchy.parents:
                raise TargetError(
                    f"{who}: score column {j} is label {n!r}, which the hierarchy "
                    f"({len(hierarchy.parents)} labels) does not name; pass labels= naming the "
                    "columns, all of them in the hierarchy."
                )
        pos = {n: j for j, n in enumerate(labels)}
        self.labels = labels
        self.up: list[tuple[int, ...]] = []
        for n in labels:
            found: list[int] = []
            seen = set()
            frontier = list(hierarchy.parents[n])
            while frontier:
                nxt = []
                for a in frontier:
                    if a in seen:
                        continue
                    seen.add(a)
                    if a in pos:
                        found.append(pos[a])
                    else:
                        nxt.extend(hierarchy.parents[a])
                frontier = nxt
            self.up.append(tuple(dict.fromkeys(found)))
        self.is_forest = all(len(u) <= 1 for u in self.up)
        depth = np.array([hierarchy.depth(n) for n in labels])
        self.order = np.argsort(depth, kind="stable")
        self.closure = hierarchy.ancestor_matrix(labels)
        self.down: list[list[int]] = [[] for _ in labels]
        for c, ups in enumerate(self.up):
            for p in ups:
                self.down[p].append(c)


def column_structure(hierarchy: HierarchySpec, labels: Any, who: str) -> _Structure:
    """The hierarchy (any spec :meth:`Hierarchy.coerce` accepts) over the score columns
    ``labels`` (all of the hierarchy's labels if None)."""
    names = None if labels is None else [str(n) for n in labels]
    hierarchy = Hierarchy.coerce(hierarchy, labels=names, where=who)
    return _Structure(hierarchy, hierarchy.labels if names is None else names, who)


def _close(D: np.ndarray, structure: _Structure) -> np.ndarray:
    """Add every column-ancestor of each predicted column."""
    return ((D.astype(np.float64) @ structure.closure.astype(np.float64)) > 0).astype(np.int8)


def _prune(D: np.ndarray, structure: _Structure) -> np.ndarray:
    """Keep a predicted column only when all its column-ancestors are predicted."""
    A = structure.closure.astype(np.float64)
    n_anc = A.sum(axis=1)
    held = (D > 0).astype(np.float64) @ A.T  # predicted columns among each column's ancestors
    return ((D > 0) & (held == n_anc)).astype(np.int8)


def max_weight_closure(
    W: np.ndarray, structure: _Structure, implicit: np.ndarray | None = None
) -> np.ndarray:
    """Per row, the 0/1 set closed under column-ancestors with the largest sum of ``W``.

    ``implicit`` (bool per column) marks labels that can only be predicted through a
    descendant (ancestors that are no output column): such a label is taken only together
    with at least one of its children. Ties (zero total gain) leave labels out. Forests: exact
    dynamic programming, vectorised over rows. DAGs: a minimum cut per row (exact without
    implicit labels; an implicit label left without a child then gets its best child).
    """
    n, L = W.shape
    implicit = np.zeros(L, dtype=bool) if implicit is None else np.asarray(implicit, dtype=bool)
    if not structure.is_forest:
        out = _closure_by_min_cut(W, structure)
        return _complete_implicit(out, W, structure, implicit) if implicit.any() else out
    gain = W.astype(np.float64).copy()
    best_kid: dict[int, np.ndarray] = {}
    for c in structure.order[::-1]:  # children before parents
        kids = structure.down[c]
        if not kids:
            continue
        G = gain[:, kids]
        positive = np.maximum(G, 0.0).sum(axis=1)
        if implicit[c]:  # must keep a child: the best one when none is worth it alone
            best_kid[c] = np.asarray(kids)[np.argmax(G, axis=1)]
            gain[:, c] += np.where((G > 0).any(axis=1), positive, G.max(axis=1))
        else:
            gain[:, c] += positive
    out = np.zeros((n, L), dtype=np.int8)
    rows = np.arange(n)
    for c in structure.order:  # parents before children
        ups = structure.up[c]
        take = gain[:, c] > 0
        if ups:
            p = ups[0]
            take &= out[:, p] > 0
            if implicit[p]:
                forced = (best_kid[p] == c) & ~(gain[:, structure.down[p]] > 0).any(axis=1)
                take |= (out[:, p] > 0) & forced
        out[rows, c] = take
    return out


def _complete_implicit(
    out: np.ndarray, W: np.ndarray, structure: _Structure, implicit: np.ndarray
) -> np.ndarray:
    """Give each chosen implicit label without a chosen child its best child, then close."""
    out = out.copy()
    for c in structure.order:
        if not implicit[c] or not structure.down[c]:
            continue
        kids = np.asarray(structure.down[c])
        lonely = (out[:, c] > 0) & ~(out[:, kids] > 0).any(axis=1)
        if lonely.any():
            rows = np.flatnonzero(lonely)
            out[rows, kids[np.argmax(W[np.ix_(rows, kids)], axis=1)]] = 1
    return _close(out, structure)


def _closure_by_min_cut(W: np.ndarray, structure: _Structure) -> np.ndarray:
    """Maximum-weight closure (Picard 1976) as a minimum s-t cut, one row at a time."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import breadth_first_order, maximum_flow

    n, L = W.shape
    s, t = L, L + 1
    big = np.iinfo(np.int32).max // (4 * (L + 1))
    scale = min(1e6, big / max(float(np.abs(W).max(initial=1.0)), 1e-12) / (L + 1))
    edges_r = [c for c, ups in enumerate(structure.up) for _ in ups]
    edges_c = [p for ups in structure.up for p in ups]
    out = np.zeros((n, L), dtype=np.int8)
    for i in range(n):
        w = np.round(W[i] * scale).astype(np.int64)
        rows = list(edges_r)
        cols = list(edges_c)
        caps = [big] * len(edges_r)  # child -> parent: taking a child forces its parents
        pos, neg = np.flatnonzero(w > 0), np.flatnonzero(w < 0)
        rows += [s] * pos.size + neg.tolist()
        cols += pos.tolist() + [t] * neg.size
        caps += w[pos].tolist() + (-w[neg]).tolist()
        G = sp.csr_matrix((np.array(caps, dtype=np.int32), (rows, cols)), shape=(L + 2, L + 2))
        G.sum_duplicates()
        flow = maximum_flow(G, s, t).flow
        residual = (G - flow).tocsr()
        residual.data = np.where(residual.data > 0, 1, 0).astype(np.int32)
        residual.eliminate_zeros()
        reach = breadth_first_order(residual, s, directed=True, return_predecessors=False)
        chosen = reach[reach < L]
        out[i, chosen] = 1
    return out


def _resolve(rule: DecisionRule, hierarchy: HierarchySpec | None, labels: Any, who: str):
    if hierarchy is None:
        raise TargetError(
            f"{who}: no hierarchy; pass hierarchy= (a labelwise.data.Hierarchy over the score "
            "columns, a parent mapping, a JSON file or dotted names), or use the rule through "
            "HierarchicalClassifier, which sets it."
        )
    return column_structure(hierarchy, labels, who)


def _check_width(s: np.ndarray, structure: _Structure, who: str) -> None:
    if s.shape[1] != len(structure.labels):
        raise ShapeError(
            f"{who}: y_score has {s.shape[1]} columns but the rule's labels name "
            f"{len(structure.labels)}; pass one score column per label, in the order of labels."
        )


class _WrappingRule(WrappingRule):
    """A hierarchy rule around another rule (fitted as ``rule_``)."""

    def __init__(
        self,
        rule: DecisionRule | None = None,
        hierarchy: HierarchySpec | None = None,
        labels: Any = None,
    ) -> None:
        self.rule = rule
        self.hierarchy = hierarchy
        self.labels = labels

    def predict(self, y_score: Any) -> np.ndarray:
        who = type(self).__name__
        structure = _resolve(self, self.hierarchy, self.labels, who)
        s = check_scores(y_score)
        _check_width(s, structure, who)
        return self._fix(np.asarray(self._inner().predict(s), dtype=np.int8), structure)


class CloseUpward(_WrappingRule):
    """Another rule's label sets with every ancestor (that is a column) added.

    Parameters
    ----------
    rule : DecisionRule, default=None
        The rule deciding first; ``None`` is ``FixedThreshold(0.5)``. ``fit`` fits a clone
        (``rule_``).
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts.
    labels : sequence of str, default=None
        The score columns' names; ``None`` means ``hierarchy.labels`` in order.

    Examples
    --------
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    >>> CloseUpward(hierarchy=h).predict([[0.3, 0.8, 0.1]])
    array([[1, 1, 0]], dtype=int8)
    """

    def _fix(self, D: np.ndarray, structure: _Structure) -> np.ndarray:
        return _close(D, structure)


class PruneDownward(_WrappingRule):
    """Another rule's label sets without the labels whose ancestors it did not predict.

    Parameters
    ----------
    rule : DecisionRule, default=None
        The rule deciding first; ``None`` is ``FixedThreshold(0.5)``.
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts.
    labels : sequence of str, default=None

    Examples
    --------
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    >>> PruneDownward(hierarchy=h).predict([[0.3, 0.8, 0.1], [0.6, 0.8, 0.1]])
    array([[0, 0, 0],
           [1, 1, 0]], dtype=int8)
    """

    def _fix(self, D: np.ndarray, structure: _Structure) -> np.ndarray:
        return _prune(D, structure)


class ConsistentSet(DecisionRule):
    """Per row, the hierarchy-consistent label set with the best expected value.

    Parameters
    ----------
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts.
    labels : sequence of str, default=None
        The score columns' names; ``None`` means ``hierarchy.labels``.
    objective : {"hf1", "product"}, default="hf1"
        ``"hf1"``: maximise ``sum (p - t)`` over the chosen labels, the linearised expected
        hierarchical (micro) F1; ``t`` is ``threshold`` until ``fit`` tunes it on validation
        scores to maximise hF. ``"product"``: maximise the product of the node probabilities
        (``p`` in, ``1 - p`` out), i.e. ``sum log(p / (1 - p))``; nothing to tune.
    threshold : float in (0, 1), default=0.5
        ``t`` before fitting (``objective="hf1"``).
    implicit : sequence of str, default=None
        Labels that are never predicted on their own but only through a descendant: ancestors
        that are no output column (enron's groups ``A``-``D``). Such a label is chosen only with
        at least one child, so its expected gain is earned by predicting its best child.
        :class:`~labelwise.models.HierarchicalClassifier` sets it.

    Attributes
    ----------
    threshold_ : float
        The tuned ``t`` (``objective="hf1"``, after ``fit``).
    best_score_ : float
        hF on the tuning data at ``threshold_``.

    Examples
    --------
    >>> rule = ConsistentSet({"cat": "animal", "dog": "animal"}, ["animal", "cat", "dog"],
    ...                      objective="product")
    >>> rule.predict([[0.9, 0.3, 0.2], [0.45, 0.7, 0.1], [0.3, 0.55, 0.05]])
    array([[1, 0, 0],
           [1, 1, 0],
           [0, 0, 0]], dtype=int8)
    """

    _needs_probabilities = True
    _parameter_constraints: ClassVar[dict] = {
        "objective": [Options({"hf1", "product"})],
        "threshold": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        hierarchy: HierarchySpec | None = None,
        labels: Any = None,
        objective: str = "hf1",
        threshold: float = 0.5,
        implicit: Any = None,
    ) -> None:
        self.hierarchy = hierarchy
        self.labels = labels
        self.objective = objective
        self.threshold = threshold
        self.implicit = implicit

    def _implicit_mask(self, structure: _Structure) -> np.ndarray:
        names = set() if self.implicit is None else {str(n) for n in self.implicit}
        unknown = names - set(structure.labels)
        if unknown:
            raise TargetError(
                f"ConsistentSet: implicit names {sorted(unknown)[:3]} that are not score columns."
            )
        return np.array([n in names for n in structure.labels], dtype=bool)

    def _weights(self, s: np.ndarray, t: float) -> np.ndarray:
        if self.objective == "product":
            p = np.clip(s, 1e-12, 1 - 1e-12)
            return np.log(p) - np.log1p(-p)
        return s - t

    def fit(self, y_true: Any, y_score: Any, sample_weight: Any = None) -> ConsistentSet:
        """Tune ``t`` (``objective="hf1"``) to maximise hF on validation labels and scores.

        Thresholds 0.01, 0.02, ..., 0.99 are tried; ties go to the lower one.
        """
        from labelwise.metrics.hierarchical import hierarchical_precision_recall_f1

        who = "ConsistentSet"
        validate_params(self)
        structure = _resolve(self, self.hierarchy, self.labels, who)
        s = self._check_scores(y_score)
        _check_width(s, structure, who)
        Y = check_targets(y_true, name="y_true").Y
        Y = np.asarray(Y.toarray() if hasattr(Y, "toarray") else Y, dtype=np.int8)
        if Y.shape != s.shape:
            raise ShapeError(f"{who}.fit: y_true has shape {Y.shape} but y_score has {s.shape}.")
        if self.objective == "product":
            return self
        implicit = self._implicit_mask(structure)
        best = (-1.0, float(self.threshold))
        for t in np.round(np.arange(0.01, 1.0, 0.01), 2):
            D = max_weight_closure(s - t, structure, implicit)
            D[:, implicit] = 0  # as predicted: implicit labels come back through the closure
            hf = hierarchical_precision_recall_f1(
                Y,
                D,
                structure.hierarchy,
                labels=structure.labels,
                sample_weight=sample_weight,
                zero_division=0.0,
            )[2]
            if hf > best[0]:
                best = (hf, float(t))
        self.best_score_, self.threshold_ = best
        return self

    def predict(self, y_score: Any) -> np.ndarray:
        """The consistent set with the largest total weight, per row."""
        who = "ConsistentSet"
        validate_params(self)
        structure = _resolve(self, self.hierarchy, self.labels, who)
        s = self._check_scores(y_score)
        _check_width(s, structure, who)
        t = getattr(self, "threshold_", float(self.threshold))
        return max_weight_closure(self._weights(s, t), structure, self._implicit_mask(structure))


class TopDownArgmax(DecisionRule):
    """Descend from the roots taking the best-scoring child each time: one path per row.

    For multi-class taxonomies (exactly one leaf per example). The best root is chosen first,
    then its best child, and so on until a label without child columns; the path's labels (and,
    in a DAG, all their ancestors) are predicted.

    Parameters
    ----------
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts.
    labels : sequence of str, default=None

    Examples
    --------
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car"]})
    >>> rule = TopDownArgmax(h, labels=["animal", "vehicle", "cat", "dog", "car"])
    >>> rule.predict([[0.6, 0.4, 0.2, 0.4, 0.4]])
    array([[1, 0, 0, 1, 0]], dtype=int8)
    """

    def __init__(self, hierarchy: HierarchySpec | None = None, labels: Any = None) -> None:
        self.hierarchy = hierarchy
        self.labels = labels

    def predict(self, y_score: Any) -> np.ndarray:
        """One root-to-leaf path per row."""
        who = "TopDownArgmax"
        structure = _resolve(self, self.hierarchy, self.labels, who)
        s = check_scores(y_score)
        _check_width(s, structure, who)
        n, L = s.shape
        out = np.zeros((n, L), dtype=np.int8)
        tops = [c for c in range(L) if not structure.up[c]]
        current = np.full(n, -1)
        options = {-1: tops}
        options.update({c: structure.down[c] for c in range(L)})
        active = np.ones(n, dtype=bool)
        while active.any():
            for node in np.unique(current[active]):
                rows = np.flatnonzero(active & (current == node))
                kids = options[int(node)]
                if not kids:
                    active[rows] = False
                    continue
                pick = np.asarray(kids)[np.argmax(s[np.ix_(rows, kids)], axis=1)]
                out[rows, pick] = 1
                current[rows] = pick
        return _close(out, structure)


def is_hierarchy_rule(rule: Any) -> bool:
    """Whether a rule enforces consistency itself (so a model need not check its output)."""
    return isinstance(rule, (CloseUpward, PruneDownward, ConsistentSet, TopDownArgmax))
