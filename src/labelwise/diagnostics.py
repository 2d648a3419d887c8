"""Dataset diagnostics: size, label statistics, imbalance, concurrence, label-powerset feasibility.

Definitions (``n`` examples, ``L`` labels, ``Y`` the 0/1 label matrix, ``c_l`` the number of
examples with label ``l``):

* label cardinality: mean number of labels per example; density: cardinality / ``L``
  (Tsoumakas and Katakis, 2007).
* IRLbl (imbalance ratio per label, Charte et al., "Addressing imbalance in multilabel
  classification", Neurocomputing 163, 2015): ``IRLbl(l) = max_m c_m / c_l``; 1 for the most
  frequent label, larger for rarer ones. MeanIR is its mean over the labels that occur (a label that
  never occurs has no finite IRLbl and is listed instead).
* SCUMBLE (Charte et al., HAIS 2014; restated in Neurocomputing 326, 2019): for an example with
  label set ``Y_i``, ``SCUMBLE_i = 1 - GM_i / AM_i`` where ``GM_i`` and ``AM_i`` are the geometric
  and arithmetic means of ``IRLbl`` over the labels in ``Y_i`` (the Atkinson index with
  epsilon = 1). It is 0 when an example's labels are equally imbalanced (and for examples with
  fewer than two labels) and grows when rare labels appear together with frequent ones. The
  dataset's SCUMBLE is the mean of ``SCUMBLE_i`` over **all** examples, as in the authors' ``mldr``
  package; per label, the mean over the examples that carry the label.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from labelwise._validation import Interval, check_params
from labelwise.data.dataset import Dataset
from labelwise.data.hierarchy import Hierarchy
from labelwise.data.targets import as_array, check_targets, column_names
from labelwise.errors import ShapeError

__all__ = [
    "DatasetDiagnostics",
    "HierarchySummary",
    "PowersetAnalysis",
    "diagnose",
    "hierarchy_summary",
    "irlbl",
    "scumble",
]

# Rules of thumb behind the recommendation (documented in `recommend`).
_LP_MIN_EXAMPLES_PER_SET = 10.0
_LP_MAX_SHARE_ONCE = 0.2
_WEAK_DEPENDENCE_PHI = 0.05
_CHAIN_MAX_LABELS = 20


def irlbl(counts: Any) -> np.ndarray:
    """Imbalance ratio per label: ``max(counts) / counts`` (``inf`` for a label that never occurs).

    Parameters
    ----------
    counts : array-like of int of shape (n_labels,)
        Number of examples carrying each label.

    Returns
    -------
    ndarray of float of shape (n_labels,)

    Examples
    --------
    >>> irlbl([4, 2, 1, 0])
    array([ 1.,  2.,  4., inf])
    """
    c = np.asarray(counts, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(c > 0, c.max(initial=0.0) / np.where(c > 0, c, 1.0), np.inf)


def scumble(y: Any) -> tuple[float, np.ndarray, np.ndarray]:
    """SCUMBLE of a label matrix: dataset value, per-example values and per-label values.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples, n_labels), or label lists
        The targets.

    Returns
    -------
    scumble : float
        Mean of the per-example values over all examples.
    per_example : ndarray of shape (n_samples,)
        ``1 - geometric_mean / arithmetic_mean`` of IRLbl over each example's labels.
    per_label : ndarray of shape (n_labels,)
        Mean of ``per_example`` over the examples with the label (0 for a label that never occurs).

    Examples
    --------
    Labels occur 4, 2 and 1 times, so IRLbl = (1, 2, 4). The example with labels {0, 2} has
    GM = 2, AM = 2.5, SCUMBLE = 0.2; {0, 1} has GM = sqrt(2), AM = 1.5:

    >>> total, per_example, per_label = scumble(
    ...     [[1, 0, 1], [1, 1, 0], [1, 1, 0], [1, 0, 0]])
    >>> per_example.round(4)
    array([0.2   , 0.0572, 0.0572, 0.    ])
    >>> round(total, 4)
    0.0786
    """
    Y = sp.csr_matrix(check_targets(y).Y, dtype=np.float64)
    n, L = Y.shape
    counts = np.asarray(Y.sum(axis=0)).ravel()
    ir = irlbl(counts)
    n_per_row = np.diff(Y.indptr)
    if Y.nnz == 0:
        return 0.0, np.zeros(n), np.zeros(L)
    cols = Y.indices
    log_ir = np.log(ir[cols])  # every stored column occurs, so its IRLbl is finite
    rows = np.repeat(np.arange(n), n_per_row)
    safe_n = np.maximum(n_per_row, 1)
    gm = np.exp(np.bincount(rows, weights=log_ir, minlength=n) / safe_n)
    am = np.bincount(rows, weights=ir[cols], minlength=n) / safe_n
    per_example = np.where(n_per_row > 0, 1.0 - gm / np.where(am > 0, am, 1.0), 0.0)
    per_example = np.clip(per_example, 0.0, 1.0)  # rounding can give -1e-16 for equal IRLbl
    per_label_sum = np.bincount(cols, weights=per_example[rows], minlength=L)
    per_label = np.where(counts > 0, per_label_sum / np.maximum(counts, 1), 0.0)
    return float(per_example.mean()) if n else 0.0, per_example, per_label


@dataclass(frozen=True)
class PowersetAnalysis:
    """Whether treating each label set as one class (label powerset) is feasible.

    Attributes
    ----------
    n_possible : int
        ``2 ** n_labels`` label sets that could occur.
    n_observed : int
        Distinct label sets that do occur.
    examples_per_set_mean, examples_per_set_median : float
        How many examples each observed label set has.
    share_sets_once : float
        Share of the observed label sets that occur in exactly one example.
    hidden_width : int
        Width ``h`` of the last hidden layer the output layer sizes assume.
    sigmoid_units, sigmoid_params : int
        One sigmoid per label: ``L`` units, ``(h + 1) * L`` weights and biases.
    full_softmax_units, full_softmax_params : int
        A softmax over every possible label set: ``2 ** L`` units, ``(h + 1) * 2 ** L`` parameters.
    observed_softmax_units, observed_softmax_params : int
        A softmax over the observed label sets only (which cannot predict an unseen set).
    """

    n_possible: int
    n_observed: int
    examples_per_set_mean: float
    examples_per_set_median: float
    share_sets_once: float
    hidden_width: int
    sigmoid_units: int
    sigmoid_params: int
    full_softmax_units: int
    full_softmax_params: int
    observed_softmax_units: int
    observed_softmax_params: int


@dataclass(frozen=True)
class DatasetDiagnostics:
    """Everything :func:`diagnose` measures about a dataset. ``str()`` gives a readable report.

    Attributes are plain Python values; :meth:`to_dict` gives a JSON-safe dictionary (infinite
    values become ``None``).
    """

    name: str | None
    n_samples: int
    n_features: int | None
    n_labels: int
    label_names: list[str]
    cardinality: float
    density: float
    n_empty: int
    n_label_sets: int
    n_label_sets_once: int
    label_counts: list[int]
    frequency_min: int
    frequency_median: float
    frequency_max: int
    rarest_labels: list[tuple[str, int]]
    never_occurring: list[str]
    always_occurring: list[str]
    irlbl: list[float]
    mean_ir: float
    max_ir: float
    scumble: float
    scumble_per_label: list[float]
    mean_abs_phi: float
    top_pairs: list[tuple[str, str, int]]
    powerset: PowersetAnalysis
    recommendation: str
    reason: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary of every number (``inf``/``nan`` become ``None``).

        Examples
        --------
        >>> import json
        >>> d = diagnose([[1, 0], [1, 1], [0, 1]]).to_dict()
        >>> json.loads(json.dumps(d))["cardinality"]
        1.3333333333333333
        """
        return _json_safe(asdict(self))

    def __str__(self) -> str:
        return _render(self)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def _label_sets(Y: sp.csr_matrix) -> np.ndarray:
    """How many examples share each distinct label set (one count per set)."""
    indices = Y.indices.astype(np.int64)
    keys = Counter(indices[Y.indptr[i] : Y.indptr[i + 1]].tobytes() for i in range(Y.shape[0]))
    return np.fromiter(keys.values(), dtype=np.int64, count=len(keys))


def _mean_abs_phi(Y: sp.csr_matrix, counts: np.ndarray) -> float:
    """Mean absolute phi (Pearson) correlation over pairs of labels that vary."""
    n = Y.shape[0]
    vary = np.flatnonzero((counts > 0) & (counts < n))
    if vary.size < 2:
        return 0.0
    Yv = Y[:, vary].astype(np.float64)
    both = (Yv.T @ Yv).toarray()
    p = counts[vary] / n
    cov = both / n - np.outer(p, p)
    sd = np.sqrt(p * (1 - p))
    phi = cov / np.outer(sd, sd)
    upper = np.triu_indices(vary.size, k=1)
    return float(np.mean(np.abs(phi[upper])))


def recommend(
    n_labels: int,
    n_samples: int,
    per_row_max: int,
    powerset: PowersetAnalysis,
    phi: float,
    *,
    binary: bool = False,
) -> tuple[str, str]:
    """The suggested approach and why, by rules of thumb.

    In order: a binary problem (``binary``: one yes/no column or two classes, as
    :func:`labelwise.problem.describe` reads them) -> one sigmoid; one label per example ->
    multi-class softmax; label sets few and well populated
    (>= 10 examples per observed set and <= 20% of sets seen once) -> label powerset; labels that
    co-occur about as often as chance (mean |phi| < 0.05) -> binary relevance; else classifier
    chains for up to 20 labels and RAkEL (label powerset on random label subsets) beyond.

    Examples
    --------
    >>> pa = diagnose([[1, 0], [0, 1], [1, 1]] * 20).powerset
    >>> recommend(2, 60, 2, pa, 0.5)[0]
    'label powerset'
    """
    if binary:
        return (
            "binary (one sigmoid)",
            "the targets are one yes/no decision per example: one sigmoid unit (any binary "
            "classifier) with a threshold tuned on validation data.",
        )
    if per_row_max <= 1 and n_labels >= 2:
        return (
            "multi-class (softmax)",
            "no example has more than one label, so the labels are mutually exclusive classes.",
        )
    if (
        powerset.examples_per_set_mean >= _LP_MIN_EXAMPLES_PER_SET
        and powerset.share_sets_once <= _LP_MAX_SHARE_ONCE
    ):
        return (
            "label powerset",
            f"only {powerset.n_observed} label sets occur, with "
            f"{powerset.examples_per_set_mean:.1f} examples each on average and "
            f"{powerset.share_sets_once:.0%} seen once: one softmax over the observed sets models "
            "label dependencies directly and stays small.",
        )
    if phi < _WEAK_DEPENDENCE_PHI:
        return (
            "binary relevance",
            f"labels co-occur about as often as chance (mean |phi| = {phi:.3f}), so one "
            "independent model per label loses little and scales linearly in the labels.",
        )
    lp_why = (
        f"{powerset.n_observed} label sets occur with {powerset.examples_per_set_mean:.1f} "
        f"examples each on average ({powerset.share_sets_once:.0%} seen once), too sparse for "
        "a label powerset"
    )
    if n_labels <= _CHAIN_MAX_LABELS:
        return (
            "classifier chains",
            f"labels are dependent (mean |phi| = {phi:.3f}) and {lp_why}; with {n_labels} labels "
            "an ensemble of chains can feed each label's prediction to the next.",
        )
    return (
        "RAkEL",
        f"labels are dependent (mean |phi| = {phi:.3f}) and {lp_why}; with {n_labels} labels, "
        "label powersets on small random label subsets (k = 3) keep the dependencies cheaply.",
    )


def diagnose(
    y: Any,
    *,
    X: Any = None,
    label_names: list[str] | None = None,
    hidden_width: int = 256,
    top: int = 10,
    name: str | None = None,
) -> DatasetDiagnostics:
    """Measure a multi-label dataset: size, label statistics, imbalance, concurrence, feasibility.

    Parameters
    ----------
    y : array-like or sparse matrix of shape (n_samples, n_labels), label lists, or Dataset
        The targets, in any form :func:`labelwise.data.check_targets` accepts. A
        :class:`labelwise.data.Dataset` supplies ``X``, the label names and the name as well.
    X : array-like or sparse matrix, optional
        Features; only the number of columns is used.
    label_names : list of str, optional
        One name per label column (default: the names ``check_targets`` gives).
    hidden_width : int, default=256
        Width ``h`` of the last hidden layer assumed for the output-layer sizes.
    top : int, default=10
        How many rarest labels and most co-occurring pairs to list.
    name : str, optional
        A name for the report.

    Returns
    -------
    DatasetDiagnostics

    Examples
    --------
    >>> d = diagnose([["a", "b"], ["a"], ["a", "c"], ["a"]])
    >>> d.cardinality, d.label_counts, d.irlbl
    (1.5, [4, 1, 1], [1.0, 4.0, 4.0])
    >>> d.powerset.n_possible, d.powerset.n_observed
    (8, 3)
    """
    check_params(
        {"hidden_width": hidden_width, "top": top},
        {
            "hidden_width": [Interval(numbers.Integral, 1, None)],
            "top": [Interval(numbers.Integral, 0, None)],
        },
        caller="diagnose",
    )
    if isinstance(y, Dataset):
        X = y.X if X is None else X
        label_names = list(y.label_names) if label_names is None else label_names
        name = y.name if name is None else name
        y = y.Y
    targets = check_targets(y)
    Y = sp.csr_matrix(targets.Y, dtype=np.int8)
    Y.eliminate_zeros()
    Y.sort_indices()
    n, L = Y.shape
    names = list(column_names(y, targets, label_names))
    n_features = None
    if X is not None:
        X = as_array(X)
        if X.shape[0] != n:
            raise ShapeError(f"X has {X.shape[0]} rows but the targets have {n}.")
        n_features = int(X.shape[1]) if len(X.shape) == 2 else None

    counts = np.asarray(Y.sum(axis=0)).ravel().astype(np.int64)
    per_row = np.diff(Y.indptr)
    cardinality = float(per_row.mean()) if n else 0.0
    set_counts = _label_sets(Y) if n else np.zeros(0, dtype=np.int64)
    ir = irlbl(counts)
    finite = np.isfinite(ir)
    scumble_total, _, scumble_label = scumble(Y)
    pair_counts = (Y.T.astype(np.int64) @ Y.astype(np.int64)).toarray()
    iu = np.triu_indices(L, k=1)
    pair_values = pair_counts[iu]
    order = np.argsort(-pair_values, kind="stable")[:top]
    top_pairs = [
        (names[iu[0][k]], names[iu[1][k]], int(pair_values[k])) for k in order if pair_values[k]
    ]
    rare_order = np.argsort(counts, kind="stable")[:top]
    n_sets = int(set_counts.size)
    h = int(hidden_width)
    powerset = PowersetAnalysis(
        n_possible=2**L,
        n_observed=n_sets,
        examples_per_set_mean=float(n / n_sets) if n_sets else 0.0,
        examples_per_set_median=float(np.median(set_counts)) if n_sets else 0.0,
        share_sets_once=float(np.mean(set_counts == 1)) if n_sets else 0.0,
        hidden_width=h,
        sigmoid_units=L,
        sigmoid_params=(h + 1) * L,
        full_softmax_units=2**L,
        full_softmax_params=(h + 1) * 2**L,
        observed_softmax_units=n_sets,
        observed_softmax_params=(h + 1) * n_sets,
    )
    phi = _mean_abs_phi(Y, counts)
    binary = targets.kind == "binary" or (L == 2 and n > 0 and bool(np.all(per_row == 1)))
    method, reason = recommend(L, n, int(per_row.max(initial=0)), powerset, phi, binary=binary)
    never = [names[j] for j in np.flatnonzero(counts == 0)]
    always = [names[j] for j in np.flatnonzero(counts == n)] if n else []
    notes = []
    if never:
        notes.append(f"{len(never)} labels never occur (no IRLbl): {', '.join(never[:10])}")
    if always:
        notes.append(f"{len(always)} labels occur in every example: {', '.join(always[:10])}")
    return DatasetDiagnostics(
        name=name,
        n_samples=int(n),
        n_features=n_features,
        n_labels=int(L),
        label_names=names,
        cardinality=cardinality,
        density=cardinality / L if L else 0.0,
        n_empty=int(np.sum(per_row == 0)),
        n_label_sets=n_sets,
        n_label_sets_once=int(np.sum(set_counts == 1)),
        label_counts=counts.tolist(),
        frequency_min=int(counts.min()) if L else 0,
        frequency_median=float(np.median(counts)) if L else 0.0,
        frequency_max=int(counts.max(initial=0)),
        rarest_labels=[(names[j], int(counts[j])) for j in rare_order],
        never_occurring=never,
        always_occurring=always,
        irlbl=ir.tolist(),
        mean_ir=float(ir[finite].mean()) if finite.any() else math.nan,
        max_ir=float(ir[finite].max()) if finite.any() else math.nan,
        scumble=scumble_total,
        scumble_per_label=scumble_label.tolist(),
        mean_abs_phi=phi,
        top_pairs=top_pairs,
        powerset=powerset,
        recommendation=method,
        reason=reason,
        notes=notes,
    )


def _fmt_int(v: int) -> str:
    return f"{v:,}" if v < 10**15 else f"{float(v):.3e}"


def _render(d: DatasetDiagnostics) -> str:
    p = d.powerset
    rows: list[tuple[str, str]] = [
        ("examples", _fmt_int(d.n_samples)),
        ("features", "-" if d.n_features is None else _fmt_int(d.n_features)),
        ("labels", _fmt_int(d.n_labels)),
        ("label cardinality", f"{d.cardinality:.3f}"),
        ("label density", f"{d.density:.4f}"),
        ("examples with no label", _fmt_int(d.n_empty)),
        ("distinct label sets", f"{d.n_label_sets:,} ({d.n_label_sets_once:,} occur once)"),
        (
            "label frequency min/median/max",
            f"{d.frequency_min} / {d.frequency_median:g} / {d.frequency_max}",
        ),
        ("rarest labels", ", ".join(f"{k} ({v})" for k, v in d.rarest_labels[:5]) or "-"),
        ("MeanIR (max IRLbl)", f"{d.mean_ir:.3f} ({d.max_ir:.2f})"),
        ("SCUMBLE", f"{d.scumble:.4f}"),
        ("mean |phi| between labels", f"{d.mean_abs_phi:.4f}"),
    ]
    width = max(len(k) for k, _ in rows)
    lines = [f"Dataset {d.name}" if d.name else "Dataset", ""]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    if d.top_pairs:
        lines += ["", "Most co-occurring label pairs"]
        lines += [f"  {a} + {b}: {c}" for a, b, c in d.top_pairs]
    lines += [
        "",
        f"Label powerset feasibility (hidden width h = {p.hidden_width})",
        f"  possible label sets 2^{d.n_labels} = {_fmt_int(p.n_possible)}; observed "
        f"{p.n_observed:,}; examples per observed set: mean {p.examples_per_set_mean:.1f}, "
        f"median {p.examples_per_set_median:g}; {p.share_sets_once:.0%} seen once",
    ]
    head = [
        ("output layer", "units", "parameters"),
        ("L sigmoids", _fmt_int(p.sigmoid_units), _fmt_int(p.sigmoid_params)),
        ("softmax over 2^L sets", _fmt_int(p.full_softmax_units), _fmt_int(p.full_softmax_params)),
        (
            "softmax over observed sets",
            _fmt_int(p.observed_softmax_units),
            _fmt_int(p.observed_softmax_params),
        ),
    ]
    w0 = max(len(r[0]) for r in head)
    w1 = max(len(r[1]) for r in head)
    lines += [f"  {a:<{w0}}  {b:>{w1}}  {c:>}" for a, b, c in head]
    lines += ["", f"Recommendation: {d.recommendation}", f"  because {d.reason}"]
    if d.notes:
        lines += ["", "Notes"] + [f"  - {note}" for note in d.notes]
    return "\n".join(lines)


@dataclass(frozen=True)
class HierarchySummary:
    """The shape of a label hierarchy over a dataset's labels, and the data's violations of it.

    Attributes
    ----------
    n_nodes : int
        Label columns plus their ancestors that are not columns.
    n_implicit : int
        Ancestors that are not columns (groups that exist only in the hierarchy or the names).
    depth : int
        Number of levels (1 for a flat label set).
    nodes_per_level : list of int
        Nodes at depth 0 (roots), 1, ...
    is_tree : bool
        No node has two parents.
    n_violating_rows : int
        Rows with a label but not its parent (a parent that is a column).
    violations : list of (child, parent, count)
        The violated links, most frequent first.
    """

    n_nodes: int
    n_implicit: int
    depth: int
    nodes_per_level: list[int]
    is_tree: bool
    n_violating_rows: int
    violations: list[tuple[str, str, int]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dictionary."""
        return _json_safe(asdict(self))

    def __str__(self) -> str:
        kind = "tree" if self.is_tree else "DAG (some labels have several parents)"
        lines = [
            "Label hierarchy",
            "",
            f"  nodes         {self.n_nodes} ({self.n_implicit} implicit ancestors), {kind}",
            f"  depth         {self.depth} levels",
            f"  per level     {' / '.join(str(k) for k in self.nodes_per_level)}",
        ]
        if self.violations:
            shown = ", ".join(f"{c} without {p} ({k})" for c, p, k in self.violations[:5])
            lines.append(f"  violations    {self.n_violating_rows} rows: {shown}")
        else:
            lines.append("  violations    none (every label comes with its parent)")
        return "\n".join(lines)


def hierarchy_summary(hierarchy: Hierarchy, y: Any, label_names: list[str]) -> HierarchySummary:
    """Depth, nodes per level and violations of ``hierarchy`` over a dataset's labels.

    Parameters
    ----------
    hierarchy : Hierarchy
    y : 0/1 matrix (dense or sparse) of shape (n_samples, n_labels)
    label_names : list of str
        The names of ``y``'s columns, all in the hierarchy.

    Returns
    -------
    HierarchySummary

    Examples
    --------
    >>> h = Hierarchy.from_groups({"A": ["A.1", "A.2"], "B": ["B.1"]})
    >>> s = hierarchy_summary(h, [[1, 0, 0], [0, 0, 1]], ["A.1", "A.2", "B.1"])
    >>> s.depth, s.nodes_per_level, s.n_implicit, s.n_violating_rows
    (2, [2, 3], 2, 0)
    """
    names = [str(n) for n in label_names]
    hierarchy = Hierarchy.coerce(hierarchy, labels=names, where="hierarchy_summary")  # any spec
    hierarchy.check_labels(names, where="hierarchy_summary")
    nodes = hierarchy.nodes_for(names)
    levels = hierarchy.levels(nodes)
    violations = hierarchy.violations(check_targets(y).Y, names)
    return HierarchySummary(
        n_nodes=len(nodes),
        n_implicit=len(nodes) - len(names),
        depth=len(levels),
        nodes_per_level=[len(level) for level in levels],
        is_tree=hierarchy.is_tree,
        n_violating_rows=violations.n_violating_rows,
        violations=violations.pairs,
    )
