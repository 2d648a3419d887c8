"""Bad input: every error names what is wrong and where (file, line, column, label)."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from labelwise import read, write
from labelwise.data import Dataset
from labelwise.errors import DataFormatError, DataValueError

HEADER = "@relation r\n@attribute x numeric\n@attribute y numeric\n@attribute a {0,1}\n"


def _w(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def _arff(tmp_path, data, header=HEADER, name="r.arff"):
    return _w(tmp_path, name, header + "@data\n" + data)


@pytest.mark.parametrize("name", ["nope.arff", "nope.svm", "nope.csv", "nope.jsonl", "nope"])
def test_missing_file(tmp_path, name):
    with pytest.raises(FileNotFoundError, match="nope"):
        read(tmp_path / name)


def test_unknown_format(tmp_path):
    p = _w(tmp_path, "data.xyz", "just some words\n")
    with pytest.raises(DataFormatError, match=r"unknown format.*'.xyz'"):
        read(p)
    with pytest.raises(DataFormatError, match="cannot write format"):
        ds = Dataset(X=np.zeros((1, 1)), Y=np.zeros((1, 1)), label_names=["a"])
        write(ds, p.with_suffix(".doc"))
    with pytest.raises(ValueError, match="unknown format 'excel'"):
        read(p, format="excel")


def test_truncated_arff(tmp_path):
    p = _w(tmp_path, "t.arff", HEADER)  # no @data
    with pytest.raises(DataFormatError, match="truncated ARFF file: no @data") as err:
        read(p, labels=-1)
    assert err.value.path == str(p)
    p = _w(tmp_path, "u.arff", "@relation r\n@attribute x numeric\n@attribute a {0,")
    with pytest.raises(DataFormatError, match="no closing") as err:
        read(p, labels=-1)
    assert err.value.line == 3
    p = _arff(tmp_path, "{0 1,2 1}\n{1 0.5,2 1\n", name="v.arff")
    with pytest.raises(DataFormatError, match="missing its closing '}'") as err:
        read(p, labels=-1)
    assert err.value.line == 7


def test_wrong_number_of_values_names_the_line(tmp_path):
    p = _arff(tmp_path, "1,2,1\n% comment\n3,4\n")
    with pytest.raises(DataFormatError, match=r"expected 3 values.*found 2") as err:
        read(p, labels=-1)
    assert err.value.line == 8 and "line 8" in str(err.value)


def test_sparse_index_out_of_range(tmp_path):
    p = _arff(tmp_path, "{0 1,2 1}\n{7 1}\n")
    with pytest.raises(DataFormatError, match=r"index 7 is out of range.*0 to 2") as err:
        read(p, labels=-1)
    assert err.value.line == 7
    q = _w(tmp_path, "o.svm", "2 3 1\n0 0:1\n0 3:1\n")
    with pytest.raises(DataFormatError, match="index 3 is out of range") as err:
        read(q)
    assert err.value.line == 3


def test_xml_label_missing_from_arff_and_count_mismatch(tmp_path):
    p = _arff(tmp_path, "1,2,1\n")
    xml = _w(tmp_path, "l.xml", '<labels><label name="a"/><label name="b c"/></labels>')
    with pytest.raises(DataFormatError, match=r"2 labels are declared but 1 .*'b c'") as err:
        read(p, labels=xml)
    assert err.value.path == str(xml)
    with pytest.raises(DataFormatError, match=r"MEKA label count 5 does not fit .* 3 attributes"):
        read(p, labels=5)
    with pytest.raises(DataFormatError, match="cannot tell which attributes are the labels"):
        read(p)


def test_label_value_other_than_0_1(tmp_path):
    p = _arff(tmp_path, "1,2,1\n3,4,2\n")
    with pytest.raises(DataValueError, match=r"value '2' of label 'a'") as err:
        read(p, labels=-1)
    assert err.value.line == 7
    p = _arff(tmp_path, "1,0,1\n3,0.5,0\n", name="n.arff")  # numeric label column y
    with pytest.raises(DataValueError, match=r"label 'y' has value 0.5") as err:
        read(p, labels=["y", "a"])
    assert err.value.line == 7 and err.value.column == "y"
    c = _w(tmp_path, "c.csv", "x,a\n1,1\n2,yes\n")
    with pytest.raises(DataValueError, match="label 'a' has value 'yes'") as err:
        read(c, labels=["a"])
    assert err.value.line == 3


def test_nan_and_infinite_features(tmp_path):
    p = _arff(tmp_path, "1,2,1\n?,4,0\n5,inf,0\n")
    with pytest.raises(DataValueError, match=r"2 NaN or infinite.*feature 'x'") as err:
        read(p, labels=-1)
    assert err.value.line == 7
    ds = read(p, labels=-1, nan="impute")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 3]])
    s = _w(tmp_path, "n.svm", "0 1:nan 2:1\n")
    with pytest.raises(DataValueError, match="1 NaN"):
        read(s)


def test_duplicate_label_names(tmp_path):
    p = _arff(tmp_path, "1,2,1\n")
    xml = _w(tmp_path, "d.xml", '<labels><label name="a"/><label name="a"/></labels>')
    with pytest.raises(DataFormatError, match="duplicate label name 'a'"):
        read(p, labels=xml)
    q = _arff(tmp_path, "1,2,1\n", header=HEADER + "@attribute a {0,1}\n", name="q.arff")
    with pytest.raises(DataFormatError, match="duplicate attribute name 'a'") as err:
        read(q, labels=-1)
    assert err.value.line == 5
    c = _w(tmp_path, "c.csv", "a,a\n1,0\n")
    with pytest.raises(DataFormatError, match="duplicate column names"):
        read(c, labels=["a"])
    j = _w(tmp_path, "j.jsonl", '{"labels": ["x"]}\n')
    with pytest.raises(DataFormatError, match="duplicate label name 'x'"):
        read(j, label_names=["x", "x"])


def test_invalid_json_line(tmp_path):
    p = _w(tmp_path, "b.jsonl", '{"labels": ["a"]}\n\n{"labels": ["b"]\n')
    with pytest.raises(DataFormatError, match="not valid JSON") as err:
        read(p)
    assert err.value.line == 3
    q = _w(tmp_path, "c.csv", 'text,labels\nhi,"[""a"",]"\n')
    with pytest.raises(DataFormatError, match="looks like a JSON list") as err:
        read(q)
    assert err.value.line == 2 and err.value.column == "labels"


@pytest.mark.parametrize("row, found", [("1,a,3", 3), ("1", 1)])
def test_csv_row_with_too_many_or_too_few_fields(tmp_path, row, found):
    p = _w(tmp_path, "f.csv", f"x,labels\n1,a\n2,b\n{row}\n")
    with pytest.raises(DataFormatError, match=f"expected 2 fields.*found {found}") as err:
        read(p)
    assert err.value.line == 4


def test_libsvm_bad_entries(tmp_path):
    p = _w(tmp_path, "a.svm", "0 1:0.5\n1,x 2:1\n")
    with pytest.raises(DataFormatError, match="label 'x' is not an integer") as err:
        read(p)
    assert err.value.line == 2
    q = _w(tmp_path, "b.svm", "0 1:0.5\n1 2:abc\n")
    with pytest.raises(DataFormatError, match="'2:abc' is not 'index:value'") as err:
        read(q)
    assert err.value.line == 2
    r = _w(tmp_path, "c.svm", "0 1:0.5 7\n")
    with pytest.raises(DataFormatError, match="'7' is not 'index:value'"):
        read(r)


def test_rows_without_labels_are_valid(tmp_path):
    p = _arff(tmp_path, "1,2,0\n3,4,0\n")
    ds = read(p, labels=-1)
    assert ds.label_lists() == [[], []]
    q = _w(tmp_path, "e.svm", " 0:1\n\n")
    assert read(q).Y.shape == (2, 0)


def test_writers_never_overwrite_and_readers_never_modify(tmp_path):
    p = _arff(tmp_path, "1,2,1\n")
    ds = read(p, labels=-1)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write(ds, p)
    files = {
        "csv": _w(tmp_path, "z.csv", "x,labels\n1,a\n"),
        "jsonl": _w(tmp_path, "z.jsonl", '{"x": 1, "labels": ["a"]}\n'),
        "svm": _w(tmp_path, "z.svm", "0 1:1\n"),
        "arff": p,
    }
    stamp = {k: (hashlib.sha256(f.read_bytes()).hexdigest(), os.stat(f).st_mtime_ns)
             for k, f in files.items()}  # fmt: skip
    for k, f in files.items():
        read(f, labels=-1) if k == "arff" else read(f)
    after = {k: (hashlib.sha256(f.read_bytes()).hexdigest(), os.stat(f).st_mtime_ns)
             for k, f in files.items()}  # fmt: skip
    assert stamp == after
    assert sorted(x.name for x in tmp_path.iterdir()) == ["r.arff", "z.csv", "z.jsonl", "z.svm"]
