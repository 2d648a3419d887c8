"""The prediction server's app factory: one loaded model behind a FastAPI app.

The model is read once, with the safe loader (:func:`labelwise.persist.load`), when the app is
made; a path that is not a model file raises there, before anything listens. Endpoints only check
requests and shape answers: scores come from the model's ``predict_proba``, label sets from its
own ``predict`` (so its own decision rule decides), nothing is re-implemented here.
"""

import os
from pathlib import Path
from typing import Any

import numpy as np

from labelwise.errors import LabelwiseError, ModelFileError

__all__ = ["ServedModel", "create_app"]


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities as strings, so that an error about them is valid JSON."""
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _error(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
    """One entry of a ``detail`` list, in the shape FastAPI uses for its own 422s."""
    return {"detail": [{"loc": loc, "msg": msg, "type": kind}]}


class ServedModel:
    """A loaded model file and what the server needs to know about it.

    Parameters
    ----------
    path : str or path-like
        A labelwise model file.
    trusted : list of str, optional
        Extra types to trust, as in :func:`labelwise.persist.load`.

    Raises
    ------
    ModelFileError
        The path is missing or is not a loadable model file.
    """

    def __init__(self, path: str | os.PathLike, trusted: list[str] | None = None) -> None:
        from labelwise.persist import load, load_metadata

        self.path = Path(path)
        if not self.path.is_file():
            raise ModelFileError(f"{self.path}: no such model file.")
        self.metadata: dict[str, Any] = load_metadata(self.path)
        self.model = load(self.path, trusted=trusted)
        names = self.metadata.get("label_names") or list(getattr(self.model, "classes_", []))
        self.label_names = [str(n) for n in names]
        self.input = self.metadata.get("input") or "features"
        n = self.metadata.get("n_features") or getattr(self.model, "n_features_in_", None)
        self.n_features = None if self.input == "text" or n is None else int(n)

    def decision_rule(self) -> dict[str, Any]:
        """The rule that decides label sets: the model file's record of it, and its repr."""
        recorded = self.metadata.get("decision_rule") or {}
        rule = getattr(self.model, "rule_", None) or getattr(self.model, "decision_rule", None)
        if rule is None and not recorded:
            shown = "the model's own predict"
        else:
            shown = repr(rule) if rule is not None else recorded.get("class", "")
        return {**recorded, "description": shown}

    def predict(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Scores (n, L) from ``predict_proba`` and 0/1 decisions (n, L) from ``predict``."""
        S = np.asarray(self.model.predict_proba(X), dtype=np.float64)
        P = np.asarray(self.model.predict(X))
        if P.ndim == 1:  # one class per row (multi-class)
            classes = [str(c) for c in getattr(self.model, "classes_", self.label_names)]
            index = {c: j for j, c in enumerate(classes)}
            out = np.zeros(S.shape, dtype=np.int8)
            out[np.arange(len(P)), [index[str(c)] for c in P]] = 1
            return S, out
        if P.dtype.kind not in "biuf":  # label lists from a text model
            from labelwise.data.label_space import LabelSpace

            P = LabelSpace(self.label_names).binarize(list(P))
        return S, np.asarray(P)


def create_app(
    model_path: str | os.PathLike, *, max_batch: int = 1000, trusted: list[str] | None = None
) -> Any:
    """A FastAPI app that serves the model in ``model_path``.

    Endpoints: ``POST /predict`` (``{"instances": [[...], ...]}`` or ``{"texts": [...]}``; per
    instance the predicted label names and their scores, and the decision rule used),
    ``GET /labels``, ``GET /health``, ``GET /metadata`` (the model file's metadata), and the
    OpenAPI page at ``/docs``. Invalid requests get a 4xx whose ``detail`` names the field: 422
    for a malformed body (unknown field, NaN, a non-string text, a wrong number of features),
    413 for more than ``max_batch`` instances, 415 for a body that is not JSON.

    Parameters
    ----------
    model_path : str or path-like
        A labelwise model file; loaded once, now, with the safe loader.
    max_batch : int, default=1000
        The most instances one request may carry.
    trusted : list of str, optional
        Extra types to trust when loading (see :func:`labelwise.persist.load`).

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ModelFileError
        ``model_path`` is not a loadable model file.
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
    """
    try:
        from fastapi import Depends, FastAPI, Request
        from fastapi.encoders import jsonable_encoder
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import JSONResponse
    except ImportError as err:
        raise ImportError(
            f'the prediction server needs FastAPI: pip install "labelwise[serve]" ({err})'
        ) from None

    from labelwise import __version__
    from labelwise.serve._schemas import (
        Health,
        LabelsResponse,
        Prediction,
        PredictRequest,
        PredictResponse,
    )

    if int(max_batch) < 1:
        raise ValueError(f"max_batch must be at least 1; got {max_batch!r}.")
    served = ServedModel(model_path, trusted=trusted)
    rule = served.decision_rule()

    class _RequestError(Exception):
        def __init__(self, status: int, loc: list[Any], msg: str, kind: str) -> None:
            self.status, self.body = status, _error(loc, msg, kind)

    def json_body(request: Request) -> None:
        """Refuse a body that is not JSON (415) before FastAPI tries to read it as JSON."""
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise _RequestError(
                415,
                ["header", "content-type"],
                f"send the body as JSON with Content-Type: application/json (got {media!r}).",
                "unsupported_media_type",
            )

    app = FastAPI(
        title="labelwise prediction server",
        version=__version__,
        description=(
            f"Serves the model in `{served.path.name}` ({served.input} input, "
            f"{len(served.label_names)} labels). Decisions use the model's own rule."
        ),
    )

    @app.exception_handler(_RequestError)
    def _request_error(request: Request, err: _RequestError) -> JSONResponse:
        return JSONResponse(err.body, status_code=err.status)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        # the offending input may be NaN itself, which strict JSON cannot carry back
        return JSONResponse({"detail": _finite(jsonable_encoder(err.errors()))}, status_code=422)

    @app.exception_handler(LabelwiseError)
    def _labelwise_error(request: Request, err: LabelwiseError) -> JSONResponse:
        return JSONResponse(_error(["body"], str(err), "labelwise_error"), status_code=422)

    def _inputs(req: PredictRequest) -> Any:
        field = "texts" if req.texts is not None else "instances"
        batch = req.texts if req.texts is not None else req.instances
        if len(batch) > max_batch:
            raise _RequestError(
                413,
                ["body", field],
                f"{len(batch)} instances in one request; this server takes at most {max_batch} "
                "(--max-batch). Split the batch.",
                "batch_too_large",
            )
        if len(batch) == 0:
            raise _RequestError(422, ["body", field], "the batch is empty.", "empty_batch")
        if served.input == "text":
            if req.texts is None:
                raise _RequestError(
                    422, ["body", "instances"], "this model reads raw texts; send 'texts'.",
                    "wrong_input_kind",
                )  # fmt: skip
            return list(req.texts)
        if req.instances is None:
            raise _RequestError(
                422, ["body", "texts"], "this model reads feature rows; send 'instances'.",
                "wrong_input_kind",
            )  # fmt: skip
        expected = served.n_features
        for i, row in enumerate(req.instances):
            if expected is not None and len(row) != expected:
                raise _RequestError(
                    422,
                    ["body", "instances", i],
                    f"instance {i} has {len(row)} features; the model was trained on {expected}.",
                    "wrong_feature_count",
                )
        width = {len(row) for row in req.instances}
        if len(width) > 1:
            raise _RequestError(
                422, ["body", "instances"], "rows have different numbers of features.",
                "ragged_rows",
            )  # fmt: skip
        return np.asarray(req.instances, dtype=np.float64)

    @app.post("/predict", response_model=PredictResponse, dependencies=[Depends(json_body)])
    def predict(req: PredictRequest) -> PredictResponse:
        """Predicted labels and scores for each instance, in request order."""
        S, P = served.predict(_inputs(req))
        names = served.label_names
        out = []
        for i in range(S.shape[0]):
            cols = np.flatnonzero(P[i])
            cols = cols[np.argsort(-S[i, cols], kind="stable")]
            out.append(
                Prediction(
                    labels=[names[j] for j in cols],
                    scores=[float(S[i, j]) for j in cols],
                    all_scores=dict(zip(names, S[i].tolist(), strict=True))
                    if req.return_all_scores
                    else None,
                )
            )
        return PredictResponse(predictions=out, decision_rule=rule)

    @app.get("/labels", response_model=LabelsResponse)
    def labels() -> LabelsResponse:
        """The model's label names, in score-column order."""
        return LabelsResponse(labels=served.label_names)

    @app.get("/health", response_model=Health)
    def health() -> Health:
        """Liveness: the model is loaded and the server answers."""
        return Health(
            status="ok",
            model=served.path.name,
            input=served.input,
            n_labels=len(served.label_names),
            n_features=served.n_features,
            max_batch=int(max_batch),
        )

    @app.get("/metadata")
    def metadata() -> dict[str, Any]:
        """The model file's metadata (see :mod:`labelwise.persist`)."""
        return served.metadata

    app.state.served = served
    return app
