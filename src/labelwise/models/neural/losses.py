"""Training losses for the neural models, on logits: BCE with ``pos_weight``, focal, asymmetric.

Every loss takes the raw outputs of the last layer (``logits``, shape ``(n, L)``) and the 0/1
targets of the same shape (class indices of shape ``(n,)`` for :func:`softmax_focal_loss`), and
works in log-space so that no probability is ever rounded to 0 or 1 before its logarithm is taken.
``reduction="mean"`` averages over every (example, label) entry, as PyTorch's
``BCEWithLogitsLoss`` does, so the losses are on one scale and the learning rate means the same
for all of them.

* :func:`binary_cross_entropy`: ``-[w y log p + (1 - y) log(1 - p)]`` with ``p = sigmoid(z)`` and
  ``w`` the per-label ``pos_weight`` (1 when not given).
* :func:`focal_loss` (Lin, Goyal, Girshick, He and Dollar, "Focal Loss for Dense Object
  Detection", ICCV 2017): ``-alpha_t (1 - p_t)^gamma log p_t`` with ``p_t = p`` for a positive
  entry and ``1 - p`` for a negative one; ``gamma = 0`` without ``alpha`` is binary cross-entropy.
* :func:`asymmetric_loss` (Ridnik, Ben-Baruch, Zamir, Noy, Friedman, Protter and Zelnik-Manor,
  "Asymmetric Loss For Multi-Label Classification", ICCV 2021): positives
  ``-(1 - p)^gamma_pos log p``; negatives ``-p_m^gamma_neg log(1 - p_m)`` with the shifted
  probability ``p_m = max(p - clip, 0)``, which discards easy negatives (``p < clip``) entirely.
  ``gamma_neg = gamma_pos = clip = 0`` is binary cross-entropy. The paper's defaults for its
  multi-label results are ``gamma_neg=4, gamma_pos=0, clip=0.05``.
* :func:`softmax_focal_loss`: the focal loss of a softmax over classes, ``-(1 - p_t)^gamma log p_t``
  with ``p_t`` the probability of the true class; ``gamma = 0`` is cross-entropy.

Importing this module imports torch (with a clear error naming the ``torch`` extra when it is
missing); :mod:`labelwise.models` itself does not import it.
"""

from __future__ import annotations

from typing import Any

from labelwise.models.neural._torch import import_torch

torch = import_torch()
F = torch.nn.functional

__all__ = [
    "LOSSES",
    "asymmetric_loss",
    "binary_cross_entropy",
    "focal_loss",
    "softmax_focal_loss",
]

REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Any, reduction: str) -> Any:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}; got {reduction!r}.")


def binary_cross_entropy(
    logits: Any, targets: Any, *, pos_weight: Any = None, reduction: str = "mean"
) -> Any:
    """Binary cross-entropy of a sigmoid per label, with optional per-label positive weights.

    Parameters
    ----------
    logits : Tensor of shape (n, L)
    targets : Tensor of shape (n, L)
        0/1 (or soft, in [0, 1]) targets, same dtype as ``logits``.
    pos_weight : Tensor of shape (L,), optional
        Weight of the positive term of each label, e.g. ``n_negative / n_positive``.
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor
        A scalar, or the (n, L) entries for ``reduction="none"``.

    Examples
    --------
    >>> z = torch.tensor([[0.0, 2.0]]); y = torch.tensor([[1.0, 0.0]])
    >>> round(float(binary_cross_entropy(z, y)), 4)  # (log 2 + log(1 + e^2)) / 2
    1.41
    """
    return F.binary_cross_entropy_with_logits(
        logits, targets, pos_weight=pos_weight, reduction=reduction
    )


def focal_loss(
    logits: Any,
    targets: Any,
    *,
    gamma: float = 2.0,
    alpha: float | None = None,
    reduction: str = "mean",
) -> Any:
    """Focal loss of a sigmoid per label (Lin et al., 2017).

    Parameters
    ----------
    logits, targets : Tensor of shape (n, L)
    gamma : float, default=2.0
        Focusing parameter; the paper's choice is 2. ``0`` gives binary cross-entropy.
    alpha : float in (0, 1) or None, default=None
        Weight of the positive entries (``1 - alpha`` for the negatives); ``None`` weighs both 1.
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor

    Examples
    --------
    >>> z = torch.tensor([[0.0, 2.0]]); y = torch.tensor([[1.0, 0.0]])
    >>> bool(torch.isclose(focal_loss(z, y, gamma=0.0), binary_cross_entropy(z, y)))
    True
    """
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = torch.exp(-bce)  # probability given to the true value of each entry
    loss = bce if gamma == 0 else (1.0 - p_t).pow(gamma) * bce
    if alpha is not None:
        loss = (alpha * targets + (1.0 - alpha) * (1.0 - targets)) * loss
    return _reduce(loss, reduction)


def asymmetric_loss(
    logits: Any,
    targets: Any,
    *,
    gamma_neg: float = 4.0,
    gamma_pos: float = 0.0,
    clip: float = 0.05,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Any:
    """Asymmetric loss of a sigmoid per label (Ridnik et al., 2021).

    Parameters
    ----------
    logits, targets : Tensor of shape (n, L)
    gamma_neg : float, default=4.0
        Focusing parameter of the negative entries.
    gamma_pos : float, default=0.0
        Focusing parameter of the positive entries.
    clip : float in [0, 1), default=0.05
        Probability margin ``m``: a negative's probability is shifted to ``max(p - m, 0)``.
    eps : float, default=1e-8
        Floor inside the logarithm of the shifted negatives (their probability can reach 0).
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor

    Examples
    --------
    >>> z = torch.tensor([[0.0, 2.0]]); y = torch.tensor([[1.0, 0.0]])
    >>> plain = asymmetric_loss(z, y, gamma_neg=0.0, gamma_pos=0.0, clip=0.0)
    >>> bool(torch.isclose(plain, binary_cross_entropy(z, y)))
    True
    """
    log_p = F.logsigmoid(logits)
    if clip > 0:
        # 1 - p_m = min(1 - p + m, 1); 1 - p is sigmoid(-z), exact for large z
        log_not_pm = torch.log(torch.clamp(torch.sigmoid(-logits) + clip, max=1.0).clamp(min=eps))
    else:
        log_not_pm = F.logsigmoid(-logits)
    loss_pos = -log_p
    if gamma_pos != 0:
        loss_pos = (1.0 - torch.exp(log_p)).pow(gamma_pos) * loss_pos
    loss_neg = -log_not_pm
    if gamma_neg != 0:
        loss_neg = (1.0 - torch.exp(log_not_pm)).pow(gamma_neg) * loss_neg
    loss = targets * loss_pos + (1.0 - targets) * loss_neg
    return _reduce(loss, reduction)


def softmax_focal_loss(
    logits: Any, targets: Any, *, gamma: float = 2.0, reduction: str = "mean"
) -> Any:
    """Focal loss of a softmax over classes: ``-(1 - p_t)^gamma log p_t``.

    Parameters
    ----------
    logits : Tensor of shape (n, C)
    targets : Tensor of int64 of shape (n,)
        The class index of each example.
    gamma : float, default=2.0
        ``0`` gives cross-entropy.
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` averages over the examples, as ``torch.nn.functional.cross_entropy`` does.

    Returns
    -------
    Tensor

    Examples
    --------
    >>> z = torch.tensor([[1.0, 0.0, -1.0]]); c = torch.tensor([1])
    >>> bool(torch.isclose(softmax_focal_loss(z, c, gamma=0.0), F.cross_entropy(z, c)))
    True
    """
    log_pt = F.log_softmax(logits, dim=1).gather(1, targets.view(-1, 1)).squeeze(1)
    loss = -log_pt if gamma == 0 else -(1.0 - torch.exp(log_pt)).pow(gamma) * log_pt
    return _reduce(loss, reduction)


# The named sigmoid-head losses NeuralClassifier accepts, with their keyword parameters.
LOSSES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "bce": (binary_cross_entropy, ()),
    "focal": (focal_loss, ("gamma", "alpha")),
    "asymmetric": (asymmetric_loss, ("gamma_neg", "gamma_pos", "clip", "eps")),
}
