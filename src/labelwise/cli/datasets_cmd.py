"""``labelwise datasets``: list the bundled datasets and their sizes."""

from __future__ import annotations

import click

from labelwise.cli._main import main
from labelwise.datasets import list_datasets


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} MB"  # pragma: no cover


@main.command("datasets")
def datasets() -> None:
    """List the bundled datasets (load one with labelwise.datasets.load(name, split))."""
    header = ("name", "train", "test", "features", "labels", "size", "source")
    rows = [
        (
            d.name,
            str(d.n_train),
            str(d.n_test),
            str(d.n_features) if d.n_features else "text",
            str(d.n_labels),
            _size(d.size_bytes),
            d.source,
        )
        for d in list_datasets()
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {1, 2, 3, 4, 5}
    for r in [header, *rows]:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        click.echo("  ".join(cells).rstrip())
