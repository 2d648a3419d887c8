"""Label hierarchies: trees, forests and DAGs over label names.

A :class:`Hierarchy` knows each label's parents. It is built from dotted names (``A.A1`` under
``A``), from a parent mapping (``{"cat": "animal"}``; a list of parents makes a DAG) or from a group
mapping (``{"animal": ["cat", "dog"]}``, children listed under each parent, as in a taxonomy
file); mappings may also be JSON files. Roots may stay implicit: a parent that is no key is a
root. Cycles, self-parents, names that are not strings and, when a tree is asked for
(``tree=True``), labels with two parents are errors that name the labels.

:meth:`Hierarchy.coerce` is the one resolver every function taking ``hierarchy=`` goes through: it
accepts a ``Hierarchy``, a parent mapping, the path of a JSON parent mapping, a list of dotted names
or ``"dotted"`` (from the label names), and makes the data's labels that a mapping leaves out roots
(one warning).

Given label data it adds ancestors to label sets (:meth:`Hierarchy.add_ancestors`), finds the
rows where a label occurs without one of its parents (:meth:`Hierarchy.violations`) and checks
that the hierarchy and the data name the same labels (:meth:`Hierarchy.check_labels`).
"""

from __future__ import annotations

import json
import numbers
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np
import scipy.sparse as sp

from labelwise.errors import DataFormatError, LabelwiseWarning, TargetError, UnknownLabelError

__all__ = ["DOTTED", "Hierarchy", "HierarchySpec", "HierarchyViolations", "is_hierarchy_spec"]

DOTTED = "dotted"  # the spec that takes the hierarchy from the label names (A.A1 under A)
MAX_FILE_BYTES = 64 * 2**20  # a hierarchy JSON file above this is refused before reading

# what every ``hierarchy=`` parameter accepts (resolved by Hierarchy.coerce)
HierarchySpec = Union["Hierarchy", Mapping[str, Any], str, Path, Sequence[str]]


@dataclass(frozen=True)
class HierarchyViolations:
    """Rows of label data where a label occurs without one of its parents.

    Attributes
    ----------
    n_samples : int
        Rows checked.
    n_violating_rows : int
        Rows with at least one label whose parent (a column of the data) is absent.
    pairs : list of (child, parent, count)
        Each violated child-parent link and the number of rows violating it, most frequent first.
    """

    n_samples: int
    n_violating_rows: int
    pairs: list[tuple[str, str, int]]

    def __bool__(self) -> bool:
        return self.n_violating_rows > 0

    def __str__(self) -> str:
        if not self.pairs:
            return f"no row of {self.n_samples} has a label without its parent"
        shown = ", ".join(f"{c} without {p} ({k} rows)" for c, p, k in self.pairs[:5])
        more = f", and {len(self.pairs) - 5} more links" if len(self.pairs) > 5 else ""
        return (
            f"{self.n_violating_rows} of {self.n_samples} rows have a label without its parent: "
            f"{shown}{more}"
        )


def _read_json_mapping(path: str | Path, what: str) -> dict:
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileNotFoundError(f"hierarchy file {str(path)!r} does not exist.") from None
    if size > MAX_FILE_BYTES:
        raise DataFormatError(
            f"the {what} file has {size} bytes, above the limit of {MAX_FILE_BYTES} "
            "(labelwise.data.hierarchy.MAX_FILE_BYTES).",
            path=path,
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataFormatError(
            f"not valid JSON ({err.msg}).", path=path, line=err.lineno, column=err.colno
        ) from None
    except UnicodeDecodeError as err:
        raise DataFormatError(f"not UTF-8 text (byte offset {err.start}).", path=path) from None
    except RecursionError:
        raise DataFormatError("the JSON document is nested too deeply.", path=path) from None
    if not isinstance(data, dict):
        raise DataFormatError(
            f"a {what} must be a JSON object; found a {type(data).__name__}.", path=path
        )
    return data


def _label_key(key: Any, where: str) -> str:
    """A mapping key as a label name: a non-empty string (integers, class labels, as text)."""
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        return str(key)
    if not isinstance(key, str) or not key:
        raise TargetError(
            f"{where}: the mapping has key {key!r}, which is not a label name; keys must be "
            "non-empty strings."
        )
    return key


def _as_parent_tuple(label: str, value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        out = []
        for v in value:
            if not isinstance(v, str) or not v:
                raise TargetError(
                    f"{where}: label {label!r} lists parent {v!r}, which is not a label name."
                )
            if v == label:
                raise TargetError(
                    f"{where}: label {label!r} is its own parent; remove that entry (a label "
                    "without parents is a root: None)."
                )
            if v not in out:
                out.append(v)
        return tuple(out)
    raise TargetError(
        f"{where}: the parent of {label!r} is {value!r}; give a label name, a list of label "
        "names or None (a root)."
    )


class Hierarchy:
    """A tree, forest or DAG over label names.

    Parameters
    ----------
    parent : mapping of str to (str, list of str or None)
        Each label's parent (a name), parents (a list: the label sits in a DAG) or ``None`` (a
        root). A parent that is not a key is a root (``{"A.A1": "A"}`` has root ``A``).
    tree : bool, default=False
        Require at most one parent per label.

    Raises
    ------
    TargetError
        Naming the entry: a key or parent that is not a label name (a non-empty string), a
        label that is its own parent, a cycle, or (``tree=True``) a label with two parents.

    Examples
    --------
    >>> h = Hierarchy.from_names(["A", "A.A1", "A.A2", "B"])
    >>> h.parent["A.A1"]
    'A'
    >>> h.ancestors("A.A1")
    ['A']
    >>> h.depth("A.A2"), h.roots
    (1, ['A', 'B'])
    >>> dag = Hierarchy({"pet": None, "mammal": None, "dog": ["pet", "mammal"]})
    >>> dag.parents["dog"], dag.is_tree
    (('pet', 'mammal'), False)
    """

    def __init__(self, parent: Mapping[str, Any], *, tree: bool = False) -> None:
        where = "Hierarchy"
        if not isinstance(parent, Mapping):
            raise TargetError(
                f"{where}: expected a mapping of label -> parent; got a {type(parent).__name__}."
            )
        parents: dict[str, tuple[str, ...]] = {}
        for k, v in parent.items():
            key = _label_key(k, where)
            if key in parents:  # 1 and "1" are the same label name
                raise TargetError(f"{where}: label {key!r} is given twice.")
            parents[key] = _as_parent_tuple(key, v, where)
        implicit = [p for ps in parents.values() for p in ps if p not in parents]
        parents.update(dict.fromkeys(implicit, ()))  # a parent that is no key is a root
        for child, ps in parents.items():
            if tree and len(ps) > 1:
                raise TargetError(
                    f"label {child!r} has {len(ps)} parents ({', '.join(map(repr, ps))}), but a "
                    "tree was asked for (tree=True): each label needs at most one parent."
                )
        _check_acyclic(parents)
        self.parents: dict[str, tuple[str, ...]] = parents
        children: dict[str, list[str]] = {k: [] for k in parents}
        for child, ps in parents.items():
            for p in ps:
                children[p].append(child)
        self._children = children
        self._depth: dict[str, int] = {}

    # construction -------------------------------------------------------------------------

    @classmethod
    def from_names(cls, names: Iterable[str], sep: str = ".") -> Hierarchy:
        """Infer the hierarchy from names such as ``A.A1`` (child ``A1`` under ``A``).

        The parent of ``A.A1`` is ``A`` when ``A`` is a label; otherwise the nearest shorter
        prefix that is a label, or none.

        Examples
        --------
        >>> Hierarchy.from_names(["A", "A.A1", "A.A1.x"]).ancestors("A.A1.x")
        ['A.A1', 'A']
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

    @classmethod
    def from_parents(
        cls, mapping: Mapping[str, Any] | str | Path, *, tree: bool = False
    ) -> Hierarchy:
        """A hierarchy from a parent mapping or a JSON file holding one.

        Parameters
        ----------
        mapping : mapping, or path to a JSON object file
            ``{label: parent}``, where parent is a name, a list of names (DAG) or None (root).
            Parents that are not keys are roots.
        tree : bool, default=False
            Require at most one parent per label.

        Examples
        --------
        >>> h = Hierarchy.from_parents({"cat": "animal", "dog": "animal"})
        >>> h.children("animal"), h.roots
        (['cat', 'dog'], ['animal'])
        """
        if isinstance(mapping, (str, Path)):
            path = mapping
            data = _read_json_mapping(path, "parent mapping")
            try:
                return cls(data, tree=tree)
            except TargetError as err:
                raise TargetError(f"{path}: {err}") from None
        return cls(mapping, tree=tree)

    @classmethod
    def from_groups(
        cls, mapping: Mapping[str, Iterable[str]] | str | Path, *, tree: bool = False
    ) -> Hierarchy:
        """A hierarchy from children listed under each parent, or a JSON file holding that.

        Every key and every listed child becomes a label; a key listed under no other key is a
        root. A child listed under two parents gets both (a DAG), unless ``tree=True``.

        Parameters
        ----------
        mapping : mapping of str to list of str, or path to a JSON object file
        tree : bool, default=False
            Require at most one parent per label.

        Examples
        --------
        >>> h = Hierarchy.from_groups({"animal": ["mammal", "bird"], "mammal": ["cat", "dog"]})
        >>> h.ancestors("cat"), h.roots
        (['mammal', 'animal'], ['animal'])
        """
        source = None
        if isinstance(mapping, (str, Path)):
            source = mapping
            mapping = _read_json_mapping(mapping, "group mapping")
        where = f"{source}" if source is not None else "Hierarchy.from_groups"
        parents: dict[str, list[str]] = {}
        for group, kids in mapping.items():
            parents.setdefault(str(group), [])
            if isinstance(kids, str) or not isinstance(kids, Iterable):
                raise TargetError(
                    f"{where}: group {group!r} must list its children (a list of names); "
                    f"found {kids!r}."
                )
            for kid in kids:
                if not isinstance(kid, str):
                    raise TargetError(
                        f"{where}: group {group!r} lists {kid!r}, which is not a label name."
                    )
                ps = parents.setdefault(kid, [])
                if str(group) not in ps:
                    ps.append(str(group))
        try:
            return cls(parents, tree=tree)
        except TargetError as err:
            if source is None:
                raise
            raise TargetError(f"{source}: {err}") from None

    @classmethod
    def coerce(
        cls,
        spec: HierarchySpec,
        labels: Sequence[str] | None = None,
        *,
        where: str = "hierarchy",
    ) -> Hierarchy:
        """The hierarchy any ``hierarchy=`` parameter accepts, resolved once, the same way.

        Parameters
        ----------
        spec : Hierarchy, mapping, str, Path or sequence of str
            A :class:`Hierarchy` (used as is); a parent mapping (``{child: parent}``, a list of
            parents for a DAG, ``None`` or nothing for a root); the path of a JSON file holding
            one; a sequence of dotted names (``["A.A1", "A.A2"]``: ``A.A1`` under ``A``); or
            ``"dotted"``: the hierarchy of ``labels``' dotted names.
        labels : sequence of str, optional
            The data's label names. Those that a mapping, file or name list does not mention
            become roots, with one ``LabelwiseWarning`` saying how many and naming the first
            few. A ``Hierarchy`` is taken as given: callers check its labels against the data
            (:meth:`check_labels`).
        where : str, default="hierarchy"
            The caller, named in errors and the warning.

        Returns
        -------
        Hierarchy

        Raises
        ------
        TargetError
            On a spec of another type, a bad entry (see :class:`Hierarchy`), or ``"dotted"``
            without ``labels``.

        Examples
        --------
        >>> Hierarchy.coerce({"A.A1": "A", "A.A2": "A"}).roots
        ['A']
        >>> Hierarchy.coerce("dotted", labels=["A.A1", "A.A2", "B.B1"]).parent["B.B1"]
        'B'
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     h = Hierarchy.coerce({"cat": "animal"}, labels=["cat", "neutral"])
        >>> h.roots, str(caught[0].message)
        (['animal', 'neutral'], "hierarchy: 1 label(s) that the hierarchy does not mention are roots: 'neutral'.")
        """  # noqa: E501
        if cls.is_hierarchy(spec):
            return spec
        names = None if labels is None else [str(n) for n in labels]
        if isinstance(spec, str) and spec == DOTTED:
            if names is None:
                raise TargetError(
                    f"{where}: hierarchy='dotted' takes the hierarchy from the label names, but "
                    "no label names are known here; pass labels= or a parent mapping."
                )
            found = _from_dotted(names)
        elif isinstance(spec, (str, Path)):
            found = cls.from_parents(spec)
        elif isinstance(spec, Mapping):
            try:
                found = cls(spec)
            except TargetError as err:
                raise TargetError(f"{where}: {err}") from None
        elif isinstance(spec, Sequence) and all(isinstance(n, str) for n in spec):
            found = _from_dotted(list(spec))
        else:
            raise TargetError(
                f"{where}: hierarchy must be a labelwise.data.Hierarchy, a parent mapping "
                "({child: parent}), the path of a JSON file holding one, a list of dotted names "
                f"or 'dotted'; got a {type(spec).__name__}."
            )
        if names is None:
            return found
        missing = [n for n in dict.fromkeys(names) if n not in found.parents]
        if not missing:
            return found
        shown = ", ".join(map(repr, missing[:5]))
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        warnings.warn(
            f"{where}: {len(missing)} label(s) that the hierarchy does not mention are roots: "
            f"{shown}{more}.",
            LabelwiseWarning,
            stacklevel=3,
        )
        return cls({**found.to_dict(), **dict.fromkeys(missing)})

    # structure ----------------------------------------------------------------------------

    @property
    def parent(self) -> dict[str, str | None]:
        """Each label's single parent (``None`` for roots); only for trees and forests.

        Raises
        ------
        TargetError
            When a label has several parents (use :attr:`parents`).
        """
        many = [k for k, ps in self.parents.items() if len(ps) > 1]
        if many:
            raise TargetError(
                f"label {many[0]!r} has {len(self.parents[many[0]])} parents: this hierarchy is "
                "a DAG, so it has no single parent per label; use .parents."
            )
        return {k: (ps[0] if ps else None) for k, ps in self.parents.items()}

    @property
    def labels(self) -> list[str]:
        return list(self.parents)

    @property
    def roots(self) -> list[str]:
        return [k for k, ps in self.parents.items() if not ps]

    @property
    def is_tree(self) -> bool:
        """True when no label has more than one parent (a tree or forest)."""
        return all(len(ps) <= 1 for ps in self.parents.values())

    def children(self, name: str) -> list[str]:
        return list(self._children[self._known(name)])

    def ancestors(self, name: str) -> list[str]:
        """All ancestors of a label, nearest first (breadth-first; each once in a DAG)."""
        return _breadth_first(self.parents[self._known(name)], self.parents)

    def descendants(self, name: str) -> list[str]:
        """All descendants of a label, nearest first."""
        return _breadth_first(self._children[self._known(name)], self._children)

    def depth(self, name: str) -> int:
        """Edges on the longest path from a root to the label (0 for a root).

        In a tree this is the number of ancestors; in a DAG every label is deeper than all of
        its parents, so the levels (:meth:`levels`) order parents before children.
        """
        name = self._known(name)
        if name not in self._depth:
            stack = [name]
            while stack:  # iterative, so deep hierarchies do not hit the recursion limit
                node = stack[-1]
                todo = [p for p in self.parents[node] if p not in self._depth]
                if todo:
                    stack.extend(todo)
                    continue
                stack.pop()
                ps = self.parents[node]
                self._depth[node] = 1 + max(self._depth[p] for p in ps) if ps else 0
        return self._depth[name]

    def levels(self, names: Iterable[str] | None = None) -> list[list[str]]:
        """Labels grouped by depth: ``levels()[0]`` the roots, then their children, ...

        Examples
        --------
        >>> Hierarchy.from_names(["A", "A.A1", "B"]).levels()
        [['A', 'B'], ['A.A1']]
        """
        names = self.labels if names is None else [str(n) for n in names]
        out: list[list[str]] = []
        for n in names:
            d = self.depth(n)
            while len(out) <= d:
                out.append([])
            out[d].append(n)
        return out

    def is_trivial(self) -> bool:
        """True when no label has a parent (a flat label set)."""
        return all(not ps for ps in self.parents.values())

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

    def nodes_for(self, names: Sequence[str]) -> list[str]:
        """``names`` followed by their ancestors that are not among them (implicit groups).

        Examples
        --------
        >>> Hierarchy.from_groups({"A": ["A1", "A2"], "B": ["B1"]}).nodes_for(["A1", "B1"])
        ['A1', 'B1', 'A', 'B']
        """
        names = [str(n) for n in names]
        out = list(names)
        seen = set(out)
        for n in names:
            for a in self.ancestors(n):
                if a not in seen:
                    seen.add(a)
                    out.append(a)
        return out

    def _known(self, name: str) -> str:
        name = str(name)
        if name not in self.parents:
            raise UnknownLabelError(
                f"label {name!r} is not in the hierarchy ({len(self.parents)} labels)."
            )
        return name

    # label data ---------------------------------------------------------------------------

    def check_labels(self, names: Sequence[str], *, where: str = "Hierarchy") -> None:
        """Check that the hierarchy and the data's label columns fit together.

        A column that the hierarchy lacks is an error. A hierarchy label that is no column and
        no column's ancestor (a label the data never mentions) gets a ``LabelwiseWarning``;
        ancestors of columns may be absent (enron's groups ``A``-``D`` exist only in the names).

        Raises
        ------
        UnknownLabelError
            Naming the columns the hierarchy lacks.

        Examples
        --------
        >>> h = Hierarchy({"animal": None, "cat": "animal"})
        >>> h.check_labels(["cat"])
        >>> h.check_labels(["cat", "car"])
        Traceback (most recent call last):
        ...
        labelwise.errors.UnknownLabelError: Hierarchy: the data has label 'car' (column 1) ...
        """
        names = [str(n) for n in names]
        missing = [(j, n) for j, n in enumerate(names) if n not in self.parents]
        if missing:
            j, n = missing[0]
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise UnknownLabelError(
                f"{where}: the data has label {n!r} (column {j}){more} that the hierarchy "
                f"({len(self.parents)} labels) does not name; add it to the hierarchy (as a "
                "root if it has no parent) or check that both name the labels alike."
            )
        used = set(self.nodes_for(names))
        unused = [n for n in self.parents if n not in used]
        if unused:
            shown = ", ".join(map(repr, unused[:5])) + (" ..." if len(unused) > 5 else "")
            warnings.warn(
                f"{where}: the hierarchy names {len(unused)} label(s) that the data lacks "
                f"({shown}); they cannot be learnt and are left out.",
                LabelwiseWarning,
                stacklevel=2,
            )

    def add_ancestors(self, y: Any, names: Sequence[str] | None = None) -> Any:
        """Label sets with every ancestor added.

        Parameters
        ----------
        y : lists of label names, or 0/1 matrix (dense or sparse) of shape (n, len(names))
            For a matrix, only ancestors that are columns can be added; use
            :meth:`nodes_for` to get columns for every ancestor first.
        names : sequence of str
            The matrix's column names (required for a matrix).

        Returns
        -------
        Same form as ``y``: lists (ancestors appended, nearest first) or an int8 matrix.

        Examples
        --------
        >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
        >>> h.add_ancestors([["cat"], []])
        [['cat', 'animal'], []]
        >>> h.add_ancestors([[0, 1, 0]], names=["animal", "cat", "dog"])
        array([[1, 1, 0]], dtype=int8)
        """
        if names is None:
            out = []
            for row in y:
                labels = [str(v) for v in row]
                seen = set(labels)
                for lab in list(labels):
                    for a in self.ancestors(lab):
                        if a not in seen:
                            seen.add(a)
                            labels.append(a)
                out.append(labels)
            return out
        A = sp.csr_matrix(self.ancestor_matrix(self._check_names(names)).astype(np.float64))
        Y = sp.csr_matrix(y, dtype=np.float64)
        if Y.shape[1] != len(names):
            raise TargetError(
                f"add_ancestors: y has {Y.shape[1]} columns but {len(names)} names were given."
            )
        closed = (Y @ A) > 0
        return closed.astype(np.int8).toarray() if not sp.issparse(y) else closed.astype(np.int8)

    def violations(self, y: Any, names: Sequence[str]) -> HierarchyViolations:
        """Rows where a label occurs without one of its parents, counted per link.

        Only parents that are columns can be checked (an implicit group cannot be missing).

        Parameters
        ----------
        y : 0/1 matrix (dense or sparse) of shape (n_samples, len(names))
        names : sequence of str

        Examples
        --------
        >>> h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
        >>> v = h.violations([[0, 1, 0], [1, 1, 0], [0, 0, 1]], ["animal", "cat", "dog"])
        >>> v.n_violating_rows, v.pairs
        (2, [('cat', 'animal', 1), ('dog', 'animal', 1)])
        """
        names = self._check_names(names)
        Y = sp.csc_matrix(y, dtype=np.int8)
        pos = {n: j for j, n in enumerate(names)}
        bad = np.zeros(Y.shape[0], dtype=bool)
        pairs = []
        for j, n in enumerate(names):
            for p in self.parents[n]:
                if p not in pos:
                    continue
                child = Y[:, j].toarray().ravel() > 0
                par = Y[:, pos[p]].toarray().ravel() > 0
                miss = child & ~par
                if miss.any():
                    bad |= miss
                    pairs.append((n, p, int(miss.sum())))
        pairs.sort(key=lambda t: -t[2])
        return HierarchyViolations(int(Y.shape[0]), int(bad.sum()), pairs)

    def _check_names(self, names: Sequence[str]) -> list[str]:
        names = [str(n) for n in names]
        for j, n in enumerate(names):
            if n not in self.parents:
                raise UnknownLabelError(
                    f"label {n!r} (column {j}) is not in the hierarchy ({len(self.parents)} "
                    "labels)."
                )
        return names

    @staticmethod
    def is_hierarchy(value: Any) -> bool:
        """Whether ``value`` is a Hierarchy (by its interface, so that a re-imported module's
        class counts too)."""
        return hasattr(value, "parents") and hasattr(value, "nodes_for")

    def to_dict(self) -> dict[str, Any]:
        """The parent mapping, JSON-ready: a name, a list of names (DAG) or None per label."""
        return {
            k: (None if not ps else ps[0] if len(ps) == 1 else list(ps))
            for k, ps in self.parents.items()
        }

    def __eq__(self, other: object) -> bool:
        # compared by content: a re-imported module (pytest's doctest collection) makes a
        # second Hierarchy class
        return (
            type(other).__name__ == "Hierarchy" and getattr(other, "parents", None) == self.parents
        )

    def __hash__(self) -> int:
        return hash(tuple(self.parents.items()))

    def __repr__(self) -> str:
        kind = "" if self.is_tree else ", DAG"
        return f"Hierarchy({len(self.parents)} labels, {len(self.roots)} roots{kind})"


def _check_acyclic(parents: Mapping[str, tuple[str, ...]]) -> None:
    """Raise a TargetError naming a cycle's labels if the parent links have one."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in parents:
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            ps = parents[node]
            if i < len(ps):
                stack.append((node, i + 1))
                nxt = ps[i]
                if state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    raise TargetError(
                        "the label hierarchy has a cycle through "
                        f"{nxt!r}: {' -> '.join(cycle)} (each arrow points to a parent)."
                    )
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()


def _breadth_first(start: Any, edges: Any) -> list[str]:
    """Nodes reachable from ``start`` along ``edges`` (node -> neighbours), nearest first, once."""
    out: list[str] = []
    seen: set[str] = set()
    frontier = list(start)
    while frontier:
        nxt = []
        for node in frontier:
            if node not in seen:
                seen.add(node)
                out.append(node)
                nxt.extend(edges[node])
        frontier = nxt
    return out


def _from_dotted(names: list[str]) -> Hierarchy:
    """The hierarchy of dotted names: Mulan's strict ``A.A1`` pattern (groups added as roots),
    else the nearest shorter name that is a label (flat when there is none)."""
    from labelwise.data.xml_labels import hierarchy_from_dotted_names  # it builds on this module

    found = hierarchy_from_dotted_names(names)
    return found if found is not None else Hierarchy.from_names(names)


def is_hierarchy_spec(value: Any) -> bool:
    """a Hierarchy, a parent mapping, the path of a JSON parent mapping, a list of dotted names or
    'dotted'"""
    if Hierarchy.is_hierarchy(value) or isinstance(value, (Mapping, str, Path)):
        return True
    return (
        isinstance(value, Sequence)
        and not isinstance(value, (bytes, bytearray))
        and all(isinstance(n, str) for n in value)
    )
