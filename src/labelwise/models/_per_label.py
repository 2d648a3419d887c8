"""Warnings of one-fit-per-label reductions, reported once per fit instead of once per label.

A reduction that fits one base model per label (binary relevance, the links of a chain, the
members of RAkEL) would repeat a base model's warning for every label it hits: 983 copies of
the same ``ConvergenceWarning`` for 983 labels. Each per-label fit runs under
:func:`fit_recording_warnings`, which catches its warnings and returns them with the model (so
they survive a joblib worker process, where warnings are otherwise lost), and
:func:`warn_once_per_fit` re-issues each distinct (category, message) once, saying how many
labels it hit and naming the first few.

Python's warning state is global, so catching is only safe on a process's main thread; a fit in
another thread (joblib's threading backend) is caught around the whole parallel call instead,
where its warnings are counted but cannot be told apart by label.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = [
    "PerLabelWarnings",
    "call_recording_warnings",
    "fit_recording_warnings",
    "warn_once_per_fit",
]

Record = tuple[type[Warning], str]

SHOWN_NAMES = 5


def _safe_to_catch() -> bool:
    return threading.current_thread() is threading.main_thread()


def call_recording_warnings(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[Record]]:
    """``fn(*args, **kwargs)`` and the warnings it issued (none are caught off the main thread).

    Examples
    --------
    >>> import warnings
    >>> call_recording_warnings(warnings.warn, "careful")
    (None, [(<class 'UserWarning'>, 'careful')])
    """
    if not _safe_to_catch():
        return fn(*args, **kwargs), []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [(w.category, str(w.message)) for w in caught]


def fit_recording_warnings(
    estimator: Any, X: Any, y: Any, **fit_params: Any
) -> tuple[Any, list[Record]]:
    """Fit ``estimator`` and return it with the warnings its fit issued.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> model, caught = fit_recording_warnings(
    ...     LogisticRegression(max_iter=1), [[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1]
    ... )
    >>> [c.__name__ for c, _ in caught]
    ['ConvergenceWarning']
    """
    return call_recording_warnings(estimator.fit, X, y, **fit_params)


class PerLabelWarnings:
    """The warnings of one fit's per-label fits, by label; see :func:`warn_once_per_fit`.

    Attributes
    ----------
    by_label : list of list of (category, message)
    unattributed : list of (category, message)
        Caught around the per-label fits, from fits whose label is unknown (threads).
    """

    def __init__(self, n_labels: int) -> None:
        self.by_label: list[list[Record]] = [[] for _ in range(n_labels)]
        self.unattributed: list[Record] = []

    def add(self, label: int, records: Sequence[Record]) -> None:
        """Record the warnings of label ``label``'s fit."""
        self.by_label[label].extend(records)

    def merge(self, other: PerLabelWarnings) -> None:
        """Add another fit's warnings of the same labels (an ensemble member's)."""
        for j, records in enumerate(other.by_label):
            self.add(j, records)
        self.unattributed.extend(other.unattributed)

    @contextmanager
    def around(self) -> Iterator[None]:
        """Catch, within the block, warnings that reach this thread (e.g. from fit threads)."""
        if not _safe_to_catch():
            yield
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        self.unattributed.extend((w.category, str(w.message)) for w in caught)

    def emit(self, names: Sequence[Any], *, unit: str = "labels", stacklevel: int = 3) -> None:
        """Issue each distinct warning once, with how many of the labels it hit."""
        warn_once_per_fit(
            self.by_label, names, unit=unit, unattributed=self.unattributed, stacklevel=stacklevel
        )


def warn_once_per_fit(
    records: Sequence[Sequence[Record]],
    names: Sequence[Any],
    *,
    unit: str = "labels",
    unattributed: Sequence[Record] = (),
    stacklevel: int = 2,
) -> None:
    """Issue each distinct (category, message) of the per-label fits once.

    The message gains ``" (on N of L labels: a, b, c, d, e, ...)"``, the labels whose fit issued
    it, named by ``names``. Warnings that reached the caller from fits of unknown labels (in
    ``unattributed``) say how many times they were issued instead.

    Parameters
    ----------
    records : sequence of sequences of (category, message)
        ``records[j]``: the warnings of label ``j``'s fit.
    names : sequence
        One name per label.
    unit : str, default="labels"
        What one fit is for, as the message calls it.
    unattributed : sequence of (category, message), optional
    stacklevel : int, default=2

    Examples
    --------
    >>> import warnings
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> cw = (ConvergenceWarning, "did not converge")
    >>> hit = [[cw], [], [cw]]
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_once_per_fit(hit, ["news", "sport", "arts"])
    >>> [str(m.message) for m in w]
    ['did not converge (on 2 of 3 labels: news, arts)']
    """
    groups: dict[Record, list[int]] = {}
    for j, recs in enumerate(records):
        for key in dict.fromkeys(recs):  # a label counts once per distinct warning
            groups.setdefault(key, []).append(j)
    total = len(records)
    for (category, message), labels in groups.items():
        shown = ", ".join(str(names[j]) for j in labels[:SHOWN_NAMES])
        more = ", ..." if len(labels) > SHOWN_NAMES else ""
        text = f"{message} (on {len(labels)} of {total} {unit}: {shown}{more})"
        warnings.warn(text, category, stacklevel=stacklevel + 1)
    counts: dict[Record, int] = {}
    for key in unattributed:
        counts[key] = counts.get(key, 0) + 1
    for (category, message), k in counts.items():
        suffix = f" (issued {k} times over {total} {unit})" if k > 1 else ""
        warnings.warn(f"{message}{suffix}", category, stacklevel=stacklevel + 1)
