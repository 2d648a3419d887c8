"""Parameter constraints declared as data and checked in one place.

A public function or estimator declares ``{"name": [constraint, ...]}`` once; :func:`check_params`
checks the values against it and raises one clear ``ValueError``/``TypeError`` naming the parameter,
the value and what is allowed. An estimator declares its constraints as the class attribute
``_parameter_constraints`` and is checked by :func:`validate_params` (a ``fit`` decorated with
:func:`labelwise.models._base.fit_context` does so once per fit; other methods call it or are
decorated with :func:`with_param_validation`), the way scikit-learn's ``_fit_context`` does.
:class:`HasMethods` states what an estimator argument must offer, and
:func:`default_binary_estimator` is the one place that says what ``estimator=None`` means.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "check_params",
    "default_binary_estimator",
    "validate_params",
    "with_param_validation",
]

F = TypeVar("F", bound=Callable[..., Any])


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
        if value != value:  # NaN is in no interval (every comparison with it is False)
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


@dataclass(frozen=True)
class HasMethods:
    """An object offering the named methods (an estimator argument: ``HasMethods("fit")``).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> HasMethods("fit", "predict_proba").accepts(LogisticRegression())
    True
    >>> HasMethods("fit").accepts("LogisticRegression"), str(HasMethods("fit"))
    (False, 'an estimator with a fit method')
    """

    methods: tuple[str, ...]

    def __init__(self, *methods: str) -> None:
        object.__setattr__(self, "methods", tuple(methods))

    def accepts(self, value: Any) -> bool:
        return all(callable(getattr(value, m, None)) for m in self.methods)

    def __str__(self) -> str:
        if len(self.methods) == 1:
            return f"an estimator with a {self.methods[0]} method"
        return f"an estimator with {', '.join(self.methods[:-1])} and {self.methods[-1]} methods"


def _accepts(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, (Interval, Options, HasMethods)):
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
    if isinstance(constraint, (Interval, Options, HasMethods)):
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


def validate_params(estimator: Any) -> None:
    """Check an estimator's parameters against its class's ``_parameter_constraints``.

    Parameters
    ----------
    estimator : object
        An estimator (its ``get_params(deep=False)`` are checked) or any object whose class
        declares ``_parameter_constraints`` (the attributes they name are checked, as for a
        cross-validator); a class without ``_parameter_constraints`` is not checked.

    Raises
    ------
    ValueError
        Naming the estimator's class, the parameter, the value and what is allowed.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> class Rule(BaseEstimator):
    ...     _parameter_constraints = {"k": [Interval(numbers.Integral, 1, None)]}
    ...     def __init__(self, k=1):
    ...         self.k = k
    >>> validate_params(Rule(k=2))
    >>> validate_params(Rule(k=0))
    Traceback (most recent call last):
    ...
    ValueError: Rule: parameter 'k' must be an integer in [1, inf); got 0.
    """
    constraints = getattr(type(estimator), "_parameter_constraints", None)
    if constraints:
        if hasattr(estimator, "get_params"):
            params = estimator.get_params(deep=False)
        else:
            params = {name: getattr(estimator, name) for name in constraints}
        check_params(params, constraints, caller=type(estimator).__name__)


def with_param_validation(method: F) -> F:
    """Decorate a method (``fit``, a rule's ``predict``) to :func:`validate_params` first.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> class Cut(BaseEstimator):
    ...     _parameter_constraints = {"t": [Interval(numbers.Real, 0, 1)]}
    ...     def __init__(self, t=0.5):
    ...         self.t = t
    ...     @with_param_validation
    ...     def predict(self, scores):
    ...         return [int(s >= self.t) for s in scores]
    >>> Cut().predict([0.2, 0.7])
    [0, 1]
    >>> Cut(t=2).predict([0.2])
    Traceback (most recent call last):
    ...
    ValueError: Cut: parameter 't' must be a number in [0, 1]; got 2.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        validate_params(self)
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def default_binary_estimator(estimator: Any = None) -> Any:
    """``estimator``, or the documented default for ``estimator=None``: ``LogisticRegression()``.

    scikit-learn's defaults (lbfgs, C=1): binary for one label's classifier, multinomial for a
    multi-class one. scikit-learn is imported only when the default is needed.

    Examples
    --------
    >>> default_binary_estimator()
    LogisticRegression()
    >>> default_binary_estimator("given")
    'given'
    """
    if estimator is not None:
        return estimator
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()
