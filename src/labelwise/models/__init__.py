"""Estimators that produce scores: reductions and label-correlation models.

Every multi-label model returns an (n_samples, n_labels) array of positive-class probabilities
from ``predict_proba`` and decides with an explicit ``decision_rule`` in ``predict``.
"""

from labelwise.models._base import ScoresThenRuleMixin, resolve_rule
from labelwise.models.averaging import ScoreAverage
from labelwise.models.binary_relevance import BinaryRelevance
from labelwise.models.chains import ClassifierChain, EnsembleClassifierChains
from labelwise.models.hierarchical import HierarchicalClassifier
from labelwise.models.label_forest import LabelForest
from labelwise.models.label_powerset import LabelPowerset
from labelwise.models.label_tree import LabelTree
from labelwise.models.mlknn import MLkNN
from labelwise.models.multiclass import OneVsOne, OneVsRest
from labelwise.models.native_multilabel import NativeMultilabel
from labelwise.models.neural import NeuralClassifier  # imports torch only when used
from labelwise.models.rakel import RAkEL
from labelwise.models.top_k import top_k_proba

__all__ = [
    "BinaryRelevance",
    "ClassifierChain",
    "EnsembleClassifierChains",
    "HierarchicalClassifier",
    "LabelForest",
    "LabelPowerset",
    "LabelTree",
    "MLkNN",
    "NativeMultilabel",
    "NeuralClassifier",
    "OneVsOne",
    "OneVsRest",
    "RAkEL",
    "ScoreAverage",
    "ScoresThenRuleMixin",
    "resolve_rule",
    "top_k_proba",
]
