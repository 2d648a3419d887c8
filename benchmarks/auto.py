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

``--walls`` measures only the time limit (issue 18: wall time at most 1.2 T + 10 s), on every
shared set and on generated held-out-like sets, through both ways a user runs the main job: the
command line (``python -m labelwise fit FILE --metric M --time-limit T --out MODEL``, timed from
outside: interpreter start-up, reading, search, refit and writing the model) and
``AutoClassifier(M, time_limit=T).fit(X, Y)`` in a fresh interpreter (timed around ``fit``).
Each (set, T, way) is one row; rows accumulate in a JSON file, so sets can be run one at a
time (each under the shared lock) and the table re-rendered::

    flock .bench.lock .venv/bin/python benchmarks/auto.py --walls --datasets yeast,scene \
        --limits 30,60 --out benchmarks/results/time_limit.md

Sets: the Mulan splits by name (their training files as shipped), ``medical`` (a fixed seeded
80/20 row split of the pooled file), ``delicious``, ``reuters`` (the ModApte training texts of
``../shared``), ``goemotions`` (its training texts), ``synth-dense`` (scikit-learn's
``make_multilabel_classification``: 5,000 rows, 100 features, 20 labels, seed 0) and
``synth-sparse`` (20,000 x 5,000 sparse rows, 200 labels with power-law frequencies, seed 0).
Generated and split sets are written once to ``--data-dir`` (a temporary folder by default).
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
    ap.add_argument("--walls", action="store_true", help="measure the time limit only")
    ap.add_argument("--limits", default="30,60", help="--walls: the time limits T")
    ap.add_argument(
        "--no-large-extra",
        action="store_true",
        help="--walls: no extra T = 120 s for delicious, goemotions and synth-sparse",
    )
    ap.add_argument("--ways", default="cli,api", help="--walls: cli, api or both")
    ap.add_argument("--data-dir", default=None, help="--walls: where generated sets go")
    ap.add_argument("--rows", default=None, help="--walls: the JSON file rows accumulate in")
    ap.add_argument("--api-run", nargs=3, help=argparse.SUPPRESS)  # FILE METRIC T (internal)
    args = ap.parse_args()
    if args.api_run:
        print(json.dumps(api_run(*args.api_run)), flush=True)
        return
    if args.walls:
        walls(args)
        return
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


# ---- --walls: the time limit through the command line and the API -------------------------

TEXT = Path(_SHARED) / "datasets" / "text"
LARGE = {"delicious", "goemotions", "synth-sparse"}


def train_file(name: str, data_dir: Path) -> Path:
    """The training file of set ``name`` as a user would pass it to ``labelwise fit``."""
    if name in [*DATASETS, "delicious"]:
        return MULAN / f"{name}-train.arff"
    if name == "reuters":
        return TEXT / "reuters21578_modapte_train.json"
    data_dir.mkdir(parents=True, exist_ok=True)
    out = data_dir / {"goemotions": "goemotions-train.jsonl"}.get(name, f"{name}-train.svm")
    if out.exists():
        return out
    if name == "goemotions":
        names = (TEXT / "goemotions" / "labels.txt").read_text(encoding="utf-8").split()
        with open(TEXT / "goemotions" / "train.tsv", encoding="utf-8", newline="") as f:
            rows = [line.rstrip("\n").split("\t") for line in f]
        docs = [{"text": r[0], "labels": [names[int(i)] for i in r[1].split(",")]} for r in rows]
        tmp = out.with_suffix(".part")
        tmp.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        tmp.rename(out)
        return out
    if name == "medical":  # a fixed seeded 80/20 split of the pooled file; the 80 is trained on
        ds = labelwise.read(MULAN / "medical.arff", labels=MULAN / "medical.xml")
        rows = np.random.default_rng(0).permutation(ds.n_samples)[: int(0.8 * ds.n_samples)]
        X, Y = ds.X[np.sort(rows)], ds.Y[np.sort(rows)]
    elif name == "synth-dense":
        from sklearn.datasets import make_multilabel_classification

        X, Y = make_multilabel_classification(
            n_samples=5000, n_features=100, n_classes=20, n_labels=3, random_state=0
        )
        X = X.astype(np.float64)
    elif name == "synth-sparse":
        X, Y = synth_sparse(20000, 5000, 200, seed=0)
    else:
        raise SystemExit(f"unknown set {name!r}")
    ds = labelwise.Dataset(X=X, Y=Y, label_names=[str(j) for j in range(Y.shape[1])])
    tmp = out.with_name(out.stem + ".part.svm")
    labelwise.write(ds, tmp, overwrite=True)
    tmp.rename(out)
    return out


def synth_sparse(n: int, d: int, n_labels: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse TF-IDF-like rows whose labels follow a power law and depend on the features.

    Each label owns 20 random features; a row draws 1-4 labels (label j with weight 1/(j+1)),
    then about 40 features: half from its labels' own, half from all features (noise).
    """
    rng = np.random.default_rng(seed)
    owned = rng.integers(0, d, size=(n_labels, 20))
    weight = 1.0 / np.arange(1, n_labels + 1)
    weight /= weight.sum()
    Y = np.zeros((n, n_labels), dtype=np.int8)
    rows, cols = [], []
    for i in range(n):
        labs = rng.choice(n_labels, size=rng.integers(1, 5), replace=False, p=weight)
        Y[i, labs] = 1
        own = owned[labs].ravel()
        feats = np.unique(np.concatenate([rng.choice(own, 20), rng.integers(0, d, 20)]))
        rows.append(np.full(feats.size, i))
        cols.append(feats)
    r, c = np.concatenate(rows), np.concatenate(cols)
    X = sp.csr_matrix((rng.random(r.size) + 0.1, (r, c)), shape=(n, d))
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(axis=1))))
    return X, Y


def api_run(path: str, metric: str, limit: str) -> dict:
    """``AutoClassifier(metric, time_limit=limit).fit`` on the file's data, timed around fit."""
    ds = labelwise.read(path)
    X = ds.texts if ds.X is None else ds.X
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = AutoClassifier(metric, time_limit=float(limit)).fit(X, ds.Y)
    return {
        "wall": time.perf_counter() - t0,
        "search": auto.search_seconds_,
        "refit": getattr(auto, "refit_seconds_", None),
        "refit_estimate": getattr(auto, "refit_estimate_", None),
        "choice": auto.best_name_,
        "leaderboard": compact(auto.leaderboard_),
    }


def compact(leaderboard: list[dict]) -> list[list]:
    """Each candidate's name, status, cross-validation and estimated refit seconds, and why it
    was skipped or stopped: what a wall time over the bound is traced back to."""
    return [
        [r.get("candidate"), r.get("status"), r.get("cv_seconds"),
         r.get("refit_seconds_estimate"), (r.get("error") or "")[:100]]
        for r in leaderboard
    ]  # fmt: skip


def cli_run(path: Path, metric: str, limit: float, model: Path) -> dict:
    """``python -m labelwise fit`` timed from outside, the model written to ``model``."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "labelwise", "fit", str(path), "--metric", metric]
    cmd += ["--time-limit", f"{limit:g}", "--out", str(model), "--force", "--json", "--quiet"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    out: dict[str, Any] = {"wall": wall, "status": done.returncode}
    try:
        summary = json.loads(done.stdout)
    except ValueError:
        summary = {}
        out["error"] = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
    for key in ("fit_seconds", "best"):
        if key in summary:
            out[key] = summary[key]
    if summary.get("leaderboard"):
        out["leaderboard"] = compact(summary["leaderboard"])
    return out


def walls(args: argparse.Namespace) -> None:
    import subprocess
    import sys
    import tempfile

    data_dir = Path(args.data_dir or Path(tempfile.gettempdir()) / "labelwise-time-limit")
    rows_file = Path(args.rows or data_dir / "time_limit_rows.json")
    rows = json.loads(rows_file.read_text(encoding="utf-8")) if rows_file.exists() else []
    data_dir.mkdir(parents=True, exist_ok=True)
    metric = args.metrics.split(",")[0]
    for name in args.datasets.split(","):
        path = train_file(name, data_dir)
        limits = [float(t) for t in args.limits.split(",")]
        if name in LARGE and 120.0 not in limits and not args.no_large_extra:
            limits.append(120.0)
        for limit in limits:
            for way in args.ways.split(","):
                if way == "cli":
                    r = cli_run(path, metric, limit, data_dir / f"{name}.lw")
                else:
                    cmd = [sys.executable, __file__, "--api-run", str(path), metric, f"{limit:g}"]
                    t0 = time.perf_counter()
                    done = subprocess.run(cmd, capture_output=True, text=True)
                    try:
                        r = json.loads(done.stdout.strip().splitlines()[-1])
                    except (ValueError, IndexError):
                        r = {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:200]}
                    r["process"] = time.perf_counter() - t0
                r.update(
                    dataset=name,
                    way=way,
                    T=limit,
                    metric=metric,
                    date=f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M}",
                    load=os.getloadavg()[0],
                )
                rows = [
                    x for x in rows if (x["dataset"], x["way"], x["T"]) != (name, way, limit)
                ] + [r]
                print(json.dumps(r), flush=True)
                rows_file.parent.mkdir(parents=True, exist_ok=True)
                rows_file.write_text(json.dumps(rows, indent=1), encoding="utf-8")
                Path(args.out).write_text(walls_report(rows), encoding="utf-8")


def walls_report(rows: list[dict]) -> str:
    lines = [
        "| set | way | T s | wall s | wall / T | bound 1.2 T + 10 s | pass | fit s | search s | "
        "refit s (estimated) | chosen | load avg | date (UTC) |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---|",
    ]
    order = {n: i for i, n in enumerate([*DATASETS, "medical", "delicious", "reuters"])}
    for r in sorted(rows, key=lambda r: (order.get(r["dataset"], 99), r["dataset"], r["T"])):
        limit = r["T"]
        bound = 1.2 * limit + 10
        wall = r.get("wall")
        fit = r.get("fit_seconds", wall if r["way"] == "api" else None)
        search = r.get("search")
        refit = r.get("refit", r.get("refit_seconds"))
        est = r.get("refit_estimate")
        chosen = str(r.get("choice", r.get("best", r.get("error", "-"))))[:90]
        ok = "-" if wall is None or r.get("status", 0) or "error" in r else (
            "yes" if wall <= bound else "**no**"
        )  # fmt: skip
        refit_s = "-" if refit is None else f"{refit:.1f} ({est or 0:.1f})"
        lines.append(
            f"| {r['dataset']} | {r['way']} | {r['T']:g} | "
            f"{'-' if wall is None else f'{wall:.1f}'} | "
            f"{'-' if wall is None else f'{wall / limit:.2f}'} | {bound:.0f} | {ok} | "
            f"{'-' if fit is None else f'{fit:.1f}'} | "
            f"{'-' if search is None else f'{search:.0f}'} | {refit_s} | {chosen} | "
            f"{r.get('load', 0):.1f} | {r.get('date', '')} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
