"""LabelForest on Delicious: alone, averaged with LabelTree and the network, against Omikuji.

Issue 19's target: labelwise's best model at or above the published FastXML numbers on Delicious
(P@1/3/5 69.61 / 64.12 / 59.27, Extreme Classification Repository). Every system trains and
predicts the top 5 labels of each test row in its own subprocess (its peak resident memory is its
own and includes reading the data); the parent scores the sparse top-5 matrices with labelwise's
at-k metrics: P@1/3/5, nDCG@3/5, PSP@1/3/5 (Jain et al. 2016 propensities from the training
labels, A = 0.55, B = 1.5). Data loading, scoring and the peers' systems (``LabelTree``,
``NeuralClassifier``, ``omikuji-parabel``, ...) are those of ``benchmarks/many_labels.py``.

Systems added here:

* ``LabelForest``: ``labelwise.models.LabelForest()`` with its defaults.
* ``Forest+Tree``, ``Forest+NN``, ``Forest+NN+Tree``: ``labelwise.models.ScoreAverage`` with
  equal weights (no weight tuned on the test rows) over LabelForest, LabelTree and
  NeuralClassifier (512 hidden, ``--nn-epochs`` epochs, no early stopping, as many_labels.py).

``--cv`` instead runs the 3-fold cross-validation on the *training* rows that chose
LabelForest's defaults (mean P@1/3/5 of each setting; the test rows are not read).

Run with the peers' environment (it has labelwise installed editable) from the repository root::

    flock .bench.lock .venv-peers/bin/python benchmarks/label_forest.py --threads 2
    .venv/bin/python benchmarks/label_forest.py --cv
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import many_labels as ml  # the shared loaders, scoring and peer systems

OWN = ["LabelForest", "Forest+Tree", "Forest+NN", "Forest+NN+Tree"]
SYSTEMS = ["LabelForest", "Forest+Tree", "LabelTree", "omikuji-parabel", "NeuralClassifier"]
SLOW = {"NeuralClassifier", "Forest+NN", "Forest+NN+Tree"}
COLS = ["P@1", "P@3", "P@5", "nDCG@3", "nDCG@5", "PSP@1", "PSP@3", "PSP@5"]
PUBLISHED = {"FastXML": (69.61, 64.12, 59.27)}
CV_SETTINGS = [
    {},
    {"min_samples_leaf": 1},
    {"min_samples_leaf": 5},
    {"max_features": None},
    {"max_features": 0.15},
    {"splitter": "best"},
    {"projection_dim": 16},
    {"projection_dim": 128},
    {"n_trees": 20},
]


def _own_model(system: str, threads: int, nn_epochs: int):
    from labelwise.decision import FixedThreshold
    from labelwise.models import LabelForest, LabelTree, NeuralClassifier, ScoreAverage

    members = {
        "forest": LabelForest(n_jobs=threads),
        "tree": LabelTree(n_jobs=threads),
        "nn": NeuralClassifier(max_epochs=nn_epochs, early_stopping=False, random_state=0),
    }
    rule = FixedThreshold(0.5)  # the benchmark ranks; no decision rule is tuned
    if system == "LabelForest":
        return members["forest"].set_params(decision_rule=rule)
    names = {"Forest+Tree": ["forest", "tree"], "Forest+NN": ["forest", "nn"]}.get(
        system, ["forest", "nn", "tree"]
    )
    return ScoreAverage([(n, members[n]) for n in names], decision_rule=rule)


def run_own(system: str, threads: int, nn_epochs: int, out: Path) -> None:
    """In a subprocess: train one of this script's systems, predict the top 5, save them."""
    from labelwise.models import top_k_proba

    Xtr, Ytr, Xte, _ = ml.load("delicious", Path())
    warnings.simplefilter("ignore")
    model = _own_model(system, threads, nn_epochs)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(Xtr, Ytr)
    t1, c1 = time.perf_counter(), time.process_time()
    top = top_k_proba(model, Xte, ml.TOP)
    t2, c2 = time.perf_counter(), time.process_time()
    sp.save_npz(out.with_suffix(".npz"), sp.csr_matrix(top))
    times = {"train_s": t1 - t0, "predict_s": t2 - t1, "train_cpu": c1 - c0, "predict_cpu": c2 - c1}
    out.write_text(json.dumps({**times, "peak_mb": ml._peak_rss_mb()}))


def cross_validate(threads: int) -> None:
    """3-fold mean P@1/3/5 on the training rows for each setting of ``CV_SETTINGS``."""
    from sklearn.model_selection import KFold

    from labelwise.decision import FixedThreshold
    from labelwise.metrics import precision_at_k
    from labelwise.models import LabelForest

    X, Y, _, _ = ml.load("delicious", Path())
    folds = list(KFold(3, shuffle=True, random_state=0).split(np.arange(X.shape[0])))
    print("| setting (others default) | P@1 | P@3 | P@5 | mean | train CPU s per fold |")
    print("|---|---:|---:|---:|---:|---:|", flush=True)
    for setting in CV_SETTINGS:
        res, cpu = [], []
        for a, b in folds:
            c0 = time.process_time()
            model = LabelForest(n_jobs=threads, decision_rule=FixedThreshold(0.5), **setting)
            model.fit(X[a], Y[a])
            cpu.append(time.process_time() - c0)
            top = model.predict_proba(X[b], k=5)
            res.append([100 * precision_at_k(Y[b], top, k=k) for k in (1, 3, 5)])
        p = np.mean(res, axis=0)
        name = ", ".join(f"{k}={v!r}" for k, v in setting.items()) or "defaults"
        print(
            f"| {name} | {p[0]:.2f} | {p[1]:.2f} | {p[2]:.2f} | {p.mean():.2f} "
            f"| {np.mean(cpu):.1f} |",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--nn-epochs", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--cv", action="store_true", help="3-fold CV of the defaults on train rows")
    ap.add_argument("--worker", nargs=2, metavar=("SYSTEM", "OUT"))
    args = ap.parse_args()
    if args.cv:
        cross_validate(args.threads)
        return
    if args.worker:
        system, out = args.worker
        if system in OWN:
            run_own(system, args.threads, args.nn_epochs, Path(out))
        else:
            ml.run_system(system, "delicious", Path(), args.threads, args.nn_epochs, Path(out))
        return
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="label_forest_"))
    _, Ytr, _, Yte = ml.load("delicious", Path())
    print(
        f"# label_forest  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  "
        f"threads={args.threads}  python={sys.executable.split('/')[-3]}"
    )
    systems = args.systems.split(",")
    order = [s for s in systems if s not in SLOW] + [s for s in systems if s in SLOW]
    print("\n| system | " + " | ".join(COLS) + " | train s (CPU s) | predict s (CPU s) | peak MB |")
    print("|---|" + "---:|" * (len(COLS) + 3), flush=True)
    for system in order:
        out = tmp / f"{system}.json"
        cmd = [sys.executable, __file__, "--threads", str(args.threads)]
        cmd += ["--nn-epochs", str(args.nn_epochs), "--worker", system, str(out)]
        try:
            proc = subprocess.run(
                cmd, env=env, timeout=args.timeout, capture_output=True, text=True
            )
        except subprocess.TimeoutExpired:
            print(f"| {system} | timed out after {args.timeout:.0f} s |", flush=True)
            continue
        if proc.returncode != 0 or not out.exists():
            tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
            print(f"| {system} | failed, exit code {proc.returncode}: {tail[0][:150]} |")
            continue
        info = json.loads(out.read_text())
        m = ml.score(sp.load_npz(out.with_suffix(".npz")), Ytr, Yte)
        print(
            f"| {system} | "
            + " | ".join(f"{m[c]:.2f}" for c in COLS)
            + f" | {info['train_s']:.1f} ({info['train_cpu']:.1f})"
            + f" | {info['predict_s']:.1f} ({info['predict_cpu']:.1f})"
            + f" | {info['peak_mb']:.0f} |",
            flush=True,
        )
    for name, (p1, p3, p5) in PUBLISHED.items():
        print(f"| {name} (published) | {p1} | {p3} | {p5} |" + " |" * (len(COLS) - 3 + 3))


if __name__ == "__main__":
    main()
