"""The training machinery of :class:`~labelwise.models.NeuralClassifier`: network, batches, loop.

Everything here runs only inside ``fit``/``predict_proba`` and gets torch from
:func:`labelwise.models.neural._torch.import_torch`, so importing it does not import torch.

Speed notes (the throughput benchmark, ``benchmarks/neural_speed.py``, measures them): dense X
becomes one float32 tensor once and batches are gathered from it with a random permutation (no
DataLoader, no per-batch conversion); sparse X stays CSR and only each batch's rows are densified;
gradients are released with ``zero_grad(set_to_none=True)``; the running loss stays a tensor, so the
CPU waits for the numbers once per epoch, not once per batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from labelwise import metrics
from labelwise._progress import Progress
from labelwise.decision._base import DecisionRule
from labelwise.errors import ProblemSetupError
from labelwise.models._base import resolve_rule
from labelwise.models.neural._torch import import_torch

__all__ = ["ACTIVATIONS", "MONITORS", "build_network", "forward_in_chunks", "train"]

ACTIVATIONS = {"relu": "ReLU", "gelu": "GELU", "tanh": "Tanh", "logistic": "Sigmoid"}
PREDICT_CHUNK = 8192  # rows per forward pass at predict time


def build_network(
    n_in: int,
    hidden: tuple[int, ...],
    n_out: int,
    *,
    activation: str,
    dropout: float,
    batch_norm: bool,
) -> Any:
    """``[Linear -> (BatchNorm) -> activation -> (Dropout)] * len(hidden) -> Linear``.

    The last layer has ``(hidden[-1] + 1) * n_out`` parameters (``n_in`` without hidden layers),
    the count :func:`labelwise.diagnostics.diagnose` reports for an output layer of that width.
    """
    torch = import_torch()
    nn = torch.nn
    layers: list[Any] = []
    width = n_in
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h))
        layers.append(getattr(nn, ACTIVATIONS[activation])())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


class Batches:
    """Rows of X (dense tensor or CSR matrix) as float32 tensors on ``device``."""

    def __init__(self, X: Any, device: Any) -> None:
        torch = import_torch()
        self.torch = torch
        self.device = device
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.X = sp.csr_matrix(X, dtype=np.float32)
            self.X.sort_indices()
        else:
            A = np.asarray(X)
            if A.dtype != np.float32 or not A.flags.c_contiguous or not A.flags.writeable:
                A = np.ascontiguousarray(A, dtype=np.float32)
                if not A.flags.writeable:
                    A = A.copy()
            self.X = torch.from_numpy(A).to(device)
        self.n = int(X.shape[0])

    def rows(self, idx: Any) -> Any:
        """The rows ``idx`` (a CPU int64 tensor) as a dense float32 tensor on the device."""
        if self.sparse:
            block = self.X[idx.numpy()].toarray()
            return self.torch.from_numpy(block).to(self.device, non_blocking=True)
        if self.X.device.type != "cpu":
            idx = idx.to(self.X.device)
        return self.X.index_select(0, idx)

    def chunks(self, size: int = PREDICT_CHUNK) -> Iterator[Any]:
        """All rows in order, ``size`` at a time."""
        for start in range(0, self.n, size):
            stop = min(start + size, self.n)
            if self.sparse:
                block = self.X[start:stop].toarray()
                yield self.torch.from_numpy(block).to(self.device)
            else:
                yield self.X[start:stop]


def forward_in_chunks(module: Any, X: Any, device: Any, out: Callable[[Any], Any]) -> np.ndarray:
    """``out(module(X))`` in eval mode without gradients, chunk by chunk, as a float64 array."""
    torch = import_torch()
    data = X if isinstance(X, Batches) else Batches(X, device)
    was_training = module.training
    module.eval()
    parts = []
    with torch.inference_mode():
        for xb in data.chunks():
            parts.append(out(module(xb)).to("cpu", torch.float64).numpy())
    module.train(was_training)
    if not parts:
        return np.zeros((0, module[-1].out_features))
    return np.concatenate(parts, axis=0)


# ---------------------------------------------------------------- monitors for early stopping


def _decide(Y: np.ndarray, S: np.ndarray, head: str, rule: DecisionRule | None) -> np.ndarray:
    if head == "softmax_classes":
        D = np.zeros_like(Y)
        D[np.arange(S.shape[0]), np.argmax(S, axis=1)] = 1
        return D
    r = resolve_rule(rule)
    try:
        return r.predict(S)
    except (NotFittedError, AttributeError):  # a rule to tune: tune a copy on these scores
        return clone(r).fit(Y, S).predict(S)


def _label_metric(fn: Callable[..., float]) -> Callable[..., float]:
    def compute(Y: np.ndarray, S: np.ndarray, head: str, rule: Any) -> float:
        return float(fn(Y, _decide(Y, S, head, rule)))

    return compute


def _score_metric(fn: Callable[..., float]) -> Callable[..., float]:
    def compute(Y: np.ndarray, S: np.ndarray, head: str, rule: Any) -> float:
        return float(fn(Y, S))

    return compute


# name -> (higher is better, function of (Y indicator, scores, head, rule)); "loss" is special
MONITORS: dict[str, tuple[bool, Callable[..., float] | None]] = {
    "loss": (False, None),
    "f1_micro": (
        True,
        _label_metric(lambda Y, D: metrics.f1_score(Y, D, average="micro", zero_division=0)),
    ),
    "f1_macro": (
        True,
        _label_metric(lambda Y, D: metrics.f1_score(Y, D, average="macro", zero_division=0)),
    ),
    "f1_samples": (
        True,
        _label_metric(lambda Y, D: metrics.f1_score(Y, D, average="samples", zero_division=0)),
    ),
    "subset_accuracy": (True, _label_metric(metrics.subset_accuracy)),
    "hamming": (False, _label_metric(metrics.hamming_loss)),
    "lrap": (True, _score_metric(metrics.label_ranking_average_precision_score)),
    "average_precision_micro": (
        True,
        _score_metric(lambda Y, S: metrics.average_precision_score(Y, S, average="micro")),
    ),
    "precision_at_1": (True, _score_metric(lambda Y, S: metrics.precision_at_k(Y, S, k=1))),
    "ndcg_at_3": (True, _score_metric(lambda Y, S: metrics.ndcg_at_k(Y, S, k=3))),
}


# ---------------------------------------------------------------- the loop


@dataclass
class Problem:
    """What ``train`` needs: inputs, targets for the loss, validation rows and how to score."""

    X: Any
    T: np.ndarray  # loss targets: int8 0/1 or float (n, L) for sigmoids / soft softmax targets,
    # int64 (n,) for classes; 0/1 targets stay int8 and become float32 a batch at a time
    Y: np.ndarray  # 0/1 indicator of the monitored outputs (n, K), for metrics
    train_rows: np.ndarray
    val_rows: np.ndarray | None
    loss_fn: Callable[[Any, Any], Any]
    to_proba: Callable[[Any], Any]  # logits -> monitored scores (sigmoid, softmax, marginals)
    monitor_head: str  # "sigmoid" or "softmax_classes" (argmax decides)
    rule: DecisionRule | None = None
    history: list[dict[str, float]] = field(default_factory=list)


@dataclass
class Settings:
    """Training hyper-parameters, copied from the estimator."""

    batch_size: int
    max_epochs: int
    learning_rate: float
    weight_decay: float
    lr_schedule: str | None
    patience: int
    monitor: str
    restore_best: bool
    batch_norm: bool
    verbose: Any
    who: str = "NeuralClassifier"


@dataclass
class Outcome:
    n_epochs: int
    best_epoch: int
    best_score: float | None
    history: list[dict[str, float]]


def _nan_error(settings: Settings, epoch: int, X: Any) -> ProblemSetupError:
    data = X.data if sp.issparse(X) else np.asarray(X)
    biggest = float(np.max(np.abs(data))) if data.size else 0.0
    rate = f"the learning rate ({settings.learning_rate:g}) is too high (try 10 times smaller)"
    scale = (
        f"the inputs are not scaled (the largest absolute feature value is {biggest:.3g}; "
        "standardise dense features, e.g. with StandardScaler, or scale sparse ones with "
        "MaxAbsScaler)"
    )
    causes = f"{scale}, or {rate}" if biggest > 1e3 else f"{rate}, or {scale}"
    return ProblemSetupError(
        f"{settings.who}: the training loss became NaN or infinite in epoch {epoch}. Likely "
        f"causes: {causes}."
    )


def _adamw(torch: Any, module: Any, s: Settings) -> Any:
    """AdamW, fused (one kernel per parameter per step) where this build of torch has it."""
    kw = {"lr": s.learning_rate, "weight_decay": s.weight_decay}
    try:
        return torch.optim.AdamW(module.parameters(), fused=True, **kw)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.AdamW(module.parameters(), **kw)


def _scheduler(torch: Any, opt: Any, s: Settings, steps_per_epoch: int, higher: bool) -> Any:
    total = max(1, s.max_epochs * steps_per_epoch)
    sched = torch.optim.lr_scheduler
    if s.lr_schedule == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=total)
    if s.lr_schedule == "onecycle":
        return sched.OneCycleLR(opt, max_lr=s.learning_rate, total_steps=total)
    if s.lr_schedule == "plateau":
        return sched.ReduceLROnPlateau(
            opt, mode="max" if higher else "min", factor=0.1, patience=max(1, s.patience // 2)
        )
    return None


def train(module: Any, problem: Problem, settings: Settings, device: Any) -> Outcome:
    """Train ``module`` in place with AdamW; early stopping when ``problem.val_rows`` is given.

    The caller seeds torch's generator (inside ``torch.random.fork_rng``); batches are drawn
    with ``torch.randperm`` from it, so a seed fixes the whole run.
    """
    torch = import_torch()
    s = settings
    data = Batches(problem.X, device)
    if problem.T.dtype in (np.int64, np.int8):
        T = torch.from_numpy(np.ascontiguousarray(problem.T)).to(device)
    else:
        T = torch.from_numpy(np.ascontiguousarray(problem.T, dtype=np.float32)).to(device)
    as_float = T.dtype == torch.int8  # 0/1 label matrix: a quarter of float32's memory
    train_rows = torch.from_numpy(problem.train_rows.astype(np.int64))
    n_train = int(train_rows.numel())
    bs = min(s.batch_size, n_train)
    n_batches = math.ceil(n_train / bs)
    if s.batch_norm and n_train < 2:
        raise ProblemSetupError(
            f"{s.who}: batch normalisation needs at least 2 training examples per batch, but "
            f"there are {n_train}; use batch_norm=False or more data."
        )
    if s.batch_norm and n_train % bs == 1 and n_batches > 1:
        n_batches -= 1  # batch norm cannot train on a batch of one row: drop it
    validating = problem.val_rows is not None and problem.val_rows.size > 0
    higher, metric_fn = MONITORS[s.monitor] if validating else (False, None)
    module.to(device)
    module.train()
    opt = _adamw(torch, module, s)
    scheduler = _scheduler(torch, opt, s, n_batches, higher)
    per_step = s.lr_schedule in ("cosine", "onecycle")
    if validating:
        Xv = problem.X[problem.val_rows]
        Xv = Batches(Xv, device)
        Tv = T[torch.from_numpy(problem.val_rows.astype(np.int64)).to(device)]
        Tv = Tv.to(torch.float32) if as_float else Tv
        Yv = problem.Y[problem.val_rows]
    best = -math.inf if higher else math.inf
    best_epoch, best_state, wait, epoch = 0, None, 0, 0
    history: list[dict[str, float]] = []
    with Progress(total=s.max_epochs, desc=s.who, verbose=s.verbose) as bar:
        for epoch in range(1, s.max_epochs + 1):
            batches = train_rows[torch.randperm(n_train)][: n_batches * bs].split(bs)
            step = scheduler.step if per_step else None
            train_loss = _one_epoch(module, data, T, batches, problem.loss_fn, opt, step)
            if not math.isfinite(train_loss):
                raise _nan_error(s, epoch, problem.X)
            row = {"epoch": float(epoch), "loss": train_loss, "lr": opt.param_groups[0]["lr"]}
            current = train_loss
            if validating:
                current = _validate(module, problem, Xv, Tv, Yv, metric_fn, device)
                row["val_" + s.monitor] = current
            history.append(row)
            if scheduler is not None and not per_step:
                scheduler.step(current)
            improved = current > best if higher else current < best
            if improved:
                best, best_epoch, wait = current, epoch, 0
                if validating and s.restore_best:
                    best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                wait += 1
            shown = {"loss": train_loss}
            if validating:
                shown["val_" + s.monitor] = current
            bar.update(**shown)
            if validating and wait >= s.patience:
                break
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return Outcome(
        n_epochs=epoch,
        best_epoch=best_epoch if validating else epoch,
        best_score=best if validating else None,
        history=history,
    )


def _one_epoch(
    module: Any,
    data: Batches,
    T: Any,
    batches: Any,
    loss_fn: Callable[[Any, Any], Any],
    opt: Any,
    step: Callable[[], Any] | None,
) -> float:
    """One pass over ``batches`` (row indices); the mean training loss over them.

    0/1 targets stay int8 in ``T`` and become float32 a batch at a time; ``step`` advances a
    per-step learning-rate schedule.
    """
    torch = import_torch()
    as_float = T.dtype == torch.int8
    module.train()
    running = torch.zeros((), device=T.device)
    for idx in batches:
        out = module(data.rows(idx))
        tb = T.index_select(0, idx.to(T.device))
        loss = loss_fn(out, tb.to(torch.float32) if as_float else tb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step is not None:
            step()
        running += loss.detach()
    return float(running) / len(batches)


def _validate(
    module: Any, problem: Problem, Xv: Batches, Tv: Any, Yv: np.ndarray, metric_fn: Any, device: Any
) -> float:
    torch = import_torch()
    if metric_fn is None:  # the validation loss, the same loss as in training
        module.eval()
        total, start = 0.0, 0
        with torch.inference_mode():
            for xb in Xv.chunks():
                stop = start + xb.shape[0]
                total += float(problem.loss_fn(module(xb), Tv[start:stop])) * (stop - start)
                start = stop
        return total / max(start, 1)
    S = forward_in_chunks(module, Xv, device, problem.to_proba)
    return metric_fn(Yv, S, problem.monitor_head, problem.rule)
