"""The time limit bounds the whole run: refit estimates, the reserve, blends that would not fit."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

from labelwise.auto import AutoClassifier
from labelwise.auto import candidates as cand_mod
from labelwise.auto.budget import TimeBudget, _shrunk, _too_slow, parallel_seconds
from labelwise.auto.candidates import Candidate, DataProfile
from labelwise.auto.objectives import get_objective
from labelwise.auto.search import CandidateResult, _best_that_fits, _blend

# --------------------------------------------------------------------------- estimates


def test_a_refit_scales_the_fold_time_by_the_rows_as_the_cost_model_does():
    budget = TimeBudget(None, 0.0, workers=1, n_folds=5, n_rows=1000, fold_rows=800)
    linear = Candidate("linear", lambda: None, 1.0)
    # the slowest fold, on 800 rows, scaled to 1000 rows: x 1.25 for a linear model
    assert budget.refit_from_folds(linear, [2.0, 4.0, 3.0]) == pytest.approx(5.0)
    p = DataProfile(1000, 20, 5, False, False, 30, "multilabel")
    knn = next(c for c in cand_mod.build_candidates(p) if c.name.startswith("MLkNN"))
    factor = cand_mod.fit_seconds("mlknn", p) / cand_mod.fit_seconds(
        "mlknn", DataProfile(800, 20, 5, False, False, 30, "multilabel")
    )
    assert knn.rows_factor(1000, 800) == pytest.approx(factor)
    assert 1.25 < factor < 1.25**2 + 1e-9  # quadratic search plus linear counts
    # folds ran 2 at a time, 5 of them: 3 rounds, so a refit costs a third of the CV per factor
    two = TimeBudget(None, 0.0, workers=2, n_folds=5, n_rows=1000, fold_rows=800)
    assert two.refit_share(linear) == pytest.approx(1.25 / 3)


def test_members_of_a_blend_refit_workers_at_a_time():
    assert parallel_seconds([], 2) == 0.0
    assert parallel_seconds([5.0, 1.0], 1) == 6.0
    assert parallel_seconds([5.0, 1.0], 2) == 5.0  # the longest bounds it
    assert parallel_seconds([2.0, 2.0, 2.0, 2.0], 2) == 4.0


def test_a_candidate_runs_only_if_its_cv_and_the_refit_after_it_fit():
    cand = Candidate("c", lambda: None, cost=10.0)
    rates = {"linear": [1.0]}  # 10 s of cross-validation
    assert _too_slow(cand, rates, left=15.0, limit=60.0) == ""
    # 6 s kept to refit the best so far: 16 s needed, 15 left
    why = _too_slow(cand, rates, left=15.0, limit=60.0, reserve=6.0)
    assert "about 16 s needed with the refit, 15 s left" in why
    # its own refit (0.8 of its CV time) is longer than the reserve: 18 s needed
    assert "about 18 s" in _too_slow(cand, rates, left=15.0, limit=60.0, refit_share=0.8)
    assert _too_slow(cand, rates, left=5.0, limit=60.0, reserve=5.0) == "time limit reached"


def test_a_shrunk_forest_leaves_room_for_its_own_refit():
    p = DataProfile(3000, 100, 20, False, False, 300, "multilabel")
    forest = cand_mod._forest("RandomForest", p, 0)
    rates = {"linear": [1.0]}
    left = forest.cost  # the full forest's CV alone would fill the time
    alone = _shrunk(forest, rates, left=left, limit=2 * left)
    assert alone.name == "RandomForest(240 trees)"  # 80% of the time left
    # its refit costs half its CV: CV + refit = 1.5 x CV must fit in 80%, so 160 trees
    with_refit = _shrunk(forest, rates, left=left, limit=2 * left, refit_share=0.5)
    assert with_refit.name == "RandomForest(160 trees)"


# --------------------------------------------------------------------------- choices


def _result(name, score, refit, oof):
    return CandidateResult(
        name, "ok", score, rule=None, oof=oof, refit_seconds=refit, rules_seconds=0.0
    )


def _complementary():
    """Two score matrices each right on one label: their mean is right on both."""
    rng = np.random.default_rng(0)
    Y = (rng.random((200, 2)) < 0.5).astype(np.int8)
    noise = rng.random((200, 2))
    a = np.column_stack([Y[:, 0] * 0.8 + 0.1, noise[:, 1]])
    b = np.column_stack([noise[:, 0], Y[:, 1] * 0.8 + 0.1])
    return Y, a, b, np.arange(200) % 4


def test_a_blend_whose_refit_would_not_fit_is_not_formed():
    Y, a, b, folds = _complementary()
    objective = get_objective("average_precision")
    pool = [
        _result("A", objective.score(Y, a), 3.0, a),
        _result("B", objective.score(Y, b), 3.0, b),
    ]
    free = _blend(pool, objective, Y, folds, False, {})
    assert free is not None and free.members == {"A": 1, "B": 1}
    assert free.refit_seconds == 6.0  # one worker: the members one after the other
    # 5 s left: A or B alone can be refitted, both cannot
    budget = TimeBudget(5.0, time.perf_counter(), workers=1, n_folds=4, n_rows=200, fold_rows=150)
    assert _blend(pool, objective, Y, folds, False, {}, budget=budget) is None
    # with two workers the members refit side by side: 3 s, it fits
    two = TimeBudget(5.0, time.perf_counter(), workers=2, n_folds=4, n_rows=200, fold_rows=150)
    mixed = _blend(pool, objective, Y, folds, False, {}, budget=two)
    assert mixed is not None and mixed.refit_seconds == 3.0


def test_the_winner_is_the_best_model_whose_refit_fits():
    budget = TimeBudget(10.0, time.perf_counter(), workers=1, n_folds=3, n_rows=90, fold_rows=60)
    ok = [_result("slow", 0.9, 60.0, None), _result("quick", 0.8, 1.0, None)]
    assert _best_that_fits(ok, budget).name == "quick"
    assert "would not fit" in ok[0].error and ok[1].error == ""
    # nothing fits: the one quickest to refit (a model is refitted in any case)
    late = TimeBudget(0.0, time.perf_counter(), workers=1, n_folds=3, n_rows=90, fold_rows=60)
    ok = [_result("slow", 0.9, 60.0, None), _result("quick", 0.8, 1.0, None)]
    assert _best_that_fits(ok, late).name == "quick"
    assert _best_that_fits([], budget) is None


# --------------------------------------------------------------------------- end to end


class _Sleepy(ClassifierMixin, BaseEstimator):
    """Sleeps ``per_row`` seconds a training row; scores one label well (the one named)."""

    def __init__(self, per_row=0.0, label=0):
        self.per_row = per_row
        self.label = label

    def fit(self, X, Y):
        time.sleep(self.per_row * X.shape[0])
        self.n_labels_ = Y.shape[1]
        return self

    def predict_proba(self, X):
        rng = np.random.default_rng(X.shape[0])
        S = rng.random((X.shape[0], self.n_labels_))
        S[:, self.label] = X[:, self.label] * 0.8 + 0.1
        return S


def test_a_time_limit_keeps_the_blend_out_when_its_refit_would_not_fit(monkeypatch):
    rng = np.random.default_rng(0)
    Y = (rng.random((300, 2)) < 0.5).astype(np.int8)
    X = Y.astype(np.float64)
    per_row = 0.002  # a fold (200 rows) 0.4 s, a refit (300 rows) 0.6 s
    cands = [
        Candidate("A", lambda: _Sleepy(per_row, 0), 1.0),
        Candidate("B", lambda: _Sleepy(per_row, 1), 1.0),
    ]
    monkeypatch.setattr("labelwise.auto.classifier.build_candidates", lambda p, **kw: cands)
    # Without a limit the two complementary models are blended (refit: 1.2 s, one after the
    # other).
    free = AutoClassifier("average_precision", cv=3).fit(X, Y)
    assert free.best_name_.startswith("Blend(")
    # 3.4 s: A's CV (1.2 s) and B's (1.2 s) fit with a refit after them; the blend's 1.2 s
    # refit does not fit in the 0.9 s then left, the best single model's 0.6 s does.
    start = time.perf_counter()
    limited = AutoClassifier("average_precision", cv=3, time_limit=3.4).fit(X, Y)
    wall = time.perf_counter() - start
    assert {r["candidate"] for r in limited.leaderboard_ if r["status"] == "ok"} == {"A", "B"}
    assert limited.best_name_ in ("A", "B")
    assert limited.refit_estimate_ == pytest.approx(0.6, rel=0.5)
    assert wall <= 1.2 * 3.4 + 1.0
    assert limited.fit_seconds_ == pytest.approx(wall, abs=0.5)


def test_time_limit_and_workers_must_be_meaningful():
    X, Y = np.zeros((10, 2)), np.eye(2, dtype=int)[np.arange(10) % 2]
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(ValueError, match=r"time_limit.*finite number of seconds"):
            AutoClassifier(time_limit=bad).fit(X, Y)
    with pytest.raises(ValueError, match=r"n_jobs.*other than 0"):
        AutoClassifier(n_jobs=0).fit(X, Y)


def test_a_candidate_far_slower_than_its_estimate_is_stopped_between_folds(monkeypatch):
    rng = np.random.default_rng(1)
    Y = (rng.random((90, 2)) < 0.5).astype(np.int8)
    X = Y.astype(np.float64)
    cands = [  # the same estimate; B's folds take 20 times as long
        Candidate("A", lambda: _Sleepy(0.05 / 60, 0), 1.0),
        Candidate("B", lambda: _Sleepy(1.0 / 60, 1), 1.0),
    ]
    monkeypatch.setattr("labelwise.auto.classifier.build_candidates", lambda p, **kw: cands)
    start = time.perf_counter()
    auto = AutoClassifier("average_precision", cv=3, time_limit=3.0).fit(X, Y)
    wall = time.perf_counter() - start
    b = next(r for r in auto.leaderboard_ if r["candidate"] == "B")
    # after its first fold (1 s), 2 more and its refit (1.5 s) cannot end within 3 s
    assert b["status"] == "skipped" and "stopped after 1 of 3 folds" in b["error"]
    assert auto.best_name_ == "A"
    assert wall < 3.0


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads Linux's /proc")
def test_process_seconds_counts_the_start_up_of_the_process():
    """A child that sleeps 1 s after starting says at least 1 s, and no more than the parent
    measured from before starting it."""
    code = (
        "import time; time.sleep(1.0); "
        "from labelwise.auto.budget import process_seconds; print(process_seconds())"
    )
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    assert 1.0 <= float(done.stdout) <= wall + 0.05
