"""One entry point to read and write every supported format.

:func:`read` picks the reader from the file extension (``.gz`` aside) or, failing that, from the
content; :func:`write` picks the writer from the extension.

=========  ==============================================  =====================
format     extensions                                      ``labels=``
=========  ==============================================  =====================
arff       ``.arff``                                       XML file, count, names
libsvm     ``.svm .libsvm .svmlight .xc`` (``.txt`` sniffed)  count or names
csv, tsv   ``.csv``, ``.tsv .tab``                         column(s) or count
json       ``.json`` (a list of objects)                   column(s) or count
jsonl      ``.jsonl .ndjson``                              column(s) or count
parquet    ``.parquet .pq``                                column(s) or count
=========  ==============================================  =====================

Text files are read as UTF-8 (with or without a byte-order mark), or UTF-16 or UTF-32 with a
byte-order mark, unless ``encoding=`` names their encoding (``"latin-1"`` for older Mulan/MEKA
ARFF files, ``"cp1252"`` for Windows exports, ...). The encoding is never guessed: bytes that are
not valid UTF-8 are a :class:`~labelwise.errors.DataFormatError` naming the file, the line and the
byte offset, instead of the whole file being re-decoded (so a ``café`` elsewhere in the file can
never turn into ``cafÃ©``). Texts and labels are taken as written: a number, ``null`` or a list
where a text belongs is an error naming the row (``coerce_text=True`` reads numbers as text).
A file that cannot be read (corrupted, binary, a broken ``.gz``) gives a
:class:`~labelwise.errors.DataFormatError` (or :class:`~labelwise.errors.DataValueError`) naming
the file and, where there is one, the line; ``benchmarks/fuzz_readers.py`` checks this on
corrupted copies of real files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from labelwise.data._parsing import check_encoding, read_bytes, text_bytes
from labelwise.data.arff import read_arff, write_arff
from labelwise.data.dataset import Dataset
from labelwise.data.libsvm import read_libsvm, write_libsvm
from labelwise.data.tables import from_pandas, read_table
from labelwise.errors import DataFormatError

__all__ = ["FORMATS", "read", "sniff_format", "write"]

FORMATS = ("arff", "libsvm", "csv", "tsv", "json", "jsonl", "parquet")
_EXTENSIONS = {
    ".arff": "arff", ".svm": "libsvm", ".libsvm": "libsvm", ".svmlight": "libsvm",
    ".xc": "libsvm", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
    ".json": "json",
    ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet",
}  # fmt: skip
_LIBSVM_LINE = re.compile(  # labels then index:value pairs; labels only; the XC header
    rb"^(-?\d+(,-?\d+)*\s+)?\d+:\S+(\s+\d+:\S+)*$|^-?\d+(,-?\d+)*$|^\d+\s+\d+\s+\d+$"
)


def sniff_format(path: str | Path, *, encoding: str | None = None) -> str:
    """The format of a file, from its extension or else its first bytes (in ``encoding``).

    Raises
    ------
    DataFormatError
        When neither says which format it is.

    Examples
    --------
    >>> sniff_format("scene-train.arff"), sniff_format("docs.jsonl.gz")
    ('arff', 'jsonl')
    """
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in _EXTENSIONS:
        return _EXTENSIONS[suffixes[-1]]
    head = text_bytes(read_bytes(path), path, encoding=encoding, strict=False)[:8192]
    if head.startswith(b"PAR1"):
        return "parquet"
    lines = [ln.strip() for ln in head.split(b"\n")[:-1] or head.split(b"\n")]
    lines = [ln for ln in lines if ln and not ln.startswith(b"%")]
    if not lines:
        raise DataFormatError("unknown format: the file is empty.", path=path)
    first = lines[0].lower()
    if first.startswith((b"@relation", b"@attribute")):
        return "arff"
    if first.startswith(b"["):
        return "json"
    if first.startswith(b"{"):
        try:
            json.loads(lines[0])
            return "jsonl"
        except (ValueError, RecursionError):
            pass
    if all(_LIBSVM_LINE.match(ln) for ln in lines[:20]):
        return "libsvm"
    if b"\t" in lines[0]:
        return "tsv"
    if b"," in lines[0] and len(lines) > 1:
        return "csv"
    raise DataFormatError(
        f"unknown format: the extension {path.suffix or '(none)'!r} is not one of "
        f"{sorted(_EXTENSIONS)} and the content does not look like {', '.join(FORMATS)}. "
        "Pass format=.",
        path=path,
    )


def read(
    source: str | Path | Any,
    labels: Any = None,
    *,
    format: str | None = None,
    encoding: str | None = None,
    **options: Any,
) -> Dataset:
    """Read labelled data from a file (or a pandas DataFrame) into a :class:`Dataset`.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        The file to read, or a DataFrame.
    labels : optional
        Which columns are labels: an XML label file, names or a count (ARFF), a count or names
        (LibSVM), a label-list column, 0/1 columns or a count of them (tables). A count ``n``
        means the first ``n`` attributes or columns, ``-n`` the last ``n`` (MEKA's ``-C``);
        for LibSVM it is the number of label values. See each reader.
    format : {"arff", "libsvm", "csv", "tsv", "json", "jsonl", "parquet"}, optional
        Default from the extension or the content.
    encoding : str, optional
        The text encoding of the file (and of an ARFF file's XML label file), e.g.
        ``"latin-1"``. ``None``: UTF-8, or what a byte-order mark says; never guessed.
    **options
        Passed to the reader: :func:`~labelwise.data.arff.read_arff`,
        :func:`~labelwise.data.libsvm.read_libsvm`, :func:`~labelwise.data.tables.read_table`
        (for tables, ``coerce_text=True`` reads a number where a text belongs as its digits).

    Returns
    -------
    Dataset

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DataFormatError
        For an unknown format, content that is not valid in its format (with the line), bytes
        that are not valid in the encoding (with the line and byte offset), or a text or label
        of the wrong type (with the row and column).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "t.svm")
    >>> _ = open(p, "w").write("0 1:0.5\\n0,2 2:1\\n")
    >>> ds = read(p)
    >>> ds.label_names, ds.X.shape
    (['0', '2'], (2, 2))
    """
    encoding = check_encoding(encoding, "read")
    if not isinstance(source, (str, Path)):
        if hasattr(source, "columns") and hasattr(source, "to_dict"):
            if encoding is not None:
                raise ValueError("read: encoding= applies to files, not to a DataFrame.")
            return from_pandas(source, labels, **options)
        raise TypeError(f"read() takes a path or a pandas DataFrame, got {type(source).__name__}.")
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file; check the path (cwd is {Path.cwd()}).")
    fmt = format or sniff_format(path, encoding=encoding)
    if fmt == "arff":
        return read_arff(path, labels, encoding=encoding, **options)
    if fmt == "libsvm":
        return read_libsvm(path, labels, encoding=encoding, **options)
    if fmt in ("csv", "tsv", "json", "jsonl", "parquet"):
        return read_table(path, labels, format=fmt, encoding=encoding, **options)
    raise DataFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}.", path=path)


def write(
    dataset: Dataset,
    path: str | Path,
    *,
    format: str | None = None,
    overwrite: bool = False,
    **options: Any,
) -> Path:
    """Write a Dataset as Mulan ARFF (plus its XML label file) or LibSVM.

    Parameters
    ----------
    dataset : Dataset
    path : str or Path
    format : {"arff", "libsvm"}, optional
        Default from the extension.
    overwrite : bool, default=False
        Replace existing files; otherwise an existing file is an error (``FileExistsError``).
    **options
        Passed to :func:`~labelwise.data.arff.write_arff` or
        :func:`~labelwise.data.libsvm.write_libsvm`.

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile, numpy as np
    >>> ds = Dataset(X=np.eye(2), Y=np.array([[1], [0]]), label_names=["spam"])
    >>> p = write(ds, os.path.join(tempfile.mkdtemp(), "t.arff"))
    >>> read(p).label_lists()
    [['spam'], []]
    """
    path = Path(path)
    fmt = format
    if fmt is None:
        suffixes = [s.lower() for s in path.suffixes]
        fmt = _EXTENSIONS.get(suffixes[-1] if suffixes else "", None)
    if fmt == "arff":
        return write_arff(dataset, path, overwrite=overwrite, **options)
    if fmt == "libsvm":
        return write_libsvm(dataset, path, overwrite=overwrite, **options)
    raise DataFormatError(
        f"cannot write format {fmt or path.suffix or '(no extension)'!r}; labelwise writes "
        "'arff' (.arff) and 'libsvm' (.svm). Pass format= or change the extension.",
        path=path,
    )
