"""The text path of ``labelwise fit --rule`` (``fit_and_evaluate``): TfidfClassifier with a tuned
rule on text files and on the bundled Reuters set."""

from __future__ import annotations

import json
import re

import numpy as np
from click.testing import CliRunner
from sklearn.metrics import f1_score

from labelwise.cli import main
from labelwise.datasets import load
from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
from labelwise.metrics import ndcg_at_k, precision_at_k
from labelwise.pipeline import is_text_dataset
from labelwise.text import TfidfClassifier

FIELDS = {
    "IT": ["Java engineer", "Python developer", "data engineer", "software tester", "DevOps lead"],
    "Health": ["nurse", "hospital doctor", "pharmacist", "midwife", "paramedic"],
    "Finance": ["accountant", "tax advisor", "auditor", "bank clerk", "actuary"],
}
PLACES = {
    "UK": ["London", "Leeds", "Manchester", "Bristol"],
    "Germany": ["Berlin", "Munich", "Hamburg", "Cologne"],
}


def _jobs(seed: int, n: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        field = rng.choice(list(FIELDS))
        country = rng.choice(list(PLACES))
        role, city = rng.choice(FIELDS[field]), rng.choice(PLACES[country])
        rows.append({"text": f"{role} wanted in {city}", "labels": [str(field), str(country)]})
    return rows


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _metrics(output: str) -> dict[str, float]:
    return {m[0]: float(m[1]) for m in re.findall(r"^\s+(\w+)\s+([0-9.]+)\s+\(", output, re.M)}


def test_fit_on_text_files_trains_tfidf_with_a_tuned_rule(tmp_path):
    train_rows, test_rows = _jobs(0, 60), _jobs(1, 30)
    _write(tmp_path / "train.jsonl", train_rows)
    _write(tmp_path / "test.jsonl", test_rows)
    args = ["fit", "--train", str(tmp_path / "train.jsonl"), "--test", str(tmp_path / "test.jsonl")]
    result = CliRunner().invoke(
        main, [*args, "--labels", "labels", "--rule", "per-label", "--cv", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "raw texts" in result.output and "TfidfClassifier" in result.output
    got = _metrics(result.output)
    # the same model built by hand from the public pieces
    names = ["Finance", "Germany", "Health", "IT", "UK"]
    binarize = lambda rows: np.array([[int(n in r["labels"]) for n in names] for r in rows])  # noqa: E731
    ref = ThresholdedClassifier(TfidfClassifier(), rule=PerLabelThreshold(), cv=3, random_state=0)
    ref.fit([r["text"] for r in train_rows], binarize(train_rows))
    test_texts = [r["text"] for r in test_rows]
    Y = binarize(test_rows)
    pred = ref.predict(test_texts)
    assert got["f1_micro"] == round(f1_score(Y, pred, average="micro"), 4)
    assert got["f1_macro"] == round(f1_score(Y, pred, average="macro", zero_division=0), 4)
    scores = ref.predict_proba(test_texts)
    assert got["precision_at_1"] == round(precision_at_k(Y, scores, k=1), 4)
    assert got["ndcg_at_3"] == round(ndcg_at_k(Y, scores, k=3), 4)


def test_a_test_label_never_seen_in_training_is_named(tmp_path):
    train_rows, test_rows = _jobs(0, 40), _jobs(1, 10)
    test_rows[3]["labels"] = ["Legal", "UK"]
    _write(tmp_path / "a.jsonl", train_rows)
    _write(tmp_path / "b.jsonl", test_rows)
    result = CliRunner().invoke(
        main,
        ["fit", "--train", str(tmp_path / "a.jsonl"), "--test", str(tmp_path / "b.jsonl"),
         "--labels", "labels", "--rule", "per-label", "--cv", "2", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output[result.output.index("{") :])
    assert any("'Legal' (1 rows)" in w for w in map(str, out["warnings"]))
    assert out["n_labels"] == 5 and "precision_at_1" in out["scores"]


def test_labelwise_fit_on_bundled_reuters_reaches_the_floor_of_an_independent_run():
    train, test = load("reuters", split="train"), load("reuters", split="test")
    assert is_text_dataset(train) and is_text_dataset(test)
    args = ["fit", "reuters", "--rule", "per-label", "--cv", "2", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output  # it crashed with a TypeError before
    out = json.loads(result.output[result.output.index("{") :])
    assert (out["n_train"], out["n_test"], out["n_labels"]) == (2104, 915, 90)
    assert "TfidfClassifier" in out["model"] and out["rule"] == "per-label"
    scores = out["scores"]
    # An independent run (scikit-learn TF-IDF word 1-2 + char_wb 2-5 grams, one-vs-rest
    # LinearSVC, per-label thresholds on 3-fold out-of-fold scores) measured micro-F1 0.848,
    # macro-F1 0.452 and P@1 0.929 on this split (issue 10). Floors leave room for cv=2.
    assert scores["f1_micro"] >= 0.83
    assert scores["f1_macro"] >= 0.40
    assert scores["precision_at_1"] >= 0.91
    assert 0.9 <= scores["ndcg_at_3"] <= 1.0
