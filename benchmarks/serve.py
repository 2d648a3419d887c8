"""Bounded load on the prediction server (``labelwise serve``), over loopback only.

For each model, a real ``labelwise serve`` subprocess is started on a free loopback port, then
8 concurrent clients (asyncio + httpx, keep-alive connections, one process) send requests for a
fixed time (20 s by default) and stop by themselves: first one row per request, then batches.
Reported per run: requests/s, rows/s, p50 and p99 latency (ms), errors (non-200 answers or
failed connections). Models: binary relevance over logistic regression on the bundled emotions
features, and the TF-IDF text pipeline (``labelwise.text.TfidfClassifier``) on bundled Reuters.

Targets: zero errors; p99 < 50 ms for one-row requests to the linear model; rows/s with batches
at least 5x rows/s with one-row requests.

Run: ``.venv/bin/python benchmarks/serve.py [--seconds 20] [--clients 8]``. The load generator
runs on the same machine as the server; both share its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import httpx
import numpy as np

CLI = [sys.executable, "-c", "from labelwise.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, max_batch: int = 1000) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", str(model), "--port", str(port), "--max-batch", str(max_batch)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode())
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("server did not start")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def _client(url: str, bodies: list[bytes], until: float, lat: list, errors: list) -> None:
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        i = 0
        while time.perf_counter() < until:
            body = bodies[i % len(bodies)]
            i += 1
            t0 = time.perf_counter()
            try:
                r = await client.post("/predict", content=body, headers=headers)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            (lat if ok else errors).append(time.perf_counter() - t0)


def load_run(url: str, bodies: list[bytes], rows_per: int, seconds: float, clients: int) -> dict:
    lat: list[float] = []
    errors: list[float] = []

    async def run() -> float:
        until = time.perf_counter() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(*(_client(url, bodies, until, lat, errors) for _ in range(clients)))
        return time.perf_counter() - t0

    wall = asyncio.run(run())
    ms = np.array(lat) * 1000
    n = len(lat) + len(errors)
    return {
        "batch": rows_per,
        "requests": n,
        "req_s": n / wall,
        "rows_s": len(lat) * rows_per / wall,
        "p50_ms": float(np.percentile(ms, 50)) if len(ms) else float("nan"),
        "p99_ms": float(np.percentile(ms, 99)) if len(ms) else float("nan"),
        "errors": len(errors),
    }


def _bodies(key: str, items: list, batch: int, n: int = 64) -> list[bytes]:
    out = []
    for k in range(n):
        chunk = [items[(k * batch + j) % len(items)] for j in range(batch)]
        out.append(json.dumps({key: chunk}).encode())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--linear-batch", type=int, default=64)
    ap.add_argument("--text-batch", type=int, default=16)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from labelwise.datasets import load
    from labelwise.models import BinaryRelevance
    from labelwise.persist import save
    from labelwise.text import TfidfClassifier

    tmp = Path(tempfile.mkdtemp())
    emo_train, emo_test = load("emotions", split="train"), load("emotions", split="test")
    save(BinaryRelevance().fit(emo_train.X, emo_train.Y), tmp / "linear.lw",
         metadata={"label_names": list(emo_train.label_names)})  # fmt: skip
    reu_train, reu_test = load("reuters", split="train"), load("reuters", split="test")
    t0 = time.perf_counter()
    text_model = TfidfClassifier().fit(list(reu_train.texts), reu_train.Y)
    save(text_model, tmp / "text.lw", metadata={"label_names": list(reu_train.label_names)})
    print(f"TF-IDF model fitted in {time.perf_counter() - t0:.0f} s", flush=True)

    rows = emo_test.X.tolist()
    texts = list(reu_test.texts)
    runs = [
        ("linear (emotions, BinaryRelevance LR)", tmp / "linear.lw", "instances", rows,
         [1, args.linear_batch]),
        ("TF-IDF text (Reuters, TfidfClassifier)", tmp / "text.lw", "texts", texts,
         [1, args.text_batch]),
    ]  # fmt: skip
    print("| model | batch | requests/s | rows/s | p50 ms | p99 ms | errors | requests |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, path, key, items, batches in runs:
        proc, url = start_server(path)
        try:
            load_run(url, _bodies(key, items, 1), 1, 2.0, args.clients)  # warm-up
            for b in batches:
                r = load_run(url, _bodies(key, items, b), b, args.seconds, args.clients)
                print(
                    f"| {name} | {b} | {r['req_s']:.0f} | {r['rows_s']:.0f} | "
                    f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {r['requests']} |",
                    flush=True,
                )
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
