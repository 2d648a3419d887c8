"""PyTorch, imported only when a neural model needs it: the lazy import and the device choice.

``import labelwise.models`` must not import torch (it takes seconds and is an optional extra).
Everything that needs torch calls :func:`import_torch` inside a function; when torch is missing
the error names the extra to install.
"""

from __future__ import annotations

import importlib
from typing import Any

from labelwise.errors import ProblemSetupError

__all__ = ["import_torch", "resolve_device"]

DEVICES = ("cpu", "auto", "cuda")


def import_torch() -> Any:
    """Import and return the ``torch`` module, or explain how to install it.

    Returns
    -------
    module
        ``torch``.

    Raises
    ------
    ImportError
        When torch is not installed, naming the ``torch`` extra of labelwise.

    Examples
    --------
    >>> import_torch().__name__
    'torch'
    """
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise ImportError(
            "labelwise's neural models need PyTorch, which is not installed. Install the torch "
            'extra: pip install "labelwise[torch]" (or install torch itself, see pytorch.org).'
        ) from exc


def resolve_device(device: str, *, who: str = "NeuralClassifier") -> Any:
    """The ``torch.device`` to train on.

    Parameters
    ----------
    device : {"cpu", "auto", "cuda"} or str
        ``"auto"`` uses the GPU when CUDA is available, the CPU otherwise; ``"cuda"`` (or
        ``"cuda:1"``) insists on the GPU.
    who : str
        Named in the error message.

    Returns
    -------
    torch.device

    Raises
    ------
    ProblemSetupError
        When a CUDA device is asked for but CUDA is not available.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    torch = import_torch()
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if str(device).startswith("cuda"):
        if not torch.cuda.is_available():
            raise ProblemSetupError(
                f"{who}: device={device!r} asks for a CUDA GPU, but CUDA is not available here "
                f"(torch {torch.__version__}, no usable GPU or a CPU-only build of PyTorch). "
                "Use device='auto' to train on the GPU when there is one and on the CPU "
                "otherwise, or device='cpu'."
            )
        return torch.device(device)
    return torch.device(device)
