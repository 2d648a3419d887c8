"""Old name of :mod:`labelwise.models._input_checks`; model files saved before the rename name
``labelwise.models._checks.ConstantLabelModel``, so this path stays importable."""

from labelwise.models._input_checks import (
    ACCEPT_SPARSE,
    ConstantLabelModel,
    check_multilabel_fit,
    check_predict_X,
    constant_labels,
    multilabel_tags,
    warn_constant_labels,
)

__all__ = [
    "ACCEPT_SPARSE",
    "ConstantLabelModel",
    "check_multilabel_fit",
    "check_predict_X",
    "constant_labels",
    "multilabel_tags",
    "warn_constant_labels",
]
