"""The prediction server's routes and error handlers, as module-level functions over app state.

Each route reads what it needs from ``request.app.state.lw`` (a :class:`ServerState`); nothing
here knows how the app was built. ``POST /predict`` validates the body from its bytes against
the state's request model, predicts in a worker thread (at most ``predict_threads`` at once, so
the event loop keeps answering ``/health`` and timing out slow clients), and shapes the answer.
Every request a client can send gets a 2xx or a 4xx whose ``detail`` names the field; a 500 means
the model failed on validated input, and says so without a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import anyio
import numpy as np
from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from labelwise.errors import LabelwiseError
from labelwise.serve._model import ServedModel
from labelwise.serve._schemas import (
    Health,
    LabelsResponse,
    Prediction,
    PredictResponse,
)

__all__ = [
    "ServerState",
    "health",
    "labels",
    "metadata",
    "model_failed",
    "predict",
]

_log = logging.getLogger("labelwise.serve")
_SHOWN_INPUT_CHARS = 80


@dataclass
class ServerState:
    """What the routes need: the served model, its request model and the server's bounds."""

    served: ServedModel
    request_model: type[BaseModel]
    max_batch: int
    max_text_chars: int
    max_body: int
    rule: dict[str, Any]
    limiter: anyio.CapacityLimiter = field(repr=False)


class _RequestError(Exception):
    """A 4xx to answer, with the ``detail`` list FastAPI uses for its own 422s."""

    def __init__(self, status: int, detail: list[dict[str, Any]]) -> None:
        super().__init__(status)
        self.status, self.detail = status, detail


def _error(status: int, loc: list[Any], msg: str, kind: str) -> _RequestError:
    return _RequestError(status, [{"loc": loc, "msg": msg, "type": kind}])


def _printable(value: Any) -> Any:
    """``value`` made safe to echo as JSON: short, no lone surrogates, no NaN, no containers."""
    if isinstance(value, str):
        text = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return text if len(text) <= _SHOWN_INPUT_CHARS else text[: _SHOWN_INPUT_CHARS - 3] + "..."
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return None  # a list, a dict or the raw body: the client has it already


def _validation_detail(err: ValidationError, state: ServerState) -> _RequestError:
    """pydantic's errors as a 413 (a bound was passed) or a 422, each naming its field."""
    too_large, invalid = [], []
    for e in err.errors(include_url=False):
        loc = ["body", *(_printable(part) for part in e["loc"])]
        kind, msg = e["type"], _printable(e["msg"])
        if kind == "too_long" and len(loc) == 2:
            n = (e.get("ctx") or {}).get("actual_length")
            many = f"{n} instances" if n is not None else "more instances"
            msg = (
                f"{many} in one request; this server takes at most {state.max_batch} "
                "(--max-batch). Split the batch."
            )
            too_large.append({"loc": loc, "msg": msg, "type": "batch_too_large"})
        elif kind == "string_too_long":
            msg = (
                f"text {loc[-1]} is longer than {state.max_text_chars} characters "
                "(--max-text-chars)."
            )
            too_large.append({"loc": loc, "msg": msg, "type": "text_too_long"})
        else:
            if kind == "json_invalid" and "escape" in msg:
                msg += " (a lone UTF-16 surrogate such as \\ud800 is not a character)"
            entry = {"loc": loc, "msg": msg, "type": kind}
            if kind != "json_invalid" and "input" in e:
                entry["input"] = _printable(e["input"])
            invalid.append(entry)
    return _RequestError(413, too_large) if too_large else _RequestError(422, invalid)


def _inputs(req: Any, served: ServedModel) -> tuple[str, Any]:
    """The request's field name and the model's input (an array or a list of texts)."""
    field_name = "texts" if req.texts is not None else "instances"
    batch = req.texts if req.texts is not None else req.instances
    if len(batch) == 0:
        raise _error(422, ["body", field_name], "the batch is empty.", "empty_batch")
    if served.input == "text":
        if req.texts is None:
            raise _error(
                422, ["body", "instances"], "this model reads raw texts; send 'texts'.",
                "wrong_input_kind",
            )  # fmt: skip
        return field_name, list(req.texts)
    if req.instances is None:
        raise _error(
            422, ["body", "texts"], "this model reads feature rows; send 'instances'.",
            "wrong_input_kind",
        )  # fmt: skip
    expected = served.n_features  # known: ServedModel refuses a feature model without it
    for i, row in enumerate(req.instances):
        if len(row) != expected:
            raise _error(
                422,
                ["body", "instances", i],
                f"instance {i} has {len(row)} features; the model was trained on {expected}.",
                "wrong_feature_count",
            )
    return field_name, np.asarray(req.instances, dtype=np.float64)


def _answer(body: bytes, state: ServerState) -> PredictResponse:
    """Validate, predict and shape: the whole of ``POST /predict`` once the body is in."""
    try:
        req: Any = state.request_model.model_validate_json(body)
    except ValidationError as err:
        raise _validation_detail(err, state) from None
    served = state.served
    field_name, X = _inputs(req, served)
    try:
        S, decided = served.predict(X)
    except LabelwiseError as err:
        raise _error(422, ["body", field_name], str(err), "labelwise_error") from None
    finite = np.isfinite(S).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise _error(
            422,
            ["body", field_name, i],
            f"the model's scores for instance {i} are not finite; its values are outside what "
            "the model can handle.",
            "scores_not_finite",
        )
    names = served.label_names
    out = []
    for i, cols in enumerate(decided):
        order = sorted(cols, key=lambda j: -S[i, j])
        out.append(
            Prediction(
                labels=[names[j] for j in order],
                scores=[float(S[i, j]) for j in order],
                all_scores=dict(zip(names, S[i].tolist(), strict=True))
                if req.return_all_scores
                else None,
            )
        )
    return PredictResponse(predictions=out, decision_rule=state.rule)


async def predict(request: Request) -> Any:
    """Predicted labels and scores for each instance, in request order."""
    state: ServerState = request.app.state.lw
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        return _respond(
            _error(
                415,
                ["header", "content-type"],
                "send the body as JSON with Content-Type: application/json (got "
                f"{_printable(media)!r}).",
                "unsupported_media_type",
            )
        )
    body = await request.body()  # already read, and bounded, by RequestGuard
    try:
        return await anyio.to_thread.run_sync(_answer, body, state, limiter=state.limiter)
    except _RequestError as err:
        return _respond(err)


def _respond(err: _RequestError) -> JSONResponse:
    return JSONResponse({"detail": err.detail}, status_code=err.status)


def labels(request: Request) -> LabelsResponse:
    """The model's label names, in score-column order."""
    return LabelsResponse(labels=request.app.state.lw.served.label_names)


def health(request: Request) -> Health:
    """Liveness: the model is loaded, passed its self-check at startup, and the server answers."""
    state: ServerState = request.app.state.lw
    return Health(
        status="ok",
        model=state.served.path.name,
        input=state.served.input,
        n_labels=len(state.served.label_names),
        n_features=state.served.n_features,
        max_batch=state.max_batch,
        max_text_chars=state.max_text_chars,
        max_body=state.max_body,
    )


def metadata(request: Request) -> dict[str, Any]:
    """The model file's metadata (see :mod:`labelwise.persist`)."""
    return request.app.state.lw.served.metadata


def model_failed(request: Request, err: Exception) -> JSONResponse:
    """A 500 for an exception the model raised on validated input: logged, no traceback sent."""
    _log.error("the model failed on %s %s", request.method, request.url.path, exc_info=err)
    return JSONResponse(
        {"detail": "the model failed to answer this request; the server's log has the details."},
        status_code=500,
    )
