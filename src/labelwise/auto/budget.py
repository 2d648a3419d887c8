"""The time limit of the main job: what a candidate and the final refit should cost, what fits.

A time limit bounds the whole run, the refit of the winner on all training rows included. The
search keeps time for that refit at every step: before a candidate runs, its cross-validation and
the refit of whichever model would then win (itself or the best so far) must fit in what is left.

Cross-validation times come from the cost model (:func:`labelwise.auto.candidates.fit_seconds`)
times the seconds per estimated second measured so far. A refit is one fit on all ``n`` rows where
each fold fitted ``n (k - 1) / k``: the longest measured fold time, scaled from the fold's rows to
all rows by the cost model's dependence on the rows (:meth:`Candidate.rows_factor`: ``k / (k - 1)``
for a linear model, its square for a neighbour search). A blend refits its members ``workers`` at
a time.

A run started from the command line counts from the start of its process
(:func:`process_seconds`): the interpreter's start-up and imports are part of the user's wait.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from labelwise.auto.candidates import Candidate

__all__ = ["TimeBudget", "parallel_seconds", "process_seconds"]


def parallel_seconds(seconds: Iterable[float], workers: int) -> float:
    """Wall time of independent jobs run ``workers`` at a time (the longest, or the total shared).

    Examples
    --------
    >>> parallel_seconds([4.0, 1.0, 1.0], workers=2)
    4.0
    >>> parallel_seconds([3.0, 3.0, 3.0], workers=2)
    4.5
    """
    times = [float(s) for s in seconds]
    if not times:
        return 0.0
    return max(max(times), sum(times) / max(1, workers))


def process_seconds() -> float:
    """Seconds since this process started (0.0 where the platform does not say).

    What a command that promises a time limit has spent before its own code ran: starting the
    interpreter and importing the libraries (seconds on a loaded machine). Read from
    ``/proc/self/stat`` on Linux, else from psutil when it is installed.

    Examples
    --------
    >>> 0.0 <= process_seconds() < 24 * 3600
    True
    """
    try:
        with open("/proc/self/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()  # the command name may hold spaces
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))  # field 22
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import psutil

        return max(0.0, time.time() - psutil.Process().create_time())
    except Exception:  # psutil missing or refusing: nothing is known, nothing is counted
        return 0.0


@dataclass
class TimeBudget:
    """The clock of one search and what its candidates cost.

    Parameters
    ----------
    limit : float or None
        Seconds for the whole run from ``start`` (None: no limit).
    start : float
        ``time.perf_counter()`` when the run began.
    workers : int
        Folds (and a blend's members) fitted at the same time.
    n_folds : int
    n_rows, fold_rows : int
        Training rows, and rows each fold's model was trained on.

    Examples
    --------
    >>> b = TimeBudget(None, 0.0, workers=2, n_folds=5, n_rows=500, fold_rows=400)
    >>> b.rounds, b.refit_share(Candidate("linear", lambda: None, 1.0))  # 5 folds, 2 at a time
    (3, 0.4166666666666667)
    """

    limit: float | None
    start: float
    workers: int
    n_folds: int
    n_rows: int
    fold_rows: int
    rates: dict[str, list[float]] = field(default_factory=dict)

    @property
    def rounds(self) -> int:
        """Rounds of parallel fold fits one cross-validation takes."""
        return max(1, math.ceil(self.n_folds / max(1, min(self.workers, self.n_folds))))

    def left(self) -> float:
        """Seconds left of the limit (infinite without one)."""
        if self.limit is None:
            return math.inf
        return self.limit - (time.perf_counter() - self.start)

    def refit_share(self, cand: Candidate) -> float:
        """Seconds of ``cand``'s refit per second of its cross-validation (wall clock)."""
        return cand.rows_factor(self.n_rows, self.fold_rows) / self.rounds

    def refit_from_folds(self, cand: Candidate, fold_seconds: Iterable[float]) -> float:
        """``cand``'s refit on all rows from its measured fold times."""
        times = list(fold_seconds)
        return max(times, default=0.0) * cand.rows_factor(self.n_rows, self.fold_rows)

    def guess(self, cand: Candidate) -> float | None:
        """Cross-validation seconds of ``cand`` at the measured speed (None before a measure)."""
        return _guess(cand, self.rates)

    def record(self, cand: Candidate, seconds: float) -> None:
        """A finished cross-validation's wall time, for later estimates."""
        self.rates.setdefault(cand.family, []).append(seconds / max(cand.cost, 1e-12))

    def why_skip(self, cand: Candidate, reserve: float) -> str:
        """Why ``cand`` cannot run now, keeping ``reserve`` seconds to refit the best ("": run)."""
        if self.limit is None:
            return ""
        share = self.refit_share(cand)
        return _too_slow(
            cand, self.rates, self.left(), self.limit, reserve=reserve, refit_share=share
        )

    def shrunk(self, cand: Candidate, reserve: float) -> Candidate | None:
        """A smaller ``cand`` (fewer trees) that fits where the full one does not, or None."""
        if self.limit is None:
            return None
        share = self.refit_share(cand)
        return _shrunk(
            cand, self.rates, self.left(), self.limit, reserve=reserve, refit_share=share
        )


def _too_slow(
    cand: Candidate,
    rates: dict[str, list[float]],
    left: float,
    limit: float,
    *,
    reserve: float = 0.0,
    refit_share: float = 0.0,
) -> str:
    """Why ``cand`` should be skipped with ``left`` seconds to go, or "" to run it.

    The estimate is the candidate's estimated fit seconds (:func:`fit_seconds` for this data)
    times the median measured seconds per estimated second: of its own family when one of them
    ran, else of every candidate that ran (the machine's speed, as the cost model is one scale
    for all families). To that comes the refit that follows the search: ``reserve`` seconds for
    the best model so far, or ``refit_share`` times the candidate's own estimate if it wins,
    whichever is longer. A new family is also skipped once less than a quarter of the time is
    left, as its estimate is the least certain.
    """
    if left - reserve <= 0:
        return "time limit reached"
    guess = _guess(cand, rates)
    if guess is not None:
        refit = max(reserve, guess * refit_share)
        if guess + refit > left:
            return (
                f"time limit: about {guess + refit:.0f} s needed with the refit, {left:.0f} s left"
            )
    if not rates.get(cand.family) and left - reserve < 0.25 * limit:
        return f"time limit: {left:.0f} s left, too little to try a new kind of model"
    return ""


def _guess(cand: Candidate, rates: dict[str, list[float]]) -> float | None:
    """Seconds ``cand`` should take at the speed measured so far (None before any measure)."""
    measured = rates.get(cand.family) or [r for family in rates.values() for r in family]
    return float(np.median(measured)) * cand.cost if measured else None


def _shrunk(
    cand: Candidate,
    rates: dict[str, list[float]],
    left: float,
    limit: float,
    *,
    reserve: float = 0.0,
    refit_share: float = 0.0,
) -> Candidate | None:
    """A smaller version of ``cand`` that fits in ``left`` seconds (fewer trees), or None.

    Asks for 80% of the time left at the estimated speed, so that an estimate a little low still
    ends within the limit; its cross-validation plus the refit after it (``reserve`` or its own,
    see :func:`_too_slow`) must fit.
    """
    guess = _guess(cand, rates)
    if cand.shrink is None or left <= 0 or not guess:
        return None
    room = 0.8 * left
    fraction = min((room - reserve) / guess, room / (guess * (1.0 + refit_share)))
    if fraction <= 0:
        return None
    smaller = cand.shrink(fraction)
    if smaller is None or _too_slow(
        smaller, rates, left, limit, reserve=reserve, refit_share=refit_share
    ):
        return None
    return smaller
