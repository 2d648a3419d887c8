"""``labelwise fit``: pick, tune and save the best pipeline for a metric; report test metrics.

The command parses options, calls :func:`labelwise.auto.main_job.fit_auto` (or
:func:`~labelwise.auto.main_job.fit_and_evaluate` with ``--rule``) and prints. ``--metric`` is
resolved to an :class:`~labelwise.auto.Objective` once, by its option type, and that object is
what the main job receives.
"""

from __future__ import annotations

import json
import time
from typing import Any

import click

from labelwise._inputs import is_text_dataset
from labelwise.auto.main_job import RULES
from labelwise.cli._main import collected_warnings, main
from labelwise.cli._options import (
    check_output_path,
    data_source,
    encoding_option,
    labels_option,
    seconds_option,
    workers_option,
)
from labelwise.cli._print import print_scores
from labelwise.datasets import bundled_source


def _metric_help() -> str:
    from labelwise.auto import OBJECTIVES

    return "What to optimise: " + "; ".join(f"{n} ({o.summary})" for n, o in OBJECTIVES.items())


class _MetricChoice(click.ParamType):
    """A metric name, resolved to the main job's objective (the names ``--help`` shows)."""

    name = "METRIC"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from labelwise.auto import Objective, get_objective
        from labelwise.errors import ProblemSetupError

        if isinstance(value, Objective):
            return value
        try:
            return get_objective(value)
        except ProblemSetupError as err:
            self.fail(str(err), param, ctx)


def _datasets(
    data: str, test_path: str | None, labels: Any, encoding: str | None
) -> tuple[Any, Any, str]:
    """The training set and the optional test set, from files or a bundled dataset's splits."""
    bundled = bundled_source(data)
    test = None
    if test_path is not None:
        test = data_source(test_path, labels, default_split="test", encoding=encoding)
    if bundled is None:
        return data_source(data, labels, default_split="train", encoding=encoding), test, data
    name, split = bundled
    if labels is not None:
        raise click.UsageError(f"--labels applies to files; {name!r} is a bundled dataset.")
    train = data_source(data, None, default_split="train")
    if test_path is None and split is None:  # NAME alone: trained on train, tested on test
        test = data_source(name, None, default_split="test")
    return train, test, f"bundled dataset {name!r}"


def _cv(value: str) -> int | str:
    if value == "auto":
        return value
    try:
        k = int(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a whole number or 'auto'.", param_hint="--cv"
        ) from None
    if k < 2:
        raise click.BadParameter("needs at least 2 folds.", param_hint="--cv")
    return k


def _one_source(
    data: str | None, train_path: str | None, dataset: str | None, test_path: str | None
) -> str:
    sources = [s for s in (data, train_path, dataset) if s is not None]
    if len(sources) > 1:
        raise click.UsageError("give the training data once (DATA, --train or --dataset).")
    if train_path is not None and test_path is None:
        raise click.UsageError("give both --train and --test, or DATA alone.")
    return sources[0] if sources else "emotions"


def _guarantee_rule(
    spec: str | None, delta: float | None, per_label: bool, rule: str | None
) -> Any:
    """The guaranteed rule ``--guarantee`` asks for (its own error for a bad spec)."""
    if spec is None:
        if delta is not None or per_label:
            raise click.UsageError("--delta and --per-label qualify --guarantee; give it too.")
        return None
    if rule is not None:
        raise click.UsageError("--guarantee calibrates its own rule; leave out --rule.")
    from labelwise.decision import guaranteed_rule_from_spec

    return guaranteed_rule_from_spec(spec, delta, per_label=per_label)


@main.command("fit")
@click.argument("data", required=False, default=None)
@click.option("--train", "train_path", hidden=True, help="Training file (same as DATA).")
@click.option("--dataset", hidden=True, help="Bundled dataset (same as DATA).")
@click.option("--test", "test_path", help="Test file or bundled NAME[:test]; evaluated after.")
@labels_option
@encoding_option
@click.option(
    "--metric", type=_MetricChoice(), default="micro_f1", show_default=True, help=_metric_help()
)
@click.option(
    "--k",
    "k",
    type=click.IntRange(min=1),
    default=None,
    help="The k of precision_at_k and ndcg_at_k (default 3).",
)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Save the model here.")
@click.option("--force", is_flag=True, help="Replace an existing --out file.")
@seconds_option(
    "--time-limit",
    help="Seconds for the whole run: the search and the final refit (data loading included).",
)
@workers_option(
    "--n-jobs",
    default=-1,
    show_default=True,
    help="Folds fitted in parallel: -1 for every core, 1 for one at a time.",
)
@click.option("--cv", default="auto", show_default=True, help="Cross-validation folds.")
@click.option("--candidates", help="Comma-separated name prefixes of the candidates to try.")
@click.option("--scheduler", help="Run the search on this Dask scheduler (tcp://host:port).")
@click.option(
    "--rule",
    type=click.Choice(list(RULES)),
    default=None,
    help="Skip the search: binary relevance over logistic regression with this rule.",
)
@click.option(
    "--guarantee",
    metavar="KIND=LEVEL",
    help="Decide with a guaranteed rule calibrated on held-out training rows: recall=0.9, "
    "precision=0.95 (needs --delta), fp=0.5 (false positives per example) or coverage=0.9.",
)
@click.option(
    "--delta",
    type=float,
    default=None,
    help="With --guarantee: the promise holds with probability at least 1 - delta over the "
    "calibration draw (default: in expectation).",
)
@click.option(
    "--calibration",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.2,
    show_default=True,
    help="With --guarantee: the share of training rows kept for calibration.",
)
@click.option("--per-label", is_flag=True, help="With --guarantee: one promise per label.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress on standard error (shown by default)."
)
def fit_command(
    data: str | None,
    train_path: str | None,
    dataset: str | None,
    test_path: str | None,
    labels: Any,
    encoding: str | None,
    metric: Any,
    k: int | None,
    out_path: str | None,
    force: bool,
    time_limit: float | None,
    n_jobs: int | None,
    cv: str,
    candidates: str | None,
    scheduler: str | None,
    rule: str | None,
    guarantee: str | None,
    delta: float | None,
    calibration: float,
    per_label: bool,
    seed: int,
    as_json: bool,
    quiet: bool,
) -> None:
    """Pick, tune and refit the best pipeline for METRIC on DATA; save it with --out.

    DATA is a file in any format labelwise reads, or a bundled dataset's name (its training
    split; its test split is then evaluated unless DATA is NAME:train). The candidates (binary
    relevance and classifier chains over linear models, forests, label powerset and RAkEL when
    the label sets allow, ML-kNN, a neural head when PyTorch is installed, text pipelines for
    text) are cross-validated on the training data only; the decision rule best for METRIC is
    chosen the same way; the winner is refitted on all training data. With --test, test rows that
    also occur in the training data are counted and reported first. --time-limit bounds the whole
    run, the refit included. With --guarantee, the search runs on the rows left after a
    calibration split and a guaranteed rule calibrated on that split decides. Progress (candidate,
    fold, time left) goes to standard error: one redrawn line on a terminal, one line per
    candidate in a log; --quiet turns it off.
    """
    started = time.perf_counter()
    source = _one_source(data, train_path, dataset, test_path)
    guaranteed = _guarantee_rule(guarantee, delta, per_label, rule)
    check_output_path(out_path, force)  # before the search, not after it
    cv_value = _cv(cv)
    train, test, described = _datasets(source, test_path, labels, encoding)
    if rule is not None:
        _baseline(train, test, described, rule, cv_value, seed, out_path, force, as_json)
        return
    # the limit is for the whole run: what reading the data took is spent already
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - started))
    result = _run(
        train,
        test=test,
        metric=metric,
        time_limit=left,
        n_jobs=n_jobs,
        cv=cv_value,
        candidates=None if not candidates else [c.strip() for c in candidates.split(",")],
        seed=seed,
        scheduler=scheduler,
        quiet=quiet,
        k=k,
        guarantee=guaranteed,
        calibration=calibration,
        announce=None if as_json else click.echo,
        source=described,
    )
    saved = None
    if out_path is not None:
        from labelwise.persist import save

        save(result.model, out_path, metadata=result.metadata, overwrite=force)
        saved = str(out_path)
    if as_json:
        _print_json(result, described, k, saved)
    else:
        _print_text(result, saved)


def _run(
    train: Any,
    *,
    test: Any,
    metric: Any,
    time_limit: float | None,
    n_jobs: int | None,
    cv: int | str,
    candidates: list[str] | None,
    seed: int,
    scheduler: str | None,
    quiet: bool,
    k: int | None,
    guarantee: Any,
    calibration: float,
    announce: Any,
    source: str,
) -> Any:
    """:func:`~labelwise.auto.main_job.fit_auto`, on a Dask cluster with ``--scheduler``."""
    from labelwise.auto.main_job import fit_auto

    def run() -> Any:
        return fit_auto(
            train,
            metric=metric,
            test=test,
            time_limit=time_limit,
            n_jobs=n_jobs,
            cv=cv,
            candidates=candidates,
            random_state=seed,
            # progress goes to standard error, so --json output stays clean; --quiet stops it
            verbose=not quiet,
            k=k,
            guarantee=guarantee,
            calibration=calibration,
            announce=announce,
            source=source,
        )

    if scheduler is None:
        return run()
    from labelwise.scale_out import on_cluster

    try:
        # A lost worker is one ClusterError (a labelwise error); nothing is saved then.
        with on_cluster(scheduler):
            return run()
    except ImportError as err:
        raise click.UsageError(
            f'--scheduler needs Dask ({err}): pip install "labelwise[dask]"'
        ) from None


def _guarantee_facts(guarantee: Any) -> dict[str, Any] | None:
    """A fitted rule's promise as JSON-able numbers and words."""
    if guarantee is None:
        return None
    import numpy as np

    threshold = np.asarray(guarantee.threshold, dtype=float)
    return {
        "risk": guarantee.risk,
        "alpha": float(guarantee.alpha),
        "delta": None if guarantee.delta is None else float(guarantee.delta),
        "n_calibration": int(guarantee.n_calibration),
        "threshold": threshold.tolist(),
        "method": guarantee.method,
        "statement": guarantee.statement,
    }


def _print_json(result: Any, described: str, k: int | None, saved: str | None) -> None:
    search = result.search
    out = {
        "data": described,
        "metric": search.objective_,
        **({"k": k} if k is not None else {}),
        "best": search.best_name_,
        "rule": _rule_name(getattr(result.model, "rule_", None)),
        "guarantee": _guarantee_facts(result.guarantee),
        "cv_score": search.best_score_,
        "fit_seconds": result.fit_seconds,
        "leaderboard": search.leaderboard_,
        "test": None if result.evaluation is None else result.evaluation.to_dict(),
        "overlap": None if result.overlap is None else result.overlap.to_dict(),
        "model": saved,
        "warnings": collected_warnings(),
    }
    click.echo(json.dumps(out, indent=2, default=_jsonable))


def _print_text(result: Any, saved: str | None) -> None:
    search = result.search
    _print_leaderboard(search.leaderboard_, search.objective_, search.best_name_)
    click.echo(
        f"best: {search.best_name_} with {_rule_name(result.model.rule_)} "
        f"(cross-validated {search.objective_} {search.best_score_:.4f}; "
        f"{result.fit_seconds:.0f} s)"
    )
    if result.guarantee is not None:
        g = result.guarantee
        threshold = g.threshold if isinstance(g.threshold, float) else "one per label"
        click.echo(f"guarantee: {g.statement}")
        click.echo(
            f"  {g.risk} at most {g.alpha:g}"
            + ("" if g.delta is None else f" with probability at least {1 - g.delta:g}")
            + f"; {g.n_calibration} calibration examples; threshold {threshold}"
        )
    if result.evaluation is not None:
        click.echo(f"test-set metrics ({result.evaluation.n_samples} examples):")
        print_scores(result.evaluation.scores)
        if result.evaluation.promise is not None:
            click.echo(f"promise on the test set: {result.evaluation.promise}")
    click.echo(f"model saved to {saved}" if saved else "model not saved (give --out MODEL)")


def _jsonable(value: Any) -> Any:
    import numpy as np

    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return str(value)


def _rule_name(rule: Any) -> str:
    return "argmax (one class per example)" if rule is None else repr(rule)


def _print_leaderboard(rows: list[dict], metric: str, best: str) -> None:
    """One line per candidate; ``*`` marks the one refitted, a note says why a row was not."""
    click.echo(f"{'rank':>5}  {'candidate':<58} {metric:>10}  rule / note")
    for r in rows:
        score = "-" if r.get("score") is None else f"{r['score']:.4f}"
        rank = "-" if r.get("rank") is None else str(r["rank"])
        mark = "*" if r["candidate"] == best else " "
        name = r["candidate"] if len(r["candidate"]) <= 58 else r["candidate"][:55] + "..."
        notes = [n for n in (r.get("rule"), r.get("error")) if n]
        note = "; ".join(notes) or ("argmax" if r.get("status") == "ok" else r.get("status"))
        click.echo(f"{mark}{rank:>4}  {name:<58} {score:>10}  {note}")


def _baseline(train, test, described, rule, cv, seed, out_path, force, as_json) -> None:
    """The quick path: binary relevance over logistic regression with a fixed or tuned rule."""
    from labelwise.auto.main_job import fit_and_evaluate

    if test is None:
        raise click.UsageError("--rule evaluates on a test set: give --test (or a bundled DATA).")
    result = fit_and_evaluate(
        train, test, rule=rule, cv=5 if cv == "auto" else cv, random_state=seed
    )
    if out_path is not None:
        from labelwise.persist import save

        save(
            result.model,
            out_path,
            overwrite=force,
            metadata={"label_names": [str(n) for n in train.label_names], "dataset": train.name},
        )
    if as_json:
        out = {
            "source": described,
            "n_train": result.n_train,
            "n_test": result.n_test,
            "n_features": train.n_features,
            "n_labels": result.n_labels,
            "model": result.model_description,
            "rule": rule,
            "fit_seconds": result.fit_seconds,
            "scores": result.scores,
            "overlap": None if result.overlap is None else result.overlap.to_dict(),
            "warnings": collected_warnings(),
        }
        click.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    inputs = "raw texts" if is_text_dataset(train) else f"{train.n_features} features"
    click.echo(
        f"{described}: {train.n_samples} training and {test.n_samples} test examples, "
        f"{inputs}, {train.n_labels} labels"
    )
    click.echo(f"model: {result.model_description}; rule: {rule} ({RULES[rule]})")
    click.echo(f"trained in {result.fit_seconds:.1f} s; test-set metrics:")
    print_scores(result.scores)
