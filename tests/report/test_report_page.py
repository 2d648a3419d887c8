"""The HTML report: content equals the metrics, every figure renders in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

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


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_every_figure_renders_non_empty_in_headless_chromium(page, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have Chromium (.ci/run installs Debian's chromium package)")
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    target = write_report(tmp_path / "report.html", page[0])
    cmd = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000", "--dump-dom", target.as_uri(),
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    dom = out.stdout
    assert "<figure" in dom, out.stderr[-2000:]
    for key in FIGURES:
        m = re.search(rf'<figure data-figure="{key}" data-rendered="(\d+)x(\d+)">(.*?)</figure>',
                      dom, re.S)  # fmt: skip
        assert m, f"figure {key} missing or not rendered"
        width, height, inner = int(m.group(1)), int(m.group(2)), m.group(3)
        assert width > 100 and height > 100, (key, width, height)
        assert inner.count("<path") > 3, f"figure {key} has nothing drawn"


def test_write_report_refuses_to_overwrite(tmp_path):
    target = tmp_path / "r.html"
    target.write_text("keep me")
    with pytest.raises(FileExistsError, match="exists"):
        write_report(target, "<html></html>")
    assert target.read_text() == "keep me"
    write_report(target, "<html>new</html>", overwrite=True)
    assert target.read_text() == "<html>new</html>"
