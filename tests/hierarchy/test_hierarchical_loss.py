"""HierarchicalLoss: against plain cross-entropy in its limits, a NumPy reference, and the
property it exists for (near mistakes cost less)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from labelwise.data import Hierarchy
from labelwise.errors import ShapeError, UnknownLabelError
from labelwise.models.hierarchical_loss import HierarchicalLoss, tree_distances

torch = pytest.importorskip("torch")
F = torch.nn.functional

H = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car", "bus"]})
LEAVES = ["cat", "dog", "car", "bus"]


def test_tree_distances_by_hand_and_in_a_dag():
    np.testing.assert_array_equal(
        tree_distances(H, LEAVES), [[0, 2, 4, 4], [2, 0, 4, 4], [4, 4, 0, 2], [4, 4, 2, 0]]
    )
    dag = Hierarchy({"r": None, "a": "r", "b": "r", "c": ["a", "b"]})
    assert tree_distances(dag, ["c", "a", "b", "r"]).tolist()[0] == [0, 1, 1, 2]


def test_softmax_head_equals_numpy_soft_target_cross_entropy():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, 6)
    loss = HierarchicalLoss(H, LEAVES, beta=0.7)
    got = float(loss(torch.tensor(z), torch.tensor(y)))
    D = tree_distances(H, LEAVES)
    Q = np.exp(-0.7 * D[y])
    Q /= Q.sum(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert got == pytest.approx(float(-(Q * logp).sum(axis=1).mean()), rel=1e-10)
    # a very large beta is plain cross-entropy
    sharp = HierarchicalLoss(H, LEAVES, beta=50.0)
    ce = F.cross_entropy(torch.tensor(z), torch.tensor(y))
    assert float(sharp(torch.tensor(z), torch.tensor(y))) == pytest.approx(float(ce), rel=1e-9)


def test_near_mistakes_cost_less():
    loss = HierarchicalLoss(H, LEAVES)
    y = torch.tensor([0])  # cat
    sibling = torch.tensor([[0.0, 3.0, 0.0, 0.0]])
    far = torch.tensor([[0.0, 0.0, 3.0, 0.0]])
    assert loss(sibling, y) < loss(far, y)
    Y = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    assert loss(torch.tensor([[3.0, 3.0, -3.0, -3.0]]), Y) < loss(
        torch.tensor([[3.0, -3.0, 3.0, -3.0]]), Y
    )


def test_sigmoid_head_weights_and_bce_limit():
    rng = np.random.default_rng(1)
    z = torch.tensor(rng.normal(size=(5, 4)))
    Y = torch.tensor(
        [[1, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0], [1, 1, 0, 0], [0, 1, 0, 1]]
    ).double()
    plain = HierarchicalLoss(H, LEAVES, min_weight=1.0)
    assert float(plain(z, Y)) == pytest.approx(
        float(F.binary_cross_entropy_with_logits(z, Y)), rel=1e-12
    )
    w = HierarchicalLoss(H, LEAVES, min_weight=0.5).negative_weights(Y.numpy())
    # row 0: cat true; dog (distance 2) weighs 0.5 + 0.5 * 2/4, car and bus (4) weigh 1
    np.testing.assert_allclose(w[0, 1:], [0.75, 1.0, 1.0])
    np.testing.assert_allclose(w[2], 1.0)  # no true label: plain weights
    z.requires_grad_(True)
    HierarchicalLoss(H, LEAVES)(z, Y).backward()
    assert z.grad is not None and torch.isfinite(z.grad).all()


def test_bad_input_and_pickling():
    with pytest.raises(UnknownLabelError, match="'zebra' \\(column 1\\)"):
        HierarchicalLoss(H, ["cat", "zebra"])
    loss = HierarchicalLoss(H, LEAVES)
    with pytest.raises(ShapeError, match="made for 4 labels"):
        loss(torch.zeros((2, 3)), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="beta"):
        HierarchicalLoss(H, LEAVES, beta=0)
    again = pickle.loads(pickle.dumps(loss))
    z, y = torch.randn(3, 4, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 2, 3])
    assert float(again(z, y)) == float(loss(z, y))


def test_neural_classifier_trains_with_it():
    neural = pytest.importorskip("labelwise.models.neural")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = np.array(sorted(LEAVES))[rng.integers(0, 4, 60)]
    # the softmax columns are the sorted classes, so the loss names them in that order
    model = neural.NeuralClassifier(
        loss=HierarchicalLoss(H, sorted(LEAVES)),
        hidden_layer_sizes=(8,),
        max_epochs=1,
        random_state=0,
    ).fit(X, y)
    assert set(model.predict(X)) <= set(LEAVES)
