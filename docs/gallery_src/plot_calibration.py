"""
Calibration
===========

The observed frequency of a label against the mean score in each of 10 bins: on the diagonal,
scores are probabilities, and 0.5 is the Bayes decision for Hamming loss. Pooled over all labels,
then the three most frequent labels; :class:`labelwise.decision.Calibrated` fixes a curve that
bends away (Platt or isotonic, fitted on out-of-fold scores).
"""

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
import numpy as np
from _common import Figure, yeast_scores

from labelwise.decision import expected_calibration_error, reliability_curve
from labelwise.report.figures import calibration_svg

train, test, model, scores = yeast_scores()
pooled = reliability_curve(test.Y.reshape(-1, 1), scores.reshape(-1, 1), n_bins=10)[0]
curves = [("all labels pooled", pooled.prob_pred, pooled.prob_true)]
for j in np.argsort(-test.Y.sum(axis=0), kind="stable")[:3]:
    c = reliability_curve(test.Y[:, [j]], scores[:, [j]], n_bins=10)[0]
    curves.append((test.label_names[j], c.prob_pred, c.prob_true))
print("expected calibration error:", round(float(expected_calibration_error(test.Y, scores)), 4))
Figure(calibration_svg(curves))
