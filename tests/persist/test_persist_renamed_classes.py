"""A model file written before a module was renamed records the old class path; it still loads.

skops records each object's class as ``type(obj).__module__`` + name when the file is written, so
a file from before a rename is simulated by saving while the class still reports its old module.
"""

from __future__ import annotations

import importlib
import io
import zipfile

import numpy as np
import pytest
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier

from labelwise.persist import TRUSTED_TYPES, load, save, untrusted_types
from labelwise.persist._trust import RENAMED_TYPES

X, Y = make_multilabel_classification(n_samples=40, n_features=4, n_classes=3, random_state=0)


def _split(path: str) -> tuple[str, str]:
    module, _, name = path.rpartition(".")
    return module, name


@pytest.mark.parametrize("old, new", sorted(RENAMED_TYPES.items()))
def test_old_class_path_is_the_same_class_and_trusted(old, new):
    old_module, old_name = _split(old)
    new_module, new_name = _split(new)
    old_cls = getattr(importlib.import_module(old_module), old_name)
    assert old_cls is getattr(importlib.import_module(new_module), new_name)
    assert f"{old_cls.__module__}.{old_cls.__qualname__}" == new  # saved under the new path now
    assert old in TRUSTED_TYPES and new in TRUSTED_TYPES


def _skops_schema(path) -> str:
    with zipfile.ZipFile(path) as outer:
        inner = outer.read("estimator.skops")
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        return zf.read("schema.json").decode()


def test_native_multilabel_saved_under_its_old_path_loads(tmp_path, monkeypatch):
    from labelwise.models.native_multilabel import NativeMultilabel

    model = NativeMultilabel(RandomForestClassifier(n_estimators=5, random_state=0)).fit(X, Y)
    path = tmp_path / "old.lw"
    with monkeypatch.context() as patch:  # the class as it was before the rename
        patch.setattr(NativeMultilabel, "__module__", "labelwise.models.native")
        save(model, path)
    schema = _skops_schema(path)
    assert '"labelwise.models.native"' in schema
    assert "native_multilabel" not in schema
    assert untrusted_types(path) == []
    loaded = load(path)
    assert type(loaded) is NativeMultilabel
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_constant_label_model_saved_under_its_old_path_loads(tmp_path, monkeypatch):
    from labelwise.models import BinaryRelevance
    from labelwise.models._input_checks import ConstantLabelModel

    Y0 = Y.copy()
    Y0[:, 1] = 0  # a label that never occurs is fitted with a ConstantLabelModel
    with pytest.warns(UserWarning, match="never occur"):
        model = BinaryRelevance().fit(X, Y0)
    assert any(isinstance(e, ConstantLabelModel) for e in model.estimators_)
    path = tmp_path / "old.lw"
    with monkeypatch.context() as patch:
        patch.setattr(ConstantLabelModel, "__module__", "labelwise.models._checks")
        save(model, path)
    assert '"labelwise.models._checks"' in _skops_schema(path)
    assert untrusted_types(path) == []
    np.testing.assert_array_equal(load(path).predict_proba(X), model.predict_proba(X))
