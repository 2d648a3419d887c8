"""The report's figures: matplotlib drawings of curves and matrices, returned as inline SVG.

Every function takes numbers computed elsewhere (``labelwise.metrics``, ``labelwise.decision``,
``labelwise.diagnostics``) and only draws them. matplotlib is imported lazily (the ``report``
extra), with the non-interactive Agg backend, and text stays text in the SVG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from labelwise.errors import LabelwiseError

__all__ = [
    "calibration_svg",
    "confusion_grid_svg",
    "cooccurrence_svg",
    "curves_svg",
    "f1_threshold_svg",
    "risk_threshold_svg",
]


class MissingDependencyError(LabelwiseError, ImportError):
    """An optional dependency is not installed."""


def _plt() -> Any:
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
        raise MissingDependencyError(
            "the HTML report draws its figures with matplotlib, which is not installed; "
            'install it with: pip install "labelwise[report]"'
        ) from exc
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.titlesize": 9})
    return plt


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    _plt().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: the SVG is inline


def _grid(n: int, cols: int = 4) -> tuple[int, int]:
    cols = max(1, min(cols, n))
    return (n + cols - 1) // cols, cols


def curves_svg(
    panels: Sequence[tuple[str, np.ndarray, np.ndarray]],
    *,
    xlabel: str,
    ylabel: str,
    diagonal: bool = False,
    step: bool = False,
) -> str:
    """Small multiples of (title, x, y) curves, one panel each.

    Examples
    --------
    >>> svg = curves_svg([("a", np.array([0.0, 1]), np.array([0.0, 1]))], xlabel="x", ylabel="y")
    >>> svg.startswith("<svg")
    True
    """
    plt = _plt()
    rows, cols = _grid(len(panels))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.3 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, (title, x, y) in zip(axes.ravel(), panels, strict=False):
        if step:
            ax.step(x, y, where="post", lw=1.4, color="#1f5fa8")
        else:
            ax.plot(x, y, lw=1.4, color="#1f5fa8")
        if diagonal:
            ax.plot([0, 1], [0, 1], ls=":", lw=0.8, color="#888")
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.25)
    fig.tight_layout()
    return _svg(fig)


def f1_threshold_svg(panels: Sequence[tuple[str, np.ndarray, np.ndarray, float | None]]) -> str:
    """F1 against the threshold, one panel per label, with the threshold in use marked.

    Examples
    --------
    >>> f1_threshold_svg([("a", np.array([0.9, 0.5]), np.array([0.5, 0.8]), 0.5)])[:4]
    '<svg'
    """
    plt = _plt()
    rows, cols = _grid(len(panels))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.2 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, (title, thresholds, f1, used) in zip(axes.ravel(), panels, strict=False):
        finite = np.isfinite(thresholds)
        ax.plot(thresholds[finite], f1[finite], lw=1.4, color="#1f5fa8", drawstyle="steps-post")
        if used is not None and np.isfinite(used):
            ax.axvline(used, color="#c0392b", lw=1, ls="--", label=f"used {used:.3g}")
            ax.legend(loc="lower left", fontsize=7, frameon=False)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(title)
        ax.set_xlabel("threshold")
        ax.set_ylabel("F1")
        ax.grid(alpha=0.25)
    fig.tight_layout()
    return _svg(fig)


def risk_threshold_svg(
    panels: Sequence[tuple[str, np.ndarray, np.ndarray, float, float | None]],
    *,
    alpha: float,
    ylabel: str,
) -> str:
    """A guaranteed rule's risk against the threshold, one panel each (all labels, or one
    label): the promise as a dashed line at ``alpha`` and the calibrated threshold marked.

    Each panel is (title, thresholds, risks, calibrated threshold, risk there); an infinite
    threshold (every label, or none, predicted) has no marker.

    Examples
    --------
    >>> t = np.linspace(0, 1, 5)
    >>> risk_threshold_svg([("all", t, t ** 2, 0.25, 0.0625)], alpha=0.1, ylabel="FNR")[:4]
    '<svg'
    """
    plt = _plt()
    rows, cols = _grid(len(panels))
    width = 4.2 if len(panels) == 1 else 2.6
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, 2.4 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    for ax, (title, thresholds, risks, cut, at_cut) in zip(axes.ravel(), panels, strict=False):
        ax.plot(thresholds, risks, lw=1.4, color="#1f5fa8", drawstyle="steps-post")
        ax.axhline(alpha, color="#c0392b", lw=1, ls="--", label=f"promise {alpha:g}")
        if np.isfinite(cut) and at_cut is not None:
            ax.plot(
                [cut],
                [at_cut],
                marker="o",
                ms=6,
                color="#c0392b",
                ls="none",
                label=f"calibrated {cut:.3g}",
            )
        ax.set_title(str(title)[:24])
        ax.set_xlabel("threshold")
        ax.set_ylabel(ylabel)
        ax.legend(loc="best", fontsize=7, frameon=False)
        ax.grid(alpha=0.25)
    fig.tight_layout()
    return _svg(fig)


def confusion_grid_svg(names: Sequence[str], matrices: np.ndarray) -> str:
    """One 2x2 confusion matrix (rows: true 0/1, columns: predicted 0/1) per label.

    Examples
    --------
    >>> confusion_grid_svg(["a"], np.array([[[5, 1], [2, 3]]]))[:4]
    '<svg'
    """
    plt = _plt()
    rows, cols = _grid(len(names), cols=6)
    fig, axes = plt.subplots(rows, cols, figsize=(1.9 * cols, 1.9 * rows), squeeze=False)
    for ax in axes.ravel()[len(names) :]:
        ax.axis("off")
    for ax, name, m in zip(axes.ravel(), names, matrices, strict=False):
        m = np.asarray(m, dtype=float)
        ax.imshow(m / max(m.sum(), 1), cmap="Blues", vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(m):
            ax.text(
                j,
                i,
                f"{v:.0f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v / max(m.sum(), 1) > 0.5 else "black",
            )
        ax.set_xticks([0, 1], ["pred 0", "pred 1"], fontsize=7)
        ax.set_yticks([0, 1], ["true 0", "true 1"], fontsize=7)
        ax.set_title(str(name)[:24], fontsize=8)
    fig.tight_layout()
    return _svg(fig)


def cooccurrence_svg(names: Sequence[str], conditional: np.ndarray) -> str:
    """Heatmap of P(column label | row label) in the data.

    Examples
    --------
    >>> cooccurrence_svg(["a", "b"], np.array([[1.0, 0.5], [0.25, 1.0]]))[:4]
    '<svg'
    """
    plt = _plt()
    n = len(names)
    size = min(11.0, 2.0 + 0.28 * n)
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    im = ax.imshow(conditional, cmap="viridis", vmin=0, vmax=1)
    ticks = np.arange(n)
    short = [str(x)[:18] for x in names]
    ax.set_xticks(ticks, short, rotation=90, fontsize=7)
    ax.set_yticks(ticks, short, fontsize=7)
    ax.set_xlabel("label B")
    ax.set_ylabel("label A")
    fig.colorbar(im, ax=ax, label="P(B | A)", fraction=0.046)
    fig.tight_layout()
    return _svg(fig)


def calibration_svg(curves: Sequence[tuple[str, np.ndarray, np.ndarray]]) -> str:
    """Reliability diagram: observed frequency against mean predicted probability per bin.

    Examples
    --------
    >>> calibration_svg([("all", np.array([0.1, 0.8]), np.array([0.2, 0.7]))])[:4]
    '<svg'
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.2, 3.8))
    ax.plot([0, 1], [0, 1], ls=":", color="#888", lw=1, label="perfectly calibrated")
    for name, prob_pred, prob_true in curves:
        ax.plot(prob_pred, prob_true, marker="o", ms=3, lw=1.2, label=str(name)[:24])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed frequency")
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return _svg(fig)
