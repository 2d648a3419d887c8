"""Quality and speed of stratified 5-fold splits on the shared Mulan datasets.

Compares, in one run and on the same label matrices (train + test pooled; medical as given):

* ``random``: ``sklearn.model_selection.KFold(shuffle=True)``;
* ``iterstrat``: ``iterstrat.ml_stratifiers.MultilabelStratifiedKFold`` (the
  ``iterative-stratification`` package);
* ``lw-1`` / ``lw-2``: ``labelwise.split.MultilabelStratifiedKFold(order=1 | 2)``.

Measures (Sechidis, Tsoumakas and Vlahavas, ECML PKDD 2011; Szymański and Kajdanowicz, PMLR 74,
2017), averaged over ``--seeds`` shuffles (lower is better for all):

* LD, label distribution: for each label ``i`` occurring in ``D`` (and not in every example) and
  each fold ``S_j``, ``| |S_j^i| / (|S_j| - |S_j^i|) - |D^i| / (|D| - |D^i|) |`` (positives over
  negatives in the fold vs in the whole data), averaged over folds and labels. A fold in which every
  example carries the label is counted with one negative.
* LPD, label-pair distribution: the same over the label pairs that co-occur in ``D``.
* FLZ: number of (test fold, label) pairs in which a label that occurs in ``D`` is missing. A label
  with ``c < k`` examples must miss ``k - c`` folds; that floor is printed as ``FLZ floor``.

Speed: best of 5 wall-clock times of producing all 5 folds (``list(cv.split(X, Y))``), labelwise
over iterstrat (ratio < 1 means labelwise is faster).

Run: ``.venv/bin/python benchmarks/splits.py [--seeds 10] [--out FILE.md]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from iterstrat.ml_stratifiers import MultilabelStratifiedKFold as IterstratKFold
from sklearn.model_selection import KFold

from labelwise.data.io import read
from labelwise.split import MultilabelStratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
MULAN = ROOT.parent / "shared" / "datasets" / "mulan"
NAMES = ["emotions", "yeast", "scene", "birds", "genbase", "flags", "enron", "medical"]
K = 5


def read_labels(name: str) -> np.ndarray:
    """The pooled 0/1 label matrix of a Mulan dataset, read with labelwise's reader."""
    parts = [MULAN / "medical.arff"] if name == "medical" else [
        MULAN / f"{name}-train.arff", MULAN / f"{name}-test.arff"
    ]  # fmt: skip
    blocks = []
    for p in parts:
        Y = read(p).Y
        blocks.append(Y.toarray() if sp.issparse(Y) else np.asarray(Y))
    return np.vstack(blocks).astype(np.int8)


def _deviation(Z: np.ndarray, folds: np.ndarray) -> float:
    """Mean over columns of Z and folds of |pos/neg in fold - pos/neg overall|."""
    n = Z.shape[0]
    total = Z.sum(axis=0).astype(float)
    keep = (total > 0) & (total < n)
    if not keep.any():
        return 0.0
    Z, total = Z[:, keep], total[keep]
    overall = total / (n - total)
    dev = []
    for j in range(K):
        S = Z[folds == j]
        pos = S.sum(axis=0).astype(float)
        dev.append(np.abs(pos / np.maximum(S.shape[0] - pos, 1) - overall))
    return float(np.mean(dev))


def pair_matrix(Y: np.ndarray) -> np.ndarray:
    """One column per co-occurring label pair: the examples carrying both labels."""
    co = Y.T.astype(np.int64) @ Y.astype(np.int64)
    a, b = np.nonzero(np.triu(co, k=1))
    return (Y[:, a] & Y[:, b]).astype(np.int8)


def folds_of(cv, Y: np.ndarray) -> np.ndarray:
    out = np.empty(Y.shape[0], dtype=np.intp)
    for j, (_, test) in enumerate(cv.split(np.zeros((Y.shape[0], 1)), Y)):
        out[test] = j
    return out


def flz(Y: np.ndarray, folds: np.ndarray) -> int:
    present = Y.sum(axis=0) > 0
    return int(sum(np.sum((Y[folds == j].sum(axis=0) == 0) & present) for j in range(K)))


METHODS = {
    "random": lambda s: KFold(K, shuffle=True, random_state=s),
    "iterstrat": lambda s: IterstratKFold(n_splits=K, shuffle=True, random_state=s),
    "lw-1": lambda s: MultilabelStratifiedKFold(K, order=1, shuffle=True, random_state=s),
    "lw-2": lambda s: MultilabelStratifiedKFold(K, order=2, shuffle=True, random_state=s),
}


def best_time(make, Y: np.ndarray, repeats: int = 5) -> float:
    X = np.zeros((Y.shape[0], 1))
    times = []
    for r in range(repeats):
        t0 = time.perf_counter()
        list(make(r).split(X, Y))
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "splits.md")
    args = ap.parse_args()

    quality_rows, speed_rows, verdicts = [], [], []
    for name in NAMES:
        Y = read_labels(name)
        P = pair_matrix(Y)
        counts = Y.sum(axis=0)
        floor = int(np.sum(np.clip(K - counts[counts > 0], 0, None)))
        res = {}
        for method, make in METHODS.items():
            ld, lpd, fz = [], [], []
            for s in range(args.seeds):
                f = folds_of(make(s), Y)
                ld.append(_deviation(Y, f))
                lpd.append(_deviation(P, f))
                fz.append(flz(Y, f))
            res[method] = (np.mean(ld), np.mean(lpd), np.mean(fz))
        quality_rows.append((name, Y.shape, floor, res))
        t_is = best_time(METHODS["iterstrat"], Y)
        t1 = best_time(METHODS["lw-1"], Y)
        t2 = best_time(METHODS["lw-2"], Y)
        speed_rows.append((name, t_is, t1, t2))
        ok_is = all(res["lw-1"][i] <= res["iterstrat"][i] + 1e-12 for i in range(3))
        ok_rand = res["lw-1"][0] < res["random"][0] and res["lw-1"][2] <= res["random"][2]
        verdicts.append((name, ok_is, ok_rand, t1 / t_is))
        print(f"{name}: done", file=sys.stderr)

    lines = [
        "# Stratified 5-fold splits on the Mulan datasets",
        "",
        f"Command: `.venv/bin/python benchmarks/splits.py --seeds {args.seeds}`  ",
        f"Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"numpy {np.__version__}, Python {sys.version.split()[0]}.",
        "",
        "Train and test pooled (medical as given), 5 folds, mean over "
        f"{args.seeds} shuffles (seeds 0..{args.seeds - 1}). LD / LPD: label / label-pair "
        "distribution deviation (Sechidis et al. 2011; Szymański & Kajdanowicz 2017), FLZ: "
        "(test fold, label) pairs with the label missing; FLZ floor: the pairs that must be "
        "missing because a label has fewer than 5 examples. Lower is better.",
        "",
        "| dataset | n | L | FLZ floor | method | LD | LPD | FLZ |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for name, shape, floor, res in quality_rows:
        for i, (method, (ld, lpd, fz)) in enumerate(res.items()):
            head = f"| {name} | {shape[0]} | {shape[1]} | {floor}" if i == 0 else "| | | |"
            lines.append(f"{head} | {method} | {ld:.5f} | {lpd:.5f} | {fz:.1f} |")
    lines += [
        "",
        "Time to produce all 5 folds (best of 5, seconds) and ratio to iterstrat "
        "(< 1.0: labelwise faster).",
        "",
        "| dataset | iterstrat | lw-1 | lw-1 / iterstrat | lw-2 | lw-2 / iterstrat |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, t_is, t1, t2 in speed_rows:
        lines.append(
            f"| {name} | {t_is:.4f} | {t1:.4f} | {t1 / t_is:.2f} | {t2:.4f} | {t2 / t_is:.2f} |"
        )
    lines += [
        "",
        "Targets (lw-1): LD, LPD and FLZ no worse than iterstrat; LD and FLZ better than / no "
        "worse than random; time ratio <= 1.0.",
        "",
        "| dataset | <= iterstrat (LD, LPD, FLZ) | better than random | time ratio |",
        "|---|---|---|---:|",
    ]
    for name, ok_is, ok_rand, ratio in verdicts:
        lines.append(
            f"| {name} | {'yes' if ok_is else 'NO'} | {'yes' if ok_rand else 'NO'} | {ratio:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
