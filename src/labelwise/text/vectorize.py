"""TF-IDF features for raw text: word n-grams and character n-grams, side by side, sparse.

Word uni- and bigrams capture topics and short phrases; character n-grams inside word boundaries
(``char_wb``) capture morphology, spelling variants and rare words the word vocabulary misses.
Both use sublinear term frequency (``1 + log tf``) and L2-normalised rows, the standard weighting
for linear text classifiers (Joachims, 1998; Lewis et al., "RCV1", JMLR 2004).
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Interval, validate_params
from labelwise.text._texts import check_texts

__all__ = ["TfidfFeatures"]


def _ngram_range(value: Any) -> bool:
    """None or a pair (low, high) of integers with 1 <= low <= high"""
    if value is None:
        return True
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= value[1]
    )


class TfidfFeatures(TransformerMixin, BaseEstimator):
    """Word and character n-gram TF-IDF features, concatenated into one sparse matrix.

    Parameters
    ----------
    word_ngram_range : (int, int) or None, default=(1, 2)
        Word n-gram sizes; ``None`` leaves word features out.
    char_ngram_range : (int, int) or None, default=(2, 5)
        Character n-gram sizes within word boundaries; ``None`` leaves them out.
    min_df : int, default=1
        Ignore n-grams found in fewer training texts.
    max_features : int or None, default=None
        Keep at most this many n-grams of each kind (the most frequent).
    lowercase : bool, default=True
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` instead of raw counts.

    Attributes
    ----------
    word_ : TfidfVectorizer or None
    char_ : TfidfVectorizer or None
    n_features_out_ : int

    Examples
    --------
    >>> tf = TfidfFeatures(char_ngram_range=None).fit(["red apple", "green apple"])
    >>> tf.get_feature_names_out().tolist()
    ['word:apple', 'word:green', 'word:green apple', 'word:red', 'word:red apple']
    >>> tf.transform(["apple pie"]).toarray().round(2).tolist()
    [[1.0, 0.0, 0.0, 0.0, 0.0]]
    """

    _parameter_constraints: ClassVar[dict] = {
        "word_ngram_range": [_ngram_range],
        "char_ngram_range": [_ngram_range],
        "min_df": [Interval(numbers.Integral, 1, None)],
        "max_features": [None, Interval(numbers.Integral, 1, None)],
        "lowercase": [bool],
        "sublinear_tf": [bool],
    }

    def __init__(
        self,
        word_ngram_range: tuple[int, int] | None = (1, 2),
        char_ngram_range: tuple[int, int] | None = (2, 5),
        min_df: int = 1,
        max_features: int | None = None,
        lowercase: bool = True,
        sublinear_tf: bool = True,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.lowercase = lowercase
        self.sublinear_tf = sublinear_tf

    def _vectorizer(self, analyzer: str, ngram_range: tuple[int, int]) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer=analyzer,
            ngram_range=tuple(ngram_range),
            min_df=self.min_df,
            max_features=self.max_features,
            lowercase=self.lowercase,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float64,
        )

    def fit(self, X: Any, y: Any = None) -> TfidfFeatures:
        """Learn the vocabularies and inverse document frequencies from training texts."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        """Fit on ``X`` and return its ``(n_samples, n_features_out_)`` TF-IDF matrix."""
        return self._fit_texts(check_texts(X, who="TfidfFeatures", fit=True))

    def _fit_texts(self, texts: list[str]) -> sp.csr_matrix:
        """``fit_transform`` on texts that :func:`check_texts` has already passed."""
        validate_params(self)
        if self.word_ngram_range is None and self.char_ngram_range is None:
            raise ValueError(
                "TfidfFeatures: word_ngram_range and char_ngram_range are both None; keep at "
                "least one kind of n-gram."
            )
        blocks = []
        self.word_ = self.char_ = None
        if self.word_ngram_range is not None:
            self.word_ = self._vectorizer("word", self.word_ngram_range)
            blocks.append(self._fit_block(self.word_, texts, "word"))
        if self.char_ngram_range is not None:
            self.char_ = self._vectorizer("char_wb", self.char_ngram_range)
            blocks.append(self._fit_block(self.char_, texts, "character"))
        out = sp.hstack(blocks, format="csr")
        self.n_features_out_ = out.shape[1]
        return out

    @staticmethod
    def _fit_block(vectorizer: TfidfVectorizer, texts: list[str], kind: str) -> sp.csr_matrix:
        try:
            return vectorizer.fit_transform(texts)
        except ValueError as err:  # "empty vocabulary": only stop words, min_df too high, ...
            raise ValueError(
                f"TfidfFeatures: no {kind} n-gram is left to learn from ({err}); lower min_df, "
                "or check that the texts hold words."
            ) from None

    def transform(self, X: Any) -> sp.csr_matrix:
        """TF-IDF matrix of new texts, in the training vocabulary (unseen n-grams are dropped)."""
        check_is_fitted(self, "n_features_out_")
        return self._transform_texts(check_texts(X, who="TfidfFeatures"))

    def _transform_texts(self, texts: list[str]) -> sp.csr_matrix:
        blocks = [v.transform(texts) for v in (self.word_, self.char_) if v is not None]
        return sp.hstack(blocks, format="csr")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """N-gram names, prefixed ``word:`` or ``char:``."""
        check_is_fitted(self, "n_features_out_")
        names: list[str] = []
        for prefix, v in (("word", self.word_), ("char", self.char_)):
            if v is not None:
                names.extend(f"{prefix}:{n}" for n in v.get_feature_names_out())
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
