"""What a model file says about its model, in JSON: built at save time, checked at load time."""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import platform
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise._inputs import is_text_input
from labelwise.errors import ModelFileError, ModelVersionWarning

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "build_metadata",
    "check_format",
    "fingerprint",
    "to_jsonable",
    "warn_version_differences",
]

FORMAT_NAME = "labelwise-model"
#: (major, minor). Readers refuse a newer major version; a newer minor only adds keys.
FORMAT_VERSION = (1, 0)
#: Keys the writer sets itself; ``save(metadata=...)`` may not replace them.
RESERVED = frozenset({"format", "format_version", "created", "versions", "estimator", "states"})
_MAX_ARRAY_ELEMENTS = 100_000


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries a fitted model depends on."""
    import sklearn
    import skops

    import labelwise

    return {
        "labelwise": labelwise.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": _version("scipy"),
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
    }


def _version(module: str) -> str:
    import importlib

    return str(getattr(importlib.import_module(module), "__version__", "unknown"))


def check_format(metadata: Mapping[str, Any], path: Path) -> None:
    """Refuse metadata that is not labelwise's model format, or a newer major version of it."""
    if metadata.get("format") != FORMAT_NAME:
        shown = repr(metadata.get("format"))
        raise ModelFileError(
            f"{path}: is not a labelwise model file (its metadata names format "
            f"{shown if len(shown) <= 60 else shown[:57] + '...'}, not {FORMAT_NAME!r})."
        )
    major, minor = parse_version(metadata.get("format_version"), path)
    if major > FORMAT_VERSION[0]:
        import labelwise

        versions = metadata.get("versions")
        writer = versions.get("labelwise", "?") if isinstance(versions, Mapping) else "?"
        raise ModelFileError(
            f"{path}: was written in model format {major}.{minor} (by labelwise "
            f"{str(writer)[:40]}); this labelwise "
            f"({labelwise.__version__}) reads format {FORMAT_VERSION[0]}.x up to "
            f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}. Upgrade labelwise to load it."
        )


def parse_version(value: Any, path: Path) -> tuple[int, int]:
    """``(major, minor)`` from ``"MAJOR.MINOR"``: ASCII digits, at most 6 of each.

    Examples
    --------
    >>> parse_version("1.0", Path("m.lw"))
    (1, 0)
    >>> parse_version("1" * 5000 + ".0", Path("m.lw"))
    Traceback (most recent call last):
    ...
    labelwise.errors.ModelFileError: m.lw: has an invalid format_version '111111111111...' ...
    """
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,6}\.[0-9]{1,6}", value):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:15] + "...'"
        raise ModelFileError(
            f"{path}: has an invalid format_version {shown} (expected 'MAJOR.MINOR')."
        )
    major, minor = value.split(".")
    return int(major), int(minor)


def warn_version_differences(metadata: Mapping[str, Any], path: Path) -> list[str]:
    """Warn (``ModelVersionWarning``) when the file was written with other library versions.

    Returns the differences, as ``"name saved -> now"`` strings, for error messages.
    """
    saved = metadata.get("versions")
    if not isinstance(saved, Mapping):
        return []
    now = library_versions()
    diffs = [
        f"{name} {str(saved[name])[:40]} -> {now[name]}"
        for name in ("labelwise", "scikit-learn", "numpy", "scipy", "skops")
        if name in saved and str(saved[name]) != now[name]
    ]
    if diffs:
        warnings.warn(
            f"{path}: was saved with other library versions ({', '.join(diffs)}); it loaded, but "
            "its predictions may differ slightly from the original's. Re-save it with the "
            "current versions after checking them.",
            ModelVersionWarning,
            stacklevel=3,
        )
    return diffs


def build_metadata(
    model: Any, extra: Mapping[str, Any] | None, states: list[dict[str, str]]
) -> dict[str, Any]:
    """The metadata of ``model``: inferred facts, overridden by what the caller gives."""
    meta: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": f"{FORMAT_VERSION[0]}.{FORMAT_VERSION[1]}",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "estimator": describe_estimator(model),
        "states": states,
        **infer_model_facts(model),
        "training_fingerprint": None,
    }
    for key, value in dict(extra or {}).items():
        if not isinstance(key, str):
            raise TypeError(f"save: metadata keys must be strings; got {key!r}.")
        if key in RESERVED:
            raise ValueError(
                f"save: metadata key {key!r} is written by labelwise itself; choose another name "
                f"(reserved: {', '.join(sorted(RESERVED))})."
            )
        meta[key] = _normalise(key, value)
    return meta


def _normalise(key: str, value: Any) -> Any:
    if key == "hierarchy" and hasattr(value, "parent"):
        value = value.parent  # a labelwise Hierarchy: its parent mapping
    if key == "leaderboard" and hasattr(value, "to_dict"):
        value = value.to_dict(orient="records")  # a pandas DataFrame
    return to_jsonable(value, where=f"metadata[{key!r}]")


def _final(model: Any) -> Any:
    while hasattr(model, "steps") and isinstance(model.steps, list) and model.steps:
        model = model.steps[-1][1]
    return model


def infer_model_facts(model: Any) -> dict[str, Any]:
    """Problem type, labels, features, input kind, pipeline steps and decision rule of ``model``
    (and an ``AutoClassifier``'s metric and leaderboard)."""
    from labelwise.models._base import ScoresThenRuleMixin, resolve_rule
    from labelwise.persist._model import model_label_names

    final = _final(model)
    problem = getattr(final, "target_kind_", None) or getattr(final, "kind_", None)
    if problem is None and type(final).__name__ in ("OneVsRest", "OneVsOne"):
        problem = "multiclass"
    elif problem is None and isinstance(final, ScoresThenRuleMixin):
        problem = "multilabel"
    rule = getattr(final, "rule_", None)
    if rule is None and isinstance(final, ScoresThenRuleMixin):
        rule = resolve_rule(final.decision_rule)  # what its predict applies
    elif rule is None and getattr(final, "decision_rule", None) is not None:
        rule = final.decision_rule
    steps = getattr(model, "steps", None)
    names = getattr(model, "feature_names_in_", None)
    n_features = getattr(model, "n_features_in_", None)
    return {
        "problem_type": problem,
        "label_names": model_label_names(final),
        "hierarchy": _hierarchy(final, rule),
        "feature_names": to_jsonable(names, where="feature_names_in_"),
        "n_features": None if n_features is None else int(n_features),
        "input": "text" if _is_text(model) else "features",
        "pipeline": (
            [{"name": n, **describe_estimator(s)} for n, s in steps]
            if isinstance(steps, list)
            else None
        ),
        "decision_rule": None if rule is None else describe_estimator(rule, fitted=True),
        "metric": to_jsonable(getattr(final, "objective_", None)),  # AutoClassifier's
        "leaderboard": to_jsonable(getattr(final, "leaderboard_", None), where="leaderboard_"),
    }


def _is_text(model: Any) -> bool:
    """Whether the model reads raw text: a text vectoriser or labelwise text estimator in it."""
    from labelwise.persist._index_checks import _reachable

    return any(
        type(obj).__module__.startswith(("sklearn.feature_extraction.text", "labelwise.text"))
        for obj in _reachable(model)
        if hasattr(obj, "get_params")
    )


def _hierarchy(*objects: Any) -> dict[str, str | None] | None:
    """The parent mapping of the first ``Hierarchy`` an estimator or rule holds."""
    for obj in objects:
        for attr in ("hierarchy_", "hierarchy"):
            h = getattr(obj, attr, None)
            if isinstance(getattr(h, "parent", None), Mapping):
                return dict(h.parent)
    return None


def describe_estimator(est: Any, *, fitted: bool = False) -> dict[str, Any]:
    """``{"class": dotted name, "params": ...}`` (and learned public attributes if ``fitted``)."""
    out: dict[str, Any] = {"class": f"{type(est).__module__}.{type(est).__qualname__}"}
    if hasattr(est, "get_params"):
        out["params"] = to_jsonable(est.get_params(deep=False), where="params")
    if fitted:
        out["fitted"] = {
            k: to_jsonable(v, where=k)
            for k, v in sorted(vars(est).items())
            if k.endswith("_") and not k.startswith("_")
        }
    return out


def to_jsonable(value: Any, *, where: str = "value") -> Any:
    """A JSON-serialisable copy of ``value``.

    NumPy scalars and arrays become numbers and lists (arrays above 100,000 elements: their shape
    and dtype), non-finite floats the strings ``"nan"``, ``"inf"``, ``"-inf"``, estimators their
    class and parameters, classes and functions their dotted name.

    Examples
    --------
    >>> to_jsonable({"t": np.array([0.5, np.inf]), "k": np.int64(3)})
    {'t': [0.5, 'inf'], 'k': 3}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf"))
    if isinstance(value, np.ndarray) or sp.issparse(value):
        if (
            value.size > _MAX_ARRAY_ELEMENTS
            or sp.issparse(value)
            or value.dtype.kind not in "biufUSO"
        ):
            return {"shape": list(value.shape), "dtype": str(value.dtype)}
        return to_jsonable(value.tolist(), where=where)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, where=f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [to_jsonable(v, where=where) for v in items]
    if hasattr(value, "get_params") and not isinstance(value, type):
        return describe_estimator(value)
    if isinstance(value, type) or callable(value):
        name = getattr(value, "__qualname__", type(value).__qualname__)
        return f"{getattr(value, '__module__', '?')}.{name}"
    return repr(value)


def fingerprint(X: Any, Y: Any = None) -> dict[str, Any]:
    """A SHA-256 fingerprint of training data, to record which data a model was fitted on.

    ``X`` is hashed with its shape as float64 values in C order; a sparse matrix as its
    canonical CSR arrays (sorted indices, duplicates summed, explicit zeros dropped, so any
    storage of the same sparse matrix agrees); text as its UTF-8 strings. ``Y`` is hashed as its
    canonical 0/1 matrix (:func:`labelwise.data.targets.check_targets`) with its column names.
    Equal data give equal fingerprints across runs and machines, whatever the dtype or
    container (list, array, DataFrame).

    Parameters
    ----------
    X : array-like, sparse matrix or sequence of str
    Y : targets, optional

    Returns
    -------
    dict
        ``{"algorithm": "sha256", "sha256": combined hex digest, "X": {"kind", "shape",
        "sha256"}, "Y": {...} or None}``.

    Examples
    --------
    >>> a = fingerprint([[0.0, 1.0], [2.0, 3.0]], [[1, 0], [0, 1]])
    >>> a == fingerprint(np.array([[0, 1], [2, 3]]), np.array([[1, 0], [0, 1]]))
    True
    >>> a["X"]["shape"], len(a["sha256"])
    ([2, 2], 64)
    """
    x = _hash_X(X)
    y = None if Y is None else _hash_Y(Y)
    combined = hashlib.sha256(x["sha256"].encode() + b"|" + (y["sha256"] if y else "").encode())
    return {"algorithm": "sha256", "sha256": combined.hexdigest(), "X": x, "Y": y}


def _hash_X(X: Any) -> dict[str, Any]:
    h = hashlib.sha256()
    if sp.issparse(X):
        M = sp.csr_matrix(X, dtype=np.float64, copy=True)
        M.sum_duplicates()
        M.eliminate_zeros()
        M.sort_indices()
        for part in (
            np.asarray(M.shape, np.int64),
            M.indptr.astype(np.int64),
            M.indices.astype(np.int64),
            M.data,
        ):
            h.update(np.ascontiguousarray(part).tobytes())
        return {"kind": "sparse", "shape": list(M.shape), "sha256": h.hexdigest()}
    if hasattr(X, "to_numpy"):
        X = X.to_numpy()
    if isinstance(X, str):
        raise TypeError("fingerprint: X is one string; give a sequence of documents.")
    if is_text_input(X):
        for doc in X.tolist() if isinstance(X, np.ndarray) else X:
            b = doc.encode("utf-8")
            h.update(len(b).to_bytes(8, "little") + b)
        return {"kind": "text", "shape": [len(X)], "sha256": h.hexdigest()}
    A = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    h.update(np.asarray(A.shape, np.int64).tobytes() + A.tobytes())
    return {"kind": "dense", "shape": list(A.shape), "sha256": h.hexdigest()}


def _hash_Y(Y: Any) -> dict[str, Any]:
    from labelwise.data.targets import check_targets

    t = check_targets(Y)
    M = t.Y.toarray() if sp.issparse(t.Y) else np.asarray(t.Y)
    M = np.ascontiguousarray(M, dtype=np.int8)
    h = hashlib.sha256(np.asarray(M.shape, np.int64).tobytes() + M.tobytes())
    h.update(repr(to_jsonable(list(t.classes))).encode())
    return {"kind": t.kind, "shape": list(M.shape), "sha256": h.hexdigest()}
