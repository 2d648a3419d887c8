"""Metrics: exact, fast, mergeable; scikit-learn's names and signatures.

Count metrics derive from one sufficient statistic (per-label and per-sample confusion counts);
the streaming :class:`Evaluator` keeps the same statistic and merges across batches and workers.
"""

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
from labelwise.metrics.report import classification_report
from labelwise.metrics.streaming import Evaluator

# score and ranking metrics: added at integration
# (average_precision_score, roc_auc_score, label_ranking_average_precision_score,
#  coverage_error, label_ranking_loss, one_error, precision_at_k, recall_at_k, ndcg_at_k,
#  psp_at_k, psndcg_at_k, hierarchical_precision/recall/f1_score). Importing their modules here
# also registers their streaming states with the Evaluator.

__all__ = [
    "Evaluator",
    "accuracy_score",
    "balanced_accuracy_score",
    "classification_report",
    "f1_score",
    "fbeta_score",
    "hamming_loss",
    "jaccard_score",
    "multilabel_confusion_matrix",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "subset_accuracy",
    "top_k_accuracy_score",
]
