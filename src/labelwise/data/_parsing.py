"""Helpers shared by the readers: opening files, fast number parsing, quoted splitting, NaN rule.

The fast number parser turns a whole buffer of whitespace-separated decimal numbers into floats
with a few vectorised NumPy passes: it drops the decimal points, parses every token as a 64-bit
integer with NumPy's C parser, then divides by ``10**k`` where ``k`` counts the digits after the
point. Dividing two exactly represented integers is correctly rounded, so the result is bit-for-bit
what ``float(token)`` gives. Tokens it cannot handle this way (exponents, ``nan``, more than 15
digits) send the whole buffer to ``np.fromstring``; anything that does not parse raises
``ValueError`` and the caller locates the bad line itself.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from labelwise.errors import DataFormatError, DataValueError

__all__ = [
    "brief",
    "check_encoding",
    "check_no_nul",
    "check_utf8",
    "gzip_errors",
    "handle_nonfinite",
    "parse_floats",
    "read_bytes",
    "read_text",
    "read_text_bytes",
    "split_quoted",
    "text_bytes",
]

_SIMPLE = np.zeros(256, dtype=bool)
_SIMPLE[np.frombuffer(b"0123456789.-+", dtype=np.uint8)] = True
_SIMPLE[:33] = True  # separators
_POW10 = np.array([float(10**i) for i in range(23)])
_MAX_TOKEN = 15  # bytes: keeps every numerator below 2**53, so it converts to float exactly


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file (gunzipped when it ends in ``.gz``); a clear error when it is missing.

    A ``.gz`` file that is not a valid gzip archive (truncated, corrupted) is a
    :class:`~labelwise.errors.DataFormatError` naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file; check the path (cwd is {Path.cwd()}).")
    if path.is_dir():
        raise DataFormatError("is a directory, not a data file.", path=path)
    if path.suffix == ".gz":
        with gzip_errors(path), gzip.open(path, "rb") as fh:
            return fh.read()
    return path.read_bytes()


@contextlib.contextmanager
def gzip_errors(path: str | Path) -> Iterator[None]:
    """Turn the errors of reading a broken gzip archive into a DataFormatError naming the file."""
    try:
        yield
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise DataFormatError(
            f"not a valid gzip file ({err}); is it truncated or corrupted? Decompress it with "
            "gzip -t to check.",
            path=path,
        ) from None


_BOMS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def check_encoding(encoding: str | None, caller: str) -> str | None:
    """The codec name of ``encoding`` (``None``, meaning UTF-8, stays ``None``).

    Raises
    ------
    ValueError
        When Python has no text encoding of that name.

    Examples
    --------
    >>> check_encoding("Latin-1", "read"), check_encoding(None, "read")
    ('iso8859-1', None)
    >>> check_encoding("rot13", "read")
    Traceback (most recent call last):
    ...
    ValueError: read: parameter 'encoding' must be the name of a text encoding ...
    """
    if encoding is None:
        return None
    try:
        info = codecs.lookup(encoding) if isinstance(encoding, str) else None
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ValueError(
            f"{caller}: parameter 'encoding' must be the name of a text encoding Python knows "
            f"('utf-8', 'latin-1', 'cp1252', 'utf-16', ...); got {brief(encoding)}."
        )
    return info.name


def _is_utf8(encoding: str | None) -> bool:
    return encoding is None or codecs.lookup(encoding).name == "utf-8"


def text_bytes(
    data: bytes, path: str | Path | None, *, encoding: str | None = None, strict: bool = True
) -> bytes:
    """A text file's bytes as UTF-8: byte-order marks honoured, other encodings only when named.

    A UTF-8 byte-order mark is dropped; UTF-16 and UTF-32 files with a byte-order mark are
    transcoded to UTF-8 (a byte-order mark overrides ``encoding``). Without one, the file is
    UTF-8 unless ``encoding`` names another encoding, which is then transcoded to UTF-8; the
    encoding is never guessed. A NUL byte left after that means a binary file, or UTF-16/32 text
    without a byte-order mark: a :class:`~labelwise.errors.DataFormatError` with its line and
    column; so are bytes that are not valid UTF-8 (see :func:`check_utf8`), unless ``strict`` is
    false (for a look at a file's first bytes).

    Examples
    --------
    >>> text_bytes(b"\\xef\\xbb\\xbfa,b\\n", "t.csv")
    b'a,b\\n'
    >>> text_bytes("a,b\\n".encode("utf-16"), "t.csv")
    b'a,b\\n'
    >>> text_bytes(b"a,caf\\xe9\\n", "t.csv", encoding="latin-1")
    b'a,caf\\xc3\\xa9\\n'
    >>> text_bytes(b"a,b\\n1,\\x002\\n", "t.csv")
    Traceback (most recent call last):
    ...
    labelwise.errors.DataFormatError: t.csv, line 2, column 3: NUL byte: ...
    """
    skipped = 0
    marked = False
    for bom, bom_encoding in _BOMS:
        if data.startswith(bom):
            marked = True
            if bom_encoding == "utf-8-sig":
                data = data[len(bom) :]
                skipped = len(bom)
                break
            try:
                data = data.decode(bom_encoding).encode("utf-8")
            except UnicodeError as err:
                raise DataFormatError(
                    f"the file starts with a {bom_encoding.upper()} byte-order mark but is not "
                    f"valid {bom_encoding.upper()} ({err.reason} at byte "
                    f"{getattr(err, 'start', '?')}); save it as UTF-8 text.",
                    path=path,
                ) from None
            return _checked_nul(data, path)
    if not marked and not _is_utf8(encoding):
        return _checked_nul(_transcode(data, encoding, path), path)
    check_no_nul(data, path)
    if strict:
        check_utf8(data, path, offset=skipped)
    return data


def _checked_nul(data: bytes, path: str | Path | None) -> bytes:
    check_no_nul(data, path)
    return data


_UTF8_BLOCK = 1 << 22  # bytes decoded at a time when checking UTF-8 (so no copy of a whole file)


def check_utf8(data: bytes, path: str | Path | None, *, offset: int = 0) -> None:
    """A DataFormatError at the first bytes of ``data`` that are not valid UTF-8.

    The error names the file, the line, the column and the byte offset in the file (``offset``
    is the number of bytes before ``data``, a byte-order mark), quotes the bytes, and says to
    pass ``encoding=``: labelwise never re-decodes a file in an encoding it guessed.

    Examples
    --------
    >>> check_utf8("café\\n".encode(), "t.csv")
    >>> check_utf8(b"id,text\\n1,caf\\xe9\\n", "t.csv")
    Traceback (most recent call last):
    ...
    labelwise.errors.DataFormatError: t.csv, line 2, column 6: not valid UTF-8: byte 0xe9 ...
    """
    if data.isascii():
        return
    view = memoryview(data)
    start, n = 0, len(data)
    while start < n:
        stop = n
        if n - start > _UTF8_BLOCK:
            cut = data.rfind(b"\n", start, start + _UTF8_BLOCK)
            stop = n if cut < start else cut + 1  # a newline never splits a UTF-8 character
        try:
            codecs.utf_8_decode(view[start:stop], "strict", True)
        except UnicodeDecodeError as err:
            _raise_not_utf8(data, start + err.start, start + err.end, offset, path)
        start = stop


def _raise_not_utf8(data: bytes, bad: int, end: int, offset: int, path) -> None:
    line_start = data.rfind(b"\n", 0, bad) + 1
    line = data.count(b"\n", 0, bad) + 1
    shown = " ".join(f"0x{b:02x}" for b in data[bad : min(end, bad + 4)])
    around = data[max(line_start, bad - 20) : bad + 20].split(b"\n")[0]
    raise DataFormatError(
        f"not valid UTF-8: byte {shown} at byte offset {offset + bad} (in {around!r}). The file is "
        "in another encoding, which labelwise does not guess: read it with "
        "labelwise.read(..., encoding=NAME) (e.g. encoding='latin-1' for older Mulan/MEKA "
        "files, 'cp1252' for Windows exports), or convert it to UTF-8 (iconv -f latin1 -t "
        "utf-8 FILE > NEW).",
        path=path,
        line=line,
        column=bad - line_start + 1,
    )


def _transcode(data: bytes, encoding: str, path: str | Path | None) -> bytes:
    """``data`` in ``encoding`` as UTF-8 bytes; undecodable bytes are a DataFormatError."""
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as err:
        before = data[: err.start].decode(encoding, errors="replace")
        line = before.count("\n") + 1
        shown = " ".join(f"0x{b:02x}" for b in data[err.start : min(err.end, err.start + 4)])
        raise DataFormatError(
            f"not valid {encoding} (the encoding= given): byte {shown} at byte offset "
            f"{err.start} cannot be decoded ({err.reason}). Check the file's encoding.",
            path=path,
            line=line,
            column=len(before) - before.rfind("\n"),
        ) from None
    except UnicodeEncodeError as err:  # a lone surrogate that UTF-8 cannot hold
        raise DataFormatError(
            f"decoded as {encoding} (the encoding= given), the text holds a character UTF-8 "
            f"cannot represent ({err.reason}). Check the file's encoding.",
            path=path,
        ) from None


def check_no_nul(data: bytes, path: str | Path | None, first_line: int = 1) -> None:
    """A DataFormatError at the first NUL byte of ``data``, which starts at line ``first_line``."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DataFormatError(
            "NUL byte: this is a binary file, or UTF-16/UTF-32 text without a byte-order mark; "
            "save it as UTF-8 text, or pass encoding= its encoding.",
            path=path,
            line=first_line + data.count(b"\n", 0, nul),
            column=nul - data.rfind(b"\n", 0, nul),
        )


def read_text_bytes(path: str | Path, encoding: str | None = None) -> bytes:
    """:func:`read_bytes` then :func:`text_bytes`: a text file as valid UTF-8 bytes."""
    return text_bytes(read_bytes(path), path, encoding=encoding)


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """A text file as a string: UTF-8 unless a byte-order mark or ``encoding`` says otherwise.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "wb").write("text\\ncafé\\n".encode("latin-1"))
    >>> read_text(p, encoding="latin-1")
    'text\\ncafé\\n'
    >>> read_text(p)
    Traceback (most recent call last):
    ...
    labelwise.errors.DataFormatError: ...t.csv, line 2, column 4: not valid UTF-8: byte 0xe9 ...
    """
    data = text_bytes(read_bytes(path), path, encoding=encoding, strict=False)
    try:
        return data.decode("utf-8")  # one pass: the check runs only to locate a failure
    except UnicodeDecodeError:
        read_text_bytes(path, encoding)  # raises the DataFormatError naming line and offset
        raise


def parse_floats(data: bytes, *, return_starts: bool = False):
    """Parse whitespace-separated numbers in ``data``.

    Parameters
    ----------
    data : bytes
        Numbers separated by spaces, tabs or newlines.
    return_starts : bool, default=False
        Also return the byte offset where each number starts (callers map them to lines).

    Returns
    -------
    values : ndarray of float64
    starts : ndarray of intp, only when ``return_starts``

    Raises
    ------
    ValueError
        If some token is not a number.

    Examples
    --------
    >>> parse_floats(b"1 -2.5 0.125\\n3")
    array([ 1.   , -2.5  ,  0.125,  3.   ])
    """
    a = np.frombuffer(data, dtype=np.uint8)
    if a.size == 0:
        empty = np.empty(0)
        return (empty, np.empty(0, dtype=np.intp)) if return_starts else empty
    is_sep = a <= 32  # space, tab, newline, carriage return (and other control bytes)
    start = ~is_sep
    start[1:] &= is_sep[:-1]
    starts = np.flatnonzero(start)
    if starts.size == 0:  # np.fromstring reads whitespace alone as [0]
        empty = np.empty(0)
        return (empty, starts) if return_starts else empty
    values = None
    counts = np.bincount(a, minlength=256)
    if not counts[~_SIMPLE].any():
        values = _parse_simple(a, is_sep, starts, int(counts[46]))
    if values is None:
        try:
            values = np.fromstring(data, dtype=np.float64, sep=" ")
        except ValueError as err:
            raise ValueError(f"not a number: {err}") from None
        if values.size != starts.size:
            raise ValueError("some tokens are not numbers")
    return (values, starts) if return_starts else values


def _parse_simple(
    a: np.ndarray, is_sep: np.ndarray, starts: np.ndarray, n_dots: int
) -> np.ndarray | None:
    """Digits, signs and points only: exact integer parse then one division per token."""
    end = ~is_sep
    end[:-1] &= is_sep[1:]
    ends = np.flatnonzero(end)
    del end
    if ends.size != starts.size or (ends - starts).max(initial=0) >= _MAX_TOKEN:
        return None
    if n_dots:
        dots = np.flatnonzero(a == 46)
        tok = np.searchsorted(starts, dots, side="right") - 1
        if np.any(np.diff(tok) == 0):  # two points in one token
            return None
        k = (ends[tok] - dots).astype(np.uint8)  # digits after the point
        del ends, dots
        a = a[a != 46]
    try:
        ints = np.fromstring(a.tobytes(), dtype=np.int64, sep=" ")
    except ValueError:
        return None
    if ints.size != starts.size:
        return None
    out = ints.astype(np.float64)  # exact: every token has at most 15 digits
    del ints
    if n_dots:
        out[tok] /= _POW10[k]  # one correctly rounded division, as float(token) gives
    return out


def split_quoted(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside single or double quotes; strip and unquote each field.

    Backslash escapes a character inside quotes (``'Swainson\\'s Thrush'``).

    Examples
    --------
    >>> split_quoted("a, 'b, c' ,\\"d\\"")
    ['a', 'b, c', 'd']
    """
    if "'" not in text and '"' not in text:
        return [t.strip() for t in text.split(sep)]
    out: list[str] = []
    buf: list[str] = []
    blank = True  # buf holds only whitespace so far (a quote may open a field)
    quote = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\" and i + 1 < n:
                c = text[i + 1]
                i += 1
            elif c == quote:
                quote = None
                i += 1
                continue
            buf.append(c)
            blank = blank and c.isspace()
        elif c in "'\"" and blank:
            quote = c
            buf = []
        elif c == sep:
            out.append("".join(buf).strip())
            buf = []
            blank = True
        else:
            buf.append(c)
            blank = blank and c.isspace()
        i += 1
    if quote:
        raise ValueError(f"unclosed quote {quote} in {_shorten(text)!r}")
    out.append("".join(buf).strip())
    return out


def _shorten(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def brief(value: object, n: int = 60) -> str:
    """``repr(value)`` cut to about ``n`` characters, for quoting file content in a message.

    Examples
    --------
    >>> brief("0.5"), brief("x" * 100, 10)
    ("'0.5'", "'xxxxxx...")
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str) and len(value) > n:
        value = value[:n]
        return repr(value)[: n - 3] + "..."
    r = repr(value)
    return r if len(r) <= n else r[: n - 3] + "..."


def handle_nonfinite(
    X: np.ndarray | sp.csr_matrix,
    nan: str,
    *,
    path: str | Path | None,
    row_lines: np.ndarray | None,
    feature_names: list[str] | None,
) -> np.ndarray | sp.csr_matrix:
    """Apply the NaN rule: ``"error"`` (say how many and where), ``"impute"`` (column mean of the
    finite values; 0 for a column with none) or ``"keep"``."""
    if nan not in ("error", "impute", "keep"):
        raise ValueError(f"nan must be 'error', 'impute' or 'keep'; got {nan!r}.")
    values = X.data if sp.issparse(X) else X
    bad = ~np.isfinite(values)
    n_bad = int(bad.sum())
    if n_bad == 0 or nan == "keep":
        return X
    if sp.issparse(X):
        X = X.tocsr()
        pos = int(np.flatnonzero(bad)[0])
        row = int(np.searchsorted(X.indptr, pos, side="right") - 1)
        col = int(X.indices[pos])
    else:
        row, col = (int(v) for v in np.argwhere(bad)[0])
    if nan == "error":
        name = feature_names[col] if feature_names else str(col)
        line = None if row_lines is None else int(row_lines[row])
        raise DataValueError(
            f"{n_bad} NaN or infinite feature value(s); the first is in row {row} (0-based), "
            f"feature {brief(name)}. Fix the data, or pass nan='impute' to replace them by the "
            "column mean (or nan='keep' to keep them).",
            path=path,
            line=line,
            column=name,
        )
    if sp.issparse(X):
        X = X.copy()
        X.data[bad] = 0.0
        sums = np.asarray(X.sum(axis=0)).ravel()
        counts = X.shape[0] - np.bincount(X.indices[bad], minlength=X.shape[1])
        means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        X.data[bad] = means[X.indices[bad]]
        return X
    X = np.array(X, dtype=np.float64)
    finite = np.isfinite(X)
    counts = finite.sum(axis=0)
    sums = np.where(finite, X, 0.0).sum(axis=0)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    rows, cols = np.nonzero(~finite)
    X[rows, cols] = means[cols]
    return X
