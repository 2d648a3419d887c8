"""Model files: the one place that knows how a fitted model is written and read.

``save(model, path)`` writes a fitted model and what is known about it to one file;
``load(path)`` gives the model back without executing code from the file;
``load_metadata(path)`` reads only what the file says about the model.

The format (``labelwise-model``, version 1.0)
---------------------------------------------
A model file is a single zip archive (any name; ``.lw`` by convention), never a folder, with:

``metadata.json``
    A JSON object: ``format`` (``"labelwise-model"``), ``format_version`` (``"MAJOR.MINOR"``),
    ``created`` (UTC, ISO 8601), ``versions`` (labelwise, Python, NumPy, SciPy, scikit-learn,
    skops), ``estimator`` (class and parameters), ``problem_type`` (``"multilabel"``,
    ``"multiclass"``, ``"binary"`` or null), ``label_names``, ``hierarchy`` (child -> parent, or
    null), ``feature_names``, ``n_features``, ``input`` (``"features"`` or ``"text"``),
    ``pipeline`` (the steps of a scikit-learn ``Pipeline``: name, class, parameters),
    ``decision_rule`` (class, parameters and learned values such as ``thresholds_``),
    ``metric`` (what the model was tuned for), ``training_fingerprint`` (see
    :func:`fingerprint`), ``leaderboard`` (cross-validation results, a list of records),
    ``states`` (see below), plus any other key the caller gave. Facts labelwise can read off
    the model are filled in; ``save(..., metadata={...})`` adds or overrides the rest.
``estimator.skops``
    The fitted estimator, written by ``skops.io.dumps``: a tree of typed nodes and ``.npy``
    arrays, no pickle.
``states/<i>.json`` and ``states/<i>.npz``
    Only for estimators skops cannot store (a torch network, a fine-tuned text encoder): the
    estimator's own ``get_state()`` tree as JSON whose arrays live in the ``.npz`` (read with
    ``allow_pickle=False``; stored without compression); the skops tree holds a ``StateRef`` in
    its place, and ``metadata["states"]`` lists ``{"class", "tree", "arrays"}`` for each.
    Protocol: :mod:`labelwise.persist._state`. A fine-tuned encoder stores only its weights;
    loading takes the architecture and tokenizer from the installed model package and refuses
    weights that do not fit them (:class:`labelwise.text.finetune.FineTunedEncoder`).
``MANIFEST.json``
    The last member: ``{"algorithm": "sha256", "members": {name: {"sha256", "size"}}}`` for
    every other member.

Loading checks, in order: the file is a zip archive with a ``metadata.json`` naming the format;
the format's major version is not newer than this labelwise reads (a newer minor version only
adds keys); the members are exactly those in the manifest, each member's declared size (its zip
header, and the manifest's ``size``) fits the file's bound and agrees with the manifest before
anything is inflated, and each matches its checksum; the metadata has the types the command line
and the server read; the skops archive's members fit the same bound, inflate cleanly and hold
arrays of the size their headers declare; the estimator refers only to trusted types (skops'
defaults plus :data:`TRUSTED_TYPES`; anything else is refused before it is imported, with the
list of types and how to trust them); the decision trees, boosting predictors and sparse matrices
in it are structurally sound (tree constructor arguments before anything is built, every index
after; see :mod:`labelwise.persist._index_checks`); the result is a fitted classifier with
``predict`` and ``predict_proba`` that the metadata describes (label names and their count and
order, feature count and names, input kind, problem type; :mod:`labelwise.persist._model`), and
it scores two blank inputs. Files written with other library versions load with a
``ModelVersionWarning``; if such a file fails to load, the error names the versions.

Bounds (:mod:`labelwise.persist._limits`): all members together, the archives inside members
included (with what they add to their own size), inflate to at most ``max_ratio`` (200) times
the file's size or 64 MiB, whichever is more, and never more than ``max_bytes`` (8 GiB), both
options of :func:`load`; members are inflated in chunks and never
past their declared size; JSON documents are at most 16 MiB (the skops schema: the file's bound)
and nest at most 100 levels (the skops schema: 200). Anything over a bound, and anything else
that goes wrong while loading, is one ``ModelFileError`` naming the member and the bound.

Saving writes a temporary file next to ``path`` and renames it over ``path`` in one step, so an
interrupted save (a crash, a kill, Ctrl-C) leaves the previous file intact.

Examples
--------
>>> import tempfile, os
>>> import numpy as np
>>> from labelwise.decision import FixedThreshold
>>> from labelwise.models import BinaryRelevance
>>> X = np.array([[0.0, 1], [1, 0], [1, 1], [0, 0]] * 5)
>>> Y = np.array([[0, 1], [1, 0], [1, 1], [0, 0]] * 5)
>>> model = BinaryRelevance(decision_rule=FixedThreshold(0.5)).fit(X, Y)
>>> path = os.path.join(tempfile.mkdtemp(), "model.lw")
>>> save(model, path, metadata={"metric": "micro_f1", "training_fingerprint": fingerprint(X, Y)})
>>> same = load(path)
>>> bool(np.array_equal(same.predict_proba(X), model.predict_proba(X)))
True
>>> meta = load_metadata(path)
>>> meta["problem_type"], meta["metric"], meta["decision_rule"]["class"]
('multilabel', 'micro_f1', 'labelwise.decision._base.FixedThreshold')
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from labelwise.errors import LabelwiseError, LabelwiseWarning, ModelFileError
from labelwise.persist._archive import METADATA, read_members, write_atomic
from labelwise.persist._limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_RATIO, check_bounds
from labelwise.persist._metadata import (
    FORMAT_NAME,
    FORMAT_VERSION,
    build_metadata,
    fingerprint,
    warn_version_differences,
)
from labelwise.persist._model import metadata_problems, model_problems, probe_problems
from labelwise.persist._trust import TRUSTED_TYPES

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "TRUSTED_TYPES",
    "fingerprint",
    "load",
    "load_metadata",
    "save",
    "untrusted_types",
]

_ESTIMATOR = "estimator.skops"

PathLike = str | os.PathLike


def save(
    model: Any,
    path: PathLike,
    *,
    metadata: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> None:
    """Write a fitted model to a model file at ``path``, atomically.

    Parameters
    ----------
    model : fitted estimator
        A labelwise model, a scikit-learn estimator or ``Pipeline``, a ``ThresholdedClassifier``.
    path : str or path-like
        The file to write (a folder is refused).
    metadata : mapping, optional
        JSON-able facts to record: ``metric``, ``leaderboard`` (records or a DataFrame),
        ``training_fingerprint`` (:func:`fingerprint`), ``hierarchy`` (a ``Hierarchy`` or a
        child -> parent mapping), ``label_names``, ``problem_type``, ... or keys of your own.
        NumPy values are converted. ``format``, ``format_version``, ``created``, ``versions``,
        ``estimator`` and ``states`` are written by labelwise and cannot be given.
    overwrite : bool, default=False
        Replace an existing model file at ``path``. Without it an existing path raises
        ``ModelExistsError``; a file that is not a labelwise model is never replaced.

    Raises
    ------
    ModelExistsError
        ``path`` exists (and ``overwrite`` is False, or it is not a model file).
    NotFittedError
        The model is not fitted (a model whose fit failed stays unfitted).
    TypeError
        The model holds an object skops cannot store.
    ValueError
        ``load`` would refuse the file: the model is not a classifier with ``predict`` and
        ``predict_proba``, or the metadata does not describe it (``label_names`` of another
        length than the model's labels, a wrong ``n_features``, ...).

    Notes
    -----
    ``label_names`` defaults to the model's own: its ``classes_`` as strings (the label names of
    a model fitted on label lists, a named DataFrame, or classes), unless they are only the
    column numbers ``0..L-1``.

    A model that refers to types a default :func:`load` would refuse is saved with a
    ``LabelwiseWarning`` naming them; loading it then needs ``trusted=[...]``.
    """
    import skops.io as sio
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from labelwise.persist._state import encode_state, split_states
    from labelwise.persist._trust import untrusted_types as _untrusted

    if isinstance(path, str) and path.endswith(("/", os.sep)):
        raise ModelFileError(f"{path}: names a folder; give a file path such as model.lw.")
    path = Path(path)
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise NotFittedError(
            f"save: this {type(model).__name__} is not fitted, so there is nothing to write to "
            f"{path}; fit it first (a model whose fit failed stays unfitted)."
        ) from None
    stored, states = split_states(model)
    try:
        blob = sio.dumps(stored)
    except Exception as exc:
        raise TypeError(
            f"save: skops cannot store this model ({type(exc).__name__}: {exc}). Model files "
            "hold scikit-learn-style estimators; a part such as a torch module must be exposed "
            "as arrays (labelwise.persist._state describes how)."
        ) from exc
    state_meta = [
        {"class": cls, "tree": f"states/{i}.json", "arrays": f"states/{i}.npz"}
        for i, (cls, _) in enumerate(states)
    ]
    meta = build_metadata(model, metadata, state_meta)
    problems = metadata_problems(meta) or model_problems(model, meta)
    if problems:
        raise ValueError(f"save: {'; '.join(problems)}; {path} was not written.")
    members = {METADATA: json.dumps(meta, indent=1, allow_nan=False).encode(), _ESTIMATOR: blob}
    for entry, (cls, state) in zip(state_meta, states, strict=True):
        members[entry["tree"]], members[entry["arrays"]] = encode_state(state, cls)
    unknown = _untrusted(blob, also=[cls for cls, _ in states])
    write_atomic(path, members, overwrite=overwrite)
    if unknown:
        warnings.warn(
            f"save: {path} refers to types that load() does not trust by default "
            f"({', '.join(unknown)}); loading it will need trusted={unknown!r}.",
            LabelwiseWarning,
            stacklevel=2,
        )


def load(
    path: PathLike,
    *,
    trusted: Iterable[str | type] | None = None,
    max_ratio: float = DEFAULT_MAX_RATIO,
    max_bytes: int = DEFAULT_MAX_BYTES,
    probe: bool = True,
) -> Any:
    """Read a fitted model from a model file, executing no code from the file.

    Parameters
    ----------
    path : str or path-like
    trusted : list of str or type, optional
        Types to trust beyond skops' defaults and :data:`TRUSTED_TYPES`, by dotted name (as
        :func:`untrusted_types` lists them) or as types. Only add types you have inspected.
    max_ratio : float, default=200
        The file's members, and the archives inside them, may inflate to at most this many times
        the file's size, all together, or to 64 MiB if that is more (a 1 MB file: 200 MB; a
        100 KB file: 64 MiB). Files labelwise writes inflate 10 to 40 times, a nearest-neighbour
        model of sparse 0/1 features about 130 times; deflate's own limit is about 1,000.
    max_bytes : int, default=8 GiB
        And never to more than this many bytes, whatever the file's size.
    probe : bool, default=True
        Score two blank inputs (empty texts, or rows of zeros) before returning, so a model
        rebuilt from consistently edited arrays fails here rather than at its first
        ``predict``. Turn it off for a model whose pipeline cannot take such inputs.

    Returns
    -------
    estimator
        The fitted model, ready for ``predict`` and ``predict_proba``. Its metadata:
        :func:`load_metadata`.

    Raises
    ------
    ModelFileError
        Missing, not a model file, truncated, modified (a checksum fails), a newer format
        version, over a bound (a member's inflated size; a JSON document above 16 MiB, or nested
        deeper than 100 levels, 200 for the skops schema), an estimator that cannot be rebuilt,
        an object that is not a fitted classifier with ``predict`` and ``predict_proba``, or
        metadata that does not describe the model (label names, feature count and names, input
        kind, problem type), or a model that fails the probe. Every error raised while loading
        is a ``ModelFileError``.
    UntrustedTypesError
        The file refers to types not trusted; its ``types`` attribute lists them.

    Warns
    -----
    ModelVersionWarning
        The file was written with other versions of labelwise, scikit-learn, NumPy, SciPy or
        skops.
    """
    from labelwise.persist._trust import trusted_names

    trusted_names(trusted)  # reject a malformed ``trusted`` before touching the file
    check_bounds(max_ratio, max_bytes)
    path = Path(path)
    try:
        return _load(path, trusted, max_ratio, max_bytes, probe)
    except LabelwiseError:
        raise
    except Exception as exc:  # the last line: nothing foreign leaves the loader
        raise ModelFileError(
            f"{path}: could not be loaded (an unexpected {type(exc).__name__}: "
            f"{str(exc)[:300]}); it is damaged or was not written by labelwise."
        ) from exc


def _load(path: Path, trusted: Any, max_ratio: float, max_bytes: int, probe: bool) -> Any:
    from labelwise.persist._index_checks import check_loaded
    from labelwise.persist._limits import check_inner_archive, parse_json
    from labelwise.persist._state import decode_state, restore_states
    from labelwise.persist._trust import loads_estimator, trusted_names

    metadata, members, budget = read_members(path, max_ratio=max_ratio, max_bytes=max_bytes)
    _refuse(metadata_problems(metadata), path)
    diffs = warn_version_differences(metadata, path)
    note = f" (the file was written with {', '.join(diffs)})" if diffs else ""
    if _ESTIMATOR not in members:
        raise ModelFileError(f"{path}: has no {_ESTIMATOR} member; it is not a complete model.")
    model = loads_estimator(
        members[_ESTIMATOR],
        trusted=trusted,
        path=path,
        version_note=note,
        also=_state_classes(metadata),
        budget=budget,
    )
    check_loaded(model, path)
    states = []
    for entry in metadata.get("states") or []:
        names = [entry.get(k) for k in ("tree", "arrays")]
        if not all(isinstance(n, str) and n in members for n in names):
            raise ModelFileError(f"{path}: lists a model state {names!r} it does not hold.")
        parse_json(members[names[0]], path, names[0])  # size and depth, before decoding
        check_inner_archive(members[names[1]], budget, names[1])
        states.append(decode_state(members[names[0]], members[names[1]], f"{path}: {names[0]}"))
    model = restore_states(model, states, trusted_names(trusted), path)
    _refuse(model_problems(model, metadata), path)
    if probe:
        _refuse(probe_problems(model, metadata), path)
    return model


def _refuse(problems: list[str], path: Path) -> None:
    if problems:
        raise ModelFileError(
            f"{path}: {'; '.join(problems)}. It was not written by labelwise from this model, "
            "or was modified; nothing was returned."
        )


def load_metadata(
    path: PathLike,
    *,
    max_ratio: float = DEFAULT_MAX_RATIO,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """What a model file records about its model, without loading the model.

    The same format, size, checksum and metadata checks as :func:`load` apply (``max_ratio``
    and ``max_bytes`` as there); whether the metadata agrees with the model is checked by
    :func:`load` only.

    Returns
    -------
    dict
        The ``metadata.json`` object (keys in the module docstring).
    """
    path = Path(path)
    metadata, _, _ = read_members(path, max_ratio=max_ratio, max_bytes=max_bytes)
    _refuse(metadata_problems(metadata), path)
    return metadata


def untrusted_types(path: PathLike, *, trusted: Iterable[str | type] | None = None) -> list[str]:
    """Types a model file refers to that :func:`load` would refuse (nothing is imported).

    Returns
    -------
    list of str
        Dotted names, sorted; empty when the file loads with the default trust.
    """
    from labelwise.persist._limits import check_inner_archive
    from labelwise.persist._trust import untrusted_types as _untrusted

    path = Path(path)
    metadata, members, budget = read_members(path)
    _refuse(metadata_problems(metadata), path)
    if _ESTIMATOR not in members:
        raise ModelFileError(f"{path}: has no {_ESTIMATOR} member; it is not a complete model.")
    check_inner_archive(members[_ESTIMATOR], budget, _ESTIMATOR)
    try:
        return _untrusted(members[_ESTIMATOR], trusted, also=_state_classes(metadata))
    except Exception as exc:
        raise ModelFileError(
            f"{path}: its estimator is not a readable skops archive ({type(exc).__name__}: "
            f"{str(exc)[:300]})."
        ) from None


def _state_classes(metadata: Mapping[str, Any]) -> list[str]:
    """Classes the file rebuilds from array states (named in ``metadata["states"]``)."""
    entries = metadata.get("states") or []
    if not isinstance(entries, list):
        raise ModelFileError("metadata['states'] is not a list of records.")
    return [str(e.get("class"))[:200] for e in entries if isinstance(e, dict)]
