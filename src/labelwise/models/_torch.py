"""Old name of :mod:`labelwise.models.neural._torch`, kept importable: it is that module."""

import sys

from labelwise.models.neural import _torch

sys.modules[__name__] = _torch
