"""The binned global sweep against a direct sweep over the stably sorted pooled scores.

The reference is the straightforward implementation the binned one replaced: sort every score
with its label and group, and evaluate the metric after every distinct score. Both must pick the
same cut and threshold, with the same metric value; brute force with scikit-learn's metrics is
in test_sweep.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.decision import _global_sweep
from labelwise.decision._global_sweep import GLOBAL_METRICS, global_cut
from labelwise.decision._sweep import fbeta_from_counts, place_threshold


def _direct_sweep(Y, S, metric, beta=1.0):
    """(cut, threshold, value) by sorting all scores; ties within 1e-12 go to the lowest cut."""
    Yb = np.asarray(Y, dtype=bool)
    n, L = S.shape
    flat = S.ravel().astype(np.float64)
    order = np.argsort(-flat, kind="stable")
    s, y = flat[order], Yb.ravel()[order]
    m = s.size
    idx = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # last entry of each run of equal scores
    if metric in ("f1_micro", "hamming"):
        tp = np.cumsum(y)[idx].astype(float)
        fp = idx + 1 - tp
        P = float(Yb.sum())
        if metric == "f1_micro":
            values, empty = fbeta_from_counts(tp, fp, P - tp, beta), 0.0
        else:
            values, empty = -(fp + P - tp) / m, -P / m
    else:
        by_label = metric == "f1_macro"
        groups = (np.arange(m) % L if by_label else np.arange(m) // L)[order]
        G = L if by_label else n
        g_pos = np.bincount(groups, weights=y, minlength=G)
        tp = np.zeros(G)
        fp = np.zeros(G)

        def group_value(t, f, p):
            if metric == "subset_accuracy":
                return ((f == 0) & (t == p)).astype(float)
            return fbeta_from_counts(t, f, p - t, beta)

        empty = float(group_value(tp, fp, g_pos).sum()) / G
        values = np.empty(idx.size)
        start = 0
        for r, end in enumerate(idx):  # recompute every group's value exactly at each cut
            np.add.at(tp, groups[start : end + 1], y[start : end + 1])
            np.add.at(fp, groups[start : end + 1], ~y[start : end + 1])
            values[r] = group_value(tp, fp, g_pos).sum() / G
            start = end + 1
    best = max(values.max(), empty)
    hits = np.flatnonzero(values >= best - 1e-12)
    sign = -1.0 if metric == "hamming" else 1.0
    if hits.size == 0:
        thr = np.nextafter(s[0], np.inf)
        return thr, thr, sign * empty
    k = hits[-1]
    lower = s[idx[k] + 1] if idx[k] + 1 < m else np.nan
    return s[idx[k]], place_threshold([s[idx[k]]], [lower])[0], sign * values[k]


def _case(seed, n, L, kind, dtype):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < rng.uniform(0.05, 0.6, L)).astype(np.int8)
    noise = rng.random((n, L))
    if kind == "ties":  # a handful of distinct values
        S = np.round(0.3 * Y + 0.7 * noise, 1)
    elif kind == "logits":  # negative and positive, -0.0 and 0.0 together
        S = np.round(4 * (Y - 0.5) + 3 * rng.normal(size=(n, L)), 0) * 0.5
        S[S == 0] = rng.choice([-0.0, 0.0], size=int((S == 0).sum()))
    else:  # practically distinct
        S = 0.35 * Y + 0.65 * noise
    return Y, S.astype(dtype)


def _assert_same(Y, S, metric, beta=1.0):
    got = global_cut(Y, S, metric, beta)
    cut, thr, value = _direct_sweep(Y, S, metric, beta)
    assert got.cut[0] == cut, (metric, got.cut[0], cut)
    assert got.threshold[0] == thr
    if metric in ("f1_micro", "hamming", "subset_accuracy"):
        assert got.value[0] == value  # the same counts in the same formula
    else:
        assert got.value[0] == pytest.approx(value, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    L=st.integers(1, 6),
    kind=st.sampled_from(["ties", "logits", "distinct"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    metric=st.sampled_from(GLOBAL_METRICS),
    beta=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_matches_the_direct_sweep(seed, n, L, kind, dtype, metric, beta):
    Y, S = _case(seed, n, L, kind, dtype)
    _assert_same(Y, S, metric, beta)


@pytest.mark.parametrize("metric", GLOBAL_METRICS)
@pytest.mark.parametrize("kind", ["ties", "logits", "distinct"])
def test_many_scores_in_small_blocks_and_passes(monkeypatch, metric, kind):
    # small streamed blocks and a refinement budget of one bin per pass exercise the paths a
    # 1e8-score matrix takes: several blocks, bins dropped by their bound, repeated passes
    monkeypatch.setattr(_global_sweep, "_BLOCK", 97)
    monkeypatch.setattr(_global_sweep, "_budget", lambda m: 1)
    for seed in range(3):
        Y, S = _case(seed, 300, 7, kind, np.float32 if seed % 2 else np.float64)
        _assert_same(Y, S, metric)


@pytest.mark.parametrize("metric", GLOBAL_METRICS)
def test_degenerate_targets_and_scores(metric):
    rng = np.random.default_rng(5)
    S = rng.random((30, 4))
    cases = [
        (np.zeros((30, 4), dtype=np.int8), S),  # no positive at all
        (np.ones((30, 4), dtype=np.int8), S),  # no negative at all
        ((rng.random((30, 4)) < 0.3).astype(np.int8), np.full((30, 4), 0.5)),  # one score
        ((rng.random((1, 5)) < 0.5).astype(np.int8), rng.random((1, 5))),  # one row
        ((rng.random((9, 1)) < 0.5).astype(np.int8), rng.random((9, 1))),  # one label
        ((rng.random((20, 3)) < 0.5).astype(np.int8), rng.choice([0.0, 1.0], (20, 3))),  # hard
        ((rng.random((20, 3)) < 0.5).astype(np.int8), rng.normal(size=(20, 3)) * 1e300),  # huge
        ((rng.random((20, 3)) < 0.5).astype(np.int8), rng.normal(size=(20, 3)) * 1e-300),  # tiny
    ]
    for Y, S in cases:
        _assert_same(Y, S, metric)


def test_float32_scores_are_not_copied_to_float64(monkeypatch):
    # the sweep works on the caller's float32 scores: the same cut as on their float64 copy
    Y, S = _case(3, 200, 5, "distinct", np.float32)
    for metric in GLOBAL_METRICS:
        a = global_cut(Y, S, metric)
        b = global_cut(Y, S.astype(np.float64), metric)
        assert a.cut[0] == b.cut[0] and a.threshold[0] == b.threshold[0]
        assert a.value[0] == pytest.approx(b.value[0], abs=1e-12)


def test_unknown_metric_is_rejected():
    with pytest.raises(ValueError, match="metric must be one of"):
        global_cut(np.ones((2, 2)), np.ones((2, 2)), "f1_weighted")


def test_threshold_sits_below_the_next_lower_score_even_in_a_bin_not_refined():
    # refined: 0.1 (bin 0) and 0.4 (bin 2); bin 1 holds 0.2 and 0.3 but was dropped by its bound
    S = np.array([[0.1, 0.2, 0.3, 0.4]])
    refined = (np.array([0.1, 0.4]), np.array([0.5, 1.0]), np.array([0, 2]))
    cut = _global_sweep._choose(S, refined, 1.0, 0.0, "f1_micro")
    assert cut.cut[0] == 0.4 and cut.threshold[0] == pytest.approx(0.35)
    # a refined neighbouring bin holds the next lower score itself
    refined = (np.array([0.3, 0.4]), np.array([0.5, 1.0]), np.array([1, 2]))
    cut = _global_sweep._choose(S, refined, 1.0, 0.0, "f1_micro")
    assert cut.threshold[0] == pytest.approx(0.35)
