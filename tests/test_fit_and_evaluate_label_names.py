"""Warnings issued while fit_and_evaluate trains (in its cross-validation folds too) call the
labels by the dataset's names, not by their column numbers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from labelwise._warnings import column_label_names, naming_labels
from labelwise.data.dataset import Dataset
from labelwise.models import BinaryRelevance
from labelwise.pipeline import fit_and_evaluate
from labelwise.problem import warn_constant_labels

NAMES = ["sport", "politics", "rare"]


def _data(rare_positives):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = np.zeros((40, 3), dtype=np.int8)
    Y[:, 0] = rng.random(40) < 0.5
    Y[:, 1] = rng.random(40) < 0.5
    Y[rare_positives, 2] = 1
    train = Dataset(X, Y, NAMES)
    test = Dataset(X[:10] + 100.0, Y[:10], NAMES)  # shifted: no train/test overlap warning
    return train, test


def _messages(train, test, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_and_evaluate(train, test, **kw)
    return [str(w.message) for w in caught]


def test_a_label_missing_from_a_fold_is_named():
    train, test = _data(rare_positives=[0])  # one positive: some training fold lacks it
    with warnings.catch_warnings(record=True) as whole:
        warnings.simplefilter("always")
        BinaryRelevance().fit(train.X, train.Y)
    assert not whole  # so the warning below comes from a fold, not the final refit
    messages = _messages(train, test, rule="per-label", cv=3)
    fold = [m for m in messages if "never occurs in the training data" in m]
    assert fold and all(m.startswith("BinaryRelevance: label 'rare' never occurs") for m in fold)
    assert not any("label '2'" in m for m in messages)


@pytest.mark.parametrize("rule", ["fixed", "global"])
def test_a_label_missing_from_training_is_named(rule):
    train, test = _data(rare_positives=[])
    messages = [m for m in _messages(train, test, rule=rule, cv=3) if "never occur" in m]
    assert messages and all("label 'rare' never occurs" in m for m in messages)


def test_names_apply_inside_the_block_only_and_never_override_given_names():
    Y = np.array([[1, 0], [1, 0]])
    with pytest.warns(UserWarning, match=r"label 'b' never occurs"):
        with naming_labels(["a", "b"]):
            warn_constant_labels(Y)
    with pytest.warns(UserWarning, match=r"label '1' never occurs"):
        warn_constant_labels(Y)
    with naming_labels(["a", "b"]):
        assert column_label_names(["x", "y"], 2) == ["x", "y"]  # real names stay
        assert column_label_names(["0", "1", "2"], 3) == ["0", "1", "2"]  # other columns
        assert column_label_names(None, 2) == ["a", "b"]
