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
    "check_no_nul",
    "decode",
    "gzip_errors",
    "handle_nonfinite",
    "parse_floats",
    "read_bytes",
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


def text_bytes(data: bytes, path: str | Path | None) -> bytes:
    """A text file's bytes as UTF-8 (or 8-bit) text: byte-order marks honoured, NUL bytes refused.

    A UTF-8 byte-order mark is dropped; UTF-16 and UTF-32 files with a byte-order mark are
    transcoded to UTF-8. A NUL byte left after that means a binary file, or UTF-16/32 text
    without a byte-order mark: a :class:`~labelwise.errors.DataFormatError` with its line and
    column.

    Examples
    --------
    >>> text_bytes(b"\\xef\\xbb\\xbfa,b\\n", "t.csv")
    b'a,b\\n'
    >>> text_bytes("a,b\\n".encode("utf-16"), "t.csv")
    b'a,b\\n'
    >>> text_bytes(b"a,b\\n1,\\x002\\n", "t.csv")
    Traceback (most recent call last):
    ...
    labelwise.errors.DataFormatError: t.csv, line 2, column 3: NUL byte: ...
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8-sig":
                data = data[len(bom) :]
                break
            try:
                data = data.decode(encoding).encode("utf-8")
            except UnicodeError as err:
                raise DataFormatError(
                    f"the file starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} ({err.reason} at byte {getattr(err, 'start', '?')}); "
                    "save it as UTF-8 text.",
                    path=path,
                ) from None
            break
    check_no_nul(data, path)
    return data


def check_no_nul(data: bytes, path: str | Path | None, first_line: int = 1) -> None:
    """A DataFormatError at the first NUL byte of ``data``, which starts at line ``first_line``."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DataFormatError(
            "NUL byte: this is a binary file, or UTF-16/UTF-32 text without a byte-order mark; "
            "save it as UTF-8 text.",
            path=path,
            line=first_line + data.count(b"\n", 0, nul),
            column=nul - data.rfind(b"\n", 0, nul),
        )


def read_text_bytes(path: str | Path) -> bytes:
    """:func:`read_bytes` then :func:`text_bytes`: a text file as UTF-8 (or 8-bit) bytes."""
    return text_bytes(read_bytes(path), path)


def decode(data: bytes) -> str:
    """UTF-8 text, falling back to Latin-1 (which never fails) for older files."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


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
