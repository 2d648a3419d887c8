"""The prediction server's app factory: one loaded model behind a FastAPI app.

The model is read once, with the safe loader (:func:`labelwise.persist.load`), and asked for one
self-check prediction when the app is made; a path that is not a model file, or a model that
cannot predict, raises there, before anything listens. The routes (:mod:`._routes`) only check
requests and shape answers: scores come from the model's ``predict_proba``, label sets from its
own ``predict`` (so its own decision rule decides), nothing is re-implemented here. In front of
the app, :class:`._guard.RequestGuard` bounds what a request may cost before it is read.
"""

from __future__ import annotations

import os
from typing import Any

from labelwise.serve._model import ServedModel

__all__ = ["DEFAULT_LIMITS", "ServedModel", "create_app"]

#: The bounds a server has unless told otherwise (``labelwise serve`` shows them in ``--help``).
DEFAULT_LIMITS: dict[str, Any] = {
    "max_batch": 1000,
    "max_text_chars": 100_000,
    "max_body": 4 * 1024 * 1024,
    "read_timeout": 30.0,
    "predict_threads": 2,
}


def create_app(
    model_path: str | os.PathLike,
    *,
    max_batch: int = DEFAULT_LIMITS["max_batch"],
    max_text_chars: int = DEFAULT_LIMITS["max_text_chars"],
    max_body: int = DEFAULT_LIMITS["max_body"],
    read_timeout: float = DEFAULT_LIMITS["read_timeout"],
    api_key: str | None = None,
    predict_threads: int = DEFAULT_LIMITS["predict_threads"],
    trusted: list[str] | None = None,
) -> Any:
    """A FastAPI app that serves the model in ``model_path``.

    Endpoints: ``POST /predict`` (``{"instances": [[...], ...]}`` or ``{"texts": [...]}``; per
    instance the predicted label names and their scores, and the decision rule used),
    ``GET /labels``, ``GET /health``, ``GET /metadata`` (the model file's metadata), and the
    OpenAPI page at ``/docs``. Every request gets a 2xx or a 4xx whose ``detail`` names the
    field: 401 without the API key (when one is set), 408 for a body that does not arrive within
    ``read_timeout``, 413 for a body above ``max_body`` bytes (refused before it is read), more
    than ``max_batch`` instances or a text above ``max_text_chars`` characters, 415 for a body
    that is not JSON, 422 for a malformed body (invalid JSON, an unknown field, a value that is
    not a finite number, a text that is not a string, a wrong number of features).

    Parameters
    ----------
    model_path : str or path-like
        A labelwise model file; loaded once, now, with the safe loader, and self-checked.
    max_batch : int, default=1000
        The most instances one request may carry.
    max_text_chars : int, default=100000
        The most characters one text may have.
    max_body : int, default=4194304
        The most bytes one request body may have (4 MiB).
    read_timeout : float, default=30.0
        Seconds a client has to send a request's body once its headers are in.
    api_key : str, optional
        When given, every route but ``/health`` needs ``Authorization: Bearer <api_key>``.
    predict_threads : int, default=2
        The most predictions computed at once; other requests wait their turn, which bounds
        the memory predictions take.
    trusted : list of str, optional
        Extra types to trust when loading (see :func:`labelwise.persist.load`).

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ModelFileError
        ``model_path`` is not a loadable model file, or its model fails to predict.
    ValueError
        A bound is not positive, or ``api_key`` is empty.
    ImportError
        FastAPI is not installed (``pip install "labelwise[serve]"``).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from labelwise.models import BinaryRelevance
    >>> from labelwise.persist import save
    >>> X, Y = np.array([[0.0, 1], [1, 0]] * 4), np.array([[0, 1], [1, 0]] * 4)
    >>> path = os.path.join(tempfile.mkdtemp(), "m.lw")
    >>> save(BinaryRelevance().fit(X, Y), path, metadata={"label_names": ["a", "b"]})
    >>> app = create_app(path, max_batch=10)
    >>> sorted(r.path for r in app.routes if r.path in ("/predict", "/labels", "/health"))
    ['/health', '/labels', '/predict']
    >>> from fastapi.testclient import TestClient
    >>> TestClient(app).post("/predict", json={"instances": [[0.0, 1.0]]}).json()["predictions"]
    [{'labels': ['b'], 'scores': [...], 'all_scores': None}]
    """
    try:
        import anyio
        from fastapi import Depends, FastAPI
        from fastapi.security import HTTPBearer
    except ImportError as err:
        raise ImportError(
            f'the prediction server needs FastAPI: pip install "labelwise[serve]" ({err})'
        ) from None

    from labelwise import __version__
    from labelwise.serve import _routes
    from labelwise.serve._guard import RequestGuard
    from labelwise.serve._schemas import (
        Health,
        LabelsResponse,
        PredictResponse,
        predict_request_model,
    )

    bounds = {
        "max_batch": max_batch,
        "max_text_chars": max_text_chars,
        "max_body": max_body,
        "read_timeout": read_timeout,
        "predict_threads": predict_threads,
    }
    for name, value in bounds.items():
        if not value > 0:  # also refuses NaN
            raise ValueError(f"{name} must be positive; got {value!r}.")
    if api_key is not None and not api_key.strip():
        raise ValueError("api_key is empty.")
    served = ServedModel(model_path, trusted=trusted)
    request_model = predict_request_model(int(max_batch), int(max_text_chars))
    state = _routes.ServerState(
        served=served,
        request_model=request_model,
        max_batch=int(max_batch),
        max_text_chars=int(max_text_chars),
        max_body=int(max_body),
        rule=served.decision_rule(),
        limiter=anyio.CapacityLimiter(int(predict_threads)),
    )
    auth = "" if api_key is None else " Every route but `/health` needs `Authorization: Bearer`."
    app = FastAPI(
        title="labelwise prediction server",
        version=__version__,
        description=(
            f"Serves the model in `{served.path.name}` ({served.input} input, "
            f"{len(served.label_names)} labels). Decisions use the model's own rule. Bodies of "
            f"at most {int(max_body)} bytes, {int(max_batch)} instances, {int(max_text_chars)} "
            f"characters per text.{auth}"
        ),
    )
    # RequestGuard checks the key before the body is read; this declares it in the OpenAPI schema
    secured = (
        []
        if api_key is None
        else [Depends(HTTPBearer(auto_error=False, description="The server's API key."))]
    )
    schema = request_model.model_json_schema()
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    app.add_api_route(
        "/predict",
        _routes.predict,
        methods=["POST"],
        response_model=PredictResponse,
        dependencies=secured,
        openapi_extra={"requestBody": body},
    )
    app.add_api_route(
        "/labels", _routes.labels, response_model=LabelsResponse, dependencies=secured
    )
    app.add_api_route("/health", _routes.health, response_model=Health)
    app.add_api_route("/metadata", _routes.metadata, dependencies=secured)
    app.add_exception_handler(Exception, _routes.model_failed)
    app.add_middleware(
        RequestGuard,
        max_body=int(max_body),
        read_timeout=float(read_timeout),
        api_key=api_key,
    )
    app.state.lw = state
    app.state.served = served
    return app
