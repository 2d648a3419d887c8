"""RAkEL: labelset coverage, determinism, and hand-built equivalences with LabelPowerset."""

from __future__ import annotations

from math import ceil, comb

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from labelwise.models import BinaryRelevance, LabelPowerset, RAkEL
from labelwise.models.rakel import random_labelsets

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=80, n_features=6, n_classes=5, random_state=2, allow_unlabeled=True
    )
    return StandardScaler().fit_transform(X), Y


@pytest.mark.parametrize(("L", "k"), [(5, 2), (6, 3), (7, 3), (4, 4), (3, 5)])
def test_disjoint_sets_partition_the_labels(L, k):
    sets = random_labelsets(L, k, None, "disjoint", random_state=0)
    assert len(sets) == ceil(L / min(k, L))
    np.testing.assert_array_equal(np.sort(np.concatenate(sets)), np.arange(L))


@pytest.mark.parametrize(
    ("L", "k", "m"), [(5, 2, None), (6, 3, 4), (6, 3, 1), (4, 3, 50), (12, 3, 30)]
)
def test_overlapping_sets_are_distinct_cover_and_have_the_right_count(L, k, m):
    sets = random_labelsets(L, k, m, "overlapping", random_state=1)
    wanted = 2 * L if m is None else m
    assert len(sets) == min(max(wanted, ceil(L / k)), comb(L, k))
    assert all(s.size == k for s in sets)
    assert len({tuple(s) for s in sets}) == len(sets)
    np.testing.assert_array_equal(np.unique(np.concatenate(sets)), np.arange(L))


def test_deterministic_for_a_random_state(data):
    X, Y = data
    a = RAkEL(k=2, n_estimators=4, random_state=3).fit(X, Y)
    b = RAkEL(k=2, n_estimators=4, random_state=3).fit(X, Y)
    assert [s.tolist() for s in a.labelsets_] == [s.tolist() for s in b.labelsets_]
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    draws = {tuple(map(tuple, random_labelsets(8, 3, 6, "overlapping", seed))) for seed in range(5)}
    assert len(draws) > 1  # the seed matters


def test_k1_disjoint_equals_binary_relevance(data):
    X, Y = data
    rakel = RAkEL(k=1, mode="disjoint", random_state=0).fit(X, Y)
    np.testing.assert_allclose(
        rakel.predict_proba(X), BinaryRelevance().fit(X, Y).predict_proba(X), rtol=1e-10
    )


def test_k_equal_l_equals_label_powerset(data):
    X, Y = data
    rakel = RAkEL(k=Y.shape[1], random_state=0).fit(X, Y)
    assert len(rakel.labelsets_) == 1
    np.testing.assert_allclose(
        rakel.predict_proba(X), LabelPowerset().fit(X, Y).predict_proba(X), rtol=1e-10
    )


def test_scores_average_the_members_marginals_by_hand(data):
    X, Y = data
    Y3 = Y[:, :3]
    rakel = RAkEL(k=2, n_estimators=3, random_state=0).fit(X, Y3)  # all three pairs
    assert sorted(s.tolist() for s in rakel.labelsets_) == [[0, 1], [0, 2], [1, 2]]
    m = {
        p: LabelPowerset().fit(X, Y3[:, list(p)]).predict_proba(X) for p in [(0, 1), (0, 2), (1, 2)]
    }
    expected = np.column_stack(
        [
            (m[(0, 1)][:, 0] + m[(0, 2)][:, 0]) / 2,
            (m[(0, 1)][:, 1] + m[(1, 2)][:, 0]) / 2,
            (m[(0, 2)][:, 1] + m[(1, 2)][:, 1]) / 2,
        ]
    )
    np.testing.assert_allclose(rakel.predict_proba(X), expected, rtol=1e-10)


def test_parallel_and_sparse_equal_serial_dense(data):
    X, Y = data
    serial = RAkEL(k=3, n_estimators=3, random_state=0).fit(X, Y).predict_proba(X)
    with parallel_config(backend="threading"):
        parallel = RAkEL(k=3, n_estimators=3, random_state=0, n_jobs=2).fit(X, Y).predict_proba(X)
    np.testing.assert_allclose(parallel, serial)
    sparse = (
        RAkEL(k=3, n_estimators=3, random_state=0)
        .fit(sp.csr_matrix(X), Y)
        .predict_proba(sp.csr_matrix(X))
    )
    np.testing.assert_allclose(sparse, serial, atol=1e-4)


def test_gridsearch_over_k(data):
    X, Y = data
    search = GridSearchCV(RAkEL(random_state=0, mode="disjoint"), {"k": [2, 3]}, cv=2)
    assert search.fit(X, Y).predict(X).shape == Y.shape
