"""Dataset: features, a label matrix and the names that go with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from labelwise.data.hierarchy import Hierarchy
from labelwise.data.label_space import LabelSpace
from labelwise.errors import ShapeError

__all__ = ["Dataset"]


@dataclass
class Dataset:
    """A labelled dataset in labelwise's one in-memory form.

    Parameters
    ----------
    X : ndarray or scipy.sparse.csr_matrix of shape (n_samples, n_features), or None
        Features; ``None`` for a text-only dataset.
    Y : ndarray or scipy.sparse.csr_matrix of shape (n_samples, n_labels)
        0/1 label matrix; column ``j`` is ``label_names[j]``. Rows with no labels are valid.
    label_names : sequence of str
        One name per column of ``Y``.
    feature_names : sequence of str, optional
        One name per column of ``X``.
    texts : sequence of str, optional
        Raw text per example, for text datasets.
    hierarchy : Hierarchy, optional
        Parent-child relations between labels.
    name : str, optional
        A short name, e.g. ``"emotions"``.

    Examples
    --------
    >>> import numpy as np
    >>> ds = Dataset(X=np.zeros((2, 3)), Y=np.array([[1, 0], [0, 0]]), label_names=["a", "b"])
    >>> ds.n_samples, ds.n_features, ds.n_labels
    (2, 3, 2)
    >>> ds.label_lists()
    [['a'], []]
    """

    X: np.ndarray | sp.csr_matrix | None
    Y: np.ndarray | sp.csr_matrix
    label_names: Sequence[str]
    feature_names: Sequence[str] | None = None
    texts: Sequence[str] | None = None
    hierarchy: Hierarchy | None = None
    name: str | None = None
    label_space: LabelSpace = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.label_space = LabelSpace(self.label_names)
        self.label_names = list(self.label_space.names)
        if self.Y.ndim != 2:
            raise ShapeError(f"Y must be 2-D (n_samples, n_labels); got shape {self.Y.shape}.")
        if self.Y.shape[1] != len(self.label_space):
            raise ShapeError(
                f"Y has {self.Y.shape[1]} columns but "
                f"{len(self.label_space)} label names were given."
            )
        n = self.Y.shape[0]
        if self.X is not None and self.X.shape[0] != n:
            raise ShapeError(f"X has {self.X.shape[0]} rows but Y has {n}.")
        if self.texts is not None and len(self.texts) != n:
            raise ShapeError(f"{len(self.texts)} texts were given for {n} examples.")
        if self.feature_names is not None:
            self.feature_names = list(self.feature_names)
            if self.X is not None and len(self.feature_names) != self.X.shape[1]:
                raise ShapeError(
                    f"{len(self.feature_names)} feature names were given for "
                    f"{self.X.shape[1]} feature columns."
                )

    @property
    def n_samples(self) -> int:
        return int(self.Y.shape[0])

    @property
    def n_labels(self) -> int:
        return int(self.Y.shape[1])

    @property
    def n_features(self) -> int:
        return 0 if self.X is None else int(self.X.shape[1])

    def __len__(self) -> int:
        return self.n_samples

    def Y_dense(self) -> np.ndarray:
        """``Y`` as a dense ``int8`` array."""
        Y = self.Y.toarray() if sp.issparse(self.Y) else np.asarray(self.Y)
        return Y.astype(np.int8, copy=False)

    def label_lists(self) -> list[list[str]]:
        """The labels of each example, by name."""
        return self.label_space.decode(self.Y)

    def subset(self, rows: Sequence[int] | np.ndarray) -> Dataset:
        """The examples at ``rows`` (indices or a boolean mask), as a new Dataset."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        return replace(
            self,
            X=None if self.X is None else self.X[rows],
            Y=self.Y[rows],
            texts=None if self.texts is None else [self.texts[i] for i in rows],
        )

    def __repr__(self) -> str:
        kind = "sparse" if sp.issparse(self.X) else "dense"
        name = f"{self.name!r}, " if self.name else ""
        return (
            f"Dataset({name}{self.n_samples} examples, {self.n_features} {kind} features, "
            f"{self.n_labels} labels{', texts' if self.texts is not None else ''})"
        )
