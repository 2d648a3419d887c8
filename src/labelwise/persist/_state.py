"""Estimators with parts skops cannot store (a torch module): those parts as named NumPy arrays.

The protocol, for a class whose fitted state includes such a part:

``_lw_state_attributes``
    Class attribute: a tuple of the instance attributes skops cannot store (e.g. ``("module_",)``).
``_lw_get_state(self) -> dict[str, numpy.ndarray]``
    Those attributes as named arrays of numbers, booleans or fixed-width strings (e.g. a torch
    ``state_dict`` moved to NumPy). Everything needed to rebuild them from the arrays (layer
    sizes, ...) must be an ordinary parameter or learned attribute, which skops stores.
``_lw_set_state(self, arrays: dict[str, numpy.ndarray]) -> None``
    Rebuild those attributes on an instance whose other attributes are already restored.

At save time a shallow copy of each such estimator without those attributes goes through skops
(so its parameters, nested estimators and decision rule are audited like any other), and the
arrays go to ``states/<i>.npz``, read back with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from labelwise.errors import ModelFileError

__all__ = ["arrays_from_npz", "npz_bytes", "restore_states", "split_states"]

_INDEX = "_lw_state_index"


def _protocol_attributes(obj: Any) -> tuple[str, ...]:
    attrs = getattr(type(obj), "_lw_state_attributes", ())
    return tuple(attrs) if callable(getattr(obj, "_lw_get_state", None)) else ()


def split_states(model: Any) -> tuple[Any, list[tuple[str, dict[str, np.ndarray]]]]:
    """``model`` with protocol estimators stripped of their arrays, and (class name, arrays) of
    each stripped estimator.

    The model itself is not modified: objects on the way to a stripped estimator are copied.
    """
    states: list[tuple[str, dict[str, np.ndarray]]] = []
    return _split(model, states, {}), states


def _split(obj: Any, states: list, memo: dict[int, Any]) -> Any:
    key = id(obj)
    if key in memo:
        return memo[key]
    memo[key] = obj  # provisional, in case of cycles
    result = obj
    if isinstance(obj, (list, tuple)):
        new = [_split(v, states, memo) for v in obj]
        if any(a is not b for a, b in zip(new, obj, strict=True)):
            result = type(obj)(*new) if hasattr(obj, "_fields") else type(obj)(new)
    elif isinstance(obj, dict):
        new_d = {k: _split(v, states, memo) for k, v in obj.items()}
        if any(new_d[k] is not obj[k] for k in obj):
            result = dict(new_d)
    elif hasattr(obj, "get_params") and not isinstance(obj, type) and hasattr(obj, "__dict__"):
        strip = [a for a in _protocol_attributes(obj) if a in vars(obj)]
        attrs = {k: _split(v, states, memo) for k, v in vars(obj).items() if k not in strip}
        if strip or any(v is not vars(obj)[k] for k, v in attrs.items()):
            result = object.__new__(type(obj))
            result.__dict__.update(attrs)
        if strip:
            arrays = _checked_arrays(obj._lw_get_state(), obj)
            setattr(result, _INDEX, len(states))
            states.append((f"{type(obj).__module__}.{type(obj).__qualname__}", arrays))
    memo[key] = result
    return result


def _checked_arrays(arrays: Any, owner: Any) -> dict[str, np.ndarray]:
    who = type(owner).__name__
    if not isinstance(arrays, dict):
        raise TypeError(f"save: {who}._lw_get_state() must return a dict of arrays.")
    out = {}
    for name, value in arrays.items():
        a = np.asarray(value)
        if not isinstance(name, str) or a.dtype.kind not in "biufcUS":
            raise TypeError(
                f"save: {who}._lw_get_state() entry {name!r} must be a str-named array of "
                f"numbers, booleans or strings; got dtype {a.dtype}."
            )
        out[name] = a
    return out


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays as an uncompressed ``.npz`` (the archive compresses members itself)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def arrays_from_npz(data: bytes, where: str) -> dict[str, np.ndarray]:
    """Read an ``.npz`` without unpickling anything."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except Exception as exc:
        raise ModelFileError(f"{where}: is not a readable array archive ({exc}).") from None


def restore_states(model: Any, states: list[dict[str, np.ndarray]], path: Path) -> None:
    """Give every stripped estimator in the loaded ``model`` its arrays back (in place)."""
    from labelwise.persist._checks import _reachable

    used = set()
    for obj in _reachable(model):
        d = getattr(obj, "__dict__", None)
        if not isinstance(d, dict) or _INDEX not in d:
            continue
        i = d.pop(_INDEX)
        if not isinstance(i, int) or not 0 <= i < len(states) or i in used:
            raise ModelFileError(f"{path}: refers to a missing or repeated state {i!r}.")
        if not callable(getattr(obj, "_lw_set_state", None)):
            raise ModelFileError(
                f"{path}: stores array state for {type(obj).__name__}, which cannot restore it."
            )
        used.add(i)
        obj._lw_set_state(states[i])
    if len(used) != len(states):
        raise ModelFileError(f"{path}: holds array states that no estimator refers to.")
