"""``AutoClassifier``: name the metric; it picks, tunes and refits the best pipeline.

``fit`` reads the problem off the targets (:func:`labelwise.problem.describe`), builds the
candidate space for the data (:mod:`labelwise.auto.candidates`), cross-validates every candidate
on the training data only, picks the decision rule best for the metric by cross-fitting on the
out-of-fold scores, tries a blend of the best candidates, and refits the winner on all the training
data. The rule is then fitted on the winner's out-of-fold scores, never on the rows a model was
trained on (its scores there are over-confident).
"""

from __future__ import annotations

import contextlib
import numbers
import os
import time
import warnings
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from labelwise._validation import Interval, Options, with_param_validation
from labelwise.auto.candidates import build_candidates, is_text, profile_data
from labelwise.auto.objectives import Objective, get_objective, objective_names
from labelwise.auto.search import SearchResult, joint_proba, run_search
from labelwise.decision.meta import scores_only
from labelwise.errors import LabelwiseError, ProblemSetupError, TargetError

__all__ = ["AutoClassifier"]


class NoCandidateFinished(LabelwiseError, RuntimeError):
    """No candidate finished cross-validation (all failed, or the time limit was too short)."""


def _as_matrix_targets(y: Any) -> tuple[np.ndarray, np.ndarray, str]:
    from labelwise.data.targets import check_targets

    targets = check_targets(y, name="y")
    kind = targets.kind
    Y = targets.Y
    if kind == "multilabel":
        Y = Y.toarray() if sp.issparse(Y) else np.asarray(Y)
        return np.ascontiguousarray(Y, dtype=np.int8), np.asarray(targets.classes), kind
    classes = np.asarray(targets.classes)
    y_arr = np.asarray(targets.Y)
    if y_arr.ndim == 2:  # one-hot
        idx = np.argmax(y_arr, axis=1)
    else:
        idx = np.searchsorted(classes, y_arr)
    return idx.astype(np.int64), classes, "multiclass" if len(classes) > 2 else "binary"


def _fold_threads(n_jobs: int | None) -> Any:
    """Refit under the BLAS thread count the folds had in their worker processes.

    joblib gives each of ``n_jobs`` workers ``cores // n_jobs`` BLAS threads; the estimates the
    search made (and the refit's share of the time limit) assume the same. More threads than
    that make the many small products of L-BFGS fits slower, not faster (a logistic regression
    per label took 5x longer with 2 BLAS threads than with 1 on a busy 2-core machine).
    """
    from joblib import effective_n_jobs
    from threadpoolctl import threadpool_limits

    workers = effective_n_jobs(n_jobs)
    if workers <= 1:
        return contextlib.nullcontext()
    return threadpool_limits(limits=max(1, (os.cpu_count() or 1) // workers), user_api="blas")


def _finite_seconds(value: Any) -> bool:
    """a finite number of seconds >= 0"""
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and bool(np.isfinite(value))
        and value >= 0
    )


def _worker_count(value: Any) -> bool:
    """an integer other than 0 (-1 for every core)"""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value != 0


class AutoClassifier(ClassifierMixin, BaseEstimator):
    """Cross-validated choice of model, decision rule and blend for one metric.

    Parameters
    ----------
    metric : str or Objective, default="micro_f1"
        What to optimise; one of :func:`labelwise.auto.objectives.objective_names` (micro_f1,
        macro_f1, samples_f1, hamming_loss, subset_accuracy, jaccard_samples, average_precision,
        precision_at_k, ndcg_at_k, precision_at_1, hierarchical_f1; accuracy, balanced_accuracy,
        top_k_accuracy for multi-class), or an :class:`~labelwise.auto.Objective` already
        resolved (:func:`~labelwise.auto.get_objective`), used as it is.
    time_limit : float or None, default=None
        Seconds for the whole of ``fit``, the refit of the winner on all rows included.
        Candidates run cheapest first; one whose estimated cross-validation and refit no longer
        fit is skipped, and a blend whose refit would not fit is not formed
        (:mod:`labelwise.auto.budget`). The cheapest always runs, however long it takes: a fit
        that ends beyond ``1.2 * time_limit + 1`` seconds says so in a warning.
    n_jobs : int or None, default=None
        Folds fitted in parallel (joblib; ``joblib.parallel_backend("dask")`` sends them to a
        Dask cluster); -1 for every core, never 0.
    cv : int or "auto", default="auto"
        Folds; "auto" is 5, or 3 above 20,000 training examples.
    candidates : list of str or None, default=None
        Keep only candidates whose names start with these prefixes.
    blend : bool, default=True
        Try greedy ensemble selection over the best candidates' out-of-fold scores.
    hierarchy : Hierarchy or None, default=None
        Needed by ``metric="hierarchical_f1"``.
    label_names : sequence of str or None, default=None
        Names of the label columns of a 0/1 ``y``, for the hierarchy (default: the hierarchy's
        labels, when their number matches).
    random_state : int, default=0
    verbose : bool, int or None, default=None
        Progress display on standard error (candidate, fold, best so far, time left); None
        shows it on a terminal only; forced on elsewhere it writes one line per candidate.
    k : int or None, default=None
        The cut-off of ``precision_at_k`` and ``ndcg_at_k`` (None: 3).
    keep_oof_scores : bool, default=False
        Keep the winner's out-of-fold training scores as ``oof_scores_`` (rows x labels);
        prediction never needs them, and a saved model stays small without them.

    Attributes
    ----------
    best_estimator_ : estimator
        The winner, refitted on all training data.
    rule_ : DecisionRule or None
        The fitted decision rule (None for multi-class, which decides by argmax).
    leaderboard_ : list of dict
        One row per candidate: name, status, cross-validated score, rule, seconds, error.
    best_score_ : float
        The winner's cross-validated value of the metric.
    classes_ : ndarray
        Label names (multi-label) or classes (multi-class).
    kind_ : str
        ``"multilabel"``, ``"multiclass"`` or ``"binary"``.
    fit_seconds_, search_seconds_, refit_seconds_ : float
        Wall time of the whole ``fit``, of the search, and of the final refit.
    refit_estimate_ : float
        The refit's seconds as estimated before it ran (from the winner's fold times).
    oof_scores_ : ndarray of shape (n_samples, n_labels)
        Only with ``keep_oof_scores=True``.

    Examples
    --------
    >>> from labelwise.datasets import load
    >>> train = load("emotions", split="train")
    >>> auto = AutoClassifier("micro_f1", candidates=["BinaryRelevance"], blend=False, cv=3)
    >>> auto = auto.fit(train.X, train.Y)
    >>> auto.leaderboard_[0]["candidate"], auto.leaderboard_[0]["status"]
    ('BinaryRelevance(LogisticRegression)', 'ok')
    >>> auto.predict(train.X[:2]).shape
    (2, 6)
    """

    _parameter_constraints: ClassVar[dict] = {
        "metric": [str, Objective],
        "time_limit": [_finite_seconds, None],
        "n_jobs": [_worker_count, None],
        "cv": [Interval(numbers.Integral, 2, None), Options({"auto"})],
        "candidates": [list, tuple, None],
        "blend": [bool],
        "random_state": [numbers.Integral],
        "verbose": [bool, int, None],
        "k": [Interval(numbers.Integral, 1, None), None],
        "keep_oof_scores": [bool],
    }

    def __init__(
        self,
        metric: str = "micro_f1",
        *,
        time_limit: float | None = None,
        n_jobs: int | None = None,
        cv: int | str = "auto",
        candidates: list[str] | None = None,
        blend: bool = True,
        hierarchy: Any = None,
        label_names: Any = None,
        random_state: int = 0,
        verbose: bool | int | None = None,
        k: int | None = None,
        keep_oof_scores: bool = False,
    ) -> None:
        self.metric = metric
        self.time_limit = time_limit
        self.n_jobs = n_jobs
        self.cv = cv
        self.candidates = candidates
        self.blend = blend
        self.hierarchy = hierarchy
        self.label_names = label_names
        self.random_state = random_state
        self.verbose = verbose
        self.k = k
        self.keep_oof_scores = keep_oof_scores

    def _splitter(self, n: int, multiclass: bool) -> Any:
        from labelwise.split import MultilabelStratifiedKFold

        k = self.cv if self.cv != "auto" else (5 if n <= 20000 else 3)  # as checked in fit
        if multiclass:
            return StratifiedKFold(n_splits=k, shuffle=True, random_state=self.random_state)
        return MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=self.random_state)

    @with_param_validation
    def fit(self, X: Any, y: Any) -> AutoClassifier:
        """Search, pick and refit on the training data.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features), or list of str
            Features, or raw texts for a text problem.
        y : array-like, sparse matrix or label lists
            Multi-label 0/1 matrix or label lists, or 1-D classes.

        Returns
        -------
        self
        """
        start = time.perf_counter()
        Y, classes, kind = _as_matrix_targets(y)
        multiclass = kind != "multilabel"
        objective = get_objective(
            self.metric, kind="multiclass" if multiclass else "multilabel", k=self.k
        )
        if not is_text(X) and not sp.issparse(X):
            X = np.asarray(X)
        n = len(X) if is_text(X) else X.shape[0]
        if n != Y.shape[0]:
            raise TargetError(f"AutoClassifier: X has {n} rows but y has {Y.shape[0]}.")
        if not multiclass and not Y.any():
            raise TargetError(
                "AutoClassifier: no training example has any label, so there is nothing to "
                "learn; check that the label columns were read correctly."
            )
        k = self.cv if self.cv != "auto" else (5 if n <= 20000 else 3)
        if n < k:
            raise TargetError(
                f"AutoClassifier: {n} training examples are too few for {k}-fold "
                f"cross-validation; give more data{' or a smaller cv' if n >= 2 else ''}."
            )
        if multiclass:
            counts = np.bincount(Y, minlength=len(classes))
            if counts.min() < 2:
                rare = classes[int(np.argmin(counts))]
                raise TargetError(
                    f"AutoClassifier: class {str(rare)!r} has {int(counts.min())} example; "
                    "cross-validation needs at least 2 per class."
                )
        score_kwargs = {}
        if objective.name == "hierarchical_f1":
            if self.hierarchy is None:
                objective.score(None, None)  # raises the explanation
            score_kwargs["hierarchy"] = self.hierarchy
            if self.label_names is not None:
                score_kwargs["labels"] = [str(n) for n in self.label_names]
        profile = profile_data(X, Y, kind)
        cands = build_candidates(
            profile,
            random_state=self.random_state,
            include=self.candidates and list(self.candidates),
            ranking=objective.ranking,
        )
        if not cands:
            raise ProblemSetupError(
                f"AutoClassifier: no candidate matches candidates={self.candidates!r}."
            )
        self.log_: list[str] = []
        result = run_search(
            cands,
            X,
            Y,
            objective,
            self._splitter(n, multiclass),
            multiclass=multiclass,
            n_classes=len(classes) if multiclass else None,
            # the limit is for the whole fit: what checking the data took is spent already
            time_limit=None
            if self.time_limit is None
            else self.time_limit - (time.perf_counter() - start),
            n_jobs=self.n_jobs,
            blend=self.blend,
            verbose=self.verbose,
            score_kwargs=score_kwargs,
            log=self.log_.append,
        )
        self._finish(result, X, Y, classes, kind, objective)
        self.fit_seconds_ = time.perf_counter() - start
        self._warn_if_over_time()
        return self

    def _warn_if_over_time(self) -> None:
        limit = self.time_limit
        if limit is None or self.fit_seconds_ <= 1.2 * limit + 1:
            return
        warnings.warn(
            f"AutoClassifier: the fit took {self.fit_seconds_:.0f} s, beyond time_limit="
            f"{limit:g} s (search {self.search_seconds_:.0f} s, refit "
            f"{self.refit_seconds_:.0f} s): the cheapest candidate always runs to the end and is "
            "refitted (without one finished model nothing can be chosen), however long that "
            "takes.",
            UserWarning,
            stacklevel=3,
        )

    def _finish(
        self,
        result: SearchResult,
        X: Any,
        Y: np.ndarray,
        classes: np.ndarray,
        kind: str,
        objective: Any,
    ) -> None:
        self.leaderboard_ = _leaderboard(result, objective)
        best = result.best
        if best is None:
            failed = [r for r in result.results if r.status == "failed"]
            why = "; ".join(f"{r.name}: {r.error}" for r in failed[:3]) or "time limit too short"
            raise NoCandidateFinished(
                f"AutoClassifier: no candidate finished cross-validation ({why}). "
                "Give a longer time_limit or check the data."
            )
        if best.members:
            from labelwise.models.averaging import ScoreAverage

            makers = {r.name: r.candidate for r in result.results if r.candidate is not None}
            names = list(best.members)
            model = ScoreAverage(
                [(name, makers[name].make()) for name in names],
                weights=[best.members[name] for name in names],
                n_jobs=self.n_jobs,
            )
        else:
            model = best.candidate.make()
        refit_start = time.perf_counter()
        with _fold_threads(self.n_jobs), scores_only():  # rule_ below decides, from oof scores
            model.fit(X, Y)
        self.refit_seconds_ = time.perf_counter() - refit_start
        self.refit_estimate_ = float(best.refit_seconds)
        self.best_estimator_ = model
        self.best_name_ = best.name
        self.best_score_ = float(best.score)
        self.objective_ = objective.name
        self.kind_ = kind
        self.classes_ = classes
        self.n_labels_ = len(classes)
        if not (isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.ndim == 1)):
            self.n_features_in_ = X.shape[1]
        self.cv_folds_ = int(result.folds.max()) + 1
        self.search_seconds_ = result.elapsed
        if kind == "multilabel" and best.rule is not None:
            self.rule_ = clone(best.rule).fit(Y, best.oof)
        else:
            self.rule_ = None
        if self.keep_oof_scores:
            self.oof_scores_ = best.oof
        elif hasattr(self, "oof_scores_"):  # from an earlier fit with keep_oof_scores=True
            del self.oof_scores_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Scores of the winner: (n_samples, n_labels) for multi-label, (n, n_classes) else."""
        check_is_fitted(self, "best_estimator_")
        from labelwise.decision.meta import estimator_scores

        if self.kind_ == "multilabel":
            return estimator_scores(self.best_estimator_, X)
        proba = np.asarray(self.best_estimator_.predict_proba(X), dtype=np.float64)
        out = np.zeros((proba.shape[0], len(self.classes_)))
        out[:, np.asarray(self.best_estimator_.classes_, dtype=int)] = proba
        return out

    def predict(self, X: Any) -> np.ndarray:
        """Label sets (0/1 matrix) from the fitted rule, or classes by argmax (multi-class)."""
        check_is_fitted(self, "best_estimator_")
        if self.kind_ != "multilabel":
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        if getattr(self.rule_, "uses_joint", False):
            jp = joint_proba(self.best_estimator_, X)
            if jp is not None:
                return self.rule_.predict_joint(*jp)
        return self.rule_.predict(self.predict_proba(X))

    def leaderboard(self) -> Any:
        """The leaderboard as a pandas DataFrame (needs pandas; ``leaderboard_`` is plain)."""
        check_is_fitted(self, "leaderboard_")
        import pandas as pd

        return pd.DataFrame(self.leaderboard_)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags


def _leaderboard(result: SearchResult, objective: Any) -> list[dict]:
    rows = [r.row() for r in result.results]
    ok = [r for r in rows if r["status"] == "ok" and r["score"] is not None]
    ok.sort(key=lambda r: -r["score"] if objective.greater_is_better else r["score"])
    rank = {id(r): i + 1 for i, r in enumerate(ok)}
    for r in rows:
        r["rank"] = rank.get(id(r))
        r["metric"] = objective.name
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
    return rows


__all__ += ["NoCandidateFinished", "objective_names"]
