"""The served model: a loaded model file, its self-check, and predictions as label lists.

The server works on one label list per instance (column indices into the model's label names),
never on a rectangular array of decisions: a text model's ``predict`` returns label lists whose
lengths differ from instance to instance, a multi-class model one class per row, a feature model
a 0/1 matrix. Scores come from ``predict_proba``, label sets from the model's own ``predict``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from labelwise.errors import ModelFileError

__all__ = ["ServedModel"]

_SELF_CHECK_TEXT = "labelwise self-check"


class ServedModel:
    """A loaded model file and what the server needs to know about it.

    The model is loaded with the safe loader and then asked for one prediction (a row of zeros
    for a feature model, a short text for a text model); a model that cannot answer it is refused
    here, so a server never starts, and ``/health`` never says ok, for a model that cannot
    predict.

    Parameters
    ----------
    path : str or path-like
        A labelwise model file.
    trusted : list of str, optional
        Extra types to trust, as in :func:`labelwise.persist.load`.

    Raises
    ------
    ModelFileError
        The path is missing, is not a loadable model file, or its model fails the self-check.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from labelwise.models import BinaryRelevance
    >>> from labelwise.persist import save
    >>> X, Y = np.array([[0.0, 1], [1, 0]] * 4), np.array([[0, 1], [1, 0]] * 4)
    >>> path = os.path.join(tempfile.mkdtemp(), "m.lw")
    >>> save(BinaryRelevance().fit(X, Y), path, metadata={"label_names": ["a", "b"]})
    >>> served = ServedModel(path)
    >>> S, decided = served.predict(np.array([[0.0, 1.0]]))
    >>> [[served.label_names[j] for j in cols] for cols in decided]
    [['b']]
    """

    def __init__(self, path: str | os.PathLike, trusted: list[str] | None = None) -> None:
        from labelwise.persist import load, load_metadata

        self.path = Path(path)
        if not self.path.is_file():
            raise ModelFileError(f"{self.path}: no such model file.")
        self.metadata: dict[str, Any] = load_metadata(self.path)
        self.model = load(self.path, trusted=trusted)
        names = self.metadata.get("label_names") or list(getattr(self.model, "classes_", []))
        self.label_names = [str(n) for n in names]
        # predict answers in the model's own label values (classes_), which may differ from the
        # names the file records (a multi-class model over 0..C-1 named by metadata)
        classes = list(getattr(self.model, "classes_", []))
        values = classes if len(classes) == len(self.label_names) else self.label_names
        self._values = [str(value) for value in values]  # predict's answer per column
        self.input = "text" if self.metadata.get("input") == "text" else "features"
        n = self.metadata.get("n_features") or getattr(self.model, "n_features_in_", None)
        self.n_features = None if self.input == "text" or n is None else int(n)
        self._self_check()

    def _self_check(self) -> None:
        if self.input == "text":
            probe: Any = [_SELF_CHECK_TEXT]
        elif self.n_features is not None:
            probe = np.zeros((1, self.n_features))
        else:
            raise ModelFileError(
                f"{self.path}: the model file records no feature count (n_features), so the "
                "server cannot check requests against it; save the model again with labelwise."
            )
        try:
            self.predict(probe)
        except Exception as err:  # any failure here is the model file's, reported as such
            what = "a short text" if self.input == "text" else "a row of zeros"
            raise ModelFileError(
                f"{self.path}: the model fails to predict {what} ({type(err).__name__}: "
                f"{err}); refusing to serve it."
            ) from None

    def decision_rule(self) -> dict[str, Any]:
        """The rule that decides label sets: the model file's record of it, and its repr."""
        recorded = self.metadata.get("decision_rule") or {}
        rule = getattr(self.model, "rule_", None) or getattr(self.model, "decision_rule", None)
        if rule is None and not recorded:
            shown = "the model's own predict"
        else:
            shown = repr(rule) if rule is not None else recorded.get("class", "")
        return {**recorded, "description": shown}

    def predict(self, X: Any) -> tuple[np.ndarray, list[list[int]]]:
        """Scores and, per instance, the columns of the labels the model's ``predict`` chose.

        Parameters
        ----------
        X : array of shape (n, n_features) or list of str
            Validated inputs.

        Returns
        -------
        S : ndarray of shape (n, n_labels)
            ``predict_proba``'s scores.
        decided : list of list of int
            For each instance, the score columns of its predicted labels (any number per
            instance).

        Raises
        ------
        RuntimeError
            The model's answer does not match its label names (a fault of the model file).
        """
        S = np.asarray(self.model.predict_proba(X), dtype=np.float64)
        n = len(X)
        if S.shape != (n, len(self.label_names)):
            raise RuntimeError(
                f"predict_proba returned shape {S.shape} for {n} instances and "
                f"{len(self.label_names)} label names."
            )
        return S, self._columns(self.model.predict(X), n)

    def _columns(self, P: Any, n: int) -> list[list[int]]:
        """One list of score columns per instance, from whatever form ``predict`` returned."""
        from labelwise._inputs import decided_matrix
        from labelwise.errors import ShapeError

        try:
            M = decided_matrix(P, self._values)
        except ShapeError as err:
            raise RuntimeError(str(err)) from None
        if M.shape[0] != n:
            raise RuntimeError(f"predict returned {M.shape[0]} answers for {n} instances.")
        if hasattr(M, "indptr"):
            return [M.indices[M.indptr[i] : M.indptr[i + 1]].tolist() for i in range(n)]
        return [np.flatnonzero(row).tolist() for row in M]
