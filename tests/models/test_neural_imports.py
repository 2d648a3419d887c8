"""The neural model's modules moved into ``labelwise.models.neural``; the old names still import.

Model files record a class by its path (``labelwise.models.neural.NeuralClassifier``), so the
class keeps that ``__module__`` and the path resolves to it.
"""

from __future__ import annotations

import importlib

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
