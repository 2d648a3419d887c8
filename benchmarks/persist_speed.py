"""Model files: time to save and load, and file size, against plain pickle (issue 11).

A labelwise model file (``labelwise.persist.save``/``load``: skops tree, JSON metadata, SHA-256
manifest, atomic write, type audit and structural checks on load) is compared with
``pickle.dumps``/``pickle.loads`` of the same fitted model, which has none of these guarantees.
Models are fitted on the bundled ``yeast`` training split (1,500 rows, 103 features, 14 labels);
the loaded model's ``predict_proba`` on the test split must equal the original's exactly.

Run from the repository root::

    .venv/bin/python benchmarks/persist_speed.py [--repeat 3] [--out benchmarks/results/persist.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import pickle
import platform
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import labelwise
from labelwise.datasets import load as load_dataset
from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
from labelwise.models import BinaryRelevance, EnsembleClassifierChains, MLkNN
from labelwise.persist import load, save


def candidates() -> dict:
    lr = LogisticRegression(max_iter=1000)
    return {
        "BR(LR) + per-label thresholds": ThresholdedClassifier(
            make_pipeline(StandardScaler(), BinaryRelevance(lr)),
            rule=PerLabelThreshold(),
            cv=3,
            random_state=0,
        ),
        "ECC(LR), 10 chains": make_pipeline(
            StandardScaler(), EnsembleClassifierChains(lr, n_chains=10, random_state=0)
        ),
        "BR(random forest, 100 trees)": BinaryRelevance(
            RandomForestClassifier(n_estimators=100, random_state=0)
        ),
        "ML-kNN (k=10)": make_pipeline(StandardScaler(), MLkNN(k=10)),
    }


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    train, test = load_dataset("yeast", "train"), load_dataset("yeast", "test")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, model in candidates().items():
            model.fit(train.X, train.Y_dense())
            path = Path(tmp) / "model.lw"
            t_save = best_of(lambda m=model, p=path: save(m, p, overwrite=True), args.repeat)
            t_load = best_of(lambda p=path: load(p), args.repeat)
            same = np.array_equal(load(path).predict_proba(test.X), model.predict_proba(test.X))
            blob = pickle.dumps(model)
            t_pdump = best_of(lambda m=model: pickle.dumps(m), args.repeat)
            t_pload = best_of(lambda b=blob: pickle.loads(b), args.repeat)
            rows.append(
                (name, t_save, t_load, os.path.getsize(path), t_pdump, t_pload, len(blob), same)
            )
            print(rows[-1], flush=True)
    lines = [
        "| model | save (s) | load (s) | file (MB) | pickle dump (s) | pickle load (s) "
        "| pickle (MB) | same predict_proba |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, ts, tl, size, pd_, pl, psize, same in rows:
        lines.append(
            f"| {name} | {ts:.3f} | {tl:.3f} | {size / 2**20:.2f} | {pd_:.3f} | {pl:.3f} "
            f"| {psize / 2**20:.2f} | {'yes' if same else 'NO'} |"
        )
    header = (
        f"# Model files: save/load speed and size (issue 11)\n\n"
        f"Command: `.venv/bin/python benchmarks/persist_speed.py --repeat {args.repeat}`  \n"
        f"Date: {datetime.date.today()}; labelwise {labelwise.__version__}, Python "
        f"{platform.python_version()}; best of {args.repeat} runs; data: bundled yeast "
        "(train 1,500 x 103, 14 labels; predictions checked on test).\n\n"
    )
    text = header + "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
