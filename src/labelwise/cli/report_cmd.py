"""``labelwise report``: one self-contained HTML page about a model on a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np

from labelwise.cli._main import main
from labelwise.cli._options import (
    encoding_option,
    evaluation_data,
    labels_option,
    load_model_file,
)


@main.command("report")
@click.argument("model_path", metavar="MODEL")
@click.argument("data")
@labels_option
@encoding_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="HTML file.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
def report_command(
    model_path: str, data: str, labels: Any, encoding: str | None, output: str, force: bool
) -> None:
    """Write an HTML report of the model in MODEL on DATA: the dataset profile, a per-label table,
    precision-recall, ROC and F1-threshold curves, confusion matrices, label co-occurrence,
    calibration and the leaderboard from `labelwise fit`. It opens with no network."""
    from labelwise._inputs import decided_matrix
    from labelwise.evaluation import align_to_model, model_inputs
    from labelwise.report import build_report, rule_thresholds, write_report
    from labelwise.report.header import describe_model

    if Path(output).exists() and not force:
        raise click.UsageError(f"{output} exists; pass --force to replace it.")
    model, meta = load_model_file(model_path)
    if meta.get("problem_type") not in (None, "multilabel"):
        raise click.UsageError("the report is for multi-label models.")
    dataset = evaluation_data(data, labels, encoding)
    names = meta.get("label_names")
    if names:
        dataset = align_to_model(dataset, list(names), where="report")
    X = model_inputs(model, dataset, meta)
    S = np.asarray(model.predict_proba(X), dtype=np.float64)
    P = decided_matrix(model.predict(X), list(dataset.label_names), who="report")
    P = P.toarray() if hasattr(P, "toarray") else np.asarray(P)
    rule = getattr(model, "rule_", None) or getattr(model, "decision_rule", None)
    page = build_report(
        dataset.Y_dense(),
        S,
        P,
        label_names=list(dataset.label_names),
        thresholds=rule_thresholds(rule, S.shape[1]),
        leaderboard=meta.get("leaderboard"),
        metadata=meta,
        title=f"labelwise report: {Path(model_path).name} on {data}",
        dataset_name=data,
        model_name=describe_model(model),
        rule=rule,
    )
    write_report(output, page, overwrite=force)
    click.echo(f"report written to {output}")
