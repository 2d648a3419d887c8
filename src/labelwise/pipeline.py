"""The main job: train a model on a training set, decide label sets, evaluate on a test set.

This is the algorithm behind ``labelwise fit``; the CLI only parses options and prints.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

from labelwise._warnings import naming_labels
from labelwise.data.dataset import Dataset
from labelwise.decision import DecisionRule, FixedThreshold
from labelwise.decision.meta import scores_only
from labelwise.errors import ShapeError
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
    """

    model: Any
    rule: str
    scores: dict[str, float] = field(default_factory=dict)
    fit_seconds: float = 0.0
    n_train: int = 0
    n_test: int = 0
    n_labels: int = 0
    overlap: OverlapReport | None = None


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
    base = LogisticRegression(max_iter=2000, random_state=random_state)
    return make_pipeline(scaler, BinaryRelevance(base))


def is_text_dataset(data: Dataset) -> bool:
    """Whether a dataset is raw text to learn from: texts and no feature columns.

    Examples
    --------
    >>> from labelwise.datasets import load
    >>> is_text_dataset(load("reuters", split="test")), is_text_dataset(load("emotions"))
    (True, False)
    """
    return data.texts is not None and data.n_features == 0


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

    A test label the training set never has cannot be predicted: it is dropped with a
    :class:`~labelwise.errors.ProblemSetupWarning` naming it; training labels missing from the
    test set get all-zero columns.

    Examples
    --------
    >>> import numpy as np
    >>> from labelwise.data.dataset import Dataset
    >>> a = Dataset(None, np.array([[1, 0], [0, 1]]), ["IT", "UK"], texts=["x", "y"])
    >>> b = Dataset(None, np.array([[1]]), ["UK"], texts=["z"])
    >>> align_labels(a, b).label_lists()
    [['UK']]
    """
    import warnings
    from dataclasses import replace

    from labelwise.errors import ProblemSetupWarning

    if list(train.label_names) == list(test.label_names):
        return test
    unseen = [n for n in test.label_names if n not in train.label_space]
    if unseen:
        counts = np.asarray(test.Y[:, test.label_space.indices(unseen)].sum(axis=0)).ravel()
        listed = ", ".join(f"{n!r} ({int(c)} rows)" for n, c in zip(unseen, counts, strict=True))
        warnings.warn(
            f"{where}: {len(unseen)} test label(s) never occur in the training set: "
            f"{listed[:300]}. No model can predict them; they are left out of the evaluation.",
            ProblemSetupWarning,
            stacklevel=3,
        )
    Y = train.label_space.binarize(test.label_lists(), unknown="ignore")
    return replace(test, Y=np.asarray(Y, dtype=np.int8), label_names=train.label_names)


def _make_rule(name: str) -> DecisionRule | None:
    if name == "fixed":
        return FixedThreshold(0.5)
    from labelwise.decision import GlobalThreshold, PerLabelThreshold

    if name == "global":
        return GlobalThreshold()
    if name == "per-label":
        return PerLabelThreshold()
    raise ValueError(f"unknown rule {name!r}; choose one of {', '.join(RULES)}.")


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
    from labelwise.metrics import f1_score, hamming_loss, subset_accuracy

    text = is_text_dataset(train) and is_text_dataset(test)
    if text:
        test = align_labels(train, test)
    if list(train.label_names) != list(test.label_names):
        raise ShapeError("train and test have different label names; align them first.")
    if train.n_features != test.n_features:
        raise ShapeError(f"train has {train.n_features} features but test has {test.n_features}.")
    overlap = check_overlap(train, test, where="fit_and_evaluate")
    if model is not None:
        estimator = model
    elif text:
        estimator = default_text_model(random_state=random_state)
    else:
        estimator = default_model(train.X, random_state=random_state)
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
    Y_pred = np.asarray(Y_pred)
    scores = {
        "hamming_loss": hamming_loss(Y_true, Y_pred),
        "subset_accuracy": subset_accuracy(Y_true, Y_pred),
        "f1_micro": f1_score(Y_true, Y_pred, average="micro", zero_division=0.0),
        "f1_macro": f1_score(Y_true, Y_pred, average="macro", zero_division=0.0),
        "f1_samples": f1_score(Y_true, Y_pred, average="samples", zero_division=0.0),
    }
    if text:  # ranking metrics: how text classifiers are usually compared
        from labelwise.metrics import ndcg_at_k, precision_at_k

        y_score = estimator.predict_proba(X_test)
        scores["precision_at_1"] = precision_at_k(Y_true, y_score, k=1)
        scores["ndcg_at_3"] = ndcg_at_k(Y_true, y_score, k=3)
    return FitResult(
        model=estimator,
        rule=rule,
        scores={k: float(v) for k, v in scores.items()},
        fit_seconds=seconds,
        n_train=train.n_samples,
        n_test=test.n_samples,
        n_labels=train.n_labels,
        overlap=overlap,
    )


def problem_kind(train: Dataset, metric: str) -> str:
    """How the main job reads ``train``'s labels: "multilabel", "multiclass" or "binary".

    As ``labelwise inspect`` says (:func:`labelwise.problem.describe`): when every training
    example has exactly one of two or more labels, the labels are classes, decided by argmax and
    judged by accuracy or top-k accuracy. A metric of label sets only (Hamming loss, subset
    accuracy, example-based F1, ranking metrics) keeps them label sets of size one, and so do raw
    texts (the text pipelines are multi-label).

    Examples
    --------
    >>> import numpy as np
    >>> one_hot = Dataset(np.zeros((3, 1)), np.array([[1, 0], [0, 1], [1, 0]]), ["cat", "dog"])
    >>> problem_kind(one_hot, "accuracy"), problem_kind(one_hot, "hamming_loss")
    ('binary', 'multilabel')
    """
    from labelwise.auto import get_objective
    from labelwise.problem import describe

    if is_text_dataset(train):
        return "multilabel"
    names = [str(n) for n in train.label_names]
    kind = describe(train.Y, label_names=names).kind
    if kind in ("binary", "multiclass"):
        objective = get_objective(metric)
        if kind not in objective.kinds and "multilabel" in objective.kinds:
            return "multilabel"
        return kind
    return "multilabel"


@dataclass
class AutoFitResult:
    """What one run of the main job (:func:`fit_auto`) produced.

    Attributes
    ----------
    model : AutoClassifier
        The fitted search; ``model.best_estimator_`` is the refitted winner.
    metadata : dict
        What ``labelwise.save`` should store beside the model (metric, label and feature names,
        hierarchy, training fingerprint, leaderboard, input kind).
    evaluation : Evaluation or None
        Test-set metrics when a test set was given.
    overlap : OverlapReport or None
        Test rows found in the training set.
    fit_seconds : float
    """

    model: Any
    metadata: dict
    evaluation: Any = None
    overlap: OverlapReport | None = None
    fit_seconds: float = 0.0


def fit_auto(
    train: Dataset,
    *,
    metric: str = "micro_f1",
    test: Dataset | None = None,
    time_limit: float | None = None,
    n_jobs: int | None = None,
    cv: int | str = "auto",
    candidates: list[str] | None = None,
    random_state: int = 0,
    verbose: bool | int | None = None,
    k: int | None = None,
) -> AutoFitResult:
    """The main job: pick, tune and refit the best pipeline for ``metric`` on ``train``.

    The problem is described first (setup errors stop here; warnings such as constant labels
    are issued), then :class:`labelwise.auto.AutoClassifier` cross-validates the candidates on
    the training data only. With ``test``, the test set is checked for rows that occur in
    training (:func:`labelwise.problem.check_overlap`) and the refitted model is evaluated on it.

    Parameters
    ----------
    train : Dataset
    metric : str, default="micro_f1"
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
    from labelwise.auto import AutoClassifier, get_objective
    from labelwise.evaluation import align_to_model, evaluate_model
    from labelwise.persist import fingerprint
    from labelwise.problem import warn_constant_labels

    text = is_text_dataset(train)
    X = list(train.texts) if text else train.X
    kind = problem_kind(train, metric)
    get_objective(metric, kind=kind, k=k)  # an unknown or unfitting metric stops before training
    names = [str(n) for n in train.label_names]
    if kind == "multilabel":
        Y = train.Y
        warn_constant_labels(train.Y_dense(), names, where="labelwise fit")
    else:  # one class per example: the class names, so that the search decides by argmax
        Y = np.asarray(names, dtype=object)[np.argmax(train.Y_dense(), axis=1)]
    overlap = None
    if test is not None:
        test = align_to_model(test, list(train.label_names), where="labelwise fit")
        overlap = check_overlap(train, test, where="labelwise fit")
    model = AutoClassifier(
        metric,
        time_limit=time_limit,
        n_jobs=n_jobs,
        cv=cv,
        candidates=candidates,
        hierarchy=train.hierarchy,
        label_names=names,
        random_state=random_state,
        verbose=verbose,
        k=k,
    )
    start = time.perf_counter()
    import warnings

    with warnings.catch_warnings():
        # Constant labels were reported above, once; the folds would repeat it per model.
        warnings.filterwarnings("ignore", message=".*never occur in the training data.*")
        model.fit(X, Y)
    seconds = time.perf_counter() - start
    metadata = {
        "metric": model.objective_,
        **({"k": int(k)} if k is not None else {}),
        "problem_type": model.kind_,
        # the score columns: the labels, or the classes in the model's (sorted) order
        "label_names": names if kind == "multilabel" else [str(c) for c in model.classes_],
        "feature_names": None
        if text or train.feature_names is None
        else list(map(str, train.feature_names)),
        "input": "text" if text else "features",
        "n_features": None if text else int(train.n_features),
        "pipeline": _steps(model.best_estimator_),
        "dataset": train.name,
        "training_fingerprint": fingerprint(X, train.Y),
        "leaderboard": model.leaderboard_,
        "cv_score": model.best_score_,
        "best_candidate": model.best_name_,
    }
    evaluation = None
    if test is not None:
        evaluation = evaluate_model(model, test, metadata)
    return AutoFitResult(model, metadata, evaluation, overlap, seconds)


def _steps(estimator: Any) -> list[dict]:
    """The refitted winner as steps with their parameters (the text pipeline of a text model)."""
    from labelwise.persist._metadata import describe_estimator

    steps = getattr(estimator, "steps", None)
    if not isinstance(steps, list):
        steps = [(type(estimator).__name__, estimator)]
    return [{"name": name, **describe_estimator(step)} for name, step in steps]
