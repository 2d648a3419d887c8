"""The one gate for raw texts: a sequence of strings, each row checked, problems named by row."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from labelwise.data.targets import as_array
from labelwise.errors import DataValueError, ProblemSetupWarning

__all__ = ["check_texts"]

_SHOWN = 5  # rows named in a message before "..."


def _rows(rows: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in rows[:_SHOWN])
    return shown + (f", ... ({len(rows)} rows)" if len(rows) > _SHOWN else "")


def check_texts(X: Any, *, who: str, fit: bool = False) -> list[str]:
    """Validate raw texts and return them as a list of ``str``.

    Parameters
    ----------
    X : sequence of str
        One text per example: a list, tuple, 1-D array, pandas Series, or a one-column table.
    who : str
        The estimator or function, named in messages.
    fit : bool, default=False
        At fit time every text being empty is an error (there is nothing to learn from).

    Returns
    -------
    list of str

    Raises
    ------
    DataValueError
        When ``X`` is one string instead of a sequence, when a row is not a string (the row and
        its type are named), or when every training text is empty.

    Warns
    -----
    ProblemSetupWarning
        When some texts are empty or only whitespace (their rows are named): they carry no
        words, so their scores come from the model's intercepts alone.

    Examples
    --------
    >>> check_texts(("Java engineer", "Nurse"), who="demo")
    ['Java engineer', 'Nurse']
    >>> check_texts(["ok", 3.5], who="demo")
    Traceback (most recent call last):
    ...
    labelwise.errors.DataValueError: demo: texts must be strings; row 1 is float (3.5). ...
    """
    if isinstance(X, (str, bytes)):
        raise DataValueError(
            f"{who}: X is a single string; pass a list of texts, one per example "
            f"(e.g. [{X[:30]!r}])."
        )
    X = as_array(X)
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]
    if isinstance(X, np.ndarray) and X.ndim != 1:
        raise DataValueError(
            f"{who}: texts must be a 1-D sequence of strings; got an array of shape {X.shape}."
        )
    try:
        texts = list(X)
    except TypeError:
        raise DataValueError(
            f"{who}: texts must be a sequence of strings; got {type(X).__name__}."
        ) from None
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            if isinstance(t, np.str_):
                continue
            missing = " (a missing value: fill it with '' or drop the row)" if _missing(t) else ""
            raise DataValueError(
                f"{who}: texts must be strings; row {i} is {type(t).__name__} ({t!r}){missing}. "
                "Convert the column to text first, e.g. [str(t) for t in texts]."
            )
    texts = [str(t) for t in texts]
    if fit and not texts:
        raise DataValueError(f"{who}: no texts to fit on (X is empty).")
    empty = [i for i, t in enumerate(texts) if not t.strip()]
    if empty and fit and len(empty) == len(texts):
        raise DataValueError(
            f"{who}: all {len(texts)} training texts are empty or whitespace; there is nothing "
            "to learn from. Check that the text column was read (labelwise.read(..., text=...))."
        )
    if empty:
        warnings.warn(
            f"{who}: {len(empty)} of {len(texts)} texts are empty or whitespace (row "
            f"{_rows(empty)}); they carry no words, so their scores come from the model's "
            "intercepts alone.",
            ProblemSetupWarning,
            stacklevel=3,
        )
    return texts


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except (TypeError, ValueError):
        return False
