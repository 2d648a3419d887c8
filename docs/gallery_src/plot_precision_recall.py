"""
Precision-recall curves
=======================

Precision against recall as the threshold moves, pooled over all labels (micro-average) and per
label: the report's first figure. Model: binary relevance over logistic regression with per-label
thresholds tuned on 3-fold out-of-fold training scores; data: the bundled ``yeast`` test split.
"""

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))  # sphinx-gallery runs pages from their own folder
from _common import Figure, yeast_scores

from labelwise.metrics import average_precision_score, precision_recall_curve
from labelwise.report.figures import curves_svg

train, test, model, scores = yeast_scores()
micro = precision_recall_curve(test.Y, scores, average="micro")
per_label = precision_recall_curve(test.Y, scores)
panels = [("micro-average", micro.recall, micro.precision)] + [
    (test.label_names[j], per_label[j].recall, per_label[j].precision) for j in range(5)
]
print(
    "average precision, micro:", round(average_precision_score(test.Y, scores, average="micro"), 3)
)
Figure(curves_svg(panels, xlabel="recall", ylabel="precision", step=True))
