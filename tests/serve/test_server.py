"""The prediction server, started for real (``labelwise serve``) and spoken to over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from labelwise.datasets import load  # noqa: E402
from labelwise.decision import FixedThreshold  # noqa: E402
from labelwise.models import BinaryRelevance  # noqa: E402
from labelwise.persist import save  # noqa: E402

CLI = [sys.executable, "-c", "from labelwise.cli import main; main()"]
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(model: Path, *extra: str):
    """Start ``labelwise serve`` in its own process group; wait for /health."""
    port = _free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", str(model), "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _out, err = proc.communicate()
            raise RuntimeError(f"server exited with {proc.returncode}: {err.decode()}")
        try:
            if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"server did not answer /health within {START_TIMEOUT} s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@pytest.fixture(scope="module")
def emotions():
    return load("emotions", split="train"), load("emotions", split="test")


@pytest.fixture(scope="module")
def feature_server(tmp_path_factory, emotions):
    train, _ = emotions
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # unscaled features; fine for a test
        model = BinaryRelevance(decision_rule=FixedThreshold(0.3)).fit(train.X, train.Y)
    path = tmp_path_factory.mktemp("serve") / "emotions.lw"
    save(model, path, metadata={"label_names": list(train.label_names)})
    proc, url = _start(path, "--max-batch", "50")
    with httpx.Client(base_url=url, timeout=30.0) as client:
        yield client, model, train
    _stop(proc)


def _post(client, body, **kw):
    return client.post("/predict", content=body if isinstance(body, (str, bytes)) else
                       json.dumps(body), headers=kw.pop("headers", {"content-type":
                       "application/json"}), **kw)  # fmt: skip


def test_predict_matches_model(feature_server, emotions):
    client, model, train = feature_server
    X = emotions[1].X[:20]
    r = _post(client, {"instances": X.tolist(), "return_all_scores": True})
    assert r.status_code == 200, r.text
    body = r.json()
    S, P = model.predict_proba(X), model.predict(X)
    names = list(train.label_names)
    assert body["decision_rule"]["class"].endswith("FixedThreshold")
    assert body["decision_rule"]["params"] == {"threshold": 0.3}
    for i, pred in enumerate(body["predictions"]):
        assert sorted(pred["labels"]) == sorted(names[j] for j in np.flatnonzero(P[i]))
        expected = {names[j]: S[i, j] for j in np.flatnonzero(P[i])}
        assert pred["scores"] == sorted(pred["scores"], reverse=True)
        for label, score in zip(pred["labels"], pred["scores"], strict=True):
            assert score == pytest.approx(expected[label], rel=1e-12)
        assert np.allclose([pred["all_scores"][n] for n in names], S[i], rtol=1e-12)


def test_labels_health_metadata_docs(feature_server):
    client, _model, train = feature_server
    assert client.get("/labels").json() == {"labels": list(train.label_names)}
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["n_features"] == 72 and health["max_batch"] == 50
    meta = client.get("/metadata").json()
    assert meta["format"] == "labelwise-model" and meta["n_features"] == 72
    assert meta["label_names"] == list(train.label_names)
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/predict" in schema["paths"]


def _detail(r) -> dict:
    return r.json()["detail"][0]


def test_wrong_feature_count_names_the_row(feature_server):
    client, _, train = feature_server
    rows = train.X[:3].tolist()
    rows[1] = rows[1][:-1]
    r = _post(client, {"instances": rows})
    assert r.status_code == 422
    assert _detail(r)["loc"] == ["body", "instances", 1]
    assert "71 features" in _detail(r)["msg"] and "72" in _detail(r)["msg"]


def test_unknown_field(feature_server):
    client, _, train = feature_server
    r = _post(client, {"instances": train.X[:1].tolist(), "threshold": 0.2})
    assert r.status_code == 422
    assert _detail(r)["loc"] == ["body", "threshold"]
    assert _detail(r)["type"] == "extra_forbidden"


@pytest.mark.parametrize("token", ["NaN", '"NaN"', "Infinity", '"inf"'])
def test_nan_is_refused_with_its_position(feature_server, token):
    client, _, train = feature_server
    row = json.dumps(train.X[0].tolist())
    row = "[" + row[1:].replace(row[1:].split(",")[0], token, 1)  # replace the first value
    body = '{"instances": [' + json.dumps(train.X[1].tolist()) + ", " + row + "]}"
    r = _post(client, body)
    assert r.status_code == 422, r.text
    assert _detail(r)["loc"] == ["body", "instances", 1, 0]
    # the tokens are finite-number errors; quoted, they are not numbers at all (strict)
    expected = "finite" if token[0] != '"' else "valid number"
    assert expected in _detail(r)["msg"]


def test_wrong_content_type(feature_server):
    client, _, train = feature_server
    body = json.dumps({"instances": train.X[:1].tolist()})
    r = _post(client, body, headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert _detail(r)["loc"] == ["header", "content-type"]
    r = client.post("/predict", data={"instances": "1"})  # a form post
    assert r.status_code == 415


def test_batch_above_max_batch(feature_server):
    client, _, train = feature_server
    rows = np.repeat(train.X[:1], 51, axis=0).tolist()
    r = _post(client, {"instances": rows})
    assert r.status_code == 413
    assert _detail(r)["loc"] == ["body", "instances"] and "50" in _detail(r)["msg"]
    assert _post(client, {"instances": rows[:50]}).status_code == 200


def test_texts_to_a_feature_model_and_both_kinds(feature_server):
    client, _, train = feature_server
    r = _post(client, {"texts": ["hello"]})
    assert r.status_code == 422 and _detail(r)["loc"] == ["body", "texts"]
    r = _post(client, {"instances": train.X[:1].tolist(), "texts": ["x"]})
    assert r.status_code == 422
    r = _post(client, "{not json")
    assert r.status_code == 422


def test_keeps_serving_after_bad_requests(feature_server):
    client, _model, train = feature_server
    for bad in ({"instances": [[1.0]]}, {"nope": 1}, "[1, 2"):
        assert 400 <= _post(client, bad).status_code < 500
    r = _post(client, {"instances": train.X[:2].tolist()})
    assert r.status_code == 200 and len(r.json()["predictions"]) == 2


@pytest.fixture(scope="module")
def text_server(tmp_path_factory):
    from labelwise.text import TfidfClassifier

    texts = ["cheap oil prices fall", "oil output rises", "wheat harvest grows",
             "grain and wheat exports", "oil and wheat trade", "crude oil supply"]  # fmt: skip
    labels = [["oil"], ["oil"], ["grain"], ["grain"], ["oil", "grain"], ["oil"]]
    model = TfidfClassifier(decision_rule=FixedThreshold(0.5)).fit(texts, labels)
    path = tmp_path_factory.mktemp("serve") / "text.lw"
    save(model, path)
    proc, url = _start(path)
    with httpx.Client(base_url=url, timeout=30.0) as client:
        yield client, model
    _stop(proc)


def test_text_model(text_server):
    client, model = text_server
    queries = ["oil prices", "wheat exports"]
    r = _post(client, {"texts": queries})
    assert r.status_code == 200, r.text
    expected = model.predict(queries)
    got = [p["labels"] for p in r.json()["predictions"]]
    assert [sorted(g) for g in got] == [sorted(e) for e in expected]
    assert client.get("/labels").json()["labels"] == ["grain", "oil"]


def test_non_string_text(text_server):
    client, _ = text_server
    r = _post(client, {"texts": ["fine", 3]})
    assert r.status_code == 422
    assert _detail(r)["loc"] == ["body", "texts", 1]
    r = _post(client, {"instances": [[1.0, 2.0]]})
    assert r.status_code == 422 and _detail(r)["loc"] == ["body", "instances"]


def test_refuses_to_start_on_a_path_that_is_not_a_model(tmp_path):
    bogus = tmp_path / "model.lw"
    bogus.write_text("not a model")
    proc = subprocess.run(
        [*CLI, "serve", str(bogus), "--port", str(_free_port())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "Error:" in proc.stderr and "model.lw" in proc.stderr
    assert "Traceback" not in proc.stderr
    missing = subprocess.run(
        [*CLI, "serve", str(tmp_path / "absent.lw")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode != 0 and "no such model file" in missing.stderr
