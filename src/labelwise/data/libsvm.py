"""LibSVM / extreme-classification (XC) text format: reader and writer.

One example per line: ``l1,l2 f:v f:v ...``. The label field may be empty (a line that starts
with a space or directly with ``f:v``): an example with no labels. The XC repository's files open
with a header line ``n_samples n_features n_labels``; it is optional here. Lines may end in a
``# comment``.

Feature indices may be 0- or 1-based (``zero_based``): ``"auto"`` follows scikit-learn's rule
(1-based when no index 0 occurs), except that with a header the XC convention (0-based) holds
unless some index equals ``n_features``. Label values are column numbers (``0 .. n_labels-1``)
when there is a header or ``labels`` gives the label count or names; otherwise each distinct
label value becomes a column, in increasing order, named by its value.

Parsing works on blocks of about 4 MB: the label fields are split off line by line, then all
``index:value`` pairs of a block are converted in one vectorised pass.
"""

from __future__ import annotations

import codecs
import gzip
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from labelwise._validation import Options, check_params
from labelwise.data._parsing import (
    brief,
    check_encoding,
    check_no_nul,
    gzip_errors,
    handle_nonfinite,
    parse_floats,
    text_bytes,
)
from labelwise.data.arff import _fmt, check_writable
from labelwise.data.dataset import Dataset
from labelwise.errors import DataFormatError, DataValueError

__all__ = ["read_libsvm", "write_libsvm"]

_BLOCK = 1 << 20


def _blocks(path: Path, encoding: str | None = None):
    """Yield (bytes, first line number) in blocks that end at a line end.

    Byte-order marks are honoured (a UTF-16/32 file is transcoded whole, as is a file in an
    ``encoding`` that does not write digits as ASCII does); a NUL byte, or a broken gzip
    archive, is a DataFormatError naming the file and the line.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file; check the path (cwd is {Path.cwd()}).")
    if path.is_dir():
        raise DataFormatError("is a directory, not a data file.", path=path)
    line = 1
    for block in _raw_blocks(path, encoding):
        check_no_nul(block, path, line)
        yield block, line
        line += block.count(b"\n")


_SAMPLE = "\n #:,.-+0123456789eEinfa"


def _raw_blocks(path: Path, encoding: str | None):
    opener = gzip.open if path.suffix == ".gz" else open
    carry = b""
    whole = encoding is not None and _SAMPLE.encode(encoding) != _SAMPLE.encode("ascii")
    with gzip_errors(path), opener(path, "rb") as fh:
        first = fh.read(_BLOCK)
        if whole or first.startswith(
            (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
        ):
            first = text_bytes(first + fh.read(), path, encoding=encoding)
        elif first.startswith(codecs.BOM_UTF8):
            first = first[len(codecs.BOM_UTF8) :]
        chunk = first
        while chunk:
            chunk = carry + chunk
            cut = chunk.rfind(b"\n")
            if cut < 0:
                carry = chunk
            else:
                yield chunk[: cut + 1]
                carry = chunk[cut + 1 :]
            chunk = fh.read(_BLOCK)
    if carry.strip():
        yield carry + b"\n"


def _header(first: bytes) -> tuple[int, int, int] | None:
    parts = first.split()
    if len(parts) == 3 and b":" not in first and b"," not in first:
        try:
            return tuple(int(p) for p in parts)  # type: ignore[return-value]
        except ValueError:
            return None
    return None


class _Block:
    """The parsed content of one block of lines."""

    def __init__(self, blob: bytes, first_line: int, path: Path) -> None:
        if b"\t" in blob or b"\r" in blob:
            blob = blob.replace(b"\t", b" ").replace(b"\r", b"")
        lines = blob.split(b"\n")[:-1]  # the block ends with a newline
        if b"#" in blob:
            lines = [ln.split(b"#", 1)[0] for ln in lines]
        self.n = len(lines)
        self.first_line = first_line
        labs, feats = [], []
        for ln in lines:
            head, _, rest = ln.partition(b" ")
            if b":" in head:  # no label field
                head, rest = b"", ln
            labs.append(head)
            feats.append(rest)
        self.label_counts = np.array([h.count(b",") + 1 if h else 0 for h in labs], dtype=np.intp)
        lbuf = b" ".join(labs).replace(b",", b" ")
        try:
            self.label_values = (
                np.fromstring(lbuf, dtype=np.int64, sep=" ")
                if self.label_counts.sum()
                else np.zeros(0, dtype=np.int64)  # fromstring reads blanks as [0]
            )
            if self.label_values.size != self.label_counts.sum():
                raise ValueError
        except ValueError:
            self._locate_label_error(labs, path)
        fbuf = b"\n".join(feats)
        try:
            values, starts = parse_floats(fbuf.replace(b":", b" "), return_starts=True)
        except ValueError:
            self._locate_feature_error(feats, path)
        raw = np.frombuffer(fbuf, dtype=np.uint8)
        # pairs alternate: a value follows a ':' and an index follows a space or a line end
        before = raw[np.maximum(starts - 1, 0)]
        after_colon = before == 58
        n_colon = int(np.count_nonzero(raw == 58))
        if (
            values.size % 2
            or after_colon[0::2].any()
            or not after_colon[1::2].all()
            or n_colon != values.size // 2
        ):
            self._locate_feature_error(feats, path)
        del before, after_colon
        line_of = np.searchsorted(np.flatnonzero(raw == 10), starts[0::2])
        del starts
        self.feat_counts = np.bincount(line_of, minlength=self.n)
        index = values[0::2]
        bad = (index != np.floor(index)) | (index < 0) | (index >= 2**31 - 1)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataFormatError(
                f"feature index {index[k]:g} is not a non-negative integer.",
                path=path,
                line=self.first_line + int(line_of[k]),
            )
        self.indices = index.astype(np.int32)
        self.values = np.ascontiguousarray(values[1::2])

    def _locate_label_error(self, labs: list[bytes], path: Path):
        for i, h in enumerate(labs):
            for tok in h.split(b","):
                try:
                    int(tok)
                except ValueError:
                    raise DataFormatError(
                        f"label {brief(tok)} is not an integer label index "
                        "(the label field is 'l1,l2,...', integers separated by commas).",
                        path=path,
                        line=self.first_line + i,
                        column=1,
                    ) from None
        raise DataFormatError("cannot parse the label fields.", path=path, line=self.first_line)

    def _locate_feature_error(self, feats: list[bytes], path: Path):
        for i, f in enumerate(feats):
            for tok in f.split():
                idx, colon, val = tok.partition(b":")
                try:
                    if not colon:
                        raise ValueError
                    int(idx)
                    float(val)
                except ValueError:
                    raise DataFormatError(
                        f"feature entry {brief(tok)} is not 'index:value'.",
                        path=path,
                        line=self.first_line + i,
                    ) from None
        raise DataFormatError("cannot parse the features.", path=path, line=self.first_line)


def read_libsvm(
    path: str | Path,
    labels: int | Sequence[str] | None = None,
    *,
    n_features: int | None = None,
    zero_based: bool | str = "auto",
    sparse: bool = True,
    nan: str = "error",
    encoding: str | None = None,
) -> Dataset:
    """Read a LibSVM / XC multi-label file.

    Parameters
    ----------
    path : str or Path
        The file (``.gz`` is read too).
    labels : int, sequence of str or None, default=None
        The number of labels, or the label names in column order (label value ``j`` is
        ``labels[j]``). ``None``: from the header, else the distinct label values.
    n_features : int, optional
        Number of feature columns; default from the header or the largest index.
    zero_based : bool or "auto", default="auto"
        Whether feature indices start at 0 (see the module docstring for ``"auto"``).
    sparse : bool, default=True
        CSR ``X`` and ``Y`` (``True``) or dense arrays.
    nan : {"error", "impute", "keep"}, default="error"
        What to do with NaN or infinite feature values.
    encoding : str, optional
        The file's text encoding. The format's content is ASCII (numbers) and ``# comments``
        are skipped unread, so this matters only for an encoding that writes digits otherwise
        (UTF-16 or UTF-32 without a byte-order mark). ``None``: UTF-8 (or what a byte-order mark
        says).

    Returns
    -------
    Dataset

    Raises
    ------
    DataFormatError
        With the line number, for an entry that is not ``index:value``, a label that is not an
        integer, or an index out of range.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.svm")
    >>> _ = open(p, "w").write("3 4 2\\n0,1 0:1.5 3:2\\n 2:0.25\\n1 1:1\\n")
    >>> ds = read_libsvm(p)
    >>> ds.X.toarray()
    array([[1.5 , 0.  , 0.  , 2.  ],
           [0.  , 0.  , 0.25, 0.  ],
           [0.  , 1.  , 0.  , 0.  ]])
    >>> ds.label_lists()
    [['0', '1'], [], ['1']]
    """
    check_params(
        {"zero_based": zero_based, "nan": nan, "sparse": sparse},
        {
            "zero_based": [bool, Options({"auto"})],
            "nan": [Options({"error", "impute", "keep"})],
            "sparse": [bool],
        },
        caller="read_libsvm",
    )
    encoding = check_encoding(encoding, "read_libsvm")
    path = Path(path)
    header = None
    blocks: list[_Block] = []
    for blob, line in _blocks(path, encoding):
        if not blocks and header is None and line == 1:
            first, _, rest = blob.partition(b"\n")
            header = _header(first)
            if header is not None:
                blob, line = rest, 2
                if not blob:
                    continue
        blocks.append(_Block(blob, line, path))
    counts = np.concatenate([b.feat_counts for b in blocks]) if blocks else np.zeros(0, int)
    n = counts.size
    lines = np.concatenate(
        [b.first_line + np.arange(b.n) for b in blocks] if blocks else [np.zeros(0, int)]
    )
    idx = np.concatenate([b.indices for b in blocks]) if blocks else np.zeros(0, np.int32)
    vals = np.concatenate([b.values for b in blocks]) if blocks else np.zeros(0)
    lab_counts = np.concatenate([b.label_counts for b in blocks]) if blocks else np.zeros(0, int)
    lab_vals = np.concatenate([b.label_values for b in blocks]) if blocks else np.zeros(0, int)
    del blocks
    if header is not None and header[0] != n:
        raise DataFormatError(
            f"the header declares {header[0]} examples but the file has {n} lines of data; is "
            "the file truncated?",
            path=path,
            line=1,
        )
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])

    def where(k: int) -> int:  # the line of the k-th stored value
        return int(lines[np.searchsorted(indptr, k, side="right") - 1])

    declared = n_features if n_features is not None else (header[1] if header else None)
    if zero_based == "auto":
        lo = idx.min(initial=1)
        hi = idx.max(initial=-1)
        zero_based = bool(lo == 0 or (header is not None and hi < header[1]))
    cols = idx if zero_based else np.subtract(idx, 1, out=idx)
    n_feat = declared if declared is not None else int(cols.max(initial=-1)) + 1
    bad = (cols < 0) | (cols >= n_feat)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataFormatError(
            f"feature index {int(idx[k]) + (0 if zero_based else 1)} is out of range: there "
            f"are {n_feat} features, "
            f"{'0' if zero_based else '1'}-based (zero_based={zero_based}).",
            path=path,
            line=where(k),
        )
    X = sp.csr_matrix((vals, cols, indptr), shape=(n, n_feat))
    if not X.has_canonical_format:  # unsorted indices are fine; a feature given twice is not
        X.sort_indices()
        row_of = np.repeat(np.arange(n), np.diff(X.indptr))
        same = (X.indices[1:] == X.indices[:-1]) & (row_of[1:] == row_of[:-1])
        del row_of
        if same.any():
            k = int(np.flatnonzero(same)[0]) + 1
            raise DataFormatError(
                f"feature index {int(X.indices[k]) + (0 if zero_based else 1)} appears twice "
                "in this row; each feature may be given once.",
                path=path,
                line=where(k),
            )
    X = handle_nonfinite(X, nan, path=path, row_lines=lines, feature_names=None)

    lab_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lab_counts, out=lab_ptr[1:])
    try:
        names, lab_cols = _label_columns(lab_vals, labels, header, path)
    except _LabelOutOfRange as err:
        row = int(np.searchsorted(lab_ptr, err.position, side="right") - 1)
        raise DataFormatError(err.message, path=path, line=int(lines[row]), column=1) from None
    Y = sp.csr_matrix(
        (np.ones(lab_cols.size, dtype=np.int8), lab_cols, lab_ptr), shape=(n, len(names))
    )
    Y.sum_duplicates()
    Y.data[:] = 1
    if not sparse:
        try:
            X, Y = X.toarray(), Y.toarray()
        except MemoryError:
            k = int(np.argmax(X.indices)) if X.nnz else None
            raise DataValueError(
                f"X as a dense array would need {n * n_feat * 8 / 2**30:.1f} GiB ({n} rows x "
                f"{n_feat} features), more memory than is free"
                + ("" if k is None else "; the largest feature index is on this line")
                + ". Read it with sparse=True, or check the feature indices.",
                path=path,
                line=None if k is None else where(k),
            ) from None
    return Dataset(X=X, Y=Y, label_names=names, name=path.name.split(".")[0])


def _label_columns(values, labels, header, path) -> tuple[list[str], np.ndarray]:
    if isinstance(labels, (int, np.integer)) and not isinstance(labels, bool):
        names = [str(j) for j in range(int(labels))]
    elif labels is not None:
        names = [str(x) for x in labels]
    elif header is not None:
        names = [str(j) for j in range(header[2])]
    else:
        uniq, inverse = np.unique(values, return_inverse=True)
        return [str(v) for v in uniq], inverse.astype(np.int32)
    bad = (values < 0) | (values >= len(names))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _LabelOutOfRange(
            f"label index {int(values[k])} is out of range: there are {len(names)} labels "
            f"(0 to {len(names) - 1}).",
            k,
        )
    return names, values.astype(np.int32)


class _LabelOutOfRange(Exception):
    """Internal: the k-th label value is out of range (the caller adds the line)."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def _value(v: float) -> str:
    return "nan" if v != v else _fmt(v)


def write_libsvm(
    dataset: Dataset,
    path: str | Path,
    *,
    overwrite: bool = False,
    header: bool = True,
    zero_based: bool = True,
) -> Path:
    """Write a Dataset in LibSVM / XC format, labels as column numbers.

    Parameters
    ----------
    dataset : Dataset
        Needs numeric features ``X``.
    path : str or Path
    overwrite : bool, default=False
        Replace an existing file; otherwise that is an error.
    header : bool, default=True
        Start with the XC header ``n_samples n_features n_labels``.
    zero_based : bool, default=True
        Write 0-based feature indices (1-based when False).

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> ds = Dataset(X=np.array([[0.0, 2.5], [1.0, 0.0]]), Y=np.array([[1, 1], [0, 0]]),
    ...              label_names=["a", "b"])
    >>> p = write_libsvm(ds, os.path.join(tempfile.mkdtemp(), "t.svm"))
    >>> print(open(p).read())
    2 2 2
    0,1 1:2.5
     0:1
    >>> read_libsvm(p, labels=["a", "b"]).label_lists()
    [['a', 'b'], []]
    """
    path = Path(path)
    check_writable(path, overwrite)
    if dataset.X is None:
        raise DataFormatError("the dataset has no features X; LibSVM needs numeric features.")
    X = sp.csr_matrix(dataset.X, dtype=np.float64)
    X.sort_indices()
    Y = sp.csr_matrix(dataset.Y)
    Y.eliminate_zeros()
    Y.sort_indices()
    off = 0 if zero_based else 1
    xi, xd, xp = (X.indices + off).tolist(), X.data.tolist(), X.indptr
    yi, yp = Y.indices.tolist(), Y.indptr
    out = [f"{X.shape[0]} {X.shape[1]} {Y.shape[1]}"] if header else []
    for r in range(X.shape[0]):
        labs = ",".join(map(str, yi[yp[r] : yp[r + 1]]))
        feats = " ".join(f"{xi[k]}:{_value(xd[k])}" for k in range(xp[r], xp[r + 1]))
        out.append(f"{labs} {feats}" if feats or not labs else labs)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path
