"""``labelwise._inputs``: the one "is this text?" test and the one label alignment to a model.

References: ``LabelSpace.binarize(..., unknown="ignore")`` for the matrix, a count by hand for
the warning, and the text estimators' and NeuralClassifier's own messages, which use it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from labelwise._inputs import align_label_names, is_text_input
from labelwise.data.label_space import LabelSpace
from labelwise.errors import ProblemSetupWarning, UnknownLabelError


@pytest.mark.parametrize(
    "X, expected",
    [
        (["a", "b"], True),
        (("a",), True),
        (np.array(["a", "b"]), True),
        (np.array(["a", "b"], dtype=object), True),
        (pd.Series(["a", "b"]), True),
        ("a", False),
        (b"a", False),
        ([], False),
        (np.array([], dtype=str), False),
        (["a", 1.0], False),  # a number anywhere, not only among the first rows
        (["a"] * 200 + [None], False),
        (np.array([["a"], ["b"]]), False),
        (np.zeros((2, 3)), False),
        (sp.csr_matrix(np.eye(2)), False),
        (pd.DataFrame({"t": ["a"]}), False),
        ([[0.5, 1.0]], False),
    ],
)
def test_is_text_input(X, expected):
    assert is_text_input(X) is expected


def test_align_matches_label_space_binarize_and_counts_unseen():
    rng = np.random.default_rng(0)
    pool = ["a", "b", "c", "x", "y", 7]
    known = ["c", "a", "b", "7"]
    rows = [list(rng.choice(pool, size=rng.integers(0, 4), replace=False)) for _ in range(60)]
    rows = [[int(v) if v == "7" else str(v) for v in r] for r in rows]
    expected = LabelSpace(known).binarize(rows, unknown="ignore")
    counts = {n: sum(str(v) == n for r in rows for v in r) for n in ("x", "y")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Y = align_label_names(rows, known, who="demo", left_out_of="the score", stacklevel=1)
    assert Y.dtype == np.int8 and np.array_equal(Y, expected)
    (w,) = caught
    assert issubclass(w.category, ProblemSetupWarning) and w.filename == __file__
    msg = str(w.message)
    assert msg.startswith("demo: 2 label(s) never seen in training: ")
    assert all(f"{n!r} ({c} rows)" in msg for n, c in counts.items())
    assert msg.endswith("they are left out of the score.")


def test_align_error_names_the_row_and_ignore_is_silent():
    with pytest.raises(UnknownLabelError, match=r"demo: row 1 has the label 'z'.*knows 2 labels"):
        align_label_names([["a"], ["b", "z"]], ["a", "b"], who="demo", unknown="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y = align_label_names([["z"]], ["a", "b"], who="demo", unknown="ignore")
    assert Y.tolist() == [[0, 0]]
    with pytest.raises(ValueError, match="unknown must be one of"):
        align_label_names([], ["a"], who="demo", unknown="drop")
