"""Label-set metrics against scikit-learn (the oracle), torchmetrics, and hand-computed cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.exceptions import UndefinedMetricWarning

import labelwise.metrics.label_set as lw
from labelwise.data import LabelSpace

AVERAGES = ["micro", "macro", "weighted", "samples", None]
ZERO_DIVISIONS = ["warn", 0.0, 1.0, np.nan]
SET_METRICS = ["precision_score", "recall_score", "f1_score", "jaccard_score"]


def _call(mod, name, *args, **kw):
    """Value and whether an UndefinedMetricWarning was raised."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        value = getattr(mod, name)(*args, **kw)
    return value, any(issubclass(r.category, UndefinedMetricWarning) for r in rec)


def _same(name, yt, yp, yt_lw=None, yp_lw=None, **kw):
    ours, our_warn = _call(
        lw, name, yt if yt_lw is None else yt_lw, yp if yp_lw is None else yp_lw, **kw
    )
    ref, ref_warn = _call(skm, name, yt, yp, **kw)
    if isinstance(ref, tuple):
        for a, b in zip(ours, ref, strict=True):
            if b is None:
                assert a is None
            else:
                assert_allclose(a, b, rtol=1e-9, atol=0, equal_nan=True)
    else:
        assert_allclose(ours, ref, rtol=1e-9, atol=0, equal_nan=True)
        assert np.shape(ours) == np.shape(ref)
    assert our_warn == ref_warn, (name, kw, our_warn, ref_warn)


@st.composite
def multilabel_pairs(draw, max_n=25, max_labels=6):
    n = draw(st.integers(1, max_n))
    L = draw(st.integers(2, max_labels))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    p_true, p_pred = draw(st.sampled_from([0.05, 0.3, 0.7, 1.0])), rng.uniform(0, 1)
    yt = (rng.random((n, L)) < p_true).astype(np.int64)
    yp = (rng.random((n, L)) < p_pred).astype(np.int64)
    kind = draw(st.sampled_from(["none", "float", "int", "with_zeros"]))
    w = {
        "none": None,
        "float": rng.uniform(0.1, 3, n),
        "int": rng.integers(1, 4, n).astype(float),
        "with_zeros": np.where(np.arange(n) % 3 == 1, 0.0, rng.uniform(0.1, 3, n)),
    }[kind]
    return yt, yp, w


@settings(max_examples=12, deadline=None)
@given(multilabel_pairs())
def test_set_metrics_equal_sklearn(data):
    yt, yp, w = data
    for name in SET_METRICS:
        for average in AVERAGES:
            for zd in ZERO_DIVISIONS:
                if not (name == "jaccard_score" and zd is np.nan):  # sklearn rejects nan there
                    _same(name, yt, yp, average=average, sample_weight=w, zero_division=zd)
    for average in AVERAGES:
        _same("fbeta_score", yt, yp, beta=0.5, average=average, sample_weight=w)
        _same(
            "precision_recall_fscore_support",
            yt,
            yp,
            beta=2.0,
            average=average,
            sample_weight=w,
            zero_division=1.0,
        )


@settings(max_examples=20, deadline=None)
@given(multilabel_pairs())
def test_count_metrics_equal_sklearn(data):
    yt, yp, w = data
    _same("hamming_loss", yt, yp, sample_weight=w)
    if w is None or w.sum() > 0:
        _same("accuracy_score", yt, yp, sample_weight=w)
    _same("accuracy_score", yt, yp, sample_weight=w, normalize=False)
    for samplewise in (False, True):
        ours = lw.multilabel_confusion_matrix(yt, yp, sample_weight=w, samplewise=samplewise)
        ref = skm.multilabel_confusion_matrix(yt, yp, sample_weight=w, samplewise=samplewise)
        assert ours.dtype.kind == ref.dtype.kind
        assert_allclose(ours, ref, rtol=1e-9, atol=1e-12)  # tn = total - ..., may round


@settings(max_examples=10, deadline=None)
@given(multilabel_pairs(max_n=15, max_labels=5))
def test_sparse_inputs_match_dense(data):
    yt, yp, w = data
    for a, b in [
        (sp.csr_matrix(yt), yp),
        (yt, sp.csr_matrix(yp)),
        (sp.csr_matrix(yt), sp.csr_matrix(yp)),
    ]:
        for average in AVERAGES:
            _same(
                "f1_score",
                yt,
                yp,
                yt_lw=a,
                yp_lw=b,
                average=average,
                sample_weight=w,
                zero_division=0.0,
            )
            _same(
                "jaccard_score",
                yt,
                yp,
                yt_lw=a,
                yp_lw=b,
                average=average,
                sample_weight=w,
                zero_division=1.0,
            )
        _same("hamming_loss", yt, yp, yt_lw=a, yp_lw=b, sample_weight=w)
        _same("accuracy_score", yt, yp, yt_lw=a, yp_lw=b)
        assert_allclose(
            lw.multilabel_confusion_matrix(a, b, samplewise=True),
            skm.multilabel_confusion_matrix(yt, yp, samplewise=True),
        )


@st.composite
def multiclass_pairs(draw):
    n = draw(st.integers(1, 30))
    k = draw(st.integers(2, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    classes = draw(st.sampled_from([np.arange(k) * 3 - 2, np.array(list("abcde"[:k]))]))
    yt = classes[rng.integers(0, k, n)]
    yp = classes[rng.integers(0, k, n)]
    w = rng.uniform(0.1, 2, n) if draw(st.booleans()) else None
    return yt, yp, w, classes


@settings(max_examples=12, deadline=None)
@given(multiclass_pairs())
def test_multiclass_inputs_equal_sklearn(data):
    yt, yp, w, classes = data
    for name in SET_METRICS:
        for average in ["micro", "macro", "weighted", None]:
            for zd in ZERO_DIVISIONS:
                if not (name == "jaccard_score" and zd is np.nan):
                    _same(name, yt, yp, average=average, sample_weight=w, zero_division=zd)
        # labels: a subset in a different order, and with a class absent from the data
        absent = "zz" if classes.dtype.kind == "U" else 99
        labels = [classes[-1], absent, classes[0]]
        _same(name, yt, yp, labels=labels, average=None, sample_weight=w, zero_division=0.0)
        _same(name, yt, yp, labels=labels, average="macro", sample_weight=w, zero_division=1.0)
        present = np.unique(np.concatenate([yt, yp]))
        if len(present) <= 2:
            _same(name, yt, yp, average="binary", pos_label=present[-1], sample_weight=w)
    _same("hamming_loss", yt, yp, sample_weight=w)
    _same("accuracy_score", yt, yp, sample_weight=w)
    assert_allclose(
        lw.multilabel_confusion_matrix(yt, yp, sample_weight=w),
        skm.multilabel_confusion_matrix(yt, yp, sample_weight=w),
        rtol=1e-9,
    )


def test_binary_average_and_pos_label():
    yt, yp = [0, 1, 1, 0, 1], [1, 1, 0, 0, 1]
    for name in SET_METRICS:
        _same(name, yt, yp)
        _same(name, yt, yp, pos_label=0)
    _same("precision_recall_fscore_support", yt, yp, average="binary")
    with pytest.raises(ValueError, match="average='binary'"):
        lw.f1_score([[1, 0], [0, 1]], [[1, 0], [1, 1]])
    with pytest.raises(ValueError, match="pos_label=5 is not a valid label"):
        lw.f1_score(yt, yp, pos_label=5)
    with pytest.warns(UserWarning, match="pos_label"):
        lw.f1_score(yt, yp, pos_label=0, average="macro")


def test_hand_computed_case():
    # label 0: tp=1 fp=0 fn=0; label 1: tp=1 fp=1 fn=0; label 2: tp=1 fp=0 fn=1
    yt = np.array([[1, 0, 1], [0, 1, 1]])
    yp = np.array([[1, 1, 0], [0, 1, 1]])
    assert lw.precision_score(yt, yp, average=None).tolist() == [1.0, 0.5, 1.0]
    assert lw.recall_score(yt, yp, average=None).tolist() == [1.0, 1.0, 0.5]
    assert lw.f1_score(yt, yp, average="micro") == pytest.approx(0.75)
    assert lw.hamming_loss(yt, yp) == pytest.approx(2 / 6)
    assert lw.accuracy_score(yt, yp) == 0.5
    # sample 0: |t&p|=1, |t|p|=3; sample 1: 2/2
    assert lw.jaccard_score(yt, yp, average="samples") == pytest.approx((1 / 3 + 1) / 2)


def test_all_positive_and_empty_columns_and_rows():
    yt = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0]])
    yp = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0]])
    for name in SET_METRICS:
        for average in AVERAGES:
            for zd in ZERO_DIVISIONS:
                if not (name == "jaccard_score" and zd is np.nan):
                    _same(name, yt, yp, average=average, zero_division=zd)


def test_single_label_column():
    yt = np.array([[1], [0], [1]])
    yp = np.array([[1], [1], [0]])
    for name in SET_METRICS:
        _same(name, yt, yp)
    _same("hamming_loss", yt, yp)
    _same("accuracy_score", yt, yp)


def test_label_lists_with_label_space_and_labels_by_name():
    space = LabelSpace(["sports", "politics", "tech"])
    yt = [["tech"], ["sports", "politics"], []]
    yp = [["tech", "sports"], ["politics"], ["tech"]]
    Yt, Yp = space.binarize(yt), space.binarize(yp)
    for average in ["micro", "macro", "weighted", "samples"]:
        # averages do not depend on the column order of the default (sorted) label space
        assert_allclose(
            lw.f1_score(yt, yp, average=average, zero_division=0),
            skm.f1_score(Yt, Yp, average=average, zero_division=0),
            rtol=1e-12,
        )
    ours = lw.f1_score(yt, yp, average=None, zero_division=0)
    assert_allclose(ours, skm.f1_score(Yt, Yp, average=None, zero_division=0)[[1, 0, 2]])
    ours = lw.f1_score(yt, yp, average=None, zero_division=0, labels=["sports", "tech"])
    ref = skm.f1_score(Yt, Yp, average=None, zero_division=0, labels=[0, 2])
    assert_allclose(ours, ref)
    assert lw.hamming_loss(yt, yp) == pytest.approx(skm.hamming_loss(Yt, Yp))
    with pytest.raises(ValueError, match="not in the label space"):
        lw.f1_score(yt, yp, average=None, labels=["music"])


def test_pandas_and_torch_inputs():
    pd = pytest.importorskip("pandas")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    yt = (rng.random((40, 4)) < 0.4).astype(np.int64)
    yp = (rng.random((40, 4)) < 0.4).astype(np.int64)
    ref = skm.f1_score(yt, yp, average="macro", zero_division=0)
    assert lw.f1_score(
        pd.DataFrame(yt), pd.DataFrame(yp), average="macro", zero_division=0
    ) == pytest.approx(ref, rel=1e-12)
    assert lw.f1_score(
        torch.tensor(yt), torch.tensor(yp).bool(), average="macro", zero_division=0
    ) == pytest.approx(ref, rel=1e-12)
    assert lw.accuracy_score(pd.Series(["a", "b"]), pd.Series(["a", "a"])) == 0.5


def test_bool_and_int8_inputs_are_not_copied_and_agree():
    rng = np.random.default_rng(2)
    yt = rng.random((300, 7)) < 0.3
    yp = rng.random((300, 7)) < 0.3
    for a, b in [(yt, yp), (yt.astype(np.int8), yp.astype(np.uint8))]:
        assert_allclose(lw.f1_score(a, b, average=None), skm.f1_score(yt, yp, average=None))
        assert lw.hamming_loss(a, b) == pytest.approx(skm.hamming_loss(yt, yp), rel=1e-12)


def test_matches_torchmetrics_where_conventions_agree():
    torch = pytest.importorskip("torch")
    tmf = pytest.importorskip("torchmetrics.functional.classification")
    rng = np.random.default_rng(3)
    yt = (rng.random((200, 6)) < 0.3).astype(np.int64)
    yt[0] = 1  # every label has a positive, so macro conventions agree
    yp = (rng.random((200, 6)) < 0.3).astype(np.int64)
    tt, tp = torch.tensor(yt), torch.tensor(yp)
    for average in ("micro", "macro", "weighted"):
        ref = float(tmf.multilabel_f1_score(tp, tt, num_labels=6, average=average))
        assert lw.f1_score(yt, yp, average=average, zero_division=0) == pytest.approx(ref, 1e-6)
        ref = float(tmf.multilabel_precision(tp, tt, num_labels=6, average=average))
        assert lw.precision_score(yt, yp, average=average, zero_division=0) == pytest.approx(
            ref, 1e-6
        )
    ref = float(tmf.multilabel_hamming_distance(tp, tt, num_labels=6, average="micro"))
    assert lw.hamming_loss(yt, yp) == pytest.approx(ref, 1e-6)
    ref = float(tmf.multilabel_exact_match(tp, tt, num_labels=6))
    assert lw.subset_accuracy(yt, yp) == pytest.approx(ref, 1e-6)


def test_large_dense_input_chunk_boundaries():
    # several internal row chunks, the last one not a multiple of the 255-row block
    from labelwise.metrics._count_stats import _chunk_rows

    rng = np.random.default_rng(4)
    n = 2 * _chunk_rows(100) + 301
    yt = (rng.random((n, 100)) < 0.3).astype(np.int8)
    yp = (rng.random(yt.shape) < 0.3).astype(np.int8)
    for average in AVERAGES:
        _same("f1_score", yt, yp, average=average)
    _same("hamming_loss", yt, yp)
    _same("accuracy_score", yt, yp)
    w = rng.uniform(0, 2, n)
    _same("recall_score", yt, yp, average="macro", sample_weight=w)
    # sparse y_true with dense y_pred and the reverse: same chunked dense sums
    for a, b in [(sp.csr_matrix(yt), yp), (yt, sp.csr_matrix(yp))]:
        _same("f1_score", yt, yp, yt_lw=a, yp_lw=b, average="samples")
        _same("f1_score", yt, yp, yt_lw=a, yp_lw=b, average="weighted", sample_weight=w)
