"""Hierarchical P/R/F1 (Kiritchenko et al.) by hand and against a set-based reference."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning

from labelwise.data import Hierarchy
from labelwise.errors import UnknownLabelError
from labelwise.metrics.hierarchical import (
    hierarchical_f1_score,
    hierarchical_precision_recall_f1,
    hierarchical_precision_score,
    hierarchical_recall_score,
)

# root "animal" with "mammal" (children "cat", "dog") and "bird"; separate root "vehicle"
H = Hierarchy(
    {
        "animal": None,
        "mammal": "animal",
        "cat": "mammal",
        "dog": "mammal",
        "bird": "animal",
        "vehicle": None,
    }
)


def test_hand_case():
    # sample 1: true {cat}, predicted {dog}: augmented true {cat, mammal, animal},
    #   predicted {dog, mammal, animal}: overlap 2, |pred| 3, |true| 3.
    # sample 2: true {bird, vehicle}, predicted {vehicle}: true {bird, animal, vehicle},
    #   predicted {vehicle}: overlap 1, |pred| 1, |true| 3.
    # hP = 3 / 4, hR = 3 / 6, hF = 2 * .75 * .5 / 1.25 = 0.6
    y_true = [["cat"], ["bird", "vehicle"]]
    y_pred = [["dog"], ["vehicle"]]
    hp, hr, hf = hierarchical_precision_recall_f1(y_true, y_pred, H)
    assert (hp, hr, hf) == pytest.approx((0.75, 0.5, 0.6))
    assert hierarchical_precision_score(y_true, y_pred, H) == pytest.approx(0.75)
    assert hierarchical_recall_score(y_true, y_pred, H) == pytest.approx(0.5)
    assert hierarchical_f1_score(y_true, y_pred, H) == pytest.approx(0.6)
    # sample weights: only sample 1 counts -> 2/3 each
    assert hierarchical_f1_score(y_true, y_pred, H, sample_weight=[1, 0]) == pytest.approx(2 / 3)


def _reference(y_true, y_pred, hierarchy):
    def aug(labels):
        out = set()
        for lab in labels:
            out |= {lab, *hierarchy.ancestors(lab)}
        return out

    tp = sum(len(aug(t) & aug(p)) for t, p in zip(y_true, y_pred, strict=True))
    n_pred = sum(len(aug(p)) for p in y_pred)
    n_true = sum(len(aug(t)) for t in y_true)
    return tp / n_pred, tp / n_true


def test_matrix_input_with_columns_missing_ancestors_equals_reference():
    # columns are only the leaves; their ancestors must still count
    names = ["cat", "dog", "bird", "vehicle"]
    rng = np.random.default_rng(0)
    Yt = (rng.random((30, 4)) < 0.4).astype(int)
    Yp = (rng.random((30, 4)) < 0.4).astype(int)
    Yt[0, 0] = Yp[0, 0] = 1
    lists_t = [[names[j] for j in np.flatnonzero(r)] for r in Yt]
    lists_p = [[names[j] for j in np.flatnonzero(r)] for r in Yp]
    hp, hr, _ = hierarchical_precision_recall_f1(Yt, Yp, H, labels=names)
    ref_p, ref_r = _reference(lists_t, lists_p, H)
    assert (hp, hr) == pytest.approx((ref_p, ref_r), rel=1e-12)


def test_flat_hierarchy_is_micro_precision():
    flat = Hierarchy({"a": None, "b": None, "c": None})
    from sklearn.metrics import precision_score

    Yt = np.array([[1, 0, 1], [0, 1, 0]])
    Yp = np.array([[1, 1, 0], [0, 1, 1]])
    assert hierarchical_precision_score(Yt, Yp, flat) == pytest.approx(
        precision_score(Yt, Yp, average="micro")
    )


def test_nothing_predicted_uses_zero_division():
    with pytest.warns(UndefinedMetricWarning):
        assert hierarchical_precision_score([["cat"]], [[]], H, labels=["cat"]) == 0.0
    assert hierarchical_precision_score([["cat"]], [[]], H, labels=["cat"], zero_division=1.0) == 1


def test_unknown_label_is_named():
    with pytest.raises(UnknownLabelError, match="'fish'"):
        hierarchical_f1_score([["fish"]], [["cat"]], H)


def test_unnamed_columns_need_labels():
    with pytest.raises(UnknownLabelError, match="pass labels="):
        hierarchical_f1_score(np.eye(2, dtype=int), np.eye(2, dtype=int), H)
