"""The old path of the main job: every public name of :mod:`labelwise.auto.main_job`.

The driver behind ``labelwise fit`` lives in :mod:`labelwise.auto.main_job` (a name that says
what it is, where ``pipeline`` read as scikit-learn's ``Pipeline``); this module keeps
``from labelwise.pipeline import fit_auto`` and the other old imports working.
"""

from __future__ import annotations

from labelwise.auto.main_job import (
    RULES,
    AutoFitResult,
    FitResult,
    align_labels,
    default_model,
    default_text_model,
    fit_and_evaluate,
    fit_auto,
    is_text_dataset,
    problem_kind,
)

__all__ = [
    "RULES",
    "AutoFitResult",
    "FitResult",
    "align_labels",
    "default_model",
    "default_text_model",
    "fit_and_evaluate",
    "fit_auto",
    "is_text_dataset",
    "problem_kind",
]
