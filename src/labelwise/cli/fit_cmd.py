"""``labelwise fit``: train, decide and evaluate on a bundled dataset or your own files."""

from __future__ import annotations

import json
from typing import Any

import click

from labelwise.cli._main import collected_warnings, main
from labelwise.cli._options import labels_option, read_file
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
@labels_option
@click.option(
    "--rule",
    type=click.Choice(list(RULES)),
    default="per-label",
    show_default=True,
    help="How probabilities become label sets (tuned rules use training data only).",
)
@click.option("--cv", default=5, show_default=True, help="Folds for tuning the decision rule.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the results (and warnings) as JSON.")
def fit_command(
    dataset: str,
    train_path: str | None,
    test_path: str | None,
    labels: Any,
    rule: str,
    cv: int,
    seed: int,
    as_json: bool,
) -> None:
    """Train binary relevance over logistic regression and report test-set metrics.

    The test set is checked against the training set first: test rows that also occur in
    training are counted and reported in a warning.
    """
    from labelwise.pipeline import fit_and_evaluate, is_text_dataset

    if (train_path is None) != (test_path is None):
        raise click.UsageError("give both --train and --test, or neither.")
    if train_path is not None:
        train, test = read_file(train_path, labels), read_file(test_path, labels)
        source = f"{train_path} / {test_path}"
    else:
        from labelwise.datasets import load

        if labels is not None:
            raise click.UsageError("--labels applies to --train/--test files.")
        train, test = load(dataset, split="train"), load(dataset, split="test")
        source = f"bundled dataset {dataset!r}"
    model = "binary relevance (one-vs-rest) logistic regression"
    inputs = f"{train.n_features} features"
    if is_text_dataset(train):
        model = "TF-IDF word and character n-grams, one linear SVM per label (TfidfClassifier)"
        inputs = "raw texts"
    if not as_json:
        click.echo(
            f"{source}: {train.n_samples} training and {test.n_samples} test examples, "
            f"{inputs}, {train.n_labels} labels"
        )
        click.echo(f"model: {model}; rule: {rule} ({RULES[rule]})")
    result = fit_and_evaluate(train, test, rule=rule, cv=cv, random_state=seed)
    if as_json:
        out = {
            "source": source,
            "n_train": result.n_train,
            "n_test": result.n_test,
            "n_features": train.n_features,
            "n_labels": result.n_labels,
            "model": model,
            "rule": rule,
            "fit_seconds": result.fit_seconds,
            "scores": result.scores,
            "overlap": None if result.overlap is None else result.overlap.to_dict(),
            "warnings": collected_warnings(),
        }
        click.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    click.echo(f"trained in {result.fit_seconds:.1f} s; test-set metrics:")
    width = max(len(k) for k in result.scores)
    for name, value in result.scores.items():
        arrow = "lower is better" if name.endswith("loss") else "higher is better"
        click.echo(f"  {name:<{width}}  {value:.4f}   ({arrow})")
