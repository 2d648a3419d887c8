"""The promises hold, at the stated level, on exchangeable data whose risk curve is known; and
they break, as they should, when the calibration data are shifted.

Scores of true labels are uniform on (0, 1), so a threshold t misses a true label with
probability exactly t: every fitted threshold's true risk is known in closed form, no test
sample is needed. Each check draws 2,000 independent calibration sets (fixed seed) and compares
the share of violations (or the mean risk) with the promise using a tolerance whose chance of a
false alarm is below 1e-6 (binomial quantile, or 5 standard errors for means).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from scipy import stats

from labelwise.decision import FalsePositiveControl, PrecisionControl, RecallControl
from labelwise.decision.risk_control import row_risk
from labelwise.errors import ProblemSetupWarning

SEEDS = 2000
GRID = np.linspace(0, 1, 101)  # a fixed Learn-then-Test grid (a coarse one keeps this fast)


def _one_true_label(n, L=3, seed=0):
    """SEEDS calibration sets: one true label per row, every score U(0,1)."""
    rng = np.random.default_rng(seed)
    S = rng.random((SEEDS, n, L))
    Y = np.zeros((n, L), dtype=np.int8)
    Y[np.arange(n), np.arange(n) % L] = 1
    return Y, S


def _max_violations(p):
    """Violations out of SEEDS that a true rate p exceeds with probability below 1e-6."""
    return stats.binom.ppf(1 - 1e-6, SEEDS, p)


def _mean_within(values, bound):
    return values.mean() <= bound + 5 * values.std(ddof=1) / np.sqrt(len(values))


def test_crc_recall_expected_risk_is_at_most_alpha_and_tight():
    n, alpha = 60, 0.1
    Y, S = _one_true_label(n, seed=1)
    risk = np.array([RecallControl(alpha).fit(Y, s).threshold_ for s in S])  # true FNR = t
    k = np.floor(alpha * (n + 1))
    assert _mean_within(risk, alpha)
    # E[U_(k)] = k / (n + 1): conformal risk control is also not conservative by more than 1/(n+1)
    se = risk.std(ddof=1) / np.sqrt(SEEDS)
    assert abs(risk.mean() - k / (n + 1)) <= 5 * se
    assert risk.mean() >= alpha - 1 / (n + 1) - 5 * se


@pytest.mark.parametrize("pvalues", ["wsr", "hb"])
def test_ltt_recall_violates_at_most_delta_of_the_time(pvalues):
    n, alpha, delta = 200, 0.1, 0.1
    Y, S = _one_true_label(n, seed=2)
    rule = RecallControl(alpha, delta, thresholds=GRID, pvalues=pvalues)
    risk = np.array([rule.fit(Y, s).threshold_ for s in S])
    assert (risk > alpha).sum() <= _max_violations(delta)
    assert risk.mean() > 0.5 * alpha  # and not trivially conservative


def test_per_label_order_statistics_violate_exactly_as_the_binomial_says():
    # one label (no Bonferroni): P(violation) = P(Bin(n, alpha) <= k - 1), known exactly
    n, alpha, delta = 100, 0.1, 0.1
    rng = np.random.default_rng(3)
    S = rng.random((SEEDS, n + 10, 1))
    Y = np.r_[np.ones(n, dtype=np.int8), np.zeros(10, dtype=np.int8)]  # n positives
    t = np.array([RecallControl(alpha, delta, per_label=True).fit(Y, s).thresholds_[0] for s in S])
    k = max(k for k in range(1, n + 1) if stats.binom.cdf(k - 1, n, alpha) <= delta)
    p = stats.binom.cdf(k - 1, n, alpha)
    violations = int((t > alpha).sum())
    assert stats.binom.ppf(1e-6, SEEDS, p) <= violations <= _max_violations(p)
    assert p <= delta


def test_per_label_with_delta_holds_for_all_labels_together():
    n, L, alpha, delta = 150, 3, 0.1, 0.1
    rng = np.random.default_rng(4)
    S = rng.random((SEEDS, n, L))
    Y = np.ones((n, L), dtype=np.int8)
    T = np.array([RecallControl(alpha, delta, per_label=True).fit(Y, s).thresholds_ for s in S])
    assert (T > alpha).any(axis=1).sum() <= _max_violations(delta)
    # per-label conformal: each label's expected miss rate at most alpha
    T = np.array([RecallControl(alpha, per_label=True).fit(Y, s).thresholds_ for s in S])
    assert all(_mean_within(T[:, j], alpha) for j in range(L))


def _fdp_risk(t, pi=0.5, low=0.6):
    """True mean FDP at threshold t of two independent labels: each positive with probability
    pi, scored U(low, 1) when positive and U(0, 1) when negative."""
    tp = pi * np.clip((1 - np.maximum(t, low)) / (1 - low), 0, 1)
    fp = (1 - pi) * (1 - t)
    none = 1 - tp - fp
    outcome = {"tp": tp, "fp": fp, "none": none}
    risk = 0.0
    for a, b in itertools.product(outcome, repeat=2):
        predicted = (a != "none") + (b != "none")
        wrong = (a == "fp") + (b == "fp")
        if predicted:
            risk = risk + outcome[a] * outcome[b] * wrong / predicted
    return risk


def test_ltt_precision_violates_at_most_delta_of_the_time():
    n, alpha, delta, low = 300, 0.1, 0.1, 0.6
    rng = np.random.default_rng(5)
    thresholds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProblemSetupWarning)
        for _ in range(SEEDS):
            Y = (rng.random((n, 2)) < 0.5).astype(np.int8)
            S = np.where(Y == 1, low + (1 - low) * rng.random((n, 2)), rng.random((n, 2)))
            thresholds.append(PrecisionControl(alpha, delta, thresholds=GRID).fit(Y, S).threshold_)
    risk = np.array([_fdp_risk(t) if np.isfinite(t) else 0.0 for t in thresholds])
    assert (risk > alpha).sum() <= _max_violations(delta)
    assert np.median(risk) > 0.5 * alpha
    # the reference risk is right: a Monte Carlo check at one threshold
    Y = (rng.random((200_000, 2)) < 0.5).astype(np.int8)
    S = np.where(Y == 1, low + (1 - low) * rng.random(Y.shape), rng.random(Y.shape))
    P = S >= 0.7
    pred = P.sum(axis=1)
    fdp = np.divide((P & (Y == 0)).sum(axis=1), pred, out=np.zeros(len(Y)), where=pred > 0)
    assert fdp.mean() == pytest.approx(_fdp_risk(0.7), abs=0.003)


def test_false_positive_control_expected_count_is_at_most_alpha():
    n, alpha = 100, 0.5
    Y, S = _one_true_label(n, L=4, seed=6)  # 3 false labels per row, U(0,1): E[FP] = 3 (1 - t)
    t = np.array([FalsePositiveControl(alpha).fit(Y, s).threshold_ for s in S])
    assert _mean_within(3 * (1 - t), alpha)


def test_the_promises_break_when_calibration_data_are_shifted():
    # calibrated on true-label scores U(0,1); at test time the model scores true labels lower,
    # U(0,1)^2 (a shift), so a threshold t misses a true label with probability sqrt(t) > t
    n, alpha, delta = 300, 0.1, 0.1
    Y, S = _one_true_label(n, seed=7)
    crc = np.array([RecallControl(alpha).fit(Y, s).threshold_ for s in S[:200]])
    assert np.sqrt(crc).mean() > 2 * alpha
    rule = RecallControl(alpha, delta, thresholds=GRID)
    ltt = np.array([rule.fit(Y, s).threshold_ for s in S[:300]])
    assert (np.sqrt(ltt) > alpha).mean() > 0.99


def test_the_promises_hold_for_calibration_drawn_from_a_finite_pool_with_tied_scores():
    # The benchmark's protocol on synthetic data: the population is a pool of 240 rows whose
    # scores lie on a 0.02 grid (many ties), each calibration set is 120 rows drawn from it with
    # replacement (i.i.d.), and a fitted rule's true risk is its mean loss over the pool, exact.
    rng = np.random.default_rng(9)
    N, L, n = 240, 4, 120
    Y = (rng.random((N, L)) < 0.4).astype(np.int8)
    S = np.round(np.clip(0.35 * Y + 0.65 * rng.random((N, L)), 0, 1) * 50) / 50
    draws = rng.integers(0, N, size=(SEEDS, n))

    def pool_risk(threshold, risk):
        return row_risk(Y, (S >= threshold).astype(np.int8), risk).mean()

    def label_fnr(thresholds):
        missed = (Y == 1) & (S < thresholds)
        return missed.sum(axis=0) / Y.sum(axis=0)

    recall = RecallControl(0.1, 0.1, thresholds=GRID, pvalues="hb")
    precision = PrecisionControl(0.2, 0.1, thresholds=GRID, pvalues="hb")
    per_label = RecallControl(0.2, 0.1, per_label=True)
    ltt_fnr, ltt_fdp, crc_fnr, label_violation = [], [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProblemSetupWarning)
        for rows in draws:
            y, s = Y[rows], S[rows]
            ltt_fnr.append(pool_risk(recall.fit(y, s).threshold_, "fnr"))
            ltt_fdp.append(pool_risk(precision.fit(y, s).threshold_, "fdp"))
            crc_fnr.append(pool_risk(RecallControl(0.1).fit(y, s).threshold_, "fnr"))
            label_violation.append((label_fnr(per_label.fit(y, s).thresholds_) > 0.2).any())
    ltt_fnr, ltt_fdp, crc_fnr = map(np.array, (ltt_fnr, ltt_fdp, crc_fnr))
    assert (ltt_fnr > 0.1).sum() <= _max_violations(0.1)
    assert (ltt_fdp > 0.2).sum() <= _max_violations(0.1)
    assert sum(label_violation) <= _max_violations(0.1)
    assert _mean_within(crc_fnr, 0.1)
    # and they are not trivially conservative
    assert np.median(ltt_fnr) > 0.02 and np.median(ltt_fdp) > 0.05 and crc_fnr.mean() > 0.07
