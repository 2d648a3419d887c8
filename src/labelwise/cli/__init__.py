"""Command-line interface: ``labelwise fit``, ``evaluate``, ``predict``, ``report``, ``inspect``,
``datasets``."""

from labelwise.cli import (  # noqa: F401  (register commands)
    datasets_cmd,
    evaluate_cmd,
    fit_cmd,
    inspect_cmd,
    predict_cmd,
    report_cmd,
    serve_cmd,
)
from labelwise.cli._main import main

__all__ = ["main"]
