"""One hierarchy spec everywhere (issue 18): every function and class taking ``hierarchy=`` accepts
a ``Hierarchy``, the parent mapping a model accepts (roots implicit), a JSON file, a list of dotted
names and ``"dotted"``, through one resolver (``Hierarchy.coerce``), with the same result; labels
a mapping leaves out are roots with one warning."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from labelwise.data import Hierarchy
from labelwise.decision.hierarchical import (
    CloseUpward,
    ConsistentSet,
    PruneDownward,
    TopDownArgmax,
)
from labelwise.diagnostics import hierarchy_summary
from labelwise.errors import LabelwiseWarning, TargetError, UnknownLabelError
from labelwise.metrics import Evaluator
from labelwise.metrics.hierarchical import (
    HierarchicalState,
    bind_hierarchy,
    hierarchical_consistency_score,
    hierarchical_count_stats,
    hierarchical_f1_score,
    hierarchical_precision_recall_f1,
    hierarchical_precision_score,
    hierarchical_recall_score,
    per_level_accuracy_score,
    per_level_f1_score,
)
from labelwise.models.hierarchical_loss import HierarchicalLoss, tree_distances
from labelwise.problem import describe

NAMES = ["A.A1", "A.A2", "B.B1"]  # Mulan's style: the groups A and B exist only in the names
PARENTS = {"A.A1": "A", "A.A2": "A", "B.B1": "B"}  # roots implicit, as a user writes it
TREE = Hierarchy({"A": None, "B": None, "A.A1": "A", "A.A2": "A", "B.B1": "B"})


def _specs(tmp_path):
    path = tmp_path / "parents.json"
    path.write_text(json.dumps(PARENTS))
    return {
        "Hierarchy": TREE,
        "dict": PARENTS,
        "json str": str(path),
        "json Path": path,
        "dotted names": NAMES,
        "dotted": "dotted",
    }


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error")  # none of these specs leaves a data label out
    return ctx


def test_every_spec_resolves_to_the_same_tree(tmp_path):
    for what, spec in _specs(tmp_path).items():
        h = Hierarchy.coerce(spec, labels=NAMES)
        assert h.parent == TREE.parent or (what == "Hierarchy" and h is TREE), what
        assert sorted(h.roots) == ["A", "B"], what


def test_the_issue_dict_in_metrics():
    # issue 18: AttributeError: 'dict' object has no attribute 'parents'
    y_true, y_pred = [["A.A1"], ["B.B1"]], [["A.A2"], ["B.B1"]]
    # by hand: augmented true {A.A1, A} {B.B1, B}; predicted {A.A2, A} {B.B1, B}: 3 of 4 shared
    assert hierarchical_f1_score(y_true, y_pred, hierarchy=PARENTS) == 0.75
    assert hierarchical_f1_score(y_true, y_pred, hierarchy=TREE) == 0.75


@pytest.mark.parametrize("what", ["dict", "json str", "json Path", "dotted names", "dotted"])
def test_metrics_give_the_same_numbers_for_every_spec(what, tmp_path):
    spec = _specs(tmp_path)[what]
    Yt = np.array([[1, 0, 0], [0, 0, 1], [1, 1, 0], [0, 1, 0]])
    Yp = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 1], [0, 0, 0]])
    ctx = _quiet()
    try:
        for fn in (
            hierarchical_f1_score,
            hierarchical_precision_score,
            hierarchical_recall_score,
            hierarchical_precision_recall_f1,
        ):
            assert fn(Yt, Yp, spec, labels=NAMES) == fn(Yt, Yp, TREE, labels=NAMES), fn
        np.testing.assert_array_equal(
            per_level_f1_score(Yt, Yp, spec, labels=NAMES),
            per_level_f1_score(Yt, Yp, TREE, labels=NAMES),
        )
        assert hierarchical_consistency_score(Yp, spec, labels=NAMES) == 1.0
        ours = hierarchical_count_stats(Yt, Yp, spec, labels=NAMES)
        assert ours.nodes == ["A.A1", "A.A2", "B.B1", "A", "B"]
        # by hand: augmented true rows {A1,A} {B1,B} {A1,A2,A} {A2,A}: 9 labels; predicted
        # {A2,A} {B1,B} {A1,B1,A,B} {}: 8; shared per row {A} {B1,B} {A1,A} {}: 5
        assert ours.counts.tp.sum() == 1 + 2 + 2 + 0
        assert ours.counts.true.sum() == 9 and ours.counts.pred.sum() == 8
        assert per_level_accuracy_score(["A.A1", "B.B1"], ["A.A2", "B.B1"], spec).tolist() == [
            1.0,
            0.5,
        ]
        state = HierarchicalState("hierarchical_f1", spec, labels=NAMES)
        state.update(Yt[:2], Yp[:2])
        state.update(Yt[2:], Yp[2:])
        assert state.compute() == hierarchical_f1_score(Yt, Yp, TREE, labels=NAMES)
        ev = bind_hierarchy(Evaluator(["hierarchical_f1"]), spec, NAMES)
        ev.update(Yt, Yp)
        assert ev.compute()["hierarchical_f1"] == pytest.approx(2 * 5 / 17)
    finally:
        ctx.__exit__(None, None, None)


@pytest.mark.parametrize("what", ["dict", "json Path", "dotted names", "dotted"])
def test_rules_loss_and_diagnostics_accept_every_spec(what, tmp_path):
    spec = _specs(tmp_path)[what]
    cols = ["A", "B", *NAMES]
    S = np.array([[0.6, 0.2, 0.3, 0.7, 0.4], [0.3, 0.9, 0.8, 0.1, 0.6]])
    ctx = _quiet()
    try:
        for rule in (CloseUpward, PruneDownward, TopDownArgmax):
            np.testing.assert_array_equal(
                rule(hierarchy=spec, labels=cols).predict(S),
                rule(hierarchy=TREE, labels=cols).predict(S),
            )
        # ConsistentSet at t = 0.5 by hand: row 0 takes A (+0.1) with A.A2 (+0.2); row 1 takes
        # B (+0.4) with B.B1 (+0.1); A (-0.2) with A.A1 (+0.3) gains 0.1 too
        np.testing.assert_array_equal(
            ConsistentSet(spec, cols).predict(S), [[1, 0, 0, 1, 0], [1, 1, 1, 0, 1]]
        )
        Y = [[1, 0, 0, 1, 0], [1, 1, 1, 0, 1]]
        fitted = ConsistentSet(spec, cols).fit(Y, S)
        assert fitted.best_score_ == 1.0
        np.testing.assert_array_equal(
            tree_distances(spec, NAMES), [[0, 2, 4], [2, 0, 4], [4, 4, 0]]
        )
        assert HierarchicalLoss(spec, NAMES).hierarchy.parent == TREE.parent
        s = hierarchy_summary(spec, [[1, 0, 0], [0, 0, 1]], NAMES)
        assert (s.depth, s.nodes_per_level, s.n_implicit) == (2, [2, 3], 2)
        assert describe(
            [[1, 0, 0], [0, 1, 1], [0, 0, 0]], label_names=NAMES, hierarchy=spec
        ).kind == ("hierarchical")
    finally:
        ctx.__exit__(None, None, None)


def test_labels_a_mapping_leaves_out_are_roots_with_one_warning():
    parents = {"annoyance": "Ekman:anger", "grief": "Ekman:sadness"}
    names = ["annoyance", "grief", "neutral", "x1", "x2", "x3", "x4", "x5"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = Hierarchy.coerce(parents, labels=names, where="somewhere")
    assert len(caught) == 1 and caught[0].category is LabelwiseWarning
    assert str(caught[0].message) == (
        "somewhere: 6 label(s) that the hierarchy does not mention are roots: 'neutral', 'x1', "
        "'x2', 'x3', 'x4' and 1 more."
    )
    assert h.roots == ["Ekman:anger", "Ekman:sadness", "neutral", "x1", "x2", "x3", "x4", "x5"]
    assert h.parents["annoyance"] == ("Ekman:anger",)
    # metrics: neutral counts as a root of its own
    with pytest.warns(LabelwiseWarning, match="1 label\\(s\\) .* roots: 'neutral'"):
        hf = hierarchical_f1_score([["neutral"], ["grief"]], [["neutral"], ["annoyance"]], parents)
    assert hf == pytest.approx(1 / 3)  # {neutral} {grief, sadness} vs {neutral} {annoyance, anger}


def test_a_hierarchy_object_is_taken_as_given():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Hierarchy.coerce(TREE, labels=["A.A1", "Z"]) is TREE
    with pytest.raises(UnknownLabelError, match="label 'Z' \\(column 1\\) is not in the hierarchy"):
        hierarchical_f1_score([[1, 0]], [[1, 0]], TREE, labels=["A.A1", "Z"])


def test_bad_specs_are_clear_errors(tmp_path):
    with pytest.raises(TargetError, match=r"hierarchical_f1_score: hierarchy must be .* got a int"):
        hierarchical_f1_score([["a"]], [["a"]], 3)
    with pytest.raises(TargetError, match=r"hierarchy=.dotted. .* no label names are known"):
        Hierarchy.coerce("dotted")
    with pytest.raises(TargetError, match=r"somewhere: .*label .a. is its own parent"):
        Hierarchy.coerce({"a": "a"}, where="somewhere")
    with pytest.raises(TargetError, match="cycle through"):
        hierarchical_f1_score([["a"]], [["b"]], {"a": "b", "b": "a"})
    with pytest.raises(TargetError, match=r"the parent of .a. is 2\.5"):
        ConsistentSet({"a": 2.5}).predict([[0.5]])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        hierarchical_f1_score([["a"]], [["a"]], tmp_path / "missing.json")
    with pytest.raises(TargetError, match="no hierarchy; pass hierarchy="):
        CloseUpward().predict([[0.5]])
