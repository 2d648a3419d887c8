"""One spelling per metric: every alias of every metric gives identical results everywhere.

The registry (``labelwise.metrics.names``) maps each spelling to one canonical name; this file
walks every public entry point that takes a metric name with every spelling of every metric it
accepts and asserts the results are identical to the canonical spelling's.

Entry points walked here: ``canonical_metric_name``, ``get_metric``, ``Evaluator(metrics=)``
and its results, ``GlobalThreshold(metric=)``, ``BayesOptimal(metric=)``, the private
``global_cut``, ``HierarchicalState``, and the report (``tuned_for``, ``build_report``).
``PerLabelThreshold`` takes no metric (it maximises each label's F-beta).

Helpers for the other entry points (the CLI's ``--metric``, the main job,
``fit_and_evaluate``, JSON output) to add here:

* ``spellings(name)``: every accepted spelling of a canonical metric name (its aliases plus
  upper case, hyphen and space variants);
* ``assert_every_spelling_agrees(call, name)``: ``call(spelling)`` gives the same outcome (value,
  or error type and message) for every spelling of ``name`` as for ``name`` itself;
* the ``scored_data`` fixture: ``(Y, S)``, a small multi-label 0/1 target matrix and scores
  (seeded).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import get_scorer_names

from labelwise.decision import BayesOptimal, GlobalThreshold
from labelwise.decision._global_sweep import global_cut
from labelwise.decision.thresholds import GLOBAL_RULE_METRICS
from labelwise.errors import ProblemSetupError
from labelwise.metrics import (
    METRIC_NAMES,
    Evaluator,
    canonical_metric_name,
    metric_description,
)
from labelwise.metrics._state_registry import get_metric, registered_metrics
from labelwise.metrics.hierarchical import HierarchicalState, bind_hierarchy
from labelwise.metrics.names import MetricValues
from labelwise.report.header import tuned_for


def spellings(name: str) -> list[str]:
    """Every accepted spelling of the canonical ``name``: aliases and their variants."""
    out = []
    for s in (name, *METRIC_NAMES[name].aliases):
        out += [s, s.upper(), s.replace("_", "-"), " " + s.replace("_", " ").title() + " "]
    return list(dict.fromkeys(out))


def _outcome(call: Callable[[], Any]) -> Any:
    """The value, or the error's type and message (both must agree across spellings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call()
        except Exception as err:  # the error is the outcome compared
            return (type(err).__name__, str(err))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        np.testing.assert_array_equal(a, b)
    except AssertionError:
        return False
    return True


def assert_every_spelling_agrees(call: Callable[[str], Any], name: str) -> None:
    """``call(spelling)`` has the same outcome for every spelling of ``name`` as for ``name``."""
    expected = _outcome(lambda: call(name))
    for spelling in spellings(name):
        got = _outcome(lambda s=spelling: call(s))
        assert _same(got, expected), f"{spelling!r}: {got!r} != {name!r}: {expected!r}"


@pytest.fixture
def scored_data() -> tuple[np.ndarray, np.ndarray]:
    """(Y, S): 40 examples, 12 labels, every label with positives and negatives."""
    rng = np.random.default_rng(20)
    Y = (rng.random((40, 12)) < 0.4).astype(np.int8)
    Y[0], Y[1] = 1, 0
    S = np.clip(0.35 * Y + 0.65 * rng.random((40, 12)), 0, 1)
    return Y, S


@pytest.mark.parametrize("name", list(METRIC_NAMES))
def test_every_spelling_resolves_to_its_canonical_name(name):
    for spelling in spellings(name):
        assert canonical_metric_name(spelling) == name, spelling


def test_canonical_names_are_scikit_learns_scorer_names_where_it_has_the_metric():
    sklearn_names = set(get_scorer_names())
    for ours in ("f1_micro", "f1_macro", "f1_samples", "f1_weighted", "jaccard_samples",
                 "precision_samples", "recall_macro", "average_precision", "roc_auc",
                 "accuracy", "balanced_accuracy", "top_k_accuracy"):  # fmt: skip
        assert ours in sklearn_names and ours in METRIC_NAMES
    # the issue's three spellings of one metric name one metric
    assert {canonical_metric_name(s) for s in ("micro_f1", "f1_micro", "micro-F1")} == {"f1_micro"}


def test_aliases_are_unique_and_never_a_canonical_name_of_another_metric():
    seen: dict[str, str] = {}
    for m in METRIC_NAMES.values():
        for s in (m.name, *m.aliases):
            key = s.lower().replace("-", "_")
            assert seen.setdefault(key, m.name) == m.name, s


def test_any_cut_off_is_accepted_and_written_with_at():
    assert canonical_metric_name("ndcg@7") == "ndcg_at_7"
    assert canonical_metric_name("P@20") == "precision_at_20"
    assert canonical_metric_name("recall_at_2") == "recall_at_2"
    assert metric_description("psp@2") == (
        "propensity-scored precision of each example's 2 top-scored labels (PSP@k)"
    )


@pytest.mark.parametrize("bad", ["f2_micro", "precision@0", "", "micro", "x" * 500])
def test_unknown_names_are_refused_with_the_known_ones_listed(bad):
    with pytest.raises(ProblemSetupError, match=r"unknown metric .*known metrics: f1_micro"):
        canonical_metric_name(bad)


def test_a_name_that_is_not_a_string_is_refused():
    with pytest.raises(ProblemSetupError, match="must be a string"):
        canonical_metric_name(None)  # type: ignore[arg-type]


def test_aliases_resolve_without_a_warning(recwarn):
    canonical_metric_name("micro_f1")
    canonical_metric_name("lrap")
    assert len(recwarn) == 0


# ---------------------------------------------------------------------------------------------
# every entry point, every spelling


def test_the_issue_spellings_give_identical_evaluator_results(scored_data):
    Y, S = scored_data
    values = []
    for spelling in ("micro_f1", "f1_micro", "micro-F1", "F1 micro"):
        ev = Evaluator([spelling, "lrap"], threshold=0.5)
        ev.update(Y, S)
        values.append(ev.compute())
    assert all(v == values[0] for v in values)
    assert list(values[0]) == ["f1_micro", "label_ranking_average_precision"]
    # an independent reference: scikit-learn's micro F1 of the same label sets
    from sklearn.metrics import f1_score

    assert values[0]["f1_micro"] == pytest.approx(
        f1_score(Y, (S >= 0.5).astype(int), average="micro")
    )


_HIERARCHY = {
    **{"A": None, "B": None},
    **{f"{top}.{j}": top for top in "AB" for j in range(1, 6)},
}  # 12 labels, the columns of scored_data


_CLASS_METRICS = ("accuracy", "balanced_accuracy")  # judged on 1-D classes here


def _evaluate(name: str, Y: np.ndarray, S: np.ndarray) -> Any:
    if canonical_metric_name(name) in _CLASS_METRICS:  # classes: the first true/top label
        ev = Evaluator([name])
        ev.update(Y.argmax(axis=1), S.argmax(axis=1))
    else:
        ev = Evaluator([name], threshold=0.5)
        bind_hierarchy(ev, _HIERARCHY, list(_HIERARCHY))
        ev.update(Y, S)
    result = ev.compute()
    assert isinstance(result, MetricValues) and result[name] is result[ev.metrics[0]]
    return dict(result)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("name", registered_metrics())
def test_evaluator_gives_identical_results_under_every_spelling(name, scored_data):
    Y, S = scored_data
    assert_every_spelling_agrees(lambda m: _evaluate(m, Y, S), name)
    assert list(_evaluate(name, Y, S)) == [name]  # keyed by the canonical name


def test_evaluator_asked_twice_for_one_metric_computes_it_once(scored_data):
    Y, S = scored_data
    ev = Evaluator(["f1_macro", "macro_f1", "macro-F1"], threshold=0.5)
    ev.update(Y, S)
    assert ev.metrics == ["f1_macro"] and list(ev.compute()) == ["f1_macro"]


@pytest.mark.parametrize("name", registered_metrics())
def test_the_registry_resolves_every_spelling(name):
    for spelling in spellings(name):
        assert get_metric(spelling).name == name


def test_a_metric_the_evaluator_cannot_stream_is_refused_by_name():
    with pytest.raises(ProblemSetupError, match="cannot compute metric 'precision_at_k'"):
        Evaluator(["precision_at_k"])
    with pytest.raises(ProblemSetupError, match="unknown metric 'f2'"):
        Evaluator(["f2"])


@pytest.mark.parametrize("name", GLOBAL_RULE_METRICS)
def test_global_threshold_is_tuned_identically_under_every_spelling(name, scored_data):
    Y, S = scored_data

    def tune(metric: str) -> tuple:
        rule = GlobalThreshold(metric).fit(Y, S)
        assert rule.metric == metric  # the constructor stores what it was given
        return rule.threshold_, rule.best_score_, rule.predict(S)

    assert_every_spelling_agrees(tune, name)
    assert_every_spelling_agrees(lambda m: tuple(global_cut(Y, S, m)), name)


def test_global_threshold_for_hamming_loss_minimises_it(scored_data):
    # an independent reference: try every distinct score as the cut, by brute force
    Y, S = scored_data
    rule = GlobalThreshold("hamming_loss").fit(Y, S)
    losses = [np.mean((S >= c) != Y) for c in np.unique(S)]
    assert rule.best_score_ == pytest.approx(min(losses))


def test_a_rule_metric_it_cannot_tune_lists_the_canonical_names(scored_data):
    Y, S = scored_data
    with pytest.raises(ValueError, match="'f1_micro', 'f1_macro', 'f1_samples', 'hamming_loss'"):
        GlobalThreshold("roc_auc").fit(Y, S)


@pytest.mark.parametrize("name", ["hamming_loss", "subset_accuracy", "f1_samples"])
def test_bayes_optimal_decides_identically_under_every_spelling(name, scored_data):
    _, S = scored_data
    sets = np.zeros((3, 12), dtype=np.int8)
    sets[0, 0] = sets[1, :2] = sets[2, 2:5] = 1
    P = np.tile([0.5, 0.3, 0.2], (4, 1))

    def decide(metric: str) -> tuple:
        rule = BayesOptimal(metric)
        return rule.predict(S), rule.predict_joint(P, sets), rule.uses_joint

    assert_every_spelling_agrees(decide, name)


def test_bayes_optimal_hamming_is_the_half_cut_and_the_default(scored_data):
    _, S = scored_data
    np.testing.assert_array_equal(BayesOptimal().predict(S), (S >= 0.5).astype(np.int8))
    assert BayesOptimal().metric == "hamming_loss" and repr(BayesOptimal("hamming")) == (
        "BayesOptimal(metric='hamming')"
    )


@pytest.mark.parametrize("name", ["hierarchical_f1", "level_f1_macro"])
def test_hierarchical_states_take_every_spelling(name):
    def state(metric: str) -> Any:
        st = HierarchicalState(metric, _HIERARCHY, labels=list(_HIERARCHY))
        st.update([[1, 0, 1] + [0] * 9], [[1, 0, 0, 1] + [0] * 8])
        return st.metric, st.compute()

    assert_every_spelling_agrees(state, name)


@pytest.mark.parametrize("name", list(METRIC_NAMES))
def test_the_report_header_names_every_spelling_canonically(name):
    assert_every_spelling_agrees(lambda m: tuned_for({"metric": m}), name)
    record = {"class": "labelwise.decision.thresholds.GlobalThreshold", "params": {"metric": name}}
    assert tuned_for({"decision_rule": record}).startswith(f"{name}: ")


def test_the_report_page_is_the_same_for_every_spelling_of_its_metric():
    pytest.importorskip("matplotlib")
    import re

    from labelwise.report import build_report

    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    S = np.array([[0.9, 0.2], [0.3, 0.7], [0.6, 0.8], [0.1, 0.4]])
    leaderboard = [{"rank": 1, "candidate": "BR", "status": "ok", "score": 0.5}]

    def page(metric: str) -> str:
        html = build_report(Y, S, (S >= 0.5).astype(int), metadata={"metric": metric},
                            leaderboard=leaderboard)  # fmt: skip
        html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", html)

    pages = {page(m) for m in ("macro_f1", "f1_macro", "Macro-F1")}
    assert len(pages) == 1
    (html,) = pages
    assert "cross-validated f1_macro" in html and "micro-F1" not in html


def test_fit_and_evaluate_keys_are_canonical_and_read_by_every_spelling():
    from labelwise.auto.main_job import fit_and_evaluate
    from labelwise.datasets import load

    train, test = load("emotions", split="train"), load("emotions", split="test")
    scores = fit_and_evaluate(train, test, rule="fixed").scores
    assert list(scores) == ["hamming_loss", "subset_accuracy", "f1_micro", "f1_macro", "f1_samples"]
    for key, value in scores.items():
        assert canonical_metric_name(key) == key
        for spelling in spellings(key):
            assert scores[spelling] == value, spelling
