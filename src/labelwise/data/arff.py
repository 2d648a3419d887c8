"""Mulan and MEKA ARFF files: reader and writer, dense and sparse rows.

Which attributes are labels:

* **Mulan**: the names in an XML label file (``labels="scene.xml"``) or a list of names, wherever
  the attributes stand. With ``labels=None`` the reader looks for ``NAME.xml`` next to
  ``NAME.arff`` (also for ``NAME-train.arff`` and ``NAME-test.arff``, which also take their own
  ``NAME-train.xml`` / ``NAME-test.xml`` and, failing both, the other split's, as
  :func:`write_arff` writes one beside each file).
* **MEKA**: ``-C n`` in the relation name: the first ``n`` attributes, or the last ``|n|`` when
  ``n`` is negative. ``labels=n`` (an int) overrides it. When both a ``NAME.xml`` and ``-C n``
  are present the XML file wins (Weka filter options in Mulan relation names can contain ``-C``).

Label columns keep the order of the attributes in the file. Nominal ``{0,1}`` attributes become
0/1; other nominal features are one-hot encoded into columns named ``attr=value``; ``?`` is a
missing value (NaN, then the ``nan`` rule). Dense rows are parsed with one vectorised pass over
the whole data section; sparse rows (``{index value, ...}``) the same way.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from labelwise._files import write_file
from labelwise._validation import Options, check_params
from labelwise.data._arff_rows import Attribute, parse_rows
from labelwise.data._parsing import (
    brief,
    check_encoding,
    handle_nonfinite,
    read_text_bytes,
    split_quoted,
)
from labelwise.data.dataset import Dataset
from labelwise.data.hierarchy import Hierarchy
from labelwise.data.xml_labels import (
    hierarchy_from_dotted_names,
    read_label_xml,
    write_label_xml,
)
from labelwise.errors import DataFormatError, DataValueError

__all__ = ["read_arff", "write_arff"]

_NUMERIC = ("numeric", "real", "integer")
_MEKA_C = re.compile(r"-C\s+(-?\d+)")
_SPLIT_SUFFIX = re.compile(r"[-_](train|test)$", re.IGNORECASE)


_BINARY = ("{0,1}", "{0, 1}")


def read_arff(
    path: str | Path,
    labels: str | Path | int | Sequence[str] | None = None,
    *,
    sparse: bool | None = None,
    nan: str = "error",
    encoding: str | None = None,
) -> Dataset:
    """Read a Mulan or MEKA ARFF file.

    Parameters
    ----------
    path : str or Path
        The ``.arff`` file (``.arff.gz`` is read too).
    labels : str, Path, int, sequence of str or None, default=None
        Mulan XML label file, an int (MEKA: first ``n`` or last ``|n|`` attributes), or the label
        attribute names. ``None``: ``-C n`` in the relation name, else ``NAME.xml`` next to the
        file.
    sparse : bool or None, default=None
        Return CSR ``X`` and ``Y`` (``True``) or dense arrays (``False``). ``None``: sparse when the
        file uses sparse rows.
    nan : {"error", "impute", "keep"}, default="error"
        What to do with missing (``?``) or infinite feature values: raise an error saying how many
        and where, replace them by the column mean, or keep them.
    encoding : str, optional
        The text encoding of the file and of its XML label file. ``None``: UTF-8 (or what a
        byte-order mark says). ARFF files are read as UTF-8 like every other format; older
        Mulan/MEKA files written by Weka on some systems are Latin-1: pass
        ``encoding="latin-1"``. The encoding is never guessed: bytes that are not valid UTF-8
        are a :class:`~labelwise.errors.DataFormatError` naming the line and byte offset.

    Returns
    -------
    Dataset
        ``X`` float64, ``Y`` int8, ``label_names``, ``feature_names`` and the label hierarchy when
        the XML nests labels or the names encode one (``A.A1`` under ``A``).

    Raises
    ------
    FileNotFoundError
        If the file (or the XML file) does not exist.
    DataFormatError
        If the file is not valid ARFF; the message gives the line and column.
    DataValueError
        For a label value other than 0/1, or NaN/infinite features with ``nan="error"``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "tiny.arff")
    >>> _ = open(p, "w").write('''@relation 'tiny: -C 2'
    ... @attribute a {0,1}
    ... @attribute b {0,1}
    ... @attribute 'x 1' numeric
    ... @attribute colour {red,blue}
    ... @data
    ... 1,0,0.5,red
    ... 0,0,?,blue
    ... ''')
    >>> ds = read_arff(p, nan="impute")
    >>> ds.label_names, ds.feature_names
    (['a', 'b'], ['x 1', 'colour=red', 'colour=blue'])
    >>> ds.X
    array([[0.5, 1. , 0. ],
           [0.5, 0. , 1. ]])
    >>> ds.Y
    array([[1, 0],
           [0, 0]], dtype=int8)
    """
    check_params(
        {"sparse": sparse, "nan": nan},
        {"sparse": [None, bool], "nan": [Options({"error", "impute", "keep"})]},
        caller="read_arff",
    )
    encoding = check_encoding(encoding, "read_arff")
    path = Path(path)
    raw = read_text_bytes(path, encoding)
    relation, attrs, start, first_line = _parse_header(raw, path)
    label_idx, hierarchy = _resolve_labels(path, relation, attrs, labels, encoding)
    V, line_numbers, sparse_rows = parse_rows(raw, start, first_line, attrs, path)
    del raw
    return _assemble(
        V, attrs, label_idx, hierarchy, line_numbers, path,
        sparse=sparse_rows if sparse is None else sparse, nan=nan,
    )  # fmt: skip


# ----------------------------------------------------------------------------- header


def _parse_header(raw: bytes, path: Path) -> tuple[str, list[Attribute], int, int]:
    """Relation name, attributes, and the byte offset and line number where the data starts."""
    relation = ""
    attrs: list[Attribute] = []
    seen: dict[str, int] = {}
    pos, number = 0, 0
    while pos < len(raw) or number == 0:
        nl = raw.find(b"\n", pos)
        stop = len(raw) if nl < 0 else nl
        number += 1
        line = raw[pos:stop].decode("utf-8").strip()  # valid: read_text_bytes checked
        pos = stop + 1
        if not line or line.startswith("%"):
            continue
        head = line[:10].lower()
        if head.startswith("@relation"):
            relation = _take_name(line[9:].strip(), path, number)[0]
        elif head.startswith("@attribute"):
            attr = _parse_attribute(line[10:].strip(), path, number)
            if attr.name in seen:
                raise DataFormatError(
                    f"duplicate attribute name {brief(attr.name)} (first declared on line "
                    f"{seen[attr.name]}); attribute names must be unique.",
                    path=path,
                    line=number,
                )
            seen[attr.name] = number
            attrs.append(attr)
        elif head.startswith("@data"):
            if not attrs:
                raise DataFormatError("@data comes before any @attribute.", path=path, line=number)
            return relation, attrs, min(pos, len(raw)), number + 1
        else:
            raise DataFormatError(
                f"unexpected line in the ARFF header: {line[:60]!r}; expected @relation, "
                "@attribute or @data.",
                path=path,
                line=number,
            )
    raise DataFormatError(
        f"truncated ARFF file: no @data section (the header ends at line {number} after "
        f"{len(attrs)} attributes). Is the file complete?",
        path=path,
        line=number,
    )


def _take_name(s: str, path: Path, line: int) -> tuple[str, str]:
    """Split a possibly quoted name off the front of ``s``."""
    if s and s[0] in "'\"":
        quote, out, i = s[0], [], 1
        while i < len(s):
            c = s[i]
            if c == "\\" and i + 1 < len(s):
                out.append(s[i + 1])
                i += 2
                continue
            if c == quote:
                return "".join(out), s[i + 1 :].strip()
            out.append(c)
            i += 1
        raise DataFormatError(f"unclosed quote in {s[:60]!r}.", path=path, line=line)
    m = re.match(r"[^\s{]+", s)
    if not m:
        raise DataFormatError(f"expected a name, found {s[:60]!r}.", path=path, line=line)
    return m.group(0), s[m.end() :].strip()


def _parse_attribute(s: str, path: Path, line: int) -> Attribute:
    name, kind = _take_name(s, path, line)
    low = kind.lower()
    if low in _NUMERIC:
        return Attribute(name, "numeric", line)
    if kind.startswith("{"):
        if not kind.endswith("}"):
            raise DataFormatError(
                f"nominal attribute {brief(name)}: the value list has no closing '}}'.",
                path=path,
                line=line,
            )
        if kind in _BINARY:
            return Attribute(name, "nominal", line, ["0", "1"], np.array([0.0, 1.0]), True)
        try:
            values = split_quoted(kind[1:-1])
        except ValueError as err:
            raise DataFormatError(
                f"attribute {brief(name)}: {err}.", path=path, line=line
            ) from None
        try:
            floats = np.array([float(v) for v in values])
            if len(set(floats.tolist())) != len(values):
                floats = None
        except ValueError:
            floats = None
        binary = floats is not None and floats.tolist() == [0.0, 1.0]
        return Attribute(name, "nominal", line, values, floats, binary)
    raise DataFormatError(
        f"attribute {brief(name)} has type {kind[:40]!r}, which labelwise cannot use as a feature "
        "(supported: numeric, real, integer, nominal {...}). Remove or convert the attribute.",
        path=path,
        line=line,
    )


def _resolve_labels(
    path: Path, relation: str, attrs: list[Attribute], labels: object, encoding: str | None
) -> tuple[np.ndarray, Hierarchy | None]:
    n_attr = len(attrs)
    hierarchy = None
    source = path
    if labels is None:  # a Mulan XML next to the file wins over '-C n' in a relation name
        m = _MEKA_C.search(relation)
        xml = _find_xml(path, required=m is None)
        labels = xml if xml is not None else int(m.group(1))
    if isinstance(labels, (int, np.integer)) and not isinstance(labels, bool):
        n = int(labels)
        if n == 0 or abs(n) >= n_attr:
            raise DataFormatError(
                f"MEKA label count {n} does not fit a file with {n_attr} attributes; it must be "
                f"between 1 and {n_attr - 1} (or -1 and {-(n_attr - 1)} for the last attributes).",
                path=path,
            )
        idx = np.arange(n) if n > 0 else np.arange(n_attr + n, n_attr)
    else:
        if isinstance(labels, (str, Path)):
            source = Path(labels)
            names, hierarchy = read_label_xml(source, encoding=encoding)
        else:
            names = [str(n) for n in labels]  # type: ignore[union-attr]
            dup = sorted(n for n, k in Counter(names).items() if k > 1)
            if dup:
                raise DataFormatError(f"duplicate label names {dup}; names must be unique.")
        index = {a.name: j for j, a in enumerate(attrs)}
        missing = [n for n in names if n not in index]
        if missing:
            shown = ", ".join(brief(n) for n in missing[:10])
            raise DataFormatError(
                f"{len(names)} labels are declared but {len(missing)} of them are not attributes "
                f"of {path.name}: {shown}{', ...' if len(missing) > 10 else ''}. Check that the "
                "label file belongs to this ARFF file.",
                path=source,
            )
        idx = np.sort(np.array([index[n] for n in names], dtype=np.intp))
    for j in idx:
        a = attrs[j]
        a.is_label = True
        if a.kind == "nominal" and not (a.floats is not None and set(a.floats) <= {0.0, 1.0}):
            raise DataFormatError(
                f"label {brief(a.name)} is nominal {brief('{' + ','.join(a.values) + '}')}; label "
                "attributes must "
                "be {0,1} or numeric 0/1.",
                path=path,
                line=a.line,
            )
    if hierarchy is None:
        hierarchy = hierarchy_from_dotted_names([attrs[j].name for j in idx])
    return idx, hierarchy


def _find_xml(path: Path, *, required: bool) -> Path | None:
    stem = path.name
    for suffix in (".gz", ".arff"):
        stem = stem[: -len(suffix)] if stem.lower().endswith(suffix) else stem
    candidates = [
        path.with_name(stem + ".xml"),
        path.with_name(_SPLIT_SUFFIX.sub("", stem) + ".xml"),
    ]
    expected = candidates[-1].name
    split = _SPLIT_SUFFIX.search(stem)
    if split:  # the other split's label file (write_arff writes NAME-train.xml beside its file)
        other = "test" if split.group(1).lower() == "train" else "train"
        candidates.append(path.with_name(stem[: split.start() + 1] + other + ".xml"))
    for c in candidates:
        if c.is_file():
            return c
    if not required:
        return None
    raise DataFormatError(
        "cannot tell which attributes are the labels: the relation name has no MEKA '-C n' and "
        f"there is no {expected} next to the file. Pass labels= an XML label file, a "
        "label count (MEKA) or the label names.",
        path=path,
    )


# ----------------------------------------------------------------------------- assembling


def _assemble(V, attrs, label_idx, hierarchy, line_numbers, path, *, sparse, nan) -> Dataset:
    n_attr = len(attrs)
    is_label = np.zeros(n_attr, dtype=bool)
    is_label[label_idx] = True
    label_names = [attrs[j].name for j in label_idx]
    Y = V[:, label_idx]
    Yv = Y.data if sp.issparse(Y) else Y
    bad = (Yv != 0) & (Yv != 1)
    if bad.any():
        if sp.issparse(Y):
            Y = Y.tocsr()
            pos = int(np.flatnonzero(bad)[0])
            r = int(np.searchsorted(Y.indptr, pos, side="right") - 1)
            c = int(Y.indices[pos])
            value = Y.data[pos]
        else:
            r, c = (int(v) for v in np.argwhere(bad)[0])
            value = Y[r, c]
        raise DataValueError(
            f"label {brief(label_names[c])} has value {value:g}; label values must be 0 or 1 "
            f"({int(bad.sum())} such value(s)).",
            path=path,
            line=int(line_numbers[r]),
            column=label_names[c],
        )
    feat = np.flatnonzero(~is_label)
    if sp.issparse(V):
        X = V[:, feat]
        feature_names = [attrs[j].name for j in feat]
    else:
        blocks, feature_names = [], []
        for j in feat:
            a = attrs[j]
            if a.kind == "nominal" and not a.binary:
                codes = V[:, j]
                onehot = (codes[:, None] == np.arange(len(a.values))[None, :]).astype(float)
                onehot[np.isnan(codes)] = np.nan
                blocks.append(onehot)
                feature_names.extend(f"{a.name}={v}" for v in a.values)
            else:
                blocks.append(V[:, j : j + 1])
                feature_names.append(a.name)
        X = np.hstack(blocks) if blocks else np.empty((V.shape[0], 0))
    X = handle_nonfinite(X, nan, path=path, row_lines=line_numbers, feature_names=feature_names)
    if sparse:
        X, Y = sp.csr_matrix(X, dtype=np.float64), sp.csr_matrix(Y, dtype=np.int8)
    else:
        X = X.toarray() if sp.issparse(X) else np.ascontiguousarray(X, dtype=np.float64)
        Y = Y.toarray() if sp.issparse(Y) else Y
        Y = np.ascontiguousarray(Y, dtype=np.int8)
    name = path.name.split(".")[0]
    return Dataset(
        X=X, Y=Y, label_names=label_names, feature_names=feature_names,
        hierarchy=hierarchy, name=name,
    )  # fmt: skip


# ----------------------------------------------------------------------------- writer


def _quote(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.\-=:/+()\[\]<>#&$@!^*~|;]+", name) and name[0] not in "'\"%{":
        return name
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fmt(v: float) -> str:
    if v != v:
        return "?"
    s = repr(v)
    return s[:-2] if s.endswith(".0") else s


def check_writable(path: Path, overwrite: bool) -> None:
    """Refuse to replace an existing file unless ``overwrite=True``."""
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path}: the file exists; pass overwrite=True to replace it, or choose another path."
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist.")


def write_arff(
    dataset: Dataset,
    path: str | Path,
    *,
    sparse: bool | None = None,
    overwrite: bool = False,
    xml: bool = True,
) -> Path:
    """Write a Dataset as a Mulan ARFF file (features first, then ``{0,1}`` label attributes).

    Parameters
    ----------
    dataset : Dataset
    path : str or Path
        The ``.arff`` file to create.
    sparse : bool or None, default=None
        Write sparse rows (``{index value, ...}``); ``None``: when ``dataset.X`` is sparse.
    overwrite : bool, default=False
        Replace existing files; otherwise an existing file is an error.
    xml : bool, default=True
        Also write the Mulan label file ``NAME.xml`` next to it (nested when the dataset has a
        hierarchy among its labels).

    Returns
    -------
    Path
        The ARFF file written.

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> ds = Dataset(X=np.array([[0.5, 0.0]]), Y=np.array([[0, 1]]), label_names=["a", "b c"],
    ...              feature_names=["f1", "f2"])
    >>> p = write_arff(ds, os.path.join(tempfile.mkdtemp(), "t.arff"))
    >>> print(open(p).read())
    @relation t
    @attribute f1 numeric
    @attribute f2 numeric
    @attribute a {0,1}
    @attribute 'b c' {0,1}
    @data
    0.5,0,0,1
    >>> read_arff(p).label_names
    ['a', 'b c']
    """
    path = Path(path)
    xml_path = path.with_suffix(".xml")
    check_writable(path, overwrite)
    if xml:
        check_writable(xml_path, overwrite)
    X = dataset.X if dataset.X is not None else np.empty((dataset.n_samples, 0))
    sparse = sp.issparse(X) if sparse is None else sparse
    n_feat = X.shape[1]
    fnames = dataset.feature_names or [f"f{j}" for j in range(n_feat)]
    out = [f"@relation {_quote(dataset.name or path.stem)}"]
    out += [f"@attribute {_quote(n)} numeric" for n in fnames]
    out += [f"@attribute {_quote(n)} {{0,1}}" for n in dataset.label_names]
    out.append("@data")
    if sparse:
        M = sp.hstack([sp.csr_matrix(X), sp.csr_matrix(dataset.Y)], format="csr")
        M.sort_indices()
        ind, data, ptr = M.indices.tolist(), M.data.tolist(), M.indptr
        for i in range(M.shape[0]):
            lo, hi = ptr[i], ptr[i + 1]
            out.append("{" + ",".join(f"{ind[k]} {_fmt(data[k])}" for k in range(lo, hi)) + "}")
    else:
        Xd = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        Yd = dataset.Y_dense().tolist()
        for xrow, yrow in zip(Xd.tolist(), Yd, strict=True):
            out.append(",".join([*map(_fmt, xrow), *map(str, yrow)]))
    write_file(path, "\n".join(out) + "\n", overwrite=overwrite)
    if xml:
        write_label_xml(xml_path, dataset.label_names, dataset.hierarchy)
    return path
