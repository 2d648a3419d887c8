"""Shared test fixtures: where the benchmark data lives, and a skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LABELWISE_SHARED", ROOT.parent / "shared"))
DATASETS = SHARED / "datasets"
MULAN = DATASETS / "mulan"
MULAN_NAMES = ["emotions", "yeast", "scene", "birds", "genbase", "flags", "enron"]


@pytest.fixture(scope="session")
def mulan_dir() -> Path:
    """The shared Mulan folder; tests using it skip with a reason when it is absent."""
    if not MULAN.is_dir():
        pytest.skip(f"shared benchmark data not found at {MULAN} (set LABELWISE_SHARED)")
    return MULAN


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    if not DATASETS.is_dir():
        pytest.skip(f"shared benchmark data not found at {DATASETS} (set LABELWISE_SHARED)")
    return DATASETS
