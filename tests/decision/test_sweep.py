"""The exact sweeps against brute force over every candidate threshold (scikit-learn metrics)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score, fbeta_score, hamming_loss

from labelwise.decision._global_sweep import global_cut
from labelwise.decision._sweep import per_label_fbeta_cuts, place_threshold


def _random_case(seed: int, n: int, L: int, decimals: int):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < rng.uniform(0.1, 0.7, L)).astype(np.int8)
    S = np.round(np.clip(0.3 * Y + rng.random((n, L)) * 0.8, 0, 1), decimals)  # ties when coarse
    return Y, S


def _candidates(s: np.ndarray) -> np.ndarray:
    """Every distinct score, then "predict nothing", in increasing threshold order."""
    return np.r_[np.unique(s), np.inf]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 25),
    decimals=st.sampled_from([1, 2, 6]),
    beta=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_per_label_matches_brute_force(seed, n, decimals, beta):
    Y, S = _random_case(seed, n, 3, decimals)
    cuts = per_label_fbeta_cuts(Y, S, beta)
    for j in range(3):
        if not Y[:, j].any():
            assert not cuts.defined[j] and np.isnan(cuts.threshold[j])
            continue
        cand = _candidates(S[:, j])
        vals = np.array(
            [fbeta_score(Y[:, j], S[:, j] >= t, beta=beta, zero_division=0) for t in cand]
        )
        best = vals.max()
        assert cuts.value[j] == pytest.approx(best, abs=1e-12)
        # ties go to the lowest threshold reaching the best value
        assert cuts.cut[j] == cand[np.flatnonzero(vals >= best - 1e-12)[0]]
        # the placed threshold selects exactly what the cut selects on the tuning data
        np.testing.assert_array_equal(S[:, j] >= cuts.threshold[j], S[:, j] >= cuts.cut[j])
        got = fbeta_score(Y[:, j], S[:, j] >= cuts.threshold[j], beta=beta, zero_division=0)
        assert got == pytest.approx(best, abs=1e-12)


def _reference(metric: str, Y, pred) -> float:
    if metric == "hamming":
        return -hamming_loss(Y, pred)
    if metric == "subset_accuracy":
        return accuracy_score(Y, pred)
    average = {"f1_micro": "micro", "f1_macro": "macro", "f1_samples": "samples"}[metric]
    return f1_score(Y, pred, average=average, zero_division=0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 15),
    L=st.integers(2, 4),
    decimals=st.sampled_from([1, 3]),
    metric=st.sampled_from(["f1_micro", "f1_macro", "f1_samples", "hamming", "subset_accuracy"]),
)
def test_global_cut_matches_brute_force(seed, n, L, decimals, metric):
    Y, S = _random_case(seed, n, L, decimals)
    cand = _candidates(S)
    vals = np.array([_reference(metric, Y, (S >= t).astype(int)) for t in cand])
    best = vals.max()
    cut = global_cut(Y, S, metric)
    got = _reference(metric, Y, (S >= cut.threshold[0]).astype(int))
    assert got == pytest.approx(best, abs=1e-9)
    reported = -cut.value[0] if metric == "hamming" else cut.value[0]
    assert reported == pytest.approx(best, abs=1e-9)
    lowest = cand[np.flatnonzero(vals >= best - 1e-9)[0]]
    if np.isfinite(lowest):
        assert cut.cut[0] == lowest


def test_hand_computed_cut_and_midpoint():
    # positives 0.9, 0.4; negatives 0.8, 0.1. Cuts: 0.9 -> F1 2/3; 0.4 -> TP 2, FP 1 -> 0.8.
    cuts = per_label_fbeta_cuts(
        np.array([[1], [0], [1], [0]]), np.array([[0.9], [0.8], [0.4], [0.1]])
    )
    assert cuts.cut[0] == 0.4 and cuts.value[0] == pytest.approx(0.8)
    assert cuts.threshold[0] == pytest.approx(0.25)  # halfway to the next lower score 0.1


def test_place_threshold_adjacent_floats_keep_the_cut():
    c = 0.5
    lower = np.nextafter(c, 0)
    t = place_threshold(np.array([c]), np.array([lower]))
    assert t[0] > lower and t[0] <= c


def test_all_positive_label_cuts_at_the_lowest_score():
    cuts = per_label_fbeta_cuts(np.ones((3, 1), dtype=np.int8), np.array([[0.2], [0.7], [0.5]]))
    assert cuts.cut[0] == 0.2 and cuts.threshold[0] == 0.2 and cuts.value[0] == 1.0


def test_global_cut_predicts_nothing_when_that_is_best():
    # hamming: every label negative, so predicting nothing is optimal
    Y = np.zeros((3, 2), dtype=np.int8)
    S = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    cut = global_cut(Y, S, "hamming")
    assert cut.threshold[0] > 0.6 and cut.value[0] == 0.0
