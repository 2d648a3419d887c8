"""Problem detection, setup advice and the guards, each with its message."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from labelwise.data import Hierarchy, check_targets
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError
from labelwise.problem import (
    check_accuracy_on_sparse_labels,
    check_overlap,
    constant_labels,
    describe,
    require_single_label,
    warn_constant_labels,
    warn_if_softmax_scores,
)

# ---------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("y", "kind", "form"),
    [
        ([0, 1, 1, 0], "binary", "classes"),
        (["cat", "dog", "eel"], "multiclass", "classes"),
        ([[1, 0, 1], [0, 0, 0], [0, 1, 0]], "multilabel", "indicator"),
        (sp.csr_matrix([[1, 0, 1], [0, 0, 0], [0, 1, 0]]), "multilabel", "sparse"),
        ([["a", "b"], [], ["c"]], "multilabel", "label-lists"),
        ([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]], "multiclass", "one-hot"),
        (sp.csr_matrix([[0, 1, 0], [1, 0, 0], [0, 0, 1]]), "multiclass", "one-hot"),
        ([[0, 1], [1, 0], [1, 0]], "binary", "one-hot"),
    ],
)
def test_describe_kinds_and_forms(y, kind, form):
    d = describe(y)
    assert (d.kind, d.form) == (kind, form)


def test_describe_setup_table():
    ml = describe([[1, 1, 0], [0, 1, 0], [0, 0, 0]])
    assert ml.setup.output_layer == "one independent sigmoid per label"
    assert ml.setup.loss == "binary cross-entropy summed over labels"
    assert "per-label threshold" in ml.setup.decision_rule
    assert {"macro F1", "micro F1", "exact match", "Hamming loss", "average precision"} <= set(
        ml.setup.metrics
    )
    mc = describe([2, 0, 1, 2])
    assert mc.setup.output_layer == "softmax over the classes"
    assert mc.setup.loss == "categorical cross-entropy"
    assert mc.setup.decision_rule == "argmax"
    assert "top-k accuracy" in mc.setup.metrics


def test_describe_counts_and_text():
    d = describe([["a", "b"], [], ["c"], ["a"]])
    assert (d.n_samples, d.n_labels, d.n_empty, d.n_several) == (4, 3, 1, 1)
    assert d.label_names == ("a", "b", "c") and d.label_counts == (2, 1, 1)
    assert d.cardinality == 1.0
    text = str(d)
    assert "multi-label (label-lists input)" in text
    assert "one independent sigmoid per label" in text
    assert "binary cross-entropy" in text


def test_one_hot_note_and_override():
    y = [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    d = describe(y)
    assert any("one-hot" in n and "kind='multilabel'" in n for n in d.notes)
    forced = describe(y, kind="multilabel")
    assert forced.kind == "multilabel"
    assert forced.setup.output_layer == "one independent sigmoid per label"


def test_hierarchical_with_hierarchy():
    names = ["A", "A.A1", "B"]
    h = Hierarchy.from_names(names)
    d = describe([[1, 1, 0], [0, 0, 1], [1, 0, 1]], label_names=names, hierarchy=h)
    assert d.kind == "hierarchical"
    assert "ancestors" in d.setup.decision_rule
    assert "hierarchical F1" in d.setup.metrics
    flat = Hierarchy({"A": None, "B": None, "C": None})  # no parent-child link: plain multi-label
    assert describe([[1, 1, 0], [0, 0, 1]], hierarchy=flat).kind == "multilabel"


def test_describe_notes_constant_labels():
    d = describe([[1, 0, 1], [1, 0, 0]], label_names=["x", "y", "z"])
    assert any("'y' never occurs" in n for n in d.notes)
    assert any("'x' occurs in every example" in n for n in d.notes)


def test_describe_errors():
    with pytest.raises(ValueError, match="kind"):
        describe([0, 1], kind="regression")
    with pytest.raises(ShapeError, match="2 label names were given for 3 label columns"):
        describe([[1, 0, 1]], label_names=["a", "b"])


# ---------------------------------------------------------------- softmax guard and single-label


def test_softmax_scores_on_multilabel_warn_with_reason():
    t = check_targets([[1, 1, 0], [0, 1, 1], [0, 0, 0]])
    scores = np.array([[0.5, 0.4, 0.1], [0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])
    with pytest.warns(ProblemSetupWarning, match="sums to 1, as a softmax") as rec:
        assert warn_if_softmax_scores(t, scores, where="f1_score")
    msg = str(rec[0].message)
    assert "f1_score" in msg and "independent sigmoid per label" in msg
    assert "2 examples have several labels, 1 have none" in msg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not warn_if_softmax_scores(t, scores * 0.9)  # not a softmax
        one_each = check_targets([[1, 0], [0, 1]])
        assert not warn_if_softmax_scores(one_each, np.array([[0.7, 0.3], [0.2, 0.8]]))


def test_multiclass_only_estimator_on_multilabel_raises():
    with pytest.raises(ProblemSetupError, match="OneVsOne is for multi-class") as err:
        require_single_label(check_targets([[1, 1], [0, 1], [0, 0]]), who="OneVsOne")
    assert "1 of 3 examples have several labels and 1 have none" in str(err.value)
    require_single_label(check_targets([[0, 1], [1, 0]]), who="OneVsOne")  # one-hot is fine
    require_single_label(check_targets([0, 2, 1]), who="OneVsOne")


# ---------------------------------------------------------------- accuracy on sparse labels


def test_accuracy_guard_98_percent_accuracy_12_percent_recall():
    # 50 examples x 50 labels = 2500 entries, 50 positive (2%): predict 6 of them right
    # and nothing else -> accuracy (2500 - 44) / 2500 = 98.24%, recall 12%.
    y_true = np.zeros((50, 50), dtype=int)
    y_true[np.arange(50), np.arange(50)] = 1
    y_pred = np.zeros_like(y_true)
    y_pred[np.arange(6), np.arange(6)] = 1
    with pytest.warns(ProblemSetupWarning) as rec:
        c = check_accuracy_on_sparse_labels(y_true, y_pred)
    msg = str(rec[0].message)
    assert "label-wise accuracy is 98.2% but recall is only 12.0%" in msg
    assert "F1 21.4%" in msg and "only 2.0% of the label entries are positive" in msg
    assert c.warned and c.density == pytest.approx(0.02)
    # oracle: scikit-learn on the flattened entries
    t, p = y_true.ravel(), y_pred.ravel()
    assert c.accuracy == pytest.approx(accuracy_score(t, p))
    assert c.recall == pytest.approx(recall_score(y_true, y_pred, average="micro"))
    assert c.precision == pytest.approx(precision_score(y_true, y_pred, average="micro"))
    assert c.f1 == pytest.approx(f1_score(y_true, y_pred, average="micro"))


def test_accuracy_guard_quiet_when_recall_is_fine():
    rng = np.random.default_rng(0)
    y_true = (rng.random((40, 6)) < 0.5).astype(int)
    y_pred = y_true.copy()
    y_pred[:3] = 1 - y_pred[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = check_accuracy_on_sparse_labels(y_true, y_pred)
    assert not c.warned
    assert c.f1 == pytest.approx(f1_score(y_true, y_pred, average="micro"))


def test_accuracy_guard_errors():
    with pytest.raises(ShapeError, match=r"y_true has shape \(2, 2\) but y_pred has shape"):
        check_accuracy_on_sparse_labels([[1, 0], [0, 1]], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="min_accuracy"):
        check_accuracy_on_sparse_labels([[1, 0]], [[1, 0]], min_accuracy=2)


# ---------------------------------------------------------------- constant labels


def test_constant_labels_never_and_always():
    Y = np.array([[1, 0, 1, 0], [1, 0, 0, 1], [1, 0, 1, 1]])
    found = constant_labels(Y, ["news", "sport", "tech", "art"])
    assert [(c.index, c.name, c.value) for c in found] == [(0, "news", 1), (1, "sport", 0)]
    assert constant_labels(sp.csr_matrix(Y)) == [(0, "0", 1), (1, "1", 0)]
    assert constant_labels(np.zeros((0, 3), dtype=int)) == []


def test_constant_labels_warning_names_them():
    Y = np.array([[1, 0, 1], [1, 0, 0]])
    with pytest.warns(ProblemSetupWarning) as rec:
        found = warn_constant_labels(Y, ["news", "sport", "tech"], where="BinaryRelevance.fit")
    msg = str(rec[0].message)
    assert msg.startswith("BinaryRelevance.fit: label 'sport' never occurs and label 'news'")
    assert "occurs in every example in the training data" in msg
    assert "constant predictor" in msg
    assert len(found) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_constant_labels([[1, 0], [0, 1]]) == []


# ---------------------------------------------------------------- train/test overlap


def _slow_overlap(A, B):
    return [i for i, b in enumerate(B) if any(np.array_equal(a, b) for a in A)]


def test_overlap_dense_matches_slow_reference():
    rng = np.random.default_rng(0)
    A = rng.integers(0, 3, size=(60, 3)).astype(float)
    B = rng.integers(0, 3, size=(40, 3)).astype(float)
    r = check_overlap(A, B, warn=False)
    assert r.test_rows.tolist() == _slow_overlap(A, B)
    assert r.n_overlap == len(_slow_overlap(A, B)) and r.n_test == 40


def test_overlap_sparse_mixed_dtypes_and_negative_zero():
    A = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    B = np.array([[-0.0, 1, 0], [2, 0, 3], [2, 0, 4]], dtype=float)
    assert check_overlap(A, B.astype(int), warn=False).n_overlap == 2
    assert check_overlap(sp.csr_matrix(A), sp.csr_matrix(B), warn=False).test_rows.tolist() == [
        0,
        1,
    ]
    assert check_overlap(sp.csr_matrix(A), B, warn=False).n_overlap == 2  # mixed


def test_overlap_warning_reports_leakage():
    X = np.arange(20).reshape(10, 2)
    with pytest.warns(ProblemSetupWarning) as rec:
        r = check_overlap(X, [*X[[1, 3, 5]].tolist(), [99, 99]])
    msg = str(rec[0].message)
    assert "3 of 4 test rows (75.0%) also occur in the training set (3 exact duplicates" in msg
    assert "not a test of generalisation" in msg and r.fraction == 0.75
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_overlap(X[:5], X[5:]).n_overlap == 0


def test_overlap_feature_mismatch():
    with pytest.raises(ShapeError, match="X_train has 2 features but X_test has 3"):
        check_overlap(np.zeros((2, 2)), np.zeros((2, 3)))
