"""Every shared dataset: the counts its XML and README declare, and read -> write -> read."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from labelwise import read, write

COUNTS = {  # name: (train, test, labels), from the shared datasets README
    "emotions": (391, 202, 6),
    "yeast": (1500, 917, 14),
    "scene": (1211, 1196, 6),
    "birds": (322, 323, 19),
    "genbase": (463, 199, 27),
    "flags": (129, 65, 7),
    "enron": (1123, 579, 53),
}
FILES = [(n, s) for n in COUNTS for s in ("train", "test")]


def _dense(M):
    return M.toarray() if sp.issparse(M) else np.asarray(M)


def _same(a, b):
    np.testing.assert_array_equal(_dense(a.X), _dense(b.X))
    np.testing.assert_array_equal(_dense(a.Y), _dense(b.Y))
    assert a.label_names == b.label_names


@pytest.mark.parametrize("name, split", FILES)
def test_counts_and_arff_round_trip(tmp_path, mulan_dir, name, split):
    ds = read(mulan_dir / f"{name}-{split}.arff", mulan_dir / f"{name}.xml")
    n_train, n_test, n_labels = COUNTS[name]
    assert ds.n_samples == (n_train if split == "train" else n_test)
    assert ds.n_labels == n_labels
    assert sp.issparse(ds.X) == (name == "enron")
    back = read(write(ds, tmp_path / "rt.arff"))
    _same(ds, back)
    assert back.feature_names == ds.feature_names
    if name == "enron":
        assert ds.hierarchy is not None and ds.hierarchy.parent["A.A1"] == "A"


@pytest.mark.parametrize("name", ["enron", "yeast", "medical"])
def test_libsvm_round_trip(tmp_path, mulan_dir, name):
    path = mulan_dir / (f"{name}.arff" if name == "medical" else f"{name}-test.arff")
    ds = read(path, mulan_dir / f"{name}.xml")
    back = read(write(ds, tmp_path / "rt.svm"), labels=ds.label_names, n_features=ds.n_features)
    _same(ds, back)
    sparse_arff = read(write(ds, tmp_path / "rt.arff", sparse=True))
    _same(ds, sparse_arff)


def test_medical_counts(mulan_dir):
    ds = read(mulan_dir / "medical.arff")  # finds medical.xml next to it
    assert ds.n_samples == 1910 and ds.n_labels == 45 and sp.issparse(ds.X)


def test_reuters_counts(datasets_dir, tmp_path):
    docs = json.loads((datasets_dir / "text" / "reuters21578_modapte_test.json").read_text())
    p = tmp_path / "reuters.jsonl"
    p.write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    ds = read(p)
    assert ds.n_samples == 3019 and ds.n_labels == 90
    assert round(float(ds.Y.sum()) / ds.n_samples, 2) == 1.24
