"""Text classification on the bundled Reuters split: labelwise.text against LibMultiLabel and a
scikit-learn pipeline a knowledgeable user builds by hand (issue 10).

Everything is trained on ``labelwise.datasets.load("reuters", split="train")`` (2,104 documents,
90 topics) and scored once on the ``test`` split (915 documents). Rows:

- labelwise ``TfidfClassifier`` (TF-IDF word 1-2-grams + char_wb 2-5-grams, one linear SVM per
  label) under ``ThresholdedClassifier(rule=PerLabelThreshold(), cv=5)``;
- labelwise ``EmbeddingClassifier`` (MiniLM sentence embeddings + ``NeuralClassifier`` head),
  same rule and folds;
- ``TextEnsemble`` of both: each member Platt-calibrated on its 5-fold out-of-fold training
  scores, log-odds averaged with the TF-IDF weight chosen by cross-validation on the TRAINING
  split only (per-label thresholds tuned on 4/5 of the out-of-fold scores, judged on the other
  1/5), thresholds then tuned on all out-of-fold scores; the test split chooses nothing;
- the knowledgeable user: scikit-learn ``TfidfVectorizer`` word 1-2 + char_wb 2-5 grams,
  ``OneVsRestClassifier(LinearSVC())``, per-label thresholds tuned on 3-fold out-of-fold
  decision values;
- LibMultiLabel's linear ``train_1vsrest`` (decision value > 0) and ``train_thresholding``, on
  the same TF-IDF matrices, run in the peers' environment (``.venv-peers``); a crash is reported
  as a crash.

Metrics: micro-F1, macro-F1 (over all 90 labels, an undefined F1 counts 0), P@1, P@3, nDCG@3
(from each model's scores), fit seconds. Speed: the linear one-vs-rest fit on the same features,
labelwise against LibMultiLabel's 1vsrest (both using all cores), and labelwise's whole
``TfidfClassifier.fit`` (vectorising included) without rule tuning.

The last rows are the main job, ``AutoClassifier(metric)`` as ``labelwise fit reuters --metric
METRIC --time-limit T`` runs it, for micro_f1, macro_f1 and precision_at_k.

Run from the repository root::

    .venv/bin/python benchmarks/text.py [--cv 5] [--embedding-cache emb.npz] \\
        [--out benchmarks/results/text.md]

``--embedding-cache`` keeps the MiniLM embeddings in a file between runs (encoding 3,019
documents takes minutes on a CPU); the fit seconds of the embedding rows then exclude encoding.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import parallel_config
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from labelwise.datasets import load
from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
from labelwise.errors import ProblemSetupWarning
from labelwise.metrics import f1_score, ndcg_at_k, precision_at_k
from labelwise.models import BinaryRelevance
from labelwise.text import (
    EmbeddingClassifier,
    TextEnsemble,
    TfidfClassifier,
    TfidfFeatures,
    load_embedding_cache,
    save_embedding_cache,
)

ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"


def metrics(Y: np.ndarray, pred: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    return {
        "micro_f1": f1_score(Y, pred, average="micro", zero_division=0.0),
        "macro_f1": f1_score(Y, pred, average="macro", zero_division=0.0),
        "p@1": precision_at_k(Y, scores, k=1),
        "p@3": precision_at_k(Y, scores, k=3),
        "ndcg@3": ndcg_at_k(Y, scores, k=3),
    }


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


PEER_CODE = textwrap.dedent(
    """
    import json, sys, time, traceback
    import numpy as np, scipy.sparse as sp
    import libmultilabel.linear as lml
    d = np.load(sys.argv[1], allow_pickle=False)
    Xtr = sp.csr_matrix((d["tr_data"], d["tr_indices"], d["tr_indptr"]), shape=d["tr_shape"])
    Xte = sp.csr_matrix((d["te_data"], d["te_indices"], d["te_indptr"]), shape=d["te_shape"])
    Ytr = sp.csr_matrix(d["Ytr"])
    out = {}
    for name, train in [("1vsrest", lml.train_1vsrest), ("thresholding", lml.train_thresholding)]:
        try:
            np.random.seed(0)
            t = time.perf_counter()
            model = train(Ytr, Xtr, options="", verbose=False)
            fit_s = time.perf_counter() - t
            values = np.asarray(lml.predict_values(model, Xte))
            np.save(sys.argv[2] + f"_{name}.npy", values)
            out[name] = {"fit_s": fit_s}
        except Exception as exc:
            out[name] = {"error": traceback.format_exception_only(type(exc), exc)[-1].strip()}
    print(json.dumps(out))
    """
)


def run_libmultilabel(Xtr, Ytr, Xte, workdir: Path) -> dict:
    if not PEERS_PYTHON.exists():
        return {k: {"error": "no .venv-peers"} for k in ("1vsrest", "thresholding")}
    path = workdir / "features.npz"
    np.savez(
        path,
        tr_data=Xtr.data, tr_indices=Xtr.indices, tr_indptr=Xtr.indptr, tr_shape=Xtr.shape,
        te_data=Xte.data, te_indices=Xte.indices, te_indptr=Xte.indptr, te_shape=Xte.shape,
        Ytr=Ytr,
    )  # fmt: skip
    run = subprocess.run(
        [str(PEERS_PYTHON), "-c", PEER_CODE, str(path), str(workdir / "values")],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        msg = (run.stderr.strip().splitlines() or ["crashed"])[-1]
        return {k: {"error": msg} for k in ("1vsrest", "thresholding")}
    out = json.loads(run.stdout.strip().splitlines()[-1])
    for name, res in out.items():
        if "error" not in res:
            res["values"] = np.load(workdir / f"values_{name}.npy")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=5, help="folds for tuning labelwise's rules")
    parser.add_argument("--embedding-cache", type=Path, help="an .npz embedding cache file")
    parser.add_argument("--skip-embeddings", action="store_true")
    parser.add_argument("--out", type=Path, help="write the markdown table here too")
    parser.add_argument(
        "--auto-time-limit",
        type=float,
        default=120.0,
        help="time limit of each `labelwise fit --metric` row (0 skips them)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore", ProblemSetupWarning)  # rare topics constant in a fold
    try:  # the MLP head's small matrix products slow down badly when threads compete for cores
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    train, test = load("reuters", split="train"), load("reuters", split="test")
    Ytr, Yte = train.Y_dense(), test.Y_dense()
    rows: list[dict] = []
    timing: dict[str, float] = {}

    # shared features: the same TF-IDF matrices for LibMultiLabel and the hand-built pipeline
    feats = TfidfFeatures()
    Xtr, timing["vectorise (fit+transform train)"] = timed(lambda: feats.fit_transform(train.texts))
    Xte = feats.transform(test.texts)
    print(f"TF-IDF: {Xtr.shape[1]} features", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        peers = run_libmultilabel(Xtr, Ytr, Xte, Path(tmp))
    for name, res in peers.items():
        row = {"model": f"LibMultiLabel {name} (same TF-IDF)"}
        if "error" in res:
            row["error"] = res["error"][:120]
        else:
            values = res["values"]
            row.update(metrics(Yte, (values > 0).astype(np.int8), values), fit_s=res["fit_s"])
            if name == "1vsrest":
                timing["LibMultiLabel 1vsrest fit (same features)"] = res["fit_s"]
        rows.append(row)
        print(row, flush=True)

    # the knowledgeable user's pipeline, on the same features; topics without a training example
    # are left out of training and never predicted (OneVsRestClassifier would give them a
    # constant decision value of 0, ranked above every real topic's negative margin)
    seen = Ytr.any(axis=0)

    def knowledgeable():
        svm = OneVsRestClassifier(LinearSVC())
        folds = KFold(3, shuffle=True, random_state=0)
        oof = cross_val_predict(svm, Xtr, Ytr[:, seen], cv=folds, method="decision_function")
        rule = PerLabelThreshold().fit(Ytr[:, seen], oof)
        return svm.fit(Xtr, Ytr[:, seen]), rule

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Label not k is present in all ..."
        (svm, rule), fit_s = timed(knowledgeable)
    values = np.full(Yte.shape, -10.0)
    values[:, seen] = svm.decision_function(Xte)
    pred = np.zeros(Yte.shape, dtype=np.int8)
    pred[:, seen] = rule.predict(values[:, seen])
    rows.append(
        {"model": "hand-built: sklearn OvR LinearSVC + 3-fold per-label thresholds"}
        | metrics(Yte, pred, values)
        | {"fit_s": fit_s}
    )
    print(rows[-1], flush=True)

    # speed: the linear one-vs-rest part on the same features, all cores like LibMultiLabel
    def linear_part():
        with parallel_config(backend="threading"):
            return BinaryRelevance(LinearSVC(random_state=0), n_jobs=-1).fit(Xtr, Ytr)

    _, timing["labelwise one-vs-rest LinearSVC fit (same features, 2 threads)"] = timed(linear_part)
    _, timing["labelwise TfidfClassifier().fit (vectorising included)"] = timed(
        lambda: TfidfClassifier().fit(train.texts, Ytr)
    )
    _, timing["labelwise TfidfClassifier(n_jobs=-1).fit (vectorising included)"] = timed(
        lambda: TfidfClassifier(n_jobs=-1).fit(train.texts, Ytr)
    )

    # labelwise: TF-IDF with tuned per-label thresholds
    tfidf = ThresholdedClassifier(
        TfidfClassifier(n_jobs=-1), rule=PerLabelThreshold(), cv=args.cv, random_state=0
    )
    _, fit_s = timed(lambda: tfidf.fit(train.texts, Ytr))
    s_tfidf = tfidf.predict_proba(test.texts)
    rows.append(
        {"model": f"labelwise TfidfClassifier + PerLabelThreshold ({args.cv}-fold)"}
        | metrics(Yte, tfidf.predict(test.texts), s_tfidf)
        | {"fit_s": fit_s}
    )
    print(rows[-1], flush=True)
    choice = {}
    if not args.skip_embeddings:
        if args.embedding_cache and args.embedding_cache.exists():
            load_embedding_cache(args.embedding_cache)
        emb = ThresholdedClassifier(
            EmbeddingClassifier(), rule=PerLabelThreshold(), cv=args.cv, random_state=0
        )
        _, fit_s = timed(lambda: emb.fit(train.texts, Ytr))
        s_emb = emb.predict_proba(test.texts)
        if args.embedding_cache:
            save_embedding_cache(args.embedding_cache)
        rows.append(
            {"model": f"labelwise EmbeddingClassifier + PerLabelThreshold ({args.cv}-fold)"}
            | metrics(Yte, emb.predict(test.texts), s_emb)
            | {"fit_s": fit_s}
        )
        print(rows[-1], flush=True)
        # the ensemble: both members, Platt-calibrated on their out-of-fold training scores,
        # averaged in log-odds with the weight chosen by cross-validation on training data only
        ens = TextEnsemble(
            TfidfClassifier(n_jobs=-1), EmbeddingClassifier(), cv=args.cv,
            decision_rule=PerLabelThreshold(),
        )  # fmt: skip
        _, fit_s = timed(lambda: ens.fit(train.texts, Ytr))
        choice = {"weight_scores": ens.weight_scores_, "weight": ens.weight_}
        rows.append(
            {"model": f"labelwise TextEnsemble (TF-IDF weight {ens.weight_} by training CV) + "
             "PerLabelThreshold"}
            | metrics(Yte, ens.predict(test.texts), ens.predict_proba(test.texts))
            | {"fit_s": fit_s}
        )  # fmt: skip
        print(rows[-1], choice, flush=True)

    # the main job: what `labelwise fit reuters --metric M --time-limit T` trains, one per metric
    # (candidates, rule and blend chosen by cross-validation on the training split only)
    if args.auto_time_limit > 0:
        from labelwise.auto import AutoClassifier

        for metric in ("micro_f1", "macro_f1", "precision_at_k"):
            auto = AutoClassifier(metric, time_limit=args.auto_time_limit, n_jobs=2)
            _, fit_s = timed(lambda a=auto: a.fit(train.texts, Ytr))
            rows.append(
                {"model": f"labelwise fit --metric {metric} ({auto.best_name_} + {auto.rule_!r})"}
                | metrics(Yte, auto.predict(test.texts), auto.predict_proba(test.texts))
                | {"fit_s": fit_s}
            )
            print(rows[-1], flush=True)

    table = render(rows, timing, choice, args)
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table, encoding="utf-8")


def render(rows: list[dict], timing: dict, choice: dict, args: argparse.Namespace) -> str:
    cols = ["micro_f1", "macro_f1", "p@1", "p@3", "ndcg@3", "fit_s"]
    lines = [
        f"Reuters (bundled split, 2104 train / 915 test, 90 topics); {datetime.date.today()}, "
        f"Python {platform.python_version()}, machine shared with other jobs.",
        "",
        "| model | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | crashed: {r['error']} |" + " |" * (len(cols) - 1))
        else:
            cells = [f"{r[c]:.1f}" if c == "fit_s" else f"{r[c]:.3f}" for c in cols]
            lines.append(f"| {r['model']} | " + " | ".join(cells) + " |")
    lines += ["", "| speed | seconds |", "|---|---:|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in timing.items()]
    if choice:
        lines += ["", f"TextEnsemble TF-IDF weight chosen by training-split CV: {choice}"]
    cmd = "python benchmarks/text.py " + " ".join(sys.argv[1:])
    lines += ["", f"Command: `.venv/bin/{cmd}`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
