"""The one place where ratios are divided, with scikit-learn's ``zero_division`` rules.

On the ground floor: metrics, decision rules and the problem description all divide through it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

__all__ = ["check_zero_division", "safe_divide"]


def check_zero_division(zero_division: Any) -> None:
    """Reject ``zero_division`` values scikit-learn would reject.

    Examples
    --------
    >>> check_zero_division("warn"); check_zero_division(1.0)
    >>> check_zero_division(2)
    Traceback (most recent call last):
    ...
    ValueError: zero_division must be "warn", 0.0, 1.0 or np.nan; got 2.
    """
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return
    elif isinstance(zero_division, (int, float)) and not isinstance(zero_division, bool):
        if zero_division in (0, 1) or np.isnan(zero_division):
            return
    raise ValueError(f'zero_division must be "warn", 0.0, 1.0 or np.nan; got {zero_division!r}.')


def safe_divide(
    numerator: np.ndarray,
    denominator: np.ndarray,
    *,
    zero_division: Any = "warn",
    metric: str = "metric",
    what: str = "no predicted samples",
    warn: bool = True,
) -> np.ndarray:
    """Elementwise ``numerator / denominator`` where a zero denominator gives ``zero_division``.

    With ``zero_division="warn"`` the result there is 0.0 and an ``UndefinedMetricWarning`` says
    which metric was ill-defined and why, as scikit-learn does.

    Examples
    --------
    >>> safe_divide(np.array([1.0, 0.0]), np.array([2.0, 0.0]), zero_division=1.0)
    array([0.5, 1. ])
    """
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    zero = denominator == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / np.where(zero, 1.0, denominator)
    if np.any(zero):
        fill = 0.0 if isinstance(zero_division, str) else float(zero_division)
        out = np.where(zero, fill, out)
        if zero_division == "warn" and warn:
            warnings.warn(
                f"{metric} is ill-defined and being set to 0.0 where there are {what}. "
                "Use the zero_division parameter to control this behaviour.",
                UndefinedMetricWarning,
                stacklevel=3,
            )
    return out
