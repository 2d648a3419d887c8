"""One spelling per metric: every alias of every metric gives identical results everywhere.

The registry (``labelwise.metrics.names``) maps each spelling to one canonical name; this file
walks every public entry point that takes a metric name with every spelling of every metric it
accepts and asserts the results are identical to the canonical spelling's.

Helpers for other entry points (the CLI, the main job, ``fit_and_evaluate``) to reuse here:

* ``spellings(name)``: every accepted spelling of a canonical metric name (its aliases plus
  case, space and hyphen variants);
* the ``scored_data`` fixture: ``(Y, S)``, a small multi-label 0/1 target matrix and scores
  (seeded).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import get_scorer_names

from labelwise.errors import ProblemSetupError
from labelwise.metrics import METRIC_NAMES, canonical_metric_name, metric_description


def spellings(name: str) -> list[str]:
    """Every accepted spelling of the canonical ``name``: aliases and their variants."""
    out = []
    for s in (name, *METRIC_NAMES[name].aliases):
        out += [s, s.upper(), s.replace("_", "-"), " " + s.replace("_", " ").title() + " "]
    return list(dict.fromkeys(out))


@pytest.fixture
def scored_data() -> tuple[np.ndarray, np.ndarray]:
    """(Y, S): 40 examples, 5 labels, every label with positives and negatives."""
    rng = np.random.default_rng(20)
    Y = (rng.random((40, 5)) < 0.4).astype(np.int8)
    Y[0], Y[1] = 1, 0
    S = np.clip(0.35 * Y + 0.65 * rng.random((40, 5)), 0, 1)
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
    # the three spellings of one metric name one metric
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
