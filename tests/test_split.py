"""Iterative stratification: folds, determinism, label spread, sparse input, sklearn plumbing."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.multioutput import MultiOutputClassifier

from labelwise.errors import ShapeError
from labelwise.split import (
    MultilabelStratifiedKFold,
    _put_each_label_in_every_subset,
    iterative_stratification,
    train_test_split,
)


def _random_labels(n=300, L=8, seed=0, empty_share=0.1):
    rng = np.random.default_rng(seed)
    freq = np.geomspace(0.4, 0.03, L)
    Y = (rng.random((n, L)) < freq).astype(np.int8)
    Y[rng.random(n) < empty_share] = 0
    return Y


def _folds(cv, Y, X=None):
    X = np.zeros((Y.shape[0], 1)) if X is None else X
    out = np.full(Y.shape[0], -1)
    for j, (train, test) in enumerate(cv.split(X, Y)):
        assert np.intersect1d(train, test).size == 0
        assert np.union1d(train, test).size == Y.shape[0]
        out[test] = j
    return out


def _label_distribution_deviation(Y, folds, k):
    """LD of Sechidis et al. (2011): mean over labels and folds of |pos/neg in fold - in data|."""
    n = Y.shape[0]
    total = Y.sum(axis=0)
    keep = (total > 0) & (total < n)
    dev = []
    for j in range(k):
        S = Y[folds == j]
        pos = S.sum(axis=0)
        dev.append(np.abs(pos / (S.shape[0] - pos) - total / (n - total))[keep])
    return float(np.mean(dev))


@pytest.mark.parametrize("order", [1, 2])
def test_folds_disjoint_complete_and_balanced(order):
    Y = _random_labels()
    folds = _folds(MultilabelStratifiedKFold(5, order=order, shuffle=True, random_state=1), Y)
    sizes = np.bincount(folds, minlength=5)
    assert sizes.sum() == Y.shape[0] and sizes.min() >= 0.9 * Y.shape[0] / 5
    counts = Y.sum(axis=0)
    for j in range(5):
        in_fold = Y[folds == j].sum(axis=0)
        # every label with >= n_splits examples is in every test fold
        assert np.all(in_fold[counts >= 5] > 0)
        # and each fold holds its share of every label to within one example (or 2 for order 2)
        assert np.all(np.abs(in_fold - counts / 5) <= order + 0.8)


def test_closer_to_global_distribution_than_random_kfold():
    Y = _random_labels(n=400, L=10, seed=3)
    lw = [
        _label_distribution_deviation(
            Y, _folds(MultilabelStratifiedKFold(5, shuffle=True, random_state=s), Y), 5
        )
        for s in range(3)
    ]
    rnd = [
        _label_distribution_deviation(Y, _folds(KFold(5, shuffle=True, random_state=s), Y), 5)
        for s in range(3)
    ]
    assert np.mean(lw) < 0.5 * np.mean(rnd)


def test_deterministic_for_a_seed_and_varies_across_seeds():
    Y = _random_labels()
    a = _folds(MultilabelStratifiedKFold(5, shuffle=True, random_state=7), Y)
    b = _folds(MultilabelStratifiedKFold(5, shuffle=True, random_state=7), Y)
    c = _folds(MultilabelStratifiedKFold(5, shuffle=True, random_state=8), Y)
    np.testing.assert_array_equal(a, b)
    assert np.any(a != c)
    cv = MultilabelStratifiedKFold(3, random_state=0)
    np.testing.assert_array_equal(_folds(cv, Y), _folds(cv, Y))  # split twice, same folds


def test_sparse_dense_and_label_lists_give_the_same_folds():
    Y = _random_labels(n=120, L=5)
    cv = MultilabelStratifiedKFold(4, shuffle=True, random_state=2)
    dense = _folds(cv, Y)
    np.testing.assert_array_equal(dense, _folds(cv, sp.csr_matrix(Y)))
    lists = [[f"l{j}" for j in np.flatnonzero(row)] for row in Y]
    # label lists get sorted names l0..l4: the same columns
    np.testing.assert_array_equal(dense, _folds(cv, np.array(lists, dtype=object)))


def test_examples_without_labels_are_spread_over_folds():
    Y = _random_labels(n=200, L=4, empty_share=0.3)
    empty = Y.sum(axis=1) == 0
    folds = _folds(MultilabelStratifiedKFold(5, random_state=0), Y)
    per_fold = np.bincount(folds[empty], minlength=5)
    assert per_fold.sum() == empty.sum()
    assert per_fold.max() - per_fold.min() <= 0.2 * empty.sum()
    all_empty = np.zeros((10, 3), dtype=int)
    assert (
        np.bincount(_folds(MultilabelStratifiedKFold(5, random_state=0), all_empty)).tolist()
        == [2] * 5
    )


def test_hand_traced_example_of_the_paper_rule():
    # label 1 (2 examples) is rarest: rows 2 and 3 go to different folds; then label 0 fills up.
    Y = np.array([[1, 0], [1, 0], [1, 1], [1, 1], [1, 0], [1, 0]])
    folds = iterative_stratification(Y, [0.5, 0.5], random_state=0)
    assert folds[2] != folds[3]
    assert np.bincount(folds).tolist() == [3, 3]


def test_repair_swaps_a_label_into_the_fold_that_misses_it():
    Y = sp.csr_matrix([[1, 0]] * 3 + [[0, 1]] * 3 + [[0, 0]] * 3)
    folds = np.array([0, 0, 1, 0, 1, 2, 1, 2, 2])  # fold 2 has none of label 0 (3 examples)
    _put_each_label_in_every_subset(Y, folds, 3)
    assert folds.tolist() == [2, 0, 1, 0, 1, 2, 1, 0, 2]  # row 0 <-> unlabelled row 7
    per_fold = np.array([Y[folds == j].toarray().sum(axis=0) for j in range(3)])
    assert np.all(per_fold > 0) and np.bincount(folds).tolist() == [3, 3, 3]


def test_multiclass_targets_stratify_like_stratified_kfold():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    folds = _folds(MultilabelStratifiedKFold(5, shuffle=True, random_state=0), y)
    for j in range(5):
        assert np.bincount(y[folds == j]).tolist() == [10, 6, 4]


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(16, 80),
    L=st.integers(1, 6),
    k=st.integers(2, 5),
    order=st.sampled_from([1, 2]),
    seed=st.integers(0, 2**16),
)
def test_property_partition_and_label_presence(n, L, k, order, seed):
    Y = _random_labels(n=n, L=L, seed=seed)
    folds = _folds(MultilabelStratifiedKFold(k, order=order, random_state=seed), Y)
    assert set(np.unique(folds)) <= set(range(k)) and np.all(folds >= 0)
    counts = Y.sum(axis=0)
    for j in range(k):
        assert np.all(Y[folds == j].sum(axis=0)[counts >= k] > 0)


def test_train_test_split_sizes_types_and_stratification():
    Y = _random_labels(n=400, L=6, seed=4)
    X = np.arange(800).reshape(400, 2)
    names = [f"doc{i}" for i in range(400)]
    X_tr, X_te, n_tr, n_te, Y_tr, Y_te = train_test_split(
        X, names, sp.csr_matrix(Y), test_size=0.25, random_state=0
    )
    assert abs(X_te.shape[0] - 100) <= 2 and X_tr.shape[0] + X_te.shape[0] == 400
    assert isinstance(n_tr, list) and sp.issparse(Y_tr)
    assert [int(s[3:]) for s in n_te] == (X_te[:, 0] // 2).tolist()  # rows stay aligned
    share = np.asarray(Y_te.sum(axis=0)).ravel() / Y.sum(axis=0)
    assert np.all(np.abs(share - 0.25) < 0.05)
    again = train_test_split(X, Y, test_size=0.25, random_state=0)
    np.testing.assert_array_equal(again[1], X_te)
    ints = train_test_split(X, Y, test_size=40, order=2, random_state=1)
    assert abs(ints[1].shape[0] - 40) <= 2


def test_train_test_split_pandas():
    pd = pytest.importorskip("pandas")
    Y = _random_labels(n=50, L=3)
    df = pd.DataFrame({"a": np.arange(50)})
    tr, te, _, Yte = train_test_split(df, pd.DataFrame(Y), test_size=0.2, random_state=0)
    assert isinstance(te, pd.DataFrame) and len(te) + len(tr) == 50
    assert (te.index == Yte.index).all()


def test_works_with_cross_val_score_and_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.5, X[:, 2] + X[:, 0] > 1]).astype(int)
    cv = MultilabelStratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(MultiOutputClassifier(LogisticRegression()), X, Y, cv=cv)
    assert scores.shape == (3,) and scores.mean() > 0.5
    gs = GridSearchCV(
        MultiOutputClassifier(LogisticRegression()), {"estimator__C": [0.1, 1.0]}, cv=cv
    ).fit(X, Y)
    assert gs.n_splits_ == 3
    assert cv.get_n_splits() == 3
    assert "MultilabelStratifiedKFold(n_splits=3" in repr(cv)


def test_bad_input_errors():
    Y = _random_labels(n=10, L=2)
    with pytest.raises(ValueError, match="n_splits"):
        list(MultilabelStratifiedKFold(1).split(np.zeros((10, 1)), Y))
    with pytest.raises(ValueError, match="cannot make n_splits=20 folds from 10 examples"):
        list(MultilabelStratifiedKFold(20).split(np.zeros((10, 1)), Y))
    with pytest.raises(ValueError, match="order"):
        list(MultilabelStratifiedKFold(2, order=3).split(np.zeros((10, 1)), Y))
    with pytest.raises(ValueError, match="needs y"):
        list(MultilabelStratifiedKFold(2).split(np.zeros((10, 1))))
    with pytest.raises(ShapeError, match="X has 9 rows but y has 10"):
        list(MultilabelStratifiedKFold(2).split(np.zeros((9, 1)), Y))
    with pytest.raises(ShapeError, match="array 1 has 9 rows"):
        train_test_split(np.zeros((10, 1)), Y[:9])
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.zeros((10, 1)), Y, test_size=1.5)
    with pytest.raises(ValueError, match="leaves no examples"):
        train_test_split(np.zeros((10, 1)), Y, test_size=10)
    with pytest.raises(ValueError, match="ratios"):
        iterative_stratification(Y, [1.0])
