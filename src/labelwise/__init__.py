"""labelwise: multi-label and multi-class classification done right.

The data flows one way: data -> scores -> decisions -> evaluation. ``labelwise.read`` and
``labelwise.datasets`` give a :class:`Dataset`; ``labelwise.problem.describe`` says which problem
its targets pose; ``labelwise.models`` produce scores; ``labelwise.decision`` turns scores into
label sets; ``labelwise.metrics`` judge either.

Examples
--------
>>> import labelwise
>>> labelwise.describe([[1, 0, 1], [0, 1, 0], [0, 0, 0]]).kind
'multilabel'
"""

__version__ = "0.1.0"

from labelwise.data import Dataset, Hierarchy, LabelSpace
from labelwise.data.io import read, write
from labelwise.problem import describe

__all__ = ["Dataset", "Hierarchy", "LabelSpace", "__version__", "describe", "read", "write"]
