"""The main job's algorithm: candidate spaces, cross-validated search, ``AutoClassifier``."""

from labelwise.auto.classifier import AutoClassifier, NoCandidateFinished
from labelwise.auto.objectives import OBJECTIVES, Objective, get_objective, objective_names

__all__ = [
    "OBJECTIVES",
    "AutoClassifier",
    "NoCandidateFinished",
    "Objective",
    "get_objective",
    "objective_names",
]
