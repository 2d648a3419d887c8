"""Mergeable metric states and the registry the streaming Evaluator draws on.

A state holds a metric's sufficient statistics: ``update`` folds in a batch, ``merge`` folds in
another state of the same metric (from another batch, process or machine), ``compute`` gives the
value. One-shot functions and states share the same update/compute code, so they agree exactly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labelwise.errors import ProblemSetupError
from labelwise.metrics.names import canonical_metric_name

__all__ = ["MetricSpec", "MetricState", "get_metric", "register_metric", "registered_metrics"]


class MetricState(ABC):
    """Sufficient statistics of one metric, updated per batch and mergeable."""

    @abstractmethod
    def update(self, y_true: Any, y: Any, sample_weight: Any = None) -> None:
        """Fold in one batch; ``y`` is predictions or scores as the metric needs."""

    @abstractmethod
    def merge(self, other: MetricState) -> MetricState:
        """Fold ``other``'s statistics into this state, in place; return self."""

    @abstractmethod
    def compute(self) -> Any:
        """The metric's value from the statistics so far."""


@dataclass(frozen=True)
class MetricSpec:
    """How the Evaluator makes a metric's state.

    Attributes
    ----------
    name : str
        The metric's canonical name (:mod:`labelwise.metrics.names`), e.g. ``"f1_micro"`` or
        ``"ndcg_at_5"``.
    make_state : callable
        Returns a fresh :class:`MetricState`.
    needs : {"labels", "scores"}
        Whether the state takes 0/1 predictions or real-valued scores.
    """

    name: str
    make_state: Callable[[], MetricState]
    needs: str


_REGISTRY: dict[str, MetricSpec] = {}


def register_metric(name: str, make_state: Callable[[], MetricState], needs: str) -> None:
    """Register a streaming metric under its canonical ``name``."""
    if needs not in ("labels", "scores"):
        raise ValueError(f"needs must be 'labels' or 'scores'; got {needs!r}.")
    if canonical_metric_name(name) != name:
        raise ValueError(
            f"register {name!r} under its canonical name {canonical_metric_name(name)!r}."
        )
    _REGISTRY[name] = MetricSpec(name, make_state, needs)


def get_metric(name: str) -> MetricSpec:
    """The registered spec for ``name`` or an alias of it.

    Raises
    ------
    ProblemSetupError
        No streaming state is registered for the metric (the registered ones are listed).
    """
    canonical = canonical_metric_name(name) if isinstance(name, str) else name
    if canonical not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise ProblemSetupError(
            f"the Evaluator cannot compute metric {name!r}; it computes: {known}."
        )
    return _REGISTRY[canonical]


def registered_metrics() -> list[str]:
    """Canonical names of all registered streaming metrics."""
    return sorted(_REGISTRY)
