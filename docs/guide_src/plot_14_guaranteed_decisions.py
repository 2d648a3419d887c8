"""
Guaranteed decisions: recall, precision or false positives with a stated probability
====================================================================================

A tuned threshold maximises a metric *on average*. Some users need a promise instead: "at least
90% of the codes that apply are suggested", "no more than 10% of the emitted tags are wrong".
Conformal risk control and Learn-then-Test give such promises from a **calibration set** the
model never trained on, assuming calibration and future examples are exchangeable (drawn the
same way):

* :class:`~labelwise.decision.RecallControl`: false-negative rate at most ``alpha``, in
  expectation (conformal risk control; Angelopoulos et al. 2024) or with probability at least
  ``1 - delta`` (Learn-then-Test; Angelopoulos et al. 2021); ``per_label=True`` for each label.
* :class:`~labelwise.decision.PrecisionControl`: false-discovery proportion at most ``alpha``
  with probability ``1 - delta``.
* :class:`~labelwise.decision.FalsePositiveControl`: expected false positives per example.
* :class:`~labelwise.decision.ConformalSets`: multi-class prediction sets containing the true
  class with probability ``1 - alpha`` (marginal or per class).

Each rule states its promise in ``guarantee_``. Dataset: ``yeast`` (the test split is cut in a
calibration half and an evaluation half, seed 0).
"""

# %%
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.datasets import load
from labelwise.decision import (
    PrecisionControl,
    RecallControl,
    achieved_risk,
    required_calibration_size,
)
from labelwise.models import BinaryRelevance

train, test = load("yeast", split="train"), load("yeast", split="test")
model = make_pipeline(StandardScaler(), BinaryRelevance(LogisticRegression(max_iter=1000)))
model.fit(train.X, train.Y)
rows = np.random.default_rng(0).permutation(test.n_samples)
cal, ev = rows[: test.n_samples // 2], rows[test.n_samples // 2 :]
S_cal, S_ev = model.predict_proba(test.X[cal]), model.predict_proba(test.X[ev])
Y_cal, Y_ev = test.Y[cal], test.Y[ev]

# %%
# Recall at least 90%, in expectation and with probability 0.9
# ------------------------------------------------------------
for rule in (RecallControl(alpha=0.1), RecallControl(alpha=0.1, delta=0.1)):
    rule.fit(Y_cal, S_cal)
    print(rule.guarantee_)
    print("  achieved on held-out rows:", achieved_risk(Y_ev, rule.predict(S_ev), risk="fnr"))

# %%
# Precision at least 90% with probability 0.9
# -------------------------------------------
rule = PrecisionControl(alpha=0.1, delta=0.1).fit(Y_cal, S_cal)
print(rule.guarantee_)
print("  achieved:", achieved_risk(Y_ev, rule.predict(S_ev), risk="fdp"))

# %%
# How many calibration examples a promise needs
# ---------------------------------------------
# Smaller ``alpha`` and ``delta`` need more calibration data; a rule refuses, with these numbers,
# when it has too few.
for alpha, delta in [(0.2, 0.1), (0.1, 0.1), (0.05, 0.1), (0.05, 0.01)]:
    n = required_calibration_size(alpha, delta)
    print(f"alpha {alpha:<5} delta {delta:<5} -> at least {n} calibration examples")
