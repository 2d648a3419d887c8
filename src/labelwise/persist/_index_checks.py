"""Validate the raw-index structures of a loaded model before anyone calls it.

Decision trees, histogram-gradient-boosting predictors and sparse matrices hold indices that
compiled code follows without bounds checks, so a crafted file could make ``predict`` read
outside its arrays. skops therefore leaves these types untrusted; labelwise trusts them because
every one reachable from the loaded model passes the checks here first:

- ``sklearn.tree._tree.Tree``: ``0 < node_count <= capacity``; each split's children come after
  it (so the tree has no cycles) and lie inside the node array; leaves have no children; split
  features lie in ``[0, n_features)``; ``max_depth`` is the true depth; an estimator holding the
  tree (``tree_``) or an ensemble holding such estimators sees exactly ``n_features`` columns.
- ``TreePredictor`` of a histogram gradient boosting model: the same for its ``nodes`` array,
  features below the model's ``n_features_in_`` and bitset indices inside the bitset arrays.
- sparse matrices: SciPy's full format check (indices inside the shape, ``indptr`` sorted).

One check must come *before* skops builds anything: a ``Tree`` is constructed from
``(n_features, n_classes, n_outputs)`` and its constructor reads ``n_outputs`` entries of
``n_classes`` unchecked, so :func:`check_tree_arguments` reads those arguments from the skops
schema first and refuses the archive unless ``n_classes`` is a 1-D integer array of exactly
``n_outputs`` positive entries.
"""

from __future__ import annotations

import functools
import types
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.errors import ModelFileError

__all__ = ["check_loaded", "check_tree_arguments"]


def _reachable(root: Any) -> list[Any]:
    """Every object reachable from ``root`` through containers and instance attributes, once.

    Functions, classes and modules are not followed (their globals are not part of the model);
    bound methods are, to the object they are bound to.
    """
    seen: set[int] = set()
    out: list[Any] = []
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _LEAVES):
            continue
        seen.add(id(obj))
        out.append(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif isinstance(obj, np.ndarray):
            if obj.dtype == object:
                stack.extend(obj.ravel().tolist())
        elif isinstance(obj, functools.partial):
            stack.extend([obj.func, *obj.args, *obj.keywords.values()])
        elif isinstance(obj, types.MethodType):
            stack.append(obj.__self__)
        elif not isinstance(obj, _OPAQUE):
            if hasattr(obj, "__dict__"):
                stack.append(vars(obj))
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if isinstance(slot, str) and hasattr(obj, slot):
                        stack.append(getattr(obj, slot))
    return out


_LEAVES = (type, str, bytes, int, float, complex, type(None))
_OPAQUE = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, np.ufunc)


def check_loaded(model: Any, path: Path) -> None:
    """Raise ``ModelFileError`` unless every tree, predictor and sparse matrix is sound."""
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._tree import Tree

    objects = _reachable(model)
    for obj in objects:
        try:
            if isinstance(obj, Tree):
                _check_tree(obj)
            elif isinstance(obj, TreePredictor):
                _check_predictor(obj, None)
            elif sp.issparse(obj):
                _check_sparse(obj)
            else:
                _check_owner(obj)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            raise ModelFileError(
                f"{path}: holds an invalid {type(obj).__name__} ({exc}); it was not written by "
                "labelwise from a fitted model, or was modified. Nothing was returned."
            ) from None


def _check_tree(tree: Any) -> None:
    n = int(tree.node_count)
    if not 0 < n <= int(tree.capacity):
        raise ValueError(f"node_count {n} outside 1..capacity {int(tree.capacity)}")
    left = np.asarray(tree.children_left)
    right = np.asarray(tree.children_right)
    feature = np.asarray(tree.feature)
    ids = np.arange(n)
    leaf = left == -1
    if np.any(right[leaf] != -1):
        raise ValueError("a leaf with a right child")
    split = ~leaf
    for child in (left, right):
        if np.any(child[split] <= ids[split]) or np.any(child[split] >= n):
            raise ValueError("a child index outside the tree or before its parent")
    if np.any(feature[split] < 0) or np.any(feature[split] >= int(tree.n_features)):
        raise ValueError(f"a split feature outside 0..{int(tree.n_features) - 1}")
    level, depth = np.array([0]), 0  # walk down level by level from the root
    while True:
        kids = np.concatenate([left[level], right[level]])
        level = kids[kids != -1]
        if level.size == 0:
            break
        depth += 1
    if int(tree.max_depth) != depth:
        raise ValueError(f"max_depth {int(tree.max_depth)} but the tree is {depth} deep")
    value = np.asarray(tree.value)
    if value.shape != (n, int(tree.n_outputs), int(tree.max_n_classes)):
        raise ValueError(f"value array of shape {value.shape}")


def _check_predictor(pred: Any, n_features: int | None) -> None:
    nodes = pred.nodes
    n = nodes.shape[0]
    if nodes.ndim != 1 or n == 0:
        raise ValueError("an empty or malformed node array")
    ids = np.arange(n)
    split = nodes["is_leaf"] == 0
    for child in (nodes["left"].astype(np.int64), nodes["right"].astype(np.int64)):
        if np.any(child[split] <= ids[split]) or np.any(child[split] >= n):
            raise ValueError("a child index outside the predictor or before its parent")
    feats = nodes["feature_idx"].astype(np.int64)[split]
    if np.any(feats < 0) or (n_features is not None and np.any(feats >= n_features)):
        raise ValueError(f"a split feature outside 0..{n_features}")
    cat = split & (nodes["is_categorical"] != 0)
    bitset = nodes["bitset_idx"].astype(np.int64)[cat]
    for name in ("raw_left_cat_bitsets", "binned_left_cat_bitsets"):
        arr = np.asarray(getattr(pred, name))
        if bitset.size and (np.any(bitset < 0) or np.any(bitset >= arr.shape[0])):
            raise ValueError(f"a bitset index outside {name}")


def _check_sparse(m: Any) -> None:
    if m.format in ("csr", "csc"):
        m.check_format(full_check=True)
    elif m.format == "coo":
        rows, cols = m.coords if hasattr(m, "coords") else (m.row, m.col)
        if rows.size and (
            rows.min() < 0 or cols.min() < 0 or rows.max() >= m.shape[0] or cols.max() >= m.shape[1]
        ):
            raise ValueError("an entry outside the matrix shape")
    else:
        raise ValueError(f"sparse format {m.format!r} is not accepted in model files")


def _check_owner(obj: Any) -> None:
    """Estimators that pass their input to trees unchecked must agree with them on its width."""
    from sklearn.ensemble import BaseEnsemble
    from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import (
        BaseHistGradientBoosting,
    )
    from sklearn.tree import BaseDecisionTree

    if isinstance(obj, BaseDecisionTree) and hasattr(obj, "tree_"):
        _same_width(obj, obj.tree_.n_features, "its tree")
    elif isinstance(obj, BaseEnsemble) and hasattr(obj, "estimators_"):
        subset = getattr(obj, "estimators_features_", None)  # bagging indexes columns itself
        for k, est in enumerate(_flatten(obj.estimators_)):
            if isinstance(est, BaseDecisionTree) and hasattr(est, "tree_"):
                width = obj.n_features_in_ if subset is None else len(subset[k])
                if int(est.tree_.n_features) != int(width):
                    raise ValueError(f"member {k} has a tree over another number of features")
            if subset is not None and np.any(np.asarray(subset[k]) >= obj.n_features_in_):
                raise ValueError(f"member {k} uses a feature outside the input")
    elif isinstance(obj, BaseHistGradientBoosting) and hasattr(obj, "_predictors"):
        n = int(obj.n_features_in_)
        for row in obj._predictors:
            for pred in row:
                _check_predictor(pred, n)
                nodes = pred.nodes
                cat = (nodes["is_leaf"] == 0) & (nodes["is_categorical"] != 0)
                if cat.any():  # categorical splits index bitsets through the bin mapper's map
                    is_cat = np.asarray(obj._bin_mapper.is_categorical_)
                    if is_cat.shape != (n,) or not is_cat[nodes["feature_idx"][cat]].all():
                        raise ValueError("categorical splits on features not known as categorical")


def _flatten(items: Any) -> list[Any]:
    """The estimators of a list, a nested list or an object array (gradient boosting's)."""
    if isinstance(items, np.ndarray):
        return list(items.ravel())
    if isinstance(items, (list, tuple)):
        return [
            e
            for item in items
            for e in (_flatten(item) if isinstance(item, (list, tuple, np.ndarray)) else [item])
        ]
    return [items]


def _same_width(obj: Any, width: int, what: str) -> None:
    if int(getattr(obj, "n_features_in_", width)) != int(width):
        raise ValueError(f"n_features_in_ {obj.n_features_in_} differs from {what}'s {width}")


def check_tree_arguments(data: bytes, schema: Any) -> None:
    """Refuse a skops archive whose ``Tree`` constructor arguments would be read out of bounds.

    ``schema`` is the archive's parsed ``schema.json``. Raises ``ValueError`` naming the
    problem; reads ``.npy`` files only.
    """
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        stack = [schema]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            if node.get("__loader__") == "TreeNode" or node.get("__class__") == "Tree":
                _check_tree_node(node, zf)
            stack.extend(node.values())


def _check_tree_node(node: dict, zf: Any) -> None:
    import io

    try:
        args = node["__reduce__"]["args"]["content"]
        n_features, n_classes, n_outputs = args
        n_features = int(json_int(n_features))
        n_outputs = int(json_int(n_outputs))
        with zf.open(n_classes["file"]) as fh:
            classes = np.load(io.BytesIO(fh.read()), allow_pickle=False)
    except Exception as exc:  # any damage to the arguments (the archive itself was checked)
        raise ValueError(
            f"a decision tree with unreadable constructor arguments ({type(exc).__name__})"
        ) from None
    if n_features < 1 or n_outputs < 1:
        raise ValueError(f"a decision tree with {n_features} features and {n_outputs} outputs")
    if classes.ndim != 1 or classes.dtype.kind not in "iu" or classes.shape[0] != n_outputs:
        raise ValueError(
            f"a decision tree whose n_classes (shape {classes.shape}) does not hold one count "
            f"for each of its {n_outputs} outputs"
        )
    if classes.size and classes.min() < 1:
        raise ValueError("a decision tree with an output of no classes")


def json_int(node: Any) -> int:
    """The integer in a skops ``JsonNode``."""
    import json

    if not isinstance(node, dict) or node.get("__loader__") != "JsonNode":
        raise ValueError("not a plain number")
    content = node.get("content")
    if not isinstance(content, str) or len(content) > 40:
        raise ValueError("not a plain number")
    value = json.loads(content)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    return value
