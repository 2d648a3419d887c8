"""TfidfClassifier: the tuned default rule (issue 18) and a label tree in place of binary
relevance for many tags, with sparse top-k scores (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from labelwise.decision import FixedThreshold, GlobalThreshold, TopK
from labelwise.models import BinaryRelevance, LabelTree
from labelwise.models.top_k import dense_top_k
from labelwise.text import TfidfClassifier

N_TAGS = 40


def many_tags(n: int = 240, seed: int = 0) -> tuple[list[str], list[list[str]]]:
    """Texts of one to three tag words (``wordNN``) among filler words; the tags are the tags
    whose word occurs."""
    rng = np.random.default_rng(seed)
    filler = ["the", "a", "report", "about", "new", "with", "and", "today"]
    texts, tags = [], []
    for _ in range(n):
        own = sorted(rng.choice(N_TAGS, size=int(rng.integers(1, 4)), replace=False).tolist())
        words = [f"word{t:02d}" for t in own] + list(rng.choice(filler, size=4))
        rng.shuffle(words)
        texts.append(" ".join(words))
        tags.append([f"tag{t:02d}" for t in own])
    return texts, tags


@pytest.fixture(scope="module")
def corpus():
    return many_tags()


def test_default_rule_is_tuned_on_out_of_fold_scores(corpus):
    texts, tags = corpus
    texts, tags = texts[:120], tags[:120]
    words = dict(word_ngram_range=(1, 1), char_ngram_range=None)
    model = TfidfClassifier(**words).fit(texts, tags)
    assert isinstance(model.rule_, GlobalThreshold)
    # reference: scikit-learn's TF-IDF + one-vs-rest LinearSVC on the same shuffled 5 folds
    Y = model.binarize_labels(tags)
    oof = np.zeros(Y.shape)
    for train, test in KFold(5, shuffle=True, random_state=0).split(texts):
        vec = TfidfVectorizer(sublinear_tf=True)
        Xtr = vec.fit_transform([texts[i] for i in train])
        cols = Y[train].any(axis=0)
        ovr = OneVsRestClassifier(LinearSVC(random_state=0)).fit(Xtr, Y[train][:, cols])
        margins = ovr.decision_function(vec.transform([texts[i] for i in test]))
        oof[np.ix_(test, np.flatnonzero(cols))] = expit(margins)
        oof[np.ix_(test, np.flatnonzero(~cols))] = 0.0  # a label absent from the fold
    best = max(
        f1_score(Y, (oof >= c).astype(int), average="micro", zero_division=0.0)
        for c in np.unique(oof)
    )
    assert model.rule_.best_score_ == pytest.approx(best, abs=0.02)
    P = model.predict_proba(texts)
    decided = model.label_space_.decode((P >= model.rule_.threshold_).astype(np.int8))
    assert model.predict(texts) == decided
    fixed = TfidfClassifier(**words, decision_rule=FixedThreshold(0.5)).fit(texts, tags)
    assert not hasattr(fixed, "rule_")
    assert fixed.predict(texts) == fixed.label_space_.decode((P >= 0.5).astype(np.int8))


def test_the_inner_model_is_fitted_for_its_scores_only(corpus):
    texts, tags = corpus
    model = TfidfClassifier(char_ngram_range=None).fit(texts[:60], tags[:60])
    assert isinstance(model.model_, BinaryRelevance)
    assert not hasattr(model.model_, "rule_")


def test_a_label_tree_replaces_binary_relevance_and_ranks_sparsely(corpus):
    texts, tags = corpus
    tree = LabelTree(max_leaf=4, n_trees=1, random_state=0)
    model = TfidfClassifier(char_ngram_range=None, model=tree, decision_rule=TopK(1))
    model.fit(texts, tags)
    assert isinstance(model.model_, LabelTree)
    assert model.model is tree and not hasattr(tree, "trees_")  # the given one stays unfitted
    S = model.predict_proba(texts[:50], k=3)
    assert sp.issparse(S) and S.shape == (50, N_TAGS)
    assert S.getnnz(axis=1).tolist() == [3] * 50
    # the best label of each text is one of its tags (the tag words are unambiguous)
    best = np.asarray(S.argmax(axis=1)).ravel()
    hits = [model.classes_[j] in tags[i] for i, j in enumerate(best)]
    assert np.mean(hits) >= 0.95
    assert model.predict(texts[:3]) == [[model.classes_[j]] for j in best[:3]]


def test_sparse_top_k_of_binary_relevance_equals_the_dense_top_k(corpus):
    texts, tags = corpus
    model = TfidfClassifier(char_ngram_range=None, decision_rule=TopK(2)).fit(texts, tags)
    S = model.predict_proba(texts[:30], k=2)
    np.testing.assert_allclose(
        S.toarray(), dense_top_k(model.predict_proba(texts[:30]), 2).toarray()
    )


def test_a_label_tree_with_the_default_rule_tunes_a_threshold(corpus):
    texts, tags = corpus
    tree = LabelTree(max_leaf=4, n_trees=1, random_state=0)
    model = TfidfClassifier(char_ngram_range=None, model=tree).fit(texts, tags)
    assert isinstance(model.rule_, GlobalThreshold)
    assert 0.0 < model.rule_.threshold_ < 1.0


def test_model_must_offer_fit_and_predict_proba():
    with pytest.raises(ValueError, match="model"):
        TfidfClassifier(model="tree").fit(["a b", "c d"], [["x"], ["y"]])
