"""Metrics: exact, fast, mergeable; scikit-learn's names and signatures.

Count metrics derive from one sufficient statistic (per-label and per-sample confusion counts);
the streaming :class:`Evaluator` keeps the same statistic and merges across batches and workers.
"""

# Score, ranking and hierarchical metrics; importing their modules also registers their
# streaming states with the Evaluator.
from labelwise.metrics.at_k import (
    PROPENSITY_PARAMETERS,
    at_k_state,
    inverse_propensity,
    ndcg_at_k,
    precision_at_k,
    psndcg_at_k,
    psp_at_k,
    recall_at_k,
)
from labelwise.metrics.average_precision import average_precision_score
from labelwise.metrics.curves import f1_threshold_curve, precision_recall_curve, roc_curve
from labelwise.metrics.hierarchical import (
    hierarchical_consistency_score,
    hierarchical_f1_score,
    hierarchical_precision_recall_f1,
    hierarchical_precision_score,
    hierarchical_recall_score,
    per_level_f1_score,
)
from labelwise.metrics.label_set import (
    accuracy_score,
    f1_score,
    fbeta_score,
    hamming_loss,
    jaccard_score,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    subset_accuracy,
)
from labelwise.metrics.multiclass import balanced_accuracy_score, top_k_accuracy_score
from labelwise.metrics.names import (
    METRIC_NAMES,
    MetricName,
    MetricValues,
    canonical_metric_name,
    metric_description,
)
from labelwise.metrics.ranking import (
    coverage_error,
    label_ranking_average_precision_score,
    label_ranking_loss,
    one_error,
)
from labelwise.metrics.report import classification_report
from labelwise.metrics.roc_auc import roc_auc_score
from labelwise.metrics.streaming import Evaluator

__all__ = [
    "METRIC_NAMES",
    "PROPENSITY_PARAMETERS",
    "Evaluator",
    "MetricName",
    "MetricValues",
    "accuracy_score",
    "at_k_state",
    "average_precision_score",
    "balanced_accuracy_score",
    "canonical_metric_name",
    "classification_report",
    "coverage_error",
    "f1_score",
    "f1_threshold_curve",
    "fbeta_score",
    "hamming_loss",
    "hierarchical_consistency_score",
    "hierarchical_f1_score",
    "hierarchical_precision_recall_f1",
    "hierarchical_precision_score",
    "hierarchical_recall_score",
    "inverse_propensity",
    "jaccard_score",
    "label_ranking_average_precision_score",
    "label_ranking_loss",
    "metric_description",
    "multilabel_confusion_matrix",
    "ndcg_at_k",
    "one_error",
    "per_level_f1_score",
    "precision_at_k",
    "precision_recall_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "psndcg_at_k",
    "psp_at_k",
    "recall_at_k",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
    "subset_accuracy",
    "top_k_accuracy_score",
]
