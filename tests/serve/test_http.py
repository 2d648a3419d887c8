"""The server over real HTTP (uvicorn on a free loopback port, in a thread): the API key, slow
clients, and a small load test mixing valid and invalid requests."""

from __future__ import annotations

import hmac
import json
import socket
import threading
import time
from urllib.parse import urlparse

import httpx
import numpy as np
import pytest

KEY = "k3y-for-tests"


def test_api_key_over_http(feature_model, http_server, monkeypatch):
    from labelwise.serve import create_app

    compared = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append(1) or real(a, b))
    path, _ = feature_model
    with http_server(create_app(path, api_key=KEY)) as url, httpx.Client(base_url=url) as c:
        assert c.get("/health").status_code == 200  # open: liveness probes carry no key
        body = {"instances": [[0.0] * 4]}
        routes = [("/predict", "POST"), ("/labels", "GET"), ("/metadata", "GET"),
                  ("/docs", "GET"), ("/openapi.json", "GET"), ("/nowhere", "GET")]  # fmt: skip
        for route, method in routes:
            r = c.request(method, route, json=body if method == "POST" else None)
            assert r.status_code == 401, route
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert r.json()["detail"][0]["loc"] == ["header", "authorization"]
        wrong = c.post("/predict", json=body, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "invalid_token" in wrong.headers["www-authenticate"]
        assert compared  # the key was compared in constant time
        basic = c.get("/labels", headers={"Authorization": f"Basic {KEY}"})
        assert basic.status_code == 401
        auth = {"Authorization": f"Bearer {KEY}"}
        assert c.post("/predict", json=body, headers=auth).status_code == 200
        schema = c.get("/openapi.json", headers=auth).json()
        assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        assert schema["paths"]["/predict"]["post"]["security"] == [{"HTTPBearer": []}]
        assert "security" not in schema["paths"]["/health"]["get"]


def test_no_key_means_no_auth(feature_model, make_client):
    path, _ = feature_model
    client = make_client(path)
    assert client.get("/labels").status_code == 200
    assert "securitySchemes" not in client.get("/openapi.json").json().get("components", {})


def _connect(url: str) -> socket.socket:
    parsed = urlparse(url)
    return socket.create_connection((parsed.hostname, parsed.port), timeout=10)


def _closed_within(sock: socket.socket, seconds: float) -> bytes | None:
    """What the server sent before closing, or None if it kept the connection open."""
    sock.settimeout(seconds)
    got = b""
    try:
        while chunk := sock.recv(4096):
            got += chunk
    except TimeoutError:
        return None
    return got


def test_slow_clients_are_closed(feature_model, http_server):
    from labelwise.serve import create_app

    path, _ = feature_model
    with http_server(create_app(path, read_timeout=0.5), read_timeout=0.5) as url:
        idle = _connect(url)  # connects and says nothing
        partial = _connect(url)  # half of its headers, then nothing
        partial.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\n")
        body_stall = _connect(url)  # all headers, half of the body
        body_stall.sendall(
            b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"instances"'
        )
        t0 = time.monotonic()
        assert _closed_within(idle, 5) == b""
        assert _closed_within(partial, 5) == b""
        answer = _closed_within(body_stall, 5)
        assert answer is not None and answer.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - t0 < 4
        for s in (idle, partial, body_stall):
            s.close()
        assert httpx.get(url + "/health").status_code == 200


def _requests(kind: str, rng: np.random.Generator, job_ads) -> list[tuple[bool, bytes]]:
    """(valid?, body) pairs: half valid, half invalid in assorted ways."""
    if kind == "features":
        good = [{"instances": rng.normal(size=(int(rng.integers(1, 20)), 4)).tolist()}
                for _ in range(10)]  # fmt: skip
        bad = [{"instances": [[0.1, "0.5", 0, 0]]}, {"instances": [[1.0, 2.0]]},
               {"texts": ["x"]}, {"instances": []},
               {"instances": [[0, 0, 0, 0]], "x": 1}]  # fmt: skip
    else:
        texts, _ = job_ads
        good = [{"texts": [texts[int(j)] for j in rng.integers(0, 10, size=3)]},
                {"texts": ["python developer in Berlin", "xyz"]}, {"texts": ["é" * 1000]},
                {"texts": [""]}, {"texts": ["Nurse in a London hospital"]}]  # fmt: skip
        bad = [{"texts": [1]}, {"texts": ["x" * 2001]}, {"instances": [[0.0]]},
               {"texts": "not a list"}, {"texts": ["a"] * 51}]  # fmt: skip
    pairs = [(True, json.dumps(b).encode()) for b in good]
    pairs += [(False, json.dumps(b).encode()) for b in bad]
    pairs += [(False, b'{"texts": ["\\ud800"]}'), (False, b"[" * 10_000), (False, b"{")]
    return pairs


@pytest.mark.filterwarnings("ignore::labelwise.errors.ProblemSetupWarning")  # the empty text
@pytest.mark.parametrize("kind", ["features", "text"])
def test_load_mixed_valid_and_invalid(kind, feature_model, text_model, http_server, job_ads):
    from labelwise.serve import create_app

    path = (feature_model if kind == "features" else text_model)[0]
    pairs = _requests(kind, np.random.default_rng(0), job_ads)
    n_clients, per_client = 8, 25
    outcomes: list[tuple[bool, int]] = []
    lock = threading.Lock()

    def client(k: int, url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as c:
            for i in range(per_client):
                valid, body = pairs[(k * per_client + i) % len(pairs)]
                try:
                    status = c.post(
                        "/predict", content=body, headers={"content-type": "application/json"}
                    ).status_code
                except httpx.HTTPError:
                    status = -1
                with lock:
                    outcomes.append((valid, status))

    app = create_app(path, max_batch=50, max_text_chars=2000)
    with http_server(app) as url:
        threads = [threading.Thread(target=client, args=(k, url)) for k in range(n_clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert time.monotonic() - t0 < 120 and not any(t.is_alive() for t in threads)
        assert httpx.get(url + "/health").status_code == 200
    assert len(outcomes) == n_clients * per_client
    assert [s for v, s in outcomes if v and s != 200] == []  # 0 errors on valid requests
    assert [s for v, s in outcomes if not v and not 400 <= s < 500] == []  # 0 5xx overall
    assert sum(not v for v, _ in outcomes) >= 50
