"""The tuned default rule (issue 18) against the old 0.5 default, on held-out test sets.

Since issue 18, ``decision_rule=None`` on label-set targets is ``GlobalThreshold()`` (one
threshold for every label, maximising micro-F1) tuned on 5-fold out-of-fold training scores in
``fit``; ``FixedThreshold(0.5)`` is the old default. For each set this fits both on the training
split and reports test micro-/macro-F1, the tuned threshold and the fit's CPU time as a ratio
(new / old; one BLAS thread, after a warm-up fit; CPU time because the machine may be shared):

- ``BinaryRelevance(LogisticRegression(max_iter=1000))`` on standardised Mulan features
  (emotions, yeast, enron: the standard train/test splits of the shared data);
- ``TfidfClassifier()`` on Reuters-21578 (ModApte: 7,769 training and 3,019 test documents,
  90 topics; ``--reuters bundled`` uses the smaller bundled split instead).

The shared data are found in ``$LABELWISE_SHARED/datasets`` or ``../shared/datasets`` beside
the repository. Run from the repository root::

    python benchmarks/tuned_defaults.py                      # emotions yeast enron reuters
    python benchmarks/tuned_defaults.py --sets emotions yeast
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from threadpoolctl import threadpool_limits

import labelwise
from labelwise.decision import FixedThreshold
from labelwise.metrics import f1_score
from labelwise.models import BinaryRelevance
from labelwise.text import TfidfClassifier

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LABELWISE_SHARED", ROOT.parent / "shared")) / "datasets"
MULAN_SETS = ("emotions", "yeast", "enron")


def load_mulan(name: str) -> tuple[Any, np.ndarray, Any, np.ndarray]:
    xml = SHARED / "mulan" / f"{name}.xml"
    tr = labelwise.read(SHARED / "mulan" / f"{name}-train.arff", labels=xml)
    te = labelwise.read(SHARED / "mulan" / f"{name}-test.arff", labels=xml)
    dense = [Y.toarray() if sp.issparse(Y) else np.asarray(Y) for Y in (tr.Y, te.Y)]
    scaler = MaxAbsScaler() if sp.issparse(tr.X) else StandardScaler()
    Xtr, Xte = scaler.fit_transform(tr.X), scaler.transform(te.X)
    if sp.issparse(Xtr):
        Xtr, Xte = sp.csr_matrix(Xtr), sp.csr_matrix(Xte)
    return Xtr, dense[0].astype(np.int8), Xte, dense[1].astype(np.int8)


def load_reuters(which: str) -> tuple[list[str], Any, list[str], Any]:
    if which == "bundled":
        from labelwise.datasets import load

        train, test = load("reuters", split="train"), load("reuters", split="test")
        return list(train.texts), train.Y, list(test.texts), test.Y
    docs = {
        split: json.loads((SHARED / "text" / f"reuters21578_modapte_{split}.json").read_text())
        for split in ("train", "test")
    }
    return (
        [d["text"] for d in docs["train"]],
        [d["labels"] for d in docs["train"]],
        [d["text"] for d in docs["test"]],
        [d["labels"] for d in docs["test"]],
    )


def measure(make: Any, Xtr: Any, ytr: Any, Xte: Any, Yte: Any) -> dict[str, Any]:
    t0 = time.process_time()
    model = make().fit(Xtr, ytr)
    seconds = time.process_time() - t0
    if isinstance(model, TfidfClassifier):
        Yte = model.binarize_labels(Yte, unknown="ignore")
        P = model._decide(Xte)
    else:
        P = model.predict(Xte)
    rule = getattr(model, "rule_", None)
    return {
        "cpu": seconds,
        "micro": f1_score(Yte, P, average="micro", zero_division=0.0),
        "macro": f1_score(Yte, P, average="macro", zero_division=0.0),
        "threshold": 0.5 if rule is None else float(rule.threshold_),
    }


def run(name: str, reuters: str) -> list[str]:
    if name == "reuters":
        Xtr, ytr, Xte, yte = load_reuters(reuters)
        label = f"reuters ({reuters})"
        model = "TfidfClassifier()"

        def make(rule=None):
            return lambda: TfidfClassifier(decision_rule=rule)
    else:
        Xtr, ytr, Xte, yte = load_mulan(name)
        label = name
        model = "BinaryRelevance(LR)"

        def make(rule=None):
            return lambda: BinaryRelevance(LogisticRegression(max_iter=1000), decision_rule=rule)

    make(FixedThreshold(0.5))().fit(Xtr, ytr)  # warm-up: imports, caches
    old = measure(make(FixedThreshold(0.5)), Xtr, ytr, Xte, yte)
    new = measure(make(None), Xtr, ytr, Xte, yte)
    n_train = len(Xtr) if isinstance(Xtr, list) else Xtr.shape[0]
    n_test = len(Xte) if isinstance(Xte, list) else Xte.shape[0]
    return [
        f"| {label} | {n_train} / {n_test} | {model} | {old['micro']:.4f} | {new['micro']:.4f} "
        f"| {old['macro']:.4f} | {new['macro']:.4f} | {new['threshold']:.3f} "
        f"| {old['cpu']:.1f} | {new['cpu']:.1f} | {new['cpu'] / old['cpu']:.2f} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=[*MULAN_SETS, "reuters"])
    parser.add_argument("--reuters", choices=["modapte", "bundled"], default="modapte")
    args = parser.parse_args()
    print(
        "| set | train / test rows | model | micro-F1 0.5 | micro-F1 tuned | macro-F1 0.5 "
        "| macro-F1 tuned | tuned threshold | fit CPU s 0.5 | fit CPU s tuned | CPU ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with threadpool_limits(1):
        for name in args.sets:
            for line in run(name, args.reuters):
                print(line, flush=True)


if __name__ == "__main__":
    main()
