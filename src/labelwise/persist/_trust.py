"""Which types a model file may contain, and loading the estimator member with only those.

skops reads its archive into a tree of nodes, audits the type of every node against a trusted
list *before* importing or constructing anything, and refuses the rest. labelwise passes its own
list on top of skops' defaults: the classes listed here, in one place. Objects that skops leaves
untrusted because their arrays hold raw indices (decision trees, histogram-gradient-boosting
predictors, sparse matrices) are trusted here because :mod:`labelwise.persist._index_checks`
validates every one of them after loading and before the model is returned. Classes rebuilt
from array states (:mod:`labelwise.persist._state`) must be in the same list.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labelwise.errors import ModelFileError, UntrustedTypesError
from labelwise.persist._limits import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_RATIO,
    MAX_SCHEMA_DEPTH,
    Budget,
    check_inner_archive,
    json_depth,
)

__all__ = ["RENAMED_TYPES", "TRUSTED_TYPES", "loads_estimator", "trusted_names", "untrusted_types"]

#: Class paths that changed when a module was renamed: old path -> path today. A model file
#: records each class by the path it had when the file was written, so the old path stays
#: importable (a module that re-exports the class) and trusted like the new one.
RENAMED_TYPES: dict[str, str] = {
    "labelwise.models.native.NativeMultilabel": (
        "labelwise.models.native_multilabel.NativeMultilabel"
    ),
    "labelwise.models._checks.ConstantLabelModel": (
        "labelwise.models._input_checks.ConstantLabelModel"
    ),
}

#: Types a model file may contain beyond skops' defaults (primitives, containers, NumPy arrays,
#: dtypes and ufuncs, random generators, scikit-learn's public estimators).
TRUSTED_TYPES: tuple[str, ...] = (
    # labelwise's estimators, decision rules and the label structures they hold
    "labelwise.models.binary_relevance.BinaryRelevance",
    "labelwise.models.chains.ClassifierChain",
    "labelwise.models.chains.EnsembleClassifierChains",
    "labelwise.models.label_powerset.LabelPowerset",
    "labelwise.models.rakel.RAkEL",
    "labelwise.models.mlknn.MLkNN",
    "labelwise.models.multiclass.OneVsRest",
    "labelwise.models.multiclass.OneVsOne",
    "labelwise.models.native_multilabel.NativeMultilabel",
    "labelwise.models.label_tree.LabelTree",
    "labelwise.models.label_forest.LabelForest",
    "labelwise.models.averaging.ScoreAverage",
    "labelwise.models.neural.NeuralClassifier",  # rebuilt by its from_state (persist._state)
    "labelwise.models.hierarchical.HierarchicalClassifier",
    "labelwise.models.hierarchical._Group",
    "labelwise.models.hierarchical._Constant",
    "labelwise.models._input_checks.ConstantLabelModel",
    "labelwise.decision._base.FixedThreshold",
    "labelwise.decision.thresholds.GlobalThreshold",
    "labelwise.decision.thresholds.PerLabelThreshold",
    "labelwise.decision.ranking_rules.TopK",
    "labelwise.decision.ranking_rules.RankCut",
    "labelwise.decision.ranking_rules.AtLeastOne",
    "labelwise.decision.bayes.BayesOptimal",
    "labelwise.decision.calibration.Calibrated",
    "labelwise.decision.meta.ThresholdedClassifier",
    "labelwise.auto.classifier.AutoClassifier",
    "labelwise.auto.objectives.Objective",  # stored by name and k (its __getstate__)
    "labelwise.decision.hierarchical.CloseUpward",
    "labelwise.decision.hierarchical.PruneDownward",
    "labelwise.decision.hierarchical.ConsistentSet",
    "labelwise.decision.hierarchical.TopDownArgmax",
    "labelwise.decision.risk_control.RecallControl",
    "labelwise.decision.risk_control.PrecisionControl",
    "labelwise.decision.risk_control.FalsePositiveControl",
    "labelwise.decision.conformal.ConformalSets",
    "labelwise.text.classifiers.TfidfClassifier",
    "labelwise.text.classifiers.EmbeddingClassifier",
    "labelwise.text.ensemble.TextEnsemble",
    "labelwise.text.vectorize.TfidfFeatures",
    "labelwise.text.encoder.SentenceEncoder",
    "labelwise.text.finetune.FineTunedEncoder",  # rebuilt by its from_state (persist._state)
    "labelwise.data.hierarchy.Hierarchy",
    "labelwise.data.label_space.LabelSpace",
    "labelwise.persist._state.StateRef",
    # scikit-learn helpers of public estimators; plain Python objects holding arrays
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    # HistGradientBoosting with categorical features preprocesses with partial(check_array);
    # a partial only calls a function that is itself trusted (listed or skops' default)
    "functools.partial",
    "sklearn.utils.validation.check_array",
    # raw-index structures, each validated after loading (labelwise.persist._index_checks)
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csr.csr_array",
    "scipy.sparse._csc.csc_matrix",
    "scipy.sparse._csc.csc_array",
    "scipy.sparse._coo.coo_matrix",
    "scipy.sparse._coo.coo_array",
    # the same classes under the paths older files recorded
    *RENAMED_TYPES,
)


def trusted_names(trusted: Iterable[str | type] | None) -> list[str]:
    """labelwise's trusted types plus the caller's (given as dotted names or as types)."""
    if trusted is not None and (
        isinstance(trusted, (str, bool)) or not hasattr(trusted, "__iter__")
    ):
        raise TypeError(
            f"load: trusted must be a list of type names or types; got {trusted!r}. "
            "trusted=True is not accepted: name the types you have inspected."
        )
    extra = []
    for t in trusted or ():
        if isinstance(t, type):
            extra.append(f"{t.__module__}.{t.__qualname__}")
        elif isinstance(t, str):
            extra.append(t)
        else:
            raise TypeError(
                f"load: trusted must list type names (str) or types; got {t!r}. "
                "trusted=True is not accepted: name the types you have inspected."
            )
    return [*TRUSTED_TYPES, *extra]


def untrusted_types(
    data: bytes, trusted: Iterable[str | type] | None = None, also: Iterable[str] = ()
) -> list[str]:
    """Types in a skops archive (and the ``also`` names: classes rebuilt from array states)
    that neither skops nor labelwise (nor ``trusted``) trusts."""
    import skops.io as sio

    allowed = set(trusted_names(trusted))
    found = set(sio.get_untrusted_types(data=data)) | set(also)
    return sorted(t for t in found if t not in allowed)


def loads_estimator(
    data: bytes,
    *,
    trusted: Iterable[str | type] | None,
    path: Path,
    version_note: str,
    also: Iterable[str] = (),
    budget: Budget | None = None,
) -> Any:
    """Construct the estimator from its skops bytes, refusing untrusted types (including the
    ``also`` classes, rebuilt later from array states) before anything is imported.

    The archive is checked first (:func:`labelwise.persist._limits.check_inner_archive`: sizes
    charged to ``budget``, every member inflated once, array headers, the schema's size and
    depth), so skops reads only what has passed.
    """
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    from labelwise.persist._index_checks import check_tree_arguments

    allowed = trusted_names(trusted)
    if not _is_skops_archive(data):
        raise ModelFileError(
            f"{path}: its estimator is not a readable skops archive{version_note}; labelwise "
            "loads nothing else."
        )
    if budget is None:
        budget = Budget(path, len(data), max_ratio=DEFAULT_MAX_RATIO, max_bytes=DEFAULT_MAX_BYTES)
    schema = check_inner_archive(data, budget, "estimator.skops")["schema"]
    if not isinstance(schema, dict):
        raise ModelFileError(f"{path}: the estimator's schema.json is not a JSON object.")
    _check_embedded_json(schema, path)
    try:
        check_tree_arguments(data, schema)
    except ValueError as exc:
        raise ModelFileError(
            f"{path}: holds {exc}; it was not written by labelwise from a fitted model, or was "
            "modified. Nothing was loaded."
        ) from None
    untrusted_states = sorted(set(also) - set(allowed))
    try:
        if untrusted_states:  # refuse before skops builds anything
            raise UntrustedTypesFoundException(set(untrusted_states))
        return sio.loads(data, trusted=allowed)  # audits every type before it imports any
    except UntrustedTypesFoundException:
        try:
            unknown = untrusted_types(data, trusted, also)
        except Exception as exc:
            raise ModelFileError(
                f"{path}: its estimator's types cannot be listed ({type(exc).__name__}: {exc})."
            ) from None
        listing = "\n".join(f"  - {t[:200]}" for t in unknown[:50])
        raise UntrustedTypesError(
            f"{path}: refers to {len(unknown)} type(s) that labelwise does not trust by "
            f"default:\n{listing}\nNothing was loaded. Loading would import these and call "
            "their code, so inspect them first (labelwise.persist.untrusted_types(path) lists "
            "them); if you trust the file's author and these types, load it with "
            f"labelwise.load(path, trusted={unknown[:50]!r}).",
            unknown,
        ) from None
    except Exception as exc:
        raise ModelFileError(
            f"{path}: its estimator could not be rebuilt ({type(exc).__name__}: "
            f"{_brief(str(exc))}){version_note}."
        ) from exc


def _check_embedded_json(schema: dict, path: Path) -> None:
    """skops keeps plain values as JSON text inside the schema (``JsonNode``); bound their depth
    too, as skops parses them recursively."""
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            content = node.get("content")
            if (
                node.get("__loader__") == "JsonNode"
                and isinstance(content, str)
                and content.count("[") + content.count("{") > MAX_SCHEMA_DEPTH  # else shallow
            ):
                depth = json_depth(content.encode("utf-8", "surrogatepass"))
                if depth > MAX_SCHEMA_DEPTH:
                    raise ModelFileError(
                        f"{path}: estimator.skops/schema.json holds a value nested {depth:,} "
                        f"levels deep; the bound is {MAX_SCHEMA_DEPTH}."
                    )
            stack.extend(node.values())


def _brief(text: str, n: int = 300) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


def _is_skops_archive(data: bytes) -> bool:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "schema.json" in zf.namelist()
    except Exception:  # whatever zipfile makes of a forged directory: not an archive
        return False
