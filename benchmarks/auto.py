"""The main job's quality: ``AutoClassifier`` (what ``labelwise fit --metric`` runs) against every
single labelwise model with default settings and a 0.5 threshold, and against the best peer
numbers recorded in ``benchmarks/RESULTS.md`` (issue 11).

For each dataset and each metric (micro_f1, macro_f1, hamming_loss), ``AutoClassifier(metric,
time_limit=120, n_jobs=2)`` is fitted on the standard training split only and judged on the test
split. The fit's wall time is reported with its ratio to the time limit, which bounds the whole
fit, the refit included (issue 18: at most 1.2 T + 10 s), beside the search's and the refit's
seconds (and the refit's estimate made before it ran). Each single model is fitted once
(features scaled: StandardScaler for dense, MaxAbsScaler for sparse input) and decides with
``FixedThreshold(0.5)``. The best peer value for each dataset
and metric is read from the issue-6 tables of RESULTS.md (rows whose library is ``peer``).

Run from the repository root (needs ``../shared``)::

    .venv/bin/python benchmarks/auto.py [--datasets emotions,yeast] [--metrics micro_f1]
        [--time-limit 120] [--out benchmarks/results/auto.md]

The text set (bundled Reuters) runs with ``--datasets reuters``: its single models are the text
pipelines of ``labelwise.text``. ``--datasets medical`` uses the pooled medical file (no standard
split is shared) with a seeded, second-order iteratively stratified 2:1 train/test split; it was
not used to design anything, so it is the closest thing here to a held-out dataset. Any other
pooled Mulan file runs the same way when named by its path (``--datasets path/to/NAME.arff``,
with ``NAME.xml`` beside it; a ``.orig`` before ``.arff`` is dropped to find the XML).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

import labelwise
from labelwise.auto import AutoClassifier
from labelwise.metrics import f1_score, hamming_loss

ROOT = Path(__file__).resolve().parents[1]
_SHARED = os.environ.get("LABELWISE_SHARED", str(ROOT.parent / "shared"))
MULAN = Path(_SHARED) / "datasets" / "mulan"
DATASETS = ["flags", "emotions", "birds", "genbase", "scene", "yeast", "enron"]
METRICS = ["micro_f1", "macro_f1", "hamming_loss"]
GREATER = {"micro_f1": True, "macro_f1": True, "hamming_loss": False}


def load(name: str) -> tuple[Any, np.ndarray, Any, np.ndarray, list[str]]:
    if name == "reuters":
        from labelwise.datasets import load as load_bundled

        tr, te = load_bundled("reuters", split="train"), load_bundled("reuters", split="test")
        dense = lambda Y: Y.toarray() if sp.issparse(Y) else np.asarray(Y)  # noqa: E731
        return list(tr.texts), dense(tr.Y), list(te.texts), dense(te.Y), list(tr.label_names)
    xml = MULAN / f"{name}.xml"
    pooled = MULAN / "medical.arff" if name == "medical" else None
    if name.endswith(".arff"):  # any pooled Mulan file given by path, its label XML beside it
        pooled = Path(name)
        stem = pooled.name[: -len(".arff")].removesuffix(".orig")
        xml = pooled.with_name(stem + ".xml")
    if pooled is not None:  # pooled file only: a seeded, second-order stratified 2:1 split
        from labelwise.split import iterative_stratification

        ds = labelwise.read(pooled, labels=xml)
        Y = (ds.Y.toarray() if sp.issparse(ds.Y) else np.asarray(ds.Y)).astype(np.int8)
        part = iterative_stratification(Y, [2, 1], order=2, random_state=0)
        tr_rows, te_rows = np.flatnonzero(part == 0), np.flatnonzero(part == 1)
        return ds.X[tr_rows], Y[tr_rows], ds.X[te_rows], Y[te_rows], ds.label_names
    tr = labelwise.read(MULAN / f"{name}-train.arff", labels=xml)
    te = labelwise.read(MULAN / f"{name}-test.arff", labels=xml)
    dense = lambda Y: Y.toarray() if sp.issparse(Y) else np.asarray(Y)  # noqa: E731
    return tr.X, dense(tr.Y).astype(np.int8), te.X, dense(te.Y).astype(np.int8), tr.label_names


def short(name: str) -> str:
    """A dataset's name for tables: a pooled file's stem, else the name itself."""
    if name.endswith(".arff"):
        return Path(name).name[: -len(".arff")].removesuffix(".orig")
    return name


def value(metric: str, Y: np.ndarray, P: np.ndarray) -> float:
    if metric == "hamming_loss":
        return float(hamming_loss(Y, P))
    return float(f1_score(Y, P, average=metric.split("_")[0], zero_division=0))


def single_models(sparse: bool) -> dict[str, Any]:
    from labelwise import models

    scale = lambda m: make_pipeline(MaxAbsScaler() if sparse else StandardScaler(), m)  # noqa: E731
    out = {
        "BinaryRelevance": lambda: scale(models.BinaryRelevance()),
        "ClassifierChain": lambda: scale(models.ClassifierChain()),
        "EnsembleClassifierChains": lambda: scale(models.EnsembleClassifierChains()),
        "LabelPowerset": lambda: scale(models.LabelPowerset()),
        "RAkEL": lambda: scale(models.RAkEL(random_state=0)),
        "MLkNN": lambda: scale(models.MLkNN()),
        "NativeMultilabel(RF)": lambda: models.NativeMultilabel(),
    }
    if hasattr(models, "NeuralClassifier"):
        out["NeuralClassifier"] = lambda: scale(models.NeuralClassifier(random_state=0))
    return out


def text_models() -> dict[str, Any]:
    try:
        from labelwise import text
    except ImportError:
        return {}
    out = {}
    for name in getattr(text, "__all__", []):
        obj = getattr(text, name)
        if isinstance(obj, type) and hasattr(obj, "predict_proba"):
            out[name] = obj
    return out


def best_peers(results_md: Path) -> dict[tuple[str, str], tuple[float, str]]:
    """Best peer value per (dataset, metric) from RESULTS.md's issue-6 per-dataset tables."""
    text = results_md.read_text(encoding="utf-8")
    out: dict[tuple[str, str], tuple[float, str]] = {}
    section = None
    columns = {"hamming_loss": 3, "micro_f1": 5, "macro_f1": 6}
    for line in text.splitlines():
        m = re.match(r"^### (\w+)\s*$", line)
        if m:
            section = m.group(1)
            continue
        if section in DATASETS and line.startswith("| peer |"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            for metric, col in columns.items():
                try:
                    v = float(cells[col])
                except (ValueError, IndexError):
                    continue
                key = (section, metric)
                if key not in out or ((v > out[key][0]) == GREATER[metric] and v != out[key][0]):
                    out[key] = (v, cells[1])
    return out


def run_dataset(
    name: str, metrics: list[str], time_limit: float, n_jobs: int, singles_too: bool = True
) -> list[dict]:
    Xtr, Ytr, Xte, Yte, _ = load(name)
    rows = []
    makers = text_models() if name == "reuters" else single_models(sp.issparse(Xtr))
    if not singles_too:  # the main job alone (its time limit), judged against the peers
        makers = {}
    singles: dict[str, dict[str, float]] = {}
    preds: dict[str, np.ndarray] = {}
    for model_name, make in makers.items():
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = make().fit(Xtr, Ytr)
                P = est.predict(Xte)
            P = np.asarray(P.toarray() if sp.issparse(P) else P)
            preds[model_name] = P
            singles[model_name] = {m: value(m, Yte, P) for m in metrics}
            singles[model_name]["seconds"] = time.perf_counter() - t0
        except Exception as exc:  # reported, never dropped
            singles[model_name] = {"error": f"{type(exc).__name__}: {exc}"[:120]}
        print(f"  {name} {model_name}: {singles[model_name]}", flush=True)
    for metric in metrics:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            auto = AutoClassifier(metric, time_limit=time_limit, n_jobs=n_jobs).fit(Xtr, Ytr)
            fit_wall = time.perf_counter() - t0  # what the time limit bounds
            P = auto.predict(Xte)
        seconds = time.perf_counter() - t0
        P = np.asarray(P.toarray() if sp.issparse(P) else P)
        numeric = {k: v[metric] for k, v in singles.items() if metric in v}
        interval = None
        if numeric:
            best = (max if GREATER[metric] else min)(numeric, key=numeric.get)
            interval = paired_interval(metric, Yte, P, preds[best])
        rows.append(
            {
                "dataset": short(name),
                "metric": metric,
                "auto": value(metric, Yte, P),
                "auto_choice": f"{auto.best_name_} + {auto.rule_!r}",
                "auto_cv": auto.best_score_,
                "auto_seconds": seconds,
                "fit_wall": fit_wall,
                "time_limit": time_limit,
                "search_seconds": auto.search_seconds_,
                "refit_seconds": getattr(auto, "refit_seconds_", None),
                "refit_estimate": getattr(auto, "refit_estimate_", None),
                "interval": interval,
                "singles": {k: v.get(metric, v.get("error")) for k, v in singles.items()},
            }
        )
        print(f"  {name} {metric}: auto {rows[-1]['auto']:.4f} ({rows[-1]['auto_choice']}, "
              f"fit {fit_wall:.0f} s = {fit_wall / time_limit:.2f} T)", flush=True)  # fmt: skip
    return rows


def paired_interval(
    metric: str, Y: np.ndarray, A: np.ndarray, B: np.ndarray, n_boot: int = 2000
) -> tuple[float, float]:
    """95% paired bootstrap interval of ``value(A) - value(B)`` over the test examples.

    Both prediction matrices are resampled with the same rows (seeded), so the interval shows
    how much of a difference the test set's sampling alone makes (Efron and Tibshirani, 1993).
    """
    rng = np.random.default_rng(0)
    n = Y.shape[0]
    diffs = np.empty(n_boot)
    for b in range(n_boot):
        rows = rng.integers(0, n, n)
        diffs[b] = value(metric, Y[rows], A[rows]) - value(metric, Y[rows], B[rows])
    lo, hi = np.quantile(diffs, [0.025, 0.975])
    return float(lo), float(hi)


def verdict(r: dict, others: list[float], best_single: float | None, greater: bool) -> str:
    """``yes`` when no single model or peer is better (peers to their 3-4 recorded decimals);
    ``tied`` when the best single model is better but the paired bootstrap interval of the
    difference contains 0, and no peer is better than that single model (a peer's predictions
    are not at hand, so a tie with it is only inferred through a single model that beats it);
    ``no`` otherwise."""
    tol = 5e-4
    better = [v for v in others if (v > r["auto"] + tol if greater else v < r["auto"] - tol)]
    if not better:
        return "yes"
    interval = r.get("interval")
    if interval is not None and best_single is not None and interval[0] <= 0.0 <= interval[1]:
        peer = r.get("peer")
        if peer is None or (best_single >= peer - tol if greater else best_single <= peer + tol):
            return f"tied (difference in [{interval[0]:+.4f}, {interval[1]:+.4f}])"
    return "no"


def table(rows: list[dict], peers: dict, time_limit: float) -> str:
    lines = [
        "| dataset | metric | fit (auto) | its choice | best single model at 0.5 | best peer "
        "(RESULTS.md) | best or tied-best | fit s | fit / T | search s | refit s (estimated) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        greater = GREATER[r["metric"]]
        numeric = {k: v for k, v in r["singles"].items() if isinstance(v, float)}
        if numeric:
            best_name = (max if greater else min)(numeric, key=numeric.get)
            best_single = f"{numeric[best_name]:.4f} ({best_name})"
        else:
            best_name, best_single = None, "-"
        peer = peers.get((r["dataset"], r["metric"]))
        peer_s = f"{peer[0]:.4f} ({peer[1]})" if peer else "-"
        others = list(numeric.values()) + ([peer[0]] if peer else [])
        best_value = numeric[best_name] if best_name is not None else None
        ok = verdict({**r, "peer": peer[0] if peer else None}, others, best_value, greater)
        wall = r.get("fit_wall", r["auto_seconds"])  # older --json rows: fit and predict
        limit = r.get("time_limit", time_limit)
        refit = r.get("refit_seconds")
        refit_s = "-" if refit is None else f"{refit:.1f} ({r.get('refit_estimate') or 0:.1f})"
        search = r.get("search_seconds")
        lines.append(
            f"| {r['dataset']} | {r['metric']} | {r['auto']:.4f} | {r['auto_choice']} | "
            f"{best_single} | {peer_s} | {ok} | {wall:.0f} | {wall / limit:.2f} | "
            f"{'-' if search is None else f'{search:.0f}'} | {refit_s} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--metrics", default=",".join(METRICS))
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--out", default="benchmarks/results/auto.md")
    ap.add_argument("--json", default=None, help="also write the raw rows here")
    ap.add_argument(
        "--no-singles",
        action="store_true",
        help="skip the single models (a shorter run: the main job's time and quality only)",
    )
    ap.add_argument("--render", default=None, help="only re-render the table of a --json file")
    args = ap.parse_args()
    if args.render:
        rows = json.loads(Path(args.render).read_text(encoding="utf-8"))
        print(table(rows, best_peers(ROOT / "benchmarks" / "RESULTS.md"), args.time_limit))
        return
    datasets = args.datasets.split(",")
    metrics = args.metrics.split(",")
    peers = best_peers(ROOT / "benchmarks" / "RESULTS.md")
    rows = []
    start = time.perf_counter()
    for name in datasets:
        rows += run_dataset(name, metrics, args.time_limit, args.n_jobs, not args.no_singles)
        write(args, rows, peers, start)  # after each dataset, so a partial run is kept


def write(args: argparse.Namespace, rows: list[dict], peers: dict, start: float) -> None:
    # a pooled file's folder is the reader's own (DIR), never this machine's path
    names = ",".join(
        f"DIR/{Path(n).name}" if n.endswith(".arff") else n for n in args.datasets.split(",")
    )
    cmd = (
        f".venv/bin/python benchmarks/auto.py --datasets {names} --metrics {args.metrics} "
        f"--time-limit {args.time_limit:g} --n-jobs {args.n_jobs} --out {args.out}"
        + (" --no-singles" if args.no_singles else "")
    )
    report = "\n".join(
        [
            "## Issue 11: the main job (AutoClassifier / labelwise fit --metric) against single "
            "models and peers",
            "",
            f"Command: `{cmd}`  ",
            f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; Python "
            f"{platform.python_version()}; labelwise {labelwise.__version__}; total "
            f"{time.perf_counter() - start:.0f} s on a 2-core machine.",
            "",
            table(rows, peers, args.time_limit),
            "",
            f"Time limit T = {args.time_limit:g} s for the whole fit (search and refit); target: "
            f"fit at most 1.2 T + 10 s = {1.2 * args.time_limit + 10:.0f} s. Worst: "
            f"{max(r.get('fit_wall', 0.0) for r in rows):.0f} s "
            f"({max(r.get('fit_wall', 0.0) for r in rows) / args.time_limit:.2f} T).",
            "",
        ]
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    print(report, flush=True)


if __name__ == "__main__":
    main()
