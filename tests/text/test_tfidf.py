"""TF-IDF text features and TfidfClassifier against scikit-learn references, with every rule."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from labelwise.data.dataset import Dataset
from labelwise.decision import (
    BayesOptimal,
    FixedThreshold,
    GlobalThreshold,
    PerLabelThreshold,
    RankCut,
    ThresholdedClassifier,
    TopK,
)
from labelwise.metrics import f1_score, hamming_loss, precision_at_k
from labelwise.text import TfidfClassifier, TfidfFeatures

TEXTS = [
    "Java senior engineer in UK",
    "Python developer in London",
    "Registered nurse in Manchester, UK",
    "Hospital doctor in London",
    "Java backend engineer in Berlin",
    "Data engineer in Munich, Germany",
    "Nurse for a clinic in Berlin",
    "Doctor in a Munich hospital",
    "Accountant in London",
    "Tax accountant in Berlin",
    "Software tester in Leeds, UK",
    "Paediatric nurse in Hamburg",
]
LABELS = [
    ["IT", "UK"], ["IT", "UK"], ["Health", "UK"], ["Health", "UK"],
    ["IT", "Germany"], ["IT", "Germany"], ["Health", "Germany"], ["Health", "Germany"],
    ["Finance", "UK"], ["Finance", "Germany"], ["IT", "UK"], ["Germany", "Health"],
]  # fmt: skip
NAMES = ["Finance", "Germany", "Health", "IT", "UK"]


def _indicator(lists):
    return np.array([[int(n in row) for n in NAMES] for row in lists], dtype=np.int8)


def test_features_equal_two_sklearn_vectorizers_side_by_side():
    tf = TfidfFeatures().fit(TEXTS)
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(TEXTS)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(TEXTS)
    new = ["Nurse in Leeds", "Java"]
    ref = sp.hstack([word.transform(new), char.transform(new)]).toarray()
    np.testing.assert_allclose(tf.transform(new).toarray(), ref)
    assert sp.issparse(tf.transform(new))
    names = tf.get_feature_names_out()
    assert len(names) == tf.n_features_out_ == ref.shape[1]
    assert names[0].startswith("word:") and names[-1].startswith("char:")


def test_scores_are_sigmoid_of_one_vs_rest_linear_svm_margins():
    model = TfidfClassifier().fit(TEXTS, LABELS)
    X = TfidfFeatures().fit_transform(TEXTS)
    ref = OneVsRestClassifier(LinearSVC(C=1.0, random_state=0)).fit(X, _indicator(LABELS))
    new = ["Senior Python engineer in Munich", "Nurse in a London hospital"]
    margins = ref.decision_function(TfidfFeatures().fit(TEXTS).transform(new))
    np.testing.assert_allclose(model.decision_function(new), margins, atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(new), expit(margins), atol=1e-6)
    assert model.classes_.tolist() == NAMES


def test_predictions_come_back_in_the_form_of_the_targets():
    new = ["Senior Python engineer in Munich", "Nurse in a London hospital", "Accountant, Munich"]
    on_lists = TfidfClassifier().fit(TEXTS, LABELS)
    on_matrix = TfidfClassifier().fit(TEXTS, _indicator(LABELS))
    assert on_lists.predict(new) == [["Germany", "IT"], ["Health", "UK"], ["Finance", "Germany"]]
    np.testing.assert_array_equal(on_matrix.predict(new), _indicator(on_lists.predict(new)))
    assert on_matrix.predict_labels(new) == [[1, 3], [2, 4], [0, 1]]
    assert on_lists.predict_labels(new) == on_lists.predict(new)
    np.testing.assert_allclose(on_lists.predict_proba(new), on_matrix.predict_proba(new))


@pytest.mark.parametrize(
    "rule",
    [FixedThreshold(0.45), TopK(2), RankCut(0.5), BayesOptimal("hamming")],
    ids=lambda r: type(r).__name__,
)
def test_predict_is_the_rule_applied_to_the_scores(rule):
    model = TfidfClassifier(decision_rule=rule).fit(TEXTS, _indicator(LABELS))
    new = ["Senior Python engineer in Munich", "Nurse in London", "Tax advisor"]
    np.testing.assert_array_equal(model.predict(new), rule.predict(model.predict_proba(new)))


@pytest.mark.parametrize("rule", [PerLabelThreshold(fallback=0.5), GlobalThreshold()])
@pytest.mark.parametrize("form", ["lists", "matrix"])
def test_tuned_rules_through_thresholded_classifier(rule, form):
    y = LABELS if form == "lists" else _indicator(LABELS)
    clf = ThresholdedClassifier(TfidfClassifier(), rule=rule, cv=3, random_state=0)
    clf.fit(TEXTS, y)
    assert clf.classes_.tolist() == (NAMES if form == "lists" else list(range(5)))
    new = ["Senior Python engineer in Munich", "Nurse in London"]
    scores = clf.predict_proba(new)
    np.testing.assert_array_equal(clf.predict(new), clf.rule_.predict(scores))
    # the rule was fitted on out-of-fold scores, not on the refitted model's training scores
    assert not np.allclose(clf.oof_scores_, clf.estimator_.predict_proba(TEXTS))


def test_metrics_take_the_models_output():
    model = TfidfClassifier().fit(TEXTS, LABELS)
    test_texts = ["Java engineer in Munich", "Nurse in Leeds", "Accountant in Hamburg"]
    test_labels = [["IT", "Germany"], ["Health", "UK"], ["Finance", "Germany"]]
    Y = model.binarize_labels(test_labels)
    P = model.predict(test_texts)
    assert f1_score(Y, _indicator(P), average="micro") == pytest.approx(
        f1_score(_indicator(test_labels), _indicator(P), average="micro")
    )
    assert 0 <= hamming_loss(Y, _indicator(P)) <= 1
    assert precision_at_k(Y, model.predict_proba(test_texts), k=1) == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore:TfidfClassifier. 1 label")
def test_clone_pickle_pipeline_and_grid_search():
    model = TfidfClassifier(C=0.5).fit(TEXTS, LABELS)
    again = pickle.loads(pickle.dumps(model))
    new = ["Python developer in Hamburg"]
    np.testing.assert_array_equal(again.predict_proba(new), model.predict_proba(new))
    assert clone(model).get_params() == TfidfClassifier(C=0.5).get_params()
    assert not hasattr(clone(model), "model_")
    pipe = make_pipeline(FunctionTransformer(lambda t: [s.upper() for s in t]), TfidfClassifier())
    assert pipe.fit(TEXTS, LABELS).predict(["JAVA ENGINEER IN LONDON"]) == [["IT", "UK"]]
    grid = GridSearchCV(TfidfClassifier(), {"C": [0.1, 10.0]}, cv=3).fit(TEXTS, LABELS)
    assert grid.best_params_["C"] in (0.1, 10.0)
    assert grid.predict(["Nurse in Munich"]) == grid.best_estimator_.predict(["Nurse in Munich"])


def test_logistic_regression_option_gives_probabilities_of_sklearn_lr():
    from sklearn.linear_model import LogisticRegression

    model = TfidfClassifier(linear="logistic", C=10.0).fit(TEXTS, LABELS)
    X = TfidfFeatures().fit_transform(TEXTS)
    lr = LogisticRegression(C=10.0, solver="liblinear", random_state=0)
    ref = OneVsRestClassifier(lr).fit(X, _indicator(LABELS))
    new = ["Nurse in Munich"]
    Xn = TfidfFeatures().fit(TEXTS).transform(new)
    np.testing.assert_allclose(model.predict_proba(new), ref.predict_proba(Xn), atol=1e-6)


def test_dataset_texts_and_labels_fit_directly(tmp_path):
    import json

    import labelwise

    path = tmp_path / "jobs.jsonl"
    path.write_text(
        "".join(
            json.dumps({"text": t, "labels": y}) + "\n" for t, y in zip(TEXTS, LABELS, strict=True)
        )
    )
    ds = labelwise.read(path, labels="labels")
    assert isinstance(ds, Dataset) and ds.X is None
    by_matrix = TfidfClassifier().fit(ds.texts, ds.Y)
    by_names = TfidfClassifier().fit(ds.texts, ds.label_lists())
    new = ["Nurse in Leeds"]
    np.testing.assert_allclose(by_matrix.predict_proba(new), by_names.predict_proba(new))
    assert by_names.classes_.tolist() == list(ds.label_names)
