"""The one progress display: redrawn in place on a terminal, whole lines in a log."""

from __future__ import annotations

import io

import numpy as np
from sklearn.datasets import make_multilabel_classification

from labelwise._progress import Progress
from labelwise.auto import AutoClassifier


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_step_and_none_for_refreshes():
    log = io.StringIO()
    with Progress(total=2, desc="candidates", verbose=True, stream=log, log_interval=0) as bar:
        bar.update(0, fold="1/3")  # a refresh: a terminal's line only
        bar.update(candidate="A", best="0.5")
        bar.update(0, fold="2/3")
        bar.update(candidate="B", best="0.6")
    lines = log.getvalue().split("\n")
    assert lines[-1] == "" and "\r" not in log.getvalue()
    assert [line.split(" [")[0] for line in lines[:-1]] == ["candidates: 1/2", "candidates: 2/2"]
    assert lines[0].endswith("candidate=A, best=0.5") and lines[1].endswith("candidate=B, best=0.6")


def test_a_log_interval_thins_the_lines_and_the_last_state_is_written():
    log = io.StringIO()
    with Progress(total=100, desc="epochs", verbose=True, stream=log, log_interval=3600) as bar:
        for _ in range(100):
            bar.update()
    assert log.getvalue().splitlines()[0].startswith("epochs: 1/100")
    assert log.getvalue().splitlines()[-1].startswith("epochs: 100/100")
    assert len(log.getvalue().splitlines()) == 2


def test_a_terminal_line_is_redrawn_in_place():
    tty = _Terminal()
    with Progress(total=2, desc="candidates", stream=tty, min_interval=0) as bar:
        bar.update(0, fold="1/3")
        bar.update(candidate="A")
    out = tty.getvalue()
    assert out.count("\r") == 3 and out.endswith("\n") and out.count("\n") == 1
    assert "fold=1/3" in out and "candidate=A" in out


def test_the_search_reports_each_candidate_and_its_folds():
    X, Y = make_multilabel_classification(n_samples=120, n_features=6, n_classes=3, random_state=0)
    tty = _Terminal()
    import labelwise._progress as progress

    real = progress.sys.stderr
    progress.sys.stderr = tty
    try:
        AutoClassifier(
            candidates=["BinaryRelevance", "MLkNN"], cv=3, time_limit=60, blend=False
        ).fit(X, Y)
    finally:
        progress.sys.stderr = real
    out = tty.getvalue()
    for words in ("candidates: 2/2", "fold=1/3", "left=", "best=", "MLkNN(k=10)"):
        assert words in out
    assert np.isfinite(float(out.split("best=")[-1].split(",")[0]))
