"""Top-k metrics: nDCG@k vs scikit-learn; P@k, R@k, PSP@k, PSnDCG@k vs exact tie-averaged
references (all label orders enumerated) and hand-computed cases; propensities by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from labelwise.errors import ProblemSetupWarning, ShapeError, TargetError
from labelwise.metrics.at_k import (
    PROPENSITY_PARAMETERS,
    at_k_state,
    inverse_propensity,
    ndcg_at_k,
    precision_at_k,
    psndcg_at_k,
    psp_at_k,
    recall_at_k,
)


@st.composite
def problems(draw, max_labels=7):
    n = draw(st.integers(1, 12))
    L = draw(st.integers(2, max_labels))
    k = draw(st.integers(1, L))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    Y = (rng.random((n, L)) < rng.random()).astype(np.int64)
    if draw(st.booleans()):
        S = (rng.integers(0, 3, (n, L)) + 1) / 4.0
    else:
        S = rng.normal(size=(n, L))
    w = rng.random(n) + 0.01 if draw(st.booleans()) else None
    return Y, S, k, w


@settings(max_examples=60, deadline=None)
@given(problems())
def test_ndcg_equals_sklearn(problem):
    Y, S, k, w = problem
    expected = skm.ndcg_score(Y, S, k=k, sample_weight=w)
    for y in (Y, sp.csr_matrix(Y)):
        assert ndcg_at_k(y, S, k=k, sample_weight=w) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def _expected_credit(y, s, k, position_weight, gain):
    """Exact expectation over every order of the labels (ties broken uniformly at random)."""
    total, count = 0.0, 0
    for perm in itertools.permutations(range(len(s))):
        perm = np.array(perm)
        order = perm[np.argsort(-s[perm], kind="stable")]
        total += sum(y[order[p]] * gain[order[p]] * position_weight[p] for p in range(k))
        count += 1
    return total / count


def _ideal(y, k, position_weight, gain):
    g = np.sort(gain[y == 1])[::-1][:k]
    return float(np.dot(g, position_weight[: g.size]))


@settings(max_examples=25, deadline=None)
@given(problems(max_labels=5))
def test_precision_recall_psp_match_tie_expectation(problem):
    Y, S, k, w = problem
    n, L = Y.shape
    gain = np.linspace(1.0, 3.0, L)
    ones = np.ones(k)
    disc = 1 / np.log2(np.arange(2, k + 2))
    ww = np.ones(n) if w is None else w
    hits = np.array([_expected_credit(Y[i], S[i], k, ones, np.ones(L)) for i in range(n)])
    p = np.dot(hits / k, ww) / ww.sum()
    assert precision_at_k(Y, S, k=k, sample_weight=w) == pytest.approx(p, rel=1e-9)
    npos = Y.sum(axis=1)
    r = np.dot(np.where(npos > 0, hits / np.maximum(npos, 1), 0.0), ww) / ww.sum()
    got = recall_at_k(Y, S, k=k, sample_weight=w, zero_division=0.0)
    assert got == pytest.approx(r, rel=1e-9, abs=1e-12)
    num = np.array([_expected_credit(Y[i], S[i], k, ones, gain) for i in range(n)])
    den = np.array([_ideal(Y[i], k, ones, gain) for i in range(n)])
    psp = np.dot(num, ww) / np.dot(den, ww) if np.dot(den, ww) > 0 else 0.0
    assert psp_at_k(Y, S, gain, k=k, sample_weight=w) == pytest.approx(psp, rel=1e-9, abs=1e-12)
    idcg = np.array([disc[: min(c, k)].sum() for c in npos])
    num = np.array([_expected_credit(Y[i], S[i], k, disc, gain) for i in range(n)])
    den = np.array([_ideal(Y[i], k, disc, gain) for i in range(n)])
    num, den = (np.where(idcg > 0, x / np.where(idcg > 0, idcg, 1), 0) for x in (num, den))
    psn = np.dot(num, ww) / np.dot(den, ww) if np.dot(den, ww) > 0 else 0.0
    got = psndcg_at_k(sp.csr_matrix(Y), S, gain, k=k, sample_weight=w)
    assert got == pytest.approx(psn, rel=1e-9, abs=1e-12)


def test_precision_at_k_hand_case_with_tie_at_the_boundary():
    # row 0: top-2 = labels 0 (true) and 1 (false) -> 1/2.
    # row 1: label 0 first (false), then labels 1 (true) and 2 (false) tie for the last place:
    # expected hits 1/2 -> P@2 = 1/4.  Mean = 3/8.
    Y = [[1, 0, 1, 0], [0, 1, 0, 0]]
    S = [[0.9, 0.8, 0.1, 0.3], [0.9, 0.5, 0.5, 0.1]]
    assert precision_at_k(Y, S, k=2) == pytest.approx(3 / 8)
    assert recall_at_k(Y, S, k=2) == pytest.approx((1 / 2 + 1 / 2) / 2)


def test_precision_at_k_agrees_with_torchmetrics_retrieval():
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.retrieval import retrieval_precision

    rng = np.random.default_rng(0)
    Y = (rng.random((20, 8)) < 0.3).astype(np.int64)
    S = rng.random((20, 8))
    tm = np.mean(
        [
            retrieval_precision(torch.tensor(S[i]), torch.tensor(Y[i]), top_k=3).item()
            for i in range(20)
        ]
    )
    assert precision_at_k(Y, S, k=3) == pytest.approx(tm, rel=1e-6)


def test_psp_hand_case():
    # inverse propensities 1, 1, 3. Row: true labels 0 and 2, scores rank label 1 > 2 > 0.
    # PSP@1: top label 1 is false -> 0.  PSP@2: top-2 = {1, 2}: gain 3; best top-2 = {2, 0}:
    # 3 + 1 = 4 -> 3/4.  PSnDCG@2: 3/log2(3) over (3 + 1/log2(3)).
    y, s, g = [[1, 0, 1]], [[0.2, 0.9, 0.5]], [1.0, 1.0, 3.0]
    assert psp_at_k(y, s, g, k=1) == 0.0
    assert psp_at_k(y, s, g, k=2) == pytest.approx(0.75)
    d = 1 / math.log2(3)
    assert psndcg_at_k(y, s, g, k=2) == pytest.approx(3 * d / (3 + d))


def test_inverse_propensity_by_hand():
    Y = np.array([[1, 0, 0]] * 9 + [[1, 1, 0]])  # N = 10; N_l = 10, 1, 0
    with pytest.warns(
        ProblemSetupWarning, match=r"1 label\(s\) never occur in Y_train \(first: column 2\)"
    ):
        got = inverse_propensity(Y, A=0.55, B=1.5)
    C = (math.log(10) - 1) * 2.5**0.55
    expected = [1 + C * (n + 1.5) ** -0.55 for n in (10, 1, 0)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got[0] < got[1] < got[2]  # rarer labels weigh more


def test_ndcg_no_true_label_is_zero_and_recall_warns():
    Y, S = [[0, 0, 0], [1, 0, 0]], [[0.1, 0.2, 0.3], [0.9, 0.1, 0.2]]
    assert ndcg_at_k(Y, S, k=2) == pytest.approx(0.5)
    with pytest.warns(UndefinedMetricWarning, match="without true labels"):
        assert recall_at_k(Y, S, k=2) == pytest.approx(0.5)
    assert recall_at_k(Y, S, k=2, zero_division=1.0) == pytest.approx(1.0)


def test_streaming_state_equals_one_shot():
    rng = np.random.default_rng(2)
    Y = (rng.random((50, 6)) < 0.3).astype(int)
    S = rng.random((50, 6))
    g = inverse_propensity(Y)
    for metric, f in [("precision", precision_at_k), ("ndcg", ndcg_at_k)]:
        st_ = at_k_state(metric, k=3)
        other = at_k_state(metric, k=3)
        st_.update(Y[:20], S[:20])
        other.update(Y[20:], S[20:])
        assert st_.merge(other).compute() == pytest.approx(f(Y, S, k=3), rel=1e-12)
    st_ = at_k_state("psp", k=2, inv_propensity=g)
    st_.update(Y[:10], S[:10])
    st_.update(Y[10:], S[10:])
    assert st_.compute() == pytest.approx(psp_at_k(Y, S, g, k=2), rel=1e-12)


class TestBadInput:
    def test_k_larger_than_labels(self):
        with pytest.raises(ValueError, match="k=4 is larger than the number of labels \\(3\\)"):
            precision_at_k([[1, 0, 0]], [[0.1, 0.2, 0.3]], k=4)

    @pytest.mark.parametrize("k", [0, -1, 1.5])
    def test_k_not_positive_integer(self, k):
        with pytest.raises(ValueError, match="parameter 'k' must be an integer"):
            ndcg_at_k([[1, 0, 0]], [[0.1, 0.2, 0.3]], k=k)

    def test_shape_mismatch(self):
        with pytest.raises(ShapeError, match=r"\(1, 3\).*\(1, 2\)"):
            precision_at_k([[1, 0, 0]], [[0.1, 0.2]], k=1)

    def test_propensity_length(self):
        with pytest.raises(ShapeError, match="inv_propensity has 2 values"):
            psp_at_k([[1, 0, 0]], [[0.1, 0.2, 0.3]], [1.0, 2.0], k=1)

    def test_nan_scores(self):
        with pytest.raises(TargetError, match="NaN"):
            recall_at_k([[1, 0]], [[np.nan, 0.2]], k=1)

    def test_bad_zero_division(self):
        with pytest.raises(ValueError, match="zero_division"):
            recall_at_k([[1, 0]], [[0.3, 0.2]], k=1, zero_division=5)

    def test_state_needs_propensities(self):
        with pytest.raises(ValueError, match="inv_propensity"):
            at_k_state("psp", k=1)


# ---------------------------------------------------------------- sparse top-k scores (issue 19)

AT_K = [precision_at_k, recall_at_k, ndcg_at_k, psp_at_k, psndcg_at_k]


def _call(f, Y, S, k, w, g):
    extra = (g,) if f in (psp_at_k, psndcg_at_k) else ()
    kw = {"zero_division": 0.0} if f is recall_at_k else {}
    return f(Y, S, *extra, k=k, sample_weight=w, **kw)


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 2**31 - 1))
def test_sparse_top_k_equals_dense_with_absent_entries_ranked_last(problem, seed):
    """A sparse score matrix ranks its stored entries; absent ones tie below all of them."""
    Y, S, k, w = problem
    rng = np.random.default_rng(seed)
    keep = rng.random(S.shape) < rng.random()  # rows keep any number of entries, even none
    sparse = sp.csr_matrix((S[keep], np.nonzero(keep)), shape=S.shape)
    dense = np.where(keep, S, S.min() - 1.0)
    g = rng.random(S.shape[1]) * 4 + 1
    for f in AT_K:
        want = _call(f, Y, dense, k, w, g)
        assert _call(f, Y, sparse, k, w, g) == pytest.approx(want, rel=1e-12, abs=1e-15)
        assert _call(f, sp.csr_matrix(Y), sparse, k, w, g) == pytest.approx(want, rel=1e-12)


def test_sparse_top_k_hand_case_with_fewer_entries_than_k():
    # 5 labels; row 0 ranks only label 3 (true) -> P@3 counts it, and the 4 unranked labels
    # (true label 0 among them) share positions 2..5, of which 2 lie in the top 3: label 0
    # gets 2/4 of a hit. Row 1 ranks nothing: its 2 true labels of 5 get 3/5 of a hit each.
    Y = np.array([[1, 0, 0, 1, 0], [0, 1, 1, 0, 0]])
    S = sp.csr_matrix(([0.7], ([0], [3])), shape=(2, 5))
    assert precision_at_k(Y, S, k=3) == pytest.approx(((1 + 2 / 4) / 3 + (2 * 3 / 5) / 3) / 2)
    d = 1 / np.log2(np.arange(2, 5))  # discounts of positions 1..3
    row0 = (d[0] + (d[1] + d[2]) / 4) / (d[0] + d[1])
    row1 = (2 * d.sum() / 5) / (d[0] + d[1])
    assert ndcg_at_k(Y, S, k=3) == pytest.approx((row0 + row1) / 2)


def _psp_published(Y, S, inv_p, k):
    """Jain et al. (2016), eq. 2, normalised as the XC repository's evaluation code: sums over
    rows of sum_{l in top k} y_l / p_l, divided by the same with the best ranking (no ties)."""
    num = den = 0.0
    for y, s in zip(Y, S, strict=True):
        top = np.argsort(-s)[:k]
        num += sum(y[l] * inv_p[l] for l in top)
        den += sum(sorted((inv_p[l] for l in np.flatnonzero(y)), reverse=True)[:k])
    return num / den


def _propensity_published(counts, N, A, B):
    C = (math.log(N) - 1) * (B + 1) ** A
    return np.array([1 / (1 + C * math.exp(-A * math.log(n + B))) for n in counts])


@pytest.mark.parametrize("family", ["default", "amazon", "wikipedia"])
def test_psp_equals_the_published_formula_with_each_datasets_propensities(family):
    A, B = PROPENSITY_PARAMETERS[family]
    rng = np.random.default_rng(7)
    Ytr = (rng.random((50, 6)) < [0.6, 0.3, 0.2, 0.1, 0.05, 0.5]).astype(int)
    Ytr[0] = 1  # every label occurs
    Y = (rng.random((20, 6)) < 0.35).astype(int)
    S = rng.random((20, 6))  # continuous: no ties
    p = _propensity_published(Ytr.sum(axis=0), 50, A, B)
    g = inverse_propensity(Ytr, A=A, B=B)
    np.testing.assert_allclose(g, 1 / p, rtol=1e-12)
    for k in (1, 3, 5):
        assert psp_at_k(Y, S, g, k=k) == pytest.approx(_psp_published(Y, S, 1 / p, k), rel=1e-12)
        top = sp.csr_matrix(np.where(S >= -np.sort(-S, axis=1)[:, [k - 1]], S, 0))
        assert psp_at_k(Y, top, g, k=k) == pytest.approx(_psp_published(Y, S, 1 / p, k))
    assert PROPENSITY_PARAMETERS == {
        "default": (0.55, 1.5),
        "amazon": (0.6, 2.6),
        "wikipedia": (0.5, 0.4),
    }


def test_sparse_bad_input_names_the_row():
    Y = np.array([[1, 0, 0], [0, 1, 1]])
    S = sp.csr_matrix(np.array([[0.9, 0.0, 0.2], [0.0, 0.8, 0.0]]))
    with pytest.raises(ValueError, match=r"k=4 is larger than the number of labels \(3\)"):
        ndcg_at_k(Y, S, k=4)
    bad = S.copy()
    bad.data[2] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite value at row 1, label 1"):
        psp_at_k(Y, bad, [1.0, 1.0, 1.0], k=1)
    with pytest.raises(ShapeError):
        precision_at_k(Y[:1], S, k=1)
