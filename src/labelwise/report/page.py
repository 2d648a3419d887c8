"""One self-contained HTML page about a model on a dataset: tables, figures, the leaderboard.

The page holds everything inline (CSS, SVG figures, a few lines of script that record each
figure's rendered size for tests); it opens with no network. It computes nothing new: the numbers
come from :mod:`labelwise.metrics`, :mod:`labelwise.metrics.curves`,
:mod:`labelwise.decision.calibration` and :mod:`labelwise.diagnostics`.
"""

from __future__ import annotations

import datetime
import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.report import figures
from labelwise.report.header import describe_rule, tuned_for

__all__ = ["build_report", "rule_thresholds", "write_report"]

#: Most labels drawn one panel each; beyond it the most frequent are drawn and the page says so.
MAX_PANELS = 12

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1200px;color:#1d2330;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2.2rem;
border-bottom:1px solid #dde;padding-bottom:.2rem}
table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}
th,td{border:1px solid #dde;padding:.25rem .5rem;text-align:right}
th{background:#f3f5fa}td:first-child,th:first-child{text-align:left}
.note{color:#5a6275;font-size:.85rem}figure{margin:1rem 0}figcaption{font-size:.85rem;
color:#5a6275}figure svg{max-width:100%;height:auto}.scroll{max-height:32rem;overflow:auto}
"""

# Records each figure's rendered size on the figure element, so a headless browser's DOM dump
# shows whether every figure was drawn with a non-empty box.
_SCRIPT = """
document.querySelectorAll('figure[data-figure]').forEach(function(f){
  var s=f.querySelector('svg'); var r=s?s.getBoundingClientRect():{width:0,height:0};
  f.setAttribute('data-rendered', Math.round(r.width)+'x'+Math.round(r.height));
});
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _esc(value)
    return "-" if math.isnan(v) else f"{v:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if isinstance(c, _Raw) else _num(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class _Raw(str):
    """Table cell text that is already HTML (escaped)."""


def _raw(value: Any) -> _Raw:
    return _Raw(_esc(value))


def _figure(key: str, svg: str, caption: str) -> str:
    return (
        f'<figure data-figure="{_esc(key)}">{svg}<figcaption>{_esc(caption)}</figcaption></figure>'
    )


def rule_thresholds(rule: Any, n_labels: int) -> np.ndarray | None:
    """The score threshold a fitted rule applies to each label, or None for non-threshold rules.

    Examples
    --------
    >>> from labelwise.decision import FixedThreshold
    >>> rule_thresholds(FixedThreshold(0.3), 2)
    array([0.3, 0.3])
    """
    if rule is None:
        return None
    for attr in ("thresholds_", "threshold_", "threshold"):
        value = getattr(rule, attr, None)
        if value is None:
            continue
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim == 0:
            return np.full(n_labels, float(arr))
        if arr.shape == (n_labels,):
            return arr
    return None


def _dense(Y: Any) -> np.ndarray:
    return np.asarray(Y.toarray() if sp.issparse(Y) else Y)


def _chosen_labels(counts: np.ndarray, limit: int) -> tuple[np.ndarray, str]:
    order = np.argsort(-counts, kind="stable")
    if counts.shape[0] <= limit:
        return np.arange(counts.shape[0]), ""
    return np.sort(order[:limit]), f" (the {limit} most frequent of {counts.shape[0]} labels)"


def build_report(
    y_true: Any,
    y_score: Any,
    y_pred: Any,
    *,
    label_names: Sequence[str] | None = None,
    thresholds: Any = None,
    leaderboard: Sequence[dict] | None = None,
    metadata: dict | None = None,
    title: str = "labelwise report",
    dataset_name: str | None = None,
    model_name: str | None = None,
) -> str:
    """The HTML page, as a string.

    Parameters
    ----------
    y_true : array-like or sparse matrix of shape (n_samples, n_labels)
        The true label sets of the evaluation data.
    y_score : array-like of shape (n_samples, n_labels)
        The model's scores (``predict_proba``).
    y_pred : array-like of shape (n_samples, n_labels)
        The decided label sets (the fitted rule applied to the scores).
    label_names : sequence of str, optional
    thresholds : array-like of shape (n_labels,), optional
        The threshold in use per label (see :func:`rule_thresholds`).
    leaderboard : list of dict, optional
        Rows of the cross-validation leaderboard (``AutoClassifier.leaderboard_``).
    metadata : dict, optional
        The model file's metadata; a few fields are shown at the top.
    title : str
    dataset_name : str, optional
    model_name : str, optional
        How the header names the model (:func:`labelwise.report.header.describe_model`);
        default: the metadata's ``model`` field.

    Returns
    -------
    str

    Examples
    --------
    >>> page = build_report([[1, 0], [0, 1], [1, 1]], [[0.9, 0.2], [0.3, 0.7], [0.6, 0.8]],
    ...                     [[1, 0], [0, 1], [1, 1]], label_names=["a", "b"])
    >>> page.count('<figure data-figure=')
    6
    """
    from labelwise.decision.calibration import reliability_curve
    from labelwise.diagnostics import diagnose
    from labelwise.metrics import (
        f1_score,
        hamming_loss,
        multilabel_confusion_matrix,
        precision_recall_fscore_support,
        subset_accuracy,
    )
    from labelwise.metrics.curves import f1_threshold_curve, precision_recall_curve, roc_curve

    Y = _dense(y_true).astype(np.int8)
    S = np.asarray(y_score, dtype=np.float64)
    P = _dense(y_pred).astype(np.int8)
    n, L = Y.shape
    names = list(label_names) if label_names is not None else [str(j) for j in range(L)]
    thr = None if thresholds is None else np.asarray(thresholds, dtype=np.float64)
    counts = Y.sum(axis=0)

    diag = diagnose(Y, label_names=names, name=dataset_name)
    prec, rec, f1, support = precision_recall_fscore_support(Y, P, average=None, zero_division=0)
    mcm = multilabel_confusion_matrix(Y, P)
    summary = {
        "micro-F1": f1_score(Y, P, average="micro", zero_division=0),
        "macro-F1": f1_score(Y, P, average="macro", zero_division=0),
        "samples-F1": f1_score(Y, P, average="samples", zero_division=0),
        "Hamming loss": hamming_loss(Y, P),
        "subset accuracy": subset_accuracy(Y, P),
    }
    parts: list[str] = []
    meta = metadata or {}
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    facts = [
        ("dataset", dataset_name or "-"),
        ("examples", n),
        ("labels", L),
        ("model", model_name or meta.get("model") or "-"),
        ("tuned for", tuned_for(meta)),
        ("decision rule", describe_rule(meta.get("decision_rule"))),
        ("report made", created),
    ]
    parts.append(f"<h1>{_esc(title)}</h1>")
    parts.append(
        _table(
            ["", "value"],
            [(_raw(k), v if isinstance(v, (int, float)) else _raw(v)) for k, v in facts],
        )
    )
    parts.append("<h2>Scores on this data</h2>")
    parts.append(_table(list(summary), [list(summary.values())]))

    parts.append("<h2>Dataset profile</h2>")
    profile = [
        ("examples", diag.n_samples),
        ("labels", diag.n_labels),
        ("cardinality (labels per example)", diag.cardinality),
        ("density", diag.density),
        ("examples without labels", diag.n_empty),
        ("distinct label sets", diag.n_label_sets),
        ("label sets seen once", diag.n_label_sets_once),
        ("MeanIR", diag.mean_ir),
        ("MaxIR", diag.max_ir),
        ("SCUMBLE", diag.scumble),
    ]
    parts.append(_table(["statistic", "value"], [(_raw(k), v) for k, v in profile]))
    if diag.notes:
        parts.append("".join(f'<p class="note">{_esc(note)}</p>' for note in diag.notes))

    parts.append("<h2>Per label</h2>")
    rows = []
    for j in range(L):
        tn, fp, fn, tp = mcm[j].ravel()
        rows.append(
            [
                _raw(names[j]),
                int(support[j]),
                prec[j],
                rec[j],
                f1[j],
                None if thr is None else thr[j],
                int(tp),
                int(fp),
                int(fn),
                int(tn),
            ]
        )
    parts.append(
        '<div class="scroll">'
        + _table(
            ["label", "support", "precision", "recall", "F1", "threshold", "TP", "FP", "FN", "TN"],
            rows,
        )
        + "</div>"
    )

    chosen, note = _chosen_labels(counts, MAX_PANELS)
    pr = precision_recall_curve(Y, S)
    pr_micro = precision_recall_curve(Y, S, average="micro")
    panels = [("micro-average", pr_micro.recall, pr_micro.precision)] + [
        (names[j], pr[j].recall, pr[j].precision) for j in chosen
    ]
    parts.append("<h2>Precision-recall curves</h2>")
    parts.append(
        _figure(
            "pr-curves",
            figures.curves_svg(panels, xlabel="recall", ylabel="precision", step=True),
            "Precision against recall as the threshold moves: pooled over all labels "
            "(micro-average), then per label" + note + ".",
        )
    )

    roc = roc_curve(Y, S)
    roc_micro = roc_curve(Y, S, average="micro")
    panels = [("micro-average", roc_micro.fpr, roc_micro.tpr)] + [
        (names[j], roc[j].fpr, roc[j].tpr)
        for j in chosen
        if np.isfinite(roc[j].tpr).all() and np.isfinite(roc[j].fpr).all()
    ]
    parts.append("<h2>ROC curves</h2>")
    parts.append(
        _figure(
            "roc-curves",
            figures.curves_svg(
                panels, xlabel="false positive rate", ylabel="true positive rate", diagonal=True
            ),
            "True against false positive rate: micro-average, then per label"
            + note
            + " (labels with no positives or no negatives here have no ROC curve).",
        )
    )

    worst = [j for j in np.argsort(f1, kind="stable") if counts[j] > 0][:6]
    f1c = f1_threshold_curve(Y, S)
    panels_f1 = [
        (
            f"{names[j]} (F1 {f1[j]:.2f})",
            f1c[j].thresholds,
            f1c[j].f1,
            None if thr is None else float(thr[j]),
        )
        for j in worst
    ]
    parts.append("<h2>F1 against the threshold, worst labels</h2>")
    if panels_f1:
        parts.append(
            _figure(
                "f1-threshold",
                figures.f1_threshold_svg(panels_f1),
                "F1 each label would reach at each threshold on this data; the "
                "dashed line is the threshold the model uses.",
            )
        )

    parts.append("<h2>Confusion matrix of each label</h2>")
    parts.append(
        _figure(
            "confusion",
            figures.confusion_grid_svg([names[j] for j in chosen], mcm[chosen][:, :, :]),
            "Rows: true 0/1; columns: predicted 0/1" + note + "; the table above has every "
            "label's counts.",
        )
    )

    co_chosen, co_note = _chosen_labels(counts, 40)
    Yc = Y[:, co_chosen].astype(np.float64)
    both = Yc.T @ Yc
    cond = np.divide(
        both, np.diag(both)[:, None], out=np.zeros_like(both), where=np.diag(both)[:, None] > 0
    )
    parts.append("<h2>Label co-occurrence</h2>")
    parts.append(
        _figure(
            "cooccurrence",
            figures.cooccurrence_svg([names[j] for j in co_chosen], cond),
            "Share of the examples with label A (row) that also have label B (column)"
            + co_note
            + ".",
        )
    )

    pooled = reliability_curve(Y.reshape(-1, 1), np.clip(S, 0, 1).reshape(-1, 1), n_bins=10)[0]
    cal = [("all labels pooled", pooled.prob_pred, pooled.prob_true)]
    for j in [j for j in np.argsort(-counts, kind="stable")[:3] if counts[j] > 0]:
        c = reliability_curve(Y[:, [j]], np.clip(S[:, [j]], 0, 1), n_bins=10)[0]
        cal.append((names[j], c.prob_pred, c.prob_true))
    parts.append("<h2>Calibration</h2>")
    parts.append(
        _figure(
            "calibration",
            figures.calibration_svg(cal),
            "Observed frequency of a label against the mean score in each of 10 "
            "bins: on the diagonal, scores are probabilities.",
        )
    )

    parts.append("<h2>Leaderboard from fit</h2>")
    if leaderboard:
        parts.append(
            _table(
                ["rank", "candidate", "status", "cross-validated score", "rule", "seconds", "note"],
                [
                    [
                        r.get("rank"),
                        _raw(r.get("candidate", "")),
                        _raw(r.get("status", "")),
                        r.get("score"),
                        _raw(r.get("rule") or "-"),
                        r.get("cv_seconds"),
                        _raw(r.get("error", "")),
                    ]
                    for r in leaderboard
                ],
            )
        )
    else:
        parts.append(
            '<p class="note">This model was not made by <code>labelwise fit</code>; it '
            "has no leaderboard.</p>"
        )

    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n"
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )


def write_report(path: str | Path, page: str, *, overwrite: bool = False) -> Path:
    """Write the page atomically; refuse to replace an existing file unless ``overwrite``.

    Examples
    --------
    >>> import tempfile, os
    >>> target = Path(tempfile.mkdtemp()) / "r.html"
    >>> write_report(target, "<html></html>").read_text()
    '<html></html>'
    """
    import os
    import tempfile

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --force (overwrite=True) to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # a normal file, not mkstemp's private 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
