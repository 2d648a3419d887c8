"""The main job: train a model on a training set, decide label sets, evaluate on a test set.

This is the algorithm behind ``labelwise fit``; the CLI only parses options and prints.
:func:`fit_auto` is the main job proper (the metric is resolved to an
:class:`~labelwise.auto.Objective` once, at its start, and that object travels down to
:class:`~labelwise.auto.AutoClassifier`); :func:`fit_and_evaluate` is the quick path of
``labelwise fit --rule``: one default model with a fixed or tuned rule.
``labelwise.pipeline`` re-exports every public name of this module under its old path.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from labelwise._inputs import is_text_dataset
from labelwise._validation import default_binary_estimator
from labelwise._warnings import naming_labels
from labelwise.auto.objectives import Objective, get_objective, objective_for_targets
from labelwise.data.dataset import Dataset
from labelwise.decision import DecisionRule, FixedThreshold
from labelwise.decision.meta import scores_only
from labelwise.errors import ProblemSetupError, ShapeError
from labelwise.evaluation import align_to_model
from labelwise.problem import OverlapReport, check_overlap

__all__ = [
    "RULES",
    "AutoFitResult",
    "FitResult",
    "align_labels",
    "default_model",
    "default_text_model",
    "fit_and_evaluate",
    "fit_auto",
    "is_text_dataset",
    "problem_kind",
]

#: Names of the decision rules ``fit_and_evaluate`` understands, with what they do.
RULES = {
    "fixed": "predict labels whose probability is at least 0.5",
    "global": "one threshold, tuned for micro-F1 on out-of-fold training scores",
    "per-label": "one threshold per label, tuned for its F1 on out-of-fold training scores",
}

_DEFAULT_MODELS = {
    "features": "binary relevance (one-vs-rest) logistic regression",
    "text": "TF-IDF word and character n-grams, one linear SVM per label (TfidfClassifier)",
}


@dataclass
class FitResult:
    """What one train/decide/evaluate run produced.

    Attributes
    ----------
    model : estimator
        The fitted model (a scikit-learn estimator producing scores).
    rule : str
        The decision rule's name (a key of :data:`RULES`).
    scores : dict of str to float
        Test-set metrics.
    fit_seconds : float
        Wall time of training, decision tuning included.
    overlap : OverlapReport or None
        Test rows that also occur in the training set (see
        :func:`labelwise.problem.check_overlap`).
    model_description : str
        The model in words (the default model's, when no model was given).
    """

    model: Any
    rule: str
    scores: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0
    n_train: int = 0
    n_test: int = 0
    n_labels: int = 0
    overlap: OverlapReport | None = None
    model_description: str = ""


def default_model(X: Any, *, random_state: int = 0) -> Pipeline:
    """Binary relevance over logistic regression, with feature scaling suited to ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> default_model(np.zeros((2, 2)))
    Pipeline(steps=[('standardscaler', StandardScaler()), ('binaryrelevance', ...)])
    """
    from labelwise.models import BinaryRelevance

    scaler = MaxAbsScaler() if sp.issparse(X) else StandardScaler()
    base = default_binary_estimator().set_params(max_iter=2000, random_state=random_state)
    return make_pipeline(scaler, BinaryRelevance(base))


def default_text_model(*, random_state: int = 0) -> Any:
    """The text model of the main job: :class:`labelwise.text.TfidfClassifier`.

    TF-IDF word 1-2-grams and character 2-5-grams with one linear SVM per label, the strong
    classic baseline for text categorisation; the rule on top is tuned on out-of-fold scores.

    Examples
    --------
    >>> default_text_model()
    TfidfClassifier()
    """
    from labelwise.text import TfidfClassifier

    return TfidfClassifier(random_state=random_state)


def align_labels(train: Dataset, test: Dataset, *, where: str = "fit_and_evaluate") -> Dataset:
    """``test`` with its labels in ``train``'s columns (files read separately may differ).

    The one alignment of :func:`labelwise.evaluation.align_to_model`, with ``train``'s label
    names as the model's: a test label the training set never has cannot be predicted and is
    left out with a :class:`~labelwise.errors.ProblemSetupWarning` naming it; training labels
    missing from the test set get all-zero columns (with a warning too).

    Examples
    --------
    >>> import warnings
    >>> from labelwise.data.dataset import Dataset
    >>> a = Dataset(None, np.array([[1, 0], [0, 1]]), ["IT", "UK"], texts=["x", "y"])
    >>> b = Dataset(None, np.array([[1]]), ["UK"], texts=["z"])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     align_labels(a, b).label_lists()
    [['UK']]
    """
    return align_to_model(test, [str(n) for n in train.label_names], where=where)


def _make_rule(name: str) -> DecisionRule:
    if name == "fixed":
        return FixedThreshold(0.5)
    from labelwise.decision import GlobalThreshold, PerLabelThreshold

    if name == "global":
        return GlobalThreshold()
    if name == "per-label":
        return PerLabelThreshold()
    raise ValueError(f"unknown rule {name!r}; choose one of {', '.join(RULES)}.")


def _checked_pair(train: Dataset, test: Dataset, text: bool) -> Dataset:
    """``test`` ready to evaluate a model of ``train`` on: same labels and feature columns."""
    if text:
        test = align_labels(train, test)
    if list(train.label_names) != list(test.label_names):
        raise ShapeError("train and test have different label names; align them first.")
    if train.n_features != test.n_features:
        raise ShapeError(f"train has {train.n_features} features but test has {test.n_features}.")
    return test


def _set_scores(Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, float]:
    """The label-set metrics ``fit_and_evaluate`` reports, under their canonical names."""
    from labelwise.metrics import f1_score, hamming_loss, subset_accuracy

    scores = {
        "hamming_loss": hamming_loss(Y_true, Y_pred),
        "subset_accuracy": subset_accuracy(Y_true, Y_pred),
        "f1_micro": f1_score(Y_true, Y_pred, average="micro", zero_division=0.0),
        "f1_macro": f1_score(Y_true, Y_pred, average="macro", zero_division=0.0),
        "f1_samples": f1_score(Y_true, Y_pred, average="samples", zero_division=0.0),
    }
    from labelwise.metrics.names import MetricValues

    # canonical keys; an old spelling (micro_f1, hamming, ...) still finds its value
    return MetricValues({k: float(v) for k, v in scores.items()})


def fit_and_evaluate(
    train: Dataset,
    test: Dataset,
    *,
    model: Any = None,
    rule: str = "per-label",
    cv: int = 5,
    random_state: int = 0,
) -> FitResult:
    """Train on ``train``, tune the decision rule on training data only, evaluate on ``test``.

    Before training, test rows that also occur in the training set are counted (exact duplicates
    and rows equal after rounding the features to 1e-9); when there are any, a
    :class:`~labelwise.errors.ProblemSetupWarning` gives their count and share, and the
    report is kept in :attr:`FitResult.overlap`.

    A text dataset (texts and no feature columns, :func:`is_text_dataset`) is learned from its
    texts with :func:`default_text_model`, and its report adds the ranking metrics P@1 and
    nDCG@3; its test labels are put in the training set's columns (:func:`align_labels`).

    Parameters
    ----------
    train, test : Dataset
        With the same label names and feature columns.
    model : estimator, optional
        Anything with ``fit(X, Y)`` and ``predict_proba(X) -> (n, L)``; default
        :func:`default_model` (:func:`default_text_model` for text).
    rule : {"fixed", "global", "per-label"}, default="per-label"
        How scores become label sets; tuned rules are fitted on out-of-fold training scores.
    cv : int, default=5
        Folds for tuning the rule.
    random_state : int, default=0

    Returns
    -------
    FitResult
    """
    from labelwise.decision import ThresholdedClassifier

    text = is_text_dataset(train) and is_text_dataset(test)
    test = _checked_pair(train, test, text)
    overlap = check_overlap(train, test, where="fit_and_evaluate")
    description = "the given model"
    if model is not None:
        estimator = model
    elif text:
        estimator, description = default_text_model(random_state=random_state), "text"
    else:
        estimator, description = default_model(train.X, random_state=random_state), "features"
    X_train, X_test = (train.texts, test.texts) if text else (train.X, test.X)
    decision = _make_rule(rule)
    if rule != "fixed":
        estimator = ThresholdedClassifier(
            estimator, rule=decision, cv=cv, random_state=random_state
        )
    start = time.perf_counter()
    # the model and its folds see only a 0/1 matrix; with rule="fixed" only its scores are used
    fixed = scores_only() if rule == "fixed" else contextlib.nullcontext()
    with naming_labels(train.label_names), fixed:
        estimator.fit(X_train, train.Y_dense())
    seconds = time.perf_counter() - start
    Y_true = test.Y_dense()
    if rule == "fixed":
        Y_pred = decision.predict(estimator.predict_proba(X_test))
    else:
        Y_pred = estimator.predict(X_test)
    scores = _set_scores(Y_true, np.asarray(Y_pred))
    if text:  # ranking metrics: how text classifiers are usually compared
        from labelwise.metrics import ndcg_at_k, precision_at_k

        y_score = estimator.predict_proba(X_test)
        scores["precision_at_1"] = float(precision_at_k(Y_true, y_score, k=1))
        scores["ndcg_at_3"] = float(ndcg_at_k(Y_true, y_score, k=3))
    return FitResult(
        model=estimator,
        rule=rule,
        scores=scores,
        fit_seconds=seconds,
        n_train=train.n_samples,
        n_test=test.n_samples,
        n_labels=train.n_labels,
        overlap=overlap,
        model_description=_DEFAULT_MODELS.get(description, description),
    )


def problem_kind(train: Dataset, metric: str | Objective) -> str:
    """How the main job reads ``train``'s labels: "multilabel", "multiclass" or "binary".

    As ``labelwise inspect`` says (:func:`labelwise.problem.describe`): when every training
    example has exactly one of two or more labels, the labels are classes, decided by argmax and
    judged by accuracy or top-k accuracy. A metric of label sets only (Hamming loss, subset
    accuracy, example-based F1, ranking metrics) keeps them label sets of size one, and so do raw
    texts (the text pipelines are multi-label).

    Parameters
    ----------
    train : Dataset
    metric : str or Objective
        A metric name, or the objective it was already resolved to.

    Examples
    --------
    >>> one_hot = Dataset(np.zeros((3, 1)), np.array([[1, 0], [0, 1], [1, 0]]), ["cat", "dog"])
    >>> problem_kind(one_hot, "accuracy"), problem_kind(one_hot, "hamming_loss")
    ('binary', 'multilabel')
    """
    kind = _targets_kind(train)
    if kind == "multilabel":
        return kind
    objective = get_objective(metric)
    return "multilabel" if kind not in objective.kinds and "multilabel" in objective.kinds else kind


def _targets_kind(train: Dataset) -> str:
    """What the training targets are: "binary" or "multiclass" (one label of several per
    example), else "multilabel" (raw texts always: the text pipelines are multi-label)."""
    from labelwise.problem import describe

    if is_text_dataset(train):
        return "multilabel"
    kind = describe(train.Y, label_names=[str(n) for n in train.label_names]).kind
    return kind if kind in ("binary", "multiclass") else "multilabel"


@dataclass
class AutoFitResult:
    """What one run of the main job (:func:`fit_auto`) produced.

    Attributes
    ----------
    model : AutoClassifier or ThresholdedClassifier
        The fitted search; ``model.best_estimator_`` is the refitted winner. With a
        ``guarantee``, a :class:`~labelwise.decision.ThresholdedClassifier` around it whose
        calibrated rule decides (``model.estimator_`` is the search).
    metadata : dict
        What ``labelwise.save`` should store beside the model (metric, label and feature names,
        hierarchy, training fingerprint, leaderboard, input kind).
    evaluation : Evaluation or None
        Test-set metrics when a test set was given.
    overlap : OverlapReport or None
        Test rows found in the training set.
    fit_seconds : float
    search : AutoClassifier
        The fitted search (``model`` itself without a guarantee).
    """

    model: Any
    metadata: dict
    evaluation: Any = None
    overlap: OverlapReport | None = None
    fit_seconds: float = 0.0
    search: Any = None

    @property
    def guarantee(self) -> Any:
        """The calibrated rule's promise (``guarantee_``), or None without a guarantee."""
        return getattr(self.model, "guarantee_", None)


def describe_job(train: Dataset, objective: Objective, kind: str, source: str = "") -> str:
    """One line saying what the main job is about to do with ``train``.

    Examples
    --------
    >>> from labelwise.datasets import load
    >>> describe_job(load("emotions"), get_objective("macro_f1"), "multilabel", "emotions")
    'emotions: 391 training examples, 6 labels; optimising macro_f1 by cross-validation on the \
training data'
    """
    what = f"{train.n_labels} labels"
    if kind != "multilabel":
        what = f"{train.n_labels} classes (one per example: {kind}, decided by argmax)"
    return (
        f"{source or train.name}: {train.n_samples} training examples, {what}; "
        f"optimising {objective.name} by cross-validation on the training data"
    )


def _targets(train: Dataset, kind: str, names: list[str]) -> Any:
    """What the search learns: the label matrix, or each example's class name."""
    from labelwise.problem import warn_constant_labels

    if kind == "multilabel":
        warn_constant_labels(train.Y_dense(), names, where="labelwise fit")
        return train.Y
    # one class per example: the class names, so that the search decides by argmax
    return np.asarray(names, dtype=object)[np.argmax(train.Y_dense(), axis=1)]


def _check_calibration(rule: DecisionRule, n: int, calibration: float, n_labels: int) -> None:
    """Refuse, before the search, a calibration split too small for the rule's promise."""
    if getattr(rule, "per_label", False) or getattr(rule, "class_conditional", False):
        return  # counted per label or class by the rule itself, on the calibration rows
    needed = getattr(rule, "required_calibration_size", None)
    if needed is None:
        return
    needed = int(needed(n_labels))
    have = int(calibration) if calibration >= 1 else round(calibration * n)
    if have < needed:
        raise ProblemSetupError(
            f"{rule!r}: a calibration split of {calibration:g} keeps {have} of the {n} training "
            f"examples; its guarantee needs at least {needed} (required_calibration_size). Give "
            "more data, a larger calibration share, or a looser level or delta."
        )


def fit_auto(
    train: Dataset,
    *,
    metric: str | Objective = "micro_f1",
    test: Dataset | None = None,
    time_limit: float | None = None,
    n_jobs: int | None = None,
    cv: int | str = "auto",
    candidates: list[str] | None = None,
    random_state: int = 0,
    verbose: bool | int | None = None,
    k: int | None = None,
    guarantee: DecisionRule | None = None,
    calibration: float = 0.2,
    announce: Callable[[str], Any] | None = None,
    source: str = "",
) -> AutoFitResult:
    """The main job: pick, tune and refit the best pipeline for ``metric`` on ``train``.

    The metric is resolved to an :class:`~labelwise.auto.Objective` once, here, and checked
    against the problem (setup errors stop here; warnings such as constant labels are issued);
    then :class:`labelwise.auto.AutoClassifier` cross-validates the candidates on the training
    data only. With ``test``, the test set is checked for rows that occur in training
    (:func:`labelwise.problem.check_overlap`) and the refitted model is evaluated on it.

    Parameters
    ----------
    train : Dataset
    metric : str or Objective, default="micro_f1"
        See :func:`labelwise.auto.objective_names`.
    test : Dataset, optional
    time_limit : float, optional
        Seconds for the whole fit: the search and the refit of the winner.
    n_jobs : int, optional
    cv : int or "auto", default="auto"
    candidates : list of str, optional
        Name prefixes of the candidates to try.
    random_state : int, default=0
    verbose : bool, int or None
        Progress display (None: on a terminal only).
    k : int, optional
        The cut-off of ``precision_at_k`` and ``ndcg_at_k`` (default 3).
    guarantee : DecisionRule, optional
        A guaranteed rule (:func:`labelwise.decision.guaranteed_rule_from_spec`): the search
        runs on the rows left after a calibration split, and this rule, calibrated on the split
        (scores of a model that never trained on it), decides instead of the tuned one.
    calibration : float in (0, 1) or int, default=0.2
        The share (or number) of training rows kept for calibrating ``guarantee``.
    announce : callable, optional
        Called with one line saying what the run is about to do (:func:`describe_job`), once
        the problem is checked and before the search starts.
    source : str, default=""
        How ``announce`` names the data (default: the dataset's name).

    Returns
    -------
    AutoFitResult

    Examples
    --------
    >>> from labelwise.datasets import load
    >>> train = load("emotions", split="train")
    >>> result = fit_auto(train, metric="macro_f1", candidates=["MLkNN"], cv=3)
    >>> result.metadata["metric"], result.metadata["label_names"][:2]
    ('macro_f1', ['amazed-suprised', 'happy-pleased'])
    """
    from labelwise.auto import AutoClassifier

    # the one resolution of the metric; an unknown or unfitting one stops before training
    objective, kind = objective_for_targets(metric, _targets_kind(train), k)
    if guarantee is not None:
        _check_calibration(guarantee, train.n_samples, calibration, train.n_labels)
    names = [str(n) for n in train.label_names]
    Y = _targets(train, kind, names)
    overlap = None
    if test is not None:
        test = align_to_model(test, names, where="labelwise fit")
        overlap = check_overlap(train, test, where="labelwise fit")
    if announce is not None:
        announce(describe_job(train, objective, kind, source))
    search = AutoClassifier(
        objective,
        time_limit=time_limit,
        n_jobs=n_jobs,
        cv=cv,
        candidates=candidates,
        hierarchy=train.hierarchy,
        label_names=names,
        random_state=random_state,
        verbose=verbose,
    )
    model = search if guarantee is None else _guaranteed(search, guarantee, calibration)
    text = is_text_dataset(train)
    X = list(train.texts) if text else train.X
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Constant labels were reported above, once; the folds would repeat it per model.
        warnings.filterwarnings("ignore", message=".*never occur in the training data.*")
        model.fit(X, Y)
    seconds = time.perf_counter() - start
    search = getattr(model, "estimator_", model)
    metadata = _metadata(train, X, search, kind, names, k)
    evaluation = None
    if test is not None:
        from labelwise.evaluation import evaluate_model

        evaluation = evaluate_model(model, test, metadata)
    return AutoFitResult(model, metadata, evaluation, overlap, seconds, search)


def _guaranteed(search: Any, rule: DecisionRule, calibration: float) -> Any:
    from labelwise.decision import ThresholdedClassifier

    return ThresholdedClassifier(
        search, rule=rule, calibration=calibration, random_state=search.random_state
    )


def _metadata(
    train: Dataset, X: Any, search: Any, kind: str, names: list[str], k: int | None
) -> dict:
    """What ``labelwise.save`` stores beside the main job's model."""
    from labelwise.persist import fingerprint

    text = is_text_dataset(train)
    return {
        "metric": search.objective_,
        **({"k": int(k)} if k is not None else {}),
        "problem_type": search.kind_,
        # the score columns: the labels, or the classes in the model's (sorted) order
        "label_names": names if kind == "multilabel" else [str(c) for c in search.classes_],
        "feature_names": None
        if text or train.feature_names is None
        else list(map(str, train.feature_names)),
        "input": "text" if text else "features",
        "n_features": None if text else int(train.n_features),
        "pipeline": _steps(search.best_estimator_),
        "dataset": train.name,
        "training_fingerprint": fingerprint(X, train.Y),
        "leaderboard": search.leaderboard_,
        "cv_score": search.best_score_,
        "best_candidate": search.best_name_,
    }


def _steps(estimator: Any) -> list[dict]:
    """The refitted winner as steps with their parameters (the text pipeline of a text model)."""
    from labelwise.persist._metadata import describe_estimator

    steps = getattr(estimator, "steps", None)
    if not isinstance(steps, list):
        steps = [(type(estimator).__name__, estimator)]
    return [{"name": name, **describe_estimator(step)} for name, step in steps]
