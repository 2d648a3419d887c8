"""A dataset with one 0/1 label column is a binary problem for describe, diagnose and inspect."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
from click.testing import CliRunner

from labelwise.cli import main
from labelwise.diagnostics import diagnose
from labelwise.errors import ShapeError
from labelwise.problem import constant_labels, describe

Y_COLUMN = [0, 1, 1, 0, 1]  # 2 negatives, 3 positives


def _invoke(*args):
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**kw).invoke(main, [str(a) for a in args])


@pytest.fixture
def one_label_arff(tmp_path):
    rows = "\n".join(f"{i},{2 * i},{y}" for i, y in enumerate(Y_COLUMN))
    path = tmp_path / "one.arff"
    path.write_text(
        "@relation one\n@attribute a numeric\n@attribute b numeric\n@attribute y {0,1}\n"
        f"@data\n{rows}\n"
    )
    return path


@pytest.fixture
def one_label_csv(tmp_path):
    rows = "\n".join(f"{i},{2 * i},{y}" for i, y in enumerate(Y_COLUMN))
    path = tmp_path / "one.csv"
    path.write_text(f"a,b,y\n{rows}\n")
    return path


def _check_binary_report(result):
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    out = json.loads(result.stdout)
    problem, diag = out["problem"], out["diagnostics"]
    assert problem["kind"] == "binary"
    assert problem["setup"]["output_layer"] == "one sigmoid unit"
    assert problem["label_names"] == ["y=0", "y=1"]
    assert problem["label_counts"] == [2, 3]  # counted by hand from Y_COLUMN
    assert diag["n_samples"] == 5 and diag["n_features"] == 2
    assert diag["label_names"] == ["y=0", "y=1"] and diag["label_counts"] == [2, 3]
    assert diag["recommendation"] == "binary (one sigmoid)"


def test_inspect_arff_with_the_last_attribute_as_label(one_label_arff):
    _check_binary_report(_invoke("inspect", one_label_arff, "--labels", "-1", "--json"))
    text = _invoke("inspect", one_label_arff, "--labels", "-1")
    assert text.exit_code == 0, text.output
    assert "binary (classes input)" in text.stdout
    assert "Recommendation: binary (one sigmoid)" in text.stdout


def test_inspect_csv_with_one_named_label_column(one_label_csv):
    _check_binary_report(_invoke("inspect", one_label_csv, "--labels", "y,", "--json"))


def test_describe_names_the_classes_of_a_named_column():
    column = np.array(Y_COLUMN).reshape(-1, 1)
    named = describe(column, label_names=["y"])
    plain = describe(Y_COLUMN)  # the same target as a 1-D class vector
    assert named.kind == plain.kind == "binary"
    assert named.label_names == ("y=0", "y=1")
    assert named.label_counts == plain.label_counts == (2, 3)
    assert named.n_labels == plain.n_labels == 2
    d = diagnose(column, label_names=["y"])
    assert d.label_names == ["y=0", "y=1"] and d.label_counts == [2, 3]
    assert d.recommendation == diagnose(Y_COLUMN).recommendation == "binary (one sigmoid)"


def test_two_one_hot_classes_are_recommended_one_sigmoid_too():
    one_hot = np.eye(2, dtype=int)[Y_COLUMN]
    assert describe(one_hot).kind == "binary"
    assert diagnose(one_hot).recommendation == "binary (one sigmoid)"
    three = np.eye(3, dtype=int)[[0, 1, 2, 1]]
    assert diagnose(three).recommendation == "multi-class (softmax)"


def test_constant_one_label_column_is_named():
    found = constant_labels(np.zeros((4, 1), dtype=int), ["y"])
    assert [(c.name, c.value) for c in found] == [("y=0", 1)]  # class 0 in every example


def test_a_wrong_number_of_names_is_still_an_error():
    with pytest.raises(ShapeError, match="describe: 2 label names were given for 3 label"):
        describe([[1, 0, 1], [0, 1, 0]], label_names=["a", "b"])
    with pytest.raises(ShapeError, match="3 label names were given for 2 label columns"):
        diagnose(np.array(Y_COLUMN).reshape(-1, 1), label_names=["a", "b", "c"])
    with pytest.raises(ShapeError, match="1 label names were given for 2 label columns"):
        describe(Y_COLUMN, label_names=["y"])  # a 1-D vector names its classes, one each
