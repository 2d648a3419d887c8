"""LabelForest: leaves, traversal, averaging, sparse top-k, the estimator contract.

References are independent of the code under test: the training labels themselves (a tree grown
to pure leaves), the label frequencies (a tree that cannot split), scikit-learn's own
``DecisionTreeRegressor.apply`` for the traversal, a row-by-row walk of the stored split arrays
in plain Python for the averaged scores, and dense top-k for the sparse one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

import labelwise
from labelwise.decision import FixedThreshold, TopK
from labelwise.errors import ModelFileError, ShapeError, TargetError
from labelwise.metrics import precision_at_k
from labelwise.models import BinaryRelevance, LabelForest, top_k_proba
from labelwise.models.label_forest import _apply, _as_csr, _project_labels
from labelwise.models.top_k import dense_top_k

pytestmark = pytest.mark.usefixtures("one_blas_thread")

FIXED = FixedThreshold(0.5)  # no default rule tuned: these tests look at the scores


def _data(n=300, d=40, L=24, seed=0):
    """Labels in 4 topics; each label has 3 characteristic features; sparse non-negative X."""
    rng = np.random.default_rng(seed)
    topic = np.arange(L) % 4
    Y = np.zeros((n, L), dtype=int)
    first = rng.integers(0, L, n)
    Y[np.arange(n), first] = 1
    for i in range(n):
        same = np.flatnonzero(topic == topic[first[i]])
        Y[i, rng.choice(same, rng.integers(0, 3))] = 1
    feats = rng.integers(0, d, size=(L, 3))
    X = rng.random((n, d)) * (rng.random((n, d)) < 0.05)
    for i in range(n):
        for lab in np.flatnonzero(Y[i]):
            X[i, feats[lab]] += 1.0
    return X, Y


def _walk(tree, x):
    """The leaf a dense row reaches, one comparison at a time."""
    v = 0
    while tree["left"][v] != -1:
        v = tree["left"][v] if x[tree["feature"][v]] <= tree["threshold"][v] else tree["right"][v]
    return v


# ------------------------------------------------------------------------------- leaves


def test_pure_leaves_reproduce_the_training_labels():
    X, Y = _data(n=120)
    model = LabelForest(
        n_trees=1,
        projection_dim=None,
        min_samples_leaf=1,
        max_features=None,
        splitter="best",
        decision_rule=FIXED,
    ).fit(X, Y)
    np.testing.assert_array_equal(model.predict_proba(X), Y)


def test_a_tree_that_cannot_split_predicts_the_label_frequencies():
    X, Y = _data(n=80)
    model = LabelForest(n_trees=3, min_samples_leaf=80, decision_rule=FIXED).fit(X, Y)
    P = model.predict_proba(X[:5])
    np.testing.assert_allclose(P, np.tile(Y.mean(axis=0), (5, 1)), rtol=1e-6)


def test_leaf_values_are_the_label_means_of_the_rows_in_the_leaf():
    X, Y = _data(n=150)
    model = LabelForest(n_trees=2, min_samples_leaf=4, decision_rule=FIXED).fit(X, Y)
    for tree in model.trees_:
        leaf = np.array([_walk(tree, x) for x in X.astype(np.float32)])
        for v in np.unique(leaf):
            got = tree["values"][tree["leaf_row"][v]].toarray().ravel()
            np.testing.assert_allclose(got, Y[leaf == v].mean(axis=0), rtol=1e-6)
            assert (leaf == v).sum() >= 4


def test_max_leaf_labels_keeps_each_leafs_most_frequent_labels():
    X, Y = _data(n=150)
    full = LabelForest(n_trees=2, min_samples_leaf=20, max_leaf_labels=None).fit(X, Y)
    cut = LabelForest(n_trees=2, min_samples_leaf=20, max_leaf_labels=3).fit(X, Y)
    for tf, tc in zip(full.trees_, cut.trees_, strict=True):
        np.testing.assert_array_equal(tf["left"], tc["left"])  # the same trees
        assert np.diff(tc["values"].indptr).max() <= 3
        assert np.diff(tf["values"].indptr).max() > 3  # the cut mattered
        for i in range(tf["values"].shape[0]):
            row = tf["values"][i].toarray().ravel()
            kept = tc["values"][i].toarray().ravel()
            third = np.sort(row)[::-1][min(2, np.count_nonzero(row) - 1)]
            assert set(np.flatnonzero(kept)) <= set(np.flatnonzero(row >= third))
            np.testing.assert_allclose(kept[kept > 0], row[kept > 0])


def test_projection_is_of_unit_rows_and_has_the_right_scale():
    Y = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]], dtype=float))
    Z = _project_labels(Y, None, 0)
    np.testing.assert_allclose(np.linalg.norm(Z, axis=1), [1, 0, 1])
    big = sp.csr_matrix(np.eye(2000)[:50])  # unit rows: the projection keeps norms near 1
    norms = np.linalg.norm(_project_labels(big, 512, 0), axis=1)
    assert abs(norms.mean() - 1) < 0.05


# ------------------------------------------------------------------------------- traversal


def test_traversal_reaches_the_leaf_scikit_learn_reaches():
    X, Y = _data(n=200)
    Xr = _as_csr(X)
    Z = _project_labels(sp.csr_matrix(Y, dtype=float), 8, 0)
    reg = DecisionTreeRegressor(splitter="random", max_features="sqrt", random_state=0)
    t = reg.fit(Xr.tocsc(), Z).tree_
    tree = {"left": t.children_left, "right": t.children_right}
    tree |= {"feature": t.feature, "threshold": t.threshold}
    Xq, _ = _data(n=60, seed=5)
    np.testing.assert_array_equal(_apply(tree, _as_csr(Xq)), reg.apply(_as_csr(Xq)))
    np.testing.assert_array_equal(
        _apply(tree, _as_csr(np.zeros((2, 40)))), reg.apply(np.zeros((2, 40), np.float32))
    )


def test_scores_are_the_mean_of_the_leaf_vectors_found_by_walking_each_tree():
    X, Y = _data()
    model = LabelForest(n_trees=4, decision_rule=FIXED).fit(X[:200], Y[:200])
    Xq = X[200:].astype(np.float32)
    want = np.zeros((Xq.shape[0], Y.shape[1]))
    for tree in model.trees_:
        for i, x in enumerate(Xq):
            want[i] += tree["values"][tree["leaf_row"][_walk(tree, x)]].toarray().ravel()
    np.testing.assert_allclose(model.predict_proba(X[200:]), want / 4, rtol=1e-6)


def test_a_cycle_in_the_split_arrays_is_an_error_not_an_endless_loop():
    tree = {
        "left": np.array([1, 0]),
        "right": np.array([1, 0]),
        "feature": np.array([0, 0]),
        "threshold": np.array([0.5, 0.5]),
    }
    with pytest.raises(ModelFileError, match="cycle"):
        _apply(tree, _as_csr(np.zeros((1, 1))))


# ------------------------------------------------------------------------------- inputs


def test_sparse_and_dense_X_give_identical_models():
    X, Y = _data()
    dense = LabelForest(n_trees=3, decision_rule=FIXED).fit(X, Y)
    sparse = LabelForest(n_trees=3, decision_rule=FIXED).fit(sp.csr_matrix(X), sp.csr_matrix(Y))
    np.testing.assert_array_equal(dense.predict_proba(X), sparse.predict_proba(sp.csc_matrix(X)))


def test_threads_do_not_change_the_model():
    X, Y = _data()
    one = LabelForest(n_trees=4, decision_rule=FIXED).fit(X, Y).predict_proba(X)
    two = LabelForest(n_trees=4, n_jobs=2, decision_rule=FIXED).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(one, two)


def test_label_names_from_a_dataframe_and_from_label_lists():
    X, Y = _data(n=60, L=4)
    frame = pd.DataFrame(Y, columns=["w", "x", "y", "z"])
    assert LabelForest(n_trees=2).fit(X, frame).classes_.tolist() == ["w", "x", "y", "z"]
    lists = [[name for name, y in zip("wxyz", row, strict=True) if y] for row in Y]
    model = LabelForest(n_trees=2, decision_rule=FIXED).fit(X, lists)
    assert model.classes_.tolist() == sorted({n for r in lists for n in r})


def test_bad_input_is_named():
    X, Y = _data(n=40)
    with pytest.raises(ShapeError, match=r"X has 40 rows .* but Y has 39"):
        LabelForest().fit(X, Y[:39])
    with pytest.raises(TargetError, match="at least 2 labels"):
        LabelForest().fit(X, Y[:, 0])
    with pytest.raises(TargetError, match="no positive entry"):
        LabelForest().fit(X, np.zeros_like(Y))
    with pytest.raises(TargetError, match="target y is None"):
        LabelForest().fit(X, None)
    with pytest.raises(ValueError, match="n_trees"):
        LabelForest(n_trees=0).fit(X, Y)
    model = LabelForest(n_trees=2).fit(X, Y)
    with pytest.raises(ShapeError, match="X has 3 features"):
        model.predict_proba(X[:, :3])
    with pytest.raises(ValueError, match="k=25 is larger than the number of labels \\(24\\)"):
        model.predict_proba(X, k=25)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        model.predict_proba(X, k=0)


# ------------------------------------------------------------------------------- top-k, rules


def test_sparse_top_k_equals_dense_top_k_and_serves_top_k_proba():
    X, Y = _data()
    model = LabelForest(n_trees=5, decision_rule=FIXED).fit(X[:200], Y[:200])
    P = model.predict_proba(X[200:])
    for k in (1, 3, 24):
        S = model.predict_proba(X[200:], k=k)
        assert sp.issparse(S) and S.getnnz(axis=1).max() <= k
        want = dense_top_k(P, k).toarray()
        want[want == 0] = 0  # entries scoring 0 are absent from the sparse matrix
        np.testing.assert_allclose(S.toarray(), want, rtol=1e-6)
        np.testing.assert_allclose(top_k_proba(model, X[200:], k).toarray(), S.toarray())


def test_default_rule_is_top_k_of_the_mean_label_count():
    X, Y = _data()
    model = LabelForest(n_trees=3).fit(X, Y)
    k = round(Y.sum() / Y.shape[0])
    assert model.rule_ == TopK(k) or model.rule_.get_params() == TopK(k).get_params()
    assert (model.predict(X).sum(axis=1) == k).all()


def test_at_least_as_good_as_binary_relevance_on_a_generated_set():
    X, Y = _data(n=600, seed=1)
    forest = LabelForest(decision_rule=FIXED).fit(X[:450], Y[:450])
    br = BinaryRelevance(LogisticRegression(max_iter=500), decision_rule=FIXED).fit(
        X[:450], Y[:450]
    )
    for k in (1, 3):
        p_forest = precision_at_k(Y[450:], forest.predict_proba(X[450:]), k=k)
        p_br = precision_at_k(Y[450:], br.predict_proba(X[450:]), k=k)
        assert p_forest >= p_br - 0.02, (k, p_forest, p_br)


def test_persisted_model_predicts_the_same(tmp_path):
    X, Y = _data(n=100)
    model = LabelForest(n_trees=3).fit(X, Y)
    path = tmp_path / "forest.lw"
    labelwise.save(model, path)
    loaded = labelwise.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


# ------------------------------------------------------------------------------- sklearn checks


def _expected_failed_checks(estimator):
    """The same listed exceptions, with their reasons, as every multi-label model's."""
    from tests.models.test_estimator_checks import TREE_PROBABILITIES, _multilabel_expected

    expected = _multilabel_expected(estimator)
    expected["check_classifiers_multilabel_output_format_predict_proba"] = TREE_PROBABILITIES
    if estimator.decision_rule is None:
        expected["check_classifier_multioutput"] = (
            "predict applies TopK(k) by default (a ranking model; see LabelForest's "
            "decision_rule), so predictions are not predict_proba rounded at 0.5; the check runs "
            "and passes with decision_rule=FixedThreshold(0.5) in "
            "test_multioutput_check_with_a_fixed_threshold"
        )
    return expected


@parametrize_with_checks([LabelForest(n_trees=3)], expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_multioutput_check_with_a_fixed_threshold():
    from sklearn.utils.estimator_checks import check_classifier_multioutput

    # one row per leaf: scores are thirds, never the 0.5 that round() and the rule split apart
    model = LabelForest(n_trees=3, min_samples_leaf=1, decision_rule=FIXED)
    check_classifier_multioutput("LabelForest", model)


def test_multilabel_contract(tmp_path):
    """The contract of the listed checks, on multi-label Y (the shared test of that file)."""
    from tests.models.test_estimator_checks import test_multilabel_contract as contract

    contract(LabelForest(n_trees=3), tmp_path)
