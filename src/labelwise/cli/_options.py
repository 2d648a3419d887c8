"""Options shared by the commands, defined once so that they mean the same everywhere.

``--labels`` says which columns of a file are labels, in every command:

- a whole number (``6``, ``-14``) is a MEKA label count: the first ``n`` attributes (columns of a
  table), or the last ``-n`` when negative (MEKA's ``-C`` convention); write ``./6`` for a file
  named ``6``;
- text with a comma (``IT,UK``, or ``IT,`` for one name) is a list of label column names;
- anything else is one value the reader interprets: a Mulan XML label file for ARFF, the label
  column (label lists) for tables.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from labelwise.data.dataset import Dataset

__all__ = [
    "LABELS_HELP",
    "bundled_names",
    "check_output_path",
    "data_source",
    "encoding_option",
    "evaluation_data",
    "labels_option",
    "load_data",
    "load_model_file",
    "parse_labels",
    "read_file",
    "seconds_option",
    "workers_option",
]

LABELS_HELP = (
    "Which columns are labels: a Mulan XML label file, a MEKA label count (an integer n: the "
    "first n attributes or table columns; negative means the last n), or comma-separated label "
    "column names (a trailing comma for one name). Default: NAME.xml next to "
    "NAME[-train|-test].arff, a MEKA '-C n', or the file's own header."
)

_INTEGER = re.compile(r"[+-]?\d+")


def parse_labels(value: str | None) -> str | int | list[str] | None:
    """The ``labels`` argument of :func:`labelwise.read` that ``--labels VALUE`` stands for.

    Parameters
    ----------
    value : str or None
        The option's text.

    Returns
    -------
    None, int, list of str or str
        ``None`` when not given; an int for a MEKA label count; a list of names when the text
        has a comma; else the text (an XML label file, or a table's label column).

    Raises
    ------
    click.BadParameter
        For an empty value or an empty name in a list.

    Examples
    --------
    >>> parse_labels("6"), parse_labels("-14"), parse_labels("emotions.xml")
    (6, -14, 'emotions.xml')
    >>> parse_labels("IT, UK"), parse_labels("IT,")
    (['IT', 'UK'], ['IT'])
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise click.BadParameter("is empty; give an XML label file, a count or column names.")
    if _INTEGER.fullmatch(text):
        return int(text)
    if "," in text:
        names = [name.strip() for name in text.split(",")]
        if names[-1] == "":
            names.pop()  # "IT," is a list of one name
        if not names or any(name == "" for name in names):
            raise click.BadParameter(f"{value!r} has an empty label name between commas.")
        return names
    return text


def _labels_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    return parse_labels(value)


def labels_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--labels`` option, parsed by :func:`parse_labels`, for any command."""
    return click.option(
        "--labels", default=None, callback=_labels_callback, metavar="LABELS", help=LABELS_HELP
    )(func)


def read_file(path: str | Path, labels: Any, encoding: str | None = None) -> Dataset:
    """:func:`labelwise.read` with the parsed ``--labels`` (the reader's default when None)
    and ``--encoding`` (None: UTF-8)."""
    from labelwise.data.io import read

    return read(path, labels, encoding=encoding)


def _encoding_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    from labelwise.data._parsing import check_encoding

    try:
        return check_encoding(value, "--encoding")
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a text encoding Python knows (e.g. utf-8, latin-1, cp1252)."
        ) from None


def encoding_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--encoding`` option of commands that read data files, passed to the readers."""
    return click.option(
        "--encoding",
        default=None,
        callback=_encoding_callback,
        metavar="ENCODING",
        help="Text encoding of the data files (e.g. latin-1, cp1252). Default: UTF-8 (or what "
        "a byte-order mark says); bytes invalid in it are an error naming row and byte offset.",
    )(func)


def load_data(
    source: str, labels: Any, *, split: str = "all", encoding: str | None = None
) -> Dataset:
    """A file read by :func:`labelwise.read`, else a bundled dataset by name.

    Parameters
    ----------
    source : str
        A path, or the name of a bundled dataset (see ``labelwise datasets``).
    labels : None, int, list of str or str
        What :func:`parse_labels` returned; only for files.
    split : {"train", "test", "all"}, default="all"
        The part of a bundled dataset.
    encoding : str, optional
        The text encoding of a file (``--encoding``).

    Returns
    -------
    Dataset
    """
    from labelwise.datasets import load
    from labelwise.errors import UnknownDatasetError

    if Path(source).exists():
        return read_file(source, labels, encoding)
    try:
        ds = load(source, split=split)
    except (UnknownDatasetError, ValueError) as err:
        if Path(source).suffix or "/" in source or "\\" in source:  # meant as a file
            raise click.ClickException(
                f"{source}: no such file (nor a bundled dataset: {', '.join(bundled_names())})."
            ) from None
        raise click.ClickException(
            f"{source!r} is neither an existing file nor a bundled dataset: {err}"
        ) from None
    if labels is not None:
        raise click.UsageError(f"--labels applies to files; {source!r} is a bundled dataset.")
    return ds


def bundled_names() -> list[str]:
    """Names of the bundled datasets (``labelwise datasets`` lists them)."""
    from labelwise.datasets import list_datasets

    return [info.name for info in list_datasets()]


def load_model_file(path: str) -> tuple[Any, dict]:
    """A model and its metadata from a model file, with the safe loader."""
    from labelwise.persist import load, load_metadata

    if not Path(path).exists():
        raise click.ClickException(f"{path}: no such model file.")
    metadata = load_metadata(path)
    return load(path), metadata


def evaluation_data(source: str, labels: Any, encoding: str | None = None) -> Dataset:
    """Data to evaluate or predict on: a file, or a bundled dataset (its test split by default;
    ``NAME:train`` for the training split)."""
    return data_source(source, labels, default_split="test", encoding=encoding)


def data_source(
    source: str, labels: Any, *, default_split: str, encoding: str | None = None
) -> Dataset:
    """A file, or a bundled ``NAME[:SPLIT]`` (:func:`labelwise.datasets.bundled_source`) with
    ``default_split`` when no split is named."""
    from labelwise.datasets import bundled_source

    bundled = bundled_source(source)
    if bundled is None:
        return load_data(source, labels, encoding=encoding)
    name, split = bundled
    return load_data(name, labels, split=split or default_split)


def check_output_path(path: str | None, force: bool, option: str = "--out") -> None:
    """Refuse, before any work, an output file that could not be written at the end.

    The folder must exist and take a new file (tried for real: a temporary file is created and
    removed there, as the writer's own atomic replace needs); an existing file needs ``force``.

    Raises
    ------
    click.ClickException
        One ``Error:`` line naming the path and the problem (exit status 1).
    click.UsageError
        The file exists and ``force`` was not given.
    """
    if path is None:
        return
    target = Path(path)
    if target.exists() and not force:
        raise click.UsageError(f"{path} exists; pass --force to replace it.")
    folder = target.parent
    if not folder.exists():
        raise click.ClickException(f"{option} {path}: the folder {str(folder)!r} does not exist.")
    if not folder.is_dir():
        raise click.ClickException(f"{option} {path}: {str(folder)!r} is not a folder.")
    try:
        handle, probe = tempfile.mkstemp(prefix=".labelwise-", dir=folder)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise click.ClickException(
            f"{option} {path}: cannot write in {str(folder)!r} ({reason})."
        ) from None
    os.close(handle)
    os.unlink(probe)


def _seconds(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise click.ClickException(
            f"--{param.name.replace('_', '-')} must be a finite number of seconds, 0 or more; "
            f"got {value!r}."
        )
    return value


def seconds_option(*decls: str, **kw: Any) -> Callable[[Callable[..., Any]], Any]:
    """A duration option: a finite number of seconds >= 0 (``nan``, ``inf``, negatives refused)."""
    return click.option(*decls, type=float, callback=_seconds, metavar="SECONDS", **kw)


def _workers(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value == 0:
        raise click.ClickException(
            f"--{param.name.replace('_', '-')} must be a positive number of workers, or -1 for "
            "every core (-2 for all but one); got 0."
        )
    return value


def workers_option(*decls: str, **kw: Any) -> Callable[[Callable[..., Any]], Any]:
    """A number of parallel workers in joblib's sense: n > 0, or -1 for every core; never 0."""
    return click.option(*decls, type=int, callback=_workers, **kw)
