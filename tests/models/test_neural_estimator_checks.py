"""scikit-learn's common estimator checks for NeuralClassifier, and the contract on multi-label Y.

NeuralClassifier accepts 1-D class targets as well as label sets, so unlike the multi-label-only
models every check that fits on a single column runs and passes. The one listed exception is the
one every multi-label model in this folder has (see ``test_estimator_checks.py``): ``predict``
returns int8 label sets; and ``check_classifier_multioutput`` wants 0.5 where the default rule is
tuned.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

torch = pytest.importorskip("torch")

from labelwise.models import NeuralClassifier  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")


INT8_PREDICT = (
    "predict returns int8 0/1 label sets (the one output type of labelwise's decision rules), "
    "not the dtype of Y"
)

# small and quick to train; early stopping on (the default), so its split is exercised too
SMALL = NeuralClassifier(
    hidden_layer_sizes=(16,), dropout=0.0, learning_rate=0.01, max_epochs=20, random_state=0
)


TUNED_THRESHOLD = (
    "predict applies the default rule, a threshold tuned on out-of-fold training scores "
    "(decision_rule=None), not 0.5; the check wants predict == predict_proba.round(). "
    "tests/models/test_tuned_default_rule.py checks predict against the tuned threshold"
)


def _expected_failed_checks(estimator) -> dict[str, str]:
    return {
        "check_classifiers_multilabel_output_format_predict": INT8_PREDICT,
        "check_classifier_multioutput": TUNED_THRESHOLD,
    }


@parametrize_with_checks([SMALL], expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_multilabel_contract(tmp_path):
    """The common checks' contract, re-run on multi-label Y (they mostly use 1-D y)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = (X @ rng.normal(size=(4, 3)) + rng.normal(size=(60, 3)) > 0).astype(int)
    params = clone(SMALL).get_params()
    model = clone(SMALL).fit(X, Y)
    assert model.get_params().keys() == params.keys()
    assert model.n_features_in_ == 4
    P = model.predict_proba(X)
    assert P.shape == Y.shape and P.min() >= 0 and P.max() <= 1
    state = set(model.__dict__)
    model.predict(X)
    assert set(model.__dict__) == state  # predicting changes nothing
    # idempotent fit (same seed), subset and sample-order invariance
    np.testing.assert_allclose(clone(SMALL).fit(X, Y).fit(X, Y).predict_proba(X), P, rtol=1e-6)
    np.testing.assert_allclose(
        np.vstack([model.predict_proba(X[i : i + 7]) for i in range(0, 60, 7)]), P, rtol=1e-6
    )
    order = np.random.default_rng(1).permutation(60)
    np.testing.assert_allclose(model.predict_proba(X[order]), P[order], rtol=1e-6)
    # pickling, float32, read-only memory-mapped, list and sparse input
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X), P)
    np.testing.assert_allclose(
        clone(SMALL).fit(X.astype(np.float32), Y).predict_proba(X), P, rtol=1e-6
    )
    path = tmp_path / "X.npy"
    np.save(path, X)
    Xm = np.load(path, mmap_mode="r")
    np.testing.assert_allclose(clone(SMALL).fit(Xm, Y).predict_proba(Xm), P, rtol=1e-6)
    np.testing.assert_allclose(
        clone(SMALL).fit(X.tolist(), Y.tolist()).predict_proba(X), P, rtol=1e-6
    )
    Xs = sp.csr_matrix(X)
    np.testing.assert_allclose(clone(SMALL).fit(Xs, Y).predict_proba(Xs), P, atol=1e-6)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clone(SMALL).fit(bad, Y)
