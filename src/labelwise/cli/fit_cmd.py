"""``labelwise fit``: train, decide and evaluate on a bundled dataset or your own files."""

from __future__ import annotations

import click

from labelwise.cli._main import main
from labelwise.pipeline import RULES


@main.command("fit")
@click.option(
    "--dataset",
    default="emotions",
    show_default=True,
    help="Bundled dataset to use when --train is not given (see `labelwise datasets`).",
)
@click.option("--train", "train_path", type=click.Path(dir_okay=False), help="Training file.")
@click.option("--test", "test_path", type=click.Path(dir_okay=False), help="Test file.")
@click.option("--labels", help="Label names: a Mulan XML file, a MEKA count, or column names.")
@click.option(
    "--rule",
    type=click.Choice(list(RULES)),
    default="per-label",
    show_default=True,
    help="How probabilities become label sets (tuned rules use training data only).",
)
@click.option("--cv", default=5, show_default=True, help="Folds for tuning the decision rule.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
def fit_command(
    dataset: str,
    train_path: str | None,
    test_path: str | None,
    labels: str | None,
    rule: str,
    cv: int,
    seed: int,
) -> None:
    """Train binary relevance over logistic regression and report test-set metrics."""
    from labelwise.pipeline import fit_and_evaluate

    if (train_path is None) != (test_path is None):
        raise click.UsageError("give both --train and --test, or neither.")
    if train_path is not None:
        from labelwise.data.io import read

        label_arg: str | int | None = labels
        if labels is not None and labels.lstrip("-").isdigit():
            label_arg = int(labels)
        train = read(train_path, labels=label_arg)
        test = read(test_path, labels=label_arg)
        source = f"{train_path} / {test_path}"
    else:
        from labelwise.datasets import load

        train, test = load(dataset, split="train"), load(dataset, split="test")
        source = f"bundled dataset {dataset!r}"
    click.echo(
        f"{source}: {train.n_samples} training and {test.n_samples} test examples, "
        f"{train.n_features} features, {train.n_labels} labels"
    )
    click.echo(
        f"model: binary relevance (one-vs-rest) logistic regression; rule: {rule} ({RULES[rule]})"
    )
    result = fit_and_evaluate(train, test, rule=rule, cv=cv, random_state=seed)
    click.echo(f"trained in {result.fit_seconds:.1f} s; test-set metrics:")
    width = max(len(k) for k in result.scores)
    for name, value in result.scores.items():
        arrow = "lower is better" if name.endswith("loss") else "higher is better"
        click.echo(f"  {name:<{width}}  {value:.4f}   ({arrow})")
