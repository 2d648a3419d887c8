"""``labelwise fit``: the README's main job, and its errors."""

from __future__ import annotations

import re

import numpy as np
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, hamming_loss
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.cli import main
from labelwise.datasets import load
from labelwise.pipeline import fit_and_evaluate


def _metrics(output: str) -> dict[str, float]:
    return {m[0]: float(m[1]) for m in re.findall(r"^\s+(\w+)\s+([0-9.]+)\s+\(", output, re.M)}


def test_fit_fixed_rule_matches_sklearn_one_vs_rest():
    result = CliRunner().invoke(main, ["fit", "--rule", "fixed"])
    assert result.exit_code == 0, result.output
    got = _metrics(result.output)
    train, test = load("emotions", split="train"), load("emotions", split="test")
    ref = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=2000)))
    ref.fit(train.X, train.Y_dense())
    pred = (ref.predict_proba(test.X) >= 0.5).astype(int)
    Y = test.Y_dense()
    assert got["hamming_loss"] == round(hamming_loss(Y, pred), 4)
    assert got["f1_micro"] == round(f1_score(Y, pred, average="micro"), 4)
    assert got["f1_macro"] == round(f1_score(Y, pred, average="macro"), 4)
    assert "391 training and 202 test examples" in result.output


def test_tuned_rule_uses_training_data_only_and_helps_macro_f1():
    train, test = load("emotions", split="train"), load("emotions", split="test")
    tuned = fit_and_evaluate(train, test, rule="per-label", cv=3)
    fixed = fit_and_evaluate(train, test, rule="fixed")
    # Changing the test labels must not change what the tuned model predicts.
    shuffled = test.subset(np.arange(test.n_samples))
    shuffled.Y = np.ascontiguousarray(test.Y_dense()[::-1])
    again = fit_and_evaluate(train, shuffled, rule="per-label", cv=3)
    pred = tuned.model.predict(test.X)
    np.testing.assert_array_equal(pred, again.model.predict(test.X))
    assert tuned.scores["f1_macro"] > fixed.scores["f1_macro"]


def test_fit_on_files_and_errors(tmp_path, mulan_dir):
    runner = CliRunner()
    ok = runner.invoke(
        main,
        [
            "fit", "--rule", "fixed",
            "--train", str(mulan_dir / "flags-train.arff"),
            "--test", str(mulan_dir / "flags-test.arff"),
            "--labels", str(mulan_dir / "flags.xml"),
        ],
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "129 training and 65 test examples" in ok.output
    half = runner.invoke(main, ["fit", "--train", str(mulan_dir / "flags-train.arff")])
    assert half.exit_code == 2 and "give both --train and --test" in half.output
    missing = runner.invoke(main, ["fit", "--train", "nope.arff", "--test", "nope.arff"])
    assert missing.exit_code == 1 and missing.output.startswith("Error: ")
    assert "nope.arff" in missing.output and missing.output.count("\n") == 1
    assert "Traceback" not in missing.output
    unknown = runner.invoke(main, ["fit", "--dataset", "no-such-set"])
    assert unknown.exit_code == 1 and "no-such-set" in unknown.output
