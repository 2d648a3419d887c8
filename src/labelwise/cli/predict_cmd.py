"""``labelwise predict``: label names (and scores) for each example, to the terminal or a file."""

from __future__ import annotations

import csv
import io
import json
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


@main.command("predict")
@click.argument("model_path", metavar="MODEL")
@click.argument("data", required=False)
@labels_option
@encoding_option
@click.option("--text", "texts", multiple=True, help="A text to classify (repeatable).")
@click.option("--top-k", type=click.IntRange(min=1), help="The K top-scored labels instead.")
@click.option("--scores", "with_scores", is_flag=True, help="Show each predicted label's score.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write .csv or .jsonl.")
@click.option("--force", is_flag=True, help="Replace an existing --output file.")
def predict_command(
    model_path: str,
    data: str | None,
    labels: Any,
    encoding: str | None,
    texts: tuple[str, ...],
    top_k: int | None,
    with_scores: bool,
    output: str | None,
    force: bool,
) -> None:
    """Predict label sets with the model in MODEL for DATA or for --text strings.

    The model's own decision rule decides, unless --top-k asks for the K best-scored labels.
    Output goes to the terminal, or with -o to a CSV (.csv) or JSON Lines (.jsonl) file.
    """
    from labelwise.evaluation import model_inputs

    if data is None and not texts:
        raise click.UsageError("give DATA (a file or a bundled dataset) or --text TEXT.")
    if data is not None and texts:
        raise click.UsageError("give DATA or --text, not both.")
    if output is not None and Path(output).exists() and not force:
        raise click.UsageError(f"{output} exists; pass --force to replace it.")
    model, meta = load_model_file(model_path)
    names = [str(n) for n in (meta.get("label_names") or getattr(model, "classes_", []))]
    if texts:
        if meta.get("input") != "text":
            raise click.UsageError(f"{model_path} reads features, not texts; give DATA instead.")
        X: Any = list(texts)
    else:
        X = model_inputs(model, evaluation_data(data, labels, encoding), meta)
    if top_k is not None:
        rows = _top_k_rows(model, X, top_k, names)
    else:
        from labelwise._inputs import decided_matrix

        S = np.asarray(model.predict_proba(X), dtype=np.float64)
        P = decided_matrix(model.predict(X), names, who="predict")
        P = P.toarray() if hasattr(P, "toarray") else np.asarray(P)
        rows = []
        for i in range(S.shape[0]):
            cols = np.flatnonzero(P[i])
            cols = cols[np.argsort(-S[i, cols], kind="stable")]
            rows.append(
                {
                    "row": i,
                    "labels": [names[j] for j in cols],
                    "scores": [float(S[i, j]) for j in cols],
                }
            )
    if output is None:
        for r in rows:
            shown = ", ".join(
                f"{n} ({s:.3f})" if with_scores else n
                for n, s in zip(r["labels"], r["scores"], strict=True)
            )
            click.echo(f"{r['row']}: {shown or '(no label)'}")
        return
    path = Path(output)
    if path.suffix.lower() == ".jsonl":
        text = "".join(
            json.dumps(r if with_scores else {"row": r["row"], "labels": r["labels"]}) + "\n"
            for r in rows
        )
    elif path.suffix.lower() in (".csv", ".tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        writer.writerow(["row", "labels", *(["scores"] if with_scores else [])])
        for r in rows:
            cells = [r["row"], "|".join(r["labels"])]
            if with_scores:
                cells.append("|".join(f"{s:.6g}" for s in r["scores"]))
            writer.writerow(cells)
        text = buf.getvalue()
    else:
        raise click.BadParameter("write .csv, .tsv or .jsonl.", param_hint="--output")
    from labelwise.report import write_report

    write_report(path, text, overwrite=force)
    click.echo(f"{len(rows)} predictions written to {path}")


def _top_k_rows(model: Any, X: Any, k: int, names: list[str]) -> list[dict]:
    """Each row's k best-scored labels from sparse top-k scores: no dense rows x labels array
    is built (a label tree ranks natively, other models in row batches)."""
    from labelwise.models import top_k_proba

    if k > len(names):
        raise click.BadParameter(f"the model has {len(names)} labels.", param_hint="--top-k")
    try:
        S = top_k_proba(model, X, k)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--top-k") from None
    rows = []
    for i in range(S.shape[0]):
        start, stop = S.indptr[i], S.indptr[i + 1]
        cols, vals = S.indices[start:stop], S.data[start:stop]
        order = np.lexsort((cols, -vals))  # highest score first, ties by label order
        rows.append(
            {
                "row": i,
                "labels": [names[j] for j in cols[order]],
                "scores": [float(v) for v in vals[order]],
            }
        )
    return rows
