"""``labelwise fit``: options checked before the search, progress on stderr, a small model file."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest


@pytest.fixture
def no_search(monkeypatch):
    """Fail the test if the search starts: these checks come before it."""

    def searched(*args, **kwargs):
        raise AssertionError("the search started")

    monkeypatch.setattr("labelwise.auto.main_job.fit_auto", searched)


def _one_error_line(result, *says):
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and "Usage:" not in result.stderr
    for words in says:
        assert words in result.stderr


@pytest.mark.parametrize(
    "option, value, says",
    [
        ("--n-jobs", "0", "--n-jobs must be a positive number of workers, or -1"),
        ("--time-limit", "nan", "--time-limit must be a finite number of seconds"),
        ("--time-limit", "inf", "got inf"),
        ("--time-limit", "-5", "0 or more; got -5.0"),
    ],
)
def test_meaningless_numbers_are_one_error_line(no_search, option, value, says, invoke):
    _one_error_line(invoke("fit", "emotions", option, value), says)


def test_an_output_in_a_missing_folder_is_refused_before_the_search(no_search, tmp_path, invoke):
    out = tmp_path / "no" / "such" / "m.lw"
    _one_error_line(invoke("fit", "emotions", "--out", out), "does not exist", str(out))
    afile = tmp_path / "afile"
    afile.write_text("x")
    _one_error_line(invoke("fit", "emotions", "--out", afile / "m.lw"), "is not a folder")
    assert os.listdir(tmp_path) == ["afile"]


def _read_only_folder(tmp_path):
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        return folder
    # root writes anywhere permissions forbid; sysfs refuses new files even to root
    if os.path.isdir("/sys") and not os.access("/sys/labelwise-check", os.F_OK):
        return "/sys"
    pytest.skip("no folder this user cannot write in")


def test_an_unwritable_output_folder_is_refused_before_the_search(no_search, tmp_path, invoke):
    folder = _read_only_folder(tmp_path)
    try:
        result = invoke("fit", "emotions", "--out", os.path.join(folder, "m.lw"))
        _one_error_line(result, "cannot write in", str(folder))
    finally:
        if folder != "/sys":
            os.chmod(folder, stat.S_IRWXU)
    if folder != "/sys":
        assert os.listdir(folder) == []


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, invoke):
    path = tmp_path_factory.mktemp("fit") / "m.lw"
    args = ["fit", "emotions", "--candidates", "BinaryRelevance,ClassifierChain", "--cv", 2]
    result = invoke(*args, "--out", path, "--json")
    assert result.exit_code == 0, result.stderr
    return path, result


def test_json_keeps_stdout_clean_and_progress_goes_to_stderr(fitted):
    _, result = fitted
    summary = json.loads(result.stdout)  # nothing but the summary on stdout
    names = [r["candidate"] for r in summary["leaderboard"] if "members" not in r]  # no blend
    lines = [line for line in result.stderr.splitlines() if line.startswith("candidates: ")]
    # off a terminal: one whole line per candidate, no carriage-return redraws
    assert len(lines) == 2 and "\r" not in result.stderr
    for i, line in enumerate(lines, 1):
        assert line.startswith(f"candidates: {i}/2 ")
        assert "candidate=" in line and "best=" in line
    assert {line.split("candidate=")[1].split(",")[0] for line in lines} == set(names)


def test_quiet_stops_the_progress(tmp_path, invoke):
    result = invoke("fit", "emotions", "--candidates", "BinaryRelevance", "--cv", 2, "--quiet")
    assert result.exit_code == 0, result.stderr
    assert "candidates:" not in result.stderr and "candidates:" not in result.stdout


def _arrays(obj, seen=None):
    """Every NumPy array reachable from ``obj`` (attributes, lists, tuples, dicts)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        yield obj
        if obj.dtype == object:
            for item in obj.ravel():
                yield from _arrays(item, seen)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _arrays(value, seen)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _arrays(value, seen)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        yield from _arrays(vars(obj), seen)


def test_the_saved_model_holds_no_rows_by_labels_training_arrays(fitted):
    from labelwise.datasets import load
    from labelwise.persist import load as load_model

    path, _ = fitted
    train = load("emotions", split="train")
    model = load_model(path)
    shapes = [a.shape for a in _arrays(model)]
    assert shapes  # the walk reaches the fitted trees and coefficients
    assert not hasattr(model, "oof_scores_")
    assert all(s[:1] != (train.n_samples,) for s in shapes), "a per-training-row array was saved"


def test_k_sets_the_cut_off_of_an_at_k_metric(tmp_path, invoke):
    from labelwise.persist import load_metadata

    out = tmp_path / "p2.lw"
    args = ["--candidates", "BinaryRelevance", "--cv", 2, "--json", "--quiet", "--out", out]
    result = invoke("fit", "emotions", "--metric", "precision_at_k", "--k", 2, *args)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["k"] == 2 and summary["rule"] == "TopK(k=2)"
    assert load_metadata(out)["k"] == 2
    wrong = invoke("fit", "emotions", "--metric", "micro_f1", "--k", 2)
    _one_error_line(wrong, "k=2 applies to precision_at_k and ndcg_at_k, not to 'micro_f1'")
