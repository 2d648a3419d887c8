"""
F1 against the threshold
========================

The F1 each label would reach at each threshold on the test data, with the threshold the model
uses marked (dashed): tuned on out-of-fold *training* scores, so it sits near, not at, the test
optimum. The report shows the six labels with the lowest F1.
"""

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
import numpy as np
from _common import Figure, yeast_scores

from labelwise.metrics import f1_score, f1_threshold_curve
from labelwise.report.figures import f1_threshold_svg

train, test, model, scores = yeast_scores()
f1 = f1_score(test.Y, model.predict(test.X), average=None, zero_division=0)
curves = f1_threshold_curve(test.Y, scores)
thresholds = model.rule_.thresholds_
worst = np.argsort(f1, kind="stable")[:6]
for j in worst:
    print(
        f"{test.label_names[j]:<8} F1 {f1[j]:.3f} at threshold {thresholds[j]:.2f}; "
        f"best on this data {curves[j].f1.max():.3f}"
    )
Figure(
    f1_threshold_svg(
        [
            (
                f"{test.label_names[j]} (F1 {f1[j]:.2f})",
                curves[j].thresholds,
                curves[j].f1,
                float(thresholds[j]),
            )
            for j in worst
        ]
    )
)
