"""AutoClassifier: objectives, cross-fitted rule choice, time limit, crashes, blends."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.metrics import accuracy_score as sk_accuracy
from sklearn.metrics import f1_score as sk_f1

from labelwise.auto import AutoClassifier, NoCandidateFinished, get_objective, objective_names
from labelwise.auto import candidates as cand_mod
from labelwise.auto.budget import _shrunk, _too_slow
from labelwise.auto.candidates import (
    Candidate,
    DataProfile,
    build_candidates,
    fit_seconds,
    profile_data,
)
from labelwise.auto.search import evaluate_rules
from labelwise.decision import FixedThreshold, GlobalThreshold
from labelwise.errors import ProblemSetupError
from labelwise.models import BinaryRelevance, MLkNN
from labelwise.models.averaging import ScoreAverage
from labelwise.models.native_multilabel import NativeMultilabel


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=240, n_features=12, n_classes=4, n_labels=2, random_state=0
    )
    return X, Y


# --------------------------------------------------------------------------- objectives


def test_unknown_metric_lists_the_valid_ones():
    with pytest.raises(ProblemSetupError) as err:
        get_objective("f2_weird")
    for name in ("micro_f1", "macro_f1", "hamming_loss", "ndcg_at_k"):
        assert name in str(err.value)


def test_metric_that_does_not_fit_the_problem_is_refused(data):
    X, Y = data
    with pytest.raises(ProblemSetupError, match="does not fit multilabel"):
        AutoClassifier("top_k_accuracy").fit(X, Y)
    with pytest.raises(ProblemSetupError, match="does not fit multiclass"):
        AutoClassifier("hamming_loss").fit(X, np.arange(X.shape[0]) % 3)


def test_aliases_and_directions():
    assert get_objective("f1_micro").name == "micro_f1"
    assert get_objective("hamming").greater_is_better is False
    assert get_objective("ndcg@k").needs == "scores"
    assert set(objective_names()) >= {
        "micro_f1", "macro_f1", "samples_f1", "hamming_loss", "subset_accuracy",
        "jaccard_samples", "average_precision", "precision_at_k", "ndcg_at_k",
    }  # fmt: skip


# --------------------------------------------------------------------------- rule judging


def test_rules_are_judged_by_cross_fitting_on_out_of_fold_scores():
    rng = np.random.default_rng(0)
    Y = (rng.random((120, 3)) < 0.3).astype(np.int8)
    S = np.clip(0.35 * Y + 0.6 * rng.random(Y.shape), 0, 1)
    folds = np.arange(120) % 4
    objective = get_objective("micro_f1")
    best, _, values = evaluate_rules(objective, Y, S, folds, multiclass=False)
    # The fixed rule needs no fitting: its value is plain F1 of S >= 0.5.
    assert values["FixedThreshold()"] == pytest.approx(
        sk_f1(Y, (S >= 0.5).astype(int), average="micro")
    )
    # The tuned rule is fitted on the other folds only, fold by fold.
    pred = np.empty_like(Y)
    for k in range(4):
        inside = folds == k
        rule = GlobalThreshold("f1_micro").fit(Y[~inside], S[~inside])
        pred[inside] = rule.predict(S[inside])
    assert values["GlobalThreshold()"] == pytest.approx(sk_f1(Y, pred, average="micro"))
    # One-standard-error rule: the simplest rule within one fold standard error of the best.
    tuned = [sk_f1(Y[folds == k], pred[folds == k], average="micro") for k in range(4)]
    se = np.std(tuned, ddof=1) / 2
    assert max(values.values()) == values["GlobalThreshold()"]
    fixed = values["FixedThreshold()"]
    expected = fixed if values["GlobalThreshold()"] - fixed <= se else values["GlobalThreshold()"]
    assert best == expected


def test_a_tuned_rule_must_beat_the_plain_cut_by_more_than_fold_noise():
    rng = np.random.default_rng(1)
    Y = (rng.random((400, 3)) < 0.3).astype(np.int8)
    S = np.clip(0.6 * Y + 0.5 * rng.random(Y.shape) - 0.05, 0, 1)  # 0.5 is already a good cut
    folds = np.arange(400) % 5
    _, rule, values = evaluate_rules(get_objective("hamming_loss"), Y, S, folds, False)
    assert isinstance(rule, FixedThreshold)
    assert min(values.values()) <= values["FixedThreshold()"]


# --------------------------------------------------------------------------- the search


def test_auto_picks_the_best_cross_validated_candidate_and_fits_the_rule_out_of_fold(data):
    X, Y = data
    auto = AutoClassifier(
        "micro_f1", candidates=["BinaryRelevance", "MLkNN"], blend=False, cv=3,
        keep_oof_scores=True,
    ).fit(X, Y)  # fmt: skip
    rows = [r for r in auto.leaderboard_ if r["status"] == "ok"]
    assert {r["candidate"] for r in rows} == {"BinaryRelevance(LogisticRegression)", "MLkNN(k=10)"}
    assert (
        auto.best_score_
        == max(r["score"] for r in rows)
        == pytest.approx(auto.leaderboard_[0]["score"], abs=1e-6)
    )
    assert auto.leaderboard_[0]["rank"] == 1
    # The rule was fitted on the winner's out-of-fold scores, not on its training-set scores.
    refit = clone(auto.rule_).fit(Y, auto.oof_scores_)
    P = auto.predict_proba(X)
    np.testing.assert_array_equal(auto.predict(X), refit.predict(P))
    assert P.shape == Y.shape and auto.n_features_in_ == X.shape[1]


def test_a_crashing_candidate_is_logged_and_skipped(data, monkeypatch):
    X, Y = data

    class Broken(ClassifierMixin, BaseEstimator):
        def fit(self, X, Y):
            raise RuntimeError("boom in fit")

    real = cand_mod.build_candidates

    def with_broken(p, **kw):
        return [Candidate("Broken", Broken, 0.1), *real(p, **kw)]

    monkeypatch.setattr("labelwise.auto.classifier.build_candidates", with_broken)
    auto = AutoClassifier("macro_f1", candidates=["MLkNN"], blend=False, cv=3).fit(X, Y)
    broken = next(r for r in auto.leaderboard_ if r["candidate"] == "Broken")
    assert broken["status"] == "failed" and "boom in fit" in broken["error"]
    assert auto.best_name_ == "MLkNN(k=10)"
    assert any("Broken failed" in line for line in auto.log_)


def test_time_limit_keeps_the_cheapest_finished_candidate(data):
    X, Y = data
    auto = AutoClassifier(
        "micro_f1", time_limit=0, candidates=["MLkNN", "BinaryRelevance"], cv=3
    ).fit(X, Y)
    status = [(r["candidate"], r["status"], r["error"]) for r in auto.leaderboard_]
    ran = [name for name, state, _ in status if state == "ok"]
    skipped = [(name, why) for name, state, why in status if state == "skipped"]
    assert len(ran) == 1 and len(skipped) == 1  # the cheapest always runs, the other cannot
    profile = profile_data(X, np.asarray(Y), "multilabel")
    cheapest = min(
        (c for c in build_candidates(profile) if c.name.startswith(("MLkNN", "BinaryRel"))),
        key=lambda c: c.cost,
    )
    assert ran == [cheapest.name]
    assert "time limit" in skipped[0][1]


def test_cost_model_follows_each_familys_complexity():
    base = DataProfile(2000, 100, 20, False, False, 300, "multilabel")
    more_labels = DataProfile(2000, 100, 200, False, False, 300, "multilabel")
    more_rows = DataProfile(20000, 100, 20, False, False, 300, "multilabel")
    ratio = lambda kind, p: fit_seconds(kind, p) / fit_seconds(kind, base)  # noqa: E731
    assert ratio("binary_relevance", more_labels) == pytest.approx(10.0)  # one model a label
    assert ratio("binary_relevance", more_rows) < 10.0 + 1e-9  # linear in the rows (+ overhead)
    assert ratio("mlknn", more_rows) > 20.0  # superlinear: the neighbour search is quadratic
    assert ratio("extra_trees", more_rows) > 10.0  # n log n
    assert fit_seconds("ecc", base) == pytest.approx(10 * fit_seconds("chain", base))  # 10 chains
    sparse = DataProfile(2000, 50000, 20, True, False, 300, "multilabel", nnz_per_row=50.0)
    wide = DataProfile(2000, 50000, 20, False, False, 300, "multilabel")
    # a sparse linear model works on the stored values, not on the 50,000 columns, at a
    # higher cost per value than dense BLAS
    assert fit_seconds("binary_relevance", sparse) < fit_seconds("binary_relevance", wide) / 50
    dense50 = DataProfile(2000, 50, 20, False, False, 300, "multilabel")
    assert fit_seconds("binary_relevance", sparse) > fit_seconds("binary_relevance", dense50)
    # the network densifies sparse batches: its first layer sees every column
    assert fit_seconds("mlp", sparse) == pytest.approx(fit_seconds("mlp", wide))
    # an epoch costs at least one optimiser step per batch, however small the network
    tiny = DataProfile(12800, 1, 1, False, False, 2, "multilabel")
    assert fit_seconds("mlp", tiny) >= 25 * 100 * cand_mod._SECONDS["mlp_step"]
    with pytest.raises(ValueError, match="no cost model"):
        fit_seconds("oracle", base)


def test_a_new_family_borrows_the_measured_speed_of_the_others():
    slow = Candidate("slow", lambda: None, cost=100.0, family="trees")
    quick = Candidate("quick", lambda: None, cost=1.0, family="trees")
    # linear models ran at 2 measured seconds per estimated second: 200 s needed, 50 left
    assert "about 200 s" in _too_slow(slow, {"linear": [2.0]}, left=50.0, limit=60.0)
    assert _too_slow(quick, {"linear": [2.0]}, left=50.0, limit=60.0) == ""
    assert _too_slow(slow, {}, left=50.0, limit=60.0) == ""  # nothing measured: try it
    # its own family's rate, once measured, wins over the others'
    assert _too_slow(slow, {"linear": [2.0], "trees": [0.1]}, left=50.0, limit=60.0) == ""
    assert "too little" in _too_slow(quick, {"linear": [2.0]}, left=10.0, limit=60.0)


def test_a_forest_that_does_not_fit_shrinks_to_fewer_trees():
    p = DataProfile(3000, 100, 20, False, False, 300, "multilabel")
    forest = cand_mod._forest("RandomForest", p, 0)
    assert forest.name == "RandomForest(300 trees)" and forest.family == "trees"
    half = forest.shrink(0.5)
    assert half.name == "RandomForest(150 trees)"
    assert half.cost == pytest.approx(forest.cost / 2)  # linear in the trees
    assert half.make().estimator.n_estimators == 150
    assert forest.shrink(0.1) is None  # 30 trees: below MIN_TREES, not worth a forest
    # measured speed 1 s per estimated second, cost `forest.cost`: a quarter of it is left
    rates = {"linear": [1.0]}
    left = forest.cost / 2
    assert _too_slow(forest, rates, left=left, limit=2 * left)
    smaller = _shrunk(forest, rates, left=left, limit=2 * left)
    assert smaller.name == "RandomForest(120 trees)"  # 80% of the time left at that speed
    assert _too_slow(smaller, rates, left=left, limit=2 * left) == ""
    # a quarter left: 60 trees would fit, fewer than MIN_TREES, so none
    assert _shrunk(forest, rates, left=forest.cost / 4, limit=forest.cost / 2) is None
    # too little time left to try a new family at all: no shrinking past that rule
    assert _shrunk(forest, rates, left=left, limit=10 * left) is None
    linear = Candidate("slow", lambda: None, cost=100.0)
    assert _shrunk(linear, rates, left=50.0, limit=60.0) is None  # nothing to shrink
    multiclass = cand_mod._forest(
        "ExtraTrees", DataProfile(300, 5, 3, False, False, 3, "multiclass"), 0
    )
    assert isinstance(multiclass.shrink(0.5).make(), ExtraTreesClassifier)


def test_no_candidate_finished_is_a_clear_error(data, monkeypatch):
    X, Y = data

    class Broken(ClassifierMixin, BaseEstimator):
        def fit(self, X, Y):
            raise ValueError("cannot learn")

    monkeypatch.setattr(
        "labelwise.auto.classifier.build_candidates",
        lambda p, **kw: [Candidate("Broken", Broken, 0.1)],
    )
    with pytest.raises(NoCandidateFinished, match="Broken: ValueError: cannot learn"):
        AutoClassifier("micro_f1", cv=3).fit(X, Y)


def test_joint_rules_use_joint_out_of_fold_predictions(data):
    X, Y = data
    auto = AutoClassifier("subset_accuracy", candidates=["LabelPowerset"], blend=False, cv=3).fit(
        X, Y
    )
    row = auto.leaderboard_[0]
    assert "BayesOptimal(metric='subset_accuracy')" in row["rule_scores"]
    # Subset accuracy of the joint mode can't be worse than chance-level zero, and the winner's
    # value is the best of the rules tried.
    assert row["score"] == max(row["rule_scores"].values())


def test_multiclass_targets_predict_classes():
    X, y = make_classification(
        n_samples=300, n_features=8, n_informative=5, n_classes=4, random_state=0
    )
    names = np.array(["cat", "dog", "eel", "fox"])[y]
    auto = AutoClassifier("accuracy", candidates=["LogisticRegression", "kNN"], cv=3).fit(X, names)
    pred = auto.predict(X)
    assert set(pred) <= {"cat", "dog", "eel", "fox"}
    assert auto.predict_proba(X).shape == (300, 4)
    assert sk_accuracy(names, pred) > 0.6
    top3 = AutoClassifier("top_k_accuracy", candidates=["kNN"], cv=3, blend=False).fit(X, names)
    assert auto.best_score_ < top3.best_score_ <= 1.0


def test_clone_and_params():
    auto = AutoClassifier("macro_f1", time_limit=30, n_jobs=2)
    twin = clone(auto)
    assert twin.get_params() == auto.get_params()
    with pytest.raises(ValueError, match="cv"):
        AutoClassifier(cv=1).fit([[0.0], [1.0]], [[0, 1], [1, 0]])


def test_candidate_space_follows_the_data():
    small = DataProfile(300, 20, 6, False, False, 30, "multilabel")
    names = [c.name for c in build_candidates(small)]
    assert "LabelPowerset(LogisticRegression)" in names
    assert any(n.startswith("RandomForest") for n in names)
    many_sets = DataProfile(300, 20, 40, False, False, 290, "multilabel")
    assert "LabelPowerset(LogisticRegression)" not in [c.name for c in build_candidates(many_sets)]
    wide_sparse = DataProfile(300, 50000, 6, True, False, 30, "multilabel")
    assert not any(c.family == "trees" for c in build_candidates(wide_sparse))
    costs = [c.cost for c in build_candidates(small)]
    assert costs == sorted(costs)


# --------------------------------------------------------------------------- the two models


def test_score_average_is_the_weighted_mean_of_member_scores(data):
    X, Y = data
    avg = ScoreAverage([("br", BinaryRelevance()), ("knn", MLkNN(k=5))], weights=[1, 3]).fit(X, Y)
    br = BinaryRelevance().fit(X, Y).predict_proba(X)
    knn = MLkNN(k=5).fit(X, Y).predict_proba(X)
    np.testing.assert_allclose(avg.predict_proba(X), 0.25 * br + 0.75 * knn)
    with pytest.raises(ProblemSetupError, match="non-negative"):
        ScoreAverage([("br", BinaryRelevance())], weights=[-1]).fit(X, Y)


def test_native_multilabel_equals_the_forest_positive_columns(data):
    X, Y = data
    Y = Y.copy()
    Y[:, 2] = 0  # a label never seen positive gets probability 0
    forest = RandomForestClassifier(n_estimators=20, random_state=0)
    with pytest.warns(UserWarning):
        model = NativeMultilabel(forest, decision_rule=FixedThreshold(0.5)).fit(X, Y)
    ref = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, Y).predict_proba(X)
    expected = np.column_stack([p[:, 1] if p.shape[1] == 2 else np.zeros(len(X)) for p in ref])
    np.testing.assert_allclose(model.predict_proba(X), expected)
    np.testing.assert_array_equal(model.predict(X), FixedThreshold(0.5).predict(expected))
    et = NativeMultilabel(ExtraTreesClassifier(n_estimators=5, random_state=0)).fit(
        X, data[1], sample_weight=np.ones(len(X))
    )
    assert et.predict_proba(X).shape == data[1].shape


def test_a_blend_must_clear_the_fold_noise_to_replace_the_best_single_model():
    from labelwise.auto.search import CandidateResult, _clearly_better

    rng = np.random.default_rng(3)
    Y = (rng.random((300, 4)) < 0.3).astype(np.int8)
    folds = np.arange(300) % 5
    noisy = np.clip(0.3 * Y + 0.7 * rng.random(Y.shape), 0, 1)
    sharp = np.clip(0.8 * Y + 0.2 * rng.random(Y.shape), 0, 1)
    objective = get_objective("micro_f1")
    rule = GlobalThreshold("f1_micro")
    weak = CandidateResult("weak", "ok", rule=rule, oof=noisy)
    same = CandidateResult("same", "ok", rule=rule, oof=noisy.copy())
    strong = CandidateResult("strong", "ok", rule=rule, oof=sharp)
    assert not _clearly_better(objective, Y, folds, same, weak, False, {})
    assert _clearly_better(objective, Y, folds, strong, weak, False, {})
    assert not _clearly_better(objective, Y, folds, weak, strong, False, {})


def test_hierarchical_f1_is_optimised_with_the_hierarchy():
    from labelwise.data.hierarchy import Hierarchy
    from labelwise.metrics import hierarchical_f1_score

    rng = np.random.default_rng(0)
    names = ["A.A1", "A.A2", "B.B1", "B.B2"]
    X = rng.normal(size=(200, 6))
    Y = (X[:, :4] + 0.5 * rng.normal(size=(200, 4)) > 0.6).astype(np.int8)
    h = Hierarchy.from_names(names)  # A.A1 is under A, which is no label column
    with pytest.raises(ProblemSetupError, match="needs a label hierarchy"):
        AutoClassifier("hierarchical_f1", candidates=["MLkNN"], cv=3).fit(X, Y)
    auto = AutoClassifier(
        "hierarchical_f1",
        hierarchy=h,
        label_names=names,
        candidates=["BinaryRelevance"],
        blend=False,
        cv=3,
    ).fit(X, Y)
    assert auto.objective_ == "hierarchical_f1" and 0 < auto.best_score_ <= 1
    pred = auto.predict(X)
    assert 0 < hierarchical_f1_score(Y, pred, h, labels=names) <= 1
