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
from joblib import Parallel, delayed
from sklearn.base import clone

from labelwise._progress import Progress
from labelwise.auto.candidates import Candidate
from labelwise.auto.objectives import Objective

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
    with warnings.catch_warnings():
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
) -> CandidateResult | None:
    """Greedy ensemble selection with replacement over the pool's out-of-fold scores."""
    if len(pool) < 2:
        return None
    start = time.perf_counter()
    counts = {r.name: 0 for r in pool}
    best_single = pool[0]
    counts[best_single.name] = 1
    total = best_single.oof.copy()
    n_members = 1
    current = best_single.score
    current_rule, current_values = best_single.rule, best_single.rule_scores
    for _ in range(max_steps - 1):
        step_best = None
        for r in pool:
            mean = (total + r.oof) / (n_members + 1)
            value, rule, values = evaluate_rules(
                objective, Y, mean, folds, multiclass, score_kwargs=score_kwargs
            )
            if step_best is None or objective.better(value, step_best[0]):
                step_best = (value, rule, values, r)
        if step_best is None or not objective.better(step_best[0], current):
            break
        # Ask for a real gain, not a rounding-level one, before adding a member.
        if abs(step_best[0] - current) < 1e-4:
            break
        current, current_rule, current_values, chosen = step_best
        total += chosen.oof
        n_members += 1
        counts[chosen.name] += 1
    used = {name: c for name, c in counts.items() if c > 0}
    if len(used) < 2:
        return None
    result = CandidateResult(
        name="Blend(" + ", ".join(f"{c}x {n}" for n, c in used.items()) + ")",
        status="ok",
        score=current,
        rule=current_rule,
        rule_scores=current_values,
        seconds=time.perf_counter() - start,
        oof=total / n_members,
        members=used,
    )
    return result


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

    The cheapest candidate always runs; each later one runs only while its estimated time (from
    the seconds per unit of cost measured so far) fits in what is left of ``time_limit``; one
    that does not fit but can shrink (a forest, to fewer trees, at least
    :data:`~labelwise.auto.candidates.MIN_TREES`) runs in the size that fits. A candidate that
    raises is recorded as failed, with the error, and skipped.
    """
    start = time.perf_counter()
    score_kwargs = score_kwargs or {}
    split_rows = np.zeros(len(X) if isinstance(X, (list, tuple)) else X.shape[0])
    splits = list(splitter.split(split_rows, Y))
    folds = np.empty(split_rows.shape[0], dtype=np.int64)
    for k, (_, test) in enumerate(splits):
        folds[test] = k
    _start_workers(n_jobs, len(splits))
    joint_rules = [
        r for r in (objective.rules() if not multiclass else []) if getattr(r, "uses_joint", False)
    ]
    results: list[CandidateResult] = []
    best: CandidateResult | None = None
    rates: dict[str, list[float]] = {}  # family -> measured seconds per unit of cost
    with Progress(total=len(candidates), desc="candidates", verbose=verbose) as bar:
        for cand in candidates:
            skip = ""
            if time_limit is not None and results:
                # Keep time for refitting the best so far on all the data (about one fold's fit
                # on k/(k-1) of the rows; folds ran n_jobs at a time).
                reserve = 0.0 if best is None else 2.0 * best.seconds / len(splits)
                left = time_limit - (time.perf_counter() - start) - reserve
                skip = _too_slow(cand, rates, left, time_limit)
                smaller = _shrunk(cand, rates, left, time_limit) if skip else None
                if smaller is not None:
                    cand, skip = smaller, ""
            res = CandidateResult(cand.name, candidate=cand)
            results.append(res)
            if skip:
                res.status, res.error = "skipped", skip
                bar.update(candidate=cand.name, best=_fmt(best))
                continue
            t0 = time.perf_counter()
            try:
                parts = Parallel(n_jobs=n_jobs)(
                    delayed(_fit_fold)(cand.make, X, Y, tr, te, n_classes, joint_rules)
                    for tr, te in splits
                )
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # a crashing candidate is logged and skipped
                res.status = "failed"
                res.error = f"{type(exc).__name__}: {exc}"
                res.seconds = time.perf_counter() - t0
                if log is not None:
                    log(f"candidate {cand.name} failed: {res.error}\n{traceback.format_exc()}")
                bar.update(candidate=cand.name, best=_fmt(best))
                continue
            res.seconds = time.perf_counter() - t0
            width = n_classes if multiclass else Y.shape[1]
            oof = np.zeros((folds.shape[0], width))
            joint: dict[str, np.ndarray] = {}
            for test, scores, jp, _ in parts:
                oof[test] = scores
                for key, pred in jp.items():
                    joint.setdefault(key, np.zeros(Y.shape, dtype=np.int8))[test] = pred
            if any(len(jp) < len(joint_rules) for _, _, jp, _ in parts):
                joint = {}
            res.oof = oof
            res.score, res.rule, res.rule_scores = evaluate_rules(
                objective, Y, oof, folds, multiclass, joint, score_kwargs
            )
            res.joint_predictions = joint
            res.status = "ok"
            rates.setdefault(cand.family, []).append(res.seconds / cand.cost)
            if best is None or objective.better(res.score, best.score):
                best = res
            left = (
                ""
                if time_limit is None
                else f"{max(0, time_limit - (time.perf_counter() - start)):.0f}s"
            )
            bar.update(candidate=cand.name, best=_fmt(best), left=left)
    ok = sorted(
        (r for r in results if r.status == "ok" and not np.isnan(r.score)),
        key=lambda r: -r.score if objective.greater_is_better else r.score,
    )
    # A blend needs each member's joint-free scores; rules that used joints are re-judged.
    if blend and len(ok) >= 2:
        mixed = _blend(ok[:5], objective, Y, folds, multiclass, score_kwargs)
        if mixed is not None:
            results.append(mixed)
            if objective.better(mixed.score, best.score) and _clearly_better(
                objective, Y, folds, mixed, best, multiclass, score_kwargs
            ):
                best = mixed
            elif objective.better(mixed.score, best.score):
                mixed.error = "within fold noise of the best single model: not chosen"
    return SearchResult(results, best, folds, time.perf_counter() - start)


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


def _too_slow(cand: Candidate, rates: dict[str, list[float]], left: float, limit: float) -> str:
    """Why ``cand`` should be skipped with ``left`` seconds to go, or "" to run it.

    The estimate is the candidate's estimated fit seconds (:func:`fit_seconds` for this data)
    times the median measured seconds per estimated second: of its own family when one of them
    ran, else of every candidate that ran (the machine's speed, as the cost model is one scale
    for all families). A new family is also skipped once less than a quarter of the time is
    left, as its estimate is the least certain.
    """
    if left <= 0:
        return "time limit reached"
    guess = _guess(cand, rates)
    if guess is not None and guess > left:
        return f"time limit: about {guess:.0f} s needed, {left:.0f} s left"
    if not rates.get(cand.family) and left < 0.25 * limit:
        return f"time limit: {left:.0f} s left, too little to try a new kind of model"
    return ""


def _guess(cand: Candidate, rates: dict[str, list[float]]) -> float | None:
    """Seconds ``cand`` should take at the speed measured so far (None before any measure)."""
    measured = rates.get(cand.family) or [r for family in rates.values() for r in family]
    return float(np.median(measured)) * cand.cost if measured else None


def _shrunk(
    cand: Candidate, rates: dict[str, list[float]], left: float, limit: float
) -> Candidate | None:
    """A smaller version of ``cand`` that fits in ``left`` seconds (fewer trees), or None.

    Asks for 80% of the time left at the estimated speed, so that an estimate a little low still
    ends within the limit.
    """
    guess = _guess(cand, rates)
    if cand.shrink is None or left <= 0 or not guess:
        return None
    smaller = cand.shrink(0.8 * left / guess)
    if smaller is None or _too_slow(smaller, rates, left, limit):
        return None
    return smaller


def _fmt(best: CandidateResult | None) -> str:
    return "-" if best is None else f"{best.score:.4f}"
