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

A label id or a feature index given twice on one row is an error naming the line and the
column (a label field ``3,3`` is a mistake in the file, not a set with one member). A row with
no labels is legal.

Parsing works on blocks of about 1 MB: the label fields are split off line by line, then all
``index:value`` pairs of a block are converted in one vectorised pass. :func:`read_libsvm` keeps
only the stored values (memory O(nnz), never rows x labels); :func:`iter_libsvm_chunks` yields
a file too large for memory in chunks of rows, every chunk checked as the whole file would be.
"""

from __future__ import annotations

import codecs
import gzip
import numbers
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from labelwise._validation import Interval, Options, check_params
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

__all__ = ["iter_libsvm_chunks", "read_libsvm", "write_libsvm"]

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
            self._locate_label_error(lines, path)
        fbuf = b"\n".join(feats)
        try:
            values, starts = parse_floats(fbuf.replace(b":", b" "), return_starts=True)
        except ValueError:
            self._locate_feature_error(lines, path)
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
            self._locate_feature_error(lines, path)
        del before, after_colon
        line_of = np.searchsorted(np.flatnonzero(raw == 10), starts[0::2])
        del starts
        self.feat_counts = np.bincount(line_of, minlength=self.n)
        index = values[0::2]
        bad = (index != np.floor(index)) | (index < 0) | (index >= 2**31 - 1)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataFormatError(
                f"feature index {index[k]:g} is not a non-negative integer below 2^31 - 1.",
                path=path,
                line=self.first_line + int(line_of[k]),
            )
        self.indices = index.astype(np.int32)
        self.values = np.ascontiguousarray(values[1::2])

    def _locate_label_error(self, lines: list[bytes], path: Path):
        for i, ln in enumerate(lines):
            head, column = _label_field(ln)
            for tok in head.split(b","):
                try:
                    int(tok)
                except ValueError:
                    raise DataFormatError(
                        f"label {brief(tok)} is not an integer label id "
                        "(the label field is 'l1,l2,...', integers separated by commas).",
                        path=path,
                        line=self.first_line + i,
                        column=column,
                    ) from None
                column += len(tok) + 1
        raise DataFormatError("cannot parse the label fields.", path=path, line=self.first_line)

    def _locate_feature_error(self, lines: list[bytes], path: Path):
        for i, ln in enumerate(lines):
            head, column = _label_field(ln)
            start = column + len(head) if head else 0
            for m in re.finditer(rb"\S+", ln[start:]):
                tok = m.group()
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
                        column=start + m.start() + 1,
                    ) from None
        raise DataFormatError("cannot parse the features.", path=path, line=self.first_line)


def _label_field(line: bytes) -> tuple[bytes, int]:
    """A line's label field and its 1-based column (``b""`` when the line has none)."""
    head = line.partition(b" ")[0]
    return (b"", 1) if b":" in head else (head, 1)


def _find_column(
    path: Path, encoding: str | None, line: int, *, label: int | None = None,
    feature: int | None = None, nth: int = 1,
) -> int | None:  # fmt: skip
    """The 1-based column of the ``nth`` label id ``label`` (or feature index ``feature``) on
    ``line``, read again from the file (an error path only; None if it cannot be found)."""
    text = None
    for blob, first in _blocks(path, encoding):
        count = blob.count(b"\n")
        if line < first + count:
            text = blob.split(b"\n")[line - first]
            break
    if text is None:
        return None
    text = text.replace(b"\t", b" ").replace(b"\r", b"").split(b"#", 1)[0]
    head, column = _label_field(text)
    seen = 0
    if label is not None:
        for tok in head.split(b","):
            if tok.strip().lstrip(b"+-").isdigit() and int(tok) == label:
                seen += 1
                if seen == nth:
                    return column
            column += len(tok) + 1
        return None
    start = column + len(head) if head else 0
    for m in re.finditer(rb"\S+", text[start:]):
        idx = m.group().partition(b":")[0]
        if idx.isdigit() and int(idx) == feature:
            seen += 1
            if seen == nth:
                return start + m.start() + 1
    return None


class _Rows:
    """Parsed rows: line numbers, entries per row and the flat arrays those counts index."""

    def __init__(self, lines, feat_counts, indices, values, label_counts, label_values) -> None:
        self.lines = lines
        self.feat_counts = feat_counts
        self.indices = indices
        self.values = values
        self.label_counts = label_counts
        self.label_values = label_values

    @property
    def n(self) -> int:
        return int(self.lines.size)

    @classmethod
    def join(cls, parts: list) -> _Rows:
        """The rows of several blocks (or of several ``_Rows``), in order."""
        if not parts:
            z = np.zeros(0, dtype=np.int64)
            return cls(z, z, np.zeros(0, np.int32), np.zeros(0), z, z)
        lines = [p.lines if isinstance(p, _Rows) else p.first_line + np.arange(p.n) for p in parts]
        cat = lambda key: np.concatenate([getattr(p, key) for p in parts])  # noqa: E731
        return cls(
            np.concatenate(lines),
            cat("feat_counts"),
            cat("indices"),
            cat("values"),
            cat("label_counts"),
            cat("label_values"),
        )

    def split(self, k: int) -> tuple[_Rows, _Rows]:
        """The first ``k`` rows and the rest."""
        f = int(self.feat_counts[:k].sum())
        lab = int(self.label_counts[:k].sum())
        first = _Rows(
            self.lines[:k], self.feat_counts[:k], self.indices[:f], self.values[:f],
            self.label_counts[:k], self.label_values[:lab],
        )  # fmt: skip
        rest = _Rows(
            self.lines[k:], self.feat_counts[k:], self.indices[f:], self.values[f:],
            self.label_counts[k:], self.label_values[lab:],
        )  # fmt: skip
        return first, rest


def _parse(path: Path, encoding: str | None):
    """The file's XC header (or None) and an iterator over its parsed blocks of rows."""
    blocks = _blocks(path, encoding)
    first = next(blocks, None)
    header = None
    if first is not None:
        blob = first[0]
        head, _, rest = blob.partition(b"\n")
        header = _header(head)
        if header is not None:
            first = (rest, 2) if rest else None
            if max(header[1], header[2]) >= 2**31 - 1:
                raise DataFormatError(
                    f"the header declares {header[1]} features and {header[2]} labels; at most "
                    f"{2**31 - 2} of each are supported.",
                    path=path,
                    line=1,
                )

    def parsed():
        if first is not None:
            yield _Block(first[0], first[1], path)
        for blob, line in blocks:
            yield _Block(blob, line, path)

    return header, parsed()


def _matrices(
    rows: _Rows,
    path: Path,
    encoding: str | None,
    *,
    n_feat: int,
    zero_based: bool,
    labels: int | Sequence[str] | None,
    header: tuple[int, int, int] | None,
    nan: str,
) -> tuple[sp.csr_matrix, sp.csr_matrix, list[str] | int]:
    """CSR ``X`` and ``Y`` of parsed rows, and the label names (or their count, see
    :func:`_label_columns`); every check names the line."""
    n, idx, lines = rows.n, rows.indices, rows.lines
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(rows.feat_counts, out=indptr[1:])
    off = 0 if zero_based else 1

    def where(k: int) -> int:  # the line of the k-th stored value
        return int(lines[np.searchsorted(indptr, k, side="right") - 1])

    cols = idx if zero_based else np.subtract(idx, 1)
    bad = (cols < 0) | (cols >= n_feat)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        line = where(k)
        raise DataFormatError(
            f"feature index {int(idx[k])} is out of range: there are {n_feat} features, "
            f"{'0' if zero_based else '1'}-based (zero_based={zero_based})"
            + (
                "; if the file's indices are 1-based, pass zero_based=False."
                if zero_based and int(idx[k]) == n_feat
                else "."
            ),
            path=path,
            line=line,
            column=_find_column(path, encoding, line, feature=int(idx[k])),
        )
    X = sp.csr_matrix((rows.values, cols, indptr), shape=(n, n_feat))
    if not X.has_canonical_format:  # unsorted indices are fine; a feature given twice is not
        X.sort_indices()
        k = _first_repeat(X)
        if k is not None:
            line = where(k)
            raise DataFormatError(
                f"feature index {int(X.indices[k]) + off} appears twice in this row; each "
                "feature may be given once.",
                path=path,
                line=line,
                column=_find_column(path, encoding, line, feature=int(X.indices[k]) + off, nth=2),
            )
    X = handle_nonfinite(X, nan, path=path, row_lines=lines, feature_names=None)

    lab_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(rows.label_counts, out=lab_ptr[1:])
    try:
        names, lab_cols = _label_columns(rows.label_values, labels, header)
    except _LabelOutOfRange as err:
        row = int(np.searchsorted(lab_ptr, err.position, side="right") - 1)
        line = int(lines[row])
        raise DataFormatError(
            err.message,
            path=path,
            line=line,
            column=_find_column(path, encoding, line, label=int(rows.label_values[err.position])),
        ) from None
    Y = sp.csr_matrix(
        (np.ones(lab_cols.size, dtype=np.int8), lab_cols, lab_ptr),
        shape=(n, names if isinstance(names, int) else len(names)),
    )
    if not Y.has_canonical_format:  # a label id given twice on a row is a mistake, not a set
        Y.sort_indices()
        k = _first_repeat(Y)
        if k is not None:
            row = int(np.searchsorted(Y.indptr, k, side="right") - 1)
            line = int(lines[row])
            col = int(Y.indices[k])
            value = col if labels is not None or header is not None else int(names[col])
            raise DataFormatError(
                f"label id {value} appears twice in this row; each label may be given once.",
                path=path,
                line=line,
                column=_find_column(path, encoding, line, label=value, nth=2),
            )
    return X, Y, names


def _first_repeat(M: sp.csr_matrix) -> int | None:
    """The first stored position of a sorted CSR matrix repeating its row's previous column."""
    row_of = np.repeat(np.arange(M.shape[0]), np.diff(M.indptr))
    same = (M.indices[1:] == M.indices[:-1]) & (row_of[1:] == row_of[:-1])
    return int(np.flatnonzero(same)[0]) + 1 if same.any() else None


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

    Memory stays in proportion to the stored values (features and labels), never rows x
    features or rows x labels, unless ``sparse=False`` asks for dense arrays. For a file too
    large to hold at once, :func:`iter_libsvm_chunks` reads it in chunks of rows.

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
        With the line and column, for an entry that is not ``index:value``, a label that is not
        an integer, an index out of range, or a feature or label id given twice on a row.

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
    header, blocks = _parse(path, encoding)
    rows = _Rows.join(list(blocks))
    if header is not None and header[0] != rows.n:
        raise DataFormatError(
            f"the header declares {header[0]} examples but the file has {rows.n} lines of data; "
            "is the file truncated?",
            path=path,
            line=1,
        )
    declared = n_features if n_features is not None else (header[1] if header else None)
    if zero_based == "auto":
        lo = rows.indices.min(initial=1)
        hi = rows.indices.max(initial=-1)
        zero_based = bool(lo == 0 or (header is not None and hi < header[1]))
    n_feat = (
        declared
        if declared is not None
        else max(0, int(rows.indices.max(initial=-1)) + (1 if zero_based else 0))
    )
    X, Y, names = _matrices(
        rows, path, encoding, n_feat=n_feat, zero_based=bool(zero_based), labels=labels,
        header=header, nan=nan,
    )  # fmt: skip
    n, lines = rows.n, rows.lines
    del rows
    if not sparse:
        try:
            X, Y = X.toarray(), Y.toarray()
        except MemoryError:
            k = int(np.argmax(X.indices)) if X.nnz else None
            line = None if k is None else int(lines[np.searchsorted(X.indptr, k, "right") - 1])
            raise DataValueError(
                f"X as a dense array would need {n * n_feat * 8 / 2**30:.1f} GiB ({n} rows x "
                f"{n_feat} features), more memory than is free"
                + ("" if k is None else "; the largest feature index is on this line")
                + ". Read it with sparse=True, or check the feature indices.",
                path=path,
                line=line,
            ) from None
    if isinstance(names, int):
        names = [str(j) for j in range(names)]
    return Dataset(X=X, Y=Y, label_names=names, name=path.name.split(".")[0])


def iter_libsvm_chunks(
    path: str | Path,
    labels: int | Sequence[str] | None = None,
    *,
    chunk_rows: int = 100_000,
    n_features: int | None = None,
    zero_based: bool | str = "auto",
    nan: str = "error",
    encoding: str | None = None,
) -> Iterator[tuple[sp.csr_matrix, sp.csr_matrix]]:
    """Read a LibSVM / XC file too large for memory, ``chunk_rows`` rows at a time.

    Every chunk has the same columns: the header's (or ``n_features`` and ``labels``) feature
    and label counts. Each chunk is checked as :func:`read_libsvm` checks the whole file, and
    the chunks stacked equal what :func:`read_libsvm` returns with the same options. Memory is
    about one chunk's stored values and a block of text (1 MB), whatever the file's size.

    Parameters
    ----------
    path : str or Path
        The file (``.gz`` is read too).
    labels : int, sequence of str or None, default=None
        The number of labels or their names in column order; required without a header.
    chunk_rows : int, default=100_000
        Rows per chunk (the last chunk may have fewer).
    n_features : int, optional
        Number of feature columns; required without a header.
    zero_based : bool or "auto", default="auto"
        Whether feature indices start at 0. ``"auto"`` follows the XC convention (0-based) and
        needs a header; a file whose indices run from 1 to ``n_features`` needs
        ``zero_based=False``.
    nan : {"error", "keep"}, default="error"
        What to do with NaN or infinite feature values (a column mean, ``"impute"``, would need
        the whole file).
    encoding : str, optional
        As for :func:`read_libsvm`.

    Yields
    ------
    X : scipy.sparse.csr_matrix of shape (rows, n_features)
    Y : scipy.sparse.csr_matrix of shape (rows, n_labels), int8 0/1

    Raises
    ------
    DataFormatError
        When the file is not in the format (naming the line and column), has no header and
        ``n_features`` or ``labels`` is missing, or (after the last chunk) has another number of
        rows than its header declares.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.xc")
    >>> _ = open(p, "w").write("3 4 2\\n0,1 0:1.5 3:2\\n 2:0.25\\n1 1:1\\n")
    >>> for X, Y in iter_libsvm_chunks(p, chunk_rows=2):
    ...     print(X.shape, Y.toarray().tolist())
    (2, 4) [[1, 1], [0, 0]]
    (1, 4) [[0, 1]]
    """
    check_params(
        {"zero_based": zero_based, "nan": nan, "chunk_rows": chunk_rows},
        {
            "zero_based": [bool, Options({"auto"})],
            "nan": [Options({"error", "keep"})],
            "chunk_rows": [Interval(numbers.Integral, 1, None, closed="left")],
        },
        caller="iter_libsvm_chunks",
    )
    encoding = check_encoding(encoding, "iter_libsvm_chunks")
    path = Path(path)
    header, blocks = _parse(path, encoding)
    if header is None and (n_features is None or labels is None):
        raise DataFormatError(
            "the file has no XC header ('rows features labels' on its first line), so the "
            "number of features and of labels cannot be known before the end; pass "
            "n_features= and labels=.",
            path=path,
            line=1,
        )
    if zero_based == "auto" and header is None:
        raise DataFormatError(
            "without an XC header, whether feature indices start at 0 or 1 is known only at "
            "the end of the file; pass zero_based=True or False.",
            path=path,
            line=1,
        )
    n_feat = n_features if n_features is not None else header[1]  # type: ignore[index]
    names = _label_columns(np.zeros(0, np.int64), labels, header)[0]
    n_labels = names if isinstance(names, int) else len(names)
    options = {
        "n_feat": n_feat,
        "zero_based": zero_based is not False,
        "labels": n_labels,
        "header": header,
        "nan": nan,
    }
    return _chunks(path, encoding, header, blocks, chunk_rows, options)


def _chunks(path, encoding, header, blocks, chunk_rows, options):
    pending: list = []
    have = total = 0
    for block in blocks:
        pending.append(block)
        have += block.n
        while have >= chunk_rows:
            chunk, rest = _Rows.join(pending).split(chunk_rows)
            X, Y, _ = _matrices(chunk, path, encoding, **options)
            total += chunk.n
            pending, have = [rest], rest.n
            yield X, Y
    if have:
        chunk = _Rows.join(pending)
        X, Y, _ = _matrices(chunk, path, encoding, **options)
        total += chunk.n
        yield X, Y
    if header is not None and header[0] != total:
        raise DataFormatError(
            f"the header declares {header[0]} examples but the file has {total} lines of data; "
            "is the file truncated?",
            path=path,
            line=1,
        )


def _label_columns(values, labels, header) -> tuple[list[str] | int, np.ndarray]:
    """The label names (or only their count, when the names are the column numbers) and each
    label value's column; a count, not a list of a million strings, keeps memory O(nnz)."""
    if isinstance(labels, (int, np.integer)) and not isinstance(labels, bool):
        names: list[str] | int = int(labels)
    elif labels is not None:
        names = [str(x) for x in labels]
    elif header is not None:
        names = header[2]
    else:
        uniq, inverse = np.unique(values, return_inverse=True)
        return [str(v) for v in uniq], inverse.astype(np.int32)
    n_labels = names if isinstance(names, int) else len(names)
    bad = (values < 0) | (values >= n_labels)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _LabelOutOfRange(
            f"label index {int(values[k])} is out of range: there are {n_labels} labels "
            f"(0 to {n_labels - 1}).",
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
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        if header:
            fh.write(f"{X.shape[0]} {X.shape[1]} {Y.shape[1]}\n")
        for lo in range(0, X.shape[0], _WRITE_ROWS):  # the text of a few rows at a time
            fh.write(_lines(X[lo : lo + _WRITE_ROWS], Y[lo : lo + _WRITE_ROWS], off))
    return path


_WRITE_ROWS = 10_000


def _lines(X: sp.csr_matrix, Y: sp.csr_matrix, off: int) -> str:
    xi, xd, xp = (X.indices + off).tolist(), X.data.tolist(), X.indptr
    yi, yp = Y.indices.tolist(), Y.indptr
    out = []
    for r in range(X.shape[0]):
        labs = ",".join(map(str, yi[yp[r] : yp[r + 1]]))
        feats = " ".join(f"{xi[k]}:{_value(xd[k])}" for k in range(xp[r], xp[r + 1]))
        out.append(f"{labs} {feats}" if feats or not labs else labs)
    return "".join(line + "\n" for line in out)
