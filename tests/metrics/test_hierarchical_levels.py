"""Per-level F1, the consistency rate and the streaming hierarchical states, against
scikit-learn on hand-augmented label sets and against the one-shot functions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.metrics import f1_score as sk_f1

from labelwise.data import Hierarchy
from labelwise.errors import TargetError, UnknownLabelError
from labelwise.metrics import Evaluator
from labelwise.metrics.hierarchical import (
    HierarchicalState,
    bind_hierarchy,
    hierarchical_consistency_score,
    hierarchical_precision_recall_f1,
    per_level_accuracy_score,
    per_level_f1_score,
)

H = Hierarchy.from_groups({"animal": ["mammal", "bird"], "mammal": ["cat", "dog"], "car": []})
LEAVES = ["cat", "dog", "bird", "car"]  # animal and mammal are implicit


def _augmented(Y, names, nodes):
    out = np.zeros((len(Y), len(nodes)), dtype=int)
    for i, row in enumerate(Y):
        for n, v in zip(names, row, strict=True):
            if v:
                for m in [n, *H.ancestors(n)]:
                    out[i, nodes.index(m)] = 1
    return out


def _data(seed=0, n=40):
    rng = np.random.default_rng(seed)
    Yt = (rng.random((n, 4)) < 0.35).astype(int)
    Yp = (rng.random((n, 4)) < 0.35).astype(int)
    return Yt, Yp


@pytest.mark.parametrize("average", ["micro", "macro"])
def test_per_level_f1_equals_sklearn_on_augmented_columns(average):
    Yt, Yp = _data()
    nodes = H.nodes_for(LEAVES)
    At, Ap = _augmented(Yt, LEAVES, nodes), _augmented(Yp, LEAVES, nodes)
    got = per_level_f1_score(Yt, Yp, H, labels=LEAVES, average=average, zero_division=0.0)
    for level, members in enumerate(H.levels(nodes)):
        cols = [nodes.index(m) for m in members]
        want = sk_f1(At[:, cols], Ap[:, cols], average=average, zero_division=0.0)
        assert got[level] == pytest.approx(want, abs=1e-15)
    assert len(got) == 3  # roots (animal, car), mammal/bird, cat/dog


def test_multiclass_per_level_micro_f1_is_per_level_accuracy():
    h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car", "bus"]})
    group = {"cat": "animal", "dog": "animal", "car": "vehicle", "bus": "vehicle"}
    rng = np.random.default_rng(1)
    classes = np.array(["cat", "dog", "car", "bus"])
    yt, yp = classes[rng.integers(0, 4, 50)], classes[rng.integers(0, 4, 50)]
    got = per_level_f1_score(yt, yp, h)
    assert got[0] == pytest.approx(
        np.mean([group[a] == group[b] for a, b in zip(yt, yp, strict=True)])
    )
    assert got[1] == pytest.approx(np.mean(yt == yp))


def test_consistency_rate_by_hand():
    names = ["animal", "mammal", "cat", "dog", "car"]
    Yp = np.array(
        [
            [1, 1, 1, 0, 0],  # consistent
            [0, 0, 1, 0, 0],  # cat without mammal and animal
            [1, 0, 0, 1, 0],  # dog without mammal
            [0, 0, 0, 0, 1],  # car: a root
            [0, 0, 0, 0, 0],  # empty: consistent
        ]
    )
    assert hierarchical_consistency_score(Yp, H, labels=names) == pytest.approx(3 / 5)
    w = [1, 3, 0, 1, 1]
    assert hierarchical_consistency_score(Yp, H, labels=names, sample_weight=w) == pytest.approx(
        3 / 6
    )
    # implicit ancestors cannot be missing
    assert hierarchical_consistency_score([[1, 0, 0, 0]], H, labels=LEAVES) == 1.0


def test_streaming_states_merge_to_the_one_shot_values():
    Yt, Yp = _data(2, n=60)
    names = LEAVES
    metrics = [
        "hierarchical_precision",
        "hierarchical_recall",
        "hierarchical_f1",
        "hierarchical_consistency",
        "level_f1_micro",
        "level_f1_macro",
        "f1_micro",
    ]
    parts = []
    for rows in (slice(0, 17), slice(17, 45), slice(45, None)):
        ev = bind_hierarchy(Evaluator(metrics, zero_division=0.0), H, names)
        ev.update(Yt[rows], Yp[rows])
        parts.append(pickle.loads(pickle.dumps(ev)))  # states travel between processes
    merged = parts[2].merge(parts[0]).merge(parts[1]).compute()
    hp, hr, hf = hierarchical_precision_recall_f1(Yt, Yp, H, labels=names)
    assert merged["hierarchical_precision"] == pytest.approx(hp, abs=1e-15)
    assert merged["hierarchical_recall"] == pytest.approx(hr, abs=1e-15)
    assert merged["hierarchical_f1"] == pytest.approx(hf, abs=1e-15)
    assert merged["hierarchical_consistency"] == hierarchical_consistency_score(Yp, H, labels=names)
    for avg in ("micro", "macro"):
        want = per_level_f1_score(Yt, Yp, H, labels=names, average=avg, zero_division=0.0)
        np.testing.assert_allclose(merged[f"level_f1_{avg}"], want, atol=1e-15)


def test_unbound_state_says_what_to_do():
    ev = Evaluator(["hierarchical_f1"])
    with pytest.raises(TargetError, match=r"needs the label hierarchy: call .*bind_hierarchy"):
        ev.update([[1, 0]], [[1, 0]])
    with pytest.raises(ValueError, match="no batches seen"):
        HierarchicalState("hierarchical_f1", H).compute()
    with pytest.raises(ValueError, match="unknown hierarchical metric"):
        HierarchicalState("hierarchical_f2")


def test_per_level_accuracy_with_uneven_depths():
    h = Hierarchy.from_groups({"animal": ["mammal", "bird"], "mammal": ["cat", "dog"]})
    yt = ["cat", "bird", "dog", "bird"]
    yp = ["dog", "bird", "bird", "cat"]
    # level 0 (animal): all right; level 1: cat->dog right (mammal), bird right, dog->bird
    # wrong, bird->cat wrong: 2/4; level 2: only cat and dog reach it, both wrong
    np.testing.assert_allclose(per_level_accuracy_score(yt, yp, h), [1.0, 0.5, 0.0])
    np.testing.assert_allclose(
        per_level_accuracy_score(yt, yp, h, sample_weight=[1, 3, 1, 1]), [1.0, 4 / 6, 0.0]
    )
    with pytest.raises(UnknownLabelError, match="y_pred row 1 is class 'fish'"):
        per_level_accuracy_score(["cat", "dog"], ["cat", "fish"], h)
