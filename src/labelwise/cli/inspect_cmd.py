"""``labelwise inspect DATA``: what problem a dataset poses, its diagnostics and the advised setup.

The command only loads, calls :func:`labelwise.problem.describe`,
:func:`labelwise.diagnostics.diagnose` and, with ``--test``,
:func:`labelwise.problem.check_overlap`, and prints; every number comes from those functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from labelwise.cli._main import collected_warnings, main
from labelwise.cli._options import encoding_option, labels_option, load_data
from labelwise.diagnostics import diagnose, hierarchy_summary
from labelwise.problem import check_overlap, describe


@main.command("inspect")
@click.argument("data")
@labels_option
@encoding_option
@click.option(
    "--test",
    "test",
    default=None,
    metavar="TEST",
    help="A test file (or bundled dataset name, whose test split is used) to check against DATA "
    "for train/test overlap; read with the same --labels.",
)
@click.option(
    "--split",
    type=click.Choice(["train", "test", "all"]),
    default="all",
    show_default=True,
    help="Which part of a bundled dataset to inspect.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the numbers (and warnings) as JSON.")
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
    data: str,
    labels: Any,
    encoding: str | None,
    test: str | None,
    split: str,
    as_json: bool,
    hidden_width: int,
    top: int,
) -> None:
    """Describe DATA (a file path or a bundled dataset name): problem, diagnostics, advice.

    With --test TEST, also count the test rows that occur in DATA (possible leakage).
    """
    ds = load_data(data, labels, split=split, encoding=encoding)
    name = ds.name or Path(data).name
    problem = describe(ds.Y, label_names=ds.label_names, hierarchy=ds.hierarchy)
    diag = diagnose(ds, hidden_width=hidden_width, top=top, name=name)
    tree = None
    if ds.hierarchy is not None and not ds.hierarchy.is_trivial():
        tree = hierarchy_summary(ds.hierarchy, ds.Y, list(ds.label_names))
    overlap = None
    if test is not None:
        test_set = load_data(test, labels, split="test", encoding=encoding)
        overlap = check_overlap(ds, test_set, where="inspect")
    if as_json:
        out = {"problem": problem.to_dict(), "diagnostics": diag.to_dict()}
        if tree is not None:
            out["hierarchy"] = tree.to_dict()
        if overlap is not None:
            out["overlap"] = overlap.to_dict()
        out["warnings"] = collected_warnings()
        click.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    click.echo(str(problem))
    click.echo()
    click.echo(str(diag))
    if tree is not None:
        click.echo()
        click.echo(str(tree))
    if overlap is not None:
        click.echo()
        click.echo(f"Train/test overlap with {test}: {overlap.message}")
