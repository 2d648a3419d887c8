"""Old name of :mod:`labelwise.models.neural.losses`, kept importable: it is that module."""

import sys

from labelwise.models.neural import losses

sys.modules[__name__] = losses
