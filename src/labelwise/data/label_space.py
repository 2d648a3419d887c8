"""LabelSpace: the ordered set of label names, mapping names to columns and back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from labelwise.errors import ShapeError, TargetError, UnknownLabelError

__all__ = ["LabelSpace"]


class LabelSpace:
    """An ordered, duplicate-free set of label names.

    Column ``j`` of a label matrix ``Y`` is the label ``names[j]``.

    Parameters
    ----------
    names : sequence of str
        Label names in column order. Duplicates are an error.

    Examples
    --------
    >>> space = LabelSpace(["sports", "politics", "tech"])
    >>> space.binarize([["tech"], [], ["sports", "politics"]])
    array([[0, 0, 1],
           [0, 0, 0],
           [1, 1, 0]], dtype=int8)
    >>> space.decode([[1, 0, 1]])
    [['sports', 'tech']]
    """

    def __init__(self, names: Iterable[object]) -> None:
        names = tuple(str(n) for n in names)
        seen: dict[str, int] = {}
        for j, name in enumerate(names):
            if name in seen:
                raise TargetError(
                    f"duplicate label name {name!r} at positions {seen[name]} and {j}; "
                    "label names must be unique."
                )
            seen[name] = j
        self._names = names
        self._index = seen

    @classmethod
    def from_label_lists(cls, label_lists: Iterable[Iterable[object]]) -> LabelSpace:
        """Build a label space from the labels seen in lists of names, sorted.

        Examples
        --------
        >>> LabelSpace.from_label_lists([["b"], ["a", "b"], []]).names
        ('a', 'b')
        """
        seen = set()
        for row in label_lists:
            seen.update(str(x) for x in row)
        return cls(sorted(seen))

    @property
    def names(self) -> tuple[str, ...]:
        """Label names in column order."""
        return self._names

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __contains__(self, name: object) -> bool:
        return str(name) in self._index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LabelSpace) and self._names == other._names

    def __hash__(self) -> int:
        return hash(self._names)

    def __repr__(self) -> str:
        shown = ", ".join(repr(n) for n in self._names[:6])
        more = f", ... ({len(self)} labels)" if len(self) > 6 else ""
        return f"LabelSpace([{shown}{more}])"

    def index(self, name: object) -> int:
        """Column of a label name.

        Raises
        ------
        UnknownLabelError
            If the name is not in the label space.
        """
        try:
            return self._index[str(name)]
        except KeyError:
            raise UnknownLabelError(
                f"unknown label {str(name)!r}; the label space has {len(self)} labels "
                f"({', '.join(self._names[:10])}{', ...' if len(self) > 10 else ''}). "
                "Pass unknown='ignore' to drop unknown labels."
            ) from None

    def indices(self, names: Iterable[object]) -> np.ndarray:
        """Columns of several label names, as an int array."""
        return np.array([self.index(n) for n in names], dtype=np.intp)

    def binarize(
        self,
        label_lists: Iterable[Iterable[object]],
        *,
        unknown: str = "error",
        sparse: bool = False,
    ) -> np.ndarray | sp.csr_matrix:
        """Turn lists of label names into a 0/1 matrix with one column per label.

        Parameters
        ----------
        label_lists : iterable of iterables of str
            One list of label names per example; an empty list is an example with no labels.
        unknown : {"error", "ignore"}, default="error"
            What to do with a name that is not in the label space.
        sparse : bool, default=False
            Return a CSR matrix instead of a dense ``int8`` array.

        Returns
        -------
        Y : ndarray of shape (n_samples, n_labels) or scipy.sparse.csr_matrix
        """
        if unknown not in ("error", "ignore"):
            raise ValueError(f"unknown must be 'error' or 'ignore'; got {unknown!r}.")
        indptr = [0]
        indices: list[int] = []
        for i, row in enumerate(label_lists):
            if isinstance(row, (str, bytes)):
                raise TargetError(
                    f"row {i} is the string {row!r}, not a list of labels; wrap it in a list."
                )
            cols = set()
            for name in row:
                j = self._index.get(str(name))
                if j is None:
                    if unknown == "error":
                        raise UnknownLabelError(f"row {i}: " + str(self._unknown_message(name)))
                    continue
                cols.add(j)
            indices.extend(sorted(cols))
            indptr.append(len(indices))
        n = len(indptr) - 1
        data = np.ones(len(indices), dtype=np.int8)
        Y = sp.csr_matrix(
            (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
            shape=(n, len(self)),
        )
        return Y if sparse else Y.toarray()

    def _unknown_message(self, name: object) -> str:
        try:
            self.index(name)
        except UnknownLabelError as err:
            return str(err)
        return ""

    def decode(self, Y: np.ndarray | sp.spmatrix | Sequence[Sequence[int]]) -> list[list[str]]:
        """Turn a 0/1 matrix back into lists of label names.

        Parameters
        ----------
        Y : array-like or sparse matrix of shape (n_samples, n_labels)

        Returns
        -------
        list of list of str
        """
        if sp.issparse(Y):
            Y = sp.csr_matrix(Y)
            if Y.shape[1] != len(self):
                raise ShapeError(f"Y has {Y.shape[1]} columns but the label space has {len(self)}.")
            Y.eliminate_zeros()
            return [
                [self._names[j] for j in Y.indices[Y.indptr[i] : Y.indptr[i + 1]]]
                for i in range(Y.shape[0])
            ]
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[1] != len(self):
            raise ShapeError(
                f"Y has shape {Y.shape}; expected (n_samples, {len(self)}) for this label space."
            )
        return [[self._names[j] for j in np.flatnonzero(row)] for row in Y]
