"""What problem the targets describe, the setup that fits it, and guards against mistakes."""

from __future__ import annotations

import warnings

import numpy as np

from labelwise.data.targets import Targets
from labelwise.errors import ProblemSetupError, ProblemSetupWarning

__all__ = ["require_single_label", "warn_if_softmax_scores"]


def warn_if_softmax_scores(targets: Targets, y_score: np.ndarray, *, where: str = "") -> bool:
    """Warn when multi-label targets meet scores whose rows all sum to 1 (a softmax output).

    Softmax makes labels compete for one unit of probability, so an example with three true
    labels can get at most ~1/3 on each; multi-label problems need one independent sigmoid per
    label trained with binary cross-entropy.

    Parameters
    ----------
    targets : Targets
        Canonical targets from :func:`labelwise.data.check_targets`.
    y_score : ndarray of shape (n_samples, n_labels)
        Scores already checked by :func:`labelwise.data.check_scores`.
    where : str
        The calling function, named in the message.

    Returns
    -------
    bool
        Whether the warning was issued.

    Examples
    --------
    >>> import warnings
    >>> from labelwise.data import check_targets
    >>> t = check_targets([[1, 1, 0], [0, 1, 1], [0, 0, 0]])
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_if_softmax_scores(t, np.array([[.5, .4, .1], [.1, .5, .4], [.3, .3, .4]]))
    True
    """
    if targets.kind != "multilabel" or y_score.ndim != 2 or y_score.shape[1] < 2:
        return False
    if y_score.shape[0] < 2 or y_score.min() < 0:
        return False
    per_row = targets.labels_per_row()
    if not np.any(per_row != 1):  # one label per row: softmax is a fair model of it
        return False
    if not np.allclose(y_score.sum(axis=1), 1.0, atol=1e-6):
        return False
    prefix = f"{where}: " if where else ""
    warnings.warn(
        f"{prefix}every row of the scores sums to 1, as a softmax output does, but the targets "
        f"are multi-label ({int(np.sum(per_row > 1))} examples have several labels, "
        f"{int(np.sum(per_row == 0))} have none). Softmax makes labels compete for one unit of "
        "probability; use one independent sigmoid per label trained with binary cross-entropy.",
        ProblemSetupWarning,
        stacklevel=3,
    )
    return True


def require_single_label(targets: Targets, *, who: str) -> None:
    """Raise a clear error when a multi-class-only estimator or loss is given multi-label targets.

    Examples
    --------
    >>> from labelwise.data import check_targets
    >>> require_single_label(check_targets([[1, 1], [0, 1]]), who="OneVsOne")
    Traceback (most recent call last):
    ...
    labelwise.errors.ProblemSetupError: OneVsOne is for multi-class problems ...
    """
    if targets.kind in ("binary", "multiclass"):
        return
    per_row = targets.labels_per_row()
    if np.all(per_row == 1):
        return  # one-hot multi-class
    raise ProblemSetupError(
        f"{who} is for multi-class problems (exactly one label per example), but the targets "
        f"are multi-label: {int(np.sum(per_row > 1))} of {per_row.size} examples have several "
        f"labels and {int(np.sum(per_row == 0))} have none. Use a multi-label model "
        "(BinaryRelevance, ClassifierChain, LabelPowerset) with one sigmoid per label."
    )
