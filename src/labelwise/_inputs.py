"""Two questions every entry point asks of user input, answered once at the ground floor.

* :func:`is_text_input`: is ``X`` raw texts (one string per example) rather than features?
* :func:`align_label_names`: label lists as a 0/1 matrix in a model's label order, with the labels
  the model never saw (it can never predict them) dropped with one warning that names them,
  refused, or dropped silently.

Only NumPy and :mod:`labelwise.errors` are used here, so every floor above may import it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from labelwise.errors import ProblemSetupWarning, UnknownLabelError

__all__ = ["UNKNOWN_LABELS", "align_label_names", "is_text_input"]

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
