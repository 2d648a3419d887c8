"""HierarchicalClassifier's defaults (issue 18): the decision rule is tuned on 3-fold out-of-fold
training scores for hierarchical F1 unless ``cv=None`` or the rule has nothing to learn; parent
mappings may leave roots and labels implicit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from labelwise.data import Hierarchy
from labelwise.decision import FixedThreshold
from labelwise.decision.hierarchical import ConsistentSet
from labelwise.errors import LabelwiseWarning, UnknownLabelError
from labelwise.metrics.hierarchical import hierarchical_f1_score
from labelwise.models import HierarchicalClassifier

pytestmark = pytest.mark.usefixtures("one_blas_thread")


PARENTS = {"cat": "animal", "dog": "animal", "car": "vehicle"}  # roots implicit
NAMES = ["cat", "dog", "car"]


def _rare(seed: int, n: int = 300):
    """Rare labels (5-15%) whose probabilities stay below 0.5: t = 0.5 predicts almost none."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    logits = 1.2 * X - np.array([2.6, 2.9, 2.2]) + 0.8 * rng.normal(size=(n, 3))
    return X, (logits > 0).astype(int)


def lr():
    return LogisticRegression(C=0.05, max_iter=500)


class CountingLR(LogisticRegression):
    fits = 0

    def fit(self, X, y, sample_weight=None):
        CountingLR.fits += 1
        return super().fit(X, y, sample_weight=sample_weight)


def test_default_tunes_t_on_three_fold_out_of_fold_scores():
    X, Y = _rare(0)
    assert HierarchicalClassifier().get_params()["cv"] == 3
    model = HierarchicalClassifier(lr(), hierarchy=PARENTS, labels=NAMES, random_state=0)
    model.fit(X, Y)
    # the same tuning by hand: 3 shuffled folds, untuned fold models, ConsistentSet fitted
    oof = np.full((len(X), len(model.nodes_)), np.nan)
    for train, test in KFold(3, shuffle=True, random_state=0).split(X):
        fold = HierarchicalClassifier(lr(), hierarchy=model.hierarchy_, labels=NAMES, cv=None).fit(
            X[train], Y[train]
        )
        oof[test] = fold.predict_node_proba(X[test])
    Yn = model.hierarchy_.add_ancestors(np.hstack([Y, np.zeros((len(Y), 2), int)]), model.nodes_)
    rule = ConsistentSet(model.hierarchy_, model.nodes_, implicit=["animal", "vehicle"])
    rule.fit(Yn, oof)
    assert model.rule_.threshold_ == rule.threshold_ < 0.5
    np.testing.assert_array_equal(
        model.predict(X), rule.predict(model.predict_node_proba(X))[:, :3]
    )


def test_tuned_default_beats_half_on_held_out_rare_labels():
    X, Y = _rare(0)
    Xt, Yt = _rare(1, n=600)
    tuned = HierarchicalClassifier(lr(), hierarchy=PARENTS, labels=NAMES, random_state=0)
    half = HierarchicalClassifier(lr(), hierarchy=PARENTS, labels=NAMES, cv=None)
    hf_tuned = hierarchical_f1_score(Yt, tuned.fit(X, Y).predict(Xt), PARENTS, labels=NAMES)
    hf_half = hierarchical_f1_score(
        Yt, half.fit(X, Y).predict(Xt), PARENTS, labels=NAMES, zero_division=0.0
    )
    assert not hasattr(half.rule_, "threshold_") and half.rule_.threshold == 0.5
    assert hf_half < 0.2 < 0.4 < hf_tuned


def test_cv_none_and_rules_without_anything_to_learn_skip_the_folds():
    X, Y = _rare(0)
    counts = {}
    for name, params in {
        "default": {},
        "cv=None": {"cv": None},
        "fixed": {"decision_rule": FixedThreshold(0.3)},
        "product": {"decision_rule": ConsistentSet(objective="product")},
        "given t, cv=None": {"decision_rule": ConsistentSet(threshold=0.2), "cv": None},
    }.items():
        CountingLR.fits = 0
        model = HierarchicalClassifier(
            CountingLR(), hierarchy=PARENTS, labels=NAMES, random_state=0, **params
        ).fit(X, Y)
        counts[name] = CountingLR.fits
        if name == "given t, cv=None":
            assert model.rule_.threshold == 0.2 and not hasattr(model.rule_, "threshold_")
    nodes = 5  # flat: one binary model per node (cat, dog, car, animal, vehicle)
    assert counts == {
        "default": nodes * 4,  # the final fit and three folds
        "cv=None": nodes,
        "fixed": nodes,
        "product": nodes,
        "given t, cv=None": nodes,
    }


def test_fewer_rows_than_folds_warns_and_uses_the_rule_as_given():
    X = np.array([[0.0], [1.0]])
    Y = np.array([[1, 0], [0, 1]])
    with pytest.warns(LabelwiseWarning, match="2 training rows are fewer than cv=3 folds"):
        model = HierarchicalClassifier(hierarchy={"a": "g", "b": "g"}, labels=["a", "b"]).fit(X, Y)
    assert not hasattr(model.rule_, "threshold_")
    with pytest.raises(ValueError, match=r"parameter 'cv' must be .*; got 1"):
        HierarchicalClassifier(cv=1).fit(X, Y)


def test_issue_mapping_without_roots_and_a_label_it_leaves_out():
    # issue 18: {"A.A1": "A"} was refused until "A": None was added; a label the mapping left
    # out was refused instead of being a root
    X, Y = _rare(2)
    names = ["A.A1", "A.A2", "neutral"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = HierarchicalClassifier(
            lr(), hierarchy={"A.A1": "A", "A.A2": "A"}, labels=names, random_state=0
        ).fit(X, Y)
    ours = [w for w in caught if issubclass(w.category, LabelwiseWarning)]
    assert [str(w.message) for w in ours] == [
        "HierarchicalClassifier: 1 label(s) that the hierarchy does not mention are roots: "
        "'neutral'."
    ]
    assert model.nodes_ == ["A.A1", "A.A2", "neutral", "A"]
    assert model.hierarchy_ == Hierarchy({"A.A1": "A", "A.A2": "A", "A": None, "neutral": None})
    assert model.predict(X).shape == (300, 3)


def test_unnamed_columns_that_match_no_mapping_label_are_an_error():
    X, Y = _rare(2)  # three columns, no names: not the mapping's five labels
    with pytest.raises(UnknownLabelError, match="Y has 3 unnamed columns but the hierarchy has 5"):
        HierarchicalClassifier(hierarchy=PARENTS).fit(X, Y)


@pytest.mark.parametrize("spec", ["dotted", ["A.A1", "A.A2", "B.B1"]])
def test_dotted_specs_in_the_model(spec):
    X, Y = _rare(3)
    model = HierarchicalClassifier(lr(), hierarchy=spec, labels=["A.A1", "A.A2", "B.B1"], cv=None)
    assert model.fit(X, Y).nodes_ == ["A.A1", "A.A2", "B.B1", "A", "B"]
