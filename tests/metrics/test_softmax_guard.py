"""Ranking metrics warn when softmax-like scores meet multi-label targets (issue 3's guard)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import label_ranking_average_precision_score as sk_lrap

from labelwise.errors import ProblemSetupWarning
from labelwise.metrics import average_precision_score, label_ranking_average_precision_score

rng = np.random.default_rng(0)
Y = (rng.random((50, 4)) < 0.4).astype(int)
Y[0] = [1, 1, 0, 0]  # at least one example with several labels
LOGITS = rng.normal(size=(50, 4))


def test_softmax_scores_on_multilabel_targets_warn_and_still_compute():
    S = softmax(LOGITS, axis=1)
    with pytest.warns(ProblemSetupWarning, match="sums to 1, as a softmax output does"):
        value = label_ranking_average_precision_score(Y, S)
    assert value == pytest.approx(sk_lrap(Y, S), rel=1e-9)
    with pytest.warns(ProblemSetupWarning, match="independent sigmoid per label"):
        average_precision_score(Y, S, average="macro")


def test_sigmoid_scores_and_one_label_per_row_do_not_warn():
    one_hot = np.eye(4, dtype=int)[rng.integers(0, 4, size=50)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProblemSetupWarning)
        label_ranking_average_precision_score(Y, expit(LOGITS))
        label_ranking_average_precision_score(one_hot, softmax(LOGITS, axis=1))
