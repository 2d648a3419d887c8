"""
Migrating from scikit-learn, scikit-multilearn and LibMultiLabel
================================================================

Their calls side by side with labelwise's. scikit-learn's are run on this page (it is one of
labelwise's dependencies) and compared with labelwise's numbers; scikit-multilearn's and
LibMultiLabel's are shown as text, since they are not installed where this site is built.

Dataset: ``emotions``. Seed 0.
"""

# %%
# scikit-learn: ``MultiOutputClassifier`` and ``ClassifierChain``
# ---------------------------------------------------------------
# ``MultiOutputClassifier(est).predict_proba(X)`` returns a *list* of ``(n, 2)`` arrays, one per
# label; labelwise's :class:`~labelwise.models.BinaryRelevance` returns one ``(n, L)`` array of
# positive-class probabilities, and its ``predict`` is an explicit rule over it.
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import ClassifierChain as SkClassifierChain
from sklearn.multioutput import MultiOutputClassifier

from labelwise.datasets import load
from labelwise.models import BinaryRelevance, ClassifierChain

train, test = load("emotions", split="train"), load("emotions", split="test")
lr = LogisticRegression(max_iter=2000)

sk = MultiOutputClassifier(lr).fit(train.X, train.Y)
sk_scores = np.column_stack([p[:, 1] for p in sk.predict_proba(test.X)])  # list -> matrix
lw = BinaryRelevance(lr).fit(train.X, train.Y)
print("same scores as MultiOutputClassifier:", np.allclose(sk_scores, lw.predict_proba(test.X)))

sk_chain = SkClassifierChain(lr, order=list(range(6))).fit(train.X, train.Y)
lw_chain = ClassifierChain(lr, order=list(range(6))).fit(train.X, train.Y)
print(
    "same chain scores:",
    np.allclose(sk_chain.predict_proba(test.X), lw_chain.predict_proba(test.X), atol=1e-6),
)

# %%
# What changes: scikit-learn thresholds at 0.5 inside ``predict``; labelwise's ``predict`` is
# ``decision_rule.predict(predict_proba(X))``, and
# :class:`~labelwise.decision.ThresholdedClassifier` tunes the rule on out-of-fold scores
# (scikit-learn's ``TunedThresholdClassifierCV`` is binary only). labelwise's chains also offer
# beam and exact inference and ``cv`` for out-of-fold chain inputs; its metrics take the same
# arguments and give scikit-learn's numbers.
#
# scikit-multilearn
# -----------------
# Their calls:
#
# .. code-block:: python
#
#    from skmultilearn.problem_transform import BinaryRelevance, ClassifierChain, LabelPowerset
#    from skmultilearn.ensemble import RakelD
#    from skmultilearn.adapt import MLkNN
#    from skmultilearn.model_selection import iterative_train_test_split
#
#    X_tr, y_tr, X_te, y_te = iterative_train_test_split(X, y, test_size=0.2)
#    clf = BinaryRelevance(classifier=SVC()).fit(X_tr, y_tr)   # y: sparse or dense 0/1
#    pred = clf.predict(X_te)                                    # a sparse matrix
#    RakelD(base_classifier=LogisticRegression(), labelset_size=3)
#    MLkNN(k=10, s=1.0)
#
# labelwise's:
#
# .. code-block:: python
#
#    from labelwise.models import BinaryRelevance, ClassifierChain, LabelPowerset, RAkEL, MLkNN
#    from labelwise.split import train_test_split
#
#    X_tr, X_te, Y_tr, Y_te = train_test_split(X, Y, test_size=0.2, random_state=0)
#    clf = BinaryRelevance(SVC(probability=True)).fit(X_tr, Y_tr)  # 0/1, sparse, lists, DataFrame
#    pred = clf.predict(X_te)                  # an explicit rule over predict_proba(X_te)
#    RAkEL(LogisticRegression(), k=3)
#    MLkNN(k=10, s=1.0)
#
# The split returns its arrays in scikit-learn's order (``X_tr, X_te, Y_tr, Y_te``), and the models
# are scikit-learn estimators (``clone``, ``GridSearchCV`` and ``Pipeline`` work).
#
# LibMultiLabel (linear models)
# -----------------------------
# Theirs:
#
# .. code-block:: python
#
#    import libmultilabel.linear as linear
#
#    preprocessor = linear.Preprocessor()
#    datasets = preprocessor.fit_transform(datasets)
#    model = linear.train_1vsrest(datasets["train"]["y"], datasets["train"]["x"], "")
#    scores = linear.predict_values(model, datasets["test"]["x"])
#
# labelwise's, on raw strings and label lists, returning label names:
#
# .. code-block:: python
#
#    from labelwise.text import TfidfClassifier
#
#    model = TfidfClassifier().fit(texts, labels)
#    model.predict(new_texts)
#
# or, choosing among the text pipelines by cross-validation, from a shell:
# ``labelwise fit data.jsonl --labels labels --metric macro_f1``. Wrap the classifier in
# ``ThresholdedClassifier(..., rule=PerLabelThreshold())`` for per-label thresholds tuned on
# out-of-fold scores (see :doc:`plot_07_text`).
