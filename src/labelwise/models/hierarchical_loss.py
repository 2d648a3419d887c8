"""A hierarchy-aware training loss: a mistake costs less when it is near the truth in the tree.

The distance between two labels is the number of edges on the shortest path between them through
a common ancestor (labels in different trees of a forest meet at a virtual root above all roots).
:class:`HierarchicalLoss` uses it in two ways, chosen by the targets it is given:

* class indices, shape ``(n,)`` (a softmax head; multi-class taxonomies): cross-entropy against
  soft targets ``q_j ∝ exp(-beta * d(y, j))`` (the "soft labels" of Bertinetto, Mueller, Tertikas,
  Samangooei and Lord, "Making Better Mistakes: Leveraging Class Hierarchies with Deep Networks",
  CVPR 2020), so probability put on a sibling of the true class is penalised less than on a
  distant class. ``beta -> inf`` is plain cross-entropy.
* 0/1 targets, shape ``(n, L)`` (a sigmoid head; multi-label): binary cross-entropy whose
  negative term for label ``j`` is weighted by ``min_weight + (1 - min_weight) * d_j / d_max``,
  ``d_j`` the distance from ``j`` to the nearest true label of the example: a false positive next
  to a true label costs less than a far one. ``min_weight=1`` is plain binary cross-entropy; an
  example with no true label keeps weight 1.

The loss is a callable ``loss(logits, targets) -> scalar tensor``, so
``NeuralClassifier(loss=HierarchicalLoss(hierarchy, labels))`` can train with it. torch is imported
only when the loss is called.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from labelwise._validation import Interval, check_params
from labelwise.data.hierarchy import Hierarchy, HierarchySpec
from labelwise.errors import ShapeError, UnknownLabelError

__all__ = ["HierarchicalLoss", "tree_distances"]


def tree_distances(hierarchy: HierarchySpec, labels: Sequence[str]) -> np.ndarray:
    """(L, L) matrix of path lengths (edges) between labels through their closest common ancestor.

    Labels without a common ancestor meet at a virtual root one edge above every root. The
    hierarchy is any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts.

    Examples
    --------
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car"]})
    >>> tree_distances(h, ["cat", "dog", "car", "animal"])
    array([[0, 2, 4, 1],
           [2, 0, 4, 1],
           [4, 4, 0, 3],
           [1, 1, 3, 0]])
    """
    labels = [str(n) for n in labels]
    hierarchy = Hierarchy.coerce(hierarchy, labels=labels, where="tree_distances")
    up: list[dict[str, int]] = []
    for j, n in enumerate(labels):
        if n not in hierarchy.parents:
            raise UnknownLabelError(
                f"label {n!r} (column {j}) is not in the hierarchy ({len(hierarchy.parents)} "
                "labels); the loss needs every output label in it."
            )
        dist = {n: 0}
        frontier = [n]
        while frontier:  # breadth-first: shortest distance to every ancestor
            nxt = []
            for v in frontier:
                for p in hierarchy.parents[v]:
                    if p not in dist:
                        dist[p] = dist[v] + 1
                        nxt.append(p)
            frontier = nxt
        up.append(dist)
    L = len(labels)
    out = np.zeros((L, L), dtype=np.int64)
    for i in range(L):
        for j in range(i + 1, L):
            common = up[i].keys() & up[j].keys()
            if common:
                d = min(up[i][a] + up[j][a] for a in common)
            else:  # through the virtual root above the roots
                d = max(up[i].values()) + max(up[j].values()) + 2
            out[i, j] = out[j, i] = d
    return out


class HierarchicalLoss:
    """Cross-entropy that penalises mistakes less when they are near the truth in the hierarchy.

    Parameters
    ----------
    hierarchy : Hierarchy, mapping, str, Path or list of str
        Any spec :meth:`Hierarchy.coerce <labelwise.data.Hierarchy.coerce>` accepts; kept
        resolved (over ``labels``) as ``hierarchy``.
    labels : sequence of str
        The output columns' labels (classes for a softmax head), in order.
    beta : float > 0, default=1.0
        Softmax head: sharpness of the soft targets ``exp(-beta * distance)``; with the default a
        sibling (distance 2) gets ``e^-2 ~ 0.14`` of the true class's weight before
        normalisation.
    min_weight : float in [0, 1], default=0.5
        Sigmoid head: the weight of a false positive goes from ``min_weight`` (distance 0, never
        reached: a negative is at least one edge from a true label) up to 1 at the largest
        distance between labels.
    reduction : {"mean", "sum"}, default="mean"
        Over examples (softmax) or over every (example, label) entry (sigmoid), as PyTorch's
        losses do.

    Examples
    --------
    >>> import torch
    >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"], "vehicle": ["car", "bus"]})
    >>> loss = HierarchicalLoss(h, ["cat", "dog", "car", "bus"])
    >>> z_sibling = torch.tensor([[0.0, 3.0, 0.0, 0.0]])  # true cat, confident dog
    >>> z_far = torch.tensor([[0.0, 0.0, 3.0, 0.0]])  # true cat, confident car
    >>> y = torch.tensor([0])
    >>> bool(loss(z_sibling, y) < loss(z_far, y))
    True
    """

    def __init__(
        self,
        hierarchy: HierarchySpec,
        labels: Sequence[str],
        beta: float = 1.0,
        min_weight: float = 0.5,
        reduction: str = "mean",
    ) -> None:
        check_params(
            {"beta": beta, "min_weight": min_weight},
            {
                "beta": [Interval(numbers.Real, 0, None, closed="neither")],
                "min_weight": [Interval(numbers.Real, 0, 1)],
            },
            caller="HierarchicalLoss",
        )
        if reduction not in ("mean", "sum"):
            raise ValueError(
                f"HierarchicalLoss: reduction must be 'mean' or 'sum'; got {reduction!r}."
            )
        self.labels = [str(n) for n in labels]
        self.hierarchy = Hierarchy.coerce(hierarchy, labels=self.labels, where="HierarchicalLoss")
        self.beta = float(beta)
        self.min_weight = float(min_weight)
        self.reduction = reduction
        self.distances = tree_distances(self.hierarchy, self.labels)

    def soft_targets(self) -> np.ndarray:
        """(L, L) row-stochastic matrix: row ``y`` holds the soft target of true class ``y``."""
        W = np.exp(-self.beta * self.distances)
        return W / W.sum(axis=1, keepdims=True)

    def negative_weights(self, Y: np.ndarray) -> np.ndarray:
        """(n, L) weights of the negative terms for 0/1 targets ``Y`` (1 where no label is true)."""
        Y = np.asarray(Y) > 0
        D = self.distances.astype(np.float64)
        d_max = max(float(D.max()), 1.0)
        big = np.where(Y[:, :, None], D[None, :, :], np.inf)  # (n, true j, label k)
        nearest = big.min(axis=1)
        near = np.where(np.isfinite(nearest), nearest, d_max)  # no true label: full weight
        return self.min_weight + (1.0 - self.min_weight) * near / d_max

    def __call__(self, logits: Any, targets: Any) -> Any:
        from labelwise.models._torch import import_torch

        torch = import_torch()
        L = len(self.labels)
        if logits.ndim != 2 or logits.shape[1] != L:
            raise ShapeError(
                f"HierarchicalLoss: logits have shape {tuple(logits.shape)} but the loss was made "
                f"for {L} labels; give one logit column per label, in the order of labels."
            )
        if targets.ndim == 1:  # class indices: soft-target cross-entropy
            Q = torch.as_tensor(self.soft_targets(), dtype=logits.dtype, device=logits.device)
            per_row = -(Q[targets.long()] * torch.log_softmax(logits, dim=1)).sum(dim=1)
            return per_row.mean() if self.reduction == "mean" else per_row.sum()
        Y = targets.to(logits.dtype)
        w_neg = torch.as_tensor(
            self.negative_weights(targets.detach().cpu().numpy()),
            dtype=logits.dtype,
            device=logits.device,
        )
        F = torch.nn.functional
        loss = -(Y * F.logsigmoid(logits) + (1 - Y) * w_neg * F.logsigmoid(-logits))
        return loss.mean() if self.reduction == "mean" else loss.sum()

    def __repr__(self) -> str:
        return (
            f"HierarchicalLoss({len(self.labels)} labels, beta={self.beta:g}, "
            f"min_weight={self.min_weight:g})"
        )
