"""Label names travel: a named DataFrame Y (or a categorical y) names every model's outputs.

Also what issue 18 asked of the reductions: a base model's warning once per fit (not once per
label), a failed fit leaves the model unfitted, and a rule that learns is tuned on out-of-fold
training scores.
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

import labelwise
from labelwise.data import Dataset
from labelwise.decision import (
    FixedThreshold,
    GlobalThreshold,
    PerLabelThreshold,
    ThresholdedClassifier,
)
from labelwise.errors import TargetError
from labelwise.evaluation import evaluate_model
from labelwise.models import (
    BinaryRelevance,
    ClassifierChain,
    EnsembleClassifierChains,
    LabelPowerset,
    MLkNN,
    NativeMultilabel,
    NeuralClassifier,
    OneVsOne,
    OneVsRest,
    RAkEL,
    ScoreAverage,
)
from labelwise.persist import load_metadata
from labelwise.scale_out import ClusterError
from labelwise.text import TextEnsemble, TfidfClassifier

NAMES = ["joy", "fear", "anger"]
RNG = np.random.RandomState(0)
X = RNG.randn(80, 4)
Y = ((X[:, :3] + 0.5 * RNG.randn(80, 3)) > 0.3).astype(int)
Y_DF = pd.DataFrame(Y, columns=NAMES)

WORDS = ["python", "java", "nurse", "doctor", "london", "berlin", "tax", "bank"]
TEXTS = [
    " ".join(RNG.choice(WORDS, size=4)) + f" text {i}" for i in range(40)
]  # fmt: skip
T_DF = pd.DataFrame(
    [[int("python" in t or "java" in t), int("london" in t), int("tax" in t)] for t in TEXTS],
    columns=["IT", "UK", "Finance"],
)

FEATURE_MODELS = {
    "BinaryRelevance": lambda: BinaryRelevance(),
    "LabelPowerset": lambda: LabelPowerset(),
    "RAkEL": lambda: RAkEL(k=2, random_state=0),
    "ClassifierChain": lambda: ClassifierChain(),
    "EnsembleClassifierChains": lambda: EnsembleClassifierChains(n_chains=2, random_state=0),
    "MLkNN": lambda: MLkNN(k=3),
    "NativeMultilabel": lambda: NativeMultilabel(),
    "ScoreAverage": lambda: ScoreAverage([("br", BinaryRelevance()), ("knn", MLkNN(k=3))]),
    "NeuralClassifier": lambda: NeuralClassifier(max_epochs=3, random_state=0),
    "ThresholdedClassifier": lambda: ThresholdedClassifier(BinaryRelevance(), cv=2, random_state=0),
}


@pytest.mark.parametrize("make", FEATURE_MODELS.values(), ids=FEATURE_MODELS.keys())
def test_dataframe_columns_name_the_labels(make):
    model = make().fit(X, Y_DF)
    assert list(model.classes_) == NAMES
    P = model.predict(X)
    assert isinstance(P, np.ndarray) and P.shape == Y.shape  # 0/1 in, 0/1 out, as before
    assert set(np.unique(P)) <= {0, 1}
    np.testing.assert_array_equal(P, clone(make()).fit(X, Y).predict(X))  # names change no math


@pytest.mark.parametrize(
    "make",
    [lambda: TfidfClassifier(), lambda: TextEnsemble(embedding=TfidfClassifier(linear="logistic"))],
    ids=["TfidfClassifier", "TextEnsemble"],
)
def test_text_models_take_dataframe_names(make):
    model = make().fit(TEXTS, T_DF)
    assert list(model.classes_) == ["IT", "UK", "Finance"]
    assert model.predict(TEXTS[:2]).shape == (2, 3)  # fitted on a 0/1 frame: a 0/1 matrix
    labels = model.predict_labels(["python in london"])
    assert set(labels[0]) <= {"IT", "UK", "Finance"}


def test_unnamed_frame_and_array_keep_column_numbers():
    assert BinaryRelevance().fit(X, pd.DataFrame(Y)).classes_.tolist() == [0, 1, 2]
    assert BinaryRelevance().fit(X, Y).classes_.tolist() == [0, 1, 2]


def test_duplicate_column_names_are_an_error_naming_them():
    frame = pd.DataFrame(Y, columns=["joy", "fear", "joy"])
    with pytest.raises(TargetError, match=r"duplicate column names \['joy'\]"):
        BinaryRelevance().fit(X, frame)


@pytest.mark.parametrize(
    "make",
    [lambda: OneVsRest(), lambda: OneVsOne(), lambda: NeuralClassifier(max_epochs=3)],
    ids=["OneVsRest", "OneVsOne", "NeuralClassifier"],
)
def test_categorical_classes_in_category_order(make):
    codes = np.argmax(X[:, :3], axis=1)
    order = ["low", "mid", "high"]
    y = pd.Series(pd.Categorical(np.array(order)[codes], categories=["mid", "high", "low"]))
    model = make().fit(X, y)
    assert list(model.classes_) == ["mid", "high", "low"]  # the categories' order, not sorted
    assert set(model.predict(X)) <= set(order)
    assert model.predict_proba(X).shape == (80, 3)


def test_names_reach_save_load_and_evaluate(tmp_path):
    model = BinaryRelevance().fit(X, Y_DF)
    path = tmp_path / "model.lw"
    labelwise.save(model, path)
    assert load_metadata(path)["label_names"] == NAMES
    loaded = labelwise.load(path)
    assert list(loaded.classes_) == NAMES
    P = loaded.predict(X[:5])
    named = [[loaded.classes_[j] for j in np.flatnonzero(row)] for row in P]
    expected = [[n for n, v in zip(NAMES, row, strict=True) if v] for row in model.predict(X[:5])]
    assert named == expected
    # the data's columns in another order are put in the model's by name
    data = Dataset(X, Y[:, ::-1].copy(), NAMES[::-1])
    ev = evaluate_model(loaded, data, load_metadata(path))
    assert [row["label"] for row in ev.per_label] == NAMES
    ev_direct = evaluate_model(model, Dataset(X, Y, NAMES))
    assert ev.scores["f1_micro"] == pytest.approx(ev_direct.scores["f1_micro"])


# ---------------------------------------------------------------- one warning per fit

MANY = [f"label{j}" for j in range(12)]
Y_MANY = pd.DataFrame((RNG.rand(80, 12) < 0.5).astype(int), columns=MANY)


@pytest.mark.parametrize(
    "make",
    [
        lambda base: BinaryRelevance(base),
        lambda base: BinaryRelevance(base, n_jobs=2),  # worker processes: lost before
        lambda base: ClassifierChain(base),
        lambda base: EnsembleClassifierChains(base, n_chains=2, random_state=0),
    ],
    ids=["BinaryRelevance", "BinaryRelevance-n_jobs2", "ClassifierChain", "ECC"],
)
def test_base_warning_once_per_fit_with_label_count(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make(LogisticRegression(max_iter=1)).fit(X, Y_MANY)
    conv = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(conv) == 1, conv
    assert conv[0].endswith("(on 12 of 12 labels: label0, label1, label2, label3, label4, ...)")


def test_rakel_warning_names_label_sets():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RAkEL(LogisticRegression(max_iter=1), k=2, mode="disjoint", random_state=0).fit(X, Y_MANY)
    conv = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(conv) == 1 and "(on 6 of 6 label sets: label" in conv[0]


# ---------------------------------------------------------------- a failed fit is no fit


class FailsOnLabel(ClassifierMixin, BaseEstimator):
    """Fits like logistic regression, except on the targets of one label (its positives)."""

    def __init__(self, fail_on_sum: int = -1) -> None:
        self.fail_on_sum = fail_on_sum

    def fit(self, X, y):
        if int(np.sum(y)) == self.fail_on_sum:
            raise ClusterError("the scheduler lost the worker fitting this label")
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)


FAILING = {
    "BinaryRelevance": lambda base: BinaryRelevance(base),
    "ClassifierChain": lambda base: ClassifierChain(base),
    "EnsembleClassifierChains": lambda base: EnsembleClassifierChains(base, n_chains=2),
    "ThresholdedClassifier": lambda base: ThresholdedClassifier(BinaryRelevance(base), cv=2),
}


@pytest.mark.parametrize("make", FAILING.values(), ids=FAILING.keys())
def test_failed_fit_leaves_model_unfitted(make, tmp_path):
    model = make(FailsOnLabel()).fit(X, Y_DF)  # a first fit that succeeds
    assert list(model.classes_) == NAMES
    bad = int(Y[:, 2].sum())
    model.set_params(**{k: bad for k in model.get_params() if k.endswith("fail_on_sum")})
    with pytest.raises(ClusterError):
        model.fit(X, Y_DF)
    assert not hasattr(model, "classes_")  # nothing stale from the first fit either
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(Exception, match=r"(?i)not fitted|unfitted"):
        labelwise.save(model, tmp_path / "m.lw")
    assert not (tmp_path / "m.lw").exists()


# ---------------------------------------------------------------- a rule that learns is tuned


def _oof_reference(model, rule, X, Y):
    """Out-of-fold scores by hand: 5 shuffled folds seeded 0, each fitted on the rest."""
    oof = np.zeros(Y.shape)
    for train, test in KFold(5, shuffle=True, random_state=0).split(X):
        fold = clone(model).set_params(decision_rule=None).fit(X[train], Y[train])
        oof[test] = fold.predict_proba(X[test])
    return clone(rule).fit(Y, oof)


def test_tunable_rule_is_tuned_on_out_of_fold_scores():
    with pytest.raises(NotFittedError):  # what a bare unfitted rule does: it cannot decide
        GlobalThreshold().predict([[0.5, 0.5]])
    model = BinaryRelevance(decision_rule=GlobalThreshold()).fit(X, Y_DF)
    expected = _oof_reference(BinaryRelevance(), GlobalThreshold(), X, Y)
    assert model.rule_.threshold_ == pytest.approx(expected.threshold_)
    assert model.decision_rule.get_params() == GlobalThreshold().get_params()  # left unfitted
    S = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), (S >= expected.threshold_).astype(np.int8))


def test_fixed_or_prefitted_rule_is_used_as_given():
    fixed = BinaryRelevance(decision_rule=FixedThreshold(0.3)).fit(X, Y)
    assert not hasattr(fixed, "rule_")
    prefit = GlobalThreshold().fit(Y, np.clip(Y * 0.8 + 0.1, 0, 1))
    model = BinaryRelevance(decision_rule=prefit).fit(X, Y)
    assert not hasattr(model, "rule_")
    np.testing.assert_array_equal(
        model.predict(X), (model.predict_proba(X) >= prefit.threshold_).astype(np.int8)
    )


class CountingLR(LogisticRegression):
    fits: ClassVar[list[int]] = []

    def fit(self, X, y, sample_weight=None):
        CountingLR.fits.append(len(y))
        return super().fit(X, y, sample_weight=sample_weight)


def test_folds_do_not_tune_a_rule_of_their_own():
    CountingLR.fits = []
    BinaryRelevance(CountingLR(), decision_rule=PerLabelThreshold()).fit(X, Y)
    assert len(CountingLR.fits) == 3 * (1 + 5)  # 3 labels: the refit and 5 folds, no more


def test_text_model_with_a_tunable_rule_predicts():
    labels = [[c for c in T_DF.columns if row[c]] for _, row in T_DF.iterrows()]
    model = TfidfClassifier(decision_rule=PerLabelThreshold()).fit(TEXTS, labels)
    assert model.rule_.thresholds_.shape == (3,)
    assert all(set(row) <= {"IT", "UK", "Finance"} for row in model.predict(TEXTS[:5]))


def test_names_reach_the_server(tmp_path):
    pytest.importorskip("fastapi")
    pytest.importorskip("httpx")
    from fastapi.testclient import TestClient

    from labelwise.serve import create_app

    model = BinaryRelevance().fit(X, Y_DF)
    path = tmp_path / "model.lw"
    labelwise.save(model, path)
    client = TestClient(create_app(path), raise_server_exceptions=False)
    assert client.get("/labels").json() == {"labels": NAMES}
    r = client.post("/predict", json={"instances": X[:4].tolist()})
    assert r.status_code == 200
    got = [sorted(p["labels"]) for p in r.json()["predictions"]]
    P = model.predict(X[:4])
    assert got == [sorted(NAMES[j] for j in np.flatnonzero(row)) for row in P]


def test_ensemble_members_give_scores_and_the_ensemble_tunes():
    CountingLR.fits = []
    member = BinaryRelevance(CountingLR(), decision_rule=PerLabelThreshold())
    avg = ScoreAverage([("br", member)], decision_rule=FixedThreshold(0.5)).fit(X, Y)
    assert len(CountingLR.fits) == 3 and not hasattr(avg.estimators_[0], "rule_")
    CountingLR.fits = []
    avg = ScoreAverage([("br", BinaryRelevance(CountingLR()))], decision_rule=GlobalThreshold())
    avg.fit(X, Y)
    assert len(CountingLR.fits) == 3 * (1 + 5) and hasattr(avg, "rule_")


@pytest.mark.parametrize("cls", [OneVsRest, OneVsOne], ids=["OneVsRest", "OneVsOne"])
def test_one_hot_frame_names_the_classes(cls):
    codes = np.argmax(X[:, :3], axis=1)
    frame = pd.DataFrame(np.eye(3, dtype=int)[codes], columns=["red", "green", "blue"])
    model = cls().fit(X, frame)
    assert list(model.classes_) == ["red", "green", "blue"]
    by_index = cls().fit(X, codes).predict(X)
    np.testing.assert_array_equal(model.predict(X), np.array(["red", "green", "blue"])[by_index])


def test_tuned_rule_is_saved_and_recorded(tmp_path):
    model = BinaryRelevance(decision_rule=PerLabelThreshold()).fit(X, Y_DF)
    path = tmp_path / "tuned.lw"
    labelwise.save(model, path)
    recorded = load_metadata(path)["decision_rule"]
    assert recorded["fitted"]["thresholds_"] == pytest.approx(model.rule_.thresholds_.tolist())
    np.testing.assert_array_equal(labelwise.load(path).predict(X), model.predict(X))


def test_text_model_warnings_name_labels_not_columns():
    texts = ["java dev", "nurse job", "java senior", "nurse clinic", "java london", "nurse b"]
    labels = [["IT"], ["IT"], ["IT"], ["IT"], ["IT"], ["IT", "Health"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        TfidfClassifier().fit(texts, labels)
    messages = [str(w.message) for w in caught]
    assert any("label 'IT' occurs in every example" in m for m in messages), messages
