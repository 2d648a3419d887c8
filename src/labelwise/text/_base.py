"""What every text classifier shares: raw strings in, label names or a 0/1 matrix out.

A text classifier is fitted on texts and either lists of label names or a 0/1 indicator matrix.
``predict_proba`` gives the (n_samples, n_labels) scores; ``predict`` is
``rule.predict(predict_proba(X))`` (``decision_rule``, tuned in ``fit`` into ``rule_`` when it
learns or is None), returned in the form the targets came in (label lists
for label lists, an indicator matrix otherwise); ``predict_labels`` always gives names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from labelwise._inputs import UNKNOWN_LABELS, align_label_names
from labelwise._warnings import column_label_names, naming_labels
from labelwise.data.label_space import LabelSpace
from labelwise.data.targets import _is_label_lists, as_array, check_targets
from labelwise.errors import ShapeError, TargetError
from labelwise.models._base import decided_rule, fit_context
from labelwise.text._texts import check_texts

__all__ = ["TextClassifierMixin"]

UNKNOWN = UNKNOWN_LABELS


class TextClassifierMixin(ClassifierMixin, BaseEstimator):
    """Base of the text estimators: target handling, decisions and label names.

    Subclasses implement ``_fit(texts, Y)`` (``Y`` a dense int8 (n, L) matrix) and
    ``_scores(texts)`` returning (n, L) probabilities, and have a ``decision_rule`` parameter.
    """

    decision_rule: Any

    # ------------------------------------------------------------------ fit / scores

    @fit_context
    def fit(self, X: Any, y: Any) -> TextClassifierMixin:
        """Fit on raw texts and their labels.

        Parameters
        ----------
        X : sequence of str
            One text per example (a list, 1-D array, pandas Series, ``Dataset.texts``).
        y : list of lists of label names, or array-like / sparse matrix (n_samples, n_labels)
            The labels of each text by name, or a 0/1 indicator matrix (``Dataset.Y``).

        Returns
        -------
        self
        """
        who = type(self).__name__
        texts = check_texts(X, who=who, fit=True)
        Y = self._fit_targets(y, len(texts))
        # the models inside see a bare 0/1 matrix: their warnings name the labels as y did
        with naming_labels(column_label_names(list(self.classes_), Y.shape[1]) or []):
            self._fit(texts, Y)
        return self

    def _fit_targets(self, y: Any, n: int) -> np.ndarray:
        who = type(self).__name__
        if y is None:
            raise TargetError(
                f"{who} requires y: the labels of each text (lists of names, e.g. "
                "[['IT', 'UK'], ['Health']]) or a 0/1 (n_samples, n_labels) matrix."
            )
        given, y = y, as_array(y)
        n_y = y.shape[0] if hasattr(y, "shape") else len(y)
        if n_y != n:
            raise ShapeError(f"{who}: {n} texts but {n_y} rows of labels; give one per text.")
        if not sp.issparse(y) and not _is_label_lists(y):
            arr = np.asarray(y, dtype=object) if isinstance(y, list) else np.asarray(y)
            if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1):
                raise TargetError(
                    f"{who}: y is one label per text (a 1-D vector); text classifiers here are "
                    "multi-label. Pass label lists instead, e.g. [[label] for label in y], or a "
                    "0/1 indicator matrix."
                )
        targets = check_targets(given, name="y")  # as given: a DataFrame's columns name labels
        Y = targets.Y.toarray() if sp.issparse(targets.Y) else np.asarray(targets.Y)
        Y = np.ascontiguousarray(Y, dtype=np.int8)
        if targets.form == "label-lists":
            self.label_space_ = LabelSpace(targets.classes)
            self.target_form_ = "label-lists"
        else:
            self.label_space_ = LabelSpace(str(c) for c in targets.classes)
            self.target_form_ = "indicator"
        self.classes_ = np.asarray(targets.classes)
        if not Y.any():
            raise TargetError(
                f"{who}: no text has any label, so there is nothing to learn; check the label "
                "column."
            )
        return Y

    def predict_proba(self, X: Any) -> np.ndarray:
        """Scores of each label for each text.

        Parameters
        ----------
        X : sequence of str

        Returns
        -------
        ndarray of shape (n_samples, n_labels)
            Column ``j`` is label ``classes_[j]``.
        """
        check_is_fitted(self, "classes_")
        return self._scores(check_texts(X, who=type(self).__name__))

    def _decides_label_sets(self) -> bool:
        """Text classifiers decide label sets: ``decision_rule=None`` is tuned in ``fit``."""
        return True

    def predict(self, X: Any) -> Any:
        """Label sets decided by the tuned ``rule_``, else ``decision_rule`` (None and untuned,
        e.g. on fewer than 20 texts: ``FixedThreshold(0.5)``).

        Returns
        -------
        list of lists of str, or ndarray of int8 of shape (n_samples, n_labels)
            Label lists when fitted on label lists, else a 0/1 matrix.
        """
        check_is_fitted(self, "classes_")  # before _decide, which subclasses override
        P = self._decide(X)
        return self.label_space_.decode(P) if self.target_form_ == "label-lists" else P

    def predict_labels(self, X: Any) -> list[list[Any]]:
        """Label sets as lists of names (or column numbers when fitted on a 0/1 matrix)."""
        check_is_fitted(self, "classes_")
        P = self._decide(X)
        classes = self.classes_.tolist()
        return [[classes[j] for j in np.flatnonzero(row)] for row in P]

    def _decide(self, X: Any) -> np.ndarray:
        return np.asarray(decided_rule(self).predict(self.predict_proba(X)))

    # ------------------------------------------------------------------ evaluation targets

    def binarize_labels(self, y: Any, *, unknown: str = "warn") -> np.ndarray:
        """Labels to evaluate against, as a 0/1 matrix in this model's column order.

        Parameters
        ----------
        y : list of lists of label names, or 0/1 matrix (n_samples, n_labels)
        unknown : {"warn", "error", "ignore"}, default="warn"
            A label the model never saw in training (it can never predict it): drop it with a
            warning naming it, raise :class:`~labelwise.errors.UnknownLabelError`, or drop it
            silently.

        Returns
        -------
        ndarray of int8 of shape (n_samples, n_labels)
        """
        check_is_fitted(self, "classes_")
        who = type(self).__name__
        if unknown not in UNKNOWN:
            raise ValueError(f"{who}: unknown must be one of {UNKNOWN}; got {unknown!r}.")
        y = as_array(y)
        if sp.issparse(y) or not _is_label_lists(y):
            Y = check_targets(y, name="y").Y
            Y = Y.toarray() if sp.issparse(Y) else np.asarray(Y)
            if Y.ndim != 2 or Y.shape[1] != len(self.classes_):
                raise ShapeError(
                    f"{who}: y has {Y.shape[1] if Y.ndim == 2 else 1} label columns but the "
                    f"model was fitted on {len(self.classes_)}."
                )
            return Y.astype(np.int8)
        return align_label_names(y, self.label_space_.names, who=who, unknown=unknown)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Subset accuracy (exact label-set match) of ``predict(X)`` against ``y``.

        ``y`` may be label lists; labels never seen in training are dropped with a warning.
        """
        from labelwise.metrics import subset_accuracy

        return float(
            subset_accuracy(self.binarize_labels(y), self._decide(X), sample_weight=sample_weight)
        )

    # ------------------------------------------------------------------ subclass hooks

    def _fit(self, texts: list[str], Y: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scores(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags
