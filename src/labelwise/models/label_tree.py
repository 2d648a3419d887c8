"""A partitioned label tree (Parabel-style) for many labels: training and prediction in O(nnz).

Labels are split recursively in two by balanced spherical 2-means over their centroids (the
L2-normalised sum of the L2-normalised feature rows of each label's positive examples), until a
node holds at most ``max_leaf`` labels, as in Parabel (Prabhu et al., WWW 2018: k = 2, at most
100 labels per leaf, 3 trees, beam 10, squared-hinge classifiers with C = 1 and weights below 0.1
pruned). Binary splits are kept because, with balanced clusters, they give the shallowest tree for
which a node's classifier still sees every example of its subtree; Bonsai's wider nodes (Khandagale
et al., 2020) are available through ``branching``.

Every node learns one linear scorer per child (internal nodes: trained on the examples that reach
the node, i.e. that have a label in its subtree) or per label (leaves: trained on the examples
with a label in the leaf), minimising the L2-regularised squared hinge with an intercept feature
(liblinear's ``-B 1``, as Parabel). A binary tree's internal node has two outputs over many rows:
liblinear's dual coordinate descent solves each (Parabel's solver; ``_DUAL_MAX_OUTPUTS``). A
leaf's outputs (up to ``max_leaf``) share its rows, so they are trained jointly: one
truncated-Newton optimisation whose gradient and Hessian products are single sparse matrix
products ``X^T (...)`` for all outputs at once, with a small budget (``_LEAF_BUDGET``), started
from the intercept's optimum at zero weights.
The node's rows are restricted to the features they use (a leaf's to those stored in at least two
of its rows: ``_LEAF_MIN_ROWS``), so memory and time follow the number of stored values, not the
number of features. After training, weights with
``|w| < prune_threshold`` are dropped (Parabel's rule for unit-norm rows), so the model stays
sparse.

A path's score is the product of its nodes' ``exp(-max(0, 1 - w.x)^2)`` (Parabel's probability for
a squared-hinge scorer); beam search keeps the ``beam_width`` best nodes per example and level,
and the ensemble averages the trees' label scores (a label a tree did not reach scores 0 there).
"""

from __future__ import annotations

import numbers
import threading
import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from labelwise._validation import Interval
from labelwise.data.targets import _is_label_lists, as_array, check_targets
from labelwise.decision._base import DecisionRule
from labelwise.decision.ranking_rules import TopK
from labelwise.errors import ProblemSetupWarning, ShapeError, TargetError
from labelwise.models._base import ScoresThenRuleMixin, fit_context
from labelwise.models._input_checks import check_predict_X, multilabel_tags
from labelwise.models.top_k import check_k

__all__ = ["LabelTree"]

_DTYPE = np.float32
_NEWTON_TOL = 0.01  # liblinear's primal stopping rule: |grad| <= 0.01 |grad at 0|
_CG_TOL = 0.1  # liblinear's TRON: stop CG when |residual| <= 0.1 |grad|
# Upper bounds on (Newton iterations, CG steps per iteration) of the joint solve. Wide internal
# nodes (branching > _DUAL_MAX_OUTPUTS) solve to liblinear's tolerance: their errors compound
# along every path below them. Leaves stop early, as Parabel's leaves do (liblinear's dual solver
# at a tolerance of 0.1): a leaf's error touches only its own labels, and leaves hold most of the
# training cost. On a 30,000-row set of benchmarks/many_labels.py's generator, converging the
# leaves gained 0.6 P@5 for 25% more training time.
_LEAF_BUDGET = (3, 5)
# A leaf's problem leaves out the features stored in only one of its rows: such a feature's weight
# can only fit that row (it acts as the row's own slack) and says nothing about any other. Chosen
# by holding out a fifth of the training rows (mean P@1/3/5 of the held-out rows; the test rows
# were not used): Delicious 62.11 with, 62.06 without (3 trees); a 30,000-row set of
# benchmarks/many_labels.py's generator 71.68 with, 71.02 without (1 tree), where leaves then
# train in 40% less time (most of a leaf's features occur once among its rows).
_LEAF_MIN_ROWS = 2
_KMEANS_TOL = 1e-4  # Parabel's and Omikuji's clustering tolerance (mean cosine similarity)
_INNER_BUDGET = (10, 20)
# A node with at most this many outputs (an internal node of a binary tree) solves them one at a
# time by liblinear's dual coordinate descent, Parabel's solver: with few outputs over many rows,
# shrinking the rows already beyond the margin beats the joint Newton solve, whose products serve
# many outputs at once (on a 30,000-row synthetic set, 0.6 s against 3.8 s per tree's internal
# nodes). liblinear's tolerance for its dual solvers (-e 0.1); the epochs are a bound on time.
_DUAL_MAX_OUTPUTS = 4
_DUAL_TOL = 0.1
_DUAL_MAX_ITER = 100
_LIBLINEAR_LOCK = threading.Lock()


# --------------------------------------------------------------------------- inputs


def _rows_l2(X: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1), dtype=np.float64).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ X, dtype=_DTYPE)


def _as_csr(X: Any, normalize: bool) -> sp.csr_matrix:
    X = sp.csr_matrix(X, dtype=_DTYPE)
    X.sum_duplicates()
    X.sort_indices()
    return _rows_l2(X) if normalize else X


def _label_lists_to_csr(rows: Any) -> tuple[sp.csr_matrix, np.ndarray]:
    """Label lists as a sparse 0/1 matrix over their sorted names; duplicates warn by row."""
    names = sorted({str(x) for r in rows for x in r})
    pos = {n: j for j, n in enumerate(names)}
    dup_rows = []
    indptr, indices = [0], []
    for i, r in enumerate(rows):
        cols = [pos[str(x)] for x in r]
        uniq = sorted(set(cols))
        if len(uniq) != len(cols):
            dup_rows.append(i)
        indices.extend(uniq)
        indptr.append(len(indices))
    if dup_rows:
        warnings.warn(
            f"LabelTree: {len(dup_rows)} row(s) list a label more than once (first: row "
            f"{dup_rows[0]}); each label counts once.",
            ProblemSetupWarning,
            stacklevel=4,
        )
    data = np.ones(len(indices), dtype=np.int8)
    Y = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(names)))
    return Y, np.asarray(names, dtype=object)


def _check_fit_targets(Y: Any, n_rows: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Y as a sparse 0/1 CSR matrix (never densified) and the label names."""
    if Y is None:
        raise TargetError(
            "LabelTree requires y to be passed, but the target y is None; pass Y, an "
            "(n_samples, n_labels) 0/1 matrix."
        )
    Ya = as_array(Y)
    if not sp.issparse(Ya) and _is_label_lists(Ya):
        if len(Ya) != n_rows:
            raise ShapeError(
                f"LabelTree: X has {n_rows} rows (samples) but Y has {len(Ya)}; they must "
                "describe the same samples, one row each."
            )
        return _label_lists_to_csr(Ya)
    if sp.issparse(Ya):
        Yc = sp.csr_matrix(Ya)
        Yc.sum_duplicates()
        if Yc.ndim != 2 or Yc.shape[1] < 2:
            raise TargetError(f"LabelTree: Y has shape {Yc.shape}; need at least 2 label columns.")
        bad = np.flatnonzero((Yc.data != 0) & (Yc.data != 1))
        if bad.shape[0]:
            row = int(np.searchsorted(Yc.indptr, bad[0], side="right") - 1)
            raise TargetError(
                f"LabelTree: Y must be 0/1; row {row}, label {int(Yc.indices[bad[0]])} holds "
                f"{Yc.data[bad[0]].item()!r}."
            )
        Yc.eliminate_zeros()
        names = np.arange(Yc.shape[1])
    else:
        Ya = np.asarray(Ya)
        if Ya.ndim != 2 or Ya.shape[1] < 2:
            raise TargetError(
                f"LabelTree: Y has shape {Ya.shape}; a multi-label model needs an "
                "(n_samples, n_labels) 0/1 matrix with at least 2 labels. For one binary or "
                "multi-class target use a binary classifier."
            )
        targets = check_targets(Ya, name="Y")
        Yc = sp.csr_matrix(targets.Y)
        names = np.asarray(targets.classes)
    if Yc.shape[0] != n_rows:
        raise ShapeError(
            f"LabelTree: X has {n_rows} rows (samples) but Y has {Yc.shape[0]}; they must "
            "describe the same samples, one row each."
        )
    Yc = sp.csr_matrix(Yc, dtype=np.int8)
    if Yc.nnz == 0:
        raise TargetError(
            f"LabelTree: Y has no positive entry in any of its {Yc.shape[1]} labels; there is "
            "nothing to learn."
        )
    return Yc, names


# --------------------------------------------------------------------------- clustering


def _balanced_split(
    C: sp.csr_matrix, k: int, rng: np.random.Generator, max_iter: int = 20
) -> list[np.ndarray]:
    """Balanced spherical k-means of the rows of ``C`` (unit-norm centroids) into ``k`` groups.

    Groups differ in size by at most one. For k = 2 the assignment is exact: labels sorted by
    their preference ``sim(c0) - sim(c1)``, the first half to centre 0 (Parabel's rule); for
    k > 2 each label goes, in order of preference strength, to its best centre with room left.
    """
    n = C.shape[0]
    size = -(-n // k)
    centres = np.ascontiguousarray(C[rng.choice(n, size=k, replace=False)].toarray().T)
    CT = C.T  # CSC: C^T times a dense one-hot matrix is one pass over C's stored values
    assign = np.full(n, -1)
    previous = -np.inf
    for _ in range(max_iter):
        S = np.asarray(C @ centres)
        new = np.empty(n, dtype=np.intp)
        if k == 2:
            order = np.argsort(S[:, 1] - S[:, 0], kind="stable")
            new[order[: n - n // 2]] = 0
            new[order[n - n // 2 :]] = 1
        else:
            room = np.full(k, size)
            for i in np.argsort(-(S.max(axis=1) - S.mean(axis=1)), kind="stable"):
                for c in np.argsort(-S[i], kind="stable"):
                    if room[c]:
                        new[i], room[c] = c, room[c] - 1
                        break
        # stop when the mean similarity to the assigned centres gains less than _KMEANS_TOL
        # (Parabel's and Omikuji's rule), or nothing moves
        objective = float(S[np.arange(n), new].mean())
        if np.array_equal(new, assign) or objective - previous < _KMEANS_TOL:
            assign = new
            break
        assign, previous = new, objective
        member = np.zeros((n, k), dtype=C.dtype)
        member[np.arange(n), assign] = 1.0
        sums = np.asarray(CT @ member)  # (features, k): each group's sum of centroids
        norms = np.linalg.norm(sums, axis=0)
        norms[norms == 0] = 1.0
        centres = sums / norms
    return [np.flatnonzero(assign == c) for c in range(k)]


def _build_tree(
    centroids: sp.csr_matrix, branching: int, max_leaf: int, max_depth: int, seed: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Children (node ids) and labels (for leaves) of each node; node 0 is the root."""
    rng = np.random.default_rng(seed)
    children: list[np.ndarray] = [np.empty(0, dtype=np.intp)]
    labels: list[np.ndarray] = [np.arange(centroids.shape[0])]
    depth = [0]
    stack = [0]
    while stack:
        v = stack.pop()
        lab = labels[v]
        if lab.shape[0] <= max_leaf or depth[v] >= max_depth:
            continue
        k = min(branching, lab.shape[0])
        parts = _balanced_split(centroids[lab], k, rng)
        ids = []
        for part in parts:
            ids.append(len(labels))
            children.append(np.empty(0, dtype=np.intp))
            labels.append(lab[part])
            depth.append(depth[v] + 1)
        children[v] = np.asarray(ids, dtype=np.intp)
        stack.extend(ids)
    return children, labels


# --------------------------------------------------------------------------- node classifiers


def fit_squared_hinge(
    X: Any,
    Ypos: np.ndarray,
    C: float = 1.0,
    max_iter: int = 10,
    cg_iter: int = 20,
    tol: float = _NEWTON_TOL,
    cg_tol: float = _CG_TOL,
    bias: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """L2-regularised squared-hinge linear scorers for all columns of ``Ypos`` at once.

    Minimises ``0.5 (|w_j|^2 + b_j^2) + C sum_i max(0, 1 - y_ij (x_i . w_j + B b_j))^2`` for every
    output ``j`` (``y = +1`` where ``Ypos`` is true, else -1; ``B`` is ``bias``) by truncated
    Newton: conjugate
    gradients on the generalised Hessian, then a backtracking line search per output. Every
    product with ``X`` serves all outputs (one sparse-times-dense product). It starts from
    ``w = 0`` and the intercept that is optimal there (a 1-D quadratic in closed form): from
    ``b = 0`` the intercept dominates the first gradient of a rare label (every row pulls it),
    and the relative stopping rule would end once the intercept is right, weights far off.

    Parameters
    ----------
    X : sparse matrix or ndarray of shape (n, d)
    Ypos : ndarray of bool of shape (n, K)
    C : float, default=1.0
    max_iter, cg_iter : int
        Newton iterations and conjugate-gradient steps per iteration: upper bounds on the
        time; the solve usually stops earlier, at ``tol``.
    bias : float, default=1.0
        Value of the constant feature that carries ``b`` (0: no intercept); the returned ``b``
        is the intercept, ``bias`` times the fitted weight.
    tol, cg_tol : float
        Stop an output when its gradient norm falls below ``tol`` times the initial one, and
        conjugate gradients when the residual falls below ``cg_tol`` times the gradient norm
        (liblinear's Newton solver's rules and defaults).

    Returns
    -------
    W : ndarray of shape (d, K)
    b : ndarray of shape (K,)

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> W, b = fit_squared_hinge(X, np.array([[True], [False], [True]]))
    >>> bool((X @ W + b)[0, 0] > 0 > (X @ W + b)[1, 0])
    True
    """
    n, d = X.shape
    K = Ypos.shape[1]
    Ys = np.where(Ypos, _DTYPE(1.0), _DTYPE(-1.0))
    XT = X.T.tocsr() if sp.issparse(X) else X.T
    W = np.zeros((d, K), dtype=_DTYPE)
    two_c = _DTYPE(2.0 * C)
    # the intercept's optimum at w = 0: minimise 0.5 b^2 + C (p (1 - B b)^2 + q (1 + B b)^2)
    n_pos = Ypos.sum(axis=0, dtype=np.float64)
    b = (two_c * bias * (2 * n_pos - n) / (1.0 + two_c * bias * bias * n)).astype(_DTYPE)
    Z = np.broadcast_to(bias * b, (n, K)).astype(_DTYPE)
    tmp = np.empty((d, K), dtype=_DTYPE)
    g0 = None
    for _ in range(max_iter):
        M = Ys * Z
        np.subtract(1.0, M, out=M)  # margins' complement 1 - y z
        A = M > 0
        R = np.where(A, M, _DTYPE(0.0))
        loss = np.einsum("ij,ij->j", R, R)
        R *= Ys
        Gw = XT @ R
        Gw *= -two_c
        Gw += W
        Gb = b - two_c * bias * R.sum(axis=0)
        gnorm = np.sqrt(np.einsum("ij,ij->j", Gw, Gw) + Gb * Gb)
        if g0 is None:
            g0 = gnorm
        todo = gnorm > tol * g0
        if not todo.any():
            break
        Af = A.astype(_DTYPE) * two_c  # the loss's curvature 2C on the active entries
        # conjugate gradients on H p = -g, columns independent, converged ones frozen
        Pw, Pb = np.zeros_like(W), np.zeros_like(b)
        Rw, Rb = -Gw, -Gb
        Dw, Db = Rw.copy(), Rb.copy()
        rr = np.einsum("ij,ij->j", Rw, Rw) + Rb * Rb
        stop = (cg_tol * gnorm) ** 2
        for _ in range(cg_iter):
            active = (rr > stop) & todo
            if not active.any():
                break
            Q = X @ Dw
            Q += bias * Db
            Q *= Af
            Hw = XT @ Q
            Hw += Dw
            Hb = Db + bias * Q.sum(axis=0)
            dHd = np.einsum("ij,ij->j", Dw, Hw) + Db * Hb
            alpha = np.where(active, rr / np.where(dHd > 0, dHd, 1.0), 0.0).astype(_DTYPE)
            np.multiply(Dw, alpha, out=tmp)
            Pw += tmp
            Pb += alpha * Db
            np.multiply(Hw, alpha, out=tmp)
            Rw -= tmp
            Rb -= alpha * Hb
            rr_new = np.einsum("ij,ij->j", Rw, Rw) + Rb * Rb
            beta = np.where(active, rr_new / np.where(rr > 0, rr, 1.0), 0.0).astype(_DTYPE)
            Dw *= beta
            Dw += Rw
            Db = Rb + beta * Db
            rr = rr_new
        # backtracking line search per output (Armijo, as liblinear's Newton solver); the
        # regulariser is a quadratic in the step, so only the loss is re-evaluated
        Zp = X @ Pw
        Zp += bias * Pb
        ww, wp, pp = (np.einsum("ij,ij->j", u, v) for u, v in ((W, W), (W, Pw), (Pw, Pw)))
        f0 = 0.5 * (ww + b * b) + C * loss
        slope = np.einsum("ij,ij->j", Gw, Pw) + Gb * Pb
        YZp = Ys * Zp
        step = np.ones(K, dtype=_DTYPE)
        pending = todo.copy()
        for _ in range(10):
            cols = np.flatnonzero(pending)
            t = step[cols]
            Mt = M[:, cols] - t * YZp[:, cols]
            np.maximum(Mt, 0.0, out=Mt)
            bt = b[cols] + t * Pb[cols]
            reg = 0.5 * (ww[cols] + 2 * t * wp[cols] + t * t * pp[cols] + bt * bt)
            ok = reg + C * np.einsum("ij,ij->j", Mt, Mt) <= f0[cols] + 0.01 * t * slope[cols]
            pending[cols[ok]] = False
            step[cols[~ok]] *= 0.5
            if not pending.any():
                break
        step[pending | ~todo] = 0.0  # no decrease found: keep the output where it is
        np.multiply(Pw, step, out=tmp)
        W += tmp
        b += step * Pb
        Zp *= step
        Z += Zp
    return W, b * _DTYPE(bias)


def _fit_node(
    X: sp.csr_matrix,
    Y: sp.csc_matrix,
    rows: np.ndarray,
    groups: list[np.ndarray],
    C: float,
    leaf: bool = True,
    bias: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scorers of one node on the features its rows use: (W, b, feature ids of W's rows).

    Output j is positive on the rows with any label of ``groups[j]``. A leaf leaves out the
    features stored in fewer than ``_LEAF_MIN_ROWS`` of its rows.
    """
    Xr = X[rows]
    counts = np.bincount(Xr.indices, minlength=X.shape[1])
    if leaf and _LEAF_MIN_ROWS > 1:
        keep = counts[Xr.indices] >= _LEAF_MIN_ROWS
        indptr = np.r_[0, np.cumsum(keep)][Xr.indptr]
        Xr = sp.csr_matrix((Xr.data[keep], Xr.indices[keep], indptr), shape=Xr.shape)
        counts[counts < _LEAF_MIN_ROWS] = 0
    used = np.flatnonzero(counts)
    new_id = np.empty(X.shape[1], dtype=Xr.indices.dtype)
    new_id[used] = np.arange(used.shape[0])
    Xr = sp.csr_matrix(
        (Xr.data, new_id[Xr.indices], Xr.indptr), shape=(rows.shape[0], used.shape[0])
    )
    labels = np.concatenate(groups)
    group_of = np.repeat(np.arange(len(groups)), [g.shape[0] for g in groups])
    member = sp.csr_matrix(
        (np.ones(labels.shape[0], dtype=_DTYPE), (np.arange(labels.shape[0]), group_of)),
        shape=(labels.shape[0], len(groups)),
    )
    Ypos = (Y[rows][:, labels].astype(_DTYPE) @ member).toarray() > 0
    if Xr.nnz > 0.25 * Xr.shape[0] * Xr.shape[1]:
        Xr = Xr.toarray()  # dense enough for BLAS to beat the sparse product
    if Ypos.shape[1] <= _DUAL_MAX_OUTPUTS:
        W, b = _fit_dual(Xr, Ypos, C, bias)
    else:
        W, b = fit_squared_hinge(Xr, Ypos, C, *(_LEAF_BUDGET if leaf else _INNER_BUDGET), bias=bias)
    return W, b, used


def _fit_dual(X: Any, Ypos: np.ndarray, C: float, bias: float) -> tuple[np.ndarray, np.ndarray]:
    """Each output by liblinear's dual coordinate descent (``LinearSVC``, squared hinge).

    One output at a time under a lock: liblinear draws its coordinate order from one random
    generator shared by the whole process, so concurrent fits would make the model depend on
    thread timing.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    K = Ypos.shape[1]
    W = np.zeros((X.shape[1], K), dtype=_DTYPE)
    b = np.zeros(K, dtype=_DTYPE)
    svc = LinearSVC(
        C=C,
        loss="squared_hinge",
        dual=True,
        tol=_DUAL_TOL,
        max_iter=_DUAL_MAX_ITER,
        fit_intercept=bias > 0,
        intercept_scaling=bias if bias > 0 else 1.0,
        random_state=0,
    )
    for j in range(K):
        y = Ypos[:, j]
        if y.all() or not y.any():  # one class: a constant scorer on its side of the margin
            b[j] = 1.0 if y.all() else -1.0
            continue
        with _LIBLINEAR_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svc.fit(X, y)
        W[:, j] = svc.coef_.ravel()
        b[j] = svc.intercept_[0] if bias > 0 else 0.0
    return W, b


def _fit_nodes(
    X: sp.csr_matrix,
    Y: sp.csc_matrix,
    jobs: list[tuple[np.ndarray | None, list[np.ndarray], bool]],
    C: float,
    threshold: float,
    bias: float = 1.0,
) -> list[tuple[sp.csc_matrix, np.ndarray]]:
    """Fit a batch of nodes (one joblib task); weights below ``threshold`` are pruned.

    A job is (the node's labels, or None for the root, its output groups, whether it is a leaf);
    the node's rows are the examples with any of its labels (every example at the root).
    """
    out = []
    with threadpool_limits(1):
        for labels, groups, leaf in jobs:
            K = len(groups)
            rows = np.arange(Y.shape[0]) if labels is None else _node_rows(Y, labels)
            if rows.shape[0] == 0:  # no example reaches it: never predicted positive
                out.append((sp.csc_matrix((X.shape[1], K), dtype=_DTYPE), np.full(K, -1.0, _DTYPE)))
                continue
            Wd, b, used = _fit_node(X, Y, rows, groups, C, leaf, bias)
            Wd[np.abs(Wd) < threshold] = 0.0
            W = sp.csc_matrix(Wd)
            W = sp.csc_matrix((W.data, used[W.indices], W.indptr), shape=(X.shape[1], K))
            out.append((W, b))
    return out


def _node_rows(Y: sp.csc_matrix, labels: np.ndarray) -> np.ndarray:
    """The rows (examples) with at least one of ``labels``."""
    return np.flatnonzero(np.bincount(Y[:, labels].indices, minlength=Y.shape[0]))


# --------------------------------------------------------------------------- the estimator


class LabelTree(ScoresThenRuleMixin, ClassifierMixin, BaseEstimator):
    """An ensemble of partitioned label trees (Parabel-style) for hundreds to millions of labels.

    See the module docstring for the algorithm and the published defaults it follows. Training
    costs about ``n_trees * depth * nnz(X)`` for the internal nodes plus, at the leaves, the
    stored values of each example times the number of leaves its labels fall in; prediction
    visits ``beam_width`` nodes per level and example.

    Parameters
    ----------
    n_trees : int, default=3
        Trees in the ensemble (Parabel: 3); their label scores are averaged.
    max_leaf : int, default=100
        A node with at most this many labels is a leaf (Parabel: 100).
    branching : int, default=2
        Children per internal node (Parabel: 2; Bonsai uses wide shallow trees, e.g. 100 with
        ``max_depth`` 2-3).
    max_depth : int, default=20
        Nodes at this depth are leaves whatever their size.
    beam_width : int, default=10
        Nodes kept per example and level at prediction (Parabel: 10). With ``beam_width`` at
        least the number of leaves, prediction scores every label.
    C : float, default=1.0
        Loss weight of the squared-hinge node classifiers (liblinear's ``C``; Parabel: 1 on
        unit-norm rows).
    bias : float, default=1.0
        Value of the constant feature that carries each scorer's intercept, regularised with
        the weights (liblinear's ``-B``; Parabel and napkinXC use 1); 0 fits no intercept.
        The solver starts from the intercept's exact optimum at zero weights, so its relative
        stopping rule judges the weights, not the intercept (see :func:`fit_squared_hinge`).
    prune_threshold : float, default=0.1
        Weights with a smaller magnitude are dropped after training (Parabel: 0.1).
    normalize : bool, default=True
        L2-normalise each row of X (in fit and prediction), the scale on which ``C`` and
        ``prune_threshold`` above were set.
    n_jobs : int, default=None
        Parallel node fits through joblib (threads by default, a Dask cluster under
        :func:`labelwise.scale_out.on_cluster`); each worker uses one BLAS thread.
    random_state : int or None, default=0
        Seeds the clustering; tree ``t`` uses ``random_state + t``.
    decision_rule : DecisionRule, default=None
        Turns scores into label sets in ``predict``. ``None``: ``TopK(k)`` with ``k`` the mean
        number of labels of a training row, not a threshold tuned on out-of-fold scores as for
        the other models. A tree ranks: its scores are products of node scores along a path,
        comparable within a row but not calibrated per label, and the beam scores only a few
        labels per row; tuning a threshold would need out-of-fold scores of every label (k more
        fits and an n x L array), the cost this model exists to avoid. A rule given here is
        used (and tuned on out-of-fold scores if it learns) as for every model.

    Attributes
    ----------
    trees_ : list of dict
        Per tree: ``children`` (list of child ids per node), ``labels`` (label ids per node),
        ``is_leaf``, ``W`` (one sparse column per node output), ``b`` and ``out_start`` (where
        each node's outputs start in ``W``).
    rule_ : TopK
        With ``decision_rule=None``: ``TopK(k)``, ``k`` the training rows' mean number of labels
        (rounded, at least 1).
    classes_ : ndarray
        Label names (``0..L-1`` for a 0/1 matrix).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]] * 5)
    >>> Y = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0]] * 5)
    >>> model = LabelTree(max_leaf=2, n_trees=1).fit(X, Y)
    >>> model.predict_proba(X[:3], k=1).toarray().argmax(axis=1)
    array([0, 1, 2])
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_trees": [Interval(numbers.Integral, 1, None)],
        "max_leaf": [Interval(numbers.Integral, 1, None)],
        "branching": [Interval(numbers.Integral, 2, None)],
        "max_depth": [Interval(numbers.Integral, 1, None)],
        "beam_width": [Interval(numbers.Integral, 1, None)],
        "C": [Interval(numbers.Real, 0, None, closed="neither")],
        "bias": [Interval(numbers.Real, 0, None)],
        "prune_threshold": [Interval(numbers.Real, 0, None)],
        "normalize": [bool],
        "n_jobs": [None, Interval(numbers.Integral, None, None)],
        "random_state": [None, Interval(numbers.Integral, 0, None)],
        "decision_rule": [None, DecisionRule],
    }

    def __init__(
        self,
        n_trees: int = 3,
        max_leaf: int = 100,
        branching: int = 2,
        max_depth: int = 20,
        beam_width: int = 10,
        C: float = 1.0,
        bias: float = 1.0,
        prune_threshold: float = 0.1,
        normalize: bool = True,
        n_jobs: int | None = None,
        random_state: int | None = 0,
        decision_rule: DecisionRule | None = None,
    ) -> None:
        self.n_trees = n_trees
        self.max_leaf = max_leaf
        self.branching = branching
        self.max_depth = max_depth
        self.beam_width = beam_width
        self.C = C
        self.bias = bias
        self.prune_threshold = prune_threshold
        self.normalize = normalize
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.decision_rule = decision_rule

    # ---------------------------------------------------------------- fit

    @fit_context
    def fit(self, X: Any, Y: Any) -> LabelTree:
        """Build ``n_trees`` label trees and train every node's classifiers.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        Y : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
            0/1 targets; a sparse Y stays sparse (never an n x L dense array).

        Returns
        -------
        self
        """
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=True)
        Y, names = _check_fit_targets(Y, X.shape[0])
        self.classes_ = names
        Xn = _as_csr(X, self.normalize)
        n_pos = np.diff(Y.indptr)
        if (n_pos == 0).any():
            empty = np.flatnonzero(n_pos == 0)
            warnings.warn(
                f"LabelTree: {empty.shape[0]} training row(s) have no label (first: row "
                f"{int(empty[0])}); they only serve as negatives at the root.",
                ProblemSetupWarning,
                stacklevel=2,
            )
        Yc = sp.csc_matrix(Y)
        unseen = np.flatnonzero(np.diff(Yc.indptr) == 0)
        if unseen.shape[0]:
            warnings.warn(
                f"LabelTree: {unseen.shape[0]} label(s) have no positive training example "
                f"(first: {names[unseen[0]]}); they will score near 0.",
                ProblemSetupWarning,
                stacklevel=2,
            )
        self.trees_ = self._grow(Xn, Yc, float(self.bias), self.n_trees)
        if self.decision_rule is None:
            self.rule_ = TopK(max(1, round(Y.nnz / Y.shape[0])))
        return self

    def _grow(self, Xn: sp.csr_matrix, Yc: sp.csc_matrix, bias: float, n_trees: int) -> list:
        """Build ``n_trees`` trees and train their nodes."""
        centroids = _rows_l2(sp.csr_matrix(Yc.T.astype(_DTYPE) @ _rows_l2(Xn)))
        seed = 0 if self.random_state is None else int(self.random_state)
        structures = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_build_tree)(centroids, self.branching, self.max_leaf, self.max_depth, seed + t)
            for t in range(n_trees)
        )
        jobs = []  # (tree, node, rows, output groups)
        for t, (children, labels) in enumerate(structures):
            for v in range(len(labels)):
                groups = (
                    [labels[c] for c in children[v]]
                    if children[v].shape[0]
                    else [labels[v][i : i + 1] for i in range(labels[v].shape[0])]
                )
                leaf = children[v].shape[0] == 0
                jobs.append((t, v, None if v == 0 else labels[v], groups, leaf))
        fitted = self._run_jobs(Xn, Yc, jobs, bias)
        trees = []
        for t, (children, labels) in enumerate(structures):
            mine = [(v, wb) for (tt, v, *_), wb in zip(jobs, fitted, strict=True) if tt == t]
            counts = [wb[0].shape[1] for _, wb in mine]
            trees.append(
                {
                    "children": children,
                    "labels": labels,
                    "is_leaf": np.array([c.shape[0] == 0 for c in children]),
                    "W": sp.hstack([wb[0] for _, wb in mine], format="csc", dtype=_DTYPE),
                    "b": np.concatenate([wb[1] for _, wb in mine]).astype(_DTYPE),
                    "out_start": np.r_[0, np.cumsum(counts)].astype(np.int64),
                }
            )
        return trees

    def _run_jobs(self, X: sp.csr_matrix, Y: sp.csc_matrix, jobs: list, bias: float) -> list:
        n_workers = 1 if self.n_jobs in (None, 1) else max(1, abs(int(self.n_jobs)) * 4)
        label_rows = np.diff(Y.indptr)  # a node's rows are at most its labels' example counts
        cost = np.array(
            [
                (Y.shape[0] if lab is None else min(Y.shape[0], label_rows[lab].sum())) * len(g)
                for _, _, lab, g, _ in jobs
            ],
            dtype=np.float64,
        )
        order = np.argsort(-cost, kind="stable")
        batches: list[list[int]] = [[] for _ in range(min(n_workers, len(jobs)))]
        load = np.zeros(len(batches))
        for i in order:  # longest first onto the least loaded batch
            j = int(np.argmin(load))
            batches[j].append(int(i))
            load[j] += cost[i]
        results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(_fit_nodes)(
                X,
                Y,
                [(jobs[i][2], jobs[i][3], jobs[i][4]) for i in batch],
                self.C,
                self.prune_threshold,
                bias,
            )
            for batch in batches
        )
        out: list = [None] * len(jobs)
        for batch, res in zip(batches, results, strict=True):
            for i, wb in zip(batch, res, strict=True):
                out[i] = wb
        return out

    # ---------------------------------------------------------------- predict

    def _tree_candidates(
        self, tree: dict, X: sp.csr_matrix
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Beam search in one tree: (row, label, log score) of every label reached."""
        n = X.shape[0]
        W, b, start = tree["W"], tree["b"], tree["out_start"]
        children, labels, is_leaf = tree["children"], tree["labels"], tree["is_leaf"]

        def expand(rows, nodes, logp, targets_of):
            out_r, out_t, out_s = [], [], []
            order = np.argsort(nodes, kind="stable")
            rows, nodes, logp = rows[order], nodes[order], logp[order]
            cuts = np.flatnonzero(np.diff(nodes)) + 1
            for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, nodes.shape[0]], strict=True):
                v = nodes[lo]
                Wv = W[:, start[v] : start[v + 1]]
                Z = np.asarray((X[rows[lo:hi]] @ Wv).todense()) + b[start[v] : start[v + 1]]
                s = logp[lo:hi, None] - np.square(np.maximum(1.0 - Z, 0.0))
                out_r.append(np.repeat(rows[lo:hi], Z.shape[1]))
                out_t.append(np.tile(targets_of(v), hi - lo))
                out_s.append(s.ravel())
            return np.concatenate(out_r), np.concatenate(out_t), np.concatenate(out_s)

        rows, nodes, logp = np.arange(n), np.zeros(n, dtype=np.intp), np.zeros(n)
        while not is_leaf[nodes].all():
            inner = ~is_leaf[nodes]
            r, c, s = expand(rows[inner], nodes[inner], logp[inner], lambda v: children[v])
            rows = np.r_[rows[~inner], r]
            nodes = np.r_[nodes[~inner], c]
            logp = np.r_[logp[~inner], s]
            keep = _top_per_row(rows, logp, self.beam_width)
            rows, nodes, logp = rows[keep], nodes[keep], logp[keep]
        return expand(rows, nodes, logp, lambda v: labels[v])

    def _scores(self, X: Any) -> sp.csr_matrix:
        """Ensemble scores of every label reached by the beam, as a sparse (n, L) matrix."""
        Xn = _as_csr(X, self.normalize)
        L = len(self.classes_)
        total = None
        for tree in self.trees_:
            r, lab, s = self._tree_candidates(tree, Xn)
            S = sp.csr_matrix((np.exp(s), (r, lab)), shape=(Xn.shape[0], L))
            total = S if total is None else total + S
        total = total / len(self.trees_)
        return sp.csr_matrix(total)

    def predict_proba(self, X: Any, k: int | None = None) -> Any:
        """Label scores in [0, 1]: the ensemble's average path probability.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        k : int, optional
            Return only each row's ``k`` best labels, as a sparse CSR matrix (other entries are
            absent: not ranked). Without ``k``: a dense (n_samples, n_labels) array, 0 for labels
            the beam did not reach (scikit-learn's contract; use ``k`` when L is large).

        Returns
        -------
        ndarray of shape (n_samples, n_labels), or scipy.sparse.csr_matrix when ``k`` is given
        """
        check_is_fitted(self)
        L = len(self.classes_)
        if k is not None:
            k = check_k(k, L, "LabelTree.predict_proba")
        X = check_predict_X(self, X)
        # rows per batch so that the candidates (beam x leaf labels x trees per row) stay
        # around 2 million entries: memory is bounded whatever the number of rows
        per_row = self.beam_width * max(
            max(len(t["labels"][v]) for v in np.flatnonzero(t["is_leaf"])) for t in self.trees_
        )
        step = max(1, (1 << 21) // (per_row * len(self.trees_)))
        parts = []
        for r0 in range(0, X.shape[0], step):
            S = self._scores(X[r0 : r0 + step])
            parts.append(S.toarray() if k is None else sparse_top_k(S, k))
        if k is None:
            return np.vstack(parts) if parts else np.zeros((0, L))
        return sp.csr_matrix(sp.vstack(parts, format="csr")) if parts else sp.csr_matrix((0, L))

    def __sklearn_tags__(self):
        return multilabel_tags(super().__sklearn_tags__())


def _top_per_row(
    rows: np.ndarray, score: np.ndarray, k: int, *, rows_sorted: bool = False
) -> np.ndarray:
    """Indices of the ``k`` best-scored entries of each row (ties: lower index first).

    Entries are laid out one padded row per example (a stable integer sort by row, skipped when
    ``rows_sorted``), so the selection is one ``argpartition`` per block of rows.
    """
    if rows.shape[0] == 0:
        return rows.astype(np.intp)
    order = np.arange(rows.shape[0]) if rows_sorted else np.argsort(rows, kind="stable")
    r = rows[order]
    n = int(r[-1]) + 1
    counts = np.bincount(r, minlength=n)
    if counts.max() <= k:
        return order
    first = np.cumsum(counts) - counts
    pos = np.arange(r.shape[0]) - first[r]
    width = int(counts.max())
    keep = []
    step = max(1, (1 << 22) // width)
    for r0 in range(0, n, step):
        r1 = min(n, r0 + step)
        lo, hi = first[r0], first[r1 - 1] + counts[r1 - 1]
        P = np.full((r1 - r0, width), -np.inf)
        P[r[lo:hi] - r0, pos[lo:hi]] = score[order[lo:hi]]
        part = np.argpartition(P, width - k, axis=1)[:, width - k :]
        kth = np.take_along_axis(P, part, axis=1).min(axis=1)
        n_above = np.count_nonzero(P > kth[:, None], axis=1)
        n_tie = np.count_nonzero(P == kth[:, None], axis=1)
        sel = np.zeros(P.shape, dtype=bool)
        np.put_along_axis(sel, part, True, axis=1)
        crowded = np.flatnonzero(n_above + n_tie > k)  # more ties than slots: lowest first
        if crowded.shape[0]:
            Pc = P[crowded]
            tie = Pc == kth[crowded, None]
            room = (k - n_above[crowded])[:, None]
            sel[crowded] = (Pc > kth[crowded, None]) | (tie & (np.cumsum(tie, axis=1) <= room))
        sel &= P > -np.inf  # padding
        rr, cc = np.nonzero(sel)
        keep.append(order[first[rr + r0] + cc])
    return np.concatenate(keep)


def sparse_top_k(S: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest stored entries of each row of a sparse matrix (ties: lower column).

    Examples
    --------
    >>> sparse_top_k(sp.csr_matrix([[0.1, 0.5, 0.3], [0.9, 0.0, 0.2]]), 1).toarray()
    array([[0. , 0.5, 0. ],
           [0.9, 0. , 0. ]])
    """
    S = sp.csr_matrix(S)
    S.sort_indices()
    rows = np.repeat(np.arange(S.shape[0]), np.diff(S.indptr))
    keep = np.sort(_top_per_row(rows, S.data, k, rows_sorted=True))
    out = sp.csr_matrix((S.data[keep], (rows[keep], S.indices[keep])), shape=S.shape)
    out.sort_indices()
    return out
