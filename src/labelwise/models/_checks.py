"""Old name of :mod:`labelwise.models._input_checks`; model files saved before the rename name
``labelwise.models._checks.ConstantLabelModel``, so this path stays importable."""

from labelwise.models._input_checks import ConstantLabelModel

__all__ = ["ConstantLabelModel"]
