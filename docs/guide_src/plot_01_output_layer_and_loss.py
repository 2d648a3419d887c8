"""
Which output layer and which loss?
==================================

The first question of every multi-label project: **one sigmoid per label with binary
cross-entropy, or one softmax over the labels with cross-entropy?** The answer follows from the
targets, and :func:`labelwise.describe` reads it off them.

* **Multi-label** (an example carries zero, one or several labels): one independent sigmoid per
  label, trained with binary cross-entropy summed over the labels. Each output answers "does this
  label apply?" on its own.
* **Multi-class** (exactly one class per example): one softmax over the classes, trained with
  cross-entropy. The outputs compete and sum to one.

Dataset: the bundled ``yeast`` training split (1,500 genes, 14 functional classes). No randomness
on this page.
"""

# %%
# What the targets say
# --------------------
# :func:`~labelwise.problem.describe` looks at the targets only (never at a model) and recommends
# the output layer, the loss, the decision rule and the metrics.
from labelwise.datasets import load
from labelwise.problem import describe

train = load("yeast", split="train")
print(describe(train.Y))

# %%
# A multi-class target (one class per row, here the first label of each ``emotions`` example
# that has one) gets the softmax recommendation instead.
import numpy as np

emotions = load("emotions", split="train")
has_one = emotions.Y.sum(axis=1) >= 1
first_class = np.argmax(emotions.Y[has_one], axis=1)
print(describe(first_class))

# %%
# Why a softmax cannot do multi-label
# -----------------------------------
# A softmax's outputs are positive and sum to one. If two labels had probability above 0.5, their
# sum alone would exceed one, so **at most one label can pass a 0.5 threshold**, whatever the
# network learned. Here is a softmax over logits that strongly favour two labels:
logits = np.array([4.0, 4.0, -2.0, -2.0])
softmax = np.exp(logits) / np.exp(logits).sum()
sigmoid = 1 / (1 + np.exp(-logits))
print("softmax:", softmax.round(3), "sum", softmax.sum().round(3))
print("sigmoid:", sigmoid.round(3))

# %%
# The softmax splits the mass between the two labels (0.499 each) and neither reaches 0.5; the
# sigmoids say yes to both. labelwise refuses the mistake where it can see it: a softmax head on
# multi-label targets is an error with this reason, and scores whose rows sum to one on
# multi-label targets raise a warning.
from labelwise.errors import ProblemSetupError
from labelwise.models import NeuralClassifier

try:
    NeuralClassifier(head="softmax", max_epochs=1).fit(emotions.X, emotions.Y)
except ProblemSetupError as err:
    print("refused:", str(err)[:300])

# %%
# A softmax over label *sets*: the label powerset
# -----------------------------------------------
# A softmax can model multi-label targets if each class is a whole label set. With ``L`` labels
# there are ``2^L`` possible sets. :func:`labelwise.diagnostics.diagnose` (and
# ``labelwise inspect`` on the command line) prints what that costs and how sparse the observed
# sets are:
from labelwise.diagnostics import diagnose

report = diagnose(train.Y, label_names=train.label_names)
pw = report.powerset
print(f"possible label sets 2^{train.n_labels} = {pw.n_possible:,}; observed {pw.n_observed}")
print(
    f"examples per observed set: mean {pw.examples_per_set_mean:.1f}, "
    f"median {pw.examples_per_set_median:.0f}; {pw.share_sets_once:.0%} seen once"
)
print(f"{'output layer':<28}{'units':>8}{'parameters':>14}")
for name, units, params in [
    ("L sigmoids", pw.sigmoid_units, pw.sigmoid_params),
    ("softmax over 2^L sets", pw.full_softmax_units, pw.full_softmax_params),
    ("softmax over observed sets", pw.observed_softmax_units, pw.observed_softmax_params),
]:
    print(f"{name:<28}{units:>8,}{params:>14,}")

# %%
# A softmax over every possible set needs thousands of output units where the sigmoids need one
# per label; restricted to the sets seen in training it is smaller, but many of those sets occur
# once, so most of its classes have a single example, and a set never seen in training can never
# be predicted. The label powerset is a choice for few labels with many examples per set; one
# sigmoid per label is the default. (``hidden_width`` above is the size of the last hidden layer
# the parameter counts assume.)
