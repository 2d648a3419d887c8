"""The streaming Evaluator equals the one-shot functions, for any batch split, merge order and
pickling round trip."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

import labelwise.metrics as lm
from labelwise.data import LabelSpace
from labelwise.decision import FixedThreshold
from labelwise.errors import ShapeError, TargetError
from labelwise.metrics import Evaluator
from labelwise.metrics._state_registry import registered_metrics

ML_METRICS = [
    f"{m}_{a}"
    for m in ("precision", "recall", "f1", "jaccard")
    for a in ("micro", "macro", "weighted", "samples")
] + ["hamming_loss", "subset_accuracy"]

ONE_SHOT = {
    "precision": lm.precision_score,
    "recall": lm.recall_score,
    "f1": lm.f1_score,
    "jaccard": lm.jaccard_score,
}


def one_shot(name, yt, yp, w, zero_division="warn"):
    if name == "hamming_loss":
        return lm.hamming_loss(yt, yp, sample_weight=w)
    if name in ("subset_accuracy", "accuracy"):
        return lm.accuracy_score(yt, yp, sample_weight=w)
    if name == "balanced_accuracy":
        return lm.balanced_accuracy_score(yt, yp, sample_weight=w)
    metric, average = name.replace("_per_label", "_None").rsplit("_", 1)
    average = None if average == "None" else average
    return ONE_SHOT[metric](yt, yp, average=average, sample_weight=w, zero_division=zero_division)


def _split_points(rng, n):
    k = rng.integers(0, min(n, 5) + 1)
    return np.sort(rng.choice(np.arange(1, n), size=min(k, n - 1), replace=False)) if n > 1 else []


@st.composite
def streams(draw):
    n = draw(st.integers(2, 60))
    L = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    yt = (rng.random((n, L)) < draw(st.sampled_from([0.1, 0.4, 0.9]))).astype(np.int8)
    yp = (rng.random((n, L)) < 0.4).astype(np.int8)
    w = draw(st.sampled_from([None, "int", "float"]))
    if w == "int":
        w = rng.integers(1, 5, n).astype(float)
    elif w == "float":
        w = rng.uniform(0.1, 2, n)
    return yt, yp, w, rng


@settings(max_examples=25, deadline=None)
@given(streams())
def test_split_batches_merge_to_the_one_shot_result(data):
    yt, yp, w, rng = data
    cuts = _split_points(rng, yt.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = []
        for idx in np.split(np.arange(yt.shape[0]), cuts):
            ev = Evaluator(ML_METRICS)
            ev.update(yt[idx], yp[idx], None if w is None else w[idx])
            parts.append(ev)
        order = rng.permutation(len(parts))
        merged = Evaluator(ML_METRICS)
        for i in order:  # merge in random order, after a pickle round trip (as from a worker)
            merged.merge(pickle.loads(pickle.dumps(parts[i])))
        got = merged.compute()
        # one evaluator fed batch by batch
        seq = Evaluator(ML_METRICS)
        for idx in np.split(np.arange(yt.shape[0]), cuts):
            seq.update(yt[idx], yp[idx], None if w is None else w[idx])
        got_seq = seq.compute()
        for name in ML_METRICS:
            ref = one_shot(name, yt, yp, w)
            exact_counts = w is None or np.all(w == np.round(w))
            # the one-shot functions sum these per sample, in sample order (as scikit-learn)
            in_sample_order = name.endswith("_samples") or (
                w is not None and name in ("hamming_loss", "subset_accuracy")
            )
            if exact_counts:
                # integer counts and integer weights: every split and merge order, same bits
                assert _same(got[name], got_seq[name]), name
            if exact_counts and not in_sample_order:
                assert _same(got[name], ref), name
            else:
                assert got[name] == pytest.approx(ref, rel=1e-12, nan_ok=True), name


def _same(a, b):
    return a == b or (np.isnan(a) and np.isnan(b))


def test_zero_division_and_per_label_metrics():
    yt = np.array([[1, 0, 0], [1, 0, 0]])
    yp = np.array([[1, 0, 0], [0, 0, 1]])
    names = ["precision_per_label", "recall_per_label", "f1_macro", "jaccard_samples"]
    for zd in (0.0, 1.0, np.nan):
        ev = Evaluator(names, zero_division=zd)
        ev.update(yt[:1], yp[:1])
        ev.update(yt[1:], yp[1:])
        out = ev.compute()
        for name in names:
            np.testing.assert_array_equal(out[name], one_shot(name, yt, yp, None, zd))
    ev = Evaluator(["precision_macro"])
    ev.update(yt, yp)
    with pytest.warns(Warning, match="ill-defined"):
        ev.compute()


def test_multiclass_batches_with_different_classes_are_aligned():
    yt = np.array(["a", "b", "c", "a", "d", "d", "b"])
    yp = np.array(["a", "c", "c", "b", "d", "a", "b"])
    names = [
        "f1_macro",
        "precision_weighted",
        "recall_per_label",
        "accuracy",
        "hamming_loss",
        "balanced_accuracy",
        "f1_micro",
    ]
    ev = Evaluator(names)
    ev.update(yt[:2], yp[:2])  # sees a, b, c
    other = Evaluator(names)
    other.update(yt[2:], yp[2:])  # sees a, b, c, d
    out = ev.merge(other).compute()
    for name in names:
        np.testing.assert_allclose(out[name], one_shot(name, yt, yp, None), rtol=1e-15)


def test_label_lists_sparse_and_label_space():
    space = LabelSpace(["x", "y", "z"])
    yt = [["x"], ["x", "y"], [], ["z"]]
    yp = [["x", "z"], ["y"], ["y"], ["z"]]
    ev = Evaluator(["f1_samples", "f1_per_label"], label_space=space)
    ev.update(yt[:2], yp[:2])
    ev.update(yt[2:], yp[2:])
    Yt, Yp = space.binarize(yt), space.binarize(yp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ev.compute()
        assert out["f1_samples"] == pytest.approx(lm.f1_score(Yt, Yp, average="samples"), rel=1e-15)
        np.testing.assert_array_equal(out["f1_per_label"], lm.f1_score(Yt, Yp, average=None))
    ev = Evaluator(["f1_micro"])
    ev.update(sp.csr_matrix(Yt[:2]), sp.csr_matrix(Yp[:2]))
    ev.update(Yt[2:], Yp[2:])
    assert ev.compute()["f1_micro"] == lm.f1_score(Yt, Yp, average="micro")


def test_scores_are_thresholded_by_the_rule():
    rng = np.random.default_rng(0)
    yt = (rng.random((50, 4)) < 0.4).astype(int)
    s = rng.random((50, 4))
    ev = Evaluator(["f1_micro", "hamming_loss"], rule=FixedThreshold(0.3))
    ev.update(yt[:20], s[:20])
    ev.update(yt[20:], s[20:])
    yp = (s >= 0.3).astype(int)
    assert ev.compute() == {
        "f1_micro": lm.f1_score(yt, yp, average="micro"),
        "hamming_loss": lm.hamming_loss(yt, yp),
    }
    with pytest.raises(TargetError, match="NaN"):
        ev.update(yt[:1], [[np.nan, 0, 0, 0]])
    with pytest.raises(TargetError, match="pass label_space="):
        ev.update([["a"], ["b", "c"]], s[:2, :3])
    space = LabelSpace(["a", "b", "c", "d"])
    ev = Evaluator(["f1_samples"], rule=FixedThreshold(0.5), label_space=space)
    ev.update([["a"], ["b", "c"]], s[:2])
    ev.update([["d"], []], s[2:4])
    Y = space.binarize([["a"], ["b", "c"], ["d"], []])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = lm.f1_score(Y, (s[:4] >= 0.5).astype(int), average="samples")
        assert ev.compute()["f1_samples"] == pytest.approx(expected, rel=1e-15)


def test_reset_registry_and_errors():
    assert {"f1_micro", "hamming_loss", "jaccard_samples"} <= set(registered_metrics())
    ev = Evaluator(["f1_micro"])
    ev.update([[1, 0]], [[1, 0]])
    ev.reset()
    with pytest.raises(ValueError, match="no batches seen"):
        ev.compute()
    with pytest.raises(ValueError, match=r"unknown metric .f2_micro.; known metrics: .*f1_micro"):
        Evaluator(["f2_micro"])
    ev.update([[1, 0]], [[1, 0]])
    with pytest.raises(ShapeError, match="3 label columns but earlier batches had 2"):
        ev.update([[1, 0, 1]], [[1, 0, 0]])
    with pytest.raises(TargetError, match="same task"):
        ev.update([1, 0], [1, 1])
    with pytest.raises(ValueError, match="same metrics"):
        ev.merge(Evaluator(["f1_macro"]))


# ---------------------------------------------------------------- sparse top-k scores (issue 19)


def _top_k_batches(seed=0, n=90, L=30, k=5):
    from labelwise.models.top_k import dense_top_k

    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < 0.15).astype(int)
    S = rng.random((n, L))
    return Y, S, dense_top_k(S, k)


def test_evaluator_takes_sparse_top_k_scores_and_merges():
    from labelwise.metrics import ndcg_at_k, precision_at_k

    Y, S, T = _top_k_batches()
    names = ["precision@1", "precision@5", "ndcg@3", "recall@5"]
    parts = []
    for r in range(0, 90, 25):  # uneven batches, each on its own evaluator, then merged
        ev = Evaluator(names)
        ev.update(Y[r : r + 25], T[r : r + 25])
        parts.append(ev)
    merged = parts[0]
    for other in parts[1:]:
        merged.merge(other)
    got = merged.compute()
    assert got["precision@5"] == pytest.approx(precision_at_k(Y, T, k=5), rel=1e-12)
    assert got["precision@1"] == pytest.approx(precision_at_k(Y, S, k=1), rel=1e-12)
    assert got["ndcg@3"] == pytest.approx(ndcg_at_k(Y, S, k=3), rel=1e-12)  # top 5 holds top 3
    dense = Evaluator(names)
    dense.update(Y, T.toarray() - (T.toarray() == 0))  # absent entries below every score
    assert got == pytest.approx(dense.compute(), rel=1e-12)


def test_evaluator_label_metrics_on_sparse_scores_see_absent_entries_as_zero():
    from labelwise.decision import TopK

    Y, _, T = _top_k_batches(seed=1)
    ev = Evaluator(["precision@3", "f1_micro"], rule=TopK(2))
    ev.update(Y, T)
    ref = Evaluator(["precision@3", "f1_micro"], rule=TopK(2))
    ref.update(Y, T.toarray())
    assert ev.compute() == pytest.approx(ref.compute(), rel=1e-12)


def test_propensity_state_takes_sparse_batches_and_names_bad_rows():
    from labelwise.metrics import at_k_state, psp_at_k

    Y, S, T = _top_k_batches(seed=2)
    g = np.linspace(1, 3, 30)
    st = at_k_state("psp", k=5, inv_propensity=g)
    st.update(Y[:40], T[:40])
    st.update(Y[40:], T[40:])
    assert st.compute() == pytest.approx(psp_at_k(Y, S, g, k=5), rel=1e-12)
    bad = T.copy()
    bad.data[7] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite value at row 1"):
        Evaluator(["precision@1"]).update(Y, bad)
    with pytest.raises(ValueError, match="k=10 is larger than the number of labels"):
        at_k_state("precision", k=10).update(Y[:, :5], sp.csr_matrix(T[:, :5]))


# --- scores need an explicit decision (issue 20): rule=, threshold=, or the documented 0.5 ---


def _scores(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    Y = (rng.random((30, 4)) < 0.4).astype(np.int8)
    return Y, np.clip(0.4 * Y + 0.6 * rng.random((30, 4)), 0, 1)


def test_threshold_equals_the_fixed_threshold_rule_and_the_one_shot_function():
    Y, S = _scores()
    by_threshold = Evaluator(["f1_macro", "hamming_loss"], threshold=0.3)
    by_rule = Evaluator(["f1_macro", "hamming_loss"], rule=FixedThreshold(0.3))
    for ev in (by_threshold, by_rule):
        ev.update(Y[:10], S[:10])
        ev.update(Y[10:], S[10:])
    assert by_threshold.compute() == by_rule.compute()
    P = (S >= 0.3).astype(int)
    assert by_threshold.compute()["f1_macro"] == skm.f1_score(Y, P, average="macro")
    assert by_threshold.compute()["hamming_loss"] == skm.hamming_loss(Y, P)


def test_without_rule_or_threshold_a_score_metric_keeps_the_documented_half_cut():
    Y, S = _scores(4)
    ev = Evaluator(["f1_micro", "lrap"])
    ev.update(Y, S)
    expected = skm.f1_score(Y, (S >= 0.5).astype(int), average="micro")
    assert ev.compute()["f1_micro"] == expected


def test_a_label_only_evaluator_given_scores_says_to_pass_a_rule():
    Y, S = _scores(5)
    ev = Evaluator(["f1_micro"])
    with pytest.raises(TargetError, match=r"pass rule= .* or threshold="):
        ev.update(Y, S)


@pytest.mark.parametrize("bad", [np.nan, "0.5", True, np.inf])
def test_a_threshold_that_is_not_a_finite_number_is_refused(bad):
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        Evaluator(["f1_micro"], threshold=bad)
