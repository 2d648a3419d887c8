"""How the commands print metric values: one line each, with the direction that is better."""

from __future__ import annotations

import click

__all__ = ["print_scores"]

_LOWER_IS_BETTER = ("loss", "error", "coverage")


def print_scores(scores: dict[str, float], indent: str = "  ") -> None:
    """One aligned line per metric: name, value, and whether lower or higher is better.

    Examples
    --------
    >>> print_scores({"hamming_loss": 0.25, "f1_micro": 0.5})
      hamming_loss  0.2500   (lower is better)
      f1_micro      0.5000   (higher is better)
    """
    if not scores:
        return
    width = max(len(k) for k in scores)
    for name, value in scores.items():
        lower = any(w in name for w in _LOWER_IS_BETTER)
        arrow = "lower is better" if lower else "higher is better"
        click.echo(f"{indent}{name:<{width}}  {value:.4f}   ({arrow})")
