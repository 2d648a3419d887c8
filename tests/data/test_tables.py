"""Tables: CSV/TSV, JSON Lines, Parquet and pandas DataFrames."""

from __future__ import annotations

import json

import numpy as np
import pytest

from labelwise import read
from labelwise.data.tables import from_pandas, read_table
from labelwise.errors import UnknownLabelError


def test_csv_json_list_and_pipe_cells(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('id,text,labels,n\nd1,hello,"[""IT"", ""UK""]",3\nd2,bye,UK|FR,\nd3,,,1\n')
    ds = read_table(p, "labels", nan="keep")
    assert ds.label_names == ["FR", "IT", "UK"]
    assert ds.label_lists() == [["IT", "UK"], ["FR", "UK"], []]
    assert ds.texts == ["hello", "bye", ""]
    assert ds.feature_names == ["n"]  # the id column is not numeric and is dropped
    np.testing.assert_array_equal(ds.X.ravel(), [3, np.nan, 1])


def test_tsv_with_binary_columns_and_label_space(tmp_path):
    p = tmp_path / "b.tsv"
    p.write_text("x\ty\tsport\tnews\n0.5\t1\t1\t0\n2\t-1\t0\t0\n")
    ds = read(p, labels=["sport", "news"])
    np.testing.assert_array_equal(ds.Y, [[1, 0], [0, 0]])
    np.testing.assert_array_equal(ds.X, [[0.5, 1], [2, -1]])


def test_jsonl_label_names_unknown_error_or_ignore(tmp_path):
    p = tmp_path / "c.jsonl"
    rows = [{"text": "a", "labels": ["x", "z"]}, {"text": "b", "labels": []}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(UnknownLabelError, match="'z'"):
        read(p, label_names=["x", "y"])
    ds = read(p, label_names=["x", "y"], unknown="ignore")
    assert ds.label_lists() == [["x"], []] and ds.X is None and ds.texts == ["a", "b"]


def test_parquet_and_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"text": ["a", "b", "c"], "labels": [["p"], ["q", "p"], []],
                       "f": [1.0, 2.0, 3.0]})  # fmt: skip
    p = tmp_path / "d.parquet"
    df.to_parquet(p)
    for ds in (read(p), read(df), from_pandas(df)):
        assert ds.label_lists() == [["p"], ["p", "q"], []]
        np.testing.assert_array_equal(ds.X.ravel(), [1, 2, 3])
        assert ds.texts == ["a", "b", "c"]
