"""``labelwise fit --guarantee``: a guaranteed rule calibrated on held-out training rows, and
``labelwise evaluate`` putting the risk it reached next to its promise."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from labelwise.datasets import load
from labelwise.persist import load as load_model

FAST = ["--candidates", "BinaryRelevance", "--cv", "3", "--n-jobs", "1", "--quiet"]


@pytest.fixture(scope="module")
def guaranteed(tmp_path_factory, invoke):
    """One guaranteed fit of emotions (recall >= 0.9 with probability >= 0.9), saved."""
    path = tmp_path_factory.mktemp("guaranteed") / "recall.lw"
    args = ["fit", "emotions:train", "--guarantee", "recall=0.9", "--delta", "0.1", *FAST]
    result = invoke(*args, "--calibration", "0.25", "--out", path, "--json")
    assert result.exit_code == 0, result.output
    return path, json.loads(result.stdout)


def test_the_fitted_model_decides_with_the_calibrated_rule_and_says_its_promise(guaranteed):
    path, out = guaranteed
    model = load_model(path)
    g = model.guarantee_
    assert type(model).__name__ == "ThresholdedClassifier"
    assert type(model.rule_).__name__ == "RecallControl"
    assert (g.risk, g.alpha, g.delta) == ("fnr", pytest.approx(0.1), pytest.approx(0.1))
    # a quarter of the 391 training rows (the stratified split meets it to within a few rows)
    assert abs(model.n_calibration_ - 391 * 0.25) <= 5
    assert out["guarantee"]["n_calibration"] == g.n_calibration == model.n_calibration_
    assert out["guarantee"]["alpha"] == pytest.approx(0.1)
    assert out["guarantee"]["delta"] == pytest.approx(0.1)
    assert out["guarantee"]["threshold"] == pytest.approx(float(g.threshold))
    assert out["guarantee"]["statement"] == g.statement
    assert out["rule"].startswith("RecallControl(")


def test_the_guarantee_is_printed_in_words_and_numbers(invoke):
    args = ["fit", "emotions:train", "--guarantee", "recall=0.8", *FAST]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    said = [line for line in lines if line.startswith("guarantee: ")]
    assert len(said) == 1 and "false-negative rate" in said[0] and "at most 0.2" in said[0]
    numbers = lines[lines.index(said[0]) + 1]
    assert numbers.strip().startswith("fnr at most 0.2;") and "calibration examples" in numbers


def _fnr_by_hand(Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Per example: the share of its true labels that were not predicted (0 without labels)."""
    true = Y.sum(axis=1)
    missed = (Y * (1 - P)).sum(axis=1)
    return np.where(true > 0, missed / np.maximum(true, 1), 0.0)


def test_evaluate_shows_the_achieved_risk_with_its_interval_next_to_the_promise(guaranteed, invoke):
    path, _ = guaranteed
    test = load("emotions", split="test")
    model = load_model(path)
    losses = _fnr_by_hand(test.Y_dense(), np.asarray(model.predict(test.X)))
    n, k = len(losses), losses.sum()
    low, high = stats.beta.ppf(0.025, k, n - k + 1), stats.beta.ppf(0.975, k + 1, n - k)

    result = invoke("evaluate", path, "emotions", "--json")
    assert result.exit_code == 0, result.output
    promise = json.loads(result.stdout)["promise"]
    assert promise["risk"] == "fnr" and promise["n"] == n == 202
    assert promise["achieved"] == pytest.approx(losses.mean())
    assert (promise["low"], promise["high"]) == (pytest.approx(low), pytest.approx(high))
    assert promise["promised_at_most"] == pytest.approx(0.1)
    assert promise["delta"] == pytest.approx(0.1)

    text = invoke("evaluate", path, "emotions")
    line = next(x for x in text.stdout.splitlines() if x.startswith("promise: "))
    assert f"{losses.mean():.4f} here" in line and f"[{low:.4f}, {high:.4f}]" in line
    assert "promised at most 0.1 with probability at least 0.9" in line


def test_evaluate_of_a_model_without_a_guarantee_has_no_promise(tmp_path, invoke):
    path = tmp_path / "plain.lw"
    fitted = invoke("fit", "emotions:train", *FAST, "--out", path)
    assert fitted.exit_code == 0, fitted.output
    result = invoke("evaluate", path, "emotions", "--json")
    assert json.loads(result.stdout)["promise"] is None
    assert "promise:" not in invoke("evaluate", path, "emotions").stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--guarantee", "recall=2"], "the recall level must be in (0, 1)"),
        (["--guarantee", "foo=0.9"], "is not KIND=LEVEL"),
        (["--guarantee", "recall=0.9", "--delta", "0"], "delta must be in (0, 1); got 0.0"),
        (["--guarantee", "precision=0.9"], "give delta"),
    ],
    ids=["level-2", "unknown-kind", "delta-0", "precision-without-delta"],
)
def test_a_bad_guarantee_is_one_error_line_before_any_work(args, says, invoke, error_line):
    line = error_line(invoke("fit", "emotions", *args, *FAST))
    assert says in line


def test_a_calibration_split_too_small_for_the_promise_is_refused_with_the_numbers(
    invoke, error_line
):
    # recall >= 0.99 with probability 0.99 needs hundreds of calibration examples; 5% of 391
    # rows are 20
    args = ["--guarantee", "recall=0.99", "--delta", "0.01", "--calibration", "0.05"]
    line = error_line(invoke("fit", "emotions", *args, *FAST))
    assert "keeps 20 of the 391 training examples" in line
    assert "required_calibration_size" in line


def test_delta_without_a_guarantee_is_a_usage_error(invoke):
    result = invoke("fit", "emotions", "--delta", "0.1", *FAST)
    assert result.exit_code == 2 and "--delta and --per-label qualify --guarantee" in result.stderr
