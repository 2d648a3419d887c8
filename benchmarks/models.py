"""Quality and speed of labelwise's multi-label models against peer libraries (issue 6).

On each Mulan dataset's standard train/test split, every labelwise model (logistic-regression
base, scaled features) and every peer is fitted on the training part and scored on the test part
with Hamming loss, subset accuracy, micro-F1, macro-F1 and example-F1 (scikit-learn's metric
functions are the referee for everybody). labelwise models are reported with the default rule
(threshold 0.5) and with rules tuned on out-of-fold scores of the TRAINING data only
(``GlobalThreshold`` for micro-F1, ``PerLabelThreshold`` for per-label F1, ``BayesOptimal`` on
the chain's joint distribution for subset accuracy / example-F1). Peers use their defaults.

Run it in the peers' virtual environment ``.venv-peers`` (made as
``benchmarks/requirements-peers.txt`` says)::

    .venv-peers/bin/python benchmarks/models.py [--datasets emotions,yeast] [--cv 3]

A peer that is not installed or crashes is reported in the output, never dropped.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata as md
import json
import platform
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, hamming_loss
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

import labelwise
from labelwise.decision import BayesOptimal, GlobalThreshold, PerLabelThreshold
from labelwise.models import BinaryRelevance, LabelPowerset, MLkNN, RAkEL
from labelwise.models.chains import ClassifierChain, EnsembleClassifierChains

ROOT = Path(__file__).resolve().parents[1]
MULAN = ROOT.parent / "shared" / "datasets" / "mulan"
DATASETS = ["flags", "emotions", "birds", "genbase", "scene", "yeast", "enron"]  # small first
MAX_ITER = 1000


def lr() -> LogisticRegression:
    return LogisticRegression(max_iter=MAX_ITER)


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


def scores(Y: np.ndarray, P: Any) -> dict[str, float]:
    P = P.toarray() if sp.issparse(P) else np.asarray(P)
    P = P.astype(np.int64)
    return {
        "hamming": hamming_loss(Y, P),
        "subset": accuracy_score(Y, P),
        "micro": f1_score(Y, P, average="micro", zero_division=0),
        "macro": f1_score(Y, P, average="macro", zero_division=0),
        "example": f1_score(Y, P, average="samples", zero_division=0),
    }


def best_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


# ----------------------------------------------------------------------------- labelwise models


def labelwise_models(L: int) -> dict[str, Callable[[], Any]]:
    inference = "exact" if L <= 15 else "beam"
    return {
        "BinaryRelevance": lambda: BinaryRelevance(lr()),
        "LabelPowerset": lambda: LabelPowerset(lr()),
        "RAkEL": lambda: RAkEL(lr(), random_state=0),
        f"ClassifierChain({inference})": lambda: ClassifierChain(lr(), inference=inference),
        "EnsembleClassifierChains": lambda: EnsembleClassifierChains(
            lr(), n_chains=10, random_state=0
        ),
        "MLkNN": lambda: MLkNN(k=10),
        # the random-forest peer's base, with labelwise's tuned rules on top
        "BinaryRelevance(RF)": lambda: BinaryRelevance(RandomForestClassifier(random_state=0)),
    }


def run_labelwise(name: str, make: Callable[[], Any], data: tuple, cv: int) -> list:
    Xtr, Ytr, Xte, Yte = data
    fit_s, model = best_time(lambda: make().fit(Xtr, Ytr), 1)
    t = time.perf_counter()
    proba = model.predict_proba(Xte)
    predict_s = time.perf_counter() - t
    t = time.perf_counter()
    folds = KFold(cv, shuffle=True, random_state=0)
    oof = cross_val_predict(make(), Xtr, Ytr, cv=folds, method="predict_proba")
    tune_s = time.perf_counter() - t
    rows = []
    rules = {
        "0.5": model.predict(Xte),
        "GlobalThreshold": GlobalThreshold("f1_micro").fit(Ytr, oof).predict(proba),
        "PerLabelThreshold": PerLabelThreshold().fit(Ytr, oof).predict(proba),
    }
    if hasattr(model, "predict_joint_proba") and isinstance(model, ClassifierChain):
        P, sets = model.predict_joint_proba(Xte)
        rules["BayesOptimal(subset)"] = BayesOptimal("subset_accuracy").predict_joint(P, sets)
        rules["BayesOptimal(example_f1)"] = BayesOptimal("example_f1").predict_joint(P, sets)
    for rule, pred in rules.items():
        rows.append(
            dict(
                lib="labelwise",
                model=name,
                rule=rule,
                fit_s=fit_s,
                predict_s=predict_s,
                tune_s=tune_s,
                **scores(Yte, pred),
            )
        )
    return rows


# ----------------------------------------------------------------------------- peers


def peer_models() -> dict[str, Callable[[], Any]]:
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.multioutput import ClassifierChain as SkChain

    peers: dict[str, Callable[[], Any]] = {
        "sklearn OneVsRest(LR)": lambda: OneVsRestClassifier(lr()),
        "sklearn ClassifierChain(LR)": lambda: SkChain(lr()),
        "sklearn RandomForest": lambda: RandomForestClassifier(random_state=0),
    }
    try:
        from skmultilearn.adapt import MLkNN as SkmlMLkNN
        from skmultilearn.ensemble import RakelD
        from skmultilearn.problem_transform import LabelPowerset as SkmlLP

        peers["skml-ng MLkNN"] = lambda: SkmlMLkNN(k=10)
        peers["skml-ng LabelPowerset(LR)"] = lambda: SkmlLP(
            classifier=lr(), require_dense=[False, True]
        )
        peers["skml-ng RakelD(LR)"] = lambda: RakelD(
            base_classifier=lr(), base_classifier_require_dense=[False, True], labelset_size=3
        )
    except Exception as exc:  # reported, not hidden
        peers["skml-ng (all)"] = _failing(f"import failed: {exc!r}")
    try:
        from mlrl.boosting import BoomerClassifier

        peers["mlrl-boomer Boomer"] = lambda: BoomerClassifier()
    except Exception as exc:
        peers["mlrl-boomer Boomer"] = _failing(f"import failed: {exc!r}")
    try:
        import libmultilabel.linear  # noqa: F401

        peers["LibMultiLabel 1vsrest"] = LibMultiLabelOneVsRest
    except Exception as exc:
        peers["LibMultiLabel 1vsrest"] = _failing(f"import failed: {exc!r}")
    return peers


def _failing(message: str) -> Callable[[], Any]:
    def make() -> Any:
        raise RuntimeError(message)

    return make


class LibMultiLabelOneVsRest:
    """LibMultiLabel's linear one-vs-rest (``train_1vsrest``), positive decision value = label."""

    def fit(self, X: Any, Y: np.ndarray) -> LibMultiLabelOneVsRest:
        import libmultilabel.linear as lml

        self.model_ = lml.train_1vsrest(
            sp.csr_matrix(Y), sp.csr_matrix(X), options="", verbose=False
        )
        return self

    def predict(self, X: Any) -> np.ndarray:
        import libmultilabel.linear as lml

        return (np.asarray(lml.predict_values(self.model_, sp.csr_matrix(X))) > 0).astype(int)


def run_peer(name: str, make: Callable[[], Any], data: tuple) -> list:
    Xtr, Ytr, Xte, Yte = data
    try:
        fit_s, model = best_time(lambda: make().fit(Xtr, Ytr), 1)
        t = time.perf_counter()
        pred = model.predict(Xte)
        predict_s = time.perf_counter() - t
    except Exception as exc:
        msg = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
        return [dict(lib="peer", model=name, rule="default", error=msg[:160])]
    return [
        dict(
            lib="peer",
            model=name,
            rule="default",
            fit_s=fit_s,
            predict_s=predict_s,
            tune_s=np.nan,
            **scores(Yte, pred),
        )
    ]


# ----------------------------------------------------------------------------- speed pairs


SPEED_PAIRS: list[tuple[str, str, str, str]] = [  # labelwise, peer, what is timed, target
    ("BinaryRelevance", "sklearn OneVsRest(LR)", "fit", "<= 1.0"),
    ("MLkNN", "skml-ng MLkNN", "fit+predict", "<= 0.2"),
    ("LabelPowerset", "skml-ng LabelPowerset(LR)", "fit", "<= 1.0"),
    ("RAkEL(disjoint, k=3)", "skml-ng RakelD(LR)", "fit", "<= 1.0"),
]


def speed_makers(L: int, peers: dict) -> dict[str, Callable[[], Any]]:
    lw = labelwise_models(L)
    lw["RAkEL(disjoint, k=3)"] = lambda: RAkEL(lr(), k=3, mode="disjoint", random_state=0)
    return {**lw, **peers}


def time_pair(make_a: Callable, make_b: Callable, what: str, data: tuple, repeats: int) -> float:
    """Best-of-``repeats`` time ratio a / b, the two runs interleaved so that load affects both."""
    Xtr, Ytr, Xte, _ = data

    def run(make: Callable) -> float:
        t = time.perf_counter()
        model = make().fit(Xtr, Ytr)
        if what == "fit+predict":
            model.predict(Xte)
        return time.perf_counter() - t

    ta, tb = np.inf, np.inf
    for _ in range(repeats):
        ta = min(ta, run(make_a))
        tb = min(tb, run(make_b))
    return ta / tb


def run_dataset(name: str, args: argparse.Namespace) -> tuple[list, dict]:
    data = load(name)
    L = data[1].shape[1]
    rows: list = []
    peers = peer_models()
    for model, make in labelwise_models(L).items():
        if args.models and model not in args.models and model.split("(")[0] not in args.models:
            continue
        print(f"  {name}: labelwise {model}", flush=True)
        try:
            rows += run_labelwise(model, make, data, args.cv)
        except Exception as exc:
            rows.append(dict(lib="labelwise", model=model, rule="-", error=repr(exc)[:160]))
    for model, make in peers.items():
        if args.peers is not None and model not in args.peers:
            continue
        print(f"  {name}: peer {model}", flush=True)
        rows += run_peer(model, make, data)
    speed = {}
    makers = speed_makers(L, peers)
    for lw, peer, what, target in SPEED_PAIRS if args.repeats > 0 else []:
        print(f"  {name}: timing {lw} vs {peer}", flush=True)
        try:
            ratio = time_pair(makers[lw], makers[peer], what, data, args.repeats)
        except Exception as exc:
            ratio = f"failed: {exc!r}"[:120]
        speed[(lw, peer)] = (what, target, ratio)
    return rows, speed


# ----------------------------------------------------------------------------- report


def fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def report(
    results: dict,
    speeds: dict,
    args: argparse.Namespace,
    total_s: float,
    commands: list[str] | None = None,
) -> str:
    versions = []
    for pkg in (
        "numpy",
        "scipy",
        "scikit-learn",
        "scikit-multilearn-ng",
        "mlrl-boomer",
        "libmultilabel",
    ):
        try:
            versions.append(f"{pkg} {md.version(pkg)}")
        except md.PackageNotFoundError:
            versions.append(f"{pkg} NOT INSTALLED")
    out = [
        "# Models benchmark: labelwise vs peers (issue 6)",
        "",
        *(
            f"Command: `{sys.executable} {c}`  "
            for c in (commands if commands else [" ".join(sys.argv)])
        ),
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"Python {platform.python_version()}; {'; '.join(versions)}  ",
        f"Total wall time: {total_s:.0f} s on a shared, loaded 2-core machine.",
        "",
        "Setup: Mulan standard train/test splits; features scaled on the training part "
        "(StandardScaler for dense, MaxAbsScaler for sparse); base estimator "
        f"LogisticRegression(max_iter={MAX_ITER}) for every LR-based model. labelwise rules: `0.5` "
        "= FixedThreshold(0.5); `GlobalThreshold` (micro-F1) and `PerLabelThreshold` (F1 per "
        f"label) fitted on {args.cv}-fold out-of-fold scores of the training data only; "
        "`BayesOptimal(...)` decides from the chain's joint distribution (exact for L <= 15, "
        "beam width 5 otherwise). Peers: default settings and their own predict. fit s: one "
        "run (noisy on this machine; the speed ratios below come from a separate interleaved "
        f"best-of-{args.repeats} timing); tune s: the out-of-fold scoring. Metrics: "
        "scikit-learn (hamming_loss, accuracy_score = subset accuracy, "
        "f1_score micro / macro / samples, zero_division=0).",
        "",
    ]
    summary = [
        "## Summary: best labelwise vs best peer",
        "",
        "| dataset | best labelwise micro-F1 | best peer micro-F1 | best labelwise macro-F1 "
        "| best peer macro-F1 | target met |",
        "|---|---|---|---|---|---|",
    ]
    for ds, rows in results.items():
        ok = [r for r in rows if "error" not in r and "micro" in r]
        lw = [r for r in ok if r["lib"] == "labelwise"]
        pe = [r for r in ok if r["lib"] == "peer"]
        if not lw or not pe:
            continue
        cells, met = [], []
        for m in ("micro", "macro"):
            a = max(lw, key=lambda r: r[m])
            b = max(pe, key=lambda r: r[m])
            cells.append((f"{a[m]:.3f} ({a['model']}, {a['rule']})", f"{b[m]:.3f} ({b['model']})"))
            met.append(a[m] >= b[m] - 5e-4)
        verdict = (
            "yes"
            if all(met)
            else "NO ("
            + ", ".join(m for m, k in zip(("micro", "macro"), met, strict=True) if not k)
            + ")"
        )
        summary.append(
            f"| {ds} | {cells[0][0]} | {cells[0][1]} | {cells[1][0]} | {cells[1][1]} | {verdict} |"
        )
    out += [*summary, ""]
    out += [
        "## Speed ratios (labelwise time / peer time, same run; lower is faster)",
        "",
        "| dataset | labelwise | peer | timed | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for ds, sp_ in speeds.items():
        for (lw, peer), (what, target, ratio) in sp_.items():
            out.append(f"| {ds} | {lw} | {peer} | {what} | {fmt(ratio, 2)} | {target} |")
    out.append("")
    out.append(
        "Ratios are best-of-N times of the two models, runs interleaved (labelwise, peer, ...)."
    )
    out.append("")
    for ds, rows in results.items():
        out += [
            f"## {ds}",
            "",
            "| library | model | rule | Hamming loss | subset acc | micro-F1 | macro-F1 "
            "| example-F1 | fit s | predict s | tune s |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            if "error" in r:
                out.append(
                    f"| {r['lib']} | {r['model']} | {r['rule']} | FAILED: "
                    f"{r['error'].replace('|', '/')} | | | | | | | |"
                )
                continue
            out.append(
                f"| {r['lib']} | {r['model']} | {r['rule']} | {fmt(r.get('hamming'), 4)} | "
                f"{fmt(r.get('subset'))} | {fmt(r.get('micro'))} | {fmt(r.get('macro'))} | "
                f"{fmt(r.get('example'))} | {fmt(r.get('fit_s'), 2)} | "
                f"{fmt(r.get('predict_s'), 2)} | {fmt(r.get('tune_s'), 2)} |"
            )
        out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--models", default=None, help="comma list of labelwise models (default all)")
    ap.add_argument("--peers", default=None, help="comma list of peer names (default all)")
    ap.add_argument("--cv", type=int, default=3, help="folds for the out-of-fold rule tuning")
    ap.add_argument("--repeats", type=int, default=3, help="best-of-N for speed pairs (0: skip)")
    ap.add_argument("--merge", nargs="+", help="JSON dumps of earlier runs to merge into --out")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "models.md"))
    args = ap.parse_args()
    args.models = None if args.models is None else args.models.split(",")
    args.peers = None if args.peers is None else args.peers.split(",")
    if args.merge:
        merge(args.merge, args)
        return
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", category=labelwise.errors.ProblemSetupWarning)
    t0 = time.perf_counter()
    results, speeds = {}, {}
    for name in args.datasets.split(","):
        t = time.perf_counter()
        results[name], speeds[name] = run_dataset(name, args)
        print(f"{name}: {time.perf_counter() - t:.0f} s", flush=True)
        # written after every dataset, so a long run leaves usable partial results
        text = report(results, speeds, args, time.perf_counter() - t0)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
        dump = {"command": " ".join(sys.argv), "seconds": time.perf_counter() - t0}
        dump["results"] = results
        dump["speeds"] = {ds: [[*k, *v] for k, v in sp_.items()] for ds, sp_ in speeds.items()}
        Path(args.out).with_suffix(".json").write_text(json.dumps(dump, default=float))
    print(text)


def merge(paths: list[str], args: argparse.Namespace) -> None:
    """Write one report from the JSON dumps of runs over different datasets."""
    results, speeds, commands, total = {}, {}, [], 0.0
    for path in paths:
        dump = json.loads(Path(path).read_text())
        for ds, rows in dump["results"].items():
            seen = {(r["model"], r["rule"]) for r in results.get(ds, [])}
            results.setdefault(ds, []).extend(
                r for r in rows if (r["model"], r["rule"]) not in seen
            )
        for ds, entries in dump["speeds"].items():
            speeds.setdefault(ds, {}).update({(e[0], e[1]): tuple(e[2:]) for e in entries})
        commands.append(dump["command"])
        total += dump["seconds"]
    commands.append(" ".join(sys.argv) + "  (merges the runs above into this file)")
    text = report(results, speeds, args, total, commands)
    Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
