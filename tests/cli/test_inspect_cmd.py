"""``labelwise inspect``: runs on shared datasets, prints the same numbers as text and JSON."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from labelwise.cli import main
from labelwise.diagnostics import diagnose

MULAN_NAMES = ["emotions", "yeast", "scene", "birds", "genbase", "flags", "enron"]


def _run(*args):
    result = CliRunner().invoke(main, ["inspect", *map(str, args)])
    return result


def test_emotions_text_report(mulan_dir):
    result = _run(mulan_dir / "emotions-train.arff")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "multi-label (indicator input)" in out
    assert "one independent sigmoid per label" in out
    assert "examples                        391" in out
    assert "features                        72" in out
    assert "Label powerset feasibility (hidden width h = 256)" in out
    assert "2^6 = 64" in out and "Recommendation:" in out


def test_json_has_the_numbers_diagnose_gives(mulan_dir):
    result = _run(mulan_dir / "flags-train.arff", "--json", "--hidden-width", "64", "--top", "3")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    d = out["diagnostics"]
    assert out["problem"]["kind"] == "multilabel"
    assert out["problem"]["setup"]["loss"] == "binary cross-entropy summed over labels"
    assert (d["n_samples"], d["n_labels"]) == (129, 7)
    assert d["powerset"]["hidden_width"] == 64
    assert d["powerset"]["sigmoid_params"] == 65 * 7
    assert len(d["top_pairs"]) == 3
    # the same numbers as the library on the same labels, read independently with liac-arff
    arff = pytest.importorskip("arff")
    with open(mulan_dir / "flags-train.arff") as f:
        data = arff.load(f)
    names = [a[0] for a in data["attributes"]][-7:]
    Y = np.array([[int(v) for v in row[-7:]] for row in data["data"]])
    ref = diagnose(Y, label_names=names, hidden_width=64, top=3)
    assert d["label_counts"] == ref.label_counts
    assert d["mean_ir"] == pytest.approx(ref.mean_ir)
    assert d["scumble"] == pytest.approx(ref.scumble)
    assert d["recommendation"] == ref.recommendation


def test_sparse_hierarchical_enron_json(mulan_dir):
    result = _run(mulan_dir / "enron-train.arff", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["problem"]["kind"] == "hierarchical"
    assert out["diagnostics"]["n_labels"] == 53


def test_labels_option_with_a_copied_file(mulan_dir, tmp_path):
    data = tmp_path / "songs.arff"
    shutil.copy(mulan_dir / "emotions-test.arff", data)
    missing = _run(data)  # no songs.xml beside it: a clear error, not a traceback
    assert missing.exit_code != 0
    assert "Error:" in missing.output and "labels" in missing.output
    result = _run(data, "--labels", mulan_dir / "emotions.xml")
    assert result.exit_code == 0, result.output
    assert "examples                        202" in result.output


def test_bundled_dataset_by_name_matches_the_library():
    from labelwise.datasets import load

    result = _run("emotions", "--json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)["diagnostics"]
    ref = diagnose(load("emotions", split="all"))
    assert (d["n_samples"], d["n_features"], d["n_labels"]) == (593, 72, 6)
    assert d["mean_ir"] == pytest.approx(ref.mean_ir)
    assert d["scumble"] == pytest.approx(ref.scumble)
    test_only = json.loads(_run("emotions", "--split", "test", "--json").output)
    assert test_only["diagnostics"]["n_samples"] == 202


def test_bundled_text_dataset_without_features():
    result = _run("reuters")
    assert result.exit_code == 0, result.output
    assert "features                        -" in result.output
    assert "Dataset reuters" in result.output


def test_unknown_data_is_a_clean_error():
    result = _run("no-such-dataset-or-file")
    assert result.exit_code != 0
    assert "no-such-dataset-or-file" in result.output
    assert "neither" in result.output and "emotions" in result.output  # lists bundled names
    assert "Traceback" not in result.output


def test_bad_hidden_width():
    result = _run("whatever", "--hidden-width", "0")
    assert result.exit_code == 2
    assert "--hidden-width" in result.output


@pytest.mark.parametrize(
    "file",
    [f"{n}-{part}.arff" for n in MULAN_NAMES for part in ("train", "test")] + ["medical.arff"],
)
def test_runs_on_every_shared_mulan_file(mulan_dir, file):
    result = _run(mulan_dir / file, "--json")
    assert result.exit_code == 0, result.output
    d = json.loads(result.output)["diagnostics"]
    assert d["n_samples"] > 0 and d["n_labels"] == len(d["label_counts"])
    assert d["recommendation"]
