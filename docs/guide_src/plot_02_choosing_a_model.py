"""
One-vs-rest, one-vs-one, label powerset, RAkEL, chains, ML-kNN or a network?
============================================================================

Every model in :mod:`labelwise.models` produces the same thing, one probability per label, so
they can be compared on equal terms. This page fits each on the bundled ``emotions`` data (593
music clips, 72 audio features, 6 emotions; the standard Mulan split) and prints a comparison table
made by the page itself. Seed: ``random_state=0`` wherever a model is random.

When each is the right choice:

* **Binary relevance / one-vs-rest** (:class:`~labelwise.models.BinaryRelevance`): one classifier
  per label, independent. The strong, fast, scalable default; it ignores label dependence.
* **One-vs-one** (:class:`~labelwise.models.OneVsOne`): a *multi-class* reduction, one classifier
  per pair of classes, for binary-only base models on single-label targets. It refuses
  multi-label targets.
* **Label powerset** (:class:`~labelwise.models.LabelPowerset`): one multi-class model over the
  label *sets* seen in training. Captures every dependence between labels, but only for few labels
  with many examples per set (see :doc:`plot_01_output_layer_and_loss`).
* **RAkEL** (:class:`~labelwise.models.RAkEL`): label powersets over small random label subsets,
  averaged: most of the powerset's benefit at a tractable size.
* **Classifier chains** (:class:`~labelwise.models.ClassifierChain`,
  :class:`~labelwise.models.EnsembleClassifierChains`): each label's classifier also sees the
  previous labels; an ensemble of random orders removes the dependence on one order.
* **ML-kNN** (:class:`~labelwise.models.MLkNN`): a Bayesian rule over the labels of the nearest
  neighbours; strong when similar inputs share label sets, no training beyond an index.
* **Neural network** (:class:`~labelwise.models.NeuralClassifier`): one sigmoid per label over a
  shared hidden layer; shares features across labels, and imbalance-aware losses help rare labels.

Each model below decides with the same rule (0.5, the default) so the table compares scores, not
tuned rules; :doc:`plot_03_decision_rules` shows how much a tuned rule adds.
"""

# %%
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise.datasets import load
from labelwise.metrics import f1_score, hamming_loss, label_ranking_average_precision_score
from labelwise.models import (
    BinaryRelevance,
    ClassifierChain,
    EnsembleClassifierChains,
    LabelPowerset,
    MLkNN,
    NeuralClassifier,
    RAkEL,
)

train, test = load("emotions", split="train"), load("emotions", split="test")
lr = LogisticRegression(max_iter=1000)
models = {
    "binary relevance (LR)": BinaryRelevance(lr),
    "binary relevance (forest)": BinaryRelevance(
        RandomForestClassifier(n_estimators=100, random_state=0)
    ),
    "label powerset (LR)": LabelPowerset(lr),
    "RAkEL (LR, k=3)": RAkEL(lr, k=3, random_state=0),
    "classifier chain (LR)": ClassifierChain(lr, random_state=0),
    "ensemble of 10 chains (LR)": EnsembleClassifierChains(lr, n_chains=10, random_state=0),
    "ML-kNN (k=10)": MLkNN(k=10),
    "neural network (64 hidden)": NeuralClassifier(
        hidden_layer_sizes=(64,), max_epochs=60, random_state=0
    ),
}

print(f"{'model':<30}{'micro-F1':>10}{'macro-F1':>10}{'Hamming':>9}{'LRAP':>7}{'fit s':>7}")
for name, model in models.items():
    pipe = make_pipeline(StandardScaler(), model)
    start = time.perf_counter()
    pipe.fit(train.X, train.Y)
    seconds = time.perf_counter() - start
    pred, scores = pipe.predict(test.X), pipe.predict_proba(test.X)
    print(
        f"{name:<30}{f1_score(test.Y, pred, average='micro'):>10.3f}"
        f"{f1_score(test.Y, pred, average='macro'):>10.3f}"
        f"{hamming_loss(test.Y, pred):>9.3f}"
        f"{label_ranking_average_precision_score(test.Y, scores):>7.3f}{seconds:>7.2f}"
    )

# %%
# Reading the table: no family wins every column on every dataset, which is why
# ``labelwise fit --metric`` (:doc:`plot_10_main_job`) cross-validates the candidates that suit
# the data on the training split and picks by the metric you care about. Fit times are from
# the machine that built this page.
#
# One-vs-one is for single-label targets; on this multi-label data it refuses with the reason:
from labelwise.errors import ProblemSetupError
from labelwise.models import OneVsOne

try:
    OneVsOne(lr).fit(train.X, train.Y)
except ProblemSetupError as err:
    print("refused:", str(err)[:200])

first = np.argmax(train.Y, axis=1)  # a multi-class target: each clip's first emotion
ovo = make_pipeline(StandardScaler(), OneVsOne(lr)).fit(train.X, first)
print(
    "one-vs-one accuracy on the first emotion:",
    round(float((ovo.predict(test.X) == np.argmax(test.Y, axis=1)).mean()), 3),
)
