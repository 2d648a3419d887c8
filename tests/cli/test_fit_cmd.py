"""The main job end to end: fit --metric --out, evaluate, predict and report, and their errors."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest
from sklearn.metrics import f1_score, hamming_loss

from labelwise.datasets import load
from labelwise.persist import load as load_model
from labelwise.persist import load_metadata


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, invoke):
    folder = tmp_path_factory.mktemp("job")
    path = folder / "emotions.lw"
    result = invoke(
        "fit",
        "emotions",
        "--metric",
        "macro_f1",
        "--out",
        path,
        "--candidates",
        "MLkNN,BinaryRelevance",
        "--cv",
        "3",
        "--json",
    )
    assert result.exit_code == 0, result.output + str(result.exception)
    return path, json.loads(result.stdout)


def test_fit_saves_the_winner_with_its_leaderboard_and_test_scores(fitted):
    path, summary = fitted
    names = {r["candidate"] for r in summary["leaderboard"]}
    assert {"MLkNN(k=10)", "BinaryRelevance(LogisticRegression)"} <= names
    assert summary["metric"] == "macro_f1" and summary["model"] == str(path)
    meta = load_metadata(path)
    assert meta["metric"] == "macro_f1"
    assert meta["leaderboard"] == summary["leaderboard"]
    assert meta["label_names"] == list(load("emotions", split="train").label_names)
    assert meta["training_fingerprint"]["X"]
    # The reported test scores are the saved model's, recomputed independently.
    model = load_model(path)
    test = load("emotions", split="test")
    pred = model.predict(test.X)
    assert summary["test"]["scores"]["f1_macro"] == pytest.approx(
        f1_score(test.Y_dense(), pred, average="macro", zero_division=0)
    )


def test_evaluate_prints_what_sklearn_computes(fitted, invoke):
    path, _ = fitted
    result = invoke("evaluate", path, "emotions", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    test = load("emotions", split="test")
    pred = load_model(path).predict(test.X)
    Y = test.Y_dense()
    assert out["scores"]["hamming_loss"] == pytest.approx(hamming_loss(Y, pred))
    assert out["scores"]["f1_micro"] == pytest.approx(f1_score(Y, pred, average="micro"))
    per = {r["label"]: r for r in out["per_label"]}
    j = 2
    assert per[test.label_names[j]]["f1"] == pytest.approx(f1_score(Y[:, j], pred[:, j]))
    assert per[test.label_names[j]]["threshold"] is not None
    text = invoke("evaluate", path, "emotions")
    assert "per label:" in text.stdout and "hamming_loss" in text.stdout


def test_evaluate_on_the_training_data_warns(fitted, invoke):
    path, _ = fitted
    result = invoke("evaluate", path, "emotions:train", "--json")
    assert result.exit_code == 0
    warnings = json.loads(result.stdout)["warnings"]
    assert any("trained on" in w and "not generalisation" in w for w in warnings)


def test_predict_to_terminal_jsonl_and_csv(fitted, tmp_path, invoke):
    path, _ = fitted
    model = load_model(path)
    test = load("emotions", split="test")
    pred = model.predict(test.X)
    names = list(test.label_names)
    shown = invoke("predict", path, "emotions", "--scores")
    assert shown.exit_code == 0, shown.output
    first = shown.stdout.splitlines()[0]
    expected = {names[j] for j in np.flatnonzero(pred[0])}
    assert set(re.findall(r"([\w-]+) \(\d\.\d{3}\)", first)) == expected
    jsonl = tmp_path / "p.jsonl"
    assert invoke("predict", path, "emotions", "--top-k", 2, "-o", jsonl).exit_code == 0
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert len(rows) == test.n_samples and all(len(r["labels"]) == 2 for r in rows)
    S = model.predict_proba(test.X)
    assert rows[0]["labels"] == [names[j] for j in np.argsort(-S[0], kind="stable")[:2]]
    csv_path = tmp_path / "p.csv"
    assert invoke("predict", path, "emotions", "-o", csv_path, "--scores").exit_code == 0
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "row,labels,scores" and len(lines) == test.n_samples + 1
    again = invoke("predict", path, "emotions", "-o", csv_path)
    assert again.exit_code != 0 and "--force" in again.stderr


def test_report_writes_one_page_with_the_leaderboard(fitted, tmp_path, invoke):
    path, summary = fitted
    out = tmp_path / "r.html"
    result = invoke("report", path, "emotions", "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.count("<figure data-figure=") == 6
    assert summary["leaderboard"][0]["candidate"] in html


def test_unknown_metric_lists_the_valid_ones(invoke):
    result = invoke("fit", "emotions", "--metric", "f1_wrong")
    assert result.exit_code == 2
    assert "micro_f1" in result.stderr and "ndcg_at_k" in result.stderr


def test_metric_that_does_not_fit_the_problem(invoke):
    result = invoke("fit", "emotions", "--metric", "top_k_accuracy")
    assert result.exit_code != 0
    assert "does not fit multilabel" in result.stderr


def test_existing_output_is_refused_and_kept(tmp_path, invoke):
    out = tmp_path / "m.lw"
    out.write_bytes(b"precious")
    result = invoke("fit", "emotions", "--out", out, "--candidates", "MLkNN")
    assert result.exit_code == 2 and "--force" in result.stderr
    assert out.read_bytes() == b"precious"


def test_ctrl_c_during_fit_writes_nothing(tmp_path, monkeypatch, invoke):
    from labelwise.auto import AutoClassifier

    def interrupted(self, X, y):
        raise KeyboardInterrupt

    monkeypatch.setattr(AutoClassifier, "fit", interrupted)
    out = tmp_path / "m.lw"
    result = invoke("fit", "emotions", "--out", out)
    assert result.exit_code != 0
    assert not out.exists() and os.listdir(tmp_path) == []


def test_time_limit_too_short_keeps_the_cheapest_finished(tmp_path, invoke):
    result = invoke(
        "fit",
        "emotions",
        "--time-limit",
        0,
        "--candidates",
        "MLkNN,BinaryRelevance",
        "--cv",
        3,
        "--json",
    )
    assert result.exit_code == 0, result.output
    board = json.loads(result.stdout)["leaderboard"]
    ran = [r["candidate"] for r in board if r["status"] == "ok"]
    skipped = [r for r in board if r["status"] == "skipped"]
    assert len(ran) == 1 and len(skipped) == 1 and "time limit" in skipped[0]["error"]
    # the one that ran is the cheaper by the cost model's estimate for emotions
    from labelwise.auto.candidates import build_candidates, profile_data
    from labelwise.datasets import load

    train = load("emotions", split="train")
    Y = train.Y.toarray() if hasattr(train.Y, "toarray") else np.asarray(train.Y)
    estimates = {c.name: c.cost for c in build_candidates(profile_data(train.X, Y, "multilabel"))}
    pair = ("MLkNN(k=10)", "BinaryRelevance(LogisticRegression)")
    assert ran == [min(pair, key=estimates.get)]


def test_predicting_on_data_with_other_features_or_labels(fitted, invoke):
    path, _ = fitted
    other = invoke("predict", path, "scene")
    assert other.exit_code != 0
    assert "trained on 72 features but the data has 294" in other.stderr
    text = invoke("predict", path, "--text", "a song")
    assert text.exit_code == 2 and "reads features, not texts" in text.stderr
    labels = invoke("evaluate", path, "yeast")
    assert labels.exit_code != 0 and "share nothing" in labels.stderr


def test_text_files_end_to_end(tmp_path, invoke):
    rows = [
        ("Java senior engineer in UK", ["IT", "UK"]),
        ("Python developer in London", ["IT", "UK"]),
        ("Nurse in a Berlin hospital", ["Health", "Germany"]),
        ("Doctor in Munich", ["Health", "Germany"]),
        ("Software tester in Berlin", ["IT", "Germany"]),
        ("Care assistant in Leeds", ["Health", "UK"]),
    ] * 4
    train = tmp_path / "jobs.jsonl"
    train.write_text("".join(json.dumps({"text": t, "labels": ls}) + "\n" for t, ls in rows))
    model = tmp_path / "jobs.lw"
    fit = invoke(
        "fit",
        train,
        "--labels",
        "labels",
        "--out",
        model,
        "--candidates",
        "TfidfClassifier(linear SVM)",
        "--cv",
        3,
    )
    assert fit.exit_code == 0, fit.output + str(fit.exception)
    shown = invoke("predict", model, "--text", "Python tester in Berlin")
    assert shown.exit_code == 0, shown.output
    assert "IT" in shown.stdout and "Germany" in shown.stdout
