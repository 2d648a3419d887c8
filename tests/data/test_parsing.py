"""The vectorised number parser against Python's float(), and the quoted splitter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.data._parsing import handle_nonfinite, parse_floats, split_quoted
from labelwise.errors import DataValueError

decimal = st.builds(
    lambda sign, i, f: f"{sign}{i}" + (f".{f}" if f is not None else ""),
    st.sampled_from(["", "-", "+"]),
    st.integers(0, 10**7),
    st.one_of(st.none(), st.from_regex(r"[0-9]{0,7}", fullmatch=True)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(decimal, st.floats(allow_nan=False).map(repr)), max_size=40))
def test_parse_floats_matches_python_float_exactly(tokens):
    text = " \n".join(tokens).encode()
    got = parse_floats(text)
    want = np.array([float(t) for t in tokens], dtype=np.float64)
    np.testing.assert_array_equal(got, want)
    assert got.tobytes() == want.tobytes() or np.array_equal(got, want)  # bit-exact up to -0.0


def test_parse_floats_reports_token_starts_and_rejects_garbage():
    values, starts = parse_floats(b"1.5  22\n-3", return_starts=True)
    np.testing.assert_array_equal(values, [1.5, 22.0, -3.0])
    np.testing.assert_array_equal(starts, [0, 5, 8])
    assert parse_floats(b" \n ").size == 0
    for bad in (b"1 x 2", b"1.2.3", b"1-2"):
        with pytest.raises(ValueError):
            parse_floats(bad)


def test_parse_floats_long_and_special_tokens_fall_back_to_strtod():
    tokens = ["0.10000000000000001", "1e-5", "nan", "inf", "12345678901234567"]
    got = parse_floats(" ".join(tokens).encode())
    want = np.array([float(t) for t in tokens])
    np.testing.assert_array_equal(got, want)


def test_split_quoted():
    assert split_quoted("a, 'b, c' ,\"d\"") == ["a", "b, c", "d"]
    assert split_quoted(r"'Swainson\'s Thrush',x") == ["Swainson's Thrush", "x"]
    with pytest.raises(ValueError, match="unclosed quote"):
        split_quoted("'abc, d")


def test_nan_rule_error_impute_keep():
    X = np.array([[1.0, np.nan], [3.0, 4.0], [np.inf, 8.0]])
    with pytest.raises(DataValueError, match=r"2 NaN or infinite") as err:
        handle_nonfinite(X, "error", path="f.csv", row_lines=np.array([2, 3, 4]),
                         feature_names=["a", "b"])  # fmt: skip
    assert err.value.line == 2 and err.value.column == "b"
    imputed = handle_nonfinite(X, "impute", path=None, row_lines=None, feature_names=None)
    np.testing.assert_array_equal(imputed, [[1.0, 6.0], [3.0, 4.0], [2.0, 8.0]])
    assert handle_nonfinite(X, "keep", path=None, row_lines=None, feature_names=None) is X


def test_impute_sparse_uses_the_mean_over_all_rows():
    import scipy.sparse as sp

    X = sp.csr_matrix(np.array([[np.nan, 1.0], [2.0, 0.0], [0.0, 3.0]]))
    out = handle_nonfinite(X, "impute", path=None, row_lines=None, feature_names=None)
    # column 0: finite values 2 and an implicit 0 -> mean 1
    np.testing.assert_array_equal(out.toarray(), [[1.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    assert np.isnan(X.toarray()[0, 0])  # the input is left alone
