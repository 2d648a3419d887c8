"""Storage must not change the answer: every public metric, on the same data in every container.

The containers are numpy (int and bool; 1-D for one column), CSR, CSC, pandas (DataFrame; Series
for one column), Python lists and CPU torch tensors. The cases are one 0/1 column (ordinary,
all-zero, all-one), and multi-label matrices (ordinary, with all-zero labels, all-positive).
The rule: one column is a binary target whatever its container, as scikit-learn's
``type_of_target`` says of an (n, 1) array. Each result (or error) must be identical across
containers, and equal to scikit-learn's where it has the metric.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.metrics as skm

import labelwise.metrics as lm
from labelwise.data import Hierarchy
from labelwise.decision import FixedThreshold
from labelwise.metrics import Evaluator
from labelwise.metrics import names as metric_names
from labelwise.metrics.streaming import COUNT_METRICS

pd = pytest.importorskip("pandas")
torch = pytest.importorskip("torch")

N = 24


def _cases() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """name -> (y_true, y_pred, y_score), each (n, L); y_pred is y_score >= 0.5."""
    rng = np.random.default_rng(9)
    out = {}
    shapes = {
        "one-column": (1, "random"),
        "one-column-empty": (1, "zeros"),
        "one-column-all-positive": (1, "ones"),
        "multilabel": (5, "random"),
        "empty-labels": (5, "empty"),
        "all-positive": (4, "ones"),
    }
    for name, (L, kind) in shapes.items():
        Y = (rng.random((N, L)) < 0.4).astype(np.int64)
        Y[:2] = [[1] * L, [0] * L]  # both values in every column
        if kind == "zeros":
            Y[:] = 0
        elif kind == "ones":
            Y[:] = 1
        elif kind == "empty":
            Y[:, [1, 3]] = 0
        # scores correlated with the labels, rounded so that there are ties
        S = np.round((rng.random((N, L)) + 0.7 * Y) / 1.7, 2)
        P = (S >= 0.5).astype(np.int64)
        if kind == "empty":
            P[:, 3] = 0  # a label neither true nor predicted
        out[name] = (Y, P, S)
    return out


CASES = _cases()


def _containers(M: np.ndarray, scores: bool = False) -> dict[str, Any]:
    """The same (n, L) matrix in every container; 1-D forms only for one column.

    Scores are dense by nature: for the sparse target containers they stay a numpy array. A
    bool column is left out for one column: its classes are then False/True (as scikit-learn
    reports them), a different set of class values, not another container.
    """
    one = M.shape[1] == 1
    out = {
        "numpy": M,
        "numpy-bool": M if scores or one else M.astype(bool),
        "csr": M if scores else sp.csr_matrix(M),
        "csc": M if scores else sp.csc_matrix(M),
        "pandas": pd.DataFrame(M),
        "list": M.tolist(),
        "torch": torch.from_numpy(M),
    }
    if one:
        out["numpy-1d"] = M.ravel()
        out["pandas-series"] = pd.Series(M.ravel())
        out["list-1d"] = M.ravel().tolist()
    return out


def _hierarchy(L: int) -> Hierarchy:
    parents = {f"l{j}": None for j in range(L)}
    for j in range(1, L):
        if j % 3:
            parents[f"l{j}"] = f"l{j - j % 3}"
    return Hierarchy(parents)


# Every public name of labelwise.metrics, with how to call it: (kind, keyword variants).
# "labels": f(y_true, y_pred); "scores": f(y_true, y_score); "train": f(Y); "hierarchy":
# f(y_true, y_pred, hierarchy); "state"/"class": tested by their own functions below.
_AVERAGES = ("binary", "micro", "macro", "weighted", "samples", None)
_PRF_VARIANTS = [{"average": a, "zero_division": 1.0} for a in _AVERAGES]
_SCORE_AVERAGES = [{"average": a} for a in ("macro", "micro", "weighted", "samples", None)]
SPECS: dict[str, tuple[str, list[dict]]] = {
    "accuracy_score": ("labels", [{}, {"normalize": False}]),
    "subset_accuracy": ("labels", [{}]),
    "hamming_loss": ("labels", [{}]),
    "multilabel_confusion_matrix": ("labels", [{}]),
    "balanced_accuracy_score": ("labels", [{}, {"adjusted": True}]),
    "classification_report": (
        "labels",
        [{"output_dict": True, "zero_division": 0.0}, {"digits": 4, "zero_division": 1.0}],
    ),
    "precision_score": ("labels", _PRF_VARIANTS),
    "recall_score": ("labels", _PRF_VARIANTS),
    "f1_score": ("labels", _PRF_VARIANTS),
    "fbeta_score": ("labels", [{**v, "beta": 2.0} for v in _PRF_VARIANTS]),
    "jaccard_score": ("labels", _PRF_VARIANTS),
    "precision_recall_fscore_support": ("labels", _PRF_VARIANTS),
    "average_precision_score": ("scores", _SCORE_AVERAGES),
    "roc_auc_score": ("scores", _SCORE_AVERAGES),
    "coverage_error": ("scores", [{}]),
    "label_ranking_average_precision_score": ("scores", [{}]),
    "label_ranking_loss": ("scores", [{}]),
    "one_error": ("scores", [{}]),
    "top_k_accuracy_score": ("scores", [{"k": 1}]),
    "precision_at_k": ("scores", [{"k": 1}]),
    "recall_at_k": ("scores", [{"k": 1}]),
    "ndcg_at_k": ("scores", [{"k": 1}]),
    "psp_at_k": ("scores", [{"k": 1, "inv_propensity": "from-y"}]),
    "psndcg_at_k": ("scores", [{"k": 1, "inv_propensity": "from-y"}]),
    "inverse_propensity": ("train", [{}]),
    "hierarchical_precision_recall_f1": ("hierarchy", [{"zero_division": 1.0}]),
    "hierarchical_precision_score": ("hierarchy", [{"zero_division": 1.0}]),
    "hierarchical_recall_score": ("hierarchy", [{"zero_division": 1.0}]),
    "hierarchical_f1_score": ("hierarchy", [{"zero_division": 1.0}]),
    "per_level_f1_score": ("hierarchy", [{"zero_division": 1.0}, {"average": "macro"}]),
    "hierarchical_consistency_score": ("consistency", [{}]),
    "precision_recall_curve": ("scores", [{}, {"average": "micro"}]),
    "roc_curve": ("scores", [{}, {"average": "micro"}]),
    "f1_threshold_curve": ("scores", [{}, {"average": "micro"}]),
    "at_k_state": ("state", [{}]),
    "Evaluator": ("class", [{}]),
}
# scikit-learn's function for the same metric, where it has one
SKLEARN = {
    "accuracy_score": skm.accuracy_score,
    "subset_accuracy": skm.accuracy_score,
    "hamming_loss": skm.hamming_loss,
    "multilabel_confusion_matrix": skm.multilabel_confusion_matrix,
    "balanced_accuracy_score": skm.balanced_accuracy_score,
    "classification_report": skm.classification_report,
    "precision_score": skm.precision_score,
    "recall_score": skm.recall_score,
    "f1_score": skm.f1_score,
    "fbeta_score": skm.fbeta_score,
    "jaccard_score": skm.jaccard_score,
    "precision_recall_fscore_support": skm.precision_recall_fscore_support,
    "average_precision_score": skm.average_precision_score,
    "roc_auc_score": skm.roc_auc_score,
    "coverage_error": skm.coverage_error,
    "label_ranking_average_precision_score": skm.label_ranking_average_precision_score,
    "label_ranking_loss": skm.label_ranking_loss,
    "top_k_accuracy_score": skm.top_k_accuracy_score,
}


def test_every_public_metric_is_covered():
    # every public callable is covered; data constants (PROPENSITY_PARAMETERS) and the metric
    # name registry (labelwise.metrics.names) are not metrics
    public = {
        name
        for name in lm.__all__
        if callable(getattr(lm, name)) and name not in metric_names.__all__
    }
    missing = sorted(public - set(SPECS))
    assert not missing, f"add these public metrics to SPECS in {__file__}: {missing}"
    assert not set(SPECS) - public


def _outcome(f: Callable[[], Any]) -> Any:
    """The value, or the error's type and message: both must be the same in every container."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f()
        except Exception as e:  # the error itself is what is compared
            return ("raised", type(e).__name__, str(e))


def _same(a: Any, b: Any, rtol: float = 0.0) -> bool:
    """Equal values (to the bit when rtol is 0), NaN equal to NaN, through tuples and dicts."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and list(a) == list(b)
            and all(_same(a[k], b[k], rtol) for k in a)
        )
    if _raised(a) or _raised(b):
        return a == b
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return (
            isinstance(a, (tuple, list))
            and isinstance(b, (tuple, list))
            and len(a) == len(b)
            and all(_same(x, y, rtol) for x, y in zip(a, b, strict=True))
        )
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return a == b
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.allclose(a, b, rtol=rtol, atol=0.0, equal_nan=True))
    return bool(np.array_equal(a, b))


def _raised(x: Any) -> bool:
    return isinstance(x, tuple) and len(x) == 3 and isinstance(x[0], str) and x[0] == "raised"


def _call(name: str, kind: str, kw: dict, Y: Any, P: Any, S: Any, L: int) -> Any:
    f = getattr(lm, name)
    kw = dict(kw)
    if kw.get("inv_propensity") == "from-y":
        kw["inv_propensity"] = lm.inverse_propensity(Y)
    if kind == "labels":
        return f(Y, P, **kw)
    if kind == "scores":
        return f(Y, S, **kw)
    if kind == "train":
        return f(Y, **kw)
    if kind == "consistency":  # judges predictions alone
        return f(P, _hierarchy(L), **kw)
    return f(Y, P, _hierarchy(L), **kw)


def _params():
    for name, (kind, variants) in SPECS.items():
        if kind in ("state", "class"):
            continue
        for i, kw in enumerate(variants):
            for case in CASES:
                yield pytest.param(name, kind, kw, case, id=f"{name}-{i}-{case}")


@pytest.mark.parametrize(("name", "kind", "kw", "case"), list(_params()))
def test_same_answer_in_every_container(name, kind, kw, case):
    Y, P, S = CASES[case]
    L = Y.shape[1]
    ys, ps, ss = _containers(Y), _containers(P), _containers(S, scores=True)
    results = {c: _outcome(lambda c=c: _call(name, kind, kw, ys[c], ps[c], ss[c], L)) for c in ys}
    ref = results["numpy"]
    for container, got in results.items():
        assert _same(got, ref), f"{name}({kw}) on {case}: {container} gave {got!r}, numpy {ref!r}"
    sk = SKLEARN.get(name)
    if sk is None or "inv_propensity" in kw:
        return
    sk_kw = {k: v for k, v in kw.items()}
    # scikit-learn's own forms: a one-column target as a 1-D vector
    Yd, Pd, Sd = (Y.ravel(), P.ravel(), S.ravel()) if L == 1 else (Y, P, S)
    expected = _outcome(lambda: sk(Yd, Sd if kind == "scores" else Pd, **sk_kw))
    if _raised(expected):
        return  # scikit-learn refuses this case; labelwise's answer is checked above
    # count metrics are exact; ranking metrics are computed another way, equal to rounding
    rtol = 0.0 if kind == "labels" else 1e-12
    assert _same(ref, expected, rtol), f"{name}({kw}) on {case}: {ref!r}, sklearn {expected!r}"


@pytest.mark.parametrize("case", list(CASES))
def test_evaluator_same_answer_in_every_container(case):
    Y, P, S = CASES[case]
    ys, ps, ss = _containers(Y), _containers(P), _containers(S, scores=True)
    label_names = sorted(COUNT_METRICS)
    score_names = ["average_precision_macro", "roc_auc_micro", "lrap", "precision@1"]

    def run(container: str, scores: bool) -> dict:
        names = label_names + score_names if scores else label_names
        ev = Evaluator(names, rule=FixedThreshold(0.5) if scores else None, zero_division=1.0)
        split = N // 3
        for part in (slice(0, split), slice(split, N)):  # two batches of each container
            y = _rows(ys[container], part)
            ev.update(y, _rows(ss[container] if scores else ps[container], part))
        return {name: _outcome(state.compute) for name, state in ev.states.items()}

    for scores in (False, True):
        ref = _outcome(lambda scores=scores: run("numpy", scores))
        for container in ys:
            got = _outcome(lambda container=container, scores=scores: run(container, scores))
            assert _same(got, ref), f"Evaluator on {case}: {container} differs ({scores=})"
    # the label metrics equal the one-shot functions on the whole data
    got = run("numpy", False)
    assert _same(got["f1_micro"], _outcome(lambda: lm.f1_score(Y, P, average="micro")))
    assert _same(got["hamming_loss"], _outcome(lambda: lm.hamming_loss(Y, P)))


def _rows(x: Any, part: slice) -> Any:
    if isinstance(x, list):
        return x[part]
    if isinstance(x, (pd.DataFrame, pd.Series)):
        return x.iloc[part]
    return x[part]


@pytest.mark.parametrize("case", list(CASES))
def test_at_k_state_same_answer_in_every_container(case):
    Y, _, S = CASES[case]
    ys, ss = _containers(Y), _containers(S, scores=True)

    def run(c: str) -> Any:
        st = lm.at_k_state("precision", k=1)
        st.update(ys[c], ss[c])
        return st.compute()

    ref = _outcome(lambda: run("numpy"))
    assert not _raised(ref), ref
    for container in ys:
        assert _same(_outcome(lambda c=container: run(c)), ref), container
    assert _same(ref, lm.precision_at_k(Y, S, k=1))


def test_one_sparse_column_is_binary_as_dense():
    """The issue's case: a (30, 1) CSR matrix gave one-label multi-label semantics (micro F1
    0.72, macro precision 1.0) where the dense array gives scikit-learn's binary ones."""
    rng = np.random.default_rng(3)
    y = (rng.random((30, 1)) < 0.5).astype(int)
    p = (rng.random((30, 1)) < 0.5).astype(int)
    for f, kw in (
        (lm.f1_score, {"average": "micro", "zero_division": 1}),
        (lm.precision_score, {"average": "macro"}),
        (lm.recall_score, {"average": "weighted"}),
    ):
        expected = getattr(skm, f.__name__)(y.ravel(), p.ravel(), **kw)
        for Y, Pr in ((y, p), (sp.csr_matrix(y), sp.csr_matrix(p)), (sp.csc_matrix(y), p)):
            assert f(Y, Pr, **kw) == expected
