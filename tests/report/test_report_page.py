"""The HTML report: content equals the metrics, every figure renders in headless Chromium."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.datasets import load
from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
from labelwise.models import BinaryRelevance
from labelwise.report import build_report, rule_thresholds, write_report

FIGURES = ["pr-curves", "roc-curves", "f1-threshold", "confusion", "cooccurrence", "calibration"]


@pytest.fixture(scope="module")
def page():
    train, test = load("emotions", split="train"), load("emotions", split="test")
    model = ThresholdedClassifier(
        make_pipeline(StandardScaler(), BinaryRelevance(LogisticRegression(max_iter=500))),
        rule=PerLabelThreshold(),
        cv=3,
        random_state=0,
    ).fit(train.X, train.Y)
    S = model.predict_proba(test.X)
    P = model.predict(test.X)
    thr = rule_thresholds(model.rule_, S.shape[1])
    board = [
        {"rank": 1, "candidate": "A <b>model</b>", "status": "ok", "score": 0.7, "rule": "r"},
        {"rank": None, "candidate": "B", "status": "failed", "score": None, "error": "boom"},
    ]
    html = build_report(
        test.Y, S, P, label_names=test.label_names, thresholds=thr, leaderboard=board,
        dataset_name="emotions (test)", title="emotions report",
    )  # fmt: skip
    return html, np.asarray(test.Y), P, thr, list(test.label_names)


def test_per_label_table_holds_the_metrics_and_thresholds(page):
    html, Y, P, thr, names = page
    prec, rec, f1, support = precision_recall_fscore_support(Y, P, average=None, zero_division=0)
    for j, name in enumerate(names):
        row = re.search(rf"<tr><td>{re.escape(name)}</td>(.*?)</tr>", html).group(1)
        cells = re.findall(r"<td>(.*?)</td>", row)
        assert cells[:5] == [
            f"{support[j]:,}", f"{prec[j]:.4f}", f"{rec[j]:.4f}", f"{f1[j]:.4f}", f"{thr[j]:.4f}"
        ]  # fmt: skip
    assert "A &lt;b&gt;model&lt;/b&gt;" in html  # leaderboard text is escaped
    assert "boom" in html


def test_page_is_self_contained(page):
    html = page[0]
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "<link" not in html and "@import" not in html
    for key in FIGURES:
        assert f'data-figure="{key}"' in html


def test_every_figure_renders_non_empty_in_headless_chromium(page, figures_render):
    figures_render(page[0], FIGURES)


def test_write_report_refuses_to_overwrite(tmp_path):
    target = tmp_path / "r.html"
    target.write_text("keep me")
    with pytest.raises(FileExistsError, match="exists"):
        write_report(target, "<html></html>")
    assert target.read_text() == "keep me"
    write_report(target, "<html>new</html>", overwrite=True)
    assert target.read_text() == "<html>new</html>"
