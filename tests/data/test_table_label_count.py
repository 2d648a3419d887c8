"""``labels=n`` on a table is a MEKA label count, as ``--labels n`` is: the first n columns (the
last -n when negative); anything that is not a form tables take is a clear DataFormatError."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
from click.testing import CliRunner

from labelwise.cli import main
from labelwise.data import read
from labelwise.data.tables import from_pandas
from labelwise.errors import DataFormatError, DataValueError

HEADER = ["id", "x1", "x2", "IT", "UK"]
ROWS = [[1, 0.5, 2.0, 1, 0], [2, 1.5, 3.0, 0, 1], [3, 2.5, 1.0, 1, 1], [4, 0.0, 0.0, 0, 0]]
FORMATS = ["csv", "tsv", "jsonl", "json", "parquet", "pandas"]


def _write(tmp_path, fmt, header=HEADER, rows=ROWS):
    """The same table in each format; for pandas, the DataFrame itself."""
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        path = tmp_path / f"t.{fmt}"
        path.write_text("\n".join(sep.join(map(str, r)) for r in [header, *rows]) + "\n")
        return path
    records = [dict(zip(header, r, strict=True)) for r in rows]
    if fmt == "jsonl":
        path = tmp_path / "t.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
        return path
    if fmt == "json":
        path = tmp_path / "t.json"
        path.write_text(json.dumps(records))
        return path
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(records, columns=header)
    if fmt == "pandas":
        return df
    pytest.importorskip("pyarrow")
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("count", [-2, np.int64(-2)])
def test_a_negative_count_is_the_last_columns(tmp_path, fmt, count):
    source = _write(tmp_path, fmt)
    by_count = read(source, labels=count)
    by_name = read(source, labels=["IT", "UK"])
    assert by_count.label_names == by_name.label_names == ["IT", "UK"]
    expected = np.array([r[3:] for r in ROWS])  # the last two columns, by hand
    np.testing.assert_array_equal(by_count.Y_dense(), expected)
    assert by_count.feature_names == ["id", "x1", "x2"]
    np.testing.assert_array_equal(by_count.X, np.array([r[:3] for r in ROWS], dtype=float))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "pandas"])
def test_a_positive_count_is_the_first_columns(tmp_path, fmt):
    header = ["IT", "UK", "x1"]
    rows = [[r[3], r[4], r[1]] for r in ROWS]
    ds = read(_write(tmp_path, fmt, header, rows), labels=2)
    assert ds.label_names == ["IT", "UK"] and ds.feature_names == ["x1"]
    np.testing.assert_array_equal(ds.Y_dense(), np.array([r[:2] for r in rows]))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "pandas"])
@pytest.mark.parametrize("count", [0, 6, -6])
def test_a_count_that_does_not_fit_names_the_columns(tmp_path, fmt, count):
    message = (
        rf"labels={count} is a MEKA label count, which must be between 1 and 5 .* 5 columns: "
        r"\['id', 'x1', 'x2', 'IT', 'UK'\]"
    )
    with pytest.raises(DataFormatError, match=message):
        read(_write(tmp_path, fmt), labels=count)


@pytest.mark.parametrize("fmt", ["csv", "pandas"])
def test_a_count_over_non_label_columns_says_which_it_took(tmp_path, fmt):
    message = (
        r"column x2: label 'x2' has value .*labels=-3 takes the last 3 columns as 0/1 labels: "
        r"\['x2', 'IT', 'UK'\]"
    )
    with pytest.raises(DataValueError, match=message):
        read(_write(tmp_path, fmt), labels=-3)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "pandas"])
@pytest.mark.parametrize("bad", [2.0, True, {"IT": 1}, b"IT"])
def test_other_forms_are_a_clear_error(tmp_path, fmt, bad):
    message = (
        r"labels=.* is not a form tables take; pass a label-list column name .* an int, a MEKA"
    )
    with pytest.raises(DataFormatError, match=message):
        read(_write(tmp_path, fmt), labels=bad)


def test_from_pandas_takes_the_count_and_column_names_of_any_type(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"x": [0.5, 1.0], 7: [1, 0], 8: [1, 1]})
    assert from_pandas(df, labels=-2).label_names == from_pandas(df, labels=[7, 8]).label_names
    assert from_pandas(df, labels=-2).label_names == ["7", "8"]


def _invoke(*args):
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**kw).invoke(main, [str(a) for a in args])


def test_cli_labels_count_on_a_csv_reads_the_same_as_names(tmp_path):
    path = _write(tmp_path, "csv")
    by_count = _invoke("inspect", path, "--labels", "-2", "--json")
    by_name = _invoke("inspect", path, "--labels", "IT,UK", "--json")
    assert by_count.exit_code == 0 and by_name.exit_code == 0, by_count.output + by_name.output
    a, b = json.loads(by_count.stdout), json.loads(by_name.stdout)
    assert a["problem"] == b["problem"] and a["diagnostics"] == b["diagnostics"]
    assert a["problem"]["label_counts"] == [2, 2]


def test_cli_last_column_of_a_csv_as_the_one_label(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,1\n7,8,0\n9,1,1\n")
    result = _invoke("inspect", path, "--labels", "-1", "--json")
    assert result.exit_code == 0, result.output
    problem = json.loads(result.stdout)["problem"]
    assert problem["kind"] == "binary" and problem["label_counts"] == [2, 3]
