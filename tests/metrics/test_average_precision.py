"""average_precision_score against scikit-learn (exact), torchmetrics and hand-computed cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from labelwise.errors import ProblemSetupWarning, ShapeError, TargetError
from labelwise.metrics.average_precision import average_precision_score

AVERAGES = ["macro", "micro", "weighted", "samples", None]


@st.composite
def problems(draw, min_labels=1):
    n = draw(st.integers(1, 25))
    L = draw(st.integers(min_labels, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < rng.random()).astype(np.int64)
    if draw(st.booleans()):  # heavy ties
        S = rng.integers(0, 4, (n, L)) / 3.0
    else:
        S = rng.normal(size=(n, L))
    w = None
    if draw(st.booleans()):
        w = rng.random(n) * (rng.random(n) > 0.2)
        w[0] = max(w[0], 0.1)
    return Y, S, w


def _quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_equals_sklearn_every_average(problem):
    Y, S, w = problem
    for average in AVERAGES:
        expected = _quiet(skm.average_precision_score, Y, S, average=average, sample_weight=w)
        for y in (Y, sp.csr_matrix(Y)):
            got = _quiet(average_precision_score, y, S, average=average, sample_weight=w)
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_hand_case_with_ties():
    # scores 0.9 (pos), 0.5 (pos), 0.5 (neg), 0.1 (neg): thresholds 0.9 -> P=1, R=1/2;
    # 0.5 -> P=2/3, R=1 => AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
    got = average_precision_score([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1])
    assert got == pytest.approx(5 / 6, rel=1e-12)


def test_binary_pos_label_and_strings():
    y = np.array(["spam", "ham", "spam", "ham"])
    s = np.array([0.8, 0.3, 0.4, 0.5])
    assert average_precision_score(y, s, pos_label="spam") == pytest.approx(
        skm.average_precision_score(y, s, pos_label="spam"), rel=1e-12
    )
    with pytest.raises(TargetError, match="pos_label='eggs'"):
        average_precision_score(y, s, pos_label="eggs")


def test_single_label_column_is_binary_like_sklearn():
    Y = np.array([[1], [0], [1], [0]])
    S = np.array([[0.2], [0.4], [0.9], [0.1]])
    for average in AVERAGES:
        got = average_precision_score(Y, S, average=average)
        assert got == pytest.approx(skm.average_precision_score(Y, S, average=average))


def test_label_without_positive_warns_and_is_zero():
    Y = np.array([[1, 0], [0, 0], [1, 0]])
    S = np.array([[0.3, 0.2], [0.6, 0.1], [0.2, 0.9]])
    with pytest.warns(UndefinedMetricWarning, match="label 1"):
        per_label = average_precision_score(Y, S, average=None)
    assert per_label[1] == 0.0
    assert per_label[0] == pytest.approx(skm.average_precision_score(Y[:, 0], S[:, 0]))


def test_all_positive_column_is_one():
    Y = np.array([[1, 0], [1, 1], [1, 0]])
    S = np.array([[0.3, 0.2], [0.6, 0.1], [0.2, 0.9]])
    assert average_precision_score(Y, S, average=None)[0] == 1.0


def test_agrees_with_torchmetrics():
    torch = pytest.importorskip("torch")
    from torchmetrics.functional.classification import multilabel_average_precision

    rng = np.random.default_rng(0)
    Y = (rng.random((200, 5)) < 0.3).astype(np.int64)
    S = rng.random((200, 5))
    for average in ("macro", "micro", "weighted", None):
        tm = multilabel_average_precision(
            torch.tensor(S), torch.tensor(Y), num_labels=5, average=average
        )
        got = average_precision_score(Y, S, average=average)
        np.testing.assert_allclose(got, tm.numpy(), rtol=1e-6)  # torchmetrics is float32


def test_torch_and_pandas_inputs():
    torch = pytest.importorskip("torch")
    pd = pytest.importorskip("pandas")
    Y = np.array([[1, 0], [0, 1], [1, 1]])
    S = np.array([[0.9, 0.2], [0.4, 0.6], [0.3, 0.6]])
    expected = average_precision_score(Y, S)
    assert average_precision_score(torch.tensor(Y), torch.tensor(S)) == expected
    assert average_precision_score(pd.DataFrame(Y), pd.DataFrame(S)) == expected


def test_invariant_to_row_permutation():
    rng = np.random.default_rng(1)
    Y = (rng.random((40, 4)) < 0.4).astype(int)
    S = rng.integers(0, 5, (40, 4)).astype(float)
    perm = rng.permutation(40)
    for average in AVERAGES:
        np.testing.assert_allclose(
            average_precision_score(Y[perm], S[perm], average=average),
            average_precision_score(Y, S, average=average),
            rtol=1e-12,
        )


class TestBadInput:
    def test_shape_mismatch_names_both_shapes(self):
        with pytest.raises(ShapeError, match=r"\(2, 2\).*\(2, 3\)"):
            average_precision_score([[1, 0], [0, 1]], [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]])

    def test_y_true_not_binary(self):
        with pytest.raises(TargetError, match="only 0 and 1"):
            average_precision_score([[1, 2], [0, 1]], [[0.1, 0.2], [0.3, 0.4]])

    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_nan_or_inf_scores(self, bad):
        with pytest.raises(TargetError, match=r"NaN or infinite.*row 1, column 0"):
            average_precision_score([[1, 0], [0, 1]], [[0.1, 0.2], [bad, 0.4]])

    def test_hard_predictions_warn(self):
        with pytest.warns(ProblemSetupWarning, match="hard predictions"):
            average_precision_score([[1, 0], [0, 1], [1, 1]], [[1, 0], [0, 1], [1, 0]])

    def test_unknown_average(self):
        with pytest.raises(ValueError, match="average='mean' is not valid"):
            average_precision_score([[1, 0]], [[0.1, 0.2]], average="mean")

    def test_empty(self):
        with pytest.raises(ShapeError, match="empty"):
            average_precision_score(np.zeros((0, 3)), np.zeros((0, 3)))

    def test_pos_label_with_label_matrix(self):
        with pytest.raises(TargetError, match="pos_label is fixed to 1"):
            average_precision_score([[1, 0], [0, 1]], [[0.1, 0.2], [0.3, 0.4]], pos_label=0)

    def test_bad_sample_weight(self):
        with pytest.raises(ShapeError, match="sample_weight has 1 values"):
            average_precision_score([[1, 0], [0, 1]], [[0.1, 0.2], [0.3, 0.4]], sample_weight=[1])
        with pytest.raises(TargetError, match="non-negative"):
            average_precision_score(
                [[1, 0], [0, 1]], [[0.1, 0.2], [0.3, 0.4]], sample_weight=[1, -1]
            )
