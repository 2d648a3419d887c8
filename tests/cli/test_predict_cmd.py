"""labelwise predict --top-k: each row's k best-scored labels from sparse top-k scores."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

import labelwise
from labelwise.cli import main
from labelwise.datasets import load
from labelwise.models import BinaryRelevance


def test_top_k_lists_the_k_best_scored_labels_in_order(tmp_path):
    train, test = load("emotions", split="train"), load("emotions", split="test")
    model = BinaryRelevance(LogisticRegression(max_iter=1000)).fit(train.X, train.Y)
    path = tmp_path / "m.lw"
    labelwise.save(model, path, metadata={"label_names": train.label_names})
    out = tmp_path / "p.jsonl"
    done = CliRunner().invoke(
        main, ["predict", str(path), "emotions", "--top-k", "2", "--scores", "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    S = model.predict_proba(test.X)
    assert len(rows) == test.n_samples
    for row in rows[:50]:
        best = np.argsort(-S[row["row"]], kind="stable")[:2]
        assert row["labels"] == [train.label_names[j] for j in best]
        np.testing.assert_allclose(row["scores"], S[row["row"], best])


def test_top_k_above_the_label_count_is_one_error(tmp_path):
    train = load("emotions", split="train")
    model = BinaryRelevance(LogisticRegression(max_iter=1000)).fit(train.X, train.Y)
    path = tmp_path / "m.lw"
    labelwise.save(model, path)
    done = CliRunner().invoke(main, ["predict", str(path), "emotions", "--top-k", "7"])
    assert done.exit_code == 2
    assert "--top-k" in done.output and "6 labels" in done.output
