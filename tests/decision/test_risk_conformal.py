"""Multi-class conformal prediction sets: the published quantile rule, APS scores by brute force,
marginal and class-conditional coverage on data with a known coverage curve."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from labelwise.decision import ConformalSets
from labelwise.decision.conformal import nonconformity
from labelwise.errors import ProblemSetupError, ShapeError, TargetError

SEEDS = 2000


def _probs(seed, n=120, K=4):
    rng = np.random.default_rng(seed)
    p = np.round(rng.dirichlet(np.ones(K), size=n), 2)  # rounding makes ties
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(K, p=row) for row in p])
    return y, p


def _aps_reference(p):
    out = np.zeros_like(p)
    for i, row in enumerate(p):
        for c, pc in enumerate(row):
            out[i, c] = sum(q for q in row if q > pc) + pc
    return out


def test_aps_scores_match_the_definition():
    _, p = _probs(0)
    np.testing.assert_allclose(nonconformity(p, "aps"), _aps_reference(p))
    np.testing.assert_allclose(nonconformity(p, "lac"), 1 - p)


@pytest.mark.parametrize("score", ["lac", "aps"])
def test_marginal_and_class_conditional_quantiles_match_the_reference(score):
    y, p = _probs(1, n=400)
    E = (1 - p if score == "lac" else _aps_reference(p))[np.arange(len(y)), y]
    for alpha in (0.05, 0.1, 0.2):
        n = len(y)
        q = np.sort(E)[math.ceil((n + 1) * (1 - alpha) - 1e-9) - 1]
        rule = ConformalSets(alpha, score=score).fit(y, p)
        assert rule.quantile_ == pytest.approx(q)
        expected = (nonconformity(p, score) <= rule.quantile_).astype(np.int8)
        np.testing.assert_array_equal(rule.predict(p), expected)
        mondrian = ConformalSets(alpha, score=score, class_conditional=True).fit(y, p)
        for c in range(p.shape[1]):
            e = np.sort(E[y == c])
            assert mondrian.quantile_[c] == pytest.approx(
                e[math.ceil((len(e) + 1) * (1 - alpha) - 1e-9) - 1]
            )


def _known_curve(n, seed, hard_power=3.0):
    """Three classes; the true class's LAC nonconformity is U(0,1) for classes 0 and 1 and
    U(0,1)^(1/3) (higher, a harder class) for class 2; the other classes share the rest."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    E = rng.random((SEEDS, n))
    E[:, y == 2] **= 1 / hard_power
    p = np.empty((SEEDS, n, 3))
    p[:] = (E / 2)[..., None]
    p[:, np.arange(n), y] = 1 - E
    return y, p


def test_coverage_holds_marginally_and_per_class_only_when_class_conditional():
    n, alpha = 90, 0.1
    y, P = _known_curve(n, seed=2)
    marginal = np.array([ConformalSets(alpha).fit(y, p).quantile_ for p in P])
    # marginal coverage at quantile q: (q + q + q^3) / 3 for classes 0, 1 and 2
    cover = (2 * marginal + marginal**3) / 3
    se = cover.std(ddof=1) / np.sqrt(SEEDS)
    assert cover.mean() >= 1 - alpha - 5 * se
    assert (marginal**3).mean() < 1 - alpha - 0.05  # the hard class is under-covered (~0.83)
    mondrian = np.array(
        [ConformalSets(alpha, class_conditional=True).fit(y, p).quantile_ for p in P]
    )
    per_class = np.c_[mondrian[:, 0], mondrian[:, 1], mondrian[:, 2] ** 3]
    for c in range(3):
        se = per_class[:, c].std(ddof=1) / np.sqrt(SEEDS)
        assert per_class[:, c].mean() >= 1 - alpha - 5 * se
        # exact: E[coverage] = k / (n_c + 1) with k = ceil((n_c + 1)(1 - alpha))
        k = 30 + 1 - math.floor(alpha * 31)
        assert abs(per_class[:, c].mean() - k / 31) <= 5 * se


def test_sklearn_predict_proba_and_string_classes():
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(y))
    train, cal, test = idx[:60], idx[60:105], idx[105:]
    model = LogisticRegression(max_iter=1000).fit(X[train], names[train])
    rule = ConformalSets(0.1).fit(names[cal], model.predict_proba(X[cal]))
    sets = rule.predict(model.predict_proba(X[test]))
    covered = sets[np.arange(len(test)), y[test]]
    assert covered.mean() >= 0.8 and sets.shape == (45, 3)
    assert "at least 0.9" in rule.guarantee_.statement


def test_bad_input_is_named():
    y, p = _probs(3, n=60)
    with pytest.raises(TargetError, match="multi-label"):
        ConformalSets().fit([[0, 1], [1]] * 30, p)
    with pytest.raises(TargetError, match=r"probabilities in \[0, 1\]"):
        ConformalSets().fit(y, p * 2)
    with pytest.raises(ProblemSetupError, match=r"has 5 examples.*at least 19"):
        ConformalSets(0.05).fit(y[:5], p[:5])
    y2 = y.copy()
    y2[y2 == 3] = 0
    y2[:4] = 3
    with pytest.raises(ProblemSetupError, match=r"class 3 has 4 examples.*at least 9"):
        ConformalSets(0.1, class_conditional=True).fit(y2, p)
    # integer classes index the columns even when a class is absent from calibration
    rule = ConformalSets(0.2).fit(np.where(y == 3, 0, y), p)
    assert rule.predict(p).shape == p.shape
    with pytest.raises(ShapeError, match="2 classes but y_score has 4 columns"):
        ConformalSets().fit(np.array(["a", "b"] * 30), p)
    with pytest.raises(ValueError, match="parameter 'score'"):
        ConformalSets(score="raps").fit(y, p)
    with pytest.raises(TargetError, match="one-hot"):
        ConformalSets().fit(np.ones((60, 4), dtype=int), p)


def test_one_hot_targets_equal_class_vectors():
    y, p = _probs(4)
    a = ConformalSets(0.1, score="aps").fit(y, p)
    b = ConformalSets(0.1, score="aps").fit(np.eye(4, dtype=int)[y], p)
    c = ConformalSets(0.1, score="aps").fit(sp.csr_matrix(np.eye(4, dtype=int)[y]), p)
    assert a.quantile_ == b.quantile_ == c.quantile_
    two = np.eye(4, dtype=int)[y]
    two[0, (y[0] + 1) % 4] = 1
    with pytest.raises(TargetError, match="one-hot"):
        ConformalSets().fit(sp.csr_matrix(two), p)
