"""One way to show warnings to a person: each as one clean line, once, and kept for reports.

Python prints a warning with its source path, line number and a line of code, which means
nothing to someone running a command. :class:`WarningCollector` replaces that, for the block it
guards, by ``warning: <message>`` on one line, shows each distinct message once, and keeps the
messages in order (the CLI puts them in its ``--json`` output). The command line uses it for every
command; anything else that talks to people (a report, a server response) can use it too.
:func:`naming_labels` lets the caller that holds a dataset give its label names to the warnings of
models that only see a bare 0/1 matrix (cross-validation folds, for instance).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from labelwise.errors import LabelwiseWarning

__all__ = ["WarningCollector", "column_label_names", "naming_labels", "one_line"]

_LABEL_NAMES: ContextVar[tuple[str, ...] | None] = ContextVar("labelwise_label_names", default=None)


@contextmanager
def naming_labels(names: Sequence[Any]) -> Iterator[None]:
    """Within the block, warnings call label column ``j`` by ``names[j]`` instead of ``'j'``.

    A model fitted on a bare 0/1 matrix (as a cross-validation fold is) knows its labels only
    by column number; the caller that holds the dataset says what they are called, and
    :func:`column_label_names` gives the names to every message issued inside.

    Examples
    --------
    >>> with naming_labels(["news", "sport"]):
    ...     column_label_names(["0", "1"], 2)
    ['news', 'sport']
    >>> column_label_names(["0", "1"], 2)
    ['0', '1']
    """
    token = _LABEL_NAMES.set(tuple(str(n) for n in names))
    try:
        yield
    finally:
        _LABEL_NAMES.reset(token)


def column_label_names(names: Sequence[Any] | None, n_labels: int) -> list[str] | None:
    """The names a message should use for ``n_labels`` label columns.

    ``names`` as given, unless they are only the column numbers (or None) and the caller named
    ``n_labels`` labels with :func:`naming_labels`: then those names.

    Examples
    --------
    >>> column_label_names(None, 2) is None, column_label_names([7, 8], 2)
    (True, ['7', '8'])
    """
    given = None if names is None else [str(n) for n in names]
    named = _LABEL_NAMES.get()
    numbers = given is None or given == [str(j) for j in range(n_labels)]
    if named is not None and len(named) == n_labels and numbers:
        return list(named)
    return given


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) to single spaces.

    Examples
    --------
    >>> one_line("  lbfgs failed to converge.\\n\\nIncrease max_iter  ")
    'lbfgs failed to converge. Increase max_iter'
    """
    return " ".join(str(text).split())


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class WarningCollector:
    """Within a ``with`` block, show each warning once as ``warning: <message>`` and keep it.

    Warning filters stay as they are (what Python hides by default, such as a library's
    ``DeprecationWarning``, stays hidden), except that labelwise's own warnings are always
    shown. A message already shown in the block is not shown again.

    Parameters
    ----------
    echo : callable, optional
        Takes each formatted line; default: print it on standard error.

    Attributes
    ----------
    messages : list of str
        The distinct messages, one line each, in the order they were first issued.

    Examples
    --------
    >>> import warnings
    >>> lines = []
    >>> with WarningCollector(echo=lines.append) as collected:
    ...     for _ in range(2):
    ...         warnings.warn("label 'sport' never occurs\\nin training", UserWarning)
    >>> lines
    ["warning: label 'sport' never occurs in training"]
    >>> collected.messages
    ["label 'sport' never occurs in training"]
    """

    def __init__(self, echo: Callable[[str], Any] | None = None) -> None:
        self.echo = _to_stderr if echo is None else echo
        self.messages: list[str] = []
        self._catcher: warnings.catch_warnings | None = None

    def __enter__(self) -> WarningCollector:
        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.filterwarnings("always", category=LabelwiseWarning)
        warnings.showwarning = self._show
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._catcher is not None:
            self._catcher.__exit__(exc_type, exc, tb)
            self._catcher = None

    def _show(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        self.add(str(message))

    def add(self, message: str) -> None:
        """Show and keep ``message`` unless it was already shown in this block."""
        text = one_line(message)
        if text and text not in self.messages:
            self.messages.append(text)
            self.echo(f"warning: {text}")
