"""Scale-out on Dask: BinaryRelevance on 2 local workers against 1, and an out-of-core evaluation.

1. Speed-up: ``BinaryRelevance(GradientBoostingClassifier)`` on a synthetic problem with 100
   labels, fitted under ``labelwise.scale_out.on_cluster`` on a ``LocalCluster`` of 1 and then 2
   worker processes (one thread each); the wall times and their ratio (target >= 1.6x). The base
   model is chosen so that one label's fit (~0.1-0.3 s) dominates Dask's per-task overhead.
2. Out of core: ``labelwise.scale_out.evaluate`` of a 10,000,000 x 100 score matrix and its labels,
   generated lazily block by block (a seeded generator per block; labels drawn per block, scores
   derived from them), so the matrix (4 GB of float32 scores + 1 GB of labels) never exists in
   memory. Peak RSS of the whole process tree is sampled every 50 ms (target < 2 GB). A prefix is
   also evaluated in memory with the one-shot functions as a check.

Run: ``.venv/bin/python benchmarks/dask_speed.py [--rows 10000000] [--skip-speedup]``.
"""

from __future__ import annotations

import argparse
import threading
import time
import warnings

import numpy as np
import psutil

L = 100
METRICS = ["f1_micro", "f1_macro", "hamming_loss", "subset_accuracy", "lrap", "ndcg@5"]


def speedup(n_samples: int = 2000, n_features: int = 40, repeats: int = 1) -> dict:
    from distributed import Client, LocalCluster
    from sklearn.ensemble import GradientBoostingClassifier

    from labelwise.models import BinaryRelevance
    from labelwise.scale_out import on_cluster

    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, n_features))
    W = rng.normal(size=(n_features, L))
    Y = (X @ W + rng.normal(scale=2.0, size=(n_samples, L)) > 1.0).astype(np.int8)
    base = GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0)
    out = {}
    models = {}
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(lambda: None)
            best = np.inf
            for _ in range(repeats):
                t0 = time.perf_counter()
                with on_cluster(client):
                    model = BinaryRelevance(base).fit(X, Y)
                best = min(best, time.perf_counter() - t0)
            out[workers] = best
            models[workers] = model
    same = np.array_equal(models[1].predict(X[:500]), models[2].predict(X[:500]))
    return {"seconds_1": out[1], "seconds_2": out[2], "speedup": out[1] / out[2], "same": same}


def _labels_block(block_id: tuple, rows: int, freq: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, block_id[0]])
    return (rng.random((rows, L), dtype=np.float32) < freq).astype(np.int8)


def _scores_block(block_id: tuple, rows: int, freq: np.ndarray, seed: int) -> np.ndarray:
    y = _labels_block(block_id, rows, freq, seed)
    rng = np.random.default_rng([seed, block_id[0], 1])
    return (0.35 * y + 0.65 * rng.random((rows, L), dtype=np.float32)).astype(np.float32)


def lazy_problem(n_rows: int, block_rows: int, seed: int = 0):
    import dask.array as da

    freq = np.linspace(0.01, 0.3, L, dtype=np.float32)
    n_blocks = -(-n_rows // block_rows)
    rows = tuple(min(block_rows, n_rows - i * block_rows) for i in range(n_blocks))

    def make(fn, dtype):
        def block(block_info=None):
            info = block_info[None]
            i = info["chunk-location"][0]
            return fn((i,), rows[i], freq, seed)

        return da.map_blocks(block, chunks=(rows, (L,)), dtype=dtype, meta=np.empty((0, L), dtype))

    return make(_labels_block, np.int8), make(_scores_block, np.float32)


class PeakRSS:
    """Peak resident memory of this process and all its children, sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def out_of_core(n_rows: int, block_rows: int) -> dict:
    import dask

    from labelwise import metrics as m
    from labelwise.scale_out import evaluate

    yt, ys = lazy_problem(n_rows, block_rows)
    # check: a prefix of two blocks, lazily vs the one-shot functions in memory
    k = min(n_rows, 2 * block_rows)
    Yp, Sp = yt[:k].compute(), ys[:k].compute()
    res = evaluate(yt[:k], ys[:k], metrics=METRICS, zero_division=0)
    P = (Sp >= 0.5).astype(np.int8)
    check = {
        "f1_micro": res["f1_micro"] == m.f1_score(Yp, P, average="micro"),
        "hamming_loss": res["hamming_loss"] == m.hamming_loss(Yp, P),
        "lrap": abs(res["lrap"] - m.label_ranking_average_precision_score(Yp, Sp)) < 1e-12,
    }
    del Yp, Sp, P
    with dask.config.set(scheduler="threads", num_workers=2), PeakRSS() as mem:
        base = psutil.Process().memory_info().rss
        t0 = time.perf_counter()
        res = evaluate(yt, ys, metrics=METRICS, zero_division=0)
        seconds = time.perf_counter() - t0
    return {
        "rows": n_rows,
        "block_rows": block_rows,
        "seconds": seconds,
        "peak_rss_gb": mem.peak / 1e9,
        "rss_before_gb": base / 1e9,
        "metrics": res,
        "prefix_check": check,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--block-rows", type=int, default=100_000)
    ap.add_argument("--skip-speedup", action="store_true")
    ap.add_argument("--skip-out-of-core", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"cpus: {psutil.cpu_count()}, load average: {psutil.getloadavg()}", flush=True)
    if not args.skip_speedup:
        r = speedup()
        print(
            f"BinaryRelevance(GradientBoosting) 2000x40, {L} labels: 1 worker "
            f"{r['seconds_1']:.1f} s, 2 workers {r['seconds_2']:.1f} s, speed-up "
            f"{r['speedup']:.2f}x, same predictions: {r['same']}",
            flush=True,
        )
    if not args.skip_out_of_core:
        r = out_of_core(args.rows, args.block_rows)
        print(
            f"evaluate {r['rows']:,} x {L} (blocks of {r['block_rows']:,} rows, threads=2): "
            f"{r['seconds']:.1f} s, peak RSS of the process tree {r['peak_rss_gb']:.2f} GB "
            f"(before: {r['rss_before_gb']:.2f} GB); prefix check {r['prefix_check']}",
            flush=True,
        )
        print({k: round(float(v), 6) for k, v in r["metrics"].items()})
    print(f"load average after: {psutil.getloadavg()}")


if __name__ == "__main__":
    main()
