"""Old name of :mod:`labelwise.metrics._state_registry` (mergeable metric states, registry)."""

from labelwise.metrics._state_registry import (
    MetricSpec,
    MetricState,
    get_metric,
    register_metric,
    registered_metrics,
)

__all__ = ["MetricSpec", "MetricState", "get_metric", "register_metric", "registered_metrics"]
