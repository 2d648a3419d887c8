"""ClassifierChain and EnsembleClassifierChains against independent references.

References: scikit-learn's ClassifierChain (greedy inference), a brute-force enumeration of every
label set through the fitted links one sample at a time (exact inference), and exact inference
itself for beam search with a beam wide enough to hold every set.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.multioutput import ClassifierChain as SkClassifierChain
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from labelwise.decision import FixedThreshold
from labelwise.errors import ProblemSetupWarning, ShapeError, TargetError
from labelwise.models._input_checks import ConstantLabelModel
from labelwise.models.chains import ClassifierChain, EnsembleClassifierChains


def make_data(n=120, d=5, L=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    W = rng.normal(size=(d, L))
    Y = (X @ W + rng.normal(size=(n, L)) > 0).astype(int)
    Y[:, -1] = Y[:, 0] & Y[:, 1]  # a dependent label, so that chains matter
    return X, Y


def brute_force_joint(cc, X):
    """P(label set | x) for every set, one sample and one set at a time, via estimators_."""
    L = len(cc.order_)
    sets = np.array(list(itertools.product([0, 1], repeat=L)))
    P = np.ones((X.shape[0], len(sets)))
    for i in range(X.shape[0]):
        for c, s in enumerate(sets):
            chain_values = s[cc.order_]
            for j, est in enumerate(cc.estimators_):
                x = np.concatenate([X[i], chain_values[:j]])[None, :]
                p1 = est.predict_proba(x)[0, list(est.classes_).index(1)]
                P[i, c] *= p1 if chain_values[j] else 1 - p1
    return P, sets


def as_dict(P, sets):
    return [{tuple(s): P[i, c] for c, s in enumerate(sets)} for i in range(P.shape[0])]


@pytest.mark.parametrize("order", [None, [3, 1, 0, 2]])
@pytest.mark.parametrize("sparse", [False, True])
def test_greedy_equals_sklearn_classifier_chain(order, sparse):
    X, Y = make_data()
    Xf = sp.csr_matrix(X) if sparse else X
    ours = ClassifierChain(
        LogisticRegression(), order=order, decision_rule=FixedThreshold(0.5)
    ).fit(Xf, Y)
    ref = SkClassifierChain(LogisticRegression(), order=order).fit(Xf, Y)
    np.testing.assert_allclose(ours.predict_proba(Xf), ref.predict_proba(Xf), atol=1e-10)
    np.testing.assert_array_equal(ours.predict(Xf), ref.predict(Xf))


def test_greedy_with_cv_equals_sklearn():
    X, Y = make_data()
    ours = ClassifierChain(LogisticRegression(), order=[1, 0, 3, 2], cv=3).fit(X, Y)
    ref = SkClassifierChain(LogisticRegression(), order=[1, 0, 3, 2], cv=3).fit(X, Y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-8)


@pytest.mark.parametrize(
    "base", [LogisticRegression(), make_pipeline(StandardScaler(), LogisticRegression())]
)
def test_exact_equals_brute_force(base):
    # LogisticRegression takes the linear shortcut, the pipeline the generic batched path
    X, Y = make_data(n=60)
    cc = ClassifierChain(base, order=[2, 0, 3, 1], inference="exact").fit(X, Y)
    P, sets = cc.predict_joint_proba(X[:8])
    P_ref, sets_ref = brute_force_joint(cc, X[:8])
    got, want = as_dict(P, sets), as_dict(P_ref, sets_ref)
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        for k in w:
            assert g[k] == pytest.approx(w[k], abs=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(cc.predict_proba(X[:8]), P_ref @ sets_ref, atol=1e-12)


def test_exact_sparse_equals_dense():
    X, Y = make_data()
    dense = ClassifierChain(order="frequency", inference="exact").fit(X, Y).predict_proba(X)
    cc = ClassifierChain(order="frequency", inference="exact").fit(sp.csr_matrix(X), Y)
    np.testing.assert_allclose(cc.predict_proba(sp.csr_matrix(X)), dense, atol=1e-9)


def test_beam_as_wide_as_all_sets_equals_exact():
    X, Y = make_data()
    exact = ClassifierChain(order=[3, 2, 1, 0], inference="exact").fit(X, Y)
    beam = ClassifierChain(order=[3, 2, 1, 0], inference="beam", beam_width=16).fit(X, Y)
    Pe, Se = exact.predict_joint_proba(X)
    Pb, Sb = beam.predict_joint_proba(X)
    for g, w in zip(as_dict(Pb, Sb), as_dict(Pe, Se), strict=True):
        for k in w:
            assert g[k] == pytest.approx(w[k], abs=1e-12)
    np.testing.assert_allclose(beam.predict_proba(X), exact.predict_proba(X), atol=1e-12)


def test_beam_keeps_the_most_probable_sets_and_sums_below_one():
    X, Y = make_data(L=5)
    exact = ClassifierChain(DecisionTreeClassifier(max_depth=3, random_state=0), inference="exact")
    exact.fit(X, Y)
    beam = clone(exact).set_params(inference="beam", beam_width=3).fit(X, Y)
    Pb, Sb = beam.predict_joint_proba(X)
    Pe, Se = exact.predict_joint_proba(X)
    assert np.all(Pb.sum(axis=1) <= 1 + 1e-12)
    assert np.all((Pb > 0).sum(axis=1) <= 3)
    # each found set carries its exact joint probability
    exact_d = as_dict(Pe, Se)
    for i, row in enumerate(as_dict(Pb, Sb)):
        for s, p in row.items():
            if p > 0:
                assert p == pytest.approx(exact_d[i][s], abs=1e-12)
    # beam marginals are renormalised over the beam
    M = beam.predict_proba(X)
    np.testing.assert_allclose(M, (Pb @ Sb) / Pb.sum(axis=1, keepdims=True))
    # the most probable set found by beam search is usually the true mode
    agree = np.mean(Sb[Pb.argmax(1)].tolist() == Se[Pe.argmax(1)]).mean()
    assert agree > 0.9


def test_greedy_joint_is_the_greedy_path():
    X, Y = make_data()
    cc = ClassifierChain(order=[1, 3, 0, 2], decision_rule=FixedThreshold(0.5)).fit(X, Y)
    P, sets = cc.predict_joint_proba(X)
    np.testing.assert_array_equal(sets[P.argmax(axis=1)], cc.predict(X))
    assert np.all((P > 0).sum(axis=1) == 1)


def test_exact_gives_true_marginals_differing_from_greedy():
    X, Y = make_data()
    greedy = ClassifierChain(order=[0, 1, 2, 3]).fit(X, Y).predict_proba(X)
    exact = ClassifierChain(order=[0, 1, 2, 3], inference="exact").fit(X, Y).predict_proba(X)
    np.testing.assert_allclose(greedy[:, 0], exact[:, 0])  # first link: no prefix
    assert np.abs(greedy[:, 3] - exact[:, 3]).max() > 1e-3


def test_orders():
    X, Y = make_data()
    Y[:, 2] = 1
    Y[:3, 2] = 0
    assert ClassifierChain().fit(X, Y).order_.tolist() == [0, 1, 2, 3]
    freq = ClassifierChain(order="frequency").fit(X, Y).order_
    counts = Y.sum(axis=0)
    assert freq[0] == 2 and list(counts[freq]) == sorted(counts, reverse=True)
    r1 = ClassifierChain(order="random", random_state=3).fit(X, Y).order_
    r2 = ClassifierChain(order="random", random_state=3).fit(X, Y).order_
    np.testing.assert_array_equal(r1, r2)
    assert sorted(r1) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="permutation of the 4 label indices"):
        ClassifierChain(order=[0, 1, 1, 2]).fit(X, Y)
    with pytest.raises(ValueError, match="permutation"):
        ClassifierChain(order=[0, 1, 2]).fit(X, Y)


def test_determinism_with_random_state():
    X, Y = make_data(n=60)
    kw = dict(n_chains=3, bootstrap=True, max_samples=0.8, inference="beam", random_state=7)
    a = EnsembleClassifierChains(**kw).fit(X, Y).predict_proba(X)
    b = EnsembleClassifierChains(**kw).fit(X, Y).predict_proba(X)
    c = EnsembleClassifierChains(**{**kw, "random_state": 8}).fit(X, Y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_ensemble_is_mean_of_its_chains():
    X, Y = make_data()
    ecc = EnsembleClassifierChains(n_chains=3, inference="exact", random_state=0).fit(X, Y)
    orders = {tuple(c.order_) for c in ecc.estimators_}
    assert len(orders) > 1
    mean = np.mean([c.predict_proba(X) for c in ecc.estimators_], axis=0)
    np.testing.assert_allclose(ecc.predict_proba(X), mean)
    # each member equals a chain with its order fitted on all the rows
    first = ecc.estimators_[0]
    alone = ClassifierChain(order=list(first.order_), inference="exact").fit(X, Y)
    np.testing.assert_allclose(first.predict_proba(X), alone.predict_proba(X))
    # the averaged joint: rows sum to 1 and its marginals are the averaged marginals
    P, sets = ecc.predict_joint_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P @ sets, mean, atol=1e-12)


def test_ensemble_parallel_equals_serial_and_bootstrap_changes_members():
    X, Y = make_data()
    kw = dict(n_chains=3, bootstrap=True, random_state=1)
    serial = EnsembleClassifierChains(**kw).fit(X, Y)
    with parallel_config(backend="threading"):  # the joblib path, without process start-up
        parallel = EnsembleClassifierChains(**kw, n_jobs=2).fit(X, Y)
    np.testing.assert_allclose(serial.predict_proba(X), parallel.predict_proba(X))
    member = serial.estimators_[0]
    full = ClassifierChain(order=list(member.order_)).fit(X, Y)
    assert not np.allclose(member.predict_proba(X), full.predict_proba(X))


def test_decision_rule_is_used():
    X, Y = make_data()
    cc = ClassifierChain(decision_rule=FixedThreshold(0.9)).fit(X, Y)
    np.testing.assert_array_equal(cc.predict(X), (cc.predict_proba(X) >= 0.9).astype(np.int8))


def test_other_base_estimator_and_constant_label():
    X, Y = make_data()
    Y[:, 1] = 0
    with pytest.warns(ProblemSetupWarning, match="constant predictor"):
        cc = ClassifierChain(GaussianNB(), order=[1, 0, 2, 3], inference="exact").fit(X, Y)
    assert isinstance(cc.estimators_[0], ConstantLabelModel)
    proba = cc.predict_proba(X)
    np.testing.assert_array_equal(proba[:, 1], 0.0)
    P, sets = cc.predict_joint_proba(X)
    assert np.all(P[:, sets[:, 1] == 1] == 0)


def test_clone_pipeline_and_grid_search():
    X, Y = make_data()
    cc = ClassifierChain(inference="beam", beam_width=3)
    assert clone(cc).get_params() == cc.get_params()
    pipe = make_pipeline(StandardScaler(), cc).fit(X, Y)
    assert pipe.predict(X).shape == Y.shape
    grid = GridSearchCV(
        EnsembleClassifierChains(n_chains=2, random_state=0),
        {"inference": ["greedy", "exact"]},
        cv=KFold(3),
        scoring="f1_micro",
    ).fit(X, Y)
    assert grid.best_params_["inference"] in ("greedy", "exact")
    assert grid.predict(X).shape == Y.shape


def test_pandas_and_label_lists():
    pd = pytest.importorskip("pandas")
    X, Y = make_data()
    cc = ClassifierChain().fit(pd.DataFrame(X), pd.DataFrame(Y))
    np.testing.assert_allclose(cc.predict_proba(X), ClassifierChain().fit(X, Y).predict_proba(X))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("Estimator", [ClassifierChain, EnsembleClassifierChains])
def test_bad_targets(Estimator):
    X, Y = make_data()
    with pytest.raises(TargetError, match="one column"):
        Estimator().fit(X, Y[:, :1])
    with pytest.raises(TargetError, match="one column"):
        Estimator().fit(X, Y[:, 0])
    with pytest.raises(TargetError, match="no positive"):
        Estimator().fit(X, np.zeros_like(Y))
    with pytest.raises(ShapeError, match="120 rows"):
        Estimator().fit(X, Y[:-1])
    Y2 = Y.copy()
    Y2[4, 2] = 2
    with pytest.raises(TargetError, match="row 4, column 2"):
        Estimator().fit(X, Y2)


@pytest.mark.parametrize("Estimator", [ClassifierChain, EnsembleClassifierChains])
def test_predict_with_wrong_number_of_features(Estimator):
    X, Y = make_data()
    model = Estimator().fit(X, Y)
    with pytest.raises(ShapeError, match=r"X has 4 features.*expecting 5"):
        model.predict_proba(X[:, :4])


def test_bad_parameters():
    X, Y = make_data()
    with pytest.raises(ValueError, match="parameter 'inference' must be one of"):
        ClassifierChain(inference="viterbi").fit(X, Y)
    with pytest.raises(ValueError, match="parameter 'beam_width'"):
        ClassifierChain(beam_width=0).fit(X, Y)
    with pytest.raises(ValueError, match="parameter 'order'"):
        ClassifierChain(order="alphabetical").fit(X, Y)
    with pytest.raises(ValueError, match="parameter 'n_chains'"):
        EnsembleClassifierChains(n_chains=0).fit(X, Y)
    with pytest.raises(ValueError, match="parameter 'max_samples'"):
        EnsembleClassifierChains(max_samples=1.5).fit(X, Y)


def test_exact_refuses_too_many_labels():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    Y = (rng.uniform(size=(40, 16)) < 0.5).astype(int)
    with pytest.warns(ProblemSetupWarning, match="limited to 15 labels"):
        cc = ClassifierChain(inference="exact").fit(X, Y)
    with pytest.raises(ValueError, match="inference='beam'"):
        cc.predict_proba(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        beam = ClassifierChain(inference="beam").fit(X, Y)
    assert beam.predict_proba(X).shape == (40, 16)
