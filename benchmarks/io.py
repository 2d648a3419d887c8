"""Reading speed and peak memory of labelwise's readers against liac-arff, scipy and scikit-learn.

Files:

* ``scene-train.arff`` (dense, 1211 x 300 numbers): labelwise ``read_arff`` vs ``liac-arff``
  (``arff.load``) and ``scipy.io.arff.loadarff``;
* ``medical.arff`` (sparse rows, 1910 x 1954 attributes): labelwise vs liac-arff (``COO`` return
  type, its sparse mode); scipy.io.arff cannot read sparse ARFF (reported as such);
* a generated LibSVM file, 100,000 x 5,000 features, 1,000 labels, 10-30 non-zeros and 1-5 labels
  per row (seeded, written to a temporary folder): labelwise ``read_libsvm`` vs scikit-learn's
  ``load_svmlight_file(multilabel=True)``.

Time is the best of ``--repeat`` runs (default 3) in this process; peak memory is the peak of
``tracemalloc`` during one further run (NumPy and Python allocations). Ratios are labelwise divided
by the fastest (or least memory-hungry) peer measured in the same run.

Usage::

    python benchmarks/io.py [--repeat 3] [--out benchmarks/_work/io.md]
"""

from __future__ import annotations

import argparse
import datetime
import gc
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from labelwise.data.arff import read_arff
from labelwise.data.libsvm import read_libsvm

ROOT = Path(__file__).resolve().parents[1]
MULAN = ROOT.parent / "shared" / "datasets" / "mulan"


def make_libsvm(path: Path, n=100_000, d=5_000, n_labels=1_000, seed=0) -> None:
    rng = np.random.default_rng(seed)
    nnz = rng.integers(10, 31, n)
    nlab = rng.integers(1, 6, n)
    lines = []
    for i in range(n):
        feats = np.sort(rng.choice(d, nnz[i], replace=False)) + 1
        labs = np.sort(rng.choice(n_labels, nlab[i], replace=False))
        vals = rng.random(nnz[i])
        lines.append(
            ",".join(map(str, labs))
            + " "
            + " ".join(f"{f}:{v:.6f}" for f, v in zip(feats, vals, strict=True))
        )
    path.write_text("\n".join(lines) + "\n")


def measure(fn, repeat: int) -> tuple[float, float] | None:
    """(best time in s, peak traced memory in MB), or None when the reader fails."""
    try:
        fn()
    except Exception:  # the peer cannot read this file
        return None
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return min(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import arff as liac
    import scipy
    import scipy.io.arff as scipy_arff
    import sklearn
    from sklearn.datasets import load_svmlight_file

    tmp = Path(tempfile.mkdtemp(prefix="labelwise-io-bench-"))
    svm = tmp / "xc-100k.svm"
    make_libsvm(svm)
    scene, medical = MULAN / "scene-train.arff", MULAN / "medical.arff"
    cases = {
        "scene-train.arff (dense)": {
            "labelwise": lambda: read_arff(scene, MULAN / "scene.xml"),
            "liac-arff": lambda: liac.load(open(scene)),
            "scipy.io.arff": lambda: scipy_arff.loadarff(scene),
        },
        "medical.arff (sparse)": {
            "labelwise": lambda: read_arff(medical, MULAN / "medical.xml"),
            "liac-arff": lambda: liac.load(open(medical), return_type=liac.COO),
            "scipy.io.arff": lambda: scipy_arff.loadarff(medical),
        },
        "LibSVM 100k x 5k, 1k labels": {
            "labelwise": lambda: read_libsvm(svm),
            "sklearn load_svmlight_file": lambda: load_svmlight_file(str(svm), multilabel=True),
        },
    }
    rows = []
    for case, readers in cases.items():
        results = {name: measure(fn, args.repeat) for name, fn in readers.items()}
        ours = results.pop("labelwise")
        peers = {k: v for k, v in results.items() if v is not None}
        best_t = min(v[0] for v in peers.values())
        best_m = min(v[1] for v in peers.values())
        for name, res in [("labelwise", ours), *results.items()]:
            if res is None:
                rows.append(f"| {case} | {name} | cannot read | - | - | - |")
                continue
            t, m = res
            rt = f"{ours[0] / best_t:.2f}" if name == "labelwise" else f"{t / best_t:.2f}"
            rm = f"{ours[1] / best_m:.2f}" if name == "labelwise" else f"{m / best_m:.2f}"
            rows.append(f"| {case} | {name} | {t * 1000:.1f} | {rt} | {m:.1f} | {rm} |")
        print(rows[-len(readers) :], file=sys.stderr)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    table = [
        "# Reading speed and memory (benchmarks/io.py)",
        "",
        f"Command: `python benchmarks/io.py --repeat {args.repeat}`  ",
        f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; machine shared "
        "with other jobs (2 cores), so absolute times are noisy; ratios are measured in one run.",
        "",
        f"Versions: Python {sys.version.split()[0]}, numpy {np.__version__}, liac-arff "
        f"{liac.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}.",
        "",
        "Time: best of the repeats. Peak: tracemalloc peak during one read. Ratios: divided by the "
        "best peer on that file (for peers: their own ratio to the best peer).",
        "",
        "| file | reader | time (ms) | time ratio | peak (MB) | peak ratio |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
        "",
        "Targets: time ratio <= 1.0 and peak ratio <= 2.0 for labelwise on each file.",
    ]
    text = "\n".join(table) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
