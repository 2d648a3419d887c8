"""scikit-learn's common estimator checks for ``ThresholdedClassifier``, plus the fixes they drove.

The wrapped estimator is ``OneVsRestClassifier(LogisticRegression)``: it takes both binary 1-D y
and multi-label Y, as the meta-estimator does. Two configurations run: deciding on probabilities
(``method="auto"``) and on ``decision_function`` scores. Checks that cannot pass by design are
listed with their reason (``expected_failed_checks``); everything else runs and passes.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
from labelwise.errors import ProblemSetupError, TargetError

pytestmark = pytest.mark.usefixtures("one_blas_thread")


def _ovr() -> OneVsRestClassifier:
    return OneVsRestClassifier(LogisticRegression(max_iter=200))


TUNED_NOT_ZERO = (
    "predict applies the rule tuned on out-of-fold scores, so it need not agree with "
    "decision_function > 0 or predict_proba argmax (scikit-learn lists this check for "
    "TunedThresholdClassifierCV for the same reason)"
)
INT8_PREDICT = (
    "predict returns int8 0/1 label sets (the one output type of labelwise's decision rules), "
    "not the dtype of Y"
)


def _expected_failed_checks(estimator: ThresholdedClassifier) -> dict[str, str]:
    failed = {
        "check_classifiers_train": TUNED_NOT_ZERO,
        "check_classifier_multioutput": TUNED_NOT_ZERO,
        "check_classifiers_multilabel_output_format_predict": INT8_PREDICT,
    }
    if estimator.method != "decision_function":
        failed["check_classifiers_classes"] = (
            "decision_function returns the probabilities the rule decides on (method='auto'), "
            "all > 0; the check runs and passes with method='decision_function'"
        )
    return failed


ESTIMATORS = [
    ThresholdedClassifier(_ovr(), cv=2, random_state=0),
    ThresholdedClassifier(_ovr(), cv=2, random_state=0, method="decision_function"),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _binary_data(n: int = 40):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_tags_declare_binary_and_multilabel_targets_only():
    tags = ThresholdedClassifier(_ovr()).__sklearn_tags__()
    assert tags.classifier_tags.multi_label and not tags.classifier_tags.multi_class
    assert tags.target_tags.multi_output and tags.target_tags.single_output
    assert tags.input_tags.sparse  # inherited from the wrapped estimator
    dense_only = ThresholdedClassifier(HistGradientBoostingClassifier())
    assert not dense_only.__sklearn_tags__().input_tags.sparse


def test_bad_targets_raise_labelwise_errors_that_say_what_to_do():
    X, y = _binary_data()
    with pytest.raises(TargetError, match=r"Unknown label type: y is continuous .*0\.25 at flat"):
        ThresholdedClassifier(_ovr(), cv=2).fit(X, np.r_[0.25, y[1:]])
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        ThresholdedClassifier(_ovr(), cv=2).fit(X, None)
    with pytest.raises(TargetError, match=r"only one class \[1\] in its 40 row"):
        ThresholdedClassifier(_ovr(), cv=2).fit(X, np.ones(40, dtype=int))
    with pytest.raises(ProblemSetupError, match=r"Only binary classification.*3 classes"):
        ThresholdedClassifier(_ovr(), cv=2).fit(X, np.arange(40) % 3)
    # NaN stays check_targets' job (its message), not a "continuous" one
    with pytest.raises(TargetError, match="NaN or infinite"):
        ThresholdedClassifier(_ovr(), cv=2).fit(X, np.r_[np.nan, y[1:]].astype(float))
    # integral floats are classes, not continuous values
    clf = ThresholdedClassifier(_ovr(), cv=2, random_state=0).fit(X, y.astype(float))
    np.testing.assert_array_equal(clf.classes_, [0.0, 1.0])


def test_binary_folds_are_stratified_with_per_fold_sample_weight():
    X, y = _binary_data()
    w = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    lr = LogisticRegression(max_iter=200)
    clf = ThresholdedClassifier(lr, cv=4, random_state=3).fit(X, y, sample_weight=w)
    oof = np.empty(len(y))
    for train, test in StratifiedKFold(4, shuffle=True, random_state=3).split(X, y):
        model = LogisticRegression(max_iter=200).fit(X[train], y[train], sample_weight=w[train])
        oof[test] = model.predict_proba(X[test])[:, 1]
    np.testing.assert_allclose(clf.oof_scores_[:, 0], oof)
    ref = PerLabelThreshold().fit(y, oof[:, None])
    np.testing.assert_allclose(clf.rule_.thresholds_, ref.thresholds_)


def test_input_handling_sparse_non_indexable_and_n_features_in():
    X = _binary_data(60)[0]
    rng = np.random.default_rng(2)
    Y = (X @ rng.normal(size=(3, 2)) + 0.3 * rng.normal(size=(60, 2)) > 0).astype(int)
    dense = ThresholdedClassifier(_ovr(), cv=3, random_state=0).fit(X, Y)
    assert dense.n_features_in_ == 3
    dia = ThresholdedClassifier(_ovr(), cv=3, random_state=0).fit(sp.dia_matrix(X), Y)
    np.testing.assert_allclose(dia.oof_scores_, dense.oof_scores_, atol=1e-6)
    with pytest.raises(ValueError, match="X has 2 features"):
        dense.predict(X[:, :2])
    lists = [["a", "b"][: 1 + i % 2] if i % 3 else ["b"] for i in range(60)]  # ragged rows
    from_lists = ThresholdedClassifier(_ovr(), cv=3, random_state=0).fit(X, lists)
    np.testing.assert_array_equal(from_lists.classes_, ["a", "b"])
    assert from_lists.predict(X).shape == (60, 2)


def test_predict_proba_only_when_the_estimator_has_it():
    X, y = _binary_data()
    svc = ThresholdedClassifier(LinearSVC(), cv=2, random_state=0).fit(X, y)
    assert not hasattr(svc, "predict_proba")
    assert svc.decision_function(X).shape == (40,)
    assert hasattr(ThresholdedClassifier(_ovr()), "predict_proba")
