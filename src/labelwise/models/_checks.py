"""Old name of :mod:`labelwise.models._input_checks`; model files saved before the rename name
``labelwise.models._checks.ConstantLabelModel``, so this path stays importable."""

from labelwise.models import _input_checks
from labelwise.models._input_checks import *  # noqa: F403
from labelwise.models._input_checks import ACCEPT_SPARSE

__all__ = [*_input_checks.__all__, "ACCEPT_SPARSE"]
