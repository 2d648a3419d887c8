"""read()/write(): the format from the extension or, failing that, from the content."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from labelwise import read, write
from labelwise.data import Dataset
from labelwise.data.io import sniff_format

ARFF = "% c\n@relation 'r: -C 1'\n@attribute a {0,1}\n@attribute x numeric\n@data\n1,0.5\n0,2\n"


@pytest.mark.parametrize(
    "content, fmt, n",
    [
        (ARFF, "arff", 2),
        ("3 4 2\n0,1 0:1.5 3:2\n 2:0.25\n1 1:1\n", "libsvm", 3),
        ("1,2 5:1 7:0.5\n3 1:2\n4\n", "libsvm", 3),
        ('{"text": "a", "labels": ["x"]}\n', "jsonl", 1),
        ("text,labels\nhello,x|y\nbye,\n", "csv", 2),
        ("text\tlabels\nhello\tx|y\n", "tsv", 1),
    ],
)
def test_content_sniffing_without_extension(tmp_path, content, fmt, n):
    p = tmp_path / "data.txt"
    p.write_text(content)
    assert sniff_format(p) == fmt
    assert read(p).n_samples == n


def test_meka_file_via_read_and_gzip(tmp_path):
    p = tmp_path / "m.arff.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(ARFF)
    ds = read(p)
    assert ds.label_names == ["a"] and ds.label_lists() == [["a"], []]
    np.testing.assert_array_equal(ds.X.ravel(), [0.5, 2.0])


def test_xml_next_to_the_file_wins_over_relation_option(tmp_path):
    p = tmp_path / "w.arff"
    p.write_text(ARFF.replace("@attribute x numeric", "@attribute x numeric\n@attribute b {0,1}")
                 .replace("1,0.5", "1,0.5,1").replace("0,2\n", "0,2,0\n"))  # fmt: skip
    (tmp_path / "w.xml").write_text('<labels><label name="b"/></labels>')
    assert read(p).label_names == ["b"]


def test_write_picks_format_from_extension(tmp_path):
    ds = Dataset(X=np.array([[1.0, 0.0]]), Y=np.array([[1, 0]]), label_names=["p", "q"])
    a = write(ds, tmp_path / "o.arff")
    assert a.read_text().startswith("@relation") and (tmp_path / "o.xml").exists()
    s = write(ds, tmp_path / "o.svm")
    assert s.read_text() == "1 2 2\n0 0:1\n"
    assert read(s, labels=["p", "q"]).label_lists() == [["p"]]
    t = write(ds, tmp_path / "o.data", format="libsvm")
    assert t.read_text() == s.read_text()
