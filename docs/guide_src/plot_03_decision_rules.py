"""
Decisions: thresholds, top-k, calibration and Bayes-optimal rules
=================================================================

A model gives scores; **a decision rule turns them into label sets**. 0.5 is one rule among
many, and rarely the best one: the best cut depends on the metric, on how the scores are
calibrated and on how rare each label is. In labelwise the rule is a separate object
(:mod:`labelwise.decision`), fitted on validation scores, never on the test set.

Dataset: the bundled ``yeast`` split (1,500 training, 917 test genes, 14 labels). The rules are
tuned on **out-of-fold training scores** (5 folds, ``random_state=0``): the test split is used
once, at the end, to report.
"""

# %%
# One model, scores once
# ----------------------
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.datasets import load
from labelwise.decision import (
    AtLeastOne,
    BayesOptimal,
    Calibrated,
    FixedThreshold,
    GlobalThreshold,
    PerLabelThreshold,
    RankCut,
    ThresholdedClassifier,
    TopK,
)
from labelwise.metrics import f1_score, hamming_loss, subset_accuracy
from labelwise.models import BinaryRelevance

train, test = load("yeast", split="train"), load("yeast", split="test")
model = make_pipeline(StandardScaler(), BinaryRelevance(LogisticRegression(max_iter=1000)))

# %%
# The rules, each tuned on out-of-fold training scores
# ----------------------------------------------------
# :class:`~labelwise.decision.ThresholdedClassifier` fits the model on each training fold, scores
# the held-out fold, fits the rule on those out-of-fold scores, then refits the model on all
# training data. What each rule optimises:
#
# * :class:`~labelwise.decision.FixedThreshold` (0.5): nothing; the Bayes rule for Hamming loss
#   *if* the scores are calibrated probabilities.
# * :class:`~labelwise.decision.GlobalThreshold`: one cut for all labels, maximising micro-F1
#   (or macro/samples F1, Hamming, subset accuracy).
# * :class:`~labelwise.decision.PerLabelThreshold`: one cut per label maximising that label's F1,
#   so macro-F1; rare labels get low cuts.
# * :class:`~labelwise.decision.TopK`: the k highest-scoring labels (P@k, fixed-size outputs).
# * :class:`~labelwise.decision.RankCut`: cut the ranking where the score drops below a share of
#   the top score; adapts the number of labels to each example.
# * :class:`~labelwise.decision.AtLeastOne`: any rule, plus the top label when it predicts none.
# * :class:`~labelwise.decision.Calibrated`: Platt or isotonic calibration per label before a rule.
# * :class:`~labelwise.decision.BayesOptimal`: the decision of best *expected* Hamming, subset
#   accuracy or example-based F1 given probabilities (the General F-measure Maximizer for F1).
rules = {
    "0.5": FixedThreshold(0.5),
    "global, micro-F1": GlobalThreshold("f1_micro"),
    "per label, F1": PerLabelThreshold(),
    "top-4 (cardinality)": TopK(4),
    "rank cut 0.5": RankCut(ratio=0.5),
    "at least one + 0.5": AtLeastOne(FixedThreshold(0.5)),
    "isotonic + 0.5": Calibrated(method="isotonic", rule=FixedThreshold(0.5), random_state=0),
    "Bayes, example F1": BayesOptimal("f1_samples"),
}
print(f"{'rule':<22}{'micro-F1':>9}{'macro-F1':>9}{'samples-F1':>11}{'Hamming':>9}{'exact':>7}")
for name, rule in rules.items():
    clf = ThresholdedClassifier(model, rule=rule, cv=5, random_state=0).fit(train.X, train.Y)
    pred = clf.predict(test.X)
    print(
        f"{name:<22}{f1_score(test.Y, pred, average='micro'):>9.3f}"
        f"{f1_score(test.Y, pred, average='macro'):>9.3f}"
        f"{f1_score(test.Y, pred, average='samples'):>11.3f}"
        f"{hamming_loss(test.Y, pred):>9.3f}{subset_accuracy(test.Y, pred):>7.3f}"
    )

# %%
# Each rule wins the metric it optimises: the per-label cuts raise macro-F1 well above 0.5's,
# the global cut raises micro-F1, 0.5 (or the Bayes rule for Hamming) keeps Hamming loss low, and
# the expected-F1 rule is strong on samples-F1. Choose the rule by the metric you report, and tune
# it on validation or out-of-fold scores, as above.
#
# The tuned cuts are learned state of the rule:
clf = ThresholdedClassifier(model, rule=PerLabelThreshold(), cv=5, random_state=0)
clf.fit(train.X, train.Y)
print("per-label thresholds:", clf.rule_.thresholds_.round(2))

# %%
# Never tune on the test set
# --------------------------
# A rule tuned on the test set reports a number no deployment will see. The right split is
# training data -> out-of-fold scores -> rule; the test set is scored once. When there is a
# separate validation split, fit the rule on its scores directly:
scores_valid = model.fit(train.X[:1000], train.Y[:1000]).predict_proba(train.X[1000:])
rule = GlobalThreshold("f1_micro").fit(train.Y[1000:], scores_valid)
print("global cut from a validation split:", round(float(rule.threshold_), 3))
