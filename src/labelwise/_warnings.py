"""One way to show warnings to a person: each as one clean line, once, and kept for reports.

Python prints a warning with its source path, line number and a line of code, which means
nothing to someone running a command. :class:`WarningCollector` replaces that, for the block it
guards, by ``warning: <message>`` on one line, shows each distinct message once, and keeps the
messages in order (the CLI puts them in its ``--json`` output). The command line uses it for every
command; anything else that talks to people (a report, a server response) can use it too.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Any

from labelwise.errors import LabelwiseWarning

__all__ = ["WarningCollector", "one_line"]


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
