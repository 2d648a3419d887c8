"""Many labels: labelwise's LabelTree, network and one-vs-rest against Omikuji and napkinXC.

In one run on one machine, every system trains and predicts the top 5 labels of each test row
in its own subprocess (so that its peak resident memory, the RSS high-water mark, is its own; it
includes reading the data, the same for all). The parent then scores every system's sparse
top-5 matrix with labelwise's at-k metrics: P@1/3/5, nDCG@3/5 and PSP@1/3/5 (Jain et al. 2016
propensities from the training labels, A = 0.55, B = 1.5, normalised by the best achievable).
Every system gets the same thread count (``--threads``, default 2). Times are wall-clock seconds
with the CPU seconds of the process (all its threads) in brackets: on a shared machine the CPU
time is the steadier comparison.

Datasets:

* ``delicious``: the Mulan split in ``../shared/datasets/mulan`` (983 tags, 500 binary
  features, 12,920 train / 3,185 test rows), read with ``labelwise.read``.
* ``synthetic``: ``--labels`` labels (default 30,000) with a power-law (Zipf) frequency,
  ``--rows`` training rows (default 200,000) plus 20,000 test rows; labels come in topics of 100
  (a row's labels mostly share a topic), each label has a few characteristic features among its
  topic's, rows have about 30 stored feature values (log counts). Written in the
  extreme-classification text format with ``labelwise``'s writer and read back with its reader.

Systems (defaults unless stated): ``LabelTree`` (labelwise), ``NeuralClassifier`` (labelwise,
512 hidden, ``--nn-epochs`` epochs, no early stopping; Delicious only: its output layer on 30,000
labels does not train in a benchmark's time on 2 cores), ``BR-LR`` (labelwise's
``BinaryRelevance(LogisticRegression(solver="liblinear"))``; Delicious only, for the same
reason), ``omikuji-parabel`` (Omikuji defaults: Parabel), ``omikuji-bonsai`` (cluster_k 100,
max_depth 3, unbalanced clusters, as Omikuji's README gives for Bonsai), ``napkinxc-plt``,
``napkinxc-ovr`` (napkinXC defaults). Omikuji and napkinXC get L2-normalised rows (what they
expect; napkinXC normalises itself). A system that runs longer than ``--timeout`` seconds is
reported as such. The fast systems run on every dataset first and the slow ones (napkinXC's
one-vs-rest, labelwise's one-vs-rest and network) last, in one table.

Run with the peers' environment (it has labelwise installed editable)::

    flock .bench.lock .venv-peers/bin/python benchmarks/many_labels.py \\
        --datasets delicious,synthetic --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LABELWISE_SHARED", ROOT.parent / "shared"))
MULAN = SHARED / "datasets" / "mulan"
SYSTEMS = [
    "LabelTree",
    "omikuji-parabel",
    "omikuji-bonsai",
    "napkinxc-plt",
    "napkinxc-ovr",
    "BR-LR",
    "NeuralClassifier",
]
# not run on the synthetic set: 30,000 one-vs-rest fits or a 30,000-wide output layer do not train
# in a benchmark's time on 2 cores, and napkinXC's one-vs-rest was killed by the kernel's
# out-of-memory killer at 22 GB resident (run 1)
LARGE_SKIP = {"BR-LR", "NeuralClassifier", "napkinxc-ovr"}
TOP = 5


# ----------------------------------------------------------------------------- data


def synthetic(path: Path, n_train: int, n_labels: int, seed: int = 0) -> None:
    """Write ``train.txt`` and ``test.txt`` (XC format) of a power-law many-label problem."""
    from labelwise.data.dataset import Dataset
    from labelwise.data.libsvm import write_libsvm

    rng = np.random.default_rng(seed)
    n_test, topic_size, n_feat = 20_000, 100, 100_000
    n_topics = -(-n_labels // topic_size)
    freq = 1.0 / np.arange(1, n_labels + 1) ** 0.9
    rng.shuffle(freq)
    freq /= freq.sum()
    topic_of = np.arange(n_labels) // topic_size
    topic_feats = rng.integers(0, n_feat, size=(n_topics, 60))
    label_feats = np.take_along_axis(
        topic_feats[topic_of], rng.integers(0, 60, size=(n_labels, 8)), axis=1
    )
    label_own = rng.integers(0, n_feat, size=(n_labels, 2))
    word_freq = 1.0 / np.arange(1, n_feat + 1)
    word_freq /= word_freq.sum()
    n = n_train + n_test
    first = rng.choice(n_labels, size=n, p=freq)
    n_lab = 1 + rng.poisson(2.5, size=n)
    rows, cols = [np.arange(n)], [first]
    for j in range(1, int(n_lab.max())):
        who = np.flatnonzero(n_lab > j)
        same = rng.random(who.shape[0]) < 0.7  # most further labels share the first's topic
        t = topic_of[first[who]]
        in_topic = np.minimum(
            t * topic_size + rng.integers(0, topic_size, who.shape[0]), n_labels - 1
        )
        anywhere = rng.choice(n_labels, size=who.shape[0], p=freq)
        rows.append(who)
        cols.append(np.where(same, in_topic, anywhere))
    r, c = np.concatenate(rows), np.concatenate(cols)
    Y = sp.csr_matrix((np.ones(r.shape[0], dtype=np.int8), (r, c)), shape=(n, n_labels))
    Y.data[:] = 1
    # features: 6 draws from each label's characteristic words, plus 12 background words
    lr, lc = Y.nonzero()
    fr = [np.repeat(lr, 6), np.repeat(np.arange(n), 12)]
    pick = rng.integers(0, 10, size=lr.shape[0] * 6)
    words = np.concatenate([label_feats, label_own], axis=1)[np.repeat(lc, 6), pick]
    fc = [words, rng.choice(n_feat, size=n * 12, p=word_freq)]
    X = sp.csr_matrix(
        (np.ones(sum(a.shape[0] for a in fr)), (np.concatenate(fr), np.concatenate(fc))),
        shape=(n, n_feat),
    )
    X.sum_duplicates()
    X.data = np.log1p(X.data).round(4)
    names = [str(j) for j in range(n_labels)]
    for part, sl in (("train", slice(0, n_train)), ("test", slice(n_train, n))):
        ds = Dataset(X=sp.csr_matrix(X[sl]), Y=sp.csr_matrix(Y[sl]), label_names=names)
        write_libsvm(ds, path / f"{part}.txt", overwrite=True)


def load(dataset: str, data_dir: Path):
    """(Xtr, Ytr, Xte, Yte): CSR features and CSR 0/1 labels."""
    if dataset == "delicious":
        import labelwise

        xml = MULAN / "delicious.xml"
        tr = labelwise.read(MULAN / "delicious-train.arff", labels=xml)
        te = labelwise.read(MULAN / "delicious-test.arff", labels=xml)
    else:
        from labelwise.data.libsvm import read_libsvm

        tr = read_libsvm(data_dir / "train.txt")
        te = read_libsvm(data_dir / "test.txt", n_features=tr.X.shape[1])

    def csr(a):
        return sp.csr_matrix(a, dtype=np.float64)

    return csr(tr.X), sp.csr_matrix(tr.Y), csr(te.X), sp.csr_matrix(te.Y)


def _l2(X: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sp.csr_matrix(sp.diags(1 / norms) @ X)


def _xc_file(path: Path, X: sp.csr_matrix, Y: sp.csr_matrix) -> None:
    from labelwise.data.dataset import Dataset
    from labelwise.data.libsvm import write_libsvm

    names = [str(j) for j in range(Y.shape[1])]
    write_libsvm(Dataset(X=X, Y=Y, label_names=names), path, overwrite=True)


def _from_lists(pred: list, n_labels: int) -> sp.csr_matrix:
    rows = np.repeat(np.arange(len(pred)), [len(p) for p in pred])
    labels = np.array([int(lab) for p in pred for lab, _ in p], dtype=np.int64)
    scores = np.array([float(s) for p in pred for _, s in p])
    return sp.csr_matrix((scores, (rows, labels)), shape=(len(pred), n_labels))


# ----------------------------------------------------------------------------- systems


def run_system(system: str, dataset: str, data_dir: Path, threads: int, nn_epochs: int, out: Path):
    """In a subprocess: train, predict the top 5, save them and the times."""
    Xtr, Ytr, Xte, _ = load(dataset, data_dir)
    L = Ytr.shape[1]
    warnings.simplefilter("ignore")
    t0, c0 = time.perf_counter(), time.process_time()
    if system == "LabelTree":
        from labelwise.models import LabelTree

        model = LabelTree(n_jobs=threads).fit(Xtr, Ytr)
        t1, c1 = time.perf_counter(), time.process_time()
        top = model.predict_proba(Xte, k=TOP)
    elif system in ("BR-LR", "NeuralClassifier"):
        from sklearn.linear_model import LogisticRegression

        from labelwise.models import BinaryRelevance, NeuralClassifier, top_k_proba

        if system == "BR-LR":
            model = BinaryRelevance(LogisticRegression(solver="liblinear"), n_jobs=threads)
        else:
            model = NeuralClassifier(max_epochs=nn_epochs, early_stopping=False, random_state=0)
        model.fit(Xtr, Ytr.toarray())
        t1, c1 = time.perf_counter(), time.process_time()
        top = top_k_proba(model, Xte, TOP)
    elif system.startswith("omikuji"):
        import omikuji

        train_file = out.with_suffix(".train.txt")
        _xc_file(train_file, _l2(Xtr), Ytr)
        hp = omikuji.Model.default_hyper_param()
        if system == "omikuji-bonsai":
            hp.cluster_k, hp.max_depth, hp.cluster_balanced = 100, 3, False
        t0, c0 = time.perf_counter(), time.process_time()  # writing its input is not training
        model = omikuji.Model.train_on_data(str(train_file), hp, n_threads=threads)
        t1, c1 = time.perf_counter(), time.process_time()
        model.init_prediction_thread_pool(threads)
        X = _l2(Xte)
        pred = []
        for i in range(X.shape[0]):
            a, b = X.indptr[i], X.indptr[i + 1]
            pairs = list(zip(X.indices[a:b].tolist(), X.data[a:b].tolist(), strict=True))
            pred.append(model.predict(pairs, beam_size=10, top_k=TOP))
        top = _from_lists(pred, L)
        train_file.unlink()
    elif system.startswith("napkinxc"):
        from napkinxc.models import OVR, PLT

        cls = PLT if system == "napkinxc-plt" else OVR
        model = cls(str(out.with_suffix(".napkin")), threads=threads)
        labels = [
            Ytr.indices[Ytr.indptr[i] : Ytr.indptr[i + 1]].tolist() for i in range(Ytr.shape[0])
        ]
        model.fit(Xtr, labels)
        t1, c1 = time.perf_counter(), time.process_time()
        top = _from_lists(model.predict_proba(Xte, top_k=TOP), L)
    else:
        raise SystemExit(f"unknown system {system}")
    t2, c2 = time.perf_counter(), time.process_time()
    sp.save_npz(out.with_suffix(".npz"), sp.csr_matrix(top))
    peak_mb = _peak_rss_mb()
    times = {"train_s": t1 - t0, "predict_s": t2 - t1, "train_cpu": c1 - c0, "predict_cpu": c2 - c1}
    out.write_text(json.dumps({**times, "peak_mb": peak_mb}))


def _peak_rss_mb() -> float:
    """This process's resident-memory high-water mark (VmHWM) in MB.

    Not ``getrusage``'s ``ru_maxrss``: Linux carries that over from the parent through fork and
    exec, so every worker would report at least the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # other systems


# ----------------------------------------------------------------------------- parent


def score(top: sp.csr_matrix, Ytr, Yte) -> dict[str, float]:
    from labelwise.metrics import inverse_propensity, ndcg_at_k, precision_at_k, psp_at_k

    g = inverse_propensity(Ytr, A=0.55, B=1.5)
    out = {}
    for k in (1, 3, 5):
        out[f"P@{k}"] = 100 * precision_at_k(Yte, top, k=k)
    for k in (3, 5):
        out[f"nDCG@{k}"] = 100 * ndcg_at_k(Yte, top, k=k)
    for k in (1, 3, 5):
        out[f"PSP@{k}"] = 100 * psp_at_k(Yte, top, g, k=k)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="delicious,synthetic")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--labels", type=int, default=30_000)
    ap.add_argument("--nn-epochs", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--worker", nargs=4, metavar=("SYSTEM", "DATASET", "DATA_DIR", "OUT"))
    args = ap.parse_args()
    env_threads = str(args.threads)
    if args.worker:
        system, dataset, data_dir, out = args.worker
        run_system(system, dataset, Path(data_dir), args.threads, args.nn_epochs, Path(out))
        return
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = env_threads
    tmp = Path(tempfile.mkdtemp(prefix="many_labels_"))
    print(
        f"# many_labels  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  "
        f"threads={args.threads}  python={sys.executable.split('/')[-3]}"
    )
    datasets = args.datasets.split(",")
    systems = args.systems.split(",")
    targets: dict[str, tuple] = {}
    for dataset in datasets:
        data_dir = tmp / dataset
        data_dir.mkdir()
        if dataset == "synthetic":
            t = time.perf_counter()
            synthetic(data_dir, args.rows, args.labels)
            print(f"(synthetic data written in {time.perf_counter() - t:.0f} s)", flush=True)
        _, Ytr, _, Yte = load(dataset, data_dir)
        targets[dataset] = (data_dir, Ytr, Yte)
        print(
            f"{dataset}: {Ytr.shape[0]} train / {Yte.shape[0]} test rows, "
            f"{Ytr.shape[1]} labels, {Ytr.nnz / Ytr.shape[0]:.1f} labels per row",
            flush=True,
        )
    # the fast systems on every dataset first, the slow ones (one-vs-rest, network) last, so
    # that a run cut short still has the main comparison
    slow = {"napkinxc-ovr", "BR-LR", "NeuralClassifier"}
    order = [
        (d, s)
        for fast in (True, False)
        for d in datasets
        for s in systems
        if (s not in slow) == fast
    ]
    cols = ["P@1", "P@3", "P@5", "nDCG@3", "nDCG@5", "PSP@1", "PSP@3", "PSP@5"]
    print(
        "\n| dataset | system | "
        + " | ".join(cols)
        + " | train s (CPU s) | predict s (CPU s) | peak MB |"
    )
    print("|---|---|" + "---:|" * (len(cols) + 3), flush=True)
    for dataset, system in order:
        data_dir, Ytr, Yte = targets[dataset]
        if dataset != "delicious" and system in LARGE_SKIP:
            print(f"| {dataset} | {system} | skipped (see the docstring) |", flush=True)
            continue
        out = tmp / f"{dataset}-{system}.json"
        cmd = [
            sys.executable,
            __file__,
            "--threads",
            env_threads,
            "--nn-epochs",
            str(args.nn_epochs),
            "--worker",
            system,
            dataset,
            str(data_dir),
            str(out),
        ]
        try:
            proc = subprocess.run(
                cmd, env=env, timeout=args.timeout, capture_output=True, text=True
            )
        except subprocess.TimeoutExpired:
            print(f"| {dataset} | {system} | timed out after {args.timeout:.0f} s |", flush=True)
            continue
        if proc.returncode != 0 or not out.exists():
            tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
            killed = " (killed: out of memory?)" if proc.returncode == -9 else ""
            print(
                f"| {dataset} | {system} | failed, exit code {proc.returncode}{killed}: "
                f"{tail[0][:150]} |",
                flush=True,
            )
            continue
        info = json.loads(out.read_text())
        m = score(sp.load_npz(out.with_suffix(".npz")), Ytr, Yte)
        print(
            f"| {dataset} | {system} | "
            + " | ".join(f"{m[c]:.2f}" for c in cols)
            + f" | {info['train_s']:.1f} ({info['train_cpu']:.1f})"
            + f" | {info['predict_s']:.1f} ({info['predict_cpu']:.1f})"
            + f" | {info['peak_mb']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
