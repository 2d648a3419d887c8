"""labelwise: multi-label and multi-class classification done right.

The data flows one way: data -> scores -> decisions -> evaluation.
"""

__version__ = "0.1.0"

from labelwise.data.io import read, write

__all__ = ["__version__", "read", "write"]
