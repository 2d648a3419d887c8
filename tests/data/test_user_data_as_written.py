"""The readers keep the user's data as written (issue 18).

* A text that is not a string (a number, ``null``, a missing field, ``true``, a list, an object)
  is an error naming the file, the row, the field and the value's JSON type; only with
  ``coerce_text=True`` are numbers read as their digits, with one warning.
* Label names of the wrong type name the row likewise.
* Bytes that are not valid UTF-8 are an error naming the file, the line and the byte offset;
  a file is never re-decoded wholesale in a guessed encoding; ``encoding=`` reads the rest.

The expected lines and byte offsets are computed from the bytes written, independently of the
readers.
"""

from __future__ import annotations

import codecs
import gzip
import json
import warnings

import numpy as np
import pytest

from labelwise import read
from labelwise.data import _parsing
from labelwise.data.arff import read_arff
from labelwise.data.libsvm import read_libsvm
from labelwise.data.tables import from_pandas, read_table
from labelwise.data.xml_labels import read_label_xml
from labelwise.errors import DataFormatError, LabelwiseWarning

# ----------------------------------------------------------------------------- texts

# a value where a text belongs, as JSON, and the words the error must use for its type
NOT_TEXTS = [
    ("12345", "a JSON number (12345)"),
    ("1.5", "a JSON number (1.5)"),
    ("true", "a JSON boolean (true)"),
    ('["x", "y"]', 'a JSON array (["x", "y"])'),
    ('{"k": 1}', 'a JSON object ({"k": 1})'),
    ("null", "is null"),
]


def _jsonl(path, texts_as_json: list[str | None]):
    """One record per line; ``None`` leaves the text field out."""
    lines = []
    for i, t in enumerate(texts_as_json):
        field = "" if t is None else f'"text": {t}, '
        lines.append(f'{{{field}"labels": ["L{i % 2}"]}}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "words"), NOT_TEXTS)
def test_a_jsonl_text_that_is_not_a_string_is_an_error_naming_line_field_and_type(
    tmp_path, value, words
):
    p = _jsonl(tmp_path / "docs.jsonl", ['"fine"', '"also fine"', value, '"ok"'])
    with pytest.raises(DataFormatError) as info:
        read(p, labels="labels")
    err = info.value
    assert err.path == str(p) and err.line == 3 and err.column == "text"
    assert words in str(err)
    assert str(err).startswith(f"{p}, line 3, column text: ")


def test_a_missing_text_field_is_an_error_naming_the_line(tmp_path):
    p = _jsonl(tmp_path / "docs.jsonl", ['"fine"', None])
    with pytest.raises(DataFormatError, match="no such field") as info:
        read(p, labels="labels")
    assert info.value.line == 2 and info.value.column == "text"
    assert 'write "" for one without text' in str(info.value)


@pytest.mark.parametrize(("value", "words"), NOT_TEXTS)
def test_a_json_list_names_the_item(tmp_path, value, words):
    p = tmp_path / "docs.json"
    p.write_text(f'[{{"text": "a", "labels": []}}, {{"text": {value}, "labels": ["x"]}}]')
    with pytest.raises(DataFormatError) as info:
        read(p, labels="labels")
    assert "(item 1 of the JSON list)" in str(info.value) and words in str(info.value)
    assert info.value.column == "text"


def test_an_empty_string_is_an_example_without_text(tmp_path):
    p = _jsonl(tmp_path / "docs.jsonl", ['""', '"words"'])
    assert read(p, labels="labels").texts == ["", "words"]


def test_csv_texts_are_strings_exactly_as_written(tmp_path):
    """A CSV cell is text: ``12345``, ``null``, ``true`` and ``[1, 2]`` stay those strings."""
    p = tmp_path / "docs.csv"
    p.write_text('text,labels\n12345,a\nnull,b\ntrue,a\n"[1, 2]",b\n007,a\n', encoding="utf-8")
    assert read(p, labels="labels").texts == ["12345", "null", "true", "[1, 2]", "007"]


def test_coerce_text_reads_numbers_as_digits_with_one_warning(tmp_path):
    p = _jsonl(tmp_path / "docs.jsonl", ['"a"', "12345", '"b"', "1.5", "-7"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = read(p, labels="labels", coerce_text=True)
    assert ds.texts == ["a", "12345", "b", "1.5", "-7"]
    mine = [w for w in caught if issubclass(w.category, LabelwiseWarning)]
    assert len(mine) == 1
    message = str(mine[0].message)
    assert "3 text(s)" in message and "line 2" in message and "12345" in message


@pytest.mark.parametrize(("value", "words"), NOT_TEXTS[2:])
def test_coerce_text_converts_numbers_only(tmp_path, value, words):
    p = _jsonl(tmp_path / "docs.jsonl", ["12", value])
    with pytest.raises(DataFormatError) as info:
        read(p, labels="labels", coerce_text=True)
    assert info.value.line == 2 and words in str(info.value)


def test_reader_and_server_refuse_the_same_texts(tmp_path):
    """``labelwise serve`` answers 422 for these values; the reader refuses them as well."""
    schemas = pytest.importorskip("labelwise.serve._schemas")
    if not hasattr(schemas, "predict_request_model"):
        pytest.skip("the server's request model has another name in this version")
    from pydantic import ValidationError

    model = schemas.predict_request_model(10, 1000)
    for value, _ in NOT_TEXTS:
        with pytest.raises(ValidationError):
            model.model_validate({"texts": [json.loads(value)]})
        with pytest.raises(DataFormatError):
            read(_jsonl(tmp_path / "t.jsonl", [value]), labels="labels")
    model.model_validate({"texts": ["fine"]})
    assert read(_jsonl(tmp_path / "t.jsonl", ['"fine"']), labels="labels").texts == ["fine"]


def test_a_dataframe_text_column_with_missing_values_or_numbers_names_the_row():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"text": ["a", None, "c"], "labels": [["x"], ["y"], []]})
    with pytest.raises(DataFormatError, match=r"\(row 1, 0-based\) is (null|missing)") as info:
        from_pandas(df)
    assert info.value.column == "text"
    df = pd.DataFrame({"text": ["a", np.nan], "labels": [["x"], ["y"]]})
    with pytest.raises(DataFormatError, match=r"\(row 1, 0-based\) is missing"):
        read(df)
    df = pd.DataFrame({"text": [10, 20], "labels": [["x"], ["y"]]})
    with pytest.raises(DataFormatError, match=r"row 0, 0-based.*coerce_text=True"):
        read(df)
    with pytest.warns(LabelwiseWarning, match="2 text"):
        assert read(df, coerce_text=True).texts == ["10", "20"]


# ----------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("[1, true]", "it holds true, a JSON boolean"),
        ('["a", null]', "it holds null, a JSON null"),
        ("[1.5]", "it holds 1.5, a JSON number"),
        ('["a", ["b"]]', 'it holds ["b"], a JSON array'),
        ('{"a": 1}', "it is a JSON object"),
        ("false", "it is a JSON boolean"),
        ("2.0", "it is a JSON number"),
    ],
)
def test_a_label_of_the_wrong_type_names_the_line_and_type(tmp_path, cell, words):
    p = tmp_path / "docs.jsonl"
    p.write_text(f'{{"text": "a", "labels": ["x"]}}\n\n{{"text": "b", "labels": {cell}}}\n')
    with pytest.raises(DataFormatError) as info:
        read(p, labels="labels")
    assert info.value.line == 3 and info.value.column == "labels"
    assert words in str(info.value)


def test_whole_numbers_are_label_names_as_their_digits(tmp_path):
    p = tmp_path / "docs.jsonl"
    p.write_text('{"text": "a", "labels": [3, 10]}\n{"text": "b", "labels": 3}\n')
    ds = read(p, labels="labels")
    assert ds.label_names == ["10", "3"] and ds.label_lists() == [["10", "3"], ["3"]]


def test_a_label_of_the_wrong_type_in_a_json_list_names_the_item(tmp_path):
    p = tmp_path / "docs.json"
    p.write_text('[{"text": "a", "labels": ["x"]}, {"text": "b", "labels": ["x", true]}]')
    with pytest.raises(DataFormatError, match=r"item 1 of the JSON list.*JSON boolean"):
        read(p, labels="labels")
    p.write_text('[{"text": "a", "x": 1}, {"text": "b", "x": 2}]')
    with pytest.raises(DataFormatError, match=r"value 2 \(item 1 of the JSON list\)"):
        read(p, labels=["x"])


# ----------------------------------------------------------------------------- encodings

CAFE = "café"
LATIN1_BYTE = b"\xe9"  # é in Latin-1: not valid UTF-8 on its own


def _mixed_file(kind: str) -> tuple[str, bytes]:
    """A UTF-8 file with "café" early on and one Latin-1 byte on a later line."""
    if kind == "jsonl":
        rows = [
            f'{{"text": "{CAFE} au lait", "labels": ["a"]}}',
            '{"text": "tea", "labels": []}',
            '{"text": "na\\u00efve", "labels": ["b"]}',
            '{"text": "X", "labels": ["a"]}',
        ]
        text = "\n".join(rows) + "\n"
        return "d.jsonl", text.encode().replace(b'"X"', b'"r' + LATIN1_BYTE + b'sum"')
    if kind == "json":
        text = f'[{{"text": "{CAFE}", "labels": ["a"]}},\n {{"text": "X", "labels": []}}]'
        return "d.json", text.encode().replace(b'"X"', b'"caf' + LATIN1_BYTE + b'"')
    if kind in ("csv", "tsv"):
        sep = "," if kind == "csv" else "\t"
        text = f"text{sep}labels\n{CAFE}{sep}a\ntea{sep}\nX{sep}b\n"
        return f"d.{kind}", text.encode().replace(b"X", b"caf" + LATIN1_BYTE)
    if kind == "arff":
        text = (f"@relation t\n@attribute '{CAFE}' numeric\n@attribute 'X' numeric\n"
                "@attribute lab {0,1}\n@data\n1,2,0\n3,4,1\n")  # fmt: skip
        return "d.arff", text.encode().replace(b"X", b"th" + LATIN1_BYTE)
    if kind == "sniffed":  # no extension: the format comes from the content
        return "data", _mixed_file("csv")[1]
    raise AssertionError(kind)


def _read_kwargs(kind: str) -> dict:
    return {"labels": -1 if kind == "arff" else "labels"}


@pytest.mark.parametrize("kind", ["jsonl", "json", "csv", "tsv", "arff", "sniffed"])
def test_one_bad_byte_is_an_error_naming_line_and_offset_never_a_latin1_reread(tmp_path, kind):
    name, data = _mixed_file(kind)
    p = tmp_path / name
    p.write_bytes(data)
    offset = data.index(LATIN1_BYTE)
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    kwargs = _read_kwargs(kind)
    with pytest.raises(DataFormatError) as info:
        read(p, **kwargs)
    err = info.value
    assert (err.path, err.line, err.column) == (str(p), line, column)
    message = str(err)
    assert f"byte 0xe9 at byte offset {offset}" in message
    assert "encoding=" in message and "not valid UTF-8" in message


@pytest.mark.parametrize("kind", ["jsonl", "json", "csv", "arff"])
def test_valid_utf8_is_read_as_written(tmp_path, kind):
    name, data = _mixed_file(kind)
    p = tmp_path / name
    p.write_bytes(data.replace(LATIN1_BYTE, "é".encode()))
    ds = read(p, **_read_kwargs(kind))
    found = ds.feature_names if kind == "arff" else ds.texts
    assert any(CAFE in t for t in found)
    assert not any("Ã" in t for t in found)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16-le", "utf-16-be", "utf-32-le"])
@pytest.mark.parametrize("kind", ["jsonl", "csv", "tsv", "arff"])
def test_encoding_reads_a_file_written_in_it(tmp_path, kind, encoding):
    name, data = _mixed_file(kind)
    p = tmp_path / name
    text = data.replace(LATIN1_BYTE, "é".encode()).decode("utf-8")
    p.write_bytes(text.encode(encoding))
    expected = read_from_text(tmp_path, name, text, _read_kwargs(kind))
    ds = read(p, encoding=encoding, **_read_kwargs(kind))
    assert ds.texts == expected.texts and ds.feature_names == expected.feature_names
    np.testing.assert_array_equal(ds.Y_dense(), expected.Y_dense())


def read_from_text(tmp_path, name, text, kwargs):
    reference = tmp_path / "utf8"
    reference.mkdir(exist_ok=True)
    (reference / name).write_text(text, encoding="utf-8")
    return read(reference / name, **kwargs)


def test_arff_and_its_xml_label_file_in_latin1(tmp_path):
    """Older Mulan/MEKA files can be Latin-1: encoding="latin-1" reads both files."""
    arff = "@relation t\n@attribute f numeric\n@attribute 'été' {0,1}\n@data\n0.5,1\n1.5,0\n"
    xml = '<labels xmlns="http://mulan.sourceforge.net/labels"><label name="été"/></labels>'
    (tmp_path / "t.arff").write_bytes(arff.encode("latin-1"))
    (tmp_path / "t.xml").write_bytes(xml.encode("latin-1"))
    with pytest.raises(DataFormatError, match="not valid UTF-8") as info:
        read(tmp_path / "t.arff")
    assert info.value.line == 3 and "encoding='latin-1'" in str(info.value)
    ds = read(tmp_path / "t.arff", encoding="latin-1")
    assert ds.label_names == ["été"] and ds.label_lists() == [["été"], []]
    with pytest.raises(DataFormatError, match="not valid UTF-8"):
        read_label_xml(tmp_path / "t.xml")
    assert read_label_xml(tmp_path / "t.xml", encoding="latin-1")[0] == ["été"]


def test_xml_label_file_declaring_its_encoding_is_read_by_it(tmp_path):
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<labels><label name="été"/></labels>'
    (tmp_path / "t.xml").write_bytes(xml.encode("latin-1"))
    assert read_label_xml(tmp_path / "t.xml")[0] == ["été"]
    bad = '<?xml version="1.0" encoding="utf-8"?>\n<labels>\n<label name="X"/></labels>'
    (tmp_path / "b.xml").write_bytes(bad.encode().replace(b"X", b"\xe9t\xe9"))
    with pytest.raises(DataFormatError, match="byte 0xe9 at byte offset") as info:
        read_label_xml(tmp_path / "b.xml")
    assert info.value.line == 3


def test_libsvm_in_utf16_without_a_byte_order_mark(tmp_path):
    text = "0,2 1:0.5 3:1\n1 2:2.5\n"
    p = tmp_path / "t.svm"
    p.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(DataFormatError, match=r"NUL byte.*encoding="):
        read_libsvm(p)
    ds = read(p, encoding="utf-16-le")
    (tmp_path / "u.svm").write_text(text)
    expected = read_libsvm(tmp_path / "u.svm")
    np.testing.assert_array_equal(ds.X.toarray(), expected.X.toarray())
    assert ds.label_lists() == expected.label_lists() == [["0", "2"], ["1"]]
    # an ASCII-compatible encoding changes nothing: the content is numbers
    assert read_libsvm(tmp_path / "u.svm", encoding="latin-1").label_lists() == [["0", "2"], ["1"]]


def test_a_byte_order_mark_counts_in_the_byte_offset(tmp_path):
    data = codecs.BOM_UTF8 + b"text,labels\ncaf\xe9,a\n"
    p = tmp_path / "bom.csv"
    p.write_bytes(data)
    with pytest.raises(DataFormatError, match=f"byte offset {data.index(LATIN1_BYTE)} "):
        read(p, labels="labels")


def test_a_gzipped_file_reports_the_offset_in_its_content(tmp_path):
    data = b'{"text": "ok", "labels": []}\n{"text": "caf\xe9", "labels": []}\n'
    p = tmp_path / "d.jsonl.gz"
    p.write_bytes(gzip.compress(data, mtime=0))
    with pytest.raises(DataFormatError, match=f"byte offset {data.index(LATIN1_BYTE)} ") as info:
        read(p, labels="labels")
    assert info.value.line == 2
    assert read(p, labels="labels", encoding="latin-1").texts == ["ok", "café"]


def test_an_encoding_that_does_not_fit_names_line_and_offset(tmp_path):
    data = "text,labels\nok,a\nnaïve,b\n".encode()
    p = tmp_path / "d.csv"
    p.write_bytes(data)
    with pytest.raises(DataFormatError, match="not valid ascii") as info:
        read(p, labels="labels", encoding="ascii")
    assert info.value.line == 3
    assert f"byte offset {data.index('ï'.encode())}" in str(info.value)


@pytest.mark.parametrize("encoding", ["bogus", "rot13", "hex", 5])
def test_an_unknown_encoding_is_a_clear_error(tmp_path, encoding):
    p = tmp_path / "d.csv"
    p.write_text("text,labels\nok,a\n")
    with pytest.raises(ValueError, match="parameter 'encoding' must be the name of a text enc"):
        read(p, labels="labels", encoding=encoding)


def test_encoding_does_not_apply_to_parquet_or_dataframes(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"text": ["a"], "labels": [["x"]]})
    df.to_parquet(tmp_path / "d.parquet")
    with pytest.raises(ValueError, match="does not apply to Parquet"):
        read_table(tmp_path / "d.parquet", encoding="latin-1")
    assert read(tmp_path / "d.parquet", encoding="utf-8").texts == ["a"]
    with pytest.raises(ValueError, match="applies to files"):
        read(df, encoding="latin-1")


@pytest.mark.parametrize("block", [1, 2, 7, 64])
def test_the_utf8_check_finds_every_bad_byte_across_its_blocks(monkeypatch, block):
    """The check decodes in blocks cut at line ends: the position it reports must not depend on
    where the blocks fall, and a valid file must pass whatever the block size."""
    monkeypatch.setattr(_parsing, "_UTF8_BLOCK", block)
    rng = np.random.default_rng(block)
    lines = ["".join(rng.choice(list("aé€😀 ,"), size=int(rng.integers(0, 9)))) for _ in range(40)]
    good = "\n".join(lines).encode()
    _parsing.check_utf8(good, "t.txt")
    for _ in range(25):
        bad = int(rng.integers(len(good)))
        data = good[:bad] + b"\xff" + good[bad:]
        with pytest.raises(DataFormatError) as info:
            _parsing.check_utf8(data, "t.txt")
        with pytest.raises(UnicodeDecodeError) as reference:  # the first error, decoded whole
            data.decode("utf-8")
        expected = reference.value.start
        assert f"at byte offset {expected} " in str(info.value)
        assert info.value.line == data.count(b"\n", 0, expected) + 1


def test_arff_read_directly_takes_the_encoding(tmp_path):
    text = "@relation t\n@attribute 'naïve' numeric\n@attribute y {0,1}\n@data\n1,0\n"
    (tmp_path / "t.arff").write_bytes(text.encode("cp1252"))
    assert read_arff(tmp_path / "t.arff", labels=["y"], encoding="cp1252").feature_names == [
        "naïve"
    ]


def test_a_lone_surrogate_escape_is_an_error_naming_the_line(tmp_path):
    """``"\\ud800"`` decodes to half a character, which no file or server reply can hold (the
    server refuses it with a 422); a proper pair is one character and reads."""
    p = tmp_path / "docs.jsonl"
    p.write_text(
        '{"text": "ok \\ud83d\\ude00", "labels": ["a"]}\n'
        '{"text": "half \\ud800 of it", "labels": ["a"]}\n'
    )
    with pytest.raises(DataFormatError, match="lone surrogate") as info:
        read(p, labels="labels")
    assert (info.value.line, info.value.column) == (2, "text")
    p.write_text('{"text": "ok \\ud83d\\ude00", "labels": ["a\\udfff"]}\n')
    with pytest.raises(DataFormatError, match="label name holds a lone surrogate") as info:
        read(p, labels="labels")
    assert (info.value.line, info.value.column) == (1, "labels")
    p.write_text('{"text": "ok \\ud83d\\ude00", "labels": ["a"]}\n')
    assert read(p, labels="labels").texts == ["ok \U0001f600"]
