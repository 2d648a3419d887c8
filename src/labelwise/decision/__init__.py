"""Decision rules: turn score matrices into label sets, tuned on validation data."""

from labelwise.decision._base import DecisionRule, FixedThreshold

__all__ = ["DecisionRule", "FixedThreshold"]
