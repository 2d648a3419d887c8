"""Shared test setup: hypothesis profiles, where the benchmark data lives (and a skip when it is
absent), one-thread fixtures for small fits on a busy machine, and the small data sets that test
files in several folders use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
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


# ------------------------------------------------------------------ one thread for small fits
# Small fits on a shared, loaded machine (pytest -n 2 on 2 cores): more BLAS or torch threads only
# add contention. A test module opts in with
#     pytestmark = pytest.mark.usefixtures("one_blas_thread")


@pytest.fixture(scope="module")
def one_blas_thread() -> Iterator[None]:
    """BLAS and OpenMP limited to one thread for the module's tests."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """torch limited to one intra-op thread for the module's tests (skips without torch)."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ------------------------------------------------------------------------- small shared data

# The README's text example: ten job ads, each with a field and a country.
JOB_ADS = (
    "Java senior engineer in UK",
    "Python developer in London",
    "Registered nurse in Manchester, UK",
    "Hospital doctor in London",
    "Java backend engineer in Berlin",
    "Data engineer in Munich, Germany",
    "Nurse for a clinic in Berlin",
    "Doctor in a Munich hospital",
    "Accountant in London",
    "Tax accountant in Berlin",
)
JOB_LABELS = (
    ("IT", "UK"), ("IT", "UK"), ("Health", "UK"), ("Health", "UK"),
    ("IT", "Germany"), ("IT", "Germany"), ("Health", "Germany"), ("Health", "Germany"),
    ("Finance", "UK"), ("Finance", "Germany"),
)  # fmt: skip


@pytest.fixture(scope="session")
def job_ads() -> tuple[list[str], list[list[str]]]:
    """The README's ten job ads and their label lists (shared by the session: copy to change)."""
    return list(JOB_ADS), [list(labels) for labels in JOB_LABELS]


@pytest.fixture(scope="session")
def small_multilabel() -> tuple[np.ndarray, np.ndarray]:
    """60 rows, 5 standardised features, 3 labels (scikit-learn's generator, seed 0): logistic
    regressions converge at once. Read-only arrays, shared by the session: copy to change."""
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=60, n_features=5, n_classes=3, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    X.flags.writeable = Y.flags.writeable = False
    return X, Y
