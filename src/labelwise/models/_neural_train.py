"""Old name of :mod:`labelwise.models.neural.training`, kept importable: it is that module."""

import sys

from labelwise.models.neural import training

sys.modules[__name__] = training
