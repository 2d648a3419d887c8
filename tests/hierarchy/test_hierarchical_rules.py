"""Hierarchy-consistent decision rules against brute force over every label set."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from labelwise.data import Hierarchy
from labelwise.decision import FixedThreshold
from labelwise.decision.hierarchical import (
    CloseUpward,
    ConsistentSet,
    PruneDownward,
    TopDownArgmax,
    column_structure,
    max_weight_closure,
)
from labelwise.errors import ShapeError, TargetError

TREE = Hierarchy.from_groups({"r": ["a", "b"], "a": ["a1", "a2"], "b": ["b1"], "s": ["c", "d"]})
DAG = Hierarchy({"r": None, "s": None, "a": ["r", "s"], "b": "r", "c": ["a", "b"], "d": "c"})


def _consistent_sets(h, names, implicit=()):
    """Every 0/1 set holding the ancestors of its labels (implicit labels only with a child)."""
    for bits in itertools.product([0, 1], repeat=len(names)):
        chosen = {n for n, b in zip(names, bits, strict=True) if b}
        if any(set(h.ancestors(n)) - chosen for n in chosen):
            continue
        if any(not set(h.children(n)) & chosen for n in chosen & set(implicit)):
            continue
        yield np.array(bits)


@pytest.mark.parametrize("h", [TREE, DAG], ids=["tree", "dag"])
def test_max_weight_closure_is_the_best_consistent_set(h):
    names = h.labels
    structure = column_structure(h, None, "test")
    sets = list(_consistent_sets(h, names))
    rng = np.random.default_rng(0)
    W = rng.normal(size=(60, len(names)))
    D = max_weight_closure(W, structure)
    for w, d in zip(W, D, strict=True):
        assert any((d == s).all() for s in sets)  # consistent
        assert w @ d == pytest.approx(max(w @ s for s in sets), abs=1e-5)


@pytest.mark.parametrize("implicit", [["r", "s"], ["r", "a", "s"], ["a"]])
def test_implicit_labels_come_with_a_child(implicit):
    names = TREE.labels
    structure = column_structure(TREE, None, "test")
    mask = np.array([n in implicit for n in names])
    sets = list(_consistent_sets(TREE, names, implicit))
    W = np.random.default_rng(1).normal(size=(80, len(names)))
    D = max_weight_closure(W, structure, mask)
    for w, d in zip(W, D, strict=True):
        assert any((d == s).all() for s in sets)
        assert w @ d == pytest.approx(max(w @ s for s in sets), abs=1e-9)


def test_product_objective_is_the_most_probable_consistent_set():
    names = TREE.labels
    rng = np.random.default_rng(2)
    P = rng.uniform(0.02, 0.98, size=(40, len(names)))
    D = ConsistentSet(TREE, objective="product").predict(P)
    sets = list(_consistent_sets(TREE, names))
    for p, d in zip(P, D, strict=True):

        def prob(s, p=p):
            return np.prod(np.where(s == 1, p, 1 - p))

        assert prob(d) == pytest.approx(max(prob(s) for s in sets), rel=1e-9)


def _hf_by_sets(h, names, Y, D):
    tp = n_pred = n_true = 0
    for y, d in zip(Y, D, strict=True):
        t = {n for n, v in zip(names, y, strict=True) if v}
        p = {n for n, v in zip(names, d, strict=True) if v}
        t |= {a for n in list(t) for a in h.ancestors(n)}
        p |= {a for n in list(p) for a in h.ancestors(n)}
        tp, n_pred, n_true = tp + len(t & p), n_pred + len(p), n_true + len(t)
    hp, hr = tp / n_pred if n_pred else 0.0, tp / n_true
    return 2 * hp * hr / (hp + hr) if hp + hr else 0.0


def test_hf1_threshold_is_tuned_for_hierarchical_f1():
    names = TREE.labels
    rng = np.random.default_rng(3)
    Y = TREE.add_ancestors((rng.random((50, len(names))) < 0.3).astype(int), names)
    S = np.clip(0.6 * Y + rng.uniform(0, 0.5, size=Y.shape), 0, 1)
    rule = ConsistentSet(TREE).fit(Y, S)
    sets = list(_consistent_sets(TREE, names))

    def decide(t):  # brute force: best consistent set for weights p - t
        return np.array([max(sets, key=lambda s, w=s_ - t: (w @ s, -s.sum())) for s_ in S])

    grid = np.round(np.arange(0.01, 1.0, 0.01), 2)
    scores = [_hf_by_sets(TREE, names, Y, decide(t)) for t in grid]
    assert rule.best_score_ == pytest.approx(max(scores))
    assert rule.threshold_ == grid[int(np.argmax(scores))]
    np.testing.assert_array_equal(rule.predict(S), decide(rule.threshold_))


def test_close_upward_and_prune_downward_by_hand():
    h = Hierarchy.from_groups({"animal": ["mammal"], "mammal": ["cat", "dog"]})
    names = ["animal", "mammal", "cat", "dog"]
    S = [[0.9, 0.2, 0.7, 0.1], [0.1, 0.6, 0.3, 0.8], [0.8, 0.9, 0.6, 0.2]]
    np.testing.assert_array_equal(
        CloseUpward(hierarchy=h, labels=names).predict(S),
        [[1, 1, 1, 0], [1, 1, 0, 1], [1, 1, 1, 0]],
    )
    np.testing.assert_array_equal(
        PruneDownward(hierarchy=h, labels=names).predict(S),
        [[1, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 0]],
    )
    # the wrapped rule is fitted as rule_ and then used
    rule = PruneDownward(FixedThreshold(0.5), hierarchy=h, labels=names).fit([[1, 1, 1, 0]] * 3, S)
    assert isinstance(rule.rule_, FixedThreshold)


def test_close_and_prune_skip_implicit_ancestors():
    h = Hierarchy.from_groups({"A": ["A1", "A2"], "B": ["B1"]})
    S = [[0.7, 0.2, 0.9]]
    # columns are only the leaves: no parent column to add or require
    np.testing.assert_array_equal(
        CloseUpward(hierarchy=h, labels=["A1", "A2", "B1"]).predict(S), [[1, 0, 1]]
    )
    np.testing.assert_array_equal(
        PruneDownward(hierarchy=h, labels=["A1", "A2", "B1"]).predict(S), [[1, 0, 1]]
    )


def test_top_down_argmax_follows_the_best_child():
    h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car", "bus"]})
    names = ["animal", "vehicle", "cat", "dog", "car", "bus"]
    S = [[0.6, 0.4, 0.1, 0.5, 0.35, 0.05], [0.3, 0.7, 0.25, 0.05, 0.2, 0.5]]
    # row 0: the best leaf overall is dog (0.5) and it is under the best root too;
    # row 1: vehicle, then bus
    np.testing.assert_array_equal(
        TopDownArgmax(h, names).predict(S), [[1, 0, 0, 1, 0, 0], [0, 1, 0, 0, 0, 1]]
    )
    # top-down is not the global argmax: car scores highest but animal wins the first level
    np.testing.assert_array_equal(
        TopDownArgmax(h, names).predict([[0.55, 0.45, 0.3, 0.25, 0.4, 0.05]]),
        [[1, 0, 1, 0, 0, 0]],
    )


def test_rules_explain_bad_input():
    h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    with pytest.raises(TargetError, match="no hierarchy; pass hierarchy="):
        ConsistentSet().predict([[0.5, 0.5, 0.5]])
    with pytest.raises(TargetError, match="score column 1 is label 'zebra'"):
        CloseUpward(hierarchy=h, labels=["cat", "zebra"]).predict([[0.5, 0.5]])
    with pytest.raises(ShapeError, match="y_score has 2 columns but the rule's labels name 3"):
        TopDownArgmax(h).predict([[0.5, 0.5]])
    with pytest.raises(ValueError, match="objective"):
        ConsistentSet(h, objective="best").predict([[0.5, 0.5, 0.5]])
    with pytest.raises(TargetError, match="implicit names"):
        ConsistentSet(h, implicit=["zebra"]).predict([[0.5, 0.5, 0.5]])
