"""Estimators skops cannot store (a torch network): stored as their own state of plain data.

The protocol, for an estimator (or a helper object it holds, e.g. a fine-tuned encoder) whose
fitted state includes such a part:

``get_state(self) -> dict``
    The fitted model as plain data: a tree of dicts (str keys), lists, str, int, float, bool,
    None and NumPy arrays of numbers, booleans or strings. Constructor parameters that are
    estimators themselves (a ``decision_rule``) are left out.
``from_state(cls, state, **estimator_params) -> estimator`` (classmethod)
    Rebuild the fitted model from that tree; ``estimator_params`` are the constructor
    parameters left out above, passed by name.

At save time each such estimator is replaced, in a copy of the model's object graph, by a
:class:`StateRef` naming its class; the arrays of its state go to ``states/<i>.npz`` (read back
with ``allow_pickle=False``), the rest to ``states/<i>.json``, and its estimator parameters stay
in the skops tree, audited like everything else. At load time a ``StateRef`` is rebuilt with
``from_state`` only if its class is trusted.
"""

from __future__ import annotations

import importlib
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from labelwise.errors import ModelFileError, UntrustedTypesError

__all__ = ["StateRef", "decode_state", "encode_state", "restore_states", "split_states"]


class StateRef:
    """Stand-in, in the skops tree, for an estimator stored as ``states/<index>.*``."""

    def __init__(self, index: int, cls: str, estimator_params: dict[str, Any]) -> None:
        self.index = index
        self.cls = cls
        self.estimator_params = estimator_params


def _has_protocol(obj: Any) -> bool:
    """Whether ``obj`` is stored through its own state: it has ``get_state`` and its class
    ``from_state``; an estimator only once fitted."""
    if isinstance(obj, type) or not hasattr(obj, "__dict__"):
        return False
    if not (
        callable(getattr(obj, "get_state", None))
        and callable(getattr(type(obj), "from_state", None))
    ):
        return False
    return not hasattr(obj, "get_params") or _is_fitted(obj)


def split_states(model: Any) -> tuple[Any, list[tuple[str, dict]]]:
    """A copy of ``model``'s object graph with protocol estimators replaced by ``StateRef``\\ s,
    and each replaced estimator's (class name, state). ``model`` itself is not modified."""
    states: list[tuple[str, dict]] = []
    return _split(model, states, {}), states


def _split(obj: Any, states: list, memo: dict[int, Any]) -> Any:
    key = id(obj)
    if key in memo:
        return memo[key]
    memo[key] = obj  # provisional, in case of cycles
    result = obj
    if _has_protocol(obj):
        cls = f"{type(obj).__module__}.{type(obj).__qualname__}"
        given = obj.get_params(deep=False) if hasattr(obj, "get_params") else {}
        params = {
            k: _split(v, states, memo)
            for k, v in given.items()
            if hasattr(v, "get_params") and not isinstance(v, type)
        }
        result = StateRef(len(states), cls, params)
        states.append((cls, obj.get_state()))
    elif isinstance(obj, (list, tuple)):
        new = [_split(v, states, memo) for v in obj]
        if any(a is not b for a, b in zip(new, obj, strict=True)):
            result = type(obj)(*new) if hasattr(obj, "_fields") else type(obj)(new)
    elif isinstance(obj, dict):
        new_d = {k: _split(v, states, memo) for k, v in obj.items()}
        if any(new_d[k] is not obj[k] for k in obj):
            result = dict(new_d)
    elif hasattr(obj, "get_params") and not isinstance(obj, type) and hasattr(obj, "__dict__"):
        attrs = {k: _split(v, states, memo) for k, v in vars(obj).items()}
        if any(v is not vars(obj)[k] for k, v in attrs.items()):
            result = object.__new__(type(obj))
            result.__dict__.update(attrs)
    memo[key] = result
    return result


def _is_fitted(obj: Any) -> bool:
    return any(k.endswith("_") and not k.startswith("__") for k in vars(obj))


def encode_state(state: Any, who: str) -> tuple[bytes, bytes]:
    """A state tree as (strict JSON with array references, ``.npz`` of the arrays)."""
    arrays: dict[str, np.ndarray] = {}

    def enc(v: Any, where: str) -> Any:
        if isinstance(v, np.ndarray):
            if v.dtype.kind not in "biufcUS":
                raise TypeError(f"save: {who} state {where} is an array of dtype {v.dtype}.")
            name = f"a{len(arrays)}"
            arrays[name] = v
            return {"__ndarray__": name}
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return {"__float__": repr(v)}
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            if "__ndarray__" in v or "__float__" in v:
                raise TypeError(f"save: {who} state {where} uses a reserved key.")
            return {k: enc(x, f"{where}[{k!r}]") for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [enc(x, f"{where}[{i}]") for i, x in enumerate(v)]
        raise TypeError(
            f"save: {who}.get_state() holds {type(v).__name__} at {where}; a state may hold "
            "only dicts, lists, numbers, strings, booleans, None and NumPy arrays."
        )

    tree = enc(state, "state")
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return json.dumps(tree, allow_nan=False).encode(), buf.getvalue()


def decode_state(text: bytes, npz: bytes, where: str) -> Any:
    """The state tree back from :func:`encode_state`'s output; nothing is unpickled."""
    try:
        tree = json.loads(text)
        with np.load(io.BytesIO(npz), allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except Exception as exc:
        raise ModelFileError(f"{where}: is not a readable state ({exc}).") from None

    def dec(v: Any) -> Any:
        if isinstance(v, dict):
            if set(v) == {"__ndarray__"}:
                if v["__ndarray__"] not in arrays:
                    raise ModelFileError(
                        f"{where}: refers to a missing array {v['__ndarray__']!r}."
                    )
                return arrays[v["__ndarray__"]]
            if set(v) == {"__float__"}:
                return float(v["__float__"])
            return {k: dec(x) for k, x in v.items()}
        if isinstance(v, list):
            return [dec(x) for x in v]
        return v

    try:
        return dec(tree)
    except ModelFileError:
        raise
    except Exception as exc:  # a float that is not one, a key that is not a string, ...
        raise ModelFileError(f"{where}: is not a readable state ({type(exc).__name__}).") from None


def restore_states(model: Any, states: list[Any], trusted: list[str], path: Path) -> Any:
    """``model`` with every ``StateRef`` rebuilt by its (trusted) class's ``from_state``."""
    refs: list[StateRef] = []
    _collect(model, refs, set())
    if sorted(r.index for r in refs) != list(range(len(states))):
        raise ModelFileError(f"{path}: its array states and their references do not match.")
    built: dict[int, Any] = {}
    for ref in refs:
        if ref.cls not in trusted:
            raise UntrustedTypesError(
                f"{path}: refers to {ref.cls}, which labelwise does not trust by default; "
                f"inspect it, then load with trusted={[ref.cls]!r}.",
                [ref.cls],
            )
        module, _, name = ref.cls.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), name)
            built[id(ref)] = cls.from_state(states[ref.index], **ref.estimator_params)
        except ModelFileError as exc:  # the class's own account of what is wrong
            raise ModelFileError(f"{path}: {exc}") from None
        except Exception as exc:
            raise ModelFileError(
                f"{path}: could not rebuild {ref.cls} from its state ({type(exc).__name__}: {exc})."
            ) from exc
    return _replace(model, built, {}) if built else model


def _collect(obj: Any, refs: list, seen: set[int]) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, StateRef):
        refs.append(obj)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _collect(v, refs, seen)
    elif isinstance(obj, dict):
        for v in obj.values():
            _collect(v, refs, seen)
    elif hasattr(obj, "get_params") and hasattr(obj, "__dict__") and not isinstance(obj, type):
        for v in vars(obj).values():
            _collect(v, refs, seen)


def _replace(obj: Any, built: dict[int, Any], memo: dict[int, Any]) -> Any:
    """Swap ``StateRef``\\ s for their estimators; lists, dicts and objects change in place."""
    key = id(obj)
    if key in built:
        return built[key]
    if key in memo:
        return memo[key]
    memo[key] = obj
    if isinstance(obj, list):
        obj[:] = [_replace(v, built, memo) for v in obj]
    elif isinstance(obj, tuple):
        new = [_replace(v, built, memo) for v in obj]
        if any(a is not b for a, b in zip(new, obj, strict=True)):
            obj = type(obj)(*new) if hasattr(obj, "_fields") else type(obj)(new)
    elif isinstance(obj, dict):
        for k in list(obj):
            obj[k] = _replace(obj[k], built, memo)
    elif hasattr(obj, "get_params") and hasattr(obj, "__dict__") and not isinstance(obj, type):
        for k, v in list(vars(obj).items()):
            vars(obj)[k] = _replace(v, built, memo)
    memo[key] = obj
    return obj
