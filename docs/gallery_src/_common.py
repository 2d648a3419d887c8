# Not a gallery page (its name starts with an underscore): what every figure page shares.
from __future__ import annotations

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.datasets import load
from labelwise.decision import PerLabelThreshold, ThresholdedClassifier
from labelwise.models import BinaryRelevance


class Figure:
    """Shows an SVG string as the figure it is, on the built page."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def _repr_html_(self) -> str:
        return f'<div class="lw-figure">{self.svg}</div>'

    def __repr__(self) -> str:
        return f"<figure: {len(self.svg):,} characters of SVG>"


def yeast_scores():
    """The model of every figure page: binary relevance (logistic regression) on yeast."""
    train, test = load("yeast", split="train"), load("yeast", split="test")
    model = ThresholdedClassifier(
        make_pipeline(StandardScaler(), BinaryRelevance(LogisticRegression(max_iter=1000))),
        rule=PerLabelThreshold(),
        cv=3,
        random_state=0,
    ).fit(train.X, train.Y)
    return train, test, model, model.predict_proba(test.X)
