"""
Model files and their safety
============================

``labelwise.save(model, "model.lw")`` writes one file; ``labelwise.load("model.lw")`` reads it
back **without running any code from the file**. A pickle can run arbitrary code when it is
loaded, so a model file that travels between people must not be one. labelwise's format is a zip
archive holding:

* ``metadata.json``: what the model is (label names, feature names, input kind, the metric and
  rule it was tuned for, versions);
* the estimator in `skops <https://skops.readthedocs.io>`_' format, read back by rebuilding only
  types on a trust list (labelwise's models, scikit-learn's estimators, numpy arrays);
* weight arrays (``.npz``) for PyTorch networks, never pickled tensors;
* ``MANIFEST.json`` with the SHA-256 of every member, checked before anything is read.

Saving is atomic (a temporary file renamed into place, so an interrupted save leaves the previous
file intact), and an existing file is replaced only with ``overwrite=True``.

Dataset: ``scene``. No randomness on this page.
"""

# %%
# Save, inspect, load
# -------------------
import json
import tempfile
import zipfile
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import labelwise
from labelwise.datasets import load
from labelwise.decision import GlobalThreshold, ThresholdedClassifier
from labelwise.models import BinaryRelevance

train, test = load("scene", split="train"), load("scene", split="test")
model = ThresholdedClassifier(
    make_pipeline(StandardScaler(), BinaryRelevance(LogisticRegression(max_iter=1000))),
    rule=GlobalThreshold("f1_micro"),
    cv=3,
    random_state=0,
).fit(train.X, train.Y)

folder = Path(tempfile.mkdtemp())
path = folder / "scene.lw"
labelwise.save(model, path, metadata={"label_names": train.label_names})
print(f"{path.name}: {path.stat().st_size:,} bytes")
with zipfile.ZipFile(path) as archive:
    print([info.filename for info in archive.infolist()])

metadata = labelwise.persist.load_metadata(path)  # reads no estimator
print(json.dumps({k: metadata[k] for k in ("format", "format_version", "label_names")}))

loaded = labelwise.load(path)
print("same predictions:", (loaded.predict(test.X) == model.predict(test.X)).all())

# %%
# A file that would run code is refused
# -------------------------------------
# A skops file can name any type; :func:`labelwise.persist.untrusted_types` lists the ones
# :func:`labelwise.load` would refuse, without importing anything. Here a model whose base
# estimator is a type that is not on the trust list:
from sklearn.base import BaseEstimator, ClassifierMixin

from labelwise.errors import UntrustedTypesError


class HomeMadeClassifier(ClassifierMixin, BaseEstimator):
    """A user's own estimator: fine to use, not to load from a stranger's file."""

    def fit(self, X, y):
        self.classes_ = [0, 1]
        return self

    def predict_proba(self, X):
        import numpy as np

        return np.full((len(X), 2), 0.5)


strange = BinaryRelevance(HomeMadeClassifier()).fit(train.X[:50], train.Y[:50])
strange_path = folder / "strange.lw"
labelwise.save(strange, strange_path)
print("untrusted:", labelwise.persist.untrusted_types(strange_path))
try:
    labelwise.load(strange_path)
except UntrustedTypesError as err:
    print("refused:", str(err)[:240])

# %%
# Trusting a type is an explicit decision by name, after you have read its code:
# ``labelwise.load(path, trusted=["__main__.HomeMadeClassifier"])``.
#
# A damaged or tampered file is refused too: the checksums are checked before anything is read.
data = bytearray(path.read_bytes())
data[len(data) // 2] ^= 0xFF  # flip the bits of one byte in the middle of the file
tampered = folder / "tampered.lw"
tampered.write_bytes(bytes(data))
try:
    labelwise.load(tampered)
except labelwise.errors.ModelFileError as err:
    print("refused:", str(err)[:240])
