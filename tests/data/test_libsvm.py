"""LibSVM / XC: hand-written files, scikit-learn's load_svmlight_file as a reference, round trip."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file, load_svmlight_file
from sklearn.preprocessing import MultiLabelBinarizer

from labelwise.data import Dataset
from labelwise.data.libsvm import read_libsvm, write_libsvm


def test_header_empty_label_field_and_comments(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("3 5 4\n1,3 0:0.5 4:-2  # first\n 2:1e-3\n\t\n")
    ds = read_libsvm(p)
    assert ds.label_names == ["0", "1", "2", "3"]
    np.testing.assert_array_equal(
        ds.X.toarray(), [[0.5, 0, 0, 0, -2], [0, 0, 0.001, 0, 0], [0, 0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(ds.Y.toarray(), [[0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert ds.Y.dtype == np.int8


def test_zero_based_auto_and_explicit(tmp_path):
    p = tmp_path / "one.svm"
    p.write_text("5 1:1 3:2\n7 2:4\n")  # no index 0: 1-based, like scikit-learn
    ds = read_libsvm(p)
    assert ds.X.shape == (2, 3) and ds.label_names == ["5", "7"]
    np.testing.assert_array_equal(ds.X.toarray(), [[1, 0, 2], [0, 4, 0]])
    ds0 = read_libsvm(p, zero_based=True, n_features=4, sparse=False)
    np.testing.assert_array_equal(ds0.X, [[0, 1, 0, 2], [0, 0, 4, 0]])
    assert isinstance(ds0.Y, np.ndarray)
    named = read_libsvm(p, labels=["a", "b", "c", "d", "e", "f", "g", "h"])
    assert named.label_lists() == [["f"], ["h"]]


def test_matches_sklearn_load_svmlight_file(tmp_path):
    rng = np.random.default_rng(0)
    X = sp.random(200, 40, density=0.1, random_state=1, format="csr")
    X.data = np.round(X.data * 100 - 50, rng.integers(0, 8))
    Y = (rng.random((200, 12)) < 0.15).astype(int)
    Y[:, 0] = 1  # every label index appears somewhere for MultiLabelBinarizer
    Y[0, :] = 1
    p = tmp_path / "sk.svm"
    dump_svmlight_file(X, Y, str(p), multilabel=True, zero_based=False)
    Xs, ys = load_svmlight_file(str(p), multilabel=True, n_features=40)
    ds = read_libsvm(p, n_features=40)
    assert (ds.X != Xs).nnz == 0
    Ys = MultiLabelBinarizer().fit_transform(ys)
    np.testing.assert_array_equal(ds.Y.toarray(), Ys)


def test_round_trip_with_header(tmp_path):
    X = np.array([[0.0, 1.25, 0], [0, 0, 0], [3, 0, 1e-310]])
    ds = Dataset(X=X, Y=np.array([[1, 0], [0, 0], [1, 1]]), label_names=["x", "y"])
    p = write_libsvm(ds, tmp_path / "r.svm")
    back = read_libsvm(p, labels=ds.label_names)
    np.testing.assert_array_equal(back.X.toarray(), X)
    np.testing.assert_array_equal(back.Y.toarray(), ds.Y)
    assert back.label_names == ["x", "y"]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_libsvm(ds, p)
    write_libsvm(ds, p, overwrite=True, header=False, zero_based=False)
    again = read_libsvm(p, labels=2)
    np.testing.assert_array_equal(again.X.toarray()[:, : X.shape[1]], X)
