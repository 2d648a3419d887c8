"""Bounds on what loading a model file may inflate and parse, enforced before allocating.

A model file is a zip archive, and two of its members are zip archives themselves (the skops
estimator and each state's ``.npz``; a sparse matrix inside the skops archive is a third level).
Deflate can inflate about 1,000 times, so a file of one megabyte may claim a gigabyte. Loading
therefore keeps one :class:`Budget` per file: the members of every level together may inflate to
at most ``max_ratio`` times the file's size (at least :data:`MIN_BOUND`) and never more than
``max_bytes``; an archive inside a member counts with what its members add to its own size.
Each member's declared size (its zip header, and the manifest's ``size`` when there is one) is
charged to the budget *before* the member is inflated, and members are read in chunks with a
running count, so a header that lies cannot make a read go past what was charged. Only stored
and deflated members are read (bzip2 and LZMA decompress without an output bound in
:mod:`zipfile`).

Every JSON document (``metadata.json``, ``MANIFEST.json``, ``states/<i>.json`` and the skops
``schema.json``) is parsed by :func:`parse_json`, which checks its size and its nesting depth
before :func:`json.loads` sees it, so a document nested 100,000 deep is refused with a message
instead of a ``RecursionError``.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from labelwise.errors import ModelFileError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_RATIO",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_SCHEMA_DEPTH",
    "Budget",
    "check_inner_archive",
    "json_depth",
    "parse_json",
    "read_member",
]

#: All members together may inflate to at most this many times the file's size. Model files
#: labelwise writes inflate 10 to 40 times (JSON schemas and deflated arrays), a nearest-neighbour
#: model of sparse 0/1 features about 130 times; deflate's own limit is about 1,030.
DEFAULT_MAX_RATIO = 200.0
#: And never to more than this many bytes, whatever the file's size.
DEFAULT_MAX_BYTES = 8 * 2**30
#: A file may always inflate this much (within ``max_bytes``): small models of highly
#: compressible arrays (a nearest-neighbour model of 0/1 features) inflate over 100 times.
MIN_BOUND = 64 * 2**20
#: ``metadata.json``, ``MANIFEST.json`` and state trees: size and nesting depth (files labelwise
#: writes nest at most about 10 deep).
MAX_JSON_BYTES = 16 * 2**20
MAX_JSON_DEPTH = 100
#: The skops schema nests about 25 deep for a thresholded pipeline of classifier chains; skops
#: reads it recursively and runs out of Python's stack near 500.
MAX_SCHEMA_DEPTH = 200
_CHUNK = 2**20
_NESTED_LEVELS = 3  # model file > skops archive > sparse matrix .npz
_READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# a JSON string, or an unterminated one running to the end (so no match ever fails and the scan
# stays linear); what is left after removing them is the document's structure
_STRING = re.compile(rb'"[^"\\]*(?:\\[\s\S]?[^"\\]*)*(?:"|\Z)')


def _mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{int(n):,} bytes"


class Budget:
    """How many bytes the members of one model file may still inflate to.

    Parameters
    ----------
    path : Path
        The model file (for messages).
    file_size : int
        Its size in bytes.
    max_ratio : float
        Inflated bytes allowed per byte of the file.
    max_bytes : int
        Inflated bytes allowed in all.
    floor : int, default=MIN_BOUND
        Inflated bytes allowed whatever the ratio (still within ``max_bytes``).

    Examples
    --------
    >>> b = Budget(Path("m.lw"), 1000, max_ratio=10, max_bytes=2**30, floor=0)
    >>> b.limit
    10000
    >>> b.charge(4000, "estimator.skops")
    >>> b.charge(7000, "states/0.npz")
    Traceback (most recent call last):
    ...
    labelwise.errors.ModelFileError: m.lw: member 'states/0.npz' would inflate to 7,000 bytes, \
over the 6,000 bytes left of this file's bound of 10,000 bytes (max_ratio=10 ...
    """

    def __init__(
        self,
        path: Path,
        file_size: int,
        *,
        max_ratio: float,
        max_bytes: int,
        floor: int = MIN_BOUND,
    ) -> None:
        self.path = path
        self.file_size = int(file_size)
        self.max_ratio = max_ratio
        self.max_bytes = int(max_bytes)
        self.limit = int(min(self.max_bytes, max(floor, max_ratio * self.file_size)))
        self.used = 0

    def charge(self, n: int, member: str) -> None:
        """Count ``n`` more inflated bytes for ``member``, or raise ``ModelFileError``."""
        if n < 0 or self.used + n > self.limit:
            ratio = f"{self.max_ratio:g}"
            raise ModelFileError(
                f"{self.path}: member {member!r} would inflate to {_mib(n)}, over the "
                f"{_mib(self.limit - self.used)} left of this file's bound of {_mib(self.limit)} "
                f"(max_ratio={ratio} times its {_mib(self.file_size)}, at least "
                f"{_mib(MIN_BOUND)}; max_bytes={_mib(self.max_bytes)}). labelwise does not write "
                "such files; if you trust this one, load it with a larger max_ratio or max_bytes."
            )
        self.used += n


def check_bounds(max_ratio: Any, max_bytes: Any) -> tuple[float, int]:
    """``(max_ratio, max_bytes)`` checked as ``load`` takes them; ``None`` means the default."""
    ratio = DEFAULT_MAX_RATIO if max_ratio is None else max_ratio
    cap = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not ratio >= 1:
        raise ValueError(f"load: max_ratio must be a number >= 1; got {max_ratio!r}.")
    if not math.isfinite(ratio):
        raise ValueError(f"load: max_ratio must be finite; got {max_ratio!r}.")
    if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)) or cap < 1:
        raise ValueError(f"load: max_bytes must be a positive integer; got {max_bytes!r}.")
    return float(ratio), int(cap)


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget, where: str) -> bytes:
    """The inflated bytes of one member, charged to ``budget`` before anything is inflated.

    ``where`` names the member in messages (``"estimator.skops"``, ``"estimator.skops/x.npy"``).
    """
    _check_readable(info, budget.path, where)
    budget.charge(info.file_size, where)
    return _inflate(zf, info, budget.path, where)


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, where: str) -> bytes:
    """Inflate a member in chunks, never past its declared size."""
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > info.file_size:  # zipfile stops there itself; never trust it alone
                    raise ModelFileError(
                        f"{path}: member {where!r} inflates past the {info.file_size:,} "
                        "bytes its header declares; the file is damaged or forged."
                    )
    except ModelFileError:
        raise
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError, OSError, ...
        raise ModelFileError(
            f"{path}: member {where!r} is damaged ({_reason(exc)}); save the model again."
        ) from None
    if len(out) != info.file_size:
        raise ModelFileError(
            f"{path}: member {where!r} holds {len(out):,} bytes where its header declares "
            f"{info.file_size:,}; the file is damaged."
        )
    return bytes(out)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_readable(info: zipfile.ZipInfo, path: Path, where: str) -> None:
    if info.flag_bits & 0x1:
        raise ModelFileError(f"{path}: member {where!r} is encrypted; labelwise never writes that.")
    if info.compress_type not in _READABLE:
        raise ModelFileError(
            f"{path}: member {where!r} uses zip compression method {info.compress_type}; model "
            "files use only stored and deflated members."
        )


def open_archive(data: bytes, path: Path, where: str) -> zipfile.ZipFile:
    """A zip archive held in memory (a member of the model file), or ``ModelFileError``."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:
        raise ModelFileError(
            f"{path}: member {where!r} is not a readable zip archive ({_reason(exc)})."
        ) from None


def check_inner_archive(
    data: bytes, budget: Budget, where: str, *, level: int = 1
) -> dict[str, Any]:
    """Check a zip archive held in a member (the skops estimator, a state's ``.npz``).

    What the members' declared sizes add to the archive's own size (which was charged when it
    was read) is charged to ``budget`` first, then each member is inflated once in
    chunks (so a bad CRC or a short member is found here, not inside skops or NumPy); ``.npy``
    members must hold exactly the array their header declares, of a dtype without Python
    objects; ``.npz`` members (sparse matrices) are checked the same way, one level down; a
    ``schema.json`` is parsed with :func:`parse_json`.

    Returns
    -------
    dict
        ``{"schema": parsed schema.json or None}``.
    """
    path = budget.path
    with open_archive(data, path, where) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        if len(names) != len(set(names)):
            raise ModelFileError(f"{path}: member {where!r} holds a name twice.")
        for info in infos:
            _check_readable(info, path, f"{where}/{info.filename}")
        expansion = sum(i.file_size for i in infos) - len(data)
        budget.charge(max(0, expansion), f"{where} (all its members)")
        schema = None
        for info in infos:
            inner = f"{where}/{info.filename}"
            data_i = _inflate(zf, info, path, inner)
            if info.filename.endswith(".npy"):
                check_npy(data_i, path, inner)
            elif info.filename.endswith(".npz"):
                if level >= _NESTED_LEVELS:
                    raise ModelFileError(f"{path}: {inner} nests archives too deeply.")
                check_inner_archive(data_i, budget, inner, level=level + 1)
            elif info.filename == "schema.json":
                schema = parse_json(
                    data_i, path, inner, max_bytes=budget.limit, max_depth=MAX_SCHEMA_DEPTH
                )
    return {"schema": schema}


def check_npy(data: bytes, path: Path, where: str) -> None:
    """Refuse a ``.npy`` whose header declares another size than it holds, or Python objects."""
    fh = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"format version {version}")
    except Exception as exc:
        raise ModelFileError(
            f"{path}: {where} is not a valid NumPy array file ({_reason(exc)})."
        ) from None
    if dtype.hasobject:
        raise ModelFileError(f"{path}: {where} holds Python objects; model files hold none.")
    nbytes = math.prod(int(s) for s in shape) * dtype.itemsize
    if fh.tell() + nbytes != len(data):
        raise ModelFileError(
            f"{path}: {where} declares an array of shape {tuple(shape)} ({nbytes:,} bytes) but "
            f"holds {len(data) - fh.tell():,} bytes of data; the file is damaged or forged."
        )


def json_depth(data: bytes) -> int:
    """How deeply brackets nest in a JSON document, outside its strings.

    Linear in the document's length; never less than what :func:`json.loads` would recurse
    into (an unterminated string counts as running to the end).

    Examples
    --------
    >>> json_depth(b'{"a": [1, {"b": "[[[["}], "c\\\\"": []}')
    3
    """
    rest = np.frombuffer(_STRING.sub(b"", data), dtype=np.uint8)
    steps = np.isin(rest, (91, 123)).astype(np.int64) - np.isin(rest, (93, 125))
    return int(np.cumsum(steps).max(initial=0))


def parse_json(
    data: bytes,
    path: Path,
    member: str,
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Parse a JSON member after checking its size, its encoding (UTF-8) and its depth.

    Raises
    ------
    ModelFileError
        Naming ``member`` and the bound it exceeds, or what is not valid JSON.

    Examples
    --------
    >>> parse_json(b'{"a": [1, 2]}', Path("m.lw"), "metadata.json")
    {'a': [1, 2]}
    >>> parse_json(b"[" * 10**5, Path("m.lw"), "metadata.json")
    Traceback (most recent call last):
    ...
    labelwise.errors.ModelFileError: m.lw: metadata.json nests 100,000 levels deep; the bound ...
    """
    if len(data) > max_bytes:
        raise ModelFileError(
            f"{path}: {member} is {_mib(len(data))}; the bound for it is {_mib(max_bytes)}."
        )
    depth = json_depth(data)
    if depth > max_depth:
        raise ModelFileError(
            f"{path}: {member} nests {depth:,} levels deep; the bound is {max_depth} (labelwise "
            "writes at most about 10)."
            if max_depth == MAX_JSON_DEPTH
            else f"{path}: {member} nests {depth:,} levels deep; the bound is {max_depth}."
        )
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ModelFileError(
            f"{path}: {member} is not UTF-8 (byte {exc.start}); it is damaged."
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path}: {member} is not valid JSON ({exc}).") from None
