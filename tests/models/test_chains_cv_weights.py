"""``cv`` and ``sample_weight`` are accepted as scikit-learn accepts them.

References: scikit-learn's ``ClassifierChain`` fitted with the same folds or the same weights
(as a NumPy array), and, for the ensemble, the identity "a zero weight is a removed row" of the
weighted logistic loss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, ShuffleSplit, StratifiedKFold
from sklearn.multioutput import ClassifierChain as SkClassifierChain

from labelwise.errors import DataValueError, ShapeError
from labelwise.models.chains import ClassifierChain, EnsembleClassifierChains


def make_data(n=150, d=5, L=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    Y = (X @ rng.normal(size=(d, L)) + rng.normal(size=(n, L)) > 0).astype(int)
    Y[:, -1] = Y[:, 0] & Y[:, 1]
    return X, Y


def _lr(tol=1e-4):
    # the same solver on the same data gives the same answer at any tolerance; the zero-weight
    # test compares fits on different data, which agree only up to the tolerance
    return LogisticRegression(tol=tol, max_iter=10_000)


def _sk_weighted_chain(**kw):
    """scikit-learn's chain takes sample_weight only through metadata routing."""
    return SkClassifierChain(_lr().set_fit_request(sample_weight=True), **kw)


@pytest.mark.parametrize(
    "folds",
    [
        lambda X: list(KFold(4, shuffle=True, random_state=1).split(X)),  # a list of pairs
        lambda X: tuple(KFold(3).split(X)),  # a tuple of pairs
        lambda X: [(np.asarray(tr).tolist(), te) for tr, te in KFold(3).split(X)],  # lists
    ],
)
def test_cv_as_index_pairs_equals_sklearn(folds):
    X, Y = make_data()
    Xf = sp.csr_matrix(X)
    cv = folds(X)
    ours = ClassifierChain(_lr(), order=[2, 0, 3, 1], cv=cv).fit(Xf, Y)
    ref = SkClassifierChain(_lr(), order=[2, 0, 3, 1], cv=cv).fit(Xf, Y)
    np.testing.assert_allclose(ours.predict_proba(Xf), ref.predict_proba(Xf), atol=1e-8)
    # the out-of-fold features changed the later links: not the cv=None chain
    plain = ClassifierChain(_lr(), order=[2, 0, 3, 1]).fit(Xf, Y)
    assert not np.allclose(ours.predict_proba(Xf), plain.predict_proba(Xf), atol=1e-6)


def test_cv_generator_is_read_once_and_reused_by_every_link():
    X, Y = make_data()
    splitter = KFold(4, shuffle=True, random_state=2)
    from_generator = ClassifierChain(_lr(), cv=splitter.split(X)).fit(X, Y)
    ref = SkClassifierChain(_lr(), cv=list(splitter.split(X))).fit(X, Y)
    np.testing.assert_allclose(from_generator.predict_proba(X), ref.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize(
    "cv", [3, KFold(3, shuffle=True, random_state=0), StratifiedKFold(4)], ids=repr
)
def test_cv_int_and_splitters_equal_sklearn(cv):
    X, Y = make_data(seed=1)
    ours = ClassifierChain(_lr(), cv=cv).fit(X, Y)
    ref = SkClassifierChain(_lr(), cv=cv).fit(X, Y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)


def test_cv_that_is_not_a_partition_or_not_a_cv_is_refused():
    X, Y = make_data()
    with pytest.raises(ValueError, match="partition"):
        ClassifierChain(cv=list(ShuffleSplit(3, random_state=0).split(X))).fit(X, Y)
    with pytest.raises(ValueError, match="parameter 'cv' must be"):
        ClassifierChain(cv=1).fit(X, Y)
    with pytest.raises(ValueError, match="parameter 'cv' must be"):
        ClassifierChain(cv="five").fit(X, Y)


def _series_with_index(w):
    return pd.Series(w, index=np.arange(1000, 1000 + len(w)))  # an index that is not 0..n-1


@pytest.mark.parametrize(
    "container, cv",
    [
        (_series_with_index, None),
        (_series_with_index, 3),
        (lambda w: pd.Series(w, dtype="Float64"), None),  # pandas' nullable dtype
        (list, None),
    ],
)
def test_sample_weight_series_equals_sklearn_with_numpy_weights(cv, container):
    X, Y = make_data(seed=3)
    w = np.random.RandomState(0).uniform(0.1, 3.0, size=X.shape[0])
    ours = ClassifierChain(_lr(), order=[1, 3, 0, 2], cv=cv).fit(X, Y, sample_weight=container(w))
    with config_context(enable_metadata_routing=True):
        ref = _sk_weighted_chain(order=[1, 3, 0, 2], cv=cv).fit(X, Y, sample_weight=w)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-7)
    if container is list:
        unweighted = ClassifierChain(_lr(), order=[1, 3, 0, 2], cv=cv).fit(X, Y)
        assert not np.allclose(ours.predict_proba(X), unweighted.predict_proba(X), atol=1e-4)


def test_bad_sample_weight_is_a_clear_error():
    X, Y = make_data()
    with pytest.raises(ShapeError, match=r"sample_weight has shape \(10,\) but X has 150 rows"):
        ClassifierChain().fit(X, Y, sample_weight=np.ones(10))
    w = pd.Series(np.ones(150), dtype="Float64")
    w[7] = pd.NA
    with pytest.raises(DataValueError, match="row 7 has nan"):
        ClassifierChain().fit(X, Y, sample_weight=w)
    with pytest.raises(DataValueError, match=r"row 3 has -1\.0"):
        ClassifierChain().fit(X, Y, sample_weight=np.r_[np.ones(3), -1.0, np.ones(146)])
    with pytest.raises(ShapeError, match="X has 150 rows"):
        EnsembleClassifierChains(n_chains=2).fit(X, Y, sample_weight=np.ones(3))


def test_ensemble_members_get_the_weights():
    X, Y = make_data(seed=4)
    w = pd.Series(np.random.RandomState(1).uniform(0.2, 2.0, size=X.shape[0]))
    ecc = EnsembleClassifierChains(_lr(), n_chains=3, random_state=0).fit(X, Y, sample_weight=w)
    for member in ecc.estimators_:
        with config_context(enable_metadata_routing=True):
            ref = _sk_weighted_chain(order=member.order_).fit(X, Y, sample_weight=w.to_numpy())
        np.testing.assert_allclose(member.predict_proba(X), ref.predict_proba(X), atol=1e-7)


@pytest.mark.parametrize("bootstrap, max_samples", [(True, 1.0), (False, 0.7)])
def test_ensemble_weights_follow_the_rows_each_chain_samples(bootstrap, max_samples):
    """Rows of weight 0 cannot matter: flipping their labels changes nothing, however the chains
    sample rows; if a chain's weights were not those of its rows, it would."""
    X, Y = make_data(seed=5)
    w = (np.random.RandomState(2).uniform(size=X.shape[0]) > 0.3).astype(float)
    flipped = Y.copy()
    flipped[w == 0] = 1 - flipped[w == 0]
    kw = dict(n_chains=2, random_state=0, bootstrap=bootstrap, max_samples=max_samples)
    a = EnsembleClassifierChains(_lr(1e-10), **kw).fit(X, Y, sample_weight=w)
    b = EnsembleClassifierChains(_lr(1e-10), **kw).fit(X, flipped, sample_weight=pd.Series(w))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    unweighted = EnsembleClassifierChains(_lr(), **kw).fit(X, flipped)
    assert not np.allclose(a.predict_proba(X), unweighted.predict_proba(X), atol=1e-3)
