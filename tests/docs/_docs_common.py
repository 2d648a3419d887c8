"""What the documentation tests share: where the sources are and the public names to document."""

from __future__ import annotations

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: Every public module; each name in its ``__all__`` needs a page in the API reference.
PUBLIC_MODULES = (
    "labelwise",
    "labelwise.data",
    "labelwise.datasets",
    "labelwise.problem",
    "labelwise.diagnostics",
    "labelwise.split",
    "labelwise.models",
    "labelwise.decision",
    "labelwise.metrics",
    "labelwise.text",
    "labelwise.auto",
    "labelwise.persist",
    "labelwise.report",
    "labelwise.serve",
    "labelwise.scale_out",
    "labelwise.dask",  # the old name of labelwise.scale_out
    "labelwise.errors",
    "labelwise.evaluation",
    "labelwise.pipeline",
)


def public_names() -> dict[str, set[str]]:
    """``{qualified name: the names it may be documented under}`` for every public name.

    A name re-exported by several modules (``labelwise.read`` and ``labelwise.data.read``) is
    documented once: any of its public spellings counts.
    """
    found: dict[int | str, set[str]] = {}
    owners: dict[int | str, str] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        lazy = getattr(module, "_LAZY_NAMES", {})  # labelwise.save, .load: imported on first use
        for name in [*getattr(module, "__all__", ()), *lazy]:
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            qualified = f"{module_name}.{name}"
            # one key per object for re-exported callables; constants are documented where defined
            key: int | str = id(obj) if callable(obj) else qualified
            found.setdefault(key, set()).add(qualified)
            owners.setdefault(key, qualified)
    return {owners[key]: spellings for key, spellings in found.items()}
