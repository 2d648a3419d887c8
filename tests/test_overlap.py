"""Train/test overlap is caught where users are: ``check_overlap``, ``fit_and_evaluate``,
``labelwise fit --train/--test`` and ``labelwise inspect DATA --test TEST``.

The reference is a brute-force comparison of every test row with every training row, exactly and
after rounding each feature to 9 decimals (``np.round``); the data are built so that no value sits
near a rounding boundary, where the two roundings could legitimately disagree.
"""

from __future__ import annotations

import inspect
import json
import shutil
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from labelwise.cli import main
from labelwise.data import Dataset, write
from labelwise.datasets import load
from labelwise.errors import ProblemSetupWarning, ShapeError
from labelwise.pipeline import fit_and_evaluate
from labelwise.problem import check_overlap


def _brute_force(A, B, decimals=None):
    A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
    if decimals is not None:
        A, B = np.round(A, decimals), np.round(B, decimals)
    return [i for i, b in enumerate(B) if any(np.array_equal(a, b) for a in A)]


def _grid_data(seed=0, n_train=80, n_test=60, d=4):
    """Values on a 1e-3 grid; test rows: copies, copies off by 1e-12 (equal after rounding to
    1e-9), copies off by 1e-6 (different) and new rows."""
    rng = np.random.default_rng(seed)
    A = rng.integers(-2000, 2000, size=(n_train, d)) / 1000.0
    B = rng.integers(-2000, 2000, size=(n_test, d)) / 1000.0
    kind = rng.integers(0, 4, size=n_test)
    src = rng.integers(0, n_train, size=n_test)
    for i in range(n_test):
        if kind[i] == 0:
            B[i] = A[src[i]]
        elif kind[i] == 1:
            B[i] = A[src[i]] + rng.choice([-1e-12, 1e-12], size=d)
        elif kind[i] == 2:
            B[i] = A[src[i]]
            B[i, rng.integers(d)] += 1e-6
    return A, B


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("storage", ["dense", "sparse", "mixed", "lists", "float32"])
def test_counts_match_brute_force(seed, storage):
    A, B = _grid_data(seed)
    A[A < 0] = 0.0  # zeros, so that sparse storage has something to drop
    B[B < 0] = 0.0
    exact, rounded = _brute_force(A, B), _brute_force(A, B, 9)
    assert set(exact) < set(rounded)  # the data have both kinds
    if storage == "sparse":
        A_, B_ = sp.csr_matrix(A), sp.csr_matrix(B)
    elif storage == "mixed":
        A_, B_ = sp.csc_matrix(A), B
    elif storage == "lists":
        A_, B_ = A.tolist(), B.tolist()
    else:
        A_, B_ = A, B
    if storage == "float32":  # float32 copies of a float64 training set: equal after rounding?
        B32 = B.astype(np.float32)
        expected = _brute_force(A, B32.astype(float), 9)
        assert check_overlap(A, B32, warn=False).test_rows.tolist() == expected
        return
    r = check_overlap(A_, B_, warn=False)
    assert r.test_rows.tolist() == rounded
    assert (r.n_overlap, r.n_exact, r.n_test) == (len(rounded), len(exact), B.shape[0])


def test_sparse_explicit_zeros_and_negative_zero_match_dense():
    A = np.array([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])
    B = sp.csr_matrix(([-0.0, 1.0, 1e-12, 2.0, 3.0], [0, 1, 2, 0, 2], [0, 3, 5]), shape=(2, 3))
    # row 0 holds an explicit -0.0 and a 1e-12 that rounds to 0: equal to A[0] after rounding
    r = check_overlap(sp.csr_matrix(A), B, warn=False)
    assert r.test_rows.tolist() == [0, 1] and r.n_exact == 1
    assert check_overlap(A, B.toarray(), warn=False).test_rows.tolist() == [0, 1]


def test_texts_and_datasets():
    train = ["rates rise", "stocks fall", "rain in spain"]
    test = ["stocks fall", "Stocks fall", "rain in spain", "new text"]
    r = check_overlap(train, test, warn=False)
    assert r.test_rows.tolist() == [0, 2] and r.n_exact == 2
    Y = np.zeros((3, 2), dtype=int)
    d_train = Dataset(X=None, Y=Y, label_names=["a", "b"], texts=train)
    d_test = Dataset(X=None, Y=np.zeros((4, 2), dtype=int), label_names=["a", "b"], texts=test)
    assert check_overlap(d_train, d_test, warn=False).test_rows.tolist() == [0, 2]
    # features and texts: a row occurs in training when either matches
    Xtr, Xte = np.eye(3), np.array([[9.0, 9, 9], [1, 0, 0], [9, 9, 8], [0, 0, 1]])
    d_train.X, d_test.X = Xtr, Xte
    assert check_overlap(d_train, d_test, warn=False).test_rows.tolist() == [0, 1, 2, 3]
    # a text dataset with an empty feature matrix is compared by its texts only
    d_train.X, d_test.X = np.zeros((3, 0)), np.zeros((4, 0))
    assert check_overlap(d_train, d_test, warn=False).test_rows.tolist() == [0, 2]
    with pytest.raises(ShapeError, match="only features and the other only texts"):
        check_overlap(np.eye(2), ["a", "b"], warn=False)


def test_warning_count_share_and_severity():
    X = np.arange(1, 41, dtype=float).reshape(20, 2)  # every row has two non-zero features
    new = np.full((1, 2), 99.0)
    with pytest.warns(ProblemSetupWarning) as rec:
        check_overlap(X, np.vstack([X[:2], new, new, new]), where="somewhere")
    msg = str(rec[0].message)
    assert msg.startswith("somewhere: 2 of 5 test rows (40.0%) also occur in the training set")
    assert "possible leakage" in msg and "not a test of generalisation" not in msg
    with pytest.warns(ProblemSetupWarning) as rec:  # exactly half: not above 50%
        check_overlap(X, np.vstack([X[:2], new, new]))
    assert "not a test of generalisation" not in str(rec[0].message)
    with pytest.warns(ProblemSetupWarning) as rec:
        check_overlap(X, np.vstack([X[:2], X[3] + 1e-12, new]))
    msg = str(rec[0].message)
    assert "3 of 4 test rows (75.0%)" in msg and "2 exact duplicates" in msg
    assert "1 more equal after rounding the features to 1e-9" in msg
    assert "the results are not a test of generalisation" in msg
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_overlap(X[:10], X[10:]).n_overlap == 0


def test_feature_mismatch_is_a_clear_error():
    with pytest.raises(ShapeError, match="X_train has 2 features but X_test has 3"):
        check_overlap(np.zeros((2, 2)), np.zeros((2, 3)))


def test_real_split_the_bundled_scene_test_set_repeats_six_training_rows():
    train, test = load("scene", split="train"), load("scene", split="test")
    A, B = train.X, test.X
    # reference: a dictionary of rows, built independently of labelwise
    seen = {tuple(np.round(row, 9)) for row in A}
    expected = [i for i, row in enumerate(B) if tuple(np.round(row, 9)) in seen]
    r = check_overlap(train, test, warn=False)
    assert r.test_rows.tolist() == expected and len(expected) == 6


def test_fit_and_evaluate_warns_about_a_test_set_made_of_training_rows():
    train = load("emotions", split="train")
    rng = np.random.default_rng(0)
    rows = rng.choice(train.n_samples, size=150, replace=False)
    test = train.subset(rows)
    test.X = test.X + 1e-12 * (test.X != 0)  # written back with a rounding error
    with pytest.warns(ProblemSetupWarning, match="not a test of generalisation") as rec:
        result = fit_and_evaluate(train, test, rule="fixed")
    msg = next(str(w.message) for w in rec if "training set" in str(w.message))
    assert "150 of 150 test rows (100.0%) also occur in the training set" in msg
    assert result.overlap.n_overlap == 150
    clean = fit_and_evaluate(train, load("emotions", split="test"), rule="fixed")
    assert clean.overlap.n_overlap == 0


def _cli(*args):
    # stdout and stderr apart (click >= 8.2 always keeps them apart; 8.1 needs mix_stderr)
    kw = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    return CliRunner(**kw).invoke(main, [str(a) for a in args])


def test_cli_fit_on_a_copied_public_split(mulan_dir, tmp_path):
    """The issue's case: the test file is the training file again."""
    copy = tmp_path / "flags-test.arff"
    shutil.copy(mulan_dir / "flags-train.arff", copy)
    labels = mulan_dir / "flags.xml"
    result = _cli(
        "fit", "--rule", "fixed", "--json",
        "--train", mulan_dir / "flags-train.arff", "--test", copy, "--labels", labels,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["overlap"]["n_overlap"] == out["overlap"]["n_test"] == 129
    leak = [w for w in out["warnings"] if "also occur in the training set" in w]
    assert len(leak) == 1 and "129 of 129 test rows (100.0%)" in leak[0]
    assert "not a test of generalisation" in leak[0]
    assert f"warning: {leak[0]}" in result.stderr
    honest = _cli(
        "fit", "--rule", "fixed",
        "--train", mulan_dir / "flags-train.arff", "--test", mulan_dir / "flags-test.arff",
        "--labels", labels,
    )  # fmt: skip
    assert honest.exit_code == 0 and "training set" not in honest.stderr


def test_cli_inspect_test_on_bundled_data_written_to_files(tmp_path):
    train = load("scene", split="train")
    test = load("scene", split="test")
    p_train = write(train, tmp_path / "scene-train.arff")
    p_test = write(test, tmp_path / "scene-test.arff")
    result = _cli("inspect", p_train, "--test", p_test, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["overlap"]["n_overlap"] == 6 and out["overlap"]["n_test"] == 1196
    assert out["overlap"]["first_test_rows"] == [318, 605, 612, 613, 726, 922]
    assert any("6 of 1196 test rows (0.5%)" in w for w in out["warnings"])
    text = _cli("inspect", p_train, "--test", p_test)
    assert text.exit_code == 0
    assert "Train/test overlap with" in text.stdout and "possible leakage" in text.stdout
    mismatch = _cli("inspect", p_train, "--test", write(load("emotions"), tmp_path / "e.arff"))
    assert mismatch.exit_code == 1
    assert mismatch.stderr.startswith("Error: ") and "features" in mismatch.stderr


def test_cli_fit_on_text_files_whose_test_repeats_training_texts(tmp_path):
    reuters = load("reuters", split="train").subset(list(range(80)))
    rows = [
        {"text": t, "labels": ls}
        for t, ls in zip(reuters.texts, reuters.label_lists(), strict=True)
    ]
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows))
    test.write_text("".join(json.dumps(r) + "\n" for r in rows[60:] + rows[:20]))
    result = _cli(
        "fit", "--rule", "fixed", "--json", "--train", train, "--test", test, "--labels", "labels"
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["overlap"]["n_overlap"], out["overlap"]["n_test"]) == (40, 40)
    assert any("40 of 40 test rows (100.0%)" in w for w in out["warnings"])


# ------------------------------------------------------------ features vs labels (issue 19)


def _brute_force_labels(Xa, Ya, Xb, Yb):
    """Per test row: feature match, same labels as a feature-matching training row, nnz <= 1."""
    match, same, few = [], [], []
    for i in range(Xb.shape[0]):
        hits = [j for j in range(Xa.shape[0]) if np.array_equal(Xa[j], Xb[i])]
        match.append(bool(hits))
        same.append(any(np.array_equal(Ya[j], Yb[i]) for j in hits))
        few.append(bool(hits) and np.count_nonzero(Xb[i]) <= 1)
    return np.array(match), np.array(same), np.array(few)


@pytest.mark.parametrize("seed", range(3))
def test_label_aware_counts_match_brute_force(seed):
    """Sparse binary rows with few words (as in Delicious): one-word rows collide by chance."""
    rng = np.random.default_rng(seed)
    n_tr, n_te, d, L = 120, 80, 6, 3
    Xa = (rng.random((n_tr, d)) < 0.25).astype(float)
    Xb = (rng.random((n_te, d)) < 0.25).astype(float)
    Xb[:20] = Xa[rng.integers(0, n_tr, 20)]  # copies: some keep their labels below
    Ya = (rng.random((n_tr, L)) < 0.4).astype(int)
    Yb = (rng.random((n_te, L)) < 0.4).astype(int)
    names = ["x", "y", "z"]
    match, same, few = _brute_force_labels(Xa, Ya, Xb, Yb)
    assert same.any() and (match & ~same).any() and few.any()  # every kind occurs
    tr = Dataset(X=sp.csr_matrix(Xa), Y=Ya, label_names=names)
    te = Dataset(X=sp.csr_matrix(Xb), Y=Yb, label_names=names)
    r = check_overlap(tr, te, warn=False)
    assert r.test_rows.tolist() == np.flatnonzero(match).tolist()
    assert r.n_same_labels == same.sum()
    assert r.same_label_rows.tolist() == np.flatnonzero(same).tolist()
    assert r.n_few_features == few.sum()
    assert r.leak_rows.tolist() == np.flatnonzero(same & ~few).tolist()
    d = r.to_dict()
    assert (d["n_same_labels"], d["n_few_features"], d["n_leak"]) == (
        same.sum(),
        few.sum(),
        (same & ~few).sum(),
    )


def test_same_features_different_labels_is_not_called_leakage():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    tr = Dataset(X=X, Y=np.array([[1, 0], [0, 1], [1, 1]]), label_names=["a", "b"])
    te = Dataset(X=X[:2], Y=np.array([[0, 1], [1, 0]]), label_names=["a", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: nothing leaked
        r = check_overlap(tr, te)
    assert (r.n_overlap, r.n_same_labels, r.n_few_features, r.n_leak) == (2, 0, 0, 0)
    assert "0 of them also have the same label set" in r.message
    assert "2 have different labels, which is not leakage of the answer" in r.message
    assert r.message.endswith("No sign of leakage.")
    assert "possible leakage" not in r.message


def test_labels_are_compared_by_name_not_column():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    tr = Dataset(X=X, Y=np.array([[1, 0], [0, 1]]), label_names=["a", "b"])
    te = Dataset(X=X, Y=np.array([[0, 1], [1, 0]]), label_names=["b", "a"])  # same sets
    with pytest.warns(ProblemSetupWarning) as rec:
        r = check_overlap(tr, te, where="inspect")
    assert r.n_same_labels == 2 and r.n_leak == 2
    msg = str(rec[0].message)
    assert msg.startswith("inspect: 2 of 2 test rows (100.0%) also occur in the training set")
    assert "2 of them also have the same label set (exact duplicates of features and labels)" in msg
    assert "With 2 duplicates (100.0% of the test rows) the results are not a test" in msg


def test_one_hot_rows_are_expected_by_chance():
    """Rows with a single word equal a training row without leaking anything."""
    tr = sp.csr_matrix(np.eye(5))
    te = sp.csr_matrix(np.vstack([np.eye(5)[:3], [[1.0, 1, 0, 0, 0]]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = check_overlap(tr, te)
    assert (r.n_overlap, r.n_same_labels, r.n_few_features, r.n_leak) == (3, None, 3, 0)
    assert "3 of them have at most one non-zero feature, so equal rows are expected" in r.message
    assert r.message.endswith("No sign of leakage.")


def test_delicious_overlap_in_words(mulan_dir):
    """Issue 19's numbers: 871 feature matches, 460 with one word, 63 with the same tags."""
    from labelwise.data import read

    xml = mulan_dir / "delicious.xml"
    tr = read(mulan_dir / "delicious-train.arff", labels=xml)
    te = read(mulan_dir / "delicious-test.arff", labels=xml)
    r = check_overlap(tr, te, warn=False)
    assert (r.n_overlap, r.n_test, r.n_few_features, r.n_same_labels) == (871, 3185, 460, 63)
    assert r.n_leak == 56  # same tags and more than one word
    assert "808 have different labels, which is not leakage of the answer" in r.message
    assert "(1.8% of the test rows) this is possible leakage" in r.message
