"""
Splitting multi-label data and catching leakage
===============================================

A random split of multi-label data can leave a rare label out of the test set, or out of a
cross-validation fold, entirely; metrics on that label are then undefined or noise. **Iterative
stratification** (Sechidis, Tsoumakas and Vlahavas, 2011) deals the examples of the rarest labels
first so every label is spread in the requested proportion; the second-order version also
balances label *pairs* (Szymański and Kajdanowicz, 2017).

Datasets: ``yeast`` (14 labels, one with 21 training examples) and ``emotions``. Seeds: 0..19 for
the split comparison, 0 elsewhere.
"""

# %%
# Stratified vs random folds
# --------------------------
# For each method, 5-fold cross-validation over 20 seeds: the number of (fold, label) pairs where
# a label is missing from the test fold, and the mean absolute deviation of each label's share in
# a fold from its share in the data (label distribution, LD).
import numpy as np
from sklearn.model_selection import KFold

from labelwise.datasets import load
from labelwise.split import MultilabelStratifiedKFold

train = load("yeast", split="train")
Y = train.Y
share = Y.mean(axis=0)


def fold_stats(splitter):
    missing, deviation = 0, []
    for _, test_rows in splitter.split(np.zeros((Y.shape[0], 1)), Y):
        fold = Y[test_rows]
        missing += int((fold.sum(axis=0) == 0).sum())
        deviation.append(np.abs(fold.mean(axis=0) - share).mean())
    return missing, float(np.mean(deviation))


for name, make in [
    ("random KFold", lambda s: KFold(5, shuffle=True, random_state=s)),
    ("iterative, order 1", lambda s: MultilabelStratifiedKFold(5, shuffle=True, random_state=s)),
    (
        "iterative, order 2",
        lambda s: MultilabelStratifiedKFold(5, order=2, shuffle=True, random_state=s),
    ),
]:
    stats = [fold_stats(make(seed)) for seed in range(20)]
    print(
        f"{name:<20} missing (fold, label) pairs per run {np.mean([m for m, _ in stats]):.2f}"
        f"   LD {np.mean([d for _, d in stats]):.4f}"
    )

# %%
# The same for one train/test split:
from labelwise.split import train_test_split

X_tr, X_te, Y_tr, Y_te = train_test_split(train.X, Y, test_size=0.2, random_state=0)
print("training examples per label:", Y_tr.sum(axis=0))
print("test examples per label:    ", Y_te.sum(axis=0))

# %%
# Catching leakage between train and test
# ---------------------------------------
# A test row that also occurs in the training data measures memory, not generalisation.
# :func:`labelwise.problem.check_overlap` (and ``labelwise inspect DATA --test TEST``, which
# ``labelwise fit --test`` runs too) counts identical rows, rows equal after rounding features
# to 1e-9, and identical texts:
from labelwise.problem import check_overlap

emotions_train, emotions_test = load("emotions", split="train"), load("emotions", split="test")
print(check_overlap(emotions_train.X, emotions_test.X, warn=False))

leaky_test = np.vstack([emotions_test.X, emotions_train.X[:50]])  # 50 copied training rows
report = check_overlap(emotions_train.X, leaky_test, warn=False)
print(report.n_overlap, "overlapping test rows, the first:", report.test_rows[:5])
