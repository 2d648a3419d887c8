"""build_report is one function per section: the page reads as it did before the split, every
section stays small, and a guaranteed rule adds its risk section and per-label columns."""

from __future__ import annotations

import ast
import inspect
import re
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from labelwise.decision import (
    FalsePositiveControl,
    PerLabelThreshold,
    PrecisionControl,
    RecallControl,
)
from labelwise.report import build_report, page

pytest.importorskip("matplotlib")

BEFORE = Path(__file__).with_name("report_sections_before.html")


def fixed_input() -> dict:
    """14 labels (more than the panels drawn), one without examples, a leaderboard."""
    rng = np.random.default_rng(7)
    n, L = 90, 14
    Y = (rng.random((n, L)) < np.linspace(0.05, 0.6, L)).astype(np.int8)
    Y[:, 3] = 0
    S = np.clip(0.45 * Y + 0.55 * rng.random((n, L)), 0, 1).round(3)
    thresholds = np.linspace(0.3, 0.6, L)
    return {
        "y_true": Y,
        "y_score": S,
        "y_pred": (S >= thresholds).astype(np.int8),
        "label_names": [f"label <{j}>" if j == 5 else f"label {j}" for j in range(L)],
        "thresholds": thresholds,
        "leaderboard": [
            {
                "rank": 1,
                "candidate": "BR & LR",
                "status": "ok",
                "score": 0.61,
                "rule": "r",
                "cv_seconds": 1.5,
            },
            {"rank": None, "candidate": "CC", "status": "failed", "score": None, "error": "x"},
        ],
        "metadata": {
            "model": "BinaryRelevance",
            "metric": "macro_f1",
            "decision_rule": {"class": "a.PerLabelThreshold", "params": {}},
        },
        "title": "fixed report",
        "dataset_name": "synthetic",
    }


def sections(html: str) -> str:
    """The page without its drawings and its creation time: headings, tables, notes, captions."""
    html = re.sub(r"<svg.*?</svg>", "<svg/>", html, flags=re.S)
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "<time>", html)


def test_the_page_reads_as_before_the_split_into_sections():
    # report_sections_before.html was written by build_report before it was split (one
    # 230-line function), from this same input; since then only the metric names changed to
    # their canonical spellings (the scores table, the header's metric, the leaderboard column)
    assert sections(build_report(**fixed_input())) == BEFORE.read_text(encoding="utf-8")


def test_a_rule_that_is_not_guaranteed_changes_nothing():
    rule = PerLabelThreshold().fit(fixed_input()["y_true"], fixed_input()["y_score"])
    assert sections(build_report(**fixed_input(), rule=rule)) == BEFORE.read_text("utf-8")


def test_every_function_of_the_page_is_under_80_lines():
    tree = ast.parse(inspect.getsource(page))
    sizes = {
        node.name: node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }
    assert sizes["build_report"] < 80 and max(sizes.values()) < 80, sizes


def _guaranteed_page(rule, seed=0):
    rng = np.random.default_rng(seed)
    n, L = 400, 4
    Y = (rng.random((2 * n, L)) < 0.3).astype(np.int8)
    S = np.clip(0.45 * Y + 0.55 * rng.random((2 * n, L)), 0, 1)
    rule.fit(Y[:n], S[:n])
    P = rule.predict(S[n:])
    names = ["a", "b", "c", "d"]
    html = build_report(Y[n:], S[n:], P, label_names=names, rule=rule)
    return html, Y[n:], P, names


def _row(html: str, name: str) -> list[str]:
    row = re.search(rf"<tr><td>{re.escape(name)}</td>(.*?)</tr>", html).group(1)
    return re.findall(r"<td>(.*?)</td>", row)


def _cp(k: int, n: int) -> tuple[float, float]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low, ci.high


def test_per_label_recall_promise_and_miss_rates_with_exact_intervals():
    html, Y, P, names = _guaranteed_page(RecallControl(alpha=0.1, per_label=True))
    for j, name in enumerate(names):
        cells = _row(html, name)
        positives = Y[:, j] == 1
        misses = int((P[positives, j] == 0).sum())
        low, high = _cp(misses, int(positives.sum()))
        value = misses / positives.sum()
        assert cells[-2:] == ["\u2264 0.1", f"{value:.4f} [{low:.4f}, {high:.4f}]"]
    assert 'data-figure="risk-threshold"' in html
    assert "For each label separately" in html  # the guarantee sentence under the figure


def test_overall_precision_promise_against_the_achieved_risk():
    rule = PrecisionControl(alpha=0.2, delta=0.1)
    html, Y, P, names = _guaranteed_page(rule)
    section = html[html.index("<h2>Guarantee") : html.index("<h2>Precision-recall")]
    predicted = P.sum(axis=1)
    fdp = np.divide(
        ((P == 1) & (Y == 0)).sum(axis=1), predicted, out=np.zeros(len(P)), where=predicted > 0
    )
    cells = re.findall(r"<td>(.*?)</td>", section)
    assert cells[:3] == [
        "false-discovery proportion", "\u2264 0.2 (w.p. \u2265 0.9)", f"{fdp.mean():.4f}"
    ]  # fmt: skip
    assert f"calibrated {rule.threshold_:.3g}" in section  # the marker's legend
    assert html_escape(str(rule.guarantee_)) in section
    # per label: the share of the label's predictions that are wrong, overall promise only
    for j, name in enumerate(names):
        wrong, made = int(((P[:, j] == 1) & (Y[:, j] == 0)).sum()), int(P[:, j].sum())
        low, high = _cp(wrong, made)
        assert _row(html, name)[-2:] == [
            "overall only", f"{wrong / made:.4f} [{low:.4f}, {high:.4f}]"
        ]  # fmt: skip


@pytest.mark.parametrize(
    "rule",
    [RecallControl(alpha=0.1, delta=0.1), RecallControl(alpha=0.1, per_label=True)],
    ids=["one threshold", "per label"],
)
def test_the_risk_figure_renders_in_headless_chromium(rule, figures_render):
    html = _guaranteed_page(rule)[0]
    assert "promise 0.1" in html  # the dashed line's legend
    figures_render(html, ["risk-threshold", "pr-curves"])


def test_false_positive_promise_is_a_count_per_example():
    html, Y, P, names = _guaranteed_page(FalsePositiveControl(alpha=0.5))
    section = html[html.index("<h2>Guarantee") : html.index("<h2>Precision-recall")]
    fp = ((P == 1) & (Y == 0)).sum(axis=1)
    cells = re.findall(r"<td>(.*?)</td>", section)
    assert cells[:3] == ["false positives per example", "\u2264 0.5", f"{fp.mean():.4f}"]
    for j, name in enumerate(names):  # each label: its false positives per example, binomial
        k = int(((P[:, j] == 1) & (Y[:, j] == 0)).sum())
        low, high = _cp(k, len(Y))
        assert _row(html, name)[-1] == f"{k / len(Y):.4f} [{low:.4f}, {high:.4f}]"
