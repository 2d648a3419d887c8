"""ThresholdedClassifier with guaranteed rules: the calibration split, explicit calibration data,
the refusal without either, multi-class sets, model files and the ``KIND=LEVEL`` specification."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier

import labelwise
from labelwise.decision import (
    ConformalSets,
    FalsePositiveControl,
    PerLabelThreshold,
    PrecisionControl,
    RecallControl,
    ThresholdedClassifier,
    estimator_scores,
)
from labelwise.decision.meta import guaranteed_rule_from_spec, is_guaranteed
from labelwise.decision.risk_control import row_risk
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError, TargetError
from labelwise.models import BinaryRelevance, ClassifierChain
from labelwise.split import train_test_split

pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=1200, n_features=12, n_classes=4, n_labels=2, random_state=0
    )
    return X[:600], Y[:600].astype(np.int8), X[600:], Y[600:].astype(np.int8)


def _lr() -> LogisticRegression:
    return LogisticRegression(solver="liblinear")


def test_the_calibration_split_fits_the_model_on_one_part_and_the_rule_on_the_other(data):
    X, Y, _, _ = data
    model = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=RecallControl(0.1, 0.1), calibration=0.25, random_state=3
    ).fit(X, Y)
    # independent reference: the same stratified split, made by hand
    train, cal = train_test_split(np.arange(600), stratify=Y, test_size=0.25, random_state=3)
    assert set(train).isdisjoint(cal) and len(train) + len(cal) == 600
    ref_model = BinaryRelevance(_lr()).fit(X[train], Y[train])
    ref_rule = RecallControl(0.1, 0.1).fit(Y[cal], estimator_scores(ref_model, X[cal]))
    assert model.n_calibration_ == len(cal)
    np.testing.assert_allclose(model.predict_proba(X), ref_model.predict_proba(X))
    assert model.rule_.threshold_ == ref_rule.threshold_
    assert model.guarantee_ == ref_rule.guarantee_ == model.rule_.guarantee_
    assert "WARNING" not in model.guarantee_.statement
    np.testing.assert_array_equal(model.predict(X), ref_rule.predict(model.predict_proba(X)))
    assert not hasattr(model, "oof_scores_")


def test_an_integer_calibration_is_a_row_count(data):
    X, Y, _, _ = data
    model = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=RecallControl(0.2), calibration=150, random_state=0
    ).fit(X, Y)
    assert abs(model.n_calibration_ - 150) <= 3  # stratification first, size within a few rows
    assert model.guarantee_.n_calibration == model.n_calibration_


def test_explicit_calibration_data_fits_the_model_on_all_rows(data):
    X, Y, X2, Y2 = data
    Xcal, Ycal = X2[:300], Y2[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProblemSetupWarning)
        model = ThresholdedClassifier(
            BinaryRelevance(_lr()), rule=PrecisionControl(0.2, 0.1), calibration=(Xcal, Ycal)
        ).fit(X, Y)
    ref_model = BinaryRelevance(_lr()).fit(X, Y)
    ref_rule = PrecisionControl(0.2, 0.1).fit(Ycal, estimator_scores(ref_model, Xcal))
    np.testing.assert_allclose(model.predict_proba(X2), ref_model.predict_proba(X2))
    assert model.rule_.threshold_ == ref_rule.threshold_
    assert model.n_calibration_ == 300


def test_calibration_rows_seen_in_training_warn_that_the_guarantee_is_void(data):
    X, Y, X2, Y2 = data
    Xcal = np.vstack([X[:40], X2[:160]])  # 40 rows the model trains on
    Ycal = np.vstack([Y[:40], Y2[:160]])
    est = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=RecallControl(0.1), calibration=(Xcal, Ycal)
    )
    with pytest.warns(ProblemSetupWarning, match="40 of 200 calibration rows"):
        est.fit(X, Y)
    assert "40 calibration rows were seen in training" in est.guarantee_.statement


def test_a_guaranteed_rule_without_calibration_is_refused(data):
    X, Y, _, _ = data
    with pytest.raises(ProblemSetupError, match=r"calibration=0\.2"):
        ThresholdedClassifier(BinaryRelevance(_lr()), rule=RecallControl(0.1)).fit(X, Y)
    # a model owning a guaranteed rule would tune it on out-of-fold scores: refused too
    with pytest.raises(ProblemSetupError, match="ThresholdedClassifier"):
        BinaryRelevance(_lr(), decision_rule=RecallControl(0.1)).fit(X, Y)


def test_a_tuned_rule_with_calibration_is_fitted_on_the_held_out_scores(data):
    X, Y, _, _ = data
    model = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=PerLabelThreshold(), calibration=0.3, random_state=1
    ).fit(X, Y)
    train, cal = train_test_split(np.arange(600), stratify=Y, test_size=0.3, random_state=1)
    scores = estimator_scores(BinaryRelevance(_lr()).fit(X[train], Y[train]), X[cal])
    ref = PerLabelThreshold().fit(Y[cal], scores)
    np.testing.assert_allclose(model.rule_.thresholds_, ref.thresholds_)
    assert not hasattr(model, "guarantee_")


MODELS = {
    "BinaryRelevance": lambda: BinaryRelevance(_lr()),
    "ClassifierChain": lambda: ClassifierChain(_lr()),
    "sklearn MultiOutputClassifier": lambda: MultiOutputClassifier(_lr()),
    "sklearn KNeighborsClassifier": lambda: KNeighborsClassifier(15),
    "sklearn RandomForestClassifier": lambda: RandomForestClassifier(30, random_state=0),
}


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("sparse", [False, True])
def test_any_model_dense_or_sparse_keeps_its_recall_promise_on_new_data(data, name, sparse):
    X, Y, Xte, Yte = data
    if sparse:
        X, Xte = sp.csr_matrix(X), sp.csr_matrix(Xte)
    model = ThresholdedClassifier(
        MODELS[name](), rule=RecallControl(0.1), calibration=0.5, random_state=0
    ).fit(X, Y)
    P = model.predict(Xte)
    np.testing.assert_array_equal(P, model.rule_.predict(model.predict_proba(Xte)))
    # 600 new rows: the risk is within sampling noise (sd about 0.012) of the promise
    assert row_risk(Yte, P, "fnr").mean() <= 0.1 + 0.04, name


def test_false_positive_control_through_the_wrapper(data):
    X, Y, Xte, Yte = data
    model = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=FalsePositiveControl(0.5), calibration=0.4, random_state=0
    ).fit(X, Y)
    assert row_risk(Yte, model.predict(Xte), "fp").mean() <= 0.5 + 0.1
    assert model.guarantee_.risk == "fp"


def test_multiclass_conformal_sets_from_a_sklearn_classifier():
    X, y = make_classification(
        n_samples=1500, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    names = np.array(["cat", "dog", "eel"])[y]
    model = ThresholdedClassifier(
        LogisticRegression(max_iter=500), rule=ConformalSets(alpha=0.1), calibration=0.3,
        random_state=0,
    ).fit(X[:1000], names[:1000])  # fmt: skip
    assert list(model.classes_) == ["cat", "dog", "eel"] and model.target_kind_ == "multiclass"
    sets = model.predict(X[1000:])
    assert sets.shape == (500, 3)
    truth = (names[1000:, None] == model.classes_[None, :]).astype(int)
    covered = (sets * truth).sum(axis=1)
    assert covered.mean() >= 0.9 - 0.04  # 500 rows: sd of the coverage about 0.013
    # the same sets from the rule fitted by hand on the held-out part
    train, cal = train_test_split(
        np.arange(1000), stratify=_onehot(names[:1000]), test_size=0.3, random_state=0
    )
    lr = LogisticRegression(max_iter=500).fit(X[train], names[train])
    ref = ConformalSets(alpha=0.1).fit(_onehot(names[cal]), lr.predict_proba(X[cal]))
    np.testing.assert_array_equal(sets, ref.predict(lr.predict_proba(X[1000:])))


def _onehot(classes: np.ndarray) -> np.ndarray:
    return (classes[:, None] == np.array(["cat", "dog", "eel"])[None, :]).astype(np.int8)


def test_multiclass_without_a_guaranteed_rule_is_still_refused():
    X, y = make_classification(n_samples=120, n_classes=3, n_informative=4, random_state=0)
    with pytest.raises(ProblemSetupError, match="ConformalSets"):
        ThresholdedClassifier(LogisticRegression(), calibration=0.3).fit(X, y)


def test_binary_targets_return_classes_with_a_recall_promise():
    X, y = make_classification(n_samples=400, n_features=6, random_state=0)
    labels = np.array(["no", "yes"])[y]
    model = ThresholdedClassifier(
        _lr(), rule=RecallControl(0.05), calibration=0.5, random_state=0
    ).fit(X, labels)
    pred = model.predict(X)
    assert set(pred) <= {"no", "yes"}
    positives = labels == "yes"
    # the positive column's scores are what the rule was calibrated on
    s = model.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(pred == "yes", s >= model.rule_.threshold_)
    assert (pred[positives] == "yes").mean() >= 0.9


@pytest.mark.parametrize(
    ("calibration", "error", "match"),
    [
        (1.5, ValueError, "calibration"),
        (0.0, ValueError, "calibration"),
        (600, ProblemSetupError, "leaves none"),
        ("a lot", ValueError, "calibration"),
    ],
)
def test_bad_calibration_values_are_named(data, calibration, error, match):
    X, Y, _, _ = data
    est = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=RecallControl(), calibration=calibration
    )
    with pytest.raises(error, match=match):
        est.fit(X, Y)
    assert not hasattr(est, "estimator_")


def test_bad_explicit_calibration_data_is_named(data):
    X, Y, X2, Y2 = data
    est = ThresholdedClassifier(BinaryRelevance(_lr()), rule=RecallControl())
    with pytest.raises(ShapeError, match="30 rows in X_cal but 20 in y_cal"):
        est.set_params(calibration=(X2[:30], Y2[:20])).fit(X, Y)
    labels = [["a"], ["b"], ["a", "b"]] * 10
    est = ThresholdedClassifier(BinaryRelevance(_lr()), rule=RecallControl(0.2))
    with pytest.raises(TargetError, match="'zzz'"):
        est.set_params(calibration=(X2[:30], [["a"], ["zzz"]] * 15)).fit(X[:30], labels)


def test_too_small_a_calibration_part_is_refused_with_the_size_needed(data):
    X, Y, _, _ = data
    est = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=RecallControl(0.01, 0.01), calibration=50, random_state=0
    )
    with pytest.raises(ProblemSetupError, match="needs at least"):
        est.fit(X, Y)


@pytest.mark.parametrize("explicit", [False, True])
def test_a_guaranteed_model_saves_and_loads(data, tmp_path, explicit):
    X, Y, X2, Y2 = data
    calibration = (X2[:200], Y2[:200]) if explicit else 0.3
    model = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=RecallControl(0.1, 0.1), calibration=calibration,
        random_state=0,
    ).fit(X, Y)  # fmt: skip
    path = tmp_path / "guaranteed.lw"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        labelwise.save(model, path)
    back = labelwise.load(path)
    np.testing.assert_array_equal(back.predict(X2), model.predict(X2))
    assert back.guarantee_ == model.guarantee_


def test_clone_keeps_the_calibration_parameter(data):
    _, _, X2, Y2 = data
    est = ThresholdedClassifier(BinaryRelevance(_lr()), rule=RecallControl(), calibration=0.2)
    assert clone(est).get_params()["calibration"] == 0.2
    pair = ThresholdedClassifier(BinaryRelevance(_lr()), calibration=(X2[:5], Y2[:5]))
    copied = clone(pair).calibration
    np.testing.assert_array_equal(copied[0], X2[:5])


@pytest.mark.parametrize(
    ("spec", "delta", "per_label", "expected"),
    [
        ("recall=0.9", 0.1, False, RecallControl(alpha=0.1, delta=0.1)),
        ("recall=0.95", None, True, RecallControl(alpha=0.05, per_label=True)),
        (" Recall = 0.8 ", None, False, RecallControl(alpha=0.2)),
        ("precision=0.9", 0.05, False, PrecisionControl(alpha=0.1, delta=0.05)),
        ("fp=0.5", None, False, FalsePositiveControl(alpha=0.5)),
        ("false-positives=2", None, False, FalsePositiveControl(alpha=2.0)),
        ("coverage=0.9", None, True, ConformalSets(alpha=0.1, class_conditional=True)),
    ],
)
def test_guarantee_specs_give_their_rules(spec, delta, per_label, expected):
    rule = guaranteed_rule_from_spec(spec, delta=delta, per_label=per_label)
    assert type(rule) is type(expected)
    assert rule.get_params() == expected.get_params()
    assert is_guaranteed(rule)


@pytest.mark.parametrize(
    ("spec", "delta", "match"),
    [
        ("recall", None, "not KIND=LEVEL"),
        ("accuracy=0.9", None, "not KIND=LEVEL"),
        ("recall=high", None, "not KIND=LEVEL"),
        ("recall=1.2", None, r"in \(0, 1\)"),
        ("recall=0.9", 1.5, "delta must be in"),
        ("precision=0.9", None, "give delta"),
        ("fp=0.5", 0.1, "in expectation only"),
        ("coverage=0.9", 0.1, "leave delta unset"),
    ],
)
def test_bad_guarantee_specs_say_what_is_wrong(spec, delta, match):
    with pytest.raises(ProblemSetupError, match=match):
        guaranteed_rule_from_spec(spec, delta=delta)


def test_one_labels_column_is_measured_as_one_label():
    """A one-column matrix is one label's 0/1 column (as the rules read it), also when it holds
    only ones: the report measures each label's miss rate on the rows having it."""
    from sklearn.metrics import recall_score

    from labelwise.decision import achieved_risk

    y, p = np.ones((10, 1), dtype=int), np.array([[1]] * 7 + [[0]] * 3)
    r = achieved_risk(y, p, "fnr")
    assert r.value == pytest.approx(1 - recall_score(y.ravel(), p.ravel()))
    assert (r.n, round(r.low, 4), round(r.high, 4)) == (10, 0.0667, 0.6525)  # scipy binomtest
    fp = achieved_risk(np.array([[0], [1], [0], [0]]), np.array([[1], [1], [1], [0]]), "fp")
    assert (fp.value, fp.high <= 1.0) == (0.5, True)  # one label: the count is binomial
    np.testing.assert_array_equal(row_risk([[1], [1]], [[1], [0]], "fnr"), [0.0, 1.0])


def test_check_promise_puts_the_achieved_risk_next_to_the_promise(data):
    from labelwise.decision.meta import check_promise

    X, Y, Xte, Yte = data
    model = ThresholdedClassifier(
        BinaryRelevance(_lr()), rule=RecallControl(0.1, 0.1), calibration=0.3, random_state=0
    ).fit(X, Y)
    P = model.predict(Xte)
    check = check_promise(model, Yte, P)
    misses = row_risk(Yte, P, "fnr")
    assert check.guarantee == model.guarantee_
    assert check.achieved.value == pytest.approx(misses.mean()) and check.achieved.n == 600
    assert check.achieved.low <= misses.mean() <= check.achieved.high
    assert str(check).endswith("promised at most 0.1 with probability at least 0.9")
    plain = ThresholdedClassifier(BinaryRelevance(_lr()), cv=3, random_state=0).fit(X, Y)
    assert check_promise(plain, Yte, plain.predict(Xte)) is None


def test_check_promise_of_multiclass_sets_and_binary_classes():
    from labelwise.decision.meta import check_promise

    X, y = make_classification(
        n_samples=900, n_features=8, n_informative=5, n_classes=3, random_state=1
    )
    names = np.array(["cat", "dog", "eel"])[y]
    sets_model = ThresholdedClassifier(
        LogisticRegression(max_iter=500), rule=ConformalSets(0.1, class_conditional=True),
        calibration=0.4, random_state=0,
    ).fit(X[:600], names[:600])  # fmt: skip
    sets = sets_model.predict(X[600:])
    missed = 1 - (sets * _onehot(names[600:])).sum(axis=1)
    check = check_promise(sets_model, names[600:], sets)
    assert check.achieved.value == pytest.approx(missed.mean())
    assert "for each class" in str(check)
    binary = np.where(y == 0, "yes", "no")
    model = ThresholdedClassifier(
        _lr(), rule=RecallControl(0.1), calibration=0.4, random_state=0
    ).fit(X[:600], binary[:600])
    pred = model.predict(X[600:])
    positives = binary[600:] == "yes"
    check = check_promise(model, binary[600:], pred)
    # the rule's loss: a missed positive counts 1, a negative example 0
    assert check.achieved.value == pytest.approx((positives & (pred == "no")).mean())
