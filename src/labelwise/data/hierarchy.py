"""Label hierarchies: a forest of labels, each with at most one parent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from labelwise.errors import TargetError

__all__ = ["Hierarchy"]


class Hierarchy:
    """A tree (or forest) over label names.

    Parameters
    ----------
    parent : mapping of str to str or None
        Each label's parent; roots map to ``None``. Every parent must itself be a key.

    Examples
    --------
    >>> h = Hierarchy.from_names(["A", "A.A1", "A.A2", "B"])
    >>> h.parent["A.A1"]
    'A'
    >>> h.ancestors("A.A1")
    ['A']
    >>> h.depth("A.A2"), h.roots
    (1, ['A', 'B'])
    """

    def __init__(self, parent: Mapping[str, str | None]) -> None:
        parent = {str(k): (None if v is None else str(v)) for k, v in parent.items()}
        for child, p in parent.items():
            if p is not None and p not in parent:
                raise TargetError(f"label {child!r} has parent {p!r}, which is not a label.")
        for start in parent:  # reject cycles
            seen = {start}
            node = parent[start]
            while node is not None:
                if node in seen:
                    raise TargetError(f"the label hierarchy has a cycle through {node!r}.")
                seen.add(node)
                node = parent[node]
        self.parent: dict[str, str | None] = parent

    @classmethod
    def from_names(cls, names: Iterable[str], sep: str = ".") -> Hierarchy:
        """Infer the hierarchy from names such as ``A.A1`` (child ``A1`` under ``A``).

        The parent of ``A.A1`` is ``A`` when ``A`` is a label; otherwise the nearest shorter
        prefix that is a label, or none.
        """
        names = [str(n) for n in names]
        known = set(names)
        parent: dict[str, str | None] = {}
        for name in names:
            parts = name.split(sep)
            p = None
            for cut in range(len(parts) - 1, 0, -1):
                candidate = sep.join(parts[:cut])
                if candidate in known:
                    p = candidate
                    break
            parent[name] = p
        return cls(parent)

    @property
    def labels(self) -> list[str]:
        return list(self.parent)

    @property
    def roots(self) -> list[str]:
        return [k for k, v in self.parent.items() if v is None]

    def children(self, name: str) -> list[str]:
        return [k for k, v in self.parent.items() if v == name]

    def ancestors(self, name: str) -> list[str]:
        """Ancestors of a label, nearest first."""
        out = []
        node = self.parent[str(name)]
        while node is not None:
            out.append(node)
            node = self.parent[node]
        return out

    def depth(self, name: str) -> int:
        return len(self.ancestors(name))

    def is_trivial(self) -> bool:
        """True when no label has a parent (a flat label set)."""
        return all(v is None for v in self.parent.values())

    def ancestor_matrix(self, names: Iterable[str]) -> np.ndarray:
        """Boolean (L, L) matrix ``A`` with ``A[i, j]`` true when ``names[j]`` is ``names[i]`` or
        one of its ancestors; columns follow ``names``."""
        names = [str(n) for n in names]
        pos = {n: j for j, n in enumerate(names)}
        A = np.eye(len(names), dtype=bool)
        for i, n in enumerate(names):
            for a in self.ancestors(n):
                if a in pos:
                    A[i, pos[a]] = True
        return A

    def __repr__(self) -> str:
        return f"Hierarchy({len(self.parent)} labels, {len(self.roots)} roots)"
