"""Loading runs no code from the file; damaged, modified, foreign or newer files: clear errors."""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import io
import json
import pathlib
import pickle
import warnings
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
from sklearn.base import BaseEstimator
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

import labelwise.decision
import labelwise.models
import labelwise.text
from labelwise.errors import (
    LabelwiseWarning,
    ModelFileError,
    ModelVersionWarning,
    UntrustedTypesError,
)
from labelwise.models import BinaryRelevance, MLkNN
from labelwise.persist import TRUSTED_TYPES, load, load_metadata, save, untrusted_types

X, Y = make_multilabel_classification(n_samples=60, n_features=5, n_classes=3, random_state=0)
X = (X - X.mean(0)) / X.std(0)  # scaled: logistic regressions converge at once


@pytest.fixture(scope="module")
def model():
    return BinaryRelevance().fit(X, Y)


@pytest.fixture
def saved(model, tmp_path):
    path = tmp_path / "model.lw"
    save(model, path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _forge(path, members, *, manifest=None):
    """Write a zip with a manifest whose checksums match (what an attacker can always do)."""
    members = {k: v for k, v in members.items() if k != "MANIFEST.json"}
    if manifest is None:
        manifest = {
            "algorithm": "sha256",
            "members": {
                k: {"sha256": hashlib.sha256(v).hexdigest(), "size": len(v)}
                for k, v in members.items()
            },
        }
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("MANIFEST.json", json.dumps(manifest))
    return path


def _with_metadata(saved, tmp_path, **changes):
    members = _members(saved)
    meta = json.loads(members["metadata.json"])
    meta.update(changes)
    members["metadata.json"] = json.dumps(meta).encode()
    return _forge(tmp_path / "forged.lw", members)


# --- malicious files ------------------------------------------------------------------------


class _Touch:
    """Unpickling this creates a file: the classic pickle payload."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.target),))


class Dropper:
    """An object whose ``__setstate__`` creates a file: what a trusting loader would run."""

    def __init__(self, target):
        self.target = str(target)

    def __setstate__(self, state):
        pathlib.Path(state["target"]).touch()
        self.__dict__.update(state)


def test_pickle_payload_as_estimator_is_refused_and_runs_nothing(saved, tmp_path):
    target = tmp_path / "pwned-by-pickle"
    payload = pickle.dumps(_Touch(target))
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Touch(probe)))  # the payload is live: unpickling creates a file
    assert probe.exists()

    members = _members(saved)
    members["estimator.skops"] = payload
    forged = _forge(tmp_path / "evil.lw", members)
    with pytest.raises(ModelFileError, match="not a readable skops archive"):
        load(forged)
    assert not target.exists()
    # the whole file being a pickle is not a model file either
    (tmp_path / "evil.pkl").write_bytes(payload)
    with pytest.raises(ModelFileError, match="not a labelwise model file"):
        load(tmp_path / "evil.pkl")
    assert not target.exists()


def _os_system_archive(command):
    """A skops archive whose loading would call ``os.system(command)``."""
    arg = {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(command),
        "is_json": True,
    }
    schema = {
        "__class__": "system",
        "__module__": "os",
        "__loader__": "ConstructorFromReduceNode",
        "content": {
            "__class__": "tuple",
            "__module__": "builtins",
            "__loader__": "TupleNode",
            "content": [arg],
        },
        "protocol": 2,
        "_skops_version": "0.16.0",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("schema.json", json.dumps(schema))
    return buf.getvalue()


def test_skops_archive_calling_os_system_is_refused(saved, tmp_path):
    probe = tmp_path / "probe"
    sio.loads(_os_system_archive(f"touch '{probe}'"), trusted=["os.system"])
    assert probe.exists()  # the archive is live when its type is trusted

    target = tmp_path / "pwned-by-system"
    members = _members(saved)
    members["estimator.skops"] = _os_system_archive(f"touch '{target}'")
    forged = _forge(tmp_path / "evil.lw", members)
    with pytest.raises(UntrustedTypesError, match=r"os\.system") as info:
        load(forged)
    assert info.value.types == ["os.system"]
    assert "trusted=['os.system']" in str(info.value)
    assert untrusted_types(forged) == ["os.system"]
    assert not target.exists()


def test_type_with_file_creating_setstate_is_refused(model, tmp_path):
    target = tmp_path / "pwned-by-setstate"
    evil = BinaryRelevance().fit(X, Y)
    evil.payload_ = Dropper(target)
    name = f"{Dropper.__module__}.Dropper"
    with pytest.warns(LabelwiseWarning, match="does not trust by default"):
        save(evil, tmp_path / "evil.lw")
    assert not target.exists()
    with pytest.raises(UntrustedTypesError) as info:
        load(tmp_path / "evil.lw")
    assert info.value.types == [name]
    assert not target.exists()
    # the same file with the type trusted does run it: the refusal is what protects the user
    importlib.import_module(Dropper.__module__)
    load(tmp_path / "evil.lw", trusted=[Dropper])
    assert target.exists()


def test_untrusted_helpers_are_listed_and_can_be_trusted(tmp_path):
    clip = functools.partial(np.clip, a_min=-1.0, a_max=1.0)
    model = make_pipeline(FunctionTransformer(clip), BinaryRelevance()).fit(X, Y)
    with pytest.warns(LabelwiseWarning, match=r"numpy\.clip"):
        save(model, tmp_path / "m.lw")
    with pytest.raises(UntrustedTypesError) as info:
        load(tmp_path / "m.lw")
    assert info.value.types == ["numpy.clip"]  # partial is trusted; the function it calls is not
    assert untrusted_types(tmp_path / "m.lw") == info.value.types
    loaded = load(tmp_path / "m.lw", trusted=info.value.types)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with pytest.raises(TypeError, match="trusted=True is not accepted"):
        load(tmp_path / "m.lw", trusted=[True])


def test_random_generators_inside_a_model_load_by_default(tmp_path):
    model = BinaryRelevance(
        RandomForestClassifier(n_estimators=3, random_state=np.random.RandomState(0))
    ).fit(X, Y)
    model.rng_ = np.random.default_rng(5)  # e.g. a model keeping a Generator for sampling
    save(model, tmp_path / "g.lw")
    loaded = load(tmp_path / "g.lw")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert isinstance(loaded.estimators_[0].random_state, np.random.RandomState)
    assert loaded.rng_.random() == np.random.default_rng(5).random()  # the state came along


def test_every_labelwise_estimator_and_rule_is_trusted():
    classes = {
        f"{obj.__module__}.{obj.__qualname__}"
        for mod in (labelwise.models, labelwise.decision, labelwise.text)
        for obj in vars(mod).values()
        if inspect.isclass(obj)
        and issubclass(obj, BaseEstimator)
        and obj is not labelwise.decision.DecisionRule  # the abstract base
    }
    assert classes, "no estimators found"
    assert classes <= set(TRUSTED_TYPES), sorted(classes - set(TRUSTED_TYPES))
    for name in TRUSTED_TYPES:  # every listed name is a real class or function
        module, _, cls = name.rpartition(".")
        obj = getattr(importlib.import_module(module), cls)
        assert inspect.isclass(obj) or inspect.isfunction(obj), name


# --- structures with raw indices are checked before they are trusted -------------------------


def _corrupt_tree(tree, change):
    state = tree.__getstate__()
    nodes = state["nodes"].copy()
    change(nodes)
    tree.__setstate__({**state, "nodes": nodes})


def _first_split(nodes):
    return int(np.flatnonzero(nodes["left_child"] != -1)[0])


TREE_DAMAGE = {
    "child outside the tree": lambda n: n["left_child"].__setitem__(_first_split(n), 10**6),
    "child before its parent": lambda n: n["right_child"].__setitem__(
        int(np.flatnonzero(n["left_child"] != -1)[1]), 0
    ),
    "feature outside the input": lambda n: n["feature"].__setitem__(_first_split(n), 99),
    "leaf with a child": lambda n: n["right_child"].__setitem__(
        int(np.flatnonzero(n["left_child"] == -1)[0]), 1
    ),
}


@pytest.mark.parametrize("damage", TREE_DAMAGE)
def test_damaged_decision_tree_is_refused(damage, tmp_path):
    model = BinaryRelevance(DecisionTreeClassifier(max_depth=4, random_state=0)).fit(X, Y)
    _corrupt_tree(model.estimators_[1].tree_, TREE_DAMAGE[damage])
    save(model, tmp_path / "t.lw")
    with pytest.raises(ModelFileError, match="invalid Tree"):
        load(tmp_path / "t.lw")


def _edit_schema(blob, edit):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(out, "w") as dst:
        schema = json.loads(src.read("schema.json"))
        edit(schema)
        for name in src.namelist():
            dst.writestr(name, json.dumps(schema) if name == "schema.json" else src.read(name))
    return out.getvalue()


def _tree_nodes(node):
    if isinstance(node, dict):
        if node.get("__loader__") == "TreeNode":
            yield node
        for v in node.values():
            yield from _tree_nodes(v)
    elif isinstance(node, list):
        for v in node:
            yield from _tree_nodes(v)


@pytest.mark.parametrize("n_outputs", ["5", "0", "-1", "1.5"])
def test_tree_constructor_arguments_are_checked_before_anything_is_built(n_outputs, tmp_path):
    model = BinaryRelevance(DecisionTreeClassifier(max_depth=2, random_state=0)).fit(X, Y)
    save(model, tmp_path / "t.lw")

    def edit(schema):
        tree = next(_tree_nodes(schema))
        tree["__reduce__"]["args"]["content"][2]["content"] = n_outputs

    members = _members(tmp_path / "t.lw")
    members["estimator.skops"] = _edit_schema(members["estimator.skops"], edit)
    forged = _forge(tmp_path / "forged.lw", members)
    with pytest.raises(ModelFileError, match="decision tree"):
        load(forged)


def test_forest_whose_trees_expect_other_inputs_is_refused(tmp_path):
    model = BinaryRelevance(RandomForestClassifier(n_estimators=3, random_state=0)).fit(X, Y)
    model.estimators_[0].n_features_in_ = 2  # X of 2 columns would reach trees reading 5
    save(model, tmp_path / "f.lw")
    with pytest.raises(ModelFileError, match="invalid RandomForestClassifier"):
        load(tmp_path / "f.lw")


def test_boosting_predictor_reading_past_the_input_is_refused(tmp_path):
    model = BinaryRelevance(HistGradientBoostingClassifier(max_iter=3)).fit(X, Y)
    nodes = model.estimators_[0]._predictors[0][0].nodes
    nodes["feature_idx"][np.flatnonzero(nodes["is_leaf"] == 0)[0]] = 50
    save(model, tmp_path / "h.lw")
    with pytest.raises(ModelFileError, match="invalid HistGradientBoostingClassifier"):
        load(tmp_path / "h.lw")


def test_sparse_matrix_with_indices_outside_its_shape_is_refused(tmp_path):
    model = MLkNN(k=3).fit(sp.csr_matrix(X), Y)
    model._fit_X.indices[0] = 10**6
    save(model, tmp_path / "s.lw")
    with pytest.raises(ModelFileError, match="invalid csr_matrix"):
        load(tmp_path / "s.lw")


# --- damaged, modified, foreign and newer files ----------------------------------------------


@pytest.mark.parametrize("keep", [0, 10, 0.5, -1])
def test_truncated_file(saved, keep):
    data = saved.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else (keep % len(data))
    saved.write_bytes(data[:n])
    with pytest.raises(ModelFileError, match=r"truncated|empty"):
        load(saved)
    with pytest.raises(ModelFileError):
        load_metadata(saved)


def test_modified_member_fails_its_checksum(saved, tmp_path):
    members = _members(saved)
    other = BinaryRelevance(DecisionTreeClassifier(max_depth=1)).fit(X, Y)
    members["estimator.skops"] = sio.dumps(other)
    manifest = json.loads(members["MANIFEST.json"])  # the original checksums
    forged = _forge(tmp_path / "x.lw", members, manifest=manifest)
    with pytest.raises(ModelFileError, match=r"'estimator\.skops' fails its SHA-256 checksum"):
        load(forged)
    members = _members(saved)
    meta = json.loads(members["metadata.json"])
    meta["metric"] = "hamming_loss"
    members["metadata.json"] = json.dumps(meta).encode()
    forged = _forge(tmp_path / "y.lw", members, manifest=manifest)
    with pytest.raises(ModelFileError, match=r"'metadata\.json' fails its SHA-256 checksum"):
        load_metadata(forged)


def test_flipped_byte_is_detected(saved):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as zf:
        info = zf.getinfo("estimator.skops")
    data[info.header_offset + 60 + info.compress_size // 2] ^= 0xFF
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=r"damaged|checksum"):
        load(saved)


def test_added_or_removed_members_are_detected(saved, tmp_path):
    members = _members(saved)
    manifest = json.loads(members["MANIFEST.json"])
    extra = _forge(tmp_path / "a.lw", {**members, "evil.py": b"print(1)"}, manifest=manifest)
    with pytest.raises(ModelFileError, match=r"not in the manifest: evil\.py"):
        load(extra)
    members.pop("estimator.skops")
    fewer = _forge(tmp_path / "b.lw", members, manifest=manifest)
    with pytest.raises(ModelFileError, match=r"members missing: estimator\.skops"):
        load(fewer)


def test_newer_major_format_names_both_versions(saved, tmp_path):
    forged = _with_metadata(saved, tmp_path, format_version="2.0")
    with pytest.raises(ModelFileError, match=r"format 2\.0.*reads format 1\.x up to 1\.0"):
        load(forged)
    with pytest.raises(ModelFileError, match="Upgrade labelwise"):
        load_metadata(forged)


def test_newer_minor_format_loads(saved, model, tmp_path):
    forged = _with_metadata(saved, tmp_path, format_version="1.7", new_key={"a": 1})
    np.testing.assert_array_equal(load(forged).predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize("version", ["one", "1", "1.0.0", 1.0, None])
def test_invalid_format_version(saved, tmp_path, version):
    with pytest.raises(ModelFileError, match="invalid format_version"):
        load(_with_metadata(saved, tmp_path, format_version=version))


def test_other_library_versions_warn_but_load(saved, model, tmp_path):
    meta = load_metadata(saved)
    versions = {**meta["versions"], "scikit-learn": "0.24.2", "labelwise": "0.0.1"}
    forged = _with_metadata(saved, tmp_path, versions=versions)
    with pytest.warns(ModelVersionWarning, match=r"labelwise 0\.0\.1 -> .*scikit-learn 0\.24\.2"):
        loaded = load(forged)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_metadata(forged)  # reading metadata does not warn


def test_estimator_that_cannot_be_rebuilt_mentions_the_versions(saved, tmp_path):
    members = _members(saved)
    blob = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(members["estimator.skops"])) as src:
        schema = json.loads(src.read("schema.json"))
        schema["content"]["content"]["n_jobs"] = {"__loader__": "NoSuchNode"}
        with zipfile.ZipFile(blob, "w") as dst:
            for name in src.namelist():
                dst.writestr(name, json.dumps(schema) if name == "schema.json" else src.read(name))
    members["estimator.skops"] = blob.getvalue()
    meta = json.loads(members["metadata.json"])
    meta["versions"]["scikit-learn"] = "0.24.2"
    members["metadata.json"] = json.dumps(meta).encode()
    forged = _forge(tmp_path / "old.lw", members)
    with pytest.warns(ModelVersionWarning), pytest.raises(ModelFileError, match="written with"):
        load(forged)


def test_paths_that_are_not_models(tmp_path, saved):
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(ModelFileError, match="not a labelwise model file"):
        load(csv)
    (tmp_path / "empty.lw").write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty"):
        load(tmp_path / "empty.lw")
    with pytest.raises(ModelFileError, match="is a directory"):
        load(tmp_path)
    with pytest.raises(ModelFileError, match="no such model file"):
        load(tmp_path / "missing.lw")
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match=r"not a labelwise model file \(it has no metadata"):
        load(plain)
    with pytest.raises(ModelFileError, match="names format 'other'"):
        load(_with_metadata(saved, tmp_path, format="other"))
