"""A loaded model is a model: a fitted classifier, described by its metadata; ``save`` writes the
model's own label names and refuses what ``load`` would refuse."""

from __future__ import annotations

import functools
import hashlib
import json
import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_array

from labelwise.errors import ModelFileError
from labelwise.models import BinaryRelevance, OneVsRest
from labelwise.persist import load, load_metadata, save
from labelwise.persist._model import metadata_problems

X, Y = make_multilabel_classification(n_samples=60, n_features=5, n_classes=3, random_state=0)
X = (X - X.mean(0)) / X.std(0)
NAMES = ["sport", "news", "tech"]
LISTS = [[NAMES[j] for j in np.flatnonzero(row)] for row in Y]


@pytest.fixture(scope="module")
def named():
    """Fitted on label lists: it knows its label names."""
    return BinaryRelevance().fit(X, LISTS)


@pytest.fixture
def saved(named, tmp_path):
    save(named, tmp_path / "m.lw")
    return tmp_path / "m.lw"


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "MANIFEST.json"}


def _forge(path, members):
    manifest = {
        "algorithm": "sha256",
        "members": {
            k: {"sha256": hashlib.sha256(v).hexdigest(), "size": len(v)} for k, v in members.items()
        },
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("MANIFEST.json", json.dumps(manifest))
    return path


def _with(saved, tmp_path, *, estimator=None, **changes):
    members = _members(saved)
    meta = json.loads(members["metadata.json"])
    meta.update(changes)
    members["metadata.json"] = json.dumps(meta).encode()
    if estimator is not None:
        members["estimator.skops"] = sio.dumps(estimator)
    return _forge(tmp_path / "forged.lw", members)


# --- the object is a fitted classifier ------------------------------------------------------


def test_partial_of_a_trusted_function_is_not_a_model(saved, tmp_path):
    forged = _with(saved, tmp_path, estimator=functools.partial(check_array, ensure_2d=False))
    with pytest.raises(ModelFileError, match=r"holds a functools\.partial, not an estimator"):
        load(forged)


def test_estimator_without_predict_proba_is_not_a_model(saved, tmp_path):
    scaler = StandardScaler().fit(X)
    forged = _with(saved, tmp_path, estimator=scaler, label_names=None, n_features=5)
    with pytest.raises(ModelFileError, match=r"StandardScaler has no predict or predict_proba"):
        load(forged)


def test_unfitted_estimator_in_a_file_is_refused(saved, tmp_path):
    forged = _with(saved, tmp_path, estimator=BinaryRelevance())
    with pytest.raises(ModelFileError, match=r"BinaryRelevance is not fitted"):
        load(forged)


# --- the metadata describes the model -------------------------------------------------------

MISMATCHES = {
    "names a number": ({"label_names": 3}, r"label_names is 3, not a list of label names"),
    "too few names": (
        {"label_names": ["sport", "news"]},
        r"label_names has 2 names but the model scores 3 labels",
    ),
    "names out of order": (
        {"label_names": ["sport", "news", "tech"]},  # the model's order: news, sport, tech
        r"label_names .* differ from the model's labels .*position 0: 'sport' vs 'news'",
    ),
    "a name twice": ({"label_names": ["a", "a", "b"]}, r"label_names names 'a' twice"),
    "a name that is a list": ({"label_names": [["a"], "b", "c"]}, r"label_names holds \['a'\]"),
    "wrong feature count": ({"n_features": 7}, r"n_features is 7 but the model reads 5 features"),
    "feature count not a number": ({"n_features": "5"}, r"n_features is '5', not a number"),
    "text for a feature model": (
        {"input": "text"},
        r"input is 'text' but the model reads features",
    ),
    "unknown input": ({"input": "images"}, r"input is 'images', not 'features' or 'text'"),
    "wrong problem type": (
        {"problem_type": "regression"},
        r"problem_type is 'regression', not one of multilabel",
    ),
    "feature names of another length": (
        {"feature_names": ["a", "b"]},
        r"feature_names has 2 names but n_features is 5",
    ),
    "fingerprint not an object": (
        {"training_fingerprint": [1, 2]},
        r"training_fingerprint is \[1, 2\], not a JSON object",
    ),
    "rule not an object": ({"decision_rule": "top-3"}, r"decision_rule is 'top-3', not a JSON"),
    "rule parameters not an object": (
        {"decision_rule": {"class": "x.TopK", "params": [3]}},
        r"decision_rule's params is \[3\], not a JSON object",
    ),
    "leaderboard not records": ({"leaderboard": [1, 2]}, r"leaderboard is \[1, 2\], not a list"),
}


@pytest.mark.parametrize("case", MISMATCHES)
def test_metadata_that_does_not_describe_the_model_is_refused(saved, tmp_path, case):
    changes, message = MISMATCHES[case]
    forged = _with(saved, tmp_path, **changes)
    with pytest.raises(ModelFileError, match=message):
        load(forged)


def test_metadata_types_are_checked_by_load_metadata_too(saved, tmp_path):
    with pytest.raises(ModelFileError, match="label_names is 3"):
        load_metadata(_with(saved, tmp_path, label_names=3))


def test_feature_names_must_be_the_models(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    save(BinaryRelevance().fit(frame, Y), tmp_path / "m.lw")
    assert load_metadata(tmp_path / "m.lw")["feature_names"] == [f"f{i}" for i in range(5)]
    forged = _with(tmp_path / "m.lw", tmp_path, feature_names=[f"g{i}" for i in range(5)])
    with pytest.raises(ModelFileError, match=r"feature_names \['g0'.* differ from the model's"):
        load(forged)


def test_feature_input_declared_for_a_text_model_is_refused(tmp_path):
    docs = ["alpha beta", "beta gamma", "gamma delta", "delta alpha"] * 15
    model = make_pipeline(TfidfVectorizer(), BinaryRelevance()).fit(docs, Y)
    save(model, tmp_path / "t.lw")
    assert load_metadata(tmp_path / "t.lw")["input"] == "text"
    with pytest.raises(ModelFileError, match="input is 'features' but the model reads text"):
        load(_with(tmp_path / "t.lw", tmp_path, input="features"))


def test_files_written_before_names_were_checked_still_load(tmp_path):
    """Earlier files recorded a bare-matrix model's classes_ 0..L-1 as label_names."""
    model = BinaryRelevance().fit(X, Y)
    save(model, tmp_path / "m.lw")
    old = _with(tmp_path / "m.lw", tmp_path, label_names=[0, 1, 2])
    np.testing.assert_array_equal(load(old).predict_proba(X), model.predict_proba(X))
    assert metadata_problems({"label_names": [0, 1, 2], "n_features": 5}) == []


def test_multiclass_model_checks_its_class_count(tmp_path):
    y = np.array(["a", "b", "c"])[Y.argmax(axis=1)]
    model = OneVsRest().fit(X, y)
    save(model, tmp_path / "m.lw")
    assert load_metadata(tmp_path / "m.lw")["label_names"] == ["a", "b", "c"]
    with pytest.raises(ModelFileError, match="label_names has 4 names but the model scores 3"):
        load(_with(tmp_path / "m.lw", tmp_path, label_names=["a", "b", "c", "d"]))


# --- save -----------------------------------------------------------------------------------


def test_save_writes_the_models_label_names(tmp_path, named):
    save(named, tmp_path / "lists.lw")
    assert load_metadata(tmp_path / "lists.lw")["label_names"] == sorted(NAMES)
    # classes that are numbers but not column numbers are names too, written as strings
    y = np.array([3, 7, 9])[Y.argmax(axis=1)]
    save(OneVsRest().fit(X, y), tmp_path / "classes.lw")
    assert load_metadata(tmp_path / "classes.lw")["label_names"] == ["3", "7", "9"]
    # a bare 0/1 matrix gives column numbers, not names: nothing is claimed
    save(BinaryRelevance().fit(X, Y), tmp_path / "bare.lw")
    assert load_metadata(tmp_path / "bare.lw")["label_names"] is None
    # names the caller gives for a nameless model are kept
    save(BinaryRelevance().fit(X, Y), tmp_path / "given.lw", metadata={"label_names": NAMES})
    assert load_metadata(tmp_path / "given.lw")["label_names"] == NAMES


def test_save_takes_names_from_a_named_frame(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(Y, columns=NAMES)
    model = make_pipeline(StandardScaler(), BinaryRelevance()).fit(X, frame)
    if list(model.classes_) != NAMES:
        pytest.skip("models do not keep a DataFrame's column names in this checkout")
    save(model, tmp_path / "m.lw")
    assert load_metadata(tmp_path / "m.lw")["label_names"] == NAMES


def test_save_refuses_an_unfitted_model_with_a_clear_message(tmp_path):
    with pytest.raises(NotFittedError, match=r"save: this BinaryRelevance is not fitted.*m\.lw"):
        save(BinaryRelevance(), tmp_path / "m.lw")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_metadata_that_load_would_refuse(tmp_path, named):
    with pytest.raises(ValueError, match="save: label_names has 2 names but the model scores 3"):
        save(named, tmp_path / "m.lw", metadata={"label_names": ["sport", "news"]})
    with pytest.raises(ValueError, match="save: n_features is 9 but the model reads 5"):
        save(named, tmp_path / "m.lw", metadata={"n_features": 9})
    with pytest.raises(ValueError, match=r"save: .* has no predict or predict_proba"):
        save(StandardScaler().fit(X), tmp_path / "m.lw")
    assert list(tmp_path.iterdir()) == []


def test_model_that_cannot_score_is_refused_unless_the_probe_is_off(tmp_path):
    model = BinaryRelevance().fit(X, Y)
    model.estimators_[1].coef_ = model.estimators_[1].coef_[:, :3]  # arrays edited consistently
    save(model, tmp_path / "m.lw")
    with pytest.raises(ModelFileError, match=r"fails to score two rows of 5 zeros \(ValueError"):
        load(tmp_path / "m.lw")
    assert isinstance(load(tmp_path / "m.lw", probe=False), BinaryRelevance)


def test_probe_scores_text_models_with_empty_texts(tmp_path):
    docs = ["alpha beta", "beta gamma", "gamma delta", "delta alpha"] * 15
    model = make_pipeline(TfidfVectorizer(), BinaryRelevance()).fit(docs, Y)
    model[-1].estimators_[0].coef_ = model[-1].estimators_[0].coef_[:, :2]
    save(model, tmp_path / "t.lw")
    with pytest.raises(ModelFileError, match="fails to score two empty texts"):
        load(tmp_path / "t.lw")
