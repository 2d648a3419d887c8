"""BayesOptimal and the GFM against exhaustive search over all 2^L label sets."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.decision import BayesOptimal
from labelwise.decision.bayes import size_marginals_independent


def _all_sets(L):
    return np.array(list(itertools.product([0, 1], repeat=L)), dtype=np.int8)


def _expected_f1(P_row, sets):
    """E[F1(y, h)] for every candidate h, with F1(empty, empty) = 1 (Dembczynski et al.)."""
    inter = sets @ sets.T
    sizes = sets.sum(axis=1)
    denom = sizes[:, None] + sizes[None, :]
    F = np.where(denom == 0, 1.0, 2 * inter / np.where(denom == 0, 1, denom))
    return P_row @ F  # index: candidate h


def _independent_joint(p, sets):
    return np.prod(np.where(sets == 1, p[:, None, :], 1 - p[:, None, :]), axis=2)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), L=st.integers(1, 8))
def test_gfm_from_marginals_matches_exhaustive_search(seed, L):
    rng = np.random.default_rng(seed)
    p = rng.random((3, L)) ** rng.uniform(0.5, 3)
    sets = _all_sets(L)
    P = _independent_joint(p, sets)
    out = BayesOptimal("example_f1").predict(p)
    for i in range(3):
        ef = _expected_f1(P[i], sets)
        mine = ef[np.flatnonzero((sets == out[i]).all(axis=1))[0]]
        assert mine == pytest.approx(ef.max(), abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), L=st.integers(1, 8), truncate=st.booleans())
def test_gfm_from_a_joint_matches_exhaustive_search(seed, L, truncate):
    rng = np.random.default_rng(seed)
    sets = _all_sets(L)
    P = rng.dirichlet(np.full(len(sets), 0.3), size=3)  # dependent labels
    if truncate:  # only some sets listed, as from beam search
        keep = rng.random(len(sets)) < 0.5
        keep[0] = True
        P, sets_in = P[:, keep], sets[keep]
    else:
        sets_in = sets
    out = BayesOptimal("example_f1").predict_joint(P, sets_in)
    for i in range(3):
        full = np.zeros(len(sets))
        full[[int("".join(map(str, s)), 2) for s in sets_in]] = P[i]
        ef = _expected_f1(full, sets)
        mine = ef[np.flatnonzero((sets == out[i]).all(axis=1))[0]]
        assert mine == pytest.approx(ef.max(), abs=1e-10)


def test_poisson_binomial_dp_matches_enumeration():
    rng = np.random.default_rng(1)
    L = 6
    p = rng.random((2, L))
    sets = _all_sets(L)
    P = _independent_joint(p, sets)
    joint, empty = size_marginals_independent(p)
    sizes = sets.sum(axis=1)
    for s in range(1, L + 1):
        ref = P[:, sizes == s] @ sets[sizes == s]
        np.testing.assert_allclose(joint[:, :, s - 1], ref, atol=1e-14)
    np.testing.assert_allclose(empty, P[:, sizes == 0].ravel())


def test_subset_accuracy_joint_mode_and_hamming_marginals():
    P = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.2]])
    sets = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0]])
    np.testing.assert_array_equal(
        BayesOptimal("subset_accuracy").predict_joint(P, sets), [[0, 1, 1], [1, 0, 0]]
    )
    # marginals row 0: (0.5, 0.9, 0.5); row 1 (mass 0.8): (0.625, 0.625, 0.375)
    np.testing.assert_array_equal(
        BayesOptimal("hamming").predict_joint(P, sets), [[1, 1, 1], [1, 1, 0]]
    )


def test_hamming_rule_is_optimal_for_expected_hamming_loss():
    rng = np.random.default_rng(2)
    L = 4
    sets = _all_sets(L)
    P = rng.dirichlet(np.ones(len(sets)), size=5)
    out = BayesOptimal("hamming").predict_joint(P, sets)
    loss = (sets[:, None, :] != sets[None, :, :]).sum(axis=2)  # [true, candidate]
    for i in range(5):
        expected = P[i] @ loss
        mine = expected[np.flatnonzero((sets == out[i]).all(axis=1))[0]]
        assert mine == pytest.approx(expected.min())


def test_independent_subset_accuracy_is_the_product_mode():
    p = np.array([[0.6, 0.2, 0.51]])
    np.testing.assert_array_equal(BayesOptimal("subset_accuracy").predict(p), [[1, 0, 1]])
