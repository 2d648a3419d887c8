"""``labelwise fit --metric``: the name is resolved to an objective once per run, and the
resolved object (not the string) is what the main job and ``AutoClassifier`` receive."""

from __future__ import annotations

import json

import pytest

import labelwise.auto.objectives as objectives
from labelwise.auto import AutoClassifier, Objective
from labelwise.auto.main_job import fit_auto
from labelwise.datasets import load
from labelwise.persist import load as load_model

FAST = ["--candidates", "BinaryRelevance", "--cv", "3", "--n-jobs", "1", "--quiet"]


@pytest.fixture
def lookups(monkeypatch):
    """The metric names looked up while the test runs."""
    seen: list[str] = []
    real = objectives._by_name

    def counting(name):
        seen.append(name)
        return real(name)

    monkeypatch.setattr(objectives, "_by_name", counting)
    return seen


@pytest.fixture
def received(monkeypatch):
    """The ``metric`` each AutoClassifier was fitted with."""
    seen: list = []
    real = AutoClassifier.fit

    def spying(self, X, y):
        seen.append(self.metric)
        return real(self, X, y)

    monkeypatch.setattr(AutoClassifier, "fit", spying)
    return seen


@pytest.mark.parametrize("spelling", ["macro_f1", "Macro-F1", "f1_macro"])
def test_the_cli_resolves_the_metric_once_and_passes_the_objective_down(
    spelling, lookups, received, tmp_path, invoke
):
    path = tmp_path / "m.lw"
    result = invoke("fit", "emotions:train", "--metric", spelling, *FAST, "--out", path, "--json")
    assert result.exit_code == 0, result.output
    assert lookups == [spelling]  # the option's type, and nothing after it
    assert len(received) == 1 and isinstance(received[0], Objective)
    assert received[0] is objectives.OBJECTIVES[received[0].name]  # the one, not a copy
    out = json.loads(result.stdout)
    assert out["metric"] == received[0].name == out["leaderboard"][0]["metric"]
    # the saved search keeps the resolved objective, and a reloaded one is the same objective
    saved = load_model(path).metric
    assert isinstance(saved, Objective) and saved.name == received[0].name


def test_an_unknown_metric_is_a_usage_error_listing_the_names(lookups, invoke):
    result = invoke("fit", "emotions", "--metric", "f2", *FAST)
    assert result.exit_code == 2 and "unknown metric 'f2'; choose one of" in result.stderr
    assert lookups == ["f2"]


def test_fit_auto_resolves_a_name_once_and_takes_an_objective_as_it_is(lookups, received):
    train = load("emotions", split="train")
    fit_auto(train, metric="hamming", candidates=["BinaryRelevance"], cv=3, n_jobs=1)
    assert lookups == ["hamming"] and received[-1].name == "hamming_loss"
    objective = objectives.get_objective("precision_at_k", k=2)
    lookups.clear()
    result = fit_auto(train, metric=objective, candidates=["BinaryRelevance"], cv=3, n_jobs=1)
    assert lookups == [] and received[-1] is objective
    assert result.metadata["metric"] == "precision_at_k"


def test_autoclassifier_takes_a_name_or_an_objective_with_the_same_result():
    train = load("emotions", split="train")
    kw = {"candidates": ["BinaryRelevance"], "blend": False, "cv": 3, "n_jobs": 1}
    by_name = AutoClassifier("macro_f1", **kw).fit(train.X, train.Y)
    resolved = AutoClassifier(objectives.get_objective("macro_f1"), **kw).fit(train.X, train.Y)
    name = objectives.get_objective("macro_f1").name
    assert by_name.objective_ == resolved.objective_ == name
    assert by_name.best_score_ == pytest.approx(resolved.best_score_)
    assert f"metric=Objective('{name}')" in repr(resolved)
