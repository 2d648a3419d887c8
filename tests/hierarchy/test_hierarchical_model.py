"""HierarchicalClassifier: what each strategy computes (against hand-fitted local models), the
consistency of its decisions, multi-class taxonomies, and the errors and warnings for bad input."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from labelwise.data import Hierarchy
from labelwise.decision import FixedThreshold
from labelwise.decision.hierarchical import CloseUpward, ConsistentSet, PruneDownward
from labelwise.errors import LabelwiseWarning, ShapeError, TargetError, UnknownLabelError
from labelwise.metrics.hierarchical import hierarchical_consistency_score
from labelwise.models import BinaryRelevance, HierarchicalClassifier

pytestmark = pytest.mark.usefixtures("one_blas_thread")


H = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car"]})
NAMES = ["animal", "vehicle", "cat", "dog", "car"]  # explicit parents


def _multilabel(seed=0, n=120):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    cat = X[:, 0] + 0.7 * rng.normal(size=n) > 0.2
    dog = X[:, 1] + 0.7 * rng.normal(size=n) > 0.4
    car = X[:, 2] + 0.7 * rng.normal(size=n) > 0.0
    Y = np.column_stack([cat | dog, car, cat, dog, car]).astype(int)
    return X, Y


def lr():
    return LogisticRegression(max_iter=500)


def test_top_down_is_the_chain_rule_over_parent_examples():
    X, Y = _multilabel()
    model = HierarchicalClassifier(lr(), hierarchy=H, labels=NAMES, strategy="top_down").fit(X, Y)
    P = model.predict_proba(X)
    p_animal = lr().fit(X, Y[:, 0]).predict_proba(X)[:, 1]
    rows = Y[:, 0] == 1
    p_cat_given = lr().fit(X[rows], Y[rows, 2]).predict_proba(X)[:, 1]
    np.testing.assert_allclose(P[:, 0], p_animal, rtol=1e-6)
    np.testing.assert_allclose(P[:, 2], p_cat_given * p_animal, rtol=1e-6)
    assert (P[:, 2] <= P[:, 0] + 1e-12).all() and (P[:, 4] <= P[:, 1] + 1e-12).all()


def test_flat_is_binary_relevance_over_the_nodes():
    X, Y = _multilabel()
    model = HierarchicalClassifier(lr(), hierarchy=H, labels=NAMES).fit(X, Y)
    np.testing.assert_allclose(
        model.predict_proba(X), BinaryRelevance(lr()).fit(X, Y).predict_proba(X), rtol=1e-6
    )
    # a multi-label estimator is used as is
    br = HierarchicalClassifier(BinaryRelevance(lr()), hierarchy=H, labels=NAMES).fit(X, Y)
    np.testing.assert_allclose(br.predict_proba(X), model.predict_proba(X), rtol=1e-6)


def test_per_level_softmax_when_exclusive_else_sigmoid():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 3))
    leaf = np.argmax(X + 0.3 * rng.normal(size=X.shape), axis=1)  # exactly one leaf
    h = Hierarchy.from_groups({"g1": ["a", "b"], "g2": ["c"]})
    names = ["a", "b", "c"]
    Y = np.eye(3, dtype=int)[leaf]
    model = HierarchicalClassifier(lr(), hierarchy=h, labels=names, strategy="per_level").fit(X, Y)
    assert [g.softmax for g in model.groups_] == [True, True]  # one label per level
    P = model.predict_node_proba(X)  # nodes: a, b, c, g1, g2
    np.testing.assert_allclose(P[:, :3].sum(axis=1), 1.0)
    np.testing.assert_allclose(P[:, 3:].sum(axis=1), 1.0)
    Xm, Ym = _multilabel()
    multi = HierarchicalClassifier(lr(), hierarchy=H, labels=NAMES, strategy="per_level")
    assert [g.softmax for g in multi.fit(Xm, Ym).groups_] == [False, False]  # cat and dog co-occur


@pytest.mark.parametrize("strategy", ["flat", "top_down", "per_level"])
def test_decisions_are_consistent_where_flat_thresholds_are_not(strategy):
    X, Y = _multilabel(1)
    Xt, _ = _multilabel(2)
    model = HierarchicalClassifier(
        lr(), hierarchy=H, labels=NAMES, strategy=strategy, cv=3, random_state=0
    ).fit(X, Y)
    assert 0 < model.rule_.threshold_ < 1  # tuned on out-of-fold scores
    assert hierarchical_consistency_score(model.predict(Xt), H, labels=NAMES) == 1.0
    flat = BinaryRelevance(lr(), decision_rule=FixedThreshold([0.9, 0.9, 0.1, 0.1, 0.1]))
    assert hierarchical_consistency_score(flat.fit(X, Y).predict(Xt), H, labels=NAMES) < 1.0


def test_implicit_groups_from_dotted_names():
    X, Y = _multilabel()
    leaves = Y[:, 2:]
    names = ["A.A1", "A.A2", "B.B1"]
    model = HierarchicalClassifier(lr(), labels=names, strategy="top_down").fit(X, leaves)
    assert model.nodes_ == ["A.A1", "A.A2", "B.B1", "A", "B"]
    assert model.predict_proba(X).shape == (120, 3)
    assert model.predict(X).shape == (120, 3)
    assert isinstance(model.rule_, ConsistentSet) and model.rule_.implicit == ["A", "B"]


def test_hierarchy_as_parent_mapping_or_json(tmp_path):
    X, Y = _multilabel()
    parents = {"animal": None, "vehicle": None, "cat": "animal", "dog": "animal", "car": "vehicle"}
    path = tmp_path / "h.json"
    path.write_text(json.dumps(parents))
    P = [
        HierarchicalClassifier(lr(), hierarchy=h, labels=NAMES).fit(X, Y).predict_proba(X)
        for h in (H, parents, path)
    ]
    np.testing.assert_allclose(P[0], P[1])
    np.testing.assert_allclose(P[0], P[2])


def test_label_lists_are_named_by_themselves():
    X, Y = _multilabel()
    lists = [[n for n, v in zip(NAMES, row, strict=True) if v] for row in Y]
    model = HierarchicalClassifier(lr(), hierarchy=H).fit(X, lists)
    assert sorted(model.classes_) == sorted(NAMES)


@pytest.mark.parametrize("strategy", ["flat", "top_down", "per_level"])
def test_multiclass_taxonomy_predicts_classes_top_down(strategy):
    rng = np.random.default_rng(4)
    centers = {"cat": (0, 0), "dog": (0, 1.5), "car": (5, 0), "bus": (5, 1.5)}
    y = np.array(list(centers))[rng.integers(0, 4, 200)]
    X = np.array([centers[c] for c in y]) + 0.6 * rng.normal(size=(200, 2))
    h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car", "bus"]})
    model = HierarchicalClassifier(lr(), hierarchy=h, strategy=strategy).fit(X, y)
    pred = model.predict(X)
    assert set(pred) <= set(centers) and (pred == y).mean() > 0.8
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    # top-down: the predicted class lies under the best-scoring group
    nodes = model.predict_node_proba(X)
    groups = [model.nodes_.index(g) for g in ("animal", "vehicle")]
    best_group = np.array(["animal", "vehicle"])[np.argmax(nodes[:, groups], axis=1)]
    assert all(h.parents[c][0] == g for c, g in zip(pred, best_group, strict=True))


def test_bad_hierarchies_and_mismatched_labels():
    X, Y = _multilabel()
    with pytest.raises(TargetError, match="cycle"):
        HierarchicalClassifier(hierarchy={"a": "b", "b": "a"}).fit(X, Y)
    with pytest.raises(TargetError, match="tree=True"):
        Hierarchy.from_groups({"animal": ["cat"], "pet": ["cat"]}, tree=True)
    short = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    with pytest.raises(UnknownLabelError, match="the data has label 'vehicle' \\(column 1\\)"):
        HierarchicalClassifier(hierarchy=short, labels=NAMES).fit(X, Y)
    wide = Hierarchy.from_groups({"animal": ["cat", "dog", "bird"], "vehicle": ["car"]})
    with pytest.warns(LabelwiseWarning, match="names 1 label\\(s\\) that the data lacks \\('bird'"):
        HierarchicalClassifier(lr(), hierarchy=wide, labels=NAMES).fit(X, Y)
    with pytest.raises(ShapeError, match="labels names 3 columns but Y has 5"):
        HierarchicalClassifier(hierarchy=H, labels=NAMES[:3]).fit(X, Y)
    with pytest.raises(ValueError, match="strategy"):
        HierarchicalClassifier(strategy="bottom_up").fit(X, Y)


def test_training_violations_are_counted_and_closed():
    X, Y = _multilabel()
    Y = Y.copy()
    Y[:5, 0] = 0
    Y[:5, 2] = 1  # five cats without animal
    with pytest.warns(LabelwiseWarning, match=r"5 of 120 rows have a label without its parent: "):
        model = HierarchicalClassifier(lr(), hierarchy=H, labels=NAMES).fit(X, Y)
    assert model.training_violations_.pairs[0] == ("cat", "animal", 5)


def test_predict_warns_when_a_rule_breaks_the_hierarchy():
    X, Y = _multilabel()
    rule = FixedThreshold([0.99, 0.99, 0.01, 0.01, 0.01])  # children in, parents out
    model = HierarchicalClassifier(lr(), hierarchy=H, labels=NAMES, decision_rule=rule).fit(X, Y)
    with pytest.warns(LabelwiseWarning, match="with a label but not its parent; wrap it in"):
        model.predict(X)
    for wrapper in (CloseUpward, PruneDownward):
        fixed = HierarchicalClassifier(
            lr(), hierarchy=H, labels=NAMES, decision_rule=wrapper(rule)
        ).fit(X, Y)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            D = fixed.predict(X)
        assert hierarchical_consistency_score(D, H, labels=NAMES) == 1.0


def test_multiclass_class_above_another_class_is_an_error():
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.array(["animal", "cat"] * 10)
    with pytest.raises(TargetError, match="class 'animal' has class 'cat' below it"):
        HierarchicalClassifier(hierarchy=Hierarchy.from_groups({"animal": ["cat"]})).fit(X, y)


@pytest.mark.parametrize("strategy", ["flat", "top_down"])
def test_dag_predictions_hold_every_parent(strategy):
    # "puppy" sits under both "dog" and "young"
    parents = {"dog": None, "young": None, "puppy": ["dog", "young"], "cat": None}
    rng = np.random.default_rng(5)
    X = rng.normal(size=(150, 3))
    dog, young = X[:, 0] > 0, X[:, 1] > 0.3
    puppy = dog & young & (X[:, 2] > -0.5)
    Y = np.column_stack([dog | puppy, young | puppy, puppy, X[:, 2] > 1]).astype(int)
    # an unnamed matrix with one column per hierarchy label takes the hierarchy's names
    model = HierarchicalClassifier(lr(), hierarchy=parents, strategy=strategy, cv=3, random_state=0)
    D = model.fit(X, Y).predict(X)
    assert model.nodes_ == ["dog", "young", "puppy", "cat"]
    assert D[:, 2].sum() > 0
    assert ((D[:, 2] <= D[:, 0]) & (D[:, 2] <= D[:, 1])).all()
    P = model.predict_proba(X)
    if strategy == "top_down":  # P(puppy) <= min(P(dog), P(young))
        assert (P[:, 2] <= np.minimum(P[:, 0], P[:, 1]) + 1e-12).all()


@pytest.mark.parametrize("strategy", ["flat", "top_down", "per_level"])
def test_base_estimator_without_predict_proba(strategy):
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(6)
    y = np.array(["cat", "dog", "car", "bus"])[rng.integers(0, 4, 120)]
    X = rng.normal(size=(120, 3)) + (y[:, None] == np.array(["cat", "dog", "car"])) * 2.0
    h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car", "bus"]})
    model = HierarchicalClassifier(LinearSVC(), hierarchy=h, strategy=strategy).fit(X, y)
    P = model.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert (model.predict(X) == y).mean() > 0.5
