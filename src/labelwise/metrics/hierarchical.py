"""Hierarchical precision, recall and F1 (Kiritchenko, Matwin, Nock and Famili, 2006).

Each sample's true label set ``Y_i`` and predicted set ``Z_i`` are first augmented with all the
ancestors of their labels in the hierarchy (``Y'_i``, ``Z'_i``), so that predicting a sibling or
a parent of the right label earns partial credit for the shared ancestors. Then, micro-averaged
over samples::

    hP = sum_i |Y'_i & Z'_i| / sum_i |Z'_i|
    hR = sum_i |Y'_i & Z'_i| / sum_i |Y'_i|
    hF = 2 hP hR / (hP + hR)

The hierarchy is a forest (:class:`~labelwise.data.Hierarchy`) without an artificial root, so every
ancestor counts; ancestors that are not columns of ``y_true`` still count. With ``sample_weight``,
each sample's set sizes are weighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.data.hierarchy import Hierarchy
from labelwise.data.label_space import LabelSpace
from labelwise.errors import UnknownLabelError
from labelwise.metrics._divide import check_zero_division, safe_divide
from labelwise.metrics._inputs import format_label_inputs

__all__ = [
    "hierarchical_f1_score",
    "hierarchical_precision_recall_f1",
    "hierarchical_precision_score",
    "hierarchical_recall_score",
]


def _ancestor_closure(names: Sequence[str], hierarchy: Hierarchy) -> sp.csr_matrix:
    """(L, M) 0/1 matrix: column j of the M nodes is label i itself or one of its ancestors."""
    nodes = list(names)
    index = {n: j for j, n in enumerate(nodes)}
    rows, cols = [], []
    for i, name in enumerate(names):
        if name not in hierarchy.parent:
            raise UnknownLabelError(
                f"label {name!r} (column {i}) is not in the hierarchy "
                f"({len(hierarchy.parent)} labels); pass labels= naming the columns."
            )
        for node in [name, *hierarchy.ancestors(name)]:
            if node not in index:
                index[node] = len(nodes)
                nodes.append(node)
            rows.append(i)
            cols.append(index[node])
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(names), len(nodes)))


def hierarchical_precision_recall_f1(
    y_true: Any,
    y_pred: Any,
    hierarchy: Hierarchy,
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
    hierarchy : Hierarchy
        Parent of each label.
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
    """
    check_zero_division(zero_division)
    space = LabelSpace(labels) if labels is not None else None
    if space is None and not isinstance(y_true, (list, tuple)):
        n_cols = y_true.shape[1] if hasattr(y_true, "shape") and len(y_true.shape) == 2 else None
        if n_cols == len(hierarchy.labels):
            space = LabelSpace(hierarchy.labels)
    inputs = format_label_inputs(y_true, y_pred, sample_weight=sample_weight, label_space=space)
    names = [str(c) for c in (space.names if space is not None else inputs.classes)]
    if space is None and not all(isinstance(c, str) for c in inputs.classes):
        raise UnknownLabelError(
            f"y_true has {len(names)} unnamed columns but the hierarchy has "
            f"{len(hierarchy.labels)} labels; pass labels= naming the columns."
        )
    closure = _ancestor_closure(names, hierarchy)
    true_aug = (sp.csr_matrix(inputs.y_true, dtype=np.float64) @ closure) > 0
    pred_aug = (sp.csr_matrix(inputs.y_pred, dtype=np.float64) @ closure) > 0
    both = true_aug.multiply(pred_aug)
    w = inputs.sample_weight

    def total(m: sp.spmatrix) -> float:
        per_row = np.asarray(m.sum(axis=1), dtype=np.float64).ravel()
        return float(per_row.sum() if w is None else per_row @ w)

    tp, n_pred, n_true = total(both), total(pred_aug), total(true_aug)
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


def hierarchical_precision_score(
    y_true: Any, y_pred: Any, hierarchy: Hierarchy, **kwargs: Any
) -> float:
    """Hierarchical precision ``hP`` (see :func:`hierarchical_precision_recall_f1`).

    Examples
    --------
    >>> h = Hierarchy({"A": None, "A.1": "A", "A.2": "A"})
    >>> hierarchical_precision_score([["A.1"]], [["A.2", "A.1"]], h)
    0.6666666666666666
    """
    return hierarchical_precision_recall_f1(y_true, y_pred, hierarchy, **kwargs)[0]


def hierarchical_recall_score(
    y_true: Any, y_pred: Any, hierarchy: Hierarchy, **kwargs: Any
) -> float:
    """Hierarchical recall ``hR`` (see :func:`hierarchical_precision_recall_f1`).

    Examples
    --------
    >>> h = Hierarchy({"A": None, "A.1": "A", "A.2": "A"})
    >>> hierarchical_recall_score([["A.1"]], [["A.2"]], h)
    0.5
    """
    return hierarchical_precision_recall_f1(y_true, y_pred, hierarchy, **kwargs)[1]


def hierarchical_f1_score(y_true: Any, y_pred: Any, hierarchy: Hierarchy, **kwargs: Any) -> float:
    """Hierarchical F1 ``hF = 2 hP hR / (hP + hR)`` (see :func:`hierarchical_precision_recall_f1`).

    Examples
    --------
    >>> h = Hierarchy({"A": None, "A.1": "A", "A.2": "A"})
    >>> hierarchical_f1_score([["A.1"]], [["A.2", "A.1"]], h)
    0.8
    """
    return hierarchical_precision_recall_f1(y_true, y_pred, hierarchy, **kwargs)[2]
