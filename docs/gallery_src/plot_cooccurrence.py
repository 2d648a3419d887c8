"""
Label co-occurrence
===================

The share of the examples with label A (row) that also carry label B (column), on the training
data: where it is far from the column's overall frequency, labels depend on each other and
chains, label powersets or RAkEL may pay off (see the user guide's model page).
"""

# %%
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
import numpy as np
from _common import Figure

from labelwise.datasets import load
from labelwise.report.figures import cooccurrence_svg

train = load("yeast", split="train")
Y = train.Y.astype(np.float64)
both = Y.T @ Y
conditional = both / np.maximum(np.diag(both)[:, None], 1)
print("P(Class13 | Class12) =", round(float(conditional[11, 12]), 3))
Figure(cooccurrence_svg(train.label_names, conditional))
