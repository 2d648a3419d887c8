"""Old name of :mod:`labelwise.metrics._count_stats` (the count metrics' sufficient statistic)."""

from labelwise.metrics._count_stats import (
    CountStats,
    count_stats,
    per_sample_counts,
)

__all__ = ["CountStats", "count_stats", "per_sample_counts"]
