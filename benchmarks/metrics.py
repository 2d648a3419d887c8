"""Speed and memory of the count metrics: labelwise vs scikit-learn vs torchmetrics vs the floor.

Workloads (0/1 labels and predictions, long-tailed label frequencies):
  W1  100,000 x 100 dense int8
  W2  1,000,000 x 100 dense int8
  W3  100,000 x 2,000, sparse (CSR) y_true with 2-5% positives per row, dense int8 y_pred
  W3s the same with sparse (CSR) y_pred too (extra; torchmetrics skipped: it needs dense input,
      which is W3)

The floor is "one vectorised pass over the inputs":
  dense : ``(Yt & Yp).sum(axis=0)`` on the same int8 arrays (one AND, one column sum);
  W3    : ``np.bincount(Yt.indices)`` and ``Yp.sum(axis=0)`` (one pass over each input);
  W3s   : ``np.bincount(Yt.indices)`` and ``np.bincount(Yp.indices)``.

Every timing is the best of ``--repeat`` runs, measured in the same process; ratios are printed.
Peak extra memory is the tracemalloc peak of one labelwise call divided by the input size
(bytes of y_true + y_pred), measured in a separate, untimed call.

torchmetrics gets CPU tensors prepared outside the timing and ``validate_args=False`` (its
fastest path); it has no sample-averaged F-scores and no report ("n/a").

Usage:
  python benchmarks/metrics.py --workloads W1,W2,W3 --repeat 3 \
      --out benchmarks/_work/metrics_counts.md
"""

from __future__ import annotations

import argparse
import datetime
import gc
import platform
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
import sklearn
import sklearn.metrics as skm

import labelwise.metrics as lw

WORKLOADS = {
    "W1": dict(n=100_000, L=100, sparse=False),
    "W2": dict(n=1_000_000, L=100, sparse=False),
    "W3": dict(n=100_000, L=2_000, sparse=True, dense_pred=True),
    "W3s": dict(n=100_000, L=2_000, sparse=True, dense_pred=False),
}


def make_workload(n: int, L: int, sparse: bool, dense_pred: bool = True, seed: int = 0):
    """Long-tailed 0/1 labels and noisy predictions, generated in row chunks (bounded memory)."""
    rng = np.random.default_rng(seed)
    if sparse:
        freq = (np.arange(L) + 1.0) ** -0.6
        freq *= 0.035 * L / freq.sum()  # mean 3.5% positives per row
    else:
        freq = (np.arange(L) + 1.0) ** -0.8
        freq *= 0.08 * L / freq.sum()
    freq = np.minimum(freq, 0.6)
    Yt_parts, Yp_parts = [], []
    chunk = 20_000 if not sparse else 5_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        t = rng.random((m, L), dtype=np.float32) < freq
        p = rng.random((m, L), dtype=np.float32) < np.where(t, 0.7, freq * 0.3)
        if sparse:
            Yt_parts.append(sp.csr_matrix(t.astype(np.int8)))
            Yp_parts.append(sp.csr_matrix(p.astype(np.int8)))
        else:
            Yt_parts.append(t.astype(np.int8))
            Yp_parts.append(p.astype(np.int8))
    if sparse:
        Yp = sp.vstack(Yp_parts, format="csr")
        return sp.vstack(Yt_parts, format="csr"), Yp.toarray() if dense_pred else Yp
    return np.concatenate(Yt_parts), np.concatenate(Yp_parts)


def nbytes(Y) -> int:
    if sp.issparse(Y):
        return Y.data.nbytes + Y.indices.nbytes + Y.indptr.nbytes
    return Y.nbytes


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def peak_extra(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def metric_table(Yt, Yp, tm_inputs):
    """name -> (labelwise fn, sklearn fn, torchmetrics fn or None)."""
    L = Yt.shape[1]
    rows = {
        "multilabel_confusion_matrix": (
            lambda: lw.multilabel_confusion_matrix(Yt, Yp),
            lambda: skm.multilabel_confusion_matrix(Yt, Yp),
            "multilabel_confusion_matrix",
        )
    }
    for metric in ("precision", "recall", "f1"):
        for average in ("micro", "macro", "weighted", "samples"):
            f_lw, f_sk = getattr(lw, f"{metric}_score"), getattr(skm, f"{metric}_score")
            tm_name = {
                "precision": "multilabel_precision",
                "recall": "multilabel_recall",
                "f1": "multilabel_f1_score",
            }[metric]
            rows[f"{metric}_{average}"] = (
                lambda f=f_lw, a=average: f(Yt, Yp, average=a, zero_division=0),
                lambda f=f_sk, a=average: f(Yt, Yp, average=a, zero_division=0),
                None if average == "samples" else (tm_name, {"average": average}),
            )
    for average in ("macro", "samples"):
        rows[f"jaccard_{average}"] = (
            lambda a=average: lw.jaccard_score(Yt, Yp, average=a, zero_division=0),
            lambda a=average: skm.jaccard_score(Yt, Yp, average=a, zero_division=0),
            None if average == "samples" else ("multilabel_jaccard_index", {"average": average}),
        )
    rows["hamming_loss"] = (
        lambda: lw.hamming_loss(Yt, Yp),
        lambda: skm.hamming_loss(Yt, Yp),
        ("multilabel_hamming_distance", {"average": "micro"}),
    )
    rows["subset_accuracy"] = (
        lambda: lw.accuracy_score(Yt, Yp),
        lambda: skm.accuracy_score(Yt, Yp),
        ("multilabel_exact_match", {}),
    )
    rows["classification_report"] = (
        lambda: lw.classification_report(Yt, Yp, output_dict=True, zero_division=0),
        lambda: skm.classification_report(Yt, Yp, output_dict=True, zero_division=0),
        None,
    )
    out = {}
    for name, (f_lw, f_sk, tm) in rows.items():
        f_tm = None
        if tm is not None and tm_inputs is not None:
            import torchmetrics.functional.classification as tmf

            fn = getattr(tmf, tm if isinstance(tm, str) else tm[0])
            kw = {} if isinstance(tm, str) else tm[1]
            f_tm = lambda fn=fn, kw=kw, x=tm_inputs: fn(  # noqa: E731
                x[0], x[1], num_labels=L, validate_args=False, **kw
            )
        out[name] = (f_lw, f_sk, f_tm)
    return out


def floor_fn(Yt, Yp):
    L = Yt.shape[1]
    if sp.issparse(Yt) and sp.issparse(Yp):
        return lambda: (np.bincount(Yt.indices, minlength=L), np.bincount(Yp.indices, minlength=L))
    if sp.issparse(Yt):
        return lambda: (np.bincount(Yt.indices, minlength=L), Yp.sum(axis=0))
    return lambda: (Yt & Yp).sum(axis=0)


def run(
    workload: str, repeat: int, peer_repeat: int, peers: set[str], tm_max_cells: float
) -> list[str]:
    spec = WORKLOADS[workload]
    t0 = time.perf_counter()
    Yt, Yp = make_workload(**spec)
    input_bytes = nbytes(Yt) + nbytes(Yp)
    kind = "dense int8"
    if spec["sparse"]:
        kind = "CSR y_true, dense int8 y_pred" if spec["dense_pred"] else "CSR y_true and y_pred"
    print(
        f"{workload}: {Yt.shape}, {kind}, "
        f"{Yt.mean() if not sp.issparse(Yt) else Yt.nnz / np.prod(Yt.shape):.3%} positives, "
        f"input {input_bytes / 1e6:.0f} MB, generated in {time.perf_counter() - t0:.1f}s",
        flush=True,
    )
    tm_inputs = None
    use_tm = spec.get("dense_pred", True) or not spec["sparse"]
    if "torchmetrics" in peers and use_tm and Yt.shape[0] * Yt.shape[1] <= tm_max_cells:
        import torch

        def dense(Y):
            return Y.toarray() if sp.issparse(Y) else Y

        tm_inputs = (torch.from_numpy(dense(Yp)), torch.from_numpy(dense(Yt)))  # int8, as ours
    floor_pass = floor_fn(Yt, Yp)
    floor = best_of(floor_pass, repeat)
    lines = [
        f"### {workload}: {Yt.shape[0]:,} x {Yt.shape[1]:,} "
        f"{kind}; floor {floor * 1e3:.1f} ms "
        "(re-measured next to each metric for the ratio); "
        f"input {input_bytes / 1e6:.0f} MB",
        "",
        "| metric | labelwise ms | sklearn ms | torchmetrics ms | lw / floor | sklearn / lw "
        "| torchmetrics / lw | peak extra mem / input |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (f_lw, f_sk, f_tm) in metric_table(Yt, Yp, tm_inputs).items():
            floor = best_of(floor_pass, repeat)  # next to each metric: the machine is shared
            t_lw = best_of(f_lw, repeat)
            mem = peak_extra(f_lw) / input_bytes
            t_sk = best_of(f_sk, peer_repeat) if "sklearn" in peers else float("nan")
            t_tm = best_of(f_tm, peer_repeat) if f_tm is not None else float("nan")

            def fmt(t):
                return "n/a" if np.isnan(t) else f"{t * 1e3:.1f}"

            def ratio(t, t_lw=t_lw):
                return "n/a" if np.isnan(t) else f"{t / t_lw:.1f}x"

            line = (
                f"| {name} | {t_lw * 1e3:.1f} | {fmt(t_sk)} | {fmt(t_tm)} | "
                f"{t_lw / floor:.2f} | {ratio(t_sk)} | {ratio(t_tm)} | {mem:.2f} |"
            )
            print(line, flush=True)
            lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", default="W1,W2,W3,W3s")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--peer-repeat",
        type=int,
        default=None,
        help="repeats for the (much slower) peers; default: --repeat",
    )
    ap.add_argument("--peers", default="sklearn,torchmetrics")
    ap.add_argument(
        "--tm-max-cells",
        type=float,
        default=2.5e8,
        help="skip torchmetrics above this many cells (its int64 tensors are 8x)",
    )
    ap.add_argument("--out", default=None, help="write the markdown table here")
    args = ap.parse_args(argv)
    peers = set(args.peers.split(",")) if args.peers else set()
    import torch

    header = [
        "# Count metrics: labelwise vs scikit-learn vs torchmetrics",
        "",
        f"Command: `python {' '.join(sys.argv)}`  ",
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"machine: {platform.machine()}, {platform.system()}, 2 cores shared with other jobs; "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads).",
        "",
        "Times are best of the repeats (ms; peers best of `--peer-repeat`). `lw / floor` is "
        "labelwise divided by one vectorised pass (dense: `(Yt & Yp).sum(0)`; sparse: one "
        "`bincount` over each input's non-zeros); "
        "`sklearn / lw` and `torchmetrics / lw` above 1 mean labelwise is faster.",
        "",
    ]
    body = []
    for w in args.workloads.split(","):
        body += [
            *run(w.strip(), args.repeat, args.peer_repeat or args.repeat, peers, args.tm_max_cells),
            "",
        ]
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(header + body))


if __name__ == "__main__":
    main()
