"""Property: no request a client can send makes the server answer 5xx, and it answers after.

Generated requests (in process, through the whole ASGI stack): arbitrary JSON values, bodies
shaped like predictions with wrong types, nesting, huge and non-finite numbers, unicode and lone
surrogates, empty lists and extra fields, raw bytes, other routes and content types.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

JSON = {"content-type": "application/json"}

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, -0.0, 5e-324, 1.7976931348623157e308, 3.5e38, -3.4e38]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=30))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=40,
)
rows = st.lists(st.lists(st.one_of(numbers, scalars), min_size=0, max_size=6), max_size=6)
texts = st.lists(st.one_of(st.text(max_size=200), scalars), max_size=6)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "instances": st.one_of(rows, json_values),
        "texts": st.one_of(texts, json_values),
        "return_all_scores": st.one_of(st.booleans(), scalars),
        "extra": json_values,
    },
)


@st.composite
def bodies(draw) -> bytes:
    """A request body: usually JSON-like text, sometimes with lone surrogates or broken."""
    kind = draw(st.sampled_from(["shaped", "shaped", "shaped", "any", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    value = draw(shaped if kind == "shaped" else json_values)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))  # NaN/Infinity tokens included
    if draw(st.booleans()) and '"' in text:  # a lone surrogate inside a string
        at = text.index('"') + 1
        text = text[:at] + draw(st.sampled_from(["\\ud800", "\\udfff", "\\ud83d"])) + text[at:]
    if draw(st.integers(0, 9)) == 0:  # truncated
        text = text[: draw(st.integers(0, len(text)))]
    return text.encode("utf-8", "surrogatepass")


ROUTES = ["POST /predict"] * 6 + ["GET /labels", "GET /health", "GET /metadata", "POST /labels",
                                  "PUT /predict", "GET /predict", "POST /nope"]  # fmt: skip
requests = st.tuples(
    st.sampled_from(ROUTES),
    st.sampled_from(["application/json"] * 5 + ["text/plain", "application/x+json", ""]),
    bodies(),
)


def _check(client, request) -> None:
    route, media, body = request
    method, path = route.split(" ")
    r = client.request(method, path, content=body, headers={"content-type": media})
    assert r.status_code < 500, (route, body, r.text)
    if r.status_code in (413, 415, 422):
        detail = r.json()["detail"]
        assert detail and all("loc" in d and d["loc"][0] in ("body", "header") for d in detail)


@pytest.fixture(scope="module")
def clients(feature_model, text_model, make_client):
    return {
        "features": make_client(feature_model[0], max_batch=5, max_text_chars=100),
        "text": make_client(text_model[0], max_batch=5, max_text_chars=100),
    }


@pytest.mark.filterwarnings("ignore::labelwise.errors.ProblemSetupWarning")  # empty texts
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow inside the linear model
@pytest.mark.parametrize("kind", ["features", "text"])
@settings(max_examples=150, deadline=None)
@given(request=requests)
def test_no_5xx_for_any_request(clients, kind, request):
    client = clients[kind]
    _check(client, request)
    assert client.get("/health").status_code == 200
