"""Mulan XML label files: the label names of an ARFF file, possibly nested into a hierarchy.

A Mulan label file lists ``<label name="...">`` elements inside ``<labels>``. Nesting one
``<label>`` inside another makes it a child, which gives a :class:`Hierarchy`. Some datasets
(enron) encode a two-level hierarchy only in the names (``A.A1`` under group ``A``);
:func:`hierarchy_from_dotted_names` recovers it.
"""

from __future__ import annotations

import codecs
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path

from labelwise._files import write_file
from labelwise.data._parsing import brief, check_encoding, check_utf8, read_bytes, text_bytes
from labelwise.data.hierarchy import Hierarchy
from labelwise.errors import DataFormatError

__all__ = ["hierarchy_from_dotted_names", "read_label_xml", "write_label_xml"]

_DECLARED = re.compile(rb"""(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']{0,40})""")


def read_label_xml(
    path: str | Path, *, encoding: str | None = None
) -> tuple[list[str], Hierarchy | None]:
    """Read a Mulan XML label file.

    Parameters
    ----------
    path : str or Path
        The ``.xml`` file.
    encoding : str, optional
        The file's text encoding, overriding its XML declaration. ``None``: what the declaration
        (or a byte-order mark) says, UTF-8 without one; bytes that are not valid in it are a
        :class:`~labelwise.errors.DataFormatError` naming the line.

    Returns
    -------
    names : list of str
        Label names in document order (parents before their children).
    hierarchy : Hierarchy or None
        The nesting of ``<label>`` elements, or ``None`` when the file is flat.

    Raises
    ------
    DataFormatError
        If the file is not XML, has no labels, or names a label twice.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "t.xml")
    >>> _ = open(p, "w").write('<labels><label name="a"><label name="a1"/></label>'
    ...                        '<label name="b"/></labels>')
    >>> names, h = read_label_xml(p)
    >>> names, h.parent["a1"]
    (['a', 'a1', 'b'], 'a')
    """
    encoding = check_encoding(encoding, "read_label_xml")
    data = read_bytes(path)
    if encoding is not None:  # decoded here, so the declaration is ignored
        document: bytes | str = text_bytes(data, path, encoding=encoding).decode("utf-8")
    else:
        document = data
        declared = _DECLARED.match(data)
        utf8 = declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")
        if utf8 and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
            # expat would say only "not well-formed (invalid token)"
            check_utf8(data[bom:], path, offset=bom)
    try:
        root = ET.fromstring(document)
    except ET.ParseError as err:
        line = err.position[0] if hasattr(err, "position") else None
        raise DataFormatError(
            f"not a valid XML label file ({err}).", path=path, line=line
        ) from None
    except (LookupError, ValueError) as err:  # an unknown or unusable declared encoding
        declared = re.search(rb"""encoding\s*=\s*["']([^"']{0,40})""", data[:200])
        name = brief(declared.group(1)) if declared else "(unknown)"
        raise DataFormatError(
            f"cannot decode the XML label file: its declaration names the encoding {name} "
            f"({brief(str(err), 120)[1:-1]}); save it as UTF-8 with "
            '<?xml version="1.0" encoding="utf-8"?>.',
            path=path,
            line=1,
        ) from None
    names: list[str] = []
    parent: dict[str, str | None] = {}
    stack: list[tuple[Iterator[ET.Element], str | None]] = [(iter(root), None)]
    while stack:  # document order, parents first; a loop, so deep nesting cannot recurse too far
        children, up = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if _local(child.tag) != "label":
            continue
        name = child.get("name")
        if name is None:
            raise DataFormatError(
                "a <label> element has no name attribute.", path=path, line=_unnamed_line(data)
            )
        if name in parent:
            raise DataFormatError(
                f"duplicate label name {brief(name)}; label names must be unique.",
                path=path,
                line=_name_line(data, name, occurrence=2),
            )
        names.append(name)
        parent[name] = up
        stack.append((iter(child), name))
    if not names:
        raise DataFormatError("no <label name=...> elements found.", path=path)
    nested = any(p is not None for p in parent.values())
    return names, Hierarchy(parent) if nested else None


def _name_line(data: bytes, name: str, occurrence: int) -> int | None:
    """The line of the ``occurrence``-th ``name="..."`` attribute for ``name`` (when written
    plainly, in an 8-bit or UTF-8 file); ``None`` when it cannot be found that way."""
    quoted = re.escape(name.encode("utf-8", errors="replace"))
    hits = re.finditer(rb"\bname\s*=\s*([\"'])" + quoted + rb"\1", data)
    for k, m in enumerate(hits, start=1):
        if k == occurrence:
            return data.count(b"\n", 0, m.start()) + 1
    return None


def _unnamed_line(data: bytes) -> int | None:
    """The line of the first ``<label>`` start tag without a ``name`` attribute, if found."""
    m = re.search(rb"<(?:[\w.-]+:)?label\b(?![^>]*\bname\s*=)", data)
    return None if m is None else data.count(b"\n", 0, m.start()) + 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def hierarchy_from_dotted_names(names: Sequence[str], sep: str = ".") -> Hierarchy | None:
    """A hierarchy from names like ``A.A1`` when every name follows that pattern, else ``None``.

    The pattern is strict so that names that merely contain a dot (``"079.99:Viral_infection"``)
    are not mistaken for a hierarchy: every name must be ``parent<sep>child`` where the child part
    starts with the parent part. Group nodes (``A``) that are not labels are added as roots.

    Examples
    --------
    >>> h = hierarchy_from_dotted_names(["A.A1", "A.A2", "B.B1"])
    >>> h.parent["A.A1"], h.roots
    ('A', ['A', 'B'])
    >>> hierarchy_from_dotted_names(["079.99:Viral", "V13.02:History"]) is None
    True
    """
    groups: dict[str, None] = {}
    for name in names:
        parts = name.split(sep)
        if len(parts) < 2 or not all(parts):
            return None
        for up, down in itertools.pairwise(parts):
            if not down.startswith(up):
                return None
        for cut in range(1, len(parts)):
            groups.setdefault(sep.join(parts[:cut]), None)
    known = set(names)
    all_names = [g for g in groups if g not in known] + list(names)
    return Hierarchy.from_names(all_names, sep=sep)


def write_label_xml(
    path: str | Path, names: Sequence[str], hierarchy: Hierarchy | None = None
) -> None:
    """Write a Mulan XML label file; labels nest when ``hierarchy`` links labels to labels.

    Parameters
    ----------
    path : str or Path
    names : sequence of str
    hierarchy : Hierarchy, optional
        Parents that are not themselves in ``names`` are ignored (the names keep them).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.xml")
    >>> write_label_xml(p, ["a", "b"])
    >>> read_label_xml(p)
    (['a', 'b'], None)
    """
    known = set(names)
    parent = {n: (hierarchy.parent.get(n) if hierarchy is not None else None) for n in names}
    parent = {n: (p if p in known else None) for n, p in parent.items()}
    root = ET.Element("labels", xmlns="http://mulan.sourceforge.net/labels")
    elems: dict[str, ET.Element] = {}
    pending = list(names)
    while pending:  # parents first, whatever the column order
        rest = []
        for n in pending:
            p = parent[n]
            if p is None or p in elems:
                elems[n] = ET.SubElement(root if p is None else elems[p], "label", name=n)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise DataFormatError("the label hierarchy has a cycle; cannot write it as XML.")
        pending = rest
    ET.indent(root)
    write_file(
        path,
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n",
        overwrite=True,
    )
