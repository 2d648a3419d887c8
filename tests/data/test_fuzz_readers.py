"""Readers survive corrupted files: only labelwise errors, naming the file; no hang; file unchanged.

The fuzz tests run a few hundred corrupted copies of the shared files through each reader, with the
corruption engine of ``benchmarks/fuzz_readers.py`` (fixed seeds, in-process, so they are fast);
the benchmark runs 10,000+ per reader in a worker process with a time limit. The focused tests
below pin each class of failure the fuzzer found, one by one, on small hand-made files.
"""

from __future__ import annotations

import codecs
import gzip
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from labelwise import read
from labelwise.data._parsing import split_quoted
from labelwise.data.arff import read_arff
from labelwise.data.io import sniff_format
from labelwise.data.libsvm import read_libsvm
from labelwise.data.tables import read_table
from labelwise.data.xml_labels import read_label_xml
from labelwise.errors import DataFormatError, DataValueError

ROOT = Path(__file__).resolve().parents[2]
N_PER_READER = 300
SEED = 20261127


def _load_fuzzer():
    name = "_labelwise_benchmark_fuzz_readers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "fuzz_readers.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


fuzz = _load_fuzzer()


@pytest.fixture(scope="module")
def seeds(datasets_dir):
    return fuzz.build_seeds(datasets_dir.parent)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("reader", fuzz.READERS)
def test_fuzzed_reads_raise_only_labelwise_errors(reader, seeds, tmp_path):
    tally = fuzz.fuzz_reader(
        reader, seeds[reader], N_PER_READER, seed=SEED, workdir=tmp_path, run=fuzz.read_one
    )
    assert tally.inputs == N_PER_READER
    problems = [f"#{i} {name} {chosen}: {problem[:300]}" for i, name, _, chosen, _, problem, _ in
                tally.failures]  # fmt: skip
    assert tally.bad == 0, "\n".join(problems[:10])
    # the inputs really are mixed: some still read, most are refused
    assert 0 < tally.ok < tally.labelwise


def test_clean_seeds_read(seeds, tmp_path):
    """Every seed reads without error, so the fuzz inputs start from valid files."""
    for reader, group in seeds.items():
        for s in group:
            folder = tmp_path / s.name
            folder.mkdir()
            for name, data in s.extras.items():
                (folder / name).write_bytes(data)
            (folder / s.filename).write_bytes(s.data)
            out = fuzz.read_one(s.reader, str(folder / s.filename), s.kwargs)
            assert out[0] == "ok", (reader, s.name, out)


def test_corruptions_are_reproducible(seeds):
    s = seeds["csv"][0]
    a = fuzz.make_input(s, np.random.default_rng([1, 2, 3]))
    b = fuzz.make_input(s, np.random.default_rng([1, 2, 3]))
    assert a == b


# ----------------------------------------------------------------------------- focused cases

ARFF = (
    "@relation 'r: -C 1'\n@attribute a {0,1}\n@attribute x numeric\n@attribute y numeric\n@data\n"
)
SPARSE = ARFF + "{0 1,1 0.5}\n{1 2,2 3}\n"


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize(
    ("name", "content", "reader"),
    [
        ("t.arff.gz", ARFF + "1,0.5,2\n", lambda p: read_arff(p)),
        ("t.svm.gz", "0 1:1\n1 2:0.5\n", lambda p: read_libsvm(p)),
        ("t.csv.gz", "x,labels\n1,a\n", lambda p: read_table(p)),
        ("t.jsonl.gz", '{"x": 1, "labels": ["a"]}\n', lambda p: read_table(p)),
        ("t.xml.gz", '<labels><label name="a"/></labels>', lambda p: read_label_xml(p)),
    ],
)
def test_broken_gzip_is_a_data_format_error(tmp_path, name, content, reader):
    packed = gzip.compress(content.encode(), mtime=0)
    good = _write(tmp_path / name, packed)
    reader(good)  # a valid archive reads
    for broken in (packed[: len(packed) // 2], packed[:-6] + b"\x00" * 6, b"PK\x03\x04 not gzip"):
        p = _write(tmp_path / name, broken)
        with pytest.raises(DataFormatError, match="not a valid gzip file") as err:
            reader(p)
        assert err.value.path == str(p)


def _same(a, b):
    ax = a.X.toarray() if hasattr(a.X, "toarray") else a.X
    bx = b.X.toarray() if hasattr(b.X, "toarray") else b.X
    ay = a.Y.toarray() if hasattr(a.Y, "toarray") else a.Y
    by = b.Y.toarray() if hasattr(b.Y, "toarray") else b.Y
    np.testing.assert_array_equal(ax, bx)
    np.testing.assert_array_equal(ay, by)
    assert a.label_names == b.label_names
    assert a.feature_names == b.feature_names
    assert a.texts == b.texts


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("t.arff", ARFF + "1,0.5,2\n0,1.5,-1\n"),
        ("s.arff", SPARSE),
        ("t.svm", "2 3 2\n0,1 0:1 2:0.5\n1 1:2\n"),
        ("t.csv", 'text,labels,x\ncafé,"[""a""]",1\nb,b,2\n'),
        ("t.tsv", "text\tlabels\tx\ncafé\ta|b\t1\n"),
        ("t.jsonl", '{"text": "café", "labels": ["a"], "x": 1}\n'),
        ("t.json", '[{"text": "café", "labels": ["a"], "x": 1}]'),
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be-bom", "utf-32"])
def test_byte_order_marks_are_honoured(tmp_path, name, text, encoding):
    """A BOM'd file reads exactly as its UTF-8 twin (a CSV header with a BOM used to name its
    first column '\\ufefftext', so the text column went missing without a word)."""
    clean = read(_write(tmp_path / name, text.encode("utf-8")))
    data = (
        codecs.BOM_UTF16_BE + text.encode("utf-16-be")
        if encoding == "utf-16-be-bom"
        else text.encode(encoding)
    )
    marked = read(_write(tmp_path / ("bom-" + name), data))
    _same(clean, marked)


@pytest.mark.parametrize("name", ["t.arff", "t.svm", "t.csv", "t.jsonl"])
def test_utf16_without_bom_and_nul_bytes_are_refused_with_line_and_column(tmp_path, name):
    texts = {
        "t.arff": ARFF + "1,0.5,2\n",
        "t.svm": "0 1:1\n1 2:0.5\n",
        "t.csv": "x,labels\n1,a\n",
        "t.jsonl": '{"x": 1, "labels": ["a"]}\n{"x": 2, "labels": []}\n',
    }
    p = _write(tmp_path / name, texts[name].encode("utf-16-le"))
    with pytest.raises(DataFormatError, match=r"NUL byte.*UTF-16") as err:
        read(p)
    assert (err.value.line, err.value.column) == (1, 2)
    lines = texts[name].split("\n")
    lines[1] = lines[1][:2] + "\x00" + lines[1][2:]
    p = _write(tmp_path / name, "\n".join(lines))
    with pytest.raises(DataFormatError, match="NUL byte") as err:
        read(p)
    assert (err.value.path, err.value.line, err.value.column) == (str(p), 2, 3)


def test_nul_in_a_sparse_arff_row_is_not_read_as_a_separator(tmp_path):
    p = _write(tmp_path / "s.arff", SPARSE.replace("{1 2,2 3}", "{1\x002,2 3}"))
    with pytest.raises(DataFormatError, match="NUL byte") as err:
        read_arff(p)
    assert err.value.line == 7


@pytest.mark.parametrize(
    "encoding", ["bogus", "utf-9", "rot13", "hex", "cp932", "utf-7", "idna", "undefined"]
)
def test_xml_label_file_with_a_bad_declared_encoding(tmp_path, encoding):
    """Was a bare LookupError ('unknown encoding'), ValueError or UnicodeError."""
    p = _write(
        tmp_path / "t.xml",
        f'<?xml version="1.0" encoding="{encoding}"?>\n<labels><label name="é"/></labels>'.encode(),
    )
    with pytest.raises(DataFormatError, match="XML label file") as err:
        read_label_xml(p)
    assert (err.value.path, err.value.line) == (str(p), 1)
    # the ARFF reader passes the error on, naming the XML file
    arff = _write(tmp_path / "t.arff", ARFF + "1,0.5,2\n")
    with pytest.raises(DataFormatError, match=encoding) as err:
        read_arff(arff, labels=p)
    assert err.value.path == str(p)


def test_xml_labels_nested_deeper_than_the_recursion_limit(tmp_path):
    depth = 3000
    p = _write(
        tmp_path / "deep.xml",
        b"<labels>"
        + b"".join(b'<label name="n%d">' % k for k in range(depth))
        + b"</label>" * depth
        + b"</labels>",
    )
    names, hierarchy = read_label_xml(p)
    assert names == [f"n{k}" for k in range(depth)]
    assert hierarchy.parent["n2999"] == "n2998"


def test_xml_duplicate_or_unnamed_labels_name_the_line(tmp_path):
    p = _write(
        tmp_path / "d.xml",
        '<labels xmlns="x">\n<label name="a">\n  <label name="b"/>\n</label>\n<label name="b"/>'
        "\n</labels>",
    )
    with pytest.raises(DataFormatError, match="duplicate label name 'b'") as err:
        read_label_xml(p)
    assert err.value.line == 5
    p = _write(tmp_path / "u.xml", '<labels>\n<label name="a"/>\n<label id="b"/>\n</labels>')
    with pytest.raises(DataFormatError, match="no name attribute") as err:
        read_label_xml(p)
    assert err.value.line == 3


def test_xml_document_order_is_kept(tmp_path):
    p = _write(
        tmp_path / "o.xml",
        '<labels><label name="a"><label name="a1"><label name="a11"/></label>'
        '<label name="a2"/></label><label name="b"/></labels>',
    )
    names, hierarchy = read_label_xml(p)
    assert names == ["a", "a1", "a11", "a2", "b"]
    assert hierarchy.parent == {"a": None, "a1": "a", "a11": "a1", "a2": "a", "b": None}


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_too_deeply(tmp_path, opener):
    """Was a RecursionError from the json module."""
    deep = opener * 100_000
    p = _write(tmp_path / "t.json", deep)
    with pytest.raises(DataFormatError, match="nested too deeply") as err:
        read_table(p)
    assert err.value.path == str(p)
    p = _write(tmp_path / "t.jsonl", '{"x": 1, "labels": ["a"]}\n' + deep + "\n")
    with pytest.raises(DataFormatError, match="nested too deeply") as err:
        read_table(p)
    assert err.value.line == 2
    p = _write(tmp_path / "c.csv", f'x,labels\n1,"{"[" * 100_000}"\n')
    with pytest.raises(DataFormatError, match="nested too deeply") as err:
        read_table(p)
    assert (err.value.line, err.value.column) == (2, "labels")
    p = _write(tmp_path / "noext", deep.replace("[", "{") + "\n")  # sniffing must not crash
    with pytest.raises(DataFormatError, match="unknown format"):
        sniff_format(p)


def test_json_integers_beyond_python_limits(tmp_path):
    """A 5,000-digit integer was a bare ValueError; a 400-digit one an OverflowError."""
    p = _write(tmp_path / "t.json", '[{"x": ' + "9" * 5000 + ', "labels": ["a"]}]')
    with pytest.raises(DataFormatError, match="number too large"):
        read_table(p)
    p = _write(tmp_path / "t.jsonl", '{"x": -' + "9" * 400 + ', "labels": ["a"]}\n')
    with pytest.raises(DataValueError, match="infinite") as err:
        read_table(p)
    assert (err.value.line, err.value.column) == (1, "x")
    assert read_table(p, nan="keep").X[0, 0] == -np.inf
    p = _write(tmp_path / "y.jsonl", '{"x": 1, "a": ' + "1" * 400 + "}\n")
    with pytest.raises(DataValueError, match="label 'a' has value 1111"):
        read_table(p, labels=["a"])


def test_csv_header_errors_and_blank_lines(tmp_path):
    p = _write(tmp_path / "t.csv", "x," + "y" * 200_000 + '"\n1,2\n')
    p = _write(tmp_path / "t.csv", 'x,"' + "y" * 200_000 + "\n1,2\n")
    with pytest.raises(DataFormatError, match="field larger than field limit") as err:
        read_table(p)
    assert err.value.line is not None
    p = _write(tmp_path / "b.csv", "\n\nx,labels\n1,a\n")
    ds = read_table(p)
    assert ds.label_lists() == [["a"]]
    with pytest.raises(DataFormatError, match="no label column 'topics'") as err:
        read_table(p, labels="topics")
    assert err.value.line == 3


def test_wide_csv_header_is_checked_in_linear_time(tmp_path):
    names = [f"c{j}" for j in range(200_000)]
    p = _write(tmp_path / "w.csv", ",".join([*names, "c7"]) + "\n")
    t0 = time.perf_counter()
    with pytest.raises(DataFormatError, match="duplicate column names") as err:
        read_table(p)
    assert time.perf_counter() - t0 < 5
    assert len(str(err.value)) < 1000


def test_long_quoted_line_is_split_in_linear_time(tmp_path):
    """split_quoted joined its buffer at every character: a 400 kB row with a quote hung."""
    field = "'" + "x" * 400_000
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="unclosed quote"):
        split_quoted("1,2," + field)
    assert split_quoted("1,'" + "x" * 400_000 + "',3")[2] == "3"
    assert time.perf_counter() - t0 < 5
    p = _write(tmp_path / "t.arff", ARFF + "1,0.5,2\n1,0.5," + field + "\n")
    with pytest.raises(DataFormatError, match="unclosed quote") as err:
        read_arff(p)
    assert err.value.line == 7
    assert len(str(err.value)) < 1000


def test_messages_quote_long_values_briefly(tmp_path):
    p = _write(tmp_path / "t.arff", ARFF + "1,0.5,2\n1,0.5,2" + "x" * 100_000 + "\n")
    with pytest.raises(DataValueError, match=r"value '2xxx.*\.\.\. of attribute 'y'") as err:
        read_arff(p)
    assert err.value.line == 7
    assert len(str(err.value)) < 300
    long_name = "Att9" + "0.5," * 50_000
    p = _write(tmp_path / "h.arff", f"@relation r\n@attribute '{long_name}' string\n@data\n")
    with pytest.raises(DataFormatError, match="has type 'string'") as err:
        read_arff(p, labels=1)
    assert err.value.line == 2
    assert len(str(err.value)) < 400
    p = _write(tmp_path / "t.svm", "0 1:1\n1 2:0.5" + "x" * 100_000 + "\n")
    with pytest.raises(DataFormatError, match="feature entry") as err:
        read_libsvm(p)
    assert err.value.line == 2
    assert len(str(err.value)) < 300


def test_sparse_arff_attribute_given_twice_is_an_error(tmp_path):
    """It was silently summed (0.5 + 2 = 2.5 for 'x')."""
    p = _write(tmp_path / "s.arff", SPARSE.replace("{1 2,2 3}", "{1 2,2 3,1 0.5}"))
    with pytest.raises(DataFormatError, match=r"attribute index 1 \('x'\) appears twice") as err:
        read_arff(p)
    assert err.value.line == 7
    ok = read_arff(_write(tmp_path / "u.arff", SPARSE.replace("{1 2,2 3}", "{2 3,1 2}")))
    np.testing.assert_array_equal(ok.X.toarray(), [[0.5, 0], [2, 3]])  # any order is fine


def test_libsvm_feature_given_twice_and_label_out_of_range_name_the_line(tmp_path):
    p = _write(tmp_path / "t.svm", "0 1:1 3:2\n1 3:1 2:4 3:5\n")
    with pytest.raises(DataFormatError, match="feature index 3 appears twice") as err:
        read_libsvm(p)
    assert err.value.line == 2
    ok = read_libsvm(_write(tmp_path / "u.svm", "0 3:2 1:1\n"))
    np.testing.assert_array_equal(ok.X.toarray(), [[1, 0, 2]])
    p = _write(tmp_path / "h.svm", "3 4 2\n0 1:1\n1 2:1\n0,-2 1:1\n")
    with pytest.raises(DataFormatError, match="label index -2 is out of range") as err:
        read_libsvm(p)
    assert (err.value.line, err.value.column) == (4, 3)  # the character column of "-2"


def test_damaged_numeric_column_is_an_error_not_a_dropped_feature(tmp_path):
    """A feature column with one non-number in it used to vanish from X without a word."""
    p = _write(tmp_path / "t.csv", "id,x,y,labels\nr1,1,0.5,a\nr2,2,oops,b\nr3,3,1.5,a\n")
    with pytest.raises(DataValueError, match=r"column 'y' holds numbers but value 'oops'") as err:
        read_table(p)
    assert (err.value.line, err.value.column) == (3, "y")
    ds = read_table(p, features=["x"])  # the way out: name the feature columns
    assert ds.feature_names == ["x"]
    clean = read_table(_write(tmp_path / "c.csv", "id,x,labels\nr1,1,a\nr2,2,b\n"))
    assert clean.feature_names == ["x"]  # a non-numeric id column is still left out


@pytest.mark.parametrize("cell", ['{"a": 1}', "[[1]]", '["a", null]', '[{"a": 1}]'])
def test_label_cells_must_be_lists_of_names(tmp_path, cell):
    p = _write(tmp_path / "t.jsonl", '{"labels": ["a"]}\n{"labels": ' + cell + "}\n")
    with pytest.raises(DataFormatError, match="not a list of label names") as err:
        read_table(p)
    assert (err.value.line, err.value.column) == (2, "labels")
    ok = _write(tmp_path / "n.jsonl", '{"labels": ["a", 3]}\n{"labels": "b"}\n')
    assert read_table(ok).label_lists() == [["3", "a"], ["b"]]


def test_reuters_json_with_bom_and_crlf_reads_the_same(datasets_dir, tmp_path):
    """The shared Reuters file, re-saved as Windows tools do (BOM, CRLF), gives the same data."""
    records = json.loads((datasets_dir / "text" / "reuters21578_modapte_test.json").read_bytes())
    text = json.dumps(records[:50], indent=1)
    clean = read_table(_write(tmp_path / "r.json", text))
    windows = read_table(
        _write(tmp_path / "w.json", codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode())
    )
    _same(clean, windows)


def test_libsvm_dense_x_too_large_for_memory_is_a_labelwise_error(tmp_path, monkeypatch):
    """A damaged index (13,831,909 where the file has 1,449 features) asked for a 4.8 GiB dense
    X and raised a bare MemoryError; the error now says so and names the line of that index."""
    import scipy.sparse as sp

    p = _write(tmp_path / "t.svm", "0 1:1 3:2\n1 13831909:1\n0 2:1\n")
    assert read_libsvm(p).X.shape == (3, 13831909)  # sparse is fine

    def no_memory(self, *args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(sp.csr_matrix, "toarray", no_memory)
    with pytest.raises(
        DataValueError, match=r"dense array would need 0\.3 GiB.*sparse=True"
    ) as err:
        read_libsvm(p, sparse=False)
    assert err.value.line == 2


def test_xml_encoding_error_quotes_a_long_encoding_name_briefly(tmp_path):
    p = _write(tmp_path / "t.xml", b'<?xml version="1.0" encoding="utf' + b"9" * 5000 + b'"?><a/>')
    with pytest.raises(DataFormatError, match="declaration names the encoding") as err:
        read_label_xml(p)
    assert len(str(err.value)) < 600
