"""
Which metric should I report?
=============================

Multi-label metrics disagree because they answer different questions. This page computes them on
one set of predictions and shows where each one looks. Datasets: the bundled Reuters-21578 text
set (2,104 training and 915 test news stories, 90 topics, many of them rare) and ``yeast``. No
randomness on this page.
"""

# %%
# The averaging of precision, recall and F1
# -----------------------------------------
# Per label there is a 2x2 confusion table. The averagings combine them differently:
#
# * **micro**: pool the counts of all labels, then compute F1: frequent labels dominate.
# * **macro**: F1 per label, then the plain mean: every label counts the same, rare ones too.
# * **weighted**: per-label F1 weighted by the label's support.
# * **samples**: F1 per *example* (between its true and predicted set), then the mean.
#
# Plus the whole-set metrics: **Hamming loss** (share of wrong label decisions, all labels of all
# examples), **subset accuracy** (share of examples whose whole set is exactly right).
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from labelwise.datasets import load
from labelwise.metrics import (
    f1_score,
    hamming_loss,
    precision_at_k,
    recall_score,
    subset_accuracy,
)
from labelwise.models import BinaryRelevance

train, test = load("reuters", split="train"), load("reuters", split="test")
vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2)
X_train, X_test = vectorizer.fit_transform(train.texts), vectorizer.transform(test.texts)
model = BinaryRelevance(LogisticRegression(C=10, max_iter=1000)).fit(X_train, train.Y)
pred = model.predict(X_test)  # the default rule: 0.5
scores = model.predict_proba(X_test)

for average in ("micro", "macro", "weighted", "samples"):
    print(f"F1 {average:<9}{f1_score(test.Y, pred, average=average, zero_division=0):.3f}")
print(f"Hamming loss {hamming_loss(test.Y, pred):.4f}")
print(f"subset accuracy {subset_accuracy(test.Y, pred):.3f}")

# %%
# Why 98% accuracy can hide 12% recall on rare labels
# ---------------------------------------------------
# "Accuracy" over all label decisions is ``1 - Hamming loss``. With 90 topics and about one topic
# per story, almost every decision is a correct "no", so it is close to 1 whatever the model does
# on the topics that matter. Recall on the rare topics tells another story:
import numpy as np

counts = train.Y.sum(axis=0)
rare = np.flatnonzero((counts > 0) & (counts < 10) & (test.Y.sum(axis=0) > 0))
recall_per_label = recall_score(test.Y, pred, average=None, zero_division=0)
print(f"accuracy over all label decisions: {1 - hamming_loss(test.Y, pred):.1%}")
print(f"micro recall: {recall_score(test.Y, pred, average='micro'):.1%}")
print(
    f"mean recall on the {rare.size} topics with fewer than 10 training stories: "
    f"{recall_per_label[rare].mean():.1%}"
)
print(f"a model predicting no topic at all: accuracy {1 - test.Y.mean():.1%}, recall 0%")

# %%
# Report macro-F1 (or per-label recall) when rare labels matter, micro-F1 when the bulk of the
# decisions matter, samples-F1 when each example's set is what a user sees, subset accuracy only
# when every label of an example must be right, and never Hamming "accuracy" on its own.
# :func:`labelwise.problem.check_accuracy_on_sparse_labels` warns about exactly this.
#
# Ranking metrics judge the scores, not a rule
# --------------------------------------------
# When the output is a ranked list (tags shown to a user, codes suggested to a coder), judge the
# ranking: precision at k (P@k), nDCG@k, label ranking average precision, coverage error. They
# need no threshold at all.
from labelwise.metrics import (
    coverage_error,
    label_ranking_average_precision_score,
    ndcg_at_k,
)

for k in (1, 3, 5):
    print(
        f"P@{k} {precision_at_k(test.Y, scores, k=k):.3f}   nDCG@{k} "
        f"{ndcg_at_k(test.Y, scores, k=k):.3f}"
    )
print(f"LRAP {label_ranking_average_precision_score(test.Y, scores):.3f}")
print(f"coverage error {coverage_error(test.Y, scores):.2f} (labels to go down the ranking)")

# %%
# Streaming and merging
# ---------------------
# Every metric is computed from small sufficient statistics (per-label counts, per-example
# values), so batches and machines can be merged exactly. The
# :class:`~labelwise.metrics.Evaluator` takes batches of scores, decides them with a rule you
# name, and equals the one-shot functions:
from labelwise.decision import FixedThreshold
from labelwise.metrics import Evaluator

evaluator = Evaluator(metrics=["f1_micro", "f1_macro", "precision_at_1"], rule=FixedThreshold(0.5))
for rows in (slice(0, 400), slice(400, None)):
    evaluator.update(test.Y[rows], scores[rows])
print(evaluator.compute())
