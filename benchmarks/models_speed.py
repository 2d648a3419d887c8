"""Speed of labelwise's BinaryRelevance, MLkNN, LabelPowerset and RAkEL against their peers.

Same run, same data (standard Mulan train/test splits, standardised features for dense data),
best of ``--repeat`` wall-clock times, one BLAS thread (the machine is shared; thread contention
otherwise dominates small logistic-regression fits). Ratios < 1 mean labelwise is faster.
Targets (issue 6): BinaryRelevance fit <= 1.0x scikit-learn's OneVsRestClassifier with the same
base estimator; MLkNN >= 5x faster than scikit-multilearn-ng's (ratio <= 0.2); LabelPowerset and
RAkEL <= 1.0x scikit-multilearn-ng's. Peers that are missing or crash are reported, not dropped.

Run where scikit-multilearn-ng is installed (labelwise: ``pip install -e . --no-deps``)::

    .venv-peers/bin/python benchmarks/models_speed.py [--datasets yeast,scene] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import labelwise
from labelwise.models import BinaryRelevance, LabelPowerset, MLkNN, RAkEL

MULAN = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mulan"


def load(name: str):
    xml = MULAN / f"{name}.xml"
    tr = labelwise.read(MULAN / f"{name}-train.arff", labels=xml)
    te = labelwise.read(MULAN / f"{name}-test.arff", labels=xml)

    def dense(a):
        return a.toarray() if sp.issparse(a) else np.asarray(a)

    Ytr, Yte = dense(tr.Y).astype(int), dense(te.Y).astype(int)
    if sp.issparse(tr.X):  # bag of words: keep sparse, no centring
        return sp.csr_matrix(tr.X), Ytr, sp.csr_matrix(te.X), Yte
    scaler = StandardScaler().fit(dense(tr.X))
    return scaler.transform(dense(tr.X)), Ytr, scaler.transform(dense(te.X)), Yte


def best_of(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def lr() -> LogisticRegression:
    return LogisticRegression(max_iter=1000)


def cases(X, Y, Xt):
    """(name, labelwise callable, peer callable or an import error message)."""
    L = Y.shape[1]
    Xs, Ys, Xts = sp.csr_matrix(X), sp.csr_matrix(Y), sp.csr_matrix(Xt)
    try:
        from skmultilearn.adapt import MLkNN as PeerMLkNN
        from skmultilearn.ensemble import RakelD, RakelO
        from skmultilearn.problem_transform import LabelPowerset as PeerLP

        peer_error = None
    except Exception as exc:  # reported in the table
        peer_error = f"scikit-multilearn-ng not importable: {exc!r}"
    yield (
        "BinaryRelevance fit / sklearn OneVsRestClassifier fit",
        lambda: BinaryRelevance(lr()).fit(X, Y),
        lambda: OneVsRestClassifier(lr()).fit(X, Y),
    )
    yield (
        "MLkNN(k=10) fit+predict_proba / skmultilearn MLkNN",
        lambda: MLkNN(k=10).fit(X, Y).predict_proba(Xt),
        peer_error or (lambda: PeerMLkNN(k=10).fit(Xs, Ys).predict_proba(Xts)),
    )
    yield (
        "LabelPowerset fit+predict_proba / skmultilearn LabelPowerset",
        lambda: LabelPowerset(lr()).fit(X, Y).predict_proba(Xt),
        peer_error or (lambda: PeerLP(lr()).fit(X, Y).predict_proba(Xt)),
    )
    yield (
        "RAkEL disjoint k=3 fit+predict / skmultilearn RakelD",
        lambda: RAkEL(lr(), k=3, mode="disjoint", random_state=0).fit(X, Y).predict(Xt),
        peer_error or (lambda: RakelD(base_classifier=lr(), labelset_size=3).fit(X, Y).predict(Xt)),
    )
    yield (
        "RAkEL overlapping k=3, 2L sets fit+predict / skmultilearn RakelO",
        lambda: RAkEL(lr(), k=3, n_estimators=2 * L, random_state=0).fit(X, Y).predict(Xt),
        peer_error
        or (
            lambda: (
                RakelO(
                    base_classifier=lr(),
                    base_classifier_require_dense=[True, True],
                    labelset_size=3,
                    model_count=2 * L,
                )
                .fit(X, Y)
                .predict(Xt)
            )
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="yeast,scene")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print(f"# models speed, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print("| dataset | comparison | labelwise s | peer s | ratio |")
    print("|---|---|---|---|---|")
    with threadpool_limits(1):
        for name in args.datasets.split(","):
            X, Y, Xt, _ = load(name)
            for label, ours, peer in cases(X, Y, Xt):
                t_ours = best_of(ours, args.repeat)
                if isinstance(peer, str):
                    print(f"| {name} | {label} | {t_ours:.3f} | {peer} | - |", flush=True)
                    continue
                try:
                    t_peer = best_of(peer, args.repeat)
                except Exception as exc:
                    print(f"| {name} | {label} | {t_ours:.3f} | crashed: {exc!r} | - |", flush=True)
                    continue
                ratio = t_ours / t_peer
                row = f"| {name} | {label} | {t_ours:.3f} | {t_peer:.3f} | {ratio:.2f}x |"
                print(row, flush=True)


if __name__ == "__main__":
    main()
