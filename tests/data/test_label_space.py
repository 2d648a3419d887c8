"""LabelSpace, Dataset and Hierarchy behave as documented."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from labelwise.data import Dataset, Hierarchy, LabelSpace
from labelwise.errors import ShapeError, TargetError


def test_binarize_decode_roundtrip_dense_and_sparse():
    space = LabelSpace(["x", "y", "z"])
    rows = [["z", "x"], [], ["y"]]
    dense = space.binarize(rows)
    sparse = space.binarize(rows, sparse=True)
    assert sp.issparse(sparse)
    np.testing.assert_array_equal(sparse.toarray(), dense)
    assert space.decode(dense) == [["x", "z"], [], ["y"]]
    assert space.decode(sparse) == [["x", "z"], [], ["y"]]


def test_duplicate_names_rejected():
    with pytest.raises(TargetError, match=r"duplicate label name 'a' at positions 0 and 2"):
        LabelSpace(["a", "b", "a"])


def test_index_and_errors():
    space = LabelSpace(["a", "b"])
    assert space.index("b") == 1 and "a" in space and len(space) == 2
    with pytest.raises(KeyError, match="unknown label 'c'"):
        space.index("c")
    with pytest.raises(ShapeError, match="expected"):
        space.decode(np.zeros((1, 3)))


def test_dataset_shapes_and_subset():
    X = np.arange(12.0).reshape(4, 3)
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    ds = Dataset(X, Y, ["a", "b"], texts=["t0", "t1", "t2", "t3"])
    sub = ds.subset([2, 0])
    np.testing.assert_array_equal(sub.X, X[[2, 0]])
    assert sub.texts == ["t2", "t0"] and sub.label_lists() == [["a", "b"], ["a"]]
    assert ds.subset(np.array([True, False, False, True])).n_samples == 2
    with pytest.raises(ShapeError, match="X has 3 rows but Y has 4"):
        Dataset(X[:3], Y, ["a", "b"])
    with pytest.raises(ShapeError, match="3 columns but 2 label names"):
        Dataset(X, np.zeros((4, 3)), ["a", "b"])


def test_hierarchy_from_names_and_ancestor_matrix():
    h = Hierarchy.from_names(["A", "A.A1", "A.A1.x", "B", "C.C1"])
    assert h.parent == {"A": None, "A.A1": "A", "A.A1.x": "A.A1", "B": None, "C.C1": None}
    assert h.ancestors("A.A1.x") == ["A.A1", "A"]
    A = h.ancestor_matrix(["A", "A.A1", "A.A1.x"])
    np.testing.assert_array_equal(A, [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    assert not h.is_trivial() and Hierarchy({"a": None}).is_trivial()


def test_hierarchy_rejects_cycles_and_makes_missing_parents_roots():
    with pytest.raises(TargetError, match="cycle"):
        Hierarchy({"a": "b", "b": "a"})
    assert Hierarchy({"a": "zz"}).parent == {"a": "zz", "zz": None}  # issue 18: implicit root
