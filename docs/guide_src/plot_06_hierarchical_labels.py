"""
Hierarchical labels
===================

When labels form a tree or a DAG (topics and subtopics, ``A.A1`` style codes, taxonomies), a
prediction should be **consistent**: predicting a child implies its parent. labelwise reads the
hierarchy from dotted names, a parent mapping or groups (:class:`labelwise.Hierarchy`), models it
(:class:`~labelwise.models.HierarchicalClassifier`: flat, top-down or per-level), decides
consistently (:mod:`labelwise.decision`'s hierarchical rules) and judges with hierarchical
precision, recall and F1, where a wrong child under the right parent earns partial credit.

Dataset: ``scene`` (6 labels) with a two-level hierarchy made for this page: the outdoor scenes
grouped under ``nature`` (beach, sunset, fall foliage, field, mountain) and ``urban``. Seed 0.
"""

# %%
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from labelwise import Hierarchy
from labelwise.datasets import load
from labelwise.metrics import f1_score, hierarchical_consistency_score, hierarchical_f1_score
from labelwise.models import BinaryRelevance, HierarchicalClassifier

train, test = load("scene", split="train"), load("scene", split="test")
print("labels:", train.label_names)
groups = {
    "nature": ["Beach", "Sunset", "FallFoliage", "Field", "Mountain"],
    "urban": ["Urban"],
}
hierarchy = Hierarchy.from_groups(groups)
print(hierarchy)

# %%
# Flat binary relevance ignores the hierarchy; the hierarchical model scores every node (the six
# labels plus the two groups) and decides a consistent set. Label lists carry the names, so the
# models, the hierarchy and the metric all speak of ``Beach`` and ``nature``, not column numbers.
# By default :class:`~labelwise.models.HierarchicalClassifier` tunes its decision threshold for
# hierarchical F1 on 3-fold out-of-fold training scores.
y_train, y_test = train.label_lists(), test.label_lists()
lr = LogisticRegression(max_iter=1000)


def label_lists(model, X):
    """The model's predictions as lists of label names (its columns are ``classes_``)."""
    pred = model.predict(X)
    if isinstance(pred, np.ndarray) and pred.dtype.kind in "biu":
        names = list(model[-1].classes_)
        return [[str(names[j]) for j in np.flatnonzero(row)] for row in pred]
    return [[str(label) for label in row] for row in pred]


flat = make_pipeline(StandardScaler(), BinaryRelevance(lr)).fit(train.X, y_train)
results = {"flat BR, 0.5": label_lists(flat, test.X)}
for strategy in ("flat", "top_down", "per_level"):
    model = make_pipeline(
        StandardScaler(), HierarchicalClassifier(lr, hierarchy=hierarchy, strategy=strategy)
    ).fit(train.X, y_train)
    results[f"hierarchical, {strategy}"] = label_lists(model, test.X)

print(f"{'model':<26}{'hier. F1':>9}{'micro-F1':>9}{'consistent':>11}")
for name, pred in results.items():
    print(
        f"{name:<26}{hierarchical_f1_score(y_test, pred, hierarchy=hierarchy):>9.3f}"
        f"{f1_score(y_test, pred, average='micro', labels=train.label_names):>9.3f}"
        f"{hierarchical_consistency_score(pred, hierarchy=hierarchy):>11.3f}"
    )
print("first predictions:", results["hierarchical, top_down"][:3])

# %%
# Specifying a hierarchy
# ----------------------
# Every ``hierarchy=`` parameter takes the same forms: a :class:`~labelwise.Hierarchy`, a parent
# mapping (roots may stay implicit: a parent that is no child is a root), a JSON file of that
# mapping, or dotted label names such as enron's ``A.A1`` (read by ``labelwise.read`` with the
# Mulan XML file).
same = Hierarchy.coerce(
    {
        "Beach": "nature",
        "Sunset": "nature",
        "FallFoliage": "nature",
        "Field": "nature",
        "Mountain": "nature",
        "Urban": "urban",
    }
)
print(sorted(same.roots), same == hierarchy if hasattr(same, "__eq__") else "")
