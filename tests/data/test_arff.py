"""Mulan and MEKA ARFF: hand-written files with known contents, and liac-arff as a reference."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from labelwise.data.arff import read_arff, write_arff
from labelwise.data.xml_labels import read_label_xml
from labelwise.errors import DataFormatError, DataValueError

XML = """<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
<label name="sun"></label>
<label name="sea life"></label>
</labels>
"""

DENSE = """% a comment before the header
@RELATION test
@attribute f1 numeric
@attribute 'sea life' {0,1}
@attribute colour {red,'dark blue',green}
@attribute f2 REAL
@attribute flag {0,1}
@attribute sun {0,1}

@data
% a comment in the data
1.5,1,red,-2,1,0
0,0,'dark blue',3e2,0,1
?,1,green,4,1,1
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_dense_mulan_labels_anywhere_onehot_missing(tmp_path):
    p = _write(tmp_path, "t.arff", DENSE)
    _write(tmp_path, "t.xml", XML)
    ds = read_arff(p, nan="keep")  # finds t.xml next to the file
    assert ds.label_names == ["sea life", "sun"]  # file order
    assert ds.feature_names == ["f1", "colour=red", "colour=dark blue", "colour=green", "f2",
                                "flag"]  # fmt: skip
    want = np.array(
        [[1.5, 1, 0, 0, -2, 1], [0, 0, 1, 0, 300, 0], [np.nan, 0, 0, 1, 4, 1]], dtype=float
    )
    np.testing.assert_array_equal(ds.X, want)
    np.testing.assert_array_equal(ds.Y, [[1, 0], [0, 1], [1, 1]])
    assert ds.Y.dtype == np.int8 and isinstance(ds.X, np.ndarray)
    imputed = read_arff(p, nan="impute")
    assert imputed.X[2, 0] == 0.75


def test_a_split_finds_its_datasets_label_file(tmp_path):
    # NAME.xml first; else the other split's file, as write_arff leaves NAME-train.xml beside
    # NAME-train.arff and a test split written elsewhere has none
    _write(tmp_path, "d-test.arff", DENSE)
    with pytest.raises(DataFormatError, match=r"there is no d\.xml next to the file"):
        read_arff(tmp_path / "d-test.arff")
    _write(tmp_path, "d-train.xml", XML)
    assert read_arff(tmp_path / "d-test.arff", nan="keep").label_names == ["sea life", "sun"]
    _write(tmp_path, "d.xml", XML.replace('<label name="sea life"></label>\n', ""))
    assert read_arff(tmp_path / "d-test.arff", nan="keep").label_names == ["sun"]


def test_labels_as_names_and_missing_nominal_value(tmp_path):
    text = DENSE.replace("?,1,green", "?,1,?")
    p = _write(tmp_path, "u.arff", text)
    ds = read_arff(p, labels=["sun", "flag"], nan="keep")
    assert ds.label_names == ["flag", "sun"]
    assert np.isnan(ds.X[2, 2:5]).all()


def test_meka_relation_count_first_and_last(tmp_path):
    body = "@attribute a {0,1}\n@attribute b {0,1}\n@attribute x numeric\n@data\n1,0,0.25\n0,1,2\n"
    p = _write(tmp_path, "m.arff", "@relation 'M: -C 2 -split 3'\n" + body)
    ds = read_arff(p)
    assert ds.label_names == ["a", "b"] and ds.feature_names == ["x"]
    np.testing.assert_array_equal(ds.X.ravel(), [0.25, 2.0])
    q = _write(
        tmp_path,
        "n.arff",
        "@relation 'N: -C -1'\n"
        + body.replace("@attribute x numeric", "@attribute x {0,1}")
        .replace("0.25", "1")
        .replace(",2\n", ",0\n"),
    )
    ds = read_arff(q)
    assert ds.label_names == ["x"] and ds.feature_names == ["a", "b"]
    np.testing.assert_array_equal(ds.Y.ravel(), [1, 0])
    ds = read_arff(p, labels=1)  # an explicit count overrides -C
    assert ds.label_names == ["a"]


SPARSE = """@relation s
@attribute w0 numeric
@attribute w1 numeric
@attribute w2 numeric
@attribute A.A1 {0,1}
@attribute A.A2 {0,1}
@attribute B.B1 {0,1}
@data
{0 1,2 0.5,3 1}
{}
{1 2,4 1, 5 1}
"""


def test_sparse_rows_give_csr_and_dotted_hierarchy(tmp_path):
    p = _write(tmp_path, "s.arff", SPARSE)
    with pytest.raises(DataValueError, match=r"label 'w2' has value 0.5"):
        read_arff(p, labels=3)  # the first three attributes are not 0/1
    ds = read_arff(p, labels=-3)
    assert sp.issparse(ds.X) and sp.issparse(ds.Y)
    np.testing.assert_array_equal(ds.X.toarray(), [[1, 0, 0.5], [0, 0, 0], [0, 2, 0]])
    np.testing.assert_array_equal(ds.Y.toarray(), [[1, 0, 0], [0, 0, 0], [0, 1, 1]])
    assert ds.hierarchy.parent["A.A2"] == "A" and ds.hierarchy.roots == ["A", "B"]
    dense = read_arff(p, labels=-3, sparse=False)
    assert isinstance(dense.X, np.ndarray)
    np.testing.assert_array_equal(dense.X, ds.X.toarray())


def test_nested_xml_gives_hierarchy(tmp_path):
    xml = _write(tmp_path, "h.xml", '<labels><label name="A"><label name="A1"/></label>'
                                    '<label name="B"/></labels>')  # fmt: skip
    p = _write(tmp_path, "h.arff", "@relation h\n@attribute x numeric\n@attribute A {0,1}\n"
               "@attribute A1 {0,1}\n@attribute B {0,1}\n@data\n1,1,1,0\n")  # fmt: skip
    ds = read_arff(p, xml)
    assert ds.hierarchy.parent == {"A": None, "A1": "A", "B": None}


def test_writer_round_trip_dense_sparse_and_nested_xml(tmp_path):
    xml = _write(tmp_path, "h.xml", '<labels><label name="A"><label name="A 1"/></label>'
                                    "</labels>")  # fmt: skip
    p = _write(tmp_path, "h.arff", "@relation h\n@attribute 'odd, name' numeric\n@attribute A {0,1}"
               "\n@attribute 'A 1' {0,1}\n@data\n0.1,1,1\n-7e-300,0,0\n")  # fmt: skip
    ds = read_arff(p, xml)
    for sparse in (False, True):
        out = write_arff(ds, tmp_path / f"o{int(sparse)}.arff", sparse=sparse)
        back = read_arff(out)
        np.testing.assert_array_equal(back.X.toarray() if sp.issparse(back.X) else back.X, ds.X)
        assert back.feature_names == ds.feature_names and back.label_names == ds.label_names
        assert read_label_xml(out.with_suffix(".xml"))[1].parent == {"A": None, "A 1": "A"}


def test_matches_liac_arff_on_shared_files(mulan_dir):
    arff = pytest.importorskip("arff")  # liac-arff, a test dependency
    ds = read_arff(mulan_dir / "emotions-test.arff")
    ref = arff.load(open(mulan_dir / "emotions-test.arff"))
    names = [a[0] for a in ref["attributes"]]
    data = np.array(ref["data"], dtype=object)
    for j, name in enumerate(ds.feature_names):
        np.testing.assert_array_equal(ds.X[:, j], data[:, names.index(name)].astype(float))
    for j, name in enumerate(ds.label_names):
        np.testing.assert_array_equal(ds.Y[:, j], data[:, names.index(name)].astype(int))

    ds = read_arff(mulan_dir / "medical.arff")
    ref = arff.load(open(mulan_dir / "medical.arff"), return_type=arff.COO)
    names = [a[0].replace("\\", "") for a in ref["attributes"]]  # liac keeps '\%' escapes
    vals, rows, cols = ref["data"]
    full = sp.csr_matrix((np.array(vals, dtype=float), (rows, cols)),
                         shape=(ds.n_samples, len(names))).toarray()  # fmt: skip
    feat = [names.index(n) for n in ds.feature_names]
    lab = [names.index(n) for n in ds.label_names]
    np.testing.assert_array_equal(ds.X.toarray(), full[:, feat])
    np.testing.assert_array_equal(ds.Y.toarray(), full[:, lab])

    ds = read_arff(mulan_dir / "flags-test.arff")  # nominal features, one-hot
    ref = arff.load(open(mulan_dir / "flags-test.arff"))
    data = np.array(ref["data"], dtype=object)
    for j, (name, kind) in enumerate(ref["attributes"]):
        if name in ds.label_names:
            continue
        if isinstance(kind, list) and kind != ["0", "1"]:
            for v in kind:
                col = ds.feature_names.index(f"{name}={v}")
                np.testing.assert_array_equal(ds.X[:, col], (data[:, j] == v).astype(float))
        else:
            col = ds.feature_names.index(name)
            np.testing.assert_array_equal(ds.X[:, col], data[:, j].astype(float))


def test_does_not_modify_input(tmp_path, mulan_dir):
    import hashlib
    import os

    p = mulan_dir / "flags-train.arff"
    before = (hashlib.sha256(p.read_bytes()).hexdigest(), os.stat(p).st_mtime_ns)
    read_arff(p)
    after = (hashlib.sha256(p.read_bytes()).hexdigest(), os.stat(p).st_mtime_ns)
    assert before == after


def test_crlf_line_ends_and_unsupported_attribute_type(tmp_path):
    p = tmp_path / "w.arff"
    p.write_bytes(SPARSE.replace("\n", "\r\n").encode())
    q = _write(tmp_path, "u.arff", SPARSE)
    a, b = read_arff(p, labels=-3), read_arff(q, labels=-3)
    np.testing.assert_array_equal(a.X.toarray(), b.X.toarray())
    np.testing.assert_array_equal(a.Y.toarray(), b.Y.toarray())
    s = _write(tmp_path, "s.arff", "@relation s\n@attribute note string\n@attribute a {0,1}\n"
               "@data\n'hi',1\n")  # fmt: skip
    with pytest.raises(DataFormatError, match="attribute 'note' has type 'string'") as err:
        read_arff(s, labels=-1)
    assert err.value.line == 2
