"""LabelTree: the tree, the node solver, beam search, sparse top-k, the estimator contract.

References are independent of the code under test: scikit-learn's ``LinearSVC`` for the node
solver, an exhaustive walk of every root-to-label path (products of the published
``exp(-max(0, 1 - w.x)^2)`` node scores) for beam search, and dense top-k for the sparse one.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from labelwise.decision import TopK
from labelwise.errors import ProblemSetupWarning, ShapeError, TargetError
from labelwise.metrics import Evaluator, precision_at_k
from labelwise.models import BinaryRelevance, LabelTree, top_k_proba
from labelwise.models.label_tree import _build_tree, fit_squared_hinge, sparse_top_k
from labelwise.models.top_k import dense_top_k

pytestmark = pytest.mark.usefixtures("one_blas_thread")


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


def _leaves(tree):
    return [v for v in range(len(tree["labels"])) if tree["is_leaf"][v]]


# ------------------------------------------------------------------------------- the tree


@pytest.mark.parametrize("branching", [2, 3])
def test_tree_partitions_every_label_once_in_balanced_splits(branching):
    X, Y = _data()
    model = LabelTree(max_leaf=4, branching=branching, n_trees=2).fit(X, Y)
    for tree in model.trees_:
        leaf_labels = np.concatenate([tree["labels"][v] for v in _leaves(tree)])
        assert np.sort(leaf_labels).tolist() == list(range(Y.shape[1]))  # each exactly once
        for v, kids in enumerate(tree["children"]):
            if len(kids):
                sizes = [len(tree["labels"][c]) for c in kids]
                assert max(sizes) - min(sizes) <= 1  # balanced
                assert sum(sizes) == len(tree["labels"][v])
                merged = np.sort(np.concatenate([tree["labels"][c] for c in kids]))
                assert merged.tolist() == np.sort(tree["labels"][v]).tolist()
            else:
                assert len(tree["labels"][v]) <= 4


def test_balanced_two_means_separates_two_obvious_groups():
    C = sp.csr_matrix(np.array([[1, 0.1], [1, 0], [0.9, 0.1], [0, 1], [0.1, 1], [0, 0.9]]))
    C = sp.csr_matrix(C.multiply(1 / np.sqrt(C.multiply(C).sum(axis=1))))
    children, labels = _build_tree(C, 2, 3, 20, seed=0)
    groups = sorted(sorted(labels[c].tolist()) for c in children[0])
    assert groups == [[0, 1, 2], [3, 4, 5]]


# ------------------------------------------------------------------------------- the solver


def test_node_solver_matches_liblinear_squared_hinge():
    """Converged, the joint solver gives each output LinearSVC's solution (bias regularised)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 5))
    Ypos = np.column_stack([X @ rng.normal(size=5) + rng.normal(size=120) > 0.2 for _ in "ab"])
    W, b = fit_squared_hinge(sp.csr_matrix(X), Ypos, 0.5, 60, 60, tol=0.0, cg_tol=1e-6)
    for j in range(2):
        ref = LinearSVC(C=0.5, loss="squared_hinge", dual=False, tol=1e-10, max_iter=10_000)
        ref.set_params(intercept_scaling=1.0).fit(X, Ypos[:, j])
        np.testing.assert_allclose(W[:, j], ref.coef_.ravel(), atol=1e-4)
        np.testing.assert_allclose(b[j], ref.intercept_[0], atol=1e-4)


def test_node_solver_without_intercept_matches_liblinear():
    rng = np.random.default_rng(2)
    X = np.abs(rng.normal(size=(100, 4)))
    Ypos = (X @ rng.normal(size=4) + rng.normal(size=100) > 0.5)[:, None]
    W, b = fit_squared_hinge(X, Ypos, 1.0, 60, 60, tol=0.0, cg_tol=1e-6, bias=0.0)
    ref = LinearSVC(loss="squared_hinge", dual=False, tol=1e-10, fit_intercept=False).fit(
        X, Ypos[:, 0]
    )
    np.testing.assert_allclose(W[:, 0], ref.coef_.ravel(), atol=1e-4)
    assert b[0] == 0.0
    model = LabelTree(max_leaf=4, bias=0.0, n_trees=1).fit(*_data(n=100))
    assert not model.trees_[0]["b"][model.trees_[0]["b"] != -1].any()  # -1: nodes without rows


# ------------------------------------------------------------------------------- prediction


def _exhaustive(model, X):
    """Average over trees of the product of node scores along every root-to-label path."""
    from labelwise.models.label_tree import _as_csr

    Xn = _as_csr(X, model.normalize).toarray()
    out = np.zeros((X.shape[0], len(model.classes_)))
    for tree in model.trees_:
        W, b, start = tree["W"].toarray(), tree["b"], tree["out_start"]

        def walk(v, logp, tree=tree, W=W, b=b, start=start):
            z = Xn @ W[:, start[v] : start[v + 1]] + b[start[v] : start[v + 1]]
            s = logp[:, None] - np.maximum(1 - z, 0) ** 2
            targets = tree["children"][v] if len(tree["children"][v]) else tree["labels"][v]
            for j, t in enumerate(targets):
                if len(tree["children"][v]):
                    walk(t, s[:, j])
                else:
                    out[:, t] += np.exp(s[:, j])

        walk(0, np.zeros(X.shape[0]))
    return out / len(model.trees_)


def test_beam_as_wide_as_the_leaves_equals_exhaustive_scoring():
    X, Y = _data()
    model = LabelTree(max_leaf=3, n_trees=2, beam_width=1000).fit(X, Y)
    assert max(len(_leaves(t)) for t in model.trees_) <= 1000
    np.testing.assert_allclose(model.predict_proba(X), _exhaustive(model, X), rtol=1e-5, atol=1e-7)


def test_a_narrow_beam_scores_a_subset_and_keeps_the_best_path():
    X, Y = _data()
    model = LabelTree(max_leaf=3, n_trees=1, beam_width=1).fit(X, Y)
    P = model.predict_proba(X)
    full = _exhaustive(model, X)
    n_leaf_labels = max(len(model.trees_[0]["labels"][v]) for v in _leaves(model.trees_[0]))
    assert (np.count_nonzero(P, axis=1) <= n_leaf_labels).all()  # one leaf per row
    reached = P > 0
    np.testing.assert_allclose(P[reached], full[reached], rtol=1e-5)


def test_sparse_top_k_equals_dense_top_k():
    X, Y = _data()
    model = LabelTree(max_leaf=4).fit(X, Y)
    P = model.predict_proba(X)
    for k in (1, 3, 5):
        S = model.predict_proba(X, k=k)
        assert sp.issparse(S) and S.shape == P.shape
        assert (S.getnnz(axis=1) <= k).all()
        np.testing.assert_allclose(S.toarray(), dense_top_k(P, k).toarray(), rtol=1e-6)
        np.testing.assert_allclose(S.toarray(), sparse_top_k(sp.csr_matrix(P), k).toarray())
        assert precision_at_k(Y, S, k=k) == pytest.approx(precision_at_k(Y, P, k=k))


def test_top_k_ties_keep_the_lower_column():
    S = sp.csr_matrix(np.array([[0.5, 0.5, 0.5, 0.1], [0.0, 0.2, 0.2, 0.3]]))
    S.data[S.data == 0] = 0  # keep the explicit layout
    assert sparse_top_k(S, 2).toarray().tolist() == [[0.5, 0.5, 0, 0], [0, 0.2, 0, 0.3]]
    assert dense_top_k(S.toarray(), 2).toarray().tolist() == [[0.5, 0.5, 0, 0], [0, 0.2, 0, 0.3]]


def test_scores_feed_decision_rules_and_the_evaluator():
    X, Y = _data()
    model = LabelTree(max_leaf=4, decision_rule=TopK(2)).fit(X, Y)
    pred = model.predict(X)
    assert (pred.sum(axis=1) == 2).all()
    assert precision_at_k(Y, model.predict_proba(X), k=1) > 0.8  # learnable data
    ev = Evaluator(["precision@1", "ndcg@3"])
    for r in range(0, 300, 100):
        ev.update(Y[r : r + 100], model.predict_proba(X[r : r + 100], k=3))
    dense = Evaluator(["precision@1", "ndcg@3"])
    dense.update(Y, model.predict_proba(X, k=3).toarray())
    assert ev.compute() == pytest.approx(dense.compute())


def test_top_k_proba_batches_any_model_and_uses_the_native_path():
    X, Y = _data(n=120)
    br = BinaryRelevance().fit(X, Y)
    full = dense_top_k(br.predict_proba(X), 4).toarray()
    np.testing.assert_allclose(top_k_proba(br, X, 4, batch_size=7).toarray(), full)
    tree = LabelTree(max_leaf=4).fit(X, Y)
    np.testing.assert_allclose(
        top_k_proba(tree, X, 3).toarray(), tree.predict_proba(X, k=3).toarray()
    )
    with pytest.raises(ValueError, match="k=25 is larger than the number of labels \\(24\\)"):
        top_k_proba(br, X, 25)
    with pytest.raises(ValueError, match="k=25 is larger than the number of labels \\(24\\)"):
        tree.predict_proba(X, k=25)


# ------------------------------------------------------------------------------- size, contract


def test_pruning_keeps_the_weights_sparse():
    X, Y = _data()
    Xs = sp.csr_matrix(X)
    pruned = LabelTree(max_leaf=4, n_trees=1).fit(Xs, Y)
    full = LabelTree(max_leaf=4, n_trees=1, prune_threshold=0.0).fit(Xs, Y)
    W, Wf = pruned.trees_[0]["W"], full.trees_[0]["W"]
    assert (np.abs(W.data) >= 0.1).all()
    assert W.nnz < Wf.nnz
    # a node's weights live on the features its rows use: at most nnz(X) per output
    assert Wf.nnz <= Xs.nnz * 2 + W.shape[1] * 0
    assert W.nnz <= sum(Xs[Y[:, j] > 0].getnnz() for j in range(Y.shape[1])) + Xs.nnz * 20


def test_sparse_and_dense_X_give_the_same_model_and_random_state_decides():
    X, Y = _data()
    a = LabelTree(max_leaf=4, random_state=3).fit(X, Y)
    b = LabelTree(max_leaf=4, random_state=3).fit(sp.csr_matrix(X), sp.csr_matrix(Y))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(sp.csr_matrix(X)), rtol=1e-5)
    for ta, tb in zip(a.trees_, b.trees_, strict=True):
        assert [x.tolist() for x in ta["labels"]] == [x.tolist() for x in tb["labels"]]
    c = LabelTree(max_leaf=4, random_state=3).fit(X, Y)
    np.testing.assert_array_equal(a.predict_proba(X), c.predict_proba(X))
    d = LabelTree(max_leaf=4, random_state=4).fit(X, Y)
    assert any(
        [x.tolist() for x in ta["labels"]] != [x.tolist() for x in td["labels"]]
        for ta, td in zip(a.trees_, d.trees_, strict=True)
    )


def test_parallel_node_fits_give_the_same_model():
    X, Y = _data()
    one = LabelTree(max_leaf=4, n_jobs=1).fit(X, Y)
    two = LabelTree(max_leaf=4, n_jobs=2).fit(X, Y)
    np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))


def test_clone_get_params_pickle_and_label_lists():
    X, Y = _data(n=120)
    model = LabelTree(max_leaf=5, beam_width=4, C=0.5)
    assert clone(model).get_params() == model.get_params()
    assert "beam_width=4" in repr(model)
    fitted = model.fit(X, Y)
    P = fitted.predict_proba(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict_proba(X), P)
    names = np.array([f"tag{j:02d}" for j in range(Y.shape[1])])
    lists = [names[np.flatnonzero(row)].tolist() for row in Y]
    by_name = clone(model).fit(X, lists)
    assert by_name.classes_.tolist() == names.tolist()
    np.testing.assert_allclose(by_name.predict_proba(X), P, rtol=1e-6)


# ------------------------------------------------------------------------------- bad input


def test_bad_input_is_named():
    X, Y = _data(n=60)
    with pytest.raises(TargetError, match="row 2, label 5 holds 3"):
        bad = sp.lil_matrix(Y)
        bad[2, 5] = 3
        LabelTree().fit(X, bad.tocsr())
    with pytest.raises(ShapeError, match=r"X has 60 rows .* but Y has 59"):
        LabelTree().fit(X, Y[:59])
    with pytest.raises(TargetError, match=r"one column|at least 2"):
        LabelTree().fit(X, Y[:, :1])
    model = LabelTree(max_leaf=4).fit(X, Y)
    with pytest.raises(ValueError, match="k must be a positive integer; got 0"):
        model.predict_proba(X, k=0)
    with pytest.raises(ShapeError, match="X has 3 features, but LabelTree is expecting 40"):
        model.predict_proba(np.zeros((2, 3)))


def test_rows_without_labels_duplicates_and_unseen_labels_warn_naming_them():
    X, Y = _data(n=60)
    Y = Y.copy()
    Y[7] = 0
    Y[:, 5] = 0
    with pytest.warns(ProblemSetupWarning) as rec:
        LabelTree(max_leaf=4).fit(X, Y)
    msgs = " ".join(str(w.message) for w in rec)
    assert "1 training row(s) have no label (first: row 7)" in msgs
    assert "1 label(s) have no positive training example (first: 5)" in msgs
    lists = [["a", "b", "a"], ["b"], ["a", "c"]] * 4
    with pytest.warns(ProblemSetupWarning, match="12 row\\(s\\)|4 row\\(s\\) list a label more"):
        m = LabelTree().fit(np.eye(12, 3) + 0.1, lists)
    assert m.classes_.tolist() == ["a", "b", "c"]


def test_sparse_top_k_metrics_name_bad_input():
    Y = np.array([[1, 0, 0], [0, 1, 1]])
    S = sp.csr_matrix(np.array([[0.9, 0.0, 0.2], [0.0, 0.8, 0.0]]))
    with pytest.raises(ValueError, match="k=4 is larger than the number of labels \\(3\\)"):
        precision_at_k(Y, S, k=4)
    bad = S.copy()
    bad.data[1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite value at row 0, label 2"):
        precision_at_k(Y, bad, k=1)
    with pytest.raises(ShapeError, match="y_score has shape \\(2, 4\\)"):
        precision_at_k(Y, sp.csr_matrix((2, 4)), k=1)


# ------------------------------------------------------------------------------- sklearn checks


def _expected_failed_checks(estimator):
    """The same listed exceptions, with their reasons, as every multi-label model's."""
    from tests.models.test_estimator_checks import _multilabel_expected

    expected = _multilabel_expected(estimator)
    if estimator.decision_rule is None:
        expected["check_classifier_multioutput"] = (
            "predict applies TopK(k) by default (a ranking model; see LabelTree's decision_rule), "
            "so predictions are not predict_proba rounded at 0.5; the check runs and passes with "
            "decision_rule=FixedThreshold(0.5) in test_multioutput_check_with_a_fixed_threshold"
        )
    return expected


@parametrize_with_checks(
    [LabelTree(max_leaf=2, n_trees=2)], expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProblemSetupWarning)
        check(estimator)


def test_multioutput_check_with_a_fixed_threshold():
    from sklearn.utils.estimator_checks import check_classifier_multioutput

    from labelwise.decision import FixedThreshold

    model = LabelTree(max_leaf=2, n_trees=2, decision_rule=FixedThreshold(0.5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProblemSetupWarning)
        check_classifier_multioutput("LabelTree", model)


def test_multilabel_contract(tmp_path):
    """The contract of the listed checks, on multi-label Y (the shared test of that file)."""
    from tests.models.test_estimator_checks import test_multilabel_contract as contract

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProblemSetupWarning)
        contract(LabelTree(max_leaf=2, n_trees=2), tmp_path)


def test_extreme_classification_file_at_the_door(tmp_path):
    """A label id beyond the header's label count is named by line; a row without labels is
    read and then named by the model."""
    from labelwise.data.libsvm import read_libsvm
    from labelwise.errors import DataFormatError

    bad = tmp_path / "bad.txt"
    bad.write_text("2 3 4\n0,5 0:1 1:2\n1 2:1\n")
    with pytest.raises(DataFormatError, match=r"line 2, column 3: label index 5 is out of range"):
        read_libsvm(bad)
    ok = tmp_path / "ok.txt"
    ok.write_text("4 3 3\n0,1 0:1 1:2\n 2:1\n1,2 1:1 2:1\n0 0:2\n")
    ds = read_libsvm(ok)
    with pytest.warns(
        ProblemSetupWarning, match=r"1 training row\(s\) have no label \(first: row 1\)"
    ):
        LabelTree(max_leaf=1).fit(ds.X, ds.Y)


def test_rare_labels_solve_to_liblinears_optimum_within_the_default_budget():
    """With an intercept and rare positives the relative stopping rule judges the weights.

    Started from b = 0 the intercept's coordinate dominates the first gradient (every row pulls
    it); the solver starts from its exact optimum at w = 0, so the default budget of a leaf
    (3 Newton x 5 CG steps, as in ``_LEAF_BUDGET``) ends near LinearSVC's objective.
    """
    rng = np.random.default_rng(3)
    n, d = 600, 30
    X = rng.random((n, d)) * (rng.random((n, d)) < 0.1)
    X[:30, :3] += 1.0  # 5% positives, told apart by three features
    X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    Ypos = (np.arange(n) < 30)[:, None]
    y = np.where(Ypos[:, 0], 1.0, -1.0)

    def objective(w, b):
        return 0.5 * (w @ w + b * b) + np.sum(np.maximum(0.0, 1 - y * (X @ w + b)) ** 2)

    ref = LinearSVC(loss="squared_hinge", dual=False, tol=1e-10, max_iter=10_000).fit(X, Ypos[:, 0])
    best = objective(ref.coef_.ravel(), ref.intercept_[0])
    W, b = fit_squared_hinge(sp.csr_matrix(X), Ypos, 1.0)  # the default tolerance and budget
    assert objective(W[:, 0].astype(float), float(b[0])) <= best * 1.001
    # a leaf's budget stops early, but within 15% of the optimum (from b = 0: 91% above it)
    W, b = fit_squared_hinge(sp.csr_matrix(X), Ypos, 1.0, 3, 5)
    assert objective(W[:, 0].astype(float), float(b[0])) <= best * 1.15
    # the closed-form start alone is the optimum over the intercept with w = 0: 2 C (p - q) / (1
    # + 2 C n) for B = 1, p = 30 positives, q = 570 negatives
    _, b0 = fit_squared_hinge(np.zeros((n, 1)), Ypos, 1.0, 1, 1)
    assert b0[0] == pytest.approx(2 * (30 - 570) / (1 + 2 * n), rel=1e-5)


def test_internal_nodes_use_liblinears_dual_solver_deterministically():
    """Two-output nodes are LinearSVC's dual solution (the same call), in any thread layout."""
    from labelwise.models.label_tree import _fit_dual

    X, Y = _data(n=200)
    Xs = sp.csr_matrix(X)
    Ypos = np.column_stack([Y[:, :12].any(axis=1), Y[:, 12:].any(axis=1)])
    W, b = _fit_dual(Xs, Ypos, 1.0, 1.0)
    for j in range(2):
        ref = LinearSVC(dual=True, tol=0.1, max_iter=100, random_state=0).fit(Xs, Ypos[:, j])
        np.testing.assert_allclose(W[:, j], ref.coef_.ravel(), rtol=1e-5, atol=1e-6)
        assert b[j] == pytest.approx(ref.intercept_[0], rel=1e-5)
    W0, b0 = _fit_dual(Xs, np.column_stack([np.ones(200, bool), np.zeros(200, bool)]), 1.0, 1.0)
    assert not W0.any() and b0.tolist() == [1.0, -1.0]  # one class: constant on its side
    a = LabelTree(max_leaf=3, n_jobs=4).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(a, LabelTree(max_leaf=3, n_jobs=4).fit(X, Y).predict_proba(X))


def test_a_leaf_leaves_out_features_stored_in_one_of_its_rows():
    X, Y = _data()
    X = np.column_stack([X, np.zeros(len(X))])
    X[0, -1] = 5.0  # a feature of row 0 alone
    model = LabelTree(max_leaf=4, n_trees=1, prune_threshold=0.0).fit(X, Y)
    tree = model.trees_[0]
    W, start = tree["W"].tocsr(), tree["out_start"]
    for v in range(len(tree["labels"])):
        weights = W[X.shape[1] - 1, start[v] : start[v + 1]]
        if tree["is_leaf"][v]:
            assert weights.nnz == 0  # the leaves holding row 0's labels among them
        elif v == 0:
            assert weights.nnz > 0  # internal nodes keep every feature of their rows


def test_default_rule_is_top_k_of_the_training_label_cardinality():
    X, Y = _data()
    model = LabelTree(max_leaf=4, n_trees=1).fit(X, Y)
    k = round(Y.sum() / Y.shape[0])
    assert model.rule_ == TopK(k) or repr(model.rule_) == repr(TopK(k))
    assert (model.predict(X).sum(axis=1) == k).all()
    given = LabelTree(max_leaf=4, n_trees=1, decision_rule=TopK(1)).fit(X, Y)
    assert not hasattr(given, "rule_") and (given.predict(X).sum(axis=1) == 1).all()
    assert model.bias == 1.0
    with pytest.raises(ValueError, match="bias"):
        LabelTree(bias="auto").fit(X, Y)
