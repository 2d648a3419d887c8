"""The metrics the main job can optimise, and the decision rules worth trying for each.

An :class:`Objective` knows how to score a prediction (label sets for set metrics, scores for
ranking metrics), whether higher is better, which problem kinds it fits, and which decision rules
are candidates for it: threshold rules for F-measures (Fan & Lin 2007; Lipton et al. 2014), the
Bayes-optimal rule where one exists (Dembczyński et al. 2010, 2011: 0.5 on marginals for Hamming
loss, the mode of the joint for subset accuracy, the General F-measure Maximizer for
example-based F1), and top-k for the ranking metrics, whose value does not depend on a rule.

Examples
--------
>>> objective = get_objective("micro_f1")
>>> objective.greater_is_better, objective.needs
(True, 'labels')
>>> [type(rule).__name__ for rule in objective.rules()]
['FixedThreshold', 'GlobalThreshold', 'PerLabelThreshold']
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from labelwise.errors import ProblemSetupError

__all__ = [
    "OBJECTIVES",
    "Objective",
    "get_objective",
    "objective_for_targets",
    "objective_names",
]


def _rules_f1_micro() -> list:
    from labelwise.decision import FixedThreshold, GlobalThreshold, PerLabelThreshold

    return [FixedThreshold(0.5), GlobalThreshold("f1_micro"), PerLabelThreshold()]


def _rules_f1_macro() -> list:
    from labelwise.decision import FixedThreshold, GlobalThreshold, PerLabelThreshold

    return [FixedThreshold(0.5), GlobalThreshold("f1_macro"), PerLabelThreshold()]


def _rules_f1_samples() -> list:
    from labelwise.decision import AtLeastOne, BayesOptimal, FixedThreshold, GlobalThreshold

    return [
        FixedThreshold(0.5),
        GlobalThreshold("f1_samples"),
        AtLeastOne(GlobalThreshold("f1_samples")),
        BayesOptimal("example_f1"),
    ]


def _rules_hamming() -> list:
    from labelwise.decision import BayesOptimal, FixedThreshold, GlobalThreshold

    return [FixedThreshold(0.5), GlobalThreshold("hamming"), BayesOptimal("hamming")]


def _rules_subset() -> list:
    from labelwise.decision import BayesOptimal, FixedThreshold, GlobalThreshold

    return [
        FixedThreshold(0.5),
        GlobalThreshold("subset_accuracy"),
        BayesOptimal("subset_accuracy"),
    ]


def _rules_ranking(k: int) -> Callable[[], list]:
    def make() -> list:
        from labelwise.decision import TopK

        return [TopK(k)]

    return make


def _rules_for_average_precision() -> list:
    # The value does not depend on the rule; label sets for predict() come from a micro-F1 cut.
    from labelwise.decision import GlobalThreshold

    return [GlobalThreshold("f1_micro")]


def _argmax_rules() -> list:
    return []


def _f1(average: str) -> Callable[[Any, Any], float]:
    def score(y_true: Any, y_pred: Any) -> float:
        from labelwise.metrics import f1_score

        return float(f1_score(y_true, y_pred, average=average, zero_division=0))

    return score


def _hamming(y_true: Any, y_pred: Any) -> float:
    from labelwise.metrics import hamming_loss

    return float(hamming_loss(y_true, y_pred))


def _subset(y_true: Any, y_pred: Any) -> float:
    from labelwise.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


def _jaccard_samples(y_true: Any, y_pred: Any) -> float:
    from labelwise.metrics import jaccard_score

    return float(jaccard_score(y_true, y_pred, average="samples", zero_division=1))


def _average_precision(y_true: Any, y_score: Any) -> float:
    from labelwise.metrics import average_precision_score

    Y = np.asarray(y_true)
    keep = Y.sum(axis=0) > 0  # a label never seen positive has no precision-recall curve
    if not keep.any():
        return 0.0
    return float(average_precision_score(Y[:, keep], np.asarray(y_score)[:, keep], average="macro"))


def _at_k(name: str, k: int) -> Callable[[Any, Any], float]:
    def score(y_true: Any, y_score: Any) -> float:
        from labelwise import metrics

        return float(getattr(metrics, name)(y_true, y_score, k=k))

    return score


def _top_k_accuracy(k: int) -> Callable[[Any, Any], float]:
    def score(y_true: Any, y_score: Any) -> float:
        from labelwise.metrics import top_k_accuracy_score

        labels = np.arange(np.asarray(y_score).shape[1])
        return float(top_k_accuracy_score(y_true, y_score, k=k, labels=labels))

    return score


def _hierarchical_f1(y_true: Any, y_pred: Any, hierarchy: Any = None, labels: Any = None) -> float:
    from labelwise.metrics import hierarchical_f1_score

    if hierarchy is None:
        raise ProblemSetupError(
            "hierarchical_f1 needs a label hierarchy: give the data one (dotted label names such "
            "as 'A.A1', a nested Mulan XML file) or pass hierarchy= to AutoClassifier."
        )
    return float(
        hierarchical_f1_score(y_true, y_pred, hierarchy=hierarchy, labels=labels, zero_division=0)
    )


@dataclass(frozen=True)
class Objective:
    """A metric the main job optimises.

    Attributes
    ----------
    name : str
        The name users type (``labelwise fit --metric NAME``).
    score : callable
        ``score(y_true, y_pred_or_scores) -> float``.
    needs : {"labels", "scores"}
        Whether ``score`` takes label sets or a score matrix.
    greater_is_better : bool
    kinds : tuple of str
        Problem kinds (``labelwise.problem.describe(y).kind``) it applies to.
    rules : callable
        Returns fresh decision rules worth trying for this metric (multi-label problems).
    summary : str
        One line for ``--help``.
    k : int or None
        The cut-off of an at-k ranking metric (``precision_at_k``, ``ndcg_at_k``,
        ``precision_at_1``); None for the others.
    """

    name: str
    score: Callable[..., float]
    needs: str
    greater_is_better: bool
    kinds: tuple[str, ...]
    rules: Callable[[], list] = field(default=_argmax_rules)
    summary: str = ""
    k: int | None = None

    @property
    def ranking(self) -> bool:
        """Whether it judges each example's top-k labels (the many-label regime's metrics)."""
        return self.k is not None

    def better(self, a: float, b: float) -> bool:
        """Whether value ``a`` is strictly better than ``b`` (NaN is never better)."""
        if np.isnan(a):
            return False
        if np.isnan(b):
            return True
        return a > b if self.greater_is_better else a < b

    def for_problem(self, kind: str | None = None, k: int | None = None) -> Objective:
        """This objective checked against a problem ``kind``, with the cut-off ``k`` applied.

        Raises
        ------
        ProblemSetupError
            The metric does not fit a problem of ``kind`` (the fitting ones are listed), or
            it takes no ``k`` (or not this one).

        Examples
        --------
        >>> get_objective("ndcg_at_k").for_problem("multilabel", k=5)
        Objective('ndcg_at_k', k=5)
        """
        if kind is not None and kind not in self.kinds:
            fitting = [n for n, o in OBJECTIVES.items() if kind in o.kinds]
            raise ProblemSetupError(
                f"metric {self.name!r} does not fit {kind} targets (it is for "
                f"{'/'.join(self.kinds)} problems); for {kind} targets choose one of: "
                f"{', '.join(fitting)}."
            )
        if k is None or k == self.k:
            return self
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ProblemSetupError(f"k must be a whole number of labels, 1 or more; got {k!r}.")
        if self.name not in ("precision_at_k", "ndcg_at_k"):
            raise ProblemSetupError(
                f"k={k} applies to precision_at_k and ndcg_at_k, not to {self.name!r}."
            )
        return replace(
            self,
            score=_at_k(self.name, int(k)),
            rules=_rules_ranking(int(k)),
            summary=self.summary.split(" (")[0].replace(" k ", f" {k} "),
            k=int(k),
        )

    def __repr__(self) -> str:
        default_k = OBJECTIVES[self.name].k if self.name in OBJECTIVES else None
        return f"Objective({self.name!r}" + ("" if self.k == default_k else f", k={self.k}") + ")"

    # A model file (and a clone) stores an objective by name and cut-off; its functions are
    # looked up again when it is read, never stored.
    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "k": self.k}

    def __setstate__(self, state: dict[str, Any]) -> None:
        rebuilt = _by_name(state["name"]).for_problem(k=state.get("k"))
        for f in fields(self):
            object.__setattr__(self, f.name, getattr(rebuilt, f.name))


_ML = ("multilabel", "hierarchical")
_ALL = ("binary", "multiclass", "multilabel", "hierarchical")
_MC = ("binary", "multiclass")


#: Every metric ``labelwise fit --metric`` and ``AutoClassifier(metric=...)`` accept.
OBJECTIVES: dict[str, Objective] = {
    o.name: o
    for o in [
        Objective("micro_f1", _f1("micro"), "labels", True, _ALL, _rules_f1_micro,
                  "F1 of all label decisions pooled (frequent labels weigh more)"),
        Objective("macro_f1", _f1("macro"), "labels", True, _ALL, _rules_f1_macro,
                  "mean of per-label F1 (every label counts the same)"),
        Objective("samples_f1", _f1("samples"), "labels", True, _ML, _rules_f1_samples,
                  "mean of per-example F1"),
        Objective("hamming_loss", _hamming, "labels", False, _ML, _rules_hamming,
                  "share of wrong label decisions (lower is better)"),
        Objective("subset_accuracy", _subset, "labels", True, _ML, _rules_subset,
                  "share of examples whose whole label set is right"),
        Objective("jaccard_samples", _jaccard_samples, "labels", True, _ML, _rules_f1_samples,
                  "mean per-example Jaccard index of predicted and true sets"),
        Objective("average_precision", _average_precision, "scores", True, _ML,
                  _rules_for_average_precision,
                  "mean over labels of the area under the precision-recall curve"),
        Objective("precision_at_k", _at_k("precision_at_k", 3), "scores", True, _ML,
                  _rules_ranking(3), "precision of each example's k top-scored labels "
                  "(P@k; k=3 unless --k)", k=3),
        Objective("ndcg_at_k", _at_k("ndcg_at_k", 3), "scores", True, _ML, _rules_ranking(3),
                  "nDCG of each example's k top-scored labels (k=3 unless --k)", k=3),
        Objective("precision_at_1", _at_k("precision_at_k", 1), "scores", True, _ML,
                  _rules_ranking(1), "whether each example's top-scored label is right (P@1)",
                  k=1),
        Objective("hierarchical_f1", _hierarchical_f1, "labels", True, _ML, _rules_f1_micro,
                  "F1 on label sets closed under the hierarchy (Kiritchenko et al. 2005)"),
        Objective("accuracy", _subset, "labels", True, _MC, _argmax_rules,
                  "share of examples with the right class (multi-class)"),
        Objective("top_k_accuracy", _top_k_accuracy(3), "scores", True, _MC, _argmax_rules,
                  "share of examples whose class is among the 3 top-scored (multi-class)"),
        Objective("balanced_accuracy", lambda t, p: _balanced(t, p), "labels", True, _MC,
                  _argmax_rules, "mean per-class recall (multi-class)"),
    ]
}  # fmt: skip


def _balanced(y_true: Any, y_pred: Any) -> float:
    from labelwise.metrics import balanced_accuracy_score

    return float(balanced_accuracy_score(y_true, y_pred))


def objective_names() -> list[str]:
    """The metric names the main job accepts.

    Examples
    --------
    >>> "macro_f1" in objective_names()
    True
    """
    return list(OBJECTIVES)


def get_objective(
    name: str | Objective, kind: str | None = None, k: int | None = None
) -> Objective:
    """The :class:`Objective` called ``name``; checks it fits a problem of ``kind``.

    Parameters
    ----------
    name : str or Objective
        A name of :func:`objective_names` or an alias (``f1_micro``, ``p@k``, ...), or an
        objective already resolved (then only checked against ``kind`` and ``k``).
    kind : str, optional
        The problem kind the metric must fit.
    k : int, optional
        The cut-off of ``precision_at_k`` or ``ndcg_at_k`` (default 3); ``precision_at_1``
        accepts only 1, other metrics none.

    Raises
    ------
    ProblemSetupError
        Unknown name (the valid ones are listed), a metric that does not fit the problem
        (top-k accuracy on multi-label targets, say), or a ``k`` the metric does not take.

    Examples
    --------
    >>> get_objective("hamming_loss").greater_is_better
    False
    >>> p5 = get_objective("precision_at_k", k=5)
    >>> p5.k, p5.rules()
    (5, [TopK(k=5)])
    >>> get_objective("top_k_accuracy", kind="multilabel")
    Traceback (most recent call last):
    ...
    labelwise.errors.ProblemSetupError: metric 'top_k_accuracy' does not fit multilabel targets...
    """
    objective = name if isinstance(name, Objective) else _by_name(name)
    return objective.for_problem(kind, k)


def objective_for_targets(
    metric: str | Objective, kind: str, k: int | None = None
) -> tuple[Objective, str]:
    """The objective ``metric`` stands for on targets of ``kind``, and how to read the targets.

    Targets with exactly one of two or more labels per example (``kind`` "binary" or
    "multiclass") are classes, decided by argmax, unless the metric judges label sets only
    (Hamming loss, subset accuracy, example-based F1, ranking metrics): then they stay label sets
    of size one ("multilabel"). The objective is then checked against that kind and given ``k``
    (:meth:`Objective.for_problem`).

    Parameters
    ----------
    metric : str or Objective
    kind : {"binary", "multiclass", "multilabel"}
        What the targets are (:func:`labelwise.problem.describe`).
    k : int, optional

    Returns
    -------
    objective : Objective
    kind : str
        The kind the main job reads the targets as.

    Examples
    --------
    >>> objective_for_targets("hamming_loss", "multiclass")
    (Objective('hamming_loss'), 'multilabel')
    >>> objective_for_targets("accuracy", "multiclass")
    (Objective('accuracy'), 'multiclass')
    """
    objective = metric if isinstance(metric, Objective) else _by_name(metric)
    if kind in ("binary", "multiclass"):
        if kind not in objective.kinds and "multilabel" in objective.kinds:
            kind = "multilabel"
    return objective.for_problem(kind, k), kind


def _by_name(name: str) -> Objective:
    """The objective a metric name (or an alias of it) stands for: the one name lookup."""
    key = str(name).strip().lower().replace("-", "_")
    aliases = {"f1_micro": "micro_f1", "f1_macro": "macro_f1", "f1_samples": "samples_f1",
               "example_f1": "samples_f1", "hamming": "hamming_loss", "p@k": "precision_at_k",
               "ndcg@k": "ndcg_at_k", "p@1": "precision_at_1"}  # fmt: skip
    key = aliases.get(key, key)
    if key not in OBJECTIVES:
        raise ProblemSetupError(f"unknown metric {name!r}; choose one of: {', '.join(OBJECTIVES)}.")
    return OBJECTIVES[key]
