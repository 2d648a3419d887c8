"""Streaming states of the score/ranking metrics: exact mode equals the one-shot functions after
any split into batches and merges; binned mode stays within its documented error bound."""

from __future__ import annotations

import itertools
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import labelwise.metrics.at_k as at_k
import labelwise.metrics.average_precision as ap_mod
import labelwise.metrics.ranking as ranking
import labelwise.metrics.roc_auc as auc_mod
from labelwise.metrics._state_registry import get_metric, registered_metrics
from labelwise.metrics.average_precision import LabelScoreState

ONE_SHOT = {
    **{
        ("average_precision" if a == "macro" else f"average_precision_{a}"): (
            ap_mod.average_precision_score,
            {"average": a},
        )
        for a in ("macro", "micro", "weighted", "samples")
    },
    **{
        ("roc_auc" if a == "macro" else f"roc_auc_{a}"): (auc_mod.roc_auc_score, {"average": a})
        for a in ("macro", "micro", "weighted", "samples")
    },
    "label_ranking_average_precision": (ranking.label_ranking_average_precision_score, {}),
    "coverage_error": (ranking.coverage_error, {}),
    "label_ranking_loss": (ranking.label_ranking_loss, {}),
    "one_error": (ranking.one_error, {}),
    **{f"precision_at_{k}": (at_k.precision_at_k, {"k": k}) for k in (1, 3, 5)},
    **{f"recall_at_{k}": (at_k.recall_at_k, {"k": k, "zero_division": 0.0}) for k in (1, 3, 5)},
    **{f"ndcg_at_{k}": (at_k.ndcg_at_k, {"k": k}) for k in (1, 3, 5)},
}


def _data(seed, n=60, L=6):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < 0.35).astype(np.int64)
    Y[:L, :] = np.eye(L, dtype=np.int64)  # both classes in every label and every row
    Y[:, 0] = 1 - Y[:, 1]
    S = rng.integers(0, 5, (n, L)) / 4.0 + 0.01
    w = rng.random(n) + 0.1
    return Y, S, w


def test_every_registered_name_is_covered():
    ours = {n for n in registered_metrics() if n in ONE_SHOT or n.endswith("_at_10")}
    assert set(ONE_SHOT) <= ours


@pytest.mark.parametrize("name", sorted(ONE_SHOT))
@pytest.mark.parametrize("weighted", [False, True])
def test_batches_and_merge_equal_one_shot(name, weighted):
    f, kwargs = ONE_SHOT[name]
    Y, S, w = _data(0)
    w = w if weighted else None
    spec = get_metric(name)
    assert spec.needs == "scores"
    cuts = [0, 7, 30, 31, 60]
    states = []
    for a, b in itertools.pairwise(cuts):
        state = spec.make_state()
        state.update(
            sp.csr_matrix(Y[a:b]) if a == 7 else Y[a:b], S[a:b], None if w is None else w[a:b]
        )
        states.append(state)
    merged = states[0]
    for other in states[1:]:
        merged = merged.merge(other)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = f(Y, S, sample_weight=w, **kwargs)
        got = merged.compute()
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_compute_before_update_is_a_clear_error():
    with pytest.raises(ValueError, match="no batch seen yet"):
        get_metric("lrap").make_state().compute()
    with pytest.raises(ValueError, match="no batch seen yet"):
        get_metric("average_precision_macro").make_state().compute()


@st.composite
def score_batches(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n, L = draw(st.integers(4, 80)), draw(st.integers(1, 4))
    Y = (rng.random((n, L)) < rng.uniform(0.1, 0.9)).astype(np.int64)
    Y[0], Y[1] = 1, 0
    S = rng.beta(0.7, 0.7, size=(n, L))
    w = rng.random(n) + 0.05 if draw(st.booleans()) else None
    bins = draw(st.sampled_from([2, 5, 16, 100]))
    return Y, S, w, bins


@settings(max_examples=40, deadline=None)
@given(
    score_batches(),
    st.sampled_from(["average_precision", "roc_auc"]),
    st.sampled_from(["macro", "micro", None]),
)
def test_binned_error_within_bound(batch, metric, average):
    Y, S, w, bins = batch
    exact = LabelScoreState(metric, average=average)
    binned = LabelScoreState(metric, average=average, bins=bins)
    half = Y.shape[0] // 2
    for state in (exact, binned):
        state.update(Y[:half], S[:half], None if w is None else w[:half])
        other = LabelScoreState(metric, average=average, bins=state.bins)
        other.update(Y[half:], S[half:], None if w is None else w[half:])
        state.merge(other)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, b, bound = exact.compute(), binned.compute(), binned.error_bound()
    assert np.all(np.abs(np.asarray(b) - np.asarray(e)) <= np.asarray(bound) + 1e-12)


def test_binned_is_exact_when_scores_fall_in_distinct_bins():
    rng = np.random.default_rng(4)
    Y = (rng.random((200, 3)) < 0.4).astype(int)
    S = (rng.integers(0, 10, (200, 3)) + 0.5) / 10  # one score value per bin of 10
    for metric, f in (
        ("average_precision", ap_mod.average_precision_score),
        ("roc_auc", auc_mod.roc_auc_score),
    ):
        st_ = LabelScoreState(metric, bins=10)
        st_.update(Y, S)
        assert st_.compute() == pytest.approx(f(Y, S), rel=1e-12)


def test_binned_error_shrinks_with_more_bins():
    rng = np.random.default_rng(5)
    Y = (rng.random((2000, 2)) < 0.3).astype(int)
    S = np.clip(Y * 0.2 + rng.random((2000, 2)) * 0.8, 0, 1)
    bounds = []
    for bins in (4, 32, 1024):
        st_ = LabelScoreState("roc_auc", bins=bins)
        st_.update(Y, S)
        bounds.append(st_.error_bound())
    assert bounds[0] > bounds[1] > bounds[2]
    assert bounds[2] < 1e-3


def test_binned_memory_is_bounded():
    st_ = LabelScoreState("average_precision", bins=50)
    rng = np.random.default_rng(6)
    for _ in range(5):
        st_.update((rng.random((100, 3)) < 0.3).astype(int), rng.random((100, 3)))
    assert st_.hist_.pos_.shape == (3, 50) and st_.batches_ == []


def test_bad_bins_and_mismatched_merge():
    with pytest.raises(ValueError, match="bins"):
        LabelScoreState("roc_auc", bins=0)
    a, b = LabelScoreState("roc_auc", bins=4), LabelScoreState("roc_auc", bins=8)
    a.update([[1], [0]], [[0.9], [0.1]])
    b.update([[1], [0]], [[0.9], [0.1]])
    with pytest.raises(ValueError, match="different bin edges"):
        a.merge(b)


@pytest.mark.parametrize(
    "name", ["lrap", "precision@3", "roc_auc_samples", "average_precision_macro"]
)
def test_states_pickle_for_merging_across_processes(name):
    Y, S, _ = _data(1)
    f, kwargs = ONE_SHOT[get_metric(name).name]  # the registry resolves old spellings
    a, b = get_metric(name).make_state(), get_metric(name).make_state()
    a.update(Y[:25], S[:25])
    b.update(Y[25:], S[25:])
    b = pickle.loads(pickle.dumps(b))
    assert a.merge(b).compute() == pytest.approx(f(Y, S, **kwargs), rel=1e-12)


def test_binned_state_pickles():
    Y, S, _ = _data(2)
    a = LabelScoreState("average_precision", bins=20)
    a.update(Y, S)
    assert pickle.loads(pickle.dumps(a)).compute() == a.compute()
