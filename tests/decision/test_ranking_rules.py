"""TopK, RankCut and AtLeastOne against slow row-by-row references."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from labelwise.decision import AtLeastOne, FixedThreshold, PerLabelThreshold, RankCut, TopK


def _scores(seed=0, n=40, L=6):
    rng = np.random.default_rng(seed)
    return np.round(rng.random((n, L)), 1)  # coarse: many ties


@pytest.mark.parametrize("k", [1, 3, 6])
def test_top_k_matches_a_loop(k):
    S = _scores()
    out = TopK(k).predict(S)
    for i, row in enumerate(S):
        ranked = sorted(range(len(row)), key=lambda j: (-row[j], j))[:k]
        expected = np.zeros(len(row), dtype=int)
        expected[ranked] = 1
        np.testing.assert_array_equal(out[i], expected)
    assert (out.sum(axis=1) == k).all()


def test_rank_cut_ratio_and_gap_match_loops():
    S = _scores(1)
    out = RankCut(ratio=0.6, gap=0.25).predict(S)
    for i, row in enumerate(S):
        keep_ratio = row >= 0.6 * row.max()
        order = sorted(range(len(row)), key=lambda j: (-row[j], j))
        keep_gap = np.zeros(len(row), dtype=bool)
        keep_gap[order[0]] = True
        for a, b in itertools.pairwise(order):
            if row[a] - row[b] > 0.25:
                break
            keep_gap[b] = True
        np.testing.assert_array_equal(out[i], keep_ratio & keep_gap)


def test_rank_cut_gap_works_on_negative_scores():
    out = RankCut(ratio=None, gap=1.0).predict([[-0.5, -3.0, -0.9]])
    np.testing.assert_array_equal(out, [[1, 0, 1]])


def test_at_least_one_adds_the_top_label_only_to_empty_rows():
    S = np.array([[0.2, 0.4, 0.1], [0.9, 0.6, 0.1], [0.3, 0.3, 0.0]])
    out = AtLeastOne(FixedThreshold(0.5)).predict(S)
    np.testing.assert_array_equal(out, [[0, 1, 0], [1, 1, 0], [1, 0, 0]])


def test_at_least_one_fits_the_wrapped_rule():
    rng = np.random.default_rng(0)
    Y = (rng.random((50, 3)) < 0.3).astype(int)
    S = np.clip(0.4 * Y + 0.6 * rng.random((50, 3)), 0, 1)
    rule = AtLeastOne(PerLabelThreshold()).fit(Y, S)
    inner = PerLabelThreshold().fit(Y, S).predict(S)
    out = rule.predict(S)
    nonempty = inner.sum(axis=1) > 0
    np.testing.assert_array_equal(out[nonempty], inner[nonempty])
    assert (out.sum(axis=1) >= 1).all()
    assert rule.rule is not rule.rule_ and not hasattr(rule.rule, "thresholds_")
