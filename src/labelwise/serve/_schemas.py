"""Request and response bodies of the prediction server, as pydantic models.

FastAPI validates every request against these before the endpoint runs, so a malformed request
gets a 422 whose ``detail`` names the offending field (``["body", "instances", 3, 7]``) and the
OpenAPI page at ``/docs`` documents them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

__all__ = [
    "Health",
    "LabelsResponse",
    "PredictRequest",
    "PredictResponse",
    "Prediction",
]

# JSON has no NaN, but Python's parser (and so the server) accepts the tokens NaN and Infinity,
# and pydantic would turn the strings "NaN" and "inf" into floats: refuse all of them here.
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class PredictRequest(BaseModel):
    """A batch to predict: feature rows for a feature model, or texts for a text model."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"instances": [[0.1, 0.5, 0.2]]}, {"texts": ["a text"]}]},
    )

    instances: list[list[FiniteFloat]] | None = Field(
        default=None, description="Feature rows, each with the model's number of features."
    )
    texts: list[StrictStr] | None = Field(
        default=None, description="Raw texts, for a model trained on text."
    )
    return_all_scores: bool = Field(
        default=False, description="Also return every label's score, not only the predicted."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> PredictRequest:
        if (self.instances is None) == (self.texts is None):
            raise ValueError("give exactly one of 'instances' (feature rows) or 'texts'.")
        return self


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
    labels: list[str]


class Health(BaseModel):
    status: str
    model: str
    input: str
    n_labels: int
    n_features: int | None
    max_batch: int
