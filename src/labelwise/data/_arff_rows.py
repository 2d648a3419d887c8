"""ARFF data rows: one vectorised pass per block of rows, with a line-by-line path for the rest.

The fast path reads the data section as bytes in blocks of about 256 KB that end at a line end.
Dense rows: check every line has ``n_attributes - 1`` commas, turn commas into spaces and parse all
numbers of the block at once. Sparse rows (``{index value, ...}``): check the braces of each line,
turn braces and commas into spaces and parse index/value pairs at once. Anything unusual (comments
or blank lines inside the data, quotes, non-numeric nominal values, a malformed row) goes to the
line-by-line path, which also produces the precise error message with the line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from labelwise.data._parsing import brief, parse_floats, split_quoted
from labelwise.errors import DataFormatError, DataValueError

__all__ = ["Attribute", "parse_rows"]

_CHUNK = 1 << 18
_SPACE_FOR = bytes.maketrans(b",", b" ")
_SPACE_FOR_SPARSE = bytes.maketrans(b",{}", b"   ")


@dataclass
class Attribute:
    """One ``@attribute`` of the header."""

    name: str
    kind: str  # "numeric" or "nominal"
    line: int
    values: list[str] = field(default_factory=list)
    floats: np.ndarray | None = None  # nominal values as numbers, when they all are numbers
    binary: bool = False  # nominal {0,1} in that order, read as the numbers 0 and 1
    is_label: bool = False


def parse_rows(
    raw: bytes, start: int, first_line: int, attrs: list[Attribute], path: Path
) -> tuple[np.ndarray | sp.csr_matrix, np.ndarray, bool]:
    """Parse the data section ``raw[start:]`` (``first_line`` is the line number at ``start``).

    Returns ``(V, line_numbers, sparse_rows)``: ``V`` holds one column per attribute (numbers,
    0/1 for ``{0,1}`` nominals, category codes for other nominals), dense or CSR as the rows are.
    """
    end = len(raw)
    while end > start and raw[end - 1] in b" \t\r\n":
        end -= 1
    while start < end and raw[start] in b" \t\r\n":
        first_line += raw[start] == 10
        start += 1
    n_attr = len(attrs)
    if start >= end:
        return np.empty((0, n_attr)), np.empty(0, dtype=np.intp), False
    sparse_rows = raw[start] == ord("{")
    if sparse_rows:
        _check_sparse_attributes(attrs, path)
    simple = all(raw.find(c, start, end) < 0 for c in (b"%", b"'", b'"', b"\r", b"\n\n"))
    if simple and sparse_rows:
        fast = _sparse_fast(raw, start, end)
        if fast is not None:
            rows, idx, vals, n = fast
            lines = first_line + np.arange(n)
            return _build_sparse(rows, idx, vals, n, attrs, lines, path), lines, True
    elif simple and all(a.kind == "numeric" or a.floats is not None for a in attrs):
        V = _dense_fast(raw, start, end, n_attr)
        if V is not None:
            lines = first_line + np.arange(V.shape[0])
            return _check_dense(V, attrs, lines, path), lines, False
    text = raw[start:end].decode("utf-8")  # valid: read_text_bytes checked it
    numbered = [(i, s.strip()) for i, s in enumerate(text.split("\n"), first_line)]
    numbered = [(i, s) for i, s in numbered if s and not s.startswith("%")]
    text_lines = [s for _, s in numbered]
    lines = np.array([i for i, _ in numbered], dtype=np.intp)
    if sparse_rows:
        return _parse_sparse(text_lines, lines, attrs, path), lines, True
    return _parse_dense(text_lines, lines, attrs, path), lines, False


def _chunks(raw: bytes, start: int, end: int):
    """Blocks of whole lines of ``raw[start:end]``: each as its bytes, their uint8 view and the
    positions of its newlines (the block ends at a newline of ``raw`` or at ``end``)."""
    a = start
    while a < end:
        b = end if end - a <= _CHUNK else raw.rfind(b"\n", a, a + _CHUNK)
        if b <= a:  # one line longer than a block
            b = raw.find(b"\n", a + _CHUNK, end)
            b = end if b < 0 else b
        chunk = raw[a:b]
        arr = np.frombuffer(chunk, dtype=np.uint8)
        yield chunk, arr, np.flatnonzero(arr == 10)
        a = b + 1


def _dense_fast(raw: bytes, start: int, end: int, n_attr: int) -> np.ndarray | None:
    V = np.empty((raw.count(b"\n", start, end) + 1, n_attr))
    row = 0
    for chunk, arr, newlines in _chunks(raw, start, end):
        n_lines = newlines.size + 1
        commas = np.flatnonzero(arr == 44)
        if commas.size != n_lines * (n_attr - 1):
            return None
        per_line = np.bincount(np.searchsorted(newlines, commas), minlength=n_lines)
        if np.any(per_line != n_attr - 1):
            return None
        buf = chunk.translate(_SPACE_FOR)
        if b"?" in buf:
            buf = buf.replace(b"?", b" nan ")
        try:
            values = parse_floats(buf)
        except ValueError:
            return None
        if values.size != n_lines * n_attr:
            return None
        V[row : row + n_lines] = values.reshape(n_lines, n_attr)
        row += n_lines
    return V


def _sparse_fast(raw: bytes, start: int, end: int):
    rows, idx, vals = [], [], []
    row = 0
    for chunk, arr, newlines in _chunks(raw, start, end):
        n_lines = newlines.size + 1
        if (
            arr[0] != 123
            or arr[-1] != 125
            or np.any(arr[newlines + 1] != 123)
            or np.any(arr[newlines - 1] != 125)
            or np.count_nonzero(arr == 123) != n_lines
            or np.count_nonzero(arr == 125) != n_lines
        ):
            return None
        buf = chunk.translate(_SPACE_FOR_SPARSE)
        if b"?" in buf:
            buf = buf.replace(b"?", b" nan ")
        try:
            values, starts = parse_floats(buf, return_starts=True)
        except ValueError:
            return None
        token_rows = np.searchsorted(
            np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 10), starts
        )
        if np.any(np.bincount(token_rows, minlength=n_lines) % 2):
            return None
        rows.append(row + token_rows[0::2])
        idx.append(values[0::2])
        vals.append(values[1::2])
        row += n_lines
    return np.concatenate(rows), np.concatenate(idx), np.concatenate(vals), row


def _nominal_codes(values: np.ndarray, attr: Attribute) -> np.ndarray:
    """Numbers parsed from a nominal column -> category codes (-1 when not a category)."""
    order = np.argsort(attr.floats)
    sorted_f = attr.floats[order]
    pos = np.clip(np.searchsorted(sorted_f, values), 0, len(sorted_f) - 1)
    ok = sorted_f[pos] == values
    return np.where(ok, order[pos], -1)


def brief_set(values: list[str], n: int = 8) -> str:
    """A nominal value list for a message: ``{a,b,c}``, or its first values and a count."""
    shown = ",".join(v if len(v) <= 20 else v[:17] + "..." for v in values[:n])
    return "{" + shown + (f",... ({len(values)} values)" if len(values) > n else "") + "}"


def _value_error(attrs, j, value, line, path) -> DataValueError:
    a = attrs[j]
    what = "label" if a.is_label else "attribute"
    allowed = "a number" if a.kind == "numeric" else "one of " + brief_set(a.values)
    return DataValueError(
        f"value {brief(value)} of {what} {brief(a.name)} is not {allowed}.",
        path=path,
        line=int(line),
        column=j + 1,
    )


def _parse_dense(
    lines: list[str], line_numbers: np.ndarray, attrs: list[Attribute], path: Path
) -> np.ndarray:
    """(n, n_attr) float array: numbers, 0/1 for binary nominals, codes for other nominals."""
    if any(ln.startswith("{") for ln in lines):
        bad = next(i for i, ln in enumerate(lines) if ln.startswith("{"))
        raise DataFormatError(
            "sparse row in a file whose first data row is dense; use one row style.",
            path=path,
            line=int(line_numbers[bad]),
        )
    return _dense_tokens(lines, line_numbers, attrs, path)


def _check_dense(V: np.ndarray, attrs: list[Attribute], line_numbers, path) -> np.ndarray:
    """Numbers parsed for nominal columns -> category codes; {0,1} columns must hold 0/1."""
    for j, a in enumerate(attrs):
        if a.kind == "nominal" and not a.binary:
            col = V[:, j]
            codes = _nominal_codes(col, a).astype(np.float64)
            bad = (codes < 0) & ~np.isnan(col)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise _value_error(attrs, j, f"{col[i]:g}", line_numbers[i], path)
            codes[np.isnan(col)] = np.nan
            V[:, j] = codes
        elif a.binary:
            col = V[:, j]
            bad = (col != 0) & (col != 1) & ~np.isnan(col)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise _value_error(attrs, j, f"{col[i]:g}", line_numbers[i], path)
    return V


def _dense_tokens(
    lines: list[str], line_numbers: np.ndarray, attrs: list[Attribute], path: Path
) -> np.ndarray:
    """The general path: split each row (quotes allowed), convert column by column."""
    n_attr = len(attrs)
    rows = []
    for i, ln in enumerate(lines):
        try:
            fields = split_quoted(ln)
        except ValueError as err:
            raise DataFormatError(str(err), path=path, line=int(line_numbers[i])) from None
        if len(fields) != n_attr:
            raise DataFormatError(
                f"expected {n_attr} values (one per @attribute), found {len(fields)}.",
                path=path,
                line=int(line_numbers[i]),
            )
        rows.append(fields)
    V = np.empty((len(rows), n_attr))
    columns = list(zip(*rows, strict=True)) if rows else [()] * n_attr
    for j, (a, col) in enumerate(zip(attrs, columns, strict=True)):
        if a.kind == "numeric" or a.binary:
            try:
                V[:, j] = [np.nan if v == "?" else float(v) for v in col]
            except ValueError:
                for i, v in enumerate(col):
                    try:
                        float(v)
                    except ValueError:
                        if v != "?":
                            raise _value_error(attrs, j, v, line_numbers[i], path) from None
            if a.binary:
                col_v = V[:, j]
                bad = (col_v != 0) & (col_v != 1) & ~np.isnan(col_v)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise _value_error(attrs, j, col[i], line_numbers[i], path)
        else:
            index = {v: k for k, v in enumerate(a.values)}
            index["?"] = -2
            codes = np.array([index.get(v, -1) for v in col], dtype=np.float64)
            if (codes == -1).any():
                i = int(np.flatnonzero(codes == -1)[0])
                raise _value_error(attrs, j, col[i], line_numbers[i], path)
            codes[codes == -2] = np.nan
            V[:, j] = codes
    return V


def _parse_sparse(
    lines: list[str], line_numbers: np.ndarray, attrs: list[Attribute], path: Path
) -> sp.csr_matrix:
    """(n, n_attr) CSR of the stored values; only numeric and {0,...} nominal attributes."""
    for i, ln in enumerate(lines):
        if not ln.startswith("{"):
            raise DataFormatError(
                "dense row in a file whose first data row is sparse; use one row style.",
                path=path,
                line=int(line_numbers[i]),
            )
        if not ln.endswith("}"):
            raise DataFormatError(
                "truncated sparse row: missing its closing '}'.",
                path=path,
                line=int(line_numbers[i]),
            )
    rows, idx, vals = _sparse_tokens(lines, line_numbers, path)
    return _build_sparse(rows, idx, vals, len(lines), attrs, line_numbers, path)


def _check_sparse_attributes(attrs: list[Attribute], path) -> None:
    for a in attrs:
        if a.kind == "nominal" and not a.binary:
            if a.floats is None or a.floats[0] != 0.0:
                raise DataFormatError(
                    f"sparse rows with nominal attribute {brief(a.name)} {brief_set(a.values)}: "
                    f"omitted values would mean {brief(a.values[0])}, which labelwise does not "
                    "support in sparse rows. Convert the attribute to numeric or write dense rows.",
                    path=path,
                    line=a.line,
                )


def _build_sparse(rows, idx, vals, n, attrs, line_numbers, path) -> sp.csr_matrix:
    n_attr = len(attrs)
    if idx.size:
        bad = (idx < 0) | (idx >= n_attr) | (idx != np.floor(idx))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataFormatError(
                f"sparse index {idx[k]:g} is out of range: the file declares {n_attr} attributes, "
                f"so indices run from 0 to {n_attr - 1}.",
                path=path,
                line=int(line_numbers[rows[k]]),
            )
    cols = idx.astype(np.intp)
    if cols.size:  # an attribute given twice in a row would be summed: refuse it
        keys = rows.astype(np.int64) * n_attr + cols
        order = np.argsort(keys, kind="stable")
        twice = keys[order[1:]] == keys[order[:-1]]
        if twice.any():
            k = int(order[1:][twice].min())  # the first repeat in file order
            raise DataFormatError(
                f"attribute index {cols[k]} ({brief(attrs[cols[k]].name)}) appears twice in this "
                "sparse row; each attribute may be given once.",
                path=path,
                line=int(line_numbers[rows[k]]),
            )
    binary = np.array([a.binary for a in attrs], dtype=bool)
    bad = binary[cols] & (vals != 0) & (vals != 1) & ~np.isnan(vals)
    for j in {j for j, a in enumerate(attrs) if a.kind == "nominal" and not a.binary}:
        sel = cols == j
        bad[sel] = ~(np.isin(vals[sel], attrs[j].floats) | np.isnan(vals[sel]))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _value_error(attrs, cols[k], f"{vals[k]:g}", line_numbers[rows[k]], path)
    V = sp.csr_matrix((vals, (rows, cols)), shape=(n, n_attr))
    V.sum_duplicates()
    V.eliminate_zeros()
    return V


def _sparse_tokens(
    lines: list[str], line_numbers: np.ndarray, path: Path
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows, idx, vals = [], [], []
    for i, ln in enumerate(lines):
        inner = ln[1:-1].strip()
        if not inner:
            continue
        try:
            pairs = split_quoted(inner)
        except ValueError as err:
            raise DataFormatError(str(err), path=path, line=int(line_numbers[i])) from None
        for pair in pairs:
            parts = pair.split(None, 1)
            if len(parts) != 2:
                raise DataFormatError(
                    f"sparse entry {brief(pair)} is not 'index value'.", path=path,
                    line=int(line_numbers[i]),
                )  # fmt: skip
            try:
                k = int(parts[0])
                v = np.nan if parts[1].strip() == "?" else float(parts[1].strip("'\" "))
            except ValueError:
                raise DataFormatError(
                    f"sparse entry {brief(pair)}: index and value must be numbers.",
                    path=path,
                    line=int(line_numbers[i]),
                ) from None
            rows.append(i)
            idx.append(k)
            vals.append(v)
    return np.array(rows, dtype=np.intp), np.array(idx, dtype=float), np.array(vals, dtype=float)
