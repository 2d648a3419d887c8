"""Request and response bodies of the prediction server, as pydantic models.

Every request body is validated against :func:`predict_request_model`'s class straight from its
bytes (pydantic's own JSON parser: no Python ``json.loads`` of untrusted input, nesting depth
bounded by the parser, lone surrogates refused as invalid JSON), so a malformed request gets a
4xx whose ``detail`` names the offending field (``["body", "instances", 3, 7]``), and the OpenAPI
page at ``/docs`` documents the bounds (``maxItems``, ``maxLength``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    model_validator,
)

__all__ = [
    "FEATURE_BOUND",
    "Health",
    "LabelsResponse",
    "PredictResponse",
    "Prediction",
    "predict_request_model",
]

#: The largest feature magnitude a request may carry: float32's range, which tree models convert
#: to (a larger finite value would fail inside the model instead of at validation).
FEATURE_BOUND = 3.4028234663852886e38

# Strict: "0.5" and true are not numbers; NaN and infinities (which the JSON parser accepts as
# the tokens NaN and Infinity, and which 1e400 becomes) are refused with their position.
FeatureValue = Annotated[
    float,
    Field(strict=True, allow_inf_nan=False, ge=-FEATURE_BOUND, le=FEATURE_BOUND),
]


def predict_request_model(max_batch: int, max_text_chars: int) -> type[BaseModel]:
    """The request body of ``POST /predict`` with this server's bounds declared on its fields.

    The bounds are part of the schema, so pydantic checks them while validating (a batch longer
    than ``max_batch`` is one ``too_long`` error at ``["instances"]``, a text longer than
    ``max_text_chars`` one ``string_too_long`` error at ``["texts", i]``) and ``/docs`` shows
    them.

    Parameters
    ----------
    max_batch : int
        The most instances one request may carry.
    max_text_chars : int
        The most characters one text may have.

    Returns
    -------
    type
        A pydantic model class named ``PredictRequest``.

    Examples
    --------
    >>> PredictRequest = predict_request_model(max_batch=2, max_text_chars=5)
    >>> PredictRequest.model_validate_json(b'{"texts": ["hello"]}').texts
    ['hello']
    >>> from pydantic import ValidationError
    >>> try:
    ...     PredictRequest.model_validate_json(b'{"instances": [["0.5"]]}')
    ... except ValidationError as err:
    ...     print(err.errors()[0]["loc"], err.errors()[0]["type"])
    ('instances', 0, 0) float_type
    """
    batch = Field(max_length=int(max_batch))
    Text = Annotated[StrictStr, StringConstraints(max_length=int(max_text_chars))]

    class PredictRequest(BaseModel):
        """A batch to predict: feature rows for a feature model, or texts for a text model."""

        model_config = ConfigDict(
            extra="forbid",
            json_schema_extra={"examples": [{"instances": [[0.1, 0.5]]}, {"texts": ["a text"]}]},
        )

        instances: Annotated[list[list[FeatureValue]], batch] | None = Field(
            default=None,
            description="Feature rows, each with the model's number of features; numbers only "
            f"(finite, magnitude at most {FEATURE_BOUND:.4g}); at most {max_batch} rows.",
        )
        texts: Annotated[list[Text], batch] | None = Field(
            default=None,
            description=f"Raw texts, for a model trained on text; at most {max_batch} texts of "
            f"at most {max_text_chars} characters each.",
        )
        return_all_scores: StrictBool = Field(
            default=False, description="Also return every label's score, not only the predicted."
        )

        @model_validator(mode="after")
        def _one_kind(self) -> PredictRequest:
            if (self.instances is None) == (self.texts is None):
                raise ValueError("give exactly one of 'instances' (feature rows) or 'texts'.")
            return self

    return PredictRequest


class Prediction(BaseModel):
    """One instance's decision: the predicted labels, highest score first, and their scores."""

    labels: list[str]
    scores: list[float]
    all_scores: dict[str, float] | None = None


class PredictResponse(BaseModel):
    """Predictions in request order, and the decision rule that turned scores into labels."""

    predictions: list[Prediction]
    decision_rule: dict[str, Any]


class LabelsResponse(BaseModel):
    """The model's label names, in score-column order."""

    labels: list[str]


class Health(BaseModel):
    """The model is loaded, passed its self-check at startup, and the server answers."""

    status: str
    model: str
    input: str
    n_labels: int
    n_features: int | None
    max_batch: int
    max_text_chars: int
    max_body: int
