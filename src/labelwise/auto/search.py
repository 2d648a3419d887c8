"""Cross-validated search: out-of-fold scores per candidate, the best rule per metric, a blend.

For each candidate the training data is split by iterative stratification (multi-label) or
stratified k-fold (multi-class); every fold's model scores the rows it did not see, giving one
out-of-fold score matrix per candidate. A decision rule is then judged by *cross-fitting on those
scores*: it is tuned on the out-of-fold scores of the other folds and applied to this fold's, so a
rule that over-fits its thresholds is not rewarded. Finally, greedy ensemble selection (Caruana et
al. 2004) tries weighted means of the best candidates' score matrices.

Nothing here sees test data: the caller passes training data only.
"""

from __future__ import annotations

import importlib
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import clone

from labelwise._progress import Progress
from labelwise.auto.budget import TimeBudget, parallel_seconds
from labelwise.auto.candidates import Candidate
from labelwise.auto.objectives import Objective
from labelwise.decision.meta import scores_only

__all__ = ["CandidateResult", "SearchResult", "joint_proba", "run_search"]


@dataclass
class CandidateResult:
    """The cross-validation record of one candidate (a leaderboard row)."""

    name: str
    status: str = "pending"  # "ok", "failed" or "skipped"
    score: float = float("nan")
    rule: Any = None
    rule_scores: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""
    oof: np.ndarray | None = None
    joint_predictions: dict[str, np.ndarray] = field(default_factory=dict)
    candidate: Candidate | None = None
    members: dict[str, int] | None = None  # for a blend: candidate name -> weight
    refit_seconds: float = 0.0  # estimated seconds of the refit on all rows
    rules_seconds: float = 0.0  # seconds judging the rules on its out-of-fold scores

    def row(self) -> dict[str, Any]:
        """The JSON-able leaderboard row."""
        return {
            "candidate": self.name,
            "status": self.status,
            "score": None if np.isnan(self.score) else float(self.score),
            "rule": None if self.rule is None else repr(self.rule),
            "rule_scores": {
                k: (None if np.isnan(v) else float(v)) for k, v in self.rule_scores.items()
            },
            "cv_seconds": round(self.seconds, 3),
            "refit_seconds_estimate": round(self.refit_seconds, 3),
            "error": self.error,
            **({"members": self.members} if self.members else {}),
        }


@dataclass
class SearchResult:
    """Every candidate's record and the winner."""

    results: list[CandidateResult]
    best: CandidateResult | None
    folds: np.ndarray
    elapsed: float


def joint_proba(estimator: Any, X: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """``predict_joint_proba`` of an estimator or of a Pipeline's last step, else None."""
    if hasattr(estimator, "predict_joint_proba"):
        return estimator.predict_joint_proba(X)
    steps = getattr(estimator, "steps", None)
    if steps:
        final = steps[-1][1]
        if hasattr(final, "predict_joint_proba"):
            return final.predict_joint_proba(estimator[:-1].transform(X))
    return None


def _take(X: Any, rows: np.ndarray) -> Any:
    if isinstance(X, (list, tuple)):
        return [X[i] for i in rows]
    return X[rows]


def _scores(est: Any, X: Any, n_classes: int | None) -> np.ndarray:
    from labelwise.decision.meta import estimator_scores

    if n_classes is None:
        return estimator_scores(est, X)
    proba = np.asarray(est.predict_proba(X), dtype=np.float64)
    out = np.zeros((proba.shape[0], n_classes))
    out[:, np.asarray(est.classes_, dtype=int)] = proba
    return out


def _fit_fold(
    make: Any,
    X: Any,
    Y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    n_classes: int | None,
    joint_rules: list,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], float]:
    start = time.perf_counter()
    est = make()
    # the search tunes rules on the out-of-fold scores itself: a candidate's own rule is not tuned
    with warnings.catch_warnings(), scores_only():
        warnings.simplefilter("ignore")  # constant labels inside one fold are expected
        est.fit(_take(X, train), Y[train])
        Xt = _take(X, test)
        scores = _scores(est, Xt, n_classes)
        joint: dict[str, np.ndarray] = {}
        if joint_rules:
            jp = joint_proba(est, Xt)
            if jp is not None:
                for rule in joint_rules:
                    joint[repr(rule)] = rule.predict_joint(*jp)
    return test, scores, joint, time.perf_counter() - start


def _decide_classes(scores: np.ndarray) -> np.ndarray:
    return np.argmax(scores, axis=1)


def evaluate_rules(
    objective: Objective,
    Y: np.ndarray,
    oof: np.ndarray,
    folds: np.ndarray,
    multiclass: bool,
    joint_predictions: dict[str, np.ndarray] | None = None,
    score_kwargs: dict | None = None,
) -> tuple[float, Any, dict[str, float]]:
    """The rule for ``objective`` on out-of-fold scores, judged by cross-fitting.

    Each rule is tuned on the other folds' scores and applied to this fold's. Among rules whose
    value is within one standard error (over folds) of the best, the simplest wins: rules are
    listed simplest first (a fixed 0.5 cut, one tuned threshold, then per-label or Bayes-optimal
    decisions), so a tuned rule must beat the plain cut by more than the folds' noise (the
    one-standard-error rule, Hastie, Tibshirani & Friedman, *Elements of Statistical Learning*,
    7.10).

    Returns the chosen rule's value, the rule (unfitted prototype) and every rule's value.
    """
    kw = score_kwargs or {}
    if multiclass:
        value = (
            objective.score(Y, oof, **kw)
            if objective.needs == "scores"
            else objective.score(Y, _decide_classes(oof), **kw)
        )
        return value, None, {"argmax": value}
    rules = objective.rules()
    if objective.needs == "scores":
        value = objective.score(Y, oof, **kw)
        return value, rules[0] if rules else None, {"(ranking)": value}
    values: dict[str, float] = {}
    tried: list[tuple[Any, float, float]] = []  # rule, value, standard error over folds
    ids = np.unique(folds)
    for rule in rules:
        key = repr(rule)
        try:
            if joint_predictions and key in joint_predictions:
                pred = joint_predictions[key]
            else:
                pred = np.empty(Y.shape, dtype=np.int8)
                for k in ids:
                    inside = folds == k
                    fitted = clone(rule).fit(Y[~inside], oof[~inside])
                    pred[inside] = fitted.predict(oof[inside])
            value = objective.score(Y, pred, **kw)
            per_fold = [objective.score(Y[folds == k], pred[folds == k], **kw) for k in ids]
            se = float(np.std(per_fold, ddof=1) / np.sqrt(len(ids))) if len(ids) > 1 else 0.0
        except Exception:  # a rule that cannot be tuned on these scores is not a candidate
            value, se = float("nan"), float("nan")
        values[key] = value
        tried.append((rule, value, se))
    finite = [t for t in tried if not np.isnan(t[1])]
    if not finite:
        return float("nan"), None, values
    best = finite[0]
    for t in finite[1:]:
        if objective.better(t[1], best[1]):
            best = t
    margin = best[2] if np.isfinite(best[2]) else 0.0
    for rule, value, _ in finite:  # simplest first
        if abs(value - best[1]) <= margin:
            return value, rule, values
    return best[1], best[0], values


def _blend(
    pool: list[CandidateResult],
    objective: Objective,
    Y: np.ndarray,
    folds: np.ndarray,
    multiclass: bool,
    score_kwargs: dict,
    max_steps: int = 10,
    budget: TimeBudget | None = None,
) -> CandidateResult | None:
    """Greedy ensemble selection with replacement over the pool's out-of-fold scores.

    With a ``budget``, a member is added only while the blend's refit (its members fitted
    ``budget.workers`` at a time) still fits in the time left after one more selection step, and
    the selection stops when it does not.
    """
    if len(pool) < 2:
        return None
    start = time.perf_counter()
    counts = {r.name: 0 for r in pool}
    refit = {r.name: r.refit_seconds for r in pool}
    best_single = pool[0]
    counts[best_single.name] = 1
    total = best_single.oof.copy()
    n_members = 1
    current = best_single.score
    current_rule, current_values = best_single.rule, best_single.rule_scores
    step_seconds = sum(r.rules_seconds for r in pool)  # one step judges the rules once a member

    def fits(names: set[str]) -> bool:
        if budget is None:
            return True
        needed = parallel_seconds([refit[n] for n in names], budget.workers)
        return step_seconds + needed <= budget.left()

    for _ in range(max_steps - 1):
        step_start = time.perf_counter()
        used = {n for n, c in counts.items() if c > 0}
        step_best = None
        for r in pool:
            if not fits(used | {r.name}):
                continue
            mean = (total + r.oof) / (n_members + 1)
            value, rule, values = evaluate_rules(
                objective, Y, mean, folds, multiclass, score_kwargs=score_kwargs
            )
            if step_best is None or objective.better(value, step_best[0]):
                step_best = (value, rule, values, r)
        step_seconds = time.perf_counter() - step_start
        if step_best is None or not objective.better(step_best[0], current):
            break
        # Ask for a real gain, not a rounding-level one, before adding a member.
        if abs(step_best[0] - current) < 1e-4:
            break
        current, current_rule, current_values, chosen = step_best
        total += chosen.oof
        n_members += 1
        counts[chosen.name] += 1
    used_counts = {name: c for name, c in counts.items() if c > 0}
    if len(used_counts) < 2:
        return None
    workers = 1 if budget is None else budget.workers
    result = CandidateResult(
        name="Blend(" + ", ".join(f"{c}x {n}" for n, c in used_counts.items()) + ")",
        status="ok",
        score=current,
        rule=current_rule,
        rule_scores=current_values,
        seconds=time.perf_counter() - start,
        oof=total / n_members,
        members=used_counts,
        refit_seconds=parallel_seconds([refit[n] for n in used_counts], workers),
    )
    return result


@dataclass
class _Search:
    """What every candidate of one search is cross-validated and judged with."""

    X: Any
    Y: np.ndarray
    objective: Objective
    splits: list
    folds: np.ndarray
    multiclass: bool
    n_classes: int | None
    n_jobs: int | None
    budget: TimeBudget
    joint_rules: list
    score_kwargs: dict
    log: Any


def run_search(
    candidates: list[Candidate],
    X: Any,
    Y: np.ndarray,
    objective: Objective,
    splitter: Any,
    *,
    multiclass: bool = False,
    n_classes: int | None = None,
    time_limit: float | None = None,
    n_jobs: int | None = None,
    blend: bool = True,
    verbose: bool | int | None = None,
    score_kwargs: dict | None = None,
    log: Any = None,
) -> SearchResult:
    """Cross-validate every candidate (cheapest first, within ``time_limit``); pick the best.

    ``time_limit`` bounds the search *and* the refit of the winner on all rows that follows it
    (:mod:`labelwise.auto.budget`). The cheapest candidate always runs; each later one runs only
    while its estimated cross-validation time (from the seconds per unit of cost measured so far)
    and the refit after it fit in what is left; one that does not fit but can shrink (a forest,
    to fewer trees, at least :data:`~labelwise.auto.candidates.MIN_TREES`) runs in the size that
    fits. A candidate that raises is recorded as failed, with the error, and skipped. A blend
    whose members' refit would not fit in the time left is not formed, and the winner is the
    best model whose refit fits.
    """
    start = time.perf_counter()
    n_rows = len(X) if isinstance(X, (list, tuple)) else X.shape[0]
    splits = list(splitter.split(np.zeros(n_rows), Y))
    folds = np.empty(n_rows, dtype=np.int64)
    for k, (_, test) in enumerate(splits):
        folds[test] = k
    budget = TimeBudget(
        time_limit,
        start,
        workers=min(effective_n_jobs(n_jobs), len(splits)),
        n_folds=len(splits),
        n_rows=n_rows,
        fold_rows=int(np.median([len(tr) for tr, _ in splits])),
    )
    _start_workers(n_jobs, len(splits))
    joint_rules = [
        r for r in (objective.rules() if not multiclass else []) if getattr(r, "uses_joint", False)
    ]
    search = _Search(
        X, Y, objective, splits, folds, multiclass, n_classes, n_jobs, budget, joint_rules,
        score_kwargs or {}, log,
    )  # fmt: skip
    results: list[CandidateResult] = []
    best: CandidateResult | None = None
    bar = Progress(total=len(candidates), desc="candidates", verbose=verbose, log_interval=0.0)
    with bar:
        for cand in candidates:
            res = _run_candidate(cand, search, best, bar, first=not results)
            results.append(res)
            if res.status != "ok":
                continue
            if best is None or objective.better(res.score, best.score):
                best = res
            bar.update(candidate=res.name, score=_fmt(res), **_details(best, budget))
    ok = sorted(
        (r for r in results if r.status == "ok" and not np.isnan(r.score)),
        key=lambda r: -r.score if objective.greater_is_better else r.score,
    )
    best = _best_that_fits(ok, budget)
    if blend and best is not None:
        best = _try_blend(ok, best, results, search)
    return SearchResult(results, best, folds, time.perf_counter() - start)


def _run_candidate(
    cand: Candidate, search: _Search, best: CandidateResult | None, bar: Progress, first: bool
) -> CandidateResult:
    """One candidate's cross-validation record: run, shrunk, skipped, stopped or failed."""
    budget = search.budget
    skip = ""
    if not first:
        reserve = 0.0 if best is None else best.refit_seconds
        skip = budget.why_skip(cand, reserve)
        smaller = budget.shrunk(cand, reserve) if skip else None
        if smaller is not None:
            cand, skip = smaller, ""
    res = CandidateResult(cand.name, candidate=cand)
    if skip:
        res.status, res.error = "skipped", skip
        bar.update(candidate=cand.name, status="skipped", **_details(best, budget))
        return res
    t0 = time.perf_counter()
    # the first candidate always finishes: without one finished model nothing is chosen
    watch = None if best is None else (budget, best.refit_seconds)
    try:
        parts = _cross_validate(
            cand, search.X, search.Y, search.splits, search.n_classes, search.joint_rules,
            search.n_jobs, bar, watch,
        )  # fmt: skip
    except KeyboardInterrupt:
        raise
    except _OutOfTime as stop:
        res.status, res.error = "skipped", str(stop)
        res.seconds = time.perf_counter() - t0
        budget.record(cand, res.seconds + stop.more)  # its pace informs the family's
        bar.update(candidate=cand.name, status="stopped", **_details(best, budget))
        return res
    except Exception as exc:  # a crashing candidate is logged and skipped
        res.status = "failed"
        res.error = f"{type(exc).__name__}: {exc}"
        res.seconds = time.perf_counter() - t0
        if search.log is not None:
            search.log(f"candidate {cand.name} failed: {res.error}\n{traceback.format_exc()}")
        bar.update(candidate=cand.name, status="failed", **_details(best, budget))
        return res
    res.seconds = time.perf_counter() - t0
    res.refit_seconds = budget.refit_from_folds(cand, [p[3] for p in parts])
    res.oof, joint = _assemble(parts, search)
    t1 = time.perf_counter()
    res.score, res.rule, res.rule_scores = evaluate_rules(
        search.objective, search.Y, res.oof, search.folds, search.multiclass, joint,
        search.score_kwargs,
    )  # fmt: skip
    res.rules_seconds = time.perf_counter() - t1
    res.joint_predictions = joint
    res.status = "ok"
    budget.record(cand, res.seconds)
    return res


def _assemble(parts: list, search: _Search) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The folds' scores as one out-of-fold matrix, and the joint rules' predictions (none
    unless every fold made them)."""
    Y = search.Y
    n_rows = Y.shape[0]
    oof = np.zeros((n_rows, search.n_classes if search.multiclass else Y.shape[1]))
    joint: dict[str, np.ndarray] = {}
    for test, scores, jp, _ in parts:
        oof[test] = scores
        for key, pred in jp.items():
            joint.setdefault(key, np.zeros(Y.shape, dtype=np.int8))[test] = pred
    if any(len(jp) < len(search.joint_rules) for _, _, jp, _ in parts):
        joint = {}
    return oof, joint


def _try_blend(
    ok: list[CandidateResult],
    best: CandidateResult,
    results: list[CandidateResult],
    search: _Search,
) -> CandidateResult:
    """The best model after trying a blend of the best candidates whose refit fits."""
    # A blend needs each member's joint-free scores; rules that used joints are re-judged.
    objective, budget = search.objective, search.budget
    pool = [r for r in ok[:5] if r.refit_seconds <= budget.left()]
    if best in pool:  # the best single model that fits leads the blend
        pool.remove(best)
        pool.insert(0, best)
    args = (objective, search.Y, search.folds, search.multiclass, search.score_kwargs)
    mixed = _blend(pool, *args, budget=budget)
    if mixed is None:
        return best
    results.append(mixed)
    if not objective.better(mixed.score, best.score):
        return best
    if _clearly_better(objective, search.Y, search.folds, mixed, best, search.multiclass,
                       search.score_kwargs):  # fmt: skip
        return mixed
    mixed.error = "within fold noise of the best single model: not chosen"
    return best


class _OutOfTime(Exception):
    """A candidate's cross-validation will not end in time: it is stopped, not waited for."""

    def __init__(self, message: str, more: float) -> None:
        super().__init__(message)
        self.more = more  # seconds its remaining folds would have taken


def _cross_validate(
    cand: Candidate,
    X: Any,
    Y: np.ndarray,
    splits: list,
    n_classes: int | None,
    joint_rules: list,
    n_jobs: int | None,
    bar: Progress,
    watch: tuple[TimeBudget, float] | None = None,
) -> list:
    """Every fold of ``cand`` (``n_jobs`` at a time), the display told of each one that ends.

    With ``watch = (budget, reserve)``, each fold that ends projects the end of the rest (the
    longest fold so far per round of parallel fits still to come); when that end and the refit
    after it (``reserve`` for the best so far, or this candidate's own) pass the time limit, the
    cross-validation stops there (:class:`_OutOfTime`; pending and running folds are abandoned)
    instead of overrunning on an estimate that proved low.
    """
    jobs = (
        delayed(_fit_fold)(cand.make, X, Y, tr, te, n_classes, joint_rules) for tr, te in splits
    )
    parts: list = []
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    try:
        for part in outputs:
            parts.append(part)
            bar.update(0, candidate=cand.name, fold=f"{len(parts)}/{len(splits)}")
            if watch is not None and len(parts) < len(splits):
                _check_pace(cand, parts, len(splits), *watch)
    finally:
        with warnings.catch_warnings():  # the stop is reported in the leaderboard, once
            warnings.filterwarnings("ignore", message=".*tasks which were still being processed")
            outputs.close()  # joblib cancels what has not run when its generator is closed
    return parts


def _check_pace(
    cand: Candidate, parts: list, n_folds: int, budget: TimeBudget, reserve: float
) -> None:
    """Raise :class:`_OutOfTime` if the folds still to come and a refit would pass the limit."""
    if budget.limit is None:
        return
    longest = max(p[3] for p in parts)
    workers = max(1, min(budget.workers, n_folds))
    rounds_left = -(-(n_folds - len(parts)) // workers)
    own_refit = budget.refit_from_folds(cand, [longest])
    needed = rounds_left * longest + max(reserve, own_refit)
    left = budget.left()
    if needed > left:
        raise _OutOfTime(
            f"time limit: stopped after {len(parts)} of {n_folds} folds (about {needed:.0f} s "
            f"more needed with the refit, {max(0.0, left):.0f} s left)",
            more=rounds_left * longest,
        )


def _best_that_fits(ok: list[CandidateResult], budget: TimeBudget) -> CandidateResult | None:
    """The best of ``ok`` (sorted best first) whose refit fits in the time left.

    When none fits (the cheapest candidate alone took the time), the one quickest to refit: a
    model is refitted in any case, and the time limit is then exceeded as little as possible.
    Better models passed over are told why in their ``error``.
    """
    if not ok:
        return None
    left = budget.left()
    fitting = [r for r in ok if r.refit_seconds <= left]
    chosen = fitting[0] if fitting else min(ok, key=lambda r: r.refit_seconds)
    for r in ok[: ok.index(chosen)]:
        r.error = (
            f"its refit (about {r.refit_seconds:.0f} s) would not fit in the "
            f"{max(0.0, left):.0f} s left: not chosen"
        )
    return chosen


def _details(best: CandidateResult | None, budget: TimeBudget) -> dict[str, str]:
    """What the progress display shows after each candidate: the best so far, the time left."""
    out = {"best": _fmt(best)}
    if budget.limit is not None:
        out["left"] = f"{max(0.0, budget.left()):.0f}s"
    return out


def _fold_values(
    objective: Objective,
    Y: np.ndarray,
    folds: np.ndarray,
    res: CandidateResult,
    multiclass: bool,
    kw: dict,
) -> np.ndarray:
    """The objective on each fold for ``res``'s scores and rule, cross-fitted as in the search."""
    ids = np.unique(folds)
    if objective.needs == "scores":
        pred = res.oof
    elif multiclass:
        pred = _decide_classes(res.oof)
    elif res.rule is None:
        raise ValueError("a label-set objective needs a rule")
    else:
        pred = None
    if pred is not None:
        return np.array([objective.score(Y[folds == k], pred[folds == k], **kw) for k in ids])
    key = repr(res.rule)
    if key in res.joint_predictions:
        pred = res.joint_predictions[key]
    else:
        pred = np.empty(Y.shape, dtype=np.int8)
        for k in ids:
            inside = folds == k
            pred[inside] = (
                clone(res.rule).fit(Y[~inside], res.oof[~inside]).predict(res.oof[inside])
            )
    return np.array([objective.score(Y[folds == k], pred[folds == k], **kw) for k in ids])


def _clearly_better(
    objective: Objective,
    Y: np.ndarray,
    folds: np.ndarray,
    a: CandidateResult,
    b: CandidateResult,
    multiclass: bool,
    kw: dict,
) -> bool:
    """Whether ``a`` beats ``b`` by more than one standard error of their paired fold differences.

    A blend adds models chosen on the same out-of-fold scores it is judged on; on small data its
    gain can be noise, so it must clear the folds' noise to replace the best single model.
    """
    try:
        diff = _fold_values(objective, Y, folds, a, multiclass, kw) - _fold_values(
            objective, Y, folds, b, multiclass, kw
        )
    except Exception:
        return False
    if not objective.greater_is_better:
        diff = -diff
    se = float(np.std(diff, ddof=1) / np.sqrt(diff.shape[0])) if diff.shape[0] > 1 else 0.0
    return float(np.mean(diff)) > se


def _import_models() -> int:
    for module in ("sklearn.ensemble", "sklearn.linear_model", "labelwise.models"):
        importlib.import_module(module)
    return 0


def _start_workers(n_jobs: int | None, n_folds: int) -> None:
    """Start joblib's worker processes and their imports before the first candidate's clock.

    joblib reuses the workers across calls, so the first candidate's measured time (which sets
    the speed every later estimate uses) is its own, not the workers' start-up.
    """
    if n_jobs in (None, 1) or n_folds < 2:
        return
    Parallel(n_jobs=n_jobs)(delayed(_import_models)() for _ in range(n_folds))


def _fmt(best: CandidateResult | None) -> str:
    return "-" if best is None else f"{best.score:.4f}"
