"""Guaranteed models: which rules give a promise, a rule from a ``KIND=LEVEL`` specification,
and a fitted model's promise next to the risk it reached on labelled data.

The rules are in :mod:`labelwise.decision.risk_control` and :mod:`labelwise.decision.conformal`;
:class:`~labelwise.decision.meta.ThresholdedClassifier` (``calibration=``) fits them on rows the
deployed model never trained on. These helpers are what ``labelwise fit --guarantee`` and
``labelwise evaluate`` call.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.data.targets import check_targets
from labelwise.decision._base import DecisionRule
from labelwise.decision.conformal import ConformalSets
from labelwise.decision.risk_control import (
    AchievedRisk,
    FalsePositiveControl,
    Guarantee,
    PrecisionControl,
    RecallControl,
    achieved_risk,
)
from labelwise.errors import ProblemSetupError, TargetError

__all__ = [
    "PromiseCheck",
    "aligned_indicator",
    "check_promise",
    "guaranteed_rule_from_spec",
    "is_guaranteed",
]


def is_guaranteed(rule: Any) -> bool:
    """Whether ``rule`` is a guaranteed rule: one that states a promise (``guarantee_``) once
    fitted on calibration data.

    Examples
    --------
    >>> from labelwise.decision import PerLabelThreshold
    >>> is_guaranteed(RecallControl(alpha=0.1)), is_guaranteed(PerLabelThreshold())
    (True, False)
    """
    return isinstance(getattr(type(rule), "guarantee_", None), property)


_SPEC_KINDS = {
    "recall": "recall",
    "precision": "precision",
    "coverage": "coverage",
    "fp": "fp",
    "false_positives": "fp",
}


def guaranteed_rule_from_spec(
    spec: str, delta: float | None = None, *, per_label: bool = False
) -> DecisionRule:
    """The unfitted guaranteed rule a ``KIND=LEVEL`` specification asks for.

    ``recall=0.9`` keeps recall at least 0.9 (:class:`RecallControl` with ``alpha=0.1``),
    ``precision=0.95`` keeps precision at least 0.95 with probability ``1 - delta``
    (:class:`PrecisionControl`, ``delta`` required), ``fp=0.5`` (or ``false_positives=0.5``)
    keeps the expected false positives per example at most 0.5 (:class:`FalsePositiveControl`)
    and ``coverage=0.9`` gives multi-class sets holding the true class with probability 0.9
    (:class:`ConformalSets`). The promise holds in expectation with ``delta=None``, and with
    probability at least ``1 - delta`` over the calibration draw otherwise (recall and
    precision only).

    Parameters
    ----------
    spec : str
        ``KIND=LEVEL`` with KIND one of recall, precision, coverage, fp, false_positives.
    delta : float in (0, 1) or None, default=None
    per_label : bool, default=False
        One promise per label (recall) or per class (coverage: class-conditional sets).

    Returns
    -------
    DecisionRule

    Raises
    ------
    ProblemSetupError
        Naming what is wrong in the specification and the accepted forms.

    Examples
    --------
    >>> guaranteed_rule_from_spec("recall=0.9", delta=0.1)
    RecallControl(delta=0.1)
    >>> guaranteed_rule_from_spec("coverage=0.95", per_label=True)
    ConformalSets(alpha=0.05, class_conditional=True)
    """
    forms = "recall=0.9, precision=0.95, coverage=0.9 or fp=0.5"
    kind_text, sep, level_text = str(spec).partition("=")
    kind = _SPEC_KINDS.get(kind_text.strip().lower().replace("-", "_"))
    try:
        level = float(level_text)
    except ValueError:
        level = float("nan")
    if not sep or kind is None or not np.isfinite(level):
        raise ProblemSetupError(f"guarantee {spec!r} is not KIND=LEVEL; use e.g. {forms}.")
    if delta is not None and not (isinstance(delta, numbers.Real) and 0 < delta < 1):
        raise ProblemSetupError(f"guarantee {spec!r}: delta must be in (0, 1); got {delta!r}.")
    if kind == "fp":
        if level <= 0 or delta is not None or per_label:
            raise ProblemSetupError(
                f"guarantee {spec!r}: the expected false positives per example must be above "
                "0, and are promised in expectation only (no delta, not per label)."
            )
        return FalsePositiveControl(alpha=level)
    if not 0 < level < 1:
        raise ProblemSetupError(
            f"guarantee {spec!r}: the {kind} level must be in (0, 1), e.g. {kind}=0.9."
        )
    alpha = round(1.0 - level, 12)  # 1 - 0.9 is 0.09999999999999998
    if kind == "recall":
        return RecallControl(alpha=alpha, delta=delta, per_label=per_label)
    if kind == "coverage":
        if delta is not None:
            raise ProblemSetupError(
                f"guarantee {spec!r}: conformal sets promise coverage in expectation over the "
                "calibration draw; leave delta unset."
            )
        return ConformalSets(alpha=alpha, class_conditional=per_label)
    if delta is None or per_label:
        raise ProblemSetupError(
            f"guarantee {spec!r}: precision is promised with probability 1 - delta over the "
            "calibration draw, over all labels together: give delta (e.g. 0.1), not per label."
        )
    return PrecisionControl(alpha=alpha, delta=delta)


@dataclass(frozen=True)
class PromiseCheck:
    """A guaranteed model's promise next to the risk its decisions reached on labelled data."""

    guarantee: Guarantee
    achieved: AchievedRisk

    def __str__(self) -> str:
        g, r = self.guarantee, self.achieved
        promise = f"at most {g.alpha:g}"
        if g.delta is not None:
            promise += f" with probability at least {1 - g.delta:g}"
        if np.ndim(g.threshold) == 1:
            promise += " for each label" if g.risk != "miscoverage" else " for each class"
        return (
            f"{g.risk}: {r.value:.4f} here ({r.confidence:.0%} Clopper-Pearson interval "
            f"[{r.low:.4f}, {r.high:.4f}], {r.n} examples); promised {promise}"
        )


def check_promise(
    model: Any, y_true: Any, y_pred: Any, *, confidence: float = 0.95
) -> PromiseCheck | None:
    """What a guaranteed model (or rule) promised and the risk its decisions reached here.

    Parameters
    ----------
    model : fitted ThresholdedClassifier or guaranteed DecisionRule
    y_true : targets of the evaluation data
        As ``fit`` took them (classes for a multi-class or binary ThresholdedClassifier, whose
        ``classes_`` order the columns), or a 0/1 matrix matching ``y_pred``.
    y_pred : the model's ``predict`` output on that data
    confidence : float in (0, 1), default=0.95

    Returns
    -------
    PromiseCheck or None
        None when the model's rule is not a fitted guaranteed rule. Miscoverage of conformal
        sets is measured as the false-negative rate (one true class per example).

    Examples
    --------
    >>> Y = np.array([[1, 0], [0, 1], [1, 1]] * 10)
    >>> rule = RecallControl(alpha=0.2).fit(Y, Y * 0.8 + 0.1)
    >>> print(check_promise(rule, Y, rule.predict(Y * 0.8 + 0.1)))
    fnr: 0.0000 here (95% Clopper-Pearson interval [0.0000, 0.1157], 30 examples);
    promised at most 0.2
    """
    rule = getattr(model, "rule_", model)
    if not is_guaranteed(rule) or not hasattr(rule, "guarantee_"):
        return None
    g = rule.guarantee_
    kind = getattr(model, "target_kind_", None)
    if kind in ("binary", "multiclass"):
        classes = model.classes_
        Y = aligned_indicator(y_true, classes)
        if kind == "binary":
            Y = Y[:, 1:]
            y_pred = (np.asarray(y_pred).reshape(-1, 1) == classes[1]).astype(np.int8)
        y_true = Y
    risk = "fnr" if g.risk == "miscoverage" else g.risk
    return PromiseCheck(g, achieved_risk(y_true, y_pred, risk, confidence=confidence))


def aligned_indicator(y_cal: Any, classes: Any) -> np.ndarray | sp.csr_matrix:
    """Targets as a 0/1 matrix whose columns are a fitted model's ``classes`` (labels): CSR when
    the targets are sparse (a many-label matrix is never densified), dense otherwise.

    Examples
    --------
    >>> aligned_indicator(["b", "b", "c"], ("a", "b", "c")).tolist()
    [[0, 1, 0], [0, 1, 0], [0, 0, 1]]
    """
    cal = check_targets(y_cal, name="calibration y")
    index = {c: j for j, c in enumerate(classes)}
    unknown = [c for c in cal.classes if c not in index]
    if unknown:
        raise TargetError(
            f"the calibration or evaluation y holds {len(unknown)} label(s) or "
            f"class(es) the training y does not: {', '.join(map(repr, unknown[:5]))}; "
            "use data with the training labels."
        )
    columns = np.array([index[c] for c in cal.classes], dtype=np.int64)
    if sp.issparse(cal.Y):
        coo = sp.coo_matrix(cal.Y)
        return sp.csr_matrix(
            (coo.data.astype(np.int8), (coo.row, columns[coo.col])),
            shape=(cal.n_samples, len(classes)),
        )
    Y = np.zeros((cal.n_samples, len(classes)), dtype=np.int8)
    Y[:, columns] = _dense(cal.Y)
    return Y


def _dense(Y: Any) -> np.ndarray:
    return Y.toarray() if hasattr(Y, "toarray") else np.asarray(Y)
