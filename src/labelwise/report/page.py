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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise.decision.thresholds import rule_thresholds  # re-exported: it lived here
from labelwise.metrics.names import canonical_metric_name
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


def _dense(Y: Any) -> np.ndarray:
    return np.asarray(Y.toarray() if sp.issparse(Y) else Y)


def _chosen_labels(counts: np.ndarray, limit: int) -> tuple[np.ndarray, str]:
    order = np.argsort(-counts, kind="stable")
    if counts.shape[0] <= limit:
        return np.arange(counts.shape[0]), ""
    return np.sort(order[:limit]), f" (the {limit} most frequent of {counts.shape[0]} labels)"


@dataclass(frozen=True)
class _Data:
    """The report's inputs in one form: dense 0/1 truth and decisions, float scores."""

    Y: np.ndarray
    S: np.ndarray
    P: np.ndarray
    names: list[str]
    thr: np.ndarray | None
    counts: np.ndarray
    chosen: np.ndarray  # the labels drawn one panel each
    note: str  # says which labels those are when not all


@dataclass(frozen=True)
class _PerLabel:
    """Each label's precision, recall, F1, support and 2x2 confusion matrix on this data."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion: np.ndarray


@dataclass(frozen=True)
class _RiskView:
    """What a guaranteed rule promised and what it achieved here, overall and per label."""

    rule: Any
    guarantee: Any
    overall: Any  # AchievedRisk on all examples
    per_label: list  # per label: AchievedRisk of its own risk, or None without examples
    per_label_promise: bool  # one promise per label (thresholds_), else one overall


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
    rule: Any = None,
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
    rule : fitted DecisionRule, optional
        The model's rule. A guaranteed rule (``RecallControl``, ``PrecisionControl``,
        ``FalsePositiveControl``) adds a section plotting its risk against the threshold on
        this data with the calibrated cut, and per-label columns with the achieved risk and its
        Clopper-Pearson interval next to the promise.

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
    d = _report_data(y_true, y_score, y_pred, label_names, thresholds)
    stats = _per_label_stats(d)
    risk = _risk_view(d, rule)
    parts = [
        *_header_section(d, metadata or {}, title, dataset_name, model_name),
        *_scores_section(d),
        *_profile_section(d, dataset_name),
        *_per_label_section(d, stats, risk),
        *_risk_section(d, risk),
        *_pr_section(d),
        *_roc_section(d),
        *_f1_threshold_section(d, stats),
        *_confusion_section(d, stats),
        *_cooccurrence_section(d),
        *_calibration_section(d),
        *_leaderboard_section(leaderboard, (metadata or {}).get("metric")),
    ]
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n"
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )


def _report_data(
    y_true: Any, y_score: Any, y_pred: Any, label_names: Any, thresholds: Any
) -> _Data:
    Y = _dense(y_true).astype(np.int8)
    L = Y.shape[1]
    counts = Y.sum(axis=0)
    chosen, note = _chosen_labels(counts, MAX_PANELS)
    return _Data(
        Y=Y,
        S=np.asarray(y_score, dtype=np.float64),
        P=_dense(y_pred).astype(np.int8),
        names=list(label_names) if label_names is not None else [str(j) for j in range(L)],
        thr=None if thresholds is None else np.asarray(thresholds, dtype=np.float64),
        counts=counts,
        chosen=chosen,
        note=note,
    )


def _per_label_stats(d: _Data) -> _PerLabel:
    from labelwise.metrics import multilabel_confusion_matrix, precision_recall_fscore_support

    prec, rec, f1, support = precision_recall_fscore_support(
        d.Y, d.P, average=None, zero_division=0
    )
    return _PerLabel(prec, rec, f1, support, multilabel_confusion_matrix(d.Y, d.P))


def _header_section(
    d: _Data, meta: dict, title: str, dataset_name: str | None, model_name: str | None
) -> list[str]:
    created = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    facts = [
        ("dataset", dataset_name or "-"),
        ("examples", d.Y.shape[0]),
        ("labels", d.Y.shape[1]),
        ("model", model_name or meta.get("model") or "-"),
        ("tuned for", tuned_for(meta)),
        ("decision rule", describe_rule(meta.get("decision_rule"))),
        ("report made", created),
    ]
    rows = [(_raw(k), v if isinstance(v, (int, float)) else _raw(v)) for k, v in facts]
    return [f"<h1>{_esc(title)}</h1>", _table(["", "value"], rows)]


def _scores_section(d: _Data) -> list[str]:
    from labelwise.metrics import f1_score, hamming_loss, metric_description, subset_accuracy

    Y, P = d.Y, d.P
    summary = {  # by canonical metric name (labelwise.metrics.names), with what each measures
        "f1_micro": f1_score(Y, P, average="micro", zero_division=0),
        "f1_macro": f1_score(Y, P, average="macro", zero_division=0),
        "f1_samples": f1_score(Y, P, average="samples", zero_division=0),
        "hamming_loss": hamming_loss(Y, P),
        "subset_accuracy": subset_accuracy(Y, P),
    }
    rows = [(_raw(name), value, _raw(metric_description(name))) for name, value in summary.items()]
    return ["<h2>Scores on this data</h2>", _table(["metric", "value", "what it measures"], rows)]


def _profile_section(d: _Data, dataset_name: str | None) -> list[str]:
    from labelwise.diagnostics import diagnose

    diag = diagnose(d.Y, label_names=d.names, name=dataset_name)
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
    parts = [
        "<h2>Dataset profile</h2>",
        _table(["statistic", "value"], [(_raw(k), v) for k, v in profile]),
    ]
    if diag.notes:
        parts.append("".join(f'<p class="note">{_esc(note)}</p>' for note in diag.notes))
    return parts


def _per_label_section(d: _Data, stats: _PerLabel, risk: _RiskView | None) -> list[str]:
    header = ["label", "support", "precision", "recall", "F1", "threshold", "TP", "FP", "FN", "TN"]
    if risk is not None:
        header += [f"promised {_RISK_WORDS[risk.guarantee.risk][0]}", "here [95% interval]"]
    rows = []
    for j in range(d.Y.shape[1]):
        tn, fp, fn, tp = stats.confusion[j].ravel()
        row = [
            _raw(d.names[j]),
            int(stats.support[j]),
            stats.precision[j],
            stats.recall[j],
            stats.f1[j],
            None if d.thr is None else d.thr[j],
            int(tp),
            int(fp),
            int(fn),
            int(tn),
        ]
        if risk is not None:
            row += _risk_cells(risk, j)
        rows.append(row)
    return ["<h2>Per label</h2>", '<div class="scroll">' + _table(header, rows) + "</div>"]


def _pr_section(d: _Data) -> list[str]:
    from labelwise.metrics.curves import precision_recall_curve

    pr = precision_recall_curve(d.Y, d.S)
    pr_micro = precision_recall_curve(d.Y, d.S, average="micro")
    panels = [("micro-average", pr_micro.recall, pr_micro.precision)] + [
        (d.names[j], pr[j].recall, pr[j].precision) for j in d.chosen
    ]
    return [
        "<h2>Precision-recall curves</h2>",
        _figure(
            "pr-curves",
            figures.curves_svg(panels, xlabel="recall", ylabel="precision", step=True),
            "Precision against recall as the threshold moves: pooled over all labels "
            "(micro-average), then per label" + d.note + ".",
        ),
    ]


def _roc_section(d: _Data) -> list[str]:
    from labelwise.metrics.curves import roc_curve

    roc = roc_curve(d.Y, d.S)
    roc_micro = roc_curve(d.Y, d.S, average="micro")
    panels = [("micro-average", roc_micro.fpr, roc_micro.tpr)] + [
        (d.names[j], roc[j].fpr, roc[j].tpr)
        for j in d.chosen
        if np.isfinite(roc[j].tpr).all() and np.isfinite(roc[j].fpr).all()
    ]
    return [
        "<h2>ROC curves</h2>",
        _figure(
            "roc-curves",
            figures.curves_svg(
                panels, xlabel="false positive rate", ylabel="true positive rate", diagonal=True
            ),
            "True against false positive rate: micro-average, then per label"
            + d.note
            + " (labels with no positives or no negatives here have no ROC curve).",
        ),
    ]


def _f1_threshold_section(d: _Data, stats: _PerLabel) -> list[str]:
    from labelwise.metrics.curves import f1_threshold_curve

    f1 = stats.f1
    worst = [j for j in np.argsort(f1, kind="stable") if d.counts[j] > 0][:6]
    f1c = f1_threshold_curve(d.Y, d.S)
    panels = [
        (
            f"{d.names[j]} (F1 {f1[j]:.2f})",
            f1c[j].thresholds,
            f1c[j].f1,
            None if d.thr is None else float(d.thr[j]),
        )
        for j in worst
    ]
    parts = ["<h2>F1 against the threshold, worst labels</h2>"]
    if panels:
        parts.append(
            _figure(
                "f1-threshold",
                figures.f1_threshold_svg(panels),
                "F1 each label would reach at each threshold on this data; the "
                "dashed line is the threshold the model uses.",
            )
        )
    return parts


def _confusion_section(d: _Data, stats: _PerLabel) -> list[str]:
    return [
        "<h2>Confusion matrix of each label</h2>",
        _figure(
            "confusion",
            figures.confusion_grid_svg(
                [d.names[j] for j in d.chosen], stats.confusion[d.chosen][:, :, :]
            ),
            "Rows: true 0/1; columns: predicted 0/1" + d.note + "; the table above has every "
            "label's counts.",
        ),
    ]


def _cooccurrence_section(d: _Data) -> list[str]:
    co_chosen, co_note = _chosen_labels(d.counts, 40)
    Yc = d.Y[:, co_chosen].astype(np.float64)
    both = Yc.T @ Yc
    cond = np.divide(
        both, np.diag(both)[:, None], out=np.zeros_like(both), where=np.diag(both)[:, None] > 0
    )
    return [
        "<h2>Label co-occurrence</h2>",
        _figure(
            "cooccurrence",
            figures.cooccurrence_svg([d.names[j] for j in co_chosen], cond),
            "Share of the examples with label A (row) that also have label B (column)"
            + co_note
            + ".",
        ),
    ]


def _calibration_section(d: _Data) -> list[str]:
    from labelwise.decision.calibration import reliability_curve

    Y, S = d.Y, d.S
    pooled = reliability_curve(Y.reshape(-1, 1), np.clip(S, 0, 1).reshape(-1, 1), n_bins=10)[0]
    cal = [("all labels pooled", pooled.prob_pred, pooled.prob_true)]
    for j in [j for j in np.argsort(-d.counts, kind="stable")[:3] if d.counts[j] > 0]:
        c = reliability_curve(Y[:, [j]], np.clip(S[:, [j]], 0, 1), n_bins=10)[0]
        cal.append((d.names[j], c.prob_pred, c.prob_true))
    return [
        "<h2>Calibration</h2>",
        _figure(
            "calibration",
            figures.calibration_svg(cal),
            "Observed frequency of a label against the mean score in each of 10 "
            "bins: on the diagonal, scores are probabilities.",
        ),
    ]


def _metric_name(metric: Any) -> str:
    """A metric's canonical name; a name the registry does not know is shown as it is."""
    try:
        return canonical_metric_name(metric)
    except ValueError:
        return str(metric)


def _leaderboard_section(leaderboard: Sequence[dict] | None, metric: Any = None) -> list[str]:
    if not leaderboard:
        return [
            "<h2>Leaderboard from fit</h2>",
            '<p class="note">This model was not made by <code>labelwise fit</code>; it '
            "has no leaderboard.</p>",
        ]
    rows = [
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
    ]
    score = f"cross-validated {_metric_name(metric)}" if metric else "cross-validated score"
    header = ["rank", "candidate", "status", score, "rule", "seconds", "note"]
    return ["<h2>Leaderboard from fit</h2>", _table(header, rows)]


# ---------------------------------------------------------------------------------------------
# Guaranteed rules: the promise next to what was achieved on this data

#: Per risk: (its short name, what one label's share of it is, the examples that share is over).
_RISK_WORDS = {
    "fnr": ("false-negative rate", "share of the label's examples that miss it", "positives"),
    "miscoverage": ("miscoverage", "share of the class's examples that miss it", "positives"),
    "fdp": (
        "false-discovery proportion",
        "share of the label's predictions that are wrong",
        "predictions",
    ),
    "fp": ("false positives per example", "false positives of the label per example", "all"),
}


def _risk_view(d: _Data, rule: Any) -> _RiskView | None:
    """The promise of a fitted guaranteed rule and its achieved risk here; None for others."""
    from labelwise.decision import achieved_risk
    from labelwise.decision.guarantees import check_promise

    overall = None if rule is None else check_promise(rule, d.Y, d.P)
    if overall is None:
        return None
    g = overall.guarantee
    kind = "fnr" if g.risk == "miscoverage" else g.risk
    over = _RISK_WORDS[g.risk][2]  # the examples one label's share is over
    per_label = []
    for j in range(d.Y.shape[1]):
        if over == "positives":
            rows = d.Y[:, j] == 1
        elif over == "predictions":
            rows = d.P[:, j] == 1
        else:
            rows = np.ones(d.Y.shape[0], dtype=bool)
        y, p = d.Y[rows][:, [j]], d.P[rows][:, [j]]
        per_label.append(achieved_risk(y, p, kind) if rows.any() else None)
    return _RiskView(
        rule=rule,
        guarantee=g,
        overall=overall.achieved,
        per_label=per_label,
        per_label_promise=np.ndim(g.threshold) == 1,
    )


def _promise(g: Any) -> str:
    text = f"\u2264 {g.alpha:g}"
    return text if g.delta is None else f"{text} (w.p. \u2265 {1 - g.delta:g})"


def _interval(r: Any) -> str:
    return f"{r.value:.4f} [{r.low:.4f}, {r.high:.4f}]"


def _risk_cells(risk: _RiskView, j: int) -> list[Any]:
    promised = _promise(risk.guarantee) if risk.per_label_promise else "overall only"
    r = risk.per_label[j]
    return [_raw(promised), _raw("-" if r is None else _interval(r))]


def _risk_section(d: _Data, risk: _RiskView | None) -> list[str]:
    if risk is None:
        return []
    g, r = risk.guarantee, risk.overall
    name, share, _ = _RISK_WORDS[g.risk]
    table = _table(
        ["risk", "promised", "here", f"{r.confidence:.0%} interval", "examples", "calibrated on"],
        [
            [
                _raw(name),
                _raw(_promise(g)),
                r.value,
                _raw(f"[{r.low:.4f}, {r.high:.4f}]"),
                r.n,
                _raw(f"{g.n_calibration:,} examples ({g.method})"),
            ]
        ],
    )
    parts = [f"<h2>Guarantee: {_esc(name)} against the threshold</h2>", table]
    panels = _risk_panels(d, risk)
    if panels:
        caption = str(g)
        if risk.per_label_promise:
            caption += f" Per label: the {share}{d.note}; the table has every label."
        parts.append(
            _figure(
                "risk-threshold",
                figures.risk_threshold_svg(panels, alpha=float(g.alpha), ylabel=name),
                caption,
            )
        )
    else:
        parts.append(f'<p class="note">{_esc(str(g))}</p>')
    parts.append(
        '<p class="note">The interval is Clopper-Pearson on the examples above (exact for 0/1 '
        "losses, conservative for shares); a promise in expectation or with probability "
        "1 - delta can be missed on one data set by chance.</p>"
    )
    return parts


def _risk_panels(d: _Data, risk: _RiskView) -> list[tuple]:
    """(title, thresholds, risks, chosen threshold, risk there) per panel: the rule's own risk
    curve for one threshold, each drawn label's miss rate for one threshold per label."""
    from labelwise.metrics.curves import precision_recall_curve

    g = risk.guarantee
    if g.risk == "miscoverage":
        return []  # sets cut on nonconformity scores, not on one score threshold
    if not risk.per_label_promise:
        curve = risk.rule.risk_curve(d.Y, d.S)
        return [
            ("all labels", curve.thresholds, curve.risks, float(g.threshold), risk.overall.value)
        ]
    pr = precision_recall_curve(d.Y, d.S)
    chosen = [j for j in d.chosen if d.counts[j] > 0]
    return [
        (
            d.names[j],
            pr[j].thresholds,
            1.0 - pr[j].recall[: pr[j].thresholds.shape[0]],
            float(g.threshold[j]),
            risk.per_label[j].value,
        )
        for j in chosen
    ]


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
