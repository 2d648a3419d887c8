"""The neural model's modules moved into ``labelwise.models.neural``; the old names still import.

Model files record a class by its path (``labelwise.models.neural.NeuralClassifier``), so the
class keeps that ``__module__`` and the path resolves to it.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from labelwise.models import NeuralClassifier


@pytest.mark.parametrize(
    "old, new",
    [
        ("labelwise.models._neural_train", "labelwise.models.neural.training"),
        ("labelwise.models._torch", "labelwise.models.neural._torch"),
        ("labelwise.models.losses", "labelwise.models.neural.losses"),
    ],
)
def test_old_module_names_are_the_new_modules(old, new):
    if old.endswith("losses"):
        pytest.importorskip("torch")
    assert importlib.import_module(old) is importlib.import_module(new)


def test_old_names_inside_the_old_modules_still_import():
    from labelwise.models._neural_train import PREDICT_CHUNK, Batches, build_network, train
    from labelwise.models._torch import DEVICES, import_torch, resolve_device
    from labelwise.models.neural.training import Batches as moved

    assert Batches is moved and PREDICT_CHUNK == 8192 and DEVICES[0] == "cpu"
    assert all(callable(f) for f in (build_network, train, import_torch, resolve_device))


def test_recorded_class_path_resolves_to_the_class():
    from labelwise.persist._trust import TRUSTED_TYPES

    path = "labelwise.models.neural.NeuralClassifier"
    assert f"{NeuralClassifier.__module__}.{NeuralClassifier.__qualname__}" == path
    module, name = path.rsplit(".", 1)
    assert getattr(importlib.import_module(module), name) is NeuralClassifier
    assert path in TRUSTED_TYPES


def test_a_model_file_saved_before_the_split_loads():
    """``data/neural_before_split.lw``: saved by labelwise at commit 091ee59 (models/neural.py).

    Fitted as ``NeuralClassifier((4,), max_epochs=3, random_state=0)`` on 100 rows of
    ``default_rng(0).normal(size=(100, 4))`` with labels ``x0 > 0`` and ``x1 > 0``; the
    probabilities below are that model's, printed by the old code.
    """
    pytest.importorskip("torch")
    import numpy as np

    import labelwise

    path = Path(__file__).parent / "data" / "neural_before_split.lw"
    model = labelwise.load(path)
    assert type(model) is NeuralClassifier
    X = np.random.default_rng(0).normal(size=(100, 4)).astype(np.float32)
    expected = [[0.478384, 0.500194], [0.432666, 0.454476], [0.494136, 0.57045]]
    np.testing.assert_allclose(model.predict_proba(X[:3]), expected, atol=1e-6)
