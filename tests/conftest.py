"""Shared test setup: hypothesis profiles, where the benchmark data lives, and a skip when it is
absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles. "ci" replays the same examples on every run (derandomize), so a CI run
# never fails by chance; "dev" explores new random examples each run. CI sets CI=true;
# HYPOTHESIS_PROFILE=ci|dev overrides. Per-test @settings set only max_examples/deadline, so
# they inherit derandomize from the profile loaded here (before test modules are imported).
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    max_examples=100,
    database=None,
    # generation speed depends on the machine's load; that must not fail a run
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", derandomize=False, deadline=None, print_blob=True)
_IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _IN_CI else "dev"))

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
