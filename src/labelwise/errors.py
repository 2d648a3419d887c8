"""Exceptions and warnings raised by labelwise.

Every error says what was wrong, where (file, line, column, label) and, when it can, what to do.
They subclass the built-in exception a user would expect (``ValueError``, ``FileNotFoundError``),
so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DataFormatError",
    "DataValueError",
    "LabelwiseError",
    "LabelwiseWarning",
    "ModelExistsError",
    "ModelFileError",
    "ModelVersionWarning",
    "ProblemSetupError",
    "ProblemSetupWarning",
    "ShapeError",
    "TargetError",
    "UnknownDatasetError",
    "UnknownLabelError",
    "UntrustedTypesError",
]


class LabelwiseError(Exception):
    """Base class of every error labelwise raises on purpose."""


class DataFormatError(LabelwiseError, ValueError):
    """A file or table cannot be read as the format it claims to be.

    Parameters
    ----------
    message : str
        What is wrong.
    path : str or Path, optional
        The file.
    line : int, optional
        1-based line number in the file.
    column : int or str, optional
        1-based column number or the column's name.

    Examples
    --------
    >>> err = DataFormatError("expected 5 values, found 4", path="a.arff", line=12)
    >>> str(err)
    'a.arff, line 12: expected 5 values, found 4'
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:  # a column name from a damaged file can be very long
            column = str(self.column)
            where.append(f"column {column if len(column) <= 60 else column[:57] + '...'}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class DataValueError(DataFormatError):
    """Values that parse but are not acceptable (NaN features, a label value other than 0/1)."""


class UnknownDatasetError(LabelwiseError, ValueError):
    """A bundled dataset name or split that does not exist."""


class ShapeError(LabelwiseError, ValueError):
    """Arrays whose shapes do not fit together."""


class TargetError(LabelwiseError, ValueError):
    """Targets (``y``) that are not a valid label representation for the task at hand."""


class UnknownLabelError(TargetError, KeyError):
    """A label name that is not in the label space."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ProblemSetupError(LabelwiseError, ValueError):
    """A setup that cannot work, e.g. a multi-class-only estimator given multi-label targets."""


class ModelFileError(LabelwiseError, ValueError):
    """A path that cannot be loaded as a labelwise model file: missing, not a model, truncated,
    modified after it was written (a checksum fails) or in a newer format version."""


class UntrustedTypesError(ModelFileError):
    """A model file that refers to types labelwise does not trust by default.

    ``types`` lists them (as ``skops.io.get_untrusted_types`` names them); after inspecting them,
    pass them to ``labelwise.load(path, trusted=[...])``.
    """

    def __init__(self, message: str, types: list[str]) -> None:
        self.types = list(types)
        super().__init__(message)


class ModelExistsError(LabelwiseError, FileExistsError):
    """Saving a model over an existing path without ``overwrite=True``."""


class LabelwiseWarning(UserWarning):
    """Base class of labelwise's warnings."""


class ProblemSetupWarning(LabelwiseWarning):
    """A setup that runs but is likely wrong (softmax scores on multi-label targets, ...)."""


class ModelVersionWarning(LabelwiseWarning):
    """A model file written by other versions of labelwise or its libraries; it loaded, but
    predictions may differ slightly."""
