"""Tables: CSV/TSV, JSON Lines, Parquet and pandas DataFrames -> Dataset.

A table gives its labels in one of two ways:

* one **label-list column** (``labels="topics"``): each cell a list of names (JSON Lines,
  Parquet, pandas), a JSON list in text (``'["IT", "UK"]'``) or names joined by ``label_sep``
  (``IT|UK``); an empty cell is an example with no labels;
* one **0/1 column per label** (``labels=["IT", "UK"]``).

An optional text column becomes ``Dataset.texts``, exactly as written: every text must be a
string. A number, ``true``/``false``, ``null``, a missing field, a list or an object where a text
belongs is a :class:`~labelwise.errors.DataFormatError` naming the file, the row (the line of a
JSON Lines file), the column and the value's JSON type (as ``labelwise serve`` refuses such a
request with a 422); ``coerce_text=True`` reads numbers as their digits, with one warning. An
example without text is written ``""``. Label names are strings, or whole numbers read as their
digits; any other type in a label cell is an error naming the row likewise. The remaining numeric
columns become ``X``
(non-numeric leftovers such as ids are dropped, but a column of numbers with a few non-numbers in
it is an error naming the first, since it is most likely a damaged feature column). Text files
are UTF-8 (or UTF-16/32 with a byte-order mark) unless ``encoding=`` names another encoding;
bytes that are not valid are an error naming the line and byte offset, never re-decoded in a
guessed encoding. CSV/TSV and JSON Lines need only the standard library; Parquet needs pyarrow
and DataFrames pandas, imported only when used.
"""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from labelwise._validation import Options, check_params
from labelwise.data._parsing import brief, check_encoding, handle_nonfinite, read_text
from labelwise.data.dataset import Dataset
from labelwise.data.label_space import LabelSpace
from labelwise.errors import DataFormatError, DataValueError, LabelwiseWarning, TargetError

__all__ = ["from_pandas", "read_table"]

_PARAMS = {
    "unknown": [Options({"error", "ignore"})],
    "nan": [Options({"error", "impute", "keep"})],
    "coerce_text": [bool],
}


class _Absent:
    """A field a JSON record does not have (``None`` is a field written ``null``)."""

    def __repr__(self) -> str:
        return "(no such field)"


_ABSENT = _Absent()


class _Table:
    """Columns of Python values, with the file line of each row (for error messages)."""

    def __init__(
        self,
        columns: dict[str, list[Any]],
        lines: list[int] | None,
        path,
        header_line: int | None = None,
        kind: str = "csv",
    ) -> None:
        self.columns = columns
        self.lines = lines
        self.path = path
        self.header_line = header_line  # where the column names are, for a delimited file
        self.kind = kind  # "csv", "json", "json list", "parquet" or "pandas": how to name a row

    def line(self, row: int) -> int | None:
        return None if self.lines is None else self.lines[row]

    def error(
        self, message: str, row: int, column: str, kind: type[DataFormatError] = DataFormatError
    ) -> DataFormatError:
        """``kind`` at ``row``'s file line (when known) and ``column`` of this table's file."""
        return kind(message, path=self.path, line=self.line(row), column=column)

    def row(self, row: int) -> str:
        """The row for a message when the error cannot give its line: ``" (row 3, 0-based)"``."""
        if self.lines is not None:
            return ""
        if self.kind == "json list":
            return f" (item {row} of the JSON list)"
        return f" (row {row}, 0-based)"

    def show(self, value: Any) -> str:
        """``value`` quoted briefly, as the file writes it (JSON for JSON)."""
        if self.kind.startswith("json") and value is not _ABSENT:
            try:
                return brief(json.dumps(value, ensure_ascii=False))[1:-1]
            except (TypeError, ValueError):
                pass
        return brief(value)

    def type_name(self, value: Any) -> str:
        """What ``value`` is, in the words of the table's format (JSON types for JSON)."""
        if self.kind.startswith("json"):
            for kind, name in _JSON_TYPES:
                if isinstance(value, kind):
                    return f"a JSON {name}"
        return f"a {type(value).__name__}"

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


_JSON_TYPES = ((bool, "boolean"), (numbers.Real, "number"), (str, "string"), (list, "array"),
               (dict, "object"), (type(None), "null"))  # fmt: skip


def _read_delimited(path: Path, delimiter: str, encoding: str | None) -> _Table:
    text = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    try:
        while not header:  # blank lines before the header are skipped
            header = next(reader)
    except StopIteration:
        raise DataFormatError("the file is empty; expected a header row.", path=path) from None
    except csv.Error as err:
        raise DataFormatError(f"{err} (header row).", path=path, line=reader.line_num) from None
    header_line = reader.line_num
    counts = Counter(header)
    dup = sorted(h for h, k in counts.items() if k > 1)
    if dup:
        raise DataFormatError(
            f"duplicate column names {brief(dup, 200)} in the header.", path=path, line=header_line
        )
    rows, lines = [], []
    try:
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise DataFormatError(
                    f"expected {len(header)} fields (as in the header), found {len(row)}; "
                    "check the delimiter and the quoting of this row.",
                    path=path,
                    line=reader.line_num,
                )
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as err:
        raise DataFormatError(str(err), path=path, line=reader.line_num) from None
    cols = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in header]
    return _Table(dict(zip(header, cols, strict=True)), lines, path, header_line)


def _read_jsonl(path: Path, encoding: str | None) -> _Table:
    records, lines = [], []
    for i, raw in enumerate(read_text(path, encoding).split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as err:
            raise DataFormatError(
                f"not valid JSON ({err.msg} at character {err.pos + 1}).", path=path, line=i
            ) from None
        except (ValueError, RecursionError) as err:
            raise DataFormatError(
                f"cannot read the JSON ({_json_limit(err)}).", path=path, line=i
            ) from None
        if not isinstance(rec, dict):
            raise DataFormatError(
                f"each line must be a JSON object, found {type(rec).__name__}.", path=path, line=i
            )
        records.append(rec)
        lines.append(i)
    keys: dict[str, None] = {}
    for rec in records:
        keys.update(dict.fromkeys(rec))
    columns = {k: [rec.get(k, _ABSENT) for rec in records] for k in keys}
    return _Table(columns, lines, path, kind="json")


def _read_json_array(path: Path, encoding: str | None) -> _Table:
    text = read_text(path, encoding)
    try:
        records = json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFormatError(
            f"not valid JSON ({err.msg}).", path=path, line=err.lineno, column=err.colno
        ) from None
    except (ValueError, RecursionError) as err:
        raise DataFormatError(f"cannot read the JSON ({_json_limit(err)}).", path=path) from None
    if not isinstance(records, list):
        raise DataFormatError(
            f"a .json table must be a JSON list of objects, found {type(records).__name__}; "
            "for one object per line use .jsonl.",
            path=path,
        )
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise DataFormatError(
                f"item {i} of the JSON list is a {type(rec).__name__}, not an object.", path=path
            )
    keys: dict[str, None] = {}
    for rec in records:
        keys.update(dict.fromkeys(rec))
    columns = {k: [rec.get(k, _ABSENT) for rec in records] for k in keys}
    return _Table(columns, None, path, kind="json list")


def _json_limit(err: Exception) -> str:
    """Why valid-looking JSON could not be read: nesting or number size beyond Python's limits."""
    if isinstance(err, RecursionError):
        return "arrays or objects nested too deeply"
    return f"a number too large to read: {str(err).split(';')[0]}"


def _read_parquet(path: Path) -> _Table:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "reading Parquet needs pyarrow; install it with: pip install 'labelwise[tables]'"
        ) from None
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file; check the path (cwd is {Path.cwd()}).")
    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises its own error types
        raise DataFormatError(f"cannot read as Parquet: {err}", path=path) from None
    return _Table(table.to_pydict(), None, path, kind="parquet")


def read_table(
    path: str | Path,
    labels: str | Sequence[str] | int | None = None,
    *,
    format: str | None = None,
    text: str | None = "auto",
    features: Sequence[str] | None = None,
    label_sep: str = "|",
    label_names: Sequence[str] | None = None,
    unknown: str = "error",
    nan: str = "error",
    encoding: str | None = None,
    coerce_text: bool = False,
) -> Dataset:
    """Read a CSV, TSV, JSON Lines or Parquet table.

    Parameters
    ----------
    path : str or Path
    labels : str, sequence of str, int or None, default=None
        The label-list column, or the 0/1 label columns: their names, or an int, a MEKA label
        count (``n``: the first ``n`` columns; ``-n``: the last ``n``; as ``--labels`` in the
        command line). The columns are counted in the file's order (for JSON, in the order the
        keys first appear). ``None``: a column named ``labels``.
    format : {"csv", "tsv", "json", "jsonl", "parquet"}, optional
        Default from the extension (``.csv``, ``.tsv``, ``.json`` (a list of objects),
        ``.jsonl``/``.ndjson``, ``.parquet``).
    text : str or None, default="auto"
        The text column; ``"auto"`` uses a column named ``text`` if there is one. Every text
        must be a string (``""`` for an example without text).
    features : sequence of str, optional
        Numeric feature columns; default all remaining numeric columns.
    label_sep : str, default="|"
        Separator of label names inside a text cell that is not a JSON list.
    label_names : sequence of str, optional
        The label space (column order of ``Y``); default the sorted names seen.
    unknown : {"error", "ignore"}, default="error"
        A label not in ``label_names``: raise, or drop it.
    nan : {"error", "impute", "keep"}, default="error"
        NaN or infinite feature values.
    encoding : str, optional
        The text encoding of a CSV, TSV, JSON or JSON Lines file (``"latin-1"``, ``"cp1252"``,
        ...). ``None``: UTF-8, or UTF-16/32 when the file starts with a byte-order mark. Not
        for Parquet, whose text is UTF-8 by definition.
    coerce_text : bool, default=False
        Read a number where a text belongs (JSON ``12345``, a numeric Parquet or DataFrame
        column) as its digits (``str(value)``), with one warning giving the count and the first
        row, instead of raising. ``null``, a missing field, ``true``/``false``, lists and objects
        are errors either way.

    Returns
    -------
    Dataset

    Raises
    ------
    DataFormatError
        Content that is not valid in its format (with the line); bytes that are not valid in
        the encoding (with the line and byte offset); a text or a label of the wrong type (with
        the row, the column and the value's type).

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "news.csv")
    >>> _ = open(p, "w").write('text,labels,length\\nrates rise,"[""IT"", ""UK""]",2\\n'
    ...                        'goal!,UK,1\\nnothing,,1\\n')
    >>> ds = read_table(p, labels="labels")
    >>> ds.label_names, ds.label_lists(), ds.texts
    (['IT', 'UK'], [['IT', 'UK'], ['UK'], []], ['rates rise', 'goal!', 'nothing'])
    >>> ds.X.ravel()
    array([2., 1., 1.])
    """
    check_params(
        {"unknown": unknown, "nan": nan, "coerce_text": coerce_text}, _PARAMS, caller="read_table"
    )
    encoding = check_encoding(encoding, "read_table")
    path = Path(path)
    fmt = format or _table_format(path)
    if fmt in ("csv", "tsv"):
        table = _read_delimited(path, "," if fmt == "csv" else "\t", encoding)
    elif fmt == "jsonl":
        table = _read_jsonl(path, encoding)
    elif fmt == "json":
        table = _read_json_array(path, encoding)
    elif fmt == "parquet":
        if encoding not in (None, "utf-8"):
            raise ValueError(
                f"read_table: encoding={encoding!r} does not apply to Parquet, whose text is "
                "UTF-8 by the format's definition; leave encoding out."
            )
        table = _read_parquet(path)
    else:
        raise DataFormatError(
            f"unknown table format {fmt!r}; use 'csv', 'tsv', 'json', 'jsonl' or 'parquet'.",
            path=path,
        )
    name = path.name.split(".")[0]
    return _to_dataset(
        table, labels, text, features, label_sep, label_names, unknown, nan, name, coerce_text
    )


def _table_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    ext = suffixes[-1] if suffixes else ""
    return {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".json": "json", ".parquet": "parquet", ".pq": "parquet"}.get(ext, ext.lstrip(".") or "?")  # fmt: skip  # noqa: E501


def from_pandas(
    df: Any,
    labels: str | Sequence[str] | int | None = None,
    *,
    text: str | None = "auto",
    features: Sequence[str] | None = None,
    label_sep: str = "|",
    label_names: Sequence[str] | None = None,
    unknown: str = "error",
    nan: str = "error",
    coerce_text: bool = False,
) -> Dataset:
    """Turn a pandas DataFrame into a Dataset (same options as :func:`read_table`).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [0.5, 1.0], "IT": [1, 0], "UK": [1, 1]})
    >>> ds = from_pandas(df, labels=["IT", "UK"])
    >>> ds.Y
    array([[1, 1],
           [0, 1]], dtype=int8)
    >>> ds.feature_names
    ['x']
    """
    check_params(
        {"unknown": unknown, "nan": nan, "coerce_text": coerce_text}, _PARAMS, caller="from_pandas"
    )
    if not hasattr(df, "columns") or not hasattr(df, "to_dict"):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}.")
    names = [str(c) for c in df.columns]
    dup = sorted(c for c, k in Counter(names).items() if k > 1)
    if dup:
        raise DataFormatError(f"duplicate column names {dup} in the DataFrame.")
    columns = {str(c): df[c].tolist() for c in df.columns}
    table = _Table(columns, None, None, kind="pandas")
    return _to_dataset(
        table, labels, text, features, label_sep, label_names, unknown, nan, None, coerce_text
    )


# ----------------------------------------------------------------------------- assembling


def _is_missing(v: Any) -> bool:
    """``None``, a field a record lacks, NaN or pandas' ``NA``."""
    return (
        v is None
        or v is _ABSENT
        or (isinstance(v, float) and math.isnan(v))
        or type(v).__name__ == "NAType"
    )


def _cell_labels(v: Any, sep: str, table: _Table, row: int, column: str) -> list[str]:
    if _is_missing(v):
        return []
    if isinstance(v, str):
        s = v.strip()
        if not s:
            return []
        if s.startswith("["):
            try:
                v = json.loads(s)
            except (ValueError, RecursionError) as err:
                why = err.msg if isinstance(err, json.JSONDecodeError) else _json_limit(err)
                raise table.error(
                    f"label cell {s[:40]!r} looks like a JSON list but is not valid JSON ({why}).",
                    row,
                    column,
                ) from None
        else:
            return [t.strip() for t in s.split(sep) if t.strip()]
    if hasattr(v, "tolist"):
        v = v.tolist()
    items = v if isinstance(v, (list, tuple)) else [v]
    bad = next((x for x in items if not _is_label_name(x)), _ABSENT)
    if bad is not _ABSENT:
        what = "it is" if bad is v else f"it holds {table.show(bad)},"
        raise table.error(
            f"label cell {table.show(v)}{table.row(row)} is not a list of label names: {what} "
            f"{table.type_name(bad)}; label names are strings (or whole numbers, read as their "
            "digits).",
            row,
            column,
        )
    for x in items:
        if isinstance(x, str):
            _check_unicode(x, table, row, column, "label name")
    return [str(x) for x in items]


def _check_unicode(value: str, table: _Table, row: int, column: str, what: str) -> None:
    """A JSON ``\\ud800`` escape gives half a character, which no file or reply can hold."""
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise table.error(
            f"the {what}{table.row(row)} holds a lone surrogate "
            f"({value[err.start]!r} at character {err.start}), half of a character (a JSON "
            "escape such as \\ud800 without its pair); fix the escape or remove it.",
            row,
            column,
        ) from None


def _is_label_name(x: Any) -> bool:
    return isinstance(x, str) or (
        isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))
    )


def _columns(table: _Table, n: int = 20) -> str:
    """The table's column names for a message, shortened when there are many or long ones."""
    names = [brief(c) for c in list(table.columns)[:n]]
    more = len(table.columns) - n
    return "[" + ", ".join(names) + (f", ... ({more} more)" if more > 0 else "") + "]"


def _need(table: _Table, column: str, role: str) -> list[Any]:
    if column not in table.columns:
        raise DataFormatError(
            f"no {role} column {brief(column)}; the columns are {_columns(table)}.",
            path=table.path,
            line=table.header_line,
        )
    return table.columns[column]


def _binary_column(values: list[Any], table: _Table, column: str) -> np.ndarray:
    out = np.zeros(len(values), dtype=np.int8)
    for i, v in enumerate(values):
        try:
            f = float(v)
        except (TypeError, ValueError, OverflowError):
            f = math.nan
        if f not in (0.0, 1.0):
            raise table.error(
                f"label {brief(column)} has value {brief(v)}{table.row(i)}; label columns must "
                "hold 0 or 1.",
                i,
                column,
                kind=DataValueError,
            )
        out[i] = int(f)
    return out


def _numbers(values: list[Any]) -> tuple[np.ndarray, list[int]]:
    """The values as floats (missing -> NaN) and the positions of those that are not numbers."""
    out = np.empty(len(values))
    bad = []
    for i, v in enumerate(values):
        if _is_missing(v) or v == "":
            out[i] = math.nan
            continue
        try:
            out[i] = float(v)
        except OverflowError:  # an integer beyond the float range
            out[i] = math.inf if v > 0 else -math.inf
        except (TypeError, ValueError):
            out[i] = math.nan
            bad.append(i)
    return out, bad


def _non_number_error(table: _Table, column: str, values: list[Any], i: int) -> DataFormatError:
    return table.error(
        f"column {brief(column)} holds numbers but value {brief(values[i])} (row {i}, 0-based) is "
        "not a number. Fix the value, or pass features= the numeric feature columns (a column "
        "left out of features= is not read).",
        i,
        column,
        kind=DataValueError,
    )


def _feature_columns(table: _Table, used: set[str], features) -> dict[str, np.ndarray]:
    """Numeric feature columns: those named, or else every numeric column left over.

    A column left over that is mostly numbers with a few exceptions is a corrupted feature
    column, not an id column: that is an error rather than a silently dropped feature.
    """
    cols = {}
    if features is not None:
        for c in features:
            values = _need(table, c, "feature")
            v, bad = _numbers(values)
            if bad:
                raise _non_number_error(table, c, values, bad[0])
            cols[c] = v
        return cols
    for c, values in table.columns.items():
        if c in used:
            continue
        v, bad = _numbers(values)
        if not bad:
            cols[c] = v
            continue
        if np.count_nonzero(~np.isnan(v)) > len(bad):
            raise _non_number_error(table, c, values, bad[0])
    return cols


_LABEL_FORMS = (
    "a label-list column name ('topics'), a sequence of 0/1 label column names (['IT', 'UK']) "
    "or an int, a MEKA label count (the first n columns, the last -n when negative)"
)


def _label_columns(table: _Table, labels: Any) -> str | list[str]:
    """The label-list column, or the 0/1 label columns, that ``labels=`` stands for."""
    if labels is None:
        if "labels" not in table.columns:
            raise DataFormatError(
                f"which columns are the labels? There is no 'labels' column; pass labels= a "
                f"label-list column or the 0/1 label columns. Columns: {_columns(table)}.",
                path=table.path,
                line=table.header_line,
            )
        return "labels"
    if isinstance(labels, str):
        return labels
    if isinstance(labels, numbers.Integral) and not isinstance(labels, (bool, np.bool_)):
        columns, n = list(table.columns), int(labels)
        if n == 0 or abs(n) > len(columns):
            raise DataFormatError(
                f"labels={n} is a MEKA label count, which must be between 1 and {len(columns)} "
                f"(or -1 and {-len(columns)} for the last columns) for a table with "
                f"{len(columns)} columns: {_columns(table)}.",
                path=table.path,
                line=table.header_line,
            )
        return columns[:n] if n > 0 else columns[n:]
    if isinstance(labels, Iterable) and not isinstance(labels, bytes | Mapping):
        return [str(c) for c in labels]
    raise DataFormatError(
        f"labels={brief(labels)} ({type(labels).__name__}) is not a form tables take; pass "
        f"{_LABEL_FORMS}.",
        path=table.path,
    )


def _texts(table: _Table, column: str, coerce: bool) -> list[str]:
    """The text column as written: strings only; numbers as digits when ``coerce``."""
    values = _need(table, column, "text")
    texts: list[str] = []
    converted: list[int] = []
    for i, v in enumerate(values):
        if isinstance(v, str):
            _check_unicode(v, table, i, column, "text")
            texts.append(str(v))
        elif coerce and _is_number(v):
            texts.append(str(v))
            converted.append(i)
        else:
            raise _text_error(table, column, i, v, coerce)
    if converted:
        first = converted[0]
        where = f"line {table.line(first)}" if table.lines is not None else table.row(first)[2:-1]
        warnings.warn(
            f"{table.path or 'table'}: {len(converted)} text(s) in column {brief(column)} were "
            f"numbers, read as their digits (coerce_text=True); the first: {where}, "
            f"{table.show(values[first])}.",
            LabelwiseWarning,
            stacklevel=4,
        )
    return texts


def _is_number(v: Any) -> bool:
    return (
        isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and not _is_missing(v)
    )


def _text_error(table: _Table, column: str, row: int, v: Any, coerce: bool) -> DataFormatError:
    where = table.row(row)
    if _is_missing(v):
        what = "missing (the record has no such field)" if v is _ABSENT else (
            "null" if v is None and table.kind.startswith("json") else f"missing ({brief(v)})"
        )  # fmt: skip
        message = (
            f'the text{where} is {what}. Every example needs a text: write "" for one without '
            "text, or drop the row."
        )
    else:
        message = f"the text{where} is {table.type_name(v)} ({table.show(v)}), not a string; "
        if _is_number(v) and not coerce:
            message += (
                "write it as a string, or read the file with labelwise.read(..., coerce_text=True) "
                "to take numbers as their digits."
            )
        else:
            message += "a text must be one string."
    return table.error(message, row, column)


def _to_dataset(
    table, labels, text, features, label_sep, label_names, unknown, nan, name, coerce_text
):
    used: set[str] = set()
    count = labels if isinstance(labels, numbers.Integral) else None
    labels = _label_columns(table, labels)
    try:
        if isinstance(labels, str):
            cells = _need(table, labels, "label")
            lists = [_cell_labels(v, label_sep, table, i, labels) for i, v in enumerate(cells)]
            if label_names is not None:
                space = LabelSpace(label_names)
            else:
                space = LabelSpace.from_label_lists(lists)
            Y = space.binarize(lists, unknown=unknown)
            used.add(labels)
        else:
            space = LabelSpace(labels)
            Y = np.column_stack(
                [_binary_column(_need(table, c, "label"), table, c) for c in labels]
            ) if labels else np.zeros((len(table), 0), dtype=np.int8)  # fmt: skip
            used.update(labels)
    except DataValueError as err:
        if count is None:
            raise
        where = "first" if count > 0 else "last"
        raise DataValueError(
            f"{err.message} labels={count} takes the {where} {abs(count)} columns as 0/1 labels: "
            f"{brief(labels, 200)}; count only the label columns, or name them.",
            path=err.path,
            line=err.line,
            column=err.column,
        ) from None
    except TargetError as err:
        if isinstance(err, KeyError):  # unknown label: keep the type, add the file
            raise type(err)(f"{table.path or 'table'}: {err}") from None
        raise DataFormatError(str(err), path=table.path) from None
    texts = None
    if text == "auto":
        text = "text" if "text" in table.columns and "text" not in used else None
    if text is not None:
        texts = _texts(table, text, coerce_text)
        used.add(text)
    cols = _feature_columns(table, used, features)
    X = None
    if cols:
        X = np.column_stack(list(cols.values())).astype(np.float64)
        lines = None if table.lines is None else np.asarray(table.lines)
        X = handle_nonfinite(X, nan, path=table.path, row_lines=lines, feature_names=list(cols))
    return Dataset(
        X=X, Y=np.asarray(Y, dtype=np.int8), label_names=space.names,
        feature_names=list(cols) if cols else None, texts=texts, name=name,
    )  # fmt: skip
