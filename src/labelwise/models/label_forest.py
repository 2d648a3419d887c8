"""A forest of instance trees (FastXML/CRAFTML family) for many labels: leaves hold label means.

Each tree partitions the *examples*, not the labels: it is a regression tree grown on the
training features towards a random projection of the label vectors, and each leaf stores the mean
label vector of the training rows that reach it (a sparse vector). A row's score for a label is
the mean, over the trees, of that label's frequency in the leaf the row falls in, so the forest
behaves like an adaptive nearest-neighbour method (Breiman's proximity: two rows are neighbours
when they share leaves), which is why FastXML (Prabhu & Varma, KDD 2014) ranks so well on
Delicious. Projecting the labels follows CRAFTML (Siblini, Kuntz & Meyer, ICML 2018): the tree's
split criterion (variance reduction) is computed on ``projection_dim`` dimensions instead of L, so
growing a tree costs ``O(rows x depth x max_features x projection_dim)`` whatever the number of
labels, and each tree sees another projection (``random_state + t``), which decorrelates them.

Label vectors are L2-normalised before the projection (a row with 40 tags weighs as much as a row
with 2) and projected with a Gaussian matrix generated in blocks of labels, so memory is
``O(nnz(Y) + rows x projection_dim)``. The trees are scikit-learn's CART regressors (extremely
randomised splits by default, Geurts et al. 2006); after growing, only their split arrays are kept
and the leaves' label means are computed from the full sparse Y with the leaf of each training
row, so the model holds ``O(nodes + stored leaf labels)`` values, at most ``max_leaf_labels`` per
leaf.

Defaults were chosen by 3-fold cross-validation of mean P@1/3/5 on the Delicious *training*
rows (benchmarks/results/label_forest.md; 20 trees unless stated): minimum leaf size 2 (1
memorises single rows: 6.2 points worse; 5: 0.8 worse), ``max_features="sqrt"`` (all features:
2.8 worse; 15% of them: 0.7 worse), random splits (best splits: 0.3 worse with 20 trees, 0.1
better with 50: a tie), a small projection (16 to 256 dimensions within 0.1 of each other), 50
trees (20: 0.6 worse).
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted, validate_data

from labelwise._validation import Interval, Options
from labelwise.data.targets import check_targets
from labelwise.decision._base import DecisionRule
from labelwise.decision.ranking_rules import TopK
from labelwise.errors import ModelFileError, ShapeError, TargetError
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import check_predict_X, multilabel_tags
from labelwise.models.label_tree import sparse_top_k
from labelwise.models.top_k import check_k

__all__ = ["LabelForest"]

_DTYPE = np.float32  # scikit-learn's trees compare features as float32
_PROJECTION_BLOCK = 1 << 14  # labels per block of the generated projection matrix
_BATCH_ENTRIES = 1 << 22  # leaf label entries gathered per prediction batch


def _check_targets(Y: Any, n_rows: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Y as a sparse 0/1 CSR matrix (a sparse Y is never densified) and the label names."""
    if Y is None:
        raise TargetError(
            "LabelForest requires y to be passed, but the target y is None; pass Y, an "
            "(n_samples, n_labels) 0/1 matrix or lists of label names."
        )
    targets = check_targets(Y, name="Y")
    if targets.kind != "multilabel" or targets.n_labels < 2:
        raise TargetError(
            f"LabelForest: Y describes a {targets.kind} problem with {targets.n_labels} "
            "label(s); a multi-label model needs an (n_samples, n_labels) 0/1 matrix with at "
            "least 2 labels. For one binary or multi-class target use a binary classifier."
        )
    Yc = sp.csr_matrix(targets.Y, dtype=np.float64)
    if Yc.shape[0] != n_rows:
        raise ShapeError(
            f"LabelForest: X has {n_rows} rows (samples) but Y has {Yc.shape[0]}; they must "
            "describe the same samples, one row each."
        )
    Yc.eliminate_zeros()
    if Yc.nnz == 0:
        raise TargetError(
            f"LabelForest: Y has no positive entry in any of its {Yc.shape[1]} labels; there "
            "is nothing to learn."
        )
    return Yc, np.asarray(targets.classes)


def _project_labels(Y: sp.csr_matrix, dim: int | None, seed: int) -> np.ndarray:
    """The tree's regression targets: L2-normalised label rows times a Gaussian matrix.

    ``dim=None``: the normalised label rows themselves (dense n x L; for small L).
    """
    norms = np.sqrt(np.asarray(Y.sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    Yn = sp.csr_matrix(sp.diags(1.0 / norms) @ Y)
    if dim is None:
        return Yn.toarray()
    rng = np.random.default_rng(seed)
    Z = np.zeros((Y.shape[0], dim))
    for lo in range(0, Y.shape[1], _PROJECTION_BLOCK):  # the L x dim matrix is never held whole
        hi = min(Y.shape[1], lo + _PROJECTION_BLOCK)
        Z += Yn[:, lo:hi] @ rng.standard_normal((hi - lo, dim))
    return Z / np.sqrt(dim)


def _top_per_leaf(M: sp.csr_matrix, m: int | None) -> sp.csr_matrix:
    """Keep each leaf's ``m`` most frequent labels (all with ``None``)."""
    sizes = np.diff(M.indptr)
    if m is None or sizes.max(initial=0) <= m:
        return M
    big = np.flatnonzero(sizes > m)  # only these rows need a selection
    keep = np.ones(M.nnz, dtype=bool)
    for i in big:
        lo, hi = M.indptr[i], M.indptr[i + 1]
        drop = np.argsort(-M.data[lo:hi], kind="stable")[m:]  # ties: lower label kept
        keep[lo + drop] = False
    rows = np.repeat(np.arange(M.shape[0]), sizes)
    out = sp.csr_matrix((M.data[keep], (rows[keep], M.indices[keep])), shape=M.shape)
    out.sort_indices()
    return out


def _grow_tree(
    Xc: sp.csc_matrix,
    Xr: sp.csr_matrix,
    Y: sp.csr_matrix,
    params: dict,
    dim: int | None,
    max_leaf_labels: int | None,
    seed: int,
) -> dict:
    """One tree: split arrays, the leaf row of each node, the leaves' sparse label means."""
    Z = _project_labels(Y, dim, seed)
    tree = DecisionTreeRegressor(random_state=seed, **params).fit(Xc, Z).tree_
    leaf_of_row = tree.apply(Xr)
    leaves, row_leaf = np.unique(leaf_of_row, return_inverse=True)
    n = Y.shape[0]
    member = sp.csr_matrix((np.ones(n), (row_leaf, np.arange(n))), shape=(leaves.shape[0], n))
    counts = np.bincount(row_leaf, minlength=leaves.shape[0]).astype(np.float64)
    means = sp.csr_matrix(sp.diags(1.0 / counts) @ (member @ Y), dtype=_DTYPE)
    means.sort_indices()
    leaf_row = np.full(tree.node_count, -1, dtype=np.int64)
    leaf_row[leaves] = np.arange(leaves.shape[0])
    return {
        "left": tree.children_left.astype(np.int64),
        "right": tree.children_right.astype(np.int64),
        "feature": tree.feature.astype(np.int64),
        "threshold": tree.threshold.astype(np.float64),
        "leaf_row": leaf_row,
        "values": _top_per_leaf(means, max_leaf_labels),
    }


def _apply(tree: dict, X: sp.csr_matrix) -> np.ndarray:
    """The leaf (node id) each row of ``X`` reaches: ``x[feature] <= threshold`` goes left.

    All rows descend together, one level per step; a row's feature value is found by a binary
    search in the batch's sorted (row, column) keys, so X stays sparse. A path longer than the
    number of nodes means the split arrays have a cycle (a damaged model file): an error, not an
    endless loop.
    """
    n, d = X.shape
    rows_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(X.indptr))
    keys = rows_of * d + X.indices  # sorted: CSR rows in order, sorted indices within a row
    left, right, feature, threshold = (
        tree["left"],
        tree["right"],
        tree["feature"],
        tree["threshold"],
    )
    node = np.zeros(n, dtype=np.int64)
    active = np.flatnonzero(left[node] != -1)
    for _ in range(left.shape[0] + 1):
        if not active.shape[0]:
            return node
        v = node[active]
        query = active * d + feature[v]
        pos = np.minimum(np.searchsorted(keys, query), max(keys.shape[0] - 1, 0))
        value = np.zeros(active.shape[0], dtype=np.float64)
        if keys.shape[0]:
            hit = keys[pos] == query
            value[hit] = X.data[pos[hit]]
        node[active] = np.where(value <= threshold[v], left[v], right[v])
        active = active[left[node[active]] != -1]
    raise ModelFileError(
        "LabelForest: a tree's split arrays form a cycle; the model was not fitted by labelwise "
        "or was modified. Fit it again."
    )


class LabelForest(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """A forest of instance trees on projected labels; a leaf scores its rows' label frequencies.

    See the module docstring for the method (FastXML's and CRAFTML's family) and how the defaults
    were chosen. Training costs about ``n_trees x rows x depth x max_features x projection_dim``
    (independent of the number of labels beyond reading Y); prediction walks each tree once per
    row and averages ``n_trees`` sparse leaf vectors.

    Parameters
    ----------
    n_trees : int, default=50
        Trees in the forest (FastXML: 50); their leaf label means are averaged.
    projection_dim : int or None, default=32
        Dimensions of the random projection of the (L2-normalised) label vectors that the trees
        regress on; each tree draws its own projection. ``None``: the label vectors themselves
        (a dense rows x labels array: for small label sets only).
    min_samples_leaf : int, default=2
        Training rows per leaf at least; leaves are where the averaging happens, so 1 memorises.
    max_features : {"sqrt", "log2"}, int, float or None, default="sqrt"
        Features tried per split (scikit-learn's meaning; ``None``: all).
    splitter : {"random", "best"}, default="random"
        ``"random"``: one random threshold per feature tried (extremely randomised trees);
        ``"best"``: the best threshold (CART).
    max_depth : int or None, default=None
        Depth limit of the trees (``None``: until ``min_samples_leaf`` stops them).
    max_leaf_labels : int or None, default=100
        Labels kept per leaf, the most frequent; bounds the model at ``leaves x max_leaf_labels``
        stored values when some leaves hold many rows. ``None`` keeps every label.
    n_jobs : int, default=None
        Trees grown in parallel through joblib (threads; scikit-learn's tree builder releases
        the GIL).
    random_state : int or None, default=0
        Tree ``t`` uses seed ``random_state + t`` for its projection and its splits.
    decision_rule : DecisionRule, default=None
        Turns scores into label sets in ``predict``. ``None``: ``TopK(k)`` with ``k`` the mean
        number of labels of a training row, as for :class:`~labelwise.models.LabelTree` (a
        threshold tuned on out-of-fold scores would cost five more forests and an n x L score
        array, the cost a many-label model avoids). A rule given here is used (and tuned on
        out-of-fold scores if it learns) as for every model.

    Attributes
    ----------
    trees_ : list of dict
        Per tree: ``left``, ``right``, ``feature``, ``threshold`` (one entry per node, -1 child
        at a leaf), ``leaf_row`` (the row of ``values`` for a leaf node, -1 for a split) and
        ``values`` (sparse leaves x labels: the label means, at most ``max_leaf_labels`` each).
    rule_ : TopK
        With ``decision_rule=None``: ``TopK(k)``, ``k`` the training rows' mean number of labels
        (rounded, at least 1).
    classes_ : ndarray
        Label names (``0..L-1`` for a 0/1 matrix; a DataFrame's columns; label-list names).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]] * 5)
    >>> Y = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]] * 5)
    >>> model = LabelForest(n_trees=5).fit(X, Y)
    >>> model.predict_proba(X[:3], k=1).toarray().argmax(axis=1)
    array([0, 1, 2])
    >>> model.predict_proba(X[2:3]).round(2)
    array([[0., 0., 1., 1.]])
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_trees": [Interval(numbers.Integral, 1, None)],
        "projection_dim": [None, Interval(numbers.Integral, 1, None)],
        "min_samples_leaf": [Interval(numbers.Integral, 1, None)],
        "max_features": [
            None,
            Options({"sqrt", "log2"}),
            Interval(numbers.Integral, 1, None),
            Interval(numbers.Real, 0, 1, closed="right"),
        ],
        "splitter": [Options({"random", "best"})],
        "max_depth": [None, Interval(numbers.Integral, 1, None)],
        "max_leaf_labels": [None, Interval(numbers.Integral, 1, None)],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        n_trees: int = 50,
        projection_dim: int | None = 32,
        min_samples_leaf: int = 2,
        max_features: str | float | None = "sqrt",
        splitter: str = "random",
        max_depth: int | None = None,
        max_leaf_labels: int | None = 100,
        n_jobs: int | None = None,
        random_state: int | None = 0,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.n_trees = n_trees
        self.projection_dim = projection_dim
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.splitter = splitter
        self.max_depth = max_depth
        self.max_leaf_labels = max_leaf_labels
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.decision_rule = decision_rule

    @fit_context
    def fit(self, X: Any, Y: Any) -> LabelForest:
        """Grow ``n_trees`` trees and store their leaves' label means.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
            0/1 targets; a sparse Y stays sparse.

        Returns
        -------
        self
        """
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=True)
        Y, self.classes_ = _check_targets(Y, X.shape[0])
        Xr = _as_csr(X)
        Xc = sp.csc_matrix(Xr)  # one format for dense and sparse X: the same trees for both
        params = {
            "splitter": self.splitter,
            "max_features": self.max_features,
            "min_samples_leaf": self.min_samples_leaf,
            "max_depth": self.max_depth,
        }
        seed = 0 if self.random_state is None else int(self.random_state)
        self.trees_ = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_grow_tree)(
                Xc, Xr, Y, params, self.projection_dim, self.max_leaf_labels, seed + t
            )
            for t in range(self.n_trees)
        )
        if self.decision_rule is None:
            self.rule_ = TopK(max(1, round(Y.nnz / Y.shape[0])))
        return self

    def _scores(self, X: sp.csr_matrix) -> sp.csr_matrix:
        """The forest's mean leaf vector of each row, as a sparse (n, L) matrix."""
        total = None
        for tree in self.trees_:
            S = tree["values"][tree["leaf_row"][_apply(tree, X)]]
            total = S if total is None else total + S
        return sp.csr_matrix(total / len(self.trees_))

    def predict_proba(self, X: Any, k: int | None = None) -> Any:
        """Label scores in [0, 1]: the mean over the trees of the label's frequency in the leaf.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        k : int, optional
            Return only each row's ``k`` best labels, as a sparse CSR matrix (other entries are
            absent: not ranked). Without ``k``: a dense (n_samples, n_labels) array
            (scikit-learn's contract; use ``k`` when L is large).

        Returns
        -------
        ndarray of shape (n_samples, n_labels), or scipy.sparse.csr_matrix when ``k`` is given
        """
        check_is_fitted(self)
        L = len(self.classes_)
        if k is not None:
            k = check_k(k, L, "LabelForest.predict_proba")
        X = _as_csr(check_predict_X(self, X))
        # rows per batch so that the gathered leaf entries stay around 4 million
        per_row = sum(max(1, int(np.diff(t["values"].indptr).max(initial=1))) for t in self.trees_)
        step = max(1, _BATCH_ENTRIES // per_row)
        parts = []
        for r0 in range(0, X.shape[0], step):
            S = self._scores(X[r0 : r0 + step])
            parts.append(S.toarray() if k is None else sparse_top_k(S, k))
        if k is None:
            return np.vstack(parts) if parts else np.zeros((0, L))
        return sp.csr_matrix(sp.vstack(parts, format="csr")) if parts else sp.csr_matrix((0, L))

    def __sklearn_tags__(self):
        return multilabel_tags(super().__sklearn_tags__())


def _as_csr(X: Any) -> sp.csr_matrix:
    X = sp.csr_matrix(X, dtype=_DTYPE)
    X.sum_duplicates()
    X.sort_indices()
    return X
