"""MLkNN against a slow, obviously-correct implementation of Zhang & Zhou (2007)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from labelwise.decision import FixedThreshold
from labelwise.models import MLkNN

pytestmark = pytest.mark.usefixtures("one_blas_thread")


def reference_mlknn(X, Y, Xq, k, s):
    """The paper's equations, one loop per quantity; neighbours ordered by (distance, index)."""
    m, L = Y.shape

    def neighbours(x, exclude):
        d = [(float(np.sum((x - X[i]) ** 2)), i) for i in range(m) if i != exclude]
        return [i for _, i in sorted(d)[:k]]

    prior = [(s + sum(Y[i, l] for i in range(m))) / (2 * s + m) for l in range(L)]
    c = np.zeros((L, k + 1))
    c_not = np.zeros((L, k + 1))
    for i in range(m):
        nb = neighbours(X[i], exclude=i)
        for l in range(L):
            delta = sum(Y[j, l] for j in nb)
            if Y[i, l] == 1:
                c[l, delta] += 1
            else:
                c_not[l, delta] += 1
    out = np.zeros((len(Xq), L))
    for t, x in enumerate(Xq):
        nb = neighbours(x, exclude=None)
        for l in range(L):
            C = sum(Y[j, l] for j in nb)
            like1 = (s + c[l, C]) / (s * (k + 1) + c[l].sum())
            like0 = (s + c_not[l, C]) / (s * (k + 1) + c_not[l].sum())
            p1, p0 = prior[l] * like1, (1 - prior[l]) * like0
            out[t, l] = p1 / (p1 + p0)
    return out


def _data(seed, n=40, n_query=15, d=3, L=4):
    rng = np.random.default_rng(seed)
    # small integer features: many exact distance ties, and exact float arithmetic
    X = rng.integers(0, 4, size=(n, d)).astype(float)
    Xq = rng.integers(0, 4, size=(n_query, d)).astype(float)
    Y = (rng.random((n, L)) < [0.5, 0.3, 0.1, 0.7]).astype(int)
    return X, Y, Xq


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("k", "s"), [(1, 1.0), (5, 1.0), (7, 0.5)])
def test_matches_reference_exactly(seed, k, s):
    X, Y, Xq = _data(seed)
    model = MLkNN(k=k, s=s).fit(X, Y)
    np.testing.assert_allclose(model.predict_proba(Xq), reference_mlknn(X, Y, Xq, k, s), rtol=1e-12)


def test_priors_and_likelihoods_match_the_paper():
    X, Y, _ = _data(3)
    model = MLkNN(k=4).fit(X, Y)
    np.testing.assert_allclose(model.prior_, (1 + Y.sum(0)) / (2 + len(Y)))
    # every likelihood table is a distribution over j = 0..k
    np.testing.assert_allclose(model.cond_true_.sum(1), 1.0)
    np.testing.assert_allclose(model.cond_false_.sum(1), 1.0)


def test_sparse_equals_dense():
    X, Y, Xq = _data(4)
    dense = MLkNN(k=5).fit(X, Y).predict_proba(Xq)
    sparse = MLkNN(k=5).fit(sp.csr_matrix(X), sp.csr_matrix(Y)).predict_proba(sp.csr_matrix(Xq))
    np.testing.assert_allclose(sparse, dense, rtol=1e-12)


def test_non_euclidean_metric_matches_reference_neighbours():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(30, 4)), (rng.random((30, 3)) < 0.4).astype(int)
    model = MLkNN(k=3, metric="manhattan").fit(X, Y)
    D = np.abs(X[:, None, :] - X[None, :, :]).sum(-1)
    np.fill_diagonal(D, np.inf)
    expected = np.sort(np.argsort(D, axis=1, kind="stable")[:, :3], axis=1)
    np.testing.assert_array_equal(np.sort(model.kneighbors(), axis=1), expected)


def test_tree_algorithm_agrees_with_brute_force_without_ties():
    rng = np.random.default_rng(6)
    X, Y, Xq = (
        rng.normal(size=(50, 3)),
        (rng.random((50, 3)) < 0.4).astype(int),
        rng.normal(size=(10, 3)),
    )
    brute = MLkNN(k=4).fit(X, Y).predict_proba(Xq)
    tree = MLkNN(k=4, algorithm="kd_tree").fit(X, Y).predict_proba(Xq)
    np.testing.assert_allclose(tree, brute, rtol=1e-12)


def test_ties_go_to_the_first_training_example():
    X = np.array([[1.0], [1.0], [1.0], [5.0]])  # three rows tied at distance 0 from the query
    Y = np.array([[1, 0], [0, 1], [0, 1], [1, 1]])
    model = MLkNN(k=2).fit(X, Y)
    np.testing.assert_array_equal(np.sort(model.kneighbors([[1.0]]), axis=1), [[0, 1]])
    # leave-one-out: row 0's neighbours are rows 1 and 2, not itself
    np.testing.assert_array_equal(np.sort(model.kneighbors()[0]), [1, 2])


def test_predict_uses_the_rule_on_posteriors():
    X, Y, Xq = _data(7)
    model = MLkNN(k=5, decision_rule=FixedThreshold(0.3)).fit(X, Y)
    np.testing.assert_array_equal(model.predict(Xq), (model.predict_proba(Xq) >= 0.3).astype(int))


def test_block_processing_gives_the_same_result(monkeypatch):
    X, Y, Xq = _data(8, n=60)
    full = MLkNN(k=5).fit(X, Y).predict_proba(Xq)
    import labelwise.models.mlknn as mod

    monkeypatch.setattr(mod, "_BLOCK_BYTES", 8 * 60 * 7)  # blocks of 7 rows
    np.testing.assert_allclose(MLkNN(k=5).fit(X, Y).predict_proba(Xq), full, rtol=1e-12)
