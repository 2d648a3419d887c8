"""What the server answers to requests a client can send, in process: bounds, strict values, label
lists per instance, and never a 500 for the client's input."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from labelwise.errors import ModelFileError

JSON = {"content-type": "application/json"}


def _detail(r) -> dict:
    return r.json()["detail"][0]


# -- label lists per instance ------------------------------------------------------------------


def test_text_model_answers_ragged_label_sets(text_model, make_client):
    path, model = text_model
    client = make_client(path)
    texts = ["python developer in Berlin", "xyz", "Nurse in a London hospital"]
    expected = model.predict(texts)
    assert len({len(e) for e in expected}) > 1  # the case that was a 500: different lengths
    r = client.post("/predict", json={"texts": texts, "return_all_scores": True})
    assert r.status_code == 200, r.text
    S = model.predict_proba(texts)
    names = list(model.classes_)
    for i, pred in enumerate(r.json()["predictions"]):
        assert sorted(pred["labels"]) == sorted(expected[i])
        assert pred["scores"] == sorted(pred["scores"], reverse=True)
        for label, score in zip(pred["labels"], pred["scores"], strict=True):
            assert score == pytest.approx(S[i, names.index(label)], rel=1e-12)


# -- strict values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"), [('"0.5"', "float_type"), ("true", "float_type"), ("null", "float_type"),
                        ("1e400", "finite_number"), ("-Infinity", "finite_number"),
                        ("1e39", "less_than_equal")],
)  # fmt: skip
def test_feature_values_must_be_finite_numbers(feature_model, make_client, value, kind):
    path, _ = feature_model
    body = '{"instances": [[0, 0, 0, 0], [0.1, ' + value + ", 0, 0]]}"
    r = make_client(path).post("/predict", content=body, headers=JSON)
    assert r.status_code == 422, r.text
    assert _detail(r)["loc"] == ["body", "instances", 1, 1]
    assert _detail(r)["type"] == kind


def test_integers_are_numbers(feature_model, make_client):
    path, model = feature_model
    r = make_client(path).post("/predict", json={"instances": [[1, 0, -2, 3]]})
    assert r.status_code == 200
    S = model.predict_proba(np.array([[1.0, 0, -2, 3]]))
    all_scores = make_client(path).post(
        "/predict", json={"instances": [[1, 0, -2, 3]], "return_all_scores": True}
    )
    assert list(all_scores.json()["predictions"][0]["all_scores"].values()) == pytest.approx(S[0])


def test_return_all_scores_is_strictly_boolean(feature_model, make_client):
    path, _ = feature_model
    r = make_client(path).post(
        "/predict", json={"instances": [[0, 0, 0, 0]], "return_all_scores": "yes"}
    )
    assert r.status_code == 422 and _detail(r)["loc"] == ["body", "return_all_scores"]


@pytest.mark.parametrize(
    "body",
    ['{"texts": ["\\ud800"]}', '{"texts": ["ok", "a\\udfffb"]}', '{"\\ud800": 1}',
     '{"texts": ["ok"], "x\\ud834": ["\\ud800"]}'],
)  # fmt: skip
def test_lone_surrogates_are_a_422_that_can_be_encoded(text_model, make_client, body):
    path, _ = text_model
    r = make_client(path).post("/predict", content=body, headers=JSON)
    assert r.status_code == 422, r.text
    assert _detail(r)["loc"] == ["body"] and "surrogate" in _detail(r)["msg"]
    r.content.decode("utf-8")  # the answer is valid UTF-8


def test_echoed_inputs_are_short_and_encodable(text_model, make_client):
    path, _ = text_model
    r = make_client(path).post("/predict", json={"texts": ["ok", 5], "extra": "é" * 500})
    assert r.status_code == 422
    for entry in r.json()["detail"]:
        assert len(str(entry.get("input"))) <= 80


@pytest.mark.parametrize(
    "body", ["[" * 100_000, '{"instances": [[' + "9" * 5000 + "]]}", '{"instances": ' + "[" * 5000]
)
def test_deep_nesting_and_huge_numbers_are_invalid_json(feature_model, make_client, body):
    path, _ = feature_model
    r = make_client(path).post("/predict", content=body, headers=JSON)
    assert r.status_code == 422 and _detail(r)["type"] == "json_invalid"


# -- bounds ---------------------------------------------------------------------------------------


def test_text_above_max_text_chars_is_named(text_model, make_client):
    path, _ = text_model
    client = make_client(path, max_text_chars=50)
    r = client.post("/predict", json={"texts": ["short", "x" * 51]})
    assert r.status_code == 413
    assert _detail(r)["loc"] == ["body", "texts", 1]
    assert "--max-text-chars" in _detail(r)["msg"] and "50" in _detail(r)["msg"]
    assert client.post("/predict", json={"texts": ["short", "x" * 50]}).status_code == 200


@pytest.mark.parametrize("field", ["texts", "instances"])
def test_batch_above_max_batch_at_validation(feature_model, text_model, make_client, field):
    path = (text_model if field == "texts" else feature_model)[0]
    item = "a text" if field == "texts" else [0.0] * 4
    client = make_client(path, max_batch=3)
    r = client.post("/predict", json={field: [item] * 4})
    assert r.status_code == 413
    assert _detail(r)["loc"] == ["body", field]
    assert "4 instances" in _detail(r)["msg"] and "--max-batch" in _detail(r)["msg"]
    assert client.post("/predict", json={field: [item] * 3}).status_code == 200
    schema = client.get("/openapi.json").json()["paths"]["/predict"]["post"]["requestBody"]
    declared = schema["content"]["application/json"]["schema"]["properties"][field]
    assert declared["anyOf"][0]["maxItems"] == 3  # the bound is documented


def test_body_above_max_body_by_content_length(feature_model, make_client):
    path, _ = feature_model
    client = make_client(path, max_body=1000)
    r = client.post("/predict", content=b"[" + b" " * 1000 + b"]", headers=JSON)
    assert r.status_code == 413
    assert _detail(r)["loc"] == ["body"] and "--max-body" in _detail(r)["msg"]
    assert r.headers["connection"] == "close"
    rows = {"instances": [[0.0] * 4] * 5}
    assert client.post("/predict", json=rows).status_code == 200


def test_streamed_body_above_max_body(feature_model, make_client):
    path, _ = feature_model
    client = make_client(path, max_body=1000)

    def chunks():  # no Content-Length: sent chunked
        yield b'{"instances": ['
        for _ in range(100):
            yield b"[0.0, 0.0, 0.0, 0.0],"

    r = client.post("/predict", content=chunks(), headers=JSON)
    assert r.status_code == 413 and "1000" in _detail(r)["msg"]


def _call(guard, scope_headers, messages, *, wait_after: bool = False):
    """Run an ASGI app on a fake connection; the messages it sent and how many reads it made."""
    sent, reads = [], []

    async def receive():
        reads.append(1)
        if len(reads) <= len(messages):
            return messages[len(reads) - 1]
        if wait_after:
            await asyncio.sleep(3600)  # a client that stopped sending
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/predict", "headers": scope_headers}
    asyncio.run(guard(scope, receive, send))
    return sent, len(reads)


def _never_called(scope, receive, send):
    raise AssertionError("the app behind the guard must not run")


def test_declared_length_is_refused_before_any_byte_is_read():
    from labelwise.serve._guard import RequestGuard

    guard = RequestGuard(_never_called, max_body=100, read_timeout=5)
    sent, reads = _call(guard, [(b"content-length", b"101")], [])
    assert reads == 0 and sent[0]["status"] == 413


def test_stream_is_cut_as_soon_as_it_passes_the_bound():
    from labelwise.serve._guard import RequestGuard

    guard = RequestGuard(_never_called, max_body=100, read_timeout=5)
    endless = [{"type": "http.request", "body": b"x" * 30, "more_body": True}] * 1000
    sent, reads = _call(guard, [], endless)
    assert reads == 4 and sent[0]["status"] == 413  # 120 bytes read, not 30,000


def test_a_client_that_stops_sending_gets_408():
    from labelwise.serve._guard import RequestGuard

    guard = RequestGuard(_never_called, max_body=100, read_timeout=0.2)
    first = [{"type": "http.request", "body": b"{", "more_body": True}]
    sent, _ = _call(guard, [], first, wait_after=True)
    assert sent[0]["status"] == 408
    assert "--read-timeout" in json.loads(sent[1]["body"])["detail"][0]["msg"]


# -- the model's own failures ---------------------------------------------------------------------


def test_model_failing_at_predict_is_a_500_without_traceback(feature_model, make_client):
    path, _ = feature_model
    client = make_client(path)
    served = client.app.state.served

    def broken(X):
        raise ZeroDivisionError("deep inside the model")

    served.model = type("Broken", (), {"predict_proba": staticmethod(broken)})()
    r = client.post("/predict", json={"instances": [[0.0] * 4]})
    assert r.status_code == 500
    assert "server's log" in r.json()["detail"]
    assert "Traceback" not in r.text and "ZeroDivisionError" not in r.text
    assert client.get("/health").status_code == 200


def test_a_model_that_cannot_predict_does_not_start(feature_model, monkeypatch):
    import labelwise.persist
    from labelwise.serve import create_app

    path, model = feature_model

    class LoadsButCannotPredict:  # what a loader that trusted too much could hand over
        classes_ = model.classes_
        n_features_in_ = 4

        def predict_proba(self, X):
            raise AttributeError("'NoneType' object has no attribute 'coef_'")

    monkeypatch.setattr(labelwise.persist, "load", lambda *a, **k: LoadsButCannotPredict())
    with pytest.raises(ModelFileError, match=r"features\.lw: the model fails to predict a row"):
        create_app(path)


def test_health_reports_the_bounds(feature_model, make_client):
    path, _ = feature_model
    health = make_client(path, max_batch=7, max_text_chars=9, max_body=2048).get("/health").json()
    assert (health["max_batch"], health["max_text_chars"], health["max_body"]) == (7, 9, 2048)
    assert health["status"] == "ok" and health["n_features"] == 4
