"""Command-line interface: ``labelwise fit``, ``labelwise inspect``, ``labelwise datasets``."""

from labelwise.cli import datasets_cmd, fit_cmd, inspect_cmd  # noqa: F401  (register commands)
from labelwise.cli._main import main

__all__ = ["main"]
