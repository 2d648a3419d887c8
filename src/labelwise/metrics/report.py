"""The classification report: per-label precision, recall, F1 and support, plus every average.

The text and dict outputs match :func:`sklearn.metrics.classification_report`; all rows come from
one count statistic computed once.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from labelwise._math import check_zero_division
from labelwise._validation import Options, check_params
from labelwise.metrics._count_stats import count_stats
from labelwise.metrics._inputs import _label_columns, _with_absent, format_label_inputs
from labelwise.metrics.label_set import match_sklearn_dtypes, prfs_from_stats

__all__ = ["classification_report"]

_HEADERS = ("precision", "recall", "f1-score", "support")


def classification_report(
    y_true: Any,
    y_pred: Any,
    *,
    labels: Any = None,
    target_names: Any = None,
    sample_weight: Any = None,
    digits: int = 2,
    output_dict: bool = False,
    zero_division: Any = "warn",
    output: str = "text",
) -> Any:
    """Per-label precision, recall, F1 and support, with micro, macro, weighted (and samples)
    averages.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix, or list of label lists
    labels : array-like, optional
        Labels to report, in order.
    target_names : list of str, optional
        Display names of ``labels``.
    sample_weight : array-like of shape (n_samples,), optional
    digits : int, default=2
        Digits shown in the text report (dict and DataFrame values are not rounded).
    output_dict : bool, default=False
        Return a dict (as scikit-learn); the same as ``output="dict"``.
    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
    output : {"text", "dict", "dataframe"}, default="text"
        ``"dataframe"`` returns a pandas DataFrame with one row per label and average.

    Returns
    -------
    str, dict or pandas.DataFrame
        For binary and multi-class targets the micro row is called ``"accuracy"`` (as in
        scikit-learn) when every class is reported; multi-label reports add ``"samples avg"``.

    Examples
    --------
    >>> print(classification_report([[1, 0], [1, 1], [0, 1]], [[1, 0], [0, 1], [1, 1]]))
                  precision    recall  f1-score   support
    <BLANKLINE>
               0       0.50      0.50      0.50         2
               1       1.00      1.00      1.00         2
    <BLANKLINE>
       micro avg       0.75      0.75      0.75         4
       macro avg       0.75      0.75      0.75         4
    weighted avg       0.75      0.75      0.75         4
     samples avg       0.83      0.83      0.78         4
    <BLANKLINE>
    """
    check_params(
        {"output": output, "digits": digits},
        {"output": [Options({"text", "dict", "dataframe"})], "digits": [int]},
        caller="classification_report",
    )
    check_zero_division(zero_division)
    if output_dict:
        output = "dict"
    li = format_label_inputs(y_true, y_pred, sample_weight=sample_weight)
    present = li.classes
    if labels is None:
        names = present
        labels_given = False
    else:
        cols, names = _label_columns(labels, li.classes, li.kind)
        li = li._replace(y_true=_with_absent(li.y_true, cols), y_pred=_with_absent(li.y_pred, cols))
        labels_given = True
    micro_is_accuracy = li.kind != "multilabel" and (not labels_given or set(names) >= set(present))
    if target_names is not None and len(names) != len(target_names):
        if labels_given:
            warnings.warn(
                f"labels size, {len(names)}, does not match size of target_names, "
                f"{len(target_names)}",
                UserWarning,
                stacklevel=2,
            )
        else:
            raise ValueError(
                f"classification_report: there are {len(names)} classes but {len(target_names)} "
                "target_names; pass labels= to choose which classes to report."
            )
    if target_names is None:
        target_names = [f"{n}" for n in names]
    multilabel = li.kind == "multilabel"
    stats = count_stats(
        li.y_true, li.y_pred, li.sample_weight, per_sample=multilabel, keep_rows=multilabel
    )
    stats = match_sklearn_dtypes(stats, li)
    p, r, f, s = prfs_from_stats(stats, average=None, zero_division=zero_division)
    rows = [
        (str(name), p[j], r[j], f[j], s[j])
        for j, name in zip(range(len(p)), target_names, strict=False)
    ]
    averages = (
        ("micro", "macro", "weighted", "samples") if multilabel else ("micro", "macro", "weighted")
    )
    total = np.sum(s)
    avg_rows = []
    for average in averages:
        heading = "accuracy" if average == "micro" and micro_is_accuracy else f"{average} avg"
        ap, ar, af, _ = prfs_from_stats(stats, average=average, zero_division=zero_division)
        avg_rows.append((heading, ap, ar, af, total))
    if output == "dict":
        report: dict[str, Any] = {
            name: dict(zip(_HEADERS, map(float, vals), strict=True)) for name, *vals in rows
        }
        for heading, *vals in avg_rows:
            report[heading] = (
                float(vals[0])
                if heading == "accuracy"
                else dict(zip(_HEADERS, map(float, vals), strict=True))
            )
        return report
    if output == "dataframe":
        import pandas as pd

        records = [list(v) for _, *v in rows]
        index = [name for name, *_ in rows]
        for heading, *vals in avg_rows:
            index.append(heading)
            records.append(
                [np.nan, np.nan, vals[2], vals[3]] if heading == "accuracy" else list(vals)
            )
        return pd.DataFrame(records, index=index, columns=list(_HEADERS))
    return _text(rows, avg_rows, target_names, digits)


def _text(rows: list, avg_rows: list, target_names: Any, digits: int) -> str:
    width = max(max(len(str(n)) for n in target_names), len("weighted avg"), digits)
    head = "{:>{width}s} " + " {:>9}" * len(_HEADERS)
    line = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    out = head.format("", *_HEADERS, width=width) + "\n\n"
    for row in rows:
        out += line.format(*row, width=width, digits=digits)
    out += "\n"
    for heading, *vals in avg_rows:
        if heading == "accuracy":
            acc = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            out += acc.format(heading, "", "", vals[2], vals[3], width=width, digits=digits)
        else:
            out += line.format(heading, *vals, width=width, digits=digits)
    return out
