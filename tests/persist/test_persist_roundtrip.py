"""Every labelwise model, wrapped as users wrap it, gives the same scores and decisions after
``save`` and ``load``; the metadata written is the metadata read."""

from __future__ import annotations

import datetime as dt
import json
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler

import labelwise
from labelwise.data import Hierarchy
from labelwise.decision import (
    AtLeastOne,
    BayesOptimal,
    Calibrated,
    FixedThreshold,
    GlobalThreshold,
    PerLabelThreshold,
    RankCut,
    ThresholdedClassifier,
    TopK,
)
from labelwise.models import (
    BinaryRelevance,
    ClassifierChain,
    EnsembleClassifierChains,
    LabelPowerset,
    MLkNN,
    OneVsOne,
    OneVsRest,
    RAkEL,
)
from labelwise.persist import fingerprint, load, load_metadata, save

X, Y = make_multilabel_classification(
    n_samples=70, n_features=5, n_classes=4, n_labels=2, random_state=0
)
X_COUNTS = X  # word counts: exact in float32 too
X = (X - X.mean(0)) / X.std(0)  # scaled: logistic regressions converge at once
X_NEW = np.random.default_rng(1).normal(size=(25, 5))

MULTILABEL = {
    "binary_relevance": lambda: BinaryRelevance(LogisticRegression(max_iter=500)),
    "label_powerset": lambda: LabelPowerset(LogisticRegression(max_iter=500)),
    "rakel": lambda: RAkEL(LogisticRegression(max_iter=500), k=2, random_state=0),
    "chain_greedy": lambda: ClassifierChain(order="random", random_state=0),
    "chain_beam": lambda: ClassifierChain(inference="beam", beam_width=3),
    "chain_exact": lambda: ClassifierChain(inference="exact"),
    "ecc": lambda: EnsembleClassifierChains(n_chains=2, bootstrap=True, random_state=0),
    "mlknn": lambda: MLkNN(k=5),
}
MULTILABEL_NAMES = list(MULTILABEL)
RULES = {
    "fixed": lambda: FixedThreshold([0.3, 0.4, 0.5, 0.6]),
    "global": lambda: GlobalThreshold(),
    "per_label": lambda: PerLabelThreshold(),
    "top_k": lambda: TopK(2),
    "rank_cut": lambda: RankCut(ratio=0.6),
    "at_least_one": lambda: AtLeastOne(GlobalThreshold()),
    "bayes": lambda: BayesOptimal("example_f1"),
    "calibrated": lambda: Calibrated(PerLabelThreshold(), cv=2, random_state=0),
}


def _roundtrip(model, tmp_path, **kw):
    path = tmp_path / "model.lw"
    save(model, path, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning at all
        return load(path)


def _assert_same(a, b, X_):
    np.testing.assert_array_equal(a.predict(X_), b.predict(X_))
    if hasattr(a, "predict_proba"):
        np.testing.assert_array_equal(a.predict_proba(X_), b.predict_proba(X_))


@pytest.mark.parametrize("name", MULTILABEL)
def test_model_in_pipeline_round_trips(name, tmp_path):
    model = make_pipeline(StandardScaler(), MULTILABEL[name]()).fit(X, Y)
    loaded = _roundtrip(model, tmp_path)
    assert type(loaded) is type(model) and type(loaded[-1]) is type(model[-1])
    _assert_same(model, loaded, X_NEW)
    if name == "chain_exact":
        Xt = model[:-1].transform(X_NEW)
        got, want = loaded[-1].predict_joint_proba(Xt), model[-1].predict_joint_proba(Xt)
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)


# Each model once inside ThresholdedClassifier (with a different rule each), and each rule once
# over binary relevance: every model and every rule goes through the meta-estimator.
PAIRS = [(name, rule) for name, rule in zip(MULTILABEL, RULES, strict=True)]
PAIRS[MULTILABEL_NAMES.index("chain_exact")] = ("chain_exact", "bayes")  # uses joint probabilities
PAIRS += [("binary_relevance", rule) for rule in RULES]


@pytest.mark.parametrize(("name", "rule"), PAIRS)
def test_thresholded_model_round_trips(name, rule, tmp_path):
    model = ThresholdedClassifier(
        make_pipeline(StandardScaler(), MULTILABEL[name]()),
        rule=RULES[rule](),
        cv=2,
        random_state=0,
    ).fit(X, Y)
    loaded = _roundtrip(model, tmp_path)
    _assert_same(model, loaded, X_NEW)
    assert type(loaded.rule_) is type(model.rule_)
    np.testing.assert_array_equal(loaded.oof_scores_, model.oof_scores_)
    meta = load_metadata(tmp_path / "model.lw")
    rule_ = model.rule_
    assert meta["decision_rule"]["class"] == f"{type(rule_).__module__}.{type(rule_).__name__}"


@pytest.mark.parametrize("rule", ["fixed", "top_k", "rank_cut"])
def test_untuned_rule_as_model_parameter_round_trips(rule, tmp_path):
    model = BinaryRelevance(decision_rule=RULES[rule]()).fit(X, Y)
    loaded = _roundtrip(model, tmp_path)
    _assert_same(model, loaded, X_NEW)
    assert loaded.decision_rule.get_params() == model.decision_rule.get_params()


@pytest.mark.parametrize("cls", [OneVsRest, OneVsOne])
def test_multiclass_reductions_round_trip(cls, tmp_path):
    y = Y.argmax(axis=1)
    model = make_pipeline(StandardScaler(), cls(LogisticRegression(max_iter=500))).fit(X, y)
    loaded = _roundtrip(model, tmp_path)
    _assert_same(model, loaded, X_NEW)
    if hasattr(model[-1], "decision_function"):
        Xt = model[:-1].transform(X_NEW)
        np.testing.assert_array_equal(
            loaded[-1].decision_function(Xt), model[-1].decision_function(Xt)
        )
    assert load_metadata(tmp_path / "model.lw")["problem_type"] == "multiclass"


def test_binary_thresholded_round_trips(tmp_path):
    y = np.where(Y[:, 0] == 1, "spam", "ham")
    model = ThresholdedClassifier(LogisticRegression(), cv=3, random_state=0).fit(X, y)
    loaded = _roundtrip(model, tmp_path)
    _assert_same(model, loaded, X_NEW)
    meta = load_metadata(tmp_path / "model.lw")
    assert meta["problem_type"] == "binary" and meta["label_names"] == ["ham", "spam"]


def test_sparse_input_model_round_trips(tmp_path):
    Xs = sp.csr_matrix(np.where(X > 0.5, X, 0))
    model = make_pipeline(MaxAbsScaler(), MLkNN(k=3)).fit(Xs, Y)
    assert sp.issparse(model[-1]._fit_X)  # the model holds a sparse matrix
    loaded = _roundtrip(model, tmp_path)
    _assert_same(model, loaded, sp.csr_matrix(X_NEW))


@pytest.mark.parametrize(
    "base",
    [
        RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0),
        HistGradientBoostingClassifier(max_iter=5, random_state=0),
        GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0),
    ],
    ids=["forest", "hist_gradient_boosting", "gradient_boosting"],
)
def test_tree_models_load_by_default(base, tmp_path):
    model = BinaryRelevance(base).fit(X, Y)
    loaded = _roundtrip(model, tmp_path)  # no trusted=...: trees are checked, then trusted
    _assert_same(model, loaded, X_NEW)


def test_boosting_with_categorical_features_loads_by_default(tmp_path):
    rng = np.random.default_rng(0)
    Xc = np.column_stack([rng.integers(0, 5, 120), rng.normal(size=120)])
    Yc = np.column_stack([Xc[:, 0] % 2 == 0, Xc[:, 1] > 0]).astype(int)
    base = HistGradientBoostingClassifier(max_iter=4, categorical_features=[0], random_state=0)
    model = BinaryRelevance(base).fit(Xc, Yc)
    assert any(
        (p.nodes["is_categorical"] != 0).any()
        for est in model.estimators_
        for row in est._predictors
        for p in row
    )
    _assert_same(model, _roundtrip(model, tmp_path), Xc)


def test_saving_does_not_change_the_model(tmp_path):
    model = ThresholdedClassifier(BinaryRelevance(), cv=2, random_state=0).fit(X, Y)
    before = model.predict_proba(X_NEW)
    params = model.get_params()
    save(model, tmp_path / "m.lw")
    np.testing.assert_array_equal(model.predict_proba(X_NEW), before)
    assert model.get_params().keys() == params.keys()


def test_top_level_names_point_here(tmp_path):
    assert labelwise.save is labelwise.persist.save
    assert labelwise.load is labelwise.persist.load
    model = BinaryRelevance().fit(X, Y)
    labelwise.save(model, tmp_path / "a.lw")
    assert isinstance(labelwise.load(tmp_path / "a.lw"), BinaryRelevance)


# --- metadata -------------------------------------------------------------------------------


def test_metadata_round_trips(tmp_path):
    pd = pytest.importorskip("pandas")
    names = ["sport", "sport.tennis", "news", "news.local"]
    Xdf = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    lists = [[names[j] for j in np.flatnonzero(row)] for row in Y]
    model = ThresholdedClassifier(
        BinaryRelevance(), rule=PerLabelThreshold(), cv=2, random_state=0
    ).fit(Xdf, Y)
    leaderboard = pd.DataFrame(
        {"candidate": ["br-lr", "cc-lr"], "micro_f1": [np.float64(0.61), 0.58], "rank": [1, 2]}
    )
    given = {
        "metric": "micro_f1",
        "leaderboard": leaderboard,
        "training_fingerprint": fingerprint(X, lists),
        "hierarchy": Hierarchy.from_names(names),
        "label_names": names,
        "notes": {"run": np.int64(7), "tags": ("a", "b")},
    }
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    save(model, tmp_path / "m.lw", metadata=given)
    meta = load_metadata(tmp_path / "m.lw")
    end = dt.datetime.now(dt.timezone.utc)

    assert meta["format"] == "labelwise-model" and meta["format_version"] == "1.0"
    assert start <= dt.datetime.fromisoformat(meta["created"]) <= end
    assert meta["created"].endswith("+00:00")
    assert meta["versions"]["labelwise"] == labelwise.__version__
    assert meta["versions"]["numpy"] == np.__version__
    assert meta["metric"] == "micro_f1"
    assert meta["leaderboard"] == [
        {"candidate": "br-lr", "micro_f1": 0.61, "rank": 1},
        {"candidate": "cc-lr", "micro_f1": 0.58, "rank": 2},
    ]
    assert meta["training_fingerprint"] == json.loads(json.dumps(fingerprint(X, lists)))
    assert meta["hierarchy"] == {
        "sport": None,
        "sport.tennis": "sport",
        "news": None,
        "news.local": "news",
    }
    assert meta["label_names"] == names
    assert meta["notes"] == {"run": 7, "tags": ["a", "b"]}
    # inferred from the model
    assert meta["problem_type"] == "multilabel"
    assert meta["feature_names"] == ["f0", "f1", "f2", "f3", "f4"]
    assert meta["n_features"] == 5 and meta["input"] == "features"
    rule = meta["decision_rule"]
    assert rule["class"] == "labelwise.decision.thresholds.PerLabelThreshold"
    assert rule["params"] == model.rule_.get_params()
    assert rule["fitted"]["thresholds_"] == model.rule_.thresholds_.tolist()
    assert meta["estimator"]["class"] == "labelwise.decision.meta.ThresholdedClassifier"
    assert meta["estimator"]["params"]["estimator"]["class"].endswith("BinaryRelevance")


def test_metadata_is_strict_json_and_names_pipeline_steps(tmp_path):
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["alpha beta", "beta gamma", "gamma delta", "delta alpha", "alpha gamma"] * 14
    model = make_pipeline(TfidfVectorizer(), BinaryRelevance()).fit(docs, Y)
    save(model, tmp_path / "t.lw")
    import zipfile

    with zipfile.ZipFile(tmp_path / "t.lw") as zf:
        text = zf.read("metadata.json").decode()
    meta = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
    assert meta["input"] == "text"
    assert [s["name"] for s in meta["pipeline"]] == ["tfidfvectorizer", "binaryrelevance"]
    rule = model[-1].rule_  # the default rule, tuned in fit
    assert meta["decision_rule"]["class"] == f"{type(rule).__module__}.{type(rule).__qualname__}"
    assert meta["decision_rule"]["params"] == json.loads(json.dumps(rule.get_params()))
    loaded = load(tmp_path / "t.lw")
    np.testing.assert_array_equal(loaded.predict_proba(docs[:7]), model.predict_proba(docs[:7]))


def test_reserved_metadata_keys_are_refused(tmp_path):
    model = BinaryRelevance().fit(X, Y)
    with pytest.raises(ValueError, match="'format_version' is written by labelwise"):
        save(model, tmp_path / "m.lw", metadata={"format_version": "9.9"})
    assert not (tmp_path / "m.lw").exists()


def test_unfitted_model_is_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save(clone(BinaryRelevance()), tmp_path / "m.lw")
    assert list(tmp_path.iterdir()) == []


# --- fingerprint ----------------------------------------------------------------------------


def test_fingerprint_depends_on_values_not_representation():
    base = fingerprint(X, Y)
    assert fingerprint(X.tolist(), Y.tolist()) == base
    counts = fingerprint(X_COUNTS, Y)
    assert fingerprint(X_COUNTS.astype(np.float32), Y.astype(bool)) == counts
    assert counts["sha256"] != base["sha256"]
    X2 = X.copy()
    X2[3, 2] += 1
    assert fingerprint(X2, Y)["sha256"] != base["sha256"]
    Y2 = Y.copy()
    Y2[0, 0] ^= 1
    assert fingerprint(X, Y2)["X"] == base["X"]
    assert fingerprint(X, Y2)["sha256"] != base["sha256"]
    # same bytes, other shape
    assert fingerprint(X.reshape(35, 10), Y)["sha256"] != base["sha256"]
    # reference: SHA-256 of the float64 C-order bytes after the shape
    import hashlib

    ref = hashlib.sha256(np.array(X.shape, np.int64).tobytes() + X.astype(np.float64).tobytes())
    assert base["X"]["sha256"] == ref.hexdigest()


def test_fingerprint_of_sparse_and_text():
    A = sp.csr_matrix(np.where(X > 0.5, X, 0))
    messy = sp.coo_matrix(A)  # duplicates and explicit zeros: the same matrix
    messy = sp.coo_matrix(
        (np.r_[messy.data, 0.0, 1.0, -1.0], (np.r_[messy.row, 0, 1, 1], np.r_[messy.col, 0, 2, 2])),
        shape=A.shape,
    )
    assert fingerprint(messy)["X"] == fingerprint(A)["X"]
    assert fingerprint(A)["X"]["kind"] == "sparse"
    docs = ["a b", "c"]
    assert fingerprint(docs)["X"]["kind"] == "text"
    assert fingerprint(["a", "b c"])["sha256"] != fingerprint(docs)["sha256"]


def test_fingerprint_of_text_is_the_same_for_every_text_container():
    import hashlib

    import pandas as pd

    docs = ["Java engineer", "nurse, night shifts"]
    ref = hashlib.sha256()  # each document's UTF-8 bytes after its 8-byte little-endian length
    for doc in docs:
        ref.update(len(doc.encode()).to_bytes(8, "little") + doc.encode())
    for container in (docs, tuple(docs), np.array(docs), np.array(docs, dtype=object)):
        x = fingerprint(container)["X"]
        assert x == {"kind": "text", "shape": [2], "sha256": ref.hexdigest()}, type(container)
    assert fingerprint(pd.Series(docs))["X"]["sha256"] == ref.hexdigest()


def test_hierarchical_model_and_rules_round_trip(tmp_path):
    from labelwise.decision.hierarchical import CloseUpward, TopDownArgmax
    from labelwise.models.hierarchical import HierarchicalClassifier

    rng = np.random.default_rng(0)
    Xh = rng.normal(size=(80, 3))
    cat, dog = Xh[:, 0] > 0.5, Xh[:, 1] > 0.5
    Yh = np.column_stack([cat | dog, cat, dog]).astype(int)
    h = Hierarchy.from_groups({"animal": ["cat", "dog"]})
    labels = ["animal", "cat", "dog"]
    models = [
        HierarchicalClassifier(hierarchy=h, labels=labels, strategy="flat"),
        HierarchicalClassifier(hierarchy=h, labels=labels, strategy="top_down"),
        ThresholdedClassifier(BinaryRelevance(), rule=CloseUpward(hierarchy=h), cv=2),
        ThresholdedClassifier(BinaryRelevance(), rule=TopDownArgmax(h, labels=labels), cv=2),
    ]
    for i, model in enumerate(models):
        folder = tmp_path / str(i)
        folder.mkdir()
        model.fit(Xh, Yh)
        _assert_same(model, _roundtrip(model, folder), Xh)
        meta = load_metadata(folder / "model.lw")
        assert meta["hierarchy"] == {"animal": None, "cat": "animal", "dog": "animal"}


def test_text_model_round_trips(tmp_path, job_ads):
    from labelwise.text import TfidfClassifier

    texts, labels = job_ads
    model = TfidfClassifier().fit(texts * 2, labels * 2)
    loaded = _roundtrip(model, tmp_path)
    new = ["Java developer in London", "Nurse, Berlin"]
    _assert_same(model, loaded, new)
    meta = load_metadata(tmp_path / "model.lw")
    assert meta["label_names"] == ["Finance", "Germany", "Health", "IT", "UK"]
    assert meta["input"] == "text" and meta["problem_type"] is None


def test_auto_classifier_round_trips_with_its_leaderboard(tmp_path):
    from labelwise.auto import AutoClassifier

    auto = AutoClassifier("micro_f1", candidates=["BinaryRelevance"], blend=False, cv=2)
    auto.fit(X, Y)
    loaded = _roundtrip(auto, tmp_path)
    _assert_same(auto, loaded, X_NEW)
    meta = load_metadata(tmp_path / "model.lw")
    assert meta["metric"] == auto.objective_ == "micro_f1"
    assert meta["leaderboard"] == json.loads(json.dumps(auto.leaderboard_))
    assert meta["problem_type"] == "multilabel"
    assert meta["decision_rule"]["class"].endswith(type(auto.rule_).__name__)
