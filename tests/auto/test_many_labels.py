"""The main job with many labels: at-k metrics with any k, the label tree among the candidates."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from labelwise.auto import AutoClassifier, get_objective
from labelwise.auto.candidates import MANY_LABELS, DataProfile, build_candidates, fit_seconds
from labelwise.errors import ProblemSetupError


def test_at_k_metrics_take_any_k_and_score_by_the_definition():
    Y = np.array([[1, 0, 0, 0, 0, 1], [0, 1, 1, 0, 0, 0]])
    S = np.array([[0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [0.1, 0.2, 0.9, 0.8, 0.3, 0.0]])
    # P@5 by hand: row 0 has 1 of its 2 labels in its top 5, row 1 both (labels 2 and 1)
    p5 = get_objective("precision_at_k", k=5)
    assert p5.k == 5 and repr(p5.rules()) == "[TopK(k=5)]"
    assert p5.score(Y, S) == pytest.approx((1 / 5 + 2 / 5) / 2)
    assert get_objective("precision_at_k").score(Y, S) == pytest.approx((1 / 3 + 1 / 3) / 2)
    # nDCG@2 by hand: row 0 hits at rank 1 (ideal 2 hits), row 1 at rank 1 only
    ideal = 1 + 1 / np.log2(3)
    assert get_objective("ndcg_at_k", k=2).score(Y, S) == pytest.approx((1 / ideal) * 1.0)
    assert get_objective("precision_at_1", k=1).k == 1
    for name, k in (("micro_f1", 5), ("precision_at_1", 3)):
        with pytest.raises(ProblemSetupError, match=f"k={k} applies to precision_at_k"):
            get_objective(name, k=k)
    with pytest.raises(ProblemSetupError, match="1 or more"):
        get_objective("ndcg_at_k", k=0)


def test_the_label_tree_joins_for_a_ranking_metric_on_many_labels():
    tags = DataProfile(12000, 500, 983, True, False, 12000, "multilabel", 18.5, 19.0)
    names = lambda **kw: [c.name for c in build_candidates(tags, **kw)]  # noqa: E731
    assert "LabelTree(3 trees)" in names(ranking=True)
    assert "LabelTree(3 trees)" not in names()  # F-measures keep the usual space
    few = DataProfile(12000, 500, MANY_LABELS - 1, True, False, 900, "multilabel", 18.5, 3.0)
    assert all(not c.name.startswith("LabelTree") for c in build_candidates(few, ranking=True))
    # P@k with 983 labels: the tree is estimated several times cheaper than one-vs-rest
    tree = next(c for c in build_candidates(tags, ranking=True) if c.name.startswith("Label"))
    br = next(c for c in build_candidates(tags, ranking=True) if c.name.startswith("Binary"))
    assert tree.cost < br.cost / 5


def test_the_label_trees_cost_follows_rows_stored_values_and_labels_per_row():
    base = DataProfile(10000, 500, 1000, True, False, 9000, "multilabel", 20.0, 10.0)
    ratio = lambda p: fit_seconds("label_tree", p) / fit_seconds("label_tree", base)  # noqa: E731
    assert ratio(DataProfile(20000, 500, 1000, True, False, 9000, "multilabel", 20.0, 10.0)) == (
        pytest.approx(2.0, rel=0.01)
    )
    assert ratio(DataProfile(10000, 500, 1000, True, False, 9000, "multilabel", 40.0, 10.0)) == (
        pytest.approx(2.0, rel=0.01)
    )
    assert ratio(DataProfile(10000, 500, 1000, True, False, 9000, "multilabel", 20.0, 20.0)) == (
        pytest.approx(2.0, rel=0.01)
    )
    # a leaf holds at most 100 labels: 10 times the labels do not cost 10 times as much
    assert ratio(DataProfile(10000, 500, 10000, True, False, 9000, "multilabel", 20.0, 10.0)) == (
        pytest.approx(1.0, rel=0.01)
    )


def test_the_main_job_cross_validates_the_label_tree_for_precision_at_1():
    rng = np.random.default_rng(0)
    n, L, d = 400, 120, 300
    Y = np.zeros((n, L), dtype=np.int8)
    Y[np.arange(n), rng.integers(0, L, n)] = 1  # each example one label and its own word
    X = sp.random(n, d, density=0.02, random_state=0, format="csr")
    X = sp.csr_matrix(X + sp.csr_matrix((np.ones(n), (np.arange(n), Y.argmax(1))), shape=(n, d)))
    auto = AutoClassifier(
        "precision_at_k", k=1, candidates=["LabelTree"], cv=3, blend=False, keep_oof_scores=True
    )
    auto.fit(X, Y)
    row = auto.leaderboard_[0]
    assert row["candidate"] == "LabelTree(3 trees)" and row["status"] == "ok"
    # P@1 by its definition on the out-of-fold scores: is each row's top label one of its own?
    top = auto.oof_scores_.argmax(axis=1)
    assert row["score"] == pytest.approx(Y[np.arange(n), top].mean())
    assert row["score"] > 0.5  # chance is 1/120: the label's own word gives most away
    assert type(auto.rule_).__name__ == "TopK" and auto.rule_.k == 1
    assert (auto.predict(X[:10]).sum(axis=1) == 1).all()


def test_the_forest_joins_with_a_cost_independent_of_the_labels(monkeypatch):
    import labelwise.models as models

    class LabelForest:  # stands for the forest model before labelwise.models exports it
        def __init__(self, random_state=None):
            self.random_state = random_state

    monkeypatch.setattr(models, "LabelForest", LabelForest, raising=False)
    tags = DataProfile(12000, 500, 983, True, False, 12000, "multilabel", 18.5, 19.0)
    forest = next(c for c in build_candidates(tags, ranking=True) if c.name.startswith("LabelF"))
    assert forest.name == "LabelForest(50 trees)" and forest.family == "trees"
    assert forest.make().random_state == 0
    more = DataProfile(12000, 500, 30000, True, False, 12000, "multilabel", 18.5, 19.0)
    assert fit_seconds("label_forest", more) == fit_seconds("label_forest", tags)
    # n log n: twice the rows cost a little more than twice as much
    assert 2.0 < forest.rows_factor(12000, 6000) < 2.2
    assert not any(c.name.startswith("LabelF") for c in build_candidates(tags))


def _tag_texts(n=300, L=120, seed=0):
    """Each document names its 1-2 tags by their own words, among a few common words."""
    rng = np.random.default_rng(seed)
    common = ["the", "report", "about", "new", "with", "from", "review", "notes"]
    Y = np.zeros((n, L), dtype=np.int8)
    docs = []
    for i in range(n):
        tags = rng.choice(L, size=rng.integers(1, 3), replace=False)
        Y[i, tags] = 1
        words = [f"topic{t}x" for t in tags] + list(rng.choice(common, size=4))
        docs.append(" ".join(rng.permutation(words)))
    return docs, Y


def test_text_with_many_tags_brings_in_tfidf_into_a_label_tree():
    import inspect

    from labelwise.text import TfidfClassifier

    if "model" not in inspect.signature(TfidfClassifier).parameters:
        pytest.skip("this labelwise's TfidfClassifier has no model= parameter")
    docs, Y = _tag_texts()
    text = DataProfile(300, 0, 120, False, True, 250, "multilabel", None, 1.5)
    names = [c.name for c in build_candidates(text, ranking=True)]
    assert "TfidfClassifier(LabelTree)" in names
    assert "TfidfClassifier(LabelTree)" not in [c.name for c in build_candidates(text)]
    few = DataProfile(300, 0, MANY_LABELS - 1, False, True, 250, "multilabel", None, 1.5)
    assert "TfidfClassifier(LabelTree)" not in [c.name for c in build_candidates(few, ranking=True)]
    auto = AutoClassifier(
        "precision_at_k",
        k=1,
        candidates=["TfidfClassifier(LabelTree)"],
        cv=3,
        blend=False,
        keep_oof_scores=True,
    )
    auto.fit(docs, Y)
    row = auto.leaderboard_[0]
    assert row["candidate"] == "TfidfClassifier(LabelTree)" and row["status"] == "ok"
    top = np.asarray(auto.oof_scores_).argmax(axis=1)
    assert row["score"] == pytest.approx(Y[np.arange(len(docs)), top].mean())
    assert row["score"] > 0.5  # chance is below 1/60: each tag's own word gives it away
