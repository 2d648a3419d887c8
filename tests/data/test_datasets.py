"""Bundled datasets: load, list, the Reuters split rule, the CLI table."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from click.testing import CliRunner

from labelwise.data.arff import read_arff
from labelwise.datasets import _data_dir, list_datasets, load

EXPECTED = {  # name: (train, test, features, labels), from the dataset README
    "emotions": (391, 202, 72, 6),
    "yeast": (1500, 917, 103, 14),
    "scene": (1211, 1196, 294, 6),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_mulan_splits(name):
    n_train, n_test, n_feat, n_lab = EXPECTED[name]
    train, test, both = load(name), load(name, split="test"), load(name, "all")
    assert (train.n_samples, test.n_samples, both.n_samples) == (n_train, n_test, n_train + n_test)
    assert train.n_features == n_feat and train.n_labels == n_lab and train.name == name
    np.testing.assert_array_equal(both.X[n_train:], test.X)
    np.testing.assert_array_equal(both.Y[:n_train], train.Y)


def test_bundled_equals_shared_source(mulan_dir):
    ds = load("emotions", "test")
    ref = read_arff(mulan_dir / "emotions-test.arff")
    np.testing.assert_array_equal(ds.X, ref.X)
    np.testing.assert_array_equal(ds.Y, ref.Y)
    assert ds.label_names == ref.label_names


def test_reuters_split_is_the_documented_hash_rule(datasets_dir):
    docs = json.loads((datasets_dir / "text" / "reuters21578_modapte_test.json").read_text())
    rule = {d["id"]: int(hashlib.sha256(d["id"].encode()).hexdigest()[:8], 16) % 10 < 7
            for d in docs}  # fmt: skip
    train, test = load("reuters", "train"), load("reuters", "test")
    assert train.n_samples == sum(rule.values()) and test.n_samples == len(docs) - train.n_samples
    assert train.label_names == test.label_names and train.n_labels == 90
    by_text = {d["text"]: d for d in docs}
    for ds, in_train in ((train, True), (test, False)):
        for text, labels in zip(ds.texts[:50], ds.label_lists()[:50], strict=True):
            d = by_text[text]
            assert rule[d["id"]] is in_train and labels == sorted(d["labels"])
    both = load("reuters", "all")
    assert both.n_samples == 3019 and both.X is None
    assert abs(both.Y.sum() / both.n_samples - 1.24) < 0.005


def test_list_datasets_sizes_and_small_total():
    infos = {d.name: d for d in list_datasets()}
    assert set(infos) == {"emotions", "yeast", "scene", "reuters"}
    for name, (n_train, n_test, n_feat, n_lab) in EXPECTED.items():
        d = infos[name]
        assert (d.n_train, d.n_test, d.n_features, d.n_labels) == (n_train, n_test, n_feat, n_lab)
    folder = _data_dir()
    emotions = sum(p.stat().st_size for p in folder.glob("emotions*"))
    assert infos["emotions"].size_bytes == emotions > 0
    assert sum(p.stat().st_size for p in folder.iterdir()) < 10 * 2**20


def test_unknown_name_or_split():
    with pytest.raises(ValueError, match=r"unknown dataset 'emotion'.*emotions, yeast"):
        load("emotion")
    with pytest.raises(ValueError, match=r"unknown split 'validation'.*train, test, all"):
        load("emotions", split="validation")


def test_cli_lists_datasets_with_sizes():
    from labelwise.cli import main

    result = CliRunner().invoke(main, ["datasets"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:6] == ["name", "train", "test", "features", "labels", "size"]
    row = next(ln for ln in lines if ln.startswith("scene"))
    assert row.split()[1:5] == ["1211", "1196", "294", "6"] and "MB" in row
