"""Every public module imports on its own, in a fresh interpreter (no import-order luck)."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = [
    "labelwise",
    "labelwise.problem",
    "labelwise.diagnostics",
    "labelwise.split",
    "labelwise.data",
    "labelwise.datasets",
    "labelwise.metrics",
    "labelwise.decision",
    "labelwise.models",
    "labelwise.pipeline",
    "labelwise.cli",
]


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_first(module):
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
