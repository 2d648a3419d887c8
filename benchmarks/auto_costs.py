"""How well the main job's fit-time estimates predict real fits; whether it keeps its time limit.

``AutoClassifier`` orders its candidates by an estimate of their fitting time on the data at hand
(``labelwise.auto.candidates.fit_seconds``: each family's complexity in rows, features and labels
times a constant per family) and skips, within ``time_limit``, any candidate whose estimate at the
speed measured so far exceeds the time left. Two parts:

1. ``estimates``: every multi-label candidate fitted once (one core) on synthetic data of several
   shapes; printed: measured seconds, estimated seconds and their ratio. The ratios of one machine
   should agree within a small factor across candidates and shapes (the search rescales all of
   them by the speed it measures, so only their spread matters).
2. ``limit``: ``AutoClassifier("micro_f1", time_limit=T, n_jobs=2)`` on larger synthetic problems
   (many rows; many labels); printed: the wall time of ``fit`` against ``T`` and what ran.

Run from the repository root::

    .venv/bin/python benchmarks/auto_costs.py [--part estimates|limit|both] [--time-limit 60]
        [--out benchmarks/results/auto_costs.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import make_multilabel_classification

# (rows, features, labels, words per row): dense features when words is 0, else a sparse
# bag of words drawn from the labels' word distributions (make_multilabel_classification's model)
SHAPES = [
    (1500, 80, 15, 0),
    (3000, 200, 50, 0),
    (6000, 60, 8, 0),
    (4000, 500, 26, 30),
    (4000, 5000, 100, 60),
]
LARGE = [(20000, 100, 20, 0), (6000, 300, 400, 0), (8000, 1000, 30, 40)]


def data(n: int, d: int, L: int, words: int = 0) -> tuple[Any, np.ndarray]:
    X, Y = make_multilabel_classification(
        n_samples=n,
        n_features=d,
        n_classes=L,
        n_labels=3,
        length=words or 50,
        sparse=bool(words),
        random_state=0,
    )
    return X.astype(np.float64), Y


def shape(n: int, d: int, L: int, words: int) -> str:
    return f"{n} x {d} x {L}" + (f" (sparse, ~{words} words per row)" if words else "")


def estimates() -> list[str]:
    from threadpoolctl import threadpool_limits

    from labelwise.auto.candidates import build_candidates, profile_data

    lines = [
        "| rows x features x labels | candidate | measured s | estimated s "
        "| measured / estimated |",
        "|---|---|---:|---:|---:|",
    ]
    ratios = []
    for n, d, L, words in SHAPES:
        X, Y = data(n, d, L, words)
        for cand in build_candidates(profile_data(X, Y, "multilabel")):
            with threadpool_limits(1), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                model = cand.make().fit(X, Y)
                seconds = time.perf_counter() - start
            last = model.steps[-1][1] if hasattr(model, "steps") else model
            epochs = getattr(last, "n_epochs_", None)
            ratios.append(seconds / cand.cost)
            lines.append(
                f"| {shape(n, d, L, words)} | {cand.name} | {seconds:.2f} | {cand.cost:.2f} | "
                f"{seconds / cand.cost:.2f} |" + (f" {epochs} epochs" if epochs else "")
            )
            print(lines[-1], flush=True)
    r = np.array(ratios)
    lines += [
        "",
        f"Ratio measured / estimated: median {np.median(r):.2f}, middle 80% "
        f"{np.quantile(r, 0.1):.2f}-{np.quantile(r, 0.9):.2f}, range {r.min():.2f}-{r.max():.2f} "
        f"over {r.size} fits.",
    ]
    return lines


def limit(time_limit: float) -> list[str]:
    from labelwise.auto import AutoClassifier

    lines = [
        "| rows x features x labels | time limit s | fit wall s | ran | skipped | chosen |",
        "|---|---:|---:|---|---:|---|",
    ]
    for n, d, L, words in LARGE:
        X, Y = data(n, d, L, words)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            auto = AutoClassifier("micro_f1", time_limit=time_limit, n_jobs=2).fit(X, Y)
            seconds = time.perf_counter() - start
        ran = [r["candidate"] for r in auto.leaderboard_ if r["status"] == "ok"]
        skipped = sum(r["status"] == "skipped" for r in auto.leaderboard_)
        lines.append(
            f"| {shape(n, d, L, words)} | {time_limit:g} | {seconds:.0f} | {', '.join(ran)} | "
            f"{skipped} | {auto.best_name_} |"
        )
        print(lines[-1], flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=["estimates", "limit", "both"], default="both")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = [
        "## Fit-time estimates of the main job's candidates, and its time limit",
        "",
        f"Command: `.venv/bin/python benchmarks/auto_costs.py --part {args.part} --time-limit "
        f"{args.time_limit:g}`  ",
        f"Date: {datetime.date.today()}; Python {platform.python_version()}; "
        f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start.",
        "",
    ]
    if args.part in ("estimates", "both"):
        out += [*estimates(), ""]
    if args.part in ("limit", "both"):
        out += [*limit(args.time_limit), ""]
    text = "\n".join(out)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
