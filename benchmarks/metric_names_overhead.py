"""Does resolving metric names (issue 20) cost anything? GlobalThreshold fits and Evaluator updates.

Prints best-of-7 times on 100,000 x 50 float32 scores next to the ``np.sort`` floor measured in
the same run, and the values (which must not change). A few seconds of CPU: no lock needed.

    .venv/bin/python benchmarks/metric_names_overhead.py
    # the code before the change, for comparison (from a clone):
    mkdir before && git archive 995d58c^ src | tar -x -C before
    PYTHONPATH=before/src .venv/bin/python benchmarks/metric_names_overhead.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from labelwise.decision import GlobalThreshold
from labelwise.metrics import Evaluator


def best(f: Callable[[], Any], repeat: int = 7) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    n, L = 100_000, 50
    Y = (rng.random((n, L)) < 0.15).astype(np.int8)
    S = (1 / (1 + np.exp(-(rng.normal(size=(n, L)) + 1.5 * Y - 1.7)))).astype(np.float32)
    floor, _ = best(lambda: np.sort(S.ravel()))
    print(f"floor np.sort(S.ravel()): {floor:.3f} s")
    # old spellings, which both the old and the new code accept
    for m in ("f1_micro", "hamming", "f1_macro", "f1_samples", "subset_accuracy"):
        t, rule = best(lambda m=m: GlobalThreshold(m).fit(Y, S))
        print(f"GlobalThreshold({m!r}).fit: {t:.3f} s, threshold {rule.threshold_:.6f}")

    def evaluate() -> Any:
        ev = Evaluator(["f1_micro", "f1_macro", "hamming_loss", "lrap", "ndcg@3"])
        for i in range(0, n, 20_000):
            ev.update(Y[i : i + 20_000], S[i : i + 20_000])
        return ev.compute()

    t, res = best(evaluate)
    values = {k: round(float(v), 6) for k, v in res.items()}
    print(f"Evaluator, 5 metrics, 5 batches: {t:.3f} s, {values}")


if __name__ == "__main__":
    main()
