"""Every estimator exported from labelwise.models and labelwise.text raises scikit-learn's
NotFittedError when asked for scores or decisions before ``fit``."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import labelwise.models
import labelwise.text
from labelwise.models import BinaryRelevance, MLkNN, ScoreAverage

# Classes whose constructor needs arguments; every other exported estimator is built with none.
NEEDS_ARGUMENTS = {ScoreAverage: lambda: ScoreAverage([BinaryRelevance(), MLkNN()])}
METHODS = ("predict", "predict_proba", "decision_function", "predict_labels")


def _estimators() -> list:
    return [
        pytest.param(obj, id=f"{module.__name__.split('.')[-1]}.{name}")
        for module in (labelwise.models, labelwise.text)
        for name in module.__all__
        if isinstance(obj := getattr(module, name), type)
        and hasattr(obj, "fit")
        and hasattr(obj, "predict")
    ]


def _unfitted(cls):
    return NEEDS_ARGUMENTS[cls]() if cls in NEEDS_ARGUMENTS else cls()


def test_the_listing_covers_every_model_family():
    found = {p.values[0].__name__ for p in _estimators()}
    assert {"BinaryRelevance", "ScoreAverage", "NeuralClassifier", "TextEnsemble"} <= found
    assert {"TfidfClassifier", "EmbeddingClassifier", "OneVsOne", "RAkEL", "LabelTree"} <= found
    assert len(found) == 17


@pytest.mark.parametrize("cls", _estimators())
def test_unfitted_estimators_raise_not_fitted_error(cls):
    est = _unfitted(cls)
    is_text = est.__sklearn_tags__().input_tags.string
    X = ["a text", "another one"] if is_text else np.random.default_rng(0).random((2, 3))
    methods = [m for m in METHODS if hasattr(est, m)]
    assert {"predict", "predict_proba"} <= set(methods)
    for method in methods:
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(est, method)(X)
