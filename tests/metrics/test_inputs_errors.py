"""Bad input to the count metrics: clear errors from labelwise.errors, each tested."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import labelwise.metrics as lm
from labelwise.errors import ShapeError, TargetError
from labelwise.metrics._inputs import check_average, format_label_inputs

Y = np.array([[1, 0, 1], [0, 1, 0]])


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(
        ShapeError, match=r"y_true has shape \(2, 3\) but y_pred has shape \(2, 2\)"
    ):
        lm.f1_score(Y, Y[:, :2], average="micro")
    with pytest.raises(ShapeError, match=r"\(2, 3\) but y_pred has shape \(1, 3\).*rows"):
        lm.hamming_loss(Y, Y[:1])
    with pytest.raises(ShapeError, match=r"y_true has shape \(3,\) but y_pred has shape \(2,\)"):
        lm.accuracy_score([0, 1, 1], [0, 1])
    with pytest.raises(ShapeError, match="columns"):
        lm.jaccard_score(sp.csr_matrix(Y), np.ones((2, 4), dtype=int), average="macro")


def test_values_other_than_0_1_say_where():
    bad = Y.copy()
    bad[1, 2] = 2
    with pytest.raises(TargetError, match=r"found 2 at row 1, column 2"):
        lm.f1_score(bad, Y, average="micro")
    with pytest.raises(TargetError, match=r"y_pred must contain only 0 and 1; found -1"):
        lm.precision_score(Y, -Y, average="macro")
    scores = np.array([[0.2, 0.9, 0.1], [0.7, 0.4, 0.3]])
    with pytest.raises(TargetError, match="Scores belong in y_score"):
        lm.f1_score(Y, scores, average="macro")
    with pytest.raises(TargetError, match=r"non-integer value 0\.3 at row 1.*decision rule"):
        lm.accuracy_score([0, 1], [0.0, 0.3])


def test_nan_and_inf():
    with pytest.raises(TargetError, match="NaN or infinite"):
        lm.f1_score(Y, np.where(Y == 1, np.nan, 0.0), average="micro")
    with pytest.raises(TargetError, match="NaN or infinite"):
        lm.accuracy_score([0.0, 1.0], [np.inf, 1.0])
    with pytest.raises(
        TargetError, match="sample_weight has 1 NaN or infinite values; the first at row 1"
    ):
        lm.hamming_loss(Y, Y, sample_weight=[1.0, np.nan])


def test_unknown_average_lists_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"average='mean' is not valid; use one of 'micro', 'macro', 'weighted', "
        r"'samples', None, 'binary'",
    ):
        lm.f1_score(Y, Y, average="mean")
    with pytest.raises(ValueError, match="average='samples' is only defined for multi-label"):
        lm.recall_score([0, 1, 2], [0, 1, 1], average="samples")
    with pytest.raises(ValueError, match="use one of"):
        check_average("all", caller="x")


def test_empty_inputs():
    with pytest.raises(ShapeError, match="y_true is empty"):
        lm.f1_score(np.zeros((0, 3)), np.zeros((0, 3)), average="micro")
    with pytest.raises(ShapeError, match="empty"):
        lm.accuracy_score([], [])
    with pytest.raises(ShapeError, match="y_pred is empty"):
        lm.classification_report([0, 1], [])


def test_mixed_tasks_and_label_types():
    with pytest.raises(
        TargetError, match=r"y_true is binary/multi-class \(1-D\) but y_pred is multi-label"
    ):
        lm.f1_score([0, 1], Y, average="micro")
    with pytest.raises(TargetError, match="mix string and numeric"):
        lm.accuracy_score(["a", "b"], [0, 1])


def test_labels_and_sample_weight_errors():
    with pytest.raises(TargetError, match=r"column indices in \[0, 3\).*got 3"):
        lm.f1_score(Y, Y, labels=[0, 3], average="macro")
    with pytest.raises(ShapeError, match="sample_weight has 3 values but there are 2 samples"):
        lm.f1_score(Y, Y, average="micro", sample_weight=[1, 2, 3])
    with pytest.raises(TargetError, match="all zero"):
        lm.f1_score(Y, Y, average="micro", sample_weight=[0, 0])
    with pytest.raises(ValueError, match="zero_division"):
        lm.f1_score(Y, Y, average="micro", zero_division=2)
    with pytest.raises(ValueError, match="'beta' must be a number"):
        lm.fbeta_score(Y, Y, beta=-1, average="micro")


def test_label_lists_unknown_label_with_a_label_space():
    from labelwise.data import LabelSpace

    space = LabelSpace(["a", "b"])
    with pytest.raises(TargetError, match="unknown label 'c'"):
        format_label_inputs([["a"]], [["c"]], label_space=space)


def test_torch_gpu_tensors_are_refused_with_advice():
    torch = pytest.importorskip("torch")
    t = torch.zeros((2, 2))
    assert lm.hamming_loss(t, t) == 0.0  # CPU tensors work
