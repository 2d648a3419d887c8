"""LibSVM / XC: reading in chunks equals reading whole; bad rows are named by line and column;
memory stays in proportion to the stored values; writing dense and sparse labels round-trips."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import labelwise.data.libsvm as libsvm
from labelwise.data import Dataset, iter_libsvm_chunks
from labelwise.data.libsvm import read_libsvm, write_libsvm
from labelwise.errors import DataFormatError


def _write(path, text):
    path.write_text(text)
    return path


def _random_file(path, n=60, d=30, L=9, seed=0):
    """An XC file written by hand (not by write_libsvm): rows with no labels, no features, or
    neither; unsorted feature indices; one comment."""
    rng = np.random.default_rng(seed)
    lines = [f"{n} {d} {L}"]
    for i in range(n):
        labs = rng.choice(L, size=rng.integers(0, 4), replace=False)
        feats = rng.choice(d, size=rng.integers(0, 6), replace=False)
        pairs = " ".join(f"{j}:{rng.normal():.6g}" for j in feats)
        lines.append(",".join(map(str, labs)) + " " + pairs + (" # note" if i == 5 else ""))
    return _write(path, "\n".join(lines) + "\n")


def _same(A, B):
    A, B = sp.csr_matrix(A), sp.csr_matrix(B)
    assert A.shape == B.shape and A.dtype == B.dtype
    np.testing.assert_array_equal(A.indptr, B.indptr)
    np.testing.assert_array_equal(A.indices, B.indices)
    np.testing.assert_array_equal(A.data, B.data)


@pytest.mark.parametrize("block", [48, 1 << 20])  # blocks of a few lines, or one block
@pytest.mark.parametrize("chunk_rows", [1, 4, 7, 60, 1000])
def test_chunks_stacked_equal_the_whole_file(tmp_path, monkeypatch, block, chunk_rows):
    p = _random_file(tmp_path / "r.xc")
    monkeypatch.setattr(libsvm, "_BLOCK", block)
    whole = read_libsvm(p)
    chunks = list(iter_libsvm_chunks(p, chunk_rows=chunk_rows))
    assert [X.shape[0] for X, _ in chunks][:-1] == [chunk_rows] * (len(chunks) - 1)
    assert sum(X.shape[0] for X, _ in chunks) == 60
    _same(sp.vstack([X for X, _ in chunks], format="csr"), whole.X)
    _same(sp.vstack([Y for _, Y in chunks], format="csr"), whole.Y)


def test_chunk_ends_inside_a_block_and_at_a_block_end(tmp_path, monkeypatch):
    """Blocks of about three lines; chunks of every size from 1 to 9 rows end both at block
    ends and inside blocks, and every one gives the same matrix."""
    rows = [f"{i % 3} {i}:1.5" for i in range(9)]
    p = _write(tmp_path / "b.xc", "9 9 3\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(libsvm, "_BLOCK", len(rows[0]) * 3 + 3)
    sizes = [blob.count(b"\n") for blob, _ in libsvm._blocks(p)]
    ends = set(np.cumsum(sizes) - 1)  # data rows before each block end (the header is 1 line)
    assert len(sizes) >= 3 and sum(sizes) == 10
    at_end = inside = False
    for chunk_rows in range(1, 10):
        cuts = set(range(chunk_rows, 9, chunk_rows))
        at_end, inside = at_end or bool(cuts & ends), inside or bool(cuts - ends)
        chunks = list(iter_libsvm_chunks(p, chunk_rows=chunk_rows))
        X = sp.vstack([X for X, _ in chunks])
        np.testing.assert_array_equal(X.toarray(), np.eye(9) * 1.5)
        Y = sp.vstack([Y for _, Y in chunks]).toarray()
        np.testing.assert_array_equal(Y, np.eye(3, dtype=np.int8)[np.arange(9) % 3])
    assert at_end and inside


def test_chunks_need_the_shape_up_front_and_check_the_header_at_the_end(tmp_path):
    p = _write(tmp_path / "n.svm", "0 1:1\n1 2:1\n")
    with pytest.raises(DataFormatError, match=r"no XC header.*n_features= and labels="):
        iter_libsvm_chunks(p)
    with pytest.raises(DataFormatError, match="zero_based=True or False"):
        iter_libsvm_chunks(p, n_features=3, labels=2)
    (X, Y), = iter_libsvm_chunks(p, n_features=3, labels=2, zero_based=True)  # fmt: skip
    np.testing.assert_array_equal(X.toarray(), [[0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(Y.toarray(), [[1, 0], [0, 1]])
    short = _write(tmp_path / "s.xc", "3 3 2\n0 1:1\n1 2:1\n")
    chunks = iter_libsvm_chunks(short, chunk_rows=1)
    assert next(chunks)[0].shape == (1, 3) and next(chunks)[0].shape == (1, 3)
    with pytest.raises(DataFormatError, match="declares 3 examples but the file has 2") as err:
        next(chunks)
    assert err.value.line == 1
    with pytest.raises(DataFormatError, match="1-based"):  # index 3 of 3 features: 1-based file
        list(iter_libsvm_chunks(_write(tmp_path / "o.xc", "1 3 1\n0 3:1\n")))
    (X, _), = iter_libsvm_chunks(tmp_path / "o.xc", zero_based=False)  # fmt: skip
    np.testing.assert_array_equal(X.toarray(), [[0, 0, 1]])


@pytest.mark.parametrize(
    "text, message, line, column",
    [
        ("2 4 5\n0 1:1\n3,3 1:0.5\n", "label id 3 appears twice", 3, 3),
        ("2 4 5\n0 1:1\n1,3,4,3 1:0.5\n", "label id 3 appears twice", 3, 7),
        ("0 1:1\n1,7,7 1:0.5\n", "label id 7 appears twice", 2, 5),  # no header: ids by value
        ("2 4 5\n0 1:1\n1,9 1:0.5\n", "label index 9 is out of range: there are 5", 3, 3),
        ("2 4 5\n0 1:1\n1,x2 1:0.5\n", "label 'x2' is not an integer label id", 3, 3),
        ("2 4 5\n0 1:1\n1 1:0.5 a:2\n", "'a:2' is not 'index:value'", 3, 9),
        ("2 4 5\n0 1:1\n1 1:0.5 2:x\n", "'2:x' is not 'index:value'", 3, 9),
        ("2 4 5\n0 1:1\n1 2:1 1:0.5 2:3\n", "feature index 2 appears twice", 3, 13),
        ("2 4 5\n0 1:1\n 1:0.5 7:1\n", "feature index 7 is out of range", 3, 8),
    ],
)
def test_bad_rows_are_named_by_line_and_column(tmp_path, text, message, line, column):
    p = _write(tmp_path / "bad.xc", text)
    with pytest.raises(DataFormatError, match=message) as err:
        read_libsvm(p)
    assert (err.value.line, err.value.column) == (line, column)
    if text[0] == "2":  # with a header: the chunked reader says the same, in the second chunk
        with pytest.raises(DataFormatError, match=message) as err:
            list(iter_libsvm_chunks(p, chunk_rows=1))
        assert (err.value.line, err.value.column) == (line, column)


def test_rows_without_labels_are_legal(tmp_path):
    p = _write(tmp_path / "e.xc", "3 2 4\n 0:1\n1:2\n2 1:1\n")  # empty field; no field at all
    ds = read_libsvm(p)
    assert ds.label_lists() == [[], [], ["2"]]
    np.testing.assert_array_equal(ds.X.toarray(), [[1, 0], [0, 2], [0, 1]])
    Y = sp.vstack([Y for _, Y in iter_libsvm_chunks(p, chunk_rows=2)])
    np.testing.assert_array_equal(Y.toarray(), [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]])


def test_memory_follows_the_stored_values_not_rows_times_labels(tmp_path):
    """In chunks: 50 rows declared with 10^6 features and 2 x 10^6 labels (a dense Y alone
    would be 100 MB, int8) stay under 2 MB. Whole: 2,000 rows x 20,000 labels (a dense Y is
    40 MB, a dense X 16 GB) stay under 8 MB, label names included."""
    rows = [f"{i},{1_999_999 - i} {i}:1 {999_999 - i}:2" for i in range(50)]
    p = _write(tmp_path / "big.xc", "50 1000000 2000000\n" + "\n".join(rows) + "\n")
    rows = [f"{i % 97},{19_999 - i} {i}:1 {999_999 - i}:2" for i in range(2000)]
    q = _write(tmp_path / "tall.xc", "2000 1000000 20000\n" + "\n".join(rows) + "\n")
    tracemalloc.start()
    try:
        n = sum(Y.nnz for _, Y in iter_libsvm_chunks(p, chunk_rows=10))
        _, chunk_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        ds = read_libsvm(q)
        _, whole_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 100 and ds.Y.shape == (2000, 20000) and ds.Y.nnz == 4000
    assert ds.Y[3, 19_996] == 1 and ds.X[3, 999_996] == 2
    assert chunk_peak < 2**21 and whole_peak < 2**23, (chunk_peak, whole_peak)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_writing_dense_and_sparse_labels_round_trips(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(libsvm, "_WRITE_ROWS", 7)  # written 7 rows at a time
    rng = np.random.default_rng(1)
    X = sp.random(40, 12, density=0.3, random_state=2, format="csr")
    Y = (rng.random((40, 500)) < 0.01).astype(np.int8)  # sparse label ids up to 499
    Y[0, 499] = 1
    Y[1] = 0
    ds = Dataset(X=X, Y=Y if kind == "dense" else sp.csr_matrix(Y), label_names=list(range(500)))
    p = write_libsvm(ds, tmp_path / f"{kind}.xc")
    assert p.read_text().splitlines()[0] == "40 12 500"
    back = read_libsvm(p)
    _same(back.X, X)
    np.testing.assert_array_equal(back.Y.toarray(), Y)
    chunks = list(iter_libsvm_chunks(p, chunk_rows=16))
    _same(sp.vstack([x for x, _ in chunks], format="csr"), X)
    np.testing.assert_array_equal(sp.vstack([y for _, y in chunks]).toarray(), Y)
