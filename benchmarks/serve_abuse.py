"""Hostile load on the prediction server (``labelwise serve``), over loopback only.

For a feature model (binary relevance over logistic regression, bundled emotions) and a text
model (``labelwise.text.TfidfClassifier``, TF-IDF word and character n-grams, bundled Reuters),
a real ``labelwise serve`` subprocess is started on a free loopback port with its default bounds
(``--max-body`` 4 MiB, ``--max-text-chars`` 100,000, ``--max-batch`` 1000, ``--read-timeout``
30 s unless stated), and then:

1. Big bodies, 1 KB to 200 MB, each sent twice, with a ``Content-Length`` and chunked (no
   length), generated while sending (never built in memory): the answer's status, the bytes the
   server let in before answering, and the server's peak RSS during the request (VmRSS sampled
   every 2 ms) and overall (VmHWM).
2. Big texts, 1 KB to 100 MB of diverse characters (the worst case for character n-grams), in
   the same way; then the largest request the bounds allow (40 texts of 100,000 characters,
   4 MB), and one text of 1,000,000 characters on a server whose bounds are raised 10x, to state
   what one request costs per byte.
3. 32 concurrent clients mixing valid and invalid requests for a fixed time on a fresh server:
   requests/s, p50/p99 latency, errors on valid requests, 5xx count, idle and peak RSS.
4. Slow clients on that server (``--read-timeout 5``): 500 connections that send half their
   headers and 500 that send headers and half a body; how many are still open after 7 s.

Targets: every oversize request refused (413) with the server's RSS within a few MB of idle;
0 errors on valid requests; 0 5xx; peak RSS under load at most 2x idle; every slow connection
closed after the read timeout.

Run: ``flock .bench.lock .venv/bin/python benchmarks/serve_abuse.py
[--seconds 15] [--clients 32]`` (about 6 minutes on 2 cores). The load
generator shares the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np

CLI = [sys.executable, "-c", "from labelwise.cli import main; main()"]
KB, MB = 1000, 1000 * 1000
CHUNK = 64 * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, *options: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", str(model), "--port", str(port), *options],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, port
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


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


class RssSampler:
    """The highest VmRSS of ``pid`` seen while the ``with`` block runs (sampled every 2 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, _status_kb(self.pid, "VmRSS"))
            time.sleep(0.002)

    def __enter__(self) -> RssSampler:
        self.peak_kb = _status_kb(self.pid, "VmRSS")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _pieces(prefix: bytes, filler: bytes, n: int, suffix: bytes) -> Iterator[bytes]:
    """``prefix``, then ``n`` bytes of ``filler`` repeated, then ``suffix``: generated, not held."""
    yield prefix
    while n > 0:
        piece = filler[: min(n, len(filler))]
        n -= len(piece)
        yield piece
    yield suffix


def raw_post(port: int, pieces: Iterator[bytes], size: int, chunked: bool) -> tuple[int, int]:
    """POST a generated body over a raw socket; stop sending when the server answers.

    Returns the status (0 if the server closed without answering) and the bytes sent.
    """
    head = "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    sent, answer = 0, b""
    try:
        sock.sendall((head + "Connection: close\r\n\r\n").encode())
        for piece in pieces:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered (or closed): stop sending
            data = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            try:
                sock.sendall(data)
            except OSError:
                break
            sent += len(piece)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        sock.settimeout(120)
        while b"\r\n" not in answer:
            try:
                got = sock.recv(4096)
            except OSError:
                break
            if not got:
                break
            answer += got
    finally:
        sock.close()
    status = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, sent


def _random_text(rng: np.random.Generator, n: int) -> bytes:
    """``n`` bytes of words made of random letters and digits (many distinct n-grams)."""
    alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789     ", dtype=np.uint8)
    return alphabet[rng.integers(0, len(alphabet), size=n)].tobytes()


def big_requests(port: int, pid: int, kind: str, sizes: list[int], rng, n_features: int) -> None:
    if kind == "body":  # feature rows of the model's width, whole rows at every size
        row = json.dumps([round(float(v), 3) for v in rng.normal(size=n_features)]).encode()
        prefix, suffix, unit = b'{"instances": [', row + b"]}", row + b","
        filler = unit * max(1, CHUNK // len(unit))
    else:  # one text
        prefix, suffix, unit = b'{"texts": ["', b'"]}', b"x"
        filler = _random_text(rng, 1 * MB)
    for size in sizes:
        n = size - len(prefix) - len(suffix)
        n -= n % len(unit)
        total = len(prefix) + n + len(suffix)
        for chunked in (False, True):
            t0 = time.perf_counter()
            with RssSampler(pid) as rss:
                status, sent = raw_post(port, _pieces(prefix, filler, n, suffix), total, chunked)
            row_out = {
                "kind": kind, "size": total, "chunked": chunked, "status": status, "sent": sent,
                "seconds": time.perf_counter() - t0, "peak_rss_mb": rss.peak_kb / 1024,
                "hwm_mb": _status_kb(pid, "VmHWM") / 1024,
            }  # fmt: skip
            print(_big_row(row_out), flush=True)


def _big_row(r: dict) -> str:
    how = "chunked" if r["chunked"] else "Content-Length"
    return (
        f"| {r['kind']} | {_size(r['size'])} | {how} | {r['status']} | {_size(r['sent'])} | "
        f"{r['seconds']:.2f} | {r['peak_rss_mb']:.0f} | {r['hwm_mb']:.0f} |"
    )


def _size(n: int) -> str:
    for unit, scale in (("MB", MB), ("KB", KB)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def one_request_cost(model: Path, texts: list[str], label: str, *options: str) -> str:
    """Peak RSS over the idle server (fresh, warmed up) while it answers one request."""
    proc, port = start_server(model, *options)
    try:
        httpx.post(f"http://127.0.0.1:{port}/predict", json={"texts": ["warm up"]}, timeout=60)
        return _one_request(port, proc.pid, texts, label)
    finally:
        stop_server(proc)


def _one_request(port: int, pid: int, texts: list[str], label: str) -> str:
    body = json.dumps({"texts": texts}).encode()
    idle = _status_kb(pid, "VmRSS")
    t0 = time.perf_counter()
    with RssSampler(pid) as rss:
        r = httpx.post(f"http://127.0.0.1:{port}/predict", content=body, timeout=300,
                       headers={"content-type": "application/json"})  # fmt: skip
    extra_mb = (rss.peak_kb - idle) / 1024
    chars = sum(len(t) for t in texts)
    return (
        f"| {label} | {len(texts)} x {len(texts[0]):,} | {len(body) / MB:.2f} | {r.status_code} | "
        f"{time.perf_counter() - t0:.2f} | {idle / 1024:.0f} | {rss.peak_kb / 1024:.0f} | "
        f"{extra_mb:.0f} | {extra_mb * MB / chars:.0f} |"
    )


def _mixed_bodies(kind: str, valid_items: list, rng) -> list[tuple[bool, bytes]]:
    pairs: list[tuple[bool, bytes]] = []
    key = "instances" if kind == "features" else "texts"
    for k in range(48):
        batch = [valid_items[int(j)] for j in rng.integers(0, len(valid_items), size=1 + k % 16)]
        pairs.append((True, json.dumps({key: batch}).encode()))
    bad = [
        {key: []}, {"nope": 1}, {key: "x"}, {"instances": [[0.5, "0.5"]]}, {"texts": [1, 2]},
        {"instances": [[1e400]]}, {key: valid_items[:1], "return_all_scores": "yes"},
        {"texts": ["x" * 100_001]}, {key: valid_items[:1] * 1001},
    ]  # fmt: skip
    pairs += [(False, json.dumps(b).encode()) for b in bad]
    pairs += [(False, b'{"texts": ["\\ud800"]}'), (False, b"[" * 100_000), (False, b'{"a":')]
    rng.shuffle(pairs)
    return pairs


async def _client(url, pairs, until, k, out) -> None:
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        i = k
        while time.perf_counter() < until:
            valid, body = pairs[i % len(pairs)]
            i += 7
            t0 = time.perf_counter()
            try:
                status = (await client.post("/predict", content=body, headers=headers)).status_code
            except httpx.HTTPError:
                status = -1
            out.append((valid, status, time.perf_counter() - t0))


def mixed_load(port: int, pid: int, pairs, seconds: float, clients: int) -> dict:
    url = f"http://127.0.0.1:{port}"
    out: list[tuple[bool, int, float]] = []
    idle = _status_kb(pid, "VmRSS")

    async def run() -> float:
        until = time.perf_counter() + seconds
        t0 = time.perf_counter()
        await asyncio.gather(*(_client(url, pairs, until, k, out) for k in range(clients)))
        return time.perf_counter() - t0

    with RssSampler(pid) as rss:
        wall = asyncio.run(run())
    ms = np.array([t for _, _, t in out]) * 1000
    return {
        "requests": len(out),
        "req_s": len(out) / wall,
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "valid": sum(v for v, _, _ in out),
        "valid_errors": sum(v and s != 200 for v, s, _ in out),
        "invalid_not_4xx": sum(not v and not 400 <= s < 500 for v, s, _ in out),
        "5xx": sum(s >= 500 for _, s, _ in out),
        "failed_connections": sum(s == -1 for _, s, _ in out),
        "idle_mb": idle / 1024,
        "peak_mb": rss.peak_kb / 1024,
    }


def slow_clients(port: int, n: int, read_timeout: float) -> dict:
    """``n`` half-header and ``n`` half-body connections; how many are open after the timeout."""
    half_head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Ty"
    half_body = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n{\"texts\": [\"")  # fmt: skip
    socks = []
    for payload in (half_head, half_body):
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(payload)
            s.setblocking(False)
            socks.append(s)
    time.sleep(read_timeout + 2)
    still_open = 0
    for s in socks:
        try:
            while True:
                got = s.recv(65536)
                if not got:
                    break
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
        s.close()
    return {"connections": len(socks), "open_after": still_open}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--text-train", type=int, default=2000, help="Reuters training texts used")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from labelwise.datasets import load
    from labelwise.models import BinaryRelevance
    from labelwise.persist import save
    from labelwise.text import TfidfClassifier

    rng = np.random.default_rng(0)
    tmp = Path(tempfile.mkdtemp())
    emo = load("emotions", split="train"), load("emotions", split="test")
    save(BinaryRelevance().fit(emo[0].X, emo[0].Y), tmp / "features.lw",
         metadata={"label_names": list(emo[0].label_names)})  # fmt: skip
    reu = load("reuters", split="train"), load("reuters", split="test")
    t0 = time.perf_counter()
    n = args.text_train
    text_model = TfidfClassifier().fit(list(reu[0].texts[:n]), reu[0].Y[:n])
    save(text_model, tmp / "text.lw", metadata={"label_names": list(reu[0].label_names)})
    print(f"TF-IDF model fitted on {n} Reuters texts in {time.perf_counter() - t0:.0f} s\n")

    print("## Big requests (default bounds: --max-body 4 MiB, --max-text-chars 100,000)\n")
    print("| request | size | sent with | status | bytes sent before the answer | s | "
          "peak RSS MB | VmHWM MB |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    body_sizes = [1 * KB, 100 * KB, 1 * MB, 4 * MB, 10 * MB, 100 * MB, 200 * MB]
    text_sizes = [1 * KB, 10 * KB, 100 * KB, 1 * MB, 10 * MB, 100 * MB]
    for name, path, kind, sizes in (("features", tmp / "features.lw", "body", body_sizes),
                                    ("text", tmp / "text.lw", "text", text_sizes)):  # fmt: skip
        proc, port = start_server(path)
        try:
            print(f"| ({name} model: idle RSS {_status_kb(proc.pid, 'VmRSS') / 1024:.0f} MB) |"
                  " | | | | | | |", flush=True)  # fmt: skip
            big_requests(port, proc.pid, kind, sizes, rng, emo[0].X.shape[1])
        finally:
            stop_server(proc)

    print("\n## What one text request costs (TfidfClassifier, char 2-5-grams)\n")
    print("| server | texts x chars | body MB | status | s | idle RSS MB | peak RSS MB | "
          "extra MB | extra bytes per char |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for count, chars in ((1, 1_000), (1, 100_000), (40, 100_000)):
        texts = [_random_text(rng, chars).decode() for _ in range(count)]
        print(one_request_cost(tmp / "text.lw", texts, "default bounds"), flush=True)
    texts = [_random_text(rng, 1_000_000).decode()]
    raised = ("--max-text-chars", "1000000", "--max-body", str(40 * 1024 * 1024))
    print(one_request_cost(tmp / "text.lw", texts, "bounds raised 10x", *raised), flush=True)

    print(f"\n## {args.clients} concurrent clients, valid and invalid requests mixed, "
          f"{args.seconds:g} s per model\n")  # fmt: skip
    print("| model | requests | valid | requests/s | p50 ms | p99 ms | errors on valid | "
          "invalid not 4xx | 5xx | idle RSS MB | peak RSS MB | peak/idle | slow conns open "
          "after timeout |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    valid_texts = [t[:2000] for t in reu[1].texts[:200]]
    for name, path, items in (("features (emotions)", tmp / "features.lw", emo[1].X.tolist()),
                              ("text (Reuters)", tmp / "text.lw", valid_texts)):  # fmt: skip
        kind = "features" if name.startswith("features") else "text"
        proc, port = start_server(path, "--read-timeout", "5")
        try:
            pairs = _mixed_bodies(kind, items, rng)
            mixed_load(port, proc.pid, pairs, 2.0, 4)  # warm-up
            r = mixed_load(port, proc.pid, pairs, args.seconds, args.clients)
            slow = slow_clients(port, 500, 5.0)
            print(
                f"| {name} | {r['requests']} | {r['valid']} | {r['req_s']:.0f} | "
                f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['valid_errors']} | "
                f"{r['invalid_not_4xx']} | {r['5xx']} | {r['idle_mb']:.0f} | {r['peak_mb']:.0f} | "
                f"{r['peak_mb'] / r['idle_mb']:.2f} | {slow['open_after']} of "
                f"{slow['connections']} |",
                flush=True,
            )
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
