"""Two questions every entry point asks of user input, answered once at the ground floor.

* :func:`is_text_input`: is ``X`` raw texts (one string per example) rather than features?
  :func:`is_text_dataset` asks the same of a dataset: texts and no feature columns.
* :func:`align_label_names`: label lists as a 0/1 matrix in a model's label order, with the labels
  the model never saw (it can never predict them) dropped with one warning that names them,
  refused, or dropped silently.
* :func:`decided_matrix`: whatever a model's ``predict`` returned (a 0/1 matrix, label lists, one
  class per example) as a 0/1 matrix over its label names: what the CLI and the server show.

Only NumPy and :mod:`labelwise.errors` are used here, so every floor above may import it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from labelwise.errors import ProblemSetupWarning, ShapeError, UnknownLabelError

__all__ = [
    "UNKNOWN_LABELS",
    "align_label_names",
    "decided_matrix",
    "is_text_dataset",
    "is_text_input",
]

UNKNOWN_LABELS = ("warn", "error", "ignore")
_LISTED = 8  # unseen labels named in a message


def is_text_input(X: Any) -> bool:
    """Whether ``X`` is raw texts: a non-empty 1-D sequence whose every element is a string.

    A list, tuple, 1-D NumPy array or pandas Series of ``str`` is text; one string alone, a 2-D
    table, a sparse matrix, numbers, or an empty sequence is not. Every element is looked at
    (a text column with one number in it is not text), in one pass.

    Examples
    --------
    >>> is_text_input(["Java engineer", "Nurse"]), is_text_input(np.array(["a", "b"]))
    (True, True)
    >>> is_text_input("one string"), is_text_input([]), is_text_input([[0.5, 1.0]])
    (False, False, False)
    >>> is_text_input(["a", 3.0]), is_text_input(np.zeros((2, 3)))
    (False, False)
    """
    if isinstance(X, (str, bytes)):
        return False
    if hasattr(X, "to_numpy") and getattr(X, "ndim", 1) == 1:  # a pandas Series
        X = X.to_numpy()
    if isinstance(X, np.ndarray):
        if X.ndim != 1 or X.size == 0 or X.dtype.kind not in "OU":
            return False
        return X.dtype.kind == "U" or all(isinstance(x, str) for x in X.tolist())
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and all(isinstance(x, str) for x in X)
    return False


def is_text_dataset(data: Any) -> bool:
    """Whether a dataset is raw text to learn from: texts and no feature columns.

    Examples
    --------
    >>> from labelwise.datasets import load
    >>> is_text_dataset(load("reuters", split="test")), is_text_dataset(load("emotions"))
    (True, False)
    """
    return data.texts is not None and data.n_features == 0


def align_label_names(
    rows: Iterable[Iterable[Any]],
    known: Sequence[Any],
    *,
    who: str,
    unknown: str = "warn",
    left_out_of: str = "this evaluation",
    stacklevel: int = 2,
) -> np.ndarray:
    """Label lists as an int8 0/1 matrix with one column per label of ``known``, in its order.

    Names are compared as strings (``LabelSpace``'s rule). A name not in ``known`` can never be
    predicted by a model that knows ``known``; what happens to it follows ``unknown``.

    Parameters
    ----------
    rows : iterable of iterables
        The label names of each example.
    known : sequence
        The model's label names, in column order.
    who : str
        The estimator or function, named in messages.
    unknown : {"warn", "error", "ignore"}, default="warn"
        Drop unseen labels with one :class:`~labelwise.errors.ProblemSetupWarning` naming them
        and how many rows have each; raise :class:`~labelwise.errors.UnknownLabelError` at the
        first one (naming its row); or drop them silently.
    left_out_of : str, default="this evaluation"
        What the unseen labels are left out of, said in the warning.
    stacklevel : int, default=2
        Of the warning, as the caller's own ``warnings.warn`` would count it (1: the caller).

    Returns
    -------
    ndarray of int8 of shape (n_rows, len(known))

    Raises
    ------
    ValueError
        ``unknown`` is not one of the three options.
    UnknownLabelError
        With ``unknown="error"``, at the first unseen label.

    Examples
    --------
    >>> align_label_names([["b"], ["a", "b"]], ["a", "b"], who="demo").tolist()
    [[0, 1], [1, 1]]
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     Y = align_label_names([["a", "new"], ["new"]], ["a", "b"], who="demo")
    >>> Y.tolist(), str(caught[0].message)
    ([[1, 0], [0, 0]], "demo: 1 label(s) never seen in training: 'new' (2 rows). The model cannot \
predict them; they are left out of this evaluation.")
    """
    if unknown not in UNKNOWN_LABELS:
        raise ValueError(f"{who}: unknown must be one of {UNKNOWN_LABELS}; got {unknown!r}.")
    names = [str(n) for n in known]
    index = {name: j for j, name in enumerate(names)}
    rows = [list(r) for r in rows]
    Y = np.zeros((len(rows), len(names)), dtype=np.int8)
    unseen: dict[str, int] = {}
    for i, row in enumerate(rows):
        for name in row:
            j = index.get(str(name))
            if j is not None:
                Y[i, j] = 1
            elif unknown == "error":
                raise UnknownLabelError(
                    f"{who}: row {i} has the label {str(name)!r}, which the model never "
                    f"saw in training (it knows {len(names)} labels: "
                    f"{', '.join(names[:_LISTED])}{', ...' if len(names) > _LISTED else ''})."
                )
            else:
                unseen[str(name)] = unseen.get(str(name), 0) + 1
    if unseen and unknown == "warn":
        listed = ", ".join(f"{k!r} ({v} rows)" for k, v in list(unseen.items())[:_LISTED])
        warnings.warn(
            f"{who}: {len(unseen)} label(s) never seen in training: {listed}. The model "
            f"cannot predict them; they are left out of {left_out_of}.",
            ProblemSetupWarning,
            stacklevel=stacklevel + 1,
        )
    return Y


def decided_matrix(P: Any, label_names: Sequence[Any], *, who: str = "predict") -> Any:
    """A model's ``predict`` output as a 0/1 matrix with one column per label name.

    A 0/1 matrix (dense, or sparse: returned as CSR) is taken as it is; label lists (a text
    model's, any number per example) and one class per example (a multi-class model's) are put
    in the columns of ``label_names`` (compared as strings).

    Parameters
    ----------
    P : array-like, sparse matrix or list of label lists
        What ``predict`` returned.
    label_names : sequence
        The model's score columns, in order.
    who : str, default="predict"
        Named in the error message.

    Returns
    -------
    ndarray of shape (n_samples, n_labels) or scipy.sparse.csr_matrix

    Raises
    ------
    ShapeError
        A predicted label that is none of ``label_names`` (a model that does not match its names).

    Examples
    --------
    >>> decided_matrix([["b"], [], ["a", "b"]], ["a", "b"]).tolist()
    [[0, 1], [0, 0], [1, 1]]
    >>> decided_matrix(np.array(["cat", "dog"]), ["cat", "dog"]).tolist()
    [[1, 0], [0, 1]]
    >>> decided_matrix(np.array([[0, 1]]), ["a", "b"]).tolist()
    [[0, 1]]
    """
    if hasattr(P, "tocsr"):
        return P.tocsr()
    if isinstance(P, np.ndarray) and P.ndim == 2 and P.dtype.kind in "biuf":
        return P
    names = [str(n) for n in label_names]
    index = {name: j for j, name in enumerate(names)}
    rows = list(P)
    Y = np.zeros((len(rows), len(names)), dtype=np.int8)
    for i, row in enumerate(rows):
        for label in row if isinstance(row, (list, tuple, np.ndarray)) else [row]:
            j = index.get(str(label))
            if j is None:
                raise ShapeError(
                    f"{who}: row {i} was given the label {str(label)!r}, which is not one of the "
                    f"model's {len(names)} label names; the model does not match its names."
                )
            Y[i, j] = 1
    return Y
