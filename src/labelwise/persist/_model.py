"""A loaded model is a model: a fitted classifier whose metadata agrees with it.

``labelwise evaluate``, ``predict``, ``report`` and the server read a model file's metadata next
to its model: ``label_names`` name the columns of ``predict_proba`` (and the labels of a text
model's label lists), ``input`` says whether rows are texts or features, ``n_features`` and
``feature_names`` check the data's columns, ``problem_type`` picks the evaluation, and
``decision_rule``, ``training_fingerprint`` and ``leaderboard`` are read as a mapping, a mapping
and a list of records. :func:`metadata_problems` checks those types; :func:`model_problems`
checks the model itself and that the metadata describes it. ``load`` refuses a file with any
problem (``ModelFileError``), ``save`` refuses to write one (``ValueError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["metadata_problems", "model_label_names", "model_problems"]

_PROBLEM_TYPES = ("multilabel", "multiclass", "binary")
_INPUTS = ("features", "text")


def _show(value: Any, n: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."


def _final(model: Any) -> Any:
    while hasattr(model, "steps") and isinstance(model.steps, list) and model.steps:
        last = model.steps[-1]
        if not isinstance(last, tuple) or len(last) != 2:
            break
        model = last[1]
    return model


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def metadata_problems(meta: Mapping[str, Any]) -> list[str]:
    """What in ``meta`` the readers of a model file could not use, one sentence each.

    Examples
    --------
    >>> metadata_problems({"label_names": 3, "input": "features"})
    ['label_names is 3, not a list of label names']
    >>> metadata_problems({"label_names": ["a", "b"], "n_features": 2, "feature_names": ["x"]})
    ['feature_names has 1 names but n_features is 2']
    """
    out = []
    names = meta.get("label_names")
    if names is not None:
        if not isinstance(names, list):
            out.append(f"label_names is {_show(names)}, not a list of label names")
        else:
            bad = [n for n in names if isinstance(n, bool) or not isinstance(n, (str, int))]
            if bad:
                out.append(f"label_names holds {_show(bad[0])}; label names are strings")
            elif len({str(n) for n in names}) != len(names):
                seen: set[str] = set()
                twice = next(str(n) for n in names if str(n) in seen or seen.add(str(n)))
                out.append(f"label_names names {_show(twice)} twice")
    n_features = meta.get("n_features")
    if n_features is not None and not _is_count(n_features):
        out.append(f"n_features is {_show(n_features)}, not a number of features")
    features = meta.get("feature_names")
    if features is not None:
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            out.append(f"feature_names is {_show(features)}, not a list of strings")
        elif _is_count(n_features) and len(features) != n_features:
            out.append(f"feature_names has {len(features)} names but n_features is {n_features}")
    if meta.get("input") not in (None, *_INPUTS):
        out.append(f"input is {_show(meta.get('input'))}, not 'features' or 'text'")
    if meta.get("problem_type") not in (None, *_PROBLEM_TYPES):
        out.append(
            f"problem_type is {_show(meta.get('problem_type'))}, not one of "
            f"{', '.join(_PROBLEM_TYPES)}"
        )
    for key in ("decision_rule", "training_fingerprint", "hierarchy", "versions"):
        if meta.get(key) is not None and not isinstance(meta.get(key), dict):
            out.append(f"{key} is {_show(meta.get(key))}, not a JSON object")
    rule = meta.get("decision_rule")
    if isinstance(rule, dict):
        if not isinstance(rule.get("class", ""), str):
            out.append(f"decision_rule's class is {_show(rule.get('class'))}, not a class name")
        for part in ("params", "fitted"):
            if rule.get(part) is not None and not isinstance(rule.get(part), dict):
                out.append(f"decision_rule's {part} is {_show(rule.get(part))}, not a JSON object")
    hierarchy = meta.get("hierarchy")
    if isinstance(hierarchy, dict) and not all(
        p is None or isinstance(p, str) for p in hierarchy.values()
    ):
        out.append("hierarchy maps a label to something other than a parent name or null")
    board = meta.get("leaderboard")
    if board is not None and (
        not isinstance(board, list) or not all(isinstance(r, dict) for r in board)
    ):
        out.append(f"leaderboard is {_show(board)}, not a list of records")
    states = meta.get("states")
    if states is not None and (
        not isinstance(states, list) or not all(isinstance(s, dict) for s in states)
    ):
        out.append(f"states is {_show(states)}, not a list of records")
    return out


def _classes(model: Any) -> Any:
    for obj in (model, _final(model)):
        classes = getattr(obj, "classes_", None)
        if classes is not None:
            return classes
    return None


def n_outputs(model: Any) -> int | None:
    """How many labels (or classes) ``model`` scores: ``len(classes_)``, else ``n_labels_``."""
    classes = _classes(model)
    if classes is not None:
        if isinstance(classes, (list, tuple)) or (
            isinstance(classes, np.ndarray) and classes.ndim == 1
        ):
            return len(classes)  # a list: one array of classes per output (multi-output)
        return None
    n = getattr(_final(model), "n_labels_", None)
    return int(n) if _is_count(n) or isinstance(n, np.integer) else None


def model_label_names(model: Any) -> list[str] | None:
    """The label names a fitted model knows: its ``classes_`` as strings, unless they are just
    the column numbers ``0..L-1`` (a model fitted on a bare 0/1 matrix knows no names).

    Examples
    --------
    >>> from types import SimpleNamespace as M
    >>> model_label_names(M(classes_=np.array(["sport", "news"])))
    ['sport', 'news']
    >>> model_label_names(M(classes_=np.arange(3))) is None
    True
    >>> model_label_names(M(classes_=np.array([3, 7])))
    ['3', '7']
    """
    classes = _classes(model)
    if not isinstance(classes, (np.ndarray, list, tuple)):
        return None
    values = list(classes.tolist() if isinstance(classes, np.ndarray) else classes)
    if not values or not all(isinstance(v, (str, int, float, np.generic)) for v in values):
        return None
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values) and [
        int(v) for v in values
    ] == list(range(len(values))):
        return None
    return [str(v) for v in values]


def _reads_text(model: Any) -> bool | None:
    """True for a model of texts, False for one of feature columns, None when it cannot tell."""
    from labelwise.persist._metadata import _is_text

    if _is_text(model):
        return True
    return False if getattr(model, "n_features_in_", None) is not None else None


def model_problems(model: Any, meta: Mapping[str, Any]) -> list[str]:
    """What makes ``model`` unusable as a model file's model, or disagrees with ``meta``.

    ``model`` must be a fitted scikit-learn-style estimator with ``predict`` and
    ``predict_proba``; ``meta``'s label names, feature count and names, input kind and problem
    type must describe it. Keys that are absent or null are not checked.
    """
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    kind = f"{type(model).__module__}.{type(model).__qualname__}"
    if not isinstance(model, BaseEstimator):
        return [f"it holds a {kind}, not an estimator"]
    missing = [m for m in ("predict", "predict_proba") if not callable(getattr(model, m, None))]
    if missing:
        return [f"its {kind} has no {' or '.join(missing)}; model files hold classifiers"]
    try:
        check_is_fitted(model)
    except NotFittedError:
        return [f"its {kind} is not fitted"]
    out = []
    n_out = n_outputs(model)
    classes = _classes(model)
    if classes is not None and n_out is None:
        out.append(f"its classes_ is {_show(classes)}, not an array of labels")
    names = meta.get("label_names")
    if isinstance(names, list) and n_out is not None and len(names) != n_out:
        out.append(f"label_names has {len(names)} names but the model scores {n_out} labels")
    elif isinstance(names, list) and n_out is not None:
        known = model_label_names(model)
        if known is not None and all(isinstance(c, str) for c in np.asarray(classes).tolist()):
            if [str(n) for n in names] != known:
                pairs = zip(names, known, strict=True)
                j = next(i for i, (a, b) in enumerate(pairs) if str(a) != b)
                out.append(
                    f"label_names {_show(names)} differ from the model's labels {_show(known)} "
                    f"(position {j}: {_show(names[j])} vs {_show(known[j])})"
                )
    n_features = meta.get("n_features")
    n_in = getattr(model, "n_features_in_", None)
    if _is_count(n_features) and n_in is not None and int(n_in) != n_features:
        out.append(f"n_features is {n_features} but the model reads {int(n_in)} features")
    features = meta.get("feature_names")
    trained = getattr(model, "feature_names_in_", None)
    if isinstance(features, list) and trained is not None:
        trained = [str(f) for f in np.asarray(trained).tolist()]
        if features != trained:
            out.append(f"feature_names {_show(features)} differ from the model's {_show(trained)}")
    reads = meta.get("input")
    if reads in _INPUTS:
        text = _reads_text(model)
        if text is not None and text != (reads == "text"):
            actual = "text" if text else "features"
            out.append(f"input is {reads!r} but the model reads {actual}")
    problem = meta.get("problem_type")
    own = getattr(_final(model), "target_kind_", None) or getattr(_final(model), "kind_", None)
    if problem in _PROBLEM_TYPES and own in _PROBLEM_TYPES and problem != own:
        out.append(f"problem_type is {problem!r} but the model is {own!r}")
    return out


def probe_problems(model: Any, meta: Mapping[str, Any]) -> list[str]:
    """Whether ``model`` scores two blank inputs: two empty texts for a text model, two rows of
    zeros for a feature model (dense, then sparse if dense is refused; sparse only above a
    million features).

    A file whose arrays were edited consistently with their checksums can rebuild into a model
    that passes every other check and then fails at its first ``predict`` (a coefficient array
    of another shape); the server would start healthy and answer every request with an error.
    The probe finds that at load time. Scores must be finite, in ``[0, 1]``, one column per
    label when they are a 2-D array.
    """
    import warnings

    import scipy.sparse as sp

    text = _reads_text(model)
    if text is None:
        text = meta.get("input") == "text"
    n_features = getattr(model, "n_features_in_", None)
    if n_features is None and _is_count(meta.get("n_features")):
        n_features = meta["n_features"]
    if text:
        inputs: list[Any] = [["", "a"]]
    elif n_features is not None and int(n_features) > 0:
        sparse = sp.csr_matrix((2, int(n_features)))
        # two dense rows up to a million features (16 MB); beyond, only the sparse ones
        inputs = [sparse.toarray(), sparse] if int(n_features) <= 1_000_000 else [sparse]
    else:
        return []  # nothing says what the model reads
    failure = ""
    for X in inputs:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                S = model.predict_proba(X)
                model.predict(X)
        except Exception as exc:
            failure = f"{type(exc).__name__}: {str(exc)[:200]}"
            continue
        return _score_problems(S, n_outputs(model))
    what = "two empty texts" if text else f"two rows of {int(n_features)} zeros"
    return [f"its model fails to score {what} ({failure})"]


def _score_problems(S: Any, n_out: int | None) -> list[str]:
    if not isinstance(S, np.ndarray) or S.dtype.kind not in "biuf":
        return []  # another estimator family's shape (a list per output): not judged here
    if S.ndim == 2 and n_out is not None and S.shape[1] not in (n_out, 1):
        return [f"its model scores {S.shape[1]} labels where its classes_ name {n_out}"]
    if S.size and (not np.all(np.isfinite(S)) or S.min() < 0 or S.max() > 1):
        return ["its model gives scores outside [0, 1] (or not finite) on blank inputs"]
    return []
