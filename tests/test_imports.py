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


# ------------------------------------------------------- lazy subpackages (PEP 562 __getattr__)

SUBPACKAGES = [
    "data", "datasets", "decision", "metrics", "models", "problem", "diagnostics", "split",
    "pipeline", "errors", "cli", "text", "auto", "persist", "report", "serve", "dask",
    "scale_out",
]  # fmt: skip
HEAVY = ["torch", "pandas", "sklearn", "sentence_transformers", "matplotlib", "fastapi", "dask"]


def _fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300
    )


def _exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_import_labelwise_imports_nothing_heavy():
    done = _fresh(f"import sys, labelwise; print([m for m in {HEAVY!r} if m in sys.modules])")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_import_labelwise_models_imports_no_optional_dependency():
    # scikit-learn imports pandas itself when it is installed; the optional extras stay out
    optional = ["torch", "sentence_transformers", "matplotlib", "fastapi", "dask"]
    done = _fresh(
        f"import sys, labelwise.models; print([m for m in {optional!r} if m in sys.modules])"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_subpackage_is_an_attribute_after_import_labelwise():
    present = [name for name in SUBPACKAGES if _exists(f"labelwise.{name}")]
    absent = [name for name in SUBPACKAGES if name not in present]
    code = f"""
import sys, labelwise
for name in {present!r}:
    module = getattr(labelwise, name)
    assert module is sys.modules["labelwise." + name], name
for name in {absent!r}:
    assert not hasattr(labelwise, name), name
assert set({SUBPACKAGES!r}) <= set(dir(labelwise))
train = labelwise.datasets.load("emotions", split="train")
print(train.n_samples, train.n_labels)
"""
    done = _fresh(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["391", "6"]


def test_unknown_attribute_is_an_attribute_error():
    import labelwise

    with pytest.raises(AttributeError, match="has no attribute 'nosuchthing'"):
        labelwise.nosuchthing
    assert not hasattr(labelwise, "nosuchthing")


@pytest.mark.parametrize(
    "name, module, attr",
    [
        ("describe", "labelwise.problem", "describe"),
        ("save", "labelwise.persist", "save"),
        ("load", "labelwise.persist", "load"),
        ("AutoClassifier", "labelwise.auto", "AutoClassifier"),
    ],
)
def test_lazy_names(name, module, attr):
    import importlib

    import labelwise

    if not _exists(module) or not hasattr(importlib.import_module(module), attr):
        pytest.skip(f"{module}.{attr} is not written yet")
    assert getattr(labelwise, name) is getattr(importlib.import_module(module), attr)
    assert name in dir(labelwise)


def test_from_import_and_star_import():
    done = _fresh(
        "from labelwise import *\n"
        "from labelwise import datasets, describe\n"
        "print(describe([[1, 0, 1], [0, 1, 0]]).kind, Dataset.__name__, datasets.__name__)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["multilabel", "Dataset", "labelwise.datasets"]


# --------------------------------------------- renamed modules: the old path re-exports the new

RENAMED = [
    ("labelwise.models.native", "labelwise.models.native_multilabel", "NativeMultilabel"),
    ("labelwise.models._checks", "labelwise.models._input_checks", "ConstantLabelModel"),
    ("labelwise.dask", "labelwise.scale_out", "on_cluster"),
    ("labelwise.dask", "labelwise.scale_out", "ClusterError"),
]


@pytest.mark.parametrize("old, new, name", RENAMED)
def test_old_module_path_still_imports(old, new, name):
    done = _fresh(
        f"import {old}, {new}\n"
        f"assert {old}.{name} is {new}.{name}\n"
        f"assert {name!r} in {old}.__all__\n"
        f"print({new}.{name}.__module__)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == new
