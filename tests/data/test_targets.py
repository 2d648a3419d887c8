"""The target gate: every accepted form becomes one canonical 0/1 matrix with the right kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.utils.multiclass import type_of_target

from labelwise.data import LabelSpace, check_scores, check_targets
from labelwise.errors import ShapeError, TargetError, UnknownLabelError

Y = np.array([[1, 0, 1], [0, 0, 0], [0, 1, 1]])


@pytest.mark.parametrize(
    "y",
    [
        Y,
        Y.astype(bool),
        Y.astype(float),
        sp.csr_matrix(Y),
        sp.csc_matrix(Y),
        pd.DataFrame(Y),
        torch.tensor(Y),
        Y.tolist(),
    ],
    ids=["int", "bool", "float", "csr", "csc", "pandas", "torch", "list"],
)
def test_indicator_forms_agree(y):
    t = check_targets(y)
    assert t.kind == "multilabel"
    dense = t.Y.toarray() if sp.issparse(t.Y) else t.Y
    np.testing.assert_array_equal(dense, Y)
    assert dense.dtype == np.int8


def test_label_lists_with_and_without_space():
    rows = [["b", "a"], [], ["c"]]
    t = check_targets(rows)
    assert t.classes == ("a", "b", "c") and t.form == "label-lists"
    np.testing.assert_array_equal(t.Y, [[1, 1, 0], [0, 0, 0], [0, 0, 1]])
    space = LabelSpace(["c", "b", "a"])
    t2 = check_targets(rows, label_space=space)
    np.testing.assert_array_equal(t2.Y, [[0, 1, 1], [0, 0, 0], [1, 0, 0]])
    assert check_targets([{"x"}, {"x", "y"}]).Y.tolist() == [[1, 0], [1, 1]]


def test_unknown_label_error_and_ignore():
    space = LabelSpace(["a", "b"])
    with pytest.raises(UnknownLabelError, match="row 1: unknown label 'zz'"):
        check_targets([["a"], ["zz"]], label_space=space)
    t = check_targets([["a"], ["zz"]], label_space=space, unknown="ignore")
    np.testing.assert_array_equal(t.Y, [[1, 0], [0, 0]])


@pytest.mark.parametrize(
    ("y", "kind"),
    [([0, 1, 1, 0], "binary"), ([2, 0, 1, 2], "multiclass"), (["x", "y", "z"], "multiclass")],
)
def test_class_vectors_match_sklearn_type(y, kind):
    t = check_targets(y)
    assert t.kind == kind
    assert type_of_target(y) == kind
    # one-hot over sorted classes, as sklearn's LabelBinarizer orders them
    np.testing.assert_array_equal(t.Y.argmax(axis=1), np.searchsorted(np.unique(y), y))
    np.testing.assert_array_equal(t.class_indices(), np.searchsorted(np.unique(y), y))


def test_column_vector_is_one_dimensional():
    assert check_targets(np.array([[0], [1], [1]])).kind == "binary"


def test_explicit_classes_fix_columns():
    t = check_targets(["b", "b"], classes=["a", "b", "c"])
    np.testing.assert_array_equal(t.Y, [[0, 1, 0], [0, 1, 0]])
    with pytest.raises(TargetError, match=r"values \['q'\] not in classes"):
        check_targets(["q"], classes=["a"])


def test_non_binary_indicator_is_rejected_with_location():
    with pytest.raises(TargetError, match=r"found 2 at row 1, column 2"):
        check_targets(np.array([[0, 1, 0], [1, 0, 2]]))
    with pytest.raises(TargetError, match=r"found 0.5 at row 1, column 0"):
        check_targets(sp.csr_matrix(np.array([[0, 1], [0.5, 0]])))


def test_bad_shapes_and_values():
    with pytest.raises(ShapeError, match="got shape"):
        check_targets(np.zeros((2, 2, 2)))
    with pytest.raises(TargetError, match="NaN"):
        check_targets(np.array([[np.nan, 1.0]]))
    with pytest.raises(TargetError, match="is the string"):
        LabelSpace(["a"]).binarize(["a"])


def test_class_indices_requires_one_label_per_row():
    with pytest.raises(TargetError, match="row 0 has 2 labels"):
        check_targets(Y).class_indices()


def test_check_scores():
    s = check_scores([[0.1, 0.9]], n_labels=2, probabilities=True)
    assert s.dtype == np.float64
    with pytest.raises(ShapeError, match="has 2 columns"):
        check_scores([[0.1, 0.9]], n_labels=3)
    with pytest.raises(TargetError, match=r"probabilities in \[0, 1\].*calibrate"):
        check_scores([[1.5, -0.2]], probabilities=True)
    with pytest.raises(TargetError, match="2 NaN or infinite values; the first at row 0, column 1"):
        check_scores([[0.1, np.inf], [np.nan, 0]])
    np.testing.assert_array_equal(check_scores(torch.tensor([[0.25]])), [[0.25]])


def test_dataframe_column_names_are_the_classes():
    frame = pd.DataFrame(Y, columns=["news", "sport", 7])
    t = check_targets(frame)
    assert t.classes == ("news", "sport", "7") and t.form == "indicator"
    np.testing.assert_array_equal(t.Y, Y)
    assert check_targets(pd.DataFrame(Y)).classes == (0, 1, 2)  # numbered columns: no names


def test_dataframe_duplicate_names_are_named():
    frame = pd.DataFrame(Y, columns=["a", "b", "a"])
    with pytest.raises(TargetError, match=r"Y has duplicate column names \['a'\]"):
        check_targets(frame, name="Y")


def test_categorical_classes_follow_the_categories():
    y = pd.Series(pd.Categorical(["lo", "hi", "mid", "hi"], categories=["lo", "mid", "hi", "x"]))
    t = check_targets(y)
    assert t.kind == "multiclass" and t.classes == ("lo", "mid", "hi")  # "x" never occurs
    np.testing.assert_array_equal(t.class_indices(), [0, 2, 1, 2])
    assert check_targets(pd.Series(["b", "a", "b"])).classes == ("a", "b")  # values, sorted
    with pytest.raises(TargetError, match="missing class at row 1"):
        check_targets(pd.Series(pd.Categorical(["a", None, "b"])))
