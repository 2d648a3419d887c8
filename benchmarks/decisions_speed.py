"""Speed of exact per-label F1 threshold tuning on a 1,000,000 x 100 score matrix.

Compared in the same run with
* the grid users hand-write: for each label and each of 101 thresholds t in linspace(0, 1, 101),
  ``sklearn.metrics.f1_score(y[:, j], s[:, j] >= t)``. It is timed on ``--grid-labels`` labels and
  extrapolated to 100 (marked "est."); its F1 on every label is computed with the same counts
  by NumPy (checked equal to ``f1_score`` on the timed labels);
* the floor: sorting each label's scores once, ``np.sort(S, axis=0)``.

Timings are the best of ``--repeat`` runs (the machine is shared).

Usage::

    .venv/bin/python benchmarks/decisions_speed.py \
        --out benchmarks/_work/decisions_speed.md
"""

from __future__ import annotations

import argparse
import datetime
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from labelwise.decision import PerLabelThreshold


def make_data(n: int, L: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    prevalence = rng.uniform(0.005, 0.3, L)
    Y = (rng.random((n, L)) < prevalence).astype(np.int8)
    logits = rng.normal(size=(n, L)) + 1.5 * Y + np.log(prevalence)
    return Y, 1.0 / (1.0 + np.exp(-logits))  # probabilities, practically no ties


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def grid_f1_numpy(y: np.ndarray, s: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """F1 at each grid threshold from counts (same numbers as f1_score with zero_division=0)."""
    yb = y.astype(bool)
    pos = np.sort(s[yb])
    allv = np.sort(s)
    tp = pos.size - np.searchsorted(pos, grid, side="left")
    pred = allv.size - np.searchsorted(allv, grid, side="left")
    denom = pred + pos.size
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--labels", type=int, default=100)
    ap.add_argument("--grid-labels", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    n, L = args.n, args.labels
    Y, S = make_data(n, L)
    grid = np.linspace(0, 1, 101)

    t_floor, _ = best(lambda: np.sort(S, axis=0), args.repeat)
    t_ours, rule = best(lambda: PerLabelThreshold(min_fbeta=0.0).fit(Y, S), args.repeat)

    def hand_grid(labels):
        out = []
        for j in labels:
            out.append([f1_score(Y[:, j], S[:, j] >= t, zero_division=0) for t in grid])
        return np.array(out)

    timed = list(range(args.grid_labels))
    t0 = time.perf_counter()
    grid_timed = hand_grid(timed)
    t_grid_part = time.perf_counter() - t0
    t_grid = t_grid_part * L / len(timed)

    grid_best = np.array([grid_f1_numpy(Y[:, j], S[:, j], grid).max() for j in range(L)])
    np.testing.assert_allclose(grid_best[timed], grid_timed.max(axis=1), rtol=0, atol=1e-12)
    ours_best = rule.best_scores_
    pred = rule.predict(S)
    ours_check = f1_score(Y, pred, average=None, zero_division=0)
    np.testing.assert_allclose(ours_check, ours_best, atol=1e-12)
    diff = ours_best - grid_best
    lines = [
        f"# Per-label F1 threshold tuning: {n:,} x {L} scores",
        "",
        f"Command: `.venv/bin/python benchmarks/decisions_speed.py --out {args.out}`  ",
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; best of "
        f"{args.repeat}; 2 cores shared with other jobs  ",
        "Data: prevalence U(0.005, 0.3) per label, scores sigmoid(N(0,1) + 1.5 y + log prev).",
        "",
        "| method | time (s) | ratio to exact sweep |",
        "|---|---|---|",
        "| labelwise `PerLabelThreshold(min_fbeta=0).fit` (exact, all distinct cuts) | "
        f"{t_ours:.2f} | 1.0 |",
        f"| floor: `np.sort(S, axis=0)` | {t_floor:.2f} | {t_floor / t_ours:.2f} |",
        f"| 101-point grid with `sklearn.metrics.f1_score` (est. from {len(timed)} labels: "
        f"{t_grid_part:.1f} s) | {t_grid:.0f} (est.) | {t_grid / t_ours:.0f} |",
        "",
        f"- speed-up over the grid: **{t_grid / t_ours:.0f}x** (target >= 150x)",
        f"- time relative to the sort floor: **{t_ours / t_floor:.2f}x** (target <= 1.5x)",
        "",
        "| quality (F1 on the tuning data, per label) | value |",
        "|---|---|",
        f"| labels where exact >= grid | {int(np.sum(diff >= -1e-12))} of {L} |",
        f"| mean F1 exact / grid | {ours_best.mean():.5f} / {grid_best.mean():.5f} |",
        f"| largest gain of exact over grid | {diff.max():.5f} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
