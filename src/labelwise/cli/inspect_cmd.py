"""``labelwise inspect DATA``: what problem a dataset poses, its diagnostics and the advised setup.

The command only loads, calls :func:`labelwise.problem.describe` and
:func:`labelwise.diagnostics.diagnose`, and prints; every number comes from those functions.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from labelwise.cli._main import main
from labelwise.data.dataset import Dataset
from labelwise.diagnostics import diagnose
from labelwise.errors import LabelwiseError
from labelwise.problem import describe


def _load(data: str, labels: str | None, split: str) -> Dataset:
    """A file read by :func:`labelwise.read`, else a bundled dataset by name."""
    from labelwise.data.io import read
    from labelwise.datasets import load

    path = Path(data)
    if path.exists():
        return read(path) if labels is None else read(path, labels)
    try:
        return load(data, split=split)
    except ValueError as err:
        raise click.ClickException(
            f"{data!r} is neither an existing file nor a bundled dataset: {err}"
        ) from None


@main.command("inspect")
@click.argument("data")
@click.option(
    "--labels",
    default=None,
    help="Mulan XML label file (default: NAME.xml next to NAME[-train|-test].arff).",
)
@click.option(
    "--split",
    type=click.Choice(["train", "test", "all"]),
    default="all",
    show_default=True,
    help="Which part of a bundled dataset to inspect.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@click.option(
    "--hidden-width",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Width of the last hidden layer for the output-layer sizes.",
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="How many rarest labels and co-occurring pairs to list.",
)
def inspect_command(
    data: str, labels: str | None, split: str, as_json: bool, hidden_width: int, top: int
) -> None:
    """Describe DATA (a file path or a bundled dataset name): problem, diagnostics, advice."""
    try:
        ds = _load(data, labels, split)
        name = ds.name or Path(data).name
        problem = describe(ds.Y, label_names=ds.label_names, hierarchy=ds.hierarchy)
        diag = diagnose(ds, hidden_width=hidden_width, top=top, name=name)
    except (LabelwiseError, FileNotFoundError) as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        out = {"problem": problem.to_dict(), "diagnostics": diag.to_dict()}
        click.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    click.echo(str(problem))
    click.echo()
    click.echo(str(diag))
