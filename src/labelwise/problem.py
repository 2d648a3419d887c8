"""What problem the targets describe, the setup that fits it, and guards against mistakes.

:func:`describe` names the problem (binary, multi-class, multi-label, hierarchical) and the setup
that fits it. The guards catch the costly mistakes before any training: softmax scores on
multi-label targets (:func:`warn_if_softmax_scores`), a multi-class-only estimator on multi-label
targets (:func:`require_single_label`), label-wise accuracy on sparse labels
(:func:`check_accuracy_on_sparse_labels`), labels that never or always occur
(:func:`constant_labels`, :func:`warn_constant_labels`) and train/test overlap
(:func:`check_overlap`).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from labelwise._math import safe_divide
from labelwise._validation import Interval, Options, check_params
from labelwise._warnings import column_label_names
from labelwise.data.hierarchy import Hierarchy
from labelwise.data.targets import Targets, as_array, check_targets, column_names
from labelwise.errors import ProblemSetupError, ProblemSetupWarning, ShapeError

__all__ = [
    "AccuracyCheck",
    "ConstantLabel",
    "OverlapReport",
    "ProblemDescription",
    "Setup",
    "check_accuracy_on_sparse_labels",
    "check_overlap",
    "constant_labels",
    "describe",
    "require_single_label",
    "warn_constant_labels",
    "warn_if_softmax_scores",
]


def warn_if_softmax_scores(targets: Targets, y_score: np.ndarray, *, where: str = "") -> bool:
    """Warn when multi-label targets meet scores whose rows all sum to 1 (a softmax output).

    Softmax makes labels compete for one unit of probability, so an example with three true
    labels can get at most ~1/3 on each; multi-label problems need one independent sigmoid per
    label trained with binary cross-entropy.

    Parameters
    ----------
    targets : Targets
        Canonical targets from :func:`labelwise.data.check_targets`.
    y_score : ndarray of shape (n_samples, n_labels)
        Scores already checked by :func:`labelwise.data.check_scores`.
    where : str
        The calling function, named in the message.

    Returns
    -------
    bool
        Whether the warning was issued.

    Examples
    --------
    >>> import warnings
    >>> from labelwise.data import check_targets
    >>> t = check_targets([[1, 1, 0], [0, 1, 1], [0, 0, 0]])
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_if_softmax_scores(t, np.array([[.5, .4, .1], [.1, .5, .4], [.3, .3, .4]]))
    True
    """
    if targets.kind != "multilabel" or y_score.ndim != 2 or y_score.shape[1] < 2:
        return False
    if y_score.shape[0] < 2:
        return False
    head = y_score[:1000]  # real sigmoid scores fail this at once, keeping the check cheap
    if not np.allclose(head.sum(axis=1), 1.0, atol=1e-6) or head.min() < 0:
        return False
    if y_score.min() < 0 or not np.allclose(y_score.sum(axis=1), 1.0, atol=1e-6):
        return False
    per_row = targets.labels_per_row()
    if not np.any(per_row != 1):  # one label per row: softmax is a fair model of it
        return False
    prefix = f"{where}: " if where else ""
    warnings.warn(
        f"{prefix}every row of the scores sums to 1, as a softmax output does, but the targets "
        f"are multi-label ({int(np.sum(per_row > 1))} examples have several labels, "
        f"{int(np.sum(per_row == 0))} have none). Softmax makes labels compete for one unit of "
        "probability; use one independent sigmoid per label trained with binary cross-entropy.",
        ProblemSetupWarning,
        stacklevel=3,
    )
    return True


def require_single_label(targets: Targets, *, who: str) -> None:
    """Raise a clear error when a multi-class-only estimator or loss is given multi-label targets.

    Examples
    --------
    >>> from labelwise.data import check_targets
    >>> require_single_label(check_targets([[1, 1], [0, 1]]), who="OneVsOne")
    Traceback (most recent call last):
    ...
    labelwise.errors.ProblemSetupError: OneVsOne is for multi-class problems ...
    """
    if targets.kind in ("binary", "multiclass"):
        return
    per_row = targets.labels_per_row()
    if np.all(per_row == 1):
        return  # one-hot multi-class
    raise ProblemSetupError(
        f"{who} is for multi-class problems (exactly one label per example), but the targets "
        f"are multi-label: {int(np.sum(per_row > 1))} of {per_row.size} examples have several "
        f"labels and {int(np.sum(per_row == 0))} have none. Use a multi-label model "
        "(BinaryRelevance, ClassifierChain, LabelPowerset) with one sigmoid per label."
    )


@dataclass(frozen=True)
class Setup:
    """The model setup that fits a kind of problem."""

    output_layer: str
    loss: str
    decision_rule: str
    metrics: tuple[str, ...]


SETUPS: dict[str, Setup] = {
    "binary": Setup(
        output_layer="one sigmoid unit",
        loss="binary cross-entropy",
        decision_rule="threshold on the probability, tuned on validation data",
        metrics=("precision", "recall", "F1", "average precision", "ROC AUC"),
    ),
    "multiclass": Setup(
        output_layer="softmax over the classes",
        loss="categorical cross-entropy",
        decision_rule="argmax",
        metrics=("accuracy", "macro F1", "micro F1", "top-k accuracy"),
    ),
    "multilabel": Setup(
        output_layer="one independent sigmoid per label",
        loss="binary cross-entropy summed over labels",
        decision_rule="per-label threshold or ranking rule, tuned on validation data",
        metrics=("macro F1", "micro F1", "exact match", "Hamming loss", "average precision"),
    ),
    "hierarchical": Setup(
        output_layer="one independent sigmoid per label (node of the hierarchy)",
        loss="binary cross-entropy summed over labels",
        decision_rule="per-label thresholds, then keep a label only with all its ancestors",
        metrics=("hierarchical F1", "macro F1", "micro F1", "exact match", "Hamming loss"),
    ),
}


@dataclass(frozen=True)
class ProblemDescription:
    """What problem the targets describe and the setup that fits it.

    Attributes
    ----------
    kind : {"binary", "multiclass", "multilabel", "hierarchical"}
    form : str
        The form ``y`` came in (see :class:`labelwise.data.Targets`); ``"one-hot"`` for a 0/1
        matrix with exactly one 1 in every row.
    n_samples, n_labels : int
        Examples and label columns (classes for multi-class).
    label_names : tuple of str
    label_counts : tuple of int
        Examples per label.
    cardinality : float
        Mean labels per example.
    n_empty, n_several : int
        Examples with no label, with more than one.
    setup : Setup
        Output layer, loss, decision rule and metrics to watch.
    notes : tuple of str
        Warnings worth reading (constant labels, one-hot reading, ...).
    """

    kind: str
    form: str
    n_samples: int
    n_labels: int
    label_names: tuple[str, ...]
    label_counts: tuple[int, ...]
    cardinality: float
    n_empty: int
    n_several: int
    setup: Setup
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary of the description, the setup included.

        Examples
        --------
        >>> describe([0, 1, 1]).to_dict()["setup"]["loss"]
        'binary cross-entropy'
        """
        out = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    def __str__(self) -> str:
        kind = {
            "binary": "binary",
            "multiclass": "multi-class",
            "multilabel": "multi-label",
            "hierarchical": "hierarchical multi-label",
        }[self.kind]
        what = "classes" if self.kind in ("binary", "multiclass") else "labels"
        rows = [
            ("problem", f"{kind} ({self.form} input)"),
            ("examples", f"{self.n_samples:,}"),
            (what, f"{self.n_labels:,}"),
            ("labels per example", f"{self.cardinality:.3f} on average"),
            ("examples with no label", f"{self.n_empty:,}"),
            ("examples with several", f"{self.n_several:,}"),
            ("output layer", self.setup.output_layer),
            ("training loss", self.setup.loss),
            ("decision rule", self.setup.decision_rule),
            ("metrics to watch", ", ".join(self.setup.metrics)),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


_KINDS = ("binary", "multiclass", "multilabel", "hierarchical")


def describe(
    y: Any,
    *,
    label_names: Sequence[str] | None = None,
    hierarchy: Hierarchy | None = None,
    kind: str | None = None,
) -> ProblemDescription:
    """Say which problem the targets describe and the setup that fits it.

    A 1-D vector is binary (two classes) or multi-class. A 2-D 0/1 matrix (dense or sparse) or lists
    of label lists is multi-label, except that a matrix with exactly one 1 in every row is read as
    one-hot multi-class (a note says so; pass ``kind="multilabel"`` if examples could have zero or
    several labels in general). With a ``hierarchy`` over the labels it is hierarchical.

    Parameters
    ----------
    y : array-like, sparse matrix or list of label lists
        Targets in any form :func:`labelwise.data.check_targets` accepts.
    label_names : sequence of str, optional
        One name per label column.
    hierarchy : Hierarchy, optional
        Parent-child relations between the labels.
    kind : {"binary", "multiclass", "multilabel", "hierarchical"}, optional
        Force the kind instead of reading it off the targets (the setup follows it).

    Returns
    -------
    ProblemDescription

    Examples
    --------
    >>> d = describe([[1, 0, 1], [0, 1, 0], [0, 0, 0]])
    >>> d.kind, d.setup.output_layer
    ('multilabel', 'one independent sigmoid per label')
    >>> describe([[0, 1, 0], [1, 0, 0], [0, 0, 1]]).form
    'one-hot'
    >>> print(describe(["cat", "dog", "eel", "cat"]))  # doctest: +ELLIPSIS
    problem                 multi-class (classes input)
    examples                4
    classes                 3
    ...
    output layer            softmax over the classes
    training loss           categorical cross-entropy
    decision rule           argmax
    metrics to watch        accuracy, macro F1, micro F1, top-k accuracy
    """
    check_params({"kind": kind}, {"kind": [None, Options(_KINDS)]}, caller="describe")
    targets = check_targets(y)
    per_row = targets.labels_per_row()
    counts = np.asarray(targets.Y.sum(axis=0)).ravel().astype(np.int64)
    names = column_names(y, targets, label_names, where="describe")
    hierarchy = None if hierarchy is None else Hierarchy.coerce(hierarchy, names, where="describe")
    form = targets.form
    notes: list[str] = []
    detected = targets.kind
    if targets.kind == "multilabel":
        if targets.n_samples and targets.n_labels >= 2 and np.all(per_row == 1):
            form = "one-hot"
            detected = "binary" if targets.n_labels == 2 else "multiclass"
            notes.append(
                "every row has exactly one label, so the matrix is read as one-hot multi-class; "
                "if an example could have zero or several labels, pass kind='multilabel'."
            )
        elif hierarchy is not None and not hierarchy.is_trivial():
            detected = "hierarchical"
    final = kind if kind is not None else detected
    if final == "hierarchical" and hierarchy is None:
        notes.append("kind='hierarchical' without a hierarchy: pass hierarchy= to check it.")
    if final in ("multilabel", "hierarchical") and targets.n_samples:
        found = constant_labels(targets.Y, names)
        for value, one, many in ((0, "never occurs", "never occur"), (1, "occurs", "occur")):
            which = [c.name for c in found if c.value == value]
            if which:
                state = (one if len(which) == 1 else many) + (" in every example" if value else "")
                notes.append(
                    f"{_names(which)} {state}; a model can only predict "
                    f"{'it' if len(which) == 1 else 'them'} as a constant ({value})."
                )
    return ProblemDescription(
        kind=final,
        form=form,
        n_samples=targets.n_samples,
        n_labels=targets.n_labels,
        label_names=names,
        label_counts=tuple(int(c) for c in counts),
        cardinality=float(per_row.mean()) if per_row.size else 0.0,
        n_empty=int(np.sum(per_row == 0)),
        n_several=int(np.sum(per_row > 1)),
        setup=SETUPS[final],
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class AccuracyCheck:
    """Label-wise accuracy next to the numbers that tell whether it means anything.

    All values are micro-averaged over every (example, label) entry; ``density`` is the share of
    positive entries in ``y_true``.
    """

    accuracy: float
    precision: float
    recall: float
    f1: float
    density: float
    warned: bool


def check_accuracy_on_sparse_labels(
    y_true: Any,
    y_pred: Any,
    *,
    min_accuracy: float = 0.9,
    max_recall: float = 0.5,
) -> AccuracyCheck:
    """Label-wise accuracy with recall and F1 beside it; warn when high accuracy hides low recall.

    On sparse labels (say 2% of the entries positive) predicting nothing at all scores 98%
    label-wise accuracy. This returns precision, recall and F1 (micro-averaged) as well, and
    issues a :class:`~labelwise.errors.ProblemSetupWarning` when accuracy is at least
    ``min_accuracy`` while recall is below ``max_recall``.

    Parameters
    ----------
    y_true, y_pred : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
        True and predicted label sets.
    min_accuracy : float, default=0.9
        Accuracy from which a low recall is suspicious.
    max_recall : float, default=0.5
        Recall below which to warn.

    Returns
    -------
    AccuracyCheck

    Examples
    --------
    >>> import warnings
    >>> y_true = np.zeros((10, 10), dtype=int); y_true[:2, :2] = 1
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     c = check_accuracy_on_sparse_labels(y_true, np.zeros_like(y_true))
    >>> c.accuracy, c.recall, c.warned
    (0.96, 0.0, True)
    """
    check_params(
        {"min_accuracy": min_accuracy, "max_recall": max_recall},
        {
            "min_accuracy": [Interval(numbers.Real, 0, 1)],
            "max_recall": [Interval(numbers.Real, 0, 1)],
        },
        caller="check_accuracy_on_sparse_labels",
    )
    t = check_targets(y_true, name="y_true")
    p = check_targets(y_pred, name="y_pred", classes=t.classes if t.form == "classes" else None)
    if t.Y.shape != p.Y.shape:
        raise ShapeError(f"y_true has shape {t.Y.shape} but y_pred has shape {p.Y.shape}.")
    Yt = sp.csr_matrix(t.Y, dtype=np.int64)
    Yp = sp.csr_matrix(p.Y, dtype=np.int64)
    tp = float(Yt.multiply(Yp).sum())
    n_true, n_pred = float(Yt.sum()), float(Yp.sum())
    fp, fn = n_pred - tp, n_true - tp
    total = float(Yt.shape[0] * Yt.shape[1])
    tn = total - tp - fp - fn
    accuracy, precision, recall, f1, density = (
        float(v)
        for v in safe_divide(
            np.array([tp + tn, tp, tp, 2 * tp, n_true]),
            np.array([total, tp + fp, tp + fn, 2 * tp + fp + fn, total]),
            zero_division=0.0,
        )
    )
    warned = accuracy >= min_accuracy and recall < max_recall and n_true > 0
    if warned:
        warnings.warn(
            f"label-wise accuracy is {accuracy:.1%} but recall is only {recall:.1%} "
            f"(precision {precision:.1%}, F1 {f1:.1%}): only {density:.1%} of the label entries "
            f"are positive, so predicting no labels at all scores {1 - density:.1%} accuracy. "
            "Report recall and F1 (micro and macro), not label-wise accuracy.",
            ProblemSetupWarning,
            stacklevel=2,
        )
    return AccuracyCheck(accuracy, precision, recall, f1, density, warned)


class ConstantLabel(NamedTuple):
    """A label whose value is the same in every training example."""

    index: int
    name: str
    value: int  # 0: never occurs, 1: occurs in every example


def constant_labels(Y: Any, label_names: Sequence[str] | None = None) -> list[ConstantLabel]:
    """The labels that never occur or occur in every example of ``Y``.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
    label_names : sequence of str, optional
        One name per column (default: the column numbers).

    Returns
    -------
    list of ConstantLabel
        ``(index, name, value)`` with ``value`` 0 (never) or 1 (always), in column order.

    Examples
    --------
    >>> constant_labels([[1, 0, 1], [1, 0, 0]], ["a", "b", "c"])
    [ConstantLabel(index=0, name='a', value=1), ConstantLabel(index=1, name='b', value=0)]
    """
    t = check_targets(Y, name="Y")
    n = t.n_samples
    names = column_names(Y, t, label_names)
    if n == 0:
        return []
    counts = np.asarray(t.Y.sum(axis=0)).ravel()
    return [
        ConstantLabel(int(j), names[j], 0 if counts[j] == 0 else 1)
        for j in np.flatnonzero((counts == 0) | (counts == n))
    ]


def warn_constant_labels(
    Y: Any, label_names: Sequence[str] | None = None, *, where: str = ""
) -> list[ConstantLabel]:
    """Warn, naming them, about labels that never or always occur; return them.

    Models call this in ``fit`` and predict such a label with a constant instead of training a
    classifier on one class. Columns known only by number are called by the names the caller
    gave :func:`labelwise._warnings.naming_labels`, if any.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     found = warn_constant_labels([[1, 0], [0, 0]], ["news", "sport"], where="fit")
    >>> print(w[0].message)  # doctest: +ELLIPSIS
    fit: label 'sport' never occurs in the training data; ...
    """
    shape = getattr(Y, "shape", ())
    if len(shape) == 2:  # a bare matrix: the caller may have named its columns
        label_names = column_label_names(label_names, shape[1])
    found = constant_labels(Y, label_names)
    if found:
        never = [c.name for c in found if c.value == 0]
        always = [c.name for c in found if c.value == 1]
        parts = []
        if never:
            parts.append(f"{_names(never)} never {'occurs' if len(never) == 1 else 'occur'}")
        if always:
            verb = "occurs" if len(always) == 1 else "occur"
            parts.append(f"{_names(always)} {verb} in every example")
        prefix = f"{where}: " if where else ""
        warnings.warn(
            f"{prefix}{' and '.join(parts)} in the training data; nothing can be learned about "
            f"{'it' if len(found) == 1 else 'them'}, so a constant predictor is used (0 for a "
            "label that never occurs, 1 for one that always does). "
            "Check the split (a stratified split keeps rare labels on both sides) or drop the "
            "label.",
            ProblemSetupWarning,
            stacklevel=2,
        )
    return found


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return f"label{'s' if len(names) > 1 else ''} {shown}{more}"


#: Features are compared after rounding to this many decimals as well as exactly.
OVERLAP_DECIMALS = 9

#: Above this share of test rows found in training, the warning says the test is not a test of
#: generalisation.
OVERLAP_SEVERE = 0.5


@dataclass(frozen=True)
class OverlapReport:
    """Rows of the test set whose features (or text) also occur in the training set.

    A feature match alone is not leakage of the answer: a test row whose features equal a
    training row's but whose label set differs asks a question training answers differently, and
    a row with at most one non-zero feature (common in sparse binary data) equals some training
    row by chance. Leakage is a test row that repeats a training row's features AND label set.

    Attributes
    ----------
    n_overlap : int
        Test rows whose features equal a training row's (identically, or after rounding them to
        ``1e-9``), or (text data) whose text is identical to a training text.
    n_test : int
        Test rows.
    test_rows : ndarray of int
        Their indices in the test set, ascending.
    n_exact : int
        Of those, the rows whose features (or text) are identical; the others only match after
        rounding.
    n_same_labels : int or None
        Of those, the rows that also have the label set of a training row with the same features:
        exact duplicates of (features, labels). ``None`` when labels were not compared (feature
        matrices or texts without labels).
    n_few_features : int
        Of those, the rows with at most one non-zero feature, which match by chance.
    same_label_rows : ndarray of int
        The test rows counted in ``n_same_labels`` (empty when labels were not compared).
    """

    n_overlap: int
    n_test: int
    test_rows: np.ndarray
    n_exact: int = 0
    n_same_labels: int | None = None
    n_few_features: int = 0
    same_label_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    leak_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    @property
    def fraction(self) -> float:
        """Share of test rows whose features occur in training (0.0 for an empty test set)."""
        return self.n_overlap / self.n_test if self.n_test else 0.0

    @property
    def n_leak(self) -> int:
        """Test rows that look leaked: duplicates of a training row's features and labels (or of
        its features, when labels were not compared) with more than one non-zero feature."""
        return int(self.leak_rows.shape[0])

    @property
    def message(self) -> str:
        """What was found, in words: matches, duplicates with labels, and what that means."""
        n = self.n_overlap
        if n == 0:
            return f"none of the {self.n_test} test rows occurs in the training set."
        rounded = self.n_overlap - self.n_exact
        if self.n_same_labels is None:
            how = f"{self.n_exact} exact duplicate{'s' if self.n_exact != 1 else ''}"
        else:  # "duplicate" is kept for rows that repeat the labels too
            how = f"{self.n_exact} with identical features"
        if rounded:
            how += f", {rounded} more equal after rounding the features to 1e-{OVERLAP_DECIMALS}"
        text = (
            f"{n} of {self.n_test} test rows ({self.fraction:.1%}) also occur in the training set "
            f"({how}; first at test row {int(self.test_rows[0])})"
        )
        details = []
        if self.n_same_labels is not None:
            other = n - self.n_same_labels
            details.append(
                f"{self.n_same_labels} of them also have the same label set (exact duplicates "
                f"of features and labels); {other} ha{'s' if other == 1 else 've'} different "
                "labels, which is not leakage of the answer"
            )
        if self.n_few_features:
            details.append(
                f"{self.n_few_features} of them have at most one non-zero feature, so equal "
                "rows are expected by chance"
            )
        text += (": " + "; ".join(details) if details else "") + ". "
        leak, share = self.n_leak, (self.n_leak / self.n_test if self.n_test else 0.0)
        if leak == 0:
            return text + "No sign of leakage."
        counted = f"{leak} duplicate{'s' if leak != 1 else ''} ({share:.1%} of the test rows)"
        if share > OVERLAP_SEVERE:
            return text + (
                f"With {counted} the results are not a test of generalisation. Use a split whose "
                "test rows are not in training (remove duplicates before splitting, or split by "
                "group)."
            )
        return text + (
            f"With {counted} this is possible leakage: the test score will be optimistic on "
            "them. Remove duplicates before splitting, or split by group."
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain types, for JSON (with the first 20 overlapping test rows)."""
        return {
            "n_overlap": self.n_overlap,
            "n_exact": self.n_exact,
            "n_same_labels": self.n_same_labels,
            "n_few_features": self.n_few_features,
            "n_leak": self.n_leak,
            "n_test": self.n_test,
            "fraction": self.fraction,
            "first_test_rows": [int(i) for i in self.test_rows[:20]],
            "first_leak_rows": [int(i) for i in self.leak_rows[:20]],
        }


def _overlap_parts(data: Any, name: str) -> tuple[Any, list[str] | None]:
    """(features or None, texts or None) of a Dataset, a feature matrix or a list of texts."""
    from labelwise.data.dataset import Dataset

    if isinstance(data, Dataset):
        texts = None if data.texts is None else [str(t) for t in data.texts]
        X = data.X if data.X is not None and data.X.shape[1] > 0 else None  # no columns: no key
        if X is None and texts is None:
            raise ShapeError(f"{name} has neither features nor texts to compare.")
        return X, texts
    data = as_array(data)
    if sp.issparse(data):
        return data, None
    A = np.asarray(data)
    if A.ndim == 1 and A.size and all(isinstance(t, str) for t in A.tolist()):
        return None, [str(t) for t in A.tolist()]
    return A, None


def _member_keys(X: Any, name: str, decimals: int | None) -> tuple[list[Any], int]:
    """One hashable key per row: its float64 bytes (dense, after rounding to ``decimals``) or
    its sorted non-zero (column, value) pairs (sparse). -0.0 and 0.0 get the same key."""
    if sp.issparse(X):
        M = sp.csr_matrix(X, dtype=np.float64, copy=True)
        M.sum_duplicates()
        if decimals is not None:
            M.data = np.rint(M.data * 10.0**decimals)
        M.data += 0.0
        M.eliminate_zeros()  # values that round to 0 are 0, as in a dense row
        M.sort_indices()
        idx = M.indices.astype(np.int64)
        keys = [
            idx[a:b].tobytes() + b"|" + M.data[a:b].tobytes()
            for a, b in zip(M.indptr[:-1], M.indptr[1:], strict=True)
        ]
        return keys, M.shape[1]
    A = np.asarray(X)
    if A.ndim != 2:
        raise ShapeError(f"{name} must be 2-D (n_samples, n_features); got shape {A.shape}.")
    if A.dtype.kind not in "biuf":
        return [repr(tuple(row)).encode() for row in A.tolist()], A.shape[1]
    A = np.array(A, dtype=np.float64, order="C")  # a copy: rounded in place
    if decimals is not None:
        A *= 10.0**decimals
        np.rint(A, out=A)  # the row on the 1e-9 grid: equal iff equal after rounding
    A += 0.0
    if A.shape[1] == 0:
        return [b""] * A.shape[0], 0
    return A.view(np.dtype((np.void, 8 * A.shape[1]))).ravel().tolist(), A.shape[1]


def _rows_in(train_keys: list[Any], test_keys: list[Any]) -> np.ndarray:
    seen = set(train_keys)
    return np.fromiter((key in seen for key in test_keys), dtype=bool, count=len(test_keys))


def _overlap_labels(data: Any) -> list[Any] | None:
    """One hashable label set per row of a Dataset (sorted label names); None for the rest."""
    from labelwise.data.dataset import Dataset

    if not isinstance(data, Dataset) or data.Y is None:
        return None
    Y = sp.csr_matrix(data.Y)
    Y.eliminate_zeros()
    names = np.asarray([str(n) for n in data.label_names], dtype=object)
    return [
        tuple(sorted(names[Y.indices[a:b]].tolist()))
        for a, b in zip(Y.indptr[:-1], Y.indptr[1:], strict=True)
    ]


def _row_nonzeros(X: Any) -> np.ndarray:
    if sp.issparse(X):
        M = sp.csr_matrix(X)
        return np.diff(M.indptr) - np.bincount(
            np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))[M.data == 0], minlength=M.shape[0]
        )
    A = np.asarray(X)
    if A.dtype.kind not in "biuf":
        return np.full(A.shape[0], A.shape[1])
    return np.count_nonzero(A, axis=1)


def check_overlap(train: Any, test: Any, *, warn: bool = True, where: str = "") -> OverlapReport:
    """Find test rows that also occur in the training set, and say whether that is leakage.

    A test row occurs in training when its features are identical to a training row's (exact
    duplicate), or equal after rounding every feature to ``1e-9`` (a copy written with fewer
    digits), or, for text data, when its text is identical to a training text. Rows are hashed
    (dense rows by their float64 bytes, sparse rows by their non-zero columns and values) and
    looked up in a set, so the check is linear in the data size.

    Such a match is not by itself leakage of the answer. When both sets are Datasets with
    labels, the report counts separately the exact duplicates of (features, labels), whose
    answer the model has seen, from rows whose features match a training row with a different
    label set. Rows with at most one non-zero feature are counted apart too: in sparse binary
    data many rows hold a single word, and equal rows are expected by chance. Only the rest --
    duplicates with the same labels (or, without labels, feature matches) with more than one
    non-zero feature -- is reported as possible leakage (:attr:`OverlapReport.n_leak`).

    Parameters
    ----------
    train, test : Dataset, array-like or sparse matrix of shape (n, n_features), or list of str
        The two sets: datasets (their features, and their texts when both have texts; their
        labels are compared when both have them), feature matrices (dense and sparse can be
        mixed) or lists of texts.
    warn : bool, default=True
        Issue a :class:`~labelwise.errors.ProblemSetupWarning` with :attr:`OverlapReport.message`
        when some test rows look leaked; above 50% it says the results are not a test of
        generalisation.
    where : str, default=""
        The calling function or command, named at the start of the warning.

    Returns
    -------
    OverlapReport

    Raises
    ------
    ShapeError
        If the two sets have different numbers of features.

    Examples
    --------
    >>> r = check_overlap([[1, 1], [2, 3]], [[2, 3], [4, 5], [2.0, 3.0 + 1e-12]], warn=False)
    >>> r.n_overlap, r.n_exact, r.test_rows, r.n_leak
    (2, 1, array([0, 2]), 2)
    >>> check_overlap(["a b", "c"], ["c", "d"], warn=False).test_rows
    array([0])
    >>> from labelwise.data import Dataset
    >>> tr = Dataset(X=np.array([[1.0, 2], [0, 1]]), Y=np.array([[1, 0], [0, 1]]),
    ...              label_names=["a", "b"])
    >>> te = Dataset(X=np.array([[1.0, 2], [0, 1]]), Y=np.array([[0, 1], [0, 1]]),
    ...              label_names=["a", "b"])
    >>> r = check_overlap(tr, te, warn=False)
    >>> r.n_overlap, r.n_same_labels, r.n_few_features, r.n_leak
    (2, 1, 1, 0)
    """
    X_train, texts_train = _overlap_parts(train, "the training set")
    X_test, texts_test = _overlap_parts(test, "the test set")
    n_test = len(texts_test) if X_test is None else X_test.shape[0]
    exact = np.zeros(n_test, dtype=bool)
    found = np.zeros(n_test, dtype=bool)
    keys: tuple[list[Any], list[Any]] | None = None
    if texts_train is not None and texts_test is not None:
        exact |= _rows_in(texts_train, texts_test)
        keys = (texts_train, texts_test)
    if X_train is not None and X_test is not None:
        if sp.issparse(X_train) != sp.issparse(X_test):
            X_train, X_test = sp.csr_matrix(X_train), sp.csr_matrix(X_test)
        # rounded first: exact duplicates are among its hits, so a clean split needs one pass
        for decimals, hits in ((OVERLAP_DECIMALS, found), (None, exact)):
            train_keys, d_train = _member_keys(X_train, "X_train", decimals)
            test_keys, d_test = _member_keys(X_test, "X_test", decimals)
            if d_train != d_test:
                raise ShapeError(f"X_train has {d_train} features but X_test has {d_test}.")
            hits |= _rows_in(train_keys, test_keys)
            if decimals is not None:
                keys = (train_keys, test_keys)
            if not found.any():
                break
    elif (texts_train is None or texts_test is None) and n_test:
        raise ShapeError(
            "cannot compare the training and test sets: one has only features and the other "
            "only texts."
        )
    found |= exact
    rows = np.flatnonzero(found)
    few = np.zeros(n_test, dtype=bool)
    if X_test is not None and rows.size:
        few[rows] = _row_nonzeros(X_test)[rows] <= 1
    labels_train, labels_test = _overlap_labels(train), _overlap_labels(test)
    same: np.ndarray | None = None
    if labels_train is not None and labels_test is not None and keys is not None:
        sets: dict[Any, set] = {}
        for key, labels in zip(keys[0], labels_train, strict=True):
            sets.setdefault(key, set()).add(labels)
        same = np.zeros(n_test, dtype=bool)
        for i in rows:
            same[i] = labels_test[i] in sets.get(keys[1][i], ())
    leak = (found if same is None else same) & ~few
    report = OverlapReport(
        int(rows.size),
        n_test,
        rows,
        int(exact.sum()),
        None if same is None else int(same.sum()),
        int(few.sum()),
        np.zeros(0, dtype=np.intp) if same is None else np.flatnonzero(same),
        np.flatnonzero(leak),
    )
    if warn and report.n_leak:
        prefix = f"{where}: " if where else ""
        warnings.warn(prefix + report.message, ProblemSetupWarning, stacklevel=2)
    return report
