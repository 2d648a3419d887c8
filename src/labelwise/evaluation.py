"""Evaluate a fitted model on a dataset: every metric that fits the problem, averaged and per label.

This is what ``labelwise evaluate`` prints and what ``labelwise fit --test`` reports. The model's
label columns come from its model file (or its ``classes_``); the data's labels are put in that
order first (:func:`align_to_model`), and features are checked to match.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise._inputs import decided_matrix, is_text_dataset
from labelwise.data.dataset import Dataset
from labelwise.errors import ProblemSetupWarning, ShapeError, TargetError

__all__ = ["Evaluation", "align_to_model", "evaluate_model", "model_inputs", "score_predictions"]


@dataclass
class Evaluation:
    """What :func:`evaluate_model` measured.

    Attributes
    ----------
    kind : str
        ``"multilabel"`` or ``"multiclass"``.
    scores : dict of str to float
        Averaged metrics (NaN where a metric is undefined on this data).
    per_label : list of dict
        One row per label (or class): support, precision, recall, F1 (and the threshold).
    n_samples : int
    notes : list of str
        Why a metric is missing, and similar facts worth reading.
    promise : PromiseCheck or None
        For a model whose rule is guaranteed (a :class:`~labelwise.decision.ThresholdedClassifier`
        with a calibrated guaranteed rule): its promise next to the risk its decisions reached
        here, with a Clopper-Pearson interval (:func:`labelwise.decision.check_promise`).
    """

    kind: str
    scores: dict[str, float]
    per_label: list[dict[str, Any]]
    n_samples: int
    notes: list[str] = field(default_factory=list)
    promise: Any = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary (NaN becomes None)."""

        def clean(v: Any) -> Any:
            if isinstance(v, float) and not np.isfinite(v):
                return None
            return v

        return {
            "kind": self.kind,
            "n_samples": self.n_samples,
            "scores": {k: clean(v) for k, v in self.scores.items()},
            "per_label": [{k: clean(v) for k, v in row.items()} for row in self.per_label],
            "notes": list(self.notes),
            "promise": None if self.promise is None else _promise_dict(self.promise),
        }


def _promise_dict(check: Any) -> dict[str, Any]:
    g, r = check.guarantee, check.achieved
    return {
        "risk": r.risk,
        "achieved": float(r.value),
        "low": float(r.low),
        "high": float(r.high),
        "confidence": float(r.confidence),
        "n": int(r.n),
        "promised_at_most": float(g.alpha),
        "delta": None if g.delta is None else float(g.delta),
        "per_label": bool(np.ndim(g.threshold) == 1),
        "statement": str(check),
    }


def model_inputs(model: Any, data: Dataset, metadata: dict | None = None) -> Any:
    """The model's input for ``data``: its texts for a text model, else its feature matrix."""
    reads = (metadata or {}).get("input")
    text_data = is_text_dataset(data)
    if reads == "text" or (reads is None and text_data):
        if data.texts is None:
            raise TargetError(
                "this model reads raw texts, but the data has no text column; give a .jsonl, "
                ".csv or .json file with a text field."
            )
        return list(data.texts)
    expected = getattr(model, "n_features_in_", None)
    if expected is None and metadata:
        expected = metadata.get("n_features")
    if text_data:
        raise ShapeError(
            f"the model reads {expected or 'numeric'} feature columns, but the data holds raw "
            "texts only; give data with the training features, or use a model trained on text."
        )
    if expected is not None and data.n_features != expected:
        raise ShapeError(
            f"the model was trained on {expected} features but the data has {data.n_features}; "
            "give data with the same feature columns, in the same order, as in training."
        )
    trained = (metadata or {}).get("feature_names")
    if trained and data.feature_names is not None:
        _check_feature_names([str(n) for n in trained], [str(n) for n in data.feature_names])
    return data.X


def _check_feature_names(trained: list[str], have: list[str]) -> None:
    """Columns with the model's feature names, in its order; else a ShapeError naming the first
    difference (a count check alone lets other features of the same number through)."""
    if have == trained:
        return
    if len(have) != len(trained):
        raise ShapeError(
            f"the model was trained on {len(trained)} features but the data has {len(have)}; "
            "give data with the same feature columns, in the same order, as in training."
        )
    known = set(trained)
    unknown = [n for n in have if n not in known]
    if unknown:
        j = have.index(unknown[0])
        raise ShapeError(
            f"the data's column {j} is feature {unknown[0]!r}, where the model was trained on "
            f"{trained[j]!r} ({len(unknown)} column(s) the model does not know); give data with "
            "the training features, in the training order."
        )
    j = next(i for i, (a, b) in enumerate(zip(have, trained, strict=True)) if a != b)
    raise ShapeError(
        f"the data has the training features in another order: column {j} is {have[j]!r} but "
        f"the model expects {trained[j]!r} there; put the columns in the training order."
    )


def align_to_model(data: Dataset, label_names: list[str], *, where: str = "evaluate") -> Dataset:
    """``data`` with its label columns in the model's order.

    Labels the model does not know are left out with a warning naming them (no model can predict
    them); model labels missing from the data become all-zero columns, with a warning.

    Examples
    --------
    >>> import numpy as np
    >>> d = Dataset(np.zeros((2, 1)), np.array([[1, 0], [0, 1]]), ["b", "a"])
    >>> align_to_model(d, ["a", "b"]).Y_dense().tolist()
    [[0, 1], [1, 0]]
    """
    names = [str(n) for n in label_names]
    have = [str(n) for n in data.label_names]
    if have == names:
        return data
    if not set(names) & set(have):
        raise TargetError(
            f"{where}: the data's labels ({', '.join(have[:5])}...) share nothing with the "
            f"model's ({', '.join(names[:5])}...); is this the right model for this data?"
        )
    unknown = [n for n in have if n not in set(names)]
    missing = [n for n in names if n not in set(have)]
    Yd = data.Y_dense()
    index = {n: j for j, n in enumerate(have)}
    if unknown:
        rows = {n: int(np.count_nonzero(Yd[:, index[n]])) for n in unknown[:10]}
        warnings.warn(
            f"{where}: the data has {len(unknown)} label(s) the model was not trained on: "
            f"{', '.join(map(repr, rows))} (in the data: "
            f"{', '.join(f'{n!r} ({c} rows)' for n, c in rows.items())}); they are left out of "
            "the evaluation.",
            ProblemSetupWarning,
            stacklevel=2,
        )
    if missing:
        warnings.warn(
            f"{where}: {len(missing)} of the model's labels are not in the data: "
            f"{', '.join(map(repr, missing[:10]))}; they count as never present.",
            ProblemSetupWarning,
            stacklevel=2,
        )
    out = np.zeros((Yd.shape[0], len(names)), dtype=np.int8)
    for j, name in enumerate(names):
        if name in index:
            out[:, j] = Yd[:, index[name]]
    return replace(data, Y=out, label_names=names)


def _dense(Y: Any) -> np.ndarray:
    return np.asarray(Y.toarray() if sp.issparse(Y) else Y)


def score_predictions(
    Y: Any, S: np.ndarray, P: Any, *, label_names: list[str], thresholds: Any = None
) -> Evaluation:
    """Every multi-label metric from true sets ``Y``, scores ``S`` and decided sets ``P``."""
    from labelwise import metrics as m

    Y, P = _dense(Y).astype(np.int8), _dense(P).astype(np.int8)
    S = np.asarray(S, dtype=np.float64)
    L = Y.shape[1]
    notes: list[str] = []
    scores: dict[str, float] = {
        "hamming_loss": m.hamming_loss(Y, P),
        "subset_accuracy": m.subset_accuracy(Y, P),
    }
    for avg in ("micro", "macro", "weighted", "samples"):
        p, r, f, _ = m.precision_recall_fscore_support(Y, P, average=avg, zero_division=0)
        scores[f"precision_{avg}"], scores[f"recall_{avg}"], scores[f"f1_{avg}"] = p, r, f
    scores["jaccard_samples"] = m.jaccard_score(Y, P, average="samples", zero_division=1)
    present = Y.sum(axis=0) > 0
    both = present & (Y.sum(axis=0) < Y.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined labels are reported once, in notes
        scores["average_precision_micro"] = m.average_precision_score(Y, S, average="micro")
        scores["average_precision_macro"] = (
            m.average_precision_score(Y[:, present], S[:, present], average="macro")
            if present.any()
            else float("nan")
        )
        scores["roc_auc_macro"] = (
            m.roc_auc_score(Y[:, both], S[:, both], average="macro") if both.any() else float("nan")
        )
    if not present.all():
        notes.append(
            f"{int((~present).sum())} label(s) have no positive example here; macro average "
            "precision and ROC AUC leave them out."
        )
    scores["label_ranking_average_precision"] = m.label_ranking_average_precision_score(Y, S)
    scores["coverage_error"] = m.coverage_error(Y, S)
    scores["label_ranking_loss"] = m.label_ranking_loss(Y, S)
    scores["one_error"] = m.one_error(Y, S)
    for k in (1, 3, 5):
        if k <= L:
            scores[f"precision_at_{k}"] = m.precision_at_k(Y, S, k=k)
            scores[f"ndcg_at_{k}"] = m.ndcg_at_k(Y, S, k=k)
    prec, rec, f1, support = m.precision_recall_fscore_support(Y, P, average=None, zero_division=0)
    thr = None if thresholds is None else np.asarray(thresholds, dtype=np.float64)
    per_label = [
        {
            "label": str(label_names[j]),
            "support": int(support[j]),
            "precision": float(prec[j]),
            "recall": float(rec[j]),
            "f1": float(f1[j]),
            "predicted": int(P[:, j].sum()),
            "threshold": None if thr is None else float(thr[j]),
        }
        for j in range(L)
    ]
    return Evaluation(
        "multilabel", {k: float(v) for k, v in scores.items()}, per_label, Y.shape[0], notes
    )


def _score_classes(y: np.ndarray, proba: np.ndarray, pred: np.ndarray, classes: np.ndarray):
    from labelwise import metrics as m

    scores = {
        "accuracy": m.accuracy_score(y, pred),
        "balanced_accuracy": m.balanced_accuracy_score(y, pred),
    }
    for avg in ("micro", "macro", "weighted"):
        scores[f"f1_{avg}"] = m.f1_score(y, pred, average=avg, zero_division=0)
    if len(classes) > 3:
        scores["top_3_accuracy"] = m.top_k_accuracy_score(y, proba, k=3, labels=classes)
    prec, rec, f1, support = m.precision_recall_fscore_support(
        y, pred, average=None, labels=classes, zero_division=0
    )
    rows = [
        {"label": str(c), "support": int(s), "precision": float(p), "recall": float(r),
         "f1": float(f)}
        for c, p, r, f, s in zip(classes, prec, rec, f1, support, strict=True)
    ]  # fmt: skip
    return Evaluation("multiclass", {k: float(v) for k, v in scores.items()}, rows, len(y))


def evaluate_model(model: Any, data: Dataset, metadata: dict | None = None) -> Evaluation:
    """Score a fitted model on ``data`` with every metric relevant to its problem type.

    Parameters
    ----------
    model : fitted estimator
        Anything with ``predict_proba`` and ``predict`` (an ``AutoClassifier``, a labelwise
        model, a ``ThresholdedClassifier``...).
    data : Dataset
        Evaluation data with true labels.
    metadata : dict, optional
        The model file's metadata (label names, input kind, feature count, decision rule).

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> import numpy as np
    >>> from labelwise.models import BinaryRelevance
    >>> X = np.array([[0.0, 1], [1, 0], [1, 1], [0, 0]] * 5)
    >>> Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]] * 5)
    >>> data = Dataset(X, Y, ["a", "b"])
    >>> ev = evaluate_model(BinaryRelevance().fit(X, Y), data)
    >>> ev.kind, round(ev.scores["f1_micro"], 3), ev.per_label[0]["label"]
    ('multilabel', 1.0, 'a')
    """
    from labelwise.report.page import rule_thresholds

    meta = metadata or {}
    kind = meta.get("problem_type") or getattr(model, "kind_", None) or "multilabel"
    names = meta.get("label_names")
    if not names:
        classes = list(getattr(model, "classes_", []))
        names = [str(c) for c in classes] if all(isinstance(c, str) for c in classes) else []
    if kind in ("multiclass", "binary"):
        X = model_inputs(model, data, meta)
        Yd = data.Y_dense()
        if Yd.ndim == 2:
            if not np.all(Yd.sum(axis=1) == 1):
                raise TargetError(
                    "the model is multi-class (one class per example) but some examples of the "
                    "data have no class or several."
                )
            y = np.asarray(data.label_names)[np.argmax(Yd, axis=1)]
        else:
            y = Yd
        classes = np.asarray(getattr(model, "classes_", names))
        unknown = sorted(set(map(str, y)) - set(map(str, classes)))
        if unknown:
            warnings.warn(
                f"evaluate: the data has {len(unknown)} class(es) the model was not trained on: "
                f"{', '.join(map(repr, unknown[:10]))}; their examples count as errors.",
                ProblemSetupWarning,
                stacklevel=2,
            )
        return _score_classes(y, model.predict_proba(X), np.asarray(model.predict(X)), classes)
    if names:
        data = align_to_model(data, list(names))
    X = model_inputs(model, data, meta)
    S = np.asarray(model.predict_proba(X), dtype=np.float64)
    if S.shape[1] != data.n_labels:
        raise ShapeError(
            f"the model scores {S.shape[1]} labels but the data has {data.n_labels}; "
            "evaluate a model on data with the labels it was trained on."
        )
    names = names or list(data.label_names)
    P = _dense(decided_matrix(model.predict(X), names, who="evaluate"))
    rule = getattr(model, "rule_", None) or getattr(model, "decision_rule", None)
    thresholds = rule_thresholds(rule, S.shape[1])
    result = score_predictions(
        data.Y_dense(), S, P, label_names=list(names) or data.label_names, thresholds=thresholds
    )
    result.promise = _promise(model, data.Y_dense(), P)
    return result


def _promise(model: Any, Y: np.ndarray, P: np.ndarray) -> Any:
    """What a guaranteed model promised and reached on this data (None for other models)."""
    from labelwise.decision import check_promise, is_guaranteed

    if not is_guaranteed(getattr(model, "rule_", None)):
        return None
    return check_promise(model, Y, P)
