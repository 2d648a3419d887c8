"""Parameter constraints declared as data and checked in one place.

A public function or estimator declares ``{"name": [constraint, ...]}`` once; :func:`check_params`
checks the values against it and raises one clear ``ValueError``/``TypeError`` naming the parameter,
the value and what is allowed.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Interval", "Options", "check_params"]


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (``numbers.Integral`` or ``numbers.Real``) in an interval.

    Examples
    --------
    >>> Interval(numbers.Real, 0, 1, closed="both").accepts(0.5)
    True
    >>> Interval(numbers.Integral, 1, None).accepts(0)
    False
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"  # "both", "left", "right" or "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        name = "an integer" if self.kind is numbers.Integral else "a number"
        lo = "-inf" if self.left is None else self.left
        hi = "inf" if self.right is None else self.right
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{name} in {lb}{lo}, {hi}{rb}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values.

    Examples
    --------
    >>> Options({"micro", "macro"}).accepts("micro")
    True
    """

    values: frozenset

    def __init__(self, values: Iterable[Any]) -> None:
        object.__setattr__(self, "values", frozenset(values))

    def accepts(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:
            return False

    def __str__(self) -> str:
        return "one of " + ", ".join(sorted(repr(v) for v in self.values))


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, (Interval, Options)):
        return constraint.accepts(value)
    if isinstance(constraint, type):
        return isinstance(value, constraint) and not (
            constraint is not bool and isinstance(value, bool) and constraint is numbers.Integral
        )
    if callable(constraint):
        return bool(constraint(value))
    raise TypeError(f"unknown constraint {constraint!r}")


def _describe(constraint: Any) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"an instance of {constraint.__name__}"
    if isinstance(constraint, (Interval, Options)):
        return str(constraint)
    return getattr(constraint, "__doc__", None) or getattr(constraint, "__name__", repr(constraint))


def check_params(
    params: Mapping[str, Any],
    constraints: Mapping[str, list[Any]],
    *,
    caller: str,
) -> None:
    """Check each parameter value against its declared constraints.

    Parameters
    ----------
    params : mapping
        Parameter names to values.
    constraints : mapping
        Parameter names to a list of acceptable constraints: ``None`` (the value ``None``), a type,
        an :class:`Interval`, :class:`Options` or a predicate. A value passes when any constraint
        accepts it. Parameters without an entry are not checked.
    caller : str
        Name of the function or estimator, used in the message.

    Raises
    ------
    ValueError
        Naming the parameter, the value given and what is allowed.

    Examples
    --------
    >>> check_params({"k": 3}, {"k": [Interval(numbers.Integral, 1, None)]}, caller="top_k")
    >>> check_params({"k": 0}, {"k": [Interval(numbers.Integral, 1, None)]}, caller="top_k")
    Traceback (most recent call last):
    ...
    ValueError: top_k: parameter 'k' must be an integer in [1, inf); got 0.
    """
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is None:
            continue
        if any(_accepts(c, value) for c in allowed):
            continue
        what = " or ".join(_describe(c) for c in allowed)
        raise ValueError(f"{caller}: parameter {name!r} must be {what}; got {value!r}.")


def is_callable(value: Any) -> bool:
    """a callable"""
    return isinstance(value, Callable)  # type: ignore[arg-type]
