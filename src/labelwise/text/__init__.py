"""Text classification: raw strings in, scores out, label names back.

- :class:`TfidfFeatures`: word and character n-gram TF-IDF, sparse.
- :class:`SentenceEncoder`: offline MiniLM sentence embeddings, batched and cached per text.
- :class:`TfidfClassifier`: TF-IDF + one linear model per label, the strong classic baseline.
- :class:`EmbeddingClassifier`: sentence embeddings + a neural head, or the encoder fine-tuned.
- :class:`TextEnsemble`: both, calibrated on out-of-fold scores and averaged in log-odds.

Every classifier takes texts and label lists (or a 0/1 matrix), gives (n_samples, n_labels) scores
from ``predict_proba`` and decides with an explicit ``decision_rule``. Importing this package
does not import PyTorch or sentence-transformers; the encoder loads them when first used.

Examples
--------
>>> from labelwise.text import TfidfClassifier
>>> texts = ["Java engineer in London", "Python developer in Berlin", "Nurse in London",
...          "Doctor in a Berlin hospital", "Accountant in London", "Tax accountant in Berlin"]
>>> labels = [["IT", "UK"], ["IT", "Germany"], ["Health", "UK"], ["Germany", "Health"],
...           ["Finance", "UK"], ["Finance", "Germany"]]
>>> TfidfClassifier().fit(texts, labels).predict(["Java developer in Berlin", "Nurse, London"])
[['Germany', 'IT'], ['Health', 'UK']]
"""

from labelwise.text.classifiers import EmbeddingClassifier, TfidfClassifier, default_head
from labelwise.text.encoder import (
    SentenceEncoder,
    clear_embedding_cache,
    load_embedding_cache,
    save_embedding_cache,
)
from labelwise.text.ensemble import TextEnsemble
from labelwise.text.vectorize import TfidfFeatures

__all__ = [
    "EmbeddingClassifier",
    "SentenceEncoder",
    "TextEnsemble",
    "TfidfClassifier",
    "TfidfFeatures",
    "clear_embedding_cache",
    "default_head",
    "load_embedding_cache",
    "save_embedding_cache",
]
