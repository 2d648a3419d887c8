"""Stratified splits for multi-label data: iterative stratification, first and second order.

Iterative stratification (Sechidis, Tsoumakas and Vlahavas, "On the Stratification of Multi-Label
Data", ECML PKDD 2011) deals out examples label by label, rarest label first. Each example of the
current label goes to the subset that still wants the most examples *of that label*; ties go to the
subset that wants the most examples overall, then are broken at random. Every subset's wishes are
then lowered for all of the example's labels. Examples without labels fill the subsets that still
want the most examples.

One refinement over the paper: a tie on the current label is first broken by the example's *other*
labels (the subset whose summed wishes over all of the example's labels are largest), and only then
by overall size and at random. The paper's rule ignores the other labels at this point; using them
roughly halves the label-distribution deviation on the Mulan benchmarks (see
``benchmarks/RESULTS.md``) at no extra cost.

The second-order variant (Szymański and Kajdanowicz, "A Network Perspective on Stratification of
Multi-Label Data", PMLR 74, 2017) runs the same procedure on label *pairs*. Here ``order=2``
stratifies on the co-occurring label pairs **and** the single labels, so that an example with one
label is still dealt out by its label (rather than as an unlabelled example). It balances label
pairs much better than ``order=1`` at the price of a slightly less even spread of single labels.

Rarely, and mostly on small data, all examples of a label are placed (while rarer labels are dealt
out) in fewer subsets than they could cover, e.g. a label with ``k`` examples missing from one
subset. A repair pass then swaps one of them with an example of the subset that misses the label,
choosing a swap that empties no other (subset, label) cell; the subset sizes do not change. On tiny
data (a handful of examples per subset) no such single swap may exist, and the gap stays.

The bookkeeping is per-label lists of example indices and per-example lists of labels (both read
off a CSR matrix once); the loop over examples touches only the ``k`` wishes of the example's
labels, so a split costs O(nnz * k) plus O(n_labels^2) to pick the labels.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state

from labelwise._validation import Interval, Options, check_params, validate_params
from labelwise.data.targets import as_array, check_targets
from labelwise.errors import ShapeError

__all__ = ["MultilabelStratifiedKFold", "iterative_stratification", "train_test_split"]

_MAX_SWAP_CANDIDATES = 200


def _as_label_matrix(y: Any, name: str = "y") -> sp.csr_matrix:
    """Canonical 0/1 CSR matrix of ``y`` (any form the target gate accepts)."""
    Y = check_targets(y, name=name).Y
    Y = sp.csr_matrix(Y, dtype=np.int8)
    Y.eliminate_zeros()
    Y.sort_indices()
    return Y


def _with_label_pairs(Y: sp.csr_matrix) -> sp.csr_matrix:
    """Append one column per co-occurring label pair (the pair's indicator) to ``Y``."""
    n = Y.shape[0]
    rows: list[int] = []
    cols: list[int] = []
    pair_col: dict[tuple[int, int], int] = {}
    indptr, indices = Y.indptr, Y.indices
    for i in range(n):
        labels = indices[indptr[i] : indptr[i + 1]].tolist()
        for a_pos in range(len(labels) - 1):
            a = labels[a_pos]
            for b in labels[a_pos + 1 :]:
                col = pair_col.setdefault((a, b), len(pair_col))
                rows.append(i)
                cols.append(col)
    pairs = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, len(pair_col))
    )
    out = sp.hstack([Y, pairs], format="csr", dtype=np.int8)
    out.sort_indices()
    return out


def iterative_stratification(
    y: Any,
    ratios: Any,
    *,
    order: int = 1,
    random_state: int | np.random.RandomState | None = None,
) -> np.ndarray:
    """Assign each example to a subset so that every label is spread in the given proportions.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
        Targets in any form :func:`labelwise.data.check_targets` accepts.
    ratios : sequence of float
        The share of examples each subset should get; normalised to sum to 1.
    order : {1, 2}, default=1
        1 stratifies on labels (Sechidis et al., 2011); 2 on labels and co-occurring label pairs
        (Szymański and Kajdanowicz, 2017).
    random_state : int, RandomState or None
        Breaks ties; the same seed gives the same assignment. Examples are processed in the order
        given (shuffle them first for a random order).

    Returns
    -------
    ndarray of int of shape (n_samples,)
        The subset (0-based) of each example.

    Examples
    --------
    >>> Y = [[1, 0], [1, 0], [1, 1], [0, 1], [0, 0], [0, 1]]
    >>> iterative_stratification(Y, [0.5, 0.5], random_state=0)
    array([0, 1, 1, 0, 0, 1])
    """
    check_params({"order": order}, {"order": [Options({1, 2})]}, caller="iterative_stratification")
    r = np.asarray(ratios, dtype=np.float64).ravel()
    if r.size < 2 or not np.all(np.isfinite(r)) or np.any(r <= 0):
        raise ValueError(
            "iterative_stratification: ratios must be at least two positive numbers; "
            f"got {ratios!r}."
        )
    r = r / r.sum()
    return _assign(_as_label_matrix(y), r, order, check_random_state(random_state))


def _assign(Y: sp.csr_matrix, r: np.ndarray, order: int, rng: np.random.RandomState) -> np.ndarray:
    """Deal the rows of ``Y`` out to ``len(r)`` subsets; make sure no subset misses a label."""
    folds = _stratify(_with_label_pairs(Y) if order == 2 else Y, r, rng)
    _put_each_label_in_every_subset(Y, folds, r.size)
    return folds


def _stratify(Y: sp.csr_matrix, r: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
    n, m = Y.shape
    k = r.size
    fold_of = [-1] * n
    wanted_total = (r * n).tolist()
    counts = np.asarray(Y.sum(axis=0)).ravel().astype(np.int64)
    # wanted[l][j]: how many more examples of label l subset j wants.
    wanted = np.outer(counts, r).tolist()
    row_labels = np.split(Y.indices, Y.indptr[1:-1])
    row_labels = [x.tolist() for x in row_labels]
    Yc = Y.tocsc()
    label_rows = [Yc.indices[Yc.indptr[j] : Yc.indptr[j + 1]].tolist() for j in range(m)]
    draws = rng.random_sample(n + m).tolist()  # pre-drawn uniforms for tie-breaks
    draw = 0
    folds = range(k)

    remaining = counts.astype(np.float64)
    remaining[remaining == 0] = np.inf
    for _ in range(m):
        fewest = remaining.min()
        if not np.isfinite(fewest):
            break
        tied = np.flatnonzero(remaining == fewest)
        label = (
            int(tied[int(draws[draw % len(draws)] * tied.size)]) if tied.size > 1 else int(tied[0])
        )
        draw += tied.size > 1
        label_wanted = wanted[label]
        placed: list[int] = []
        for i in label_rows[label]:
            if fold_of[i] >= 0:
                continue
            best = max(label_wanted)
            cand = [j for j in folds if label_wanted[j] == best]
            if len(cand) > 1:
                labs = row_labels[i]
                need = [sum(wanted[o][j] for o in labs) for j in cand]
                top = max(need)
                cand = [j for j, v in zip(cand, need, strict=True) if v == top]
            if len(cand) > 1:
                most = max(wanted_total[j] for j in cand)
                cand = [j for j in cand if wanted_total[j] == most]
                if len(cand) > 1:
                    u = draws[draw % len(draws)]
                    draw += 1
                    cand = [cand[int(u * len(cand))]]
            j = cand[0]
            fold_of[i] = j
            wanted_total[j] -= 1
            for other in row_labels[i]:
                wanted[other][j] -= 1
            placed.append(i)
        if placed:
            done = np.concatenate([np.asarray(row_labels[i], dtype=np.intp) for i in placed])
            remaining -= np.bincount(done, minlength=m)
        remaining[label] = np.inf
        remaining[remaining <= 0] = np.inf

    out = np.asarray(fold_of, dtype=np.intp)
    unlabelled = np.flatnonzero(out < 0)
    if unlabelled.size:
        out[unlabelled] = _fill_by_size(unlabelled.size, wanted_total, rng)
    return out


def _put_each_label_in_every_subset(Y: sp.csr_matrix, folds: np.ndarray, k: int) -> None:
    """Repair, in place, subsets that miss a label another subset holds twice or more.

    Rarely every example of a label has already been placed, while rarer labels were dealt out,
    in fewer subsets than it could cover. Then an example of the label from a subset holding two or
    more of it is swapped with an example of the subset that misses it (preferring examples with
    few labels). First for labels with at least ``k`` examples, by swaps that empty no (subset,
    label) cell of such a label; then for all labels, by swaps that empty no cell at all. Each swap
    covers one more protected cell, so both passes end.
    """
    n, L = Y.shape
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), folds)), shape=(n, k))
    per_fold = np.rint((onehot.T @ Y).toarray()).astype(np.int64)  # (k, L) label counts
    if not np.any((per_fold == 0) & (per_fold.max(axis=0) >= 2)):
        return
    n_labels = np.diff(Y.indptr)
    Yc = Y.tocsc()
    frequent = per_fold.sum(axis=0) >= k
    for protect in (frequent, np.ones(L, dtype=bool)):
        unfixable: set[tuple[int, int]] = set()
        for _ in range(k * L):
            gaps = np.argwhere((per_fold == 0) & (per_fold.max(axis=0) >= 2) & protect)
            gaps = [(int(a), int(b)) for a, b in gaps if (int(a), int(b)) not in unfixable]
            if not gaps:
                break
            target, label = gaps[0]
            swap = _find_swap(Y, Yc, folds, per_fold, n_labels, target, label, protect)
            if swap is None:
                unfixable.add((target, label))
                continue
            i, e, d_i, d_e = swap
            source = int(folds[i])
            per_fold[source] += d_e - d_i
            per_fold[target] += d_i - d_e
            folds[i], folds[e] = target, source


def _find_swap(
    Y: sp.csr_matrix,
    Yc: sp.csc_matrix,
    folds: np.ndarray,
    per_fold: np.ndarray,
    n_labels: np.ndarray,
    target: int,
    label: int,
    protect: np.ndarray,
) -> tuple[int, int, np.ndarray, np.ndarray] | None:
    """A (donor, member) swap bringing ``label`` into ``target`` and emptying no protected cell."""
    # candidates with the fewest labels first; a few hundred suffice and bound the cost
    members = np.flatnonzero(folds == target)
    members = members[np.argsort(n_labels[members], kind="stable")][:_MAX_SWAP_CANDIDATES]
    donors = Yc.indices[Yc.indptr[label] : Yc.indptr[label + 1]]
    donors = donors[per_fold[folds[donors], label] >= 2]
    donors = donors[np.argsort(n_labels[donors], kind="stable")][:_MAX_SWAP_CANDIDATES]
    if members.size == 0 or donors.size == 0:
        return None
    D_members = Y[members].toarray().astype(np.int64)
    for i in donors:
        source = folds[i]
        d_i = Y[i].toarray().ravel().astype(np.int64)
        gives = per_fold[source] - d_i + D_members  # source after the swap, per member
        gets = per_fold[target] + d_i - D_members  # target after the swap
        emptied = ((gives == 0) & (per_fold[source] > 0)) | ((gets == 0) & (per_fold[target] > 0))
        ok = ~np.any(emptied & protect, axis=1)
        if ok.any():
            m = int(np.argmax(ok))
            return int(i), int(members[m]), d_i, D_members[m]
    return None


def _fill_by_size(n_rows: int, wanted_total: list[float], rng: np.random.RandomState) -> np.ndarray:
    """Deal ``n_rows`` examples one by one to the subset that still wants the most examples."""
    wanted_total = list(wanted_total)
    draws = rng.random_sample(n_rows).tolist()
    out = np.empty(n_rows, dtype=np.intp)
    for t in range(n_rows):
        most = max(wanted_total)
        cand = [j for j, w in enumerate(wanted_total) if w == most]
        j = cand[int(draws[t] * len(cand))] if len(cand) > 1 else cand[0]
        out[t] = j
        wanted_total[j] -= 1
    return out


def _num_rows(a: Any) -> int:
    if hasattr(a, "shape") and len(a.shape) > 0:
        return int(a.shape[0])
    return len(a)


def _take(a: Any, rows: np.ndarray) -> Any:
    """Rows of a numpy array, sparse matrix, pandas object, torch tensor or list."""
    if hasattr(a, "iloc"):
        return a.iloc[rows]
    if sp.issparse(a):
        return sp.csr_matrix(a)[rows]
    if isinstance(a, np.ndarray) or type(a).__module__.startswith("torch"):
        return a[rows]
    return [a[i] for i in rows.tolist()]


_SPLIT_PARAMS = {
    "test_size": [
        Interval(numbers.Real, 0, 1, closed="neither"),
        Interval(numbers.Integral, 1, None),
    ],
    "order": [Options({1, 2})],
    "shuffle": [bool],
}


def train_test_split(
    *arrays: Any,
    test_size: float | int = 0.25,
    order: int = 1,
    stratify: Any = None,
    random_state: int | np.random.RandomState | None = None,
    shuffle: bool = True,
) -> list[Any]:
    """Split arrays into train and test parts, stratified on a multi-label target.

    Like :func:`sklearn.model_selection.train_test_split`, but the split is made by iterative
    stratification so every label (and, with ``order=2``, every co-occurring label pair) is spread
    between the two parts in the requested proportion.

    Parameters
    ----------
    *arrays : array-likes, sparse matrices, DataFrames or lists with the same number of rows
        What to split, e.g. ``X, Y``.
    test_size : float in (0, 1) or int, default=0.25
        Share (float) or number (int) of examples for the test part. The split meets it to within
        a few examples: stratification takes precedence over the exact size.
    order : {1, 2}, default=1
        Stratify on labels (1) or on labels and label pairs (2).
    stratify : array-like or sparse matrix, optional
        The targets to stratify on; default: the last of ``arrays``.
    random_state : int, RandomState or None
        Seed for the shuffle and the tie-breaks; the same seed gives the same split.
    shuffle : bool, default=True
        Shuffle the examples before dealing them out.

    Returns
    -------
    list
        ``[a_train, a_test, b_train, b_test, ...]``, each of the input's type.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(16).reshape(8, 2)
    >>> Y = np.array([[1, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 1], [0, 0], [0, 0]])
    >>> X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.5, random_state=0)
    >>> Y_train.sum(axis=0), Y_test.sum(axis=0)
    (array([2, 2]), array([2, 2]))
    """
    if not arrays:
        raise ValueError("train_test_split: at least one array is required.")
    check_params(
        {"test_size": test_size, "order": order, "shuffle": shuffle},
        _SPLIT_PARAMS,
        caller="train_test_split",
    )
    n = _num_rows(arrays[0])
    for pos, a in enumerate(arrays[1:], start=1):
        if _num_rows(a) != n:
            raise ShapeError(
                f"train_test_split: array {pos} has {_num_rows(a)} rows but array 0 has {n}; "
                "all arrays must have one row per example."
            )
    Y = stratify if stratify is not None else arrays[-1]
    if _num_rows(Y) != n:
        raise ShapeError(f"train_test_split: stratify has {_num_rows(Y)} rows; expected {n}.")
    n_test = test_size if isinstance(test_size, numbers.Integral) else test_size * n
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: test_size={test_size!r} leaves no examples for train or test "
            f"with {n} examples."
        )
    rng = check_random_state(random_state)
    Ycsr = _as_label_matrix(as_array(Y), name="stratify")
    order_rows = rng.permutation(n) if shuffle else np.arange(n)
    folds = np.empty(n, dtype=np.intp)
    folds[order_rows] = _assign(Ycsr[order_rows], np.array([n - n_test, n_test]) / n, order, rng)
    train, test = np.flatnonzero(folds == 0), np.flatnonzero(folds == 1)
    out: list[Any] = []
    for a in arrays:
        out.extend((_take(a, train), _take(a, test)))
    return out


class MultilabelStratifiedKFold(BaseCrossValidator):
    """K-fold cross-validation stratified on multi-label targets by iterative stratification.

    A scikit-learn splitter: use it as ``cv=`` in ``cross_val_score``, ``GridSearchCV`` and
    friends. Every label with at least ``n_splits`` examples appears in every test fold (unless the
    data are so small that no swap of two examples can achieve it), and each label's share in each
    fold stays close to its share in the whole data.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    order : {1, 2}, default=1
        Stratify on labels (Sechidis et al., 2011) or on labels and co-occurring label pairs
        (Szymański and Kajdanowicz, 2017).
    shuffle : bool, default=False
        Shuffle the examples before dealing them out. Without shuffling, examples are dealt in
        their given order and only ties are broken at random.
    random_state : int, RandomState or None
        Seed for the shuffle and tie-breaks; a fixed seed gives the same folds on every call.

    Examples
    --------
    >>> import numpy as np
    >>> Y = np.array([[1, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 1], [0, 0], [0, 0]])
    >>> cv = MultilabelStratifiedKFold(n_splits=2, random_state=0)
    >>> for train, test in cv.split(np.zeros((8, 1)), Y):
    ...     print(test, Y[test].sum(axis=0))
    [1 3 5 7] [2 2]
    [0 2 4 6] [2 2]
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_splits": [Interval(numbers.Integral, 2, None)],
        "order": [Options({1, 2})],
        "shuffle": [bool],
        "random_state": [None, numbers.Integral, np.random.RandomState],
    }

    def __init__(
        self,
        n_splits: int = 5,
        *,
        order: int = 1,
        shuffle: bool = False,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_splits = n_splits
        self.order = order
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds."""
        return self.n_splits

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_indices, test_indices)`` for each fold.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Only its number of rows is used.
        y : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
            The targets to stratify on (required).
        groups : ignored
        """
        folds = self._test_folds(X, y)
        for j in range(self.n_splits):
            yield np.flatnonzero(folds != j), np.flatnonzero(folds == j)

    def _iter_test_masks(self, X: Any = None, y: Any = None, groups: Any = None) -> Iterator:
        folds = self._test_folds(X, y)
        for j in range(self.n_splits):
            yield folds == j

    def _test_folds(self, X: Any, y: Any) -> np.ndarray:
        validate_params(self)
        if y is None:
            raise ValueError(f"{type(self).__name__}.split needs y, the targets to stratify on.")
        y = as_array(y)
        n = _num_rows(y)
        if X is not None and _num_rows(as_array(X)) != n:
            raise ShapeError(f"X has {_num_rows(as_array(X))} rows but y has {n}.")
        if self.n_splits > n:
            raise ValueError(
                f"{type(self).__name__}: cannot make n_splits={self.n_splits} folds from "
                f"{n} examples; lower n_splits."
            )
        Y = _as_label_matrix(y)
        rng = check_random_state(self.random_state)
        rows = rng.permutation(n) if self.shuffle else np.arange(n)
        folds = np.empty(n, dtype=np.intp)
        folds[rows] = _assign(Y[rows], np.full(self.n_splits, 1.0 / self.n_splits), self.order, rng)
        return folds
