"""Small models for the server's tests, and ways to speak to them: in process and over HTTP."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("httpx")

FEATURE_LABELS = ["a", "b", "c"]
N_FEATURES = 4


@pytest.fixture(scope="session")
def feature_model(tmp_path_factory) -> tuple[Path, object]:
    """Binary relevance over logistic regression on 60 rows of 4 features, 3 labels; its file."""
    from labelwise.models import BinaryRelevance
    from labelwise.persist import save

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, N_FEATURES))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0.3, X[:, 0] + X[:, 2] > 0]).astype(int)
    model = BinaryRelevance().fit(X, Y)
    path = tmp_path_factory.mktemp("serve-models") / "features.lw"
    save(model, path, metadata={"label_names": FEATURE_LABELS})
    return path, model


@pytest.fixture(scope="session")
def text_model(tmp_path_factory, job_ads) -> tuple[Path, object]:
    """``TfidfClassifier`` fitted on the README's job ads and saved as the README does."""
    from labelwise.persist import save
    from labelwise.text import TfidfClassifier

    model = TfidfClassifier().fit(*job_ads)
    path = tmp_path_factory.mktemp("serve-models") / "text.lw"
    save(model, path)
    return path, model


def _client_for(path: Path, **options):
    """An in-process client (no socket) for ``create_app(path, **options)``."""
    from fastapi.testclient import TestClient

    from labelwise.serve import create_app

    return TestClient(create_app(path, **options), raise_server_exceptions=False)


@contextlib.contextmanager
def _http_server(app, *, read_timeout: float = 30.0) -> Iterator[str]:
    """``app`` on a real uvicorn server on a free loopback port, in a thread; yields its URL."""
    from labelwise.serve._runner import bind, server

    sock = bind("127.0.0.1", 0)
    srv = server(app, read_timeout=read_timeout, timeout_keep_alive=5)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(timeout=20)
        sock.close()


@pytest.fixture(scope="session")
def make_client():
    """``make_client(path, **options)``: an in-process client for ``create_app``."""
    return _client_for


@pytest.fixture(scope="session")
def http_server():
    """``with http_server(app, read_timeout=...) as url``: a real uvicorn server in a thread."""
    return _http_server
