"""labelwise: multi-label and multi-class classification done right.

The data flows one way: data -> scores -> decisions -> evaluation. ``labelwise.read`` and
``labelwise.datasets`` give a :class:`Dataset`; ``labelwise.problem.describe`` says which problem
its targets pose; ``labelwise.models`` produce scores; ``labelwise.decision`` turns scores into
label sets; ``labelwise.metrics`` judge either.

Every subpackage is an attribute of the package (``labelwise.datasets.load(...)`` works after
``import labelwise``), imported on first use (PEP 562), so that ``import labelwise`` stays light:
it does not import torch, pandas, sentence-transformers, matplotlib, FastAPI or Dask.

Examples
--------
>>> import labelwise
>>> labelwise.describe([[1, 0, 1], [0, 1, 0], [0, 0, 0]]).kind
'multilabel'
>>> labelwise.datasets.load("emotions", split="train").n_samples
391
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from labelwise.data import Dataset, Hierarchy, LabelSpace
from labelwise.data.io import read, write

__all__ = ["Dataset", "Hierarchy", "LabelSpace", "__version__", "describe", "read", "write"]

#: Subpackages and modules reachable as attributes, imported on first use. Some are written
#: later (text, auto, persist, report, serve, scale_out); until a module exists its name raises
#: AttributeError like any missing attribute.
_SUBMODULES = frozenset(
    {
        "auto",
        "cli",
        "dask",
        "data",
        "datasets",
        "decision",
        "diagnostics",
        "errors",
        "metrics",
        "models",
        "persist",
        "pipeline",
        "problem",
        "report",
        "scale_out",
        "serve",
        "split",
        "text",
    }
)

#: Names re-exported from a module, imported on first use: name -> (module, attribute).
_LAZY_NAMES = {
    "AutoClassifier": ("labelwise.auto", "AutoClassifier"),
    "describe": ("labelwise.problem", "describe"),  # imports scikit-learn (and so pandas)
    "load": ("labelwise.persist", "load"),
    "save": ("labelwise.persist", "save"),
}


def _import_own(module: str) -> Any:
    """Import one of labelwise's modules; ``None`` when it does not exist in this version."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name == module:  # the module itself is missing, not one of its imports
            return None
        raise


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = _import_own(f"labelwise.{name}")
        if module is not None:
            return module
    elif name in _LAZY_NAMES:
        module_name, attr = _LAZY_NAMES[name]
        module = _import_own(module_name)
        if module is not None and hasattr(module, attr):
            value = getattr(module, attr)
            globals()[name] = value
            return value
    raise AttributeError(f"module 'labelwise' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_LAZY_NAMES))
