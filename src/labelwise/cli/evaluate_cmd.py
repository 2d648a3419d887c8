"""``labelwise evaluate``: every metric relevant to the problem, averaged and per label."""

from __future__ import annotations

import json
import warnings
from typing import Any

import click

from labelwise.cli._main import collected_warnings, main
from labelwise.cli._options import (
    encoding_option,
    evaluation_data,
    labels_option,
    load_model_file,
)
from labelwise.cli._print import print_scores


@main.command("evaluate")
@click.argument("model_path", metavar="MODEL")
@click.argument("data")
@labels_option
@encoding_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def evaluate_command(
    model_path: str, data: str, labels: Any, encoding: str | None, as_json: bool
) -> None:
    """Score the model in MODEL on DATA (a file, or a bundled dataset's test split).

    Prints the averaged metrics that fit the problem (label-set, ranking and score metrics for
    multi-label models; accuracy and F1 for multi-class ones) and one row per label. For a
    model with a guaranteed rule (labelwise fit --guarantee), the risk its decisions reached on
    DATA, with a 95% binomial (Clopper-Pearson) interval, next to its promise.
    """
    from labelwise.evaluation import evaluate_model, model_inputs
    from labelwise.persist import fingerprint

    model, meta = load_model_file(model_path)
    dataset = evaluation_data(data, labels, encoding)
    recorded = (meta.get("training_fingerprint") or {}).get("X")
    if recorded is not None:
        try:
            same = fingerprint(model_inputs(model, dataset, meta)).get("X") == recorded
        except Exception:  # a mismatch is reported by the evaluation itself
            same = False
        if same:
            warnings.warn(
                "evaluate: DATA is exactly what the model was trained on (the same "
                f"{'texts' if meta.get('input') == 'text' else 'features'}); these scores "
                "measure fit to the training data, not generalisation.",
                UserWarning,
                stacklevel=1,
            )
    result = evaluate_model(model, dataset, meta)
    for note in result.notes:
        warnings.warn(f"evaluate: {note}", UserWarning, stacklevel=1)
    if as_json:
        out = {
            "model": model_path,
            "data": data,
            "metric_tuned_for": meta.get("metric"),
            **result.to_dict(),
            "warnings": collected_warnings(),
        }
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(
        f"{model_path} on {data}: {result.n_samples} examples, {len(result.per_label)} "
        f"{'labels' if result.kind == 'multilabel' else 'classes'}"
        + (f"; tuned for {meta['metric']}" if meta.get("metric") else "")
    )
    print_scores(result.scores)
    if result.promise is not None:
        click.echo(f"promise: {result.promise}")
    click.echo("per label:")
    name_width = max(5, *(len(r["label"][:30]) for r in result.per_label))
    click.echo(f"  {'label':<{name_width}}  support  precision  recall      F1  threshold")
    for r in result.per_label:
        thr = r.get("threshold")
        thr_s = "-" if thr is None else f"{thr:.4f}"
        click.echo(
            f"  {r['label'][:30]:<{name_width}}  {r['support']:>7}  {r['precision']:>9.4f}  "
            f"{r['recall']:>6.4f}  {r['f1']:>6.4f}  {thr_s:>9}"
        )
