"""How long the train/test overlap check takes on large dense and sparse data.

``check_overlap`` runs before every ``labelwise fit`` and ``fit_and_evaluate``, so it must cost
little next to training. Half of the test rows are copies of training rows (a quarter exact, a
quarter off by 1e-12, equal after rounding to 1e-9), and a clean split (no row shared) is timed
too. Floor: ``np.round(·, 9)`` of the training and test values, one elementwise pass over all
the data.

Run: ``.venv/bin/python benchmarks/overlap_speed.py``
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from labelwise.problem import check_overlap


def _timed(f, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def _dense(n_train, n_test, d, rng):
    A = np.round(rng.normal(size=(n_train, d)), 6)
    B = np.round(rng.normal(size=(n_test, d)), 6)
    q = n_test // 4
    B[:q] = A[:q]
    B[q : 2 * q] = A[q : 2 * q] + 1e-12
    return A, B


def _sparse(n_train, n_test, d, nnz_per_row, rng):
    def make(n):
        M = sp.random(n, d, density=nnz_per_row / d, format="csr", random_state=rng)
        M.data = np.round(M.data, 6)
        return M

    A, B = make(n_train), make(n_test).tolil()
    q = n_test // 4
    B[:q] = A[:q]
    B[q : 2 * q] = A[q : 2 * q]
    B = B.tocsr()
    B.data[B.indptr[q] : B.indptr[2 * q]] += 1e-12
    return A, B


def main() -> None:
    rng = np.random.default_rng(0)
    cases = [
        ("dense 500,000 x 100 / 100,000", *_dense(500_000, 100_000, 100, rng)),
        (
            "sparse 200,000 x 50,000 (50 nnz/row) / 50,000",
            *_sparse(200_000, 50_000, 50_000, 50, rng),
        ),
    ]
    print(
        "| data (train / test rows) | half the test rows shared (s) | clean split, half the "
        "test rows (s) | floor: round all values (s) | ratio shared / clean |"
    )
    print("|---|---|---|---|---|")
    for name, A, B in cases:
        seconds, report = _timed(lambda A=A, B=B: check_overlap(A, B, warn=False))
        clean = B[B.shape[0] // 2 :]
        clean_seconds, clean_report = _timed(lambda A=A, B=clean: check_overlap(A, B, warn=False))
        if sp.issparse(B):
            floor, _ = _timed(lambda A=A, B=B: (np.round(A.data, 9), np.round(B.data, 9)))
        else:
            floor, _ = _timed(lambda A=A, B=B: (np.round(A, 9), np.round(B, 9)))
        print(
            f"| {name} | {seconds:.2f} ({report.n_overlap} found, {report.n_exact} exact) | "
            f"{clean_seconds:.2f} ({clean_report.n_overlap} found) | {floor:.2f} | "
            f"{seconds / floor:.1f}x / {clean_seconds / floor:.1f}x |"
        )


if __name__ == "__main__":
    main()
