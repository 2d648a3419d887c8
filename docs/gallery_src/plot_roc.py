"""
ROC curves
==========

True-positive rate against false-positive rate as the threshold moves, micro-averaged and per
label (a label with no positives or no negatives in the data has no ROC curve). Model and data as
in every gallery page: binary relevance over logistic regression on ``yeast``.
"""

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
from _common import Figure, yeast_scores

from labelwise.metrics import roc_auc_score, roc_curve
from labelwise.report.figures import curves_svg

train, test, model, scores = yeast_scores()
micro = roc_curve(test.Y, scores, average="micro")
per_label = roc_curve(test.Y, scores)
panels = [("micro-average", micro.fpr, micro.tpr)] + [
    (test.label_names[j], per_label[j].fpr, per_label[j].tpr) for j in range(5)
]
print("ROC AUC, macro:", round(roc_auc_score(test.Y, scores, average="macro"), 3))
Figure(curves_svg(panels, xlabel="false positive rate", ylabel="true positive rate", diagonal=True))
