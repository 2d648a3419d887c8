"""The main job as a user meets it on the command line: what the model file
records, Ctrl-C in a real process, the overlap check of ``fit --test``, class data, data whose
features or labels differ from training, and ``--labels`` for every command that reads DATA."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

import labelwise
from labelwise.datasets import load
from labelwise.persist import fingerprint, load_metadata
from labelwise.persist import load as load_model


def _write_table(path, X, feature_names, label_columns: dict) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([*feature_names, *label_columns])
        for i, row in enumerate(X):
            labels = [col[i] for col in label_columns.values()]
            w.writerow([*(repr(float(v)) for v in row), *labels])


@pytest.fixture(scope="module")
def emotions_model(tmp_path_factory, invoke):
    path = tmp_path_factory.mktemp("job") / "emotions.lw"
    args = ["fit", "emotions", "--metric", "macro_f1", "--out", path]
    result = invoke(*args, "--candidates", "MLkNN", "--cv", 3, "--json")
    assert result.exit_code == 0, result.output + str(result.exception)
    return path, json.loads(result.stdout)


# ------------------------------------------------------------------------- the model file


def test_model_file_records_every_field_the_issue_lists(emotions_model):
    path, summary = emotions_model
    meta = load_metadata(path)
    train = load("emotions", split="train")
    model = load_model(path)
    assert meta["versions"]["labelwise"] == labelwise.__version__
    assert meta["problem_type"] == "multilabel"
    assert meta["label_names"] == list(train.label_names)
    assert "hierarchy" in meta and meta["hierarchy"] is None  # emotions has none
    assert meta["feature_names"] == list(train.feature_names)
    rule = meta["decision_rule"]
    assert rule["class"].endswith(type(model.rule_).__name__)
    learned = {k: v for k, v in vars(model.rule_).items() if k.endswith("_")}
    assert any("threshold" in k for k in learned)  # macro-F1 is tuned by thresholds
    for key, value in learned.items():
        if "threshold" in key:
            np.testing.assert_allclose(rule["fitted"][key], value)
    assert meta["metric"] == "macro_f1"
    assert meta["training_fingerprint"] == fingerprint(train.X, train.Y)
    created = datetime.fromisoformat(meta["created"])
    assert abs((datetime.now(timezone.utc) - created).total_seconds()) < 3600
    assert meta["leaderboard"] == summary["leaderboard"]
    steps = [type(step).__name__ for _, step in model.best_estimator_.steps]
    assert steps[-1] == "MLkNN"
    assert [s["class"].rsplit(".", 1)[1] for s in meta["pipeline"]] == steps


def test_text_model_file_records_its_text_pipeline(tmp_path, invoke):
    rows = [
        ("Java engineer in London", ["IT", "UK"]),
        ("Python developer in Leeds", ["IT", "UK"]),
        ("Nurse in a Berlin hospital", ["Health", "Germany"]),
        ("Doctor in Munich", ["Health", "Germany"]),
        ("Software tester in Berlin", ["IT", "Germany"]),
        ("Care assistant in Leeds", ["Health", "UK"]),
    ] * 3
    data = tmp_path / "jobs.jsonl"
    data.write_text("".join(json.dumps({"text": t, "labels": ls}) + "\n" for t, ls in rows))
    out = tmp_path / "jobs.lw"
    result = invoke(
        "fit", data, "--labels", "labels", "--out", out, "--cv", 3,
        "--candidates", "TfidfClassifier(linear SVM)",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + str(result.exception)
    meta = load_metadata(out)
    ds = labelwise.read(data, labels="labels")
    assert meta["input"] == "text" and meta["feature_names"] is None
    step = meta["pipeline"][0]
    assert step["class"] == "labelwise.text.classifiers.TfidfClassifier"
    assert step["params"]["word_ngram_range"] == [1, 2]
    assert step["params"]["char_ngram_range"] == [2, 5]
    assert meta["training_fingerprint"] == fingerprint(list(ds.texts), ds.Y)


def test_model_file_records_the_hierarchy_of_the_data(tmp_path, invoke):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    cat, dog, car = X[:, 0] > 0.3, X[:, 0] < -0.3, X[:, 1] > 0
    Y = np.column_stack([cat | dog, cat, dog, car]).astype(int)
    lines = ["@relation tiny", "@attribute f1 numeric", "@attribute f2 numeric"]
    lines += [f"@attribute {n} {{0,1}}" for n in ("animal", "cat", "dog", "car")]
    lines += ["@data", *(",".join([f"{a:.6f}", f"{b:.6f}", *map(str, y)]) for (a, b), y in
                         zip(X, Y, strict=True))]  # fmt: skip
    (tmp_path / "tiny.arff").write_text("\n".join(lines) + "\n")
    (tmp_path / "tiny.xml").write_text(
        '<labels xmlns="http://mulan.sourceforge.net/labels"><label name="animal">'
        '<label name="cat"/><label name="dog"/></label><label name="car"/></labels>'
    )
    out = tmp_path / "tiny.lw"
    result = invoke("fit", tmp_path / "tiny.arff", "--out", out, "--candidates", "MLkNN",
                     "--cv", 3)  # fmt: skip
    assert result.exit_code == 0, result.output + str(result.exception)
    parents = load_metadata(out)["hierarchy"]
    assert parents == {"animal": None, "cat": "animal", "dog": "animal", "car": None}


# ------------------------------------------------------------------------- Ctrl-C, time limit


_CHILD = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from labelwise.cli import main; sys.argv = ['labelwise', *sys.argv[1:]]; main()"
)


@pytest.mark.parametrize("previous", [True, False], ids=["over-a-model", "new-path"])
def test_ctrl_c_in_a_real_fit_stops_cleanly_and_writes_nothing(emotions_model, tmp_path, previous):
    model = tmp_path / "model.lw"
    if previous:
        model.write_bytes(emotions_model[0].read_bytes())
    before = model.read_bytes() if previous else None
    args = ["fit", "emotions", "--out", str(model), "--time-limit", "120", "--force"]
    # A shell may start background jobs with SIGINT ignored; the child restores Python's handler.
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    try:
        first = proc.stdout.readline()  # printed just before the search starts
        assert "optimising micro_f1" in first, first + proc.stderr.read()
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, out + err
    # joblib's resource-tracker process (not labelwise) may warn about a semaphore of a worker
    # that SIGINT stopped first; it shares stderr, so its lines are set aside, nothing else.
    ours = [line for line in err.strip().splitlines() if "resource_tracker" not in line]
    assert ours == ["Aborted!"], err
    assert "Traceback" not in err
    assert "model saved" not in out
    assert os.listdir(tmp_path) == (["model.lw"] if previous else [])
    if previous:
        assert model.read_bytes() == before


def test_no_candidate_finishing_is_one_error_line_and_nothing_saved(tmp_path, monkeypatch, invoke):
    import labelwise.auto.classifier as auto

    real = auto.build_candidates

    def broken(*args, **kwargs):
        def make():
            raise RuntimeError("boom in fit")

        return [dataclasses.replace(c, make=make) for c in real(*args, **kwargs)]

    monkeypatch.setattr(auto, "build_candidates", broken)
    out = tmp_path / "m.lw"
    result = invoke("fit", "emotions", "--out", out, "--candidates", "MLkNN", "--cv", 3, "--quiet")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "no candidate finished" in result.stderr and "boom in fit" in result.stderr
    assert not out.exists()


def test_help_lists_every_metric_the_main_job_accepts(invoke):
    from labelwise.auto import objective_names

    shown = " ".join(invoke("fit", "--help").stdout.split())
    for name in objective_names():
        assert name in shown


# ------------------------------------------------------------------------- fit --test


def test_fit_with_test_runs_the_overlap_check(tmp_path, invoke):
    train = load("emotions", split="train")
    path = labelwise.write(train, tmp_path / "songs-train.arff")
    copy = shutil.copy(path, tmp_path / "songs-test.arff")  # the test file is training again
    labels = tmp_path / "songs-train.xml"  # written beside the ARFF file
    result = invoke(
        "fit", path, "--test", copy, "--labels", labels, "--candidates", "MLkNN", "--cv", 3,
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + str(result.exception)
    out = json.loads(result.stdout)
    assert out["overlap"]["n_overlap"] == out["overlap"]["n_test"] == train.n_samples
    leak = [w for w in out["warnings"] if "also occur in the training set" in w]
    assert len(leak) == 1 and f"{train.n_samples} of {train.n_samples} test rows" in leak[0]
    assert f"warning: {leak[0]}" in result.stderr
    assert out["test"]["n_samples"] == train.n_samples


# ------------------------------------------------------------------------- classes


def _class_files(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 4))
    y = np.array(["cat", "dog", "eel"])[np.argmax(X[:, :3] + 0.3 * rng.normal(size=(240, 3)), 1)]
    names = ["f1", "f2", "f3", "f4"]
    _write_table(tmp_path / "pets-train.csv", X[:160], names, {"kind": y[:160]})
    _write_table(tmp_path / "pets-test.csv", X[160:], names, {"kind": y[160:]})
    return tmp_path / "pets-train.csv", tmp_path / "pets-test.csv", X[160:], y[160:]


def test_one_class_per_example_is_fitted_evaluated_and_predicted_as_classes(tmp_path, invoke):
    train, test, X_test, y_test = _class_files(tmp_path)
    model = tmp_path / "pets.lw"
    fit = invoke(
        "fit", train, "--labels", "kind", "--metric", "accuracy", "--out", model,
        "--test", test, "--candidates", "LogisticRegression", "--cv", 3, "--json",
    )  # fmt: skip
    assert fit.exit_code == 0, fit.output + str(fit.exception)
    summary = json.loads(fit.stdout)
    assert summary["rule"].startswith("argmax")
    loaded = load_model(model)
    assert load_metadata(model)["problem_type"] == "multiclass"
    pred = loaded.predict(X_test)
    assert summary["test"]["scores"]["accuracy"] == pytest.approx(accuracy_score(y_test, pred))
    ev = invoke("evaluate", model, test, "--labels", "kind", "--json")
    assert ev.exit_code == 0, ev.output
    scores = json.loads(ev.stdout)["scores"]
    assert scores["accuracy"] == pytest.approx(accuracy_score(y_test, pred))
    assert scores["f1_macro"] == pytest.approx(f1_score(y_test, pred, average="macro"))
    other = tmp_path / "pets-other.csv"
    other.write_text(test.read_text().replace(",eel\n", ",fox\n", 1))
    odd = invoke("evaluate", model, other, "--labels", "kind", "--json")
    assert odd.exit_code == 0, odd.output
    odd_out = json.loads(odd.stdout)
    assert any("not trained on: 'fox'" in w for w in odd_out["warnings"])
    y_other = np.array(y_test, dtype=object)
    y_other[np.flatnonzero(y_other == "eel")[0]] = "fox"
    assert odd_out["scores"]["accuracy"] == pytest.approx(accuracy_score(y_other, pred))
    shown = invoke("predict", model, test, "--labels", "kind")
    assert shown.exit_code == 0, shown.output
    got = [line.split(": ", 1)[1] for line in shown.stdout.splitlines()]
    assert got == list(pred)  # one class per example, the model's own
    # top-k accuracy fits classes; on label sets it is refused with the valid names
    topk = invoke("fit", train, "--labels", "kind", "--metric", "top_k_accuracy",
                   "--candidates", "LogisticRegression", "--cv", 3, "--json")  # fmt: skip
    assert topk.exit_code == 0, topk.output
    refused = invoke("fit", "emotions", "--metric", "top_k_accuracy")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "does not fit multilabel" in refused.stderr and "micro_f1" in refused.stderr
    # a metric of label sets keeps one-label rows label sets (nothing is refused)
    sets = invoke("fit", train, "--labels", "kind", "--metric", "hamming_loss",
                   "--candidates", "BinaryRelevance", "--cv", 3, "--json")  # fmt: skip
    assert sets.exit_code == 0, sets.output
    assert json.loads(sets.stdout)["test"] is None


# ------------------------------------------------------------------------- other data


def _emotions_table(tmp_path, name, permute=None, rename=None):
    test = load("emotions", split="test")
    names = list(test.feature_names)
    X = test.X
    if permute is not None:
        names = [names[j] for j in permute]
        X = X[:, permute]
    if rename is not None:
        names = [rename.get(n, n) for n in names]
    Y = test.Y_dense()
    labels = {n: Y[:, j] for j, n in enumerate(test.label_names)}
    _write_table(tmp_path / name, X, names, labels)
    return tmp_path / name, ",".join(test.label_names)


def test_data_with_other_feature_names_or_order_is_refused_naming_the_column(
    emotions_model, tmp_path, invoke
):
    model, _ = emotions_model
    names = list(load("emotions").feature_names)
    order = list(range(len(names)))
    order[0], order[1] = 1, 0
    swapped, labels = _emotions_table(tmp_path, "swapped.csv", permute=order)
    renamed, _ = _emotions_table(tmp_path, "renamed.csv", rename={names[5]: "loudness"})
    for command in ("predict", "evaluate"):
        r = invoke(command, model, swapped, "--labels", labels)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
        assert f"column 0 is {names[1]!r} but the model expects {names[0]!r}" in r.stderr
        r = invoke(command, model, renamed, "--labels", labels)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
        assert f"column 5 is feature 'loudness', where the model was trained on {names[5]!r}" in (
            r.stderr
        )


def test_every_command_reads_data_files_with_labels(emotions_model, tmp_path, invoke):
    model, _ = emotions_model
    table, labels = _emotions_table(tmp_path, "songs.csv")
    test = load("emotions", split="test")
    pred = load_model(model).predict(test.X)
    ev = invoke("evaluate", model, table, "--labels", labels, "--json")
    assert ev.exit_code == 0, ev.output
    assert json.loads(ev.stdout)["scores"]["f1_macro"] == pytest.approx(
        f1_score(test.Y_dense(), pred, average="macro", zero_division=0)
    )
    out = tmp_path / "p.jsonl"
    pr = invoke("predict", model, table, "--labels", labels, "-o", out)
    assert pr.exit_code == 0, pr.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    names = list(test.label_names)
    assert [sorted(r["labels"]) for r in rows] == [
        sorted(names[j] for j in np.flatnonzero(p)) for p in pred
    ]
    html = tmp_path / "r.html"
    rp = invoke("report", model, table, "--labels", labels, "-o", html)
    assert rp.exit_code == 0, rp.output
    assert html.read_text().count("<figure data-figure=") >= 6


def test_evaluate_names_labels_the_model_does_not_know_or_the_data_lacks(
    emotions_model, tmp_path, invoke
):
    model, _ = emotions_model
    test = load("emotions", split="test")
    names = list(test.label_names)
    Y = test.Y_dense()
    labels = {("mystery" if j == 0 else n): Y[:, j] for j, n in enumerate(names)}
    _write_table(tmp_path / "odd.csv", test.X, list(test.feature_names), labels)
    r = invoke("evaluate", model, tmp_path / "odd.csv", "--labels", ",".join(labels), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert any("not trained on: 'mystery'" in w for w in out["warnings"])
    assert any(f"not in the data: {names[0]!r}" in w for w in out["warnings"])
    assert [row["label"] for row in out["per_label"]] == names
    assert out["per_label"][0]["support"] == 0


def test_leaderboard_marks_the_refitted_candidate(invoke):
    r = invoke("fit", "emotions", "--candidates", "MLkNN,BinaryRelevance", "--cv", 3)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    best = next(line for line in lines if line.startswith("best: "))
    starred = [line for line in lines if line.startswith("*")]
    assert len(starred) == 1
    assert starred[0].split()[2] == best.split()[1]


def test_a_feature_model_on_text_data_and_a_text_model_on_features_are_named(
    emotions_model, tmp_path, invoke
):
    model, _ = emotions_model
    texts = tmp_path / "ads.jsonl"
    texts.write_text(json.dumps({"text": "Nurse in Leeds", "labels": ["Health"]}) + "\n")
    r = invoke("predict", model, texts, "--labels", "labels")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
    assert "reads 72 feature columns, but the data holds raw texts only" in r.stderr
    text_model = tmp_path / "reuters.lw"
    reuters = load("reuters", split="train").subset(list(range(120)))
    fitted = labelwise.text.TfidfClassifier().fit(reuters.texts, reuters.Y)
    labelwise.save(fitted, text_model, metadata={"label_names": list(reuters.label_names)})
    r = invoke("predict", text_model, "emotions")
    assert r.exit_code == 1 and "reads raw texts, but the data has no text column" in r.stderr
    neither = invoke("predict", model)
    assert neither.exit_code == 2 and "give DATA (a file or a bundled dataset) or --text" in (
        neither.stderr
    )


def test_a_search_beyond_the_time_limit_says_why(tmp_path, monkeypatch, invoke):
    import labelwise.auto.classifier as auto

    real = auto.build_candidates

    def slow(*args, **kwargs):
        def make_slow(make):
            def build():
                time.sleep(0.5)  # per fold: 3 folds take 1.5 s, beyond a 0 s limit
                return make()

            return build

        return [dataclasses.replace(c, make=make_slow(c.make)) for c in real(*args, **kwargs)]

    monkeypatch.setattr(auto, "build_candidates", slow)
    args = ["fit", "emotions", "--time-limit", 0, "--candidates", "MLkNN,BinaryRelevance"]
    r = invoke(*args, "--cv", 3, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    board = {row["status"] for row in out["leaderboard"]}
    assert board == {"ok", "skipped"}  # the cheapest ran, the other was skipped
    said = [w for w in out["warnings"] if "beyond time_limit=0 s" in w]
    assert len(said) == 1 and "cheapest candidate always runs" in said[0]


@pytest.mark.parametrize(
    ("labels", "args", "says"),
    [
        ([[1, 0], [0, 1], [1, 1], [0, 1]], [], "4 training examples are too few for 5-fold"),
        ([[0, 0]] * 4, ["--cv", 2], "no training example has any label"),
    ],
    ids=["fewer-rows-than-folds", "no-label-at-all"],
)
def test_data_the_search_cannot_use_is_one_error_line(tmp_path, labels, args, says, invoke):
    X = np.arange(8, dtype=float).reshape(4, 2)
    Y = np.asarray(labels)
    _write_table(tmp_path / "tiny.csv", X, ["f1", "f2"], {"a": Y[:, 0], "b": Y[:, 1]})
    r = invoke("fit", tmp_path / "tiny.csv", "--labels", "a,b", "--out", tmp_path / "m.lw", *args)
    assert r.exit_code == 1, r.output
    last = r.stderr.splitlines()[-1]  # after the inspect warnings, if any
    assert last.startswith("Error: ") and says in last and "Traceback" not in r.stderr
    assert not (tmp_path / "m.lw").exists()


def test_a_class_with_one_example_is_named_plainly(tmp_path, invoke):
    _write_table(
        tmp_path / "few.csv", np.arange(5.0).reshape(5, 1), ["f1"],
        {"label": ["x", "y", "x", "y", "z"]},
    )  # fmt: skip
    r = invoke("fit", tmp_path / "few.csv", "--labels", "label", "--metric", "accuracy")
    assert r.exit_code == 1
    assert "class 'z' has 1 example" in r.stderr


def test_readme_first_command_fits_a_bundled_set_to_a_file_then_evaluates_it(tmp_path, invoke):
    from pathlib import Path

    line = (Path(__file__).resolve().parents[2] / "README.md").read_text().split("```bash\n")[1]
    line = line.split("\n", 1)[0]
    commands = [c.split() for c in line.split("&&")]
    fit = next(c[1:] for c in commands if c[0].endswith("labelwise") and c[1] == "fit")
    evaluate = next(c[1:] for c in commands if c[0].endswith("labelwise") and c[1] == "evaluate")
    out = fit[fit.index("--out") + 1]
    assert fit[1] in {d.name for d in labelwise.datasets.list_datasets()}
    assert evaluate[1:] == [out, fit[1]]  # the model it saved, on the same bundled set
    model = tmp_path / out
    # the README's own options, limited to one candidate to keep the test fast
    args = [a if a != out else model for a in fit[1:]]
    assert invoke("fit", *args, "--candidates", "MLkNN", "--cv", 3).exit_code == 0
    shown = invoke("evaluate", model, fit[1])
    assert shown.exit_code == 0, shown.output
    metric = fit[fit.index("--metric") + 1]
    assert f"tuned for {metric}" in shown.stdout and "per label:" in shown.stdout
