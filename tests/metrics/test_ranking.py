"""LRAP, coverage error, ranking loss (vs scikit-learn, torchmetrics) and one-error (by hand)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from labelwise.errors import ShapeError, TargetError
from labelwise.metrics.ranking import (
    coverage_error,
    label_ranking_average_precision_score,
    label_ranking_loss,
    one_error,
)

PAIRS = [
    (label_ranking_average_precision_score, skm.label_ranking_average_precision_score),
    (coverage_error, skm.coverage_error),
    (label_ranking_loss, skm.label_ranking_loss),
]


@st.composite
def problems(draw):
    n = draw(st.integers(1, 25))
    L = draw(st.integers(2, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    Y = (rng.random((n, L)) < rng.random()).astype(np.int64)
    if draw(st.booleans()):
        Y[0] = 0  # a row without positives
    if draw(st.booleans()):
        Y[-1] = 1  # a row of positives only
    S = (rng.integers(0, 3, (n, L)) + 1) / 4.0 if draw(st.booleans()) else rng.normal(size=(n, L))
    w = rng.random(n) + 0.01 if draw(st.booleans()) else None
    return Y, S, w


@settings(max_examples=80, deadline=None)
@given(problems())
def test_equal_sklearn(problem):
    Y, S, w = problem
    for ours, theirs in PAIRS:
        expected = theirs(Y, S, sample_weight=w)
        for y in (Y, sp.csr_matrix(Y)):
            assert ours(y, S, sample_weight=w) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_single_label_lrap_like_sklearn():
    Y, S = np.array([[1], [0]]), np.array([[0.3], [0.9]])
    assert label_ranking_average_precision_score(Y, S) == skm.label_ranking_average_precision_score(
        Y, S
    )


def test_agree_with_torchmetrics():
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import (
        multilabel_coverage_error,
        multilabel_ranking_average_precision,
        multilabel_ranking_loss,
    )

    rng = np.random.default_rng(0)
    Y = (rng.random((100, 6)) < 0.3).astype(np.int64)
    Y[:, 0] = 1 - Y[:, 1]  # no row without positives (torchmetrics' conventions differ there)
    S = rng.random((100, 6))
    St, Yt = torch.tensor(S), torch.tensor(Y)
    for ours, theirs in [
        (label_ranking_average_precision_score, multilabel_ranking_average_precision),
        (coverage_error, multilabel_coverage_error),
        (label_ranking_loss, multilabel_ranking_loss),
    ]:
        assert ours(Y, S) == pytest.approx(theirs(St, Yt, num_labels=6).item(), rel=1e-6)


def _one_error_reference(Y, S):
    """Expected one-error over every order of the labels tied for the top score."""
    errs = []
    for y, s in zip(Y, S, strict=True):
        top = np.flatnonzero(s == s.max())
        errs.append(np.mean([y[j] == 0 for j in top]))
    return float(np.mean(errs))


def test_one_error_hand_cases():
    # row 0: top label 0 is true -> 0; row 1: top label 0 is false -> 1;
    # row 2: labels 1 and 2 tie at the top, one of them true -> 1/2; row 3: no true label -> 1
    Y = np.array([[1, 0, 0], [0, 1, 1], [0, 1, 0], [0, 0, 0]])
    S = np.array([[0.9, 0.5, 0.1], [0.8, 0.2, 0.1], [0.0, 0.7, 0.7], [0.1, 0.2, 0.3]])
    assert one_error(Y, S) == pytest.approx((0 + 1 + 0.5 + 1) / 4)
    assert one_error(Y, S, sample_weight=[1, 0, 0, 0]) == 0.0
    assert one_error(sp.csr_matrix(Y), S) == pytest.approx(0.625)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_one_error_matches_reference(problem):
    Y, S, _ = problem
    assert one_error(Y, S) == pytest.approx(_one_error_reference(Y, S), rel=1e-12)


def test_lrap_tie_expectation_is_not_claimed():
    # LRAP counts ties pessimistically (max rank), as scikit-learn: two tied labels, one true
    assert label_ranking_average_precision_score([[1, 0]], [[0.5, 0.5]]) == 0.5


def test_lrap_brute_force_small():
    rng = np.random.default_rng(5)
    for _ in range(20):
        y = (rng.random(5) < 0.5).astype(int)
        s = rng.integers(0, 3, 5) + 0.5
        if 0 < y.sum() < 5:
            ranks = [(s >= s[j]).sum() for j in np.flatnonzero(y)]
            hits = [(s[y == 1] >= s[j]).sum() for j in np.flatnonzero(y)]
            expected = np.mean(np.array(hits) / np.array(ranks))
        else:
            expected = 1.0
        got = label_ranking_average_precision_score(y[None], s[None])
        assert got == pytest.approx(expected)


class TestBadInput:
    @pytest.mark.parametrize(
        "f", [label_ranking_average_precision_score, coverage_error, label_ranking_loss, one_error]
    )
    def test_shape_mismatch(self, f):
        with pytest.raises(ShapeError, match=r"\(2, 2\).*\(2, 3\)"):
            f([[1, 0], [0, 1]], [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]])

    @pytest.mark.parametrize("f", [label_ranking_average_precision_score, one_error])
    def test_1d_is_the_one_column_matrix(self, f):
        # one column is one rule in every container: the vector is the (n, 1) matrix
        assert f([1, 0, 1], [0.2, 0.3, 0.4]) == f([[1], [0], [1]], [[0.2], [0.3], [0.4]])
        with pytest.raises(TargetError, match="only 0 and 1"):
            f([1, 2, 1], [0.2, 0.3, 0.4])

    def test_y_true_not_binary(self):
        with pytest.raises(TargetError, match="found 2"):
            coverage_error([[1, 2]], [[0.1, 0.2]])

    def test_inf_scores(self):
        with pytest.raises(TargetError, match="NaN or infinite"):
            label_ranking_loss([[1, 0]], [[np.inf, 0.2]])

    def test_zero_weights(self):
        with pytest.raises(ValueError, match=r"all zero|sum to zero"):
            coverage_error([[1, 0]], [[0.3, 0.2]], sample_weight=[0.0])

    def test_empty(self):
        with pytest.raises(ShapeError, match="empty"):
            one_error(np.zeros((0, 2)), np.zeros((0, 2)))


def test_results_do_not_depend_on_block_size(monkeypatch):
    """The work is split into blocks of rows/columns; tiny blocks must give the same numbers."""
    import labelwise.metrics._ranking_core as core
    import labelwise.metrics.at_k as at_k
    import labelwise.metrics.ranking as ranking
    from labelwise.metrics.average_precision import average_precision_score
    from labelwise.metrics.roc_auc import roc_auc_score

    rng = np.random.default_rng(7)
    Y = (rng.random((37, 5)) < 0.4).astype(int)
    Y[:, 0] = 1 - Y[:, 1]
    S = rng.integers(0, 4, (37, 5)) / 3.0 + 0.1

    def everything(y):
        return [
            label_ranking_average_precision_score(y, S),
            coverage_error(y, S),
            label_ranking_loss(y, S),
            one_error(y, S),
            at_k.ndcg_at_k(y, S, k=2),
            at_k.psp_at_k(y, S, np.arange(1.0, 6.0), k=3),
            *average_precision_score(y, S, average=None),
            average_precision_score(y, S, average="samples"),
            *roc_auc_score(y, S, average=None),
            roc_auc_score(y, S, average="samples"),
        ]

    expected = everything(Y)
    for block in (1, 7, 64):
        for mod in (core, ranking, at_k):
            monkeypatch.setattr(mod, "_BLOCK", block)
        for y in (Y, sp.csr_matrix(Y)):
            np.testing.assert_allclose(everything(y), expected, rtol=1e-12)
    assert expected[0] == pytest.approx(skm.label_ranking_average_precision_score(Y, S))
