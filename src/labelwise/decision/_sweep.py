"""Old name of :mod:`labelwise.decision._per_label_sweep` (exact per-label threshold search)."""

from labelwise.decision._per_label_sweep import (
    Cut,
    fbeta_from_counts,
    per_label_fbeta_cuts,
    place_threshold,
)

__all__ = ["Cut", "fbeta_from_counts", "per_label_fbeta_cuts", "place_threshold"]
