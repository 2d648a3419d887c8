"""NeuralClassifier (BCE, focal, asymmetric loss) against binary relevance over logistic regression.

On each of the 7 shared Mulan datasets' standard train/test split (features standardised, or
scaled by their maximum absolute value when sparse; scalers fitted on the training part), every
model's decision rule is tuned on out-of-fold scores of the TRAINING data only
(``--cv``-fold cross-validated ``predict_proba``; the model is then refitted on all of the training
data): ``GlobalThreshold("f1_micro")`` for micro-F1 and ``PerLabelThreshold()`` for macro-F1
(the rule that maximises each). Test-set micro- and macro-F1 are computed with scikit-learn's
``f1_score``. This is what ``ThresholdedClassifier`` does, with the out-of-fold scores shared by
the two rules so each model is cross-validated once.

Models, all with their defaults except the loss:

* ``BR-LR``: ``BinaryRelevance(LogisticRegression(max_iter=1000))``.
* ``NN-BCE``, ``NN-focal``, ``NN-ASL``: ``NeuralClassifier(loss="bce" | "focal" | "asymmetric",
  max_epochs=--max-epochs, random_state=0)``: one 512-wide ReLU layer, dropout 0.5, AdamW
  (lr 1e-3, weight decay 1e-2), batches of 128, early stopping on the validation loss with
  patience 10 on an iterative-stratified 10% split, best epoch restored. Focal: gamma 2 (Lin et
  al.); asymmetric: gamma_neg 4, gamma_pos 0, clip 0.05 (Ridnik et al.).

Single-threaded (torch and BLAS) so that a shared machine's load affects the fit seconds less::

    .venv/bin/python benchmarks/neural.py [--datasets flags,emotions] [--cv 3] [--max-epochs 100]
"""

from __future__ import annotations

import argparse
import datetime
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from threadpoolctl import threadpool_limits

import labelwise
from labelwise.decision import GlobalThreshold, PerLabelThreshold
from labelwise.errors import ProblemSetupWarning
from labelwise.models import BinaryRelevance, NeuralClassifier

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LABELWISE_SHARED", ROOT.parent / "shared"))
MULAN = SHARED / "datasets" / "mulan"
DATASETS = ["flags", "emotions", "birds", "genbase", "scene", "yeast", "enron"]  # small first


def load(name: str) -> tuple[Any, np.ndarray, Any, np.ndarray]:
    xml = MULAN / f"{name}.xml"
    tr = labelwise.read(MULAN / f"{name}-train.arff", labels=xml)
    te = labelwise.read(MULAN / f"{name}-test.arff", labels=xml)
    Ytr = tr.Y.toarray() if sp.issparse(tr.Y) else np.asarray(tr.Y)
    Yte = te.Y.toarray() if sp.issparse(te.Y) else np.asarray(te.Y)
    scaler = MaxAbsScaler() if sp.issparse(tr.X) else StandardScaler()
    Xtr = scaler.fit_transform(tr.X)
    Xte = scaler.transform(te.X)
    if sp.issparse(Xtr):
        Xtr, Xte = sp.csr_matrix(Xtr), sp.csr_matrix(Xte)
    return Xtr, Ytr.astype(np.int64), Xte, Yte.astype(np.int64)


def models(max_epochs: int) -> dict[str, Callable[[], Any]]:
    def nn(loss: str) -> Callable[[], Any]:
        return lambda: NeuralClassifier(loss=loss, max_epochs=max_epochs, random_state=0)

    return {
        "BR-LR": lambda: BinaryRelevance(LogisticRegression(max_iter=1000)),
        "NN-BCE": nn("bce"),
        "NN-focal": nn("focal"),
        "NN-ASL": nn("asymmetric"),
    }


def evaluate(make: Callable[[], Any], Xtr, Ytr, Xte, Yte, cv: int) -> dict[str, float]:
    start = time.perf_counter()
    folds = KFold(cv, shuffle=True, random_state=0)
    oof = cross_val_predict(make(), Xtr, Ytr, cv=folds, method="predict_proba")
    model = clone(make()).fit(Xtr, Ytr)
    seconds = time.perf_counter() - start
    S = model.predict_proba(Xte)
    micro_rule = GlobalThreshold("f1_micro").fit(Ytr, oof)
    macro_rule = PerLabelThreshold().fit(Ytr, oof)
    return {
        "micro": f1_score(Yte, micro_rule.predict(S), average="micro", zero_division=0),
        "macro": f1_score(Yte, macro_rule.predict(S), average="macro", zero_division=0),
        "seconds": seconds,
        "epochs": float(getattr(model, "n_epochs_", 0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    names = [d for d in args.datasets.split(",") if d]
    todo = models(args.max_epochs)
    rows: dict[str, dict[str, dict[str, float]]] = {}
    load_avg = [os.getloadavg()[0]]
    for name in names:
        Xtr, Ytr, Xte, Yte = load(name)
        rows[name] = {}
        for label, make in todo.items():
            with threadpool_limits(1), warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.simplefilter("ignore", ProblemSetupWarning)  # constant labels in folds
                rows[name][label] = evaluate(make, Xtr, Ytr, Xte, Yte, args.cv)
            r = rows[name][label]
            print(
                f"{name:9s} {label:9s} micro {r['micro']:.4f} macro {r['macro']:.4f} "
                f"{r['seconds']:7.1f} s  epochs {r['epochs']:.0f}",
                flush=True,
            )
        load_avg.append(os.getloadavg()[0])
    print()
    print(
        f"# neural  {datetime.date.today()}  cv={args.cv} max_epochs={args.max_epochs}; "
        f"1 thread; load average {min(load_avg):.1f}-{max(load_avg):.1f} (shared machine)"
    )
    for metric, title in (
        ("micro", "micro-F1 (GlobalThreshold tuned for micro-F1)"),
        ("macro", "macro-F1 (PerLabelThreshold)"),
    ):
        print()
        print(f"Test {title}; best per dataset in bold")
        print()
        print("| dataset | " + " | ".join(todo) + " |")
        print("|---|" + "---:|" * len(todo))
        wins = dict.fromkeys(todo, 0)
        for name in names:
            vals = {k: rows[name][k][metric] for k in todo}
            top = max(vals.values())
            cells = []
            for k, v in vals.items():
                cells.append(f"**{v:.4f}**" if v == top else f"{v:.4f}")
                wins[k] += v == top
            print(f"| {name} | " + " | ".join(cells) + " |")
        mean = {k: np.mean([rows[n][k][metric] for n in names]) for k in todo}
        print("| mean | " + " | ".join(f"{mean[k]:.4f}" for k in todo) + " |")
        print("| datasets best | " + " | ".join(str(wins[k]) for k in todo) + " |")
    print()
    print("Fit seconds (cross-validation for the rules + final fit; epochs of the final fit)")
    print()
    print("| dataset | " + " | ".join(todo) + " |")
    print("|---|" + "---:|" * len(todo))
    for name in names:
        cells = []
        for k in todo:
            r = rows[name][k]
            cells.append(
                f"{r['seconds']:.1f}" + (f" ({r['epochs']:.0f} ep)" if r["epochs"] else "")
            )
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
