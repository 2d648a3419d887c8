"""Old home of the zero-division helpers, now :mod:`labelwise._math` (on the ground floor)."""

from labelwise._math import check_zero_division, safe_divide

__all__ = ["check_zero_division", "safe_divide"]
