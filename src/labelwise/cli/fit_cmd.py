"""``labelwise fit``: pick, tune and save the best pipeline for a metric; report test metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from labelwise.cli._main import collected_warnings, main
from labelwise.cli._options import (
    check_output_path,
    labels_option,
    load_data,
    read_file,
    seconds_option,
    workers_option,
)
from labelwise.pipeline import RULES


def _metric_help() -> str:
    from labelwise.auto import OBJECTIVES

    return "What to optimise: " + "; ".join(f"{n} ({o.summary})" for n, o in OBJECTIVES.items())


class _MetricChoice(click.ParamType):
    """A metric name, checked against the main job's list (which ``--help`` shows)."""

    name = "METRIC"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        from labelwise.auto import get_objective
        from labelwise.errors import ProblemSetupError

        try:
            return get_objective(value).name
        except ProblemSetupError as err:
            self.fail(str(err), param, ctx)


def _datasets(data: str, test_path: str | None, labels: Any) -> tuple[Any, Any, str]:
    """The training set and the optional test set, from files or a bundled dataset's splits."""
    from labelwise.cli._options import bundled_names

    name, _, split = data.partition(":")
    if not Path(data).exists() and name in bundled_names():
        if labels is not None:
            raise click.UsageError(f"--labels applies to files; {name!r} is a bundled dataset.")
        train = load_data(name, None, split=split or "train")
        if test_path is None:
            test = load_data(name, None, split="test") if not split else None
        else:
            test = _test_set(test_path, labels)
        return train, test, f"bundled dataset {name!r}"
    train = load_data(data, labels)
    test = None if test_path is None else _test_set(test_path, labels)
    return train, test, data


def _test_set(source: str, labels: Any) -> Any:
    from labelwise.cli._options import bundled_names

    name, _, split = source.partition(":")
    if not Path(source).exists() and name in bundled_names():
        return load_data(name, None, split=split or "test")
    return read_file(source, labels)


@main.command("fit")
@click.argument("data", required=False, default=None)
@click.option("--train", "train_path", hidden=True, help="Training file (same as DATA).")
@click.option("--dataset", hidden=True, help="Bundled dataset (same as DATA).")
@click.option("--test", "test_path", help="Test file or bundled NAME[:test]; evaluated after.")
@labels_option
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
    metric: str,
    k: int | None,
    out_path: str | None,
    force: bool,
    time_limit: float | None,
    n_jobs: int | None,
    cv: str,
    candidates: str | None,
    scheduler: str | None,
    rule: str | None,
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
    run, the refit included. Progress (candidate, fold, time left) goes to standard error: one
    redrawn line on a terminal, one line per candidate in a log; --quiet turns it off.
    """
    import time

    started = time.perf_counter()
    sources = [s for s in (data, train_path, dataset) if s is not None]
    if len(sources) > 1:
        raise click.UsageError("give the training data once (DATA, --train or --dataset).")
    if train_path is not None and test_path is None:
        raise click.UsageError("give both --train and --test, or DATA alone.")
    source = sources[0] if sources else "emotions"
    check_output_path(out_path, force)  # before the search, not after it
    cv_value: int | str = "auto" if cv == "auto" else _int_option(cv, "--cv")
    train, test, described = _datasets(source, test_path, labels)
    if rule is not None:
        _baseline(train, test, described, rule, cv_value, seed, out_path, force, as_json)
        return
    from labelwise.auto import get_objective
    from labelwise.pipeline import problem_kind

    kind = problem_kind(train, metric)
    get_objective(metric, kind=kind, k=k)  # a metric that does not fit stops before any output
    if not as_json:
        what = f"{train.n_labels} labels"
        if kind != "multilabel":
            what = f"{train.n_labels} classes (one per example: {kind}, decided by argmax)"
        click.echo(
            f"{described}: {train.n_samples} training examples, {what}; "
            f"optimising {metric} by cross-validation on the training data"
        )
    # the limit is for the whole run: what reading the data took is spent already
    left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - started))
    result = _run(
        train, test, metric, left, n_jobs, cv_value, candidates, seed, scheduler, quiet, k
    )
    took = time.perf_counter() - started
    if time_limit is not None and took > 1.2 * time_limit + 1:
        import warnings

        warnings.warn(
            f"labelwise fit: the run took {took:.0f} s, beyond --time-limit {time_limit:g} s "
            f"(search {result.model.search_seconds_:.0f} s, refit "
            f"{result.model.refit_seconds_:.0f} s): the cheapest candidate always runs to the end "
            "and is refitted (without one finished model nothing can be chosen), however long "
            "that takes.",
            UserWarning,
            stacklevel=1,
        )
    saved = None
    if out_path is not None:
        from labelwise.persist import save

        save(result.model, out_path, metadata=result.metadata, overwrite=force)
        saved = str(out_path)
    if as_json:
        out = {
            "data": described,
            "metric": metric,
            **({"k": k} if k is not None else {}),
            "best": result.model.best_name_,
            "rule": _rule_name(result.model.rule_),
            "cv_score": result.model.best_score_,
            "fit_seconds": result.fit_seconds,
            "leaderboard": result.model.leaderboard_,
            "test": None if result.evaluation is None else result.evaluation.to_dict(),
            "overlap": None if result.overlap is None else result.overlap.to_dict(),
            "model": saved,
            "warnings": collected_warnings(),
        }
        click.echo(json.dumps(out, indent=2, default=_jsonable))
        return
    _print_leaderboard(result.model.leaderboard_, metric, result.model.best_name_)
    click.echo(
        f"best: {result.model.best_name_} with {_rule_name(result.model.rule_)} "
        f"(cross-validated {metric} {result.model.best_score_:.4f}; {result.fit_seconds:.0f} s)"
    )
    if result.evaluation is not None:
        click.echo(f"test-set metrics ({result.evaluation.n_samples} examples):")
        _print_scores(result.evaluation.scores)
    click.echo(f"model saved to {saved}" if saved else "model not saved (give --out MODEL)")


def _int_option(value: str, name: str) -> int:
    try:
        k = int(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a whole number or 'auto'.", param_hint=name
        ) from None
    if k < 2:
        raise click.BadParameter("needs at least 2 folds.", param_hint=name)
    return k


def _run(train, test, metric, time_limit, n_jobs, cv, candidates, seed, scheduler, quiet, k):
    from labelwise.pipeline import fit_auto

    kwargs = dict(
        metric=metric,
        test=test,
        time_limit=time_limit,
        n_jobs=n_jobs,
        cv=cv,
        candidates=None if not candidates else [c.strip() for c in candidates.split(",")],
        random_state=seed,
        # progress goes to standard error, so --json output stays clean; --quiet stops it
        verbose=not quiet,
        k=k,
    )
    if scheduler is None:
        return fit_auto(train, **kwargs)
    from labelwise.scale_out import on_cluster

    try:
        # A lost worker is one ClusterError (a labelwise error); nothing is saved then.
        with on_cluster(scheduler):
            return fit_auto(train, **kwargs)
    except ImportError as err:
        raise click.UsageError(
            f'--scheduler needs Dask ({err}): pip install "labelwise[dask]"'
        ) from None


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


def _print_scores(scores: dict[str, float]) -> None:
    width = max(len(k) for k in scores)
    lower = ("loss", "error", "coverage")
    for name, value in scores.items():
        arrow = "lower is better" if any(w in name for w in lower) else "higher is better"
        click.echo(f"  {name:<{width}}  {value:.4f}   ({arrow})")


def _baseline(train, test, described, rule, cv, seed, out_path, force, as_json) -> None:
    """The quick path: binary relevance over logistic regression with a fixed or tuned rule."""
    from labelwise.pipeline import fit_and_evaluate, is_text_dataset

    if test is None:
        raise click.UsageError("--rule evaluates on a test set: give --test (or a bundled DATA).")
    model = "binary relevance (one-vs-rest) logistic regression"
    inputs = f"{train.n_features} features"
    if is_text_dataset(train):
        model = "TF-IDF word and character n-grams, one linear SVM per label (TfidfClassifier)"
        inputs = "raw texts"
    if not as_json:
        click.echo(
            f"{described}: {train.n_samples} training and {test.n_samples} test examples, "
            f"{inputs}, {train.n_labels} labels"
        )
        click.echo(f"model: {model}; rule: {rule} ({RULES[rule]})")
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
    _print_scores(result.scores)
