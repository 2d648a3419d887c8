"""Fine-tuning the MiniLM encoder end to end with a sigmoid head (one logit per label, BCE).

Used by :class:`~labelwise.text.EmbeddingClassifier` with ``fine_tune=True``. The recipe is the
usual one for BERT-style encoders (Devlin et al., 2019): a few epochs of AdamW, a small learning
rate for the pre-trained encoder (2e-5 by default) and a larger one for the new head, a linear
warm-up then decay. It is meant for a GPU; on a CPU it works but is slow.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from labelwise._progress import Progress
from labelwise.models._torch import import_torch, resolve_device
from labelwise.text.encoder import EMBEDDING_DIM, load_sentence_model

__all__ = ["FineTunedEncoder"]


class FineTunedEncoder:
    """A private copy of the MiniLM encoder with a linear sigmoid head, trained together.

    Parameters
    ----------
    n_labels : int
    epochs, batch_size : int
    learning_rate : float
        The encoder's learning rate; the head's is ``head_learning_rate``.
    head_learning_rate : float
    weight_decay : float
    max_seq_length : int
    device : str
    random_state : int
    verbose : bool or None
    """

    def __init__(
        self,
        n_labels: int,
        *,
        epochs: int,
        batch_size: int,
        learning_rate: float,
        head_learning_rate: float,
        weight_decay: float,
        max_seq_length: int,
        device: str,
        random_state: int,
        verbose: bool | None,
    ) -> None:
        self.n_labels = n_labels
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.head_learning_rate = head_learning_rate
        self.weight_decay = weight_decay
        self.max_seq_length = max_seq_length
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, texts: list[str], Y: np.ndarray) -> FineTunedEncoder:
        """Train the encoder copy and the head on (texts, Y) with binary cross-entropy."""
        torch = import_torch()
        device = resolve_device(self.device, who="EmbeddingClassifier")
        encoder = copy.deepcopy(load_sentence_model("cpu")).to(device)
        encoder.max_seq_length = self.max_seq_length
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            head = torch.nn.Linear(EMBEDDING_DIM, self.n_labels).to(device)
            opt = torch.optim.AdamW(
                [
                    {"params": encoder.parameters(), "lr": self.learning_rate},
                    {"params": head.parameters(), "lr": self.head_learning_rate},
                ],
                weight_decay=self.weight_decay,
            )
            n = len(texts)
            steps = self.epochs * -(-n // self.batch_size)
            warmup = max(1, steps // 10)
            sched = torch.optim.lr_scheduler.LambdaLR(
                opt,
                lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))),
            )
            target = torch.as_tensor(Y, dtype=torch.float32)
            loss_fn = torch.nn.BCEWithLogitsLoss()
            rng = np.random.default_rng(self.random_state)
            encoder.train()
            with Progress(steps, desc="fine-tuning", verbose=self.verbose) as bar:
                for _ in range(self.epochs):
                    order = rng.permutation(n)
                    for start in range(0, n, self.batch_size):
                        rows = order[start : start + self.batch_size]
                        logits = head(self._embed(encoder, [texts[i] for i in rows], device))
                        loss = loss_fn(logits, target[rows].to(device))
                        opt.zero_grad()
                        loss.backward()
                        opt.step()
                        sched.step()
                        bar.update(loss=float(loss.detach()))
        encoder.eval()
        self.encoder_ = encoder.to("cpu")
        self.head_ = head.to("cpu")
        return self

    @staticmethod
    def _embed(encoder: Any, texts: list[str], device: Any) -> Any:
        prepare = getattr(encoder, "preprocess", None) or encoder.tokenize  # renamed in ST 5
        features = prepare(texts)
        features = {k: v.to(device) if hasattr(v, "to") else v for k, v in features.items()}
        return encoder(features)["sentence_embedding"]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """Sigmoid of the head's logits, shape (n_samples, n_labels)."""
        torch = import_torch()
        out = np.empty((len(texts), self.n_labels), dtype=np.float64)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                rows = order[start : start + self.batch_size]
                logits = self.head_(self._embed(self.encoder_, [texts[i] for i in rows], "cpu"))
                out[rows] = torch.sigmoid(logits).numpy()
        return out
