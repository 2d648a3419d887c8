"""One name per metric: the canonical spellings and the aliases they accept.

Every place a user types a metric name (``labelwise fit --metric``, ``AutoClassifier(metric=)``,
``Evaluator(metrics=)``, the ``metric`` of a decision rule) resolves it here, and every place
that shows one (result keys, JSON output, the report) shows the canonical name.

The canonical names follow scikit-learn's scorer names (``sklearn.metrics.get_scorer_names()``)
where scikit-learn has the metric: ``f1_micro``, ``f1_macro``, ``f1_samples``,
``jaccard_samples``, ``average_precision``, ``roc_auc``, ``accuracy``, ``balanced_accuracy``,
``top_k_accuracy``, ... A metric scikit-learn has as a function only is named after the function
without its ``_score`` suffix (``label_ranking_average_precision``), and labelwise's own
metrics keep their names (``hamming_loss``, ``subset_accuracy``, ``precision_at_k``,
``ndcg_at_k``, ``hierarchical_f1``, ...). A cut-off is written ``_at_5``, never ``@5``.

Aliases (``micro_f1``, ``example_f1``, ``hamming``, ``lrap``, ``ndcg@5``, ...) are accepted
without a warning for one release; case, spaces and hyphens never matter, so ``micro-F1``,
``"Micro F1"`` and ``F1_micro`` all name ``f1_micro``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from labelwise.errors import ProblemSetupError

__all__ = [
    "METRIC_NAMES",
    "MetricName",
    "MetricOptions",
    "MetricValues",
    "canonical_metric_name",
    "metric_description",
]


@dataclass(frozen=True)
class MetricName:
    """A metric's canonical name, its aliases and what it measures.

    Attributes
    ----------
    name : str
        The canonical spelling, shown in results, JSON output and the report.
    description : str
        One line saying what the metric measures.
    aliases : tuple of str
        Other spellings accepted for one release (case, spaces and hyphens aside).
    greater_is_better : bool
        False for losses and errors.
    """

    name: str
    description: str
    aliases: tuple[str, ...] = ()
    greater_is_better: bool = True


_AVERAGED = {
    "micro": "of all label decisions pooled (frequent labels weigh more)",
    "macro": "averaged over labels (every label counts the same)",
    "weighted": "averaged over labels, weighted by their number of positives",
    "samples": "averaged over examples (each example's own label set)",
    "per_label": "of each label (an array, one value per label)",
}
_COUNTED = {"f1": "F1", "precision": "precision", "recall": "recall", "jaccard": "Jaccard index"}
_AT_K = {
    "precision": "precision of each example's k top-scored labels (P@k)",
    "recall": "recall of each example's k top-scored labels (R@k)",
    "ndcg": "nDCG of each example's k top-scored labels",
    "psp": "propensity-scored precision of each example's k top-scored labels (PSP@k)",
    "psndcg": "propensity-scored nDCG of each example's k top-scored labels (PSnDCG@k)",
}
_STREAMED_K = (1, 3, 5, 10)  # the cut-offs the streaming Evaluator registers


def _averaged_names() -> list[MetricName]:
    out = []
    for metric, title in _COUNTED.items():
        for average, what in _AVERAGED.items():
            aliases = [f"{average}_{metric}"]
            if metric == "f1" and average == "samples":
                aliases += ["example_f1", "example_based_f1", "f1_example"]
            out.append(MetricName(f"{metric}_{average}", f"{title} {what}", tuple(aliases)))
    return out


def _at_k_names() -> list[MetricName]:
    out = []
    short = {"precision": "p", "recall": "r", "ndcg": "ndcg", "psp": "psp", "psndcg": "psndcg"}
    for metric, what in _AT_K.items():
        out.append(MetricName(f"{metric}_at_k", what, (f"{metric}@k", f"{short[metric]}@k")))
        for k in _STREAMED_K:
            aliases = (f"{metric}@{k}", f"{short[metric]}@{k}")
            out.append(MetricName(f"{metric}_at_{k}", what.replace(" k ", f" {k} "), aliases))
    return out


#: Every canonical metric name, with its aliases and a one-line description.
METRIC_NAMES: dict[str, MetricName] = {
    m.name: m
    for m in [
        *_averaged_names(),
        MetricName("hamming_loss", "share of wrong label decisions (lower is better)",
                   ("hamming",), greater_is_better=False),
        MetricName("subset_accuracy", "share of examples whose whole label set is right",
                   ("exact_match", "exact_match_ratio")),
        MetricName("accuracy", "share of examples with the right class (multi-class)",
                   ("accuracy_score",)),
        MetricName("balanced_accuracy", "mean per-class recall (multi-class)",
                   ("balanced_accuracy_score",)),
        MetricName("top_k_accuracy",
                   "share of examples whose class is among the k top-scored (multi-class)",
                   ("top_k_accuracy_score",)),
        MetricName("average_precision",
                   "mean over labels of the area under the precision-recall curve",
                   ("average_precision_macro", "macro_average_precision",
                    "average_precision_score")),
        MetricName("average_precision_micro",
                   "area under the precision-recall curve of all label decisions pooled",
                   ("micro_average_precision",)),
        MetricName("average_precision_weighted",
                   "average precision per label, weighted by their number of positives",
                   ("weighted_average_precision",)),
        MetricName("average_precision_samples", "mean over examples of their average precision",
                   ("samples_average_precision",)),
        MetricName("roc_auc", "mean over labels of the area under the ROC curve",
                   ("roc_auc_macro", "macro_roc_auc", "roc_auc_score")),
        MetricName("roc_auc_micro", "area under the ROC curve of all label decisions pooled",
                   ("micro_roc_auc",)),
        MetricName("roc_auc_weighted", "ROC AUC per label, weighted by their number of positives",
                   ("weighted_roc_auc",)),
        MetricName("roc_auc_samples", "mean over examples of their ROC AUC",
                   ("samples_roc_auc",)),
        MetricName("label_ranking_average_precision",
                   "mean over examples of the precision at each true label's rank (LRAP)",
                   ("lrap", "label_ranking_average_precision_score")),
        MetricName("label_ranking_loss",
                   "share of (true, false) label pairs ranked the wrong way round (lower is "
                   "better)", greater_is_better=False),
        MetricName("coverage_error",
                   "how far down the ranking one must go to cover all true labels (lower is "
                   "better)", greater_is_better=False),
        MetricName("one_error", "share of examples whose top-scored label is wrong (lower is "
                   "better)", greater_is_better=False),
        *_at_k_names(),
        MetricName("hierarchical_f1",
                   "F1 on label sets closed under the hierarchy (Kiritchenko et al. 2005)",
                   ("hierarchical_f1_score", "hf1")),
        MetricName("hierarchical_precision", "precision on label sets closed under the hierarchy",
                   ("hierarchical_precision_score",)),
        MetricName("hierarchical_recall", "recall on label sets closed under the hierarchy",
                   ("hierarchical_recall_score",)),
        MetricName("hierarchical_consistency",
                   "share of examples whose predicted set is closed under the hierarchy",
                   ("hierarchical_consistency_score",)),
        MetricName("level_f1_micro", "micro-F1 of each level of the hierarchy (a list)",
                   ("per_level_f1_micro",)),
        MetricName("level_f1_macro", "macro-F1 of each level of the hierarchy (a list)",
                   ("per_level_f1_macro",)),
    ]
}  # fmt: skip


def _key(name: str) -> str:
    """The lookup key of a spelling: lower case, runs of spaces and hyphens as one ``_``."""
    return re.sub(r"[\s\-_]+", "_", name.strip().lower())


_LOOKUP: dict[str, str] = {}
for _m in METRIC_NAMES.values():
    for _spelling in (_m.name, *_m.aliases):
        if _LOOKUP.setdefault(_key(_spelling), _m.name) != _m.name:  # pragma: no cover
            raise AssertionError(f"metric spelling {_spelling!r} names two metrics")
_AT_ANY_K = re.compile(r"^(precision|recall|ndcg|psp|psndcg|p|r)(?:_at_|_?@_?)(\d+)$")
_SHORT = {"p": "precision", "r": "recall"}


def canonical_metric_name(name: str) -> str:
    """The canonical spelling of a metric name or any of its aliases.

    Case, surrounding spaces and the choice of space, hyphen or underscore between words do not
    matter. A cut-off may be any positive whole number (``ndcg@7`` is ``ndcg_at_7``).

    Parameters
    ----------
    name : str
        A canonical name of :data:`METRIC_NAMES` or an alias of one.

    Returns
    -------
    str
        The canonical name.

    Raises
    ------
    ProblemSetupError
        ``name`` is not a string, or names no metric (the message lists the canonical names).

    Examples
    --------
    >>> canonical_metric_name("micro-F1")
    'f1_micro'
    >>> canonical_metric_name("example_f1"), canonical_metric_name("hamming")
    ('f1_samples', 'hamming_loss')
    >>> canonical_metric_name("ndcg@5"), canonical_metric_name("P@k")
    ('ndcg_at_5', 'precision_at_k')
    """
    if not isinstance(name, str):
        raise ProblemSetupError(f"a metric name must be a string; got {type(name).__name__}.")
    key = _key(name)
    if key in _LOOKUP:
        return _LOOKUP[key]
    at_k = _AT_ANY_K.match(key)
    if at_k and int(at_k.group(2)) >= 1:
        return f"{_SHORT.get(at_k.group(1), at_k.group(1))}_at_{int(at_k.group(2))}"
    shown = name if len(name) <= 60 else name[:57] + "..."
    raise ProblemSetupError(f"unknown metric {shown!r}; known metrics: {', '.join(METRIC_NAMES)}.")


def metric_description(name: str) -> str:
    """One line saying what the metric called ``name`` (or an alias of it) measures.

    Examples
    --------
    >>> metric_description("macro_f1")
    'F1 averaged over labels (every label counts the same)'
    >>> metric_description("ndcg@7")
    "nDCG of each example's 7 top-scored labels"
    """
    canonical = canonical_metric_name(name)
    if canonical in METRIC_NAMES:
        return METRIC_NAMES[canonical].description
    metric, k = canonical.rsplit("_at_", 1)
    return _AT_K[metric].replace(" k ", f" {k} ")


class MetricValues(dict):
    """Metric values keyed by canonical name, found by any spelling of it.

    A plain ``dict`` (it prints, compares and serialises as one) whose lookups by an alias
    resolve to the canonical key, so code written against an old spelling keeps working.

    Examples
    --------
    >>> values = MetricValues({"f1_micro": 0.5})
    >>> values["micro-F1"], "micro_f1" in values, values.get("F1 micro")
    (0.5, True, 0.5)
    """

    def __missing__(self, key: object) -> object:
        canonical = _canonical_or_none(key)
        if canonical is None or canonical == key or not dict.__contains__(self, canonical):
            raise KeyError(key)
        return dict.__getitem__(self, canonical)

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        canonical = _canonical_or_none(key)
        return canonical is not None and dict.__contains__(self, canonical)

    def get(self, key: object, default: object = None) -> object:
        """The value of ``key`` (any spelling), or ``default``."""
        return self[key] if key in self else default


def _canonical_or_none(key: object) -> str | None:
    if not isinstance(key, str):
        return None
    try:
        return canonical_metric_name(key)
    except ProblemSetupError:
        return None


class MetricOptions:
    """A parameter constraint: a name (any spelling) of one of the given metrics.

    For ``_parameter_constraints`` (see :mod:`labelwise._validation`); the error it leads to
    lists the canonical names.

    Examples
    --------
    >>> accepts = MetricOptions(["f1_micro", "hamming_loss"])
    >>> accepts("micro-F1"), accepts("hamming"), accepts("f1_macro"), accepts(3)
    (True, True, False, False)
    """

    def __init__(self, metrics: Iterable[str]) -> None:
        self.metrics = tuple(metrics)
        # the validation error describes a callable constraint by its __doc__
        self.__doc__ = f"one of {', '.join(map(repr, self.metrics))} (or an alias of one)"

    def __call__(self, value: object) -> bool:
        return _canonical_or_none(value) in self.metrics
