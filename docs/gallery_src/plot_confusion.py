"""
Confusion matrices, one per label
=================================

Each label's 2x2 table of true 0/1 (rows) against predicted 0/1 (columns), from
:func:`labelwise.metrics.multilabel_confusion_matrix` (scikit-learn's layout and numbers).
"""

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
from _common import Figure, yeast_scores

from labelwise.metrics import multilabel_confusion_matrix
from labelwise.report.figures import confusion_grid_svg

train, test, model, scores = yeast_scores()
mcm = multilabel_confusion_matrix(test.Y, model.predict(test.X))
print(test.label_names[0], "[[TN FP] [FN TP]] =", mcm[0].tolist())
Figure(confusion_grid_svg(test.label_names[:8], mcm[:8]))
