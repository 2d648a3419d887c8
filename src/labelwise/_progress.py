"""One progress display for the whole package: a line on a terminal, silent everywhere else.

Training loops, the sentence encoder and the main job's search all report progress through
:class:`Progress`. It writes to standard error only when that stream is a terminal (or when the
caller forces it with ``verbose=True``), so pipes, log files, notebooks' captured output and the
test suite stay clean. On a terminal it redraws one line in place; forced on elsewhere (a log
file), it writes whole lines instead, at most one per ``log_interval`` seconds, and only for
steps that advance the count (``update(0, ...)`` only refreshes a terminal's line).

Examples
--------
>>> with Progress(total=3, desc="labels", verbose=False) as bar:
...     for _ in range(3):
...         bar.update()
>>> bar.n
3
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

__all__ = ["Progress", "progress_enabled"]


def progress_enabled(verbose: bool | int | None = None, stream: IO[str] | None = None) -> bool:
    """Whether a progress display should be shown.

    Parameters
    ----------
    verbose : bool, int or None
        ``True``/positive forces it on, ``False``/``0`` forces it off, ``None`` shows it only when
        ``stream`` is a terminal.
    stream : file-like, optional
        Where the display would go; standard error by default.

    Returns
    -------
    bool

    Examples
    --------
    >>> progress_enabled(False)
    False
    >>> progress_enabled(True)
    True
    """
    if verbose is not None:
        return bool(verbose)
    return _is_terminal(sys.stderr if stream is None else stream)


class Progress:
    """A one-line progress display with a count, a rate, elapsed time and free-form details.

    Parameters
    ----------
    total : int, optional
        Number of steps, when known.
    desc : str
        What is being counted.
    verbose : bool, int or None
        See :func:`progress_enabled`.
    stream : file-like, optional
        Standard error by default.
    min_interval : float
        Seconds between redraws on a terminal.
    log_interval : float
        Seconds between the lines written when the stream is not a terminal (0: one line for
        every step); the last state is written on close.

    Attributes
    ----------
    n : int
        Steps done so far.
    """

    def __init__(
        self,
        total: int | None = None,
        desc: str = "",
        *,
        verbose: bool | int | None = None,
        stream: IO[str] | None = None,
        min_interval: float = 0.1,
        log_interval: float = 5.0,
    ) -> None:
        self.total = total
        self.desc = desc
        self.stream = sys.stderr if stream is None else stream
        self.enabled = progress_enabled(verbose, self.stream)
        self.min_interval = min_interval
        self.log_interval = log_interval
        self.n = 0
        self.postfix = ""
        self._start = time.perf_counter()
        self._last = 0.0
        self._width = 0
        self._terminal = _is_terminal(self.stream)
        self._logged: tuple[int, str] | None = None  # what the last written line showed

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def update(self, n: int = 1, **details: Any) -> None:
        """Advance by ``n`` steps; keyword arguments are shown after the count (``loss=0.31``)."""
        self.n += n
        if details:
            self.set_postfix(**details)
        if self._terminal:
            self._draw()
        elif n:
            self._log()

    def set_postfix(self, **details: Any) -> None:
        """Replace the details shown after the count."""
        parts = []
        for key, value in details.items():
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            parts.append(f"{key}={shown}")
        self.postfix = ", ".join(parts)

    def _line(self, now: float) -> str:
        elapsed = now - self._start
        count = f"{self.n}/{self.total}" if self.total else str(self.n)
        rate = self.n / elapsed if elapsed > 0 else 0.0
        line = f"{self.desc}: {count} [{elapsed:.0f}s, {rate:.3g}/s]"
        if self.postfix:
            line += f" {self.postfix}"
        return line

    def _log(self, force: bool = False) -> None:
        """One whole line (not a terminal), unless one was written less than log_interval ago."""
        if not self.enabled or self._logged == (self.n, self.postfix):
            return
        now = time.perf_counter()
        if not force and self._logged is not None and now - self._last < self.log_interval:
            return
        self._last = now
        self._logged = (self.n, self.postfix)
        self.stream.write(self._line(now) + "\n")
        self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < self.min_interval:
            return
        self._last = now
        line = self._line(now)
        pad = max(0, self._width - len(line))
        self._width = len(line)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if not self.enabled:
            return
        if not self._terminal:
            self._log(force=True)
            return
        self._draw(force=True)
        self.stream.write("\n")
        self.stream.flush()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
