"""classification_report against scikit-learn's text and dict output."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwise.metrics.report import classification_report


def _both(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classification_report(*args, **kw), skm.classification_report(*args, **kw)


def _assert_dicts_equal(ours, ref):
    assert list(ours) == list(ref)
    for key, val in ref.items():
        if isinstance(val, dict):
            assert list(ours[key]) == list(val)
            np.testing.assert_allclose(list(ours[key].values()), list(val.values()), rtol=1e-9)
        else:
            assert ours[key] == pytest.approx(val, rel=1e-9)


def _bit_equal(ours, ref):
    """Dicts with the same keys in the same order and the same float values to the last bit."""
    if isinstance(ref, dict):
        return list(ours) == list(ref) and all(_bit_equal(ours[k], ref[k]) for k in ref)
    return ours == ref or (np.isnan(ours) and np.isnan(ref))


def _case(seed):
    """A seeded random problem: multi-label, one column, binary or multi-class; weighted or not."""
    rng = np.random.default_rng(seed)
    n, L = int(rng.integers(1, 40)), int(rng.integers(1, 9))
    yt = rng.random((n, L)) < rng.choice([0.1, 0.4, 0.8])
    yp = rng.random((n, L)) < 0.4
    if seed % 5 == 0:  # multi-class
        yt, yp = rng.integers(0, L + 2, n), rng.integers(0, L + 2, n)
    elif seed % 5 == 1:  # binary, 1-D
        yt, yp = yt[:, 0], yp[:, 0]
    weights = (None, None, rng.uniform(0.5, 2, n), rng.integers(1, 4, n).astype(float))
    zero_division = ("warn", 0.0, 1.0, np.nan)[seed // 5 % 4]
    return yt, yp, weights[seed % 4], zero_division


@pytest.mark.parametrize("block", range(4))
def test_report_prints_exactly_what_sklearn_prints(block):
    """200 seeded cases: the text (4 digits) and every dict value, to the bit.

    Sample, macro and weighted averages sum in scikit-learn's order; weighted counts add the
    weights row by row; so rounding boundaries fall the same way (before, about 1 in 20 of these
    cases printed a different last digit of the samples average).
    """
    for seed in range(block * 50, (block + 1) * 50):
        yt, yp, w, zd = _case(seed)
        kw = dict(sample_weight=w, zero_division=zd)
        ours, ref = _both(yt, yp, digits=4, **kw)
        assert ours == ref, f"seed {seed}"
        ours, ref = _both(yt, yp, output_dict=True, **kw)
        assert _bit_equal(ours, ref), f"seed {seed}"


@pytest.mark.parametrize("seed", [7, 39])
def test_samples_average_at_a_rounding_boundary(seed):
    """Cases whose samples-average F1 lies on a rounding boundary at 4 digits (0.25625 with
    summation error): summed in another order it printed 0.2563 where scikit-learn prints 0.2562."""
    rng = np.random.default_rng(seed)
    yt, yp = rng.random((16, 5)) < 0.4, rng.random((16, 5)) < 0.4
    ours, ref = _both(yt, yp, zero_division=0, digits=4)
    assert ours == ref


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 30), st.integers(2, 5), st.integers(0, 2**31 - 1), st.booleans())
def test_multilabel_report_equals_sklearn(n, L, seed, weighted):
    rng = np.random.default_rng(seed)
    yt = (rng.random((n, L)) < 0.4).astype(int)
    yp = (rng.random((n, L)) < 0.4).astype(int)
    w = rng.uniform(0.5, 2, n) if weighted else None
    for zd in ("warn", 0.0, 1.0):
        ours, ref = _both(yt, yp, sample_weight=w, output_dict=True, zero_division=zd)
        _assert_dicts_equal(ours, ref)
        if w is None:  # weighted supports print every digit; the dicts above compare them
            ours, ref = _both(yt, yp, digits=4, zero_division=zd)
            assert ours == ref


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2**31 - 1))
def test_multiclass_report_equals_sklearn(n, seed):
    rng = np.random.default_rng(seed)
    classes = np.array(["ant", "bee", "cat", "dog"])
    yt, yp = classes[rng.integers(0, 4, n)], classes[rng.integers(0, 4, n)]
    ours, ref = _both(yt, yp)
    assert ours == ref
    _assert_dicts_equal(*_both(yt, yp, output_dict=True))
    # a subset of labels: the micro row is "micro avg", not "accuracy"
    ours, ref = _both(yt, yp, labels=["cat", "ant"], target_names=["Cat", "Ant"])
    assert ours == ref
    _assert_dicts_equal(*_both(yt, yp, labels=["cat", "ant"], output_dict=True))


def test_dataframe_output():
    pd = pytest.importorskip("pandas")
    yt, yp = [0, 1, 2, 2], [0, 2, 2, 1]
    df = classification_report(yt, yp, output="dataframe")
    ref = skm.classification_report(yt, yp, output_dict=True)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["precision", "recall", "f1-score", "support"]
    assert df.loc["accuracy", "f1-score"] == pytest.approx(ref["accuracy"])
    assert np.isnan(df.loc["accuracy", "precision"])
    assert df.loc["macro avg", "recall"] == pytest.approx(ref["macro avg"]["recall"])
    assert df.loc["2", "support"] == 2


def test_label_list_names_are_row_names():
    rep = classification_report([["x"], ["x", "y"]], [["x"], ["y"]], output="dict")
    assert list(rep)[:2] == ["x", "y"]
    assert rep["x"]["recall"] == 0.5


def test_bad_arguments():
    with pytest.raises(ValueError, match="2 target_names"):
        classification_report([0, 1, 2], [0, 1, 1], target_names=["a", "b"])
    with pytest.warns(UserWarning, match="does not match size of target_names"):
        classification_report([0, 1, 2], [0, 1, 1], labels=[0, 1], target_names=["a"])
    with pytest.raises(ValueError, match="'output' must be one of"):
        classification_report([0, 1], [0, 1], output="html")
