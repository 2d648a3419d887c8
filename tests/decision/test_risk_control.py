"""Risk-controlling rules against slow, obviously-correct references written from the papers.

Each reference loops over candidate thresholds, computes every example's loss with plain
Python and applies the published selection rule: conformal risk control (Angelopoulos et al.
2024), Learn-then-Test with fixed-sequence testing and Hoeffding-Bentkus p-values
(Angelopoulos, Bates, Candes, Jordan and Lei 2021), conformal order statistics.
"""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats
from sklearn.base import clone

from labelwise.decision import (
    ConformalSets,
    FalsePositiveControl,
    PrecisionControl,
    RecallControl,
    achieved_risk,
    required_calibration_size,
    rows_seen_in_training,
)
from labelwise.decision.guarantees import aligned_indicator
from labelwise.decision.risk_control import hoeffding_bentkus_pvalue, row_risk, wsr_reject
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError, TargetError


def _data(seed=0, n=80, L=4, sparse_zeros=False):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n, L)) < 0.35).astype(np.int8)
    S = np.round(np.clip(0.4 * Y + 0.7 * rng.random((n, L)), 0, 1), 2)  # ties on purpose
    if sparse_zeros:
        S[S < 0.3] = 0.0
    return Y, S


def _losses(Y, S, t, risk):
    """Per-example loss of predicting score >= t, one example at a time."""
    out = []
    for y, s in zip(Y, S, strict=True):
        pred = [j for j in range(len(s)) if s[j] >= t]
        true = [j for j in range(len(y)) if y[j] == 1]
        tp = len(set(pred) & set(true))
        if risk == "fnr":
            out.append(0.0 if not true else (len(true) - tp) / len(true))
        elif risk == "fdp":
            out.append(0.0 if not pred else (len(pred) - tp) / len(pred))
        else:
            out.append(float(len(pred) - tp))
    return np.array(out)


def _hb(r, n, alpha):
    """Hoeffding-Bentkus p-value, scalar, from Bates et al. (2021) Prop. 3.2 / LTT eq. (6)."""
    a = min(r, alpha)

    def h(a, b):
        first = 0.0 if a == 0 else a * math.log(a / b)
        return first + (1 - a) * math.log((1 - a) / (1 - b))

    hoeffding = math.exp(-n * h(a, alpha))
    bentkus = math.e * stats.binom.cdf(math.ceil(n * r - 1e-9), n, alpha)
    return min(hoeffding, bentkus, 1.0)


def test_required_calibration_size_equals_the_closed_forms():
    for alpha in (0.5, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.01):
        brute = next(n for n in range(10_000) if 1 / (n + 1) <= alpha)
        assert required_calibration_size(alpha) == brute == math.ceil(1 / alpha) - 1
        for delta in (0.2, 0.1, 0.05):
            for tests in (1, 5):
                brute = next(n for n in range(1, 10_000) if (1 - alpha) ** n <= delta / tests)
                closed = math.ceil(math.log(tests / delta) / -math.log(1 - alpha))
                got = required_calibration_size(alpha, delta, n_tests=tests)
                assert got == brute == closed
    assert required_calibration_size(0.5, bound=20) == 39  # 20 / 40 <= 0.5 < 20 / 39
    assert required_calibration_size(0.1, 0.1) == 22  # 0.9 ** 22 = 0.098, 0.9 ** 21 = 0.109
    # the betting test has no closed form: the smallest n whose n zero losses it rejects
    for alpha, delta in [(0.05, 0.1), (0.1, 0.1), (0.2, 0.05)]:
        got = required_calibration_size(alpha, delta, pvalues="wsr")
        assert not _wsr([0.0] * (got - 1), alpha, delta) and _wsr([0.0] * got, alpha, delta)


@pytest.mark.parametrize(
    "rule",
    [
        RecallControl(0.1),
        RecallControl(0.1, 0.1),
        RecallControl(0.1, 0.1, pvalues="hb"),
        PrecisionControl(0.1, 0.1),
        PrecisionControl(0.1, 0.1, pvalues="hb"),
        FalsePositiveControl(0.5),
    ],
    ids=["crc", "ltt-recall", "ltt-recall-hb", "ltt-precision", "ltt-precision-hb", "fp"],
)
def test_refuses_one_example_short_and_fits_at_the_required_size(rule):
    L = 2
    needed = rule.required_calibration_size(L)
    rng = np.random.default_rng(1)
    Y = np.zeros((needed, L), dtype=np.int8)
    Y[:, 0] = 1
    S = np.c_[0.5 + 0.5 * rng.random(needed), 0.4 * rng.random(needed)]  # separable
    with pytest.raises(ProblemSetupError, match=rf"has {needed - 1} examples.*at least {needed}"):
        clone(rule).fit(Y[:-1], S[:-1])
    fitted = clone(rule).fit(Y, S)
    # at the required size a perfectly separated calibration set gets a non-trivial threshold
    assert np.isfinite(fitted.guarantee_.threshold)
    assert fitted.guarantee_.n_calibration == needed


def test_crc_recall_matches_the_reference():
    for seed in range(5):
        Y, S = _data(seed)
        n = len(Y)
        for alpha in (0.05, 0.1, 0.3):
            cands = np.r_[np.unique(S[Y == 1]), np.inf]
            ok = [t for t in cands if (n * _losses(Y, S, t, "fnr").mean() + 1) / (n + 1) <= alpha]
            assert RecallControl(alpha).fit(Y, S).threshold_ == max(ok)


def test_ltt_recall_and_precision_match_the_reference():
    grid = np.linspace(0, 1, 41)
    for seed in range(4):
        Y, S = _data(seed, n=150)
        n = len(Y)
        for alpha in (0.1, 0.3):
            expected = -np.inf
            for t in grid:  # from the lowest threshold up, stop at the first failure
                if _hb(_losses(Y, S, t, "fnr").mean(), n, alpha) > 0.1:
                    break
                expected = t
            rule = RecallControl(alpha, 0.1, thresholds=grid, pvalues="hb").fit(Y, S)
            assert rule.threshold_ == expected
            expected = np.inf
            for t in grid[::-1]:  # from the highest threshold down
                if _hb(_losses(Y, S, t, "fdp").mean(), n, alpha) > 0.1:
                    break
                expected = t
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ProblemSetupWarning)
                rule = PrecisionControl(alpha, 0.1, thresholds=grid, pvalues="hb").fit(Y, S)
            assert rule.threshold_ == expected


def _wsr(losses, alpha, delta):
    """The betting test one example at a time (Bates et al. 2021, sec. 3.1.3; Waudby-Smith and
    Ramdas 2023): reject "mean > alpha" when the wealth ever reaches 1/delta."""
    n = len(losses)
    wealth, best, total, sq, sigma2 = 1.0, 1.0, 0.0, 0.0, 0.25
    for i, x in enumerate(losses, start=1):
        nu = min(1.0, math.sqrt(2 * math.log(1 / delta) / (n * sigma2)))
        wealth *= 1 - nu * (x - alpha)
        best = max(best, wealth)
        total += x
        mu = (0.5 + total) / (i + 1)
        sq += (x - mu) ** 2
        sigma2 = (0.25 + sq) / (i + 1)
    return best >= 1 / delta


def test_ltt_with_betting_matches_the_reference():
    grid = np.linspace(0, 1, 21)
    for seed in range(3):
        Y, S = _data(seed, n=200)
        for alpha in (0.1, 0.3):
            expected = -np.inf
            for t in grid:
                if not _wsr(_losses(Y, S, t, "fnr"), alpha, 0.1):
                    break
                expected = t
            assert RecallControl(alpha, 0.1, thresholds=grid).fit(Y, S).threshold_ == expected
            expected = np.inf
            for t in grid[::-1]:
                if not _wsr(_losses(Y, S, t, "fdp"), alpha, 0.1):
                    break
                expected = t
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ProblemSetupWarning)
                rule = PrecisionControl(alpha, 0.1, thresholds=grid).fit(Y, S)
            assert rule.threshold_ == expected


def test_ltt_search_in_blocks_equals_testing_the_whole_grid():
    grid = np.linspace(0, 1, 1001)  # several blocks of the betting search
    Y, S = _data(11, n=300)
    for risk, rule in [("fnr", RecallControl(0.2, 0.1)), ("fdp", PrecisionControl(0.2, 0.1))]:
        P = S[:, None, :] >= grid[None, :, None]  # (rows, thresholds, labels)
        tp = (P & (Y[:, None, :] == 1)).sum(axis=2)
        den = Y.sum(axis=1)[:, None] if risk == "fnr" else P.sum(axis=2)
        den = np.broadcast_to(den, tp.shape).astype(float)
        losses = np.divide(den - tp, den, out=np.zeros(tp.shape), where=den > 0)
        ok = wsr_reject([losses], len(Y), 0.2, 0.1)
        ok = ok if risk == "fnr" else ok[::-1]
        order = grid if risk == "fnr" else grid[::-1]
        passed = len(ok) if ok.all() else int(np.argmin(ok))
        assert 128 < passed < len(grid) - 1
        assert rule.set_params(thresholds=grid).fit(Y, S).threshold_ == order[passed - 1]


def test_hoeffding_bentkus_matches_the_scalar_formula():
    for n in (10, 100, 1000):
        for alpha in (0.05, 0.2):
            for r in (0.0, 0.01, 0.04, 0.1, 0.3):
                assert hoeffding_bentkus_pvalue(r, n, alpha) == pytest.approx(_hb(r, n, alpha))


def test_false_positive_control_matches_the_reference():
    for seed in range(5):
        Y, S = _data(seed)
        n, L = Y.shape
        for alpha in (0.3, 1.0):
            neg = np.unique(S[Y == 0])
            cands = np.r_[-np.inf, neg, np.nextafter(neg, np.inf)]
            ok = [t for t in cands if (n * _losses(Y, S, t, "fp").mean() + L) / (n + 1) <= alpha]
            rule = FalsePositiveControl(alpha).fit(Y, S)
            # the same label sets as the smallest valid threshold
            np.testing.assert_array_equal(rule.predict(S), (S >= min(ok)).astype(np.int8))


def test_per_label_recall_matches_order_statistics():
    Y, S = _data(3, n=200)
    n_j = Y.sum(axis=0)
    for alpha in (0.1, 0.2):
        rule = RecallControl(alpha, per_label=True).fit(Y, S)
        high = RecallControl(alpha, 0.1, per_label=True).fit(Y, S)
        for j in range(Y.shape[1]):
            pos = np.sort(S[Y[:, j] == 1, j])
            # conformal: the largest t with (#positives below t + 1) / (n_j + 1) <= alpha
            ok = [t for t in np.unique(pos) if ((pos < t).sum() + 1) / (n_j[j] + 1) <= alpha]
            assert rule.thresholds_[j] == max(ok)
            # high probability: the k-th smallest with P(Bin(n_j, alpha) <= k - 1) <= delta / L
            k = max(
                k
                for k in range(1, n_j[j] + 1)
                if stats.binom.cdf(k - 1, n_j[j], alpha) <= 0.1 / Y.shape[1]
            )
            assert high.thresholds_[j] == pos[k - 1]


@pytest.mark.parametrize(
    "rule",
    [
        RecallControl(0.1),
        RecallControl(0.1, 0.1),
        RecallControl(0.2, per_label=True),
        RecallControl(0.2, 0.2, per_label=True),
        PrecisionControl(0.2, 0.1),
        FalsePositiveControl(0.8),
    ],
    ids=["crc", "ltt", "per-label", "per-label-delta", "precision", "fp"],
)
def test_sparse_scores_with_missing_entries_give_the_dense_result(rule):
    Y, S = _data(4, n=300, sparse_zeros=True)
    dense = clone(rule).fit(Y, S)
    sparse = clone(rule).fit(sp.csr_matrix(Y), sp.csr_matrix(S))
    np.testing.assert_array_equal(dense.guarantee_.threshold, sparse.guarantee_.threshold)
    np.testing.assert_array_equal(dense.predict(S), sparse.predict(sp.csr_matrix(S)))
    curve_d = dense.risk_curve(Y, S)
    curve_s = sparse.risk_curve(Y, sp.csr_matrix(S))
    np.testing.assert_allclose(curve_d.risks, curve_s.risks)


@pytest.mark.parametrize(
    "rule",
    [RecallControl(0.1), RecallControl(0.1, 0.1, pvalues="hb"), FalsePositiveControl(0.5, bound=4)],
    ids=["crc", "ltt-hb", "fp"],
)
def test_sparse_labels_are_never_densified(rule):
    # 2,000 rows x 200,000 labels: a dense int8 label matrix alone would take 400 MB
    n, L = 2000, 200_000
    rng = np.random.default_rng(13)
    rows = np.repeat(np.arange(n), 3)
    Y = sp.csr_matrix((np.ones(3 * n, np.int8), (rows, rng.integers(0, L, 3 * n))), (n, L))
    Y.data[:] = 1
    noise = sp.csr_matrix(
        (rng.random(4 * n), (rng.integers(0, n, 4 * n), rng.integers(0, L, 4 * n))), (n, L)
    )
    S = Y.astype(float) * 0.3 + noise
    S.data = np.minimum(S.data, 1.0)
    tracemalloc.start()
    try:
        fitted = clone(rule).fit(Y, S)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6
    small = clone(rule).fit(Y[:400, :300].toarray(), S[:400, :300].toarray())
    small_sparse = clone(rule).fit(Y[:400, :300], S[:400, :300])
    assert small.guarantee_.threshold == small_sparse.guarantee_.threshold
    assert np.isfinite(fitted.guarantee_.threshold) or fitted.guarantee_.threshold == -np.inf


def test_sparse_labels_measure_the_same_risk():
    Y, S = _data(14, n=120)
    P = (S >= 0.5).astype(np.int8)
    for risk in ("fnr", "fdp", "fp"):
        dense = row_risk(Y, P, risk)
        np.testing.assert_array_equal(row_risk(sp.csr_matrix(Y), sp.csr_matrix(P), risk), dense)
        np.testing.assert_array_equal(row_risk(sp.csr_matrix(Y), P, risk), dense)
    got = aligned_indicator(sp.csr_matrix(Y[:, [2, 0]]), ("x", 0, "y", 1))
    assert sp.issparse(got)
    expected = np.zeros((120, 4), dtype=np.int8)
    expected[:, 1], expected[:, 3] = Y[:, 2], Y[:, 0]
    np.testing.assert_array_equal(got.toarray(), expected)


def test_risk_curve_is_the_mean_loss_at_each_threshold():
    Y, S = _data(5)
    grid = np.array([0.0, 0.2, 0.5, 0.75, 1.0])
    for rule, risk in [
        (RecallControl(), "fnr"),
        (PrecisionControl(), "fdp"),
        (FalsePositiveControl(), "fp"),
    ]:
        curve = rule.risk_curve(Y, S, thresholds=grid)
        expected = [_losses(Y, S, t, risk).mean() for t in grid]
        np.testing.assert_allclose(curve.risks, expected)
        np.testing.assert_array_equal(curve.thresholds, grid)


def test_row_risk_and_achieved_risk():
    Y, S = _data(6)
    P = (S >= 0.5).astype(int)
    for risk in ("fnr", "fdp", "fp"):
        np.testing.assert_allclose(row_risk(Y, P, risk), _losses(Y, S, 0.5, risk))
    # 0/1 losses: the Clopper-Pearson interval of 3 misses in 10 (scipy's exact binomtest)
    y = np.eye(2, dtype=int)[[0] * 10]
    p = np.eye(2, dtype=int)[[1, 1, 1] + [0] * 7]
    got = achieved_risk(y, p, "fnr", confidence=0.9)
    ci = stats.binomtest(3, 10).proportion_ci(confidence_level=0.9, method="exact")
    assert (got.value, got.n) == (0.3, 10)
    assert got.low == pytest.approx(ci.low) and got.high == pytest.approx(ci.high)


def test_guarantee_states_the_promise_in_words_and_numbers():
    Y, S = _data(7, n=200)
    rule = RecallControl(0.1, 0.05).fit(Y, S)
    g = rule.guarantee_
    assert (g.risk, g.alpha, g.delta, g.n_calibration) == ("fnr", 0.1, 0.05, 200)
    assert g.threshold == rule.threshold_
    assert "at least 0.95" in g.statement and "at most 0.1" in g.statement
    assert "n = 200" in str(g)


def test_bad_alpha_delta_and_scores_are_clear_errors():
    Y, S = _data(8)
    for bad in (0, 1, -0.1, 1.5):
        with pytest.raises(ValueError, match="RecallControl: parameter 'alpha'"):
            RecallControl(alpha=bad).fit(Y, S)
        with pytest.raises(ValueError, match="PrecisionControl: parameter 'delta'"):
            PrecisionControl(delta=bad).fit(Y, S)
    with pytest.raises(ValueError, match="required_calibration_size: parameter 'delta'"):
        required_calibration_size(0.1, 1.0)
    with pytest.raises(TargetError, match=r"probabilities in \[0, 1\].*\[-0\.49, "):
        PrecisionControl().fit(Y, S - 0.5)
    with pytest.raises(TargetError, match=r"probabilities in \[0, 1\]"):
        RecallControl(0.1, 0.1).fit(sp.csr_matrix(Y), sp.csr_matrix(S * 3))
    # conformal risk control works with any real scores (no grid), e.g. decision_function
    RecallControl(0.1).fit(Y, 4 * S - 2)
    with pytest.raises(ShapeError, match="y_true has shape"):
        RecallControl().fit(Y, S[:, :2])
    with pytest.raises(TypeError, match="sample_weight"):
        RecallControl().fit(Y, S, sample_weight=np.ones(len(Y)))
    with pytest.raises(ValueError, match="thresholds must be"):
        RecallControl(0.1, 0.1, thresholds=[np.nan]).fit(Y, S)
    rule = RecallControl().fit(Y, S)
    with pytest.raises(ShapeError, match="calibrated on 4 labels"):
        rule.predict(S[:, :3])
    with pytest.raises(Exception, match="not been fitted"):
        RecallControl().predict(S)


def test_per_label_refuses_a_label_without_enough_positives_and_names_it():
    Y, S = _data(9, n=100)
    Y[:, 2] = 0
    Y[:3, 1] = 1
    Y[3:, 1] = 0
    names = [[f"tag{j}" for j in range(4) if y[j]] for y in Y]
    # label lists: the message uses the names (sorted: tag0, tag1, tag3; tag2 never occurs)
    Yn = Y[:, [0, 1, 3]]
    with pytest.raises(ProblemSetupError, match=r"label 'tag1' has 3 positives.*at least 9"):
        RecallControl(0.1, per_label=True).fit(names, S[:, [0, 1, 3]])
    with pytest.raises(ProblemSetupError, match=r"label 2 has 0 positives.*at least 9"):
        RecallControl(0.1, per_label=True).fit(Y, S)
    needed = RecallControl(0.1, 0.1, per_label=True).required_calibration_size(3)
    assert needed == required_calibration_size(0.1, 0.1, n_tests=3) == 33
    with pytest.raises(ProblemSetupError, match=rf"has 3 positives.*at least {needed}"):
        RecallControl(0.1, 0.1, per_label=True).fit(Yn, S[:, [0, 1, 3]])


def test_calibration_rows_seen_in_training_warn_that_the_guarantee_is_void():
    Y, S = _data(10)
    X = np.arange(len(Y) * 2, dtype=float).reshape(len(Y), 2)
    seen = rows_seen_in_training(X, X[::4])
    assert seen.sum() == 20 and seen[::4].all()
    with pytest.warns(ProblemSetupWarning, match="20 of 80 calibration rows were also used"):
        rule = RecallControl().fit(Y, S, seen_in_training=seen)
    assert "does not hold" in rule.guarantee_.statement
    with pytest.warns(ProblemSetupWarning, match="80 of 80"):
        PrecisionControl(0.3).fit(Y, S, seen_in_training=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RecallControl().fit(Y, S, seen_in_training=np.zeros(len(Y), bool))
    assert rows_seen_in_training(sp.csr_matrix(X), sp.csr_matrix(X[:2])).sum() == 2
    with pytest.raises(ShapeError, match="seen_in_training has 3 entries"):
        RecallControl().fit(Y, S, seen_in_training=[True, False, True])


def test_rules_are_sklearn_estimators():
    rule = RecallControl(0.05, 0.1, per_label=True)
    assert clone(rule).get_params() == rule.get_params()
    assert repr(rule) == "RecallControl(alpha=0.05, delta=0.1, per_label=True)"


def test_nothing_certified_falls_back_to_the_safe_extreme_with_a_warning():
    Y, S = _data(12, n=200)
    with pytest.warns(ProblemSetupWarning, match="predicts every label"):
        rule = RecallControl(0.05, 0.1, thresholds=[0.6, 0.8]).fit(Y, S)
    assert rule.threshold_ == -np.inf and rule.predict(S).all()
    with pytest.warns(ProblemSetupWarning, match="predicts no label"):
        rule = PrecisionControl(0.05, 0.1, thresholds=[0.0, 0.1]).fit(Y, S)
    assert rule.threshold_ == np.inf and not rule.predict(S).any()


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, np.nan, "0.1"])
@pytest.mark.parametrize(
    "make, name",
    [
        (lambda v: RecallControl(alpha=v), "alpha"),
        (lambda v: RecallControl(alpha=0.1, delta=v), "delta"),
        (lambda v: RecallControl(alpha=0.1, delta=v, per_label=True), "delta"),
        (lambda v: PrecisionControl(alpha=v), "alpha"),
        (lambda v: PrecisionControl(delta=v), "delta"),
        (lambda v: ConformalSets(alpha=v), "alpha"),
    ],
)
def test_every_rule_names_an_alpha_or_delta_outside_zero_one(make, name, bad):
    rule = make(bad)
    y = np.eye(3, dtype=np.int8)[np.arange(60) % 3]
    with pytest.raises(ValueError, match=rf"{type(rule).__name__}: parameter '{name}' must be"):
        rule.fit(y, np.full((60, 3), 1 / 3))
    with pytest.raises(ValueError, match=rf"parameter '{name}'"):
        rule.required_calibration_size()
