"""Old name of :mod:`labelwise.text._texts` (the gate for raw texts), kept importable.

Renamed so that it is not mistaken for :mod:`labelwise._inputs`, which answers questions about
any input (is it text? which columns do label lists fill?).
"""

from labelwise.text._texts import check_texts

__all__ = ["check_texts"]
